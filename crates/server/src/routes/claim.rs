//! The recipient's claim link (`/claim/{token}`, sent in the award e-mail):
//! a page showing the badge with an "Accept" button, which records the
//! award as claimed and leads to its public page.
//!
//! A link works for `claim_link_days` after its token was made (when the
//! e-mail was sent). An expired link of an award not yet accepted answers
//! 410 with a "Send me a new link" button: the award's e-mail, with a fresh
//! link, is queued again to the address on file (never to one the visitor
//! gives, and the page never shows it), at most once per award every
//! [`NEW_LINK_INTERVAL`] seconds.
//!
//! The visitor is anonymous, so the forms are protected by a double-submit
//! token: the page sets a random value in a `SameSite=Strict`, HTTP-only
//! cookie scoped to `/claim` and repeats it in the form; the POST must carry
//! both, equal. Another site can neither read the cookie nor make the
//! browser send it with a cross-site POST.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use insignia_store::now;
use insignia_store::repo::mail::{self, ClaimToken};
use insignia_store::token::{random_id, token_hash};
use minijinja::context;
use serde::Deserialize;

use super::public::{AwardView, load_award};
use super::see_other;
use crate::auth::Visitor;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::Urls;
use crate::state::Shared;

const CLAIM_COOKIE: &str = "insignia_claim";

/// A recipient can ask for a new claim link for an award at most once in
/// this many seconds.
pub const NEW_LINK_INTERVAL: i64 = 600;

/// The claim link's token row and its award.
async fn link_for(state: &Shared, token: &str) -> Result<(ClaimToken, AwardView), AppError> {
    // Tokens are base58; anything else cannot be one (and is not looked up).
    if token.is_empty() || token.len() > 64 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound);
    }
    let link = mail::claim_token(&state.store, &token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let view = load_award(state, &link.award_id).await?;
    Ok((link, view))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether the posted form token matches the browser's cookie.
fn form_token_ok(jar: &CookieJar, posted: &str) -> bool {
    jar.get(CLAIM_COOKIE)
        .map(|c| c.value().to_owned())
        .is_some_and(|c| !c.is_empty() && same(&c, posted))
}

/// What the page tells the visitor after asking for a new link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    None,
    /// A new link was queued.
    Sent,
    /// One was asked for less than [`NEW_LINK_INTERVAL`] ago.
    Wait,
}

impl Notice {
    fn code(self) -> &'static str {
        match self {
            Notice::None => "",
            Notice::Sent => "sent",
            Notice::Wait => "wait",
        }
    }
}

/// The claim page (or, for an expired link, the page offering a new one).
#[allow(clippy::too_many_arguments)]
async fn render(
    state: &Shared,
    visitor: Visitor,
    jar: CookieJar,
    token: &str,
    link: &ClaimToken,
    view: AwardView,
    notice: Notice,
    status: Option<StatusCode>,
) -> Result<Response, AppError> {
    let claimed_at = mail::claimed_at(&state.store, std::slice::from_ref(&view.award.id))
        .await?
        .remove(&view.award.id);
    // Only a link that could still be used to accept the badge expires:
    // once accepted (or revoked) the page just says so.
    let expired = claimed_at.is_none()
        && view.award.state != "revoked"
        && link.created_at + state.config.claim_link_seconds() < now();
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
            expired => expired, sent_on => link.created_at, link_days => state.config.claim_link_days,
            interval_minutes => NEW_LINK_INTERVAL / 60, notice => notice.code(),
        },
    )?;
    let status = status.unwrap_or(if expired {
        StatusCode::GONE
    } else {
        StatusCode::OK
    });
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        jar.add(cookie),
        Html(html),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// `sent` after a new link was asked for (the redirect after the form).
    #[serde(default)]
    link: String,
}

pub async fn page(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let (link, view) = link_for(&state, &token).await?;
    let notice = if query.link == "sent" {
        Notice::Sent
    } else {
        Notice::None
    };
    render(&state, visitor, jar, &token, &link, view, notice, None).await
}

#[derive(Deserialize)]
pub struct ClaimForm {
    csrf: String,
}

/// The link and award behind a claim form's POST: the double-submit token
/// must match, and a revoked award can be neither accepted nor re-sent.
async fn posted_link(
    state: &Shared,
    visitor: &Visitor,
    jar: &CookieJar,
    token: &str,
    form: &ClaimForm,
) -> Result<(ClaimToken, AwardView), AppError> {
    if !form_token_ok(jar, &form.csrf) {
        return Err(AppError::Forbidden);
    }
    let (link, view) = link_for(state, token).await?;
    if view.award.state == "revoked" {
        return Err(AppError::Conflict(state.catalog.text(
            visitor.locale,
            "claim-revoked",
            &[],
        )));
    }
    Ok((link, view))
}

pub async fn accept(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let (link, view) = posted_link(&state, &visitor, &jar, &token, &form).await?;
    if link.created_at + state.config.claim_link_seconds() < now() {
        let claimed = mail::claimed_at(&state.store, std::slice::from_ref(&view.award.id))
            .await?
            .contains_key(&view.award.id);
        if !claimed {
            // The expired-link page, with its "Send me a new link" button.
            return render(
                &state,
                visitor,
                jar,
                &token,
                &link,
                view,
                Notice::None,
                None,
            )
            .await;
        }
    }
    // Claiming twice is harmless: the first time is kept. Signed in, the
    // award is also bound to the account and shows in its backpack.
    if let Some(user) = &visitor.user {
        if !insignia_store::repo::backpack::claim_for(&state.store, &view.award, &user.id).await? {
            return Err(AppError::Conflict(state.catalog.text(
                visitor.locale,
                "claim-bound-elsewhere",
                &[],
            )));
        }
        return Ok(see_other("/backpack?notice=claimed"));
    }
    mail::claim_award(&state.store, &view.award).await?;
    Ok(see_other(&format!("/a/{}", view.award.id)))
}

/// "Send me a new link", on an expired link's page.
pub async fn new_link(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let (link, view) = posted_link(&state, &visitor, &jar, &token, &form).await?;
    let page = format!("/claim/{token}");
    let claimed = mail::claimed_at(&state.store, std::slice::from_ref(&view.award.id))
        .await?
        .contains_key(&view.award.id);
    if claimed || link.created_at + state.config.claim_link_seconds() >= now() {
        // Nothing to do: the link still works, or the badge was accepted.
        return Ok(see_other(&page));
    }
    // The language the recipient was last written in; else the page's.
    let locale = mail::latest_for_awards(&state.store, std::slice::from_ref(&view.award.id))
        .await?
        .remove(&view.award.id)
        .and_then(|m| Locale::from_code(&m.locale))
        .unwrap_or(visitor.locale);
    let queued = mail::request_new_link(
        &state.store,
        &view.award,
        locale.code(),
        now(),
        NEW_LINK_INTERVAL,
    )
    .await?;
    match queued {
        Some(_) => {
            crate::mail::wake(&state);
            Ok(see_other(&format!("{page}?link=sent")))
        }
        None => {
            render(
                &state,
                visitor,
                jar,
                &token,
                &link,
                view,
                Notice::Wait,
                Some(StatusCode::TOO_MANY_REQUESTS),
            )
            .await
        }
    }
}
