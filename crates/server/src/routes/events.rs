//! Events with claim codes: the organisation's pages (list, create, edit,
//! close, the approval queue, the QR code and the printable poster) and the
//! attendee's pages (`/e`: enter a code; `/e/{code}`: claim with an
//! address; `/e/confirm/{token}`: the e-mailed confirmation). The rules are
//! in `service::events`.
//!
//! The attendee is usually anonymous, so the forms are protected by a
//! double-submit token, as the claim page's: a random value in a
//! `SameSite=Strict`, HTTP-only cookie scoped to `/e`, repeated in the form.

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use insignia_store::model::{BadgeState, RequestState, Role};
use insignia_store::now;
use insignia_store::repo::badges;
use insignia_store::repo::events::{self as repo, Event};
use insignia_store::token::random_id;
use minijinja::{Value, context};
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::{ClientIp, Member, Visitor};
use crate::error::AppError;
use crate::service::events::{self as service, Claim, EventForm, Link, Lookup, Settled};
use crate::state::Shared;

const EVENT_COOKIE: &str = "insignia_event";

/// The event `event_id` of `org_id` (another organisation's is not found).
async fn owned(state: &Shared, org_id: &str, event_id: &str) -> Result<Event, AppError> {
    repo::get(&state.store, org_id, event_id)
        .await?
        .ok_or(AppError::NotFound)
}

fn t(state: &Shared, member: &Member, key: &str) -> String {
    state.catalog.text(member.locale, key, &[])
}

pub async fn list(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let events = repo::list(&state.store, &org_id).await?;
    page(
        &state,
        member.locale,
        "event_list.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, events => events,
            can_issue => role >= Role::Issuer,
        },
    )
}

async fn form_page(
    state: &Shared,
    member: &Member,
    org_id: &str,
    event: Option<&Event>,
    form: &EventForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let badges: Vec<_> = badges::list(&state.store, org_id)
        .await?
        .into_iter()
        .filter(|b| b.state == BadgeState::Active)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let html = state.pages.render(
        "event_form.html",
        member.locale,
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, event => event,
            form => form, badges => badges, errors => errors,
        },
    )?;
    Ok((status, Html(html)).into_response())
}

pub async fn new_page(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Issuer).await?;
    form_page(
        &state,
        &member,
        &org_id,
        None,
        &EventForm::default(),
        vec![],
    )
    .await
}

#[derive(Deserialize)]
pub struct EventPost {
    csrf: String,
    #[serde(flatten)]
    form: EventForm,
}

