//! The unsubscribe link of every organisation message (`/unsubscribe/{token}`):
//! GET shows the choice and a button (never acting: mail scanners follow
//! links), POST records it (the page's button, or a mail client's RFC 8058
//! one-click POST with the body `List-Unsubscribe=One-Click`). The rules are
//! in `service::unsubscribe`.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::service::unsubscribe::{self, Subscription};
use crate::state::Shared;

async fn subscription(
    state: &Shared,
    visitor: &Visitor,
    token: &str,
) -> Result<Subscription, AppError> {
    unsubscribe::lookup(state, token).await?.ok_or_else(|| {
        AppError::NotFoundWith(
            "unsubscribe-invalid-title",
            state
                .catalog
                .text(visitor.locale, "unsubscribe-invalid", &[]),
        )
    })
}

fn render(
    state: &Shared,
    visitor: &Visitor,
    token: &str,
    subscription: &Subscription,
    done: &str,
) -> Result<Response, AppError> {
    let html = state.pages.render(
        "unsubscribe.html",
        visitor.locale,
        context! {
            user => visitor.user, csrf => visitor.csrf, token => token,
            sub => subscription, done => done,
        },
    )?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response())
}

pub async fn page(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let sub = subscription(&state, &visitor, &token).await?;
    render(&state, &visitor, &token, &sub, "")
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    /// `resubscribe` from the page; anything else (the one-click body
    /// `List-Unsubscribe=One-Click`, or the page's button) unsubscribes.
    #[serde(default)]
    action: String,
}

pub async fn choose(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<ChoiceForm>,
) -> Result<Response, AppError> {
    let sub = subscription(&state, &visitor, &token).await?;
    let unsubscribe = form.action != "resubscribe";
    unsubscribe::choose(&state, &sub, unsubscribe).await?;
    let sub = subscription(&state, &visitor, &token).await?;
    let done = if unsubscribe {
        "unsubscribed"
    } else {
        "resubscribed"
    };
    render(&state, &visitor, &token, &sub, done)
}
