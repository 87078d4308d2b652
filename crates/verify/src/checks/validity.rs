//! The validity window: `validFrom`/`validUntil` (Open Badges 3.0, VC 2.0),
//! `issuanceDate`/`expirationDate` (VC 1.1), `issuedOn`/`expires` (Open
//! Badges 2.0), judged at the options' `now`.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::report::{Check, CheckKind, failed, not_applicable, passed};

pub(crate) fn validity_check(doc: &Value, now: OffsetDateTime) -> Check {
    let start = ["validFrom", "issuanceDate", "issuedOn"]
        .into_iter()
        .find_map(|k| doc.get(k).map(|v| (k, v)));
    let end = ["validUntil", "expirationDate", "expires"]
        .into_iter()
        .find_map(|k| doc.get(k).map(|v| (k, v)));
    let parse = |name: &str, value: &Value| -> Result<OffsetDateTime, String> {
        let text = value
            .as_str()
            .ok_or_else(|| format!("'{name}' is not a date-time string"))?;
        OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            format!(
                "'{name}' ({text}) is not a date-time with a time zone, e.g. 2026-11-23T10:00:00Z"
            )
        })
    };
    let start = match start.map(|(k, v)| parse(k, v)).transpose() {
        Ok(s) => s,
        Err(why) => return failed(CheckKind::ValidityWindow, why),
    };
    let end = match end.map(|(k, v)| parse(k, v)).transpose() {
        Ok(e) => e,
        Err(why) => return failed(CheckKind::ValidityWindow, why),
    };
    let show = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_else(|_| t.to_string());
    if let Some(start) = start {
        if now < start {
            return failed(
                CheckKind::ValidityWindow,
                format!("not valid yet: valid from {}", show(start)),
            )
            .with_id("validity-not-yet")
            .with_arg("date", show(start));
        }
    }
    if let Some(end) = end {
        if now >= end {
            return failed(
                CheckKind::ValidityWindow,
                format!("expired on {}", show(end)),
            )
            .with_id("validity-expired")
            .with_arg("date", show(end));
        }
    }
    match (start, end) {
        (_, Some(end)) => passed(
            CheckKind::ValidityWindow,
            format!("valid until {}", show(end)),
        )
        .with_id("validity-until")
        .with_arg("until", show(end)),
        (Some(start), None) => passed(
            CheckKind::ValidityWindow,
            format!("valid since {}, with no expiry date", show(start)),
        )
        .with_id("validity-since")
        .with_arg("since", show(start)),
        (None, None) => not_applicable(
            CheckKind::ValidityWindow,
            "the credential states no validity period",
        ),
    }
}
