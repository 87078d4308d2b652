//! Compact JWS (RFC 7515 §7.1) for VC-JWT (Open Badges 3.0 §8.2, "JSON Web
//! Token Proof Format") and for Open Badges 2.0 signed assertions.
//!
//! This is written by hand rather than with a general JOSE crate on purpose:
//! we need only the compact serialization and three signature algorithms
//! whose primitives [`crate::keys`] already provides, from the same
//! RustCrypto crates the Data Integrity proofs use. A general JOSE library
//! would bring a second crypto stack (or other versions of these crates),
//! and its generality is the usual source of JWS bugs: `alg: none`, HMAC
//! with a public key as secret, algorithm confusion. Here the rules are short
//! enough to read in one sitting:
//!
//! - the only algorithms are `EdDSA` (Ed25519), `ES256` (P-256) and `RS256`
//!   (RSA), and each is bound to its key type: a token whose `alg` does not
//!   match the verification key is refused before any signature check;
//! - every part is unpadded base64url, decoded strictly (no padding, no
//!   stray bits, no whitespace); exactly three parts; header and payload are
//!   JSON objects without duplicate members;
//! - `crit` is refused (we implement no extension), as are unencoded
//!   payloads (`b64`) and encrypted tokens (JWE).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::jwk::Jwk;
use crate::keys::{Algorithm, KeyError, KeyPair, PublicKey};

/// `@context` URL that starts a VC Data Model 1.1 credential.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// `@context` URL that starts a VC Data Model 2.0 credential.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// The JWS algorithms accepted, each with the only key type it may use.
const ALLOWED: [(&str, Algorithm); 3] = [
    ("EdDSA", Algorithm::Ed25519),
    ("ES256", Algorithm::P256),
    ("RS256", Algorithm::Rsa),
];

/// JWT registered claims (RFC 7519 §4.1). In a VC 2.0 VC-JWT they sit next
/// to the credential's own properties and are removed to recover it.
const REGISTERED_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Errors from creating or checking a JWS / VC-JWT.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    #[error("the token is not a compact JWS: {0}")]
    Malformed(String),
    #[error("the token is encrypted (JWE); only signed tokens (JWS) are supported")]
    Encrypted,
    #[error("the token's {0} is not unpadded base64url")]
    Base64(&'static str),
    #[error("the token's {part} is not a JSON object: {reason}")]
    NotJson { part: &'static str, reason: String },
    #[error("the token header has no \"alg\"")]
    MissingAlgorithm,
    #[error(
        "the algorithm \"{0}\" is not accepted; only EdDSA (Ed25519), ES256 (P-256) and \
         RS256 (RSA) signatures are"
    )]
    UnsupportedAlgorithm(String),
    #[error(
        "the token is signed with \"{token_alg}\" but the key is a {key} key, which signs \
         with \"{expected}\"",
        expected = jws_alg(*.key)
    )]
    AlgorithmMismatch { token_alg: String, key: Algorithm },
    #[error("the token requires header extensions that are not supported: {0:?}")]
    UnsupportedCritical(Vec<String>),
    #[error("the token header is not acceptable: {0}")]
    InvalidHeader(String),
    #[error("the header cannot be used for signing: {0}")]
    HeaderConflict(String),
    #[error("the signature is not valid for this token and key")]
    BadSignature,
    #[error("a VC-JWT must name its key: give a \"kid\" or embed the public \"jwk\"")]
    NoKeyReference,
    #[error("the key for the token could not be found: {0}")]
    KeyResolution(String),
    #[error("the credential is not usable: {0}")]
    InvalidCredential(String),
    #[error("the token has no \"{claim}\" claim, but the credential has {property}")]
    MissingClaim {
        claim: &'static str,
        property: &'static str,
    },
    #[error(
        "the \"{claim}\" claim ({claim_value}) does not match the credential's {property} ({property_value})"
    )]
    ClaimMismatch {
        claim: &'static str,
        claim_value: String,
        property: &'static str,
        property_value: String,
    },
    #[error("the \"{claim}\" claim is not valid: {reason}")]
    InvalidClaim { claim: &'static str, reason: String },
    #[error("{0}")]
    VersionMismatch(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The JWS `alg` name for a key algorithm: `EdDSA`, `ES256` or `RS256`.
pub fn jws_alg(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Ed25519 => "EdDSA",
        Algorithm::P256 => "ES256",
        Algorithm::Rsa => "RS256",
    }
}

/// The key algorithm for an accepted JWS `alg` name; anything else
/// (`none`, `HS256`, `PS256`, …) is [`JoseError::UnsupportedAlgorithm`].
pub fn algorithm_for_jws(name: &str) -> Result<Algorithm, JoseError> {
    ALLOWED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
        .ok_or_else(|| JoseError::UnsupportedAlgorithm(name.to_string()))
}

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

/// A checked JOSE header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The `alg` value; always one of `EdDSA`, `ES256`, `RS256` when parsed.
    pub alg: String,
    pub typ: Option<String>,
    pub cty: Option<String>,
    pub kid: Option<String>,
    /// An embedded public key (never with private members: such headers are refused).
    pub jwk: Option<Jwk>,
    /// The whole header as it was in the token.
    pub raw: Map<String, Value>,
}

