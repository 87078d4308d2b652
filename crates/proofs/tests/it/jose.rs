//! Compact JWS, VC-JWT (Open Badges 3.0) and OB 2.0 signed assertions.

// Test helpers outside #[test] functions unwrap too; a panic is a test failure.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use insignia_proofs::jose::{
    Header, JoseError, VcVersion, decode_unverified, jws_alg, sign_compact, sign_ob2_assertion,
    sign_vc_jwt, verify_compact, verify_ob2_assertion, verify_vc_jwt,
};
use insignia_proofs::keys::{Algorithm, KeyPair, PublicKey};
use serde_json::{Map, Value, json};

const ALL: [Algorithm; 3] = [Algorithm::Ed25519, Algorithm::P256, Algorithm::Rsa];

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_json(v: &Value) -> String {
    b64(v.to_string().as_bytes())
}

fn parts(token: &str) -> Vec<String> {
    token.split('.').map(str::to_string).collect()
}

/// Re-signs `header` + `payload` with `key`, bypassing sign_compact's checks
/// (to build tokens an attacker could build).
fn raw_token(header: &Value, payload: &Value, key: &KeyPair) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(payload));
    let sig = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64(&sig))
}

fn ob3_credential() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "http://example.edu/credentials/3732",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "name": "Example University"
        },
        "validFrom": "2010-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "name": "Example University Degree",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {"narrative": "Team members are nominated for this badge by their peers."},
                "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
                "name": "Teamwork"
            }
        }
    })
}

// --- compact JWS ------------------------------------------------------------

#[test]
fn compact_sign_verify_all_algorithms() {
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        let mut extra = Map::new();
        extra.insert("kid".into(), json!("https://example.org/keys#1"));
        let payload = json!({"hello": "world", "n": 1});
        let token = sign_compact(extra, payload.to_string().as_bytes(), &key).unwrap();
        let p = parts(&token);
        assert_eq!(p.len(), 3);
        assert!(!token.contains('='));

        let (header, decoded) = decode_unverified(&token).unwrap();
        assert_eq!(header.alg, jws_alg(alg));
        assert_eq!(header.kid.as_deref(), Some("https://example.org/keys#1"));
        assert_eq!(decoded, payload);
        // "alg" comes first in the header.
        let raw_header = String::from_utf8(URL_SAFE_NO_PAD.decode(&p[0]).unwrap()).unwrap();
        assert!(raw_header.starts_with(&format!("{{\"alg\":\"{}\"", jws_alg(alg))));

        assert_eq!(verify_compact(&token, &key.public_key()).unwrap(), payload);
        let other = KeyPair::generate(alg).unwrap();
        assert!(matches!(
            verify_compact(&token, &other.public_key()),
            Err(JoseError::BadSignature)
        ));
    }
    assert_eq!(jws_alg(Algorithm::Ed25519), "EdDSA");
    assert_eq!(jws_alg(Algorithm::P256), "ES256");
    assert_eq!(jws_alg(Algorithm::Rsa), "RS256");
}

#[test]
fn alg_none_and_hmac_are_refused() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let payload = json!({"iss": "https://example.org"});
    for alg in [
        "none", "None", "HS256", "HS384", "HS512", "PS256", "ES384", "ES256K", "RS512", "",
    ] {
        let header = json!({"alg": alg, "typ": "JWT"});
        // Unsigned form ("header.payload.") and a signed-looking form.
        let unsigned = format!("{}.{}.", b64_json(&header), b64_json(&payload));
        let signed = raw_token(&header, &payload, &key);
        for token in [&unsigned, &signed] {
            assert!(
                verify_compact(token, &key.public_key()).is_err(),
                "{alg} accepted"
            );
            assert!(decode_unverified(token).is_err(), "{alg} decoded");
        }
        let err = verify_compact(&signed, &key.public_key()).unwrap_err();
        assert!(
            matches!(err, JoseError::UnsupportedAlgorithm(ref a) if a == alg),
            "{alg}: {err}"
        );
        assert!(
            verify_vc_jwt(&signed, |_| Ok(key.public_key())).is_err(),
            "{alg} VC-JWT accepted"
        );
    }
    // An HMAC token "signed" with the public key bytes as secret is refused
    // before any key material is touched.
    let header = json!({"alg": "HS256"});
    let token = format!(
        "{}.{}.{}",
        b64_json(&header),
        b64_json(&payload),
        b64(&[7u8; 32])
    );
    assert!(matches!(
        verify_compact(&token, &key.public_key()),
        Err(JoseError::UnsupportedAlgorithm(_))
    ));
    // A non-string alg and a missing alg.
    let token = raw_token(&json!({"alg": 1}), &payload, &key);
    assert!(verify_compact(&token, &key.public_key()).is_err());
    let token = raw_token(&json!({"typ": "JWT"}), &payload, &key);
    assert!(matches!(
        verify_compact(&token, &key.public_key()),
        Err(JoseError::MissingAlgorithm)
    ));
}