pub async fn create(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Form(post): Form<EventPost>,
) -> Result<Response, AppError> {
    member.check_csrf(&post.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let badge_ok = service::badge_usable(&state, &org_id, &post.form.badge_id).await?;
    match post.form.check(badge_ok) {
        Ok(fields) => {
            let id = service::create(&state, &org_id, &fields, &member.user).await?;
            Ok(see_other(&format!("/orgs/{org_id}/events/{id}")))
        }
        Err(keys) => {
            let errors = keys.iter().map(|k| t(&state, &member, k)).collect();
            form_page(&state, &member, &org_id, None, &post.form, errors).await
        }
    }
}

pub async fn edit_page(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Issuer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let form = EventForm::from_event(&event);
    form_page(&state, &member, &org_id, Some(&event), &form, vec![]).await
}

pub async fn update(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
    Form(post): Form<EventPost>,
) -> Result<Response, AppError> {
    member.check_csrf(&post.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let badge_ok = service::badge_usable(&state, &org_id, &post.form.badge_id).await?;
    match post.form.check(badge_ok) {
        Ok(fields) => {
            repo::update(&state.store, &org_id, &event.id, &fields).await?;
            Ok(see_other(&format!("/orgs/{org_id}/events/{}", event.id)))
        }
        Err(keys) => {
            let errors = keys.iter().map(|k| t(&state, &member, k)).collect();
            form_page(&state, &member, &org_id, Some(&event), &post.form, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    action: String,
}

pub async fn set_state(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let open = match form.action.as_str() {
        "open" => true,
        "close" => false,
        _ => {
            return Err(AppError::BadRequest(t(
                &state,
                &member,
                "event-error-action",
            )));
        }
    };
    repo::set_state(&state.store, &org_id, &event.id, open).await?;
    Ok(see_other(&format!("/orgs/{org_id}/events/{}", event.id)))
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    accepted: Option<usize>,
    #[serde(default)]
    declined: Option<usize>,
    #[serde(default)]
    full: Option<usize>,
}

pub async fn show(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let (badge_name, image_url) = service::badge_face(&state, &event).await?;
    let pending = repo::requests(&state.store, &event.id, Some(RequestState::Pending), 500).await?;
    let all = repo::requests(&state.store, &event.id, None, 1_000).await?;
    let decided: Vec<_> = all
        .into_iter()
        .filter(|r| r.state != RequestState::Pending)
        .collect();
    page(
        &state,
        member.locale,
        "event_admin.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, event => event,
            badge_name => badge_name, image_url => image_url, claim_url => service::claim_url(&state, &event),
            code => service::display_code(&event.code), pending => pending, requests => decided,
            can_issue => role >= Role::Issuer, refusal => service::refusal(&event, now()).map(|r| r.key()),
            accepted => query.accepted, declined => query.declined, full => query.full,
        },
    )
}

/// Accepts or declines the checked requests of the approval queue.
pub async fn decide(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut csrf = String::new();
    let mut action = String::new();
    let mut ids = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "action" => action = v.into_owned(),
            "request" => ids.push(v.into_owned()),
            _ => {}
        }
    }
    member.check_csrf(&csrf)?;
    member.require(&state, &org_id, Role::Issuer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let accept = match action.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(AppError::BadRequest(t(
                &state,
                &member,
                "event-error-action",
            )));
        }
    };
    if ids.is_empty() {
        return Err(AppError::BadRequest(t(
            &state,
            &member,
            "event-error-none-checked",
        )));
    }
    let d = service::decide(&state, &event, &ids, accept, &member.user).await?;
    Ok(see_other(&format!(
        "/orgs/{org_id}/events/{}?accepted={}&declined={}&full={}#queue",
        event.id, d.accepted, d.declined, d.full
    )))
}

pub async fn qr_png(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Viewer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let png = service::qr_png(&service::claim_url(&state, &event), 16)?;
    Ok(download(
        png,
        "image/png",
        &format!("event-{}-qr.png", event.code),
    ))
}

pub async fn qr_svg(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Viewer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let svg = service::qr_svg(&service::claim_url(&state, &event))?;
    Ok(download(
        svg.into_bytes(),
        "image/svg+xml",
        &format!("event-{}-qr.svg", event.code),
    ))
}

fn download(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn poster(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, event_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Viewer).await?;
    let event = owned(&state, &org_id, &event_id).await?;
    let (badge_name, image_url) = service::badge_face(&state, &event).await?;
    let base = &state.config.base_url;
    let short = base
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    page(
        &state,
        member.locale,
        "event_poster.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, event => event,
            badge_name => badge_name, image_url => image_url,
            enter_url => format!("{short}/e"), code => service::display_code(&event.code),
            qr_path => format!("/orgs/{org_id}/events/{}/qr.svg", event.id),
        },
    )
}

// ---- The attendee's pages ----

/// The form token of this browser (set again on every page).
fn form_token(jar: &CookieJar) -> String {
    jar.get(EVENT_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 20 && v.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| random_id(24))
}

fn token_cookie(state: &Shared, token: &str) -> Cookie<'static> {
    Cookie::build((EVENT_COOKIE, token.to_owned()))
        .path("/e")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(12))
        .build()
}

