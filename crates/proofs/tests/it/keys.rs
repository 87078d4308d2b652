//! Keys: generation, files, JWK, PEM, Multikey, signatures.

// Test helpers outside #[test] functions unwrap too; a panic is a test failure.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;

use insignia_proofs::jwk::Jwk;
use insignia_proofs::keys::{Algorithm, KeyError, KeyPair, PublicKey};
use serde_json::{Value, json};

const ALL: [Algorithm; 3] = [Algorithm::Ed25519, Algorithm::P256, Algorithm::Rsa];

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0);
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn sig_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::Ed25519 | Algorithm::P256 => 64,
        Algorithm::Rsa => 256,
    }
}

#[test]
fn algorithm_names_round_trip() {
    for alg in ALL {
        assert_eq!(alg.to_string().parse::<Algorithm>().unwrap(), alg);
    }
    assert_eq!(Algorithm::Ed25519.to_string(), "ed25519");
    assert_eq!(Algorithm::P256.to_string(), "p256");
    assert_eq!(Algorithm::Rsa.to_string(), "rsa");
    assert_eq!("P-256".parse::<Algorithm>().unwrap(), Algorithm::P256);
    assert!(matches!(
        "secp256k1".parse::<Algorithm>(),
        Err(KeyError::UnknownAlgorithm(_))
    ));
}

#[test]
fn generate_save_load_sign_verify_all_algorithms() {
    let dir = tempfile::tempdir().unwrap();
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        assert_eq!(key.algorithm(), alg);
        assert_eq!(key.public_key().algorithm(), alg);

        let path = dir.path().join(format!("{alg}.jwk"));
        key.save(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{alg} key file mode");

        let loaded = KeyPair::load(&path).unwrap();
        assert_eq!(loaded.algorithm(), alg);
        assert_eq!(loaded.public_key(), key.public_key());

        let message = b"Insignia test message";
        let sig = loaded.sign(message).unwrap();
        assert_eq!(sig.len(), sig_len(alg), "{alg} signature length");
        key.public_key().verify(message, &sig).unwrap();
        loaded.public_key().verify(message, &sig).unwrap();

        // Tampered message.
        assert!(matches!(
            key.public_key().verify(b"Insignia test messagE", &sig),
            Err(KeyError::BadSignature)
        ));
        // Tampered signature, at the start, middle and end.
        for i in [0, sig.len() / 2, sig.len() - 1] {
            let mut bad = sig.clone();
            bad[i] ^= 0x01;
            assert!(matches!(
                key.public_key().verify(message, &bad),
                Err(KeyError::BadSignature)
            ));
        }
        // Truncated and extended signatures: an error, never a panic.
        for len in 0..sig.len() {
            assert!(matches!(
                key.public_key().verify(message, &sig[..len]),
                Err(KeyError::BadSignature)
            ));
        }
        let mut longer = sig.clone();
        longer.push(0);
        assert!(key.public_key().verify(message, &longer).is_err());
        assert!(key.public_key().verify(message, &[0u8; 64]).is_err());
        assert!(key.public_key().verify(message, &[0xffu8; 512]).is_err());
    }
}

#[test]
fn wrong_key_type_and_wrong_key_fail() {
    let keys: Vec<KeyPair> = ALL.iter().map(|a| KeyPair::generate(*a).unwrap()).collect();
    let message = b"cross-check";
    for signer in &keys {
        let sig = signer.sign(message).unwrap();
        for verifier in &keys {
            let result = verifier.public_key().verify(message, &sig);
            if verifier.algorithm() == signer.algorithm() {
                result.unwrap();
            } else {
                assert!(matches!(result, Err(KeyError::BadSignature)));
            }
        }
        // Same type, other key.
        let other = KeyPair::generate(signer.algorithm()).unwrap();
        assert!(other.public_key().verify(message, &sig).is_err());
    }
}

