//! Recipients' e-mail preferences and an organisation's own messages:
//! reminder settings and the reminders queued, unsubscribes (and the hashes
//! of their links' tokens), and message templates (migration 0012).
//!
//! A reminder is queued by one conditional insert ([`queue_reminder`]): the
//! `award_reminders` primary key (award, days) lets exactly one process
//! record it, in the same transaction as its message, so two processes
//! running the reminder pass together never queue the same reminder twice.

use crate::model::{Award, MailKind};
use crate::repo::mail::{self, NewMessage};
use crate::{Store, StoreError, now, on_db, on_tx};

/// An organisation's reminder days: None when it kept the defaults, else
/// its list (empty: reminders off), ascending.
pub async fn reminder_days(store: &Store, org_id: &str) -> Result<Option<Vec<i64>>, StoreError> {
    let custom: Option<i64> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT reminders_custom FROM org_mail_settings WHERE org_id = $1"
    )
    .bind(org_id)
    .fetch_optional(pool)
    .await?);
    if custom.unwrap_or(0) == 0 {
        return Ok(None);
    }
    let days: Vec<i64> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT days FROM org_reminder_days WHERE org_id = $1 ORDER BY days"
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?);
    Ok(Some(days))
}

/// Sets an organisation's reminder days (None: back to the defaults; an
/// empty list: off), in one transaction.
pub async fn set_reminder_days(
    store: &Store,
    org_id: &str,
    days: Option<&[i64]>,
) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM org_reminder_days WHERE org_id = $1"
    )
    .bind(org_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM org_mail_settings WHERE org_id = $1"
    )
    .bind(org_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    if let Some(days) = days {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO org_mail_settings (org_id, reminders_custom, updated_at) VALUES ($1, 1, $2)"
        )
        .bind(org_id)
        .bind(now())
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?
        });
        for d in days {
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO org_reminder_days (org_id, days) VALUES ($1, $2) \
                 ON CONFLICT (org_id, days) DO NOTHING"
            )
            .bind(org_id)
            .bind(d)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected())?);
        }
    }
    tx.commit().await
}

/// An award whose `days`-day reminder is due.
#[derive(Debug, Clone, insignia_store_derive::FromRow)]
pub struct DueReminder {
    pub award_id: String,
    /// The language of the award's first e-mail.
    pub locale: String,
}

/// Awards whose reminder after `days` days is due: active, not replaced,
/// not expired at `at`, not accepted, whose first award e-mail was sent
/// between `sent_from` and `sent_until`, with no reminder of `days` or more
/// days yet, in an organisation that reminds after `days` days (its own
/// list, or the defaults when `in_defaults`). Oldest first, at most `limit`.
pub async fn due_reminders(
    store: &Store,
    days: i64,
    in_defaults: bool,
    sent_from: i64,
    sent_until: i64,
    at: i64,
    limit: i64,
) -> Result<Vec<DueReminder>, StoreError> {
    let sql = "SELECT a.id AS award_id, m.locale FROM mail_outbox m JOIN awards a ON a.id = m.award_id \
         WHERE m.kind = 'award' AND m.state = 'sent' AND m.sent_at >= $1 AND m.sent_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM mail_outbox e WHERE e.award_id = m.award_id \
             AND e.kind = 'award' AND e.state = 'sent' \
             AND (e.sent_at < m.sent_at OR (e.sent_at = m.sent_at AND e.id < m.id))) \
         AND a.state = 'active' AND a.replaced_by IS NULL \
         AND (a.expires_at IS NULL OR a.expires_at > $3) \
         AND NOT EXISTS (SELECT 1 FROM award_claims c WHERE c.award_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM award_reminders r WHERE r.award_id = a.id AND r.days >= $4) \
         AND ((a.org_id NOT IN (SELECT s.org_id FROM org_mail_settings s) AND $5 = 1) \
             OR EXISTS (SELECT 1 FROM org_reminder_days d WHERE d.org_id = a.org_id AND d.days = $4)) \
         ORDER BY m.sent_at, a.id LIMIT $6";
    Ok(on_db!(store, |pool| sqlx::query_as(sql)
        .bind(sent_from)
        .bind(sent_until)
        .bind(at)
        .bind(days)
        .bind(i64::from(in_defaults))
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Every reminder day any organisation chose (the defaults aside).
pub async fn chosen_days(store: &Store) -> Result<Vec<i64>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT DISTINCT days FROM org_reminder_days ORDER BY days"
    )
    .fetch_all(pool)
    .await?))
}

