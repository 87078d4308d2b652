//! The e-mail outbox and award claims.
//!
//! A message row is written in the same transaction as the award it
//! announces ([`enqueue_in`], called by `awards::insert_announced` and
//! `bulk::record_chunk`), so an award is never stored without its e-mail. A
//! mailer claims due rows with a lease ([`claim`]; `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so several processes share the work; SQLite has one
//! writer) and records the outcome under that lease. A process that dies
//! mid-send leaves its lease to expire and the message is sent again: SMTP's
//! own at-least-once, never more.
//!
//! Claim links carry a random token; only its SHA-256 is stored here
//! ([`add_claim_token`]), so a copy of the database cannot claim anything.

use std::collections::HashMap;

use crate::model::{Award, MailCounts, MailKind, OutboxMessage};
use crate::token::random_id;
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const COLUMNS: &str = "id, org_id, user_id, award_id, recipient, locale, kind, state, attempts, next_attempt_at, \
                       last_error, lease_owner, lease_until, message_id, created_by, created_at, sent_at";

/// Longest error text kept for a message (SMTP replies can be long).
const MAX_ERROR: usize = 500;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub org_id: Option<String>,
    pub user_id: Option<String>,
    pub award_id: Option<String>,
    pub recipient: String,
    pub locale: String,
    pub kind: MailKind,
    pub created_by: Option<String>,
    /// The recipient asked for this message (a new claim link): it goes even
    /// to an address that unsubscribed from the organisation.
    pub on_request: bool,
}

impl NewMessage {
    /// The e-mail telling an award's recipient about it.
    pub fn award(award: &Award, locale: &str) -> NewMessage {
        NewMessage {
            org_id: Some(award.org_id.clone()),
            user_id: None,
            award_id: Some(award.id.clone()),
            recipient: award.recipient_email.clone(),
            locale: locale.to_owned(),
            kind: MailKind::Award,
            created_by: award.created_by.clone(),
            on_request: false,
        }
    }

    /// An e-mail about the account `user_id` (confirming `recipient`, a
    /// password reset, a sign-in link), sent to `recipient`. Its single-use
    /// link is made when the message is sent.
    pub fn account(kind: MailKind, user_id: &str, recipient: &str, locale: &str) -> NewMessage {
        NewMessage {
            org_id: None,
            user_id: Some(user_id.to_owned()),
            award_id: None,
            recipient: recipient.to_owned(),
            locale: locale.to_owned(),
            kind,
            created_by: None,
            on_request: false,
        }
    }
}

/// The table linking an answer e-mail to the request it answers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AnswerTo {
    /// A request for a badge or a nomination (`badge_request_messages`).
    BadgeRequest,
    /// An attendee's claim at an event (`event_messages`).
    EventRequest,
}

