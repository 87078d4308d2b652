//! Accounts: sign-up with a confirmed address, sign-in with throttling that
//! cannot lock an owner out, password reset and change, and the account
//! e-mails (confirmation, reset and sign-in links), which go through the
//! outbox like award e-mails and are composed when sent: the single-use
//! token is made then and only its SHA-256 is stored, so the clear token
//! exists only in the e-mail. Every limit here is listed in docs/security.md.

use insignia_store::model::{MailKind, OutboxMessage, User};
use insignia_store::repo::mail;
use insignia_store::repo::throttle::{self, Limit};
use insignia_store::repo::users::{self, TokenPurpose};
use insignia_store::token::random_id;
use insignia_store::{StoreError, now};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use minijinja::context;

use crate::auth::{self, ClientIp};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::mail::header_text;
use crate::state::Shared;

/// How long an address-confirmation link works (seconds).
pub const CONFIRM_LINK_TTL: i64 = 24 * 3600;
/// How long a password-reset link works (seconds).
pub const RESET_LINK_TTL: i64 = 3600;
/// How long an e-mailed sign-in link works (seconds).
pub const SIGN_IN_LINK_TTL: i64 = 15 * 60;
/// Shortest password accepted (characters).
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (characters; Argon2 reads all of it).
pub const MAX_PASSWORD: usize = 1_000;

/// Sign-in failures are counted over this window (seconds).
pub const LOGIN_WINDOW: i64 = 15 * 60;
/// Failures one client address may have in the window before each further
/// attempt has to wait (over any number of accounts).
pub const CLIENT_FREE_FAILURES: i64 = 20;
/// Failures one client may have on one account in the window before each
/// further attempt on it has to wait. Other clients are not affected, so the
/// owner signing in from elsewhere never is.
pub const PAIR_FREE_FAILURES: i64 = 5;
/// The longest wait between attempts (seconds).
pub const MAX_LOGIN_DELAY: i64 = 15 * 60;

/// Sign-ups per client address.
pub const SIGNUP_LIMITS: &[Limit] = &[Limit {
    window: 3600,
    max: 10,
}];
/// Account e-mails (confirmation again, password reset) asked for per
/// client address.
pub const CLIENT_MAIL_LIMITS: &[Limit] = &[Limit {
    window: 3600,
    max: 20,
}];
/// Account e-mails per address: one a minute, ten a day.
pub const ADDRESS_MAIL_LIMITS: &[Limit] = &[
    Limit { window: 60, max: 1 },
    Limit {
        window: 86_400,
        max: 10,
    },
];
/// An award's e-mail re-sent by an issuer: once a minute, ten times a day.
pub const RESEND_LIMITS: &[Limit] = &[
    Limit { window: 60, max: 1 },
    Limit {
        window: 86_400,
        max: 10,
    },
];

/// The wait (seconds) after the latest failure once `failures` have been
/// counted, `free` of them without any: 2 s, then doubling, at most
/// [`MAX_LOGIN_DELAY`]. A delay, not a lock: the attempt after it is
/// checked as usual.
pub fn login_delay(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
    (2_i64 << doublings).min(MAX_LOGIN_DELAY)
}

/// How a sign-in went.
#[derive(Debug)]
pub enum SignIn {
    Ok(Box<User>),
    /// Unknown address or wrong password (the same answer for both).
    Wrong,
    /// Too many recent failures from this client (on this account or over
    /// all): try again in this many seconds.
    Throttled(i64),
}

/// The network a client address stands for in the counters: an IPv4
/// address itself, an IPv6 address's /64 (one subscriber usually holds a
/// whole /64, so counting single IPv6 addresses would let one client rotate
/// through millions).
fn client_network(client: &ClientIp) -> String {
    match client.0.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        _ => client.0.clone(),
    }
}

pub(crate) fn client_subject(client: &ClientIp) -> String {
    format!("client:{}", client_network(client))
}

fn pair_subject(client: &ClientIp, email: &str) -> String {
    format!("pair:{}|{email}", client_network(client))
}