#[test]
fn p256_signs_sha256_of_message_in_p1363_form() {
    // The P-256 signature is over SHA-256(message), r‖s: check with the
    // p256 crate directly.
    use p256::ecdsa::signature::Verifier as _;
    let key = KeyPair::generate(Algorithm::P256).unwrap();
    let sig = key.sign(b"abc").unwrap();
    let PublicKey::P256(vk) = key.public_key() else {
        panic!("not P-256")
    };
    let parsed = p256::ecdsa::Signature::from_slice(&sig).unwrap();
    vk.verify(b"abc", &parsed).unwrap();
    // DER is not accepted by our verify.
    let der = parsed.to_der();
    assert!(key.public_key().verify(b"abc", der.as_bytes()).is_err());
}

#[test]
fn ed25519_rfc8032_test_vector_1() {
    let secret: [u8; 32] =
        unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .try_into()
            .unwrap();
    let key = KeyPair::from_ed25519_secret(&secret);
    let PublicKey::Ed25519(public) = key.public_key() else {
        panic!("not Ed25519")
    };
    assert_eq!(
        public.as_bytes().to_vec(),
        unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    );
    let sig = key.sign(b"").unwrap();
    assert_eq!(
        sig,
        unhex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
    );
    key.public_key().verify(b"", &sig).unwrap();
}

#[test]
fn save_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuer.jwk");
    let first = KeyPair::generate(Algorithm::Ed25519).unwrap();
    first.save(&path).unwrap();
    let before = fs::read(&path).unwrap();
    let second = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let err = second.save(&path).unwrap_err();
    assert!(matches!(err, KeyError::FileExists(_)), "{err}");
    assert!(err.to_string().contains("already exists"));
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(
        KeyPair::load(&path).unwrap().public_key(),
        first.public_key()
    );
}

#[test]
fn load_gives_clear_errors() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("missing.jwk");
    let err = KeyPair::load(&missing).unwrap_err();
    assert!(matches!(err, KeyError::FileNotFound(_)), "{err}");
    assert!(err.to_string().contains("does not exist"));

    let not_json = dir.path().join("not-json.jwk");
    fs::write(&not_json, "-----BEGIN PRIVATE KEY-----\n").unwrap();
    let err = KeyPair::load(&not_json).unwrap_err();
    assert!(matches!(err, KeyError::FileNotJwk { .. }), "{err}");
    assert!(err.to_string().contains("not valid JSON"));

    let array = dir.path().join("array.jwk");
    fs::write(&array, "[1, 2]").unwrap();
    assert!(matches!(
        KeyPair::load(&array),
        Err(KeyError::FileNotJwk { .. })
    ));

    let public = dir.path().join("public.jwk");
    let key = KeyPair::generate(Algorithm::P256).unwrap();
    fs::write(
        &public,
        serde_json::to_string(&key.public_key().to_jwk()).unwrap(),
    )
    .unwrap();
    let err = KeyPair::load(&public).unwrap_err();
    assert!(err.to_string().contains("public key only"), "{err}");

    let oct = dir.path().join("oct.jwk");
    fs::write(&oct, r#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
    let err = KeyPair::load(&oct).unwrap_err();
    assert!(err.to_string().contains("unsupported key type"), "{err}");

    let k256 = dir.path().join("k256.jwk");
    fs::write(
        &k256,
        r#"{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA","d":"AA"}"#,
    )
    .unwrap();
    let err = KeyPair::load(&k256).unwrap_err();
    assert!(err.to_string().contains("unsupported curve"), "{err}");

    let x25519 = dir.path().join("x25519.jwk");
    fs::write(&x25519, r#"{"kty":"OKP","crv":"X25519","x":"AA","d":"AA"}"#).unwrap();
    assert!(
        KeyPair::load(&x25519)
            .unwrap_err()
            .to_string()
            .contains("unsupported curve")
    );

    assert!(
        KeyPair::load(dir.path()).is_err(),
        "a directory is not a key"
    );
}

#[test]
fn debug_never_prints_secrets() {
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        let jwk = key.to_jwk();
        let d = jwk.d.clone().unwrap();
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains(&d), "{alg} KeyPair Debug leaks d");
        assert!(shown.contains("redacted"));
        let shown = format!("{jwk:?}");
        assert!(!shown.contains(&d), "{alg} Jwk Debug leaks d");
        if let Some(p) = &jwk.p {
            assert!(!shown.contains(p.as_str()));
        }
    }
}

