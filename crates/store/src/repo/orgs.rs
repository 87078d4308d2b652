//! Organisations and their members.

use crate::model::{Member, Membership, Organization, Role};
use crate::token::random_id;
use crate::{Store, StoreError, now, on_db, on_tx};

/// Creates an organisation with `owner_id` as its owner, in one transaction.
pub async fn create(store: &Store, name: &str, owner_id: &str) -> Result<Organization, StoreError> {
    let org = Organization {
        id: random_id(12),
        name: name.trim().to_owned(),
        created_at: now(),
    };
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)"
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(org.created_at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(&org.id)
    .bind(owner_id)
    .bind(Role::Owner.as_str())
    .bind(org.created_at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(org)
}

pub async fn get(store: &Store, org_id: &str) -> Result<Option<Organization>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT id, name, created_at FROM organizations WHERE id = $1"
    )
    .bind(org_id)
    .fetch_optional(pool)
    .await?))
}

/// The organisations `user_id` belongs to, by name.
pub async fn memberships(store: &Store, user_id: &str) -> Result<Vec<Membership>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT m.org_id, o.name AS org_name, m.role FROM memberships m \
         JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// The role `user_id` holds in `org_id`, if any.
pub async fn role(store: &Store, org_id: &str, user_id: &str) -> Result<Option<Role>, StoreError> {
    let role: Option<String> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2"
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?);
    match role {
        None => Ok(None),
        Some(r) => Role::parse(&r)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {r:?}"))),
    }
}

pub async fn members(store: &Store, org_id: &str) -> Result<Vec<Member>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.name, m.role FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.email"
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?))
}

/// Adds or changes a member's role.
pub async fn set_member(
    store: &Store,
    org_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role"
    )
    .bind(org_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Organisations where `user_id` is the only owner (deleting the account
/// would leave them without one), by name.
pub async fn solely_owned(store: &Store, user_id: &str) -> Result<Vec<Membership>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(SOLELY_OWNED)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

pub(crate) const SOLELY_OWNED: &str = "SELECT m.org_id, o.name AS org_name, m.role FROM memberships m \
     JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 AND m.role = 'owner' \
     AND NOT EXISTS (SELECT 1 FROM memberships m2 WHERE m2.org_id = m.org_id \
     AND m2.role = 'owner' AND m2.user_id <> $1) ORDER BY o.name";
