//! Bad input gets a clear failure, never a panic and never "valid".

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common;

use std::time::{Duration, Instant};

use common::{KEY, example, sign, verify, verify_value};
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::{CheckKind, Outcome, Verdict};
use serde_json::{Value, json};

fn assert_invalid(bytes: &[u8], expect_in_message: &str) {
    let report = verify(bytes);
    assert!(!report.valid);
    let failure = report
        .first_failure()
        .unwrap_or_else(|| panic!("no failed check: {report:#?}"));
    assert!(
        failure
            .message
            .to_lowercase()
            .contains(&expect_in_message.to_lowercase()),
        "expected '{expect_in_message}' in '{}'",
        failure.message
    );
}

#[test]
fn malformed_json() {
    assert_invalid(b"{\"@context\": [", "neither a JWT nor valid JSON");
    assert_invalid(b"[1, 2, 3]", "not a JSON object");
    assert_invalid(b"\xff\xfe", "not UTF-8");
    assert_invalid(b"", "neither a JWT nor valid JSON");
}

#[test]
fn deeply_nested_document() {
    let depth = 10_000;
    let text = format!(
        "{}{}",
        "{\"a\":".repeat(depth),
        "1".to_owned() + &"}".repeat(depth)
    );
    assert_invalid(text.as_bytes(), "recursion limit");
}

#[test]
fn huge_document() {
    let big = vec![b' '; 100 * 1024 * 1024];
    assert_invalid(&big, "larger than");
}

#[test]
fn wrong_types_and_missing_properties() {
    let signed = sign(&example());
    let mut wrong = signed.clone();
    wrong["credentialSubject"] = Value::from(42);
    assert_eq!(verify_value(&wrong).verdict, Verdict::Invalid);

    let mut no_subject = signed.clone();
    no_subject
        .as_object_mut()
        .unwrap()
        .remove("credentialSubject");
    assert_eq!(verify_value(&no_subject).verdict, Verdict::Invalid);

    let mut bad_date = signed.clone();
    bad_date["validFrom"] = Value::from("yesterday");
    let report = verify_value(&bad_date);
    assert_eq!(report.verdict, Verdict::Invalid);
}

#[test]
fn unknown_proof_type_and_altered_signatures() {
    let signed = sign(&example());
    let mut unknown = signed.clone();
    unknown["proof"]["type"] = Value::from("MagicProof2030");
    assert_invalid(
        serde_json::to_string(&unknown).unwrap().as_bytes(),
        "unknown proof type",
    );

    let value = signed["proof"]["proofValue"].as_str().unwrap().to_owned();
    for broken in [
        &value[..value.len() / 2],
        "z",
        "",
        "not-multibase",
        &format!("{value}1"),
    ] {
        let mut truncated = signed.clone();
        truncated["proof"]["proofValue"] = Value::from(broken);
        let report = verify_value(&truncated);
        assert_eq!(
            report.check(CheckKind::Proof).unwrap().outcome,
            Outcome::Failed,
            "{broken}"
        );
    }
}

#[test]
fn a_key_of_the_wrong_type_or_owner() {
    // Signed by a P-256 key but claiming an eddsa suite: refused.
    let p256 = KeyPair::generate(Algorithm::P256).unwrap();
    let mut signed = sign(&example());
    signed["proof"]["verificationMethod"] = Value::from(p256.verification_method_id().unwrap());
    assert_eq!(verify_value(&signed).verdict, Verdict::Invalid);

    // Valid signature, but by a key that is not the issuer's.
    let other = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let mut credential = example();
    credential["issuer"]["id"] = Value::from(other.did_key().unwrap());
    let signed = sign(&credential);
    let report = verify_value(&signed);
    assert_eq!(
        report.check(CheckKind::Proof).unwrap().outcome,
        Outcome::Passed
    );
    assert_eq!(
        report.check(CheckKind::KeyBinding).unwrap().outcome,
        Outcome::Failed
    );
    assert!(!report.valid);
    assert_ne!(KEY.did_key().unwrap(), other.did_key().unwrap());
}

#[test]
fn unknown_context_is_an_error_not_a_fetch() {
    let mut credential = example();
    credential["@context"]
        .as_array_mut()
        .unwrap()
        .push(Value::from("https://evil.example/context.json"));
    let report = verify_value(&credential);
    assert_eq!(report.verdict, Verdict::Invalid);
}

#[test]
fn expired_and_not_yet_valid() {
    let mut expired = example();
    expired["validUntil"] = Value::from("2025-01-01T00:00:00Z");
    let report = verify_value(&sign(&expired));
    let window = report.check(CheckKind::ValidityWindow).unwrap();
    assert_eq!(window.outcome, Outcome::Failed);
    assert!(window.message.contains("expired"));

    let mut future = example();
    future["validFrom"] = Value::from("2030-01-01T00:00:00Z");
    future.as_object_mut().unwrap().remove("validUntil");
    let report = verify_value(&sign(&future));
    assert_eq!(
        report.check(CheckKind::ValidityWindow).unwrap().outcome,
        Outcome::Failed
    );
}

#[test]
fn revocation_status_offline_is_never_valid() {
    let mut credential = example();
    credential["credentialStatus"] = json!({
        "id": "https://example.org/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://example.org/status/1"
    });
    let report = verify_value(&sign(&credential));
    assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
    assert!(!report.valid);
}

/// A clique of blank nodes makes RDFC-1.0 explode; it must be refused quickly.
#[test]
fn dataset_poisoning_is_refused_within_a_second() {
    let n = 12;
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let links: Vec<Value> = (0..n)
                .filter(|j| *j != i)
                .map(|j| json!({"@id": format!("_:b{j}")}))
                .collect();
            json!({"@id": format!("_:b{i}"), "https://example.org/p": links})
        })
        .collect();
    let mut credential = example();
    credential["credentialSubject"]["https://example.org/related"] = Value::Array(nodes);
    credential["proof"] = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": KEY.verification_method_id().unwrap(),
        "proofPurpose": "assertionMethod",
        "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKFkD9YxyaQqNUYL1E"
    });
    let started = Instant::now();
    let report = verify_value(&credential);
    let elapsed = started.elapsed();
    assert!(!report.valid);
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}
