//! Reminder e-mails for awards their recipient has not accepted yet.
//!
//! By default a reminder goes 7 and 30 days after the award's first e-mail
//! was sent; an organisation chooses its own days, or none (its mail
//! settings page). Every server process runs the pass ([`spawn_worker`],
//! every [`PASS_INTERVAL`]): for each reminder day, the awards due
//! (`mail_prefs::due_reminders`: active, not replaced, not expired, not
//! accepted; revoked and suspended awards are not active) get a `reminder`
//! message queued by one conditional insert (`mail_prefs::queue_reminder`),
//! so two processes never queue the same reminder twice. A reminder repeats
//! the claim link of the award's latest e-mail (a fresh one when that link
//! would expire within [`MIN_LINK_DAYS`]).
//!
//! A reminder is sent only within [`GRACE_DAYS`] of its day: a server that
//! was stopped for weeks, or reminder days chosen later, do not send late
//! reminders of every old award; of several reminder days passed at once
//! only the latest is sent.
//!
//! The same pass queues memberships' expiry notices
//! (`service::memberships::run_notice_pass`).

use std::collections::BTreeSet;
use std::time::Duration;

use insignia_store::model::{MailKind, MailState};
use insignia_store::now;
use insignia_store::repo::{awards, mail, mail_prefs};

use crate::ServerError;
use crate::state::{AppState, Shared};

/// The default reminder days.
pub const DEFAULT_DAYS: [i64; 2] = [7, 30];
/// A reminder more than this many days past its day is not sent.
pub const GRACE_DAYS: i64 = 7;
/// The latest reminder day an organisation may choose.
pub const MAX_DAYS: i64 = 365;
/// How many reminder days an organisation may choose.
pub const MAX_REMINDERS: usize = 5;
/// A reminder repeats the earlier claim link if it works at least this many
/// more days.
pub const MIN_LINK_DAYS: i64 = 3;
/// How often each process runs the pass.
pub const PASS_INTERVAL: Duration = Duration::from_secs(600);
/// Awards handled per query.
const BATCH: i64 = 200;
const DAY: i64 = 86_400;

/// Why a list of reminder days is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DaysError {
    #[error("{0:?} is not a number of days from 1 to {MAX_DAYS}")]
    NotADay(String),
    #[error("at most {MAX_REMINDERS} reminders")]
    TooMany,
}

impl DaysError {
    /// The catalogue key of the message.
    pub fn message_key(&self) -> &'static str {
        match self {
            DaysError::NotADay(_) => "reminders-error-day",
            DaysError::TooMany => "reminders-error-many",
        }
    }
}

/// Reads a list of days ("7, 30"; spaces, commas or semicolons between),
/// sorted, each once. Empty: no reminders.
pub fn parse_days(text: &str) -> Result<Vec<i64>, DaysError> {
    let mut days = BTreeSet::new();
    for part in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let day = part
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=MAX_DAYS).contains(d))
            .ok_or_else(|| DaysError::NotADay(part.chars().take(20).collect()))?;
        days.insert(day);
    }
    if days.len() > MAX_REMINDERS {
        return Err(DaysError::TooMany);
    }
    Ok(days.into_iter().collect())
}

/// An organisation's reminder days and whether they are its own choice.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    pub days: Vec<i64>,
    pub custom: bool,
}

pub async fn settings(state: &AppState, org_id: &str) -> Result<Settings, ServerError> {
    Ok(
        match mail_prefs::reminder_days(&state.store, org_id).await? {
            Some(days) => Settings { days, custom: true },
            None => Settings {
                days: DEFAULT_DAYS.to_vec(),
                custom: false,
            },
        },
    )
}

/// Sets the organisation's reminder days (None: the defaults; empty: off).
pub async fn set(state: &AppState, org_id: &str, days: Option<&[i64]>) -> Result<(), ServerError> {
    mail_prefs::set_reminder_days(&state.store, org_id, days).await?;
    Ok(())
}

