//! "Is this badge yours?": a visitor of a public award page types an e-mail
//! address and learns whether the credential was awarded to it, by the
//! credential's own recipient (its hash with the credential's salt, as any
//! verifier would compute it). Nothing is stored but the rate-limit events.

use insignia_store::repo::awards;
use insignia_store::repo::throttle::{self, Limit};

use crate::auth::ClientIp;
use crate::error::AppError;
use crate::state::Shared;

/// Per client network: a person checks a few addresses, not a list.
const CLIENT_LIMITS: &[Limit] = &[
    Limit {
        window: 3600,
        max: 10,
    },
    Limit {
        window: 86_400,
        max: 30,
    },
];

/// Per award, whoever asks: guessing the recipient of one badge stays slow.
const AWARD_LIMITS: &[Limit] = &[Limit {
    window: 3600,
    max: 20,
}];

/// The longest address accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// What the check answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The credential was awarded to this address.
    Match,
    /// It was not.
    NoMatch,
    /// The text is not an e-mail address (nothing counted).
    NotAnEmail,
    /// Too many checks from this network or of this award: try later.
    TooMany,
}

impl Ownership {
    pub fn code(self) -> &'static str {
        match self {
            Ownership::Match => "match",
            Ownership::NoMatch => "no-match",
            Ownership::NotAnEmail => "not-an-email",
            Ownership::TooMany => "too-many",
        }
    }
}

/// Whether `email` is the recipient of award `award_id`'s credential.
/// `NotFound` for an unknown award.
pub async fn check(
    state: &Shared,
    client: &ClientIp,
    award_id: &str,
    email: &str,
) -> Result<Ownership, AppError> {
    let award = awards::by_id(&state.store, award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = email.trim();
    let plausible = email.len() <= MAX_EMAIL
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if !plausible {
        return Ok(Ownership::NotAnEmail);
    }
    let by_client = format!("mine:{}", crate::service::accounts::client_subject(client));
    if !throttle::allow(&state.store, &by_client, CLIENT_LIMITS).await?
        || !throttle::allow(
            &state.store,
            &format!("mine-award:{}", award.id),
            AWARD_LIMITS,
        )
        .await?
    {
        return Ok(Ownership::TooMany);
    }
    let credential: serde_json::Value = serde_json::from_str(&award.credential)
        .map_err(|e| AppError::Internal(format!("stored credential: {e}")))?;
    Ok(if insignia_verify::awarded_to(&credential, email) {
        Ownership::Match
    } else {
        Ownership::NoMatch
    })
}
