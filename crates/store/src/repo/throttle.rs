//! Counters for rate limits (sign-ups per client, password-reset requests,
//! re-sent e-mails), shared by every server process through the database.
//! Sign-in failures have their own table (`users::record_failed_login`).

use crate::{Store, StoreError, now, on_db};

/// At most `max` events in any `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub window: i64,
    pub max: i64,
}

/// Records an event for `subject` if every limit allows one more; false
/// (nothing recorded) when one is reached. Counting then inserting is not
/// atomic: processes racing at the very edge may let one or two extra events
/// through, which a rate limit can afford (a hard uniqueness rule could not).
pub async fn allow(store: &Store, subject: &str, limits: &[Limit]) -> Result<bool, StoreError> {
    let t = now();
    for limit in limits {
        let n: i64 = on_db!(store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM throttle_events WHERE subject = $1 AND at > $2"
        )
        .bind(subject)
        .bind(t - limit.window)
        .fetch_one(pool)
        .await?);
        if n >= limit.max {
            return Ok(false);
        }
    }
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO throttle_events (subject, at) VALUES ($1, $2)"
    )
    .bind(subject)
    .bind(t)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    // Old events go as new ones come (the longest window anyone uses is a day).
    on_db!(store, |pool| sqlx::query(
        "DELETE FROM throttle_events WHERE subject = $1 AND at < $2"
    )
    .bind(subject)
    .bind(t - 2 * 86_400)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(true)
}

/// Whether `subject` has reached a limit, without recording anything (for
/// limits counted on failures only, recorded with [`allow`] when one happens).
pub async fn reached(store: &Store, subject: &str, limits: &[Limit]) -> Result<bool, StoreError> {
    let t = now();
    for limit in limits {
        let n: i64 = on_db!(store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM throttle_events WHERE subject = $1 AND at > $2"
        )
        .bind(subject)
        .bind(t - limit.window)
        .fetch_one(pool)
        .await?);
        if n >= limit.max {
            return Ok(true);
        }
    }
    Ok(false)
}
