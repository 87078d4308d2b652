//! Requests for requestable badges and nominations (`badge_requests`), with
//! the e-mails about them (`badge_request_messages`).
//!
//! A person has at most one pending request or nomination per badge (a
//! partial unique index). An approval stores the award, its e-mail and the
//! request's new state in one transaction, conditional on the request still
//! being pending, so two issuers approving at once award it once.

use insignia_store_derive::FromRow;
use serde::Serialize;

use crate::model::{Award, MailKind};
use crate::repo::{awards, mail};
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const COLUMNS: &str = "id, org_id, badge_id, kind, name, email, locale, statement, evidence_url, \
     file_name, file_type, requested_by, answer_to, state, comment, award_id, decided_by, \
     decided_at, created_at";

/// A request or nomination as stored (without the file's bytes).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct BadgeRequest {
    pub id: String,
    pub org_id: String,
    pub badge_id: String,
    /// `request` (the learner's own) or `nomination` (by a member).
    pub kind: String,
    /// Whom the badge would go to.
    pub name: String,
    pub email: String,
    pub locale: String,
    /// The evidence text, or the nomination's reason.
    pub statement: String,
    pub evidence_url: String,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub requested_by: Option<String>,
    /// Where a refusal goes: the learner, or the member who nominated.
    pub answer_to: String,
    /// `pending`, `approved` or `declined`.
    pub state: String,
    /// The issuer's comment (approval) or reason (refusal).
    pub comment: String,
    pub award_id: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

/// A request or nomination to store.
#[derive(Debug, Clone)]
pub struct NewBadgeRequest<'a> {
    pub org_id: &'a str,
    pub badge_id: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub locale: &'a str,
    pub statement: &'a str,
    pub evidence_url: &'a str,
    /// The evidence file: its name, media type and bytes.
    pub file: Option<(&'a str, &'a str, &'a [u8])>,
    pub requested_by: Option<&'a str>,
    pub answer_to: &'a str,
}

/// Stores a new pending request; [`StoreError::Conflict`] when the person
/// already has one pending for the badge.
pub async fn create(store: &Store, id: &str, new: &NewBadgeRequest<'_>) -> Result<(), StoreError> {
    let (file_name, file_type, file_bytes) = match new.file {
        Some((n, t, b)) => (Some(n), Some(t), Some(b.to_vec())),
        None => (None, None, None),
    };
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO badge_requests (id, org_id, badge_id, kind, name, email, locale, statement, \
         evidence_url, file_name, file_type, file_bytes, requested_by, answer_to, state, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         'pending', $15)"
    )
    .bind(id)
    .bind(new.org_id)
    .bind(new.badge_id)
    .bind(new.kind)
    .bind(new.name)
    .bind(new.email)
    .bind(new.locale)
    .bind(new.statement)
    .bind(new.evidence_url)
    .bind(file_name)
    .bind(file_type)
    .bind(&file_bytes)
    .bind(new.requested_by)
    .bind(new.answer_to)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The request `id` of organisation `org_id`.
pub async fn get(
    store: &Store,
    org_id: &str,
    id: &str,
) -> Result<Option<BadgeRequest>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM badge_requests WHERE id = $1 AND org_id = $2");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await?))
}

async fn by_id(store: &Store, id: &str) -> Result<Option<BadgeRequest>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM badge_requests WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The evidence file of request `id` of `org_id`: name, media type, bytes.
pub async fn file(
    store: &Store,
    org_id: &str,
    id: &str,
) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
    type Row = (Option<String>, Option<String>, Option<Vec<u8>>);
    let row: Option<Row> = on_db!(store, |pool| sqlx::query_as(
        "SELECT file_name, file_type, file_bytes FROM badge_requests \
             WHERE id = $1 AND org_id = $2"
    )
    .bind(id)
    .bind(org_id)
    .fetch_optional(pool)
    .await?);
    Ok(match row {
        Some((Some(n), Some(t), Some(b))) => Some((n, t, b)),
        _ => None,
    })
}

