//! VC-JWT and Open Badges 2.0 JWS parsing (`insignia-proofs::jose`): decode,
//! then verify with a fixed key of each algorithm (the signature never
//! matches; what matters is that parsing up to it never panics).
#![no_main]

use std::sync::LazyLock;

use insignia_proofs::jose;
use insignia_proofs::keys::{Algorithm, KeyPair, PublicKey};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<Vec<PublicKey>> = LazyLock::new(|| {
    [Algorithm::Ed25519, Algorithm::P256]
        .into_iter()
        .map(|alg| KeyPair::generate(alg).expect("key").public_key())
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = jose::decode_unverified(token);
    for key in KEYS.iter() {
        let _ = jose::verify_compact(token, key);
        let _ = jose::verify_ob2_assertion(token, key);
        let _ = jose::verify_vc_jwt(token, |_header| Ok(key.clone()));
    }
    // A key taken from the header itself (`jwk`), as the verifier does.
    let _ = jose::verify_vc_jwt(token, |header| match &header.jwk {
        Some(jwk) => PublicKey::from_jwk(jwk).map_err(jose::JoseError::from),
        None => Err(jose::JoseError::KeyResolution("no jwk".into())),
    });
});
