//! E-mail to badge recipients over SMTP.
//!
//! Messages wait in the database outbox (`insignia_store::repo::mail`),
//! queued in the same transaction as the award they announce. Every server
//! process with SMTP configured runs one mailer ([`spawn_worker`]): woken when
//! this process queues a message, polling otherwise; it claims due messages
//! with a lease, sends them with lettre (tokio, rustls) at most
//! `rate_per_second`, and records the outcome. Transient failures (the relay
//! unreachable, 4xx replies) are retried with growing delays ([`retry_delay`]);
//! a permanent 5xx refusal fails the message at once. Without SMTP settings
//! messages stay queued and the issuer's pages say so.
//!
//! The message is rendered when it is sent, not when it is queued: the claim
//! link's token is created then (only its hash is stored, so the clear token
//! exists nowhere but in the e-mail), and a message waiting for hours in the
//! queue goes out with the current templates and translations.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use insignia_store::model::{Award, AwardState, MailKind, OutboxMessage};
use insignia_store::repo::{awards, badges, issuers, mail, mail_prefs, orgs, outbox};
use insignia_store::token::{random_id, token_hash};
use insignia_store::{StoreError, now};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use minijinja::context;

use crate::ServerError;
use crate::config::SmtpConfig;
use crate::i18n::Locale;
use crate::issuing::Urls;
use crate::service::mail_templates::{self, Names, TemplateKind, Wording};
use crate::service::unsubscribe;
use crate::state::{AppState, Shared};

/// How often an idle mailer looks for messages queued by other processes
/// (and for retries coming due).
const POLL: Duration = Duration::from_secs(5);
/// Messages claimed at once.
pub const BATCH: i64 = 50;
/// Messages sent at once at most (lettre's pool keeps up to 10 connections).
const MAX_IN_FLIGHT: usize = 8;
/// Attempts before a message is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// Seconds to wait after the n-th failed attempt (the last repeats).
const DELAYS: [i64; 7] = [60, 300, 1_800, 7_200, 21_600, 43_200, 86_400];
/// SMTP replies that are permanent but say the relay refuses *us* (log-in
/// needed or refused): fixing the settings fixes them, so they are retried.
const SETTINGS_CODES: [u16; 4] = [530, 534, 535, 538];

/// The delay before attempt `attempts + 1`, or None when the message has had
/// its last attempt.
pub fn retry_delay(attempts: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let i = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
    Some(DELAYS[i.min(DELAYS.len() - 1)])
}

/// Spaces sends out to at most `rate` per second (shared by this process's
/// sends).
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    fn new(rate: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    async fn wait(&self) {
        let mut next = self.next.lock().await;
        let now = tokio::time::Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = (*next).max(now) + self.interval;
    }
}

/// Where messages go.
enum Transport {
    /// An SMTP relay (`[smtp]`).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No relay set up: this server's local outbox
    /// (`insignia_store::repo::outbox`), shown on the Outbox page.
    Outbox,
}

/// How this server delivers messages, ready to send.
pub struct Mailer {
    transport: Transport,
    from: Address,
    pacer: Pacer,
    rate: f64,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

fn config_error(text: String) -> ServerError {
    ServerError::Config(format!("smtp: {text}"))
}

/// Checks the SMTP settings without preparing a transport (which needs a
/// tokio runtime: its connection pool runs a task).
pub fn check_config(config: &SmtpConfig) -> Result<(), ServerError> {
    settings(config).map(|_| ())
}

impl Mailer {
    /// Checks the settings and prepares the transport (nothing is connected
    /// until the first message). Call it inside a tokio runtime.
    pub fn from_config(config: &SmtpConfig) -> Result<Mailer, ServerError> {
        let (builder, from, rate) = settings(config)?;
        Ok(Mailer {
            transport: Transport::Smtp(builder.build()),
            from,
            pacer: Pacer::new(rate),
            rate,
        })
    }

