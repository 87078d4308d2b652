//! Multibase, Multikey and `did:key` decoding, did:web URL mapping, JWK and
//! PEM keys, verification methods (`insignia-proofs`).
#![no_main]

use insignia_proofs::{did, jwk::Jwk, keys::PublicKey, multikey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = multikey::decode_varint(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = multikey::decode_multikey(text);
    let _ = did::resolve_did_key(text);
    let _ = did::resolve_did_key(&format!("did:key:{text}"));
    let _ = did::did_web_document_url(text);
    let _ = did::did_web_from_url(text);
    let _ = PublicKey::from_pem(text);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = did::public_key_of_verification_method(&value);
        if let Ok(jwk) = Jwk::from_value(&value) {
            let _ = PublicKey::from_jwk(&jwk);
        }
        let document = did::DidDocument(value);
        let _ = document.find_verification_method("did:key:z6Mk#k");
    }
});
