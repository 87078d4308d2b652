//! The normative rules of the W3C Verifiable Credentials Data Model 2.0 (and
//! the ones of 1.1 that 2.0 keeps), as pure functions over JSON.
//!
//! One set of rules serves every place that judges a credential: `insignia
//! sign` and the server refuse to sign a credential that breaks any of them,
//! and the verifier reports them as a check. Each [`RuleProblem`] carries a
//! stable `code` (for machines and tests; never reworded), the JSON pointer of
//! the offending value and an English sentence.
//!
//! Only structural rules are here: what JSON-LD says about terms and contexts
//! is judged by `insignia-ld`, signatures by `insignia-proofs`.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value};

/// The base contexts: VC 2.0 and VC 1.1.
pub const VC2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const VC1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleProblem {
    /// Stable identifier of the rule, e.g. `credential-subject-missing`.
    pub code: &'static str,
    /// JSON pointer (RFC 6901) to the value that breaks it (`""`: the document).
    pub pointer: String,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl std::fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{} at {at}: {}", self.code, self.message)
    }
}

/// XML Schema `dateTimeStamp`: a `dateTime` whose time zone is required.
static DATE_TIME_STAMP: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern, covered by the tests
    Regex::new(
        r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$",
    )
    .unwrap()
});

/// Whether `text` is an XML Schema `dateTimeStamp` (a date-time with a time zone).
pub fn is_date_time_stamp(text: &str) -> bool {
    DATE_TIME_STAMP.is_match(text)
}

/// Whether `text` is an absolute URL (any scheme: `https:`, `did:`, `urn:`…),
/// as VC 2.0's identifiers must be.
pub fn is_url(text: &str) -> bool {
    url::Url::parse(text).is_ok()
}

/// Which VC Data Model the document's first context names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V2,
    V1,
}

struct Collector {
    problems: Vec<RuleProblem>,
}

impl Collector {
    fn add(&mut self, code: &'static str, pointer: &str, message: impl Into<String>) {
        self.problems.push(RuleProblem {
            code,
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape(key))
}

/// The items of a value that may be one object or a list of them, each with
/// its pointer.
fn items<'a>(value: &'a Value, pointer: &str) -> Vec<(&'a Value, String)> {
    match value {
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (v, format!("{pointer}/{i}")))
            .collect(),
        other => vec![(other, pointer.to_owned())],
    }
}

fn types_of(value: &Value) -> Vec<&str> {
    match value.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The rules for a Verifiable Credential. An empty list: it conforms.
pub fn check_credential(doc: &Value) -> Vec<RuleProblem> {
    let mut out = Collector {
        problems: Vec::new(),
    };
    credential_rules(doc, "", &mut out);
    out.problems
}

/// The rules for a Verifiable Presentation, its embedded credentials included
/// (their problems point inside `verifiableCredential`).
pub fn check_presentation(doc: &Value) -> Vec<RuleProblem> {
    let mut out = Collector {
        problems: Vec::new(),
    };
    let Some(map) = doc.as_object() else {
        out.add(
            "presentation-not-object",
            "",
            "a verifiable presentation is a JSON object",
        );
        return out.problems;
    };
    context_rule(map, "", &mut out);
    type_rule(doc, "", "VerifiablePresentation", "presentation", &mut out);
    id_rule(map, "", &mut out);
    if let Some(holder) = map.get("holder") {
        match holder {
            Value::String(s) if is_url(s) => {}
            Value::Object(h) => match h.get("id") {
                Some(Value::String(s)) if is_url(s) => {}
                _ => out.add(
                    "holder-not-url",
                    "/holder",
                    "the holder, given as an object, must have an 'id' that is a URL",
                ),
            },
            _ => out.add(
                "holder-not-url",
                "/holder",
                "the holder must be a URL or an object whose 'id' is a URL",
            ),
        }
    }
    if let Some(vcs) = map.get("verifiableCredential") {
        for (vc, pointer) in items(vcs, "/verifiableCredential") {
            if !vc.is_object() {
                out.add(
                    "presentation-credential-not-object",
                    &pointer,
                    "each verifiableCredential must be an object (a secured credential or an EnvelopedVerifiableCredential), not a string",
                );
                continue;
            }
            let t = types_of(vc);
            if t.contains(&"EnvelopedVerifiableCredential") {
                enveloped_rules(vc, &pointer, &mut out);
            } else if vc
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.starts_with("data:"))
                && t.is_empty()
            {
                out.add(
                    "enveloped-credential-type-missing",
                    &child(&pointer, "type"),
                    "an enveloped credential (a data: URL) must have the type EnvelopedVerifiableCredential",
                );
            } else {
                credential_rules(vc, &pointer, &mut out);
            }
        }
    }
    proof_rules(map, "", &mut out);
    out.problems
}

