//! Signing up, in and out; one-time login links; password; language.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use insignia_store::StoreError;
use insignia_store::repo::users;
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::{
    self, FAILED_LOGIN_WINDOW, LANG_COOKIE, MAX_FAILED_LOGINS, Member, SESSION_COOKIE, SESSION_TTL,
    Visitor,
};
use crate::error::AppError;
use crate::i18n::Locale;
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

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/dashboard",
    }
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

fn client_subject(headers: &HeaderMap) -> String {
    // Behind a proxy the first X-Forwarded-For hop names the client.
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned());
    format!("client:{}", forwarded.unwrap_or_else(|| "direct".into()))
}

pub async fn login(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_lowercase();
    let subject = format!("email:{email}");
    if users::failed_logins(&state.store, &subject, FAILED_LOGIN_WINDOW).await? >= MAX_FAILED_LOGINS
    {
        return Err(AppError::TooManyRequests);
    }
    let user = users::by_email(&state.store, &email).await?;
    let ok = match &user {
        Some(u) => {
            let hash = u.password_hash.clone();
            let password = form.password.clone();
            // Argon2 is deliberately slow: keep it off the async threads.
            tokio::task::spawn_blocking(move || {
                hash.is_some_and(|h| auth::password_matches(&password, &h))
            })
            .await
            .unwrap_or(false)
        }
        None => false,
    };
    let Some(user) = user.filter(|_| ok) else {
        users::record_failed_login(&state.store, &subject, FAILED_LOGIN_WINDOW).await?;
        users::record_failed_login(&state.store, &client_subject(&headers), FAILED_LOGIN_WINDOW)
            .await?;
        let error = state.catalog.text(visitor.locale, "login-failed", &[]);
        let mut response = page(
            &state,
            visitor.locale,
            "login.html",
            context! {
                user => Option::<()>::None, next => safe_next(form.next.as_deref()), error => error, email => email
            },
        )?;
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    };
    let (token, _csrf) = users::create_session(&state.store, &user.id, SESSION_TTL).await?;
    let jar = jar.add(auth::session_cookie(token, state.config.secure_cookies()));
    Ok((jar, see_other(safe_next(form.next.as_deref()))).into_response())
}

pub async fn login_link(
    State(state): State<Shared>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(user_id) = users::consume_login_link(&state.store, &token).await? else {
        return Err(AppError::NotFound);
    };
    let (session, _csrf) = users::create_session(&state.store, &user_id, SESSION_TTL).await?;
    let jar = jar.add(auth::session_cookie(session, state.config.secure_cookies()));
    let user = users::by_id(&state.store, &user_id).await?;
    let target = if user.is_some_and(|u| u.password_hash.is_none()) {
        "/account/password"
    } else {
        "/dashboard"
    };
    Ok((jar, see_other(target)).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<Shared>,
    member: Member,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        users::delete_session(&state.store, cookie.value()).await?;
    }
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

pub const MIN_PASSWORD: usize = 10;

fn plausible_email(email: &str) -> bool {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    }
}

pub(crate) fn email_ok(email: &str) -> bool {
    plausible_email(email)
}

pub async fn signup(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let mut errors = Vec::new();
    let l = visitor.locale;
    if form.name.trim().is_empty() {
        errors.push(state.catalog.text(l, "signup-error-name", &[]));
    }
    if !plausible_email(&form.email) {
        errors.push(state.catalog.text(l, "error-email", &[]));
    }
    if form.password.chars().count() < MIN_PASSWORD {
        errors.push(state.catalog.text(
            l,
            "password-too-short",
            &[("min", (MIN_PASSWORD as i64).into())],
        ));
    }
    if errors.is_empty() {
        let password = form.password.clone();
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        match users::create(&state.store, &form.email, &form.name, Some(&hash), false).await {
            Ok(user) => {
                let (token, _) = users::create_session(&state.store, &user.id, SESSION_TTL).await?;
                let jar = jar.add(auth::session_cookie(token, state.config.secure_cookies()));
                return Ok((jar, see_other("/dashboard")).into_response());
            }
            Err(StoreError::Conflict(_)) => {
                errors.push(state.catalog.text(l, "signup-error-taken", &[]))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut response = page(
        &state,
        l,
        "signup.html",
        context! {
            user => Option::<()>::None, errors => errors, name => form.name, email => form.email
        },
    )?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

pub async fn password_page(
    State(state): State<Shared>,
    member: Member,
) -> Result<Response, AppError> {
    page(
        &state,
        member.locale,
        "password.html",
        context! {
            user => member.user, csrf => member.csrf, error => Option::<String>::None
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    password: String,
}

pub async fn set_password(
    State(state): State<Shared>,
    member: Member,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if form.password.chars().count() < MIN_PASSWORD {
        let error = state.catalog.text(
            member.locale,
            "password-too-short",
            &[("min", (MIN_PASSWORD as i64).into())],
        );
        let mut response = page(
            &state,
            member.locale,
            "password.html",
            context! {
                user => member.user, csrf => member.csrf, error => error
            },
        )?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let password = form.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    users::set_password(&state.store, &member.user.id, &hash).await?;
    Ok(see_other("/dashboard"))
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
    let back = match form.back.as_deref() {
        Some(b) if b.starts_with('/') && !b.starts_with("//") => b.to_owned(),
        _ => "/".to_owned(),
    };
    Ok((jar.add(cookie), see_other(&back)).into_response())
}
