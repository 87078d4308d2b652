//! did:key resolution, did:web URL mapping and documents.

// Test helpers outside #[test] functions unwrap too; a panic is a test failure.
#![allow(clippy::unwrap_used)]

use insignia_proofs::did::{
    DidDocument, DidError, build_did_web_document, did_key_for, did_web_document_url,
    did_web_from_url, public_key_of_verification_method, resolve_did_key,
};
use insignia_proofs::keys::{Algorithm, KeyPair, PublicKey};
use serde_json::json;

// --- did:key --------------------------------------------------------------

/// Ed25519 examples from the did:key specification.
const SPEC_ED25519: [&str; 4] = [
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
    "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
];
/// P-256 example from the did:key specification.
const SPEC_P256: &str = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";

#[test]
fn did_key_spec_example_document() {
    let did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let vm = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let (doc, key) = resolve_did_key(did).unwrap();
    assert_eq!(key.algorithm(), Algorithm::Ed25519);
    assert_eq!(
        doc.0,
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [{
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
            }],
            "authentication": [vm],
            "assertionMethod": [vm],
            "capabilityInvocation": [vm],
            "capabilityDelegation": [vm]
        })
    );
    assert_eq!(doc.id(), Some(did));
    assert_eq!(doc.find_verification_method(vm), Some(key.clone()));
    assert_eq!(
        doc.find_verification_method("#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        Some(key.clone())
    );
    assert!(doc.is_assertion_method(vm));
    assert!(doc.is_authentication(vm));
    assert!(
        doc.find_verification_method(&format!("{did}#other"))
            .is_none()
    );
    assert!(!doc.is_assertion_method(&format!("{did}#other")));

    // The verification method id resolves to the same document and key.
    let (doc2, key2) = resolve_did_key(vm).unwrap();
    assert_eq!(doc2, doc);
    assert_eq!(key2, key);
}

#[test]
fn did_key_spec_examples_resolve() {
    for did in SPEC_ED25519 {
        let (doc, key) = resolve_did_key(did).unwrap();
        assert_eq!(key.algorithm(), Algorithm::Ed25519);
        assert_eq!(did_key_for(&key).unwrap(), did);
        let mb = did.trim_start_matches("did:key:");
        assert_eq!(doc.0["verificationMethod"][0]["id"], format!("{did}#{mb}"));
    }
    let (doc, key) = resolve_did_key(SPEC_P256).unwrap();
    assert_eq!(key.algorithm(), Algorithm::P256);
    assert_eq!(did_key_for(&key).unwrap(), SPEC_P256);
    assert_eq!(doc.0["verificationMethod"][0]["type"], "Multikey");
}

#[test]
fn did_key_of_generated_keys() {
    for alg in [Algorithm::Ed25519, Algorithm::P256] {
        let pair = KeyPair::generate(alg).unwrap();
        let did = pair.did_key().unwrap();
        let vm = pair.verification_method_id().unwrap();
        assert!(vm.starts_with(&format!("{did}#z")));
        let (doc, key) = resolve_did_key(&vm).unwrap();
        assert_eq!(key, pair.public_key());
        assert_eq!(doc.find_verification_method(&vm), Some(pair.public_key()));
        assert!(doc.is_assertion_method(&vm));
    }
    let rsa = KeyPair::generate(Algorithm::Rsa).unwrap();
    assert!(did_key_for(&rsa.public_key()).is_err());
}

#[test]
fn did_key_fragment_must_name_the_key() {
    let did = SPEC_ED25519[0];
    let other = SPEC_ED25519[1].trim_start_matches("did:key:");
    let err = resolve_did_key(&format!("{did}#{other}")).unwrap_err();
    assert!(matches!(err, DidError::FragmentMismatch { .. }), "{err}");
    assert!(matches!(
        resolve_did_key(&format!("{did}#key-1")),
        Err(DidError::FragmentMismatch { .. })
    ));
    assert!(matches!(
        resolve_did_key(&format!("{did}#")),
        Err(DidError::FragmentMismatch { .. })
    ));
}