fn token_ok(jar: &CookieJar, posted: &str) -> bool {
    jar.get(EVENT_COOKIE).is_some_and(|c| {
        let c = c.value();
        !c.is_empty()
            && c.len() == posted.len()
            && c.bytes()
                .zip(posted.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0
    })
}

/// Renders an attendee page with the form token's cookie.
fn attendee_page(
    state: &Shared,
    visitor: &Visitor,
    jar: CookieJar,
    status: StatusCode,
    name: &str,
    ctx: Value,
) -> Result<Response, AppError> {
    let token = form_token(&jar);
    let ctx = context! { form_token => token, user => visitor.user, csrf => visitor.csrf, ..ctx };
    let html = state.pages.render(name, visitor.locale, ctx)?;
    Ok((status, jar.add(token_cookie(state, &token)), Html(html)).into_response())
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    #[serde(default)]
    code: Option<String>,
}

/// "Enter your code": a GET form, so it works from a bookmark or a poster.
pub async fn enter(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    jar: CookieJar,
    Query(query): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let typed = query.code.unwrap_or_default();
    if typed.trim().is_empty() {
        return attendee_page(
            &state,
            &visitor,
            jar,
            StatusCode::OK,
            "event_enter.html",
            context! { typed => "", problem => Value::UNDEFINED },
        );
    }
    let (status, problem) = match service::lookup(&state, &client, &typed).await? {
        Lookup::Found(event) => return Ok(see_other(&format!("/e/{}", event.code))),
        Lookup::Unknown => (StatusCode::NOT_FOUND, "event-code-unknown"),
        Lookup::Limited => (StatusCode::TOO_MANY_REQUESTS, "event-code-limited"),
    };
    attendee_page(
        &state,
        &visitor,
        jar,
        status,
        "event_enter.html",
        context! { typed => typed, problem => problem },
    )
}

async fn claim_context(state: &Shared, event: &Event) -> Result<Value, AppError> {
    let (badge_name, image_url) = service::badge_face(state, event).await?;
    Ok(context! {
        event => event, badge_name => badge_name, image_url => image_url,
        refusal => service::refusal(event, now()).map(|r| r.key()),
    })
}

/// The event's claim page (the QR code's URL).
pub async fn claim_page(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    jar: CookieJar,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let event = match service::lookup(&state, &client, &code).await? {
        Lookup::Found(event) => event,
        Lookup::Unknown => {
            return attendee_page(
                &state,
                &visitor,
                jar,
                StatusCode::NOT_FOUND,
                "event_enter.html",
                context! { typed => code, problem => "event-code-unknown" },
            );
        }
        Lookup::Limited => {
            return attendee_page(
                &state,
                &visitor,
                jar,
                StatusCode::TOO_MANY_REQUESTS,
                "event_enter.html",
                context! { typed => code, problem => "event-code-limited" },
            );
        }
    };
    let ctx = claim_context(&state, &event).await?;
    let ctx = context! { outcome => Value::UNDEFINED, name => "", email => "", ..ctx };
    attendee_page(
        &state,
        &visitor,
        jar,
        StatusCode::OK,
        "event_claim.html",
        ctx,
    )
}

#[derive(Deserialize)]
pub struct ClaimForm {
    form_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

pub async fn claim(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    if !token_ok(&jar, &form.form_token) {
        return Err(AppError::Forbidden);
    }
    let event = match service::lookup(&state, &client, &code).await? {
        Lookup::Found(event) => event,
        Lookup::Unknown => return Err(AppError::NotFound),
        Lookup::Limited => return Err(AppError::TooManyRequests),
    };
    let ctx = claim_context(&state, &event).await?;
    let name = form.name.trim();
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push(
            state
                .catalog
                .text(visitor.locale, "event-error-your-name", &[]),
        );
    }
    if !crate::validate::email_ok(&form.email) {
        problems.push(state.catalog.text(visitor.locale, "error-email", &[]));
    }
    if !problems.is_empty() {
        let ctx = context! {
            outcome => Value::UNDEFINED, errors => problems, name => name, email => form.email, ..ctx
        };
        return attendee_page(
            &state,
            &visitor,
            jar,
            StatusCode::BAD_REQUEST,
            "event_claim.html",
            ctx,
        );
    }
    let outcome = service::claim(
        &state,
        &client,
        &event,
        name,
        &form.email,
        visitor.locale,
        visitor.user.as_ref(),
    )
    .await?;
    let (status, key, award_id): (StatusCode, &str, Option<String>) = match outcome {
        Claim::CheckInbox => (StatusCode::OK, "check-inbox", None),
        Claim::Awarded(id) => {
            if let Some(user) = &visitor.user {
                crate::service::backpack::sync_awards(&state, user).await?;
            }
            (StatusCode::OK, "awarded", Some(id))
        }
        Claim::Pending => (StatusCode::OK, "pending", None),
        Claim::AlreadyAwarded => (StatusCode::OK, "already", None),
        Claim::Declined => (StatusCode::OK, "declined", None),
        Claim::Refused(why) => (StatusCode::CONFLICT, why.key(), None),
        Claim::Limited => (StatusCode::TOO_MANY_REQUESTS, "limited", None),
        Claim::AddressLimited => (StatusCode::TOO_MANY_REQUESTS, "address-limited", None),
    };
    let ctx = context! {
        outcome => key, award_id => award_id, email => form.email.trim().to_lowercase(), name => name, ..ctx
    };
    attendee_page(&state, &visitor, jar, status, "event_claim.html", ctx)
}

fn invalid_link(state: &Shared, visitor: &Visitor) -> AppError {
    AppError::NotFoundWith(
        "event-link-invalid-title",
        state
            .catalog
            .text(visitor.locale, "event-link-invalid-lead", &[]),
    )
}

fn token_shape_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 64 && token.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The confirmation link's page: the event and a button (a link opened by
/// a mail scanner confirms nothing).
pub async fn confirm_page(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !token_shape_ok(&token) {
        return Err(invalid_link(&state, &visitor));
    }
    let (request, event) = match service::link(&state, &token).await? {
        Link::Valid(r, e) => (r, e),
        Link::Expired => {
            return Err(AppError::NotFoundWith(
                "event-link-expired-title",
                state
                    .catalog
                    .text(visitor.locale, "event-link-expired-lead", &[]),
            ));
        }
        Link::Unknown => return Err(invalid_link(&state, &visitor)),
    };
    let ctx = claim_context(&state, &event).await?;
    let ctx = context! { request => request, token => token, outcome => Value::UNDEFINED, ..ctx };
    attendee_page(
        &state,
        &visitor,
        jar,
        StatusCode::OK,
        "event_confirm.html",
        ctx,
    )
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    form_token: String,
}

pub async fn confirm(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    if !token_ok(&jar, &form.form_token) {
        return Err(AppError::Forbidden);
    }
    if !token_shape_ok(&token) {
        return Err(invalid_link(&state, &visitor));
    }
    let (request, event) = match service::link(&state, &token).await? {
        Link::Valid(r, e) => (r, e),
        Link::Expired => return Err(invalid_link(&state, &visitor)),
        Link::Unknown => return Err(invalid_link(&state, &visitor)),
    };
    let settled = service::confirm(&state, &request, &event, visitor.user.as_ref()).await?;
    let (status, outcome, award_id) = match settled {
        Settled::Awarded(id) => {
            if let Some(user) = &visitor.user {
                crate::service::backpack::sync_awards(&state, user).await?;
            }
            (StatusCode::OK, "awarded".to_owned(), Some(id))
        }
        Settled::Pending => (StatusCode::OK, "pending".to_owned(), None),
        Settled::Refused(why) => (StatusCode::CONFLICT, why.key().to_owned(), None),
        Settled::Already(r) => {
            let key = match r.state {
                RequestState::Awarded => "already",
                RequestState::Declined => "declined",
                RequestState::Pending | RequestState::Unconfirmed => "pending",
            };
            (StatusCode::OK, key.to_owned(), r.award_id.clone())
        }
    };
    let current = repo::request(&state.store, &request.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = claim_context(&state, &event).await?;
    let ctx = context! {
        request => current, token => token, outcome => outcome, award_id => award_id, ..ctx
    };
    attendee_page(&state, &visitor, jar, status, "event_confirm.html", ctx)
}
