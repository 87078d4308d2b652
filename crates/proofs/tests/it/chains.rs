//! Proof chains (vc-data-integrity §2.1.2): a proof naming a `previousProof`
//! signs the document together with the proof(s) it names; presentations'
//! proofs carry their purpose, challenge and domain.

use insignia_proofs::data_integrity::{
    self, Cryptosuite, DiError, Expected, ProofSpec, add_proof, verify_proof_at,
};
use insignia_proofs::keys::{Algorithm, KeyPair};
use serde_json::{Value, json};

fn credential() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:6f1a6b0e-8d0a-4b7e-9a55-2b3c4d5e6f70",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    })
}

fn spec(key: &KeyPair, id: &str, previous: &[&str]) -> ProofSpec {
    let suite = match key.algorithm() {
        Algorithm::P256 => Cryptosuite::EcdsaRdfc2019,
        _ => Cryptosuite::EddsaRdfc2022,
    };
    let mut spec = ProofSpec::new(suite, key.verification_method_id().unwrap());
    spec.id = Some(id.into());
    spec.created = Some("2026-01-02T00:00:00Z".into());
    spec.previous_proofs = previous.iter().map(|p| (*p).to_owned()).collect();
    spec
}

/// A chain of three: the second proof after the first, the third after both.
fn chain() -> (Value, Vec<KeyPair>) {
    let keys = vec![
        KeyPair::generate(Algorithm::Ed25519).unwrap(),
        KeyPair::generate(Algorithm::P256).unwrap(),
        KeyPair::generate(Algorithm::Ed25519).unwrap(),
    ];
    let doc = add_proof(&credential(), &keys[0], &spec(&keys[0], "urn:proof:1", &[])).unwrap();
    let doc = add_proof(
        &doc,
        &keys[1],
        &spec(&keys[1], "urn:proof:2", &["urn:proof:1"]),
    )
    .unwrap();
    let doc = add_proof(
        &doc,
        &keys[2],
        &spec(&keys[2], "urn:proof:3", &["urn:proof:1", "urn:proof:2"]),
    )
    .unwrap();
    (doc, keys)
}

#[test]
fn a_chain_verifies_proof_by_proof() {
    let (doc, keys) = chain();
    assert_eq!(doc["proof"][1]["previousProof"], "urn:proof:1");
    assert_eq!(
        doc["proof"][2]["previousProof"],
        json!(["urn:proof:1", "urn:proof:2"])
    );
    for (index, key) in keys.iter().enumerate() {
        verify_proof_at(&doc, index, &key.public_key(), &Expected::ASSERTION)
            .unwrap_or_else(|e| panic!("proof {index}: {e}"));
    }
    // The first proof alone is an ordinary proof over the document.
    let mut first = doc.clone();
    first["proof"] = doc["proof"][0].clone();
    data_integrity::verify(&first, &keys[0].public_key()).unwrap();
}

#[test]
fn a_tampered_chain_fails() {
    let (doc, keys) = chain();
    // The second proof covers the first: changing the first's created date
    // breaks the first and the proofs chained after it.
    let mut changed = doc.clone();
    changed["proof"][0]["created"] = json!("2026-01-03T00:00:00Z");
    for (index, key) in keys.iter().enumerate() {
        let result = verify_proof_at(&changed, index, &key.public_key(), &Expected::ASSERTION);
        assert!(
            matches!(result, Err(DiError::BadSignature)),
            "proof {index}: {result:?}"
        );
    }
    // A chained proof moved onto another previous proof fails.
    let mut relinked = doc.clone();
    relinked["proof"][1]["previousProof"] = json!("urn:proof:3");
    assert!(verify_proof_at(&relinked, 1, &keys[1].public_key(), &Expected::ASSERTION).is_err());
    // A previousProof naming no proof of the set is refused.
    let mut dangling = doc.clone();
    dangling["proof"][1]["previousProof"] = json!("urn:proof:missing");
    let err =
        verify_proof_at(&dangling, 1, &keys[1].public_key(), &Expected::ASSERTION).unwrap_err();
    assert!(err.to_string().contains("urn:proof:missing"), "{err}");
    // Leaving out the proof it chains after breaks the chained one.
    let mut dropped = doc.clone();
    dropped["proof"] = json!([doc["proof"][1], doc["proof"][2]]);
    assert!(verify_proof_at(&dropped, 0, &keys[1].public_key(), &Expected::ASSERTION).is_err());
}

#[test]
fn purpose_challenge_and_domain_are_checked() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let presentation = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": key.did_key().unwrap()
    });
    let mut s = spec(&key, "urn:proof:vp", &[]);
    s.purpose = "authentication".into();
    s.challenge = Some("c-123".into());
    s.domain = Some("verifier.example".into());
    let vp = add_proof(&presentation, &key, &s).unwrap();
    let expected = Expected {
        purpose: "authentication",
        challenge: Some("c-123"),
        domain: Some("verifier.example"),
    };
    verify_proof_at(&vp, 0, &key.public_key(), &expected).unwrap();
    for wrong in [
        Expected {
            challenge: Some("other"),
            ..expected
        },
        Expected {
            domain: Some("evil.example"),
            ..expected
        },
        Expected::ASSERTION,
    ] {
        assert!(
            verify_proof_at(&vp, 0, &key.public_key(), &wrong).is_err(),
            "{wrong:?}"
        );
    }
    let mut tampered = vp.clone();
    tampered["proof"]["challenge"] = json!("other");
    let wrong_challenge = Expected {
        challenge: Some("other"),
        ..expected
    };
    assert!(matches!(
        verify_proof_at(&tampered, 0, &key.public_key(), &wrong_challenge),
        Err(DiError::BadSignature)
    ));
}