#[test]
fn alg_must_match_key_type() {
    let keys: Vec<KeyPair> = ALL.iter().map(|a| KeyPair::generate(*a).unwrap()).collect();
    for signer in &keys {
        let token = sign_compact(Map::new(), b"{\"a\":1}", signer).unwrap();
        for verifier in &keys {
            let result = verify_compact(&token, &verifier.public_key());
            if verifier.algorithm() == signer.algorithm() {
                result.unwrap();
            } else {
                let err = result.unwrap_err();
                assert!(matches!(err, JoseError::AlgorithmMismatch { .. }), "{err}");
                assert!(err.to_string().contains(jws_alg(verifier.algorithm())));
            }
        }
        // The header's alg swapped for another allowed one, signature kept.
        for (other_alg, _) in [("EdDSA", 0), ("ES256", 1), ("RS256", 2)] {
            if other_alg == jws_alg(signer.algorithm()) {
                continue;
            }
            let p = parts(&token);
            let swapped = format!("{}.{}.{}", b64_json(&json!({"alg": other_alg})), p[1], p[2]);
            let err = verify_compact(&swapped, &signer.public_key()).unwrap_err();
            assert!(matches!(err, JoseError::AlgorithmMismatch { .. }), "{err}");
        }
    }
    // sign_compact refuses a conflicting alg in the extra header.
    let mut extra = Map::new();
    extra.insert("alg".into(), json!("HS256"));
    assert!(matches!(
        sign_compact(extra, b"{}", &keys[0]),
        Err(JoseError::HeaderConflict(_))
    ));
    let mut extra = Map::new();
    extra.insert("alg".into(), json!("EdDSA"));
    sign_compact(extra, b"{}", &keys[0]).unwrap();
}

#[test]
fn altered_tokens_fail() {
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        let token = sign_compact(Map::new(), b"{\"score\":10}", &key).unwrap();
        let p = parts(&token);

        // Payload altered.
        let altered = format!("{}.{}.{}", p[0], b64(b"{\"score\":99}"), p[2]);
        assert!(matches!(
            verify_compact(&altered, &key.public_key()),
            Err(JoseError::BadSignature)
        ));
        // Header altered (extra member).
        let header = json!({"alg": jws_alg(alg), "kid": "x"});
        let altered = format!("{}.{}.{}", b64_json(&header), p[1], p[2]);
        assert!(matches!(
            verify_compact(&altered, &key.public_key()),
            Err(JoseError::BadSignature)
        ));
        // Signature truncated (every length, on base64 boundaries and not).
        let sig = URL_SAFE_NO_PAD.decode(&p[2]).unwrap();
        for len in 1..sig.len() {
            let t = format!("{}.{}.{}", p[0], p[1], b64(&sig[..len]));
            assert!(matches!(
                verify_compact(&t, &key.public_key()),
                Err(JoseError::BadSignature)
            ));
        }
        // Signature missing.
        let t = format!("{}.{}.", p[0], p[1]);
        assert!(matches!(
            verify_compact(&t, &key.public_key()),
            Err(JoseError::Malformed(_))
        ));
    }
}

