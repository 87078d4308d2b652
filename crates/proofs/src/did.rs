//! DIDs: `did:key` (resolved offline) and `did:web` (URL mapping and
//! document building; fetching is the caller's business).
//!
//! - did:key: <https://w3c-ccg.github.io/did-key-spec/>, for Ed25519
//!   (`did:key:z6Mk…`) and P-256 (`did:key:zDn…`) keys.
//! - did:web: <https://w3c-ccg.github.io/did-method-web/>.

use serde_json::{Map, Value, json};

use crate::keys::{Algorithm, KeyError, PublicKey};

/// JSON-LD context of DID documents.
pub const DID_CONTEXT_V1: &str = "https://www.w3.org/ns/did/v1";
/// JSON-LD context defining `Multikey` and `publicKeyMultibase`.
pub const MULTIKEY_CONTEXT_V1: &str = "https://w3id.org/security/multikey/v1";
/// JSON-LD context defining `JsonWebKey` and `publicKeyJwk`.
pub const JWK_CONTEXT_V1: &str = "https://w3id.org/security/jwk/v1";

/// The verification relationships a did:key document lists its key under.
const DID_KEY_RELATIONSHIPS: [&str; 4] = [
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
];

/// All verification relationships that may embed verification methods.
const RELATIONSHIPS: [&str; 5] = [
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
];