#[test]
fn did_key_garbage_is_refused() {
    // The spec P-256 key spelled with an uncompressed point: not canonical.
    let (_, p256) = resolve_did_key(SPEC_P256).unwrap();
    let PublicKey::P256(vk) = &p256 else {
        panic!("not P-256")
    };
    let mut bytes = vec![0x80, 0x24];
    bytes.extend_from_slice(vk.to_encoded_point(false).as_bytes());
    let uncompressed = format!("did:key:z{}", bs58::encode(bytes).into_string());

    for bad in [
        "",
        "did:key:",
        "did:key",
        "did:web:example.org",
        "DID:KEY:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doKK",
        "did:key:zzzzzzzz",
        "did:key:z0OIl",
        "did:key:1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK/path",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK?query",
        "did:key:z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq", // a secret key
        "not a did at all",
        uncompressed.as_str(),
    ] {
        assert!(resolve_did_key(bad).is_err(), "accepted {bad:?}");
    }
}

// --- did:web --------------------------------------------------------------

#[test]
fn did_web_from_urls() {
    for (url, did) in [
        ("https://example.org", "did:web:example.org"),
        ("https://example.org/", "did:web:example.org"),
        ("https://Example.ORG/", "did:web:example.org"),
        (
            "https://example.org:8443/issuers/abc",
            "did:web:example.org%3A8443:issuers:abc",
        ),
        (
            "https://example.org/issuers/abc/",
            "did:web:example.org:issuers:abc",
        ),
        ("https://example.org:443/a", "did:web:example.org:a"),
        (
            "https://w3c-ccg.github.io/user/alice",
            "did:web:w3c-ccg.github.io:user:alice",
        ),
        ("https://localhost:3000", "did:web:localhost%3A3000"),
        // Already the document URL.
        (
            "https://example.org/.well-known/did.json",
            "did:web:example.org",
        ),
        (
            "https://example.org/issuers/abc/did.json",
            "did:web:example.org:issuers:abc",
        ),
        // Characters a segment cannot hold are escaped; escapes are kept.
        ("https://example.org/a:b", "did:web:example.org:a%3Ab"),
        ("https://example.org/a%20b", "did:web:example.org:a%20b"),
        ("https://example.org/a b", "did:web:example.org:a%20b"),
    ] {
        assert_eq!(did_web_from_url(url).unwrap(), did, "{url}");
    }
}