#[test]
fn malformed_tokens_fail_cleanly() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let token = sign_compact(Map::new(), b"{\"a\":1}", &key).unwrap();
    let p = parts(&token);
    let public = key.public_key();

    // Part counts.
    for bad in [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        p[0].clone(),
        format!("{}.{}", p[0], p[1]),
        format!("{token}.{}", p[2]),
    ] {
        assert!(
            matches!(verify_compact(&bad, &public), Err(JoseError::Malformed(_))),
            "{bad:?}"
        );
    }
    // Five parts: JWE.
    assert!(matches!(
        verify_compact("a.b.c.d.e", &public),
        Err(JoseError::Encrypted)
    ));
    let jwe_header = b64_json(&json!({"alg": "RSA-OAEP", "enc": "A256GCM"}));
    assert!(verify_compact(&format!("{jwe_header}.{}.{}", p[1], p[2]), &public).is_err());

    // Padded, standard-alphabet and invalid base64.
    let padded_payload = URL_SAFE.encode(b"{\"a\":12}"); // needs padding
    assert!(padded_payload.ends_with('='));
    let t = raw_token_str(&p[0], &padded_payload, &key);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::Base64("payload"))
    ));
    let t = format!("{}=.{}.{}", p[0], p[1], p[2]);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::Base64("header"))
    ));
    let t = format!("{}.{}.{}=", p[0], p[1], p[2]);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::Base64("signature"))
    ));
    let t = format!("{}.{}+/.{}", p[0], p[1], p[2]);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::Base64(_))
    ));
    let t = format!("{} .{}.{}", p[0], p[1], p[2]);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::Base64(_))
    ));
    // Non-canonical trailing bits ("QR" and "QQ" both end "A").
    let t = format!("{}.{}.{}", p[0], p[1], "QR");
    assert!(verify_compact(&t, &public).is_err());

    // Non-JSON header and payload; JSON that is not an object.
    for (h, pl) in [
        (b64(b"not json"), p[1].clone()),
        (p[0].clone(), b64(b"not json")),
        (p[0].clone(), b64(b"[1,2]")),
        (p[0].clone(), b64(b"\"text\"")),
        (b64(b"[\"EdDSA\"]"), p[1].clone()),
        (p[0].clone(), b64(&[0xff, 0xfe, 0x7b])),
    ] {
        let t = raw_token_str(&h, &pl, &key);
        assert!(
            matches!(verify_compact(&t, &public), Err(JoseError::NotJson { .. })),
            "{t}"
        );
    }
    // Duplicate members.
    let dup_header = b64(br#"{"alg":"EdDSA","alg":"none"}"#);
    let t = raw_token_str(&dup_header, &p[1], &key);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::NotJson { .. })
    ));
    let dup_payload = b64(br#"{"iss":"a","iss":"b"}"#);
    let t = raw_token_str(&p[0], &dup_payload, &key);
    assert!(matches!(
        verify_compact(&t, &public),
        Err(JoseError::NotJson { .. })
    ));

    // sign_compact refuses a payload verify would refuse.
    assert!(sign_compact(Map::new(), b"not json", &key).is_err());
}

fn raw_token_str(h: &str, p: &str, key: &KeyPair) -> String {
    let input = format!("{h}.{p}");
    let sig = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64(&sig))
}

#[test]
fn crit_b64_and_private_jwk_headers_are_refused() {
    let key = KeyPair::generate(Algorithm::P256).unwrap();
    let payload = json!({"a": 1});
    let t = raw_token(
        &json!({"alg": "ES256", "crit": ["exp"], "exp": 1}),
        &payload,
        &key,
    );
    let err = verify_compact(&t, &key.public_key()).unwrap_err();
    assert!(
        matches!(err, JoseError::UnsupportedCritical(ref c) if c == &["exp"]),
        "{err}"
    );
    let t = raw_token(
        &json!({"alg": "ES256", "crit": ["b64"], "b64": false}),
        &payload,
        &key,
    );
    assert!(verify_compact(&t, &key.public_key()).is_err());
    let t = raw_token(&json!({"alg": "ES256", "b64": false}), &payload, &key);
    assert!(verify_compact(&t, &key.public_key()).is_err());

    let t = raw_token(
        &json!({"alg": "ES256", "jwk": key.to_jwk().to_value()}),
        &payload,
        &key,
    );
    let err = verify_compact(&t, &key.public_key()).unwrap_err();
    assert!(err.to_string().contains("private"), "{err}");

    for name in ["crit", "b64", "enc"] {
        let mut extra = Map::new();
        extra.insert(name.into(), json!(["x"]));
        assert!(sign_compact(extra, b"{}", &key).is_err(), "{name}");
    }
    let mut extra = Map::new();
    extra.insert("jwk".into(), key.to_jwk().to_value());
    assert!(matches!(
        sign_compact(extra, b"{}", &key),
        Err(JoseError::HeaderConflict(_))
    ));
}

// --- VC-JWT -----------------------------------------------------------------

