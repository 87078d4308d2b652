//! The bulk-award worker. Every server process runs one; jobs live in the
//! database and are claimed with a lease (see `insignia_store::repo::bulk`),
//! so a crash mid-job loses nothing: the lease expires and the job resumes
//! with the rows not yet awarded. Signing runs on all cores (rayon) off the
//! async threads; each chunk is stored in one transaction.

use std::time::Duration;

use insignia_store::StoreError;
use insignia_store::model::{Award, BulkJob, BulkRow};
use insignia_store::repo::{awards, badges, bulk, issuers};
use rayon::prelude::*;

use crate::ServerError;
use crate::issuing::{self, AwardInput};
use crate::state::Shared;

/// Rows signed and stored together.
pub const CHUNK: i64 = 250;
/// How long a claim lasts without progress or heartbeat before another
/// process may take over.
pub const LEASE_SECONDS: i64 = crate::lifecycle::LEASE_SECONDS;
/// How often idle workers look for jobs queued by other processes.
const POLL: Duration = Duration::from_secs(2);

/// Runs the worker loop in the background, until the process stops (the
/// chunk being signed is finished and stored first).
pub fn spawn_worker(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !state.stop.is_stopping() {
            match run_next(&state, &WorkerOptions::default()).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!("bulk award worker: {e}"),
            }
            tokio::select! {
                () = state.jobs_wakeup.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                () = state.stop.wait() => {}
            }
        }
    })
}

/// How a worker proceeds.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Rows signed and stored per transaction.
    pub chunk: i64,
    /// Stop after this many chunks (tests use it to simulate a crash mid-job).
    pub max_chunks: Option<usize>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            chunk: CHUNK,
            max_chunks: None,
        }
    }
}

/// Claims and processes one job; false when there was none.
pub async fn run_next(state: &Shared, options: &WorkerOptions) -> Result<bool, ServerError> {
    let owner = state.identity.owner.clone();
    let Some(job) = bulk::claim(&state.store, &owner, LEASE_SECONDS).await? else {
        return Ok(false);
    };
    tracing::info!(job = %job.id, total = job.total, "bulk award started or resumed");
    process(state, &job, &owner, options).await?;
    Ok(true)
}

async fn process(
    state: &Shared,
    job: &BulkJob,
    owner: &str,
    options: &WorkerOptions,
) -> Result<(), ServerError> {
    let version = badges::version(&state.store, &job.badge_id, job.badge_version)
        .await?
        .ok_or_else(|| ServerError::Signing(format!("job {}: badge version is gone", job.id)))?;
    let badge = badges::by_id(&state.store, &job.badge_id)
        .await?
        .ok_or_else(|| ServerError::Signing(format!("job {}: badge is gone", job.id)))?;
    let design: crate::design::BadgeDefinition = serde_json::from_str(&version.design)
        .map_err(|e| ServerError::Signing(format!("stored design: {e}")))?;
    let issuer = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .ok_or_else(|| ServerError::Signing(format!("job {}: issuer is gone", job.id)))?;
    let (pair, vm) = issuing::signing_key(state, &issuer).await?;
    let mut chunks = 0usize;
    loop {
        // Stopping: the job's lease is given back with the others.
        if options.max_chunks.is_some_and(|m| chunks >= m) || state.stop.is_stopping() {
            return Ok(());
        }
        let rows = bulk::pending_rows(&state.store, &job.id, options.chunk).await?;
        if rows.is_empty() {
            bulk::finish(&state.store, &job.id, owner).await?;
            tracing::info!(job = %job.id, "bulk award finished");
            return Ok(());
        }
        // One allocator for single and bulk awards: the chunk's places in the
        // status list, taken in one statement; rows left without one (the
        // list is full) are marked so.
        let indexes = awards::take_status_indexes(&state.store, &issuer.id, rows.len()).await?;
        let mut planned: Vec<(BulkRow, i64)> = Vec::with_capacity(rows.len());
        let mut places = indexes.into_iter();
        for row in rows {
            match places.next() {
                Some(index) => planned.push((row, index)),
                None => {
                    bulk::set_row_problem(
                        &state.store,
                        &job.id,
                        row.row_no,
                        "bulk-error-row-list-full",
                    )
                    .await?;
                }
            }
        }
        let (st, iss, ver, des, p, v) = (
            state.clone(),
            issuer.clone(),
            version.clone(),
            design.clone(),
            pair.clone(),
            vm.clone(),
        );
        let (with_jwt, created_by) = (job.with_jwt, job.created_by.clone());
        let signed: Vec<(i64, Result<Award, ServerError>)> =
            tokio::task::spawn_blocking(move || {
                planned
                    .par_iter()
                    .map(|(row, index)| {
                        let input = AwardInput {
                            recipient_name: row.recipient_name.clone(),
                            recipient_email: row.recipient_email.clone(),
                            evidence_url: Some(row.evidence_url.clone()),
                            evidence_narrative: Some(row.evidence_narrative.clone()),
                            issued_at: row.issued_at,
                            expires_at: row.expires_at,
                            with_jwt,
                            idempotency_key: Some(row.idempotency_key.clone()),
                            created_by: Some(created_by.clone()),
                            // Queued by `record_chunk`, in the chunk's transaction.
                            email_locale: None,
                            replaces: None,
                            recipient_org: None,
                        };
                        (
                            row.row_no,
                            issuing::issue_sync(&st, &iss, &ver, &des, &p, &v, &input, *index),
                        )
                    })
                    .collect()
            })
            .await
            .map_err(|e| ServerError::Signing(format!("signing task: {e}")))?;
        let mut done = Vec::with_capacity(signed.len());
        for (row_no, result) in signed {
            match result {
                Ok(award) => done.push((row_no, award)),
                Err(e) => {
                    tracing::error!(job = %job.id, row_no, "could not sign: {e}");
                    bulk::set_row_problem(&state.store, &job.id, row_no, "bulk-error-row-failed")
                        .await?;
                }
            }
        }
        match bulk::record_chunk(
            &state.store,
            &job.id,
            owner,
            LEASE_SECONDS,
            &done,
            job.email_locale.as_deref(),
        )
        .await
        {
            Ok(new) => {
                if new > 0 && job.email_locale.is_some() {
                    crate::mail::wake(state);
                }
            }
            Err(StoreError::LeaseLost) => {
                tracing::warn!(job = %job.id, "another process took over this job");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        chunks += 1;
    }
}