#[test]
fn private_jwk_round_trip_and_shape() {
    for alg in ALL {
        let key = KeyPair::generate(alg).unwrap();
        let jwk = key.to_jwk();
        assert!(jwk.is_private());
        let again = KeyPair::from_jwk(&jwk).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(again.to_jwk(), jwk);
        let value = jwk.to_value();
        match alg {
            Algorithm::Ed25519 => {
                assert_eq!(value["kty"], "OKP");
                assert_eq!(value["crv"], "Ed25519");
            }
            Algorithm::P256 => {
                assert_eq!(value["kty"], "EC");
                assert_eq!(value["crv"], "P-256");
                assert!(value["y"].is_string());
            }
            Algorithm::Rsa => {
                assert_eq!(value["kty"], "RSA");
                for m in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                    assert!(value[m].is_string(), "RSA JWK lacks {m}");
                }
                assert_eq!(value["e"], "AQAB");
            }
        }
        // The public JWK has no private members, and has the same thumbprint.
        let public = key.public_key().to_jwk();
        assert!(!public.is_private());
        assert_eq!(public, jwk.to_public());
        assert_eq!(public.thumbprint().unwrap(), jwk.thumbprint().unwrap());
        assert_eq!(PublicKey::from_jwk(&public).unwrap(), key.public_key());
        // A private JWK is not taken where a public key belongs.
        assert!(matches!(
            PublicKey::from_jwk(&jwk),
            Err(KeyError::UnexpectedPrivateKey)
        ));
        // A JWK whose public half belongs to another key is refused.
        let other = KeyPair::generate(alg).unwrap().public_key().to_jwk();
        let mut mixed = jwk.clone();
        mixed.x = other.x.clone();
        mixed.y = other.y.clone();
        mixed.n = other.n.clone();
        assert!(
            KeyPair::from_jwk(&mixed).is_err(),
            "{alg} mixed JWK accepted"
        );
    }
}

#[test]
fn rfc7638_thumbprint_example() {
    // RFC 7638 §3.1.
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    }))
    .unwrap();
    assert_eq!(
        jwk.thumbprint().unwrap(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    // The RFC's example key is 2048 bits and reads as an RSA public key.
    assert_eq!(
        PublicKey::from_jwk(&jwk).unwrap().algorithm(),
        Algorithm::Rsa
    );
}

#[test]
fn jwk_members_are_checked() {
    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let mut jwk = key.public_key().to_jwk();
    jwk.alg = Some("ES256".into());
    assert!(matches!(
        PublicKey::from_jwk(&jwk),
        Err(KeyError::JwkUsageMismatch { member: "alg", .. })
    ));
    jwk.alg = Some("EdDSA".into());
    PublicKey::from_jwk(&jwk).unwrap();
    jwk.use_ = Some("sig".into());
    assert_eq!(jwk.to_value()["use"], "sig");
    PublicKey::from_jwk(&jwk).unwrap();
    jwk.use_ = Some("enc".into());
    assert!(PublicKey::from_jwk(&jwk).is_err());

    // Padded base64 and wrong lengths are refused.
    let mut jwk = key.public_key().to_jwk();
    jwk.x = Some(format!("{}=", jwk.x.unwrap()));
    assert!(matches!(
        PublicKey::from_jwk(&jwk),
        Err(KeyError::InvalidJwkMember { member: "x", .. })
    ));
    let mut jwk = key.public_key().to_jwk();
    jwk.x = Some("AAAA".into());
    assert!(PublicKey::from_jwk(&jwk).is_err());

    // A P-256 point not on the curve.
    let p = KeyPair::generate(Algorithm::P256).unwrap();
    let mut jwk = p.public_key().to_jwk();
    jwk.y = jwk.x.clone();
    assert!(PublicKey::from_jwk(&jwk).is_err());

    // Missing members.
    let jwk: Jwk = serde_json::from_value(json!({"kty": "EC", "crv": "P-256"})).unwrap();
    assert!(matches!(
        PublicKey::from_jwk(&jwk),
        Err(KeyError::MissingJwkMember("x"))
    ));
    let jwk: Jwk = serde_json::from_value(json!({"crv": "P-256"})).unwrap();
    assert!(matches!(
        PublicKey::from_jwk(&jwk),
        Err(KeyError::MissingJwkMember("kty"))
    ));

    // Unknown members survive a round trip.
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "OKP", "crv": "Ed25519", "x": key.public_key().to_jwk().x, "key_ops": ["verify"]
    }))
    .unwrap();
    assert_eq!(jwk.to_value()["key_ops"], json!(["verify"]));
}

