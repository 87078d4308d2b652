//! Bulk awards from a CSV upload: preview with each row's problems, then a
//! persistent job; and the CSV export of awards.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use insignia_store::model::{BulkJobState, Role};
use insignia_store::repo::bulk;
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::error::AppError;
use crate::service::bulk as service;
use crate::state::Shared;

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
    let badge = crate::service::awards::awardable_badge(&state, &org_id, &badge_id)
        .await
        .map_err(|e| match e {
            crate::service::awards::StatusError::App(e) => e,
            crate::service::awards::StatusError::Refused(r) => {
                AppError::BadRequest(t(r.message_key()))
            }
        })?;
    let language = crate::web::email_locale(&state, &member, &email_language)?;
    let (file_name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest(t("bulk-error-empty")))?;
    let upload = service::Upload {
        file_name,
        bytes,
        with_jwt,
        email_locale: send_email.then(|| language.code().to_owned()),
        created_by: member.user.id.clone(),
    };
    let job_id = match service::prepare(&state, &org_id, &badge, upload).await {
        Ok(id) => id,
        Err(service::UploadError::Roster(key)) => return Err(AppError::BadRequest(t(key))),
        Err(service::UploadError::App(e)) => return Err(e),
    };
    Ok(see_other(&format!("/orgs/{org_id}/jobs/{job_id}")))
}

pub async fn show(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, job_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let job = service::owned_job(&state, &org_id, &job_id).await?;
    let badge = crate::service::badges::owned(&state, &org_id, &job.badge_id).await?;
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
            refresh => matches!(job.state, BulkJobState::Pending | BulkJobState::Running),
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
    let job = service::owned_job(&state, &org_id, &job_id).await?;
    let confirm = form.action == "confirm";
    if !service::decide(&state, &job, confirm).await? {
        return Err(AppError::Conflict(state.catalog.text(
            member.locale,
            "bulk-error-decided",
            &[],
        )));
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
    let bytes = service::export_csv(&state, &org_id).await?;
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
