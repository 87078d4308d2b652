//! Badges (achievements) and their versions. A badge's metadata is never
//! changed in place: an edit adds a version, and awards point at the version
//! they were issued with.

use crate::model::{Badge, BadgeState, BadgeSummary, BadgeVersion};
use crate::token::random_id;
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const COLUMNS: &str =
    "id, org_id, issuer_id, state, is_template, current_version, created_at, updated_at";
const VERSION_COLUMNS: &str =
    "badge_id, version, name, design, image_png, image_svg, created_by, created_at";

/// The content of one version.
#[derive(Debug, Clone)]
pub struct VersionContent {
    pub name: String,
    pub design: String,
    pub image_png: Option<Vec<u8>>,
    pub image_svg: Option<String>,
}

pub async fn create(
    store: &Store,
    org_id: &str,
    issuer_id: &str,
    state: BadgeState,
    content: &VersionContent,
    created_by: &str,
) -> Result<Badge, StoreError> {
    let t = now();
    let badge = Badge {
        id: random_id(12),
        org_id: org_id.to_owned(),
        issuer_id: issuer_id.to_owned(),
        state,
        is_template: false,
        current_version: 1,
        created_at: t,
        updated_at: t,
    };
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO badges (id, org_id, issuer_id, state, is_template, current_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&badge.id)
    .bind(&badge.org_id)
    .bind(&badge.issuer_id)
    .bind(badge.state.as_str())
    .bind(badge.is_template)
    .bind(badge.current_version)
    .bind(t)
    .bind(t)
    .execute(&mut **c)
    .await.map(|r| r.rows_affected())?
    });
    insert_version(&mut tx, &badge.id, 1, content, created_by).await?;
    tx.commit().await?;
    Ok(badge)
}

async fn insert_version(
    tx: &mut Tx,
    badge_id: &str,
    version: i64,
    content: &VersionContent,
    created_by: &str,
) -> Result<(), StoreError> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO badge_versions (badge_id, version, name, design, image_png, image_svg, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(badge_id)
    .bind(version)
    .bind(&content.name)
    .bind(&content.design)
    .bind(&content.image_png)
    .bind(&content.image_svg)
    .bind(created_by)
    .bind(now())
    .execute(&mut **c)
    .await.map(|r| r.rows_affected())?
    });
    Ok(())
}

/// Saves an edit. While the badge has never been awarded its current version
/// is replaced; once awarded, a new version is added (earners keep what they
/// were given). `expected_version` guards against two people editing at once:
/// a stale edit fails with [`StoreError::Conflict`]. Returns the version now current.
pub async fn save_edit(
    store: &Store,
    badge_id: &str,
    expected_version: i64,
    content: &VersionContent,
    edited_by: &str,
) -> Result<i64, StoreError> {
    let mut tx = store.begin().await?;
    let current: Option<i64> = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "UPDATE badges SET updated_at = $1 WHERE id = $2 AND current_version = $3 RETURNING current_version"
    )
    .bind(now())
    .bind(badge_id)
    .bind(expected_version)
    .fetch_optional(&mut **c)
    .await?
    });
    let Some(current) = current else {
        return Err(StoreError::Conflict(
            "a newer version of this badge (someone else saved it first)",
        ));
    };
    let awarded: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM awards WHERE badge_id = $1 AND badge_version = $2"
    )
    .bind(badge_id)
    .bind(current)
    .fetch_one(&mut **c)
    .await?);
    let version = if awarded == 0 {
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE badge_versions SET name = $1, design = $2, image_png = $3, image_svg = $4, \
             created_by = $5, created_at = $6 WHERE badge_id = $7 AND version = $8"
        )
        .bind(&content.name)
        .bind(&content.design)
        .bind(&content.image_png)
        .bind(&content.image_svg)
        .bind(edited_by)
        .bind(now())
        .bind(badge_id)
        .bind(current)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
        current
    } else {
        let next = current + 1;
        insert_version(&mut tx, badge_id, next, content, edited_by).await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE badges SET current_version = $1 WHERE id = $2"
        )
        .bind(next)
        .bind(badge_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
        next
    };
    tx.commit().await?;
    Ok(version)
}

pub async fn set_state(store: &Store, badge_id: &str, state: BadgeState) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE badges SET state = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(state.as_str())
    .bind(now())
    .bind(badge_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn set_template(
    store: &Store,
    badge_id: &str,
    is_template: bool,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE badges SET is_template = $1 WHERE id = $2"
    )
    .bind(is_template)
    .bind(badge_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn by_id(store: &Store, badge_id: &str) -> Result<Option<Badge>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM badges WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(badge_id)
        .fetch_optional(pool)
        .await?))
}

pub async fn version(
    store: &Store,
    badge_id: &str,
    version: i64,
) -> Result<Option<BadgeVersion>, StoreError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM badge_versions WHERE badge_id = $1 AND version = $2"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(badge_id)
        .bind(version)
        .fetch_optional(pool)
        .await?))
}

/// The organisation's badges with their current names and award counts.
pub async fn list(store: &Store, org_id: &str) -> Result<Vec<BadgeSummary>, StoreError> {
    Ok(on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT b.id, b.issuer_id, b.state, b.is_template, b.current_version, v.name, b.updated_at, \
         (SELECT COUNT(*) FROM awards a WHERE a.badge_id = b.id) AS award_count \
         FROM badges b JOIN badge_versions v ON v.badge_id = b.id AND v.version = b.current_version \
         WHERE b.org_id = $1 ORDER BY b.state, v.name"
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Active badges of one issuer, for its public page.
pub async fn list_public(store: &Store, issuer_id: &str) -> Result<Vec<BadgeSummary>, StoreError> {
    Ok(on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT b.id, b.issuer_id, b.state, b.is_template, b.current_version, v.name, b.updated_at, \
         (SELECT COUNT(*) FROM awards a WHERE a.badge_id = b.id) AS award_count \
         FROM badges b JOIN badge_versions v ON v.badge_id = b.id AND v.version = b.current_version \
         WHERE b.issuer_id = $1 AND b.state = 'active' ORDER BY v.name"
    )
    .bind(issuer_id)
    .fetch_all(pool)
    .await?
    }))
}

/// A version without its images (pages that only link to them).
pub async fn version_meta(
    store: &Store,
    badge_id: &str,
    version: i64,
) -> Result<Option<BadgeVersion>, StoreError> {
    Ok(on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT badge_id, version, name, design, NULL AS image_png, NULL AS image_svg, created_by, created_at \
         FROM badge_versions WHERE badge_id = $1 AND version = $2"
    )
    .bind(badge_id)
    .bind(version)
    .fetch_optional(pool)
    .await?
    }))
}
