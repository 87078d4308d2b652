//! Awarding a badge to one person, and managing an award's status.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use insignia_store::model::{Award, AwardState, Role};
use insignia_store::repo::{awards, badges, mail};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::design::{is_http_url, parse_date};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::{AwardInput, Urls};
use crate::service::awards as service;
use crate::state::Shared;

#[derive(Deserialize)]
pub struct AwardForm {
    csrf: String,
    recipient_name: String,
    recipient_email: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    evidence_narrative: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    with_jwt: Option<String>,
    /// "E-mail the recipient" (on by default in the form).
    #[serde(default)]
    send_email: Option<String>,
    #[serde(default)]
    email_language: String,
    /// `organisation`: the award goes to an organisation (name, URL,
    /// contact address) instead of a person.
    #[serde(default)]
    recipient_kind: String,
    #[serde(default)]
    recipient_url: String,
}

fn day_start(text: &str) -> Option<i64> {
    parse_date(text).map(|d| d.midnight().assume_utc().unix_timestamp())
}

pub async fn create(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    Form(form): Form<AwardForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let badge = service::awardable_badge(&state, &org_id, &badge_id)
        .await
        .map_err(|e| refused(&state, &member, e))?;
    let l = member.locale;
    let t = |k: &str| state.catalog.text(l, k, &[]);
    let mut errors = Vec::new();
    if form.recipient_name.trim().is_empty() {
        errors.push(t("award-error-name"));
    }
    if !crate::validate::email_ok(&form.recipient_email) {
        errors.push(t("error-email"));
    }
    if !form.evidence_url.trim().is_empty() && !is_http_url(&form.evidence_url) {
        errors.push(t("award-error-evidence"));
    }
    let recipient_org = if form.recipient_kind == "organisation" {
        let url = form.recipient_url.trim();
        if !is_http_url(url) {
            errors.push(t("award-error-org-url"));
        }
        Some(crate::issuing::OrgRecipient {
            url: url.to_owned(),
        })
    } else {
        None
    };
    let issued_at = match form.issued_on.trim() {
        "" => None,
        d => match day_start(d) {
            Some(s) => Some(s),
            None => {
                errors.push(t("award-error-date"));
                None
            }
        },
    };
    let expires_at = match form.expires_on.trim() {
        "" => None,
        d => match day_start(d) {
            Some(s) => Some(s),
            None => {
                errors.push(t("award-error-date"));
                None
            }
        },
    };
    if let (Some(e), issued) = (expires_at, issued_at.unwrap_or_else(insignia_store::now)) {
        if e <= issued {
            errors.push(t("award-error-expiry-before"));
        }
    }
    let language = crate::web::email_locale(&state, &member, &form.email_language)?;
    if !errors.is_empty() {
        return Err(AppError::BadRequest(errors.join(" ")));
    }
    let input = AwardInput {
        recipient_name: form.recipient_name,
        recipient_email: form.recipient_email,
        evidence_url: Some(form.evidence_url),
        evidence_narrative: Some(form.evidence_narrative),
        issued_at,
        expires_at,
        with_jwt: form.with_jwt.is_some(),
        idempotency_key: None,
        created_by: Some(member.user.id.clone()),
        email_locale: form
            .send_email
            .is_some()
            .then(|| language.code().to_owned()),
        replaces: None,
        recipient_org,
    };
    let award = service::issue(&state, &org_id, &badge, input).await?;
    Ok(see_other(&format!("/orgs/{org_id}/awards/{}", award.id)))
}

