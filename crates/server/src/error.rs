//! Errors: [`ServerError`] for start-up and internals, [`AppError`] for what a
//! request handler returns. An `AppError` becomes a response carrying an
//! [`ErrorPage`] marker; the `render_errors` layer turns it into a page in the
//! visitor's language (handlers do not need the catalogue to fail).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use insignia_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("{0}")]
    Crypto(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("page template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("signing: {0}")]
    Signing(String),
}

/// What went wrong in a request, in terms a visitor can be told.
#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Signed in, but without the right role (or not a member).
    Forbidden,
    /// A form or upload the server cannot accept; the text is already translated.
    BadRequest(String),
    /// Someone else changed the record first, or it already exists; translated.
    Conflict(String),
    /// Too many attempts.
    TooManyRequests,
    /// Too many attempts, with what to do (already translated).
    TooManyRequestsBecause(String),
    /// A bug or an outage; logged, shown as a generic apology.
    Internal(String),
}

impl From<ServerError> for AppError {
    fn from(e: ServerError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(format!("template: {e:#}"))
    }
}

/// Marker put on error responses for the page-rendering layer.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// Catalogue key of the title.
    pub title_key: &'static str,
    /// Extra, already translated detail.
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title_key, detail) = match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found", None),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden", None),
            AppError::BadRequest(d) => (StatusCode::BAD_REQUEST, "error-bad-request", Some(d)),
            AppError::Conflict(d) => (StatusCode::CONFLICT, "error-conflict", Some(d)),
            AppError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "error-too-many", None),
            AppError::TooManyRequestsBecause(d) => {
                (StatusCode::TOO_MANY_REQUESTS, "error-too-many", Some(d))
            }
            AppError::Internal(d) => {
                tracing::error!("internal error: {d}");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal", None)
            }
        };
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(ErrorPage { title_key, detail });
        response
    }
}
