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
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("page template: {0}")]
    Template(#[from] minijinja::Error),
    /// Sealing or opening a secret at rest (an issuer's private key).
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// A key could not be made, read or used; `what` names which.
    #[error("{what}")]
    Key {
        what: &'static str,
        #[source]
        source: insignia_proofs::keys::KeyError,
    },
    /// A stored key (public JWK or unsealed private JWK) is not valid JSON.
    #[error("{what}: not a JSON key")]
    KeyJson {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// Signing a credential with Data Integrity failed.
    #[error("signing a credential")]
    Proof(#[source] insignia_proofs::data_integrity::DiError),
    /// Signing a VC-JWT failed.
    #[error("signing a VC-JWT")]
    Jwt(#[source] insignia_proofs::jose::JoseError),
    /// Building an issuer's DID document failed.
    #[error("building the DID document")]
    DidDocument(#[source] insignia_proofs::did::DidError),
    /// The server refuses to sign a credential that breaks the VC Data Model.
    #[error("the credential does not conform to the Verifiable Credentials Data Model: {0}")]
    NotConforming(String),
    /// A badge version's stored design cannot be read.
    #[error("the stored design of badge {badge_id} version {version}")]
    StoredDesign {
        badge_id: String,
        version: i64,
        #[source]
        source: serde_json::Error,
    },
    /// Compressing a status list's bitstring failed.
    #[error("compressing the status list")]
    StatusList(#[source] std::io::Error),
    /// A status list size that does not fit in memory.
    #[error("status list size {0} is out of range")]
    StatusListSize(i64),
    /// A signing task off the async threads panicked or was cancelled.
    #[error("a signing task stopped")]
    Task(#[source] tokio::task::JoinError),
    /// The issuer has no active signing key.
    #[error("issuer {0} has no active signing key")]
    NoSigningKey(String),
    /// A record the work needs no longer exists.
    #[error("{0}")]
    Gone(Gone),
}

/// What no longer exists (a badge removed while a job or a form used it).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Gone {
    #[error("badge {0} is gone")]
    Badge(String),
    #[error("version {version} of badge {badge_id} is gone")]
    BadgeVersion { badge_id: String, version: i64 },
    #[error("issuer {0} is gone")]
    Issuer(String),
}

impl ServerError {
    /// The message with every cause after it (`a: b: c`), for logs.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            text.push_str(": ");
            text.push_str(&e.to_string());
            cause = e.source();
        }
        text
    }
}

/// What went wrong in a request, in terms a visitor can be told.
#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Not found, with a page of its own: a title key and a translated detail
    /// (e.g. a claim link that is not valid).
    NotFoundWith(&'static str, String),
    /// Signed in, but without the right role (or not a member).
    Forbidden,
    /// A form or upload the server cannot accept; the text is already translated.
    BadRequest(String),
    /// An upload or form over its size limit; the text (what the limit is)
    /// is already translated.
    TooLarge(String),
    /// Someone else changed the record first, or it already exists; translated.
    Conflict(String),
    /// Too many attempts.
    TooManyRequests,
    /// Too many attempts, with what to do (already translated).
    TooManyRequestsBecause(String),
    /// A badge, version or issuer that no longer exists: "not found", with a
    /// page saying which and that nothing was done.
    Gone(Gone),
    /// The issuer cannot sign (no active key): a conflict the organisation's
    /// admins can resolve.
    NoSigningKey,
    /// A bug or an outage; logged, shown as a generic apology.
    Internal(String),
}

impl From<ServerError> for AppError {
    fn from(e: ServerError) -> Self {
        match e {
            ServerError::Gone(gone) => AppError::Gone(gone),
            ServerError::NoSigningKey(_) => AppError::NoSigningKey,
            other => AppError::Internal(other.chain()),
        }
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
    /// Catalogue key of the detail, when there is no translated one.
    pub detail_key: Option<&'static str>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut detail_key = None;
        let (status, title_key, detail) = match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found", None),
            AppError::NotFoundWith(key, d) => (StatusCode::NOT_FOUND, key, Some(d)),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden", None),
            AppError::BadRequest(d) => (StatusCode::BAD_REQUEST, "error-bad-request", Some(d)),
            AppError::Conflict(d) => (StatusCode::CONFLICT, "error-conflict", Some(d)),
            AppError::TooLarge(d) => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large", Some(d)),
            AppError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "error-too-many", None),
            AppError::TooManyRequestsBecause(d) => {
                (StatusCode::TOO_MANY_REQUESTS, "error-too-many", Some(d))
            }
            AppError::Gone(gone) => {
                tracing::info!("{gone}");
                let (title, explained) = match gone {
                    Gone::Badge(_) | Gone::BadgeVersion { .. } => {
                        ("error-badge-gone", "error-badge-gone-detail")
                    }
                    Gone::Issuer(_) => ("error-issuer-gone", "error-issuer-gone-detail"),
                };
                detail_key = Some(explained);
                (StatusCode::NOT_FOUND, title, None)
            }
            AppError::NoSigningKey => {
                detail_key = Some("error-no-signing-key-detail");
                (StatusCode::CONFLICT, "error-no-signing-key", None)
            }
            AppError::Internal(d) => {
                tracing::error!("internal error: {d}");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal", None)
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage {
            title_key,
            detail,
            detail_key,
        });
        response
    }
}