pub async fn show(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, award_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let award = service::of_org(&state, &org_id, &award_id).await?;
    let version = badges::version(&state.store, &award.badge_id, award.badge_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let messages = mail::for_award(&state.store, &award.id).await?;
    let claimed_at = mail::claimed_at(&state.store, std::slice::from_ref(&award.id))
        .await?
        .remove(&award.id);
    let renewal_of = awards::renewal_of(&state.store, &award.id).await?;
    let link_requested_at = mail::link_requested_at(&state.store, &award.id).await?;
    let history = awards::history(&state.store, &award.id).await?;
    let now = insignia_store::now();
    let language = messages
        .first()
        .and_then(|m| Locale::from_code(&m.locale))
        .unwrap_or(member.locale);
    page(
        &state,
        member.locale,
        "award_admin.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, award => award, badge_name => version.name,
            public_url => urls.award_page(&award.id), can_issue => role >= Role::Issuer, can_admin => role >= Role::Admin,
            messages => messages, claimed_at => claimed_at, mail_configured => crate::mail::configured(&state),
            email_language => language.code(), renewal_of => renewal_of,
            link_requested_at => link_requested_at, history => history, now => now,
            can_undo => service::can_undo(&award, role, now), undo_until => service::undo_deadline(&award),
        },
    )
}

#[derive(Deserialize)]
pub struct ResendForm {
    csrf: String,
    #[serde(default)]
    email_language: String,
}

/// Queues a new e-mail to the award's recipient (with a fresh claim link).
pub async fn resend(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, award_id)): Path<(String, String)>,
    Form(form): Form<ResendForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let award = service::of_org(&state, &org_id, &award_id).await?;
    let language = crate::web::email_locale(&state, &member, &form.email_language)?;
    service::resend(&state, &award, language.code(), &member.user.id)
        .await
        .map_err(|e| refused(&state, &member, e))?;
    Ok(see_other(&format!("/orgs/{org_id}/awards/{award_id}")))
}

#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
    /// "E-mail the recipient" on the revocation form.
    #[serde(default)]
    notify: Option<String>,
}

/// The page that asks to confirm a revocation, says what it does, and takes
/// the (required) reason; shown again with the typed reason when refused.
/// What the revocation form holds: the typed reason, whether to e-mail the
/// recipient, and why it was refused (translated), if it was.
struct RevokeDraft<'a> {
    reason: &'a str,
    notify: bool,
    error: Option<String>,
}

fn revoke_page(
    state: &Shared,
    member: &Member,
    org_id: &str,
    award: &Award,
    badge_name: &str,
    draft: RevokeDraft<'_>,
) -> Result<Response, AppError> {
    let RevokeDraft {
        reason,
        notify,
        error,
    } = draft;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let refused = error.is_some();
    let mut response = page(
        state,
        member.locale,
        "award_revoke.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, award => award,
            badge_name => badge_name, public_url => urls.award_page(&award.id),
            reason => reason, notify => notify, error => error, max_reason => service::MAX_REASON_CHARS,
            undo_days => service::UNDO_WINDOW_SECONDS / 86_400,
        },
    )?;
    if refused {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// GET: the confirmation page of a revocation.
pub async fn revoke_form(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, award_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Issuer).await?;
    let award = service::of_org(&state, &org_id, &award_id).await?;
    if award.state == AwardState::Revoked {
        return Ok(see_other(&format!("/orgs/{org_id}/awards/{award_id}")));
    }
    let name = badge_name(&state, &award).await?;
    // Ticked when the award was e-mailed.
    let emailed = service::emailed_in(&state, &award).await?.is_some();
    let draft = RevokeDraft {
        reason: "",
        notify: emailed,
        error: None,
    };
    revoke_page(&state, &member, &org_id, &award, &name, draft)
}

async fn badge_name(state: &Shared, award: &Award) -> Result<String, AppError> {
    Ok(
        badges::version(&state.store, &award.badge_id, award.badge_version)
            .await?
            .map(|v| v.name)
            .unwrap_or_default(),
    )
}

