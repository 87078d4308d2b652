//! Events with claim codes (`badge_events`) and their attendees' requests
//! (`event_requests`), with the e-mails about them (`event_messages`).
//!
//! An award for an event is stored by [`award_request`] in one transaction
//! with the conditional `UPDATE` of the event's counter that enforces its
//! maximum (and, for an attendee's own claim, its state and time window): on
//! PostgreSQL the row lock makes a concurrent claim wait and re-check the
//! condition against the new count; SQLite has one writer at a time.

use insignia_store_derive::FromRow;
use serde::Serialize;

use crate::model::{Award, EventState, MailKind, RequestState};
use crate::repo::{awards, mail};
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const EVENT_COLUMNS: &str = "id, org_id, badge_id, name, description, starts_at, ends_at, place, \
     online_url, code, claims_open_at, claims_close_at, max_claims, allow_list, needs_approval, \
     claims_taken, state, created_by, created_at, updated_at";

const REQUEST_COLUMNS: &str = "id, event_id, email, name, locale, state, user_id, award_id, \
     created_at, confirmed_at, decided_at, decided_by";

/// An event as stored.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Event {
    pub id: String,
    pub org_id: String,
    pub badge_id: String,
    pub name: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub online_url: String,
    pub code: String,
    pub claims_open_at: Option<i64>,
    pub claims_close_at: Option<i64>,
    pub max_claims: Option<i64>,
    /// Addresses and domains allowed to claim, one a line (empty: anyone).
    pub allow_list: String,
    pub needs_approval: bool,
    /// Awards made for the event.
    pub claims_taken: i64,
    /// `open` or `closed`.
    pub state: EventState,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an issuer sets on an event (everything but its code and counters).
#[derive(Debug, Clone)]
pub struct EventFields {
    pub badge_id: String,
    pub name: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub online_url: String,
    pub claims_open_at: Option<i64>,
    pub claims_close_at: Option<i64>,
    pub max_claims: Option<i64>,
    pub allow_list: String,
    pub needs_approval: bool,
}

/// An event in its organisation's list, with its requests counted.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct EventSummary {
    pub id: String,
    pub name: String,
    pub badge_id: String,
    pub badge_name: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub state: EventState,
    pub max_claims: Option<i64>,
    pub claims_taken: i64,
    pub pending: i64,
}

/// An attendee's request for an event's badge.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct EventRequest {
    pub id: String,
    pub event_id: String,
    pub email: String,
    pub name: String,
    pub locale: String,
    /// `unconfirmed`, `pending`, `awarded` or `declined`.
    pub state: RequestState,
    pub user_id: Option<String>,
    pub award_id: Option<String>,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
}

/// Stores a new event with `code`; [`StoreError::Conflict`] when the code
/// is taken (the caller draws another).
pub async fn create(
    store: &Store,
    id: &str,
    org_id: &str,
    code: &str,
    fields: &EventFields,
    created_by: &str,
) -> Result<(), StoreError> {
    let t = now();
    let sql = format!(
        "INSERT INTO badge_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, 0, 'open', $16, $17, $17)"
    );
    on_db!(store, |pool| sqlx::query(&sql)
        .bind(id)
        .bind(org_id)
        .bind(&fields.badge_id)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.starts_at)
        .bind(fields.ends_at)
        .bind(&fields.place)
        .bind(&fields.online_url)
        .bind(code)
        .bind(fields.claims_open_at)
        .bind(fields.claims_close_at)
        .bind(fields.max_claims)
        .bind(&fields.allow_list)
        .bind(fields.needs_approval)
        .bind(created_by)
        .bind(t)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())?);
    Ok(())
}

/// Changes what the issuer sets on an event of `org_id`; false when there
/// is no such event.
pub async fn update(
    store: &Store,
    org_id: &str,
    id: &str,
    fields: &EventFields,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE badge_events SET badge_id = $1, name = $2, description = $3, starts_at = $4, \
         ends_at = $5, place = $6, online_url = $7, claims_open_at = $8, claims_close_at = $9, \
         max_claims = $10, allow_list = $11, needs_approval = $12, updated_at = $13 \
         WHERE id = $14 AND org_id = $15"
    )
    .bind(&fields.badge_id)
    .bind(&fields.name)
    .bind(&fields.description)
    .bind(fields.starts_at)
    .bind(fields.ends_at)
    .bind(&fields.place)
    .bind(&fields.online_url)
    .bind(fields.claims_open_at)
    .bind(fields.claims_close_at)
    .bind(fields.max_claims)
    .bind(&fields.allow_list)
    .bind(fields.needs_approval)
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// Opens or closes an event of `org_id`; false when there is no such event.
pub async fn set_state(
    store: &Store,
    org_id: &str,
    id: &str,
    open: bool,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE badge_events SET state = $1, updated_at = $2 WHERE id = $3 AND org_id = $4"
    )
    .bind(
        if open {
            EventState::Open
        } else {
            EventState::Closed
        }
        .as_str()
    )
    .bind(now())
    .bind(id)
    .bind(org_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// The event `id` when it belongs to `org_id`.
pub async fn get(store: &Store, org_id: &str, id: &str) -> Result<Option<Event>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM badge_events WHERE id = $1 AND org_id = $2");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .bind(org_id)
        .fetch_optional(pool)
        .await?))
}

