//! The VC-API endpoints (JSON in, JSON out) and the organisation page that
//! creates and revokes API tokens. The work is in `service::vcapi` and
//! `service::api_tokens`; these handlers parse, call and render.

use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use insignia_store::model::Role;
use insignia_store::repo::api_tokens;
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{page, see_other};
use crate::auth::Member;
use crate::error::AppError;
use crate::service::api_tokens::{self as tokens, SCOPES};
use crate::service::vcapi::{self, VcApiError};
use crate::state::Shared;

impl IntoResponse for VcApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            VcApiError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                json!({"message": message, "errors": [message]}),
            ),
            VcApiError::Unprocessable(message, problems) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"message": message, "errors": problems}),
            ),
            VcApiError::Unauthorized => {
                let body = json!({"message": "a bearer API token of the organisation is required"});
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    Json(body),
                )
                    .into_response();
            }
            VcApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"message": "the API token does not have the 'issue' scope"}),
            ),
            VcApiError::Internal(e) => {
                tracing::error!("VC-API: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "internal error"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// The JSON body, or a 400 naming what is wrong with it.
fn json_body(bytes: &Bytes) -> Result<Value, VcApiError> {
    serde_json::from_slice::<Value>(bytes)
        .map_err(|e| VcApiError::BadRequest(format!("the body is not valid JSON: {e}")))
        .and_then(|v| {
            if v.is_object() {
                Ok(v)
            } else {
                Err(VcApiError::BadRequest(
                    "the body must be a JSON object".into(),
                ))
            }
        })
}

pub async fn issue(
    State(state): State<Shared>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, VcApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = tokens::authenticate(&state, authorization)
        .await?
        .ok_or(VcApiError::Unauthorized)?;
    let body = json_body(&bytes)?;
    let signed = vcapi::issue(&state, &token, &body).await?;
    Ok((StatusCode::CREATED, Json(signed)).into_response())
}

fn verified_response((verified, body): (bool, Value)) -> Response {
    let status = if verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, Json(body)).into_response()
}

pub async fn verify_credential(
    State(state): State<Shared>,
    bytes: Bytes,
) -> Result<Response, VcApiError> {
    let body = json_body(&bytes)?;
    Ok(verified_response(
        vcapi::verify_credential(&state, &body).await?,
    ))
}

pub async fn verify_presentation(
    State(state): State<Shared>,
    bytes: Bytes,
) -> Result<Response, VcApiError> {
    let body = json_body(&bytes)?;
    Ok(verified_response(
        vcapi::verify_presentation(&state, &body).await?,
    ))
}

async fn tokens_page(
    state: &Shared,
    member: &Member,
    org: &str,
    created: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    member.require(state, org, Role::Admin).await?;
    let list = api_tokens::list(&state.store, org).await?;
    page(
        state,
        member.locale,
        "api_tokens.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org,
            tokens => list, scopes => SCOPES, created => created, error => error,
            base_url => state.config.base_url,
        },
    )
}

pub async fn list(
    State(state): State<Shared>,
    member: Member,
    Path(org): Path<String>,
) -> Result<Response, AppError> {
    tokens_page(&state, &member, &org, None, None).await
}

#[derive(Deserialize)]
pub struct NewToken {
    csrf: String,
    name: String,
    scope_read: Option<String>,
    scope_issue: Option<String>,
    scope_revoke: Option<String>,
    scope_admin: Option<String>,
}

pub async fn create(
    State(state): State<Shared>,
    member: Member,
    Path(org): Path<String>,
    Form(form): Form<NewToken>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org, Role::Admin).await?;
    let scopes: Vec<String> = [
        ("read", &form.scope_read),
        ("issue", &form.scope_issue),
        ("revoke", &form.scope_revoke),
        ("admin", &form.scope_admin),
    ]
    .into_iter()
    .filter(|(_, on)| on.is_some())
    .map(|(s, _)| s.to_owned())
    .collect();
    match tokens::create(&state, &org, &form.name, &scopes, Some(&member.user.id)).await? {
        Ok((row, secret)) => {
            tokens_page(&state, &member, &org, Some((row.name, secret)), None).await
        }
        Err(key) => {
            let message = state.catalog.text(member.locale, key, &[]);
            let mut response = tokens_page(&state, &member, &org, None, Some(message)).await?;
            *response.status_mut() = StatusCode::BAD_REQUEST;
            Ok(response)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn revoke(
    State(state): State<Shared>,
    member: Member,
    Path((org, id)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org, Role::Admin).await?;
    if !api_tokens::revoke(&state.store, &org, &id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/orgs/{org}/api-tokens")))
}
