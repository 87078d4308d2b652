//! Verifiable Presentations: the holder's proof (authentication, challenge,
//! domain, the holder's key) and one report per embedded credential.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use crate::common::{KEY, example, sign};
use insignia_proofs::data_integrity::{Cryptosuite, ProofSpec, add_proof};
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::presentation::verify_presentation_bytes;
use insignia_verify::{
    CheckKind, OfflineResolver, Outcome, PresentationExpectations, PresentationReport, Verdict,
    VerifyOptions,
};
use serde_json::{Value, json};

static HOLDER: LazyLock<KeyPair> = LazyLock::new(|| KeyPair::generate(Algorithm::Ed25519).unwrap());

fn presentation(credentials: Vec<Value>) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.did_key().unwrap(),
        "verifiableCredential": credentials
    })
}

fn signed(vp: &Value, challenge: &str, domain: &str) -> Value {
    let mut spec = ProofSpec::new(
        Cryptosuite::EddsaRdfc2022,
        HOLDER.verification_method_id().unwrap(),
    );
    spec.purpose = "authentication".into();
    spec.challenge = Some(challenge.into());
    spec.domain = Some(domain.into());
    add_proof(vp, &HOLDER, &spec).unwrap()
}

fn verify(vp: &Value, challenge: Option<&str>, domain: Option<&str>) -> PresentationReport {
    let resolver = OfflineResolver;
    let mut options = VerifyOptions::new(&resolver);
    options.now = time::macros::datetime!(2026-11-23 12:00 UTC);
    let expected = PresentationExpectations { challenge, domain };
    verify_presentation_bytes(vp.to_string().as_bytes(), &options, &expected)
}

fn outcome(report: &PresentationReport, kind: CheckKind) -> Outcome {
    report
        .check(kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {report:#?}"))
        .outcome
}

#[test]
fn a_signed_presentation_verifies_with_each_credential() {
    let vc = sign(&example());
    let vp = signed(
        &presentation(vec![vc.clone(), vc]),
        "n-1",
        "verifier.example",
    );
    let report = verify(&vp, Some("n-1"), Some("verifier.example"));
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert_eq!(report.credentials.len(), 2);
    assert!(report.credentials.iter().all(|r| r.valid));
    assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
    assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Passed);
    assert_eq!(outcome(&report, CheckKind::Conformance), Outcome::Passed);
    assert_eq!(
        report.holder.as_deref(),
        Some(HOLDER.did_key().unwrap().as_str())
    );
}

#[test]
fn a_wrong_challenge_or_domain_fails() {
    let vp = signed(
        &presentation(vec![sign(&example())]),
        "n-1",
        "verifier.example",
    );
    for (challenge, domain) in [
        (Some("n-2"), Some("verifier.example")),
        (Some("n-1"), Some("elsewhere.example")),
    ] {
        let report = verify(&vp, challenge, domain);
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Failed);
        assert_eq!(report.verdict, Verdict::Invalid);
    }
    // A credential proof (assertionMethod) is no holder's proof.
    let mut spec = ProofSpec::new(
        Cryptosuite::EddsaRdfc2022,
        HOLDER.verification_method_id().unwrap(),
    );
    spec.challenge = Some("n-1".into());
    let asserted = add_proof(&presentation(vec![]), &HOLDER, &spec).unwrap();
    assert_eq!(
        outcome(&verify(&asserted, Some("n-1"), None), CheckKind::Proof),
        Outcome::Failed
    );
}

#[test]
fn a_tampered_credential_or_presentation_is_invalid() {
    let vc = sign(&example());
    let vp = signed(&presentation(vec![vc]), "n-1", "verifier.example");
    let mut changed = vp.clone();
    changed["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = json!("Other");
    let report = verify(&changed, Some("n-1"), Some("verifier.example"));
    assert_eq!(report.verdict, Verdict::Invalid);
    // The holder's signature covers the embedded credential too.
    assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Failed);
    assert!(!report.credentials[0].valid);
    let mut other_holder = vp.clone();
    other_holder["holder"] = json!(KEY.did_key().unwrap());
    let report = verify(&other_holder, Some("n-1"), Some("verifier.example"));
    assert_eq!(report.verdict, Verdict::Invalid);
}

#[test]
fn an_unsigned_presentation_reports_its_credentials() {
    let report = verify(&presentation(vec![sign(&example())]), Some("n-1"), None);
    assert_eq!(outcome(&report, CheckKind::Proof), Outcome::NotApplicable);
    assert!(report.credentials[0].valid);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    // A holder that is not a URL, and a credential given as a string.
    let mut bad = presentation(vec![sign(&example())]);
    bad["holder"] = json!({"name": "Acme"});
    bad["verifiableCredential"] = json!(["eyJhbGciOi"]);
    let report = verify(&bad, None, None);
    let conformance = report.check(CheckKind::Conformance).unwrap();
    assert_eq!(conformance.outcome, Outcome::Failed);
    assert!(
        conformance.message.contains("holder-not-url"),
        "{}",
        conformance.message
    );
    assert!(
        conformance
            .message
            .contains("presentation-credential-not-object"),
        "{}",
        conformance.message
    );
    assert_eq!(report.verdict, Verdict::Invalid);
}
