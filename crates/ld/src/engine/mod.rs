//! Insignia's own JSON-LD 1.1 engine: expansion and deserialization to RDF.
//!
//! Why hand-written: every Rust JSON-LD processor we measured re-processes (and
//! copies) the active context for each type- and property-scoped context on
//! every node of every document, and that is over 90 % of the cost of signing or
//! verifying a credential. On the example Open Badges credential: `oxjsonld`
//! 0.2 1.82 ms per expansion, `json-ld` 0.21 2.4 ms with a reused context,
//! `ssi-json-ld` 3.3-5.2 ms, `sophia_jsonld` 7.4 ms; none processes a context
//! once per process. Credentials only use the vendored contexts
//! ([`crate::contexts`]), so here every (active context, local context) pair is
//! processed once per process and shared ([`context`]), and expansion is a walk
//! over the document with cheap `Arc` swaps.
//!
//! The algorithms follow the JSON-LD 1.1 Processing Algorithms and API
//! (<https://www.w3.org/TR/json-ld11-api/>) step by step; comments name the
//! steps. JSON-LD 1.0 processing mode is not supported. Conformance: the W3C
//! expand and toRdf test suites, `crates/ld/tests/it/json_ld_api.rs`.
//!
//! Safe mode ([`Options::safe_mode`]) reports, in the same pass, what plain
//! JSON-LD would silently drop or what would not verify everywhere (see
//! [`crate::Problem`]).

pub mod context;
pub mod expand;
pub mod to_rdf;
pub mod tree;

use std::borrow::Cow;
use std::sync::Arc;

use oxrdf::Quad;
use serde_json::Value;

pub use expand::Problems;

use crate::canon::{Comp, Dataset};

/// Serves a remote context: URL → (document URL, JSON text), or `None` if unknown.
pub type Loader = dyn Fn(&str) -> Option<(String, Cow<'static, str>)> + Sync;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A JSON-LD error, with its code from the specification.
    #[error("{code}: {detail}")]
    JsonLd { code: &'static str, detail: String },
    #[error(
        "unknown JSON-LD context '{0}': Insignia only uses its built-in copies of known contexts and never fetches one from the network"
    )]
    UnknownContext(String),
    #[error("the document nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the document produces more than {limit} RDF statements")]
    TooManyQuads { limit: usize },
}

impl EngineError {
    /// The JSON-LD error code (`loading remote context failed` for an unknown context).
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::JsonLd { code, .. } => code,
            EngineError::UnknownContext(_) => "loading remote context failed",
            EngineError::TooDeep { .. } | EngineError::TooManyQuads { .. } => "limit exceeded",
        }
    }
}

pub(crate) fn err(code: &'static str, detail: impl ToString) -> EngineError {
    EngineError::JsonLd {
        code,
        detail: detail.to_string(),
    }
}

/// The loader over the vendored contexts.
pub fn vendored_loader(url: &str) -> Option<(String, Cow<'static, str>)> {
    crate::contexts::lookup_with_url(url).map(|(u, doc)| (u.to_owned(), Cow::Borrowed(doc)))
}

/// How to process one document.
pub struct Options<'a> {
    /// The document's base IRI (none for credentials).
    pub base: Option<&'a str>,
    /// Where remote contexts come from.
    pub loader: &'a Loader,
    /// Whether `loader` is [`vendored_loader`]: processed contexts are then
    /// shared process-wide.
    pub vendored: bool,
    /// Override for the initial context (the test suite's `expandContext`).
    pub expand_context: Option<&'a Value>,
    pub max_depth: usize,
    pub max_quads: usize,
    /// Collect [`Problems`].
    pub safe_mode: bool,
    /// Process the document as if its top-level object had no entry with this
    /// key (a Data Integrity verifier leaves out `proof` without copying the
    /// document).
    pub skip_root_key: Option<&'a str>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            base: None,
            loader: &vendored_loader,
            vendored: true,
            expand_context: None,
            max_depth: 64,
            max_quads: 100_000,
            safe_mode: true,
            skip_root_key: None,
        }
    }
}

/// Expands `doc` (JSON-LD 1.1 Expansion): the expanded document and the problems found.
pub fn expand(doc: &Value, options: &Options<'_>) -> Result<(Vec<Value>, Problems), EngineError> {
    let (expanded, problems) = expand_tree(doc, options)?;
    Ok((
        expanded.into_iter().map(tree::Value::into_json).collect(),
        problems,
    ))
}

/// [`expand`] into the engine's own form, on the way to RDF.
fn expand_tree(
    doc: &Value,
    options: &Options<'_>,
) -> Result<(Vec<tree::Value>, Problems), EngineError> {
    let global = options.vendored && options.base.is_none();
    let mut expander = expand::Expander {
        proc: context::Processor::new(options.loader, global),
        base_url: options.base.map(str::to_owned),
        max_depth: options.max_depth,
        problems: options.safe_mode.then(Problems::default),
        skip_root_key: options.skip_root_key,
    };
    let mut root = if global {
        context::Context::root()
    } else {
        Arc::new(context::Context::initial(options.base))
    };
    if let Some(ec) = options.expand_context {
        let ec = match ec {
            Value::Object(m) if m.contains_key("@context") => &m["@context"],
            other => other,
        };
        let base = options.base;
        root = expander.proc.apply_embedded(&root, ec, base)?;
    }
    let expanded = expander.expand_document(&root, doc)?;
    Ok((expanded, expander.problems.unwrap_or_default()))
}

/// Expands `doc` and deserializes it to RDF quads (JSON-LD 1.1 toRdf, `rdfDirection` null).
pub fn to_rdf(doc: &Value, options: &Options<'_>) -> Result<(Vec<Quad>, Problems), EngineError> {
    let (dataset, problems) = to_dataset(doc, options)?;
    Ok((dataset.to_quads(), problems))
}

/// [`to_rdf`] into the form canonicalization works on (no `oxrdf` terms).
pub fn to_dataset(doc: &Value, options: &Options<'_>) -> Result<(Dataset, Problems), EngineError> {
    let (expanded, problems) = expand_tree(doc, options)?;
    let dataset = tree_to_dataset(&expanded, options.max_quads)?;
    Ok((dataset, problems))
}

/// Deserializes an expanded document to RDF.
pub fn expanded_to_dataset(expanded: &[Value], max_quads: usize) -> Result<Dataset, EngineError> {
    let expanded: Vec<tree::Value> = expanded.iter().map(tree::Value::from_json).collect();
    tree_to_dataset(&expanded, max_quads)
}

fn tree_to_dataset(expanded: &[tree::Value], max_quads: usize) -> Result<Dataset, EngineError> {
    let mut writer = to_rdf::RdfWriter::new(max_quads);
    writer.nodes(expanded, Comp::Default)?;
    Ok(writer.dataset)
}