#[test]
fn vc_jwt_round_trip_all_algorithms() {
    let credential = ob3_credential();
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        let kid = "https://example.edu/issuers/565049#key-1";
        let token = sign_vc_jwt(&credential, &key, Some(kid), false).unwrap();

        let (header, payload) = decode_unverified(&token).unwrap();
        assert_eq!(header.alg, jws_alg(alg));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some(kid));
        assert!(header.jwk.is_none());
        assert_eq!(
            header.raw.keys().collect::<Vec<_>>(),
            vec!["alg", "typ", "kid"]
        );
        assert_eq!(payload["iss"], "https://example.edu/issuers/565049");
        assert_eq!(payload["jti"], "http://example.edu/credentials/3732");
        assert_eq!(payload["sub"], "did:example:ebfeb1f712ebc6f1c276e12ec21");
        assert_eq!(payload["nbf"], 1_262_304_000);
        assert_eq!(payload["exp"], 1_893_456_000);
        assert!(payload.get("vc").is_none());
        assert_eq!(payload["name"], "Example University Degree");

        let mut seen_kid = None;
        let vc = verify_vc_jwt(&token, |h: &Header| {
            seen_kid = h.kid.clone();
            Ok(key.public_key())
        })
        .unwrap();
        assert_eq!(seen_kid.as_deref(), Some(kid));
        assert_eq!(
            vc.credential, credential,
            "the credential comes back as signed"
        );
        assert_eq!(vc.version, VcVersion::V2);
        assert_eq!(vc.issuer, "https://example.edu/issuers/565049");
        assert_eq!(
            vc.id.as_deref(),
            Some("http://example.edu/credentials/3732")
        );
        assert_eq!(
            vc.subject.as_deref(),
            Some("did:example:ebfeb1f712ebc6f1c276e12ec21")
        );
        assert_eq!(vc.not_before, Some(1_262_304_000));
        assert_eq!(vc.expires, Some(1_893_456_000));
        assert_eq!(vc.issued_at, None);
        assert_eq!(vc.claims["iss"], payload["iss"]);
    }
}

#[test]
fn vc_jwt_with_embedded_public_jwk() {
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        let token = sign_vc_jwt(&ob3_credential(), &key, None, true).unwrap();
        let (header, _) = decode_unverified(&token).unwrap();
        let jwk = header.jwk.clone().unwrap();
        assert!(!jwk.is_private());
        assert!(header.raw["jwk"].get("d").is_none());
        let vc = verify_vc_jwt(&token, |h| {
            h.embedded_key()?
                .ok_or_else(|| JoseError::KeyResolution("no jwk".into()))
        })
        .unwrap();
        assert_eq!(vc.credential, ob3_credential());
    }
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    assert!(matches!(
        sign_vc_jwt(&ob3_credential(), &key, None, false),
        Err(JoseError::NoKeyReference)
    ));
    let both = sign_vc_jwt(&ob3_credential(), &key, Some("did:example:1#k"), true).unwrap();
    let (header, _) = decode_unverified(&both).unwrap();
    assert!(header.kid.is_some() && header.jwk.is_some());
}

#[test]
fn vc_jwt_resolver_errors_and_wrong_keys() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let token = sign_vc_jwt(&ob3_credential(), &key, Some("k"), false).unwrap();
    let err = verify_vc_jwt(&token, |_| {
        Err(JoseError::KeyResolution("unknown kid".into()))
    })
    .unwrap_err();
    assert!(matches!(err, JoseError::KeyResolution(_)));
    let other = KeyPair::generate(Algorithm::Ed25519).unwrap();
    assert!(matches!(
        verify_vc_jwt(&token, |_| Ok(other.public_key())),
        Err(JoseError::BadSignature)
    ));
    let rsa = KeyPair::generate(Algorithm::Rsa).unwrap();
    assert!(matches!(
        verify_vc_jwt(&token, |_| Ok(rsa.public_key())),
        Err(JoseError::AlgorithmMismatch { .. })
    ));
    // Payload altered after signing.
    let p = parts(&token);
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&p[1]).unwrap()).unwrap();
    payload["name"] = json!("Forged Degree");
    let forged = format!("{}.{}.{}", p[0], b64_json(&payload), p[2]);
    assert!(matches!(
        verify_vc_jwt(&forged, |_| Ok(key.public_key())),
        Err(JoseError::BadSignature)
    ));
}

#[test]
fn vc_jwt_issuer_as_string_and_optional_claims() {
    let key = KeyPair::generate(Algorithm::P256).unwrap();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2024-05-01T12:30:00.250+02:00",
        "credentialSubject": {"name": "no id"}
    });
    let token = sign_vc_jwt(&credential, &key, Some("did:example:issuer#k"), false).unwrap();
    let (_, payload) = decode_unverified(&token).unwrap();
    assert_eq!(payload["iss"], "did:example:issuer");
    assert_eq!(payload["nbf"], 1_714_559_400);
    for absent in ["jti", "sub", "exp", "iat"] {
        assert!(payload.get(absent).is_none(), "{absent} present");
    }
    let vc = verify_vc_jwt(&token, |_| Ok(key.public_key())).unwrap();
    assert_eq!(vc.credential, credential);
    assert_eq!(vc.id, None);
    assert_eq!(vc.subject, None);
    assert_eq!(vc.expires, None);

    // No issuer id: nothing to put in "iss".
    let mut no_issuer = credential.clone();
    no_issuer.as_object_mut().unwrap().remove("issuer");
    assert!(matches!(
        sign_vc_jwt(&no_issuer, &key, Some("k"), false),
        Err(JoseError::InvalidCredential(_))
    ));
    // Not an object / no VC context.
    assert!(sign_vc_jwt(&json!([1]), &key, Some("k"), false).is_err());
    assert!(sign_vc_jwt(&json!({"issuer": "x"}), &key, Some("k"), false).is_err());
}

