//! W3C Data Integrity proofs.
//!
//! Signing: `eddsa-rdfc-2022` (Ed25519) and `ecdsa-rdfc-2019` (P-256).
//! Verifying: those two, plus `eddsa-jcs-2022` and the older `Ed25519Signature2020`
//! that credentials issued elsewhere carry.
//!
//! All of them follow one recipe (vc-data-integrity §4, vc-di-eddsa §3, vc-di-ecdsa §3):
//! the proof configuration (the proof without `proofValue`, with the document's
//! `@context`) and the document without `proof` are each canonicalized and hashed,
//! `hashData = H(proofConfig) ‖ H(document)` is signed, and the signature is
//! encoded as multibase base58btc (`z…`).

use std::borrow::Cow;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::keys::{Algorithm, KeyError, KeyPair, PublicKey};

/// The proof types and cryptosuites we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cryptosuite {
    /// `DataIntegrityProof` / `eddsa-rdfc-2022`: Ed25519 over RDFC-1.0.
    EddsaRdfc2022,
    /// `DataIntegrityProof` / `ecdsa-rdfc-2019`: ECDSA P-256 over RDFC-1.0.
    EcdsaRdfc2019,
    /// `DataIntegrityProof` / `eddsa-jcs-2022`: Ed25519 over JCS (RFC 8785). Verify only.
    EddsaJcs2022,
    /// `Ed25519Signature2020`: Ed25519 over URDNA2015 (= RDFC-1.0). Verify only.
    Ed25519Signature2020,
}

impl Cryptosuite {
    /// The `cryptosuite` property value (or the proof `type` for the 2020 suite).
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Cryptosuite::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
            Cryptosuite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// Parses a cryptosuite name as accepted by `--proof`.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Cryptosuite::EddsaRdfc2022,
            Cryptosuite::EcdsaRdfc2019,
            Cryptosuite::EddsaJcs2022,
            Cryptosuite::Ed25519Signature2020,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }

    /// The suite Insignia signs with for a key, when none is asked for.
    pub fn default_for(alg: Algorithm) -> Option<Self> {
        match alg {
            Algorithm::Ed25519 => Some(Cryptosuite::EddsaRdfc2022),
            Algorithm::P256 => Some(Cryptosuite::EcdsaRdfc2019),
            Algorithm::Rsa => None,
        }
    }

    fn key_algorithm(self) -> Algorithm {
        match self {
            Cryptosuite::EcdsaRdfc2019 => Algorithm::P256,
            _ => Algorithm::Ed25519,
        }
    }

    /// Whether the suite canonicalizes with RDFC-1.0 (all but the JCS one).
    pub fn uses_rdfc(self) -> bool {
        !matches!(self, Cryptosuite::EddsaJcs2022)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiError {
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("the document has no proof")]
    NoProof,
    #[error("the document already has a proof; Insignia does not add a second one")]
    AlreadySigned,
    #[error("the proof is not a JSON object")]
    ProofNotAnObject,
    #[error("the proof has no '{0}'")]
    MissingProperty(&'static str),
    #[error(
        "unknown proof type '{0}' (supported: DataIntegrityProof with eddsa-rdfc-2022, ecdsa-rdfc-2019 or eddsa-jcs-2022, and Ed25519Signature2020)"
    )]
    UnknownProofType(String),
    #[error("the proof's purpose is '{0}', but a credential must be signed for 'assertionMethod'")]
    WrongPurpose(String),
    #[error("{suite} needs a {needed:?} key, but the key is {got:?}")]
    WrongKeyType {
        suite: &'static str,
        needed: Algorithm,
        got: Algorithm,
    },
    #[error("the proofValue is not multibase base58btc ('z…')")]
    BadProofValue,
    #[error(
        "the signature does not match the document: it was altered after signing, or signed by another key"
    )]
    BadSignature,
    #[error("the document cannot be signed safely: {0}")]
    Unsignable(String),
    #[error("JSON-LD: {0}")]
    Ld(#[from] insignia_ld::LdError),
    #[error("key: {0}")]
    Key(#[from] KeyError),
    #[error("JSON canonicalization failed: {0}")]
    Jcs(String),
}

/// Options for a new proof.
#[derive(Debug, Clone)]
pub struct SignOptions {
    pub cryptosuite: Cryptosuite,
    /// The verification method id, e.g. `did:key:z6Mk…#z6Mk…` or `did:web:…#key-1`.
    pub verification_method: String,
    /// `created`, an XML Schema date-time with a time zone. `None` leaves it out.
    pub created: Option<String>,
}

/// What a verified proof said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    pub cryptosuite: Cryptosuite,
    pub verification_method: String,
    pub created: Option<String>,
}