impl Header {
    /// The key algorithm the header's `alg` requires.
    pub fn algorithm(&self) -> Result<Algorithm, JoseError> {
        algorithm_for_jws(&self.alg)
    }

    /// The public key embedded as `jwk`, if any.
    ///
    /// Anyone can embed a key and sign with it: before trusting such a key
    /// for an issuer, check that it belongs to that issuer (its DID
    /// document or JWKS lists it).
    pub fn embedded_key(&self) -> Result<Option<PublicKey>, JoseError> {
        self.jwk
            .as_ref()
            .map(|jwk| PublicKey::from_jwk(jwk).map_err(JoseError::from))
            .transpose()
    }

    fn parse(raw: Map<String, Value>) -> Result<Self, JoseError> {
        if raw.contains_key("enc") {
            return Err(JoseError::Encrypted);
        }
        let alg = match raw.get("alg") {
            None => return Err(JoseError::MissingAlgorithm),
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(JoseError::UnsupportedAlgorithm(other.to_string())),
        };
        algorithm_for_jws(&alg)?;
        if let Some(crit) = raw.get("crit") {
            let names = crit
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().unwrap_or("?").to_string())
                        .collect()
                })
                .unwrap_or_else(|| vec![crit.to_string()]);
            return Err(JoseError::UnsupportedCritical(names));
        }
        if let Some(b64) = raw.get("b64") {
            if b64 != &Value::Bool(true) {
                return Err(JoseError::InvalidHeader(
                    "unencoded payloads (\"b64\") are not supported".into(),
                ));
            }
        }
        let string = |name: &str| -> Result<Option<String>, JoseError> {
            match raw.get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(JoseError::InvalidHeader(format!(
                    "\"{name}\" must be a string"
                ))),
            }
        };
        let typ = string("typ")?;
        let cty = string("cty")?;
        let kid = string("kid")?;
        let jwk = match raw.get("jwk") {
            None => None,
            Some(v) => {
                let jwk = Jwk::from_value(v)
                    .map_err(|e| JoseError::InvalidHeader(format!("\"jwk\": {e}")))?;
                if jwk.is_private() {
                    return Err(JoseError::InvalidHeader(
                        "the embedded \"jwk\" contains private key material".into(),
                    ));
                }
                Some(jwk)
            }
        };
        Ok(Header {
            alg,
            typ,
            cty,
            kid,
            jwk,
            raw,
        })
    }
}

// ---------------------------------------------------------------------------
// compact JWS
// ---------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(part: &'static str, text: &str) -> Result<Vec<u8>, JoseError> {
    // URL_SAFE_NO_PAD refuses "=" padding, characters outside the base64url
    // alphabet and non-zero trailing bits, so each value has one encoding.
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JoseError::Base64(part))
}

/// A JSON object whose members are all distinct (RFC 7515 §5.2 lets us
/// refuse duplicates; silently taking one of two `alg`s would be worse).
struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom(format!(
                            "the member \"{key}\" appears twice"
                        )));
                    }
                    let value: Value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

fn parse_object(part: &'static str, bytes: &[u8]) -> Result<Map<String, Value>, JoseError> {
    serde_json::from_slice::<UniqueObject>(bytes)
        .map(|o| o.0)
        .map_err(|e| JoseError::NotJson {
            part,
            reason: e.to_string(),
        })
}

