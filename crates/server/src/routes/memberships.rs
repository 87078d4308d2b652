//! A membership badge's members page (`/orgs/{org}/badges/{badge}/members`):
//! current, expiring and expired members, each renewed in one click (the
//! award's own renewal form), and a CSV of renewing addresses. The rules
//! are in `service::memberships`.

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use insignia_store::model::{BadgeState, Role};
use minijinja::context;

use super::page;
use crate::auth::Member;
use crate::error::AppError;
use crate::service::memberships as service;
use crate::state::Shared;

async fn render(
    state: &Shared,
    member: &Member,
    org_id: &str,
    badge_id: &str,
    report: Option<service::CsvRenewal>,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let role = member.require(state, org_id, Role::Viewer).await?;
    let badge = crate::service::badges::owned(state, org_id, badge_id).await?;
    let (_, design) = crate::service::badges::current_version(state, &badge).await?;
    let members = service::members(state, org_id, badge_id, &design).await?;
    let count = |s: &str| members.iter().filter(|m| m.standing == s).count();
    page(
        state,
        member.locale,
        "members.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, badge => badge,
            design => design, members => members, current => count("current"),
            expiring => count("expiring"), expired => count("expired"),
            notice_days => service::notice_days(&design),
            can_issue => role >= Role::Issuer && badge.state == BadgeState::Active,
            report => report, error => error.map(|k| state.catalog.text(member.locale, k, &[])),
            lang => member.locale.code(),
        },
    )
}

pub async fn list(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    render(&state, &member, &org_id, &badge_id, None, None).await
}

/// A CSV of renewing members' addresses (a file, or pasted).
pub async fn renew_csv(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = member.locale;
    let bad = |key: &str| AppError::BadRequest(state.catalog.text(l, key, &[]));
    let (mut csrf, mut text, mut pasted, mut send, mut language) = (
        String::new(),
        String::new(),
        String::new(),
        false,
        String::new(),
    );
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad("upload-error-malformed"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|_| bad("upload-error-too-large"))?;
        if bytes.len() > 2 * 1024 * 1024 {
            return Err(bad("upload-error-too-large"));
        }
        let value = String::from_utf8(bytes.to_vec()).map_err(|_| bad("upload-error-malformed"))?;
        if crate::validate::has_forbidden_control(&value) {
            return Err(bad("error-control-characters"));
        }
        match name.as_str() {
            "csrf" => csrf = value,
            "file" => text = value,
            "emails" => pasted = value,
            "send_email" => send = true,
            "email_language" => language = value,
            _ => {}
        }
    }
    member.check_csrf(&csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let language = crate::web::email_locale(&state, &member, &language)?;
    if text.trim().is_empty() {
        text = pasted;
    }
    let outcome = service::renew_csv(
        &state,
        &org_id,
        &badge_id,
        &text,
        send.then(|| language.code().to_owned()),
        &member.user,
    )
    .await?;
    match outcome {
        Ok(report) => render(&state, &member, &org_id, &badge_id, Some(report), None).await,
        Err(key) => render(&state, &member, &org_id, &badge_id, None, Some(key)).await,
    }
}
