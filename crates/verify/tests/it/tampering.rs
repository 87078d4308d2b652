//! Every leaf of a signed credential, changed, must make verification fail.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common;

use common::{example, sign, verify_value};
use insignia_verify::{CheckKind, Outcome, Verdict};
use serde_json::Value;

/// JSON pointers of every leaf (string, number, boolean, null) in `value`.
fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                leaves(v, format!("{pointer}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => out.push(pointer),
    }
}

fn altered(leaf: &Value) -> Value {
    match leaf {
        Value::String(s) if s.is_empty() => Value::from("x"),
        // Keep strings the same shape (IRIs stay IRIs, dates stay dates) but different.
        Value::String(s) => {
            let mut chars: Vec<char> = s.chars().collect();
            let last = chars.len() - 1;
            chars[last] = if chars[last] == '1' { '2' } else { '1' };
            Value::from(chars.into_iter().collect::<String>())
        }
        Value::Number(n) => Value::from(n.as_f64().unwrap_or(0.0) + 1.0),
        Value::Bool(b) => Value::from(!b),
        Value::Null => Value::from("x"),
        other => other.clone(),
    }
}

#[test]
fn the_untouched_credential_is_valid() {
    let signed = sign(&example());
    let report = verify_value(&signed);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
}

#[test]
fn changing_any_leaf_breaks_verification() {
    let signed = sign(&example());
    let mut pointers = Vec::new();
    leaves(&signed, String::new(), &mut pointers);
    assert!(
        pointers.len() > 40,
        "the example should be rich: {} leaves",
        pointers.len()
    );
    let mut survivors = Vec::new();
    for pointer in &pointers {
        let mut tampered = signed.clone();
        let leaf = tampered.pointer_mut(pointer).unwrap();
        *leaf = altered(leaf);
        let report = verify_value(&tampered);
        // Every change makes the badge invalid, except a changed context URL
        // after the first (which must be the VC context): a context Insignia
        // does not know is "could not check".
        let expected = if pointer.starts_with("/@context/") && pointer != "/@context/0" {
            Verdict::Indeterminate
        } else {
            Verdict::Invalid
        };
        if report.valid || report.verdict != expected {
            survivors.push(format!("{pointer}: {:?}", report.verdict));
        }
    }
    assert!(
        survivors.is_empty(),
        "these changes went unnoticed: {survivors:?}"
    );
}

#[test]
fn adding_an_undefined_property_is_reported() {
    let mut signed = sign(&example());
    // Not defined by any context: JSON-LD would drop it, so the signature still "verifies".
    signed["credentialSubject"]["favouriteColour"] = Value::from("green");
    let report = verify_value(&signed);
    assert!(!report.valid);
    let contexts = report.check(CheckKind::Contexts).unwrap();
    assert_eq!(contexts.outcome, Outcome::Failed);
    assert!(
        contexts.message.contains("favouriteColour"),
        "{}",
        contexts.message
    );
}

#[test]
fn removing_the_proof_or_a_property_fails() {
    let signed = sign(&example());
    let mut no_proof = signed.clone();
    no_proof.as_object_mut().unwrap().remove("proof");
    assert!(!verify_value(&no_proof).valid);

    let mut no_name = signed.clone();
    no_name.as_object_mut().unwrap().remove("name");
    assert_eq!(verify_value(&no_name).verdict, Verdict::Invalid);
}
