//! Endorsements and person endorsers' keys (migration 0013).
//!
//! An endorsement is stored pending together with the e-mails asking the
//! endorsed party to decide, in one transaction; deciding is one conditional
//! update (only a pending endorsement changes) together with the e-mail to
//! the endorser.

use crate::model::{AccountKey, EndorsedKind, Endorsement, EndorsementState};
use crate::repo::mail::{self, NewMessage};
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const COLUMNS: &str = "id, endorser_user_id, endorser_issuer_id, endorser_name, subject_kind, \
                       subject_ref, subject_iri, owner_user_id, owner_org_id, comment, credential, \
                       state, created_at, decided_at, decided_by";
const KEY_COLUMNS: &str = "user_id, key_no, algorithm, public_jwk, sealed_secret, created_at";

/// Every key of a person endorser, oldest first.
pub async fn account_keys(store: &Store, user_id: &str) -> Result<Vec<AccountKey>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM account_keys WHERE user_id = $1 ORDER BY key_no");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

/// Stores a person endorser's first key; false when another request stored
/// one first (the caller reads that one).
pub async fn add_first_account_key(
    store: &Store,
    user_id: &str,
    algorithm: &str,
    public_jwk: &str,
    sealed_secret: &[u8],
) -> Result<bool, StoreError> {
    let sql = "INSERT INTO account_keys (user_id, key_no, algorithm, public_jwk, sealed_secret, \
               created_at) VALUES ($1, 1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    let t = now();
    let n = on_db!(store, |pool| sqlx::query(sql)
        .bind(user_id)
        .bind(algorithm)
        .bind(public_jwk)
        .bind(sealed_secret)
        .bind(t)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

async fn link_messages(
    tx: &mut Tx,
    endorsement_id: &str,
    messages: &[NewMessage],
) -> Result<(), StoreError> {
    let ids = mail::enqueue_many_in(tx, messages).await?;
    for id in ids {
        on_tx!(&mut *tx, |c| sqlx::query(
            "INSERT INTO endorsement_messages (message_id, endorsement_id) VALUES ($1, $2)"
        )
        .bind(&id)
        .bind(endorsement_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    }
    Ok(())
}

/// Stores a pending endorsement and queues `messages` (to the accounts that
/// decide), in one transaction.
pub async fn insert(
    store: &Store,
    e: &Endorsement,
    messages: &[NewMessage],
) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO endorsements (id, endorser_user_id, endorser_issuer_id, endorser_name, \
         subject_kind, subject_ref, subject_iri, owner_user_id, owner_org_id, comment, credential, \
         state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(&e.id)
    .bind(&e.endorser_user_id)
    .bind(&e.endorser_issuer_id)
    .bind(&e.endorser_name)
    .bind(e.subject_kind.as_str())
    .bind(&e.subject_ref)
    .bind(&e.subject_iri)
    .bind(&e.owner_user_id)
    .bind(&e.owner_org_id)
    .bind(&e.comment)
    .bind(&e.credential)
    .bind(e.state.as_str())
    .bind(e.created_at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    link_messages(&mut tx, &e.id, messages).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn by_id(store: &Store, id: &str) -> Result<Option<Endorsement>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM endorsements WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The endorsement an outbox message is about.
pub async fn for_message(
    store: &Store,
    message_id: &str,
) -> Result<Option<Endorsement>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM endorsements WHERE id = \
         (SELECT endorsement_id FROM endorsement_messages WHERE message_id = $1)"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(message_id)
        .fetch_optional(pool)
        .await?))
}

/// The approved endorsements of one award, badge or issuer, oldest first.
pub async fn approved_of(
    store: &Store,
    kind: EndorsedKind,
    subject_ref: &str,
) -> Result<Vec<Endorsement>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM endorsements WHERE subject_kind = $1 AND subject_ref = $2 \
         AND state = 'approved' ORDER BY decided_at, id"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(kind.as_str())
        .bind(subject_ref)
        .fetch_all(pool)
        .await?))
}

/// A stamp of an award's approved endorsements (how many, the latest
/// decision), part of its cached public page's key.
pub async fn approved_stamp(store: &Store, award_id: &str) -> Result<(i64, i64), StoreError> {
    let sql = "SELECT COUNT(*), COALESCE(MAX(decided_at), 0) FROM endorsements \
               WHERE subject_kind = 'award' AND subject_ref = $1 AND state = 'approved'";
    let row: (i64, i64) = on_db!(store, |pool| sqlx::query_as(sql)
        .bind(award_id)
        .fetch_one(pool)
        .await?);
    Ok(row)
}

/// Endorsements `user_id` decides on: of awards bound to the account, and of
/// badges and issuers of the organisations `org_ids` (where the account is
/// an admin), newest first.
pub async fn to_decide(
    store: &Store,
    user_id: &str,
    org_ids: &[String],
) -> Result<Vec<Endorsement>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM endorsements WHERE owner_user_id = $1");
    if !org_ids.is_empty() {
        let marks: Vec<String> = (0..org_ids.len()).map(|i| format!("${}", i + 2)).collect();
        sql.push_str(&format!(" OR owner_org_id IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY created_at DESC, id LIMIT 500");
    Ok(on_db!(store, |pool| {
        let mut q = sqlx::query_as(&sql).bind(user_id);
        for org in org_ids {
            q = q.bind(org);
        }
        q.fetch_all(pool).await?
    }))
}

/// Endorsements the account wrote, newest first.
pub async fn given_by(store: &Store, user_id: &str) -> Result<Vec<Endorsement>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM endorsements WHERE endorser_user_id = $1 \
         ORDER BY created_at DESC, id LIMIT 500"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

/// Approves or declines a pending endorsement and queues `message` (to the
/// endorser), in one transaction. False when it was no longer pending.
pub async fn decide(
    store: &Store,
    id: &str,
    state: EndorsementState,
    by_user: &str,
    message: Option<&NewMessage>,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let t = now();
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE endorsements SET state = $1, decided_at = $2, decided_by = $3 \
         WHERE id = $4 AND state = 'pending'"
    )
    .bind(state.as_str())
    .bind(t)
    .bind(by_user)
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if n != 1 {
        return Ok(false);
    }
    if let Some(message) = message {
        link_messages(&mut tx, id, std::slice::from_ref(message)).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Takes an approved endorsement off the public pages (declined by `by_user`
/// after all). False when it was not approved.
pub async fn hide(store: &Store, id: &str, by_user: &str) -> Result<bool, StoreError> {
    let t = now();
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE endorsements SET state = 'declined', decided_at = $1, decided_by = $2 \
         WHERE id = $3 AND state = 'approved'"
    )
    .bind(t)
    .bind(by_user)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}
