//! Proof sets (several independent Data Integrity proofs, as the Digital
//! Credentials Consortium issues them) and Open Badges 1.x / 0.5 input, which
//! is out of scope and must say so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::LazyLock;

use common::{KEY, example, sign, verify_value};
use insignia_proofs::data_integrity::{self, Cryptosuite, ProofSpec, SignOptions};
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::{CheckKind, CredentialFormat, Outcome, Report, Verdict};
use serde_json::{Value, json};

static OTHER: LazyLock<KeyPair> = LazyLock::new(|| KeyPair::generate(Algorithm::P256).unwrap());

fn sign_with_other(credential: &Value) -> Value {
    let options = SignOptions {
        cryptosuite: Cryptosuite::EcdsaRdfc2019,
        verification_method: OTHER.verification_method_id().unwrap(),
        created: Some("2026-01-02T00:00:00Z".into()),
    };
    data_integrity::sign(credential, &OTHER, &options).unwrap()
}

/// The credential with both proofs, `first` then `second`.
fn proof_set(first: &Value, second: &Value) -> Value {
    let mut doc = first.clone();
    doc["proof"] = json!([first["proof"], second["proof"]]);
    doc
}

fn outcome(report: &Report, kind: CheckKind) -> Outcome {
    report
        .check(kind)
        .unwrap_or_else(|| panic!("no {kind:?} check in {report:#?}"))
        .outcome
}

#[test]
fn a_proof_set_verifies_every_proof() {
    let unsigned = example();
    let doc = proof_set(&sign(&unsigned), &sign_with_other(&unsigned));
    let report = verify_value(&doc);
    assert_eq!(
        outcome(&report, CheckKind::Proof),
        Outcome::Passed,
        "{report:#?}"
    );
    let proof = report.check(CheckKind::Proof).unwrap();
    assert!(
        proof.message.contains("all 2 signatures"),
        "{}",
        proof.message
    );
    assert!(
        proof.message.contains("ecdsa-rdfc-2019"),
        "{}",
        proof.message
    );
    // One of the proofs is the issuer's: that binds the credential to it.
    assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Passed);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
}

#[test]
fn one_bad_proof_in_a_set_fails_the_signature_check() {
    let unsigned = example();
    let mut other = sign_with_other(&unsigned);
    let value = other["proof"]["proofValue"].as_str().unwrap().to_owned();
    // A valid signature over something else: swap in the issuer's proof value
    // under the other key's method.
    let issuer_signed = sign(&unsigned);
    assert_ne!(value, issuer_signed["proof"]["proofValue"]);
    other["proof"]["proofValue"] = issuer_signed["proof"]["proofValue"].clone();
    let doc = proof_set(&issuer_signed, &other);
    let report = verify_value(&doc);
    let proof = report.check(CheckKind::Proof).unwrap();
    assert_eq!(proof.outcome, Outcome::Failed, "{report:#?}");
    assert!(
        proof.message.starts_with("proof 2 of 2:"),
        "{}",
        proof.message
    );
    assert_eq!(report.verdict, Verdict::Invalid);

    // The order of the set does not matter.
    let reversed = proof_set(&other, &issuer_signed);
    let report = verify_value(&reversed);
    assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Failed);
}

#[test]
fn a_proof_set_with_no_proof_by_the_issuer_is_not_bound_to_it() {
    let mut unsigned = example();
    unsigned["issuer"]["id"] = json!("did:web:issuer.example");
    let doc = proof_set(&sign(&unsigned), &sign_with_other(&unsigned));
    let report = verify_value(&doc);
    assert_eq!(
        outcome(&report, CheckKind::Proof),
        Outcome::Passed,
        "{report:#?}"
    );
    let binding = report.check(CheckKind::KeyBinding).unwrap();
    assert_eq!(binding.outcome, Outcome::Failed, "{report:#?}");
    assert!(
        binding.message.contains("no proof of the set"),
        "{}",
        binding.message
    );
    assert_eq!(report.verdict, Verdict::Invalid);
}