/// A token split and decoded, signature not yet checked.
struct Decoded<'a> {
    signing_input: &'a str,
    header: Header,
    payload: Map<String, Value>,
    signature: Vec<u8>,
}

fn decode(token: &str) -> Result<Decoded<'_>, JoseError> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err(JoseError::Encrypted),
        n => {
            return Err(JoseError::Malformed(format!(
                "expected 3 parts separated by \".\", found {n}"
            )));
        }
    }
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    if h.is_empty() || p.is_empty() {
        return Err(JoseError::Malformed(
            "the header or payload is empty".into(),
        ));
    }
    if s.is_empty() {
        return Err(JoseError::Malformed(
            "the signature is missing; unsigned tokens are refused".into(),
        ));
    }
    let header = Header::parse(parse_object("header", &unb64("header", h)?)?)?;
    let payload = parse_object("payload", &unb64("payload", p)?)?;
    let signature = unb64("signature", s)?;
    Ok(Decoded {
        signing_input: &token[..h.len() + 1 + p.len()],
        header,
        payload,
        signature,
    })
}

/// Decodes a compact JWS without checking its signature. The header is
/// checked as in [`verify_compact`] (allowed `alg`, no `crit`, …), so what
/// comes back is at least a token we could verify. Never trust the payload
/// before [`verify_compact`] says so.
pub fn decode_unverified(token: &str) -> Result<(Header, Value), JoseError> {
    let d = decode(token)?;
    Ok((d.header, Value::Object(d.payload)))
}

fn verify_decoded(d: &Decoded<'_>, key: &PublicKey) -> Result<(), JoseError> {
    let token_alg = d.header.algorithm()?;
    if token_alg != key.algorithm() {
        return Err(JoseError::AlgorithmMismatch {
            token_alg: d.header.alg.clone(),
            key: key.algorithm(),
        });
    }
    key.verify(d.signing_input.as_bytes(), &d.signature)
        .map_err(|_| JoseError::BadSignature)
}

/// Verifies a compact JWS with `key` and returns its payload (a JSON object).
///
/// The header's `alg` must be the one `key`'s type signs with
/// ([`jws_alg`]); otherwise [`JoseError::AlgorithmMismatch`].
pub fn verify_compact(token: &str, key: &PublicKey) -> Result<Value, JoseError> {
    let d = decode(token)?;
    verify_decoded(&d, key)?;
    Ok(Value::Object(d.payload))
}

/// Signs `payload` (which must be a JSON object) as a compact JWS.
///
/// The header is `{"alg": …}` for the key's type followed by
/// `header_extra`. `header_extra` may repeat the same `alg` but not another
/// one, may not ask for extensions (`crit`, `b64`) or encryption, and an
/// embedded `jwk` must be public.
pub fn sign_compact(
    header_extra: Map<String, Value>,
    payload: &[u8],
    key: &KeyPair,
) -> Result<String, JoseError> {
    let alg = jws_alg(key.algorithm());
    let mut header = Map::new();
    header.insert("alg".into(), Value::String(alg.into()));
    for (name, value) in header_extra {
        match name.as_str() {
            "alg" if value.as_str() == Some(alg) => {}
            "alg" => {
                return Err(JoseError::HeaderConflict(format!(
                    "\"alg\" is {value} but a {} key signs with \"{alg}\"",
                    key.algorithm()
                )));
            }
            "crit" | "b64" | "enc" | "zip" => {
                return Err(JoseError::HeaderConflict(format!(
                    "\"{name}\" is not supported"
                )));
            }
            "jwk" => {
                let jwk = Jwk::from_value(&value)?;
                if jwk.is_private() {
                    return Err(JoseError::HeaderConflict(
                        "the \"jwk\" contains private key material".into(),
                    ));
                }
                header.insert(name, value);
            }
            _ => {
                header.insert(name, value);
            }
        }
    }
    // Refuse what verify_compact would refuse.
    parse_object("payload", payload)?;
    let header_json = Value::Object(header).to_string();
    let signing_input = format!("{}.{}", b64(header_json.as_bytes()), b64(payload));
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", b64(&signature)))
}

// ---------------------------------------------------------------------------
// VC-JWT (Open Badges 3.0 §8.2)
// ---------------------------------------------------------------------------

/// Which VC data model a VC-JWT carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcVersion {
    /// VC Data Model 1.1: the credential is in the `vc` claim.
    V1,
    /// VC Data Model 2.0: the payload is the credential itself.
    V2,
}

