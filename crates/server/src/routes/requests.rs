//! Requests and nominations: the learner's request form on a requestable
//! badge (`/b/{badge}/request`, signed in with a confirmed address), a
//! member's nomination (`/orgs/{org}/badges/{badge}/nominate`), and the
//! organisation's review queue (`/orgs/{org}/requests`: approve with a
//! comment, decline with a reason, download an evidence file). The rules
//! are in `service::requests`.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use insignia_store::model::Role;
use minijinja::context;
use serde::Deserialize;

use super::see_other;
use crate::auth::Member;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::requests::{
    self as service, Decided, EvidenceFile, NominationForm, RequestForm, Submitted,
};
use crate::state::Shared;

fn t(state: &Shared, locale: Locale, key: &str) -> String {
    state.catalog.text(locale, key, &[])
}

fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

async fn request_form(
    state: &Shared,
    member: &Member,
    badge_id: &str,
    form: &RequestForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Some((_, badge_name)) = service::requestable(state, badge_id).await? else {
        return Err(AppError::NotFound);
    };
    let body = state.pages.render(
        "request_form.html",
        member.locale,
        context! {
            user => member.user, csrf => member.csrf, badge_id => badge_id,
            badge_name => badge_name, statement => form.statement,
            evidence_url => form.evidence_url, errors => errors,
            max_mb => service::MAX_FILE_BYTES / (1024 * 1024),
        },
    )?;
    Ok(html(status, body))
}

