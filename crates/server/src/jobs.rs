//! The bulk-award worker. Every server process runs one; jobs live in the
//! database and are claimed with a lease (see `insignia_store::repo::bulk`),
//! so a crash mid-job loses nothing: the lease expires and the job resumes
//! with the rows not yet awarded. Signing runs on all cores (rayon) off the
//! async threads; each chunk is stored in one transaction, while the next
//! chunk is being signed.

use std::time::Duration;

use insignia_store::StoreError;
use insignia_store::model::{Award, BulkJob, BulkRow};
use insignia_store::repo::{awards, badges, bulk, issuers};
use rayon::prelude::*;

use crate::ServerError;
use crate::error::Gone;
use crate::issuing::{self, AwardInput, SigningContext};
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
                Err(e) => tracing::error!("bulk award worker: {}", e.chain()),
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
        .ok_or_else(|| {
            ServerError::Gone(Gone::BadgeVersion {
                badge_id: job.badge_id.clone(),
                version: job.badge_version,
            })
        })?;
    let badge = badges::by_id(&state.store, &job.badge_id)
        .await?
        .ok_or_else(|| ServerError::Gone(Gone::Badge(job.badge_id.clone())))?;
    let design: crate::design::BadgeDefinition =
        serde_json::from_str(&version.design).map_err(|source| ServerError::StoredDesign {
            badge_id: job.badge_id.clone(),
            version: job.badge_version,
            source,
        })?;
    let issuer = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .ok_or_else(|| ServerError::Gone(Gone::Issuer(badge.issuer_id.clone())))?;
    let context =
        std::sync::Arc::new(SigningContext::new(state, &issuer, &version, &design).await?);
    let wants_more = |chunks: usize| {
        // Stopping: the job's lease is given back with the others.
        !(options.max_chunks.is_some_and(|m| chunks >= m) || state.stop.is_stopping())
    };
    // One chunk ahead: the next chunk is signed (on all cores) while the
    // current one is stored, so the store's round trips and its own work
    // overlap the signing.
    let mut next = if wants_more(0) {
        start_chunk(state, job, &context, i64::MIN, options.chunk).await?
    } else {
        return Ok(());
    };
    let mut chunks = 0usize;
    while let Some(chunk) = next.take() {
        let signed = chunk.signing.await.map_err(ServerError::Task)?;
        chunks += 1;
        if wants_more(chunks) {
            next = start_chunk(state, job, &context, chunk.last_row, options.chunk).await?;
        }
        let mut done = Vec::with_capacity(signed.len());
        for (row_no, result) in signed {
            match result {
                Ok(award) => done.push((row_no, award)),
                Err(e) => {
                    tracing::error!(job = %job.id, row_no, "could not sign: {}", e.chain());
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
                // The chunk being signed is dropped: its rows stay pending.
                tracing::warn!(job = %job.id, "another process took over this job");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        if next.is_none() && !wants_more(chunks) {
            return Ok(());
        }
    }
    bulk::finish(&state.store, &job.id, owner).await?;
    tracing::info!(job = %job.id, "bulk award finished");
    Ok(())
}

/// Signed awards of one chunk, by row number.
type Signed = Vec<(i64, Result<Award, ServerError>)>;

/// A chunk being signed off the async threads.
struct Chunk {
    signing: tokio::task::JoinHandle<Signed>,
    /// The chunk's last row number: the next chunk starts after it.
    last_row: i64,
}

/// Takes the next rows after `after` and their places in the status list,
/// and starts signing them; None when no row is left.
async fn start_chunk(
    state: &Shared,
    job: &BulkJob,
    context: &std::sync::Arc<SigningContext>,
    after: i64,
    size: i64,
) -> Result<Option<Chunk>, ServerError> {
    let rows = bulk::pending_rows_after(&state.store, &job.id, after, size).await?;
    let Some(last_row) = rows.last().map(|r| r.row_no) else {
        return Ok(None);
    };
    // One allocator for single and bulk awards: the chunk's places in the
    // status list, taken in one statement; rows left without one (the list
    // is full) are marked so.
    let indexes = awards::take_status_indexes(&state.store, &context.issuer.id, rows.len()).await?;
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
    let (st, context) = (state.clone(), context.clone());
    let (with_jwt, created_by) = (job.with_jwt, job.created_by.clone());
    let signing = tokio::task::spawn_blocking(move || {
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
                    issuing::issue_sync(&st, &context, &input, *index),
                )
            })
            .collect()
    });
    Ok(Some(Chunk { signing, last_row }))
}
