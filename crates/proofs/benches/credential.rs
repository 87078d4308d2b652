//! Hot paths of the credential core on the realistic example credential
//! (`examples/ob3-achievement-credential.json`): JSON-LD expansion,
//! RDFC-1.0 canonicalization, eddsa-rdfc-2022 sign and verify, VC-JWT.
//!
//! Run: `cargo bench -p insignia-proofs --bench credential`. Figures: docs/benchmarks.md.

use std::sync::LazyLock;

use divan::{Bencher, black_box};
use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::jose;
use insignia_proofs::keys::{Algorithm, KeyPair};
use serde_json::Value;

/// The same allocator as the `insignia` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

static CREDENTIAL: LazyLock<Value> = LazyLock::new(|| {
    let text = include_str!("../../../examples/ob3-achievement-credential.json");
    let mut credential: Value = serde_json::from_str(text).expect("example is JSON");
    credential["issuer"]["id"] = Value::from(KEY.did_key().expect("did:key"));
    credential
});

static KEY: LazyLock<KeyPair> =
    LazyLock::new(|| KeyPair::generate(Algorithm::Ed25519).expect("key generation"));

static P256: LazyLock<KeyPair> =
    LazyLock::new(|| KeyPair::generate(Algorithm::P256).expect("key generation"));

fn options(key: &KeyPair, cryptosuite: Cryptosuite) -> SignOptions {
    SignOptions {
        cryptosuite,
        verification_method: key.verification_method_id().expect("did:key"),
        created: Some("2026-11-23T10:00:00Z".into()),
    }
}

/// The verification method id is worked out once per key (as an issuer does
/// when it creates the key), not on every signature.
static EDDSA_OPTIONS: LazyLock<SignOptions> =
    LazyLock::new(|| options(&KEY, Cryptosuite::EddsaRdfc2022));

static SIGNED: LazyLock<Value> = LazyLock::new(|| {
    data_integrity::sign(
        &CREDENTIAL,
        &KEY,
        &options(&KEY, Cryptosuite::EddsaRdfc2022),
    )
    .expect("sign")
});

#[divan::bench]
fn expand_to_rdf() -> usize {
    insignia_ld::expand(black_box(&CREDENTIAL), &Default::default())
        .expect("expand")
        .quads
        .len()
}

#[divan::bench]
fn canonicalize_rdfc() -> usize {
    data_integrity::rdfc(black_box(&CREDENTIAL), true)
        .expect("canonicalize")
        .len()
}

#[divan::bench]
fn sign_eddsa_rdfc_2022(bencher: Bencher) {
    bencher
        .with_inputs(|| CREDENTIAL.clone())
        .bench_values(|credential| {
            data_integrity::sign_owned(credential, &KEY, &EDDSA_OPTIONS).expect("sign")
        });
}

#[divan::bench]
fn verify_eddsa_rdfc_2022() {
    data_integrity::verify(black_box(&SIGNED), &KEY.public_key()).expect("verify");
}

/// The issuer's path: a freshly built credential is handed over to be signed
/// (`sign_owned`, no copy; building it is not timed), then verified.
#[divan::bench]
fn sign_and_verify_eddsa_rdfc_2022(bencher: Bencher) {
    bencher
        .with_inputs(|| CREDENTIAL.clone())
        .bench_values(|credential| {
            let signed =
                data_integrity::sign_owned(credential, &KEY, &EDDSA_OPTIONS).expect("sign");
            data_integrity::verify(&signed, &KEY.public_key()).expect("verify");
            signed
        });
}

#[divan::bench]
fn sign_ecdsa_rdfc_2019_p256(bencher: Bencher) {
    let options = options(&P256, Cryptosuite::EcdsaRdfc2019);
    bencher.bench(|| data_integrity::sign(black_box(&CREDENTIAL), &P256, &options).expect("sign"));
}

#[divan::bench]
fn sign_and_verify_vc_jwt_eddsa() {
    let kid = &EDDSA_OPTIONS.verification_method;
    let token = jose::sign_vc_jwt(black_box(&CREDENTIAL), &KEY, Some(kid), false).expect("sign");
    let public = KEY.public_key();
    jose::verify_vc_jwt(&token, |_| Ok(public)).expect("verify");
}
