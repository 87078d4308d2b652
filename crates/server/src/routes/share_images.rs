//! Share images (`…/share.png`): the link-preview pictures named by the
//! Open Graph tags of shared badges and collections. Handlers parse, call
//! `service::share_images` and answer with the PNG, its entity tag and a
//! cache policy that follows the page's visibility.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Visitor;
use crate::error::AppError;
use crate::service::share_images::{self as service, Audience, ShareImage};
use crate::state::Shared;

fn answer(headers: &HeaderMap, image: ShareImage, audience: Audience) -> Response {
    let cache = match audience {
        Audience::Anyone => "public, max-age=300",
        Audience::OwnerOnly => "private, no-store",
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == image.etag));
    if matches {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, image.etag),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::CACHE_CONTROL, cache.to_owned()),
            (header::ETAG, image.etag),
        ],
        image.png,
    )
        .into_response()
}

/// `/s/{id}/share.png`
pub async fn item(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (image, audience) =
        service::item(&state, visitor.user.as_ref(), &id, visitor.locale).await?;
    Ok(answer(&headers, image, audience))
}

/// `/c/{id}/share.png`
pub async fn collection(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (image, audience) =
        service::collection(&state, visitor.user.as_ref(), &id, visitor.locale).await?;
    Ok(answer(&headers, image, audience))
}

/// `/a/{award}/share.png`
pub async fn award(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(award_id): Path<String>,
) -> Result<Response, AppError> {
    let image = service::award(&state, &award_id, visitor.locale).await?;
    Ok(answer(&headers, image, Audience::Anyone))
}