/// Builds a VC 2.0 VC-JWT whose claims are set by hand.
fn token_with_claims(key: &KeyPair, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut payload = ob3_credential().as_object().unwrap().clone();
    payload.insert("iss".into(), json!("https://example.edu/issuers/565049"));
    payload.insert("jti".into(), json!("http://example.edu/credentials/3732"));
    payload.insert(
        "sub".into(),
        json!("did:example:ebfeb1f712ebc6f1c276e12ec21"),
    );
    payload.insert("nbf".into(), json!(1_262_304_000));
    payload.insert("exp".into(), json!(1_893_456_000));
    edit(&mut payload);
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    header.insert("kid".into(), json!("k"));
    sign_compact(header, Value::Object(payload).to_string().as_bytes(), key).unwrap()
}

#[test]
fn vc_jwt_claims_must_match_the_credential() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let verify = |t: &str| verify_vc_jwt(t, |_| Ok(key.public_key()));

    // Hand-built but consistent: accepted.
    verify(&token_with_claims(&key, |_| {})).unwrap();
    // A fractional NumericDate within the same second: accepted.
    verify(&token_with_claims(&key, |p| {
        p.insert("nbf".into(), json!(1_262_304_000.5));
    }))
    .unwrap();
    // iat is returned, not compared.
    let vc = verify(&token_with_claims(&key, |p| {
        p.insert("iat".into(), json!(1_262_304_100));
    }))
    .unwrap();
    assert_eq!(vc.issued_at, Some(1_262_304_100));
    assert!(vc.credential.get("iat").is_none());

    // Each member set to a value that disagrees with the rest.
    for (member, value) in [
        ("iss", json!("https://evil.example/issuer")),
        ("jti", json!("urn:uuid:other")),
        ("sub", json!("did:example:someone-else")),
        ("nbf", json!(1_262_304_001)),
        ("exp", json!(1_999_999_999)),
        ("validFrom", json!("2010-01-01T00:00:01Z")),
        ("validUntil", json!("2031-01-01T00:00:00Z")),
        ("issuer", json!("https://evil.example/issuer")),
        ("id", json!("urn:uuid:other")),
    ] {
        let err = verify(&token_with_claims(&key, |p| {
            p.insert(member.into(), value);
        }))
        .unwrap_err();
        assert!(
            matches!(err, JoseError::ClaimMismatch { .. }),
            "{member}: {err}"
        );
    }
    for claim in ["iss", "jti", "sub", "nbf", "exp"] {
        let err = verify(&token_with_claims(&key, |p| {
            p.remove(claim);
        }))
        .unwrap_err();
        assert!(
            matches!(err, JoseError::MissingClaim { claim: c, .. } if c == claim),
            "{claim}: {err}"
        );
    }
    // A claim without the property.
    let err = verify(&token_with_claims(&key, |p| {
        p.remove("validUntil");
    }))
    .unwrap_err();
    assert!(
        matches!(err, JoseError::ClaimMismatch { claim: "exp", .. }),
        "{err}"
    );
    // Claims of the wrong JSON type.
    for (claim, value) in [
        ("nbf", json!("2010-01-01")),
        ("iss", json!(5)),
        ("exp", json!(null)),
    ] {
        let err = verify(&token_with_claims(&key, |p| {
            p.insert(claim.into(), value);
        }))
        .unwrap_err();
        assert!(
            matches!(err, JoseError::InvalidClaim { .. }),
            "{claim}: {err}"
        );
    }
    // Bad typ.
    let mut header = Map::new();
    header.insert("typ".into(), json!("JOSE+JSON"));
    header.insert("kid".into(), json!("k"));
    let token = token_with_claims(&key, |_| {});
    let payload = URL_SAFE_NO_PAD.decode(&parts(&token)[1]).unwrap();
    let t = sign_compact(header, &payload, &key).unwrap();
    assert!(matches!(verify(&t), Err(JoseError::InvalidHeader(_))));
    // A presentation is not a credential.
    let err = verify(&token_with_claims(&key, |p| {
        p.insert("vp".into(), json!({}));
    }))
    .unwrap_err();
    assert!(matches!(err, JoseError::InvalidCredential(_)), "{err}");
}

