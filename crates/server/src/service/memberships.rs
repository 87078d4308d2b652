//! Memberships: a badge whose awards are valid a number of months
//! (`BadgeDefinition::membership_months`, so `validUntil` = issue + period).
//! Its members page lists the current award of each member as current,
//! expiring (within the notice period) or expired; a renewal re-awards (a
//! new credential, the old one kept and marked replaced), one click or a
//! CSV of renewing addresses; and an expiry notice is e-mailed once, some
//! days before the end (30 by default), by the reminder pass every process
//! runs ([`run_notice_pass`]).

use std::collections::HashMap;

use insignia_store::model::{Award, AwardState, MailKind, OutboxMessage, User};
use insignia_store::now;
use insignia_store::repo::{badges, issuers, mail, memberships as repo};
use insignia_store::token::random_id;
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use minijinja::context;

use crate::ServerError;
use crate::design::BadgeDefinition;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::mail::header_text;
use crate::service::awards::StatusError;
use crate::state::{AppState, Shared};

/// Days before the end the notice goes, unless the badge says otherwise.
pub const DEFAULT_NOTICE_DAYS: i64 = 30;
/// The longest notice period a badge may choose (days).
pub const MAX_NOTICE_DAYS: i64 = 120;
/// Addresses one renewal CSV may list.
pub const MAX_CSV_ROWS: usize = 5_000;
const DAY: i64 = 86_400;
const BATCH: i64 = 500;

/// The notice period of a membership badge's design (days).
pub fn notice_days(design: &BadgeDefinition) -> i64 {
    design
        .membership_notice_days
        .map_or(DEFAULT_NOTICE_DAYS, i64::from)
}

/// A member as the members page lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberRow {
    pub award: Award,
    /// `current`, `expiring` or `expired`.
    pub standing: &'static str,
}

/// Where a member stands at `at`.
pub fn standing(award: &Award, notice: i64, at: i64) -> &'static str {
    match award.expires_at {
        Some(e) if e <= at => "expired",
        Some(e) if e - at <= notice * DAY => "expiring",
        _ => "current",
    }
}

/// The members of a badge of `org_id` (its current awards).
pub async fn members(
    state: &Shared,
    org_id: &str,
    badge_id: &str,
    design: &BadgeDefinition,
) -> Result<Vec<MemberRow>, AppError> {
    let at = now();
    let notice = notice_days(design);
    Ok(repo::members(&state.store, org_id, badge_id)
        .await?
        .into_iter()
        .map(|award| MemberRow {
            standing: standing(&award, notice, at),
            award,
        })
        .collect())
}

/// What a renewal CSV came to.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct CsvRenewal {
    pub renewed: usize,
    /// Addresses with no current award of the badge.
    pub unknown: Vec<String>,
    /// Lines that hold no address.
    pub unreadable: usize,
}

/// The addresses of a renewal CSV: the first cell of each line that looks
/// like an address (a header line and blank lines are skipped).
pub fn csv_addresses(text: &str) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut unreadable = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let cell = line
            .split([',', ';', '\t'])
            .map(|c| c.trim().trim_matches('"').trim().to_lowercase())
            .find(|c| c.contains('@'));
        match cell {
            Some(c) if crate::validate::email_ok(&c) => {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            _ if i == 0 => {}
            _ => unreadable += 1,
        }
    }
    (out, unreadable)
}

/// Renews the current award of each address of `text` (a CSV), e-mailing
/// each in `email_locale` when given. Renewing twice gives the same award.
pub async fn renew_csv(
    state: &Shared,
    org_id: &str,
    badge_id: &str,
    text: &str,
    email_locale: Option<String>,
    by: &User,
) -> Result<Result<CsvRenewal, &'static str>, AppError> {
    let (addresses, unreadable) = csv_addresses(text);
    if addresses.len() > MAX_CSV_ROWS {
        return Ok(Err("membership-error-csv-long"));
    }
    if addresses.is_empty() {
        return Ok(Err("membership-error-csv-empty"));
    }
    let mut report = CsvRenewal {
        unreadable,
        ..CsvRenewal::default()
    };
    for email in addresses {
        match repo::current_for(&state.store, org_id, badge_id, &email).await? {
            Some(old) => {
                match crate::service::awards::renew(
                    state,
                    org_id,
                    &old,
                    email_locale.clone(),
                    &by.id,
                )
                .await
                {
                    Ok(_) => report.renewed += 1,
                    Err(StatusError::Refused(_)) => report.unknown.push(email),
                    Err(StatusError::App(e)) => return Err(e),
                }
            }
            None => report.unknown.push(email),
        }
    }
    Ok(Ok(report))
}

