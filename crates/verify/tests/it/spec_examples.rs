//! The Open Badges 3.0 specification's own examples (VC 2.0 and VC 1.1 forms),
//! signed with a test key, verify end to end through the report.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common;

use common::{KEY, sign, verify_value};
use insignia_verify::{CheckKind, Outcome, Verdict};
use serde_json::Value;

fn example(name: &str) -> Value {
    let path = format!(
        "{}/../model/tests/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Our key stands in for the issuer's: make it the issuer's id.
    match doc.get_mut("issuer") {
        Some(Value::Object(issuer)) => {
            issuer.insert("id".into(), Value::from(KEY.did_key().unwrap()));
        }
        Some(other) => *other = Value::from(KEY.did_key().unwrap()),
        None => {}
    }
    let map = doc.as_object_mut().unwrap();
    map.remove("proof");
    // Offline, a status list cannot be checked; the examples' expiry dates are in the past for some.
    map.remove("credentialStatus");
    for key in ["validUntil", "expirationDate"] {
        map.remove(key);
    }
    doc
}

#[test]
fn vc_1_1_form_credentials_sign_and_verify() {
    for name in ["ob3-vc1-basic.json", "ob3-vc1-complete.json"] {
        let signed = sign(&example(name));
        let report = verify_value(&signed);
        let window = report.check(CheckKind::ValidityWindow).unwrap();
        assert_eq!(
            window.outcome,
            Outcome::Passed,
            "{name}: {}",
            window.message
        );
        assert!(
            window.message.contains("valid since"),
            "{name}: issuanceDate read"
        );
        assert_eq!(report.verdict, Verdict::Valid, "{name}: {report:#?}");
    }
}

#[test]
fn vc_2_0_spec_examples_sign_and_verify() {
    for name in [
        "ob3-basic.json",
        "ob3-complete.json",
        "ob3-endorsement.json",
    ] {
        let signed = sign(&example(name));
        let report = verify_value(&signed);
        assert_eq!(report.verdict, Verdict::Valid, "{name}: {report:#?}");
    }
}
