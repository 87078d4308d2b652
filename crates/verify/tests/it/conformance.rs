//! The data model rules as a check of the report: a correctly signed
//! credential that breaks them is not valid, and the check names each rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{example, sign, verify_value};
use insignia_verify::{CheckKind, Outcome, Verdict};
use serde_json::json;

#[test]
fn a_conforming_credential_passes_the_rules() {
    let report = verify_value(&sign(&example()));
    let check = report.check(CheckKind::Conformance).expect("the check ran");
    assert_eq!(check.outcome, Outcome::Passed, "{report:#?}");
    assert_eq!(report.verdict, Verdict::Valid);
}

#[test]
fn a_signed_credential_breaking_the_rules_is_not_valid() {
    for (patch, code) in [
        (
            json!({"termsOfUse": {"id": "https://example.org/terms"}}),
            "type-missing at /termsOfUse/type",
        ),
        (
            json!({"validUntil": "2030-01-01T00:00:00"}),
            "date-time-stamp at /validUntil",
        ),
        (
            json!({"relatedResource": [{"id": "https://example.org/r"}]}),
            "related-resource-digest-missing at /relatedResource/0",
        ),
    ] {
        let mut credential = example();
        for (k, v) in patch.as_object().unwrap() {
            credential[k] = v.clone();
        }
        // Signed by hand below the CLI's and the server's refusal.
        let report = verify_value(&sign(&credential));
        let check = report.check(CheckKind::Conformance).expect("the check ran");
        assert_eq!(check.outcome, Outcome::Failed, "{patch}: {report:#?}");
        assert!(check.message.contains(code), "{code} in {}", check.message);
        // Authentic, with conformance problems; a date the validity check
        // cannot read also fails that check, so that one is invalid.
        let expected = if code.contains("validUntil") {
            Verdict::Invalid
        } else {
            Verdict::ValidWithWarnings
        };
        assert_eq!(report.verdict, expected, "{patch}");
    }
}

/// The vc-di-ecdsa specification's own test vector (it uses the W3C examples
/// context, vendored in crates/ld/contexts): its signature verifies. Its
/// issuer is not the key's controller, which the key binding check reports.
#[test]
fn the_vc_di_ecdsa_vector_verifies() {
    let vector: serde_json::Value = serde_json::from_str(include_str!(
        "../../../proofs/tests/vectors/vc-di-ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json"
    ))
    .unwrap();
    let report = verify_value(&vector);
    for kind in [
        CheckKind::Contexts,
        CheckKind::Conformance,
        CheckKind::Proof,
    ] {
        assert_eq!(
            report.check(kind).unwrap().outcome,
            Outcome::Passed,
            "{kind:?}: {report:#?}"
        );
    }
    assert_eq!(
        report.check(CheckKind::KeyBinding).unwrap().outcome,
        Outcome::Failed
    );
}
