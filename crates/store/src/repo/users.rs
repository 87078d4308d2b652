//! Users, their e-mail addresses, sessions, one-time login links, account
//! tokens (address confirmation, password reset, sign-in links) and login
//! attempts.

use crate::model::{MailKind, Session, SessionInfo, User};
use crate::repo::mail;
use crate::token::{random_id, token_hash};
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const USER_COLUMNS: &str = "id, email, name, password_hash, is_admin, locale, created_at, \
    EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = users.id AND e.email = users.email \
    AND e.verified_at IS NOT NULL) AS email_verified";

pub async fn count(store: &Store) -> Result<i64, StoreError> {
    let n: i64 = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users"
    )
    .fetch_one(pool)
    .await?);
    Ok(n)
}

/// Creates a user whose address is not confirmed yet; the e-mail is stored
/// lower-cased. Fails with [`StoreError::Conflict`] when the address is
/// taken (by any account, confirmed or not).
pub async fn create(
    store: &Store,
    email: &str,
    name: &str,
    password_hash: Option<&str>,
    is_admin: bool,
) -> Result<User, StoreError> {
    let mut tx = store.begin().await?;
    let user = create_in(&mut tx, email, name, password_hash, is_admin).await?;
    tx.commit().await?;
    Ok(user)
}

/// [`create`] inside the caller's transaction.
pub async fn create_in(
    tx: &mut Tx,
    email: &str,
    name: &str,
    password_hash: Option<&str>,
    is_admin: bool,
) -> Result<User, StoreError> {
    let user = User {
        id: random_id(16),
        email: email.trim().to_lowercase(),
        name: name.trim().to_owned(),
        password_hash: password_hash.map(str::to_owned),
        is_admin,
        locale: None,
        created_at: now(),
        email_verified: false,
    };
    let sql = "INSERT INTO users (id, email, name, password_hash, is_admin, locale, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let result = on_tx!(&mut *tx, |c| sqlx::query(sql)
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.is_admin)
        .bind(&user.locale)
        .bind(user.created_at)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()));
    let taken = |e: sqlx::Error| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict("an account with this e-mail"),
        other => other,
    };
    result.map_err(taken)?;
    on_tx!(&mut *tx, |c| sqlx::query(
        "INSERT INTO user_emails (email, user_id, verified_at, created_at) VALUES ($1, $2, NULL, $3)"
    )
    .bind(&user.email)
    .bind(&user.id)
    .bind(user.created_at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(taken)?;
    Ok(user)
}

/// Signs up: creates the account (address not confirmed) and queues the
/// e-mail confirming its address, in one transaction. [`StoreError::Conflict`]
/// when the address is taken; nothing is written then.
pub async fn sign_up(
    store: &Store,
    email: &str,
    name: &str,
    password_hash: &str,
    locale: &str,
) -> Result<User, StoreError> {
    let mut tx = store.begin().await?;
    let user = create_in(&mut tx, email, name, Some(password_hash), false).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET locale = $1 WHERE id = $2"
    )
    .bind(locale)
    .bind(&user.id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    let message = mail::NewMessage::account(MailKind::ConfirmEmail, &user.id, &user.email, locale);
    mail::enqueue_in(&mut tx, &message).await?;
    tx.commit().await?;
    Ok(User {
        locale: Some(locale.to_owned()),
        ..user
    })
}

/// The account's confirmed addresses (lower-case), its main address first.
pub async fn verified_emails(store: &Store, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT e.email FROM user_emails e JOIN users u ON u.id = e.user_id \
         WHERE e.user_id = $1 AND e.verified_at IS NOT NULL \
         ORDER BY CASE WHEN e.email = u.email THEN 0 ELSE 1 END, e.email"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// Adds `email` to the account, not confirmed yet (confirm it with a
/// [`MailKind::ConfirmEmail`] message: [`confirm_email`] marks it).
/// [`StoreError::Conflict`] when any account has it.
pub async fn add_email(store: &Store, user_id: &str, email: &str) -> Result<(), StoreError> {
    let email = email.trim().to_lowercase();
    let result = on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO user_emails (email, user_id, verified_at, created_at) VALUES ($1, $2, NULL, $3)"
    )
    .bind(&email)
    .bind(user_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    });
    match result.map_err(StoreError::from) {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(StoreError::Conflict("an account with this e-mail")),
        Err(e) => Err(e),
    }
}

