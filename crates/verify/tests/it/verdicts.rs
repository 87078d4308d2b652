//! Verdicts people can act on: an authentic badge that breaks a conformance
//! rule is "valid with warnings", never "invalid"; only a failed signature,
//! key binding, validity window or status (or the recipient asked about)
//! makes it invalid; an unknown JSON-LD context is "could not check".

use insignia_verify::{CheckKind, Outcome, Verdict};
use serde_json::{Value, json};

use crate::common::{KEY, example, sign, verify_value};

/// The example credential with a recipient named neither by `id` nor by `identifier`.
fn anonymous_subject() -> Value {
    let mut credential = example();
    let subject = credential["credentialSubject"].as_object_mut().unwrap();
    subject.remove("id");
    subject.remove("identifier");
    credential
}

#[test]
fn a_subject_without_id_or_identifier_is_authentic_with_warnings() {
    let report = verify_value(&sign(&anonymous_subject()));
    assert_eq!(report.verdict, Verdict::ValidWithWarnings, "{report:#?}");
    assert!(report.valid);
    let problems: Vec<CheckKind> = report.conformance_problems().map(|c| c.check).collect();
    assert!(problems.contains(&CheckKind::Types), "{problems:?}");
    for kind in [CheckKind::Proof, CheckKind::KeyBinding] {
        assert_eq!(report.check(kind).unwrap().outcome, Outcome::Passed);
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verdict"], "valid_with_warnings");
    assert_eq!(json["valid"], true);
}

#[test]
fn an_issuer_given_as_a_string_is_authentic() {
    let mut credential = anonymous_subject();
    credential["issuer"] = Value::from(KEY.did_key().unwrap());
    let report = verify_value(&sign(&credential));
    assert_eq!(report.verdict, Verdict::ValidWithWarnings, "{report:#?}");
    assert!(report.valid);
    assert_eq!(
        report.check(CheckKind::KeyBinding).unwrap().outcome,
        Outcome::Passed
    );
}

#[test]
fn a_conformance_problem_never_hides_tampering_or_expiry() {
    // Tampered after signing.
    let mut tampered = sign(&anonymous_subject());
    tampered["name"] = Value::from("A badge the issuer never awarded");
    let report = verify_value(&tampered);
    assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
    assert!(!report.valid);

    // Signed by another key than the issuer's.
    let mut other_issuer = anonymous_subject();
    other_issuer["issuer"]["id"] = Value::from("did:web:someone-else.example");
    let report = verify_value(&sign(&other_issuer));
    assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
    assert_eq!(
        report.check(CheckKind::KeyBinding).unwrap().outcome,
        Outcome::Failed
    );

    // Expired (the tests verify at 2026-11-23).
    let mut expired = anonymous_subject();
    expired["validUntil"] = Value::from("2026-01-02T00:00:00Z");
    let report = verify_value(&sign(&expired));
    assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
}

#[test]
fn an_unknown_context_could_not_be_checked() {
    let mut credential = sign(&example());
    credential["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://contexts.example/unknown/v1"));
    let report = verify_value(&credential);
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
    assert!(!report.valid);
    let contexts = report.check(CheckKind::Contexts).unwrap();
    assert_eq!(contexts.outcome, Outcome::CouldNotCheck);
    assert!(
        contexts.message.contains("contexts.example"),
        "{contexts:?}"
    );
    assert_eq!(
        report.check(CheckKind::Proof).unwrap().outcome,
        Outcome::CouldNotCheck
    );
}
