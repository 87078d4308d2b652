//! Full verification through the report: a signed credential as JSON, and the
//! same credential baked into a PNG (extract + every check); and the online
//! check phase (`Verifier::check`) on pre-fetched material: a did:web issuer
//! with a Bitstring status list, whose own proof is verified too.
//!
//! Run: `cargo bench -p insignia-verify --bench verify`. Figures: docs/benchmarks.md.

use std::sync::LazyLock;

use divan::black_box;
use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::{Material, OfflineResolver, Verifier, VerifyOptions, verify_bytes};
use serde_json::{Value, json};

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

/// (credential with a status entry, the material a gather phase would have fetched).
static ONLINE: LazyLock<(Vec<u8>, Material)> = LazyLock::new(|| {
    let key = KeyPair::generate(Algorithm::Ed25519).expect("key");
    let did = "did:web:issuer.example";
    let vm = format!("{did}#key-1");
    let sign = |doc: &Value| {
        let options = SignOptions {
            cryptosuite: Cryptosuite::EddsaRdfc2022,
            verification_method: vm.clone(),
            created: Some("2026-01-01T00:00:00Z".into()),
        };
        data_integrity::sign(doc, &key, &options).expect("sign")
    };
    let document = insignia_proofs::did::build_did_web_document(
        did,
        &[("key-1".to_owned(), key.public_key())],
    )
    .expect("DID document");
    // An all-zero list of the minimum size: GZIP of 16 KiB of zeros.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &[0u8; 16 * 1024]).expect("gzip");
    let encoded = {
        use base64::Engine as _;
        let bytes = gz.finish().expect("gzip");
        format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    };
    let list_url = "https://issuer.example/status/1";
    let list = sign(&json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        }
    }));
    let text = include_str!("../../../examples/ob3-achievement-credential.json");
    let mut credential: Value = serde_json::from_str(text).expect("example is JSON");
    credential["issuer"]["id"] = Value::from(did);
    credential["credentialStatus"] = json!({
        "id": format!("{list_url}#42"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": list_url,
    });
    let signed = serde_json::to_vec(&sign(&credential)).expect("serialize");
    let mut material = Material::new(false);
    material.insert_json("https://issuer.example/.well-known/did.json", &document.0);
    material.insert_json(list_url, &list);
    (signed, material)
});

static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let fetcher =
        insignia_fetch::Fetcher::new(insignia_fetch::FetchPolicy::default()).expect("fetcher");
    Verifier::new(std::sync::Arc::new(fetcher))
});

#[divan::bench]
fn online_check_with_status_list(bencher: divan::Bencher) {
    let (input, material) = &*ONLINE;
    assert!(
        VERIFIER.check(input, material).valid,
        "the fixture must verify"
    );
    bencher.bench(|| VERIFIER.check(black_box(input), black_box(material)).valid);
}