/// Checks a sign-in. Both an unknown address and an account without a
/// password cost one Argon2 verification, like a real one (against
/// [`auth::dummy_hash`]), so the time taken does not tell them apart.
pub async fn sign_in(
    state: &Shared,
    client: &ClientIp,
    email: &str,
    password: &str,
) -> Result<SignIn, AppError> {
    let email = email.trim().to_lowercase();
    let subjects = [
        (client_subject(client), CLIENT_FREE_FAILURES),
        (pair_subject(client, &email), PAIR_FREE_FAILURES),
    ];
    let t = now();
    for (subject, free) in &subjects {
        let (failures, last) = users::login_failures(&state.store, subject, LOGIN_WINDOW).await?;
        let wait = login_delay(failures, *free);
        if let Some(last) = last.filter(|_| wait > 0) {
            if last + wait > t {
                return Ok(SignIn::Throttled(last + wait - t));
            }
        }
    }
    let user = users::by_email(&state.store, &email).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = password.to_owned();
    // Argon2 is deliberately slow: keep it off the async threads.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::password_matches(&password, &hash),
        None => {
            let _ = auth::password_matches(&password, auth::dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false);
    match user.filter(|_| ok) {
        Some(user) => {
            users::clear_login_failures(&state.store, &subjects[1].0).await?;
            Ok(SignIn::Ok(Box::new(user)))
        }
        None => {
            for (subject, _) in &subjects {
                users::record_failed_login(&state.store, subject, LOGIN_WINDOW).await?;
            }
            Ok(SignIn::Wrong)
        }
    }
}

/// Hashes a password off the async threads.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Whether an account e-mail may go to `email` now (and records it when so):
/// the per-address limits, counted whether or not an account has the address.
async fn address_allows(state: &Shared, email: &str) -> Result<bool, StoreError> {
    throttle::allow(
        &state.store,
        &format!("mail:address:{email}"),
        ADDRESS_MAIL_LIMITS,
    )
    .await
}

/// What a request for an account e-mail came to. Every answer is the same
/// whether or not an account has the address.
#[derive(Debug, PartialEq, Eq)]
pub enum MailRequest {
    /// Done (an e-mail is queued if an account has the address).
    CheckInbox,
    /// Too many requests from this client.
    ClientLimit,
    /// An e-mail went to this address less than a minute ago (or ten today).
    AddressLimit,
}

/// Signs up. The answer is [`MailRequest::CheckInbox`] whether the address
/// is new (the account is created and a confirmation link queued) or taken
/// (its owner is sent a password-reset link, which says someone tried to
/// sign up with their address); both hash the password, so they take as long.
pub async fn sign_up(
    state: &Shared,
    client: &ClientIp,
    name: &str,
    email: &str,
    password: &str,
    locale: Locale,
) -> Result<MailRequest, AppError> {
    let allowed = throttle::allow(
        &state.store,
        &format!("signup:{}", client_subject(client)),
        SIGNUP_LIMITS,
    )
    .await?;
    if !allowed {
        return Ok(MailRequest::ClientLimit);
    }
    let email = email.trim().to_lowercase();
    let hash = hash_password(password).await?;
    match users::sign_up(&state.store, &email, name, &hash, locale.code()).await {
        Ok(_) => crate::mail::wake(state),
        Err(StoreError::Conflict(_)) => {
            if address_allows(state, &email).await? {
                queue_for_address(state, &email, locale).await?;
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(MailRequest::CheckInbox)
}

/// Queues the e-mail an address needs: a confirmation link while it is not
/// confirmed, a password-reset link once it is. Nothing when no account has
/// the address.
async fn queue_for_address(state: &Shared, email: &str, locale: Locale) -> Result<(), AppError> {
    let Some(user) = users::by_any_email(&state.store, email).await? else {
        return Ok(());
    };
    let confirmed = users::verified_emails(&state.store, &user.id)
        .await?
        .iter()
        .any(|e| e == email);
    let kind = if confirmed {
        MailKind::PasswordReset
    } else {
        MailKind::ConfirmEmail
    };
    let locale = user
        .locale
        .as_deref()
        .and_then(Locale::from_code)
        .unwrap_or(locale);
    let message = mail::NewMessage::account(kind, &user.id, email, locale.code());
    mail::enqueue(&state.store, &message).await?;
    crate::mail::wake(state);
    Ok(())
}

/// "Send the link again" on the check-your-inbox page: the same answer
/// whether or not an account has the address.
pub async fn resend_confirmation(
    state: &Shared,
    client: &ClientIp,
    email: &str,
    locale: Locale,
) -> Result<MailRequest, AppError> {
    request_mail(state, client, email, locale, false).await
}

/// "Forgot your password?": a reset link to the address if an account has
/// it; the same answer otherwise.
pub async fn request_password_reset(
    state: &Shared,
    client: &ClientIp,
    email: &str,
    locale: Locale,
) -> Result<MailRequest, AppError> {
    request_mail(state, client, email, locale, true).await
}

async fn request_mail(
    state: &Shared,
    client: &ClientIp,
    email: &str,
    locale: Locale,
    reset: bool,
) -> Result<MailRequest, AppError> {
    let email = email.trim().to_lowercase();
    let by_client = throttle::allow(
        &state.store,
        &format!("mail:{}", client_subject(client)),
        CLIENT_MAIL_LIMITS,
    )
    .await?;
    if !by_client {
        return Ok(MailRequest::ClientLimit);
    }
    if !address_allows(state, &email).await? {
        return Ok(MailRequest::AddressLimit);
    }
    if reset {
        if let Some(user) = users::by_any_email(&state.store, &email).await? {
            let locale = user
                .locale
                .as_deref()
                .and_then(Locale::from_code)
                .unwrap_or(locale);
            let message =
                mail::NewMessage::account(MailKind::PasswordReset, &user.id, &email, locale.code());
            mail::enqueue(&state.store, &message).await?;
            crate::mail::wake(state);
        }
        Ok(MailRequest::CheckInbox)
    } else {
        queue_for_address(state, &email, locale).await?;
        Ok(MailRequest::CheckInbox)
    }
}

/// Why a password change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordChange {
    Done,
    /// The current password was wrong (or missing).
    WrongCurrent,
    TooShort,
    TooLong,
    /// Too many wrong current passwords from this client: wait this long.
    Throttled(i64),
}

/// Checks a new password's length.
pub fn password_problem(password: &str) -> Option<PasswordChange> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Some(PasswordChange::TooShort)
    } else if n > MAX_PASSWORD {
        Some(PasswordChange::TooLong)
    } else {
        None
    }
}

/// Changes the password of a signed-in account. The current password is
/// needed, unless the account has none yet (the first-run administrator,
/// signed in by the one-time link). Every other session of the account ends;
/// `session` (the one asking) stays. Wrong current passwords count as failed
/// sign-ins of this client on this account.
pub async fn change_password(
    state: &Shared,
    client: &ClientIp,
    user: &User,
    session: &str,
    current: &str,
    new: &str,
) -> Result<PasswordChange, AppError> {
    if user.password_hash.is_some() {
        match sign_in(state, client, &user.email, current).await? {
            SignIn::Ok(_) => {}
            SignIn::Wrong => return Ok(PasswordChange::WrongCurrent),
            SignIn::Throttled(wait) => return Ok(PasswordChange::Throttled(wait)),
        }
    }
    if let Some(problem) = password_problem(new) {
        return Ok(problem);
    }
    let hash = hash_password(new).await?;
    users::change_password(&state.store, &user.id, &hash, Some(session)).await?;
    Ok(PasswordChange::Done)
}

/// Uses a reset link: the new password is set, every reset link of the
/// account is void, and every session of the account ends. Returns the
/// account, or None when the link is unknown, used or expired.
pub async fn reset_password(
    state: &Shared,
    token: &str,
    new: &str,
) -> Result<Result<Option<String>, PasswordChange>, AppError> {
    if let Some(problem) = password_problem(new) {
        return Ok(Err(problem));
    }
    let hash = hash_password(new).await?;
    Ok(Ok(users::reset_password(&state.store, token, &hash).await?))
}

/// Why an account e-mail could not be composed.
#[derive(Debug)]
pub(crate) enum AccountMailError {
    /// Nothing to send any more (the account is gone, the address confirmed).
    Gone(String),
    /// The recipient's address is unusable.
    Address(String),
    /// Our templates or data: worth another try after a fix.
    Other(String),
    Store(StoreError),
}

impl From<StoreError> for AccountMailError {
    fn from(e: StoreError) -> Self {
        AccountMailError::Store(e)
    }
}

/// Composes an account e-mail (`message.kind` other than award), making its
/// single-use link now.
pub(crate) async fn compose_email(
    state: &Shared,
    from: &Address,
    message: &OutboxMessage,
) -> Result<Message, AccountMailError> {
    let user_id = message
        .user_id
        .as_deref()
        .ok_or_else(|| AccountMailError::Gone("the message names no account".into()))?;
    let user = users::by_id(&state.store, user_id)
        .await?
        .ok_or_else(|| AccountMailError::Gone("the account no longer exists".into()))?;
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::En);
    let to: Address = message.recipient.parse().map_err(|e| {
        AccountMailError::Address(format!("recipient address {:?}: {e}", message.recipient))
    })?;
    let (purpose, ttl, path, key) = match message.kind {
        MailKind::ConfirmEmail => {
            let confirmed = users::verified_emails(&state.store, &user.id).await?;
            if confirmed.contains(&message.recipient.to_lowercase()) {
                return Err(AccountMailError::Gone(
                    "the address was confirmed before the e-mail was sent".into(),
                ));
            }
            (
                TokenPurpose::ConfirmEmail,
                CONFIRM_LINK_TTL,
                "/account/confirm/",
                "confirm",
            )
        }
        MailKind::PasswordReset => (
            TokenPurpose::PasswordReset,
            RESET_LINK_TTL,
            "/password/reset/",
            "reset",
        ),
        MailKind::SignInLink => (
            TokenPurpose::SignInLink,
            SIGN_IN_LINK_TTL,
            "/login/email/",
            "sign-in",
        ),
        MailKind::Award
        | MailKind::Reminder
        | MailKind::Revocation
        | MailKind::EventConfirm
        | MailKind::EventDeclined
        | MailKind::EndorsementRequest
        | MailKind::EndorsementDecided
        | MailKind::RequestDeclined
        | MailKind::MembershipExpiring => {
            return Err(AccountMailError::Other(
                "an award or event e-mail is not an account e-mail".into(),
            ));
        }
    };
    // Derived from the message (as claim links are): a message sent again
    // after a crash carries the same link, not a second valid one.
    let token = state.master.token_for(purpose.as_str(), &message.id);
    users::add_account_token(
        &state.store,
        &token,
        &user.id,
        purpose,
        &message.recipient,
        ttl,
    )
    .await?;
    let base = &state.config.base_url;
    let ctx = context! {
        kind => key, name => user.name, link => format!("{base}{path}{token}"), site => base,
        minutes => ttl / 60, hours => ttl / 3600,
    };
    let render = |name: &str| {
        state
            .pages
            .render(name, locale, ctx.clone())
            .map_err(|e| AccountMailError::Other(format!("template: {e:#}")))
    };
    let text = render("email_account.txt")?;
    let html = render("email_account.html")?;
    let subject = state
        .catalog
        .text(locale, &format!("email-{key}-subject"), &[]);
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    Message::builder()
        .from(Mailbox::new(Some("Insignia".into()), from.clone()))
        .to(Mailbox::new(Some(header_text(&user.name)), to))
        .subject(header_text(&subject))
        .message_id(Some(format!("<{}.{}@{host}>", message.id, random_id(8))))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| AccountMailError::Other(format!("building the message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let net = |ip: &str| client_network(&ClientIp(ip.into()));
        assert_eq!(net("203.0.113.7"), "203.0.113.7");
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:2:ffff::9"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:198.51.100.4"), "198.51.100.4");
        assert_eq!(net("unknown"), "unknown");
    }

    #[test]
    fn login_delays_grow_and_stop_growing() {
        assert_eq!(login_delay(0, 5), 0);
        assert_eq!(login_delay(4, 5), 0);
        assert_eq!(login_delay(5, 5), 2);
        assert_eq!(login_delay(6, 5), 4);
        assert_eq!(login_delay(9, 5), 32);
        assert_eq!(login_delay(30, 5), MAX_LOGIN_DELAY);
        assert_eq!(login_delay(i64::MAX, 5), MAX_LOGIN_DELAY);
    }
}