/// Marks `email` of `user_id` confirmed now (for addresses vouched for
/// otherwise: tests, an operator's tool). True when it was not confirmed yet.
pub async fn mark_email_verified(
    store: &Store,
    user_id: &str,
    email: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let changed = verify_in(&mut tx, user_id, &email.trim().to_lowercase(), now()).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Replaces the account's main address by `email`, confirmed (the first-run
/// administrator chooses theirs on the one-time page). The old address is
/// removed. [`StoreError::Conflict`] when another account has `email`.
pub async fn replace_email_verified(
    store: &Store,
    user_id: &str,
    email: &str,
) -> Result<(), StoreError> {
    let email = email.trim().to_lowercase();
    let t = now();
    let mut tx = store.begin().await?;
    let owner: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT user_id FROM user_emails WHERE email = $1"
    )
    .bind(&email)
    .fetch_optional(&mut **c)
    .await?);
    if owner.as_deref().is_some_and(|o| o != user_id) {
        return Err(StoreError::Conflict("an account with this e-mail"));
    }
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "DELETE FROM user_emails WHERE user_id = $1 AND email = (SELECT email FROM users WHERE id = $1)"
    )
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    let taken = |e: sqlx::Error| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict("an account with this e-mail"),
        other => other,
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET email = $1 WHERE id = $2"
    )
    .bind(&email)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(taken)?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO user_emails (email, user_id, verified_at, created_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (email) DO UPDATE SET verified_at = excluded.verified_at"
    )
    .bind(&email)
    .bind(user_id)
    .bind(t)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await
}

pub async fn by_email(store: &Store, email: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let email = email.trim().to_lowercase();
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(&email)
        .fetch_optional(pool)
        .await?))
}

pub async fn by_id(store: &Store, id: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

pub async fn set_password(store: &Store, user_id: &str, hash: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2"
    )
    .bind(hash)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn set_locale(store: &Store, user_id: &str, locale: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE users SET locale = $1 WHERE id = $2"
    )
    .bind(locale)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// A one-time login link token for `user_id`, valid for `ttl` seconds.
pub async fn create_login_link(
    store: &Store,
    user_id: &str,
    ttl: i64,
) -> Result<String, StoreError> {
    let token = random_id(32);
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)"
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now() + ttl)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(token)
}

/// Uses up a login link: returns its user if the link exists, is unexpired and
/// unused. The update is one statement, so two clicks cannot both succeed.
pub async fn consume_login_link(store: &Store, token: &str) -> Result<Option<String>, StoreError> {
    let t = now();
    let user: Option<String> = on_db!(store, |pool| sqlx::query_scalar(
        "UPDATE login_links SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id"
    )
    .bind(t)
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?);
    Ok(user)
}

/// Opens a session; returns (session token for the cookie, CSRF token).
pub async fn create_session(
    store: &Store,
    user_id: &str,
    ttl: i64,
) -> Result<(String, String), StoreError> {
    create_session_with(store, user_id, ttl, None).await
}

/// Longest browser description kept for a session.
const MAX_USER_AGENT: usize = 300;

/// [`create_session`], remembering the browser (`User-Agent`) for the
/// account's list of sessions.
pub async fn create_session_with(
    store: &Store,
    user_id: &str,
    ttl: i64,
    user_agent: Option<&str>,
) -> Result<(String, String), StoreError> {
    let token = random_id(32);
    let csrf = random_id(24);
    let t = now();
    let agent: Option<String> = user_agent.map(|a| {
        a.chars()
            .filter(|c| !c.is_control())
            .take(MAX_USER_AGENT)
            .collect()
    });
    on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $4, $6)"
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(t)
    .bind(t + ttl)
    .bind(&agent)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    Ok((token, csrf))
}

pub async fn session(store: &Store, token: &str) -> Result<Option<Session>, StoreError> {
    let session: Option<Session> = on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT user_id, csrf_token, expires_at, last_seen_at FROM sessions WHERE token_hash = $1 AND expires_at > $2"
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(pool)
    .await?
    });
    Ok(session)
}