/// An organisation's requests in `state` (oldest first), at most `limit`.
pub async fn list(
    store: &Store,
    org_id: &str,
    state: &str,
    limit: i64,
) -> Result<Vec<BadgeRequest>, StoreError> {
    let order = if state == "pending" { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM badge_requests WHERE org_id = $1 AND state = $2 \
         ORDER BY created_at {order}, id LIMIT $3"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org_id)
        .bind(state)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// How many requests of the organisation wait for a decision.
pub async fn pending_count(store: &Store, org_id: &str) -> Result<i64, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM badge_requests WHERE org_id = $1 AND state = 'pending'"
    )
    .bind(org_id)
    .fetch_one(pool)
    .await?))
}

/// The requests a person made or was nominated in (newest first).
pub async fn for_email(store: &Store, email: &str) -> Result<Vec<BadgeRequest>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM badge_requests WHERE email = $1 OR answer_to = $1 \
         ORDER BY created_at DESC LIMIT 100"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(email)
        .fetch_all(pool)
        .await?))
}

/// Stores `award` for the pending request `id` in one transaction: the
/// award, its e-mail (in the request's language) and the request marked
/// approved with `comment`. False (nothing stored) when the request was no
/// longer pending.
pub async fn approve(
    store: &Store,
    request: &BadgeRequest,
    award: &Award,
    comment: &str,
    decided_by: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let stored = awards::insert_in(&mut tx, award).await?;
    if stored != award.id {
        // The request's award exists already: it was approved before.
        return Ok(false);
    }
    let marked = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE badge_requests SET state = 'approved', award_id = $1, comment = $2, \
         decided_by = $3, decided_at = $4 WHERE id = $5 AND org_id = $6 AND state = 'pending'"
    )
    .bind(&award.id)
    .bind(comment)
    .bind(decided_by)
    .bind(now())
    .bind(&request.id)
    .bind(&request.org_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if marked != 1 {
        // Decided meanwhile: nothing is stored (the award is rolled back).
        return Ok(false);
    }
    mail::enqueue_in(&mut tx, &mail::NewMessage::award(award, &request.locale)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Declines the pending request with `reason` and queues the e-mail telling
/// whoever asked, in one transaction; false when it was no longer pending.
pub async fn decline(
    store: &Store,
    request: &BadgeRequest,
    reason: &str,
    decided_by: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let marked = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE badge_requests SET state = 'declined', comment = $1, decided_by = $2, \
         decided_at = $3 WHERE id = $4 AND org_id = $5 AND state = 'pending'"
    )
    .bind(reason)
    .bind(decided_by)
    .bind(now())
    .bind(&request.id)
    .bind(&request.org_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if marked != 1 {
        return Ok(false);
    }
    queue_in(&mut tx, request, MailKind::RequestDeclined).await?;
    tx.commit().await?;
    Ok(true)
}

async fn queue_in(
    tx: &mut Tx,
    request: &BadgeRequest,
    kind: MailKind,
) -> Result<String, StoreError> {
    mail::enqueue_answer_in(
        tx,
        &request.org_id,
        &request.answer_to,
        &request.locale,
        kind,
        (mail::AnswerTo::BadgeRequest, &request.id),
    )
    .await
}

/// The request an e-mail is about.
pub async fn for_message(
    store: &Store,
    message_id: &str,
) -> Result<Option<BadgeRequest>, StoreError> {
    let request_id: Option<String> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT request_id FROM badge_request_messages WHERE message_id = $1"
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await?);
    match request_id {
        Some(id) => by_id(store, &id).await,
        None => Ok(None),
    }
}

/// The issuer's comment on the approved request that `award_id` came
/// from, if it came from one and has a comment.
pub async fn approval_comment(store: &Store, award_id: &str) -> Result<Option<String>, StoreError> {
    let comment: Option<String> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT comment FROM badge_requests WHERE award_id = $1 AND state = 'approved'"
    )
    .bind(award_id)
    .fetch_optional(pool)
    .await?);
    Ok(comment.filter(|c| !c.trim().is_empty()))
}
