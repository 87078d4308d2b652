//! Finding the public key behind a proof's verification method.
//!
//! Offline, only `did:key` can be resolved (the key is in the identifier).
//! The online verifier adds did:web, JWK URLs and issuer profiles by
//! implementing [`KeyResolver`].

use insignia_proofs::did;
use insignia_proofs::keys::PublicKey;

/// The result of looking up a verification method.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// The key, and the DID or URL that controls it.
    Found { key: PublicKey, controller: String },
    /// The method was looked up and does not exist or is malformed: a failure.
    Invalid(String),
    /// The method could not be looked up (offline, network error…): not a failure.
    Unavailable(String),
}

/// Looks up verification methods.
pub trait KeyResolver {
    fn resolve(&self, verification_method: &str) -> Resolution;
}

/// Resolves `did:key` only; everything else is "unavailable".
#[derive(Debug, Default, Clone, Copy)]
pub struct OfflineResolver;

impl KeyResolver for OfflineResolver {
    fn resolve(&self, verification_method: &str) -> Resolution {
        if verification_method.starts_with("did:key:") {
            return match did::resolve_did_key(verification_method) {
                Ok((_document, key)) => Resolution::Found {
                    key,
                    controller: controller_of(verification_method).to_owned(),
                },
                Err(e) => Resolution::Invalid(format!(
                    "the verification method {verification_method} is not a valid did:key: {e}"
                )),
            };
        }
        Resolution::Unavailable(format!(
            "the key {verification_method} must be fetched from the issuer, which this offline check does not do"
        ))
    }
}

/// A key the user supplied explicitly (e.g. `insignia verify --key`), trusted as
/// belonging to whoever the credential says; other methods fall back to `inner`.
#[derive(Debug, Clone)]
pub struct SuppliedKey<R> {
    pub key: PublicKey,
    pub inner: R,
}

impl<R: KeyResolver> KeyResolver for SuppliedKey<R> {
    fn resolve(&self, verification_method: &str) -> Resolution {
        match self.inner.resolve(verification_method) {
            found @ Resolution::Found { .. } => found,
            _ => Resolution::Found {
                key: self.key.clone(),
                controller: SUPPLIED_CONTROLLER.to_owned(),
            },
        }
    }
}

/// The controller recorded for a key given by the user rather than resolved.
pub const SUPPLIED_CONTROLLER: &str = "urn:insignia:supplied-key";

/// `did:key:z6Mk…#z6Mk…` → `did:key:z6Mk…`; `https://x.org/i#k` → `https://x.org/i`.
pub fn controller_of(verification_method: &str) -> &str {
    verification_method
        .split_once('#')
        .map_or(verification_method, |(before, _)| before)
}