/// Queues an e-mail answering a person's own request (so sent whatever
/// their e-mail preferences for the organisation) and links it to that
/// request, in the caller's transaction.
pub(crate) async fn enqueue_answer_in(
    tx: &mut Tx,
    org_id: &str,
    recipient: &str,
    locale: &str,
    kind: MailKind,
    answer_to: (AnswerTo, &str),
) -> Result<String, StoreError> {
    let message = NewMessage {
        org_id: Some(org_id.to_owned()),
        user_id: None,
        award_id: None,
        recipient: recipient.to_owned(),
        locale: locale.to_owned(),
        kind,
        created_by: None,
        on_request: true,
    };
    let id = enqueue_in(tx, &message).await?;
    let (table, request_id) = answer_to;
    let sql = match table {
        AnswerTo::BadgeRequest => {
            "INSERT INTO badge_request_messages (message_id, request_id) VALUES ($1, $2)"
        }
        AnswerTo::EventRequest => {
            "INSERT INTO event_messages (message_id, request_id) VALUES ($1, $2)"
        }
    };
    on_tx!(&mut *tx, |c| sqlx::query(sql)
        .bind(&id)
        .bind(request_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    Ok(id)
}

/// Queues a message inside the caller's transaction; returns its id.
pub async fn enqueue_in(tx: &mut Tx, message: &NewMessage) -> Result<String, StoreError> {
    let ids = enqueue_many_in(tx, std::slice::from_ref(message)).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| StoreError::Corrupt("no message was queued".into()))
}

/// Rows per multi-row INSERT (11 values each, well under either engine's
/// limit on bound parameters).
const INSERT_ROWS: usize = 500;

/// Queues messages inside the caller's transaction, a few hundred per
/// statement (a bulk chunk's messages cost one round trip); returns their ids.
pub async fn enqueue_many_in(
    tx: &mut Tx,
    messages: &[NewMessage],
) -> Result<Vec<String>, StoreError> {
    let t = now();
    let mut ids = Vec::with_capacity(messages.len());
    for part in messages.chunks(INSERT_ROWS) {
        let rows: Vec<String> = (0..part.len())
            .map(|i| {
                let p = i * 11;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, 'queued', 0, ${}, NULL, NULL, NULL, NULL, ${}, ${}, NULL, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6,
                    p + 7,
                    p + 8,
                    p + 9,
                    p + 10,
                    p + 11
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO mail_outbox ({COLUMNS}, on_request) VALUES {}",
            rows.join(", ")
        );
        let part_ids: Vec<String> = part.iter().map(|_| random_id(12)).collect();
        on_tx!(&mut *tx, |c| {
            let mut q = sqlx::query(&sql);
            for (message, id) in part.iter().zip(&part_ids) {
                q = q
                    .bind(id)
                    .bind(&message.org_id)
                    .bind(&message.user_id)
                    .bind(&message.award_id)
                    .bind(&message.recipient)
                    .bind(&message.locale)
                    .bind(message.kind.as_str())
                    .bind(t)
                    .bind(&message.created_by)
                    .bind(t)
                    .bind(i64::from(message.on_request));
            }
            q.execute(&mut **c).await.map(|r| r.rows_affected())?
        });
        ids.extend(part_ids);
    }
    Ok(ids)
}

/// Queues a message on its own (a resend); returns its id.
pub async fn enqueue(store: &Store, message: &NewMessage) -> Result<String, StoreError> {
    let mut tx = store.begin().await?;
    let id = enqueue_in(&mut tx, message).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn by_id(store: &Store, id: &str) -> Result<Option<OutboxMessage>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Claims up to `limit` queued messages due at `at` (and not leased by a
/// live process) for `owner` until `at + lease`, oldest due first.
pub async fn claim(
    store: &Store,
    owner: &str,
    at: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let lock = match store {
        Store::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Store::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2 WHERE id IN (\
         SELECT id FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= $3 \
         AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, created_at, id LIMIT $4{lock}) \
         RETURNING {COLUMNS}"
    );
    let mut list: Vec<OutboxMessage> = on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(owner)
        .bind(at + lease)
        .bind(at)
        .bind(limit)
        .fetch_all(pool)
        .await?);
    list.sort_by(|a, b| {
        (a.next_attempt_at, a.created_at, &a.id).cmp(&(b.next_attempt_at, b.created_at, &b.id))
    });
    Ok(list)
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_ERROR).collect()
}

async fn event(
    tx: &mut Tx,
    message: &OutboxMessage,
    kind: &str,
    at: i64,
) -> Result<(), StoreError> {
    // Account e-mails belong to no organisation and have no event log.
    if message.org_id.is_none() {
        return Ok(());
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO events (org_id, award_id, kind, at) VALUES ($1, $2, $3, $4)"
    )
    .bind(&message.org_id)
    .bind(&message.award_id)
    .bind(kind)
    .bind(at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Records that the relay accepted `message` (with the `Message-ID` it was
/// sent under), and a `delivered` event. [`StoreError::LeaseLost`] when the
/// lease passed to another process meanwhile.
pub async fn mark_sent(
    store: &Store,
    message: &OutboxMessage,
    owner: &str,
    message_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    mark_sent_in(&mut tx, message, owner, message_id, at).await?;
    tx.commit().await
}

/// [`mark_sent`] inside the caller's transaction.
pub async fn mark_sent_in(
    tx: &mut Tx,
    message: &OutboxMessage,
    owner: &str,
    message_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    let n = on_tx!(&mut *tx, |c| {
        sqlx::query(
        "UPDATE mail_outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, message_id = $2, \
         last_error = NULL, lease_owner = NULL, lease_until = NULL \
         WHERE id = $3 AND lease_owner = $4 AND state = 'queued'"
    )
    .bind(at)
    .bind(message_id)
    .bind(&message.id)
    .bind(owner)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if n != 1 {
        return Err(StoreError::LeaseLost);
    }
    event(tx, message, "delivered", at).await
}

/// Whether `message` is not to be sent: it belongs to an organisation its
/// recipient (`email`, normalised) unsubscribed from, and they did not ask
/// for it themselves.
pub async fn is_suppressed(
    store: &Store,
    message: &OutboxMessage,
    email: &str,
) -> Result<bool, StoreError> {
    if message.org_id.is_none() {
        return Ok(false);
    }
    let found: i64 = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox m JOIN mail_unsubscribes u ON u.org_id = m.org_id \
         WHERE m.id = $1 AND m.on_request = 0 AND u.email = $2"
    )
    .bind(&message.id)
    .bind(email)
    .fetch_one(pool)
    .await?);
    Ok(found > 0)
}

/// Records that `message` was not sent (state `suppressed`, and a
/// `suppressed` event), under `owner`'s lease: its recipient unsubscribed
/// (no note), or what the note says (a reminder no longer needed).
pub async fn mark_suppressed(
    store: &Store,
    message: &OutboxMessage,
    owner: &str,
    note: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE mail_outbox SET state = 'suppressed', sent_at = NULL, \
         last_error = $3, lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2 AND state = 'queued'"
    )
    .bind(&message.id)
    .bind(owner)
    .bind(note.map(clip))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if n != 1 {
        return Err(StoreError::LeaseLost);
    }
    event(&mut tx, message, "suppressed", at).await?;
    tx.commit().await
}

/// Records a failed attempt to be tried again at `next_at`.
pub async fn mark_retry(
    store: &Store,
    message: &OutboxMessage,
    owner: &str,
    next_at: i64,
    error: &str,
) -> Result<(), StoreError> {
    let n = on_db!(store, |pool| {
        sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, \
         lease_owner = NULL, lease_until = NULL WHERE id = $3 AND lease_owner = $4 AND state = 'queued'"
    )
    .bind(next_at)
    .bind(clip(error))
    .bind(&message.id)
    .bind(owner)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost)
    }
}

/// Records that `message` cannot be delivered (a permanent refusal, or too
/// many attempts).
pub async fn mark_failed(
    store: &Store,
    message: &OutboxMessage,
    owner: &str,
    error: &str,
) -> Result<(), StoreError> {
    let n = on_db!(store, |pool| {
        sqlx::query(
        "UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = $1, \
         lease_owner = NULL, lease_until = NULL WHERE id = $2 AND lease_owner = $3 AND state = 'queued'"
    )
    .bind(clip(error))
    .bind(&message.id)
    .bind(owner)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost)
    }
}

/// Every message about an award, newest first.
pub async fn for_award(store: &Store, award_id: &str) -> Result<Vec<OutboxMessage>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE award_id = $1 ORDER BY created_at DESC, id DESC"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(award_id)
        .fetch_all(pool)
        .await?))
}

