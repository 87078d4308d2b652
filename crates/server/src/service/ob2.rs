//! The hosted Open Badges 2.0 documents, derived from the Open Badges 3.0
//! records for older backpacks and verifiers: assertions, badge classes,
//! issuer profiles, public keys and revocation lists.

use insignia_store::model::{Award, AwardState, Badge, Issuer};
use insignia_store::repo::{awards, issuers};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::issuing::{self, OB2_CONTEXT, Urls};
use crate::state::Shared;

/// An award's hosted assertion.
pub enum Assertion {
    Live(Value),
    /// Open Badges 2.0: a revoked hosted assertion answers 410 Gone with this
    /// body.
    Revoked(Value),
}

pub fn assertion(state: &Shared, award: &Award) -> Assertion {
    let urls = Urls {
        base: &state.config.base_url,
    };
    if award.state == AwardState::Revoked {
        return Assertion::Revoked(json!({
            "@context": OB2_CONTEXT,
            "id": urls.ob2_assertion(&award.id),
            "revoked": true,
            "revocationReason": award.state_reason.clone().unwrap_or_default()
        }));
    }
    Assertion::Live(issuing::ob2_assertion(&state.config.base_url, award))
}

/// The BadgeClass of one version of a published badge.
pub async fn badge_class(
    state: &Shared,
    badge: &Badge,
    version_no: i64,
) -> Result<Value, AppError> {
    let (version, design, issuer) =
        crate::service::badges::published_version(state, badge, version_no).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    Ok(design.badge_class(
        &urls.ob2_badge(&badge.id, version.version),
        &urls.badge_image(&badge.id, version.version, "png"),
        &urls.ob2_issuer(&issuer.slug),
        &urls.badge_page(&badge.id),
    ))
}

/// The issuer's profile with its public keys.
pub async fn issuer(state: &Shared, issuer: &Issuer) -> Result<Value, AppError> {
    let keys = issuers::keys(&state.store, &issuer.id).await?;
    Ok(issuing::ob2_issuer(&state.config.base_url, issuer, &keys))
}

/// One of the issuer's public keys (`CryptographicKey`, PEM), "not found"
/// for a key it does not have.
pub async fn key(state: &Shared, issuer: &Issuer, key_no: i64) -> Result<Value, AppError> {
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
    Ok(json!({
        "@context": OB2_CONTEXT,
        "type": "CryptographicKey",
        "id": urls.ob2_key(&issuer.slug, key.key_no),
        "owner": urls.ob2_issuer(&issuer.slug),
        "publicKeyPem": pem
    }))
}

/// The issuer's revocation list (every revoked assertion with its reason).
pub async fn revocations(state: &Shared, issuer: &Issuer) -> Result<Value, AppError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    let revoked: Vec<Value> = awards::revoked(&state.store, &issuer.id)
        .await?
        .into_iter()
        .map(|(id, reason)| json!({ "id": urls.ob2_assertion(&id), "revocationReason": reason.unwrap_or_default() }))
        .collect();
    Ok(json!({
        "@context": OB2_CONTEXT,
        "id": urls.ob2_revocations(&issuer.slug),
        "type": "RevocationList",
        "issuer": urls.ob2_issuer(&issuer.slug),
        "revokedAssertions": revoked
    }))
}