#[test]
fn vc_jwt_with_several_subjects() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let mut credential = ob3_credential();
    credential["credentialSubject"] = json!([{"id": "did:example:a"}, {"id": "did:example:b"}]);
    let token = sign_vc_jwt(&credential, &key, Some("k"), false).unwrap();
    let (_, payload) = decode_unverified(&token).unwrap();
    assert!(payload.get("sub").is_none());
    verify_vc_jwt(&token, |_| Ok(key.public_key())).unwrap();

    let mut payload = payload.as_object().unwrap().clone();
    payload.insert("sub".into(), json!("did:example:b"));
    let mut header = Map::new();
    header.insert("kid".into(), json!("k"));
    let ok = sign_compact(
        header.clone(),
        Value::Object(payload.clone()).to_string().as_bytes(),
        &key,
    )
    .unwrap();
    verify_vc_jwt(&ok, |_| Ok(key.public_key())).unwrap();
    payload.insert("sub".into(), json!("did:example:c"));
    let bad = sign_compact(header, Value::Object(payload).to_string().as_bytes(), &key).unwrap();
    assert!(matches!(
        verify_vc_jwt(&bad, |_| Ok(key.public_key())),
        Err(JoseError::ClaimMismatch { claim: "sub", .. })
    ));
}

fn v1_credential() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "http://example.edu/credentials/3732",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.edu/issuers/565049", "type": ["Profile"], "name": "Example University"},
        "issuanceDate": "2010-01-01T00:00:00Z",
        "name": "Example University Degree",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "type": ["AchievementSubject"]}
    })
}

#[test]
fn vc_jwt_vc_claim_from_vc_1_1() {
    let key = KeyPair::generate(Algorithm::Rsa).unwrap();

    // sign_vc_jwt puts a VC 1.1 credential in the "vc" claim.
    let token = sign_vc_jwt(&v1_credential(), &key, Some("k"), false).unwrap();
    let (_, payload) = decode_unverified(&token).unwrap();
    assert_eq!(payload["vc"], v1_credential());
    assert_eq!(payload["nbf"], 1_262_304_000);
    assert_eq!(payload["iss"], "https://example.edu/issuers/565049");
    let vc = verify_vc_jwt(&token, |_| Ok(key.public_key())).unwrap();
    assert_eq!(vc.version, VcVersion::V1);
    assert_eq!(vc.credential, v1_credential());

    // VC 1.1 §6.3.1: properties moved into claims are restored.
    let mut bare = v1_credential();
    for p in ["id", "issuanceDate"] {
        bare.as_object_mut().unwrap().remove(p);
    }
    bare["issuer"] = json!(null);
    bare.as_object_mut().unwrap().remove("issuer");
    bare["credentialSubject"]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let payload = json!({
        "iss": "https://example.edu/issuers/565049",
        "jti": "http://example.edu/credentials/3732",
        "sub": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "nbf": 1_262_304_000,
        "exp": 1_893_456_000,
        "vc": bare
    });
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    let token = sign_compact(header.clone(), payload.to_string().as_bytes(), &key).unwrap();
    let vc = verify_vc_jwt(&token, |_| Ok(key.public_key())).unwrap();
    assert_eq!(vc.version, VcVersion::V1);
    assert_eq!(
        vc.credential["issuer"],
        "https://example.edu/issuers/565049"
    );
    assert_eq!(vc.credential["id"], "http://example.edu/credentials/3732");
    assert_eq!(vc.credential["issuanceDate"], "2010-01-01T00:00:00Z");
    assert_eq!(vc.credential["expirationDate"], "2030-01-01T00:00:00Z");
    assert_eq!(
        vc.credential["credentialSubject"]["id"],
        "did:example:ebfeb1f712ebc6f1c276e12ec21"
    );
    assert_eq!(vc.expires, Some(1_893_456_000));

    // A "vc" claim whose properties contradict the claims.
    let mut contradicting = payload.clone();
    contradicting["vc"] = v1_credential();
    contradicting["jti"] = json!("urn:uuid:other");
    let token = sign_compact(header.clone(), contradicting.to_string().as_bytes(), &key).unwrap();
    assert!(matches!(
        verify_vc_jwt(&token, |_| Ok(key.public_key())),
        Err(JoseError::ClaimMismatch { claim: "jti", .. })
    ));

    // A "vc" claim holding a VC 2.0 credential: version mismatch.
    let mut v2_in_vc = payload.clone();
    v2_in_vc["vc"] = ob3_credential();
    let token = sign_compact(header.clone(), v2_in_vc.to_string().as_bytes(), &key).unwrap();
    assert!(matches!(
        verify_vc_jwt(&token, |_| Ok(key.public_key())),
        Err(JoseError::VersionMismatch(_))
    ));
    // A VC 1.1 credential as the payload itself: version mismatch.
    let mut v1_top = v1_credential().as_object().unwrap().clone();
    v1_top.insert("iss".into(), json!("https://example.edu/issuers/565049"));
    let token = sign_compact(
        header.clone(),
        Value::Object(v1_top).to_string().as_bytes(),
        &key,
    )
    .unwrap();
    assert!(matches!(
        verify_vc_jwt(&token, |_| Ok(key.public_key())),
        Err(JoseError::VersionMismatch(_))
    ));
    // A "vc" claim that is not an object.
    let token = sign_compact(
        header,
        json!({"iss": "x", "vc": "text"}).to_string().as_bytes(),
        &key,
    )
    .unwrap();
    assert!(verify_vc_jwt(&token, |_| Ok(key.public_key())).is_err());
}

