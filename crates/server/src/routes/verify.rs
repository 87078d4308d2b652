//! The public verify page: anyone uploads an image, JSON or JWT (or pastes
//! one) and sees the verifier's report, explained.

use axum::extract::{Multipart, State};
use axum::response::Response;
use insignia_verify::{OfflineResolver, VerifyOptions};
use minijinja::context;

use super::public::{check_lines, verdict_name};
use crate::auth::Visitor;
use crate::error::AppError;
use crate::state::Shared;

/// Largest file the verify page accepts.
const MAX_UPLOAD: usize = 10 * 1024 * 1024;

pub async fn page_get(state: &Shared, visitor: &Visitor) -> Result<Response, AppError> {
    super::page(
        state,
        visitor.locale,
        "verify.html",
        context! { user => visitor.user, csrf => visitor.csrf, result => Option::<()>::None, error => Option::<String>::None },
    )
}

pub async fn form(State(state): State<Shared>, visitor: Visitor) -> Result<Response, AppError> {
    page_get(&state, &visitor).await
}

pub async fn submit(
    State(state): State<Shared>,
    visitor: Visitor,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = visitor.locale;
    let mut input: Option<Vec<u8>> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        let Ok(bytes) = field.bytes().await else {
            return Err(AppError::BadRequest(state.catalog.text(
                l,
                "upload-error-too-large",
                &[],
            )));
        };
        if bytes.len() > MAX_UPLOAD {
            return Err(AppError::BadRequest(state.catalog.text(
                l,
                "upload-error-too-large",
                &[],
            )));
        }
        let text_given = name == "text" && !bytes.iter().all(u8::is_ascii_whitespace);
        if (name == "file" && !bytes.is_empty()) || text_given {
            input = Some(bytes.to_vec());
        }
    }
    let Some(input) = input else {
        let error = state.catalog.text(l, "verify-error-empty", &[]);
        let mut response = super::page(
            &state,
            l,
            "verify.html",
            context! { user => visitor.user, csrf => visitor.csrf, result => Option::<()>::None, error => error },
        )?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    let bytes = input.clone();
    let mut report = tokio::task::spawn_blocking(move || {
        let resolver = OfflineResolver;
        let options = VerifyOptions::new(&resolver);
        insignia_verify::verify_bytes(&bytes, &options)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    // One of our own badges: check it against our issuer's keys and records
    // (whatever the upload claims, its signature must match those keys).
    let ours = format!("{}/a/", state.config.base_url);
    if let Some(award_id) = report
        .summary
        .id
        .as_deref()
        .and_then(|id| id.strip_prefix(&ours))
    {
        if let Ok(view) = super::public::load_award(&state, award_id).await {
            let checked = super::public::verify_with_our_keys(&state, &view.issuer, input).await?;
            report = super::public::with_live_status(checked, &view.award);
        }
    }
    let verdict = verdict_name(&report);
    let result = context! {
        verdict => verdict,
        verdict_text => state.catalog.text(l, &format!("verify-verdict-{verdict}"), &[]),
        // Every field present (the summary omits empty ones when serialised,
        // and the templates treat undefined values as errors).
        summary => context! {
            name => report.summary.name.clone(),
            issuer => report.summary.issuer_name.clone().or_else(|| report.summary.issuer_id.clone()),
            recipient => report.summary.recipient.clone(),
            issued => report.summary.issued.clone(),
            expires => report.summary.expires.clone(),
        },
        checks => check_lines(&state, l, &report),
        json => serde_json::to_string_pretty(&report).unwrap_or_default(),
    };
    super::page(
        &state,
        l,
        "verify.html",
        context! { user => visitor.user, csrf => visitor.csrf, result => result, error => Option::<String>::None },
    )
}
