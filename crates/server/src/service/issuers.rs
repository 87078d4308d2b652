//! Issuers as the platform reads them.

use insignia_store::model::Issuer;
use insignia_store::repo::issuers;

use crate::error::AppError;
use crate::state::Shared;

/// An issuer of `org_id`, or "not found" (also when it belongs to another organisation).
pub(crate) async fn owned(
    state: &Shared,
    org_id: &str,
    issuer_id: &str,
) -> Result<Issuer, AppError> {
    issuers::by_id(&state.store, issuer_id)
        .await?
        .filter(|i| i.org_id == org_id)
        .ok_or(AppError::NotFound)
}