/// A proof read from a document, before its signature is checked.
#[derive(Debug, Clone)]
pub struct ProofInfo {
    pub cryptosuite: Cryptosuite,
    pub verification_method: String,
    pub proof_purpose: String,
    pub created: Option<String>,
}

/// Signs `document`, returning a copy with a `proof` added (after all other
/// properties). [`sign_owned`] saves the copy when the caller is done with
/// the unsigned document.
pub fn sign(document: &Value, key: &KeyPair, options: &SignOptions) -> Result<Value, DiError> {
    sign_owned(document.clone(), key, options)
}

/// Signs `document`, returning it with a `proof` added (after all other properties).
pub fn sign_owned(document: Value, key: &KeyPair, options: &SignOptions) -> Result<Value, DiError> {
    let doc = document.as_object().ok_or(DiError::NotAnObject)?;
    if doc.contains_key("proof") {
        return Err(DiError::AlreadySigned);
    }
    let suite = options.cryptosuite;
    if matches!(
        suite,
        Cryptosuite::EddsaJcs2022 | Cryptosuite::Ed25519Signature2020
    ) {
        return Err(DiError::Unsignable(format!(
            "Insignia verifies {} proofs but signs with eddsa-rdfc-2022 or ecdsa-rdfc-2019",
            suite.name()
        )));
    }
    check_key(suite, key.algorithm())?;
    let mut document = match with_data_integrity_context(&document) {
        Cow::Borrowed(_) => document,
        Cow::Owned(with_context) => with_context,
    };

    let mut proof = Map::new();
    proof.insert("type".into(), Value::from("DataIntegrityProof"));
    proof.insert("cryptosuite".into(), Value::from(suite.name()));
    if let Some(created) = &options.created {
        proof.insert("created".into(), Value::from(created.as_str()));
    }
    proof.insert(
        "verificationMethod".into(),
        Value::from(options.verification_method.as_str()),
    );
    proof.insert("proofPurpose".into(), Value::from("assertionMethod"));

    let hash = hash_data(suite, &document, &proof, true, None)?;
    let signature = key.sign(&hash)?;
    proof.insert("proofValue".into(), Value::from(multibase_58(&signature)));

    let signed = document.as_object_mut().ok_or(DiError::NotAnObject)?;
    signed.insert("proof".into(), Value::Object(proof));
    Ok(document)
}

/// The contexts that define the `DataIntegrityProof` terms.
const DATA_INTEGRITY_CONTEXTS: [&str; 3] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/data-integrity/v1",
];

/// A VC 1.1 credential's contexts do not define `DataIntegrityProof`: add the
/// Data Integrity context, as vc-data-integrity §2.1 has signers do, unless a
/// context that defines it is already there.
/// Borrows `document` when nothing needs adding (the usual VC 2.0 case).
fn with_data_integrity_context(document: &Value) -> Cow<'_, Value> {
    let contexts = match document.get("@context") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => std::slice::from_ref(other),
        None => return Cow::Borrowed(document),
    };
    let defined = contexts.iter().any(|c| {
        c.as_str()
            .is_some_and(|url| DATA_INTEGRITY_CONTEXTS.contains(&url))
    });
    if defined {
        return Cow::Borrowed(document);
    }
    // Embedded credentials (endorsements) may already use v1; adding v2 on
    // top would redefine its protected terms differently, which JSON-LD forbids.
    let version = if uses_context(document, DATA_INTEGRITY_CONTEXTS[2]) {
        DATA_INTEGRITY_CONTEXTS[2]
    } else {
        DATA_INTEGRITY_CONTEXTS[1]
    };
    let mut contexts = contexts.to_vec();
    contexts.push(Value::from(version));
    let mut doc = document.clone();
    if let Some(map) = doc.as_object_mut() {
        map.insert("@context".into(), Value::Array(contexts));
    }
    Cow::Owned(doc)
}

