//! The built-in JSON-LD contexts.
//!
//! Insignia never fetches a JSON-LD context from the network: every context a
//! credential may use is vendored in `crates/ld/contexts/` (sources and licences
//! in `contexts/README.md`) and served from here. An unknown context is an error.
//!
//! Open Badges 3.0 publishes several context versions that map some terms to
//! different IRIs, so each version is kept under its own URL: a signature is
//! always checked with the exact context it was made with.

/// A context URL and the vendored document served for it.
struct Entry {
    url: &'static str,
    document: &'static str,
}

macro_rules! entry {
    ($url:expr, $file:literal) => {
        Entry {
            url: $url,
            document: include_str!(concat!("../contexts/", $file)),
        }
    };
}

static CONTEXTS: &[Entry] = &[
    // W3C Verifiable Credentials
    entry!(
        "https://www.w3.org/ns/credentials/v2",
        "credentials-v2.jsonld"
    ),
    entry!(
        "https://www.w3.org/2018/credentials/v1",
        "credentials-v1.jsonld"
    ),
    entry!(
        "https://www.w3.org/ns/credentials/examples/v2",
        "credentials-examples-v2.jsonld"
    ),
    entry!(
        "https://www.w3.org/2018/credentials/examples/v1",
        "credentials-examples-v1.jsonld"
    ),
    entry!(
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
        "credentials-undefined-terms-v2.jsonld"
    ),
    // Data Integrity, Multikey, JWK, legacy security vocabularies
    entry!(
        "https://w3id.org/security/data-integrity/v1",
        "data-integrity-v1.jsonld"
    ),
    entry!(
        "https://w3id.org/security/data-integrity/v2",
        "data-integrity-v2.jsonld"
    ),
    entry!(
        "https://w3id.org/security/multikey/v1",
        "multikey-v1.jsonld"
    ),
    entry!("https://w3id.org/security/jwk/v1", "jwk-v1.jsonld"),
    entry!(
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-2020-v1.jsonld"
    ),
    entry!("https://w3id.org/security/v1", "security-v1.jsonld"),
    entry!("https://w3id.org/security/v2", "security-v2.jsonld"),
    // W3C CCG citizenship vocabulary (used by the W3C Data Integrity test vectors)
    entry!(
        "https://w3id.org/citizenship/v4rc1",
        "citizenship-v4rc1.jsonld"
    ),
    // DID core
    entry!("https://www.w3.org/ns/did/v1", "did-v1.jsonld"),
    // Status lists
    entry!(
        "https://www.w3.org/ns/credentials/status/v1",
        "status-v1.jsonld"
    ),
    entry!(
        "https://w3id.org/vc/status-list/2021/v1",
        "status-list-2021-v1.jsonld"
    ),
    // Open Badges 3.0, every published version, and the 1EdTech extensions
    entry!(
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "ob-v3p0.json"
    ),
    entry!(
        "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
        "ob-v3p0.json"
    ),
    entry!(
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "ob-v3p0-3.0.1.json"
    ),
    entry!(
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "ob-v3p0-3.0.2.json"
    ),
    entry!(
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "ob-v3p0-3.0.3.json"
    ),
    entry!(
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "ob-v3p0-extensions.json"
    ),
    // Comprehensive Learner Record 2.0
    entry!(
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "clr-v2p0.json"
    ),
    entry!(
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "clr-v2p0-2.0.1.json"
    ),
    // Open Badges 2.0 and 1.x
    entry!("https://w3id.org/openbadges/v2", "ob-v2.json"),
    entry!("https://openbadgespec.org/v2/context.json", "ob-v2.json"),
    entry!("https://w3id.org/openbadges/v1", "ob-v1.json"),
    entry!("https://openbadgespec.org/v1/context.json", "ob-v1.json"),
    entry!("https://w3id.org/openbadges/v0", "ob-v0.json"),
];

/// The vendored document for a context URL, if Insignia knows it.
///
/// Trailing `#fragment`s are ignored, and `http://` is treated as `https://`
/// for the handful of hosts that published both (the documents are the same).
pub fn lookup(url: &str) -> Option<&'static str> {
    let url = url.split('#').next().unwrap_or(url);
    let find = |u: &str| CONTEXTS.iter().find(|e| e.url == u).map(|e| e.document);
    find(url).or_else(|| {
        url.strip_prefix("http://")
            .and_then(|rest| find(&format!("https://{rest}")))
    })
}

/// Like [`lookup`], also returning the canonical URL the document is served under.
pub fn lookup_with_url(url: &str) -> Option<(&'static str, &'static str)> {
    let url = url.split('#').next().unwrap_or(url);
    let find = |u: &str| {
        CONTEXTS
            .iter()
            .find(|e| e.url == u)
            .map(|e| (e.url, e.document))
    };
    find(url).or_else(|| {
        url.strip_prefix("http://")
            .and_then(|rest| find(&format!("https://{rest}")))
    })
}

/// Every context URL Insignia serves offline.
pub fn known_urls() -> impl Iterator<Item = &'static str> {
    CONTEXTS.iter().map(|e| e.url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_context_is_json_with_a_context_object() {
        for e in CONTEXTS {
            let v: serde_json::Value = serde_json::from_str(e.document)
                .unwrap_or_else(|err| panic!("{} is not JSON: {err}", e.url));
            assert!(v.get("@context").is_some(), "{} has no @context", e.url);
        }
    }

    #[test]
    fn lookup_finds_known_and_refuses_unknown() {
        assert!(lookup("https://www.w3.org/ns/credentials/v2").is_some());
        assert!(lookup("http://www.w3.org/ns/credentials/v2").is_some());
        assert!(lookup("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json").is_some());
        assert!(lookup("https://evil.example/context.json").is_none());
    }

    #[test]
    fn ob3_context_versions_are_distinct_documents() {
        let a = lookup("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json");
        let b = lookup("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json");
        assert_ne!(a, b);
    }
}
