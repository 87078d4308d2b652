//! HTTP routes. Organisation-scoped routes live under `/orgs/{org}/…` and
//! check membership and role first; a record from another organisation is
//! "not found", never shown.

mod account;
mod awards;
mod backpack;
mod badges;
mod bulk;
mod claim;
mod endorsements;
mod events;
mod issuers;
mod mail_settings;
mod memberships;
mod ob2;
mod orgs;
mod outbox;
mod public;
mod requests;
mod share_images;
mod unsubscribe;
mod vcapi;
mod verify;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use minijinja::Value;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::{LANG_COOKIE, Visitor};
use crate::error::{AppError, ErrorPage};
use crate::i18n::Locale;
use crate::state::Shared;

const CSS: &str = include_str!("../../static/app.css");

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(account::home))
        .route("/login", get(account::login_page).post(account::login))
        .route("/login/link/{token}", get(account::login_link))
        .route("/logout", post(account::logout))
        .route("/signup", get(account::signup_page).post(account::signup))
        .route("/account/password", get(account::password_page).post(account::set_password))
        .route("/account", get(account::account_page))
        .route("/account/sessions", post(account::end_sessions))
        .route("/account/confirm", get(account::confirm_pending))
        .route("/account/confirm/{token}", get(account::confirm))
        .route("/signup/resend", post(account::resend))
        .route("/password/forgot", get(account::forgot_page).post(account::forgot))
        .route("/password/reset/{token}", get(account::reset_page).post(account::reset))
        .route("/login/email/{token}", get(account::email_link_page).post(account::email_link))
        .route("/language", post(account::set_language))
        .route("/dashboard", get(orgs::dashboard))
        .route("/orgs", post(orgs::create))
        .route("/orgs/{org}", get(orgs::overview))
        .route("/orgs/{org}/members", post(orgs::set_member))
        .route("/orgs/{org}/mail", get(mail_settings::page))
        .route("/orgs/{org}/mail/reminders", post(mail_settings::save_reminders))
        .route("/orgs/{org}/mail/templates", post(mail_settings::save_template))
        .route("/orgs/{org}/mail/preview", get(mail_settings::preview))
        .route("/unsubscribe/{token}", get(unsubscribe::page).post(unsubscribe::choose))
        .route("/orgs/{org}/issuers/new", get(issuers::new_page).post(issuers::create))
        .route("/orgs/{org}/issuers/{issuer}", get(issuers::edit_page).post(issuers::update))
        .route("/orgs/{org}/issuers/{issuer}/rotate-key", post(issuers::rotate_key))
        .route("/orgs/{org}/issuers/{issuer}/logo", post(issuers::upload_logo))
        .route("/orgs/{org}/badges/new", get(badges::new_page).post(badges::create))
        .route("/orgs/{org}/badges/{badge}", get(badges::show))
        .route("/orgs/{org}/badges/{badge}/edit", get(badges::edit_page).post(badges::update))
        .route("/orgs/{org}/badges/{badge}/state", post(badges::set_state))
        .route("/orgs/{org}/badges/{badge}/awards", post(awards::create))
        .route("/orgs/{org}/badges/{badge}/bulk", post(bulk::upload))
        .route("/orgs/{org}/jobs/{job}", get(bulk::show))
        .route("/orgs/{org}/jobs/{job}/decide", post(bulk::decide))
        .route("/orgs/{org}/awards.csv", get(bulk::export))
        .route("/orgs/{org}/awards/{award}", get(awards::show))
        .route("/orgs/{org}/awards/{award}/status", post(awards::change_status))
        .route("/orgs/{org}/awards/{award}/revoke", get(awards::revoke_form))
        .route("/orgs/{org}/awards/{award}/undo-revoke", post(awards::undo_revocation))
        .route("/orgs/{org}/awards/{award}/renew", post(awards::renew))
        .route("/orgs/{org}/awards/{award}/resend", post(awards::resend))
        .route("/orgs/{org}/events", get(events::list))
        .route("/orgs/{org}/events/new", get(events::new_page).post(events::create))
        .route("/orgs/{org}/events/{event}", get(events::show))
        .route("/orgs/{org}/events/{event}/edit", get(events::edit_page).post(events::update))
        .route("/orgs/{org}/events/{event}/state", post(events::set_state))
        .route("/orgs/{org}/events/{event}/decide", post(events::decide))
        .route("/orgs/{org}/events/{event}/qr.png", get(events::qr_png))
        .route("/orgs/{org}/events/{event}/qr.svg", get(events::qr_svg))
        .route("/orgs/{org}/events/{event}/poster", get(events::poster))
        .route("/orgs/{org}/badges/{badge}/nominate", get(requests::nominate_page).post(requests::nominate))
        .route("/orgs/{org}/badges/{badge}/members", get(memberships::list))
        .route("/orgs/{org}/badges/{badge}/members/renew", post(memberships::renew_csv))
        .route("/orgs/{org}/requests", get(requests::queue))
        .route("/orgs/{org}/requests/{request}/approve", post(requests::approve))
        .route("/orgs/{org}/requests/{request}/decline", post(requests::decline))
        .route("/orgs/{org}/requests/{request}/file", get(requests::file))
        .route("/b/{badge}/request", get(requests::request_page).post(requests::request))
        .route("/e", get(events::enter))
        .route("/e/{code}", get(events::claim_page).post(events::claim))
        .route("/e/confirm/{token}", get(events::confirm_page).post(events::confirm))
        .route("/outbox", get(outbox::list_all))
        .route("/outbox/{message}", get(outbox::show_any))
        .route("/outbox/{message}/{file}", get(outbox::part_any))
        .route("/orgs/{org}/outbox", get(outbox::list_org))
        .route("/orgs/{org}/outbox/{message}", get(outbox::show_org))
        .route("/orgs/{org}/outbox/{message}/{file}", get(outbox::part_org))
        .route("/claim/{token}", get(claim::page).post(claim::accept))
        .route("/claim/{token}/new-link", post(claim::new_link))
        .route("/a/{award}", get(public::award_page))
        .route(
            "/a/{award}/mine",
            get(public::mine_page).post(public::mine_check),
        )
        .route("/a/{award}/credential.json", get(public::award_json))
        .route("/a/{award}/credential.jwt", get(public::award_jwt))
        .route("/a/{award}/badge.png", get(public::award_png))
        .route("/a/{award}/badge.svg", get(public::award_svg))
        .route("/a/{award}/share.png", get(share_images::award))
        .route("/b/{badge}", get(public::badge_page))
        .route("/b/{badge}/v/{version}", get(public::achievement))
        .route("/b/{badge}/v/{version}/{file}", get(public::badge_image))
        .route("/i/{slug}", get(public::issuer_page))
        .route("/i/{slug}/logo.png", get(public::issuer_logo))
        .route("/issuers/{slug}/did.json", get(public::did_document))
        .route("/issuers/{slug}/status/{purpose}", get(public::status_list))
        .route("/ob2/assertions/{award}", get(ob2::assertion))
        .route("/ob2/badges/{badge}/v/{version}", get(ob2::badge_class))
        .route("/ob2/issuers/{slug}", get(ob2::issuer))
        .route("/ob2/issuers/{slug}/keys/{key}", get(ob2::key))
        .route("/ob2/issuers/{slug}/revocations", get(ob2::revocations))
        .route("/endorse/{kind}/{id}", get(endorsements::form).post(endorsements::endorse))
        .route("/endorsements", get(endorsements::list))
        .route("/endorsements/{id}", get(endorsements::credential))
        .route("/endorsements/{id}/decide", post(endorsements::decide))
        .route("/users/{id}/did.json", get(endorsements::account_did))
        .route("/verify", get(verify::form).post(verify::submit))
        .route("/credentials/issue", post(vcapi::issue))
        .route("/credentials/verify", post(vcapi::verify_credential))
        .route("/presentations/verify", post(vcapi::verify_presentation))
        .route("/orgs/{org}/api-tokens", get(vcapi::list).post(vcapi::create))
        .route("/orgs/{org}/api-tokens/{id}/revoke", post(vcapi::revoke))
        .route("/backpack", get(backpack::list))
        .route("/backpack/import", post(backpack::import))
        .route("/backpack/export.zip", get(backpack::export_all))
        .route("/backpack/items/{id}", get(backpack::item_page))
        .route("/backpack/items/{id}/visibility", post(backpack::set_visibility))
        .route("/backpack/items/{id}/evidence", post(backpack::add_evidence))
        .route("/backpack/items/{id}/evidence/{evidence}/delete", post(backpack::delete_evidence))
        .route("/backpack/items/{id}/delete", post(backpack::delete_item))
        .route("/backpack/items/{id}/credential", get(backpack::export_credential))
        .route("/backpack/items/{id}/baked.png", get(backpack::export_baked))
        .route("/backpack/collections", get(backpack::collections_page).post(backpack::create_collection))
        .route("/backpack/collections/{id}", get(backpack::collection_page).post(backpack::save_collection))
        .route("/backpack/collections/{id}/delete", post(backpack::delete_collection))
        .route("/backpack/profile", get(backpack::profile_page).post(backpack::save_profile))
        .route("/backpack/profile/photo", post(backpack::upload_photo))
        .route("/backpack/delete-account", get(backpack::delete_account_page).post(backpack::delete_account))
        .route("/s/{id}", get(backpack::shared_item))
        .route("/s/{id}/print", get(backpack::shared_item_print))
        .route("/s/{id}/image.png", get(backpack::shared_item_image))
        .route("/s/{id}/share.png", get(share_images::item))
        .route("/c/{id}", get(backpack::shared_collection))
        .route("/c/{id}/share.png", get(share_images::collection))
        .route("/u/{handle}", get(backpack::profile_public))
        .route("/u/{handle}/photo.png", get(backpack::profile_photo))
        .route("/share/{kind}/{id}/{channel}", get(backpack::share))
        .route("/static/app.css", get(css))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), clean_input))
        .layer(middleware::from_fn_with_state(state.clone(), error_pages))
        .layer(middleware::from_fn_with_state(state.clone(), same_origin_posts))
        .layer(DefaultBodyLimit::max(12 * 1024 * 1024))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .with_state(state)
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// The visitor's language without touching the database (for error pages).
fn locale_of(request: &Request) -> Locale {
    let jar = CookieJar::from_headers(request.headers());
    jar.get(LANG_COOKIE)
        .and_then(|c| Locale::from_code(c.value()))
        .unwrap_or_else(|| {
            Locale::negotiate(
                request
                    .headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

/// Turns error responses into pages in the visitor's language, with the
/// signed-in header and a way back to where the person was: the page they
/// came from (the `Referer`, when it is this site), else their dashboard
/// (signed in) or the home page. Bare 4xx answers of the framework (a body
/// too large, a form that does not parse) become such pages too.
async fn error_pages(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let locale = locale_of(&request);
    let wants_json = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json") && !a.contains("text/html"));
    // Kept for the error path only (the visitor is looked up there).
    let headers = request.headers().clone();
    let here = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let page = match response.extensions().get::<ErrorPage>().cloned() {
        Some(page) => page,
        None => {
            // Only the framework's own bare answers (plain text or no body
            // type) become pages: HTML pages and the APIs' JSON bodies (the
            // VC-API's 400/422 with their errors) pass as they are.
            let passes_through = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| !c.starts_with("text/plain"));
            let title_key = match response.status() {
                StatusCode::PAYLOAD_TOO_LARGE => "error-too-large",
                StatusCode::BAD_REQUEST
                | StatusCode::UNPROCESSABLE_ENTITY
                | StatusCode::UNSUPPORTED_MEDIA_TYPE => "error-bad-request",
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => "error-not-found",
                _ => return response,
            };
            if passes_through {
                return response;
            }
            let detail = (title_key == "error-too-large")
                .then(|| state.catalog.text(locale, "error-too-large-detail", &[]));
            ErrorPage {
                title_key,
                detail,
                detail_key: None,
            }
        }
    };
    let status = response.status();
    let title = state.catalog.text(locale, page.title_key, &[]);
    let detail = page.detail.or_else(|| {
        page.detail_key
            .map(|key| state.catalog.text(locale, key, &[]))
    });
    if wants_json {
        let body = serde_json::json!({ "error": title, "detail": detail });
        return (status, axum::Json(body)).into_response();
    }
    let visitor = {
        let (mut parts, ()) = Request::new(()).into_parts();
        parts.headers = headers.clone();
        Visitor::from_request_parts(&mut parts, &state).await.ok()
    };
    let (user, csrf) = visitor.map_or((None, None), |v| (v.user, v.csrf));
    let came_from = same_site_referer(&headers, &state.config.base_url).filter(|p| *p != here);
    let (back, back_key) = match came_from {
        Some(path) => (path, "error-back"),
        None if user.is_some() => ("/dashboard".to_owned(), "error-dashboard"),
        None => ("/".to_owned(), "error-home"),
    };
    let context = minijinja::context! {
        title => title, detail => detail, status => status.as_u16(), user => user, csrf => csrf,
        back => back, back_text => state.catalog.text(locale, back_key, &[]), here => here,
    };
    match state.pages.render("error.html", locale, context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("rendering the error page: {e:#}");
            (status, title).into_response()
        }
    }
}

/// The path (and query) of the `Referer` when it is a page of this site.
pub(crate) fn same_site_referer(headers: &axum::http::HeaderMap, base_url: &str) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let origin = url.origin().ascii_serialization();
    if !same_origin(&origin, headers, base_url) {
        return None;
    }
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let safe = account::safe_path(Some(&path), "");
    (!safe.is_empty()).then(|| safe.to_owned())
}

/// Refuses state-changing requests sent by other sites (in addition to the
/// per-session CSRF token every form carries).
async fn same_origin_posts(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let headers = request.headers();
        if headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site == "cross-site")
        {
            return AppError::Forbidden.into_response();
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            if origin != "null" && !same_origin(origin, headers, &state.config.base_url) {
                return AppError::Forbidden.into_response();
            }
        }
    }
    next.run(request).await
}

