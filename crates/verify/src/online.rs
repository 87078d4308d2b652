//! Online verification: the same checks as offline, with the network's answers.
//!
//! # Design: gather, then check
//!
//! Verification runs in two phases.
//!
//! 1. **Gather** (async, [`Verifier::gather`]): a cheap walk over the input
//!    lists the URLs the checks will need (the DID document of a `did:web`
//!    key, a `kid` URL, each `statusListCredential` and its signer's DID
//!    document, 1EdTech revocation lists, the keys of embedded endorsements;
//!    for Open Badges 2.0 the assertion at its `id`, its BadgeClass, the
//!    issuer Profile, the issuer's `revocationList` and the signing key).
//!    They are fetched concurrently through the SSRF-safe
//!    [`insignia_fetch::Fetcher`]; the walk is repeated over what came back
//!    (a status list names its own signing key, an assertion its BadgeClass)
//!    until nothing new is needed, at most [`MAX_ROUNDS`] rounds and
//!    [`Verifier::max_fetches`] URLs. Every answer, failures included, goes
//!    into a [`Material`]. The input is read (image extracted, JSON or JWT
//!    decoded) once, before the first round; every fetched document is
//!    parsed once, when first read ([`Material`] keeps the parsed value).
//! 2. **Check** (sync, CPU-bound, [`Verifier::check`]): the offline checks
//!    (`crate::dispatch` and below) run unchanged, with a [`MaterialResolver`] as
//!    their key resolver and the material for status lists and Open Badges
//!    2.0 documents. There is one implementation of every check; offline
//!    verification is the same code with no material.
//!
//! Why not an async `KeyResolver`? Canonicalization and signature checks are
//! synchronous CPU work; threading `async` through them would make every
//! check async for the sake of a few lookups, and would interleave network
//! waits with CPU work. Gathering first keeps the checks pure (and
//! benchmarkable on pre-fetched material, see `benches/verify.rs`), lets the
//! fetches run concurrently, and lets a server cache a [`Material`]. The cost
//! is that the gathering walk must know which URLs the checks read; a URL it
//! misses shows up as "could not check", never as valid.
//!
//! The futures returned by [`Verifier`] are `Send`: a server runs them on
//! tokio directly (the check phase is a few milliseconds of CPU; a busy server
//! may prefer `spawn_blocking` around [`Verifier::check`]).

use std::sync::Arc;

use futures_util::future::join_all;
use insignia_fetch::Fetcher;
use insignia_proofs::keys::PublicKey;
use serde_json::Value;
use time::OffsetDateTime;

use crate::dispatch::{Baked, Input, verify_input};
use crate::fields::{
    endorsement_sources, is_ob2, is_ob2_payload, jose_credential, payload_creator,
};
use crate::material::{Doc, Material, MaterialResolver, Retrieved, document_url};
use crate::options::VerifyOptions;
use crate::report::{CheckKind, CredentialFormat, Report, Summary, could_not, failed};
use crate::resolve::{KeyResolver, SuppliedKey};

/// Most gathering rounds (each round fetches what the previous one revealed).
pub const MAX_ROUNDS: usize = 6;

const ACCEPT_DID: &str = "application/did+json, application/did+ld+json, application/json;q=0.9";
const ACCEPT_CREDENTIAL: &str =
    "application/vc+ld+json, application/vc, application/ld+json, application/json;q=0.9";
const ACCEPT_OB2: &str = "application/ld+json, application/json;q=0.9";
const ACCEPT_KEY: &str = "application/jwk+json, application/ld+json, application/json;q=0.9";
const ACCEPT_INPUT: &str = "application/vc+ld+json, application/ld+json, application/json;q=0.9, application/jwt;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8, */*;q=0.5";

/// Verifies credentials online. Cheap to clone (the fetcher is shared).
///
/// The [`Fetcher`]'s cache lives as long as the fetcher: a long-running
/// server should give each request (or each short period) a fresh one, so that
/// a revocation is seen promptly.
#[derive(Clone, Debug)]
pub struct Verifier {
    pub fetcher: Arc<Fetcher>,
    /// The moment validity windows are judged at; `None`: the time of the call.
    pub now: Option<OffsetDateTime>,
    /// Compare the credential's recipient with this identity (e.g. an e-mail address).
    pub recipient: Option<String>,
    /// A key the user vouches for, used when a verification method cannot be resolved.
    pub supplied_key: Option<PublicKey>,
    /// Most URLs fetched for one verification.
    pub max_fetches: usize,
    /// Largest input accepted, in bytes.
    pub max_bytes: usize,
}

/// One URL the checks will read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Want {
    url: String,
    accept: &'static str,
}

impl Verifier {
    pub fn new(fetcher: Arc<Fetcher>) -> Self {
        Verifier {
            fetcher,
            now: None,
            recipient: None,
            supplied_key: None,
            max_fetches: 32,
            max_bytes: 10 * 1024 * 1024,
        }
    }

    /// The same verifier, comparing the recipient with `recipient`.
    pub fn with_recipient(mut self, recipient: Option<String>) -> Self {
        self.recipient = recipient;
        self
    }