    /// Delivery to the local outbox (no SMTP set up): messages are composed
    /// exactly as for a relay, from `badges@` the server's host.
    pub fn outbox(base_url: &str) -> Result<Mailer, ServerError> {
        let host = url::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into());
        // An IP address as the host is no mail domain: say localhost then.
        let domain = if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            "localhost".to_owned()
        } else {
            host
        };
        let from = Address::new("badges", &domain)
            .map_err(|e| config_error(format!("sender address badges@{domain}: {e}")))?;
        // Storing a message costs a database write, not a relay's patience.
        let rate = 1_000.0;
        Ok(Mailer {
            transport: Transport::Outbox,
            from,
            pacer: Pacer::new(rate),
            rate,
        })
    }

    /// Whether messages go to the local outbox rather than a relay.
    pub fn delivers_locally(&self) -> bool {
        matches!(self.transport, Transport::Outbox)
    }
}

type Settings = (
    lettre::transport::smtp::AsyncSmtpTransportBuilder,
    Address,
    f64,
);

fn settings(config: &SmtpConfig) -> Result<Settings, ServerError> {
    let url = url::Url::parse(&config.url)
        .map_err(|e| config_error(format!("url {:?}: {e}", config.url)))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| config_error(format!("url {:?} has no host", config.url)))?
        .trim_matches(['[', ']'])
        .to_owned();
    let ca = config.ca_file.as_deref().map(load_ca).transpose()?;
    let tls_params = || {
        let mut builder = TlsParameters::builder(host.clone());
        if let Some(ca) = &ca {
            builder = builder.add_root_certificate(ca.clone());
        }
        builder.build().map_err(|e| match &config.ca_file {
            Some(path) => config_error(format!("ca_file {}: {e}", path.display())),
            None => config_error(format!("TLS settings for {host}: {e}")),
        })
    };
    let decode = |s: &str| {
        percent_decode(s).ok_or_else(|| config_error("url credentials are not UTF-8".into()))
    };
    let username = match &config.username {
        Some(u) => Some(u.clone()),
        None if !url.username().is_empty() => Some(decode(url.username())?),
        None => None,
    };
    let password = match &config.password {
        Some(p) => Some(p.clone()),
        None => url.password().map(decode).transpose()?,
    };
    // A log-in is never sent in the clear: with one, a plain `smtp://` relay
    // must offer STARTTLS, as with `?tls=required` (RFC 8314, RFC 4954 §4).
    let require_tls = username.is_some()
        || url
            .query_pairs()
            .any(|(k, v)| k == "tls" && v == "required");
    let (tls, default_port) = match url.scheme() {
        "smtp" if require_tls => (Tls::Required(tls_params()?), 25),
        "smtp" => (Tls::Opportunistic(tls_params()?), 25),
        "smtps" => (Tls::Wrapper(tls_params()?), 465),
        other => {
            return Err(config_error(format!(
                "url scheme {other:?}: use smtp:// or smtps://"
            )));
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(url.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if let Some(user) = username {
        builder = builder.credentials(Credentials::new(user, password.unwrap_or_default()));
    }
    let from_box: Mailbox = config
        .from
        .parse()
        .map_err(|e| config_error(format!("from {:?}: {e}", config.from)))?;
    let rate = config.rate_per_second;
    if !(rate.is_finite() && rate > 0.0 && rate <= 10_000.0) {
        return Err(config_error(format!(
            "rate_per_second {rate} must be above 0 and at most 10000"
        )));
    }
    Ok((builder, from_box.email, rate))
}

/// Reads `ca_file`: PEM certificates to trust for the relay (a private CA).
/// Anything else (unreadable, not PEM, no certificate) stops the start-up
/// with a message naming the file.
fn load_ca(path: &std::path::Path) -> Result<Certificate, ServerError> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| config_error(format!("ca_file {shown}: cannot read it: {e}")))?;
    let certificates = std::str::from_utf8(&bytes).map_or(0, |text| {
        text.matches("-----BEGIN CERTIFICATE-----").count()
    });
    if certificates == 0 {
        return Err(config_error(format!(
            "ca_file {shown}: no PEM certificate in it (a text file with \
             -----BEGIN CERTIFICATE----- blocks is expected)"
        )));
    }
    Certificate::from_pem(&bytes)
        .map_err(|e| config_error(format!("ca_file {shown}: not valid PEM: {e}")))
}

