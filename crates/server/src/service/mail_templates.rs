//! An organisation's wording of the messages it sends: a subject and an
//! opening text for each kind (award, renewal, reminder, revocation) in each
//! language, with the placeholders `{recipient}`, `{badge}` and `{issuer}`.
//! Empty parts fall back to the catalogues' wording.
//!
//! The stored text is plain text: control characters are removed (the
//! subject keeps one line, the opening its line breaks), placeholders are
//! checked when saved, and the text is escaped where it goes into the HTML
//! message (minijinja's auto-escaping; the opening's paragraphs become `<p>`
//! elements in the template, never HTML from the text).

use insignia_store::repo::mail_prefs::{self, MailTemplate};

use crate::i18n::Locale;
use crate::mail::header_text;
use crate::state::AppState;

/// Longest subject kept.
pub const MAX_SUBJECT: usize = 200;
/// Longest opening text kept.
pub const MAX_OPENING: usize = 2_000;
/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 3] = ["recipient", "badge", "issuer"];

/// The messages an organisation words itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateKind {
    Award,
    Renewal,
    Reminder,
    Revocation,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 4] = [
        TemplateKind::Award,
        TemplateKind::Renewal,
        TemplateKind::Reminder,
        TemplateKind::Revocation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Award => "award",
            TemplateKind::Renewal => "renewal",
            TemplateKind::Reminder => "reminder",
            TemplateKind::Revocation => "revocation",
        }
    }

    pub fn parse(s: &str) -> Option<TemplateKind> {
        TemplateKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The catalogue's subject (arguments `issuer`, `badge`).
    fn default_subject_key(self) -> &'static str {
        match self {
            TemplateKind::Award => "email-award-subject",
            TemplateKind::Renewal => "email-renewal-subject",
            TemplateKind::Reminder => "email-reminder-subject",
            TemplateKind::Revocation => "email-revocation-subject",
        }
    }

    /// The catalogue's opening (arguments `issuer`, `badge`).
    fn default_opening_key(self) -> &'static str {
        match self {
            TemplateKind::Award => "email-award-lead",
            TemplateKind::Renewal => "email-renewal-lead",
            TemplateKind::Reminder => "email-reminder-lead",
            TemplateKind::Revocation => "email-revocation-lead",
        }
    }
}

/// What is wrong with a template (the form says it next to the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown placeholder {{{0}}}")]
    UnknownPlaceholder(String),
    #[error("a brace that opens or closes no placeholder")]
    StrayBrace,
    #[error("the subject is longer than {MAX_SUBJECT} characters")]
    SubjectTooLong,
    #[error("the opening is longer than {MAX_OPENING} characters")]
    OpeningTooLong,
}

impl TemplateError {
    /// The catalogue key of the message, and its argument.
    pub fn message(&self) -> (&'static str, String) {
        match self {
            TemplateError::UnknownPlaceholder(name) => {
                ("mail-template-error-placeholder", format!("{{{name}}}"))
            }
            TemplateError::StrayBrace => ("mail-template-error-brace", String::new()),
            TemplateError::SubjectTooLong => {
                ("mail-template-error-subject-long", MAX_SUBJECT.to_string())
            }
            TemplateError::OpeningTooLong => {
                ("mail-template-error-opening-long", MAX_OPENING.to_string())
            }
        }
    }
}

