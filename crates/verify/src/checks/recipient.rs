//! Was the badge awarded to this person? Compares a claimed identity (an
//! e-mail address, a URL, a DID…) with the credential's recipient:
//! Open Badges 2.0 `recipient` (plain or `sha256$`/`md5$` hashed, salt
//! appended) and Open Badges 3.0 `credentialSubject` (`id`, `email`, or the
//! `identifier` list of IdentityObjects).

use insignia_model::identity::identity_matches;
use serde_json::Value;

use crate::report::{Check, CheckKind, failed, not_applicable, passed};

pub(crate) fn recipient_check(doc: &Value, claimed: Option<&str>) -> Check {
    let Some(claimed) = claimed else {
        return not_applicable(
            CheckKind::Recipient,
            "no recipient was given to compare with",
        );
    };
    let stored = stored_identities(doc);
    if stored.is_empty() {
        return failed(
            CheckKind::Recipient,
            format!("the credential names no recipient identity to compare {claimed} with"),
        );
    }
    if identities_match(&stored, claimed) {
        passed(
            CheckKind::Recipient,
            format!("the credential was awarded to {claimed}"),
        )
        .with_id("recipient-matches")
        .with_arg("recipient", claimed)
    } else {
        failed(
            CheckKind::Recipient,
            format!("the credential was NOT awarded to {claimed}"),
        )
        .with_id("recipient-mismatch")
        .with_arg("recipient", claimed)
    }
}

/// Whether `claimed` (an e-mail address, a URL, a DID…) is the recipient
/// the credential names: its plain identity, or its hash with the
/// credential's salt.
pub fn awarded_to(doc: &Value, claimed: &str) -> bool {
    identities_match(&stored_identities(doc), claimed)
}

fn identities_match(stored: &[(String, Option<String>)], claimed: &str) -> bool {
    let mailto = format!("mailto:{}", claimed.trim());
    stored.iter().any(|(identity, salt)| {
        identity_matches(claimed, identity, salt.as_deref())
            || identity.eq_ignore_ascii_case(&mailto)
    })
}

/// (identity or hash, salt) pairs the credential names its recipient by.
fn stored_identities(doc: &Value) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    // Open Badges 2.0: recipient = IdentityObject.
    if let Some(recipient) = doc.get("recipient").filter(|r| r.is_object()) {
        if let Some(identity) = text(recipient.get("identity")) {
            out.push((identity, text(recipient.get("salt"))));
        }
    }
    // Open Badges 3.0: credentialSubject (one or several).
    let subjects: Vec<&Value> = match doc.get("credentialSubject") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(subject) => vec![subject],
        None => Vec::new(),
    };
    for subject in subjects {
        for key in ["id", "email"] {
            if let Some(value) = text(subject.get(key)) {
                out.push((value, None));
            }
        }
        let identifiers: Vec<&Value> = match subject.get("identifier") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        for identifier in identifiers {
            if let Some(hash) = text(identifier.get("identityHash")) {
                out.push((hash, text(identifier.get("salt"))));
            }
        }
    }
    out
}
