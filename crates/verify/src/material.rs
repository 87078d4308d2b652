//! What the network gave: documents fetched by URL before the checks run.
//!
//! The checks in this crate are synchronous. Online verification first
//! gathers everything they will need ([`crate::online`]) into a [`Material`],
//! then runs the same checks as offline verification, reading DID documents,
//! keys, status lists and Open Badges 2.0 documents from it. Offline
//! verification is simply verification without material: whatever would need
//! the network is reported as "could not check".

use std::collections::HashMap;
use std::sync::OnceLock;

use insignia_fetch::Fetched;
use insignia_proofs::did::{self, DidDocument};
use serde_json::Value;

use crate::resolve::{KeyResolver, OfflineResolver, Resolution};

/// How one URL turned out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retrieved {
    /// An HTTP answer (any status).
    Fetched(Fetched),
    /// No answer: refused by the fetch policy, timeout, network error.
    Failed(String),
}

/// Documents fetched for one verification, keyed by URL (without fragment).
#[derive(Debug, Clone, Default)]
pub struct Material {
    entries: HashMap<String, Entry>,
    /// Map `did:web` to `http://` URLs (local testing only, follows
    /// [`insignia_fetch::FetchPolicy::allow_http`]).
    did_web_over_http: bool,
}

/// One fetched URL, with its body parsed as JSON the first time a check
/// reads it (gathering rounds and checks read the same documents repeatedly).
#[derive(Debug, Clone)]
struct Entry {
    retrieved: Retrieved,
    /// The body as JSON (`None`: not JSON), once parsed.
    json: OnceLock<Option<Value>>,
}

/// A document looked up in the material, as the checks see it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Doc<'a> {
    /// Never fetched (offline, or beyond the fetch budget).
    Missing,
    /// The fetch failed: a network problem, not the issuer's answer.
    Unreachable(&'a str),
    /// The server answered with a non-2xx status.
    Status(u16),
    /// A 2xx answer that is a JSON value.
    Json(&'a Value),
    /// A 2xx answer that is not JSON.
    Text,
}

impl Material {
    /// Empty material; `did_web_over_http` maps did:web to `http://` (tests only).
    pub fn new(did_web_over_http: bool) -> Self {
        Material {
            entries: HashMap::new(),
            did_web_over_http,
        }
    }

    /// Records what fetching `url` gave.
    pub fn insert(&mut self, url: &str, retrieved: Retrieved) {
        let entry = Entry {
            retrieved,
            json: OnceLock::new(),
        };
        self.entries.insert(document_url(url).to_owned(), entry);
    }

    /// Records a successful `200 OK` JSON answer (for callers that already
    /// hold documents, e.g. a cache or a benchmark).
    pub fn insert_json(&mut self, url: &str, value: &Value) {
        self.insert(
            url,
            Retrieved::Fetched(Fetched {
                final_url: document_url(url).to_owned(),
                status: 200,
                content_type: Some("application/json".into()),
                body: value.to_string().into_bytes().into(),
            }),
        );
    }

    /// What fetching `url` gave, if it was fetched.
    pub fn get(&self, url: &str) -> Option<&Retrieved> {
        self.entries.get(document_url(url)).map(|e| &e.retrieved)
    }

    /// Whether `url` was fetched (successfully or not).
    pub fn contains(&self, url: &str) -> bool {
        self.entries.contains_key(document_url(url))
    }

    /// How many URLs were fetched.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was fetched.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The URL a `did:web` DID (or DID URL) is fetched from.
    pub fn did_web_url(&self, did: &str) -> Option<String> {
        let url = did::did_web_document_url(did).ok()?;
        if self.did_web_over_http {
            return Some(url.replacen("https://", "http://", 1));
        }
        Some(url)
    }

    /// The document at `url`; a body is parsed as JSON once, on first read.
    pub(crate) fn doc(&self, url: &str) -> Doc<'_> {
        let Some(entry) = self.entries.get(document_url(url)) else {
            return Doc::Missing;
        };
        match &entry.retrieved {
            Retrieved::Failed(why) => Doc::Unreachable(why),
            Retrieved::Fetched(f) if !(200..300).contains(&f.status) => Doc::Status(f.status),
            Retrieved::Fetched(f) => {
                let json = entry
                    .json
                    .get_or_init(|| serde_json::from_slice::<Value>(&f.body).ok());
                match json {
                    Some(v) => Doc::Json(v),
                    None => Doc::Text,
                }
            }
        }
    }
}

/// `https://x.org/a#k` → `https://x.org/a`.
pub(crate) fn document_url(url: &str) -> &str {
    url.split_once('#').map_or(url, |(before, _)| before)
}