fn enveloped_rules(vc: &Value, pointer: &str, out: &mut Collector) {
    match vc.get("id").and_then(Value::as_str) {
        Some(id) if id.starts_with("data:") => {}
        _ => out.add(
            "enveloped-credential-id",
            &child(pointer, "id"),
            "an EnvelopedVerifiableCredential's 'id' must be a data: URL carrying the credential",
        ),
    }
}

fn credential_rules(doc: &Value, base: &str, out: &mut Collector) {
    let Some(map) = doc.as_object() else {
        out.add(
            "credential-not-object",
            base,
            "a verifiable credential is a JSON object",
        );
        return;
    };
    let version = context_rule(map, base, out);
    type_rule(doc, base, "VerifiableCredential", "credential", out);
    id_rule(map, base, out);
    issuer_rule(map, base, out);
    subject_rule(map, base, out);
    dates_rule(map, base, version, out);
    for key in ["name", "description"] {
        if let Some(value) = map.get(key) {
            language_value_rule(value, &child(base, key), key, out);
        }
    }
    if let Some(Value::Object(issuer)) = map.get("issuer") {
        for key in ["name", "description"] {
            if let Some(value) = issuer.get(key) {
                language_value_rule(value, &child(&child(base, "issuer"), key), key, out);
            }
        }
    }
    // Objects that must say what they are (and, for a schema, where it is).
    for (key, id_required) in [
        ("credentialStatus", false),
        ("credentialSchema", true),
        ("evidence", false),
        ("termsOfUse", false),
        ("refreshService", false),
    ] {
        if let Some(value) = map.get(key) {
            typed_objects_rule(value, &child(base, key), key, id_required, out);
        }
    }
    if let Some(related) = map.get("relatedResource") {
        related_resource_rule(related, &child(base, "relatedResource"), out);
    }
    proof_rules(map, base, out);
}

/// `@context`: present, an ordered set whose first item is the VC base context.
fn context_rule(map: &Map<String, Value>, base: &str, out: &mut Collector) -> Option<Version> {
    let pointer = child(base, "@context");
    let first = match map.get("@context") {
        None => {
            out.add("context-missing", &pointer, "the document has no @context");
            return None;
        }
        Some(Value::Array(list)) => list.first(),
        Some(other) => Some(other),
    };
    match first.and_then(Value::as_str) {
        Some(VC2_CONTEXT) => Some(Version::V2),
        Some(VC1_CONTEXT) => Some(Version::V1),
        _ => {
            out.add(
                "context-base-first",
                &pointer,
                format!(
                    "the first @context must be the Verifiable Credentials context ({VC2_CONTEXT})"
                ),
            );
            None
        }
    }
}

fn type_rule(doc: &Value, base: &str, required: &str, what: &str, out: &mut Collector) {
    let pointer = child(base, "type");
    match doc.get("type") {
        None => out.add(
            "type-missing",
            &pointer,
            format!("a {what} must have a 'type' that includes {required}"),
        ),
        Some(Value::String(_)) | Some(Value::Array(_)) if types_of(doc).contains(&required) => {
            if let Some(Value::Array(list)) = doc.get("type") {
                if list.iter().any(|t| !t.is_string()) {
                    out.add("type-not-string", &pointer, "every type must be a string");
                }
            }
        }
        Some(_) => out.add(
            "type-missing-required",
            &pointer,
            format!("a {what}'s 'type' must include {required}"),
        ),
    }
}