#[test]
fn rsa_keys_outside_2048_to_4096_bits_are_refused() {
    use rsa::traits::PublicKeyParts as _;
    let small = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap();
    let b64 = |n: &rsa::BigUint| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n.to_bytes_be())
    };
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "RSA", "n": b64(small.n()), "e": b64(small.e())
    }))
    .unwrap();
    assert!(matches!(
        PublicKey::from_jwk(&jwk),
        Err(KeyError::RsaKeySize(1024))
    ));
}

#[test]
fn rsa_private_jwk_without_primes_is_recovered() {
    let key = KeyPair::generate(Algorithm::Rsa).unwrap();
    let mut jwk = key.to_jwk();
    jwk.p = None;
    jwk.q = None;
    jwk.dp = None;
    jwk.dq = None;
    jwk.qi = None;
    let again = KeyPair::from_jwk(&jwk).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    let sig = again.sign(b"m").unwrap();
    key.public_key().verify(b"m", &sig).unwrap();

    // Only one of p, q: refused. Wrong CRT values: refused.
    let mut half = key.to_jwk();
    half.q = None;
    assert!(KeyPair::from_jwk(&half).is_err());
    let mut wrong = key.to_jwk();
    std::mem::swap(&mut wrong.dp, &mut wrong.dq);
    assert!(KeyPair::from_jwk(&wrong).is_err());
}

#[test]
fn pem_round_trip_all_algorithms() {
    for alg in ALL {
        let public = KeyPair::generate(alg).unwrap().public_key();
        let pem = public.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
        assert!(pem.trim_end().ends_with("-----END PUBLIC KEY-----"));
        assert_eq!(PublicKey::from_pem(&pem).unwrap(), public);
        // CRLF and one-line bodies read the same.
        assert_eq!(
            PublicKey::from_pem(&pem.replace('\n', "\r\n")).unwrap(),
            public
        );
        let lines: Vec<&str> = pem.lines().collect();
        let one_line = format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1..lines.len() - 1].concat(),
            lines[lines.len() - 1]
        );
        assert_eq!(PublicKey::from_pem(&one_line).unwrap(), public);
    }
}

#[test]
fn pem_rfc8410_ed25519_example() {
    // RFC 8410 §10.1.
    let pem = "-----BEGIN PUBLIC KEY-----\n\
               MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
               -----END PUBLIC KEY-----\n";
    let key = PublicKey::from_pem(pem).unwrap();
    let PublicKey::Ed25519(k) = &key else {
        panic!("not Ed25519")
    };
    assert_eq!(
        k.as_bytes().to_vec(),
        unhex("19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1")
    );
    assert_eq!(key.to_pem().unwrap(), pem);
}