    /// Verifies a credential given as bytes (JSON, JWT, or a baked PNG/SVG).
    pub async fn verify_bytes(&self, input: &[u8]) -> Report {
        let input = Input::read(input, self.max_bytes);
        let mut material = self.empty_material();
        self.gather_input(&input, &mut material).await;
        self.check_input(&input, &material)
    }

    /// Fetches a credential, assertion or baked image from `url` and verifies it.
    /// For an Open Badges 2.0 assertion URL, HTTP 410 means revoked.
    pub async fn verify_url(&self, url: &str) -> Report {
        let summary = Summary {
            id: Some(url.to_owned()),
            ..Summary::default()
        };
        let fetched = match self.fetcher.get(url, ACCEPT_INPUT).await {
            Ok(f) => f,
            Err(e) => {
                let checks = vec![could_not(
                    CheckKind::Parse,
                    format!("{url} could not be fetched: {e}"),
                )];
                return Report::new(CredentialFormat::Unknown, summary, checks);
            }
        };
        if fetched.status == 410 {
            let checks = vec![failed(
                CheckKind::Status,
                format!("REVOKED: the issuer's site answers 410 Gone for {url}"),
            )];
            return Report::new(CredentialFormat::Ob2Hosted, summary, checks);
        }
        if !(200..300).contains(&fetched.status) {
            let checks = vec![could_not(
                CheckKind::Parse,
                format!("{url} answered HTTP {}", fetched.status),
            )];
            return Report::new(CredentialFormat::Unknown, summary, checks);
        }
        let input = Input::read(&fetched.body, self.max_bytes);
        let mut material = self.empty_material();
        material.insert(url, Retrieved::Fetched(fetched));
        self.gather_input(&input, &mut material).await;
        self.check_input(&input, &material)
    }

    fn empty_material(&self) -> Material {
        Material::new(self.fetcher.policy().allow_http)
    }

    /// Phase 1: fetches everything verifying `input` will need.
    pub async fn gather(&self, input: &[u8]) -> Material {
        let mut material = self.empty_material();
        self.gather_input(&Input::read(input, self.max_bytes), &mut material)
            .await;
        material
    }

    async fn gather_input(&self, input: &Input, material: &mut Material) {
        for _round in 0..MAX_ROUNDS {
            let mut wants = Vec::new();
            discover_input(input, material, &mut wants);
            let mut fresh: Vec<Want> = Vec::new();
            for want in wants {
                if !material.contains(&want.url) && !fresh.iter().any(|w| w.url == want.url) {
                    fresh.push(want);
                }
            }
            let budget = self.max_fetches.saturating_sub(material.len());
            fresh.truncate(budget);
            if fresh.is_empty() {
                return;
            }
            let answers = join_all(fresh.iter().map(|w| self.fetcher.get(&w.url, w.accept))).await;
            for (want, answer) in fresh.iter().zip(answers) {
                let retrieved = match answer {
                    Ok(f) => Retrieved::Fetched(f),
                    Err(e) => Retrieved::Failed(e.to_string()),
                };
                material.insert(&want.url, retrieved);
            }
        }
    }

    /// Verifies a presentation (gather, then check).
    pub async fn verify_presentation(
        &self,
        input: &[u8],
        expected: &crate::presentation::PresentationExpectations<'_>,
    ) -> crate::presentation::PresentationReport {
        let material = self.gather(input).await;
        let from_material = MaterialResolver {
            material: &material,
        };
        let supplied;
        let resolver: &dyn KeyResolver = match &self.supplied_key {
            Some(key) => {
                supplied = SuppliedKey {
                    key: key.clone(),
                    inner: from_material,
                };
                &supplied
            }
            None => &from_material,
        };
        let mut options = VerifyOptions::new(resolver);
        if let Some(now) = self.now {
            options.now = now;
        }
        options.max_bytes = self.max_bytes;
        options.material = Some(&material);
        crate::presentation::verify_presentation_bytes(input, &options, expected)
    }

    /// Phase 2: the checks, on `input` and what was gathered for it.
    pub fn check(&self, input: &[u8], material: &Material) -> Report {
        self.check_input(&Input::read(input, self.max_bytes), material)
    }

    fn check_input(&self, input: &Input, material: &Material) -> Report {
        let from_material = MaterialResolver { material };
        let supplied;
        let resolver: &dyn KeyResolver = match &self.supplied_key {
            Some(key) => {
                supplied = SuppliedKey {
                    key: key.clone(),
                    inner: from_material,
                };
                &supplied
            }
            None => &from_material,
        };
        let mut options = VerifyOptions::new(resolver);
        if let Some(now) = self.now {
            options.now = now;
        }
        options.max_bytes = self.max_bytes;
        options.material = Some(material);
        options.recipient = self.recipient.as_deref();
        verify_input(input, &options)
    }
}

