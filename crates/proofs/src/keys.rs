//! Signing keys: generation, signing, verification, JWK files, PEM.
//!
//! Three algorithms are supported, each with exactly one signature scheme:
//!
//! | [`Algorithm`] | signature                                          | JWS name |
//! |---------------|----------------------------------------------------|----------|
//! | `Ed25519`     | Ed25519 (RFC 8032), 64 bytes, verified strictly    | `EdDSA`  |
//! | `P256`        | ECDSA P-256 over SHA-256(message), 64-byte `r‖s`   | `ES256`  |
//! | `Rsa`         | RSASSA-PKCS1-v1_5 with SHA-256                     | `RS256`  |
//!
//! Private key material never appears in `Debug` output, and is wiped from
//! memory when a [`KeyPair`] is dropped (the underlying key types zeroize
//! themselves; the intermediate buffers here use [`Zeroizing`]).

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use rand_core::OsRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::jwk::Jwk;

/// RSA modulus size used by [`KeyPair::generate`].
pub const RSA_GENERATED_BITS: usize = 2048;
/// Smallest RSA modulus accepted anywhere (signing or verifying).
pub const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted (bounds the cost of a verification).
pub const RSA_MAX_BITS: usize = 4096;
/// Key files larger than this are refused without being parsed.
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

/// Errors about keys, key files and signatures.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("unknown key algorithm \"{0}\" (expected ed25519, p256 or rsa)")]
    UnknownAlgorithm(String),
    #[error("could not create a new {0} key: {1}")]
    Generation(Algorithm, String),
    #[error("could not sign with the {0} key: {1}")]
    Signing(Algorithm, String),
    #[error("the signature does not match the message and key")]
    BadSignature,
    #[error("the JWK is not valid: {0}")]
    InvalidJwk(String),
    #[error("the JWK has no \"{0}\" member, which this kind of key needs")]
    MissingJwkMember(&'static str),
    #[error("the JWK member \"{member}\" is not valid: {reason}")]
    InvalidJwkMember {
        member: &'static str,
        reason: String,
    },
    #[error("unsupported key type (kty) \"{0}\"; supported: OKP (Ed25519), EC (P-256), RSA")]
    UnsupportedKeyType(String),
    #[error("unsupported curve \"{0}\"; supported: Ed25519 and P-256")]
    UnsupportedCurve(String),
    #[error("the JWK says \"{member}\": \"{value}\", which does not fit a {algorithm} signing key")]
    JwkUsageMismatch {
        member: &'static str,
        value: String,
        algorithm: Algorithm,
    },
    #[error("the JWK has no private part (\"d\"); a private key is needed here")]
    NotPrivateKey,
    #[error(
        "the JWK contains private key material where only a public key belongs; \
         publish the public key only"
    )]
    UnexpectedPrivateKey,
    #[error("the public part of the JWK does not belong to its private part")]
    PublicPrivateMismatch,
    #[error("the key material is not a valid {0} key: {1}")]
    InvalidKey(Algorithm, String),
    #[error(
        "RSA keys must have a modulus of {RSA_MIN_BITS} to {RSA_MAX_BITS} bits; this one has {0}"
    )]
    RsaKeySize(usize),
    #[error("there is no did:key for {0} keys in Insignia; use did:web for RSA keys")]
    NoDidKey(Algorithm),
    #[error("{0} keys have no Multikey encoding in Insignia")]
    NoMultikey(Algorithm),
    #[error("the multibase key is not valid: {0}")]
    InvalidMultibase(String),
    #[error("the PEM text is not a supported public key: {0}")]
    InvalidPem(String),
    #[error("could not encode the key as PEM: {0}")]
    PemEncoding(String),
    #[error("the key file {0} does not exist")]
    FileNotFound(PathBuf),
    #[error("the key file {0} already exists; refusing to overwrite it")]
    FileExists(PathBuf),
    #[error("the key file {path} is not a JSON Web Key: {reason}")]
    FileNotJwk { path: PathBuf, reason: String },
    #[error("the key file {path} could not be used: {reason}")]
    FileInvalid { path: PathBuf, reason: String },
    #[error("could not {action} the key file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The key algorithms Insignia signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Ed25519,
    P256,
    Rsa,
}

