//! The issuers' status lists (Bitstring Status List): signed from the
//! awards' current states and stored, re-signed after every change of
//! status or key, and served as stored unless an award changed state after
//! the stored list was signed (two processes racing), in which case it is
//! signed again on the spot.

use insignia_store::model::{AwardState, Issuer};
use insignia_store::repo::{awards, issuers, status};
use serde_json::json;

use crate::ServerError;
use crate::error::AppError;
use crate::issuing::{self, Urls};
use crate::state::Shared;

pub use crate::issuing::PURPOSES;

/// Builds, signs and stores the issuer's status list for `purpose` from the
/// awards' current states. Returns the signed credential.
pub async fn publish(
    state: &Shared,
    issuer: &Issuer,
    purpose: &str,
) -> Result<String, ServerError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    let award_state = if purpose == "suspension" {
        AwardState::Suspended
    } else {
        AwardState::Revoked
    };
    let indexes = awards::indexes_in_state(&state.store, &issuer.id, award_state).await?;
    let encoded = issuing::encode_bitstring(&indexes, awards::STATUS_LIST_SIZE)?;
    let url = urls.status_list(&issuer.slug, purpose);
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.issuer_did(&issuer.slug)?,
        "validFrom": issuing::rfc3339(insignia_store::now()),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded
        }
    });
    let (pair, vm) = issuing::signing_key(state, issuer).await?;
    let signed = tokio::task::spawn_blocking(move || issuing::sign(unsigned, &pair, &vm))
        .await
        .map_err(ServerError::Task)??;
    let text = signed.to_string();
    status::put(&state.store, &issuer.id, purpose, &text).await?;
    Ok(text)
}

/// Re-signs every status list of `issuer` (after a change of status or key).
pub async fn publish_all(state: &Shared, issuer: &Issuer) -> Result<(), ServerError> {
    for purpose in PURPOSES {
        publish(state, issuer, purpose).await?;
    }
    Ok(())
}

/// A status list as served: the signed credential, and what identifies this
/// signing of it (for the ETag).
pub struct PublishedList {
    pub issuer_id: String,
    pub credential: String,
    pub revision: i64,
}

/// The current status list of the issuer `slug` for `purpose`; "not found"
/// for an unknown issuer or purpose. Signed again first if an award changed
/// state after the stored list was signed (or none is stored yet).
pub async fn current(state: &Shared, slug: &str, purpose: &str) -> Result<PublishedList, AppError> {
    if !PURPOSES.contains(&purpose) {
        return Err(AppError::NotFound);
    }
    let issuer = issuers::by_slug(&state.store, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = status::get(&state.store, &issuer.id, purpose).await?;
    let last_change = awards::last_state_change(&state.store, &issuer.id).await?;
    let (credential, revision) = match stored {
        Some(row) if last_change.is_none_or(|t| t < row.updated_at) => {
            (row.credential, row.revision)
        }
        _ => {
            let text = publish(state, &issuer, purpose).await?;
            let revision = status::get(&state.store, &issuer.id, purpose)
                .await?
                .map_or(0, |r| r.revision);
            (text, revision)
        }
    };
    Ok(PublishedList {
        issuer_id: issuer.id,
        credential,
        revision,
    })
}
