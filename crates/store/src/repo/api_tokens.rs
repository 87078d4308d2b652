//! API tokens of organisations (the VC-API's bearer tokens): stored as the
//! SHA-256 of the token, with their scopes; revoked, never deleted.

use insignia_store_derive::FromRow;
use serde::Serialize;

use crate::token::token_hash;
use crate::{Store, StoreError, now, on_db};

/// One token as listed on the organisation's page (never the token itself).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// Space-separated scopes: `read`, `issue`, `revoke`, `admin`.
    pub scopes: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.split(' ').any(|s| s == scope || s == "admin")
    }
}

const COLUMNS: &str = "id, org_id, name, scopes, created_by, created_at, last_used_at, revoked_at";

/// Stores a new token (its hash) and returns its row.
pub async fn create(
    store: &Store,
    id: &str,
    org_id: &str,
    name: &str,
    token: &str,
    scopes: &str,
    created_by: Option<&str>,
) -> Result<ApiToken, StoreError> {
    let t = now();
    let hash = token_hash(token);
    on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO api_tokens (id, org_id, name, token_hash, scopes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(org_id)
    .bind(name)
    .bind(&hash)
    .bind(scopes)
    .bind(created_by)
    .bind(t)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    Ok(ApiToken {
        id: id.to_owned(),
        org_id: org_id.to_owned(),
        name: name.to_owned(),
        scopes: scopes.to_owned(),
        created_by: created_by.map(str::to_owned),
        created_at: t,
        last_used_at: None,
        revoked_at: None,
    })
}

/// The organisation's tokens, newest first.
pub async fn list(store: &Store, org_id: &str) -> Result<Vec<ApiToken>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM api_tokens WHERE org_id = $1 ORDER BY created_at DESC, id");
    Ok(on_db!(store, |pool| sqlx::query_as::<_, ApiToken>(&sql)
        .bind(org_id)
        .fetch_all(pool)
        .await?))
}

/// The live (not revoked) token with this secret, marking it used.
pub async fn authenticate(store: &Store, token: &str) -> Result<Option<ApiToken>, StoreError> {
    let hash = token_hash(token);
    let sql =
        format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
    let found: Option<ApiToken> = on_db!(store, |pool| sqlx::query_as::<_, ApiToken>(&sql)
        .bind(&hash)
        .fetch_optional(pool)
        .await?);
    if let Some(row) = &found {
        on_db!(store, |pool| sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2"
        )
        .bind(now())
        .bind(&row.id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())?);
    }
    Ok(found)
}

/// Revokes a token of the organisation; false when there is no such live token.
pub async fn revoke(store: &Store, org_id: &str, id: &str) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| {
        sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL"
    )
    .bind(now())
    .bind(org_id)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    Ok(n == 1)
}