#[test]
fn did_web_from_bad_urls() {
    for bad in [
        "http://example.org",
        "ftp://example.org",
        "example.org",
        "https://",
        "https:///path",
        "https://user@example.org",
        "https://[::1]:8443",
        "https://example.org?x=1",
        "https://example.org/a#frag",
        "https://example.org:abc",
        "https://example.org:0",
        "https://example.org:99999",
        "https://exa_mple.org",
        "https://exämple.org",
        "https://example..org",
        "https://example.org/a//b",
        "https://example.org/../b",
    ] {
        assert!(did_web_from_url(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn did_web_document_urls() {
    for (did, url) in [
        (
            "did:web:example.org",
            "https://example.org/.well-known/did.json",
        ),
        (
            "did:web:w3c-ccg.github.io",
            "https://w3c-ccg.github.io/.well-known/did.json",
        ),
        (
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
        (
            "did:web:example.com%3A3000",
            "https://example.com:3000/.well-known/did.json",
        ),
        (
            "did:web:example.com%3a3000:user:alice",
            "https://example.com:3000/user/alice/did.json",
        ),
        (
            "did:web:example.org:issuers:abc",
            "https://example.org/issuers/abc/did.json",
        ),
        (
            "did:web:example.org:issuers:abc#key-1",
            "https://example.org/issuers/abc/did.json",
        ),
        (
            "did:web:example.org:a%20b",
            "https://example.org/a%20b/did.json",
        ),
    ] {
        assert_eq!(did_web_document_url(did).unwrap(), url, "{did}");
    }
    for bad in [
        "did:web:",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:web:example.org:",
        "did:web:example.org::a",
        "did:web:example.org:..",
        "did:web:example.org:a/b",
        "did:web:example.org?service=x",
        "did:web:example.org%3Axyz",
        "did:web:user@example.org",
        "did:web:example.org:a%2",
        "did:web:example.org:<script>",
    ] {
        assert!(did_web_document_url(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn did_web_round_trip() {
    for url in [
        "https://example.org",
        "https://example.org:8443/issuers/abc",
        "https://badges.example.edu/orgs/42/issuer",
    ] {
        let did = did_web_from_url(url).unwrap();
        let doc_url = did_web_document_url(&did).unwrap();
        assert_eq!(did_web_from_url(&doc_url).unwrap(), did, "{url}");
    }
}

#[test]
fn did_web_document_with_two_keys_lists_both() {
    let did = "did:web:example.org:issuers:abc";
    let old = KeyPair::generate(Algorithm::Ed25519).unwrap().public_key();
    let new = KeyPair::generate(Algorithm::P256).unwrap().public_key();
    let doc = build_did_web_document(
        did,
        &[
            ("key-1".into(), old.clone()),
            ("#key-2".into(), new.clone()),
        ],
    )
    .unwrap();
    let ids = json!([format!("{did}#key-1"), format!("{did}#key-2")]);
    assert_eq!(doc.0["id"], did);
    assert_eq!(doc.0["assertionMethod"], ids);
    assert_eq!(doc.0["authentication"], ids);
    assert_eq!(
        doc.0["@context"],
        json!([
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1"
        ])
    );
    let vms = doc.0["verificationMethod"].as_array().unwrap();
    assert_eq!(vms.len(), 2);
    assert_eq!(vms[0]["type"], "Multikey");
    assert_eq!(vms[0]["controller"], did);
    assert_eq!(vms[0]["publicKeyMultibase"], old.to_multibase().unwrap());
    assert_eq!(vms[1]["publicKeyMultibase"], new.to_multibase().unwrap());

    assert_eq!(
        doc.find_verification_method(&format!("{did}#key-1")),
        Some(old.clone())
    );
    assert_eq!(doc.find_verification_method("#key-2"), Some(new.clone()));
    assert!(doc.is_assertion_method("#key-1"));
    assert!(doc.is_assertion_method(&format!("{did}#key-2")));
    assert!(doc.find_verification_method("#key-3").is_none());

    // Rotation: a third key is added last; the old ones stay.
    let newest = KeyPair::generate(Algorithm::Ed25519).unwrap().public_key();
    let rotated = build_did_web_document(
        did,
        &[
            ("key-1".into(), old.clone()),
            ("key-2".into(), new.clone()),
            ("key-3".into(), newest.clone()),
        ],
    )
    .unwrap();
    assert_eq!(
        rotated.0["assertionMethod"],
        json!([
            format!("{did}#key-1"),
            format!("{did}#key-2"),
            format!("{did}#key-3")
        ])
    );
    assert_eq!(rotated.find_verification_method("#key-1"), Some(old));
    assert_eq!(rotated.find_verification_method("#key-3"), Some(newest));
}

#[test]
fn did_web_document_with_rsa_uses_json_web_key() {
    let did = "did:web:example.org";
    let rsa = KeyPair::generate(Algorithm::Rsa).unwrap().public_key();
    let doc = build_did_web_document(did, &[("rsa-1".into(), rsa.clone())]).unwrap();
    let vm = &doc.0["verificationMethod"][0];
    assert_eq!(vm["type"], "JsonWebKey");
    assert_eq!(vm["publicKeyJwk"]["kty"], "RSA");
    assert!(vm["publicKeyJwk"].get("d").is_none());
    assert!(
        doc.0["@context"]
            .as_array()
            .unwrap()
            .contains(&json!("https://w3id.org/security/jwk/v1"))
    );
    assert_eq!(doc.find_verification_method("#rsa-1"), Some(rsa));
}

#[test]
fn did_web_document_refusals() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap().public_key();
    let one = |frag: &str| vec![(frag.to_string(), key.clone())];
    assert!(matches!(
        build_did_web_document("did:web:example.org", &[]),
        Err(DidError::NoKeys)
    ));
    assert!(matches!(
        build_did_web_document(
            "did:web:example.org",
            &[("k".into(), key.clone()), ("#k".into(), key.clone())]
        ),
        Err(DidError::DuplicateKeyId(_))
    ));
    for frag in ["", "#", "key 1", "a#b", "a/b"] {
        assert!(
            matches!(
                build_did_web_document("did:web:example.org", &one(frag)),
                Err(DidError::InvalidKeyId(_))
            ),
            "accepted fragment {frag:?}"
        );
    }
    for did in [
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:web:example.org#key-1",
        "did:web:",
        "https://example.org",
    ] {
        assert!(
            build_did_web_document(did, &one("key-1")).is_err(),
            "accepted {did}"
        );
    }
}

// --- reading other DID documents -------------------------------------------

#[test]
fn find_verification_method_in_foreign_documents() {
    let ed = KeyPair::generate(Algorithm::Ed25519).unwrap().public_key();
    let p = KeyPair::generate(Algorithm::P256).unwrap().public_key();
    let PublicKey::Ed25519(ed_raw) = &ed else {
        panic!()
    };
    let did = "did:web:issuer.example";
    let doc = DidDocument(json!({
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": "#ed2020",
                "type": "Ed25519VerificationKey2020",
                "controller": did,
                "publicKeyMultibase": ed.to_multibase().unwrap()
            },
            {
                "id": format!("{did}#jwk2020"),
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": p.to_jwk().to_value()
            },
            {
                "id": "#ed2018",
                "type": "Ed25519VerificationKey2018",
                "controller": did,
                "publicKeyBase58": bs58::encode(ed_raw.as_bytes()).into_string()
            },
            {
                "id": "#wrong-type",
                "type": "Ed25519VerificationKey2020",
                "controller": did,
                "publicKeyMultibase": p.to_multibase().unwrap()
            },
            {
                "id": "#leaky",
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": KeyPair::generate(Algorithm::P256).unwrap().to_jwk().to_value()
            },
            {
                "id": "#unknown",
                "type": "EcdsaSecp256k1VerificationKey2019",
                "controller": did,
                "publicKeyMultibase": "zQ3s"
            }
        ],
        "assertionMethod": [
            "#ed2020",
            format!("{did}#jwk2020"),
            {
                "id": "#embedded",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ed.to_multibase().unwrap()
            }
        ],
        "authentication": "#ed2018"
    }));
    assert_eq!(doc.find_verification_method("#ed2020"), Some(ed.clone()));
    assert_eq!(
        doc.find_verification_method(&format!("{did}#ed2020")),
        Some(ed.clone())
    );
    assert_eq!(doc.find_verification_method("#jwk2020"), Some(p.clone()));
    assert_eq!(doc.find_verification_method("#ed2018"), Some(ed.clone()));
    assert_eq!(doc.find_verification_method("#embedded"), Some(ed.clone()));
    assert_eq!(doc.find_verification_method("#wrong-type"), None);
    assert_eq!(doc.find_verification_method("#leaky"), None);
    assert_eq!(doc.find_verification_method("#unknown"), None);
    assert!(doc.verification_method("#unknown").is_some());

    assert!(doc.is_assertion_method("#ed2020"));
    assert!(doc.is_assertion_method(&format!("{did}#jwk2020")));
    assert!(doc.is_assertion_method("#embedded"));
    assert!(!doc.is_assertion_method("#ed2018"));
    assert!(doc.is_authentication("#ed2018"));

    let err = public_key_of_verification_method(&doc.0["verificationMethod"][4]).unwrap_err();
    assert!(err.to_string().contains("private"), "{err}");
}