fn id_rule(map: &Map<String, Value>, base: &str, out: &mut Collector) {
    if let Some(id) = map.get("id") {
        let pointer = child(base, "id");
        match id {
            Value::String(s) if is_url(s) => {}
            Value::String(_) => out.add("id-not-url", &pointer, "the 'id' must be a URL"),
            _ => out.add(
                "id-not-single-url",
                &pointer,
                "the 'id' must be one URL (a single string)",
            ),
        }
    }
}

fn issuer_rule(map: &Map<String, Value>, base: &str, out: &mut Collector) {
    let pointer = child(base, "issuer");
    match map.get("issuer") {
        None => out.add(
            "issuer-missing",
            &pointer,
            "a credential must name its issuer",
        ),
        Some(Value::String(s)) if is_url(s) => {}
        Some(Value::Object(issuer)) => match issuer.get("id") {
            Some(Value::String(s)) if is_url(s) => {}
            _ => out.add(
                "issuer-not-url",
                &child(&pointer, "id"),
                "the issuer, given as an object, must have an 'id' that is a URL",
            ),
        },
        Some(_) => out.add(
            "issuer-not-url",
            &pointer,
            "the issuer must be a URL or an object whose 'id' is a URL",
        ),
    }
}

fn subject_rule(map: &Map<String, Value>, base: &str, out: &mut Collector) {
    let pointer = child(base, "credentialSubject");
    let Some(subject) = map.get("credentialSubject") else {
        out.add(
            "credential-subject-missing",
            &pointer,
            "a credential must have a credentialSubject (the claims it makes)",
        );
        return;
    };
    if matches!(subject, Value::Array(list) if list.is_empty()) {
        out.add(
            "credential-subject-empty",
            &pointer,
            "the credentialSubject list is empty",
        );
    }
    for (one, at) in items(subject, &pointer) {
        match one {
            Value::Object(s) if s.is_empty() => out.add(
                "credential-subject-no-claims",
                &at,
                "a credentialSubject must make at least one claim",
            ),
            Value::Object(s) => {
                if let Some(id) = s.get("id") {
                    if !id.as_str().is_some_and(is_url) {
                        out.add(
                            "credential-subject-id-not-url",
                            &child(&at, "id"),
                            "the credentialSubject's 'id' must be one URL",
                        );
                    }
                }
            }
            _ => out.add(
                "credential-subject-not-object",
                &at,
                "a credentialSubject must be an object",
            ),
        }
    }
}

fn dates_rule(map: &Map<String, Value>, base: &str, version: Option<Version>, out: &mut Collector) {
    let mut read = |key: &str| -> Option<String> {
        let value = map.get(key)?;
        let pointer = child(base, key);
        match value.as_str() {
            Some(text) if is_date_time_stamp(text) => Some(text.to_owned()),
            _ => {
                out.add(
                    "date-time-stamp",
                    &pointer,
                    format!(
                        "'{key}' must be a date-time with a time zone (XML Schema dateTimeStamp), e.g. 2026-01-01T00:00:00Z"
                    ),
                );
                None
            }
        }
    };
    let from = read("validFrom");
    let until = read("validUntil");
    if version == Some(Version::V1) {
        let _ = read("issuanceDate");
        let _ = read("expirationDate");
    }
    if let (Some(from), Some(until)) = (from, until) {
        use time::OffsetDateTime;
        use time::format_description::well_known::Rfc3339;
        if let (Ok(f), Ok(u)) = (
            OffsetDateTime::parse(&from, &Rfc3339),
            OffsetDateTime::parse(&until, &Rfc3339),
        ) {
            if u < f {
                out.add(
                    "valid-until-before-valid-from",
                    &child(base, "validUntil"),
                    "'validUntil' is earlier than 'validFrom'",
                );
            }
        }
    }
    if version == Some(Version::V1) && !map.contains_key("issuanceDate") {
        out.add(
            "issuance-date-missing",
            &child(base, "issuanceDate"),
            "a VC Data Model 1.1 credential must have an 'issuanceDate'",
        );
    }
}