// --- Open Badges 2.0 --------------------------------------------------------

#[test]
fn ob2_sign_verify() {
    let assertion = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:2f9b8b6e-2d1a-4b8a-9d3a-3f0e8f6f4e11",
        "recipient": {"type": "email", "hashed": false, "identity": "alice@example.org"},
        "badge": "https://example.org/badges/robotics.json",
        "issuedOn": "2024-01-02T03:04:05Z",
        "verification": {"type": "SignedBadge", "creator": "https://example.org/keys/1.json"}
    });
    let key = KeyPair::generate(Algorithm::Rsa).unwrap();
    let token = sign_ob2_assertion(&assertion, &key).unwrap();
    let (header, payload) = decode_unverified(&token).unwrap();
    assert_eq!(Value::Object(header.raw), json!({"alg": "RS256"}));
    assert_eq!(payload, assertion);
    assert_eq!(
        verify_ob2_assertion(&token, &key.public_key()).unwrap(),
        assertion
    );

    // The public key travels as PEM (CryptographicKey.publicKeyPem).
    let pem = key.public_key().to_pem().unwrap();
    let from_pem = PublicKey::from_pem(&pem).unwrap();
    assert_eq!(verify_ob2_assertion(&token, &from_pem).unwrap(), assertion);

    let other = KeyPair::generate(Algorithm::Rsa).unwrap();
    assert!(matches!(
        verify_ob2_assertion(&token, &other.public_key()),
        Err(JoseError::BadSignature)
    ));
    let ed = KeyPair::generate(Algorithm::Ed25519).unwrap();
    assert!(matches!(
        verify_ob2_assertion(&token, &ed.public_key()),
        Err(JoseError::AlgorithmMismatch { .. })
    ));
    assert!(sign_ob2_assertion(&json!("text"), &key).is_err());
    // Other key types sign too, with their own alg.
    let t = sign_ob2_assertion(&assertion, &ed).unwrap();
    assert_eq!(decode_unverified(&t).unwrap().0.alg, "EdDSA");
}

/// A signed OB 2.0 assertion and its issuer's key, published as test data by
/// 1EdTech (digital-credentials-public-validator, inspector-vc test
/// resources `ob20/simple-not-revoked.jwt` and `ob20/assets/key2.json`;
/// `key3.json` belongs to another issuer).
const OB2_PUBLISHED_JWS: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJAY29udGV4dCI6Imh0dHBzOi8vdzNpZC5vcmcvb3BlbmJhZGdlcy92MiIsInR5cGUiOiJBc3NlcnRpb24iLCJpZCI6Imh0dHBzOi8vZXhhbXBsZS5vcmcvYmV0aHMtcm9ib3RpY3MtYmFkZ2UuanNvbiIsInJlY2lwaWVudCI6eyJ0eXBlIjoiZW1haWwiLCJoYXNoZWQiOnRydWUsInNhbHQiOiJkZWFkc2VhIiwiaWRlbnRpdHkiOiJzaGEyNTYkZWNmNTQwOWYzZjRiOTFhYjYwY2M1ZWY0YzAyYWVmNzAzMjM1NDM3NWU3MGNmNGQ4ZTQzZjZhMWQyOTg5MTk0MiJ9LCJpbWFnZSI6Imh0dHBzOi8vZXhhbXBsZS5vcmcvYmV0aHMtcm9ib3QtYmFkZ2UucG5nIiwiZXZpZGVuY2UiOiJodHRwczovL2V4YW1wbGUub3JnL2JldGhzLXJvYm90LXdvcmsuaHRtbCIsImlzc3VlZE9uIjoiMjAxNi0xMi0zMVQyMzo1OTo1OVoiLCJiYWRnZSI6Imh0dHBzOi8vZXhhbXBsZS5vcmcvYmFkZ2UtZnJvbS1vcmdhbml6YXRpb24td2l0aC1lbXB0eS1yZXZvY2F0aW9uLWxpc3QuanNvbiIsInZlcmlmaWNhdGlvbiI6eyJ0eXBlIjoic2lnbmVkIiwiY3JlYXRvciI6Imh0dHA6Ly9leGFtcGxlLm9yZy9rZXkyLmpzb24ifX0.gLjqNnlBSJ3oWt84iPhVaFjYGR2bhrSLDnTHh5mcjujO_VxYFop5EJlGHV4C7UC6xnM01Yy4y8JxqCIvLLudVRrPtK3pYumWJvGnc43cNyjZq8IY6L1qrsklP_gJyV0P9IKUzh6kQDdSGx_1TwYY3qwKlLXqNuxqkjdcD0z3zlhYfCnEpk7GZAXP_1Np123g-R9i3OZ18cxcUrCo1W7fZGkH4NXayXvdQpGwKmyCiju0N3ZLbHtfcbdWyVLLDF1RJJuRoVRgETly4uqVu8aFJ9O62HuOJggF7eLTos1gg-M2IpCa7yuUDVqGCWIRun5tbuUbJv_0Kg68lCslpZ09aw";