/// A verified VC-JWT.
///
/// The time claims are returned, not judged: whether the credential is
/// valid *now* is for the verification report to decide.
#[derive(Debug, Clone, PartialEq)]
pub struct VcJwt {
    pub header: Header,
    /// The credential: the payload without the JWT claims (VC 2.0), or the
    /// `vc` claim completed from the JWT claims (VC 1.1).
    pub credential: Value,
    pub version: VcVersion,
    /// The whole signed payload.
    pub claims: Map<String, Value>,
    /// `iss`: the issuer's id.
    pub issuer: String,
    /// `jti`: the credential's id.
    pub id: Option<String>,
    /// `sub`: the credential subject's id.
    pub subject: Option<String>,
    /// `nbf` in seconds since 1970 (validFrom / issuanceDate).
    pub not_before: Option<i64>,
    /// `exp` in seconds since 1970 (validUntil / expirationDate).
    pub expires: Option<i64>,
    /// `iat` in seconds since 1970.
    pub issued_at: Option<i64>,
}

/// Signs a credential as a VC-JWT (Open Badges 3.0 §8.2).
///
/// Header: `alg`, `typ: "JWT"`, then `kid` and/or the public `jwk` (at least
/// one is required). Payload, for a VC 2.0 credential: the credential itself
/// plus `iss` (issuer id), `jti` (credential id), `sub`
/// (credentialSubject.id), `nbf` (validFrom) and `exp` (validUntil), each when
/// the credential has that property. For a VC 1.1 credential the credential
/// goes in the `vc` claim instead, with the same claims beside it
/// (from issuanceDate / expirationDate).
pub fn sign_vc_jwt(
    credential: &Value,
    key: &KeyPair,
    kid: Option<&str>,
    embed_jwk: bool,
) -> Result<String, JoseError> {
    let object = credential
        .as_object()
        .ok_or_else(|| JoseError::InvalidCredential("it is not a JSON object".into()))?;
    let version = credential_version(object)?;
    if kid.is_none() && !embed_jwk {
        return Err(JoseError::NoKeyReference);
    }
    let facts = CredentialFacts::read(object)?;
    let issuer = facts
        .issuer
        .clone()
        .ok_or_else(|| JoseError::InvalidCredential("it has no issuer id".into()))?;

    let mut claims: Vec<(&'static str, Value)> = vec![("iss", Value::String(issuer))];
    if let Some(id) = &facts.id {
        claims.push(("jti", Value::String(id.clone())));
    }
    if let [Some(sub)] = facts.subjects.as_slice() {
        claims.push(("sub", Value::String(sub.clone())));
    }
    if let Some((_, secs)) = facts.valid_from {
        claims.push(("nbf", Value::from(secs)));
    }
    if let Some((_, secs)) = facts.valid_until {
        claims.push(("exp", Value::from(secs)));
    }

    let payload = match version {
        VcVersion::V2 => {
            let mut payload = object.clone();
            for (name, value) in claims {
                match payload.get(name) {
                    Some(existing) if existing != &value => {
                        return Err(JoseError::InvalidCredential(format!(
                            "it has a \"{name}\" property ({existing}) that differs from the \
                             JWT claim it would get ({value})"
                        )));
                    }
                    _ => {
                        payload.insert(name.to_string(), value);
                    }
                }
            }
            payload
        }
        VcVersion::V1 => {
            let mut payload: Map<String, Value> = claims
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect();
            payload.insert("vc".into(), credential.clone());
            payload
        }
    };

    let mut header = Map::new();
    header.insert("typ".into(), Value::String("JWT".into()));
    if let Some(kid) = kid {
        if kid.is_empty() {
            return Err(JoseError::HeaderConflict("the \"kid\" is empty".into()));
        }
        header.insert("kid".into(), Value::String(kid.into()));
    }
    if embed_jwk {
        // Public members only: never "d" & co. (OB 3.0 §8.2.3).
        header.insert("jwk".into(), key.public_key().to_jwk().to_value());
    }
    let payload = Value::Object(payload).to_string();
    sign_compact(header, payload.as_bytes(), key)
}

/// Verifies a VC-JWT and returns its credential.
///
/// `resolve_key` gets the checked header (its `kid` / `jwk`) and returns the
/// issuer's public key; it is called before the signature is checked. Then:
/// the `alg` must fit the key and the signature must be valid; the
/// credential is taken from the payload (VC 2.0) or from the `vc` claim
/// (VC 1.1; its first `@context` must be the 1.1 one, and a payload without
/// `vc` must start with the 2.0 context); and `iss`, `jti`, `sub`, `nbf`,
/// `exp` must agree with issuer id, id, credentialSubject.id, validFrom
/// (issuanceDate) and validUntil (expirationDate): each claim must be
/// present exactly when its property is, with the same value. A VC 1.1
/// credential may leave those properties out; they are filled in from the
/// claims, as VC 1.1 §6.3.1 describes.
///
/// Whether the credential is currently valid (nbf/exp vs. now) is *not*
/// judged here, and neither is key provenance: the resolver (or the caller,
/// with [`VcJwt::issuer`]) must make sure the key belongs to the issuer.
pub fn verify_vc_jwt(
    token: &str,
    resolve_key: impl FnOnce(&Header) -> Result<PublicKey, JoseError>,
) -> Result<VcJwt, JoseError> {
    let d = decode(token)?;
    if let Some(typ) = &d.header.typ {
        let t = typ.to_ascii_lowercase();
        let t = t.strip_prefix("application/").unwrap_or(&t);
        if !matches!(t, "jwt" | "vc+jwt" | "vc+ld+jwt" | "vc+ld+json+jwt") {
            return Err(JoseError::InvalidHeader(format!(
                "\"typ\" is \"{typ}\"; a VC-JWT has \"JWT\""
            )));
        }
    }
    let key = resolve_key(&d.header)?;
    verify_decoded(&d, &key)?;
    let Decoded {
        header, payload, ..
    } = d;

    if payload.contains_key("vp") {
        return Err(JoseError::InvalidCredential(
            "this is a presentation (\"vp\"), not a credential".into(),
        ));
    }
    let claims = ClaimValues::read(&payload)?;
    let (credential, version) = match payload.get("vc") {
        Some(Value::Object(vc)) => {
            let mut vc = vc.clone();
            if credential_version(&vc)? != VcVersion::V1 {
                return Err(JoseError::VersionMismatch(format!(
                    "the token carries its credential in a \"vc\" claim (VC 1.1 style) but \
                     the credential's @context starts with {VC_V2_CONTEXT}"
                )));
            }
            fill_v1_credential(&mut vc, &claims)?;
            (vc, VcVersion::V1)
        }
        Some(_) => {
            return Err(JoseError::InvalidCredential(
                "the \"vc\" claim is not a JSON object".into(),
            ));
        }
        None => {
            let mut credential = payload.clone();
            for name in REGISTERED_CLAIMS {
                credential.remove(name);
            }
            if credential_version(&credential)? != VcVersion::V2 {
                return Err(JoseError::VersionMismatch(format!(
                    "the credential's @context starts with {VC_V1_CONTEXT} (VC 1.1), but a \
                     VC 1.1 VC-JWT must carry it in a \"vc\" claim"
                )));
            }
            (credential, VcVersion::V2)
        }
    };

    let facts = CredentialFacts::read(&credential)?;
    let issuer = check_consistency(&claims, &facts)?;
    Ok(VcJwt {
        header,
        credential: Value::Object(credential),
        version,
        claims: payload,
        issuer,
        id: claims.jti,
        subject: claims.sub,
        not_before: claims.nbf,
        expires: claims.exp,
        issued_at: claims.iat,
    })
}

/// The registered claims of a VC-JWT, type-checked.
struct ClaimValues {
    iss: Option<String>,
    jti: Option<String>,
    sub: Option<String>,
    nbf: Option<i64>,
    exp: Option<i64>,
    iat: Option<i64>,
}

impl ClaimValues {
    fn read(payload: &Map<String, Value>) -> Result<Self, JoseError> {
        let string = |claim: &'static str| match payload.get(claim) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(JoseError::InvalidClaim {
                claim,
                reason: "must be a string".into(),
            }),
        };
        let date = |claim: &'static str| match payload.get(claim) {
            None => Ok(None),
            Some(v) => numeric_date(v).map(Some).ok_or(JoseError::InvalidClaim {
                claim,
                reason: "must be a NumericDate (seconds since 1970)".into(),
            }),
        };
        Ok(ClaimValues {
            iss: string("iss")?,
            jti: string("jti")?,
            sub: string("sub")?,
            nbf: date("nbf")?,
            exp: date("exp")?,
            iat: date("iat")?,
        })
    }
}