/// Queues `award`'s reminder after `days` days (repeating the claim link of
/// the message `source_message_id`) unless it was queued already, in one
/// transaction; returns the reminder's message id, or None when another
/// process (or an earlier pass) queued it.
pub async fn queue_reminder(
    store: &Store,
    award: &Award,
    days: i64,
    source_message_id: &str,
    locale: &str,
) -> Result<Option<String>, StoreError> {
    let mut tx = store.begin().await?;
    let mut message = NewMessage::award(award, locale);
    message.kind = MailKind::Reminder;
    message.created_by = None;
    let id = mail::enqueue_in(&mut tx, &message).await?;
    let n = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO award_reminders (award_id, days, message_id, source_message_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (award_id, days) DO NOTHING"
    )
    .bind(&award.id)
    .bind(days)
    .bind(&id)
    .bind(source_message_id)
    .bind(now())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if n != 1 {
        // Dropping the transaction rolls the message back.
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(id))
}

/// The award e-mail whose claim link the reminder `message_id` repeats.
pub async fn reminder_source(
    store: &Store,
    message_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT source_message_id FROM award_reminders WHERE message_id = $1"
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await?))
}

/// Stores the hash of an unsubscribe link's token (a token already there
/// changes nothing: the same organisation and address give the same token).
pub async fn add_unsubscribe_token(
    store: &Store,
    token_hash: &str,
    org_id: &str,
    email: &str,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO unsubscribe_tokens (token_hash, org_id, email, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO NOTHING"
    )
    .bind(token_hash)
    .bind(org_id)
    .bind(email)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The organisation and address an unsubscribe token (by its hash) is for.
pub async fn unsubscribe_token(
    store: &Store,
    token_hash: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT org_id, email FROM unsubscribe_tokens WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?))
}

/// Records that `email` wants no more messages of `org_id` (the first
/// date is kept when it is recorded again).
pub async fn unsubscribe(
    store: &Store,
    org_id: &str,
    email: &str,
    at: i64,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO mail_unsubscribes (org_id, email, unsubscribed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id, email) DO NOTHING"
    )
    .bind(org_id)
    .bind(email)
    .bind(at)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Takes back an unsubscribe.
pub async fn resubscribe(store: &Store, org_id: &str, email: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "DELETE FROM mail_unsubscribes WHERE org_id = $1 AND email = $2"
    )
    .bind(org_id)
    .bind(email)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// When `email` unsubscribed from `org_id`, if it did.
pub async fn unsubscribed_at(
    store: &Store,
    org_id: &str,
    email: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT unsubscribed_at FROM mail_unsubscribes WHERE org_id = $1 AND email = $2"
    )
    .bind(org_id)
    .bind(email)
    .fetch_optional(pool)
    .await?))
}

/// How many addresses unsubscribed from `org_id`.
pub async fn unsubscribe_count(store: &Store, org_id: &str) -> Result<i64, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_unsubscribes WHERE org_id = $1"
    )
    .bind(org_id)
    .fetch_one(pool)
    .await?))
}

/// An organisation's wording of one message kind in one language.
#[derive(Debug, Clone, PartialEq, Eq, insignia_store_derive::FromRow, serde::Serialize)]
pub struct MailTemplate {
    pub kind: String,
    pub locale: String,
    pub subject: String,
    pub opening: String,
    pub updated_at: i64,
}

/// Every template of `org_id`.
pub async fn templates(store: &Store, org_id: &str) -> Result<Vec<MailTemplate>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT kind, locale, subject, opening, updated_at FROM mail_templates \
         WHERE org_id = $1 ORDER BY kind, locale"
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?))
}

/// The template of `org_id` for `kind` in `locale`, if it wrote one.
pub async fn template(
    store: &Store,
    org_id: &str,
    kind: &str,
    locale: &str,
) -> Result<Option<MailTemplate>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT kind, locale, subject, opening, updated_at FROM mail_templates \
         WHERE org_id = $1 AND kind = $2 AND locale = $3"
    )
    .bind(org_id)
    .bind(kind)
    .bind(locale)
    .fetch_optional(pool)
    .await?))
}

/// Saves a template (both parts empty: removes it, back to the defaults).
pub async fn save_template(
    store: &Store,
    org_id: &str,
    kind: &str,
    locale: &str,
    subject: &str,
    opening: &str,
) -> Result<(), StoreError> {
    if subject.is_empty() && opening.is_empty() {
        on_db!(store, |pool| sqlx::query(
            "DELETE FROM mail_templates WHERE org_id = $1 AND kind = $2 AND locale = $3"
        )
        .bind(org_id)
        .bind(kind)
        .bind(locale)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())?);
        return Ok(());
    }
    on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO mail_templates (org_id, kind, locale, subject, opening, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, kind, locale) DO UPDATE \
         SET subject = excluded.subject, opening = excluded.opening, updated_at = excluded.updated_at"
    )
    .bind(org_id)
    .bind(kind)
    .bind(locale)
    .bind(subject)
    .bind(opening)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    Ok(())
}