const OB2_KEY2_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAjjtSHqVnCOhOe91mt1hh\nWa0h6qF5K32ETY3+6ENQ7kR6qvI1S4prxptYfkuCncJFeZkCu306QS8E/iYCUEoC\ndKOYMVtn1Tm16p2cD+d4LQNYDQbKyKIqU8Cgqb3GoS2MWlJ6Q9sVW1B24RYAokW9\npm80xFJMJAIbZKBfr/hMLofGD5vvBHV/UFYtGvy7PByA7eNPkSLFnIY2L6WBWVyE\na2o95Jzvih+H2CmAk6HSumJL/PdV3yys/m4TEmU0V3m7B8voa3yEIFYG4hKxGUCi\nRqaq/wTFsTVBsEZn9rcpjG58ibjfd1+HBhWjRqsa5NNM9sQqnvvNBSWnqE5ggiNc\nzQIDAQAB\n-----END PUBLIC KEY-----";

const OB2_KEY3_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlxjYVv/2hAXO/D9b/Ifq\ng4n8TQCG3tq6JUyQPrhW27E9htH5UexdbOAAlzydQ5kYve3F8fhHuue/mjnKrMJn\najdTU4BBIPT4CJ3ZCCzKZf9OvMwobZT5P5QmkG1eVLOTGFs9BTvpbGQ7qugUbxHH\nXeHK/OoBnenKmLV0R4+KePe0oTcNToDQbx0uMZzNM9TRpnVBHlCXwYbFzw1js0Tt\nuT4M8MtKOoyNf+ZA8fcsSpmE7K1xDYOY7o9tZMFtGIQuhKlZyVpKpAu4KrhrZBJG\nJ47zcxzrncQHmft3aL8qWNCtZ+fOa+/fPkjT+bPhCwHSkE9Xj8Q0AF1vmDNReun1\nhwIDAQAB\n-----END PUBLIC KEY-----";

#[test]
fn ob2_published_signed_assertion_verifies() {
    let key2 = PublicKey::from_pem(OB2_KEY2_PEM).unwrap();
    let key3 = PublicKey::from_pem(OB2_KEY3_PEM).unwrap();
    assert_eq!(key2.algorithm(), Algorithm::Rsa);
    let assertion = verify_ob2_assertion(OB2_PUBLISHED_JWS, &key2).unwrap();
    assert_eq!(assertion["type"], "Assertion");
    assert_eq!(
        assertion["verification"]["creator"],
        "http://example.org/key2.json"
    );
    assert_eq!(assertion["issuedOn"], "2016-12-31T23:59:59Z");
    assert!(matches!(
        verify_ob2_assertion(OB2_PUBLISHED_JWS, &key3),
        Err(JoseError::BadSignature)
    ));
    // The same assertion, re-encoded byte for byte, still verifies; a
    // changed date does not.
    let p = parts(OB2_PUBLISHED_JWS);
    let reencoded = format!("{}.{}.{}", p[0], b64_json(&assertion), p[2]);
    verify_ob2_assertion(&reencoded, &key2).unwrap();
    let mut altered = assertion.clone();
    altered["issuedOn"] = json!("2026-12-31T23:59:59Z");
    let forged = format!("{}.{}.{}", p[0], b64_json(&altered), p[2]);
    assert!(matches!(
        verify_ob2_assertion(&forged, &key2),
        Err(JoseError::BadSignature)
    ));
}
