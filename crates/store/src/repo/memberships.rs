//! Membership awards: the members of a badge (its latest award per person),
//! and the one expiry notice per award (`membership_notices`), queued by a
//! conditional insert in the transaction that queues its e-mail, so two
//! processes never queue two.

use crate::model::{Award, MailKind};
use crate::repo::awards::COLUMNS;
use crate::repo::mail;
use crate::{Store, StoreError, now, on_db, on_tx};

/// The badge's current awards (not replaced by a renewal, not revoked),
/// those expiring first first.
pub async fn members(
    store: &Store,
    org_id: &str,
    badge_id: &str,
) -> Result<Vec<Award>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM awards WHERE org_id = $1 AND badge_id = $2 \
         AND replaced_by IS NULL AND state <> 'revoked' \
         ORDER BY expires_at IS NULL, expires_at, recipient_name LIMIT 5000"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org_id)
        .bind(badge_id)
        .fetch_all(pool)
        .await?))
}

/// The current award of the badge for `email` (lower-case), if any.
pub async fn current_for(
    store: &Store,
    org_id: &str,
    badge_id: &str,
    email: &str,
) -> Result<Option<Award>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM awards WHERE org_id = $1 AND badge_id = $2 AND recipient_email = $3 \
         AND replaced_by IS NULL AND state <> 'revoked' ORDER BY issued_at DESC, id LIMIT 1"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org_id)
        .bind(badge_id)
        .bind(email)
        .fetch_optional(pool)
        .await?))
}

/// Active, current awards expiring in `(after, until]` with no notice
/// recorded yet, at most `limit`.
pub async fn expiring_without_notice(
    store: &Store,
    after: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<Award>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM awards WHERE state = 'active' AND replaced_by IS NULL \
         AND expires_at > $1 AND expires_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM membership_notices n WHERE n.award_id = awards.id) \
         ORDER BY expires_at, id LIMIT $3"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(after)
        .bind(until)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Records that `award_id` needs no notice (not a membership), so later
/// passes skip it.
pub async fn mark_not_needed(store: &Store, award_id: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO membership_notices (award_id, message_id, created_at) VALUES ($1, '', $2) \
         ON CONFLICT (award_id) DO NOTHING"
    )
    .bind(award_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Queues the expiry notice of `award` in `locale`, once: the id of the
/// message queued by this call, or None when one was queued before.
pub async fn queue_notice(
    store: &Store,
    award: &Award,
    locale: &str,
) -> Result<Option<String>, StoreError> {
    let mut message = mail::NewMessage::award(award, locale);
    message.kind = MailKind::MembershipExpiring;
    message.created_by = None;
    let mut tx = store.begin().await?;
    let claimed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO membership_notices (award_id, message_id, created_at) VALUES ($1, 'pending', $2) \
         ON CONFLICT (award_id) DO NOTHING"
    )
    .bind(&award.id)
    .bind(now())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if claimed != 1 {
        return Ok(None);
    }
    let id = mail::enqueue_in(&mut tx, &message).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE membership_notices SET message_id = $1 WHERE award_id = $2"
    )
    .bind(&id)
    .bind(&award.id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(Some(id))
}