/// Errors about DIDs and DID documents.
#[derive(Debug, thiserror::Error)]
pub enum DidError {
    #[error("\"{0}\" is not a did:key (expected \"did:key:z…\")")]
    NotDidKey(String),
    #[error("\"{did}\" is not a valid did:key: {reason}")]
    InvalidDidKey { did: String, reason: String },
    #[error("the fragment \"#{fragment}\" does not name the key of did:key:{key}")]
    FragmentMismatch { fragment: String, key: String },
    #[error("\"{0}\" is not a did:web (expected \"did:web:host…\")")]
    NotDidWeb(String),
    #[error("\"{did}\" is not a valid did:web: {reason}")]
    InvalidDidWeb { did: String, reason: String },
    #[error("\"{url}\" cannot be turned into a did:web: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("a DID document needs at least one key")]
    NoKeys,
    #[error("\"{0}\" is not a usable key id (use letters, digits, '-', '_', '.', '~')")]
    InvalidKeyId(String),
    #[error("the key id \"{0}\" is used twice")]
    DuplicateKeyId(String),
    #[error("the verification method cannot be used: {0}")]
    InvalidVerificationMethod(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

// ---------------------------------------------------------------------------
// did:key
// ---------------------------------------------------------------------------

/// The did:key of a public key: `did:key:` + its Multikey value.
/// Ed25519 and P-256 only.
pub fn did_key_for(public: &PublicKey) -> Result<String, KeyError> {
    if public.algorithm() == Algorithm::Rsa {
        return Err(KeyError::NoDidKey(Algorithm::Rsa));
    }
    Ok(format!("did:key:{}", public.to_multibase()?))
}

/// Resolves a did:key (or a did:key verification method id
/// `did:key:zX…#zX…`) offline into its DID document and public key.
///
/// The document has one `Multikey` verification method `did:key:zX…#zX…`,
/// listed under `authentication`, `assertionMethod`, `capabilityInvocation`
/// and `capabilityDelegation`.
pub fn resolve_did_key(did_or_vm: &str) -> Result<(DidDocument, PublicKey), DidError> {
    let rest = did_or_vm
        .strip_prefix("did:key:")
        .ok_or_else(|| DidError::NotDidKey(did_or_vm.to_string()))?;
    let invalid = |reason: &str| DidError::InvalidDidKey {
        did: did_or_vm.to_string(),
        reason: reason.to_string(),
    };
    let (key_part, fragment) = match rest.split_once('#') {
        Some((k, f)) => (k, Some(f)),
        None => (rest, None),
    };
    if key_part.is_empty() {
        return Err(invalid("the key part is empty"));
    }
    if key_part.contains(['/', '?', ':']) {
        return Err(invalid("paths, queries and versions are not supported"));
    }
    if !key_part.starts_with('z') {
        return Err(invalid(
            "the key must be base58btc multibase (start with \"z\")",
        ));
    }
    if let Some(fragment) = fragment {
        if fragment != key_part {
            return Err(DidError::FragmentMismatch {
                fragment: fragment.to_string(),
                key: key_part.to_string(),
            });
        }
    }
    let public = PublicKey::from_multibase(key_part).map_err(|e| invalid(&e.to_string()))?;
    // Only the canonical encoding names the key (no alternative spellings).
    if public.to_multibase()? != key_part {
        return Err(invalid(
            "the key is not in its canonical (compressed) encoding",
        ));
    }

    let did = format!("did:key:{key_part}");
    let vm_id = format!("{did}#{key_part}");
    let mut doc = Map::new();
    doc.insert(
        "@context".into(),
        json!([DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1]),
    );
    doc.insert("id".into(), Value::String(did.clone()));
    doc.insert(
        "verificationMethod".into(),
        json!([{
            "id": vm_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key_part,
        }]),
    );
    for rel in DID_KEY_RELATIONSHIPS {
        doc.insert(rel.into(), json!([vm_id]));
    }
    Ok((DidDocument(Value::Object(doc)), public))
}

// ---------------------------------------------------------------------------
// did:web
// ---------------------------------------------------------------------------

/// The did:web for an https URL:
/// `https://example.org:8443/issuers/abc` → `did:web:example.org%3A8443:issuers:abc`.
///
/// The host is lower-cased, a trailing `/` and an explicit `:443` are
/// dropped, and if the URL is already the DID document's own URL
/// (`…/.well-known/did.json` or `…/did.json`) that file name is dropped too.
/// Queries, fragments, user names, IP-v6 literals and non-ASCII hosts are refused.
pub fn did_web_from_url(base_url: &str) -> Result<String, DidError> {
    let url = base_url.trim();
    let bad = |reason: &str| DidError::InvalidUrl {
        url: base_url.to_string(),
        reason: reason.to_string(),
    };
    let rest = strip_prefix_ignore_case(url, "https://")
        .ok_or_else(|| bad("did:web needs an https:// URL"))?;
    if rest.contains(['?', '#']) {
        return Err(bad("queries and fragments are not allowed"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (host, port) = parse_authority(authority).map_err(|r| bad(&r))?;

    let mut segments: Vec<&str> = path.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop(); // trailing slash
    }
    if segments.last() == Some(&"did.json") {
        segments.pop();
        if segments.as_slice() == [".well-known"] {
            segments.pop();
        }
    }
    let mut did = format!("did:web:{}", host.to_ascii_lowercase());
    if let Some(port) = port.filter(|p| *p != 443) {
        did.push_str(&format!("%3A{port}"));
    }
    for segment in segments {
        if segment.is_empty() {
            return Err(bad("the path has an empty segment (\"//\")"));
        }
        if segment == "." || segment == ".." {
            return Err(bad("the path has a \".\" or \"..\" segment"));
        }
        did.push(':');
        did.push_str(&encode_path_segment(segment));
    }
    Ok(did)
}

/// The URL of a did:web's DID document:
/// `did:web:example.org` → `https://example.org/.well-known/did.json`,
/// `did:web:example.org%3A8443:issuers:abc` → `https://example.org:8443/issuers/abc/did.json`.
///
/// A fragment (`#key-1`) is ignored, so a verification method id may be
/// given; a query or a DID path is refused.
pub fn did_web_document_url(did: &str) -> Result<String, DidError> {
    let rest = did
        .strip_prefix("did:web:")
        .ok_or_else(|| DidError::NotDidWeb(did.to_string()))?;
    let bad = |reason: &str| DidError::InvalidDidWeb {
        did: did.to_string(),
        reason: reason.to_string(),
    };
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    if rest.contains(['?', '/']) {
        return Err(bad("DID paths and queries are not supported"));
    }
    let mut parts = rest.split(':');
    let domain = parts.next().unwrap_or_default();
    // Only an encoded colon (the port separator) is decoded in the domain.
    let domain = replace_ignore_case(domain, "%3a", ":");
    let (host, port) = parse_authority(&domain).map_err(|r| bad(&r))?;
    let mut url = format!("https://{host}");
    if let Some(port) = port.filter(|p| *p != 443) {
        url.push_str(&format!(":{port}"));
    }
    let segments: Vec<&str> = parts.collect();
    if segments.is_empty() {
        url.push_str("/.well-known/did.json");
        return Ok(url);
    }
    for segment in segments {
        if segment.is_empty() {
            return Err(bad("empty path segment (\"::\" or a trailing \":\")"));
        }
        if segment == "." || segment == ".." {
            return Err(bad("\".\" and \"..\" path segments are not allowed"));
        }
        if !is_valid_path_segment(segment) {
            return Err(bad(&format!(
                "the path segment \"{segment}\" has characters a URL path cannot hold"
            )));
        }
        url.push('/');
        url.push_str(segment);
    }
    url.push_str("/did.json");
    Ok(url)
}

/// Builds the DID document of a did:web from its keys, oldest first.
///
/// Each `(fragment, key)` becomes a verification method `did#fragment`
/// (Ed25519 and P-256 as `Multikey` with `publicKeyMultibase`; RSA as
/// `JsonWebKey` with `publicKeyJwk`), listed, in the given order, under
/// `assertionMethod` and `authentication`. To rotate, add the new key at the
/// end and keep the old ones so that what they signed still verifies.
pub fn build_did_web_document(
    did: &str,
    keys: &[(String, PublicKey)],
) -> Result<DidDocument, DidError> {
    if !did.starts_with("did:web:") {
        return Err(DidError::NotDidWeb(did.to_string()));
    }
    if did.contains('#') {
        return Err(DidError::InvalidDidWeb {
            did: did.to_string(),
            reason: "give the DID itself, without a fragment".into(),
        });
    }
    did_web_document_url(did)?; // validates the rest
    if keys.is_empty() {
        return Err(DidError::NoKeys);
    }

    let mut methods = Vec::with_capacity(keys.len());
    let mut ids: Vec<String> = Vec::with_capacity(keys.len());
    let mut has_jwk = false;
    for (fragment, key) in keys {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        if fragment.is_empty()
            || !fragment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        {
            return Err(DidError::InvalidKeyId(fragment.to_string()));
        }
        let id = format!("{did}#{fragment}");
        if ids.contains(&id) {
            return Err(DidError::DuplicateKeyId(fragment.to_string()));
        }
        let method = match key {
            PublicKey::Rsa(_) => {
                has_jwk = true;
                json!({
                    "id": id,
                    "type": "JsonWebKey",
                    "controller": did,
                    "publicKeyJwk": key.to_jwk().to_value(),
                })
            }
            _ => json!({
                "id": id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.to_multibase()?,
            }),
        };
        methods.push(method);
        ids.push(id);
    }
    let mut context = vec![json!(DID_CONTEXT_V1), json!(MULTIKEY_CONTEXT_V1)];
    if has_jwk {
        context.push(json!(JWK_CONTEXT_V1));
    }
    let mut doc = Map::new();
    doc.insert("@context".into(), Value::Array(context));
    doc.insert("id".into(), Value::String(did.to_string()));
    doc.insert("verificationMethod".into(), Value::Array(methods));
    doc.insert("assertionMethod".into(), json!(ids));
    doc.insert("authentication".into(), json!(ids));
    Ok(DidDocument(Value::Object(doc)))
}

// ---------------------------------------------------------------------------
// DID documents
// ---------------------------------------------------------------------------

/// A DID document, kept as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct DidDocument(pub Value);

impl DidDocument {
    /// The document's `id` (the DID).
    pub fn id(&self) -> Option<&str> {
        self.0.get("id").and_then(Value::as_str)
    }

    /// Makes a verification method id absolute: `#key-1` → `did:…#key-1`.
    fn absolute(&self, id: &str) -> String {
        match (id.starts_with('#'), self.id()) {
            (true, Some(did)) => format!("{did}{id}"),
            _ => id.to_string(),
        }
    }

    /// The verification method object with this id (absolute or `#fragment`),
    /// from `verificationMethod`, from a relationship that embeds it, or from
    /// the legacy `publicKey` list.
    pub fn verification_method(&self, vm_id: &str) -> Option<&Value> {
        let wanted = self.absolute(vm_id);
        let mut lists: Vec<&str> = vec!["verificationMethod", "publicKey"];
        lists.extend(RELATIONSHIPS);
        lists
            .into_iter()
            .filter_map(|name| self.0.get(name))
            .flat_map(one_or_many)
            .filter(|vm| vm.is_object())
            .find(|vm| {
                vm.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| self.absolute(id) == wanted)
            })
    }

    /// The public key of the verification method with this id, if the
    /// document has it in a form we read: `Multikey`,
    /// `Ed25519VerificationKey2020` or `EcdsaSecp256r1VerificationKey2019`
    /// (`publicKeyMultibase`), `Ed25519VerificationKey2018`
    /// (`publicKeyBase58`), `JsonWebKey` / `JsonWebKey2020` (`publicKeyJwk`).
    pub fn find_verification_method(&self, vm_id: &str) -> Option<PublicKey> {
        self.verification_method(vm_id)
            .and_then(|vm| public_key_of_verification_method(vm).ok())
    }

    /// True if `vm_id` (absolute or `#fragment`) is listed under `relationship`
    /// (e.g. `"assertionMethod"`), by reference or embedded.
    pub fn has_relationship(&self, relationship: &str, vm_id: &str) -> bool {
        let wanted = self.absolute(vm_id);
        self.0
            .get(relationship)
            .map(one_or_many)
            .unwrap_or_default()
            .into_iter()
            .any(|entry| {
                let id = match entry {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(o) => o.get("id").and_then(Value::as_str),
                    _ => None,
                };
                id.is_some_and(|id| self.absolute(id) == wanted)
            })
    }

    /// True if `vm_id` may be used to issue credentials (`assertionMethod`).
    pub fn is_assertion_method(&self, vm_id: &str) -> bool {
        self.has_relationship("assertionMethod", vm_id)
    }

    /// True if `vm_id` is listed under `authentication`.
    pub fn is_authentication(&self, vm_id: &str) -> bool {
        self.has_relationship("authentication", vm_id)
    }
}

/// Reads the public key of one verification method object, checking that
/// the key kind fits the method's `type`.
pub fn public_key_of_verification_method(vm: &Value) -> Result<PublicKey, DidError> {
    let bad = |reason: String| DidError::InvalidVerificationMethod(reason);
    let vm_type = vm
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("it has no \"type\"".into()))?;
    let field = |name: &str| {
        vm.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("a {vm_type} needs a string \"{name}\"")))
    };
    let (key, expected) = match vm_type {
        "Multikey" => (
            PublicKey::from_multibase(field("publicKeyMultibase")?)?,
            None,
        ),
        "Ed25519VerificationKey2020" => (
            PublicKey::from_multibase(field("publicKeyMultibase")?)?,
            Some(Algorithm::Ed25519),
        ),
        "EcdsaSecp256r1VerificationKey2019" => (
            PublicKey::from_multibase(field("publicKeyMultibase")?)?,
            Some(Algorithm::P256),
        ),
        "Ed25519VerificationKey2018" => {
            let raw = bs58::decode(field("publicKeyBase58")?)
                .into_vec()
                .map_err(|_| bad("publicKeyBase58 is not base58".into()))?;
            let raw: [u8; 32] = raw
                .try_into()
                .map_err(|_| bad("an Ed25519 key must be 32 bytes".into()))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&raw)
                .map_err(|_| bad("not a valid Ed25519 public key".into()))?;
            (PublicKey::Ed25519(key), Some(Algorithm::Ed25519))
        }
        "JsonWebKey" | "JsonWebKey2020" => {
            let jwk = vm
                .get("publicKeyJwk")
                .ok_or_else(|| bad(format!("a {vm_type} needs \"publicKeyJwk\"")))?;
            let jwk = crate::jwk::Jwk::from_value(jwk)?;
            (PublicKey::from_jwk(&jwk)?, None)
        }
        other => {
            return Err(bad(format!(
                "unsupported verification method type \"{other}\""
            )));
        }
    };
    if let Some(expected) = expected {
        if key.algorithm() != expected {
            return Err(bad(format!(
                "a {vm_type} must hold a {expected} key, not {}",
                key.algorithm()
            )));
        }
    }
    Ok(key)
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn replace_ignore_case(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(from) {
        out.push_str(&s[i..i + pos]);
        out.push_str(to);
        i += pos + from.len();
    }
    out.push_str(&s[i..]);
    out
}