/// The URLs verifying `input` needs, given what was fetched so far.
fn discover_input(input: &Input, material: &Material, out: &mut Vec<Want>) {
    match input {
        Input::Unreadable(_) => {}
        Input::Json(doc) => discover_json(doc, material, 0, out),
        Input::Jwt { decoded, .. } => {
            if let Ok((header, payload)) = decoded {
                discover_jwt_parts(header, payload, material, 0, out);
            }
        }
        Input::Image { baked, .. } => match baked {
            Baked::Hosted { url, .. } => {
                want(out, url, ACCEPT_OB2);
                if let Doc::Json(assertion) = material.doc(url) {
                    discover_json(assertion, material, 0, out);
                }
            }
            Baked::Embedded(inner) => discover_input(inner, material, out),
        },
    }
}

fn want(out: &mut Vec<Want>, url: &str, accept: &'static str) {
    if url.starts_with("https://") || url.starts_with("http://") {
        out.push(Want {
            url: document_url(url).to_owned(),
            accept,
        });
    }
}

fn want_key(out: &mut Vec<Want>, vm: &str, material: &Material) {
    if vm.starts_with("did:web:") {
        if let Some(url) = material.did_web_url(document_url(vm)) {
            want(out, &url, ACCEPT_DID);
        }
    } else {
        want(out, vm, ACCEPT_KEY);
    }
}

fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

fn discover_json(doc: &Value, material: &Material, depth: u8, out: &mut Vec<Want>) {
    if is_ob2(doc) {
        if let Some(id) = doc.get("id").and_then(Value::as_str) {
            want(out, id, ACCEPT_OB2);
            if let Doc::Json(fetched) = material.doc(id) {
                discover_ob2_chain(fetched, material, out);
            }
        }
        return;
    }
    for proof in one_or_many(doc.get("proof")) {
        if let Some(vm) = proof.get("verificationMethod").and_then(Value::as_str) {
            want_key(out, vm, material);
        }
    }
    // A presentation: what each of its credentials needs.
    if depth == 0 && crate::presentation::is_presentation(doc) {
        for vc in one_or_many(doc.get("verifiableCredential")) {
            match vc.get("id").and_then(Value::as_str).and_then(|id| {
                id.strip_prefix("data:")
                    .and_then(|rest| rest.split_once(','))
            }) {
                Some((_, payload)) => discover_jwt(payload.trim(), material, 0, out),
                None => discover_json(vc, material, 0, out),
            }
        }
        return;
    }
    discover_credential(doc, material, depth, out);
}

/// Status sources and endorsements (shared by JSON and JWT credentials).
fn discover_credential(doc: &Value, material: &Material, depth: u8, out: &mut Vec<Want>) {
    if depth < 2 {
        for entry in one_or_many(doc.get("credentialStatus")) {
            if let Some(url) = entry.get("statusListCredential").and_then(Value::as_str) {
                want(out, url, ACCEPT_CREDENTIAL);
                if let Doc::Json(list) = material.doc(url) {
                    discover_json(list, material, depth + 1, out);
                }
            } else if let Some(url) = entry.get("id").and_then(Value::as_str) {
                want(out, url, ACCEPT_CREDENTIAL);
            }
        }
    }
    if depth < 1 {
        for endorsement in endorsement_sources(doc) {
            match endorsement {
                Value::String(token) => discover_jwt(token, material, depth + 1, out),
                other => discover_json(other, material, depth + 1, out),
            }
        }
    }
}

fn discover_jwt(token: &str, material: &Material, depth: u8, out: &mut Vec<Want>) {
    if let Ok((header, payload)) = insignia_proofs::jose::decode_unverified(token) {
        discover_jwt_parts(&header, &payload, material, depth, out);
    }
}

fn discover_jwt_parts(
    header: &insignia_proofs::jose::Header,
    payload: &Value,
    material: &Material,
    depth: u8,
    out: &mut Vec<Want>,
) {
    if is_ob2_payload(payload) {
        if let Some(creator) = payload_creator(payload) {
            want(out, creator, ACCEPT_OB2);
        }
        discover_ob2_chain(payload, material, out);
        return;
    }
    if let Some(kid) = header.kid.as_deref() {
        want_key(out, kid, material);
    }
    discover_credential(&jose_credential(payload), material, depth, out);
}

/// An Open Badges 2.0 assertion's BadgeClass, issuer Profile and revocation list.
fn discover_ob2_chain(assertion: &Value, material: &Material, out: &mut Vec<Want>) {
    fn linked<'a>(
        v: Option<&'a Value>,
        material: &'a Material,
        out: &mut Vec<Want>,
    ) -> Option<&'a Value> {
        match v? {
            Value::String(url) => {
                want(out, url, ACCEPT_OB2);
                match material.doc(url) {
                    Doc::Json(j) => Some(j),
                    _ => None,
                }
            }
            obj @ Value::Object(_) => Some(obj),
            _ => None,
        }
    }
    let Some(badge) = linked(assertion.get("badge"), material, out) else {
        return;
    };
    let Some(profile) = linked(badge.get("issuer"), material, out) else {
        return;
    };
    if let Some(list) = profile.get("revocationList").and_then(Value::as_str) {
        want(out, list, ACCEPT_OB2);
    }
}
