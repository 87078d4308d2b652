//! Requests and nominations for requestable badges. A signed-in learner
//! with a confirmed address asks for a badge from its public page, with
//! evidence (a text, a link, optionally a file); a member of the
//! organisation nominates someone (name, address, reason). The issuer
//! reviews them in a queue: an approval (with an optional comment) is a
//! normal award, signed and stored with its e-mail and claim link in the
//! transaction that marks the request approved; a refusal (with its reason)
//! is e-mailed to whoever asked. One pending request per person and badge;
//! submissions are rate limited per account.

use insignia_store::StoreError;
use insignia_store::model::{BadgeState, MailKind, OutboxMessage, User};
use insignia_store::repo::requests::{self as repo, BadgeRequest, NewBadgeRequest};
use insignia_store::repo::throttle::{self, Limit};
use insignia_store::repo::{badges, issuers};
use insignia_store::token::random_id;
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use minijinja::context;

use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::{self, AwardInput};
use crate::mail::header_text;
use crate::state::Shared;
use crate::validate::email_ok;

/// Largest evidence file (the badge image upload's limit).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Longest evidence text, reason or comment.
pub const MAX_TEXT: usize = 5_000;
/// Longest link and name.
const MAX_URL: usize = 2_000;
const MAX_NAME: usize = 200;
/// Requests and nominations one account may send: a few an hour, more a day.
pub const SUBMIT_LIMITS: &[Limit] = &[
    Limit {
        window: 3600,
        max: 10,
    },
    Limit {
        window: 86_400,
        max: 30,
    },
];
/// Media types an evidence file may have (it is only ever downloaded).
pub const FILE_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg", "text/plain"];

/// An evidence file as uploaded.
#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A learner's request as typed.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    pub statement: String,
    pub evidence_url: String,
    pub file: Option<EvidenceFile>,
}

/// A member's nomination as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct NominationForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub reason: String,
}

/// What a submission came to.
#[derive(Debug)]
pub enum Submitted {
    /// Stored, pending the issuer's review.
    Queued(String),
    /// The person already has a pending request for this badge.
    Duplicate,
    /// Too many submissions from this account: it has to wait.
    Limited,
    /// The badge takes no requests (not requestable, or not active).
    NotRequestable,
    /// Catalogue keys of what is wrong with the form.
    Invalid(Vec<&'static str>),
}

/// Whether `badge_id` is an active badge marked requestable; with its
/// design's name.
pub async fn requestable(
    state: &Shared,
    badge_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    let Some(badge) = badges::by_id(&state.store, badge_id).await? else {
        return Ok(None);
    };
    if badge.state != BadgeState::Active {
        return Ok(None);
    }
    let (_, design) = crate::service::badges::current_version(state, &badge).await?;
    Ok(design
        .requestable
        .then(|| (badge.org_id.clone(), design.name.clone())))
}

fn check_url(url: &str, errors: &mut Vec<&'static str>) {
    if !url.is_empty() && (url.len() > MAX_URL || !crate::design::is_http_url(url)) {
        errors.push("request-error-url");
    }
}

fn check_file(file: Option<&EvidenceFile>, errors: &mut Vec<&'static str>) {
    if let Some(f) = file {
        if f.bytes.len() > MAX_FILE_BYTES {
            errors.push("request-error-file-size");
        } else if !FILE_TYPES.contains(&f.media_type.as_str()) || f.name.chars().count() > MAX_NAME
        {
            errors.push("request-error-file-type");
        }
    }
}

async fn store_new(state: &Shared, new: &NewBadgeRequest<'_>) -> Result<Submitted, AppError> {
    let subject = format!(
        "badge-request:{}",
        new.requested_by.unwrap_or(new.answer_to)
    );
    if !throttle::allow(&state.store, &subject, SUBMIT_LIMITS).await? {
        return Ok(Submitted::Limited);
    }
    let id = random_id(12);
    match repo::create(&state.store, &id, new).await {
        Ok(()) => Ok(Submitted::Queued(id)),
        Err(StoreError::Conflict(_)) => Ok(Submitted::Duplicate),
        Err(e) => Err(e.into()),
    }
}

/// A signed-in learner asks for `badge_id` with evidence. The badge goes to
/// the account's confirmed address.
pub async fn request(
    state: &Shared,
    badge_id: &str,
    user: &User,
    locale: Locale,
    form: &RequestForm,
) -> Result<Submitted, AppError> {
    let Some((org_id, _)) = requestable(state, badge_id).await? else {
        return Ok(Submitted::NotRequestable);
    };
    let statement = form.statement.trim();
    let url = form.evidence_url.trim();
    let mut errors = Vec::new();
    if statement.is_empty() && url.is_empty() && form.file.is_none() {
        errors.push("request-error-evidence");
    }
    if statement.chars().count() > MAX_TEXT {
        errors.push("request-error-long");
    }
    check_url(url, &mut errors);
    check_file(form.file.as_ref(), &mut errors);
    if !errors.is_empty() {
        return Ok(Submitted::Invalid(errors));
    }
    let email = user.email.trim().to_lowercase();
    let new = NewBadgeRequest {
        org_id: &org_id,
        badge_id,
        kind: "request",
        name: user.name.trim(),
        email: &email,
        locale: locale.code(),
        statement,
        evidence_url: url,
        file: form
            .file
            .as_ref()
            .map(|f| (f.name.as_str(), f.media_type.as_str(), f.bytes.as_slice())),
        requested_by: Some(&user.id),
        answer_to: &email,
    };
    store_new(state, &new).await
}

/// A member of `org_id` nominates someone for `badge_id` (a requestable
/// badge of the organisation).
pub async fn nominate(
    state: &Shared,
    org_id: &str,
    badge_id: &str,
    by: &User,
    locale: Locale,
    form: &NominationForm,
) -> Result<Submitted, AppError> {
    match requestable(state, badge_id).await? {
        Some((owner, _)) if owner == org_id => {}
        _ => return Ok(Submitted::NotRequestable),
    }
    let name = form.name.trim();
    let email = form.email.trim().to_lowercase();
    let reason = form.reason.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        errors.push("request-error-name");
    }
    if !email_ok(&email) {
        errors.push("request-error-email");
    }
    if reason.is_empty() {
        errors.push("request-error-reason");
    }
    if reason.chars().count() > MAX_TEXT {
        errors.push("request-error-long");
    }
    if !errors.is_empty() {
        return Ok(Submitted::Invalid(errors));
    }
    let answer_to = by.email.trim().to_lowercase();
    let new = NewBadgeRequest {
        org_id,
        badge_id,
        kind: "nomination",
        name,
        email: &email,
        locale: locale.code(),
        statement: reason,
        evidence_url: "",
        file: None,
        requested_by: Some(&by.id),
        answer_to: &answer_to,
    };
    store_new(state, &new).await
}

