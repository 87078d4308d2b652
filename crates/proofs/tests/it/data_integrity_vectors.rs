//! Reproduces the published Data Integrity test vectors byte for byte:
//! W3C vc-di-eddsa (eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020),
//! W3C vc-di-ecdsa (ecdsa-rdfc-2019, P-256) and the Open Badges 3.0 / CLR 2.0
//! implementation guide. Sources and licences: `tests/vectors/README.md`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::PathBuf;

use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::keys::{KeyPair, PublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn text(path: &str) -> String {
    std::fs::read_to_string(vectors().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&text(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes a multibase multicodec secret key (`z…`) into its 32 raw bytes.
fn secret_bytes(multibase: &str, codec: [u8; 2]) -> [u8; 32] {
    let raw = bs58::decode(&multibase[1..]).into_vec().unwrap();
    assert_eq!(raw[..2], codec, "unexpected multicodec prefix");
    raw[2..].try_into().unwrap()
}

fn eddsa_key() -> KeyPair {
    let pair = json("vc-di-eddsa/keyPair.json");
    let secret = secret_bytes(pair["privateKeyMultibase"].as_str().unwrap(), [0x80, 0x26]);
    let key = KeyPair::from_ed25519_secret(&secret);
    assert_eq!(
        key.public_key().to_multibase().unwrap(),
        pair["publicKeyMultibase"].as_str().unwrap()
    );
    key
}

fn p256_key() -> KeyPair {
    let pair = json("vc-di-ecdsa/p256KeyPair.json");
    let secret = secret_bytes(pair["secretKeyMultibase"].as_str().unwrap(), [0x86, 0x26]);
    let key = KeyPair::from_p256_secret(&secret).unwrap();
    assert_eq!(
        key.public_key().to_multibase().unwrap(),
        pair["publicKeyMultibase"].as_str().unwrap()
    );
    key
}

fn without_proof(signed: &Value) -> Value {
    let mut doc = signed.clone();
    doc.as_object_mut().unwrap().remove("proof");
    doc
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Checks canonical document, canonical proof config, both hashes and the
/// combined hash of an RDFC-based vector directory.
fn check_rdfc_vector(dir: &str, suffix: &str) {
    let signed = json(&format!("{dir}/signed{suffix}.json"));
    let config = json(&format!("{dir}/proofConfig{suffix}.json"));

    let doc_canon = data_integrity::rdfc(&without_proof(&signed), true).unwrap();
    assert_eq!(
        doc_canon,
        text(&format!("{dir}/canonDoc{suffix}.txt")),
        "{dir}: canonical document"
    );
    let proof_canon = data_integrity::rdfc(&config, true).unwrap();
    assert_eq!(
        proof_canon,
        text(&format!("{dir}/proofCanon{suffix}.txt")),
        "{dir}: canonical proof"
    );

    let doc_hash = hex_sha256(doc_canon.as_bytes());
    let proof_hash = hex_sha256(proof_canon.as_bytes());
    assert_eq!(doc_hash, text(&format!("{dir}/docHash{suffix}.txt")).trim());
    assert_eq!(
        proof_hash,
        text(&format!("{dir}/proofHash{suffix}.txt")).trim()
    );
    assert_eq!(
        format!("{proof_hash}{doc_hash}"),
        text(&format!("{dir}/combinedHash{suffix}.txt")).trim()
    );
}

fn sign_like(signed: &Value, key: &KeyPair, suite: Cryptosuite) -> Value {
    let proof = &signed["proof"];
    let options = SignOptions {
        cryptosuite: suite,
        verification_method: proof["verificationMethod"].as_str().unwrap().to_owned(),
        created: proof["created"].as_str().map(str::to_owned),
    };
    data_integrity::sign(&without_proof(signed), key, &options).unwrap()
}

#[test]
fn eddsa_rdfc_2022_vectors_reproduce_exactly() {
    let key = eddsa_key();
    {
        let dir = "vc-di-eddsa/eddsa-rdfc-2022";
        check_rdfc_vector(dir, "DataInt");
        let signed = json(&format!("{dir}/signedDataInt.json"));
        // Ed25519 is deterministic: our proof must be the published one.
        let ours = sign_like(&signed, &key, Cryptosuite::EddsaRdfc2022);
        assert_eq!(
            ours["proof"]["proofValue"], signed["proof"]["proofValue"],
            "{dir}"
        );
        assert_eq!(
            ours["proof"]["proofValue"].as_str().unwrap(),
            text(&format!("{dir}/sigBTC58DataInt.txt")).trim()
        );
        let verified = data_integrity::verify(&signed, &key.public_key()).unwrap();
        assert_eq!(verified.cryptosuite, Cryptosuite::EddsaRdfc2022);
    }
}

#[test]
fn ecdsa_rdfc_2019_p256_vectors_reproduce_and_verify() {
    let key = p256_key();
    {
        let dir = "vc-di-ecdsa/ecdsa-rdfc-2019-p256";
        check_rdfc_vector(dir, "ECDSAP256");
        let signed = json(&format!("{dir}/signedECDSAP256.json"));
        data_integrity::verify(&signed, &key.public_key()).unwrap();
        // Our own signature over the same document verifies too.
        let ours = sign_like(&signed, &key, Cryptosuite::EcdsaRdfc2019);
        data_integrity::verify(&ours, &key.public_key()).unwrap();
    }
}

#[test]
fn eddsa_jcs_2022_vector_verifies() {
    let key = eddsa_key();
    let dir = "vc-di-eddsa/eddsa-jcs-2022";
    let signed = json(&format!("{dir}/signedJCS.json"));
    let canon = data_integrity::jcs(&without_proof(&signed)).unwrap();
    assert_eq!(
        String::from_utf8(canon).unwrap(),
        text(&format!("{dir}/canonDocJCS.txt")).trim_end()
    );
    let config = json(&format!("{dir}/proofConfigJCS.json"));
    let canon = data_integrity::jcs(&config).unwrap();
    assert_eq!(
        String::from_utf8(canon).unwrap(),
        text(&format!("{dir}/proofCanonJCS.txt")).trim_end()
    );
    let verified = data_integrity::verify(&signed, &key.public_key()).unwrap();
    assert_eq!(verified.cryptosuite, Cryptosuite::EddsaJcs2022);
}

#[test]
fn ed25519_signature_2020_vector_verifies() {
    let key = eddsa_key();
    let dir = "vc-di-eddsa/Ed25519Signature2020";
    let signed = json(&format!("{dir}/signedEdSig.json"));
    let doc_canon = data_integrity::rdfc(&without_proof(&signed), true).unwrap();
    assert_eq!(doc_canon, text(&format!("{dir}/canonDocEdSig.txt")));
    let verified = data_integrity::verify(&signed, &key.public_key()).unwrap();
    assert_eq!(verified.cryptosuite, Cryptosuite::Ed25519Signature2020);
}

#[test]
fn open_badges_and_clr_implementation_guide_vectors() {
    // The guide's key: https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi
    let public =
        PublicKey::from_multibase("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi").unwrap();
    for dir in ["ob3-impl-guide/obv3p0", "ob3-impl-guide/clrv2p0"] {
        let signed = json(&format!("{dir}/signed.json"));
        let hashes = json(&format!("{dir}/hashes.json"));
        let doc_canon = data_integrity::rdfc(&without_proof(&signed), true).unwrap();
        assert_eq!(
            doc_canon,
            text(&format!("{dir}/document-canon.txt")),
            "{dir}: document"
        );
        // The CLR example carries a proof set with one member.
        let proof = if signed["proof"].is_array() {
            &signed["proof"][0]
        } else {
            &signed["proof"]
        };
        let mut config = proof.clone();
        config.as_object_mut().unwrap().remove("proofValue");
        config["@context"] = signed["@context"].clone();
        let proof_canon = data_integrity::rdfc(&config, true).unwrap();
        assert_eq!(
            proof_canon,
            text(&format!("{dir}/proof-canon.txt")),
            "{dir}: proof"
        );
        assert_eq!(
            hex_sha256(doc_canon.as_bytes()),
            hashes["documentHash"].as_str().unwrap()
        );
        assert_eq!(
            hex_sha256(proof_canon.as_bytes()),
            hashes["proofHash"].as_str().unwrap()
        );
        let verified = data_integrity::verify(&signed, &public).unwrap();
        assert_eq!(verified.cryptosuite, Cryptosuite::EddsaRdfc2022);
    }
}

#[test]
fn wrong_key_and_tampering_are_refused() {
    let key = eddsa_key();
    let other = KeyPair::generate(insignia_proofs::keys::Algorithm::Ed25519).unwrap();
    let signed = json("vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json");
    assert!(data_integrity::verify(&signed, &other.public_key()).is_err());

    let mut tampered = signed.clone();
    tampered["credentialSubject"]["alumniOf"] = Value::from("The School of Forgery");
    assert!(matches!(
        data_integrity::verify(&tampered, &key.public_key()),
        Err(data_integrity::DiError::BadSignature)
    ));

    let mut truncated = signed.clone();
    let value = signed["proof"]["proofValue"].as_str().unwrap();
    truncated["proof"]["proofValue"] = Value::from(&value[..value.len() - 5]);
    assert!(data_integrity::verify(&truncated, &key.public_key()).is_err());

    let mut unknown = signed.clone();
    unknown["proof"]["cryptosuite"] = Value::from("bbs-2023");
    assert!(matches!(
        data_integrity::verify(&unknown, &key.public_key()),
        Err(data_integrity::DiError::UnknownProofType(_))
    ));

    let p256 = p256_key();
    assert!(matches!(
        data_integrity::verify(&signed, &p256.public_key()),
        Err(data_integrity::DiError::WrongKeyType { .. })
    ));
}

/// The "employ" vectors put two types with their own scoped contexts on one node
/// (`Person`, `EmployablePerson`): JSON-LD 1.1 applies both scoped contexts, in
/// lexicographic order of the types. Reproduced byte for byte.
#[test]
fn employ_vectors_reproduce_exactly() {
    let key = eddsa_key();
    let dir = "vc-di-eddsa/eddsa-rdfc-2022/employ";
    check_rdfc_vector(dir, "DataInt");
    let signed = json(&format!("{dir}/signedDataInt.json"));
    let ours = sign_like(&signed, &key, Cryptosuite::EddsaRdfc2022);
    assert_eq!(
        ours["proof"]["proofValue"], signed["proof"]["proofValue"],
        "{dir}"
    );
    data_integrity::verify(&signed, &key.public_key()).unwrap();

    let p256 = p256_key();
    let dir = "vc-di-ecdsa/ecdsa-rdfc-2019-p256/employ";
    check_rdfc_vector(dir, "ECDSAP256");
    let signed = json(&format!("{dir}/signedECDSAP256.json"));
    data_integrity::verify(&signed, &p256.public_key()).unwrap();
}