/// Queues the reminders due at `at`; returns how many were queued by this
/// call (those another process queued meanwhile are not counted).
pub async fn run_pass(state: &AppState, at: i64) -> Result<usize, ServerError> {
    let mut days: BTreeSet<i64> = DEFAULT_DAYS.into_iter().collect();
    days.extend(mail_prefs::chosen_days(&state.store).await?);
    let mut queued = 0;
    // Latest day first: an award past two reminder days gets the later one.
    for &d in days.iter().rev() {
        // Bounded: every award handled leaves the next query's results.
        for _ in 0..50 {
            let due = mail_prefs::due_reminders(
                &state.store,
                d,
                DEFAULT_DAYS.contains(&d),
                at - (d + GRACE_DAYS) * DAY,
                at - d * DAY,
                at,
                BATCH,
            )
            .await?;
            let mut progressed = false;
            for item in &due {
                match queue_one(state, &item.award_id, d, &item.locale, at).await? {
                    Some(true) => {
                        queued += 1;
                        progressed = true;
                    }
                    Some(false) => progressed = true,
                    None => {}
                }
            }
            if (due.len() as i64) < BATCH || !progressed {
                break;
            }
        }
    }
    Ok(queued)
}

/// Queues one reminder: Some(true) when this call queued it, Some(false)
/// when it was queued already, None when the award is gone.
async fn queue_one(
    state: &AppState,
    award_id: &str,
    days: i64,
    locale: &str,
    at: i64,
) -> Result<Option<bool>, ServerError> {
    let Some(award) = awards::by_id(&state.store, award_id).await? else {
        return Ok(None);
    };
    // The claim link of the latest award e-mail sent (a new link the
    // recipient asked for, or the first).
    let messages = mail::for_award(&state.store, award_id).await?;
    let Some(source) = messages
        .iter()
        .find(|m| m.kind == MailKind::Award && m.state == MailState::Sent)
    else {
        return Ok(None);
    };
    let source_id = if link_lasts(state, &source.id, award_id, at).await? {
        source.id.clone()
    } else {
        // Its link would expire too soon: the reminder's own id makes a
        // fresh one (an id no message has: see `mail::claim_source`).
        String::new()
    };
    let id = mail_prefs::queue_reminder(&state.store, &award, days, &source_id, locale).await?;
    Ok(Some(id.is_some()))
}

/// Whether the claim link of the message `message_id` works at least
/// [`MIN_LINK_DAYS`] more days.
async fn link_lasts(
    state: &AppState,
    message_id: &str,
    award_id: &str,
    at: i64,
) -> Result<bool, ServerError> {
    let token = state.master.token_for("claim", message_id);
    let link = mail::claim_token(&state.store, &insignia_store::token::token_hash(&token)).await?;
    Ok(link.is_some_and(|l| {
        l.award_id == award_id
            && l.created_at + state.config.claim_link_seconds() >= at + MIN_LINK_DAYS * DAY
    }))
}

/// Runs the pass in the background, every [`PASS_INTERVAL`], until the
/// process stops.
pub fn spawn_worker(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(PASS_INTERVAL) => {}
                () = state.stop.wait() => return,
            }
            match run_pass(&state, now()).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!("reminders: {n} queued");
                    crate::mail::wake(&state);
                }
                Err(e) => tracing::error!("reminders: {e}"),
            }
            match crate::service::memberships::run_notice_pass(&state, now()).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!("memberships: {n} expiry notices queued");
                    crate::mail::wake(&state);
                }
                Err(e) => tracing::error!("memberships: {e}"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read() {
        assert_eq!(parse_days("30, 7;7 14"), Ok(vec![7, 14, 30]));
        assert_eq!(parse_days("  "), Ok(vec![]));
        assert_eq!(parse_days("0"), Err(DaysError::NotADay("0".into())));
        assert_eq!(parse_days("366"), Err(DaysError::NotADay("366".into())));
        assert_eq!(parse_days("a week"), Err(DaysError::NotADay("a".into())));
        assert_eq!(parse_days("1 2 3 4 5 6"), Err(DaysError::TooMany));
    }
}
