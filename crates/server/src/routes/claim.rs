//! The recipient's claim link (`/claim/{token}`, sent in the award e-mail):
//! a page showing the badge with an "Accept" button, which records the
//! award as claimed and leads to its public page.
//!
//! The visitor is anonymous, so the form is protected by a double-submit
//! token: the page sets a random value in a `SameSite=Strict`, HTTP-only
//! cookie scoped to `/claim` and repeats it in the form; the POST must carry
//! both, equal. Another site can neither read the cookie nor make the
//! browser send it with a cross-site POST.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use insignia_store::repo::mail;
use insignia_store::token::{random_id, token_hash};
use minijinja::context;
use serde::Deserialize;

use super::public::{AwardView, load_award};
use super::see_other;
use crate::auth::Visitor;
use crate::error::AppError;
use crate::issuing::Urls;
use crate::state::Shared;

const CLAIM_COOKIE: &str = "insignia_claim";

async fn view_for(state: &Shared, token: &str) -> Result<AwardView, AppError> {
    // Tokens are base58; anything else cannot be one (and is not looked up).
    if token.is_empty() || token.len() > 64 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound);
    }
    let award_id = mail::award_for_claim_token(&state.store, &token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    load_award(state, &award_id).await
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn page(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let view = view_for(&state, &token).await?;
    let claimed_at = mail::claimed_at(&state.store, std::slice::from_ref(&view.award.id))
        .await?
        .remove(&view.award.id);
    let form_token = jar
        .get(CLAIM_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 20 && v.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| random_id(24));
    let cookie = Cookie::build((CLAIM_COOKIE, form_token.clone()))
        .path("/claim")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(12))
        .build();
    let urls = Urls {
        base: &state.config.base_url,
    };
    let html = state.pages.render(
        "claim.html",
        visitor.locale,
        context! {
            user => visitor.user, csrf => visitor.csrf, form_token => form_token, token => token,
            award => view.award, design => view.design, issuer => view.issuer,
            image_url => urls.badge_image(&view.version.badge_id, view.version.version, "png"),
            page_url => urls.award_page(&view.award.id), claimed_at => claimed_at,
        },
    )?;
    Ok((jar.add(cookie), axum::response::Html(html)).into_response())
}

#[derive(Deserialize)]
pub struct ClaimForm {
    csrf: String,
}

pub async fn accept(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let cookie = jar.get(CLAIM_COOKIE).map(|c| c.value().to_owned());
    if !cookie.is_some_and(|c| !c.is_empty() && same(&c, &form.csrf)) {
        return Err(AppError::Forbidden);
    }
    let view = view_for(&state, &token).await?;
    if view.award.state == "revoked" {
        return Err(AppError::Conflict(state.catalog.text(
            visitor.locale,
            "claim-revoked",
            &[],
        )));
    }
    // Claiming twice is harmless: the first time is kept.
    mail::claim_award(&state.store, &view.award).await?;
    Ok(see_other(&format!("/a/{}", view.award.id)))
}
