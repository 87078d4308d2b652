//! API tokens of an organisation: bearer tokens for the VC-API endpoints.
//! A token is random (32 bytes), shown once when it is created, stored only as
//! its SHA-256 (`store::repo::api_tokens`), carries scopes (`read`, `issue`,
//! `revoke`, `admin`: admin implies the others) and is revoked, not deleted.

use insignia_store::repo::api_tokens::{self, ApiToken};
use insignia_store::token::random_id;

use crate::error::AppError;
use crate::state::Shared;

/// The scopes a token can carry.
pub const SCOPES: [&str; 4] = ["read", "issue", "revoke", "admin"];

/// The prefix of every token (so a leaked one is recognisable in logs and scanners).
const PREFIX: &str = "insignia_";

/// Creates a token for `org_id`; returns its row and the token, which is
/// never shown again. `scopes` must be non-empty and known; `name` 1 to 100
/// characters. Errors are the untranslated keys of the messages to show.
pub async fn create(
    state: &Shared,
    org_id: &str,
    name: &str,
    scopes: &[String],
    created_by: Option<&str>,
) -> Result<Result<(ApiToken, String), &'static str>, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Ok(Err("api-tokens-error-name"));
    }
    let mut chosen: Vec<&str> = SCOPES
        .iter()
        .copied()
        .filter(|s| scopes.iter().any(|c| c == s))
        .collect();
    if chosen.is_empty() || scopes.iter().any(|c| !SCOPES.contains(&c.as_str())) {
        return Ok(Err("api-tokens-error-scopes"));
    }
    chosen.dedup();
    let secret = format!("{PREFIX}{}", random_id(32));
    let row = api_tokens::create(
        &state.store,
        &random_id(12),
        org_id,
        name,
        &secret,
        &chosen.join(" "),
        created_by,
    )
    .await?;
    Ok(Ok((row, secret)))
}

/// The live token an `Authorization: Bearer …` header value names, if any.
pub async fn authenticate(
    state: &Shared,
    header: Option<&str>,
) -> Result<Option<ApiToken>, AppError> {
    let Some(token) = header
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| t.starts_with(PREFIX))
    else {
        return Ok(None);
    };
    Ok(api_tokens::authenticate(&state.store, token).await?)
}