/// Queues the expiry notices due at `at`; returns how many this call queued.
pub async fn run_notice_pass(state: &AppState, at: i64) -> Result<usize, ServerError> {
    let mut designs: HashMap<(String, i64), Option<BadgeDefinition>> = HashMap::new();
    let mut queued = 0;
    let candidates =
        repo::expiring_without_notice(&state.store, at, at + MAX_NOTICE_DAYS * DAY, BATCH).await?;
    for award in candidates {
        let key = (award.badge_id.clone(), award.badge_version);
        if !designs.contains_key(&key) {
            let design = badges::version_meta(&state.store, &award.badge_id, award.badge_version)
                .await?
                .and_then(|v| serde_json::from_str::<BadgeDefinition>(&v.design).ok());
            designs.insert(key.clone(), design);
        }
        let Some(design) = designs.get(&key).and_then(Option::as_ref) else {
            continue;
        };
        if design.membership_months.is_none() {
            // An award that merely expires: no notice, never looked at again.
            repo::mark_not_needed(&state.store, &award.id).await?;
            continue;
        }
        if award
            .expires_at
            .is_some_and(|e| e - at > notice_days(design) * DAY)
        {
            continue;
        }
        let locale = mail::for_award(&state.store, &award.id)
            .await?
            .into_iter()
            .find(|m| m.kind == MailKind::Award)
            .map_or_else(|| "en".to_owned(), |m| m.locale);
        if repo::queue_notice(&state.store, &award, &locale)
            .await?
            .is_some()
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Why an expiry notice is not to be sent (renewed, revoked, expired).
pub fn notice_not_needed(award: &Award) -> Option<&'static str> {
    if award.state != AwardState::Active {
        Some("not needed: the membership is no longer active")
    } else if award.replaced_by.is_some() {
        Some("not needed: the membership was renewed")
    } else if award.expires_at.is_some_and(|e| e <= now()) {
        Some("not needed: the membership has expired")
    } else {
        None
    }
}

/// Why an expiry notice cannot be composed.
#[derive(Debug)]
pub enum NoticeMailError {
    Address(String),
    Other(String),
    Server(ServerError),
}

impl<E: Into<ServerError>> From<E> for NoticeMailError {
    fn from(e: E) -> Self {
        NoticeMailError::Server(e.into())
    }
}

/// Composes the expiry notice of `award`, with the RFC 8058 unsubscribe
/// headers every organisation message carries.
pub(crate) async fn compose_email(
    state: &Shared,
    from: &Address,
    message: &OutboxMessage,
    award: &Award,
) -> Result<Message, NoticeMailError> {
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::En);
    let to: Address = message.recipient.parse().map_err(|e| {
        NoticeMailError::Address(format!("recipient address {:?}: {e}", message.recipient))
    })?;
    let badge_name = badges::version_meta(&state.store, &award.badge_id, award.badge_version)
        .await?
        .map(|v| v.name)
        .unwrap_or_default();
    let issuer = issuers::by_id(&state.store, &award.issuer_id).await?;
    let issuer_name = issuer.as_ref().map(|i| i.name.clone()).unwrap_or_default();
    let base = &state.config.base_url;
    let unsubscribe_url =
        crate::service::unsubscribe::link(state, &award.org_id, &message.recipient).await?;
    let ctx = context! {
        name => award.recipient_name, badge_name => badge_name, issuer_name => issuer_name,
        until => award.expires_at.unwrap_or_default(), page_url => format!("{base}/a/{}", award.id),
        site => base, unsubscribe_url => unsubscribe_url,
    };
    let render = |name: &str| {
        state
            .pages
            .render(name, locale, ctx.clone())
            .map_err(|e| NoticeMailError::Other(format!("template: {e:#}")))
    };
    let text = render("email_membership.txt")?;
    let html = render("email_membership.html")?;
    let subject = state.catalog.text(
        locale,
        "email-membership-subject",
        &[("badge", header_text(&badge_name).into())],
    );
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    let mut builder = Message::builder()
        .from(Mailbox::new(Some(header_text(&issuer_name)), from.clone()))
        .to(Mailbox::new(Some(header_text(&award.recipient_name)), to))
        .subject(header_text(&subject))
        .message_id(Some(format!("<{}.{}@{host}>", message.id, random_id(8))))
        .date_now();
    if let Some(reply_to) = issuer.and_then(|i| i.email.trim().parse::<Address>().ok()) {
        builder = builder.reply_to(Mailbox::new(Some(header_text(&issuer_name)), reply_to));
    }
    builder = crate::mail::unsubscribe_headers(builder, &unsubscribe_url);
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| NoticeMailError::Other(format!("building the message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_csvs_are_read_loosely() {
        let (list, bad) = csv_addresses(
            "email,name\nAda@Example.org,Ada\n\n\"bob@example.org\";Bob\nnobody\nada@example.org\n",
        );
        assert_eq!(list, vec!["ada@example.org", "bob@example.org"]);
        assert_eq!(bad, 1);
    }
}
