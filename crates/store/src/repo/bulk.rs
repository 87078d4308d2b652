//! Bulk award jobs. A job is created in `preview` (rows validated, nothing
//! issued), confirmed to `pending`, then claimed by one server process at a
//! time with a lease; if that process dies, the lease expires and another
//! (or the restarted one) resumes with the rows not yet awarded. Each chunk
//! of awards and the rows recording them are written in one transaction, and
//! every row carries an idempotency key, so nothing is awarded twice.

use crate::model::{Award, BulkJob, BulkJobState, BulkRow};
use crate::repo::{awards, mail};
use crate::{Store, StoreError, now, on_db, on_tx};

const JOB_COLUMNS: &str = "id, org_id, badge_id, badge_version, file_name, state, total, awarded, skipped, with_jwt, \
                           lease_owner, lease_until, created_by, created_at, finished_at, email_locale";
const ROW_COLUMNS: &str = "job_id, row_no, recipient_name, recipient_email, evidence_url, evidence_narrative, \
                           issued_at, expires_at, idempotency_key, problem, award_id";

/// Stores a job in `preview` with all its rows, in one transaction.
pub async fn create(store: &Store, job: &BulkJob, rows: &[BulkRow]) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    let sql = format!(
        "INSERT INTO bulk_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    );
    on_tx!(&mut tx, |c| sqlx::query(&sql)
        .bind(&job.id)
        .bind(&job.org_id)
        .bind(&job.badge_id)
        .bind(job.badge_version)
        .bind(&job.file_name)
        .bind(job.state.as_str())
        .bind(job.total)
        .bind(job.awarded)
        .bind(job.skipped)
        .bind(job.with_jwt)
        .bind(&job.lease_owner)
        .bind(job.lease_until)
        .bind(&job.created_by)
        .bind(job.created_at)
        .bind(job.finished_at)
        .bind(&job.email_locale)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    // Many rows per statement: one round trip per 200 rows instead of one
    // per row (10,000 rows took 3.5 s on PostgreSQL row by row).
    for chunk in rows.chunks(200) {
        let row_sql = format!(
            "INSERT INTO bulk_rows ({ROW_COLUMNS}) VALUES {}",
            placeholders(chunk.len(), 11, 1)
        );
        on_tx!(&mut tx, |c| {
            let mut query = sqlx::query(&row_sql);
            for row in chunk {
                query = query
                    .bind(&row.job_id)
                    .bind(row.row_no)
                    .bind(&row.recipient_name)
                    .bind(&row.recipient_email)
                    .bind(&row.evidence_url)
                    .bind(&row.evidence_narrative)
                    .bind(row.issued_at)
                    .bind(row.expires_at)
                    .bind(&row.idempotency_key)
                    .bind(&row.problem)
                    .bind(&row.award_id);
            }
            query.execute(&mut **c).await.map(|r| r.rows_affected())?
        });
    }
    tx.commit().await
}

/// `($first, …), (…), …`: `rows` tuples of `width` numbered placeholders.
fn placeholders(rows: usize, width: usize, first: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(first + r * width + c).to_string());
        }
        out.push(')');
    }
    out
}

pub async fn job(store: &Store, job_id: &str) -> Result<Option<BulkJob>, StoreError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(job_id)
        .fetch_optional(pool)
        .await?))
}

