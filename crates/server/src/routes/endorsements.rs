//! Endorsements: the form to endorse an award, a badge or an issuer
//! (`/endorse/{kind}/{id}`), the account's endorsements to decide and given
//! (`/endorsements`), an approved endorsement's credential
//! (`/endorsements/{id}`) and a person endorser's DID document
//! (`/users/{id}/did.json`).

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use insignia_store::model::EndorsedKind;
use minijinja::context;
use serde::Deserialize;

use super::{json_response, page, see_other};
use crate::auth::Member;
use crate::error::AppError;
use crate::service::endorsements::{self as service, EndorseError, Target};
use crate::state::Shared;

fn kind_of(text: &str) -> Result<EndorsedKind, AppError> {
    EndorsedKind::parse(text).ok_or(AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &Shared,
    member: &Member,
    target: &Target,
    kind: &str,
    id: &str,
    errors: Vec<String>,
    comment: &str,
    chosen: &str,
) -> Result<Response, AppError> {
    let issuers = service::issuers_for(state, &member.user, target.owner_org.as_deref()).await?;
    page(
        state,
        member.locale,
        "endorse.html",
        context! {
            user => member.user, csrf => member.csrf, target => target, issuers => issuers,
            action => format!("/endorse/{kind}/{id}"), errors => errors, comment => comment,
            chosen => chosen,
        },
    )
}

pub async fn form(
    State(state): State<Shared>,
    member: Member,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let target = service::target(&state, kind_of(&kind)?, &id).await?;
    render_form(&state, &member, &target, &kind, &id, Vec::new(), "", "").await
}

#[derive(Deserialize)]
pub struct EndorseForm {
    csrf: String,
    #[serde(default, rename = "as")]
    as_issuer: String,
    #[serde(default)]
    comment: String,
}

pub async fn endorse(
    State(state): State<Shared>,
    member: Member,
    Path((kind, id)): Path<(String, String)>,
    Form(form): Form<EndorseForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    let target = service::target(&state, kind_of(&kind)?, &id).await?;
    let as_issuer = Some(form.as_issuer.as_str()).filter(|s| !s.is_empty());
    match service::endorse(&state, &member.user, &target, as_issuer, &form.comment).await {
        Ok(_) => Ok(see_other("/endorsements?sent=1")),
        Err(EndorseError::Refused(why)) => {
            let message = state.catalog.text(member.locale, why.key(), &[]);
            render_form(
                &state,
                &member,
                &target,
                &kind,
                &id,
                vec![message],
                &form.comment,
                &form.as_issuer,
            )
            .await
        }
        Err(EndorseError::App(e)) => Err(e),
    }
}

/// What each endorsement is about: its name and public page.
async fn pages_of(
    state: &Shared,
    list: &[&service::Shown],
) -> Result<BTreeMap<String, service::Subject>, AppError> {
    let mut pages = BTreeMap::new();
    for e in list {
        pages.insert(
            e.id.clone(),
            service::subject(state, e.kind, &e.subject_ref).await?,
        );
    }
    Ok(pages)
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    sent: Option<String>,
    #[serde(default)]
    decided: Option<String>,
}

pub async fn list(
    State(state): State<Shared>,
    member: Member,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Response, AppError> {
    let overview = service::overview(&state, &member.user).await?;
    let all: Vec<&service::Shown> = overview.to_decide.iter().chain(&overview.given).collect();
    let pages = pages_of(&state, &all).await?;
    let notice = if q.sent.is_some() {
        Some(state.catalog.text(member.locale, "endorse-sent", &[]))
    } else {
        q.decided
            .as_deref()
            .map(|d| match d {
                "approve" => "endorsement-approved-notice",
                "hide" => "endorsement-hidden-notice",
                _ => "endorsement-declined-notice",
            })
            .map(|key| state.catalog.text(member.locale, key, &[]))
    };
    page(
        &state,
        member.locale,
        "endorsements.html",
        context! {
            user => member.user, csrf => member.csrf, overview => overview, pages => pages,
            notice => notice,
        },
    )
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    decision: String,
}

pub async fn decide(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if form.decision == "hide" {
        if !service::hide(&state, &member.user, &id).await? {
            return Err(AppError::Conflict(state.catalog.text(
                member.locale,
                "endorsement-error-decided",
                &[],
            )));
        }
        return Ok(see_other("/endorsements?decided=hide"));
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => {
            return Err(AppError::BadRequest(state.catalog.text(
                member.locale,
                "endorsement-error-decision",
                &[],
            )));
        }
    };
    if !service::decide(&state, &member.user, &id, approve).await? {
        return Err(AppError::Conflict(state.catalog.text(
            member.locale,
            "endorsement-error-decided",
            &[],
        )));
    }
    Ok(see_other(&format!(
        "/endorsements?decided={}",
        form.decision
    )))
}

/// An approved endorsement's signed credential (anything else: not found).
pub async fn credential(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let body = service::public_credential(&state, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(json_response(
        body,
        "application/ld+json",
        "public, max-age=300",
    ))
}

/// A person endorser's DID document.
pub async fn account_did(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let doc = service::account_did_document(&state, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(json_response(
        doc.to_string(),
        "application/did+json",
        "public, max-age=300",
    ))
}