/// Checks that every brace belongs to a known placeholder.
fn check_placeholders(text: &str) -> Result<(), TemplateError> {
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Err(TemplateError::StrayBrace);
        }
        let after = &rest[i + 1..];
        let Some(end) = after
            .find(['}', '{'])
            .filter(|&e| after[e..].starts_with('}'))
        else {
            return Err(TemplateError::StrayBrace);
        };
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::UnknownPlaceholder(
                name.chars().take(40).collect(),
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// The opening as plain text: line breaks kept (as `\n`, at most one blank
/// line in a row), other control characters removed, lines trimmed at the end.
fn clean_opening(text: &str) -> String {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = Vec::new();
    for line in unified.split('\n') {
        let line: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let line = line.trim_end().to_owned();
        if line.is_empty() && lines.last().is_none_or(|l: &String| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// A checked template: the subject on one line, the opening as plain text.
pub fn checked(subject: &str, opening: &str) -> Result<(String, String), TemplateError> {
    if subject.trim().chars().count() > MAX_SUBJECT {
        return Err(TemplateError::SubjectTooLong);
    }
    let subject = header_text(subject.trim());
    let opening = clean_opening(opening);
    if opening.chars().count() > MAX_OPENING {
        return Err(TemplateError::OpeningTooLong);
    }
    check_placeholders(&subject)?;
    check_placeholders(&opening)?;
    Ok((subject, opening))
}

/// Checks and saves `org_id`'s template for `kind` in `locale` (both parts
/// empty: back to the defaults).
pub async fn save(
    state: &AppState,
    org_id: &str,
    kind: TemplateKind,
    locale: Locale,
    subject: &str,
    opening: &str,
) -> Result<Result<(), TemplateError>, crate::ServerError> {
    let (subject, opening) = match checked(subject, opening) {
        Ok(parts) => parts,
        Err(e) => return Ok(Err(e)),
    };
    mail_prefs::save_template(
        &state.store,
        org_id,
        kind.as_str(),
        locale.code(),
        &subject,
        &opening,
    )
    .await?;
    Ok(Ok(()))
}

/// The names a message is about.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    pub recipient: &'a str,
    pub badge: &'a str,
    pub issuer: &'a str,
}

/// `text` with its placeholders filled in (the names as given: the caller
/// escapes or cleans them for where they go).
pub fn fill(text: &str, names: Names<'_>) -> String {
    text.replace("{recipient}", names.recipient)
        .replace("{badge}", names.badge)
        .replace("{issuer}", names.issuer)
}

/// A message's subject (one line) and opening (plain text, paragraphs
/// separated by blank lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub subject: String,
    pub opening: String,
    /// Whether it is the organisation's own (not the catalogue's).
    pub custom: bool,
}

impl Wording {
    /// The opening's paragraphs, for the HTML message.
    pub fn paragraphs(&self) -> Vec<String> {
        self.opening
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The wording of `kind` in `locale`: `template`'s parts where it has them,
/// the catalogue's otherwise, with the names filled in.
pub fn wording(
    state: &AppState,
    kind: TemplateKind,
    locale: Locale,
    template: Option<&MailTemplate>,
    names: Names<'_>,
) -> Wording {
    let args = [
        ("issuer", header_text(names.issuer).into()),
        ("badge", header_text(names.badge).into()),
    ];
    let own_subject = template
        .map(|t| t.subject.as_str())
        .filter(|s| !s.is_empty());
    let own_opening = template
        .map(|t| t.opening.as_str())
        .filter(|s| !s.is_empty());
    let subject = match own_subject {
        Some(s) => header_text(&fill(s, names)),
        None => state
            .catalog
            .text(locale, kind.default_subject_key(), &args),
    };
    let opening = match own_opening {
        Some(s) => fill(s, names),
        None => state
            .catalog
            .text(locale, kind.default_opening_key(), &args),
    };
    Wording {
        subject,
        opening,
        custom: own_subject.is_some() || own_opening.is_some(),
    }
}

/// The wording `org_id` uses for `kind` in `locale`.
pub async fn for_org(
    state: &AppState,
    org_id: &str,
    kind: TemplateKind,
    locale: Locale,
    names: Names<'_>,
) -> Result<Wording, crate::ServerError> {
    let template = mail_prefs::template(&state.store, org_id, kind.as_str(), locale.code()).await?;
    Ok(wording(state, kind, locale, template.as_ref(), names))
}

/// A message as the preview shows it.
#[derive(Debug, Clone)]
pub struct Preview {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The message `kind` of `org_id` in `locale` as a recipient would get it,
/// rendered by the mailer's own code with sample values (the organisation's
/// first badge and issuer when it has them): with `draft` (subject, opening:
/// checked first) instead of the saved template when given.
pub async fn preview(
    state: &AppState,
    org_id: &str,
    kind: TemplateKind,
    locale: Locale,
    draft: Option<(&str, &str)>,
) -> Result<Result<Preview, TemplateError>, crate::ServerError> {
    use insignia_store::repo::{badges, issuers, orgs};
    let template = match draft {
        Some((subject, opening)) => match checked(subject, opening) {
            Ok((subject, opening)) => Some(MailTemplate {
                kind: kind.as_str().to_owned(),
                locale: locale.code().to_owned(),
                subject,
                opening,
                updated_at: 0,
            }),
            Err(e) => return Ok(Err(e)),
        },
        None => mail_prefs::template(&state.store, org_id, kind.as_str(), locale.code()).await?,
    };
    let org_name = orgs::get(&state.store, org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let badge = badges::list(&state.store, org_id).await?.into_iter().next();
    let issuer = match &badge {
        Some(b) => issuers::by_id(&state.store, &b.issuer_id).await?,
        None => issuers::list(&state.store, org_id)
            .await?
            .into_iter()
            .next(),
    };
    let t = |key: &str| state.catalog.text(locale, key, &[]);
    let recipient = t("mail-preview-recipient");
    let badge_name = badge
        .as_ref()
        .map_or_else(|| t("mail-preview-badge"), |b| b.name.clone());
    let issuer_name = issuer
        .as_ref()
        .map_or_else(|| org_name.clone(), |i| i.name.clone());
    let names = Names {
        recipient: &recipient,
        badge: &badge_name,
        issuer: &issuer_name,
    };
    let wording = wording(state, kind, locale, template.as_ref(), names);
    let urls = crate::issuing::Urls {
        base: &state.config.base_url,
    };
    let base = &state.config.base_url;
    let reason = t("mail-preview-reason");
    let parts = crate::mail::OrgMessage {
        kind,
        wording: &wording,
        recipient_name: &recipient,
        issuer_name: &issuer_name,
        badge_name: &badge_name,
        description: "",
        org_name: &org_name,
        image_url: badge
            .as_ref()
            .map(|b| urls.badge_image(&b.id, b.current_version, "png"))
            .unwrap_or_default(),
        page_url: format!("{base}/a/example"),
        claim_url: (kind != TemplateKind::Revocation).then(|| format!("{base}/claim/example")),
        link_until: insignia_store::now() + state.config.claim_link_seconds(),
        reason: Some(reason.as_str()),
        comment: None,
        unsubscribe_url: &format!("{base}/unsubscribe/example"),
    };
    let (text, html) = crate::mail::render_org_message(state, locale, &parts)?;
    Ok(Ok(Preview {
        subject: wording.subject,
        text,
        html,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn placeholders_are_checked() {
        assert!(checked("{issuer} awarded you {badge}", "Dear {recipient},").is_ok());
        assert_eq!(
            checked("{name} hi", ""),
            Err(TemplateError::UnknownPlaceholder("name".into()))
        );
        assert_eq!(checked("a { b", ""), Err(TemplateError::StrayBrace));
        assert_eq!(checked("", "a } b"), Err(TemplateError::StrayBrace));
        assert_eq!(checked("", "{{badge}}"), Err(TemplateError::StrayBrace));
    }

    #[test]
    fn text_is_cleaned() {
        let (subject, opening) = checked(
            " Hello\r\nBcc: x@example.org ",
            "One\r\n\r\n\r\n\u{0}Two  \n\n",
        )
        .unwrap();
        assert_eq!(subject, "Hello Bcc: x@example.org");
        assert_eq!(opening, "One\n\n Two");
        assert_eq!(
            checked("", &"x".repeat(MAX_OPENING + 1)),
            Err(TemplateError::OpeningTooLong)
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let names = Names {
            recipient: "Ada",
            badge: "Python",
            issuer: "Academy",
        };
        assert_eq!(
            fill("{recipient}: {badge} from {issuer}, {badge}", names),
            "Ada: Python from Academy, Python"
        );
    }
}
