//! Hosted Open Badges 2.0 documents (built by `service::ob2`): assertions,
//! badge classes, issuer profiles, public keys and revocation lists. A
//! browser asking for one is sent to the matching page.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use insignia_store::model::Issuer;
use insignia_store::repo::{awards, issuers};

use super::{json_response, wants_html};
use crate::error::AppError;
use crate::service::ob2::{self, Assertion};
use crate::state::Shared;

const JSON_LD: &str = "application/ld+json";

async fn issuer_by_slug(state: &Shared, slug: &str) -> Result<Issuer, AppError> {
    issuers::by_slug(&state.store, slug)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn assertion(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(award_id): Path<String>,
) -> Result<Response, AppError> {
    let award = awards::by_id(&state.store, &award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if wants_html(&headers) {
        return Ok(Redirect::to(&format!("/a/{}", award.id)).into_response());
    }
    match ob2::assertion(&state, &award) {
        Assertion::Live(body) => Ok(json_response(body.to_string(), JSON_LD, "no-cache")),
        Assertion::Revoked(body) => {
            let mut response = json_response(body.to_string(), JSON_LD, "no-cache");
            *response.status_mut() = StatusCode::GONE;
            Ok(response)
        }
    }
}

pub async fn badge_class(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((badge_id, version_no)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let badge = crate::service::badges::published(&state, &badge_id).await?;
    if wants_html(&headers) {
        return Ok(Redirect::to(&format!("/b/{}", badge.id)).into_response());
    }
    let body = ob2::badge_class(&state, &badge, version_no).await?;
    Ok(json_response(
        body.to_string(),
        JSON_LD,
        "public, max-age=3600",
    ))
}

pub async fn issuer(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let issuer = issuer_by_slug(&state, &slug).await?;
    if wants_html(&headers) {
        return Ok(Redirect::to(&format!("/i/{}", issuer.slug)).into_response());
    }
    let body = ob2::issuer(&state, &issuer).await?;
    Ok(json_response(
        body.to_string(),
        JSON_LD,
        "public, max-age=300",
    ))
}

pub async fn key(
    State(state): State<Shared>,
    Path((slug, key_no)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let issuer = issuer_by_slug(&state, &slug).await?;
    let body = ob2::key(&state, &issuer, key_no).await?;
    Ok(json_response(
        body.to_string(),
        JSON_LD,
        "public, max-age=3600",
    ))
}

pub async fn revocations(
    State(state): State<Shared>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let issuer = issuer_by_slug(&state, &slug).await?;
    let body = ob2::revocations(&state, &issuer).await?;
    Ok(json_response(body.to_string(), JSON_LD, "no-cache"))
}
