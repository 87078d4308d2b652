//! The recipient's claim link: finding the award behind a link, whether the
//! link still works, accepting the badge (bound to the account when signed
//! in), and queueing a new link for an expired one (at most once per award
//! every [`NEW_LINK_INTERVAL`] seconds, to the address on file only).

use insignia_store::model::AwardState;
use insignia_store::now;
use insignia_store::repo::mail::{self, ClaimToken};
use insignia_store::token::token_hash;

use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::award_view::{AwardView, load_award};
use crate::state::Shared;

/// A recipient can ask for a new claim link for an award at most once in
/// this many seconds.
pub const NEW_LINK_INTERVAL: i64 = 600;

/// A claim link's token row and its award.
pub struct Claim {
    pub link: ClaimToken,
    pub view: AwardView,
}

/// The claim behind `token`, if it is one of ours (a garbled token is not
/// looked up: tokens are base58).
pub async fn find(state: &Shared, token: &str) -> Result<Option<Claim>, AppError> {
    if token.is_empty() || token.len() > 64 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let Some(link) = mail::claim_token(&state.store, &token_hash(token)).await? else {
        return Ok(None);
    };
    let view = load_award(state, &link.award_id).await?;
    Ok(Some(Claim { link, view }))
}

impl Claim {
    /// When the recipient accepted the badge, if they did.
    pub async fn claimed_at(&self, state: &Shared) -> Result<Option<i64>, AppError> {
        Ok(
            mail::claimed_at(&state.store, std::slice::from_ref(&self.view.award.id))
                .await?
                .remove(&self.view.award.id),
        )
    }

    /// Whether the link is older than `claim_link_days`.
    pub fn link_too_old(&self, state: &Shared) -> bool {
        self.link.created_at + state.config.claim_link_seconds() < now()
    }

    /// Whether the link has expired for its page: only a link that could
    /// still be used to accept the badge expires (once accepted or revoked
    /// the page just says so).
    pub fn expired(&self, state: &Shared, claimed_at: Option<i64>) -> bool {
        claimed_at.is_none()
            && self.view.award.state != AwardState::Revoked
            && self.link_too_old(state)
    }
}

/// What accepting a badge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// The link expired before the badge was accepted: nothing was done.
    LinkExpired,
    /// Recorded as claimed and bound to the signed-in account's backpack.
    InBackpack,
    /// Recorded as claimed (anonymous visitor).
    Claimed,
}

/// Why a claim form is refused.
#[derive(Debug)]
pub enum ClaimError {
    /// A revoked award can be neither accepted nor re-sent.
    Revoked,
    /// The award is already bound to another account.
    BoundElsewhere,
    App(AppError),
}

impl From<AppError> for ClaimError {
    fn from(e: AppError) -> Self {
        ClaimError::App(e)
    }
}

impl From<insignia_store::StoreError> for ClaimError {
    fn from(e: insignia_store::StoreError) -> Self {
        ClaimError::App(e.into())
    }
}

fn not_revoked(claim: &Claim) -> Result<(), ClaimError> {
    if claim.view.award.state == AwardState::Revoked {
        return Err(ClaimError::Revoked);
    }
    Ok(())
}

/// Accepts the badge of `claim`, for the signed-in `user_id` if any.
/// Claiming twice is harmless: the first time is kept.
pub async fn accept(
    state: &Shared,
    claim: &Claim,
    user_id: Option<&str>,
) -> Result<Accepted, ClaimError> {
    not_revoked(claim)?;
    if claim.link_too_old(state) && claim.claimed_at(state).await?.is_none() {
        return Ok(Accepted::LinkExpired);
    }
    if let Some(user_id) = user_id {
        if !insignia_store::repo::backpack::claim_for(&state.store, &claim.view.award, user_id)
            .await?
        {
            return Err(ClaimError::BoundElsewhere);
        }
        return Ok(Accepted::InBackpack);
    }
    mail::claim_award(&state.store, &claim.view.award).await?;
    Ok(Accepted::Claimed)
}

/// What asking for a new link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewLink {
    /// Nothing to do: the link still works, or the badge was accepted.
    NotNeeded,
    /// The award's e-mail, with a fresh link, was queued.
    Sent,
    /// One was asked for less than [`NEW_LINK_INTERVAL`] ago.
    Wait,
}

/// Queues the award's e-mail again with a fresh link, in the language the
/// recipient was last written in (else `fallback`).
pub async fn new_link(
    state: &Shared,
    claim: &Claim,
    fallback: Locale,
) -> Result<NewLink, ClaimError> {
    not_revoked(claim)?;
    let award = &claim.view.award;
    if claim.claimed_at(state).await?.is_some() || !claim.link_too_old(state) {
        return Ok(NewLink::NotNeeded);
    }
    let locale = mail::latest_for_awards(&state.store, std::slice::from_ref(&award.id))
        .await?
        .remove(&award.id)
        .and_then(|m| Locale::from_code(&m.locale))
        .unwrap_or(fallback);
    let queued =
        mail::request_new_link(&state.store, award, locale.code(), now(), NEW_LINK_INTERVAL)
            .await?;
    if queued.is_none() {
        return Ok(NewLink::Wait);
    }
    crate::mail::wake(state);
    Ok(NewLink::Sent)
}
