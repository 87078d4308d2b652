//! The local outbox of a server without SMTP: each message is stored as it
//! would have been sent ([`deliver`]), in the same transaction that marks it
//! sent, and listed for the Outbox page ([`list`], [`get`]).
//!
//! Messages of an organisation (award e-mails) are listed to that
//! organisation; account messages (no organisation) only to the server's
//! administrators: the caller says which with [`Scope`].

use crate::model::OutboxMessage;
use crate::repo::mail;
use crate::{Store, StoreError, on_db, on_tx};

/// A delivered message as stored.
#[derive(Debug, Clone, insignia_store_derive::FromRow, serde::Serialize)]
pub struct Copy {
    pub message_id: String,
    pub org_id: Option<String>,
    pub award_id: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub delivered_at: i64,
}

/// A delivered message with its full text.
#[derive(Debug, Clone)]
pub struct FullCopy {
    pub copy: Copy,
    /// The RFC 5322 message.
    pub raw: String,
}

/// Which messages a reader may see.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every message (the server's administrators).
    All,
    /// The messages of one organisation.
    Org(&'a str),
}

/// Longest subject kept for the list (the message itself keeps all of it).
const MAX_SUBJECT: usize = 300;

/// Stores `raw` as the delivered copy of `message` and marks the message sent
/// under `owner`'s lease, in one transaction ([`StoreError::LeaseLost`] when
/// the lease passed to another process: then nothing is stored).
pub async fn deliver(
    store: &Store,
    message: &OutboxMessage,
    owner: &str,
    message_id: &str,
    subject: &str,
    raw: &str,
    at: i64,
) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    mail::mark_sent_in(&mut tx, message, owner, message_id, at).await?;
    let subject: String = subject.chars().take(MAX_SUBJECT).collect();
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO outbox_copies (message_id, recipient, subject, raw, delivered_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(&message.id)
    .bind(&message.recipient)
    .bind(&subject)
    .bind(raw)
    .bind(at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await
}

const COLUMNS: &str =
    "c.message_id, m.org_id, m.award_id, m.kind, c.recipient, c.subject, c.delivered_at";

/// Up to `limit` delivered messages in `scope`, newest first, delivered
/// before the cursor `(delivered_at, message_id)` when one is given.
pub async fn list(
    store: &Store,
    scope: Scope<'_>,
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<Copy>, StoreError> {
    let (at, id) = before.unwrap_or((i64::MAX, ""));
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
         WHERE ($1 = '' OR m.org_id = $1) \
         AND (c.delivered_at < $2 OR (c.delivered_at = $2 AND ($3 = '' OR c.message_id < $3))) \
         ORDER BY c.delivered_at DESC, c.message_id DESC LIMIT $4"
    );
    let org = match scope {
        Scope::All => "",
        Scope::Org(org) => org,
    };
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// One delivered message, when it is in `scope`.
pub async fn get(
    store: &Store,
    scope: Scope<'_>,
    message_id: &str,
) -> Result<Option<FullCopy>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS}, c.raw FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
         WHERE c.message_id = $1"
    );
    let row: Option<(Copy, String)> = on_db!(store, |pool| {
        use sqlx::Row as _;
        let row = sqlx::query(&sql)
            .bind(message_id)
            .fetch_optional(pool)
            .await?;
        match row {
            Some(row) => {
                use sqlx::FromRow as _;
                let copy = Copy::from_row(&row)?;
                let raw: String = row.try_get("raw")?;
                Some((copy, raw))
            }
            None => None,
        }
    });
    Ok(row
        .filter(|(copy, _)| match scope {
            Scope::All => true,
            Scope::Org(org) => copy.org_id.as_deref() == Some(org),
        })
        .map(|(copy, raw)| FullCopy { copy, raw }))
}

/// How many messages the local outbox holds in `scope`.
pub async fn count(store: &Store, scope: Scope<'_>) -> Result<i64, StoreError> {
    let org = match scope {
        Scope::All => "",
        Scope::Org(org) => org,
    };
    let n: (i64,) = on_db!(store, |pool| sqlx::query_as(
        "SELECT COUNT(*) FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
         WHERE ($1 = '' OR m.org_id = $1)"
    )
    .bind(org)
    .fetch_one(pool)
    .await?);
    Ok(n.0)
}
