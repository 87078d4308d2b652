//! Credential types: `VerifiableCredential`, and for an Open Badge a
//! subject naming its recipient. A conformance check
//! ([`CheckKind::is_conformance`]).

use serde_json::Value;

use crate::fields::{is_open_badge, types};
use crate::report::{Check, CheckKind, failed, passed};

pub(crate) fn types_check(doc: &Value) -> Check {
    let t = types(doc);
    if !t.contains(&"VerifiableCredential") {
        return failed(
            CheckKind::Types,
            "the credential's type does not include 'VerifiableCredential'",
        );
    }
    if is_open_badge(&t) {
        let subject_ok = match doc.get("credentialSubject") {
            Some(Value::Object(s)) => s.contains_key("id") || s.contains_key("identifier"),
            _ => false,
        };
        if !subject_ok {
            return failed(
                CheckKind::Types,
                "the credentialSubject must have an 'id' or an 'identifier' naming the recipient",
            );
        }
        let kind = if t.contains(&"EndorsementCredential") {
            "an Open Badges 3.0 endorsement"
        } else {
            "an Open Badges 3.0 badge"
        };
        return passed(
            CheckKind::Types,
            format!("{kind} (types: {})", t.join(", ")),
        );
    }
    passed(
        CheckKind::Types,
        format!(
            "a verifiable credential of type {} (not an Open Badge)",
            t.join(", ")
        ),
    )
}