/// Records that the session was used at `at`.
pub async fn touch_session(store: &Store, token: &str, at: i64) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2"
    )
    .bind(at)
    .bind(token_hash(token))
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The account's open sessions, most recently used first.
pub async fn sessions_of(store: &Store, user_id: &str) -> Result<Vec<SessionInfo>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT token_hash, created_at, last_seen_at, user_agent, expires_at FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY COALESCE(last_seen_at, created_at) DESC, created_at DESC"
    )
    .bind(user_id)
    .bind(now())
    .fetch_all(pool)
    .await?))
}

/// Ends every session of the account but the one with token `keep` (all of
/// them when None); returns how many ended.
pub async fn end_sessions(
    store: &Store,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let keep = keep.map(token_hash).unwrap_or_default();
    Ok(on_db!(store, |pool| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2"
    )
    .bind(user_id)
    .bind(&keep)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?))
}

pub async fn delete_session(store: &Store, token: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash(token))
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Sets a new password and ends every other session of the account (the one
/// with token `keep` stays), in one transaction.
pub async fn change_password(
    store: &Store,
    user_id: &str,
    hash: &str,
    keep: Option<&str>,
) -> Result<(), StoreError> {
    let keep = keep.map(token_hash).unwrap_or_default();
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2"
    )
    .bind(hash)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2"
    )
    .bind(user_id)
    .bind(&keep)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await
}

/// What a single-use account token is for (`account_tokens.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    ConfirmEmail,
    PasswordReset,
    SignInLink,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::ConfirmEmail => "confirm-email",
            TokenPurpose::PasswordReset => "password-reset",
            TokenPurpose::SignInLink => "sign-in-link",
        }
    }
}

/// A valid (unused, unexpired) account token: whose, and for which address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub user_id: String,
    pub email: String,
}

/// Creates a single-use token for `purpose` about `email` of `user_id`,
/// valid for `ttl` seconds; only its SHA-256 is stored. Returns the token.
pub async fn create_account_token(
    store: &Store,
    user_id: &str,
    purpose: TokenPurpose,
    email: &str,
    ttl: i64,
) -> Result<String, StoreError> {
    let token = random_id(32);
    add_account_token(store, &token, user_id, purpose, email, ttl).await?;
    Ok(token)
}

/// Stores the hash of `token` (made by the caller, e.g. derived from the
/// message that carries it) for `purpose`; a token already stored is left as
/// it is (a message sent again after a crash carries the same link, which
/// keeps its first expiry).
pub async fn add_account_token(
    store: &Store,
    token: &str,
    user_id: &str,
    purpose: TokenPurpose,
    email: &str,
    ttl: i64,
) -> Result<(), StoreError> {
    let t = now();
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_hash) DO NOTHING"
    )
    .bind(token_hash(token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email.trim().to_lowercase())
    .bind(t)
    .bind(t + ttl)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The token if it is valid for `purpose`, without using it up.
pub async fn account_token(
    store: &Store,
    token: &str,
    purpose: TokenPurpose,
) -> Result<Option<AccountToken>, StoreError> {
    let row: Option<(String, String)> = on_db!(store, |pool| sqlx::query_as(
        "SELECT user_id, email FROM account_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
    )
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .bind(now())
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|(user_id, email)| AccountToken { user_id, email }))
}

/// Uses the token up inside `tx` (one conditional UPDATE, so two uses at
/// once cannot both succeed).
async fn use_token_in(
    tx: &mut Tx,
    token: &str,
    purpose: TokenPurpose,
    at: i64,
) -> Result<Option<AccountToken>, StoreError> {
    let row: Option<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "UPDATE account_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id, email"
    )
    .bind(at)
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut **c)
    .await?);
    Ok(row.map(|(user_id, email)| AccountToken { user_id, email }))
}

