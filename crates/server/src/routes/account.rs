//! Signing up (with a confirmed address), in and out; one-time and e-mailed
//! sign-in links; forgotten and changed passwords; the account's sessions;
//! language. The behaviour is in `service::accounts`; these handlers parse,
//! call and render.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use insignia_store::StoreError;
use insignia_store::repo::users::{self, TokenPurpose};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::{self, Account, ClientIp, LANG_COOKIE, SESSION_COOKIE, SESSION_TTL, Visitor};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::accounts::{self, MIN_PASSWORD, MailRequest, PasswordChange, SignIn};
use crate::state::Shared;

pub async fn home(State(state): State<Shared>, visitor: Visitor) -> Result<Response, AppError> {
    if visitor.user.is_some() {
        return Ok(see_other("/dashboard"));
    }
    page(
        &state,
        visitor.locale,
        "home.html",
        context! { user => visitor.user, csrf => visitor.csrf },
    )
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// A path on this site to go to after a form, or `default`: only local paths
/// (no `//host`, no backslash, which browsers read as a slash, no control
/// characters or spaces, which browsers drop), so no open redirect.
pub(crate) fn safe_path<'a>(next: Option<&'a str>, default: &'a str) -> &'a str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n
        }
        _ => default,
    }
}

fn safe_next(next: Option<&str>) -> &str {
    safe_path(next, "/dashboard")
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// Opens a session for `user_id` and sends the browser to `to`.
async fn signed_in(
    state: &Shared,
    jar: CookieJar,
    headers: &HeaderMap,
    user_id: &str,
    to: &str,
) -> Result<Response, AppError> {
    let (token, _csrf) =
        users::create_session_with(&state.store, user_id, SESSION_TTL, user_agent(headers)).await?;
    let jar = jar.add(auth::session_cookie(token, state.config.secure_cookies()));
    Ok((jar, see_other(to)).into_response())
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

pub async fn login_page(
    State(state): State<Shared>,
    visitor: Visitor,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    page(
        &state,
        visitor.locale,
        "login.html",
        context! {
            user => visitor.user, csrf => visitor.csrf, next => safe_next(q.next.as_deref()), error => Option::<String>::None, email => ""
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// The "wait and try again" message of a throttled attempt.
fn wait_message(state: &Shared, locale: Locale, seconds: i64) -> String {
    state
        .catalog
        .text(locale, "login-throttled", &[("seconds", seconds.into())])
}

pub async fn login(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_lowercase();
    let (error, status) = match accounts::sign_in(&state, &client, &email, &form.password).await? {
        SignIn::Ok(user) => {
            return signed_in(
                &state,
                jar,
                &headers,
                &user.id,
                safe_next(form.next.as_deref()),
            )
            .await;
        }
        SignIn::Wrong => (
            state.catalog.text(visitor.locale, "login-failed", &[]),
            StatusCode::UNAUTHORIZED,
        ),
        SignIn::Throttled(wait) => (
            wait_message(&state, visitor.locale, wait),
            StatusCode::TOO_MANY_REQUESTS,
        ),
    };
    let response = page(
        &state,
        visitor.locale,
        "login.html",
        context! {
            user => Option::<()>::None, next => safe_next(form.next.as_deref()), error => error, email => email
        },
    )?;
    Ok(with_status(response, status))
}

/// The first-run administrator's one-time link.
pub async fn login_link(
    State(state): State<Shared>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(user_id) = users::consume_login_link(&state.store, &token).await? else {
        return Err(AppError::NotFound);
    };
    let user = users::by_id(&state.store, &user_id).await?;
    let target = if user.is_some_and(|u| u.password_hash.is_none()) {
        "/account/password"
    } else {
        "/dashboard"
    };
    signed_in(&state, jar, &headers, &user_id, target).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<Shared>,
    Account(member): Account,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    users::delete_session(&state.store, &member.session).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, see_other("/")).into_response())
}

pub async fn signup_page(
    State(state): State<Shared>,
    visitor: Visitor,
) -> Result<Response, AppError> {
    page(
        &state,
        visitor.locale,
        "signup.html",
        context! {
            user => visitor.user, csrf => visitor.csrf, errors => Vec::<String>::new(), name => "", email => ""
        },
    )
}

#[derive(Deserialize)]
pub struct SignupForm {
    name: String,
    email: String,
    password: String,
}

/// The message of a refused new password.
fn password_error(state: &Shared, locale: Locale, problem: &PasswordChange) -> String {
    match problem {
        PasswordChange::TooLong => state.catalog.text(
            locale,
            "password-too-long",
            &[("max", (accounts::MAX_PASSWORD as i64).into())],
        ),
        PasswordChange::WrongCurrent => state.catalog.text(locale, "password-wrong-current", &[]),
        PasswordChange::Throttled(wait) => wait_message(state, locale, *wait),
        _ => state.catalog.text(
            locale,
            "password-too-short",
            &[("min", (MIN_PASSWORD as i64).into())],
        ),
    }
}

/// The "check your inbox" page (`kind`: "confirm" or "reset").
fn inbox_page(
    state: &Shared,
    locale: Locale,
    user: Option<&insignia_store::model::User>,
    kind: &str,
    email: &str,
    outcome: &MailRequest,
    resent: bool,
) -> Result<Response, AppError> {
    let (error, status) = match outcome {
        MailRequest::CheckInbox => (None, StatusCode::OK),
        MailRequest::ClientLimit => (
            Some(state.catalog.text(locale, "mail-limit-client", &[])),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        MailRequest::AddressLimit => (
            Some(state.catalog.text(locale, "mail-limit-address", &[])),
            StatusCode::TOO_MANY_REQUESTS,
        ),
    };
    let notice =
        (resent && error.is_none()).then(|| state.catalog.text(locale, "inbox-resent", &[]));
    let response = page(
        state,
        locale,
        "check_inbox.html",
        context! { user => user, kind => kind, email => email, error => error, notice => notice },
    )?;
    Ok(with_status(response, status))
}

pub async fn signup(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let mut errors = Vec::new();
    let l = visitor.locale;
    if form.name.trim().is_empty() {
        errors.push(state.catalog.text(l, "signup-error-name", &[]));
    }
    if !crate::validate::email_ok(&form.email) {
        errors.push(state.catalog.text(l, "error-email", &[]));
    }
    if let Some(problem) = accounts::password_problem(&form.password) {
        errors.push(password_error(&state, l, &problem));
    }
    if errors.is_empty() {
        let email = form.email.trim().to_lowercase();
        let outcome =
            accounts::sign_up(&state, &client, &form.name, &email, &form.password, l).await?;
        if outcome == MailRequest::ClientLimit {
            errors.push(state.catalog.text(l, "signup-limit", &[]));
            let response = page(
                &state,
                l,
                "signup.html",
                context! { user => Option::<()>::None, errors => errors, name => form.name, email => form.email },
            )?;
            return Ok(with_status(response, StatusCode::TOO_MANY_REQUESTS));
        }
        return inbox_page(&state, l, None, "confirm", &email, &outcome, false);
    }
    let response = page(
        &state,
        l,
        "signup.html",
        context! {
            user => Option::<()>::None, errors => errors, name => form.name, email => form.email
        },
    )?;
    Ok(with_status(response, StatusCode::UNPROCESSABLE_ENTITY))
}

/// Where a signed-in account whose address is not confirmed yet is sent.
pub async fn confirm_pending(
    State(state): State<Shared>,
    Account(member): Account,
) -> Result<Response, AppError> {
    if member.user.email_verified {
        return Ok(see_other("/dashboard"));
    }
    let response = page(
        &state,
        member.locale,
        "check_inbox.html",
        context! { user => member.user, csrf => member.csrf, kind => "confirm", email => member.user.email },
    )?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
}

/// "Send the link again".
pub async fn resend(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_lowercase();
    if !crate::validate::email_ok(&email) {
        return Err(AppError::BadRequest(state.catalog.text(
            visitor.locale,
            "error-email",
            &[],
        )));
    }
    let outcome = accounts::resend_confirmation(&state, &client, &email, visitor.locale).await?;
    inbox_page(
        &state,
        visitor.locale,
        visitor.user.as_ref(),
        "confirm",
        &email,
        &outcome,
        true,
    )
}

/// The link in the confirmation e-mail: the address is confirmed and this
/// browser signed in.
pub async fn confirm(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match users::confirm_email(&state.store, &token).await? {
        Some(found) => {
            if visitor.user.is_some_and(|u| u.id == found.user_id) {
                return Ok(see_other("/dashboard"));
            }
            signed_in(&state, jar, &headers, &found.user_id, "/dashboard").await
        }
        // Sign in (with the password) to be offered a new link.
        None => gone_page(&state, visitor.locale, "email_link.html"),
    }
}

/// A used or expired link: 410 with what to do.
fn gone_page(state: &Shared, locale: Locale, template: &str) -> Result<Response, AppError> {
    let response = page(
        state,
        locale,
        template,
        context! { user => Option::<()>::None, gone => true },
    )?;
    Ok(with_status(response, StatusCode::GONE))
}

pub async fn forgot_page(
    State(state): State<Shared>,
    visitor: Visitor,
) -> Result<Response, AppError> {
    page(
        &state,
        visitor.locale,
        "forgot.html",
        context! { user => visitor.user, csrf => visitor.csrf, email => "", error => Option::<String>::None },
    )
}

pub async fn forgot(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_lowercase();
    if !crate::validate::email_ok(&email) {
        let error = state.catalog.text(visitor.locale, "error-email", &[]);
        let response = page(
            &state,
            visitor.locale,
            "forgot.html",
            context! { user => visitor.user, csrf => visitor.csrf, email => form.email, error => error },
        )?;
        return Ok(with_status(response, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let outcome = accounts::request_password_reset(&state, &client, &email, visitor.locale).await?;
    inbox_page(
        &state,
        visitor.locale,
        visitor.user.as_ref(),
        "reset",
        &email,
        &outcome,
        false,
    )
}

pub async fn reset_page(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if users::account_token(&state.store, &token, TokenPurpose::PasswordReset)
        .await?
        .is_none()
    {
        return gone_page(&state, visitor.locale, "reset.html");
    }
    page(
        &state,
        visitor.locale,
        "reset.html",
        context! { user => Option::<()>::None, token => token, error => Option::<String>::None },
    )
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    password: String,
}

pub async fn reset(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    match accounts::reset_password(&state, &token, &form.password).await? {
        Ok(Some(user_id)) => {
            // Every session ended; this browser starts a new one.
            let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
            signed_in(&state, jar, &headers, &user_id, "/dashboard").await
        }
        Ok(None) => gone_page(&state, visitor.locale, "reset.html"),
        Err(problem) => {
            let error = password_error(&state, visitor.locale, &problem);
            let response = page(
                &state,
                visitor.locale,
                "reset.html",
                context! { user => Option::<()>::None, token => token, error => error },
            )?;
            Ok(with_status(response, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

/// The sign-in link of an e-mail: a page with a button (opening a link must
/// not use it up: mail scanners open links).
pub async fn email_link_page(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if users::account_token(&state.store, &token, TokenPurpose::SignInLink)
        .await?
        .is_none()
    {
        return gone_page(&state, visitor.locale, "email_link.html");
    }
    page(
        &state,
        visitor.locale,
        "email_link.html",
        context! { user => Option::<()>::None, token => token },
    )
}

pub async fn email_link(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match users::use_sign_in_link(&state.store, &token).await? {
        Some(found) => signed_in(&state, jar, &headers, &found.user_id, "/dashboard").await,
        None => gone_page(&state, visitor.locale, "email_link.html"),
    }
}

/// Whether the account is the first-run administrator choosing their
/// address and password (signed in by the one-time link; no password yet).
fn first_run(user: &insignia_store::model::User) -> (bool, bool) {
    let first = user.password_hash.is_none();
    (first, first && !user.email_verified)
}

pub async fn password_page(
    State(state): State<Shared>,
    Account(member): Account,
) -> Result<Response, AppError> {
    let (first, choose_email) = first_run(&member.user);
    page(
        &state,
        member.locale,
        "password.html",
        context! {
            user => member.user, csrf => member.csrf, error => Option::<String>::None,
            first_run => first, choose_email => choose_email, email => ""
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    password: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    email: String,
    /// The new password typed again (the page's form always sends it).
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn set_password(
    State(state): State<Shared>,
    Account(member): Account,
    client: ClientIp,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    let l = member.locale;
    let (first, choose_email) = first_run(&member.user);
    let refuse = |error: String, status: StatusCode| -> Result<Response, AppError> {
        let response = page(
            &state,
            l,
            "password.html",
            context! {
                user => member.user.clone(), csrf => member.csrf.clone(), error => error,
                first_run => first, choose_email => choose_email, email => form.email.clone()
            },
        )?;
        Ok(with_status(response, status))
    };
    if form.confirm.as_ref().is_some_and(|c| *c != form.password) {
        return refuse(
            state.catalog.text(l, "password-mismatch", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if choose_email {
        if !crate::validate::email_ok(&form.email) {
            return refuse(
                state.catalog.text(l, "error-email", &[]),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        if let Some(problem) = accounts::password_problem(&form.password) {
            return refuse(
                password_error(&state, l, &problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        match users::replace_email_verified(&state.store, &member.user.id, &form.email).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return refuse(
                    state.catalog.text(l, "password-email-taken", &[]),
                    StatusCode::CONFLICT,
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let outcome = accounts::change_password(
        &state,
        &client,
        &member.user,
        &member.session,
        &form.current,
        &form.password,
    )
    .await?;
    match outcome {
        PasswordChange::Done => Ok(see_other(if first { "/dashboard" } else { "/account" })),
        PasswordChange::Throttled(_) => refuse(
            password_error(&state, l, &outcome),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        PasswordChange::WrongCurrent => {
            refuse(password_error(&state, l, &outcome), StatusCode::FORBIDDEN)
        }
        _ => refuse(
            password_error(&state, l, &outcome),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

/// The account page: who, and the open sessions.
pub async fn account_page(
    State(state): State<Shared>,
    Account(member): Account,
) -> Result<Response, AppError> {
    let current = insignia_store::token::token_hash(&member.session);
    let sessions: Vec<minijinja::Value> = users::sessions_of(&state.store, &member.user.id)
        .await?
        .into_iter()
        .map(|s| {
            context! {
                created_at => s.created_at, last_seen_at => s.last_seen_at,
                user_agent => s.user_agent, current => s.token_hash == current,
            }
        })
        .collect();
    page(
        &state,
        member.locale,
        "account.html",
        context! { user => member.user, csrf => member.csrf, sessions => sessions, notice => Option::<String>::None },
    )
}

#[derive(Deserialize)]
pub struct SessionsForm {
    csrf: String,
    scope: String,
}

/// "Sign out everywhere else" / "Sign out everywhere".
pub async fn end_sessions(
    State(state): State<Shared>,
    Account(member): Account,
    jar: CookieJar,
    Form(form): Form<SessionsForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    match form.scope.as_str() {
        "others" => {
            users::end_sessions(&state.store, &member.user.id, Some(&member.session)).await?;
            Ok(see_other("/account"))
        }
        "all" => {
            users::end_sessions(&state.store, &member.user.id, None).await?;
            let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
            Ok((jar, see_other("/login")).into_response())
        }
        _ => Err(AppError::BadRequest(state.catalog.text(
            member.locale,
            "error-bad-request",
            &[],
        ))),
    }
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    back: Option<String>,
}

/// Remembers a language choice in a cookie (and on the account if signed in).
pub async fn set_language(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let locale = Locale::from_code(&form.lang).ok_or(AppError::NotFound)?;
    if let Some(user) = &visitor.user {
        users::set_locale(&state.store, &user.id, locale.code()).await?;
    }
    let cookie = Cookie::build((LANG_COOKIE, locale.code()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(axum_extra::extract::cookie::SameSite::Lax)
        .build();
    // Back to the same page: the one the form names, else (pages that do
    // not name themselves) the page the switch was pressed on.
    let back = match safe_path(form.back.as_deref(), "/") {
        "/" => super::same_site_referer(&headers, &state.config.base_url)
            .unwrap_or_else(|| "/".to_owned()),
        named => named.to_owned(),
    };
    Ok((jar.add(cookie), see_other(&back)).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_path(Some("/orgs/x?tab=1"), "/"), "/orgs/x?tab=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "/\t/evil.example",
            "/ /evil",
            "evil",
        ] {
            assert_eq!(safe_path(Some(bad), "/"), "/", "{bad:?}");
        }
        assert_eq!(safe_path(None, "/dashboard"), "/dashboard");
    }
}
