//! The official Open Badges 3.0 JSON Schema (`insignia_model::schema`),
//! reading single values as one-element lists like 1EdTech's validator. A
//! conformance check ([`CheckKind::is_conformance`]).

use serde_json::Value;

use crate::fields::{is_open_badge, types};
use crate::report::{Check, CheckKind, failed, not_applicable, passed};

pub(crate) fn schema_check(doc: &Value) -> Check {
    let t = types(doc);
    if !is_open_badge(&t) {
        return not_applicable(
            CheckKind::Schema,
            "no Open Badges schema applies to this credential type",
        );
    }
    // Nearly every Data Integrity credential carries one proof as an object while
    // the schema wants an array: read it as a one-element list straight away
    // rather than validating twice.
    if doc.get("proof").is_some_and(Value::is_object) {
        let mut wrapped = doc.clone();
        if let Some(proof) = wrapped.get_mut("proof") {
            let single = proof.take();
            *proof = Value::Array(vec![single]);
        }
        if insignia_model::schema::validate_ob3(&wrapped).is_ok() {
            return passed(
                CheckKind::Schema,
                "the credential matches the official Open Badges 3.0 JSON Schema, reading single values as one-element lists at /proof",
            );
        }
    }
    let issues = match insignia_model::schema::validate_ob3(doc) {
        Ok(()) => {
            return passed(
                CheckKind::Schema,
                "the credential matches the official Open Badges 3.0 JSON Schema",
            );
        }
        Err(issues) => issues,
    };
    // The schema writes every JSON-LD set as an array; the specification's own
    // examples (and most issuers) give a single value as a plain object. Like
    // 1EdTech's validator, read such singletons as one-element lists and only
    // note the difference.
    let (lenient, wrapped) = wrap_singletons(doc, &issues);
    if !wrapped.is_empty() && insignia_model::schema::validate_ob3(&lenient).is_ok() {
        return passed(
            CheckKind::Schema,
            format!(
                "the credential matches the official Open Badges 3.0 JSON Schema, reading single values as one-element lists at {}",
                wrapped.join(", ")
            ),
        );
    }
    let shown: Vec<String> = issues.iter().take(5).map(ToString::to_string).collect();
    let more = issues.len().saturating_sub(5);
    let mut message = format!(
        "the credential does not match the Open Badges 3.0 schema: {}",
        shown.join("; ")
    );
    if more > 0 {
        message.push_str(&format!(" (and {more} more)"));
    }
    failed(CheckKind::Schema, message)
}

/// A copy of `doc` with the non-array values at the issues' pointers wrapped in
/// arrays, repeated until no issue points at a wrappable value (bounded).
fn wrap_singletons(
    doc: &Value,
    issues: &[insignia_model::schema::SchemaIssue],
) -> (Value, Vec<String>) {
    let mut copy = doc.clone();
    let mut wrapped: Vec<String> = Vec::new();
    let mut pending: Vec<String> = issues.iter().map(|i| i.pointer.clone()).collect();
    for _round in 0..8 {
        let mut changed = false;
        for pointer in pending.drain(..) {
            if pointer.is_empty() || wrapped.contains(&pointer) {
                continue;
            }
            if let Some(value) = copy.pointer_mut(&pointer) {
                if value.is_object() || value.is_string() {
                    let inner = value.take();
                    *value = Value::Array(vec![inner]);
                    wrapped.push(pointer);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        match insignia_model::schema::validate_ob3(&copy) {
            Ok(()) => break,
            Err(next) => pending = next.into_iter().map(|i| i.pointer).collect(),
        }
    }
    (copy, wrapped)
}