#[test]
fn pem_pkcs1_rsa_and_refusals() {
    use rsa::pkcs1::EncodeRsaPublicKey as _;
    let key = KeyPair::generate(Algorithm::Rsa).unwrap();
    let PublicKey::Rsa(rsa_key) = key.public_key() else {
        panic!("not RSA")
    };
    let pkcs1 = rsa_key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    assert_eq!(PublicKey::from_pem(&pkcs1).unwrap(), key.public_key());

    let private = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
    let err = PublicKey::from_pem(private).unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");

    for bad in [
        "",
        "hello",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    ] {
        assert!(
            matches!(PublicKey::from_pem(bad), Err(KeyError::InvalidPem(_))),
            "accepted {bad:?}"
        );
    }
}

// --- Multikey -------------------------------------------------------------

/// Reads a key-pair file from the W3C test vectors kept in tests/vectors
/// (shared with the Data Integrity tests), if it is there.
fn vector_key_pair(path: &str) -> Option<Value> {
    let full = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = fs::read_to_string(&full).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

#[test]
fn multikey_w3c_eddsa_vector() {
    // W3C vc-di-eddsa TestVectors/keyPair.json.
    let public_mb = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    let secret_mb = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";
    if let Some(file) = vector_key_pair("vc-di-eddsa/keyPair.json") {
        assert_eq!(file["publicKeyMultibase"], public_mb);
    }
    let public = PublicKey::from_multibase(public_mb).unwrap();
    assert_eq!(public.algorithm(), Algorithm::Ed25519);
    assert_eq!(public.to_multibase().unwrap(), public_mb);

    let pair = KeyPair::from_secret_multibase(secret_mb).unwrap();
    assert_eq!(pair.public_key(), public);
    assert_eq!(pair.to_secret_multibase().unwrap().as_str(), secret_mb);
    assert_eq!(pair.did_key().unwrap(), format!("did:key:{public_mb}"));
    assert_eq!(
        pair.verification_method_id().unwrap(),
        format!("did:key:{public_mb}#{public_mb}")
    );

    // vc-di-eddsa eddsa-rdfc-2022: the signature over hashData.
    let hash_data = unhex(
        "bea7b7acfbad0126b135104024a5f1733e705108f42d59668b05c0c5000\
         4c6b0517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017",
    );
    let sig = unhex(
        "4d8e53c2d5b3f2a7891753eb16ca993325bdb0d3cfc5be1093d0a18426f5ef85\
         78cadc0fd4b5f4dd0d1ce0aefd15ab120b7a894d0eb094ffda4e6553cd1ed50d",
    );
    public.verify(&hash_data, &sig).unwrap();
    assert_eq!(
        pair.sign(&hash_data).unwrap(),
        sig,
        "Ed25519 is deterministic"
    );
}

#[test]
fn multikey_w3c_ecdsa_p256_vectors() {
    // W3C vc-di-ecdsa TestVectors/p256KeyPair.json and the
    // ecdsa-sd-2023 proof key pair.
    for (public_mb, secret_mb) in [
        (
            "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP",
            "z42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN",
        ),
        (
            "zDnaeTHfhmSaQKBc7CmdL3K7oYg3D6SC7yowe2eBeVd2DH32r",
            "z42tqvNGyzyXRzotAYn43UhcFtzDUVdxJ7461fwrfhBPLmfY",
        ),
    ] {
        let public = PublicKey::from_multibase(public_mb).unwrap();
        assert_eq!(public.algorithm(), Algorithm::P256);
        assert_eq!(public.to_multibase().unwrap(), public_mb);
        let pair = KeyPair::from_secret_multibase(secret_mb).unwrap();
        assert_eq!(pair.public_key(), public);
        assert_eq!(pair.to_secret_multibase().unwrap().as_str(), secret_mb);
        assert!(pair.did_key().unwrap().starts_with("did:key:zDn"));
    }
    if let Some(file) = vector_key_pair("vc-di-ecdsa/p256KeyPair.json") {
        assert_eq!(
            file["publicKeyMultibase"],
            "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"
        );
    }

    // ecdsa-rdfc-2019 (P-256): the published signature over hashData
    // verifies as ECDSA over SHA-256(hashData).
    let public =
        PublicKey::from_multibase("zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP").unwrap();
    let hash_data = unhex(
        "3a8a522f689025727fb9d1f0fa99a618da023e8494ac74f51015d009d35abc2e\
         517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017",
    );
    let sig = unhex(
        "1cb4290918ffb04a55ff7ae1e55e316a9990fda8eec67325eac7fcbf2ddf9dd2\
         b06716a657e72b284c9604df3a172ecbf06a1a475b49ac807b1d9162df855636",
    );
    public.verify(&hash_data, &sig).unwrap();
    let mut bad = sig.clone();
    bad[10] ^= 1;
    assert!(public.verify(&hash_data, &bad).is_err());
}

#[test]
fn multikey_generated_round_trips_and_prefixes() {
    for (alg, prefix) in [(Algorithm::Ed25519, "z6Mk"), (Algorithm::P256, "zDn")] {
        for _ in 0..20 {
            let pair = KeyPair::generate(alg).unwrap();
            let mb = pair.public_key().to_multibase().unwrap();
            assert!(mb.starts_with(prefix), "{mb}");
            assert_eq!(PublicKey::from_multibase(&mb).unwrap(), pair.public_key());
            let secret = pair.to_secret_multibase().unwrap();
            assert_eq!(
                KeyPair::from_secret_multibase(&secret)
                    .unwrap()
                    .public_key(),
                pair.public_key()
            );
        }
    }
    let rsa = KeyPair::generate(Algorithm::Rsa).unwrap();
    assert!(matches!(
        rsa.public_key().to_multibase(),
        Err(KeyError::NoMultikey(Algorithm::Rsa))
    ));
    assert!(matches!(
        rsa.did_key(),
        Err(KeyError::NoDidKey(Algorithm::Rsa))
    ));
    assert!(matches!(
        rsa.verification_method_id(),
        Err(KeyError::NoDidKey(Algorithm::Rsa))
    ));
}

#[test]
fn multikey_garbage_is_refused() {
    let secret_mb = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";
    let public_mb = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    for bad in [
        "",
        "z",
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", // no multibase prefix
        "u7QE",                                            // base64url multibase
        "z0OIl",                                           // not base58
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ", // truncated
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2a", // extended
        secret_mb,                                         // a secret key is not a public key
    ] {
        assert!(
            matches!(
                PublicKey::from_multibase(bad),
                Err(KeyError::InvalidMultibase(_))
            ),
            "accepted {bad:?}"
        );
    }
    assert!(KeyPair::from_secret_multibase(public_mb).is_err());
    // An unknown multicodec (secp256k1-pub 0xe7).
    let mut bytes = vec![0xe7, 0x01];
    bytes.extend([2u8; 33]);
    let k1 = format!("z{}", bs58::encode(bytes).into_string());
    let err = PublicKey::from_multibase(&k1).unwrap_err();
    assert!(err.to_string().contains("unsupported"), "{err}");
}

#[test]
fn multikey_p256_uncompressed_is_read() {
    let pair = KeyPair::generate(Algorithm::P256).unwrap();
    let PublicKey::P256(vk) = pair.public_key() else {
        panic!("not P-256")
    };
    let mut bytes = vec![0x80, 0x24];
    bytes.extend_from_slice(vk.to_encoded_point(false).as_bytes());
    let mb = format!("z{}", bs58::encode(bytes).into_string());
    assert_eq!(PublicKey::from_multibase(&mb).unwrap(), pair.public_key());
}

#[test]
fn p256_secret_out_of_range_is_refused() {
    assert!(KeyPair::from_p256_secret(&[0u8; 32]).is_err());
    assert!(KeyPair::from_p256_secret(&[0xffu8; 32]).is_err());
    let mut one = [0u8; 32];
    one[31] = 1;
    KeyPair::from_p256_secret(&one).unwrap();
}

#[test]
fn load_refuses_a_private_key_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuer.jwk");
    KeyPair::generate(Algorithm::Ed25519)
        .unwrap()
        .save(&path)
        .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let err = KeyPair::load(&path).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(KeyPair::load(&path).is_ok());
}