/// `name` and `description`: a string, a language value object
/// (`@value` with `@language` and/or `@direction`, nothing else), or a list of them.
fn language_value_rule(value: &Value, pointer: &str, key: &str, out: &mut Collector) {
    let ok = |v: &Value| match v {
        Value::String(_) => true,
        Value::Object(o) => {
            o.get("@value").is_some_and(Value::is_string)
                && o.keys()
                    .all(|k| matches!(k.as_str(), "@value" | "@language" | "@direction"))
        }
        _ => false,
    };
    let good = match value {
        Value::Array(list) => list.iter().all(ok),
        other => ok(other),
    };
    if !good {
        out.add(
            "language-value",
            pointer,
            format!(
                "'{key}' must be a string or a language value object (@value with @language or @direction, nothing else)"
            ),
        );
    }
}

fn typed_objects_rule(
    value: &Value,
    pointer: &str,
    key: &'static str,
    id_required: bool,
    out: &mut Collector,
) {
    for (one, at) in items(value, pointer) {
        let Some(obj) = one.as_object() else {
            out.add(
                "property-not-object",
                &at,
                format!("each '{key}' value must be an object"),
            );
            continue;
        };
        match obj.get("type") {
            None => out.add(
                "type-missing",
                &child(&at, "type"),
                format!("each '{key}' object must have a 'type'"),
            ),
            Some(Value::String(_)) => {}
            Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_string) => {}
            Some(_) => out.add(
                "type-not-string",
                &child(&at, "type"),
                format!("the 'type' of '{key}' must be a string or a list of strings"),
            ),
        }
        match obj.get("id") {
            None if id_required => out.add(
                "id-missing",
                &child(&at, "id"),
                format!("each '{key}' object must have an 'id'"),
            ),
            None => {}
            Some(Value::String(s)) if is_url(s) => {}
            Some(_) => out.add(
                "id-not-url",
                &child(&at, "id"),
                format!("the 'id' of '{key}' must be one URL"),
            ),
        }
    }
}

fn related_resource_rule(value: &Value, pointer: &str, out: &mut Collector) {
    let mut seen = HashSet::new();
    for (one, at) in items(value, pointer) {
        let Some(obj) = one.as_object() else {
            out.add(
                "related-resource-not-object",
                &at,
                "each relatedResource must be an object with an 'id' and a digest",
            );
            continue;
        };
        match obj.get("id") {
            Some(Value::String(id)) if is_url(id) => {
                if !seen.insert(id.clone()) {
                    out.add(
                        "related-resource-duplicate-id",
                        &child(&at, "id"),
                        format!("the relatedResource {id} is listed more than once"),
                    );
                }
            }
            Some(_) => out.add(
                "id-not-url",
                &child(&at, "id"),
                "a relatedResource's 'id' must be a URL",
            ),
            None => out.add(
                "related-resource-id-missing",
                &child(&at, "id"),
                "each relatedResource must have an 'id'",
            ),
        }
        let has_digest = ["digestSRI", "digestMultibase"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(Value::is_string));
        if !has_digest {
            out.add(
                "related-resource-digest-missing",
                &at,
                "each relatedResource must have a 'digestSRI' or a 'digestMultibase'",
            );
        }
    }
}