/// The event whose claim code is `code` (exactly, as normalised by the caller).
pub async fn by_code(store: &Store, code: &str) -> Result<Option<Event>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM badge_events WHERE code = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(pool)
        .await?))
}

async fn by_id(store: &Store, id: &str) -> Result<Option<Event>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM badge_events WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The events of `org_id`, latest first, with their pending requests counted.
pub async fn list(store: &Store, org_id: &str) -> Result<Vec<EventSummary>, StoreError> {
    Ok(on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT e.id, e.name, e.badge_id, v.name AS badge_name, e.starts_at, e.ends_at, e.state, \
         e.max_claims, e.claims_taken, \
         (SELECT COUNT(*) FROM event_requests r WHERE r.event_id = e.id AND r.state = 'pending') AS pending \
         FROM badge_events e JOIN badges b ON b.id = e.badge_id \
         JOIN badge_versions v ON v.badge_id = b.id AND v.version = b.current_version \
         WHERE e.org_id = $1 ORDER BY e.starts_at DESC, e.created_at DESC, e.id"
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?
    }))
}

/// An event's requests in `state` (any state when None), oldest first.
pub async fn requests(
    store: &Store,
    event_id: &str,
    state: Option<RequestState>,
    limit: i64,
) -> Result<Vec<EventRequest>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM event_requests WHERE event_id = $1 \
         AND ($2 = '' OR state = $2) ORDER BY created_at, id LIMIT $3"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(state.map_or("", RequestState::as_str))
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

pub async fn request(store: &Store, id: &str) -> Result<Option<EventRequest>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM event_requests WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

async fn request_in(tx: &mut Tx, id: &str) -> Result<Option<EventRequest>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM event_requests WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await?))
}

/// What an attendee asks for.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub event: &'a Event,
    pub email: &'a str,
    pub name: &'a str,
    pub locale: &'a str,
    pub user_id: Option<&'a str>,
}

/// The request of `new.email` for the event, created when it is the first
/// (`unconfirmed`); an existing one keeps its state (a new name and
/// language are taken while it is unconfirmed). With `confirm`, a
/// confirmation e-mail is queued in the same transaction. Returns the
/// request and whether it is new.
pub async fn open_request(
    store: &Store,
    new: &NewRequest<'_>,
    id: &str,
    confirm: bool,
) -> Result<(EventRequest, bool), StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let created = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO event_requests (id, event_id, email, name, locale, state, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'unconfirmed', $6, $7) ON CONFLICT (event_id, email) DO NOTHING"
    )
    .bind(id)
    .bind(&new.event.id)
    .bind(new.email)
    .bind(new.name)
    .bind(new.locale)
    .bind(new.user_id)
    .bind(t)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    }) == 1;
    if !created {
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE event_requests SET name = $1, locale = $2 \
             WHERE event_id = $3 AND email = $4 AND state = 'unconfirmed'"
        )
        .bind(new.name)
        .bind(new.locale)
        .bind(&new.event.id)
        .bind(new.email)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    }
    let sql =
        format!("SELECT {REQUEST_COLUMNS} FROM event_requests WHERE event_id = $1 AND email = $2");
    let request: EventRequest = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
        .bind(&new.event.id)
        .bind(new.email)
        .fetch_one(&mut **c)
        .await?);
    if confirm {
        queue_in(&mut tx, new.event, &request, MailKind::EventConfirm).await?;
    }
    tx.commit().await?;
    Ok((request, created))
}

/// Queues an e-mail about `request` and links it to the request.
async fn queue_in(
    tx: &mut Tx,
    event: &Event,
    request: &EventRequest,
    kind: MailKind,
) -> Result<String, StoreError> {
    mail::enqueue_answer_in(
        tx,
        &event.org_id,
        &request.email,
        &request.locale,
        kind,
        (mail::AnswerTo::EventRequest, &request.id),
    )
    .await
}

/// The request and event an e-mail is about.
pub async fn for_message(
    store: &Store,
    message_id: &str,
) -> Result<Option<(EventRequest, Event)>, StoreError> {
    let request_id: Option<String> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT request_id FROM event_messages WHERE message_id = $1"
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await?);
    let Some(request_id) = request_id else {
        return Ok(None);
    };
    let Some(request) = request(store, &request_id).await? else {
        return Ok(None);
    };
    Ok(by_id(store, &request.event_id).await?.map(|e| (request, e)))
}