/// A JSON number as whole seconds (fractions are truncated towards the past).
fn numeric_date(v: &Value) -> Option<i64> {
    let n = v.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // i64 seconds reach far beyond any real date; stay well inside them.
    (f.is_finite() && f.abs() < 1e15).then(|| f.floor() as i64)
}

/// The properties of a credential that VC-JWT claims mirror.
struct CredentialFacts {
    issuer: Option<String>,
    id: Option<String>,
    /// One entry per credentialSubject, with its id if it has one.
    subjects: Vec<Option<String>>,
    /// (property name, seconds) of validFrom, else issuanceDate.
    valid_from: Option<(&'static str, i64)>,
    /// (property name, seconds) of validUntil, else expirationDate.
    valid_until: Option<(&'static str, i64)>,
}

impl CredentialFacts {
    fn read(credential: &Map<String, Value>) -> Result<Self, JoseError> {
        let bad = |what: &str| JoseError::InvalidCredential(what.to_string());
        let issuer = match credential.get("issuer") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(o)) => match o.get("id") {
                Some(Value::String(s)) => Some(s.clone()),
                None => None,
                Some(_) => return Err(bad("issuer.id is not a string")),
            },
            Some(_) => return Err(bad("issuer is neither a string nor an object")),
        };
        let id = match credential.get("id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(bad("id is not a string")),
        };
        let subject_id = |s: &Value| -> Result<Option<String>, JoseError> {
            match s {
                Value::Object(o) => match o.get("id") {
                    None => Ok(None),
                    Some(Value::String(id)) => Ok(Some(id.clone())),
                    Some(_) => Err(bad("credentialSubject.id is not a string")),
                },
                _ => Err(bad("credentialSubject is not an object")),
            }
        };
        let subjects = match credential.get("credentialSubject") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(subject_id).collect::<Result<_, _>>()?,
            Some(one) => vec![subject_id(one)?],
        };
        let date = |names: [&'static str; 2]| -> Result<Option<(&'static str, i64)>, JoseError> {
            for name in names {
                if let Some(v) = credential.get(name) {
                    let secs = v
                        .as_str()
                        .and_then(parse_date_time)
                        .ok_or_else(|| bad(&format!("{name} is not a date-time")))?;
                    return Ok(Some((name, secs)));
                }
            }
            Ok(None)
        };
        Ok(CredentialFacts {
            issuer,
            id,
            subjects,
            valid_from: date(["validFrom", "issuanceDate"])?,
            valid_until: date(["validUntil", "expirationDate"])?,
        })
    }
}

