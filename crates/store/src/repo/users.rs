//! Users, sessions, one-time login links and login attempts.

use crate::model::{Session, User};
use crate::token::{random_id, token_hash};
use crate::{Store, StoreError, now, on_db};

const USER_COLUMNS: &str = "id, email, name, password_hash, is_admin, locale, created_at";

pub async fn count(store: &Store) -> Result<i64, StoreError> {
    let n: i64 = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users"
    )
    .fetch_one(pool)
    .await?);
    Ok(n)
}

/// Creates a user; the e-mail is stored lower-cased. Fails with
/// [`StoreError::Conflict`] when the address is taken.
pub async fn create(
    store: &Store,
    email: &str,
    name: &str,
    password_hash: Option<&str>,
    is_admin: bool,
) -> Result<User, StoreError> {
    let user = User {
        id: random_id(16),
        email: email.trim().to_lowercase(),
        name: name.trim().to_owned(),
        password_hash: password_hash.map(str::to_owned),
        is_admin,
        locale: None,
        created_at: now(),
    };
    let sql = "INSERT INTO users (id, email, name, password_hash, is_admin, locale, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let result = on_db!(store, |pool| sqlx::query(sql)
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.is_admin)
        .bind(&user.locale)
        .bind(user.created_at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()));
    match result {
        Ok(_) => Ok(user),
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict(_) => Err(StoreError::Conflict("an account with this e-mail")),
            other => Err(other),
        },
    }
}

pub async fn by_email(store: &Store, email: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let email = email.trim().to_lowercase();
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(&email)
        .fetch_optional(pool)
        .await?))
}

pub async fn by_id(store: &Store, id: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

pub async fn set_password(store: &Store, user_id: &str, hash: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2"
    )
    .bind(hash)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn set_locale(store: &Store, user_id: &str, locale: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE users SET locale = $1 WHERE id = $2"
    )
    .bind(locale)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// A one-time login link token for `user_id`, valid for `ttl` seconds.
pub async fn create_login_link(
    store: &Store,
    user_id: &str,
    ttl: i64,
) -> Result<String, StoreError> {
    let token = random_id(32);
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)"
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now() + ttl)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(token)
}

/// Uses up a login link: returns its user if the link exists, is unexpired and
/// unused. The update is one statement, so two clicks cannot both succeed.
pub async fn consume_login_link(store: &Store, token: &str) -> Result<Option<String>, StoreError> {
    let t = now();
    let user: Option<String> = on_db!(store, |pool| sqlx::query_scalar(
        "UPDATE login_links SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id"
    )
    .bind(t)
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?);
    Ok(user)
}

/// Opens a session; returns (session token for the cookie, CSRF token).
pub async fn create_session(
    store: &Store,
    user_id: &str,
    ttl: i64,
) -> Result<(String, String), StoreError> {
    let token = random_id(32);
    let csrf = random_id(24);
    let t = now();
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(t)
    .bind(t + ttl)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok((token, csrf))
}

pub async fn session(store: &Store, token: &str) -> Result<Option<Session>, StoreError> {
    let session: Option<Session> = on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2"
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(pool)
    .await?
    });
    Ok(session)
}

pub async fn delete_session(store: &Store, token: &str) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash(token))
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Records a failed login for `subject` (an e-mail or an address) and returns
/// how many failures it has had in the last `window` seconds. Kept in the
/// database so every server process sees the same count.
pub async fn record_failed_login(
    store: &Store,
    subject: &str,
    window: i64,
) -> Result<i64, StoreError> {
    let t = now();
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO login_attempts (subject, at) VALUES ($1, $2)"
    )
    .bind(subject)
    .bind(t)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    failed_logins(store, subject, window).await
}

pub async fn failed_logins(store: &Store, subject: &str, window: i64) -> Result<i64, StoreError> {
    let n: i64 = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_attempts WHERE subject = $1 AND at > $2"
    )
    .bind(subject)
    .bind(now() - window)
    .fetch_one(pool)
    .await?);
    Ok(n)
}

/// The account's verified e-mail addresses (lower-case).
// replaced by the user_emails version when merged
pub async fn verified_emails(store: &Store, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT email FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}