/// The reason kept for a failed attempt: lettre's text, with what to do when
/// the cause is a setting (TLS trust, TLS required but not offered).
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let text = error.to_string();
    if text.contains("invalid peer certificate") {
        let hint = if text.contains("UnknownIssuer") {
            "the relay's TLS certificate is not trusted (not signed by a known CA; \
             for a relay with a private CA, set smtp.ca_file to that CA's certificate)"
        } else if text.contains("NotValidForName") {
            "the relay's TLS certificate is not valid for the host name in smtp.url"
        } else {
            "the relay's TLS certificate was refused"
        };
        format!("{hint}: {text}")
    } else if text.contains("STARTTLS is not supported") {
        format!(
            "the relay does not offer STARTTLS, and TLS is required (smtp.url has \
             ?tls=required, or a log-in is set, which is never sent in the clear), so \
             nothing was sent: {text}"
        )
    } else {
        text
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Text safe to put in a header: control characters (CR, LF, tabs…)
/// become spaces, runs of spaces one, at most 200 characters. lettre encodes
/// what is left; this keeps a name with a line break from ever starting a
/// header of its own.
pub fn header_text(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

/// How a mailer proceeds (tests drive it step by step).
#[derive(Debug, Clone)]
pub struct MailOptions {
    /// Messages claimed per call.
    pub batch: i64,
    /// The time to act at (tests move it forward to reach retries).
    pub now: Option<i64>,
}

impl Default for MailOptions {
    fn default() -> Self {
        MailOptions {
            batch: BATCH,
            now: None,
        }
    }
}

/// Runs the mailer in the background: over SMTP when `[smtp]` is set,
/// into the local outbox otherwise.
pub fn spawn_worker(state: Shared) -> tokio::task::JoinHandle<()> {
    if state.mailer.delivers_locally() {
        tracing::info!(
            "e-mail is not set up ([smtp]): messages go to this server's outbox ({}/outbox)",
            state.config.base_url
        );
    }
    tokio::spawn(async move {
        while !state.stop.is_stopping() {
            match run_next(&state, &MailOptions::default()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!("mailer: {e}"),
            }
            tokio::select! {
                () = state.mail_wakeup.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                () = state.stop.wait() => {}
            }
        }
    })
}

/// Claims and handles one batch of due messages; returns how many were
/// claimed (0: nothing to do).
pub async fn run_next(state: &Shared, options: &MailOptions) -> Result<usize, ServerError> {
    let mailer = &state.mailer;
    let at = options.now.unwrap_or_else(now);
    // Short: the heartbeat renews it while this process works
    // (`lifecycle`), so a process that dies holds its messages only briefly.
    let lease = crate::lifecycle::LEASE_SECONDS;
    let owner = state.identity.owner.clone();
    let list = mail::claim(&state.store, &owner, at, lease, options.batch).await?;
    // A few sends in flight at once (the pacer still spaces their starts):
    // one SMTP connection manages only some tens of messages per second, as
    // each waits for the relay's replies (and lettre writes the end of DATA
    // separately, which Nagle's algorithm and delayed ACKs slow down).
    let in_flight = ((mailer.rate / 10.0).ceil() as usize).clamp(1, MAX_IN_FLIGHT);
    // Once the relay cannot be reached, the rest of the batch is put back for
    // a retry at once instead of each waiting for its own connection timeout.
    let unreachable: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    futures_util::stream::iter(&list)
        .for_each_concurrent(in_flight, |message| {
            let owner = owner.as_str();
            let unreachable = &unreachable;
            async move {
                match deliver(state, mailer, message, owner, at, unreachable).await {
                    Ok(()) => {}
                    Err(ServerError::Store(StoreError::LeaseLost)) => {
                        tracing::warn!(message = %message.id, "another process took over this message");
                    }
                    Err(e) => {
                        // Left to be claimed again once the lease expires.
                        tracing::error!(message = %message.id, "mailer: {e}");
                    }
                }
            }
        })
        .await;
    Ok(list.len())
}

/// What became of one attempt.
enum Outcome {
    Sent(String),
    /// Put in the local outbox: the Message-ID, subject and message text.
    Stored(String, String, String),
    /// Not attempted: the process is stopping (the lease is given back).
    Stopping,
    Retry(String),
    Failed(String),
    /// Not sent: the recipient unsubscribed from the organisation, or (the
    /// note) a reminder is no longer needed.
    Suppressed(Option<String>),
}

async fn deliver(
    state: &Shared,
    mailer: &Mailer,
    message: &OutboxMessage,
    owner: &str,
    at: i64,
    unreachable: &std::sync::Mutex<Option<String>>,
) -> Result<(), ServerError> {
    let outcome = attempt(state, mailer, message, unreachable).await?;
    match outcome {
        Outcome::Stopping => {}
        Outcome::Sent(message_id) => {
            record_sent(state, message, owner, &message_id, at).await?;
        }
        Outcome::Stored(message_id, subject, raw) => {
            outbox::deliver(
                &state.store,
                message,
                owner,
                &message_id,
                &subject,
                &raw,
                at,
            )
            .await?;
        }
        Outcome::Suppressed(note) => {
            mail::mark_suppressed(&state.store, message, owner, note.as_deref(), at).await?;
        }
        Outcome::Failed(error) => {
            tracing::warn!(message = %message.id, "e-mail failed: {error}");
            mail::mark_failed(&state.store, message, owner, &error).await?;
        }
        Outcome::Retry(error) => match retry_delay(message.attempts + 1) {
            Some(delay) => {
                tracing::info!(message = %message.id, "e-mail will be retried: {error}");
                mail::mark_retry(&state.store, message, owner, at + delay, &error).await?;
            }
            None => {
                let error = format!("gave up after {} attempts: {error}", message.attempts + 1);
                mail::mark_failed(&state.store, message, owner, &error).await?;
            }
        },
    }
    Ok(())
}

/// Records a message the relay accepted. A database error here (a busy
/// SQLite file, a dropped PostgreSQL connection) would leave the message
/// queued and send it a second time, so the write is retried a few times
/// before giving up; a lost lease is final (another process has it).
async fn record_sent(
    state: &Shared,
    message: &OutboxMessage,
    owner: &str,
    message_id: &str,
    at: i64,
) -> Result<(), ServerError> {
    const ATTEMPTS: u32 = 5;
    let mut attempt = 1;
    loop {
        match mail::mark_sent(&state.store, message, owner, message_id, at).await {
            Ok(()) => return Ok(()),
            Err(StoreError::LeaseLost) => return Err(StoreError::LeaseLost.into()),
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(message = %message.id, "recording a sent e-mail, again: {e}");
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn known_unreachable(unreachable: &std::sync::Mutex<Option<String>>) -> Option<String> {
    unreachable.lock().ok().and_then(|e| e.clone())
}

async fn attempt(
    state: &Shared,
    mailer: &Mailer,
    message: &OutboxMessage,
    unreachable: &std::sync::Mutex<Option<String>>,
) -> Result<Outcome, ServerError> {
    if state.stop.is_stopping() {
        return Ok(Outcome::Stopping);
    }
    if let Some(error) = known_unreachable(unreachable) {
        return Ok(Outcome::Retry(error));
    }
    // The recipient's choice, for every message of an organisation they
    // did not ask for themselves (`service::unsubscribe`); an event's
    // confirmation and its answer follow the person's own request.
    if !message.kind.is_account()
        && !message.kind.is_event()
        && !message.kind.is_endorsement()
        && mail::is_suppressed(
            &state.store,
            message,
            &unsubscribe::normalise(&message.recipient),
        )
        .await?
    {
        return Ok(Outcome::Suppressed(None));
    }
    let email = match compose(state, mailer, message).await {
        Ok(email) => email,
        Err(Compose::NotNeeded(note)) => return Ok(Outcome::Suppressed(Some(note))),
        Err(Compose::Address(e) | Compose::Gone(e)) => return Ok(Outcome::Failed(e)),
        // Our own data or templates: worth another try after a fix.
        Err(Compose::Other(e)) => return Ok(Outcome::Retry(e)),
        Err(Compose::Server(e)) => return Err(e),
    };
    let message_id = email
        .headers()
        .get_raw("Message-ID")
        .unwrap_or_default()
        .to_owned();
    let transport = match &mailer.transport {
        Transport::Smtp(transport) => transport,
        Transport::Outbox => {
            let bytes = email.formatted();
            // The subject as the recipient reads it (decoded), for the list.
            let subject = mail_parser::MessageParser::default()
                .parse(&bytes)
                .and_then(|m| m.subject().map(str::to_owned))
                .unwrap_or_default();
            let raw = String::from_utf8_lossy(&bytes).into_owned();
            return Ok(Outcome::Stored(message_id, subject, raw));
        }
    };
    mailer.pacer.wait().await;
    if let Some(error) = known_unreachable(unreachable) {
        return Ok(Outcome::Retry(error));
    }
    match transport.send(email).await {
        Ok(_) => Ok(Outcome::Sent(message_id)),
        Err(e) => {
            let code = e.status().map(u16::from);
            let text = describe(&e);
            // No SMTP reply at all: the relay is down or unreachable.
            if code.is_none() && !e.is_permanent() {
                if let Ok(mut slot) = unreachable.lock() {
                    slot.get_or_insert_with(|| text.clone());
                }
            }
            if e.is_permanent() && !code.is_some_and(|c| SETTINGS_CODES.contains(&c)) {
                Ok(Outcome::Failed(text))
            } else {
                Ok(Outcome::Retry(text))
            }
        }
    }
}

enum Compose {
    /// The recipient's or a sender's address is unusable: the message can never go.
    Address(String),
    /// What the message was about is gone (the award, the account) or it
    /// has nothing left to say: it never goes.
    Gone(String),
    /// A reminder whose award no longer needs one (accepted, revoked…).
    NotNeeded(String),
    Other(String),
    Server(ServerError),
}

impl From<ServerError> for Compose {
    fn from(e: ServerError) -> Self {
        Compose::Server(e)
    }
}

impl From<StoreError> for Compose {
    fn from(e: StoreError) -> Self {
        Compose::Server(e.into())
    }
}

/// The claim link's path for `message`, whose token's hash is stored now.
/// The token is derived from the message (`MasterKey::token_for`), so a
/// message sent again after a crash carries the same link, not a second one.
async fn claim_path(
    state: &AppState,
    message: &OutboxMessage,
    award_id: &str,
) -> Result<String, StoreError> {
    let source = claim_source(state, message).await?;
    let token = state.master.token_for("claim", &source);
    mail::add_claim_token(&state.store, award_id, &token_hash(&token)).await?;
    Ok(format!("/claim/{token}"))
}

/// The message whose id the claim link's token is derived from: a reminder
/// repeats the link of the award e-mail it follows (`award_reminders`), or,
/// when that link would expire too soon (no source recorded), has its own.
async fn claim_source(state: &AppState, message: &OutboxMessage) -> Result<String, StoreError> {
    if message.kind == MailKind::Reminder {
        if let Some(source) = mail_prefs::reminder_source(&state.store, &message.id).await? {
            if !source.is_empty() {
                return Ok(source);
            }
        }
    }
    Ok(message.id.clone())
}

impl From<crate::service::events::EventMailError> for Compose {
    fn from(e: crate::service::events::EventMailError) -> Self {
        use crate::service::events::EventMailError as E;
        match e {
            E::Gone(text) => Compose::Gone(text),
            E::Address(text) => Compose::Address(text),
            E::Other(text) => Compose::Other(text),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::service::endorsements::EndorsementMailError> for Compose {
    fn from(e: crate::service::endorsements::EndorsementMailError) -> Self {
        use crate::service::endorsements::EndorsementMailError as E;
        match e {
            E::Gone(text) => Compose::Gone(text),
            E::Address(text) => Compose::Address(text),
            E::Other(text) => Compose::Other(text),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::service::requests::RequestMailError> for Compose {
    fn from(e: crate::service::requests::RequestMailError) -> Self {
        use crate::service::requests::RequestMailError as E;
        match e {
            E::Gone(text) => Compose::Gone(text),
            E::Address(text) => Compose::Address(text),
            E::Other(text) => Compose::Other(text),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::service::accounts::AccountMailError> for Compose {
    fn from(e: crate::service::accounts::AccountMailError) -> Self {
        use crate::service::accounts::AccountMailError as E;
        match e {
            E::Gone(text) => Compose::Gone(text),
            E::Address(text) => Compose::Address(text),
            E::Other(text) => Compose::Other(text),
            E::Store(e) => e.into(),
        }
    }
}

/// Builds a message by its kind: an award's e-mail here, account e-mails in
/// `service::accounts`.
async fn compose(
    state: &Shared,
    mailer: &Mailer,
    message: &OutboxMessage,
) -> Result<Message, Compose> {
    if message.kind.is_account() {
        return Ok(crate::service::accounts::compose_email(state, &mailer.from, message).await?);
    }
    if message.kind.is_event() {
        return Ok(crate::service::events::compose_email(state, &mailer.from, message).await?);
    }
    if message.kind.is_endorsement() {
        return Ok(
            crate::service::endorsements::compose_email(state, &mailer.from, message).await?,
        );
    }
    if message.kind == MailKind::RequestDeclined {
        return Ok(crate::service::requests::compose_email(state, &mailer.from, message).await?);
    }
    let award = match &message.award_id {
        Some(id) => awards::by_id(&state.store, id).await?,
        None => None,
    };
    let Some(award) = award else {
        return Err(Compose::Gone("the award no longer exists".into()));
    };
    if message.kind == MailKind::MembershipExpiring {
        use crate::service::memberships::{self, NoticeMailError};
        if let Some(why) = memberships::notice_not_needed(&award) {
            return Err(Compose::NotNeeded(why.into()));
        }
        return memberships::compose_email(state, &mailer.from, message, &award)
            .await
            .map_err(|e| match e {
                NoticeMailError::Address(t) => Compose::Address(t),
                NoticeMailError::Other(t) => Compose::Other(t),
                NoticeMailError::Server(e) => Compose::Server(e),
            });
    }
    match message.kind {
        MailKind::Revocation if award.state != AwardState::Revoked => {
            return Err(Compose::NotNeeded(
                "the revocation was undone before the e-mail was sent".into(),
            ));
        }
        MailKind::Revocation => {}
        MailKind::Reminder => {
            if let Some(why) = reminder_not_needed(state, &award).await? {
                return Err(Compose::NotNeeded(why.into()));
            }
        }
        _ if award.state == AwardState::Revoked => {
            return Err(Compose::Gone(
                "the award was revoked before the e-mail was sent".into(),
            ));
        }
        _ => {}
    }
    compose_award(state, mailer, message, &award).await
}

/// Why a reminder of `award` is no longer to be sent, if it is not.
async fn reminder_not_needed(
    state: &AppState,
    award: &Award,
) -> Result<Option<&'static str>, StoreError> {
    if award.state != AwardState::Active {
        return Ok(Some("not needed: the award is no longer active"));
    }
    if award.replaced_by.is_some() {
        return Ok(Some("not needed: the award was renewed"));
    }
    if award.expires_at.is_some_and(|e| e <= now()) {
        return Ok(Some("not needed: the award has expired"));
    }
    let claimed = mail::claimed_at(&state.store, std::slice::from_ref(&award.id)).await?;
    if claimed.contains_key(&award.id) {
        return Ok(Some("not needed: the award was accepted"));
    }
    Ok(None)
}

/// What an organisation's message says, ready to render (the mailer fills it
/// from the award; the templates page's preview from sample values).
#[derive(Debug, Clone)]
pub struct OrgMessage<'a> {
    pub kind: TemplateKind,
    pub wording: &'a Wording,
    pub recipient_name: &'a str,
    pub issuer_name: &'a str,
    pub badge_name: &'a str,
    pub description: &'a str,
    pub org_name: &'a str,
    pub image_url: String,
    pub page_url: String,
    /// The claim link (not in a revocation's message).
    pub claim_url: Option<String>,
    /// When the claim link stops working.
    pub link_until: i64,
    /// A revocation's reason.
    pub reason: Option<&'a str>,
    /// The issuer's comment on the approved request the award came from.
    pub comment: Option<&'a str>,
    pub unsubscribe_url: &'a str,
}

/// The text and HTML bodies of an organisation's message in `locale`.
pub fn render_org_message(
    state: &AppState,
    locale: Locale,
    m: &OrgMessage<'_>,
) -> Result<(String, String), minijinja::Error> {
    let ctx = context! {
        kind => m.kind.as_str(), opening => m.wording.opening, paragraphs => m.wording.paragraphs(),
        recipient_name => m.recipient_name, issuer_name => m.issuer_name, badge_name => m.badge_name,
        description => m.description, org_name => m.org_name, image_url => m.image_url,
        page_url => m.page_url, claim_url => m.claim_url, link_until => m.link_until,
        reason => m.reason, comment => m.comment, unsubscribe_url => m.unsubscribe_url, site => state.config.base_url,
        renewed => m.kind == TemplateKind::Renewal, reminder => m.kind == TemplateKind::Reminder,
    };
    let name = if m.kind == TemplateKind::Revocation {
        "email_revocation"
    } else {
        "email_award"
    };
    let text = state
        .pages
        .render(&format!("{name}.txt"), locale, ctx.clone())?;
    let html = state.pages.render(&format!("{name}.html"), locale, ctx)?;
    Ok((text, html))
}

/// The RFC 8058 one-click unsubscribe headers.
pub(crate) fn unsubscribe_headers(
    builder: lettre::message::MessageBuilder,
    url: &str,
) -> lettre::message::MessageBuilder {
    // The URL is ours (base URL and a base58 token), but lettre encodes and
    // folds the value anyway.
    builder
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{url}>"),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
}

/// Builds the message about `award` in the message's language: the award
/// (or renewal) e-mail, a reminder or a revocation notice.
async fn compose_award(
    state: &Shared,
    mailer: &Mailer,
    message: &OutboxMessage,
    award: &Award,
) -> Result<Message, Compose> {
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::En);
    let issuer = issuers::by_id(&state.store, &award.issuer_id)
        .await?
        .ok_or_else(|| Compose::Other("the issuer no longer exists".into()))?;
    let org = orgs::get(&state.store, &award.org_id)
        .await?
        .ok_or_else(|| Compose::Gone("the organisation no longer exists".into()))?;
    let version = badges::version_meta(&state.store, &award.badge_id, award.badge_version)
        .await?
        .ok_or_else(|| Compose::Other("the badge version no longer exists".into()))?;
    let design: crate::design::BadgeDefinition = serde_json::from_str(&version.design)
        .map_err(|e| Compose::Other(format!("stored design: {e}")))?;
    let to_address: Address = message
        .recipient
        .parse()
        .map_err(|e| Compose::Address(format!("recipient address {:?}: {e}", message.recipient)))?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let kind = match message.kind {
        MailKind::Reminder => TemplateKind::Reminder,
        MailKind::Revocation => TemplateKind::Revocation,
        // A renewal (the award replaces an earlier one) says so.
        _ if awards::renewal_of(&state.store, &award.id).await?.is_some() => TemplateKind::Renewal,
        _ => TemplateKind::Award,
    };
    let claim_url = if kind == TemplateKind::Revocation {
        None
    } else {
        Some(format!(
            "{}{}",
            state.config.base_url,
            claim_path(state, message, &award.id).await?
        ))
    };
    // When the link's token was first made (a reminder repeats an earlier
    // link), it works until then plus the link lifetime.
    let link_until = match &claim_url {
        Some(url) => {
            let token = url.rsplit('/').next().unwrap_or_default();
            let made = mail::claim_token(&state.store, &token_hash(token))
                .await?
                .map_or_else(now, |t| t.created_at);
            made + state.config.claim_link_seconds()
        }
        None => 0,
    };
    let badge_name = design.name.trim().to_owned();
    let names = Names {
        recipient: award.recipient_name.trim(),
        badge: &badge_name,
        issuer: issuer.name.trim(),
    };
    let wording = mail_templates::for_org(state, &award.org_id, kind, locale, names).await?;
    let unsubscribe_url = unsubscribe::link(state, &award.org_id, &message.recipient).await?;
    let comment = if kind == TemplateKind::Award {
        insignia_store::repo::requests::approval_comment(&state.store, &award.id).await?
    } else {
        None
    };
    let parts = OrgMessage {
        kind,
        wording: &wording,
        recipient_name: &award.recipient_name,
        issuer_name: &issuer.name,
        badge_name: &badge_name,
        description: design.description.trim(),
        org_name: &org.name,
        image_url: urls.badge_image(&version.badge_id, version.version, "png"),
        page_url: urls.award_page(&award.id),
        claim_url,
        link_until,
        reason: award
            .state_reason
            .as_deref()
            .filter(|_| kind == TemplateKind::Revocation),
        comment: comment.as_deref(),
        unsubscribe_url: &unsubscribe_url,
    };
    let (text, html) = render_org_message(state, locale, &parts)
        .map_err(|e| Compose::Other(format!("template: {e:#}")))?;
    let host = url::Url::parse(&state.config.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    let mut builder = Message::builder()
        .from(Mailbox::new(
            Some(header_text(&issuer.name)),
            mailer.from.clone(),
        ))
        .to(Mailbox::new(
            Some(header_text(&award.recipient_name)),
            to_address,
        ))
        .subject(header_text(&wording.subject))
        .message_id(Some(format!("<{}.{}@{host}>", message.id, random_id(8))))
        .date_now();
    if let Ok(reply_to) = issuer.email.trim().parse::<Address>() {
        builder = builder.reply_to(Mailbox::new(Some(header_text(&issuer.name)), reply_to));
    }
    builder = unsubscribe_headers(builder, &unsubscribe_url);
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| Compose::Other(format!("building the message: {e}")))
}

/// Whether SMTP is configured on this server (otherwise messages go to the
/// local outbox).
pub fn configured(state: &AppState) -> bool {
    !state.mailer.delivers_locally()
}

/// Wakes this process's mailer (messages were just queued).
pub fn wake(state: &Arc<AppState>) {
    state.mail_wakeup.notify_one();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retries_back_off_then_stop() {
        assert_eq!(retry_delay(1), Some(60));
        assert_eq!(retry_delay(2), Some(300));
        assert_eq!(retry_delay(4), Some(7_200));
        assert_eq!(retry_delay(7), Some(86_400));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
    }

    #[test]
    fn header_text_removes_line_breaks() {
        assert_eq!(
            header_text("Eve\r\nBcc: victim@example.org\n\tX"),
            "Eve Bcc: victim@example.org X"
        );
        assert_eq!(header_text(&"a".repeat(500)).len(), 200);
    }

    #[test]
    fn settings_are_checked() {
        let ok = SmtpConfig {
            url: "smtp://relay.example.org:587".into(),
            from: "badges@example.org".into(),
            username: None,
            password: None,
            ca_file: None,
            rate_per_second: 5.0,
        };
        assert!(check_config(&ok).is_ok());
        for (url, from, rate) in [
            ("http://relay.example.org", "badges@example.org", 5.0),
            ("smtp://", "badges@example.org", 5.0),
            ("smtps://relay.example.org", "not an address", 5.0),
            ("smtp://relay.example.org", "badges@example.org", 0.0),
        ] {
            let bad = SmtpConfig {
                url: url.into(),
                from: from.into(),
                rate_per_second: rate,
                ..ok.clone()
            };
            assert!(check_config(&bad).is_err(), "{url} {from} {rate}");
        }
        assert_eq!(percent_decode("a%40b%2Fc").unwrap(), "a@b/c");
    }

    #[test]
    fn a_ca_file_must_be_readable_pem_certificates() {
        let dir = std::env::temp_dir().join(format!("insignia-ca-{}", random_id(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let base = SmtpConfig {
            url: "smtps://relay.example.org".into(),
            from: "badges@example.org".into(),
            username: None,
            password: None,
            ca_file: None,
            rate_per_second: 5.0,
        };
        let with = |path: std::path::PathBuf| SmtpConfig {
            ca_file: Some(path),
            ..base.clone()
        };
        let test_ca =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http/support/tls/ca.pem");
        assert!(check_config(&with(test_ca)).is_ok());

        let missing = check_config(&with(dir.join("missing.pem")))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("ca_file") && missing.contains("cannot read it"),
            "{missing}"
        );
        let not_pem = dir.join("key.der");
        std::fs::write(&not_pem, [0x30, 0x82, 0x01, 0x00, 0xff]).unwrap();
        let error = check_config(&with(not_pem)).unwrap_err().to_string();
        assert!(error.contains("no PEM certificate"), "{error}");
        let broken = dir.join("broken.pem");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error = check_config(&with(broken)).unwrap_err().to_string();
        assert!(
            error.contains("ca_file") && error.contains("broken.pem"),
            "{error}"
        );
        let not_a_certificate = dir.join("garbage.pem");
        std::fs::write(
            &not_a_certificate,
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error = check_config(&with(not_a_certificate))
            .unwrap_err()
            .to_string();
        assert!(error.contains("garbage.pem"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
