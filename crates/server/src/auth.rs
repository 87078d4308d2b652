//! Who is asking: sessions (database-backed cookies), the client's address,
//! the visitor's language, CSRF tokens on every form, roles inside
//! organisations, password hashing.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use insignia_store::model::{Role, User};
use insignia_store::repo::{orgs, users};

use crate::error::AppError;
use crate::i18n::Locale;
use crate::state::Shared;

pub const SESSION_COOKIE: &str = "insignia_session";
pub const LANG_COOKIE: &str = "insignia_lang";
pub const SESSION_TTL: i64 = 14 * 24 * 3600;
/// A session's "last seen" time is written at most this often (seconds).
const TOUCH_EVERY: i64 = 300;

/// The address of the client behind a request: the connection's peer, or,
/// when `trusted_proxy_header` is set, the last address in that header (the
/// one the trusted proxy added). "unknown" when neither is available (an
/// application served without connection information).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

impl ClientIp {
    pub fn from_parts(parts: &Parts, state: &Shared) -> ClientIp {
        if let Some(name) = &state.config.trusted_proxy_header {
            // The proxy appends the address it saw: the last one is its word.
            let from_header = parts
                .headers
                .get_all(name.as_str())
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
            if let Some(ip) = from_header {
                return ClientIp(ip.to_string());
            }
        }
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(
                || ClientIp("unknown".into()),
                |info| ClientIp(info.0.ip().to_string()),
            )
    }
}

impl FromRequestParts<Shared> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp::from_parts(parts, state))
    }
}

/// The person behind a request: maybe signed in, always with a language.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub user: Option<User>,
    pub csrf: Option<String>,
    pub locale: Locale,
    /// The session cookie's token, when signed in.
    pub session: Option<String>,
}

impl FromRequestParts<Shared> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let mut user = None;
        let mut csrf = None;
        let mut token = None;
        if let Some(cookie) = jar.get(SESSION_COOKIE) {
            if let Some(session) = users::session(&state.store, cookie.value()).await? {
                user = users::by_id(&state.store, &session.user_id).await?;
                csrf = Some(session.csrf_token);
                token = Some(cookie.value().to_owned());
                let t = insignia_store::now();
                if session
                    .last_seen_at
                    .is_none_or(|seen| seen < t - TOUCH_EVERY)
                {
                    users::touch_session(&state.store, cookie.value(), t).await?;
                }
            }
        }
        let chosen = jar
            .get(LANG_COOKIE)
            .and_then(|c| Locale::from_code(c.value()))
            .or_else(|| {
                user.as_ref()
                    .and_then(|u| u.locale.as_deref())
                    .and_then(Locale::from_code)
            });
        let locale = chosen.unwrap_or_else(|| {
            Locale::negotiate(
                parts
                    .headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });
        Ok(Visitor {
            user,
            csrf,
            locale,
            session: token,
        })
    }
}

/// A signed-in visitor whose account can act (its address is confirmed);
/// anyone else is sent to the login page, an unconfirmed account to the
/// "check your inbox" page.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub csrf: String,
    pub locale: Locale,
    /// The session cookie's token (to end the account's other sessions).
    pub session: String,
}

impl FromRequestParts<Shared> for Member {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let account = Account::from_request_parts(parts, state).await?;
        if !account.0.user.email_verified {
            return Err(Redirect::to("/account/confirm").into_response());
        }
        Ok(account.0)
    }
}

/// A signed-in visitor, whether or not the account's address is confirmed
/// yet: for the pages an unconfirmed account may see (check your inbox,
/// password, sessions, sign out).
#[derive(Debug, Clone)]
pub struct Account(pub Member);

impl FromRequestParts<Shared> for Account {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match (visitor.user, visitor.csrf, visitor.session) {
            (Some(user), Some(csrf), Some(session)) => Ok(Account(Member {
                user,
                csrf,
                locale: visitor.locale,
                session,
            })),
            _ => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

impl Member {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        use subtle_eq::ct_eq;
        if ct_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The member's role in `org_id`, which must be at least `needed`.
    /// Not being a member at all looks like the organisation does not exist.
    pub async fn require(
        &self,
        state: &Shared,
        org_id: &str,
        needed: Role,
    ) -> Result<Role, AppError> {
        match orgs::role(&state.store, org_id, &self.user.id).await? {
            None => Err(AppError::NotFound),
            Some(role) if role >= needed => Ok(role),
            Some(_) => Err(AppError::Forbidden),
        }
    }
}

mod subtle_eq {
    /// Constant-time comparison (no early exit on the first differing byte).
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(SESSION_TTL))
        .build()
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

/// A hash of a password nobody has, made once per process with the same
/// parameters as real ones: a sign-in for an address without an account (or
/// an account without a password) is checked against it, so it costs the same
/// Argon2 work as one for a real account and takes as long.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut rand_core::OsRng);
        Argon2::default()
            .hash_password(insignia_store::token::random_id(16).as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}