/// Records the hash of a confirmation message's link token, made when the
/// message is sent (the same again when it is sent again after a crash).
pub async fn set_token(
    store: &Store,
    message_id: &str,
    token_hash: &str,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE event_messages SET token_hash = $1, token_at = COALESCE(token_at, $2) \
         WHERE message_id = $3"
    )
    .bind(token_hash)
    .bind(now())
    .bind(message_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The request and event a confirmation link's token is for, with when the
/// link was made.
pub async fn for_token(
    store: &Store,
    token_hash: &str,
) -> Result<Option<(EventRequest, Event, i64)>, StoreError> {
    let row: Option<(String, Option<i64>)> = on_db!(store, |pool| sqlx::query_as(
        "SELECT request_id, token_at FROM event_messages WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?);
    let Some((request_id, token_at)) = row else {
        return Ok(None);
    };
    let Some(request) = request(store, &request_id).await? else {
        return Ok(None);
    };
    Ok(by_id(store, &request.event_id)
        .await?
        .map(|e| (request, e, token_at.unwrap_or(0))))
}

/// Marks a confirmed request as waiting for the issuer's approval; false
/// when it was no longer unconfirmed.
pub async fn mark_pending(store: &Store, request_id: &str) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE event_requests SET state = 'pending', confirmed_at = $1 \
         WHERE id = $2 AND state = 'unconfirmed'"
    )
    .bind(now())
    .bind(request_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// Who awards a request, and how the award is announced.
#[derive(Debug, Clone)]
pub struct Awarding<'a> {
    /// The attendee's own claim: the event must also be open and within its
    /// time window. An issuer's approval needs only a place left.
    pub by_attendee: bool,
    /// The member who approved it.
    pub decided_by: Option<&'a str>,
    /// Queue the award's e-mail (with its claim link) in this language.
    pub email_locale: Option<&'a str>,
}

/// What became of [`award_request`].
#[derive(Debug)]
pub enum Awarded {
    /// Stored, with the request now `awarded`.
    Done,
    /// The event refused it (full, closed, outside its window): nothing stored.
    Refused,
    /// The request was no longer waiting (awarded or declined meanwhile):
    /// nothing stored. Its current state.
    AlreadyDecided(Option<Box<EventRequest>>),
}

/// Stores `award` for `request_id` in one transaction: the event's counter
/// is raised only while a place is left (and, for an attendee's claim, the
/// event is open and within its window), the award stored (with its e-mail
/// when asked) and the request marked awarded, all or nothing.
pub async fn award_request(
    store: &Store,
    event_id: &str,
    request_id: &str,
    award: &Award,
    how: &Awarding<'_>,
) -> Result<Awarded, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let taken = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE badge_events SET claims_taken = claims_taken + 1 WHERE id = $1 \
         AND (max_claims IS NULL OR claims_taken < max_claims) \
         AND ($2 = 0 OR (state = 'open' AND (claims_open_at IS NULL OR claims_open_at <= $3) \
              AND (claims_close_at IS NULL OR claims_close_at > $3)))"
    )
    .bind(event_id)
    .bind(i64::from(how.by_attendee))
    .bind(t)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if taken != 1 {
        return Ok(Awarded::Refused);
    }
    let stored = awards::insert_in(&mut tx, award).await?;
    if stored != award.id {
        return Err(StoreError::Corrupt(
            "an event's award reused an idempotency key".into(),
        ));
    }
    let marked = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE event_requests SET state = 'awarded', award_id = $1, \
         confirmed_at = COALESCE(confirmed_at, $2), decided_at = $2, decided_by = $3 \
         WHERE id = $4 AND event_id = $5 AND state IN ('unconfirmed', 'pending')"
    )
    .bind(&award.id)
    .bind(t)
    .bind(how.decided_by)
    .bind(request_id)
    .bind(event_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if marked != 1 {
        drop(tx);
        return Ok(Awarded::AlreadyDecided(
            request(store, request_id).await?.map(Box::new),
        ));
    }
    if let Some(locale) = how.email_locale {
        mail::enqueue_in(&mut tx, &mail::NewMessage::award(award, locale)).await?;
    }
    tx.commit().await?;
    Ok(Awarded::Done)
}

/// Declines pending requests of an event, each with an e-mail telling its
/// person, in one transaction; returns the requests declined (those no
/// longer pending are left as they are).
pub async fn decline(
    store: &Store,
    event: &Event,
    request_ids: &[String],
    decided_by: &str,
) -> Result<Vec<EventRequest>, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let mut declined = Vec::new();
    for id in request_ids {
        let n = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE event_requests SET state = 'declined', decided_at = $1, decided_by = $2 \
             WHERE id = $3 AND event_id = $4 AND state = 'pending'"
        )
        .bind(t)
        .bind(decided_by)
        .bind(id)
        .bind(&event.id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
        if n != 1 {
            continue;
        }
        if let Some(request) = request_in(&mut tx, id).await? {
            queue_in(&mut tx, event, &request, MailKind::EventDeclined).await?;
            declined.push(request);
        }
    }
    tx.commit().await?;
    Ok(declined)
}