/// Parses an XML Schema / RFC 3339 date-time into whole seconds since 1970.
/// A date-time without a time zone is taken as UTC.
fn parse_date_time(s: &str) -> Option<i64> {
    let parsed = OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339))
        .ok()?;
    Some(parsed.unix_timestamp())
}

fn format_date_time(secs: i64) -> Result<String, JoseError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or(JoseError::InvalidClaim {
            claim: "nbf/exp",
            reason: "out of the range of dates".into(),
        })
}

/// Which data model a credential's first `@context` names.
fn credential_version(credential: &Map<String, Value>) -> Result<VcVersion, JoseError> {
    let first = match credential.get("@context") {
        Some(Value::Array(items)) => items.first(),
        Some(other) => Some(other),
        None => None,
    };
    match first.and_then(Value::as_str) {
        Some(VC_V2_CONTEXT) => Ok(VcVersion::V2),
        Some(VC_V1_CONTEXT) => Ok(VcVersion::V1),
        Some(other) => Err(JoseError::InvalidCredential(format!(
            "its @context starts with \"{other}\", not a VC 1.1 or 2.0 context"
        ))),
        None => Err(JoseError::InvalidCredential(
            "it has no @context naming the VC data model".into(),
        )),
    }
}

/// VC 1.1 §6.3.1 decoding: properties the issuer moved into JWT claims are
/// put back into the credential. Properties already present are left for
/// [`check_consistency`] to compare.
fn fill_v1_credential(vc: &mut Map<String, Value>, claims: &ClaimValues) -> Result<(), JoseError> {
    if let (Some(iss), false) = (&claims.iss, vc.contains_key("issuer")) {
        vc.insert("issuer".into(), Value::String(iss.clone()));
    }
    if let (Some(jti), false) = (&claims.jti, vc.contains_key("id")) {
        vc.insert("id".into(), Value::String(jti.clone()));
    }
    if let (Some(nbf), false) = (claims.nbf, vc.contains_key("issuanceDate")) {
        vc.insert("issuanceDate".into(), Value::String(format_date_time(nbf)?));
    }
    if let (Some(exp), false) = (claims.exp, vc.contains_key("expirationDate")) {
        vc.insert(
            "expirationDate".into(),
            Value::String(format_date_time(exp)?),
        );
    }
    if let Some(sub) = &claims.sub {
        if let Some(Value::Object(subject)) = vc.get_mut("credentialSubject") {
            subject
                .entry("id")
                .or_insert_with(|| Value::String(sub.clone()));
        }
    }
    Ok(())
}