/// The newest message of each of `award_ids` that has one.
pub async fn latest_for_awards(
    store: &Store,
    award_ids: &[String],
) -> Result<HashMap<String, OutboxMessage>, StoreError> {
    let mut latest: HashMap<String, OutboxMessage> = HashMap::new();
    for chunk in award_ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE award_id IN ({}) ORDER BY created_at, id",
            placeholders.join(", ")
        );
        let rows: Vec<OutboxMessage> = on_db!(store, |pool| {
            let mut q = sqlx::query_as(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        for row in rows {
            if let Some(award) = row.award_id.clone() {
                latest.insert(award, row);
            }
        }
    }
    Ok(latest)
}

/// Messages about the awards of a bulk job, by state.
pub async fn counts_for_job(store: &Store, job_id: &str) -> Result<MailCounts, StoreError> {
    let rows: Vec<(String, i64)> = on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT m.state, COUNT(*) FROM mail_outbox m JOIN bulk_rows r ON r.award_id = m.award_id \
         WHERE r.job_id = $1 GROUP BY m.state"
    )
    .bind(job_id)
    .fetch_all(pool)
    .await?
    });
    let mut counts = MailCounts::default();
    for (state, n) in rows {
        match state.as_str() {
            "queued" => counts.queued = n,
            "sent" => counts.sent = n,
            "failed" => counts.failed = n,
            "suppressed" => counts.suppressed = n,
            other => return Err(StoreError::Corrupt(format!("mail state {other:?}"))),
        }
    }
    Ok(counts)
}

