//! JSON-LD for Insignia: the built-in contexts, offline expansion to RDF, and
//! RDF Dataset Canonicalization (RDFC-1.0) with bounded work.
//!
//! Architecture invariant: this crate never touches the network or the file
//! system. Contexts are compiled in.

pub mod contexts;
pub mod expand;

pub use expand::{ExpandLimits, Expanded, LdError, Problem, expand};