/// Proofs (when present): objects with a `type`, and unique `id`s in a proof set.
fn proof_rules(map: &Map<String, Value>, base: &str, out: &mut Collector) {
    let Some(proof) = map.get("proof") else {
        return;
    };
    let mut ids = HashSet::new();
    for (one, at) in items(proof, &child(base, "proof")) {
        let Some(obj) = one.as_object() else {
            out.add("proof-not-object", &at, "each proof must be an object");
            continue;
        };
        if !obj.get("type").is_some_and(Value::is_string) {
            out.add(
                "type-missing",
                &child(&at, "type"),
                "each proof must have a 'type'",
            );
        }
        if let Some(Value::String(id)) = obj.get("id") {
            if !ids.insert(id.clone()) {
                out.add(
                    "proof-duplicate-id",
                    &child(&at, "id"),
                    format!("two proofs of the set have the id {id}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "@context": [VC2_CONTEXT],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:subject"}
        })
    }

    fn codes(doc: &Value) -> Vec<(&'static str, String)> {
        check_credential(doc)
            .into_iter()
            .map(|p| (p.code, p.pointer))
            .collect()
    }

    #[test]
    fn a_minimal_credential_conforms() {
        assert_eq!(codes(&base()), vec![]);
    }

    #[test]
    fn each_rule_is_named_with_its_pointer() {
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            (
                "no subject",
                json!(null),
                "credential-subject-missing",
                "/credentialSubject",
            ),
            (
                "empty subject",
                json!({"credentialSubject": {}}),
                "credential-subject-no-claims",
                "/credentialSubject",
            ),
            (
                "empty second subject",
                json!({"credentialSubject": [{"id": "did:example:a"}, {}]}),
                "credential-subject-no-claims",
                "/credentialSubject/1",
            ),
            (
                "issuer not url",
                json!({"issuer": "not a url"}),
                "issuer-not-url",
                "/issuer",
            ),
            (
                "issuer null",
                json!({"issuer": null}),
                "issuer-not-url",
                "/issuer",
            ),
            (
                "issuer object id",
                json!({"issuer": {"id": "nope", "name": "X"}}),
                "issuer-not-url",
                "/issuer/id",
            ),
            (
                "validFrom",
                json!({"validFrom": "Sat 25 Feb 2023 07:16:31 PM CST"}),
                "date-time-stamp",
                "/validFrom",
            ),
            (
                "validUntil no zone",
                json!({"validUntil": "2026-01-01T00:00:00"}),
                "date-time-stamp",
                "/validUntil",
            ),
            (
                "until before from",
                json!({"validUntil": "2025-01-01T00:00:00Z"}),
                "valid-until-before-valid-from",
                "/validUntil",
            ),
            (
                "evidence type",
                json!({"evidence": [{"id": "https://example.org/e"}]}),
                "type-missing",
                "/evidence/0/type",
            ),
            (
                "status type",
                json!({"credentialStatus": {"id": "https://example.org/s"}}),
                "type-missing",
                "/credentialStatus/type",
            ),
            (
                "status ids",
                json!({"credentialStatus": {"id": ["did:example:1", "did:example:2"], "type": "X"}}),
                "id-not-url",
                "/credentialStatus/id",
            ),
            (
                "status type number",
                json!({"credentialStatus": {"type": 2}}),
                "type-not-string",
                "/credentialStatus/type",
            ),
            (
                "schema id",
                json!({"credentialSchema": {"type": "JsonSchema"}}),
                "id-missing",
                "/credentialSchema/id",
            ),
            (
                "schema type",
                json!({"credentialSchema": {"id": "https://example.org/s"}}),
                "type-missing",
                "/credentialSchema/type",
            ),
            (
                "terms type",
                json!({"termsOfUse": {"id": "https://example.org/t"}}),
                "type-missing",
                "/termsOfUse/type",
            ),
            (
                "refresh type",
                json!({"refreshService": {"id": "https://example.org/r"}}),
                "type-missing",
                "/refreshService/type",
            ),
            (
                "related no id",
                json!({"relatedResource": [{"digestSRI": "sha384-x"}]}),
                "related-resource-id-missing",
                "/relatedResource/0/id",
            ),
            (
                "related no digest",
                json!({"relatedResource": [{"id": "https://example.org/r"}]}),
                "related-resource-digest-missing",
                "/relatedResource/0",
            ),
            (
                "related string",
                json!({"relatedResource": ["https://example.org/r"]}),
                "related-resource-not-object",
                "/relatedResource/0",
            ),
            (
                "related dup",
                json!({"relatedResource": [{"id": "https://example.org/r", "digestSRI": "a"}, {"id": "https://example.org/r", "digestMultibase": "b"}]}),
                "related-resource-duplicate-id",
                "/relatedResource/1/id",
            ),
            (
                "id list",
                json!({"id": ["https://a.example/1", "https://b.example/1"]}),
                "id-not-single-url",
                "/id",
            ),
            ("id null", json!({"id": null}), "id-not-single-url", "/id"),
            (
                "id not url",
                json!({"id": "credential-1"}),
                "id-not-url",
                "/id",
            ),
            (
                "name extra",
                json!({"name": {"@value": "N", "@language": "en", "extra": 1}}),
                "language-value",
                "/name",
            ),
            (
                "type",
                json!({"type": ["Other"]}),
                "type-missing-required",
                "/type",
            ),
            (
                "context",
                json!({"@context": ["https://example.org/other"]}),
                "context-base-first",
                "/@context",
            ),
            (
                "proof type",
                json!({"proof": {"proofValue": "z"}}),
                "type-missing",
                "/proof/type",
            ),
        ];
        for (name, patch, code, pointer) in cases {
            let mut doc = base();
            if patch.is_null() {
                doc.as_object_mut().map(|m| m.remove("credentialSubject"));
            } else if let (Some(map), Some(p)) = (doc.as_object_mut(), patch.as_object()) {
                for (k, v) in p {
                    map.insert(k.clone(), v.clone());
                }
            }
            let got = codes(&doc);
            assert!(
                got.contains(&(code, pointer.to_owned())),
                "{name}: expected {code} at {pointer}, got {got:?}"
            );
        }
    }

    #[test]
    fn conforming_variants_pass() {
        for patch in [
            json!({"validFrom": "2026-01-01T00:00:00.123+01:00"}),
            json!({"issuer": {"id": "https://example.org/i", "name": {"@value": "I", "@language": "en"}}}),
            json!({"credentialStatus": {"type": "BitstringStatusListEntry"}}),
            json!({"relatedResource": {"id": "https://example.org/r", "digestMultibase": "uEi"}}),
            json!({"evidence": {"type": ["Evidence"]}, "termsOfUse": [{"type": "T"}]}),
            json!({"name": [{"@value": "N", "@language": "en", "@direction": "ltr"}, "plain"]}),
        ] {
            let mut doc = base();
            if let (Some(map), Some(p)) = (doc.as_object_mut(), patch.as_object()) {
                for (k, v) in p {
                    map.insert(k.clone(), v.clone());
                }
            }
            assert_eq!(codes(&doc), vec![], "{patch}");
        }
    }

    #[test]
    fn date_time_stamps() {
        for ok in [
            "2026-01-01T00:00:00Z",
            "2026-12-31T23:59:59.5-05:00",
            "12026-01-01T00:00:00+14:00",
        ] {
            assert!(is_date_time_stamp(ok), "{ok}");
        }
        for bad in [
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00+15:00",
        ] {
            assert!(!is_date_time_stamp(bad), "{bad}");
        }
    }

    #[test]
    fn presentation_rules() {
        let vc = base();
        let ok = json!({"@context": [VC2_CONTEXT], "type": ["VerifiablePresentation"], "holder": "did:example:h", "verifiableCredential": [vc]});
        assert_eq!(check_presentation(&ok), vec![]);
        let bad = json!({"@context": [VC2_CONTEXT], "type": ["Other"], "holder": {"name": "Acme"},
            "verifiableCredential": ["eyJ...", {"@context": [VC2_CONTEXT], "type": ["VerifiableCredential"], "issuer": "did:example:i"}]});
        let got: Vec<(&str, String)> = check_presentation(&bad)
            .into_iter()
            .map(|p| (p.code, p.pointer))
            .collect();
        for want in [
            ("type-missing-required", "/type"),
            ("holder-not-url", "/holder"),
            (
                "presentation-credential-not-object",
                "/verifiableCredential/0",
            ),
            (
                "credential-subject-missing",
                "/verifiableCredential/1/credentialSubject",
            ),
        ] {
            assert!(
                got.contains(&(want.0, want.1.to_owned())),
                "{want:?} in {got:?}"
            );
        }
        let enveloped = json!({"@context": [VC2_CONTEXT], "type": "VerifiablePresentation",
            "verifiableCredential": {"@context": VC2_CONTEXT, "id": "data:application/vc-ld+jwt,eyJ"}});
        assert_eq!(
            check_presentation(&enveloped)[0].code,
            "enveloped-credential-type-missing"
        );
    }
}
