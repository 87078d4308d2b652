//! Badges as the platform reads them: one of an organisation's badges, a
//! published badge with one of its versions, and a version's stored design.

use insignia_store::model::{Badge, BadgeVersion, Issuer};
use insignia_store::repo::{badges, issuers};

use crate::design::BadgeDefinition;
use crate::error::AppError;
use crate::state::Shared;

/// A badge of `org_id`, or "not found".
pub(crate) async fn owned(state: &Shared, org_id: &str, badge_id: &str) -> Result<Badge, AppError> {
    badges::by_id(&state.store, badge_id)
        .await?
        .filter(|b| b.org_id == org_id)
        .ok_or(AppError::NotFound)
}

/// A badge that is published (active or archived): drafts are "not found"
/// to everyone outside their organisation.
pub(crate) async fn published(state: &Shared, badge_id: &str) -> Result<Badge, AppError> {
    badges::by_id(&state.store, badge_id)
        .await?
        .filter(|b| b.state != "draft")
        .ok_or(AppError::NotFound)
}

pub(crate) fn read_design(json: &str) -> Result<BadgeDefinition, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("stored design: {e}")))
}

/// One version of a published badge (metadata only) with its design and
/// issuer: what the OB 3.0 Achievement and OB 2.0 BadgeClass documents need.
pub(crate) async fn published_version(
    state: &Shared,
    badge: &insignia_store::model::Badge,
    version_no: i64,
) -> Result<(BadgeVersion, BadgeDefinition, Issuer), AppError> {
    let version = badges::version_meta(&state.store, &badge.id, version_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let design = read_design(&version.design)?;
    let issuer = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((version, design, issuer))
}

/// The current version of `badge` (with its images) and its design.
pub(crate) async fn current_version(
    state: &Shared,
    badge: &Badge,
) -> Result<(BadgeVersion, BadgeDefinition), AppError> {
    let version = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let design = read_design(&version.design)?;
    Ok((version, design))
}