/// Each claim must be present exactly when its credential property is, and
/// equal to it. Returns the issuer id.
fn check_consistency(claims: &ClaimValues, facts: &CredentialFacts) -> Result<String, JoseError> {
    fn same<T: PartialEq + ToString>(
        claim: &'static str,
        claim_value: Option<&T>,
        property: &'static str,
        property_value: Option<&T>,
    ) -> Result<(), JoseError> {
        match (claim_value, property_value) {
            (None, None) => Ok(()),
            (Some(c), Some(p)) if c == p => Ok(()),
            (None, Some(_)) => Err(JoseError::MissingClaim { claim, property }),
            (c, p) => Err(JoseError::ClaimMismatch {
                claim,
                claim_value: c.map_or_else(|| "absent".into(), ToString::to_string),
                property,
                property_value: p.map_or_else(|| "absent".into(), ToString::to_string),
            }),
        }
    }

    let issuer = facts
        .issuer
        .clone()
        .ok_or_else(|| JoseError::InvalidCredential("it has no issuer id".into()))?;
    same("iss", claims.iss.as_ref(), "issuer id", Some(&issuer))?;
    same("jti", claims.jti.as_ref(), "id", facts.id.as_ref())?;

    match facts.subjects.as_slice() {
        [one] => same(
            "sub",
            claims.sub.as_ref(),
            "credentialSubject.id",
            one.as_ref(),
        )?,
        many => {
            // Several subjects (or none): "sub" is optional, but if present
            // it must be one of them.
            if let Some(sub) = &claims.sub {
                if !many.iter().any(|s| s.as_ref() == Some(sub)) {
                    return Err(JoseError::ClaimMismatch {
                        claim: "sub",
                        claim_value: sub.clone(),
                        property: "credentialSubject.id",
                        property_value: "none of the subjects".into(),
                    });
                }
            }
        }
    }

    let from_name = facts.valid_from.map_or("validFrom", |(n, _)| n);
    same(
        "nbf",
        claims.nbf.as_ref(),
        from_name,
        facts.valid_from.as_ref().map(|(_, s)| s),
    )?;
    let until_name = facts.valid_until.map_or("validUntil", |(n, _)| n);
    same(
        "exp",
        claims.exp.as_ref(),
        until_name,
        facts.valid_until.as_ref().map(|(_, s)| s),
    )?;
    Ok(issuer)
}

// ---------------------------------------------------------------------------
// Open Badges 2.0 signed assertions
// ---------------------------------------------------------------------------

/// Signs an Open Badges 2.0 assertion as a compact JWS: header
/// `{"alg": …}` (`RS256` for the RSA keys OB 2.0 tools expect), payload the
/// assertion JSON. The assertion should already say
/// `"verification": {"type": "SignedBadge", "creator": <key URL>}`.
pub fn sign_ob2_assertion(assertion: &Value, key: &KeyPair) -> Result<String, JoseError> {
    if !assertion.is_object() {
        return Err(JoseError::InvalidCredential(
            "the assertion is not a JSON object".into(),
        ));
    }
    sign_compact(Map::new(), assertion.to_string().as_bytes(), key)
}

/// Verifies an Open Badges 2.0 signed assertion and returns the assertion.
pub fn verify_ob2_assertion(token: &str, key: &PublicKey) -> Result<Value, JoseError> {
    verify_compact(token, key)
}
