//! The public verify page: anyone uploads an image, JSON or JWT, pastes one,
//! or gives a URL, and sees the verifier's report, explained.
//!
//! Our own badges are recognised by their address and checked against the
//! issuer's keys and records in the database (no request to ourselves);
//! everything else goes to the online verifier, whose fetches go through the
//! SSRF-safe client (a fresh one per request, so nothing is cached between
//! visitors).

use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::response::Response;
use insignia_fetch::{FetchPolicy, Fetcher};
use insignia_verify::online::Verifier;
use insignia_verify::{OfflineResolver, Report, VerifyOptions};
use minijinja::context;

use super::public::{
    check_lines, load_award, verdict_name, verify_with_our_keys, with_live_status,
};
use crate::auth::Visitor;
use crate::error::AppError;
use crate::state::Shared;

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

/// What the visitor gave.
enum Input {
    Bytes(Vec<u8>),
    Url(String),
}

/// The award id when `text` names one of our awards (its page, credential or
/// hosted assertion URL).
fn our_award_id<'a>(state: &Shared, text: &'a str) -> Option<&'a str> {
    let base = state.config.base_url.as_str();
    let rest = text.trim().strip_prefix(base)?;
    let id = rest
        .strip_prefix("/a/")
        .or_else(|| rest.strip_prefix("/ob2/assertions/"))?;
    let id = id.split(['/', '?', '#']).next()?;
    (!id.is_empty()).then_some(id)
}

async fn report_for(
    state: &Shared,
    input: Input,
    recipient: Option<String>,
) -> Result<Report, AppError> {
    // A URL of ours: take the stored credential, no request to ourselves.
    let input = match input {
        Input::Url(url) => match our_award_id(state, &url) {
            Some(id) => match load_award(state, id).await {
                Ok(view) => Input::Bytes(view.award.credential.into_bytes()),
                Err(_) => Input::Url(url),
            },
            None => Input::Url(url),
        },
        other => other,
    };
    match input {
        Input::Bytes(bytes) => {
            // A first offline read says what it claims to be.
            let copy = bytes.clone();
            let offline = tokio::task::spawn_blocking(move || {
                let resolver = OfflineResolver;
                insignia_verify::verify_bytes(&copy, &VerifyOptions::new(&resolver))
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
            if let Some(id) = offline
                .summary
                .id
                .as_deref()
                .and_then(|id| our_award_id(state, id))
            {
                if let Ok(view) = load_award(state, id).await {
                    // Whatever the upload claims, its signature must match our issuer's keys.
                    let checked =
                        verify_with_our_keys(state, &view.issuer, bytes, recipient).await?;
                    return Ok(with_live_status(checked, &view.award));
                }
            }
            Ok(online(recipient)?.verify_bytes(&bytes).await)
        }
        Input::Url(url) => Ok(online(recipient)?.verify_url(url.trim()).await),
    }
}

fn online(recipient: Option<String>) -> Result<Verifier, AppError> {
    let fetcher =
        Fetcher::new(FetchPolicy::default()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Verifier::new(Arc::new(fetcher)).with_recipient(recipient))
}

pub async fn submit(
    State(state): State<Shared>,
    visitor: Visitor,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = visitor.locale;
    let too_large = || AppError::BadRequest(state.catalog.text(l, "upload-error-too-large", &[]));
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
            recipient => report.summary.recipient.clone(),
            issued => report.summary.issued.clone(),
            expires => report.summary.expires.clone(),
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