pub async fn request_page(
    State(state): State<Shared>,
    member: Member,
    Path(badge_id): Path<String>,
) -> Result<Response, AppError> {
    request_form(
        &state,
        &member,
        &badge_id,
        &RequestForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// Reads the request form (multipart: its texts and the optional file).
async fn read_request(
    state: &Shared,
    locale: Locale,
    mut multipart: Multipart,
) -> Result<(String, RequestForm), AppError> {
    let bad = |key: &str| AppError::BadRequest(t(state, locale, key));
    let mut csrf = String::new();
    let mut form = RequestForm::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad("upload-error-malformed"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("evidence").to_owned();
            let media_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| bad("upload-error-too-large"))?;
            if bytes.len() > service::MAX_FILE_BYTES {
                return Err(AppError::TooLarge(t(
                    state,
                    locale,
                    "request-error-file-size",
                )));
            }
            if !bytes.is_empty() {
                if crate::validate::has_forbidden_control(&file_name) {
                    return Err(bad("error-control-characters"));
                }
                form.file = Some(EvidenceFile {
                    name: file_name,
                    media_type,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|_| bad("upload-error-malformed"))?;
        if crate::validate::has_forbidden_control(&text) {
            return Err(bad("error-control-characters"));
        }
        match name.as_str() {
            "csrf" => csrf = text,
            "statement" => form.statement = text,
            "evidence_url" => form.evidence_url = text,
            _ => {}
        }
    }
    Ok((csrf, form))
}

fn submitted_status(s: &Submitted) -> (StatusCode, Vec<&'static str>) {
    match s {
        Submitted::Queued(_) => (StatusCode::OK, vec![]),
        Submitted::Duplicate => (StatusCode::CONFLICT, vec!["request-error-duplicate"]),
        Submitted::Limited => (StatusCode::TOO_MANY_REQUESTS, vec!["request-error-limited"]),
        Submitted::NotRequestable => (StatusCode::NOT_FOUND, vec!["request-error-not-requestable"]),
        Submitted::Invalid(keys) => (StatusCode::BAD_REQUEST, keys.clone()),
    }
}

pub async fn request(
    State(state): State<Shared>,
    member: Member,
    Path(badge_id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let (csrf, form) = read_request(&state, member.locale, multipart).await?;
    member.check_csrf(&csrf)?;
    let outcome = service::request(&state, &badge_id, &member.user, member.locale, &form).await?;
    if let Submitted::Queued(_) = outcome {
        let body = state.pages.render(
            "request_sent.html",
            member.locale,
            context! { user => member.user, csrf => member.csrf, badge_id => badge_id, nomination => false },
        )?;
        return Ok(html(StatusCode::OK, body));
    }
    if let Submitted::NotRequestable = outcome {
        return Err(AppError::NotFound);
    }
    let (status, keys) = submitted_status(&outcome);
    let errors = keys.iter().map(|k| t(&state, member.locale, k)).collect();
    request_form(&state, &member, &badge_id, &form, errors, status).await
}

async fn nominate_form(
    state: &Shared,
    member: &Member,
    org_id: &str,
    badge_id: &str,
    form: &NominationForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let badge_name = match service::requestable(state, badge_id).await? {
        Some((owner, name)) if owner == org_id => name,
        _ => return Err(AppError::NotFound),
    };
    let body = state.pages.render(
        "nominate_form.html",
        member.locale,
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, badge_id => badge_id,
            badge_name => badge_name, form => form, errors => errors,
        },
    )?;
    Ok(html(status, body))
}

pub async fn nominate_page(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Viewer).await?;
    nominate_form(
        &state,
        &member,
        &org_id,
        &badge_id,
        &NominationForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct NominatePost {
    csrf: String,
    #[serde(flatten)]
    form: NominationForm,
}

pub async fn nominate(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    Form(post): Form<NominatePost>,
) -> Result<Response, AppError> {
    member.check_csrf(&post.csrf)?;
    member.require(&state, &org_id, Role::Viewer).await?;
    let outcome = service::nominate(
        &state,
        &org_id,
        &badge_id,
        &member.user,
        member.locale,
        &post.form,
    )
    .await?;
    match outcome {
        Submitted::Queued(_) => {
            let body = state.pages.render(
                "request_sent.html",
                member.locale,
                context! {
                    user => member.user, csrf => member.csrf, badge_id => badge_id,
                    org_id => org_id, nomination => true,
                },
            )?;
            Ok(html(StatusCode::OK, body))
        }
        Submitted::NotRequestable => Err(AppError::NotFound),
        other => {
            let (status, keys) = submitted_status(&other);
            let errors = keys.iter().map(|k| t(&state, member.locale, k)).collect();
            nominate_form(
                &state, &member, &org_id, &badge_id, &post.form, errors, status,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    notice: String,
    #[serde(default)]
    error: String,
}

pub async fn queue(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let pending = service::queue(&state, &org_id, "pending").await?;
    let approved = service::queue(&state, &org_id, "approved").await?;
    let declined = service::queue(&state, &org_id, "declined").await?;
    // Only known notices are shown (the query is typed by anyone).
    let notice = match q.notice.as_str() {
        "approved" => Some("request-notice-approved"),
        "declined" => Some("request-notice-declined"),
        "already" => Some("request-notice-already"),
        "inactive" => Some("award-error-not-active"),
        _ => None,
    };
    let error = match q.error.as_str() {
        "reason" => Some("request-error-decline-reason"),
        "long" => Some("request-error-long"),
        _ => None,
    };
    let body = state.pages.render(
        "request_queue.html",
        member.locale,
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, pending => pending,
            approved => approved, declined => declined, can_issue => role >= Role::Issuer,
            notice => notice, error => error,
        },
    )?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize)]
pub struct DecisionPost {
    csrf: String,
    #[serde(default)]
    comment: String,
}

async fn decide(
    state: Shared,
    member: Member,
    org_id: String,
    request_id: String,
    post: DecisionPost,
    approve: bool,
) -> Result<Response, AppError> {
    member.check_csrf(&post.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let request = service::owned(&state, &org_id, &request_id).await?;
    let decided = if approve {
        service::approve(&state, &request, &post.comment, &member.user).await?
    } else {
        service::decline(&state, &request, &post.comment, &member.user).await?
    };
    let query = match decided {
        Decided::Approved(_) => "notice=approved",
        Decided::Declined => "notice=declined",
        Decided::AlreadyDecided => "notice=already",
        Decided::BadgeNotActive => "notice=inactive",
        Decided::Invalid("request-error-decline-reason") => "error=reason",
        Decided::Invalid(_) => "error=long",
    };
    Ok(see_other(&format!("/orgs/{org_id}/requests?{query}")))
}

pub async fn approve(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, request_id)): Path<(String, String)>,
    Form(post): Form<DecisionPost>,
) -> Result<Response, AppError> {
    decide(state, member, org_id, request_id, post, true).await
}

pub async fn decline(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, request_id)): Path<(String, String)>,
    Form(post): Form<DecisionPost>,
) -> Result<Response, AppError> {
    decide(state, member, org_id, request_id, post, false).await
}

/// The evidence file, always as a download (never shown inline).
pub async fn file(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, request_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Viewer).await?;
    let (name, _, bytes) = insignia_store::repo::requests::file(&state.store, &org_id, &request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