/// Marks `email` of `user_id` confirmed inside `tx` (true when it was not
/// yet); confirmation e-mails still queued for it have nothing left to say and
/// are dropped.
async fn verify_in(tx: &mut Tx, user_id: &str, email: &str, at: i64) -> Result<bool, StoreError> {
    let n = on_tx!(&mut *tx, |c| {
        sqlx::query(
        "UPDATE user_emails SET verified_at = $1 WHERE email = $2 AND user_id = $3 AND verified_at IS NULL"
    )
    .bind(at)
    .bind(email)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    on_tx!(&mut *tx, |c| sqlx::query(
        "DELETE FROM mail_outbox WHERE user_id = $1 AND recipient = $2 \
         AND kind = 'confirm-email' AND state = 'queued'"
    )
    .bind(user_id)
    .bind(email)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// Uses a confirmation token: the address it names is confirmed for its
/// account. Returns the token (account and address), None when the token is
/// unknown, used or expired. The same mechanism serves any address of any
/// account.
pub async fn confirm_email(store: &Store, token: &str) -> Result<Option<AccountToken>, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let Some(found) = use_token_in(&mut tx, token, TokenPurpose::ConfirmEmail, t).await? else {
        return Ok(None);
    };
    verify_in(&mut tx, &found.user_id, &found.email, t).await?;
    tx.commit().await?;
    Ok(Some(found))
}

/// Uses a sign-in link's token; returns its account, None when the token is
/// unknown, used or expired. Opening the link proves the address, which is
/// confirmed too.
pub async fn use_sign_in_link(
    store: &Store,
    token: &str,
) -> Result<Option<AccountToken>, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let Some(found) = use_token_in(&mut tx, token, TokenPurpose::SignInLink, t).await? else {
        return Ok(None);
    };
    verify_in(&mut tx, &found.user_id, &found.email, t).await?;
    tx.commit().await?;
    Ok(Some(found))
}

/// Uses a password-reset token: sets the new password, voids every other
/// reset link of the account, confirms the address the link was sent to (it
/// was opened from there) and ends all sessions of the account, in one
/// transaction. Returns the account, None when the token is unknown, used or
/// expired (nothing changes then).
pub async fn reset_password(
    store: &Store,
    token: &str,
    hash: &str,
) -> Result<Option<String>, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let Some(found) = use_token_in(&mut tx, token, TokenPurpose::PasswordReset, t).await? else {
        return Ok(None);
    };
    let user_id = found.user_id.as_str();
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE account_tokens SET used_at = $1 \
         WHERE user_id = $2 AND purpose = 'password-reset' AND used_at IS NULL"
    )
    .bind(t)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2"
    )
    .bind(hash)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    verify_in(&mut tx, user_id, &found.email, t).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(Some(found.user_id))
}

/// The account that has `email` (confirmed or not) as one of its addresses.
pub async fn by_any_email(store: &Store, email: &str) -> Result<Option<User>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = (SELECT user_id FROM user_emails WHERE email = $1)"
    );
    let email = email.trim().to_lowercase();
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(&email)
        .fetch_optional(pool)
        .await?))
}

/// Records a failed login for `subject` (an e-mail or an address) and returns
/// how many failures it has had in the last `window` seconds. Kept in the
/// database so every server process sees the same count.
pub async fn record_failed_login(
    store: &Store,
    subject: &str,
    window: i64,
) -> Result<i64, StoreError> {
    let t = now();
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO login_attempts (subject, at) VALUES ($1, $2)"
    )
    .bind(subject)
    .bind(t)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    // The subject's failures older than any window go as new ones come.
    on_db!(store, |pool| sqlx::query(
        "DELETE FROM login_attempts WHERE subject = $1 AND at < $2"
    )
    .bind(subject)
    .bind(t - window.max(86_400))
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    failed_logins(store, subject, window).await
}

/// How many failed logins `subject` has had in the last `window` seconds,
/// and when the latest was.
pub async fn login_failures(
    store: &Store,
    subject: &str,
    window: i64,
) -> Result<(i64, Option<i64>), StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE subject = $1 AND at > $2"
    )
    .bind(subject)
    .bind(now() - window)
    .fetch_one(pool)
    .await?))
}

/// Forgets the failed logins of `subject` (after a successful one).
pub async fn clear_login_failures(store: &Store, subject: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "DELETE FROM login_attempts WHERE subject = $1"
    )
    .bind(subject)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn failed_logins(store: &Store, subject: &str, window: i64) -> Result<i64, StoreError> {
    let n: i64 = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_attempts WHERE subject = $1 AND at > $2"
    )
    .bind(subject)
    .bind(now() - window)
    .fetch_one(pool)
    .await?);
    Ok(n)
}