/// The issuer's proof, then another key's proof chained after it.
fn chain(unsigned: &Value) -> Value {
    let mut first = ProofSpec::new(
        Cryptosuite::EddsaRdfc2022,
        KEY.verification_method_id().unwrap(),
    );
    first.id = Some("urn:uuid:first".into());
    let doc = data_integrity::add_proof(unsigned, &KEY, &first).unwrap();
    let mut second = ProofSpec::new(
        Cryptosuite::EcdsaRdfc2019,
        OTHER.verification_method_id().unwrap(),
    );
    second.previous_proofs = vec!["urn:uuid:first".into()];
    data_integrity::add_proof(&doc, &OTHER, &second).unwrap()
}

#[test]
fn a_proof_chain_is_verified_in_order() {
    let doc = chain(&example());
    let report = verify_value(&doc);
    let proof = report.check(CheckKind::Proof).unwrap();
    assert_eq!(proof.outcome, Outcome::Passed, "{report:#?}");
    assert!(proof.message.contains("proof chain"), "{}", proof.message);
    assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Passed);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
}

#[test]
fn a_tampered_or_broken_chain_fails() {
    let doc = chain(&example());
    // The chained proof covers the first one: changing it breaks the chain.
    let mut tampered = doc.clone();
    tampered["proof"][0]["created"] = json!("2020-01-01T00:00:00Z");
    let report = verify_value(&tampered);
    assert_eq!(
        outcome(&report, CheckKind::Proof),
        Outcome::Failed,
        "{report:#?}"
    );
    assert_eq!(report.verdict, Verdict::Invalid);
    // A chained proof naming a proof that is not in the set.
    let mut dangling = doc.clone();
    dangling["proof"][1]["previousProof"] = json!("urn:uuid:elsewhere");
    let report = verify_value(&dangling);
    let proof = report.check(CheckKind::Proof).unwrap();
    assert_eq!(proof.outcome, Outcome::Failed, "{report:#?}");
    assert!(
        proof.message.contains("urn:uuid:elsewhere"),
        "{}",
        proof.message
    );
    // The credential changed under both proofs.
    let mut changed = doc.clone();
    changed["credentialSubject"]["achievement"]["name"] = json!("Something else");
    assert_eq!(verify_value(&changed).verdict, Verdict::Invalid);
}

#[test]
fn open_badges_1_0_and_0_5_say_they_are_not_supported() {
    let v1_0 = json!({
        "uid": "abc",
        "recipient": {"identity": "a@example.org", "hashed": false, "type": "email"},
        "badge": "https://issuer.example/badge",
        "issuedOn": "2015-04-30",
        "verify": {"type": "hosted", "url": "https://issuer.example/assertion"}
    });
    let v0_5 = json!({
        "recipient": "a@example.org",
        "badge": {"version": "0.5.0", "name": "Old", "issuer": {"origin": "https://issuer.example", "name": "Old"}}
    });
    for (doc, version) in [(&v1_0, "1.0"), (&v0_5, "0.5")] {
        let report = verify_value(doc);
        let parse = report.check(CheckKind::Parse).unwrap();
        assert_eq!(parse.outcome, Outcome::CouldNotCheck, "{report:#?}");
        assert!(
            parse
                .message
                .contains(&format!("Open Badges {version} assertion"))
                && parse.message.contains("not supported"),
            "{}",
            parse.message
        );
        assert_eq!(report.format, CredentialFormat::Unknown);
        assert_eq!(report.verdict, Verdict::Indeterminate);
        assert_eq!(report.checks.len(), 1);
    }
    // An OB 2.0 assertion (it has a context) is not mistaken for 1.0.
    let mut v2 = v1_0.clone();
    v2["@context"] = json!("https://w3id.org/openbadges/v2");
    v2["type"] = json!("Assertion");
    let report = verify_value(&v2);
    assert_eq!(report.format, CredentialFormat::Ob2Hosted);
    // An assertion with an unknown context says what is wrong with it.
    v2["@context"] = json!("https://w3id.org/openbadges/invalid");
    let report = verify_value(&v2);
    let parse = report.check(CheckKind::Parse).unwrap();
    assert_eq!(parse.outcome, Outcome::Failed);
    assert!(
        parse
            .message
            .contains("https://w3id.org/openbadges/invalid")
            && parse.message.contains("not the Open Badges 2.0 context"),
        "{}",
        parse.message
    );
    // Nor is an OB 3.0 credential.
    let ob3 = sign(&example());
    assert_eq!(
        verify_value(&ob3).format,
        CredentialFormat::Ob3DataIntegrity
    );
    let _ = &*KEY;
}