/// A request in the review queue, with its badge's name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Queued {
    pub request: BadgeRequest,
    pub badge_name: String,
}

/// An organisation's requests in `state` (`pending`: the queue, oldest
/// first; otherwise the latest decided).
pub async fn queue(state: &Shared, org_id: &str, which: &str) -> Result<Vec<Queued>, AppError> {
    let list = repo::list(&state.store, org_id, which, 200).await?;
    let mut out = Vec::with_capacity(list.len());
    let mut names = std::collections::HashMap::new();
    for request in list {
        let name = match names.get(&request.badge_id) {
            Some(n) => String::clone(n),
            None => {
                let n = match badges::by_id(&state.store, &request.badge_id).await? {
                    Some(b) => badges::version_meta(&state.store, &b.id, b.current_version)
                        .await?
                        .map(|v| v.name)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                names.insert(request.badge_id.clone(), n.clone());
                n
            }
        };
        out.push(Queued {
            request,
            badge_name: name,
        });
    }
    Ok(out)
}

/// What a decision came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Decided {
    /// Approved: the award's id.
    Approved(String),
    Declined,
    /// Someone decided it first (or it is not pending): nothing changed.
    AlreadyDecided,
    /// The badge can no longer be awarded (archived).
    BadgeNotActive,
    /// A refusal needs a reason; or a text is too long.
    Invalid(&'static str),
}

/// The request `id` of `org_id`, or "not found".
pub async fn owned(state: &Shared, org_id: &str, id: &str) -> Result<BadgeRequest, AppError> {
    repo::get(&state.store, org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Approves a pending request: signs the badge's current version for the
/// person, and stores it with its e-mail (claim link) and the request's new
/// state in one transaction.
pub async fn approve(
    state: &Shared,
    request: &BadgeRequest,
    comment: &str,
    by: &User,
) -> Result<Decided, AppError> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_TEXT {
        return Ok(Decided::Invalid("request-error-long"));
    }
    if request.state != "pending" {
        return Ok(Decided::AlreadyDecided);
    }
    let badge = crate::service::badges::owned(state, &request.org_id, &request.badge_id).await?;
    if badge.state != BadgeState::Active {
        return Ok(Decided::BadgeNotActive);
    }
    let (version, design) = crate::service::badges::current_version(state, &badge).await?;
    let issuer = crate::service::issuers::owned(state, &request.org_id, &badge.issuer_id).await?;
    let input = AwardInput {
        recipient_name: request.name.clone(),
        recipient_email: request.email.clone(),
        evidence_url: Some(request.evidence_url.clone()).filter(|u| !u.is_empty()),
        evidence_narrative: Some(request.statement.clone()).filter(|s| !s.is_empty()),
        issued_at: None,
        expires_at: None,
        with_jwt: false,
        idempotency_key: Some(format!("request:{}", request.id)),
        created_by: Some(by.id.clone()),
        email_locale: Some(request.locale.clone()),
        replaces: None,
        recipient_org: None,
    };
    let award = issuing::sign_award(state, &issuer, &version, &design, &input).await?;
    if repo::approve(&state.store, request, &award, comment, &by.id).await? {
        crate::mail::wake(state);
        Ok(Decided::Approved(award.id))
    } else {
        Ok(Decided::AlreadyDecided)
    }
}

/// Declines a pending request with `reason` (required), e-mailed to
/// whoever asked.
pub async fn decline(
    state: &Shared,
    request: &BadgeRequest,
    reason: &str,
    by: &User,
) -> Result<Decided, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Decided::Invalid("request-error-decline-reason"));
    }
    if reason.chars().count() > MAX_TEXT {
        return Ok(Decided::Invalid("request-error-long"));
    }
    if repo::decline(&state.store, request, reason, &by.id).await? {
        crate::mail::wake(state);
        Ok(Decided::Declined)
    } else {
        Ok(Decided::AlreadyDecided)
    }
}

