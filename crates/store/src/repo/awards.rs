//! Awards: one signed credential given to one recipient, and its status.

use rand::Rng;

use crate::model::{Award, AwardEvent, AwardState, AwardStatus};
use crate::repo::mail;
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

pub(crate) const COLUMNS: &str = "id, org_id, issuer_id, badge_id, badge_version, recipient_name, recipient_email, \
     idempotency_key, status_index, credential, credential_jwt, ob2_salt, issued_at, expires_at, state, \
     state_reason, state_changed_at, replaced_by, created_by, created_at";

/// Entries in each issuer's status list (the Bitstring Status List minimum,
/// which gives group privacy).
pub const STATUS_LIST_SIZE: i64 = 131_072;

/// Takes up to `n` free places in `issuer_id`'s status list, at random
/// (sequential indexes would leak the order and volume of issuance), for
/// awards about to be signed; fewer only when the list is nearly full.
/// Each place is taken by its row in `status_indexes`, many per statement:
/// a place another process took meanwhile is skipped, never handed out twice.
pub async fn take_status_indexes(
    store: &Store,
    issuer_id: &str,
    n: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut taken: Vec<i64> = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::new();
    // A round misses only places already taken; on a list up to 90 % full a
    // handful of rounds find every place asked for.
    for _round in 0..32 {
        let want = n - taken.len();
        if want == 0 {
            break;
        }
        let candidates: Vec<i64> = {
            let mut rng = rand::thread_rng();
            let mut list = Vec::with_capacity(want);
            while list.len() < want && seen.len() < STATUS_LIST_SIZE as usize {
                let candidate = rng.gen_range(0..STATUS_LIST_SIZE);
                if seen.insert(candidate) {
                    list.push(candidate);
                }
            }
            list
        };
        if candidates.is_empty() {
            break;
        }
        // In ascending order: two processes inserting overlapping places then
        // take them in the same order, so one waits for the other instead of
        // both waiting for each other (PostgreSQL reports a deadlock when
        // speculative insertions cross).
        let mut candidates = candidates;
        candidates.sort_unstable();
        let t = now();
        for part in candidates.chunks(1_000) {
            let rows: Vec<String> = (0..part.len())
                .map(|i| format!("($1, ${}, $2)", i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO status_indexes (issuer_id, status_index, taken_at) VALUES {} \
                 ON CONFLICT DO NOTHING RETURNING status_index",
                rows.join(", ")
            );
            let mut got: Vec<i64> = on_db!(store, |pool| {
                let mut q = sqlx::query_scalar(&sql).bind(issuer_id).bind(t);
                for index in part {
                    q = q.bind(index);
                }
                q.fetch_all(pool).await?
            });
            taken.append(&mut got);
        }
    }
    Ok(taken)
}

fn insert_sql() -> String {
    format!(
        "INSERT INTO awards ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (idempotency_key) DO NOTHING"
    )
}

macro_rules! bind_award {
    ($query:expr, $award:expr) => {
        $query
            .bind(&$award.id)
            .bind(&$award.org_id)
            .bind(&$award.issuer_id)
            .bind(&$award.badge_id)
            .bind($award.badge_version)
            .bind(&$award.recipient_name)
            .bind(&$award.recipient_email)
            .bind(&$award.idempotency_key)
            .bind($award.status_index)
            .bind(&$award.credential)
            .bind(&$award.credential_jwt)
            .bind(&$award.ob2_salt)
            .bind($award.issued_at)
            .bind($award.expires_at)
            .bind($award.state.as_str())
            .bind(&$award.state_reason)
            .bind($award.state_changed_at)
            .bind(&$award.replaced_by)
            .bind(&$award.created_by)
            .bind($award.created_at)
    };
}

/// Stores a new award unless one with the same idempotency key exists.
/// Returns the stored award and whether it was created now.
pub async fn insert(store: &Store, award: &Award) -> Result<(Award, bool), StoreError> {
    insert_announced(store, award, None).await
}

/// Like [`insert`]; with `email_locale`, the e-mail announcing a new award to
/// its recipient is queued in the same transaction, so an award is never
/// stored without its message (and an existing award gets no second one).
pub async fn insert_announced(
    store: &Store,
    award: &Award,
    email_locale: Option<&str>,
) -> Result<(Award, bool), StoreError> {
    insert_with(store, award, None, email_locale).await
}

/// A renewal: like [`insert_announced`], and in the same transaction the
/// award `replaces` is marked as replaced by the new one (an existing award
/// with the same idempotency key, a renewal made before, changes nothing).
pub async fn insert_renewal(
    store: &Store,
    award: &Award,
    replaces: &str,
    email_locale: Option<&str>,
) -> Result<(Award, bool), StoreError> {
    insert_with(store, award, Some(replaces), email_locale).await
}

async fn insert_with(
    store: &Store,
    award: &Award,
    replaces: Option<&str>,
    email_locale: Option<&str>,
) -> Result<(Award, bool), StoreError> {
    let sql = insert_sql();
    let mut tx = store.begin().await?;
    let done = on_tx!(&mut tx, |c| bind_award!(sqlx::query(&sql), award)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    if done == 1 {
        if let Some(old) = replaces {
            on_tx!(&mut tx, |c| sqlx::query(
                "UPDATE awards SET replaced_by = $1 WHERE id = $2"
            )
            .bind(&award.id)
            .bind(old)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected())?);
        }
        if let Some(locale) = email_locale {
            mail::enqueue_in(&mut tx, &mail::NewMessage::award(award, locale)).await?;
        }
        tx.commit().await?;
        return Ok((award.clone(), true));
    }
    drop(tx);
    match by_idempotency_key(store, &award.idempotency_key).await? {
        Some(existing) => Ok((existing, false)),
        None => Err(StoreError::Corrupt(
            "an award vanished while being stored".into(),
        )),
    }
}

/// Inside a transaction: stores the award unless its idempotency key is
/// taken; returns the id of the award holding that key.
pub async fn insert_in(tx: &mut Tx, award: &Award) -> Result<String, StoreError> {
    // One round trip when the award is new (the usual case).
    let sql = format!("{} RETURNING id", insert_sql());
    let inserted: Option<String> =
        on_tx!(&mut *tx, |c| bind_award!(sqlx::query_scalar(&sql), award)
            .fetch_optional(&mut **c)
            .await?);
    if let Some(id) = inserted {
        return Ok(id);
    }
    let id: String = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM awards WHERE idempotency_key = $1"
    )
    .bind(&award.idempotency_key)
    .fetch_one(&mut **c)
    .await?);
    Ok(id)
}

