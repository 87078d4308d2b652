//! One-click unsubscribe (RFC 8058) from an organisation's messages.
//!
//! Every message of an organisation carries a link `/unsubscribe/{token}`
//! and the `List-Unsubscribe` / `List-Unsubscribe-Post` headers. The token is
//! derived from the organisation and the (normalised) address under the
//! master key (`MasterKey::token_for("unsubscribe", …)`), so it cannot be
//! made without the key, and every message to that address carries the same
//! link; only its SHA-256 is stored, when a message carrying it is composed.
//!
//! Opening the link (GET) never unsubscribes: mail scanners follow links. It
//! shows a page with a button; the POST (the button, or the mail client's
//! one-click POST, which carries no cookie and so no CSRF token: the
//! unguessable token in the path is what authorises it) records the choice.
//! The same page subscribes again.
//!
//! What the choice covers: every later message of that organisation to that
//! address (award, renewal, reminder, revocation e-mails) is not sent but
//! recorded as `suppressed`, shown in the organisation's delivery columns.
//! Not covered: messages the person asks for themselves (a new claim link
//! from the claim page, `mail_outbox.on_request`), and account e-mails
//! (confirmation, password reset, sign-in links), which belong to no
//! organisation.

use insignia_store::now;
use insignia_store::repo::{mail_prefs, orgs};
use insignia_store::token::token_hash;

use crate::ServerError;
use crate::state::AppState;

/// An address as unsubscribes record it: trimmed and lower-case (as the
/// account addresses are).
pub fn normalise(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The unsubscribe URL for `email` and `org_id` (its token's hash stored).
pub async fn link(state: &AppState, org_id: &str, email: &str) -> Result<String, ServerError> {
    let email = normalise(email);
    let token = state
        .master
        .token_for("unsubscribe", &format!("{org_id}\n{email}"));
    mail_prefs::add_unsubscribe_token(&state.store, &token_hash(&token), org_id, &email).await?;
    Ok(format!("{}/unsubscribe/{token}", state.config.base_url))
}

/// What an unsubscribe link is about.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Subscription {
    pub org_id: String,
    pub org_name: String,
    pub email: String,
    /// When the address unsubscribed, if it did.
    pub unsubscribed_at: Option<i64>,
}

/// The subscription behind `token`, or None for an unknown token.
pub async fn lookup(state: &AppState, token: &str) -> Result<Option<Subscription>, ServerError> {
    if token.is_empty() || token.len() > 100 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let Some((org_id, email)) =
        mail_prefs::unsubscribe_token(&state.store, &token_hash(token)).await?
    else {
        return Ok(None);
    };
    let Some(org) = orgs::get(&state.store, &org_id).await? else {
        return Ok(None);
    };
    let unsubscribed_at = mail_prefs::unsubscribed_at(&state.store, &org_id, &email).await?;
    Ok(Some(Subscription {
        org_id,
        org_name: org.name,
        email,
        unsubscribed_at,
    }))
}

/// Records the choice: no more messages of the organisation (`true`), or
/// messages again (`false`).
pub async fn choose(
    state: &AppState,
    subscription: &Subscription,
    unsubscribe: bool,
) -> Result<(), ServerError> {
    if unsubscribe {
        mail_prefs::unsubscribe(
            &state.store,
            &subscription.org_id,
            &subscription.email,
            now(),
        )
        .await?;
    } else {
        mail_prefs::resubscribe(&state.store, &subscription.org_id, &subscription.email).await?;
    }
    Ok(())
}
