//! Page helpers the route modules share: how a verification report, an
//! upload refusal and a download are shown to people, and the language of
//! a recipient's e-mail as a form chooses it. Nothing here reads the
//! database; the routes call services for that.

use insignia_artwork::upload::UploadError;
use insignia_verify::Report;
use minijinja::context;

use crate::auth::Member;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::state::Shared;

/// Catalogue-driven lines for each check of a report.
pub(crate) fn check_lines(
    state: &Shared,
    locale: crate::i18n::Locale,
    report: &Report,
) -> Vec<minijinja::Value> {
    report
        .checks
        .iter()
        .map(|c| {
            let kind = serde_json::to_value(c.check)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            // A failed conformance rule is not a failed authenticity check.
            let outcome =
                if c.outcome == insignia_verify::Outcome::Failed && c.check.is_conformance() {
                    "nonconforming".to_owned()
                } else {
                    serde_json::to_value(c.outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                };
            let kind_key = format!("check-{}", kind.replace('_', "-"));
            let outcome_key = format!("check-outcome-{}", outcome.replace('_', "-"));
            context! {
                label => state.catalog.text(locale, &kind_key, &[]),
                outcome => outcome,
                outcome_label => state.catalog.text(locale, &outcome_key, &[]),
                plain => plain_message(state, locale, c),
                detail => c.message,
            }
        })
        .collect()
}

/// The recipient as a report's summary names them, in the reader's
/// language when the credential names them only by a hash.
pub(crate) fn recipient_text(
    state: &Shared,
    locale: Locale,
    summary: &insignia_verify::Summary,
) -> Option<String> {
    use fluent_bundle::FluentValue;
    match &summary.recipient_hashed {
        Some(hashed) => Some(state.catalog.text(
            locale,
            &format!("verify-recipient-hashed-{}", hashed.kind),
            &[("hash", FluentValue::from(hashed.hash_start.clone()))],
        )),
        None => summary.recipient.clone(),
    }
}

/// A check's outcome in plain words in the reader's language, from its
/// message id and arguments (dates written for the language; an empty
/// argument is `none`, which the catalogues select on).
pub(crate) fn plain_message(
    state: &Shared,
    locale: Locale,
    check: &insignia_verify::Check,
) -> String {
    use fluent_bundle::FluentValue;
    let args: Vec<(&str, FluentValue<'_>)> = check
        .args
        .iter()
        .map(|(name, value)| {
            let value = if value.trim().is_empty() {
                "none".to_owned()
            } else if matches!(*name, "date" | "until" | "since") {
                time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
                    .map_or_else(
                        |_| value.clone(),
                        |t| crate::pages::format_date(&state.catalog, locale, t),
                    )
            } else {
                value.clone()
            };
            (*name, FluentValue::from(value))
        })
        .collect();
    state
        .catalog
        .text(locale, &format!("check-msg-{}", check.message_id), &args)
}

pub(crate) fn verdict_key(report: &Report) -> &'static str {
    match report.verdict {
        insignia_verify::Verdict::Valid => "verify-verdict-valid",
        insignia_verify::Verdict::ValidWithWarnings => "verify-verdict-valid-with-warnings",
        insignia_verify::Verdict::Invalid => "verify-verdict-invalid",
        insignia_verify::Verdict::Indeterminate => "verify-verdict-indeterminate",
    }
}

pub(crate) fn verdict_name(report: &Report) -> &'static str {
    match report.verdict {
        insignia_verify::Verdict::Valid => "valid",
        insignia_verify::Verdict::ValidWithWarnings => "valid-with-warnings",
        insignia_verify::Verdict::Invalid => "invalid",
        insignia_verify::Verdict::Indeterminate => "indeterminate",
    }
}

