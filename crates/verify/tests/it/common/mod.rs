//! Shared helpers for the verifier's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::LazyLock;

use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::{OfflineResolver, Report, VerifyOptions, verify_bytes};
use serde_json::Value;

pub static KEY: LazyLock<KeyPair> =
    LazyLock::new(|| KeyPair::generate(Algorithm::Ed25519).unwrap());

/// The repository's example credential with the test key's DID as issuer.
pub fn example() -> Value {
    let text = include_str!("../../../../../examples/ob3-achievement-credential.json");
    let mut credential: Value = serde_json::from_str(text).unwrap();
    credential["issuer"]["id"] = Value::from(KEY.did_key().unwrap());
    credential
}

pub fn sign(credential: &Value) -> Value {
    let options = SignOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: KEY.verification_method_id().unwrap(),
        created: Some("2026-01-01T00:00:00Z".into()),
    };
    data_integrity::sign(credential, &KEY, &options).unwrap()
}

pub fn verify(bytes: &[u8]) -> Report {
    let resolver = OfflineResolver;
    let mut options = VerifyOptions::new(&resolver);
    options.now = time::macros::datetime!(2026-11-23 12:00 UTC);
    verify_bytes(bytes, &options)
}

pub fn verify_value(value: &Value) -> Report {
    verify(serde_json::to_string(value).unwrap().as_bytes())
}
