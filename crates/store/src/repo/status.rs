//! The signed status list credentials each issuer publishes.

use crate::model::StatusListRow;
use crate::{Store, StoreError, now, on_db};

pub async fn get(
    store: &Store,
    issuer_id: &str,
    purpose: &str,
) -> Result<Option<StatusListRow>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT issuer_id, purpose, revision, credential, updated_at FROM status_lists \
         WHERE issuer_id = $1 AND purpose = $2"
    )
    .bind(issuer_id)
    .bind(purpose)
    .fetch_optional(pool)
    .await?))
}

/// Stores a freshly signed list; the revision counts up (it feeds the ETag).
pub async fn put(
    store: &Store,
    issuer_id: &str,
    purpose: &str,
    credential: &str,
) -> Result<i64, StoreError> {
    let revision: i64 = on_db!(store, |pool| sqlx::query_scalar(
        "INSERT INTO status_lists (issuer_id, purpose, revision, credential, updated_at) \
         VALUES ($1, $2, 1, $3, $4) ON CONFLICT (issuer_id, purpose) DO UPDATE \
         SET revision = status_lists.revision + 1, credential = excluded.credential, \
         updated_at = excluded.updated_at RETURNING revision"
    )
    .bind(issuer_id)
    .bind(purpose)
    .bind(credential)
    .bind(now())
    .fetch_one(pool)
    .await?);
    Ok(revision)
}
