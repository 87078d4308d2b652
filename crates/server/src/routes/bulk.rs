//! Bulk awards from a CSV upload: preview with each row's problems, then a
//! persistent job; and the CSV export of awards.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use insignia_store::model::{BulkJob, BulkRow, Role};
use insignia_store::repo::{awards, bulk};
use insignia_store::token::random_id;
use minijinja::context;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{page, see_other};
use crate::auth::Member;
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

pub async fn upload(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = member.locale;
    let t = |k: &str| state.catalog.text(l, k, &[]);
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut with_jwt = false;
    let mut send_email = false;
    let mut email_language = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest(t("upload-error-malformed")))?
    {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "with_jwt" => with_jwt = true,
            "send_email" => send_email = true,
            "email_language" => email_language = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or("recipients.csv").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest(t("bulk-error-too-large")))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    member.check_csrf(&csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let badge = super::badges::owned(&state, &org_id, &badge_id).await?;
    if badge.state != "active" {
        return Err(AppError::BadRequest(t("award-error-not-active")));
    }
    let language = super::awards::email_locale(&state, &member, &email_language)?;
    let (file_name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest(t("bulk-error-empty")))?;
    let rows = roster::parse(&bytes).map_err(|e| AppError::BadRequest(t(e.key())))?;
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
        org_id: org_id.clone(),
        badge_id: badge.id.clone(),
        badge_version: badge.current_version,
        file_name: file_name.chars().take(200).collect(),
        state: "preview".into(),
        total: i64::try_from(stored.len()).unwrap_or(i64::MAX),
        awarded: 0,
        skipped: 0,
        with_jwt,
        lease_owner: None,
        lease_until: None,
        created_by: member.user.id.clone(),
        created_at: insignia_store::now(),
        finished_at: None,
        email_locale: send_email.then(|| language.code().to_owned()),
    };
    bulk::create(&state.store, &job, &stored).await?;
    Ok(see_other(&format!("/orgs/{org_id}/jobs/{job_id}")))
}

async fn owned_job(state: &Shared, org_id: &str, job_id: &str) -> Result<BulkJob, AppError> {
    bulk::job(&state.store, job_id)
        .await?
        .filter(|j| j.org_id == org_id)
        .ok_or(AppError::NotFound)
}

pub async fn show(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, job_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let job = owned_job(&state, &org_id, &job_id).await?;
    let badge = super::badges::owned(&state, &org_id, &job.badge_id).await?;
    let version = insignia_store::repo::badges::version(&state.store, &badge.id, job.badge_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let problems: Vec<minijinja::Value> = bulk::problem_rows(&state.store, &job.id, 1000)
        .await?
        .into_iter()
        .map(|r| {
            let reason = r.problem.as_deref().map(|k| state.catalog.text(member.locale, k, &[])).unwrap_or_default();
            context! { line => r.row_no, name => r.recipient_name, email => r.recipient_email, reason => reason }
        })
        .collect();
    let sample = bulk::rows(&state.store, &job.id, 0, 20).await?;
    let mail_counts = insignia_store::repo::mail::counts_for_job(&state.store, &job.id).await?;
    let problem_count = i64::try_from(
        bulk::problem_rows(&state.store, &job.id, i64::MAX)
            .await?
            .len(),
    )
    .unwrap_or(0);
    page(
        &state,
        member.locale,
        "bulk_job.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, job => job, badge_name => version.name,
            problems => problems, problem_count => problem_count, ready => job.total - problem_count,
            sample => sample, can_issue => role >= Role::Issuer,
            refresh => matches!(job.state.as_str(), "pending" | "running"),
            mail_counts => mail_counts, mail_configured => crate::mail::configured(&state),
        },
    )
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    action: String,
}

pub async fn decide(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, job_id)): Path<(String, String)>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let job = owned_job(&state, &org_id, &job_id).await?;
    let confirm = form.action == "confirm";
    if !bulk::decide(&state.store, &job.id, confirm).await? {
        return Err(AppError::Conflict(state.catalog.text(
            member.locale,
            "bulk-error-decided",
            &[],
        )));
    }
    if confirm {
        state.jobs_wakeup.notify_one();
    }
    Ok(see_other(&format!("/orgs/{org_id}/jobs/{job_id}")))
}

/// All of the organisation's awards as CSV, safe to open in a spreadsheet.
pub async fn export(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Viewer).await?;
    let list = awards::list(&state.store, &org_id, 1_000_000).await?;
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
            a.state.clone(),
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
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"awards.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
