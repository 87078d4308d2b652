//! The dashboard, organisations and their members.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use insignia_store::model::Role;
use insignia_store::repo::{awards, badges, issuers, orgs, users};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::error::AppError;
use crate::state::Shared;

pub async fn dashboard(State(state): State<Shared>, member: Member) -> Result<Response, AppError> {
    let memberships = orgs::memberships(&state.store, &member.user.id).await?;
    page(
        &state,
        member.locale,
        "dashboard.html",
        context! {
            user => member.user, csrf => member.csrf, memberships => memberships
        },
    )
}

#[derive(Deserialize)]
pub struct NewOrg {
    csrf: String,
    name: String,
}

pub async fn create(
    State(state): State<Shared>,
    member: Member,
    Form(form): Form<NewOrg>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::BadRequest(state.catalog.text(
            member.locale,
            "org-error-name",
            &[],
        )));
    }
    let org = orgs::create(&state.store, name, &member.user.id).await?;
    Ok(see_other(&format!("/orgs/{}", org.id)))
}

pub async fn overview(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let org = orgs::get(&state.store, &org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let issuers = issuers::list(&state.store, &org_id).await?;
    let badges = badges::list(&state.store, &org_id).await?;
    let recent = awards::list(&state.store, &org_id, 20).await?;
    let (mail, claims) = crate::service::awards::delivery_maps(&state, &recent).await?;
    let members = orgs::members(&state.store, &org_id).await?;
    page(
        &state,
        member.locale,
        "org.html",
        context! {
            user => member.user, csrf => member.csrf, org => org, role => role,
            can_admin => role >= Role::Admin, can_issue => role >= Role::Issuer,
            issuers => issuers, badges => badges, awards => recent, members => members,
            mail => mail, claims => claims, mail_configured => crate::mail::configured(&state),
        },
    )
}

#[derive(Deserialize)]
pub struct MemberForm {
    csrf: String,
    email: String,
    role: String,
}

pub async fn set_member(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    let my_role = member.require(&state, &org_id, Role::Admin).await?;
    let role = Role::parse(&form.role).ok_or_else(|| {
        AppError::BadRequest(state.catalog.text(member.locale, "member-error-role", &[]))
    })?;
    // Only owners make owners.
    if role == Role::Owner && my_role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    let user = users::by_email(&state.store, &form.email)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest(
                state
                    .catalog
                    .text(member.locale, "member-error-unknown", &[]),
            )
        })?;
    if user.id == member.user.id {
        return Err(AppError::BadRequest(state.catalog.text(
            member.locale,
            "member-error-self",
            &[],
        )));
    }
    orgs::set_member(&state.store, &org_id, &user.id, role).await?;
    Ok(see_other(&format!("/orgs/{org_id}#members")))
}
