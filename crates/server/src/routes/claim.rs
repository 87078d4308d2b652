//! The recipient's claim link (`/claim/{token}`, sent in the award e-mail):
//! a page showing the badge with an "Accept" button, which records the
//! award as claimed and leads to its public page.
//!
//! A link works for `claim_link_days` after its token was made (when the
//! e-mail was sent). An expired link of an award not yet accepted answers
//! 410 with a "Send me a new link" button: the award's e-mail, with a fresh
//! link, is queued again to the address on file (never to one the visitor
//! gives, and the page never shows it), at most once per award every
//! [`NEW_LINK_INTERVAL`] seconds (the rules live in `service::claims`).
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
use insignia_store::token::random_id;
use minijinja::context;
use serde::Deserialize;

use super::see_other;
use crate::auth::Visitor;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::Urls;
use crate::service::claims::{self, Accepted, Claim, ClaimError, NEW_LINK_INTERVAL, NewLink};
use crate::state::Shared;

const CLAIM_COOKIE: &str = "insignia_claim";

/// The claim behind a link; a garbled or unknown link says so, and how to
/// get a new one.
async fn link_for(state: &Shared, locale: Locale, token: &str) -> Result<Claim, AppError> {
    claims::find(state, token).await?.ok_or_else(|| {
        AppError::NotFoundWith(
            "claim-invalid-title",
            state.catalog.text(locale, "claim-invalid-lead", &[]),
        )
    })
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

/// What a claim page shows besides the claim itself.
struct Shown<'a> {
    token: &'a str,
    notice: Notice,
    /// Overrides the status (else 410 for an expired link, 200 otherwise).
    status: Option<StatusCode>,
}

/// The claim page (or, for an expired link, the page offering a new one).
async fn render(
    state: &Shared,
    visitor: Visitor,
    jar: CookieJar,
    claim: Claim,
    shown: Shown<'_>,
) -> Result<Response, AppError> {
    let claimed_at = claim.claimed_at(state).await?;
    let expired = claim.expired(state, claimed_at);
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
    let Claim { link, view } = claim;
    let html = state.pages.render(
        "claim.html",
        visitor.locale,
        context! {
            user => visitor.user, csrf => visitor.csrf, form_token => form_token, token => shown.token,
            award => view.award, design => view.design, issuer => view.issuer,
            image_url => urls.badge_image(&view.version.badge_id, view.version.version, "png"),
            page_url => urls.award_page(&view.award.id), claimed_at => claimed_at,
            expired => expired, sent_on => link.created_at, link_days => state.config.claim_link_days,
            interval_minutes => NEW_LINK_INTERVAL / 60, notice => shown.notice.code(),
        },
    )?;
    let status = shown.status.unwrap_or(if expired {
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
    let claim = link_for(&state, visitor.locale, &token).await?;
    let notice = if query.link == "sent" {
        Notice::Sent
    } else {
        Notice::None
    };
    let shown = Shown {
        token: &token,
        notice,
        status: None,
    };
    render(&state, visitor, jar, claim, shown).await
}

#[derive(Deserialize)]
pub struct ClaimForm {
    csrf: String,
}

/// The claim behind a claim form's POST: the double-submit token must match.
async fn posted_link(
    state: &Shared,
    visitor: &Visitor,
    jar: &CookieJar,
    token: &str,
    form: &ClaimForm,
) -> Result<Claim, AppError> {
    if !form_token_ok(jar, &form.csrf) {
        return Err(AppError::Forbidden);
    }
    link_for(state, visitor.locale, token).await
}

/// A refused claim form as the error page shows it.
fn refused(state: &Shared, locale: Locale, error: ClaimError) -> AppError {
    match error {
        ClaimError::App(e) => e,
        ClaimError::Revoked => AppError::Conflict(state.catalog.text(locale, "claim-revoked", &[])),
        ClaimError::BoundElsewhere => {
            AppError::Conflict(state.catalog.text(locale, "claim-bound-elsewhere", &[]))
        }
    }
}

pub async fn accept(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let claim = posted_link(&state, &visitor, &jar, &token, &form).await?;
    let user_id = visitor.user.as_ref().map(|u| u.id.as_str());
    let accepted = claims::accept(&state, &claim, user_id)
        .await
        .map_err(|e| refused(&state, visitor.locale, e))?;
    match accepted {
        // The expired-link page, with its "Send me a new link" button.
        Accepted::LinkExpired => {
            let shown = Shown {
                token: &token,
                notice: Notice::None,
                status: None,
            };
            render(&state, visitor, jar, claim, shown).await
        }
        Accepted::InBackpack => Ok(see_other("/backpack?notice=claimed")),
        Accepted::Claimed => Ok(see_other(&format!("/a/{}", claim.view.award.id))),
    }
}

/// "Send me a new link", on an expired link's page.
pub async fn new_link(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let claim = posted_link(&state, &visitor, &jar, &token, &form).await?;
    let page = format!("/claim/{token}");
    let outcome = claims::new_link(&state, &claim, visitor.locale)
        .await
        .map_err(|e| refused(&state, visitor.locale, e))?;
    match outcome {
        NewLink::NotNeeded => Ok(see_other(&page)),
        NewLink::Sent => Ok(see_other(&format!("{page}?link=sent"))),
        NewLink::Wait => {
            let shown = Shown {
                token: &token,
                notice: Notice::Wait,
                status: Some(StatusCode::TOO_MANY_REQUESTS),
            };
            render(&state, visitor, jar, claim, shown).await
        }
    }
}
