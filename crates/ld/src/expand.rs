//! JSON-LD document → RDF quads, offline and in "safe mode".
//!
//! Expansion and deserialization to RDF are done by Insignia's own engine
//! ([`crate::engine`]) with only the vendored contexts (see [`crate::contexts`]).
//! Things plain JSON-LD does silently are surfaced as [`Problem`]s, because they
//! change what a signature covers without anyone noticing; the engine notices
//! them in the same pass:
//!
//! * a property or type that no context defines is *dropped* by expansion
//!   (terms a context deliberately catches with `@vocab`, or maps to null, are
//!   not reported);
//! * an `id` that is not an absolute IRI is dropped or rewritten;
//! * a number whose canonical RDF form differs between processors.
//!
//! The quads are exactly what a standard JSON-LD 1.1 processor produces (a
//! verifier must check the signature over those).

use oxrdf::Quad;
use serde_json::Value;

use crate::canon::Dataset;
use crate::engine::{self, EngineError};

/// Bounds on the documents we are willing to process.
#[derive(Debug, Clone)]
pub struct ExpandLimits {
    /// Largest serialized document, in bytes.
    pub max_bytes: usize,
    /// Deepest JSON nesting.
    pub max_depth: usize,
    /// Most quads the document may produce.
    pub max_quads: usize,
}

impl Default for ExpandLimits {
    fn default() -> Self {
        Self {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
            max_quads: 100_000,
        }
    }
}

/// Something in the document that would silently fall outside a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A property or type name that no context in the document defines.
    UndefinedTerm(String),
    /// An `id` value that is not an absolute IRI.
    RelativeId { pointer: String, value: String },
    /// A number whose canonical RDF form differs between JSON-LD processors
    /// (integers beyond 2^53, doubles needing 17 significant digits), so a
    /// signature over it would not verify everywhere.
    UnportableNumber { pointer: String, value: String },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::UndefinedTerm(term) => write!(
                f,
                "the term '{term}' is not defined by any of the document's JSON-LD contexts, so it is not covered by a signature"
            ),
            Problem::RelativeId { pointer, value } => write!(
                f,
                "the id '{value}' at {pointer} is not an absolute IRI (expected e.g. urn:uuid:…, https://…, did:…)"
            ),
            Problem::UnportableNumber { pointer, value } => write!(
                f,
                "the number {value} at {pointer} is not represented the same way by every JSON-LD processor; write it as a string or with at most 15 significant digits"
            ),
        }
    }
}

/// The RDF form of a document plus what expansion would have hidden.
#[derive(Debug, Clone)]
pub struct Expanded {
    pub quads: Vec<Quad>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, thiserror::Error)]
pub enum LdError {
    #[error("the document is {size} bytes, larger than the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("the document nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the document produces more than {limit} RDF statements")]
    TooManyQuads { limit: usize },
    #[error("the document has no @context")]
    NoContext,
    #[error(
        "unknown JSON-LD context '{0}': Insignia only uses its built-in copies of known contexts and never fetches one from the network"
    )]
    UnknownContext(String),
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    #[error("canonicalization refused the document: {0}")]
    Canon(#[from] crate::canon::CanonError),
    #[error("could not serialize the document: {0}")]
    Serialize(#[from] serde_json::Error),
}

impl From<EngineError> for LdError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::UnknownContext(url) => LdError::UnknownContext(url),
            EngineError::TooDeep { limit } => LdError::TooDeep { limit },
            EngineError::TooManyQuads { limit } => LdError::TooManyQuads { limit },
            e @ EngineError::JsonLd { .. } => LdError::JsonLd(e.to_string()),
        }
    }
}

/// Expands `doc` to RDF quads with the built-in contexts.
pub fn expand(doc: &Value, limits: &ExpandLimits) -> Result<Expanded, LdError> {
    let (dataset, problems) = expand_dataset(doc, limits, None)?;
    Ok(Expanded {
        quads: dataset.to_quads(),
        problems,
    })
}

/// [`expand`] into the form canonicalization works on, leaving out the
/// top-level entry `skip_root_key` if given.
pub fn expand_dataset(
    doc: &Value,
    limits: &ExpandLimits,
    skip_root_key: Option<&str>,
) -> Result<(Dataset, Vec<Problem>), LdError> {
    let object = doc.as_object().ok_or(LdError::NotAnObject)?;
    if !object.contains_key("@context") {
        return Err(LdError::NoContext);
    }
    let size = serialized_len(doc, limits.max_bytes)?;
    if size > limits.max_bytes {
        return Err(LdError::TooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    let options = engine::Options {
        max_depth: limits.max_depth,
        max_quads: limits.max_quads,
        skip_root_key,
        ..engine::Options::default()
    };
    let (dataset, found) = engine::to_dataset(doc, &options)?;
    let mut problems = found.listed;
    problems.extend(found.undefined.into_iter().map(Problem::UndefinedTerm));
    Ok((dataset, problems))
}

/// The length of `doc` serialized compactly, without building the string.
/// A cheap upper bound is tried first (each string byte at most 6 bytes once
/// escaped, each number at most 24): documents far below the limit skip the
/// exact count.
fn serialized_len(doc: &Value, limit: usize) -> Result<usize, LdError> {
    fn bound(v: &Value) -> usize {
        match v {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 24,
            Value::String(s) => 2 + 6 * s.len(),
            Value::Array(items) => 2 + items.iter().map(|i| bound(i) + 1).sum::<usize>(),
            Value::Object(map) => {
                2 + map
                    .iter()
                    .map(|(k, v)| 4 + 6 * k.len() + bound(v))
                    .sum::<usize>()
            }
        }
    }
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let upper = bound(doc);
    if upper <= limit {
        return Ok(upper);
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, doc)?;
    Ok(count.0)
}

/// Integers up to 2^53 and doubles with at most 15 significant digits have one
/// canonical RDF form in every processor we checked (jsonld.js, oxjsonld).
pub(crate) fn is_portable_number(number: &serde_json::Number) -> bool {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    if let Some(i) = number.as_i64() {
        return i.unsigned_abs() <= MAX_SAFE;
    }
    if number.as_u64().is_some() {
        return false;
    }
    let Some(f) = number.as_f64() else {
        return false;
    };
    if f.fract() == 0.0 {
        return f.abs() <= MAX_SAFE as f64;
    }
    // Shortest round-trip form: count its significant digits.
    let digits = format!("{:e}", f.abs());
    let mantissa = digits.split('e').next().unwrap_or("");
    mantissa.chars().filter(char::is_ascii_digit).count() <= 15
}

/// `scheme:` followed by something: urn:uuid:…, https://…, did:…, mailto:….
/// Blank node identifiers (`_:b0`) are allowed too.
pub fn is_absolute_iri(value: &str) -> bool {
    if value.starts_with("_:") {
        return true;
    }
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
}