/// Revoke (after the confirmation page), suspend or reinstate, through the
/// award service (which re-signs the status lists at once).
pub async fn change_status(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, award_id)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    let role = member.require(&state, &org_id, Role::Issuer).await?;
    let award = service::of_org(&state, &org_id, &award_id).await?;
    let actor = service::Actor {
        user_id: &member.user.id,
        role,
    };
    let outcome = match form.action.as_str() {
        "revoke" => {
            // In the language of the award's e-mail, else the issuer's.
            let notify_in = match form.notify {
                Some(_) => Some(
                    service::emailed_in(&state, &award)
                        .await?
                        .unwrap_or_else(|| member.locale.code().to_owned()),
                ),
                None => None,
            };
            service::revoke(&state, &award, &form.reason, actor, notify_in.as_deref()).await
        }
        "suspend" => service::suspend(&state, &award, &form.reason, actor).await,
        "reinstate" => service::reinstate(&state, &award, actor).await,
        _ => {
            return Err(AppError::BadRequest(state.catalog.text(
                member.locale,
                "error-bad-request",
                &[],
            )));
        }
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/orgs/{org_id}/awards/{award_id}"))),
        Err(service::StatusError::App(e)) => Err(e),
        Err(service::StatusError::Refused(refusal)) => {
            let text = state
                .catalog
                .text(member.locale, refusal.message_key(), &[]);
            let reason_problem = matches!(
                refusal,
                service::Refusal::ReasonRequired | service::Refusal::ReasonTooLong
            );
            if form.action == "revoke" && reason_problem {
                let name = badge_name(&state, &award).await?;
                let draft = RevokeDraft {
                    reason: &form.reason,
                    notify: form.notify.is_some(),
                    error: Some(text),
                };
                return revoke_page(&state, &member, &org_id, &award, &name, draft);
            }
            Err(AppError::Conflict(text))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Undoes a revocation made in error (owners and admins, within 30 days).
pub async fn undo_revocation(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, award_id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    let role = member.require(&state, &org_id, Role::Issuer).await?;
    let award = service::of_org(&state, &org_id, &award_id).await?;
    let actor = service::Actor {
        user_id: &member.user.id,
        role,
    };
    match service::undo_revocation(&state, &award, actor).await {
        Ok(()) => Ok(see_other(&format!("/orgs/{org_id}/awards/{award_id}"))),
        Err(service::StatusError::App(e)) => Err(e),
        Err(service::StatusError::Refused(service::Refusal::NotAllowed)) => {
            Err(AppError::Forbidden)
        }
        Err(service::StatusError::Refused(refusal)) => Err(AppError::Conflict(state.catalog.text(
            member.locale,
            refusal.message_key(),
            &[],
        ))),
    }
}

#[derive(Deserialize)]
pub struct RenewForm {
    csrf: String,
    /// "E-mail the recipient" (on by default in the form).
    #[serde(default)]
    send_email: Option<String>,
    #[serde(default)]
    email_language: String,
}

/// Renewal: a new credential for the same person from the badge's current
/// version; the old award points at its replacement. With "E-mail the
/// recipient", the e-mail about the renewed badge (with a claim link for the
/// new award) is queued in the same transaction as the new award and the
/// link from the old one.
pub async fn renew(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, award_id)): Path<(String, String)>,
    Form(form): Form<RenewForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let old = service::of_org(&state, &org_id, &award_id).await?;
    let language = crate::web::email_locale(&state, &member, &form.email_language)?;
    let email_locale = form
        .send_email
        .is_some()
        .then(|| language.code().to_owned());
    let new = service::renew(&state, &org_id, &old, email_locale, &member.user.id)
        .await
        .map_err(|e| refused(&state, &member, e))?;
    Ok(see_other(&format!("/orgs/{org_id}/awards/{}", new.id)))
}

/// A refused award change as the error page shows it.
fn refused(state: &Shared, member: &Member, error: service::StatusError) -> AppError {
    match error {
        service::StatusError::App(e) => e,
        service::StatusError::Refused(refusal) => {
            let text = state
                .catalog
                .text(member.locale, refusal.message_key(), &[]);
            match refusal {
                service::Refusal::NotAllowed => AppError::Forbidden,
                service::Refusal::BadgeNotActive => AppError::BadRequest(text),
                service::Refusal::ResendLimit => AppError::TooManyRequestsBecause(text),
                _ => AppError::Conflict(text),
            }
        }
    }
}