/// Why a request e-mail cannot be composed.
#[derive(Debug)]
pub enum RequestMailError {
    Gone(String),
    Address(String),
    Other(String),
    Store(StoreError),
}

impl From<StoreError> for RequestMailError {
    fn from(e: StoreError) -> Self {
        RequestMailError::Store(e)
    }
}

/// Composes the refusal of a request or nomination, to whoever asked.
pub(crate) async fn compose_email(
    state: &Shared,
    from: &Address,
    message: &OutboxMessage,
) -> Result<Message, RequestMailError> {
    if message.kind != MailKind::RequestDeclined {
        return Err(RequestMailError::Other("not a request e-mail".into()));
    }
    let request = repo::for_message(&state.store, &message.id)
        .await?
        .ok_or_else(|| RequestMailError::Gone("the request no longer exists".into()))?;
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::En);
    let to: Address = message.recipient.parse().map_err(|e| {
        RequestMailError::Address(format!("recipient address {:?}: {e}", message.recipient))
    })?;
    let badge = badges::by_id(&state.store, &request.badge_id)
        .await?
        .ok_or_else(|| RequestMailError::Gone("the badge no longer exists".into()))?;
    let badge_name = badges::version_meta(&state.store, &badge.id, badge.current_version)
        .await?
        .map(|v| v.name)
        .unwrap_or_default();
    let issuer_name = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .map(|i| i.name)
        .unwrap_or_default();
    let base = &state.config.base_url;
    let ctx = context! {
        nomination => request.kind == "nomination", name => request.name,
        badge_name => badge_name, issuer_name => issuer_name, reason => request.comment,
        badge_url => format!("{base}/b/{}", badge.id), site => base,
    };
    let render = |name: &str| {
        state
            .pages
            .render(name, locale, ctx.clone())
            .map_err(|e| RequestMailError::Other(format!("template: {e:#}")))
    };
    let text = render("email_request.txt")?;
    let html = render("email_request.html")?;
    let subject = state.catalog.text(
        locale,
        "email-request-declined-subject",
        &[("badge", header_text(&badge_name).into())],
    );
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    let sender = if issuer_name.is_empty() {
        "Insignia".to_owned()
    } else {
        header_text(&issuer_name)
    };
    Message::builder()
        .from(Mailbox::new(Some(sender), from.clone()))
        .to(Mailbox::new(None, to))
        .subject(header_text(&subject))
        .message_id(Some(format!("<{}.{}@{host}>", message.id, random_id(8))))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| RequestMailError::Other(format!("building the message: {e}")))
}