/// Whether `url` appears in any `@context` in the document, at any depth.
fn uses_context(value: &Value, url: &str) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, child)| {
            if key == "@context" {
                match child {
                    Value::String(s) => s == url,
                    Value::Array(items) => items.iter().any(|i| i.as_str() == Some(url)),
                    _ => false,
                }
            } else {
                uses_context(child, url)
            }
        }),
        Value::Array(items) => items.iter().any(|i| uses_context(i, url)),
        _ => false,
    }
}

/// Reads the proof of a signed document without checking it.
pub fn read_proof(document: &Value) -> Result<ProofInfo, DiError> {
    let doc = document.as_object().ok_or(DiError::NotAnObject)?;
    let proof = single_proof(doc)?;
    let (suite, _) = proof_suite(proof)?;
    Ok(ProofInfo {
        cryptosuite: suite,
        verification_method: string_prop(proof, "verificationMethod")?.to_owned(),
        proof_purpose: string_prop(proof, "proofPurpose")?.to_owned(),
        created: proof
            .get("created")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Verifies the proof on `document` with `key` (found by the caller from the
/// proof's `verificationMethod`, see [`read_proof`]).
pub fn verify(document: &Value, key: &PublicKey) -> Result<VerifiedProof, DiError> {
    verify_with(document, key, None)
}

/// [`verify`], reusing the RDFC-1.0 canonical N-Quads of the document without
/// its proof when the caller already has them (the verifier computes them for
/// its contexts check). Ignored by the JCS suite.
pub fn verify_with(
    document: &Value,
    key: &PublicKey,
    canonical_document: Option<&str>,
) -> Result<VerifiedProof, DiError> {
    let doc = document.as_object().ok_or(DiError::NotAnObject)?;
    let proof = single_proof(doc)?;
    let (suite, _) = proof_suite(proof)?;
    let purpose = string_prop(proof, "proofPurpose")?;
    if purpose != "assertionMethod" {
        return Err(DiError::WrongPurpose(purpose.to_owned()));
    }
    check_key(suite, key.algorithm())?;
    let verification_method = string_prop(proof, "verificationMethod")?.to_owned();
    let proof_value = string_prop(proof, "proofValue")?;
    let signature = proof_value
        .strip_prefix('z')
        .and_then(decode_base58)
        .ok_or(DiError::BadProofValue)?;

    let mut config = proof.clone();
    config.remove("proofValue");
    let hash = if suite.uses_rdfc() {
        // The unsecured document is canonicalized in place, leaving out
        // `proof`, rather than copied without it.
        let owned;
        let canonical = match canonical_document {
            Some(nquads) => nquads,
            None => {
                owned = rdfc_without(document, Some("proof"), false)?;
                &owned
            }
        };
        hash_data(suite, document, &config, false, Some(canonical))?
    } else {
        let mut unsecured = doc.clone();
        unsecured.remove("proof");
        hash_data(suite, &Value::Object(unsecured), &config, false, None)?
    };
    key.verify(&hash, &signature)
        .map_err(|_| DiError::BadSignature)?;
    Ok(VerifiedProof {
        cryptosuite: suite,
        verification_method,
        created: proof
            .get("created")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn check_key(suite: Cryptosuite, got: Algorithm) -> Result<(), DiError> {
    let needed = suite.key_algorithm();
    if got == needed {
        Ok(())
    } else {
        Err(DiError::WrongKeyType {
            suite: suite.name(),
            needed,
            got,
        })
    }
}

fn single_proof(doc: &Map<String, Value>) -> Result<&Map<String, Value>, DiError> {
    match doc.get("proof") {
        None => Err(DiError::NoProof),
        Some(Value::Object(p)) => Ok(p),
        // A proof set with one member is the same proof.
        Some(Value::Array(items)) if items.len() == 1 => {
            items[0].as_object().ok_or(DiError::ProofNotAnObject)
        }
        Some(Value::Array(_)) => Err(DiError::Unsignable(
            "the document carries several proofs (a proof set); Insignia checks credentials with exactly one proof".into(),
        )),
        Some(_) => Err(DiError::ProofNotAnObject),
    }
}

fn proof_suite(proof: &Map<String, Value>) -> Result<(Cryptosuite, &str), DiError> {
    let proof_type = string_prop(proof, "type")?;
    let suite = match proof_type {
        "DataIntegrityProof" => {
            let name = string_prop(proof, "cryptosuite")?;
            match Cryptosuite::from_name(name) {
                Some(s) if s != Cryptosuite::Ed25519Signature2020 => s,
                _ => {
                    return Err(DiError::UnknownProofType(format!(
                        "DataIntegrityProof/{name}"
                    )));
                }
            }
        }
        "Ed25519Signature2020" => Cryptosuite::Ed25519Signature2020,
        other => return Err(DiError::UnknownProofType(other.to_owned())),
    };
    Ok((suite, proof_type))
}

fn string_prop<'a>(map: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, DiError> {
    map.get(name)
        .and_then(Value::as_str)
        .ok_or(DiError::MissingProperty(name))
}

/// `H(canonical proof config) ‖ H(canonical document)`.
///
/// `strict` (signing) refuses documents with undefined terms or relative ids;
/// verification canonicalizes what a standard processor would and leaves
/// judging those problems to the verification report.
fn hash_data(
    suite: Cryptosuite,
    document: &Value,
    proof_config: &Map<String, Value>,
    strict: bool,
    canonical_document: Option<&str>,
) -> Result<Vec<u8>, DiError> {
    let mut config = proof_config.clone();
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    let config = Value::Object(config);
    let mut hash = Vec::with_capacity(64);
    if suite.uses_rdfc() {
        let proof_canon = match proof_config_fast(&config) {
            Some(nquads) => nquads,
            None => rdfc(&config, strict)?,
        };
        hash.extend_from_slice(&Sha256::digest(proof_canon.as_bytes()));
        // The document's canonical form is hashed where it lies (it is the
        // largest string of a signature, tens of kilobytes with long IRIs).
        match canonical_document {
            Some(nquads) => hash.extend_from_slice(&Sha256::digest(nquads.as_bytes())),
            None => hash.extend_from_slice(&Sha256::digest(rdfc(document, strict)?.as_bytes())),
        }
    } else {
        hash.extend_from_slice(&Sha256::digest(jcs(&config)?));
        hash.extend_from_slice(&Sha256::digest(jcs(document)?));
    }
    Ok(hash)
}

/// The canonical form of a standard Data Integrity proof configuration, without
/// running JSON-LD: half of every sign and verify is this small document, and
/// JSON-LD expansion dominates the cost.
///
/// Only taken when the result is certain to equal the general path: every
/// `@context` entry is a URL and the first is VC 2.0, whose `DataIntegrityProof`
/// terms are `@protected` (a later context that tried to redefine them makes the
/// document's own canonicalization fail); the configuration has exactly the usual
/// properties with plain string values and an absolute verification method IRI.
/// Anything else returns `None` and goes through JSON-LD.
fn proof_config_fast(config: &Value) -> Option<String> {
    use oxrdf::vocab::{rdf, xsd};

    const SEC: &str = "https://w3id.org/security#";
    let map = config.as_object()?;
    let contexts = map.get("@context")?.as_array()?;
    if contexts.first()?.as_str()? != "https://www.w3.org/ns/credentials/v2"
        || !contexts.iter().all(Value::is_string)
    {
        return None;
    }
    let allowed = [
        "@context",
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
    ];
    if !map.keys().all(|k| allowed.contains(&k.as_str())) {
        return None;
    }
    if map.get("type")?.as_str()? != "DataIntegrityProof"
        || map.get("proofPurpose")?.as_str()? != "assertionMethod"
    {
        return None;
    }
    let cryptosuite = map.get("cryptosuite")?.as_str()?;
    let method = map.get("verificationMethod")?.as_str()?;
    if !insignia_ld::expand::is_absolute_iri(method) || method.starts_with("_:") {
        return None;
    }
    // Checked as an IRI here so that anything unusual takes the general path.
    oxrdf::NamedNode::new(method).ok()?;
    let created = match map.get("created") {
        None => None,
        Some(Value::String(created)) => Some(created.as_str()),
        Some(_) => return None,
    };
    // One blank node, the subject of every quad: RDFC-1.0 labels it `c14n0`
    // and the canonical form is the quads' lines in code point order.
    let line = |predicate: &str, object: &dyn Fn(&mut String)| {
        let mut out = String::with_capacity(160);
        out.push_str("_:c14n0 ");
        insignia_ld::nquads::push_iri(&mut out, predicate);
        out.push(' ');
        object(&mut out);
        out.push_str(" .\n");
        out
    };
    let sec = |name: &str| format!("{SEC}{name}");
    let mut lines = vec![
        line(rdf::TYPE.as_str(), &|o| {
            insignia_ld::nquads::push_iri(o, &sec("DataIntegrityProof"));
        }),
        line(&sec("cryptosuite"), &|o| {
            insignia_ld::nquads::push_literal_parts(
                o,
                cryptosuite,
                &sec("cryptosuiteString"),
                None,
            );
        }),
        line(&sec("verificationMethod"), &|o| {
            insignia_ld::nquads::push_iri(o, method);
        }),
        line(&sec("proofPurpose"), &|o| {
            insignia_ld::nquads::push_iri(o, &sec("assertionMethod"));
        }),
    ];
    if let Some(created) = created {
        lines.push(line("http://purl.org/dc/terms/created", &|o| {
            insignia_ld::nquads::push_literal_parts(o, created, xsd::DATE_TIME.as_str(), None);
        }));
    }
    lines.sort_unstable();
    Some(lines.concat())
}

/// Multibase base58-btc (`z…`). Ed25519 and P-256 signatures are 64 bytes,
/// for which `five8` is an order of magnitude faster than the general `bs58`.
fn multibase_58(bytes: &[u8]) -> String {
    if let Ok(array) = <&[u8; 64]>::try_from(bytes) {
        let mut buf = [0u8; 88];
        let len = usize::from(five8::encode_64(array, &mut buf));
        if let Some(Ok(text)) = buf.get(..len).map(std::str::from_utf8) {
            return format!("z{text}");
        }
    }
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Base58-btc; see [`multibase_58`].
fn decode_base58(text: &str) -> Option<Vec<u8>> {
    let mut out = [0u8; 64];
    if five8::decode_64(text.as_bytes(), &mut out).is_ok() {
        return Some(out.to_vec());
    }
    bs58::decode(text).into_vec().ok()
}

/// RDFC-1.0 canonical N-Quads of a JSON-LD document.
pub fn rdfc(document: &Value, strict: bool) -> Result<String, DiError> {
    rdfc_without(document, None, strict)
}

/// [`rdfc`] of `document` without its top-level entry `skip_root_key`.
fn rdfc_without(
    document: &Value,
    skip_root_key: Option<&str>,
    strict: bool,
) -> Result<String, DiError> {
    let canonical = insignia_ld::canonical_nquads_without(document, skip_root_key)?;
    if strict {
        if let Some(problem) = canonical.problems.first() {
            return Err(DiError::Unsignable(problem.to_string()));
        }
    }
    Ok(canonical.nquads)
}

/// JSON Canonicalization Scheme (RFC 8785).
pub fn jcs(document: &Value) -> Result<Vec<u8>, DiError> {
    serde_json_canonicalizer::to_vec(document).map_err(|e| DiError::Jcs(e.to_string()))
}

/// What a verifier expects of a proof beyond its signature: the purpose it
/// was made for (`assertionMethod` for credentials, `authentication` for a
/// presentation) and, for a presentation, the `challenge` and `domain` the
/// verifier gave the holder.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub purpose: &'a str,
    pub challenge: Option<&'a str>,
    pub domain: Option<&'a str>,
}

impl Expected<'_> {
    /// A credential's proof: `assertionMethod`, no challenge or domain.
    pub const ASSERTION: Expected<'static> = Expected {
        purpose: "assertionMethod",
        challenge: None,
        domain: None,
    };
}

/// A new proof, possibly one of several (a proof set) or chained after
/// earlier ones (`previous_proofs`: their `id`s, vc-data-integrity §2.1.2).
#[derive(Debug, Clone)]
pub struct ProofSpec {
    pub cryptosuite: Cryptosuite,
    pub verification_method: String,
    pub created: Option<String>,
    pub purpose: String,
    /// The proof's own `id` (needed for a later proof to chain after it).
    pub id: Option<String>,
    pub previous_proofs: Vec<String>,
    pub challenge: Option<String>,
    pub domain: Option<String>,
}

impl ProofSpec {
    pub fn new(cryptosuite: Cryptosuite, verification_method: impl Into<String>) -> Self {
        ProofSpec {
            cryptosuite,
            verification_method: verification_method.into(),
            created: None,
            purpose: "assertionMethod".into(),
            id: None,
            previous_proofs: Vec::new(),
            challenge: None,
            domain: None,
        }
    }
}

/// The proofs of a document, as a list (one object or an array).
fn proof_list(doc: &Map<String, Value>) -> Result<Vec<&Map<String, Value>>, DiError> {
    match doc.get("proof") {
        None => Err(DiError::NoProof),
        Some(Value::Object(p)) => Ok(vec![p]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|p| p.as_object().ok_or(DiError::ProofNotAnObject))
            .collect(),
        Some(_) => Err(DiError::ProofNotAnObject),
    }
}

/// The ids a proof's `previousProof` names (a string or a list of strings).
fn previous_ids(proof: &Map<String, Value>) -> Result<Vec<&str>, DiError> {
    match proof.get("previousProof") {
        None => Ok(Vec::new()),
        Some(Value::String(id)) => Ok(vec![id.as_str()]),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| id.as_str().ok_or(DiError::MissingProperty("previousProof")))
            .collect(),
        Some(_) => Err(DiError::MissingProperty("previousProof")),
    }
}

/// The document a chained proof signs: the unsecured document with, as its
/// `proof`, the previous proof(s) it names (each found by `id` in `proofs`).
fn chained_document(
    doc: &Map<String, Value>,
    proofs: &[&Map<String, Value>],
    previous: &[&str],
) -> Result<Value, DiError> {
    let mut found = Vec::with_capacity(previous.len());
    for id in previous {
        let matching = proofs
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| {
                DiError::Unsignable(format!(
                    "the proof's previousProof {id} is not the id of a proof of the set"
                ))
            })?;
        found.push(Value::Object((*matching).clone()));
    }
    let mut copy = doc.clone();
    let value = if found.len() == 1 {
        found.remove(0)
    } else {
        Value::Array(found)
    };
    copy.insert("proof".into(), value);
    Ok(Value::Object(copy))
}

/// Adds a proof described by `spec` to `document`: the first proof, a further
/// member of a proof set, or a proof chained after earlier ones.
pub fn add_proof(document: &Value, key: &KeyPair, spec: &ProofSpec) -> Result<Value, DiError> {
    let suite = spec.cryptosuite;
    if matches!(
        suite,
        Cryptosuite::EddsaJcs2022 | Cryptosuite::Ed25519Signature2020
    ) {
        return Err(DiError::Unsignable(format!(
            "Insignia verifies {} proofs but signs with eddsa-rdfc-2022 or ecdsa-rdfc-2019",
            suite.name()
        )));
    }
    check_key(suite, key.algorithm())?;
    let mut document = with_data_integrity_context(document).into_owned();
    let doc = document.as_object().ok_or(DiError::NotAnObject)?;
    let existing: Vec<Map<String, Value>> = match doc.get("proof") {
        None => Vec::new(),
        Some(_) => proof_list(doc)?.into_iter().cloned().collect(),
    };
    let mut unsecured = doc.clone();
    unsecured.remove("proof");
    let mut proof = Map::new();
    if let Some(id) = &spec.id {
        proof.insert("id".into(), Value::from(id.as_str()));
    }
    proof.insert("type".into(), Value::from("DataIntegrityProof"));
    proof.insert("cryptosuite".into(), Value::from(suite.name()));
    if let Some(created) = &spec.created {
        proof.insert("created".into(), Value::from(created.as_str()));
    }
    proof.insert(
        "verificationMethod".into(),
        Value::from(spec.verification_method.as_str()),
    );
    proof.insert("proofPurpose".into(), Value::from(spec.purpose.as_str()));
    if let Some(challenge) = &spec.challenge {
        proof.insert("challenge".into(), Value::from(challenge.as_str()));
    }
    if let Some(domain) = &spec.domain {
        proof.insert("domain".into(), Value::from(domain.as_str()));
    }
    let signed_document = match spec.previous_proofs.as_slice() {
        [] => Value::Object(unsecured.clone()),
        [one] => {
            proof.insert("previousProof".into(), Value::from(one.as_str()));
            let refs: Vec<&Map<String, Value>> = existing.iter().collect();
            chained_document(&unsecured, &refs, &[one.as_str()])?
        }
        many => {
            proof.insert(
                "previousProof".into(),
                Value::Array(many.iter().map(|id| Value::from(id.as_str())).collect()),
            );
            let refs: Vec<&Map<String, Value>> = existing.iter().collect();
            let ids: Vec<&str> = many.iter().map(String::as_str).collect();
            chained_document(&unsecured, &refs, &ids)?
        }
    };
    let hash = hash_data(suite, &signed_document, &proof, true, None)?;
    let signature = key.sign(&hash)?;
    proof.insert("proofValue".into(), Value::from(multibase_58(&signature)));
    let mut all: Vec<Value> = existing.into_iter().map(Value::Object).collect();
    all.push(Value::Object(proof));
    let value = if all.len() == 1 {
        all.remove(0)
    } else {
        Value::Array(all)
    };
    let map = document.as_object_mut().ok_or(DiError::NotAnObject)?;
    map.insert("proof".into(), value);
    Ok(document)
}

/// The number of proofs on a document (0 when it has none).
pub fn proof_count(document: &Value) -> usize {
    document
        .as_object()
        .and_then(|doc| proof_list(doc).ok())
        .map_or(0, |list| list.len())
}

/// Reads proof `index` of the document's proof set without checking it.
pub fn read_proof_at(document: &Value, index: usize) -> Result<ProofInfo, DiError> {
    let doc = document.as_object().ok_or(DiError::NotAnObject)?;
    let proofs = proof_list(doc)?;
    let proof = proofs.get(index).ok_or(DiError::NoProof)?;
    let (suite, _) = proof_suite(proof)?;
    Ok(ProofInfo {
        cryptosuite: suite,
        verification_method: string_prop(proof, "verificationMethod")?.to_owned(),
        proof_purpose: string_prop(proof, "proofPurpose")?.to_owned(),
        created: proof
            .get("created")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Verifies proof `index` of the document's proof set with `key`, as
/// vc-data-integrity §4.2 has it: a proof naming a `previousProof` signs
/// the document together with the proof(s) it names (found by `id` in the
/// same set), any other proof the document alone. The proof's purpose,
/// `challenge` and `domain` must be the expected ones.
pub fn verify_proof_at(
    document: &Value,
    index: usize,
    key: &PublicKey,
    expected: &Expected<'_>,
) -> Result<VerifiedProof, DiError> {
    let doc = document.as_object().ok_or(DiError::NotAnObject)?;
    let proofs = proof_list(doc)?;
    let proof = *proofs.get(index).ok_or(DiError::NoProof)?;
    let (suite, _) = proof_suite(proof)?;
    let purpose = string_prop(proof, "proofPurpose")?;
    if purpose != expected.purpose {
        return Err(DiError::Unsignable(format!(
            "the proof's purpose is '{purpose}', but '{}' was expected",
            expected.purpose
        )));
    }
    if let Some(challenge) = expected.challenge {
        if proof.get("challenge").and_then(Value::as_str) != Some(challenge) {
            return Err(DiError::Unsignable(
                "the proof's challenge is not the one the verifier gave".into(),
            ));
        }
    }
    if let Some(domain) = expected.domain {
        let matches = match proof.get("domain") {
            Some(Value::String(d)) => d == domain,
            Some(Value::Array(list)) => list.iter().any(|d| d.as_str() == Some(domain)),
            _ => false,
        };
        if !matches {
            return Err(DiError::Unsignable(
                "the proof's domain is not the one the verifier gave".into(),
            ));
        }
    }
    check_key(suite, key.algorithm())?;
    let verification_method = string_prop(proof, "verificationMethod")?.to_owned();
    let signature = string_prop(proof, "proofValue")?
        .strip_prefix('z')
        .and_then(decode_base58)
        .ok_or(DiError::BadProofValue)?;
    let mut config = proof.clone();
    config.remove("proofValue");
    let mut unsecured = doc.clone();
    unsecured.remove("proof");
    let previous = previous_ids(proof)?;
    let signed_document = if previous.is_empty() {
        Value::Object(unsecured)
    } else {
        chained_document(&unsecured, &proofs, &previous)?
    };
    let hash = hash_data(suite, &signed_document, &config, false, None)?;
    key.verify(&hash, &signature)
        .map_err(|_| DiError::BadSignature)?;
    Ok(VerifiedProof {
        cryptosuite: suite,
        verification_method,
        created: proof
            .get("created")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The fast path must agree with JSON-LD on every configuration it accepts,
    /// and decline the ones it cannot be sure of.
    #[test]
    fn proof_config_fast_path_matches_json_ld() {
        let contexts = json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
        ]);
        let method = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        for (suite, created) in [
            ("eddsa-rdfc-2022", Some("2023-02-24T23:36:38Z")),
            ("ecdsa-rdfc-2019", None),
            ("eddsa-rdfc-2022", Some("not a date \"quoted\"")),
        ] {
            let mut config = json!({
                "@context": contexts,
                "type": "DataIntegrityProof",
                "cryptosuite": suite,
                "verificationMethod": method,
                "proofPurpose": "assertionMethod"
            });
            if let Some(created) = created {
                config["created"] = Value::from(created);
            }
            let fast = proof_config_fast(&config).expect("fast path applies");
            assert_eq!(
                fast,
                rdfc(&config, false).expect("json-ld"),
                "{suite} {created:?}"
            );
        }
        for declined in [
            json!({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": method, "proofPurpose": "assertionMethod"}),
            json!({"@context": contexts, "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": method, "proofPurpose": "authentication"}),
            json!({"@context": contexts, "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": "key-1", "proofPurpose": "assertionMethod"}),
            json!({"@context": contexts, "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": method, "proofPurpose": "assertionMethod", "domain": "example.org"}),
            json!({"@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "urn:x:"}], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": method, "proofPurpose": "assertionMethod"}),
        ] {
            assert!(proof_config_fast(&declined).is_none(), "{declined}");
        }
    }

    #[test]
    fn base58_fast_path_agrees_with_bs58() {
        for seed in 0u8..=255 {
            let bytes: Vec<u8> = (0..64u8)
                .map(|i| i.wrapping_mul(seed).wrapping_add(seed))
                .collect();
            let mut leading_zeros = bytes.clone();
            leading_zeros[..usize::from(seed % 5)].fill(0);
            for b in [bytes, leading_zeros] {
                let expected = format!("z{}", bs58::encode(&b).into_string());
                assert_eq!(multibase_58(&b), expected);
                assert_eq!(decode_base58(&expected[1..]), Some(b));
            }
        }
        assert_eq!(multibase_58(&[0, 1, 2]), "z15T");
        assert_eq!(decode_base58("15T"), Some(vec![0, 1, 2]));
        assert_eq!(decode_base58("0OIl"), None);
    }
}