/// Splits `host[:port]` and checks both. Hosts are ASCII DNS names
/// (letters, digits, `-`, `.`) or IPv4 addresses.
fn parse_authority(authority: &str) -> Result<(String, Option<u16>), String> {
    if authority.is_empty() {
        return Err("the host is missing".into());
    }
    if authority.contains('@') {
        return Err("user names are not allowed".into());
    }
    if authority.starts_with('[') {
        return Err("IPv6 addresses are not supported".into());
    }
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => {
            let port: u16 = Some(p)
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse().ok())
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("\"{p}\" is not a valid port"))?;
            (h, Some(port))
        }
        None => (authority, None),
    };
    if host.is_empty() || host.len() > 253 {
        return Err("the host is missing or too long".into());
    }
    let labels_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !labels_ok {
        return Err(format!(
            "\"{host}\" is not a valid host name (ASCII letters, digits, '-' and '.'; \
             use the punycode form of international names)"
        ));
    }
    Ok((host.to_string(), port))
}

/// Characters a did:web path segment may hold as they are (RFC 3986 pchar
/// without ':'), besides `%XX` escapes.
fn is_plain_segment_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b)
}

fn is_valid_path_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
        } else if is_plain_segment_byte(b) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Percent-encodes what a did:web segment cannot hold (`:` included);
/// existing `%XX` escapes are kept.
fn encode_path_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = String::with_capacity(segment.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escape = b == b'%'
            && bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
        if escape || is_plain_segment_byte(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        i += 1;
    }
    out
}
