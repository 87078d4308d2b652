//! One of our awards as its public pages show it: the award (read live),
//! the badge version it was issued from and its issuer (both cached), and
//! its verification against our own records (the proof check cached, the
//! status and expiry read now).

use insignia_proofs::keys::PublicKey;
use insignia_store::model::{Award, AwardState, BadgeVersion, Issuer};
use insignia_store::repo::{awards, badges, issuers};
use insignia_verify::{Check, CheckKind, KeyResolver, Outcome, Report, Resolution, VerifyOptions};

use crate::design::BadgeDefinition;
use crate::error::AppError;
use crate::issuing::{self, Urls};
use crate::state::Shared;

/// Keys of one of our issuers, read from the database (our own credentials
/// are checked without fetching our own did:web over the network).
pub(crate) struct IssuerKeys {
    keys: Vec<(String, PublicKey)>,
    controller: String,
}

impl KeyResolver for IssuerKeys {
    fn resolve(&self, verification_method: &str) -> Resolution {
        match self.keys.iter().find(|(id, _)| id == verification_method) {
            Some((_, key)) => Resolution::Found {
                key: key.clone(),
                controller: self.controller.clone(),
            },
            None => Resolution::Invalid(format!(
                "{verification_method} is not one of the issuer's keys"
            )),
        }
    }
}

pub struct AwardView {
    pub award: Award,
    pub version: BadgeVersion,
    pub design: BadgeDefinition,
    pub issuer: Issuer,
}

pub(crate) async fn load_award(state: &Shared, award_id: &str) -> Result<AwardView, AppError> {
    // The award is read every time (its status is live); an awarded badge
    // version never changes, and issuer profiles may be a few seconds stale.
    let award = awards::by_id(&state.store, award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version_key = format!("{}/{}", award.badge_id, award.badge_version);
    let (version, design) = match state.version_cache.get(&version_key) {
        Some(cached) => cached,
        None => {
            let version = badges::version_meta(&state.store, &award.badge_id, award.badge_version)
                .await?
                .ok_or(AppError::NotFound)?;
            let design = crate::service::badges::read_design(&version.design)?;
            state
                .version_cache
                .put(version_key, (version.clone(), design.clone()));
            (version, design)
        }
    };
    let issuer = match state.issuer_cache.get(&award.issuer_id) {
        Some(issuer) => issuer,
        None => {
            let issuer = issuers::by_id(&state.store, &award.issuer_id)
                .await?
                .ok_or(AppError::NotFound)?;
            state
                .issuer_cache
                .put(award.issuer_id.clone(), issuer.clone());
            issuer
        }
    };
    Ok(AwardView {
        award,
        version,
        design,
        issuer,
    })
}

/// Verifies `credential` (bytes: JSON, JWT or a baked image) against the
/// keys of one of our issuers, read from the database.
pub(crate) async fn verify_with_our_keys(
    state: &Shared,
    issuer: &Issuer,
    credential: Vec<u8>,
    recipient: Option<String>,
) -> Result<Report, AppError> {
    let did = Urls {
        base: &state.config.base_url,
    }
    .issuer_did(&issuer.slug)?;
    let mut keys = Vec::new();
    for k in issuers::keys(&state.store, &issuer.id).await? {
        keys.push((format!("{did}#key-{}", k.key_no), issuing::public_key(&k)?));
    }
    let resolver = IssuerKeys {
        keys,
        controller: did,
    };
    tokio::task::spawn_blocking(move || {
        let mut options = VerifyOptions::new(&resolver);
        options.recipient = recipient.as_deref();
        insignia_verify::verify_bytes(&credential, &options)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// Replaces the status check (and the validity check once expired) with what
/// our records say now.
pub(crate) fn with_live_status(report: Report, award: &Award) -> Report {
    let now = insignia_store::now();
    let changed = award
        .state_changed_at
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let status = match award.state {
        AwardState::Revoked => {
            let reason = award.state_reason.clone().unwrap_or_default();
            Check::new(
                CheckKind::Status,
                Outcome::Failed,
                format!("revoked by the issuer: {reason}"),
            )
            .with_id("status-revoked")
            .with_arg("reason", reason)
            .with_arg("date", changed)
        }
        AwardState::Suspended => Check::new(
            CheckKind::Status,
            Outcome::Failed,
            "suspended by the issuer",
        )
        .with_id("status-suspended")
        .with_arg("date", changed),
        AwardState::Active => Check::new(
            CheckKind::Status,
            Outcome::Passed,
            "neither revoked nor suspended (issuer's records)",
        )
        .with_id("status-in-force"),
    };
    let mut checks: Vec<Check> = report
        .checks
        .into_iter()
        .filter(|c| c.check != CheckKind::Status)
        .collect();
    if award.expires_at.is_some_and(|e| e <= now) {
        checks.retain(|c| c.check != CheckKind::ValidityWindow);
        let date = award
            .expires_at
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        checks.push(
            Check::new(CheckKind::ValidityWindow, Outcome::Failed, "expired")
                .with_id("validity-expired")
                .with_arg("date", date),
        );
    }
    checks.push(status);
    Report::new(report.format, report.summary, checks).with_endorsements(report.endorsements)
}

/// The live verification report of one of our awards: the proof check (cached,
/// the credential never changes) plus status and expiry read now.
pub(crate) async fn live_report(state: &Shared, view: &AwardView) -> Result<Report, AppError> {
    let report = match state.proof_cache.get(&view.award.id) {
        Some(r) => r,
        None => {
            let report = verify_with_our_keys(
                state,
                &view.issuer,
                view.award.credential.clone().into_bytes(),
                None,
            )
            .await?;
            state.proof_cache.put(view.award.id.clone(), report.clone());
            report
        }
    };
    Ok(with_live_status(report, &view.award))
}