impl Algorithm {
    /// The lower-case name used on the command line and in [`fmt::Display`].
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::P256 => "p256",
            Algorithm::Rsa => "rsa",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    /// Accepts "ed25519", "p256", "rsa" (any case; "p-256" too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ed25519" => Ok(Algorithm::Ed25519),
            "p256" | "p-256" => Ok(Algorithm::P256),
            "rsa" => Ok(Algorithm::Rsa),
            _ => Err(KeyError::UnknownAlgorithm(s.to_string())),
        }
    }
}

// ---------------------------------------------------------------------------
// KeyPair
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<RsaPrivateKey>),
}

/// A private signing key together with its public key.
///
/// `Debug` shows the algorithm and the public key only.
#[derive(Clone)]
pub struct KeyPair {
    secret: Secret,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let public = self.public_key();
        let shown = match &public {
            PublicKey::Rsa(k) => format!("RSA {} bits", k.n().bits()),
            other => other
                .to_multibase()
                .unwrap_or_else(|_| "<unprintable>".to_string()),
        };
        f.debug_struct("KeyPair")
            .field("algorithm", &self.algorithm())
            .field("public_key", &shown)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl KeyPair {
    /// Creates a new random key from the operating system's random source.
    /// RSA keys have [`RSA_GENERATED_BITS`] bits.
    pub fn generate(alg: Algorithm) -> Result<Self, KeyError> {
        let secret = match alg {
            Algorithm::Ed25519 => Secret::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)),
            Algorithm::P256 => Secret::P256(p256::ecdsa::SigningKey::random(&mut OsRng)),
            Algorithm::Rsa => {
                let key = RsaPrivateKey::new(&mut OsRng, RSA_GENERATED_BITS)
                    .map_err(|e| KeyError::Generation(alg, e.to_string()))?;
                Secret::Rsa(Box::new(key))
            }
        };
        Ok(KeyPair { secret })
    }

    /// An Ed25519 key from its 32-byte secret (seed), as in RFC 8032.
    pub fn from_ed25519_secret(secret: &[u8; 32]) -> Self {
        KeyPair {
            secret: Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(secret)),
        }
    }

    /// A P-256 key from its 32-byte big-endian secret scalar.
    /// Fails if the scalar is zero or not below the group order.
    pub fn from_p256_secret(secret: &[u8; 32]) -> Result<Self, KeyError> {
        let key = p256::ecdsa::SigningKey::from_slice(secret).map_err(|_| {
            KeyError::InvalidKey(Algorithm::P256, "secret scalar out of range".into())
        })?;
        Ok(KeyPair {
            secret: Secret::P256(key),
        })
    }

    /// The secret as raw bytes: the Ed25519 seed or the P-256 scalar.
    /// RSA keys have no such form (use [`KeyPair::to_jwk`]).
    pub(crate) fn secret_bytes(&self) -> Option<Zeroizing<[u8; 32]>> {
        match &self.secret {
            Secret::Ed25519(k) => Some(Zeroizing::new(k.to_bytes())),
            Secret::P256(k) => Some(Zeroizing::new(k.to_bytes().into())),
            Secret::Rsa(_) => None,
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match &self.secret {
            Secret::Ed25519(_) => Algorithm::Ed25519,
            Secret::P256(_) => Algorithm::P256,
            Secret::Rsa(_) => Algorithm::Rsa,
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match &self.secret {
            Secret::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            Secret::P256(k) => PublicKey::P256(*k.verifying_key()),
            Secret::Rsa(k) => PublicKey::Rsa(k.to_public_key()),
        }
    }

    /// Signs `message`.
    ///
    /// - Ed25519: the 64-byte signature of `message` itself.
    /// - P-256: deterministic ECDSA (RFC 6979) over SHA-256(`message`), as
    ///   64 bytes `r‖s` (the IEEE P1363 form JOSE and Data Integrity use).
    /// - RSA: RSASSA-PKCS1-v1_5 with SHA-256 (the size of the modulus).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.secret {
            Secret::Ed25519(k) => Ok(k.sign(message).to_bytes().to_vec()),
            Secret::P256(k) => {
                let sig: p256::ecdsa::Signature = k
                    .try_sign(message)
                    .map_err(|e| KeyError::Signing(Algorithm::P256, e.to_string()))?;
                Ok(sig.to_bytes().to_vec())
            }
            Secret::Rsa(k) => {
                // RSA signing is here for Open Badges 2.0 signed assertions
                // and RS256 VC-JWTs only. The `rsa` crate is affected by
                // RUSTSEC-2023-0071 ("Marvin": a timing side channel that can
                // leak the private key through many observed private-key
                // operations). Verifying is not affected. We sign with the
                // blinded (`_with_rng`) operation, and Insignia signs locally,
                // not as a network service an attacker can time; prefer
                // Ed25519 or P-256 keys for anything new.
                let digest = Sha256::digest(message);
                k.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &digest)
                    .map_err(|e| KeyError::Signing(Algorithm::Rsa, e.to_string()))
            }
        }
    }

    /// The private key as a JWK (OKP/Ed25519, EC/P-256, or RSA with
    /// `n, e, d, p, q, dp, dq, qi`). Handle the result as a secret.
    pub fn to_jwk(&self) -> Jwk {
        let mut jwk = self.public_key().to_jwk();
        match &self.secret {
            Secret::Ed25519(k) => jwk.d = Some(b64(k.as_bytes())),
            Secret::P256(k) => jwk.d = Some(b64(&Zeroizing::new(k.to_bytes()))),
            Secret::Rsa(k) => {
                let k = k.as_ref();
                jwk.d = Some(b64_uint(k.d()));
                if let [p, q] = k.primes() {
                    let one = BigUint::from(1u8);
                    jwk.p = Some(b64_uint(p));
                    jwk.q = Some(b64_uint(q));
                    jwk.dp = Some(b64_uint(&(k.d() % (p - &one))));
                    jwk.dq = Some(b64_uint(&(k.d() % (q - &one))));
                    jwk.qi = k.crt_coefficient().map(|qi| b64_uint(&qi));
                }
            }
        }
        jwk
    }

    /// Reads a private key from a JWK (`d` required).
    ///
    /// When the public members (`x`, `y`, `n`, `e`) are present they must
    /// belong to the private key. RSA keys need `n`, `e`, `d`; `p` and `q`
    /// are recovered when absent, and `dp`, `dq`, `qi` are checked when present.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        let alg = jwk_algorithm(jwk)?;
        let d = jwk.d.as_deref().ok_or(KeyError::NotPrivateKey)?;
        check_jwk_usage(jwk, alg)?;
        let pair = match alg {
            Algorithm::Ed25519 => {
                let seed = decode_fixed::<32>("d", d)?;
                KeyPair::from_ed25519_secret(&seed)
            }
            Algorithm::P256 => {
                let scalar = decode_fixed::<32>("d", d)?;
                KeyPair::from_p256_secret(&scalar)?
            }
            Algorithm::Rsa => KeyPair::rsa_from_jwk(jwk, d)?,
        };
        // If the JWK carries public members, they must be the ones derived
        // from the private key.
        let has_public = match alg {
            Algorithm::Ed25519 => jwk.x.is_some(),
            Algorithm::P256 => jwk.x.is_some() || jwk.y.is_some(),
            Algorithm::Rsa => true, // n and e were used to build the key
        };
        if has_public {
            let public = PublicKey::from_jwk(&jwk.to_public())?;
            if public != pair.public_key() {
                return Err(KeyError::PublicPrivateMismatch);
            }
        }
        Ok(pair)
    }

    fn rsa_from_jwk(jwk: &Jwk, d: &str) -> Result<Self, KeyError> {
        let n = decode_uint("n", jwk.n.as_deref())?;
        let e = decode_uint("e", jwk.e.as_deref())?;
        let d = BigUint::from_bytes_be(&decode_member("d", d)?);
        if jwk.extra.contains_key("oth") {
            return Err(KeyError::InvalidJwk(
                "multi-prime RSA keys (\"oth\") are not supported".into(),
            ));
        }
        check_rsa_size(&n)?;
        let primes = match (jwk.p.as_deref(), jwk.q.as_deref()) {
            (Some(p), Some(q)) => vec![
                BigUint::from_bytes_be(&decode_member("p", p)?),
                BigUint::from_bytes_be(&decode_member("q", q)?),
            ],
            (None, None) => Vec::new(), // recovered by the rsa crate from n, e, d
            _ => {
                return Err(KeyError::InvalidJwk(
                    "an RSA JWK must have both \"p\" and \"q\", or neither".into(),
                ));
            }
        };
        let mut key = RsaPrivateKey::from_components(n, e, d, primes)
            .map_err(|e| KeyError::InvalidKey(Algorithm::Rsa, e.to_string()))?;
        key.precompute()
            .map_err(|e| KeyError::InvalidKey(Algorithm::Rsa, e.to_string()))?;
        let pair = KeyPair {
            secret: Secret::Rsa(Box::new(key)),
        };
        // The CRT members, when given, must agree with the key.
        let mut derived = pair.to_jwk();
        let mut mismatch = false;
        for (given, ours) in [
            (&jwk.dp, &derived.dp),
            (&jwk.dq, &derived.dq),
            (&jwk.qi, &derived.qi),
        ] {
            if let Some(given) = given {
                let given = decode_member("dp/dq/qi", given).map(|b| BigUint::from_bytes_be(&b))?;
                let ours = ours
                    .as_deref()
                    .map(|s| decode_member("dp/dq/qi", s).map(|b| BigUint::from_bytes_be(&b)))
                    .transpose()?;
                if Some(given) != ours {
                    mismatch = true;
                }
            }
        }
        derived.zeroize();
        if mismatch {
            return Err(KeyError::InvalidKey(
                Algorithm::Rsa,
                "dp, dq or qi do not match the other members".into(),
            ));
        }
        Ok(pair)
    }

    /// Writes the private JWK as JSON to a new file, readable and writable by
    /// the owner only (mode 0600). An existing file is never overwritten.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        let mut jwk = self.to_jwk();
        let json = serde_json::to_string_pretty(&jwk).map(Zeroizing::new);
        jwk.zeroize();
        let mut json = json.map_err(|e| KeyError::FileInvalid {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        json.push('\n');

        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|source| match source.kind() {
            io::ErrorKind::AlreadyExists => KeyError::FileExists(path.to_path_buf()),
            _ => KeyError::Io {
                action: "create",
                path: path.to_path_buf(),
                source,
            },
        })?;
        let written = file
            .write_all(json.as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(source) = written {
            drop(file);
            // Do not leave a half-written key behind.
            let _ = fs::remove_file(path);
            return Err(KeyError::Io {
                action: "write",
                path: path.to_path_buf(),
                source,
            });
        }
        Ok(())
    }

    /// Reads a private key written by [`KeyPair::save`] (or any private JWK file).
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let io_err = |source: io::Error| match source.kind() {
            io::ErrorKind::NotFound => KeyError::FileNotFound(path.to_path_buf()),
            _ => KeyError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            },
        };
        let meta = fs::metadata(path).map_err(io_err)?;
        if !meta.is_file() {
            return Err(KeyError::FileInvalid {
                path: path.to_path_buf(),
                reason: "it is not a regular file".into(),
            });
        }
        if meta.len() > MAX_KEY_FILE_BYTES {
            return Err(KeyError::FileNotJwk {
                path: path.to_path_buf(),
                reason: format!("the file is {} bytes, far too large for a key", meta.len()),
            });
        }
        let bytes = Zeroizing::new(fs::read(path).map_err(io_err)?);
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| KeyError::FileNotJwk {
            path: path.to_path_buf(),
            reason: format!("it is not valid JSON ({e})"),
        })?;
        let mut jwk = Jwk::from_value(&value).map_err(|e| KeyError::FileNotJwk {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        drop(value);
        let result = KeyPair::from_jwk(&jwk);
        jwk.zeroize();
        // A private key others can read is refused, as ssh does: whoever can
        // read it can issue credentials in the issuer's name.
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if result.is_ok() && mode & 0o077 != 0 {
                return Err(KeyError::FileInvalid {
                    path: path.to_path_buf(),
                    reason: format!(
                        "other users can read this private key (mode {mode:04o}); restrict it with `chmod 600`"
                    ),
                });
            }
        }
        result.map_err(|e| match e {
            KeyError::NotPrivateKey => KeyError::FileInvalid {
                path: path.to_path_buf(),
                reason: "it holds a public key only; a private key (with \"d\") is needed".into(),
            },
            other => KeyError::FileInvalid {
                path: path.to_path_buf(),
                reason: other.to_string(),
            },
        })
    }

    /// The `did:key` of this key (`did:key:z6Mk…` or `did:key:zDn…`).
    /// RSA keys have none.
    pub fn did_key(&self) -> Result<String, KeyError> {
        crate::did::did_key_for(&self.public_key())
    }

    /// The verification method id of this key's `did:key`: `did:key:zX…#zX…`.
    pub fn verification_method_id(&self) -> Result<String, KeyError> {
        let did = self.did_key()?;
        let key_part = did.trim_start_matches("did:key:");
        Ok(format!("{did}#{key_part}"))
    }
}