/// Why an uploaded image (badge or issuer logo) was refused, in the visitor's
/// language. Parser details (XML and PNG decoders' own words) stay as given.
pub(crate) fn upload_refusal(state: &Shared, locale: Locale, error: &UploadError) -> String {
    use fluent_bundle::FluentValue;
    let n = |v: u64| FluentValue::from(v);
    let text = |s: &str| FluentValue::from(s.to_owned());
    let (key, args): (&str, Vec<(&str, FluentValue<'_>)>) = match error {
        UploadError::Empty => ("upload-empty", vec![]),
        UploadError::TooLarge { bytes, max } => (
            "upload-too-large",
            vec![("bytes", n(*bytes as u64)), ("max", n(*max as u64))],
        ),
        UploadError::NotAnImage => ("upload-not-image", vec![]),
        UploadError::TooWide { width, max } => (
            "upload-too-wide",
            vec![("width", n((*width).into())), ("max", n((*max).into()))],
        ),
        UploadError::TooTall { height, max } => (
            "upload-too-tall",
            vec![("height", n((*height).into())), ("max", n((*max).into()))],
        ),
        UploadError::TooSmall { width, height, min } => (
            "upload-too-small",
            vec![
                ("width", n((*width).into())),
                ("height", n((*height).into())),
                ("min", n((*min).into())),
            ],
        ),
        UploadError::NotSquare { width, height } => (
            "upload-not-square",
            vec![
                ("width", n((*width).into())),
                ("height", n((*height).into())),
            ],
        ),
        UploadError::TooDemanding { max_mb } => ("upload-too-demanding", vec![("max", n(*max_mb))]),
        UploadError::DamagedPng(detail) => ("upload-damaged-png", vec![("detail", text(detail))]),
        UploadError::SvgNotUtf8 => ("upload-svg-not-utf8", vec![]),
        UploadError::SvgDoctype => ("upload-svg-doctype", vec![]),
        UploadError::SvgEntity(name) => ("upload-svg-entity", vec![("name", text(name))]),
        UploadError::SvgMalformed(detail) => {
            ("upload-svg-malformed", vec![("detail", text(detail))])
        }
        UploadError::SvgNotSvg => ("upload-svg-not-svg", vec![]),
        UploadError::SvgTooDeep { max } => ("upload-svg-too-deep", vec![("max", n(*max as u64))]),
        UploadError::SvgTooManyElements { max } => (
            "upload-svg-too-many-elements",
            vec![("max", n(*max as u64))],
        ),
        UploadError::SvgTooManyUses { max } => ("upload-svg-too-many-uses", vec![("max", n(*max))]),
        UploadError::SvgDoesNotRender(detail) => {
            ("upload-svg-not-drawable", vec![("detail", text(detail))])
        }
        UploadError::Convert(detail) => ("upload-convert", vec![("detail", text(detail))]),
    };
    let reason = state.catalog.text(locale, key, &args);
    state.catalog.text(
        locale,
        "upload-refused",
        &[("reason", FluentValue::from(reason))],
    )
}

/// The language chosen for a recipient's e-mail: the form's, else the
/// issuing member's. An unknown code is a bad request.
pub(crate) fn email_locale(
    state: &Shared,
    member: &Member,
    code: &str,
) -> Result<Locale, AppError> {
    match code.trim() {
        "" => Ok(member.locale),
        c => Locale::from_code(c).ok_or_else(|| {
            AppError::BadRequest(
                state
                    .catalog
                    .text(member.locale, "mail-error-language", &[]),
            )
        }),
    }
}

/// A download's file name after the badge and the recipient, in ASCII
/// (`web-accessibility-foundations-ada-lovelace.png`): accents folded,
/// everything else that is not a letter or digit a hyphen.
pub(crate) fn file_name(badge: &str, recipient: &str, ext: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::new();
    for c in format!("{badge} {recipient}").nfkd() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !unicode_normalization::char::is_combining_mark(c) && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(100).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("badge.{ext}")
    } else {
        format!("{slug}.{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn download_names_follow_badge_and_recipient() {
        assert_eq!(
            file_name("Web Accessibility: Foundations", "Ada Lovelace", "png"),
            "web-accessibility-foundations-ada-lovelace.png"
        );
        assert_eq!(
            file_name("Données", "Éloïse Núñez", "json"),
            "donnees-eloise-nunez.json"
        );
        assert_eq!(file_name("***", "", "jwt"), "badge.jwt");
        assert!(!file_name("a\"b", "c/d", "png").contains(['"', '/']));
    }
}
