//! JSON-LD for Insignia: the built-in contexts, offline expansion to RDF with our
//! own JSON-LD 1.1 engine ([`engine`]: contexts processed once per process), and
//! RDF Dataset Canonicalization (RDFC-1.0) with bounded work.
//!
//! Architecture invariant: this crate never touches the network or the file
//! system. Contexts are compiled in.

pub mod canon;
pub mod contexts;
pub mod engine;
pub mod expand;
pub mod nquads;

pub use expand::{ExpandLimits, Expanded, LdError, Problem, expand};

/// A document's canonical N-Quads and what expansion noticed on the way.
#[derive(Debug, Clone)]
pub struct CanonicalDocument {
    pub nquads: String,
    pub problems: Vec<Problem>,
}

/// Expands `doc` with the built-in contexts and canonicalizes it with RDFC-1.0,
/// within the default limits (see [`ExpandLimits`] and [`canon::CanonLimits`]).
pub fn canonical_nquads(doc: &serde_json::Value) -> Result<CanonicalDocument, LdError> {
    canonical_nquads_without(doc, None)
}

/// [`canonical_nquads`] of `doc` as if its top-level object had no entry
/// `skip_root_key` (a verifier leaves out `proof` without copying the document).
pub fn canonical_nquads_without(
    doc: &serde_json::Value,
    skip_root_key: Option<&str>,
) -> Result<CanonicalDocument, LdError> {
    let (dataset, problems) = expand::expand_dataset(doc, &ExpandLimits::default(), skip_root_key)?;
    let nquads = canon::canonicalize_dataset(dataset, &canon::CanonLimits::default())?;
    Ok(CanonicalDocument { nquads, problems })
}