// ---------------------------------------------------------------------------
// PublicKey
// ---------------------------------------------------------------------------

/// A public verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

impl PublicKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Ed25519(_) => Algorithm::Ed25519,
            PublicKey::P256(_) => Algorithm::P256,
            PublicKey::Rsa(_) => Algorithm::Rsa,
        }
    }

    /// Checks `signature` over `message` (see [`KeyPair::sign`] for the
    /// schemes). Any failure, including a signature of the wrong length or
    /// form, is [`KeyError::BadSignature`].
    ///
    /// Ed25519 uses `verify_strict` (rejects non-canonical and small-order
    /// values); P-256 takes the 64-byte `r‖s` form only (no DER).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match self {
            PublicKey::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                k.verify_strict(message, &sig)
                    .map_err(|_| KeyError::BadSignature)
            }
            PublicKey::P256(k) => {
                use p256::ecdsa::signature::Verifier as _;
                if signature.len() != 64 {
                    return Err(KeyError::BadSignature);
                }
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                k.verify(message, &sig).map_err(|_| KeyError::BadSignature)
            }
            PublicKey::Rsa(k) => {
                if signature.len() != k.size() {
                    return Err(KeyError::BadSignature);
                }
                let digest = Sha256::digest(message);
                k.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                    .map_err(|_| KeyError::BadSignature)
            }
        }
    }

    /// The public JWK: OKP/Ed25519 `x`; EC/P-256 `x`, `y`; RSA `n`, `e`.
    pub fn to_jwk(&self) -> Jwk {
        match self {
            PublicKey::Ed25519(k) => Jwk {
                kty: Some("OKP".into()),
                crv: Some("Ed25519".into()),
                x: Some(b64(k.as_bytes())),
                ..Jwk::default()
            },
            PublicKey::P256(k) => {
                let point = k.to_encoded_point(false);
                Jwk {
                    kty: Some("EC".into()),
                    crv: Some("P-256".into()),
                    x: point.x().map(|x| b64(x)),
                    y: point.y().map(|y| b64(y)),
                    ..Jwk::default()
                }
            }
            PublicKey::Rsa(k) => Jwk {
                kty: Some("RSA".into()),
                n: Some(b64_uint(k.n())),
                e: Some(b64_uint(k.e())),
                ..Jwk::default()
            },
        }
    }

    /// Reads a public key from a JWK. A JWK with private members is refused
    /// ([`KeyError::UnexpectedPrivateKey`]); so is one whose `alg` or `use`
    /// says it is for something else.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        if jwk.is_private() {
            return Err(KeyError::UnexpectedPrivateKey);
        }
        let alg = jwk_algorithm(jwk)?;
        check_jwk_usage(jwk, alg)?;
        match alg {
            Algorithm::Ed25519 => {
                let x = decode_fixed::<32>("x", required("x", &jwk.x)?)?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(|_| {
                    KeyError::InvalidKey(Algorithm::Ed25519, "x is not a curve point".into())
                })?;
                Ok(PublicKey::Ed25519(key))
            }
            Algorithm::P256 => {
                let x = decode_fixed::<32>("x", required("x", &jwk.x)?)?;
                let y = decode_fixed::<32>("y", required("y", &jwk.y)?)?;
                let mut sec1 = [0u8; 65];
                sec1[0] = 0x04;
                sec1[1..33].copy_from_slice(&x[..]);
                sec1[33..].copy_from_slice(&y[..]);
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| {
                    KeyError::InvalidKey(Algorithm::P256, "(x, y) is not a point on P-256".into())
                })?;
                Ok(PublicKey::P256(key))
            }
            Algorithm::Rsa => {
                let n = decode_uint("n", jwk.n.as_deref())?;
                let e = decode_uint("e", jwk.e.as_deref())?;
                rsa_public(n, e)
            }
        }
    }

    /// The SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), as used
    /// by Open Badges 2.0 `CryptographicKey.publicKeyPem`.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        use rsa::pkcs8::LineEnding;
        let pem = match self {
            PublicKey::Ed25519(k) => {
                use ed25519_dalek::pkcs8::EncodePublicKey as _;
                k.to_public_key_pem(LineEnding::LF)
            }
            PublicKey::P256(k) => {
                use p256::pkcs8::EncodePublicKey as _;
                k.to_public_key_pem(LineEnding::LF)
            }
            PublicKey::Rsa(k) => {
                use rsa::pkcs8::EncodePublicKey as _;
                k.to_public_key_pem(LineEnding::LF)
            }
        };
        pem.map_err(|e| KeyError::PemEncoding(e.to_string()))
    }

    /// Reads a PEM public key: SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`) for
    /// RSA, P-256 or Ed25519, or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    ///
    /// Line length, CRLF line ends and surrounding whitespace do not matter.
    /// Private keys and certificates are refused.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = parse_pem(pem)?;
        match label.as_str() {
            "PUBLIC KEY" => {
                {
                    use rsa::pkcs8::DecodePublicKey as _;
                    match RsaPublicKey::from_public_key_der(&der) {
                        Ok(k) => return rsa_public(k.n().clone(), k.e().clone()),
                        // A well-formed RSA key we refuse (e.g. too large) must
                        // not fall through to "unsupported key".
                        Err(rsa::pkcs8::spki::Error::KeyMalformed) => {
                            return Err(KeyError::InvalidPem("malformed RSA public key".into()));
                        }
                        Err(_) => {}
                    }
                }
                {
                    use p256::pkcs8::DecodePublicKey as _;
                    if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(&der) {
                        return Ok(PublicKey::P256(k));
                    }
                }
                {
                    use ed25519_dalek::pkcs8::DecodePublicKey as _;
                    if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(&der) {
                        return Ok(PublicKey::Ed25519(k));
                    }
                }
                Err(KeyError::InvalidPem(
                    "not an RSA, P-256 or Ed25519 public key".into(),
                ))
            }
            "RSA PUBLIC KEY" => {
                use rsa::pkcs1::DecodeRsaPublicKey as _;
                let k = RsaPublicKey::from_pkcs1_der(&der)
                    .map_err(|e| KeyError::InvalidPem(e.to_string()))?;
                rsa_public(k.n().clone(), k.e().clone())
            }
            l if l.contains("PRIVATE KEY") => Err(KeyError::InvalidPem(
                "this is a private key; give the public key only".into(),
            )),
            other => Err(KeyError::InvalidPem(format!(
                "\"{other}\" blocks are not public keys"
            ))),
        }
    }
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_uint(n: &BigUint) -> String {
    b64(&Zeroizing::new(n.to_bytes_be()))
}

