//! Hosted Open Badges 2.0 documents, derived from the Open Badges 3.0 records
//! for older backpacks and verifiers: assertions, badge classes, issuer
//! profiles, public keys and revocation lists.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use insignia_store::repo::{awards, badges, issuers};
use serde_json::json;

use super::{json_response, wants_html};
use crate::error::AppError;
use crate::issuing::{self, OB2_CONTEXT, Urls};
use crate::state::Shared;

const JSON_LD: &str = "application/ld+json";

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
    let urls = Urls {
        base: &state.config.base_url,
    };
    if award.state == "revoked" {
        // Open Badges 2.0: a revoked hosted assertion answers 410 Gone.
        let body = json!({
            "@context": OB2_CONTEXT,
            "id": urls.ob2_assertion(&award.id),
            "revoked": true,
            "revocationReason": award.state_reason.unwrap_or_default()
        });
        let mut response = json_response(body.to_string(), JSON_LD, "no-cache");
        *response.status_mut() = StatusCode::GONE;
        return Ok(response);
    }
    let body = issuing::ob2_assertion(&state.config.base_url, &award);
    Ok(json_response(body.to_string(), JSON_LD, "no-cache"))
}

pub async fn badge_class(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((badge_id, version_no)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let badge = badges::by_id(&state.store, &badge_id)
        .await?
        .filter(|b| b.state != "draft")
        .ok_or(AppError::NotFound)?;
    if wants_html(&headers) {
        return Ok(Redirect::to(&format!("/b/{}", badge.id)).into_response());
    }
    let (version, design, issuer) =
        super::public::published_version(&state, &badge, version_no).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let body = design.badge_class(
        &urls.ob2_badge(&badge.id, version.version),
        &urls.badge_image(&badge.id, version.version, "png"),
        &urls.ob2_issuer(&issuer.slug),
        &urls.badge_page(&badge.id),
    );
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
    let issuer = issuers::by_slug(&state.store, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if wants_html(&headers) {
        return Ok(Redirect::to(&format!("/i/{}", issuer.slug)).into_response());
    }
    let keys = issuers::keys(&state.store, &issuer.id).await?;
    let body = issuing::ob2_issuer(&state.config.base_url, &issuer, &keys);
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
    let issuer = issuers::by_slug(&state.store, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let keys = issuers::keys(&state.store, &issuer.id).await?;
    let key = keys
        .iter()
        .find(|k| k.key_no == key_no)
        .ok_or(AppError::NotFound)?;
    let pem = match &key.public_pem {
        Some(p) => p.clone(),
        None => issuing::public_key(key)?
            .to_pem()
            .map_err(|e| AppError::Internal(e.to_string()))?,
    };
    let urls = Urls {
        base: &state.config.base_url,
    };
    let body = json!({
        "@context": OB2_CONTEXT,
        "type": "CryptographicKey",
        "id": urls.ob2_key(&issuer.slug, key.key_no),
        "owner": urls.ob2_issuer(&issuer.slug),
        "publicKeyPem": pem
    });
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
    let issuer = issuers::by_slug(&state.store, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let revoked: Vec<serde_json::Value> = awards::revoked(&state.store, &issuer.id)
        .await?
        .into_iter()
        .map(|(id, reason)| json!({ "id": urls.ob2_assertion(&id), "revocationReason": reason.unwrap_or_default() }))
        .collect();
    let body = json!({
        "@context": OB2_CONTEXT,
        "id": urls.ob2_revocations(&issuer.slug),
        "type": "RevocationList",
        "issuer": urls.ob2_issuer(&issuer.slug),
        "revokedAssertions": revoked
    });
    Ok(json_response(body.to_string(), JSON_LD, "no-cache"))
}