pub async fn list(store: &Store, org_id: &str, limit: i64) -> Result<Vec<BulkJob>, StoreError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Rows of a job in file order, from `after` (exclusive), at most `limit`.
pub async fn rows(
    store: &Store,
    job_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<BulkRow>, StoreError> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND row_no > $2 ORDER BY row_no LIMIT $3"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(job_id)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Rows with a problem (shown in the preview and after the job).
pub async fn problem_rows(
    store: &Store,
    job_id: &str,
    limit: i64,
) -> Result<Vec<BulkRow>, StoreError> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND problem IS NOT NULL ORDER BY row_no LIMIT $2"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(job_id)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Rows still to award, in file order.
pub async fn pending_rows(
    store: &Store,
    job_id: &str,
    limit: i64,
) -> Result<Vec<BulkRow>, StoreError> {
    pending_rows_after(store, job_id, i64::MIN, limit).await
}

/// Rows still to award after row `after` (a chunk being signed or stored
/// is not yet marked awarded), in file order.
pub async fn pending_rows_after(
    store: &Store,
    job_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<BulkRow>, StoreError> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND award_id IS NULL AND problem IS NULL \
         AND row_no > $2 ORDER BY row_no LIMIT $3"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(job_id)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// `preview` → `pending` (or `cancelled`). False when the job was not in preview.
pub async fn decide(store: &Store, job_id: &str, confirm: bool) -> Result<bool, StoreError> {
    let target = if confirm {
        BulkJobState::Pending
    } else {
        BulkJobState::Cancelled
    };
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE bulk_jobs SET state = $1 WHERE id = $2 AND state = 'preview'"
    )
    .bind(target.as_str())
    .bind(job_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// Claims the oldest job that is pending, or running with an expired lease
/// (its process died), for `owner` until `lease` seconds from now.
pub async fn claim(store: &Store, owner: &str, lease: i64) -> Result<Option<BulkJob>, StoreError> {
    let t = now();
    // PostgreSQL: SKIP LOCKED lets several processes claim different jobs at
    // once. SQLite has one writer, so the plain subquery is already atomic.
    let pick = match store {
        Store::Postgres(_) => {
            "SELECT id FROM bulk_jobs WHERE state = 'pending' OR (state = 'running' AND lease_until < $3) \
             ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Store::Sqlite(_) => {
            "SELECT id FROM bulk_jobs WHERE state = 'pending' OR (state = 'running' AND lease_until < $3) \
             ORDER BY created_at LIMIT 1"
        }
    };
    let sql = format!(
        "UPDATE bulk_jobs SET state = 'running', lease_owner = $1, lease_until = $2 WHERE id = ({pick}) \
         RETURNING {JOB_COLUMNS}"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(owner)
        .bind(t + lease)
        .bind(t)
        .fetch_optional(pool)
        .await?))
}

/// Awards a chunk: inserts the awards (skipping idempotency keys already
/// used) and records each row's award, in one transaction, keeping the lease.
/// With `email_locale`, each new award's e-mail to its recipient is queued in
/// the same transaction (an award that already existed gets none: a resumed
/// job never queues a second message). Returns how many awards were new.
pub async fn record_chunk(
    store: &Store,
    job_id: &str,
    owner: &str,
    lease: i64,
    done: &[(i64, Award)],
    email_locale: Option<&str>,
) -> Result<i64, StoreError> {
    let mut tx = store.begin().await?;
    let kept = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE bulk_jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'"
    )
    .bind(now() + lease)
    .bind(job_id)
    .bind(owner)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if kept != 1 {
        return Err(StoreError::LeaseLost);
    }
    let mut new = 0;
    let mut messages = Vec::new();
    let mut linked = Vec::with_capacity(done.len());
    let list: Vec<&Award> = done.iter().map(|(_, award)| award).collect();
    let holders = awards::insert_many_in(&mut tx, &list).await?;
    for ((row_no, award), id) in done.iter().zip(holders) {
        if id == award.id {
            new += 1;
            if let Some(locale) = email_locale {
                messages.push(mail::NewMessage::award(award, locale));
            }
        }
        linked.push((*row_no, id));
    }
    // Each row's award, one statement per 200 rows.
    for chunk in linked.chunks(200) {
        let mut sql = String::from("UPDATE bulk_rows SET award_id = CASE row_no");
        for i in 0..chunk.len() {
            sql.push_str(&format!(" WHEN ${} THEN ${}", 2 + 2 * i, 3 + 2 * i));
        }
        sql.push_str(" END WHERE job_id = $1 AND row_no IN (");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", 2 + 2 * i));
        }
        sql.push(')');
        on_tx!(&mut tx, |c| {
            let mut query = sqlx::query(&sql).bind(job_id);
            for (row_no, id) in chunk {
                query = query.bind(*row_no).bind(id);
            }
            query.execute(&mut **c).await.map(|r| r.rows_affected())?
        });
    }
    mail::enqueue_many_in(&mut tx, &messages).await?;
    let count = i64::try_from(done.len()).unwrap_or(i64::MAX);
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE bulk_jobs SET awarded = awarded + $1, skipped = skipped + $2 WHERE id = $3"
    )
    .bind(new)
    .bind(count - new)
    .bind(job_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(new)
}

/// Marks a job finished.
pub async fn finish(store: &Store, job_id: &str, owner: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| {
        sqlx::query(
        "UPDATE bulk_jobs SET state = 'done', finished_at = $1, lease_owner = NULL, lease_until = NULL \
         WHERE id = $2 AND lease_owner = $3"
    )
    .bind(now())
    .bind(job_id)
    .bind(owner)
    .execute(pool)
    .await.map(|r| r.rows_affected())?
    });
    Ok(())
}

/// Records that a row could not be awarded (catalogue key of the reason).
pub async fn set_row_problem(
    store: &Store,
    job_id: &str,
    row_no: i64,
    problem: &str,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE bulk_rows SET problem = $1 WHERE job_id = $2 AND row_no = $3"
    )
    .bind(problem)
    .bind(job_id)
    .bind(row_no)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}