fn required<'a>(member: &'static str, v: &'a Option<String>) -> Result<&'a str, KeyError> {
    v.as_deref().ok_or(KeyError::MissingJwkMember(member))
}

fn decode_member(member: &'static str, value: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map(Zeroizing::new)
        .map_err(|_| KeyError::InvalidJwkMember {
            member,
            reason: "not unpadded base64url".into(),
        })
}

fn decode_fixed<const N: usize>(
    member: &'static str,
    value: &str,
) -> Result<Zeroizing<[u8; N]>, KeyError> {
    let bytes = decode_member(member, value)?;
    let mut out = Zeroizing::new([0u8; N]);
    if bytes.len() != N {
        return Err(KeyError::InvalidJwkMember {
            member,
            reason: format!("must be {N} bytes, found {}", bytes.len()),
        });
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

fn decode_uint(member: &'static str, value: Option<&str>) -> Result<BigUint, KeyError> {
    let value = value.ok_or(KeyError::MissingJwkMember(member))?;
    let bytes = decode_member(member, value)?;
    if bytes.is_empty() {
        return Err(KeyError::InvalidJwkMember {
            member,
            reason: "empty".into(),
        });
    }
    Ok(BigUint::from_bytes_be(&bytes))
}

fn check_rsa_size(n: &BigUint) -> Result<(), KeyError> {
    let bits = n.bits();
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        return Err(KeyError::RsaKeySize(bits));
    }
    Ok(())
}

pub(crate) fn rsa_public(n: BigUint, e: BigUint) -> Result<PublicKey, KeyError> {
    check_rsa_size(&n)?;
    RsaPublicKey::new(n, e)
        .map(PublicKey::Rsa)
        .map_err(|e| KeyError::InvalidKey(Algorithm::Rsa, e.to_string()))
}

/// Which algorithm a JWK's `kty`/`crv` name.
fn jwk_algorithm(jwk: &Jwk) -> Result<Algorithm, KeyError> {
    let kty = jwk
        .kty
        .as_deref()
        .ok_or(KeyError::MissingJwkMember("kty"))?;
    match kty {
        "OKP" => match jwk.crv.as_deref() {
            Some("Ed25519") => Ok(Algorithm::Ed25519),
            Some(other) => Err(KeyError::UnsupportedCurve(other.to_string())),
            None => Err(KeyError::MissingJwkMember("crv")),
        },
        "EC" => match jwk.crv.as_deref() {
            Some("P-256") => Ok(Algorithm::P256),
            Some(other) => Err(KeyError::UnsupportedCurve(other.to_string())),
            None => Err(KeyError::MissingJwkMember("crv")),
        },
        "RSA" => Ok(Algorithm::Rsa),
        other => Err(KeyError::UnsupportedKeyType(other.to_string())),
    }
}

/// A JWK's optional `alg` and `use` must fit signing with `alg`.
fn check_jwk_usage(jwk: &Jwk, alg: Algorithm) -> Result<(), KeyError> {
    if let Some(jwk_alg) = jwk.alg.as_deref() {
        let expected = crate::jose::jws_alg(alg);
        // RFC 8037 registers "EdDSA"; "Ed25519" is the newer fully-specified name.
        let ok = jwk_alg == expected || (alg == Algorithm::Ed25519 && jwk_alg == "Ed25519");
        if !ok {
            return Err(KeyError::JwkUsageMismatch {
                member: "alg",
                value: jwk_alg.to_string(),
                algorithm: alg,
            });
        }
    }
    if let Some(usage) = jwk.use_.as_deref() {
        if usage != "sig" {
            return Err(KeyError::JwkUsageMismatch {
                member: "use",
                value: usage.to_string(),
                algorithm: alg,
            });
        }
    }
    Ok(())
}

/// Splits one PEM block into its label and DER bytes.
fn parse_pem(pem: &str) -> Result<(String, Vec<u8>), KeyError> {
    use base64::engine::general_purpose::STANDARD;
    let text = pem.trim();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .next()
        .ok_or_else(|| KeyError::InvalidPem("empty text".into()))?;
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| KeyError::InvalidPem("no \"-----BEGIN …-----\" line".into()))?
        .to_string();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    let mut ended = false;
    for line in lines {
        if line == end {
            ended = true;
            break;
        }
        if line.starts_with("-----") {
            return Err(KeyError::InvalidPem(format!("expected \"{end}\"")));
        }
        if line.contains(':') {
            return Err(KeyError::InvalidPem(
                "encrypted or annotated PEM is not supported".into(),
            ));
        }
        body.push_str(line);
    }
    if !ended {
        return Err(KeyError::InvalidPem(format!("no \"{end}\" line")));
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| KeyError::InvalidPem("the body is not valid base64".into()))?;
    Ok((label, der))
}
