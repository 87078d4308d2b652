//! The leases a server process holds on background work (e-mail messages
//! being sent, bulk jobs being awarded), kept alive while it works and given
//! back when it stops, so that another process (or its own next start) takes
//! the work over at once instead of waiting for the lease to run out.
//!
//! An owner is `{instance}-{run}`: the instance names the process's place
//! (host, listen address, database) and stays the same across restarts; the
//! run is random per start. A process that starts releases whatever an
//! earlier run of its instance left (it crashed, or was killed).

use crate::{Store, StoreError, now, on_db};

/// Extends every lease `owner` holds to `now + seconds`; returns how many.
pub async fn renew(store: &Store, owner: &str, seconds: i64) -> Result<u64, StoreError> {
    let until = now() + seconds;
    let mail = on_db!(store, |pool| sqlx::query(
        "UPDATE mail_outbox SET lease_until = $1 WHERE lease_owner = $2 AND state = 'queued'"
    )
    .bind(until)
    .bind(owner)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    let jobs = on_db!(store, |pool| sqlx::query(
        "UPDATE bulk_jobs SET lease_until = $1 WHERE lease_owner = $2 AND state = 'running'"
    )
    .bind(until)
    .bind(owner)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(mail + jobs)
}

/// Gives back every lease of owners matching the SQL `LIKE` pattern (and not
/// `except`): messages become due for any process, running jobs pending.
async fn release_where(store: &Store, pattern: &str, except: &str) -> Result<u64, StoreError> {
    let mail = on_db!(store, |pool| sqlx::query(
        "UPDATE mail_outbox SET lease_owner = NULL, lease_until = NULL \
         WHERE lease_owner LIKE $1 AND lease_owner <> $2 AND state = 'queued'"
    )
    .bind(pattern)
    .bind(except)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    let jobs = on_db!(store, |pool| sqlx::query(
        "UPDATE bulk_jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL \
         WHERE lease_owner LIKE $1 AND lease_owner <> $2 AND state = 'running'"
    )
    .bind(pattern)
    .bind(except)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(mail + jobs)
}

/// Gives back every lease `owner` holds (a stopping process).
pub async fn release(store: &Store, owner: &str) -> Result<u64, StoreError> {
    release_where(store, &like_literal(owner), "").await
}

/// Gives back the leases of earlier runs of `instance` (a starting process,
/// `me`), left by a crash.
pub async fn release_earlier_runs(
    store: &Store,
    instance: &str,
    me: &str,
) -> Result<u64, StoreError> {
    release_where(store, &format!("{}-%", like_literal(instance)), me).await
}

/// `text` as a `LIKE` pattern matching itself only: owners are letters,
/// digits and `-`, so this only has to keep `%` and `_` from matching more.
fn like_literal(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}