/// Whether `origin` (an `Origin` header) is exactly this site: the base
/// URL's origin (scheme, host and port), or the base URL's scheme with the
/// request's `Host` (the server may be reached by another name). Compared
/// whole, never by prefix: `https://badges.acme.co` is not
/// `https://badges.acme.com`.
fn same_origin(origin: &str, headers: &axum::http::HeaderMap, base_url: &str) -> bool {
    let Ok(ours) = url::Url::parse(base_url) else {
        return false;
    };
    let Ok(theirs) = url::Url::parse(origin) else {
        return false;
    };
    if theirs.origin() == ours.origin() {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !host.is_empty() && origin == format!("{}://{host}", ours.scheme())
}

/// Refuses, with a 400 in the visitor's language, any request whose path,
/// query or URL-encoded form body carries a control character (NUL above
/// all): the database must never see one (`validate`). Multipart forms and
/// CSV files are checked where they are read.
async fn clean_input(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let locale = locale_of(&request);
    let refuse = || {
        AppError::BadRequest(state.catalog.text(locale, "error-control-characters", &[]))
            .into_response()
    };
    let uri = request.uri();
    if !crate::validate::path_is_clean(uri.path())
        || !uri
            .query()
            .is_none_or(|q| crate::validate::form_is_clean(q.as_bytes()))
    {
        return refuse();
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // Forms are small; the body limit of the router still applies.
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return AppError::TooLarge(state.catalog.text(locale, "error-too-large-detail", &[]))
            .into_response();
    };
    if !crate::validate::form_is_clean(&bytes) {
        return refuse();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The largest URL-encoded form body read (files go in multipart forms).
const FORM_LIMIT: usize = 1024 * 1024;

/// Renders a page.
pub(crate) fn page(
    state: &Shared,
    locale: Locale,
    name: &str,
    context: Value,
) -> Result<Response, AppError> {
    let html = state.pages.render(name, locale, context)?;
    Ok(Html(html).into_response())
}

/// A "see other" redirect after a successful form.
pub(crate) fn see_other(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Whether the client prefers JSON (machines) over HTML (people).
pub(crate) fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let html = accept.find("text/html");
    let json = accept.find("json");
    match (json, html) {
        (Some(_), None) => true,
        (Some(j), Some(h)) => j < h,
        _ => false,
    }
}

/// Whether a person's browser asked (HTML before any JSON type).
pub(crate) fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("text/html"), accept.find("json")) {
        (Some(_), None) => true,
        (Some(h), Some(j)) => h < j,
        _ => false,
    }
}

/// A JSON (or JSON-LD) response.
pub(crate) fn json_response(
    body: String,
    content_type: &'static str,
    cache: &'static str,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}
