//! The Outbox pages: what a server without SMTP would have sent, for its
//! administrators (`/outbox`: every message) and for an organisation's
//! owners and admins (`/orgs/{org}/outbox`: its award e-mails).
//!
//! A message's HTML part is served on its own, under a CSP `sandbox` (no
//! scripts, no same-origin access, no forms), framed by the message page.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use insignia_store::model::Role;
use minijinja::context;
use serde::Deserialize;

use super::page;
use crate::auth::Member;
use crate::error::AppError;
use crate::service::outbox::{self, Scope};
use crate::state::Shared;

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
}

/// Where a member reads the outbox from: the whole server (`org` None, the
/// server's administrators only) or one organisation (its owners and admins).
async fn scope_for<'a>(
    state: &Shared,
    member: &Member,
    org: Option<&'a str>,
) -> Result<Scope<'a>, AppError> {
    match org {
        None if member.user.is_admin => Ok(Scope::All),
        None => Err(AppError::NotFound),
        Some(org) => {
            member.require(state, org, Role::Admin).await?;
            Ok(Scope::Org(org))
        }
    }
}

async fn list_page(
    state: Shared,
    member: Member,
    org: Option<String>,
    after: Option<String>,
) -> Result<Response, AppError> {
    let scope = scope_for(&state, &member, org.as_deref()).await?;
    let listing = outbox::list(&state, scope, after.as_deref()).await?;
    let base = match &org {
        Some(org) => format!("/orgs/{org}/outbox"),
        None => "/outbox".to_owned(),
    };
    page(
        &state,
        member.locale,
        "outbox.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org, base => base,
            messages => listing.messages, next => listing.next, total => listing.total,
            first_page => after.is_none(), mail_configured => crate::mail::configured(&state),
        },
    )
}

pub async fn list_all(
    State(state): State<Shared>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(state, member, None, q.after).await
}

pub async fn list_org(
    State(state): State<Shared>,
    member: Member,
    Path(org): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(state, member, Some(org), q.after).await
}

async fn message_page(
    state: Shared,
    member: Member,
    org: Option<String>,
    id: String,
) -> Result<Response, AppError> {
    let scope = scope_for(&state, &member, org.as_deref()).await?;
    let message = outbox::open(&state, scope, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = match &org {
        Some(org) => format!("/orgs/{org}/outbox"),
        None => "/outbox".to_owned(),
    };
    page(
        &state,
        member.locale,
        "outbox_message.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org, base => base,
            message => message,
        },
    )
}

pub async fn show_any(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    message_page(state, member, None, id).await
}

pub async fn show_org(
    State(state): State<Shared>,
    member: Member,
    Path((org, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    message_page(state, member, Some(org), id).await
}

/// The message's HTML part, or its whole RFC 5322 text (`.eml`).
async fn part(
    state: Shared,
    member: Member,
    org: Option<String>,
    id: String,
    file: &str,
) -> Result<Response, AppError> {
    let scope = scope_for(&state, &member, org.as_deref()).await?;
    let message = outbox::open(&state, scope, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    match file {
        "body.html" => {
            let html = message.html.ok_or(AppError::NotFound)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    // A sandboxed document: no scripts, an opaque origin (it
                    // reads nothing of this site), links open a new tab.
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; \
                         img-src 'self' data: http: https:; style-src 'unsafe-inline'; frame-ancestors 'self'",
                    ),
                    (header::CACHE_CONTROL, "private, no-store"),
                ],
                html,
            )
                .into_response())
        }
        "message.eml" => Ok((
            [
                (header::CONTENT_TYPE, "message/rfc822"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"message.eml\"",
                ),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            message.raw,
        )
            .into_response()),
        _ => Err(AppError::NotFound),
    }
}

pub async fn part_any(
    State(state): State<Shared>,
    member: Member,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    part(state, member, None, id, &file).await
}

pub async fn part_org(
    State(state): State<Shared>,
    member: Member,
    Path((org, id, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    part(state, member, Some(org), id, &file).await
}