/// Resolves verification methods from fetched material: `did:key` offline,
/// `did:web` from its DID document, `https:` key URLs from the document at
/// that URL (a bare JWK, a verification method, or a document listing it).
#[derive(Debug, Clone, Copy)]
pub struct MaterialResolver<'a> {
    pub material: &'a Material,
}

impl KeyResolver for MaterialResolver<'_> {
    fn resolve(&self, vm: &str) -> Resolution {
        if vm.starts_with("did:key:") {
            return OfflineResolver.resolve(vm);
        }
        if vm.starts_with("did:web:") {
            return self.resolve_did_web(vm);
        }
        if vm.starts_with("https://") || vm.starts_with("http://") {
            return self.resolve_url(vm);
        }
        Resolution::Unavailable(format!(
            "the key {vm} uses a method Insignia cannot resolve (did:key, did:web and https URLs are supported)"
        ))
    }
}

impl<'a> MaterialResolver<'a> {
    fn fetched_json(&self, what: &str, url: &str) -> Result<&'a Value, Box<Resolution>> {
        let problem = match self.material.doc(url) {
            Doc::Json(v) => return Ok(v),
            Doc::Missing => Resolution::Unavailable(format!("the {what} at {url} was not fetched")),
            Doc::Unreachable(why) => {
                Resolution::Unavailable(format!("the {what} at {url} could not be fetched: {why}"))
            }
            Doc::Status(code) if code >= 500 || code == 429 => {
                Resolution::Unavailable(format!("the {what} at {url} is unavailable (HTTP {code})"))
            }
            Doc::Status(code) => Resolution::Invalid(format!(
                "the issuer's site has no {what} at {url} (HTTP {code})"
            )),
            Doc::Text => Resolution::Invalid(format!("the {what} at {url} is not JSON")),
        };
        Err(Box::new(problem))
    }

    fn resolve_did_web(&self, vm: &str) -> Resolution {
        let did = document_url(vm);
        let Some(url) = self.material.did_web_url(did) else {
            return Resolution::Invalid(format!("{did} is not a valid did:web"));
        };
        let json = match self.fetched_json("DID document", &url) {
            Ok(v) => v,
            Err(r) => return *r,
        };
        let doc = DidDocument(json.clone());
        if doc.id() != Some(did) {
            return Resolution::Invalid(format!(
                "the DID document at {url} is for {}, not {did}",
                doc.id().unwrap_or("no DID")
            ));
        }
        let Some(method) = doc.verification_method(vm) else {
            return Resolution::Invalid(format!(
                "the DID document of {did} does not list the key {vm}"
            ));
        };
        if !doc.is_assertion_method(vm) {
            return Resolution::Invalid(format!(
                "the DID document of {did} does not authorize the key {vm} to issue credentials (assertionMethod)"
            ));
        }
        match did::public_key_of_verification_method(method) {
            Ok(key) => Resolution::Found {
                key,
                controller: method
                    .get("controller")
                    .and_then(Value::as_str)
                    .unwrap_or(did)
                    .to_owned(),
            },
            Err(e) => Resolution::Invalid(format!("the key {vm}: {e}")),
        }
    }

    fn resolve_url(&self, vm: &str) -> Resolution {
        let url = document_url(vm);
        let json = match self.fetched_json("key", url) {
            Ok(v) => v,
            Err(r) => return *r,
        };
        // A bare JWK: controlled by whoever controls the URL.
        if json.get("kty").is_some() {
            return match insignia_proofs::jwk::Jwk::from_value(json)
                .and_then(|jwk| insignia_proofs::keys::PublicKey::from_jwk(&jwk))
            {
                Ok(key) => Resolution::Found {
                    key,
                    controller: url.to_owned(),
                },
                Err(e) => Resolution::Invalid(format!("the JWK at {url} is not usable: {e}")),
            };
        }
        // A verification method document, or a document (profile) listing it.
        let listed = DidDocument(json.clone());
        let method = if json.get("id").and_then(Value::as_str) == Some(vm) {
            Some(json)
        } else {
            listed.verification_method(vm)
        };
        let Some(method) = method else {
            return Resolution::Invalid(format!(
                "the document at {url} does not contain the key {vm}"
            ));
        };
        match did::public_key_of_verification_method(method) {
            Ok(key) => Resolution::Found {
                key,
                controller: method
                    .get("controller")
                    .and_then(Value::as_str)
                    .or_else(|| {
                        json.get("id")
                            .and_then(Value::as_str)
                            .filter(|id| *id != vm)
                    })
                    .unwrap_or(url)
                    .to_owned(),
            },
            Err(e) => Resolution::Invalid(format!("the key {vm}: {e}")),
        }
    }
}
