//! JSON-LD document → RDF quads, offline and in "safe mode".
//!
//! Expansion is done by `oxjsonld` with a document loader that only serves the
//! vendored contexts (see [`crate::contexts`]). Two things plain JSON-LD does
//! silently are surfaced as [`Problem`]s, because both change what a signature
//! covers without anyone noticing:
//!
//! * a property or type that no context defines is *dropped* by expansion;
//! * an `id` that is not an absolute IRI is dropped or rewritten.
//!
//! Undefined terms are found by expanding once with an extra context, placed
//! first, that maps any otherwise-undefined term to `urn:insignia:undefined-term:`.
//! Contexts that set their own `@vocab` later in the list still win, so terms they
//! deliberately catch are not reported. When a marker shows up, the document is
//! expanded again without the extra context so the quads are exactly what a
//! standard processor produces (a verifier must check the signature over those).

use std::fmt::Write as _;

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use oxrdf::{NamedOrBlankNode, Quad, Term};
use serde_json::Value;

use crate::contexts;

const UNDEFINED_MARKER: &str = "urn:insignia:undefined-term:";

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
    #[error(
        "the object at {pointer} has several types with their own JSON-LD contexts ({types}) and uses '{term}', which only one of them defines; Insignia's JSON-LD engine cannot yet process this exactly, so it refuses rather than risk a wrong signature"
    )]
    UnsupportedTypeScopes {
        pointer: String,
        types: String,
        term: String,
    },
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    #[error("canonicalization refused the document: {0}")]
    Canon(#[from] crate::canon::CanonError),
    #[error("could not serialize the document: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Expands `doc` to RDF quads with the built-in contexts.
pub fn expand(doc: &Value, limits: &ExpandLimits) -> Result<Expanded, LdError> {
    let object = doc.as_object().ok_or(LdError::NotAnObject)?;
    let context = object.get("@context").ok_or(LdError::NoContext)?;

    let mut problems = Vec::new();
    let mut pointer = String::new();
    inspect(doc, 0, limits.max_depth, &mut pointer, &mut problems)?;

    let marked = serialize_with_marker(object, context)?;
    if marked.len() > limits.max_bytes {
        return Err(LdError::TooLarge {
            size: marked.len(),
            limit: limits.max_bytes,
        });
    }
    let quads = to_quads(&marked, limits)?;
    let undefined = undefined_terms(&quads);
    if undefined.is_empty() {
        return Ok(Expanded { quads, problems });
    }
    problems.extend(undefined.into_iter().map(Problem::UndefinedTerm));
    let plain = serde_json::to_vec(doc)?;
    let quads = to_quads(&plain, limits)?;
    Ok(Expanded { quads, problems })
}

/// Walks the JSON: depth limit, known contexts only, absolute ids.
fn inspect(
    value: &Value,
    depth: usize,
    max_depth: usize,
    pointer: &mut String,
    problems: &mut Vec<Problem>,
) -> Result<(), LdError> {
    if depth > max_depth {
        return Err(LdError::TooDeep { limit: max_depth });
    }
    match value {
        Value::Object(map) => {
            scoped_types::check_node(map, pointer)?;
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                push_escaped(pointer, key);
                if key == "@context" {
                    check_contexts(child, depth + 1, max_depth)?;
                } else {
                    if key == "id" || key == "@id" {
                        if let Value::String(id) = child {
                            if !is_absolute_iri(id) {
                                problems.push(Problem::RelativeId {
                                    pointer: pointer.clone(),
                                    value: id.clone(),
                                });
                            }
                        }
                    }
                    inspect(child, depth + 1, max_depth, pointer, problems)?;
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                let _ = write!(pointer, "/{i}");
                inspect(child, depth + 1, max_depth, pointer, problems)?;
                pointer.truncate(len);
            }
        }
        Value::Number(number) if !is_portable_number(number) => {
            problems.push(Problem::UnportableNumber {
                pointer: pointer.clone(),
                value: number.to_string(),
            });
        }
        _ => {}
    }
    Ok(())
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

/// Every context URL referenced anywhere in a context value must be built in.
fn check_contexts(value: &Value, depth: usize, max_depth: usize) -> Result<(), LdError> {
    if depth > max_depth {
        return Err(LdError::TooDeep { limit: max_depth });
    }
    match value {
        Value::String(url) if contexts::lookup(url).is_none() => {
            return Err(LdError::UnknownContext(url.clone()));
        }
        Value::Array(items) => {
            for item in items {
                check_contexts(item, depth + 1, max_depth)?;
            }
        }
        Value::Object(map) => {
            // Scoped contexts inside term definitions, and @import.
            for (key, child) in map {
                if key == "@context" || key == "@import" || child.is_object() {
                    check_contexts(child, depth + 1, max_depth)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn push_escaped(pointer: &mut String, key: &str) {
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
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

/// The document with the undefined-term marker context put first.
fn serialize_with_marker(
    object: &serde_json::Map<String, Value>,
    context: &Value,
) -> Result<Vec<u8>, LdError> {
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(b"{\"@context\":[{\"@vocab\":\"");
    out.extend_from_slice(UNDEFINED_MARKER.as_bytes());
    out.extend_from_slice(b"\"}");
    match context {
        Value::Array(items) => {
            for item in items {
                out.push(b',');
                serde_json::to_writer(&mut out, item)?;
            }
        }
        other => {
            out.push(b',');
            serde_json::to_writer(&mut out, other)?;
        }
    }
    out.push(b']');
    for (key, value) in object {
        if key == "@context" {
            continue;
        }
        out.push(b',');
        serde_json::to_writer(&mut out, key)?;
        out.push(b':');
        serde_json::to_writer(&mut out, value)?;
    }
    out.push(b'}');
    Ok(out)
}

fn to_quads(json: &[u8], limits: &ExpandLimits) -> Result<Vec<Quad>, LdError> {
    let parser = JsonLdParser::new()
        .for_slice(json)
        .with_load_document_callback(|url, _options| match contexts::lookup(url) {
            Some(document) => Ok(JsonLdRemoteDocument {
                document: document.as_bytes().to_vec(),
                document_url: url.to_owned(),
            }),
            None => Err(format!("unknown JSON-LD context '{url}'").into()),
        });
    let mut quads = Vec::new();
    for quad in parser {
        let quad = quad.map_err(|e| LdError::JsonLd(e.to_string()))?;
        if quads.len() >= limits.max_quads {
            return Err(LdError::TooManyQuads {
                limit: limits.max_quads,
            });
        }
        quads.push(quad);
    }
    Ok(quads)
}

fn undefined_terms(quads: &[Quad]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut note = |iri: &str| {
        if let Some(term) = iri.strip_prefix(UNDEFINED_MARKER) {
            if !found.iter().any(|t| t == term) {
                found.push(term.to_owned());
            }
        }
    };
    for quad in quads {
        if let NamedOrBlankNode::NamedNode(n) = &quad.subject {
            note(n.as_str());
        }
        note(quad.predicate.as_str());
        match &quad.object {
            Term::NamedNode(n) => note(n.as_str()),
            Term::Literal(l) => note(l.datatype().as_str()),
            _ => {}
        }
    }
    found.sort();
    found
}

/// Guard for a limitation of the JSON-LD engine (oxjsonld 0.2.7): when a node
/// has several types that each carry a type-scoped context, JSON-LD 1.1
/// (Expansion §13.4.4 / step 11) applies all of them in order, but the engine
/// keeps only the last one (in sorted order). Documents where that changes the
/// result (a key defined only by an earlier type's scoped context) are refused.
/// Remove this module when the engine applies every type-scoped context.
mod scoped_types {
    use std::collections::{HashMap, HashSet};
    use std::sync::LazyLock;

    use serde_json::{Map, Value};

    use super::LdError;
    use crate::contexts;

    /// Type term → terms its scoped context defines, over every built-in context.
    static SCOPED: LazyLock<HashMap<String, HashSet<String>>> = LazyLock::new(|| {
        let mut scoped: HashMap<String, HashSet<String>> = HashMap::new();
        for url in contexts::known_urls() {
            let Some(doc) = contexts::lookup(url) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(doc) else {
                continue;
            };
            let blocks: Vec<&Value> = match value.get("@context") {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(other) => vec![other],
                None => Vec::new(),
            };
            for block in blocks.iter().filter_map(|b| b.as_object()) {
                for (term, definition) in block {
                    if let Some(Value::Object(local)) = definition.get("@context") {
                        scoped
                            .entry(term.clone())
                            .or_default()
                            .extend(local.keys().filter(|k| !k.starts_with('@')).cloned());
                    }
                }
            }
        }
        scoped
    });

    pub(super) fn check_node(node: &Map<String, Value>, pointer: &str) -> Result<(), LdError> {
        let types: Vec<&str> = match node.get("type").or_else(|| node.get("@type")) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => return Ok(()),
        };
        let mut scoped: Vec<&str> = types
            .into_iter()
            .filter(|t| SCOPED.contains_key(*t))
            .collect();
        if scoped.len() < 2 {
            return Ok(());
        }
        scoped.sort_unstable();
        scoped.dedup();
        let Some((last, earlier)) = scoped.split_last() else {
            return Ok(());
        };
        let kept = &SCOPED[*last];
        for ty in earlier {
            for term in &SCOPED[*ty] {
                if !kept.contains(term) && node.contains_key(term) {
                    return Err(LdError::UnsupportedTypeScopes {
                        pointer: if pointer.is_empty() {
                            "/".into()
                        } else {
                            pointer.to_owned()
                        },
                        types: scoped.join(", "),
                        term: term.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}
