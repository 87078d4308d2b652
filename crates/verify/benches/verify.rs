//! Full verification through the report: a signed credential as JSON, and the
//! same credential baked into a PNG (extract + every check).
//!
//! Run: `cargo bench -p insignia-verify --bench verify`. Figures: docs/benchmarks.md.

use std::sync::LazyLock;

use divan::black_box;
use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::{OfflineResolver, VerifyOptions, verify_bytes};
use serde_json::Value;

/// The same allocator as the `insignia` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

static SIGNED: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let key = KeyPair::generate(Algorithm::Ed25519).expect("key");
    let text = include_str!("../../../examples/ob3-achievement-credential.json");
    let mut credential: Value = serde_json::from_str(text).expect("example is JSON");
    credential["issuer"]["id"] = Value::from(key.did_key().expect("did:key"));
    let options = SignOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: key.verification_method_id().expect("did:key"),
        created: Some("2026-01-01T00:00:00Z".into()),
    };
    let signed = data_integrity::sign(&credential, &key, &options).expect("sign");
    serde_json::to_vec(&signed).expect("serialize")
});

static BAKED_PNG: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let image = include_bytes!("../../bake/tests/fixtures/1edtech-baked-heart.png");
    let payload = insignia_bake::Payload::Json(String::from_utf8(SIGNED.clone()).expect("utf-8"));
    insignia_bake::bake(image, insignia_bake::Standard::Ob3, &payload).expect("bake")
});

#[divan::bench]
fn verify_json_credential() -> bool {
    let resolver = OfflineResolver;
    verify_bytes(black_box(&SIGNED), &VerifyOptions::new(&resolver)).valid
}

#[divan::bench]
fn verify_baked_png() -> bool {
    let resolver = OfflineResolver;
    verify_bytes(black_box(&BAKED_PNG), &VerifyOptions::new(&resolver)).valid
}
