//! Bulk awards from a CSV recipient list: the upload becomes a job in
//! preview (each row with its problems, a row already awarded counted as
//! one), confirmed or cancelled by a person, then awarded by the worker
//! (`jobs`); and the CSV export of an organisation's awards.

use insignia_store::model::{Badge, BulkJob, BulkJobState, BulkRow};
use insignia_store::repo::{awards, bulk};
use insignia_store::token::random_id;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::roster::{self, neutralise};
use crate::state::Shared;

/// The idempotency key of a bulk row: the same person (e-mail and external
/// id) on the same badge is awarded once, however often the file is uploaded.
pub fn row_key(badge_id: &str, email: &str, external_id: &str) -> String {
    let digest = Sha256::digest(
        format!("{badge_id}\n{}\n{external_id}", email.trim().to_lowercase()).as_bytes(),
    );
    format!("bulk:{}", hex::encode(digest))
}

/// An uploaded recipient list and how to award it.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Also sign a VC-JWT for each award.
    pub with_jwt: bool,
    /// E-mail each recipient, in this language.
    pub email_locale: Option<String>,
    pub created_by: String,
}

/// Why an upload is refused.
#[derive(Debug)]
pub enum UploadError {
    /// The file is not a recipient list we read (the catalogue key says why).
    Roster(&'static str),
    App(AppError),
}

impl From<insignia_store::StoreError> for UploadError {
    fn from(e: insignia_store::StoreError) -> Self {
        UploadError::App(e.into())
    }
}

/// Stores the upload as a job in preview for `badge` (its current version)
/// of `org_id`; returns the job's id.
pub async fn prepare(
    state: &Shared,
    org_id: &str,
    badge: &Badge,
    upload: Upload,
) -> Result<String, UploadError> {
    let Upload {
        file_name,
        bytes,
        with_jwt,
        email_locale,
        created_by,
    } = upload;
    let rows = roster::parse(&bytes).map_err(|e| UploadError::Roster(e.key()))?;
    let keys: Vec<String> = rows
        .iter()
        .map(|r| row_key(&badge.id, &r.email, &r.external_id))
        .collect();
    let existing: std::collections::HashSet<String> = awards::existing_keys(&state.store, &keys)
        .await?
        .into_iter()
        .collect();
    let job_id = random_id(12);
    let stored: Vec<BulkRow> = rows
        .iter()
        .zip(keys)
        .map(|(r, key)| BulkRow {
            job_id: job_id.clone(),
            row_no: r.line,
            recipient_name: r.name.clone(),
            recipient_email: r.email.clone(),
            evidence_url: r.evidence_url.clone(),
            evidence_narrative: r.evidence_narrative.clone(),
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            problem: r
                .problem
                .or_else(|| existing.contains(&key).then_some("bulk-error-row-already"))
                .map(str::to_owned),
            idempotency_key: key,
            award_id: None,
        })
        .collect();
    let job = BulkJob {
        id: job_id.clone(),
        org_id: org_id.to_owned(),
        badge_id: badge.id.clone(),
        badge_version: badge.current_version,
        file_name: file_name.chars().take(200).collect(),
        state: BulkJobState::Preview,
        total: i64::try_from(stored.len()).unwrap_or(i64::MAX),
        awarded: 0,
        skipped: 0,
        with_jwt,
        lease_owner: None,
        lease_until: None,
        created_by,
        created_at: insignia_store::now(),
        finished_at: None,
        email_locale,
    };
    bulk::create(&state.store, &job, &stored).await?;
    Ok(job_id)
}

/// The job `job_id` of organisation `org_id`, or "not found".
pub async fn owned_job(state: &Shared, org_id: &str, job_id: &str) -> Result<BulkJob, AppError> {
    bulk::job(&state.store, job_id)
        .await?
        .filter(|j| j.org_id == org_id)
        .ok_or(AppError::NotFound)
}

/// Confirms (the worker is woken to award it) or cancels a job in preview;
/// false if it was decided already.
pub async fn decide(state: &Shared, job: &BulkJob, confirm: bool) -> Result<bool, AppError> {
    if !bulk::decide(&state.store, &job.id, confirm).await? {
        return Ok(false);
    }
    if confirm {
        state.jobs_wakeup.notify_one();
    }
    Ok(true)
}

/// All of the organisation's awards as CSV (UTF-8 with a byte-order mark),
/// every cell safe to open in a spreadsheet.
pub async fn export_csv(state: &Shared, org_id: &str) -> Result<Vec<u8>, AppError> {
    let list = awards::list(&state.store, org_id, 1_000_000).await?;
    // A UTF-8 byte-order mark first: spreadsheet programs then read the
    // file as UTF-8 and show accents right.
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let header = [
        "award_id",
        "badge_id",
        "recipient_name",
        "recipient_email",
        "issued_on",
        "expires_on",
        "status",
        "reason",
        "public_url",
    ];
    writer
        .write_record(header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for a in list {
        let date = |t: i64| {
            crate::issuing::rfc3339(t)
                .chars()
                .take(10)
                .collect::<String>()
        };
        let record = [
            a.id.clone(),
            a.badge_id.clone(),
            a.recipient_name.clone(),
            a.recipient_email.clone(),
            date(a.issued_at),
            a.expires_at.map(date).unwrap_or_default(),
            a.state.as_str().to_owned(),
            a.state_reason.clone().unwrap_or_default(),
            format!("{}/a/{}", state.config.base_url, a.id),
        ];
        let safe: Vec<String> = record.iter().map(|c| neutralise(c)).collect();
        writer
            .write_record(&safe)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(bytes)
}