/// Stores the hash of a claim link's token for `award_id`.
/// (Adding a token already there changes nothing: a message sent again
/// carries the same token, and its link keeps its first date.)
pub async fn add_claim_token(
    store: &Store,
    award_id: &str,
    token_hash: &str,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO claim_tokens (token_hash, award_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_hash) DO NOTHING"
    )
    .bind(token_hash)
    .bind(award_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The award a claim token (by its hash) belongs to.
pub async fn award_for_claim_token(
    store: &Store,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT award_id FROM claim_tokens WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?))
}

/// A claim link's award and when its token was made (links expire a set
/// time after that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken {
    pub award_id: String,
    pub created_at: i64,
}

/// The claim token with this hash, if there is one.
pub async fn claim_token(
    store: &Store,
    token_hash: &str,
) -> Result<Option<ClaimToken>, StoreError> {
    let row: Option<(String, i64)> = on_db!(store, |pool| sqlx::query_as(
        "SELECT award_id, created_at FROM claim_tokens WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|(award_id, created_at)| ClaimToken {
        award_id,
        created_at,
    }))
}

/// The recipient asked for a new claim link (theirs expired): unless one was
/// asked for at `at - interval` or later, records the request and queues the
/// award's e-mail (with a fresh link, made when it is sent) to the address on
/// file, both in one transaction; returns the message's id, or None when it
/// is too soon. The conditional upsert is atomic on both engines, so two
/// requests at the same moment queue one message.
pub async fn request_new_link(
    store: &Store,
    award: &Award,
    locale: &str,
    at: i64,
    interval: i64,
) -> Result<Option<String>, StoreError> {
    let mut tx = store.begin().await?;
    let allowed = on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO claim_link_requests (award_id, requested_at, requests) VALUES ($1, $2, 1) \
         ON CONFLICT (award_id) DO UPDATE SET requested_at = excluded.requested_at, \
         requests = claim_link_requests.requests + 1 \
         WHERE claim_link_requests.requested_at <= $3"
    )
    .bind(&award.id)
    .bind(at)
    .bind(at - interval)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if allowed != 1 {
        return Ok(None);
    }
    let mut message = NewMessage::award(award, locale);
    // Asked for by the recipient, not by a member of the organisation: it
    // goes even if they unsubscribed from the organisation's messages.
    message.created_by = None;
    message.on_request = true;
    let id = enqueue_in(&mut tx, &message).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// When the recipient last asked for a new claim link for `award_id`.
pub async fn link_requested_at(store: &Store, award_id: &str) -> Result<Option<i64>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT requested_at FROM claim_link_requests WHERE award_id = $1"
    )
    .bind(award_id)
    .fetch_optional(pool)
    .await?))
}

/// Records that the recipient accepted the award (once; later calls change
/// nothing) and a `claimed` event. True when it was claimed now.
pub async fn claim_award(store: &Store, award: &Award) -> Result<bool, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let n = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO award_claims (award_id, claimed_at) VALUES ($1, $2) ON CONFLICT (award_id) DO NOTHING"
    )
    .bind(&award.id)
    .bind(t)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if n == 1 {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO events (org_id, award_id, kind, at) VALUES ($1, $2, 'claimed', $3)"
        )
        .bind(&award.org_id)
        .bind(&award.id)
        .bind(t)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// When each of `award_ids` was claimed, for those that were.
pub async fn claimed_at(
    store: &Store,
    award_ids: &[String],
) -> Result<HashMap<String, i64>, StoreError> {
    let mut found = HashMap::new();
    for chunk in award_ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT award_id, claimed_at FROM award_claims WHERE award_id IN ({})",
            placeholders.join(", ")
        );
        let rows: Vec<(String, i64)> = on_db!(store, |pool| {
            let mut q = sqlx::query_as(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        found.extend(rows);
    }
    Ok(found)
}