/// Awards per multi-row INSERT in [`insert_many_in`] (20 values each: well
/// under both engines' limits on bound parameters).
const INSERT_ROWS: usize = 250;

/// Inside a transaction: stores many awards, on PostgreSQL a few hundred
/// per statement (one round trip each instead of one per award), skipping those whose
/// idempotency key is taken. Returns, in order, the id of the award holding
/// each one's key: its own id when it was stored now.
pub async fn insert_many_in(tx: &mut Tx, list: &[&Award]) -> Result<Vec<String>, StoreError> {
    if let Tx::Sqlite(_) = tx {
        // In-process: a statement costs no round trip, and SQLite runs many
        // small cached statements faster than one of thousands of values.
        let mut ids = Vec::with_capacity(list.len());
        for award in list {
            ids.push(insert_in(tx, award).await?);
        }
        return Ok(ids);
    }
    let mut stored = std::collections::HashSet::with_capacity(list.len());
    for part in list.chunks(INSERT_ROWS) {
        let rows: Vec<String> = (0..part.len())
            .map(|i| {
                let places: Vec<String> = (1..=20).map(|c| format!("${}", i * 20 + c)).collect();
                format!("({})", places.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO awards ({COLUMNS}) VALUES {} ON CONFLICT (idempotency_key) DO NOTHING \
             RETURNING id",
            rows.join(", ")
        );
        let ids: Vec<String> = on_tx!(&mut *tx, |c| {
            let mut q = sqlx::query_scalar(&sql);
            for award in part {
                q = bind_award!(q, award);
            }
            q.fetch_all(&mut **c).await?
        });
        stored.extend(ids);
    }
    // Keys used before (a resumed job): who holds them, one statement per
    // few hundred.
    let taken: Vec<&str> = list
        .iter()
        .filter(|a| !stored.contains(&a.id))
        .map(|a| a.idempotency_key.as_str())
        .collect();
    let mut holders = std::collections::HashMap::with_capacity(taken.len());
    for part in taken.chunks(500) {
        let places: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT idempotency_key, id FROM awards WHERE idempotency_key IN ({})",
            places.join(", ")
        );
        let found: Vec<(String, String)> = on_tx!(&mut *tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for key in part {
                q = q.bind(*key);
            }
            q.fetch_all(&mut **c).await?
        });
        holders.extend(found);
    }
    list.iter()
        .map(|award| {
            if stored.contains(&award.id) {
                return Ok(award.id.clone());
            }
            holders
                .get(&award.idempotency_key)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt("an award vanished while being stored".into()))
        })
        .collect()
}

/// Which of `keys` already belong to an award.
pub async fn existing_keys(store: &Store, keys: &[String]) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT idempotency_key FROM awards WHERE idempotency_key IN ({})",
            placeholders.join(", ")
        );
        let mut part: Vec<String> = on_db!(store, |pool| {
            let mut q = sqlx::query_scalar(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            q.fetch_all(pool).await?
        });
        found.append(&mut part);
    }
    Ok(found)
}

pub async fn by_id(store: &Store, award_id: &str) -> Result<Option<Award>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM awards WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(award_id)
        .fetch_optional(pool)
        .await?))
}

