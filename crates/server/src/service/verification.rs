//! One credential to a verification report, as the public verify page and
//! the backpack do it. Our own badges are recognised by their address and
//! checked against the issuer's keys and records in the database (no request
//! to ourselves); everything else goes to the online verifier, whose fetches
//! go through the SSRF-safe client (a fresh one per call, so nothing is
//! cached between visitors and a later revocation is seen).

use std::sync::Arc;

use insignia_fetch::{FetchPolicy, Fetcher};
use insignia_verify::online::Verifier;
use insignia_verify::{OfflineResolver, Report, VerifyOptions};

use crate::error::AppError;
use crate::service::award_view::{load_award, verify_with_our_keys, with_live_status};
use crate::state::Shared;

/// What is to be verified.
pub enum Input {
    Bytes(Vec<u8>),
    Url(String),
}

/// The award id when `text` names one of our awards (its page, credential or
/// hosted assertion URL).
pub fn our_award_id<'a>(state: &Shared, text: &'a str) -> Option<&'a str> {
    let base = state.config.base_url.as_str();
    let rest = text.trim().strip_prefix(base)?;
    let id = rest
        .strip_prefix("/a/")
        .or_else(|| rest.strip_prefix("/ob2/assertions/"))?;
    let id = id.split(['/', '?', '#']).next()?;
    (!id.is_empty()).then_some(id)
}

/// The report for `input`; `recipient`, when given, is compared with the
/// credential's recipient.
pub async fn report_for(
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
            if let Some(report) = ours(state, &bytes, recipient.clone()).await? {
                return Ok(report);
            }
            Ok(online(recipient)?.verify_bytes(&bytes).await)
        }
        Input::Url(url) => Ok(online(recipient)?.verify_url(url.trim()).await),
    }
}

/// The report of a credential claiming to be one of our awards, checked
/// against that issuer's keys and our records; None when it claims no award
/// of ours.
async fn ours(
    state: &Shared,
    bytes: &[u8],
    recipient: Option<String>,
) -> Result<Option<Report>, AppError> {
    // A first offline read says what it claims to be.
    let copy = bytes.to_vec();
    let offline = tokio::task::spawn_blocking(move || {
        let resolver = OfflineResolver;
        insignia_verify::verify_bytes(&copy, &VerifyOptions::new(&resolver))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(report) =
        crate::service::endorsements::verify_ours(state, offline.summary.id.as_deref(), bytes)
            .await?
    {
        return Ok(Some(report));
    }
    let Some(id) = offline
        .summary
        .id
        .as_deref()
        .and_then(|id| our_award_id(state, id))
    else {
        return Ok(None);
    };
    let Ok(view) = load_award(state, id).await else {
        return Ok(None);
    };
    // Whatever the upload claims, its signature must match our issuer's keys.
    let checked = verify_with_our_keys(state, &view.issuer, bytes.to_vec(), recipient).await?;
    Ok(Some(with_live_status(checked, &view.award)))
}

/// A verifier with a fresh SSRF-safe fetcher.
pub fn online(recipient: Option<String>) -> Result<Verifier, AppError> {
    Ok(Verifier::new(Arc::new(fetcher()?)).with_recipient(recipient))
}

/// A fresh SSRF-safe fetcher (https only, no private addresses).
pub fn fetcher() -> Result<Fetcher, AppError> {
    let policy = TEST_FETCH_POLICY.get().cloned().unwrap_or_default();
    Fetcher::new(policy).map_err(|e| AppError::Internal(e.to_string()))
}

static TEST_FETCH_POLICY: std::sync::OnceLock<FetchPolicy> = std::sync::OnceLock::new();

/// **Tests only** (never called by the server): the fetch policy of every
/// later verification in this process, e.g. plain http to loopback so that
/// a browser test's second server on 127.0.0.1 can be verified. The first
/// call wins.
#[doc(hidden)]
pub fn use_fetch_policy_in_tests(policy: FetchPolicy) {
    let _ = TEST_FETCH_POLICY.set(policy);
}
