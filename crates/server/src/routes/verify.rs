//! The public verify page: anyone uploads an image, JSON or JWT, pastes one,
//! or gives a URL, and sees the verifier's report, explained.
//!
//! Our own badges are recognised by their address and checked against the
//! issuer's keys and records in the database (no request to ourselves);
//! everything else goes to the online verifier, whose fetches go through the
//! SSRF-safe client (a fresh one per request, so nothing is cached between
//! visitors).

use axum::extract::{Multipart, State};
use axum::response::Response;
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::service::verification::{Input, report_for};
use crate::state::Shared;
use crate::web::{check_lines, verdict_name};

/// Largest file the verify page accepts.
const MAX_UPLOAD: usize = 10 * 1024 * 1024;

fn empty(state: &Shared, visitor: &Visitor, error: Option<String>) -> Result<Response, AppError> {
    super::page(
        state,
        visitor.locale,
        "verify.html",
        context! { user => visitor.user, csrf => visitor.csrf, result => Option::<()>::None, error => error, recipient => "" },
    )
}

pub async fn form(State(state): State<Shared>, visitor: Visitor) -> Result<Response, AppError> {
    empty(&state, &visitor, None)
}

pub async fn submit(
    State(state): State<Shared>,
    visitor: Visitor,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = visitor.locale;
    let too_large = || AppError::TooLarge(state.catalog.text(l, "upload-error-too-large", &[]));
    let mut input: Option<Input> = None;
    let mut recipient = String::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field.bytes().await.map_err(|_| too_large())?;
        if bytes.len() > MAX_UPLOAD {
            return Err(too_large());
        }
        let blank = bytes.iter().all(u8::is_ascii_whitespace);
        match name.as_str() {
            "file" if !bytes.is_empty() => input = Some(Input::Bytes(bytes.to_vec())),
            "text" if !blank && input.is_none() => input = Some(Input::Bytes(bytes.to_vec())),
            "url" if !blank && input.is_none() => {
                input = Some(Input::Url(
                    String::from_utf8_lossy(&bytes).trim().to_owned(),
                ));
            }
            "recipient" => recipient = String::from_utf8_lossy(&bytes).trim().to_owned(),
            _ => {}
        }
    }
    let Some(input) = input else {
        let mut response = empty(
            &state,
            &visitor,
            Some(state.catalog.text(l, "verify-error-empty", &[])),
        )?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    if let Input::Url(url) = &input {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            let mut response = empty(
                &state,
                &visitor,
                Some(state.catalog.text(l, "verify-error-url", &[])),
            )?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    }
    let recipient_opt = (!recipient.is_empty()).then(|| recipient.clone());
    let report = report_for(&state, input, recipient_opt).await?;
    let verdict = verdict_name(&report);
    let endorsements: Vec<minijinja::Value> = report
        .endorsements
        .iter()
        .map(|e| {
            let v = verdict_name(e);
            context! {
                verdict => v,
                verdict_text => state.catalog.text(l, &format!("verify-verdict-{v}"), &[]),
                summary => e.summary,
                checks => check_lines(&state, l, e),
            }
        })
        .collect();
    let result = context! {
        verdict => verdict,
        verdict_text => state.catalog.text(l, &format!("verify-verdict-{verdict}"), &[]),
        // Every field present (the summary omits empty ones when serialised,
        // and the templates treat undefined values as errors).
        summary => context! {
            name => report.summary.name.clone(),
            issuer => report.summary.issuer_name.clone().or_else(|| report.summary.issuer_id.clone()),
            recipient => crate::web::recipient_text(&state, l, &report.summary),
            issued => report.summary.issued.clone(),
            expires => report.summary.expires.clone(),
            endorsed => report.summary.endorsed.clone(),
            endorsement_comment => report.summary.endorsement_comment.clone(),
        },
        checks => check_lines(&state, l, &report),
        endorsements => endorsements,
        json => serde_json::to_string_pretty(&report).unwrap_or_default(),
    };
    super::page(
        &state,
        l,
        "verify.html",
        context! { user => visitor.user, csrf => visitor.csrf, result => result, error => Option::<String>::None, recipient => recipient },
    )
}