/// The changeable part of an award (one small row read; see [`AwardStatus`]).
pub async fn status(store: &Store, award_id: &str) -> Result<Option<AwardStatus>, StoreError> {
    let sql = "SELECT state, state_changed_at, replaced_by, expires_at FROM awards WHERE id = $1";
    Ok(on_db!(store, |pool| sqlx::query_as(sql)
        .bind(award_id)
        .fetch_optional(pool)
        .await?))
}

pub async fn by_idempotency_key(store: &Store, key: &str) -> Result<Option<Award>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM awards WHERE idempotency_key = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(key)
        .fetch_optional(pool)
        .await?))
}

/// The organisation's awards, newest first.
pub async fn list(store: &Store, org_id: &str, limit: i64) -> Result<Vec<Award>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM awards WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

pub async fn list_for_badge(
    store: &Store,
    badge_id: &str,
    limit: i64,
) -> Result<Vec<Award>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM awards WHERE badge_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(badge_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Changes an award's state. A revoked award stays revoked (revocation is
/// final, as the status list's revocation purpose requires). Returns false
/// when nothing changed.
pub async fn set_state(
    store: &Store,
    award_id: &str,
    state: AwardState,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let done = on_db!(store, |pool| sqlx::query(
        "UPDATE awards SET state = $1, state_reason = $2, state_changed_at = $3 \
         WHERE id = $4 AND state <> 'revoked'"
    )
    .bind(state.as_str())
    .bind(reason)
    .bind(now())
    .bind(award_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(done == 1)
}

/// A change of an award's state, as [`change_state`] makes it.
#[derive(Debug, Clone)]
pub struct StateChange<'a> {
    pub award_id: &'a str,
    /// What the history calls it (`revoke`, `suspend`, `reinstate`, `undo-revoke`).
    pub action: &'a str,
    /// The state the award must be in now; nothing changes otherwise.
    pub from: AwardState,
    pub to: AwardState,
    pub reason: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    /// A message to queue with the change (the revocation e-mail), in the
    /// same transaction.
    pub notice: Option<&'a crate::repo::mail::NewMessage>,
}

/// Moves an award from `change.from` to `change.to` and records the change
/// in its history, in one transaction. False (and nothing written) when the
/// award is not in `change.from` any more, e.g. someone changed it meanwhile.
pub async fn change_state(store: &Store, change: &StateChange<'_>) -> Result<bool, StoreError> {
    let at = now();
    let mut tx = store.begin().await?;
    let done = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE awards SET state = $1, state_reason = $2, state_changed_at = $3 \
         WHERE id = $4 AND state = $5"
    )
    .bind(change.to.as_str())
    .bind(change.reason)
    .bind(at)
    .bind(change.award_id)
    .bind(change.from.as_str())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if done != 1 {
        return Ok(false);
    }
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO award_history (award_id, action, from_state, to_state, reason, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(change.award_id)
    .bind(change.action)
    .bind(change.from.as_str())
    .bind(change.to.as_str())
    .bind(change.reason)
    .bind(change.actor_id)
    .bind(at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if let Some(notice) = change.notice {
        crate::repo::mail::enqueue_in(&mut tx, notice).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// An award's history, oldest first.
pub async fn history(store: &Store, award_id: &str) -> Result<Vec<AwardEvent>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT id, award_id, action, from_state, to_state, reason, actor_id, at \
         FROM award_history WHERE award_id = $1 ORDER BY id"
    )
    .bind(award_id)
    .fetch_all(pool)
    .await?))
}

/// The award that `award_id` renewed (whose `replaced_by` it is), if any.
pub async fn renewal_of(store: &Store, award_id: &str) -> Result<Option<String>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT id FROM awards WHERE replaced_by = $1 ORDER BY created_at LIMIT 1"
    )
    .bind(award_id)
    .fetch_optional(pool)
    .await?))
}

/// Status-list indexes of the issuer's awards in `state`.
pub async fn indexes_in_state(
    store: &Store,
    issuer_id: &str,
    state: AwardState,
) -> Result<Vec<i64>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT status_index FROM awards WHERE issuer_id = $1 AND state = $2"
    )
    .bind(issuer_id)
    .bind(state.as_str())
    .fetch_all(pool)
    .await?))
}

/// (award id, reason) of the issuer's revoked awards, for the Open Badges 2.0
/// revocation list.
pub async fn revoked(
    store: &Store,
    issuer_id: &str,
) -> Result<Vec<(String, Option<String>)>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT id, state_reason FROM awards WHERE issuer_id = $1 AND state = 'revoked' ORDER BY id"
    )
    .bind(issuer_id)
    .fetch_all(pool)
    .await?))
}

/// When an award of the issuer last changed state (revoked, suspended,
/// reinstated), if ever.
pub async fn last_state_change(store: &Store, issuer_id: &str) -> Result<Option<i64>, StoreError> {
    let t: Option<i64> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT MAX(state_changed_at) FROM awards WHERE issuer_id = $1"
    )
    .bind(issuer_id)
    .fetch_one(pool)
    .await?);
    Ok(t)
}
