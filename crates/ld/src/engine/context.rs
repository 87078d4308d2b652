//! Active contexts: JSON-LD 1.1 API §4.1 "Context Processing" and §4.2
//! "Create Term Definition", plus IRI Expansion (§5.2).
//!
//! An active context is immutable once built and shared as `Arc<Context>`.
//! Processing a local context on top of an active context is a pure function of
//! (active context, local context, flags), so results are cached:
//!
//! * process-wide, when the active context itself came from the cache (it is
//!   *pinned*) and the local context is a remote context URL (only vendored
//!   contexts exist) or a scoped context defined inside one: every credential
//!   using the same contexts shares the same processed contexts;
//! * per document otherwise (inline contexts written in the document).
//!
//! The process-wide cache is bounded ([`GLOBAL_CACHE_CAP`]); past the bound a
//! context is still processed correctly, just not remembered.

use std::collections::HashMap;

/// Term maps use foldhash: fast on short keys and randomly seeded (inline
/// contexts in untrusted documents choose their own term names).
type Map2<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::{Map, Value};

use super::{EngineError, Loader, err};

/// Most entries kept in the process-wide context cache.
pub const GLOBAL_CACHE_CAP: usize = 4096;
/// Most nested remote context loads in one processing (`context overflow`).
const MAX_REMOTE_CONTEXTS: usize = 32;
/// Most context processing steps for one document (a guard against contexts
/// crafted to make processing explode).
const MAX_PROCESSING_STEPS: usize = 100_000;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

/// Container mapping flags.
pub mod container {
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const INDEX: u8 = 4;
    pub const LANGUAGE: u8 = 8;
    pub const ID: u8 = 16;
    pub const TYPE: u8 = 32;
    pub const GRAPH: u8 = 64;
}

/// A scoped context attached to a term definition.
#[derive(Debug, Clone)]
pub struct Scoped {
    /// Unique per term definition: the cache key.
    pub id: u64,
    /// Defined inside a pinned (cached, vendored) context: safe to cache process-wide.
    pub trusted: bool,
    pub value: Arc<Value>,
}

impl PartialEq for Scoped {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// One term definition (JSON-LD 1.1 API §4.1 "Active context").
#[derive(Debug, Clone, Default)]
pub struct TermDef {
    /// IRI mapping; `None` is a term explicitly mapped to null.
    pub iri: Option<Arc<str>>,
    pub prefix: bool,
    pub protected: bool,
    pub reverse: bool,
    pub base_url: Option<Arc<str>>,
    pub context: Option<Scoped>,
    pub container: u8,
    /// `Some(None)`: explicitly no direction.
    pub direction: Option<Option<Direction>>,
    pub index: Option<String>,
    /// `Some(None)`: explicitly no language.
    pub language: Option<Option<Arc<str>>>,
    pub nest: Option<String>,
    pub type_mapping: Option<Arc<str>>,
}

impl TermDef {
    /// Equal apart from `protected` (and the base URL, which only says where the
    /// definition came from: the same protected definitions appear in several
    /// published contexts).
    fn same_as(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.reverse == other.reverse
            && self.context == other.context
            && self.container == other.container
            && self.direction == other.direction
            && self.index == other.index
            && self.language == other.language
            && self.nest == other.nest
            && self.type_mapping == other.type_mapping
    }
}

/// An active context.
#[derive(Debug)]
pub struct Context {
    pub id: u64,
    /// Reached from the root only through process-wide cacheable steps.
    pub pinned: bool,
    pub base: Option<Arc<str>>,
    pub original_base: Option<Arc<str>>,
    pub vocab: Option<Arc<str>>,
    pub language: Option<Arc<str>>,
    pub direction: Option<Direction>,
    pub previous: Option<Arc<Context>>,
    pub terms: Map2<Arc<str>, Arc<TermDef>>,
}

impl Context {
    /// A new initial context with the given base IRI.
    pub fn initial(base: Option<&str>) -> Context {
        let base: Option<Arc<str>> = base.map(Arc::from);
        Context {
            id: next_id(),
            pinned: false,
            original_base: base.clone(),
            base,
            vocab: None,
            language: None,
            direction: None,
            previous: None,
            terms: Map2::default(),
        }
    }

    /// The process-wide root context (no base IRI), from which every cached
    /// context descends.
    pub fn root() -> Arc<Context> {
        static ROOT: LazyLock<Arc<Context>> = LazyLock::new(|| {
            let mut c = Context::initial(None);
            c.pinned = true;
            Arc::new(c)
        });
        ROOT.clone()
    }

    fn duplicate(&self) -> Context {
        Context {
            id: next_id(),
            pinned: false,
            base: self.base.clone(),
            original_base: self.original_base.clone(),
            vocab: self.vocab.clone(),
            language: self.language.clone(),
            direction: self.direction,
            previous: self.previous.clone(),
            terms: self.terms.clone(),
        }
    }

    pub fn term(&self, term: &str) -> Option<&TermDef> {
        self.terms.get(term).map(|t| &**t)
    }

    fn has_protected(&self) -> bool {
        self.terms.values().any(|t| t.protected)
    }

    /// Whether `key` IRI-expands (vocab true) to the keyword `keyword`: only the
    /// keyword itself or a term aliasing it can (prefixes and `@vocab` give IRIs).
    pub fn expands_to_keyword(&self, key: &str, keyword: &str) -> bool {
        if key.starts_with('@') {
            return key == keyword;
        }
        self.term(key)
            .is_some_and(|d| d.iri.as_deref() == Some(keyword))
    }

    /// IRI Expansion (§5.2.2) against a finished active context. `None` is null.
    pub fn expand_iri<'v>(
        &'v self,
        value: &'v str,
        document_relative: bool,
        vocab: bool,
    ) -> Option<std::borrow::Cow<'v, str>> {
        use std::borrow::Cow;
        if is_keyword(value) {
            return Some(Cow::Borrowed(value));
        }
        if has_keyword_form(value) {
            return None;
        }
        if let Some(def) = self.term(value) {
            if let Some(iri) = &def.iri {
                if is_keyword(iri) {
                    return Some(Cow::Borrowed(&**iri));
                }
            }
            if vocab {
                return def.iri.as_deref().map(Cow::Borrowed);
            }
        }
        if let Some(colon) = colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Some(Cow::Borrowed(value));
            }
            if let Some(def) = self.term(prefix) {
                if let (Some(iri), true) = (&def.iri, def.prefix) {
                    return Some(Cow::Owned(format!("{iri}{suffix}")));
                }
            }
            if is_absolute_iri(value) {
                return Some(Cow::Borrowed(value));
            }
        }
        if vocab {
            if let Some(v) = &self.vocab {
                return Some(Cow::Owned(format!("{v}{value}")));
            }
        }
        if document_relative {
            return Some(match &self.base {
                Some(base) => Cow::Owned(resolve(base, value)),
                None => Cow::Borrowed(value),
            });
        }
        Some(Cow::Borrowed(value))
    }
}

pub fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "@base"
            | "@container"
            | "@context"
            | "@direction"
            | "@graph"
            | "@id"
            | "@import"
            | "@included"
            | "@index"
            | "@json"
            | "@language"
            | "@list"
            | "@nest"
            | "@none"
            | "@prefix"
            | "@propagate"
            | "@protected"
            | "@reverse"
            | "@set"
            | "@type"
            | "@value"
            | "@version"
            | "@vocab"
    )
}

/// The byte index of the first `:` after the first character, if any.
fn colon_after_first(s: &str) -> Option<usize> {
    let first = s.chars().next()?.len_utf8();
    s[first..].find(':').map(|i| i + first)
}

/// `@` followed by one or more ASCII letters (reserved for future keywords).
pub fn has_keyword_form(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

/// An absolute IRI (`scheme:…`, no white space) or a blank node identifier.
pub fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    if scheme == "_" {
        return true;
    }
    let mut b = scheme.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        && !s.bytes().any(|c| c.is_ascii_whitespace())
}

/// The five components of a URI reference (RFC 3986 §3, appendix B).
struct Parts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn split(r: &str) -> Parts<'_> {
    let (rest, fragment) = match r.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (r, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (scheme, rest) = match rest.find(':') {
        Some(i) if i > 0 && !rest[..i].contains('/') => (Some(&rest[..i]), &rest[i + 1..]),
        _ => (None, rest),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    Parts {
        scheme,
        authority,
        path,
        query,
        fragment,
    }
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    // Work on segments: equivalent to the buffer algorithm.
    let mut trailing = false;
    if absolute {
        input = &input[1..];
    }
    for seg in input.split('/') {
        trailing = false;
        match seg {
            "." => trailing = true,
            ".." => {
                output.pop();
                trailing = true;
            }
            s => output.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    if absolute {
        out.push('/');
    }
    out.push_str(&output.join("/"));
    if trailing && !out.ends_with('/') && !output.is_empty() {
        out.push('/');
    }
    out
}

/// RFC 3986 §5.2 reference resolution; a base without a scheme leaves `value` as is.
pub fn resolve(base: &str, value: &str) -> String {
    let b = split(base);
    let Some(b_scheme) = b.scheme else {
        return value.to_owned();
    };
    let r = split(value);
    let (scheme, authority, path, query);
    if let Some(s) = r.scheme {
        scheme = s;
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else {
        scheme = b_scheme;
        if r.authority.is_some() {
            authority = r.authority;
            path = remove_dot_segments(r.path);
            query = r.query;
        } else {
            authority = b.authority;
            if r.path.is_empty() {
                path = b.path.to_owned();
                query = r.query.or(b.query);
            } else {
                path = if r.path.starts_with('/') {
                    remove_dot_segments(r.path)
                } else if b.authority.is_some() && b.path.is_empty() {
                    remove_dot_segments(&format!("/{}", r.path))
                } else {
                    let dir = b.path.rfind('/').map_or("", |i| &b.path[..=i]);
                    remove_dot_segments(&format!("{dir}{}", r.path))
                };
                query = r.query;
            }
        }
    }
    let mut out = String::with_capacity(base.len() + value.len());
    out.push_str(scheme);
    out.push(':');
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    out.push_str(&path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = r.fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Cache key: (active context id, local context, flags).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LocalKey {
    Url(Box<str>),
    Scoped(u64),
    Null,
    /// An inline context of the document, by address (per-document cache only).
    Inline(usize),
}

const F_OVERRIDE: u8 = 1;
const F_PROPAGATE: u8 = 2;
const F_VALIDATE: u8 = 4;

type Key = (u64, LocalKey, u8);

static GLOBAL: LazyLock<Mutex<Map2<Key, Arc<Context>>>> =
    LazyLock::new(|| Mutex::new(Map2::default()));

/// Remote context documents, parsed once: URL → (document URL, `@context` value).
type RemoteDoc = (Arc<str>, Arc<Value>);

/// Processes contexts for one document, with the caches.
pub struct Processor<'l> {
    loader: &'l Loader,
    local: Map2<Key, Arc<Context>>,
    steps: usize,
    /// Whether remote context documents are process-wide (vendored) ones.
    global: bool,
}

#[derive(Clone, Copy)]
pub struct Flags {
    pub override_protected: bool,
    pub propagate: bool,
    pub validate: bool,
    /// The local context comes from vendored data (not part of the cache key).
    pub trusted: bool,
}

impl Flags {
    pub const DEFAULT: Flags = Flags {
        override_protected: false,
        propagate: true,
        validate: true,
        trusted: false,
    };
    fn bits(self) -> u8 {
        (if self.override_protected {
            F_OVERRIDE
        } else {
            0
        }) | (if self.propagate { F_PROPAGATE } else { 0 })
            | (if self.validate { F_VALIDATE } else { 0 })
    }
}

impl<'l> Processor<'l> {
    pub fn new(loader: &'l Loader, global: bool) -> Self {
        Processor {
            loader,
            local: Map2::default(),
            steps: 0,
            global,
        }
    }

    fn step(&mut self) -> Result<(), EngineError> {
        self.steps += 1;
        if self.steps > MAX_PROCESSING_STEPS {
            return Err(err(
                "context overflow",
                "context processing exceeded its work bound",
            ));
        }
        Ok(())
    }

    fn lookup(&self, key: &Key, pinned: bool) -> Option<Arc<Context>> {
        if pinned {
            if let Ok(global) = GLOBAL.lock() {
                if let Some(c) = global.get(key) {
                    return Some(c.clone());
                }
            }
        }
        self.local.get(key).cloned()
    }

    fn store(&mut self, key: Key, mut ctx: Context, pinned: bool) -> Arc<Context> {
        if pinned {
            if let Ok(mut global) = GLOBAL.lock() {
                if global.len() < GLOBAL_CACHE_CAP {
                    ctx.pinned = true;
                    let ctx = Arc::new(ctx);
                    global.insert(key, ctx.clone());
                    return ctx;
                }
            }
        }
        let ctx = Arc::new(ctx);
        self.local.insert(key, ctx.clone());
        ctx
    }

    /// Applies a term's scoped context (expansion steps 8 and 11, and maps).
    pub fn apply_scoped(
        &mut self,
        active: &Arc<Context>,
        scoped: &Scoped,
        base_url: Option<&str>,
        flags: Flags,
    ) -> Result<Arc<Context>, EngineError> {
        let key = (active.id, LocalKey::Scoped(scoped.id), flags.bits());
        let pinned = active.pinned && scoped.trusted && self.global;
        if let Some(c) = self.lookup(&key, pinned) {
            return Ok(c);
        }
        let flags = Flags {
            trusted: scoped.trusted,
            ..flags
        };
        let ctx = self.process(active, &scoped.value, base_url, &mut Vec::new(), flags)?;
        Ok(self.store(key, ctx, pinned))
    }

    /// Applies an embedded `@context` value (expansion step 9), item by item so
    /// that each remote context is looked up in the cache.
    pub fn apply_embedded(
        &mut self,
        active: &Arc<Context>,
        local: &Value,
        base_url: Option<&str>,
    ) -> Result<Arc<Context>, EngineError> {
        let items = match local {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        let mut current = active.clone();
        for item in items {
            current = self.apply_item(&current, item, base_url, &mut Vec::new(), Flags::DEFAULT)?;
        }
        Ok(current)
    }

    fn apply_item(
        &mut self,
        active: &Arc<Context>,
        item: &Value,
        base_url: Option<&str>,
        remote: &mut Vec<Arc<str>>,
        flags: Flags,
    ) -> Result<Arc<Context>, EngineError> {
        let (key, pinned) = match item {
            Value::String(url) => {
                let url = match base_url {
                    Some(b) => resolve(b, url),
                    None => url.clone(),
                };
                (LocalKey::Url(url.into()), active.pinned && self.global)
            }
            Value::Null => (LocalKey::Null, active.pinned && self.global),
            other => (LocalKey::Inline(std::ptr::from_ref(other) as usize), false),
        };
        let key = (active.id, key, flags.bits());
        if let Some(c) = self.lookup(&key, pinned) {
            return Ok(c);
        }
        let ctx = self.process(active, item, base_url, remote, flags)?;
        Ok(self.store(key, ctx, pinned))
    }

    fn load(&mut self, url: &str) -> Result<RemoteDoc, EngineError> {
        static PARSED: LazyLock<Mutex<HashMap<String, RemoteDoc>>> =
            LazyLock::new(|| Mutex::new(HashMap::new()));
        if self.global {
            if let Some(doc) = PARSED.lock().ok().and_then(|m| m.get(url).cloned()) {
                return Ok(doc);
            }
        }
        let Some((doc_url, text)) = (self.loader)(url) else {
            return Err(EngineError::UnknownContext(url.to_owned()));
        };
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| err("loading remote context failed", format!("{url}: {e}")))?;
        let Value::Object(mut map) = value else {
            return Err(err("invalid remote context", url));
        };
        let Some(context) = map.remove("@context") else {
            return Err(err("invalid remote context", url));
        };
        if !(context.is_object() || context.is_array() || context.is_string() || context.is_null())
        {
            return Err(err("invalid remote context", url));
        }
        let doc: RemoteDoc = (Arc::from(doc_url.as_str()), Arc::new(context));
        if self.global {
            if let Ok(mut m) = PARSED.lock() {
                m.insert(url.to_owned(), doc.clone());
            }
        }
        Ok(doc)
    }

    /// Context Processing (§4.1.2), uncached at this level.
    pub fn process(
        &mut self,
        active: &Arc<Context>,
        local: &Value,
        base_url: Option<&str>,
        remote: &mut Vec<Arc<str>>,
        mut flags: Flags,
    ) -> Result<Context, EngineError> {
        self.step()?;
        // 1.
        let mut result = active.duplicate();
        // 2.
        if let Value::Object(map) = local {
            if let Some(p) = map.get("@propagate") {
                flags.propagate = p
                    .as_bool()
                    .ok_or_else(|| err("invalid @propagate value", p.to_string()))?;
            }
        }
        // 3.
        if !flags.propagate && result.previous.is_none() {
            result.previous = Some(active.clone());
        }
        // 4.
        let items = match local {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        // 5.
        for context in items {
            match context {
                Value::Null => {
                    if !flags.override_protected && result.has_protected() {
                        return Err(err(
                            "invalid context nullification",
                            "a context with protected terms cannot be set to null",
                        ));
                    }
                    let previous = Arc::new(std::mem::replace(
                        &mut result,
                        Context::initial(active.original_base.as_deref()),
                    ));
                    if !flags.propagate {
                        result.previous = Some(previous);
                    }
                }
                Value::String(url) => {
                    let url: Arc<str> = match base_url {
                        Some(b) => resolve(b, url).into(),
                        None => url.as_str().into(),
                    };
                    if !flags.validate && remote.contains(&url) {
                        continue;
                    }
                    if remote.len() >= MAX_REMOTE_CONTEXTS {
                        return Err(err("context overflow", url.to_string()));
                    }
                    remote.push(url.clone());
                    let (doc_url, loaded) = self.load(&url)?;
                    let current = Arc::new(result);
                    let mut nested_remote = remote.clone();
                    result = self.process(
                        &current,
                        &loaded,
                        Some(&doc_url),
                        &mut nested_remote,
                        Flags {
                            override_protected: false,
                            propagate: true,
                            validate: flags.validate,
                            trusted: true,
                        },
                    )?;
                }
                Value::Object(map) => {
                    self.definition(&mut result, map, base_url, remote, flags)?;
                }
                other => {
                    return Err(err("invalid local context", other.to_string()));
                }
            }
        }
        Ok(result)
    }

    /// Steps 5.5-5.13: a context definition (a map).
    fn definition(
        &mut self,
        result: &mut Context,
        map: &Map<String, Value>,
        base_url: Option<&str>,
        remote: &[Arc<str>],
        flags: Flags,
    ) -> Result<(), EngineError> {
        // 5.5
        if let Some(v) = map.get("@version") {
            if v.as_f64() != Some(1.1) {
                return Err(err("invalid @version value", v.to_string()));
            }
        }
        // 5.6
        let imported;
        let map = if let Some(import) = map.get("@import") {
            let Value::String(url) = import else {
                return Err(err("invalid @import value", import.to_string()));
            };
            let url = match base_url {
                Some(b) => resolve(b, url),
                None => url.clone(),
            };
            let (_, loaded) = self.load(&url).map_err(|e| match e {
                EngineError::UnknownContext(u) => EngineError::UnknownContext(u),
                _ => err("loading remote context failed", url.clone()),
            })?;
            let Value::Object(import_map) = &*loaded else {
                return Err(err("invalid remote context", url));
            };
            if import_map.contains_key("@import") {
                return Err(err(
                    "invalid context entry",
                    "@import inside an imported context",
                ));
            }
            let mut merged = import_map.clone();
            for (k, v) in map {
                merged.insert(k.clone(), v.clone());
            }
            imported = merged;
            &imported
        } else {
            map
        };
        // 5.7
        if let Some(value) = map.get("@base") {
            if remote.is_empty() {
                match value {
                    Value::Null => result.base = None,
                    Value::String(s) if is_absolute_iri(s) => result.base = Some(s.as_str().into()),
                    Value::String(s) => match &result.base {
                        Some(b) => result.base = Some(resolve(b, s).into()),
                        None => return Err(err("invalid base IRI", s.clone())),
                    },
                    other => return Err(err("invalid base IRI", other.to_string())),
                }
            }
        }
        // 5.8
        if let Some(value) = map.get("@vocab") {
            match value {
                Value::Null => result.vocab = None,
                Value::String(s) => {
                    let expanded = result
                        .expand_iri(s, true, true)
                        .map(|c| c.into_owned())
                        .ok_or_else(|| err("invalid vocab mapping", s.clone()))?;
                    if !is_absolute_iri(&expanded) {
                        return Err(err("invalid vocab mapping", s.clone()));
                    }
                    result.vocab = Some(expanded.into());
                }
                other => return Err(err("invalid vocab mapping", other.to_string())),
            }
        }
        // 5.9
        if let Some(value) = map.get("@language") {
            match value {
                Value::Null => result.language = None,
                Value::String(s) => result.language = Some(s.to_ascii_lowercase().into()),
                other => return Err(err("invalid default language", other.to_string())),
            }
        }
        // 5.10
        if let Some(value) = map.get("@direction") {
            result.direction = match value {
                Value::Null => None,
                Value::String(s) if s == "ltr" => Some(Direction::Ltr),
                Value::String(s) if s == "rtl" => Some(Direction::Rtl),
                other => return Err(err("invalid base direction", other.to_string())),
            };
        }
        // 5.11
        if let Some(value) = map.get("@propagate") {
            if !value.is_boolean() {
                return Err(err("invalid @propagate value", value.to_string()));
            }
        }
        let protected = match map.get("@protected") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(err("invalid @protected value", other.to_string())),
        };
        // 5.12, 5.13
        let mut defs = Definer {
            local: map,
            defined: HashMap::new(),
            base_url: base_url.map(Arc::from),
            protected,
            override_protected: flags.override_protected,
            remote: remote.to_vec(),
            trusted: flags.trusted || !remote.is_empty(),
        };
        for key in map.keys() {
            if matches!(
                key.as_str(),
                "@base"
                    | "@direction"
                    | "@import"
                    | "@language"
                    | "@propagate"
                    | "@protected"
                    | "@version"
                    | "@vocab"
            ) {
                continue;
            }
            defs.create(self, result, key)?;
        }
        Ok(())
    }
}

/// State of one context definition's term creation (§4.2.2 inputs).
struct Definer<'m> {
    local: &'m Map<String, Value>,
    defined: HashMap<&'m str, bool>,
    base_url: Option<Arc<str>>,
    protected: bool,
    override_protected: bool,
    remote: Vec<Arc<str>>,
    trusted: bool,
}

impl<'m> Definer<'m> {
    /// IRI Expansion with a local context and `defined` map (§5.2.2 steps 3, 6.3).
    fn expand_iri(
        &mut self,
        p: &mut Processor<'_>,
        ctx: &mut Context,
        value: &'m str,
        document_relative: bool,
        vocab: bool,
    ) -> Result<Option<String>, EngineError> {
        if is_keyword(value) {
            return Ok(Some(value.to_owned()));
        }
        if has_keyword_form(value) {
            return Ok(None);
        }
        if self.local.contains_key(value) && self.defined.get(value) != Some(&true) {
            self.create(p, ctx, value)?;
        }
        if let Some(colon) = colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix != "_"
                && !suffix.starts_with("//")
                && self.local.contains_key(prefix)
                && self.defined.get(prefix) != Some(&true)
            {
                self.create(p, ctx, prefix)?;
            }
        }
        Ok(ctx
            .expand_iri(value, document_relative, vocab)
            .map(|c| c.into_owned()))
    }

    /// Create Term Definition (§4.2.2).
    fn create(
        &mut self,
        p: &mut Processor<'_>,
        ctx: &mut Context,
        term: &'m str,
    ) -> Result<(), EngineError> {
        p.step()?;
        // 1.
        match self.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => return Err(err("cyclic IRI mapping", term)),
            None => {}
        }
        // 2.
        if term.is_empty() {
            return Err(err("invalid term definition", "empty term"));
        }
        self.defined.insert(term, false);
        // 3.
        let Some(value) = self.local.get(term) else {
            return Ok(());
        };
        // 4.
        if term == "@type" {
            let ok = match value {
                Value::Object(m) => {
                    !m.is_empty()
                        && m.iter().all(|(k, v)| match k.as_str() {
                            "@container" => v == "@set",
                            "@protected" => v.is_boolean(),
                            _ => false,
                        })
                }
                _ => false,
            };
            if !ok {
                return Err(err("keyword redefinition", term));
            }
        } else if is_keyword(term) {
            // 5.
            return Err(err("keyword redefinition", term));
        } else if has_keyword_form(term) {
            return Ok(());
        }
        // 6.
        let previous = ctx.terms.remove(term);
        // 7-9.
        let (map, simple): (Option<&'m Map<String, Value>>, bool) = match value {
            Value::Null => (None, false),
            Value::String(_) => (None, true),
            Value::Object(m) => (Some(m), false),
            _ => return Err(err("invalid term definition", term)),
        };
        let get = |k: &str| map.and_then(|m| m.get(k));
        let id_value: Option<&Value> = match value {
            Value::Null => Some(&Value::Null),
            Value::String(_) => Some(value),
            _ => get("@id"),
        };
        // 10.
        // 11, 12.
        let protected = match get("@protected") {
            None => self.protected,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(err("invalid @protected value", other.to_string())),
        };
        let mut def = TermDef {
            protected,
            ..TermDef::default()
        };
        // 13.
        if let Some(t) = get("@type") {
            let Value::String(t) = t else {
                return Err(err("invalid type mapping", t.to_string()));
            };
            let expanded = self
                .expand_iri(p, ctx, t, false, true)?
                .ok_or_else(|| err("invalid type mapping", t.clone()))?;
            let keyword = matches!(expanded.as_str(), "@id" | "@json" | "@none" | "@vocab");
            let iri = is_absolute_iri(&expanded) && !expanded.starts_with("_:");
            if !keyword && !iri {
                return Err(err("invalid type mapping", expanded));
            }
            def.type_mapping = Some(expanded.into());
        }
        // 14.
        if let Some(rev) = get("@reverse") {
            if get("@id").is_some() || get("@nest").is_some() {
                return Err(err("invalid reverse property", term));
            }
            let Value::String(rev) = rev else {
                return Err(err("invalid IRI mapping", rev.to_string()));
            };
            if has_keyword_form(rev) {
                return Ok(());
            }
            let iri = self.expand_iri(p, ctx, rev, false, true)?;
            match iri {
                Some(iri) if iri.contains(':') => def.iri = Some(iri.into()),
                _ => return Err(err("invalid IRI mapping", rev.clone())),
            }
            if let Some(c) = get("@container") {
                def.container = match c {
                    Value::Null => 0,
                    Value::String(s) if s == "@set" => container::SET,
                    Value::String(s) if s == "@index" => container::INDEX,
                    _ => return Err(err("invalid reverse property", c.to_string())),
                };
            }
            if let Some(index) = get("@index") {
                if def.container & container::INDEX == 0 {
                    return Err(err(
                        "invalid term definition",
                        "@index without @index container",
                    ));
                }
                let Value::String(index) = index else {
                    return Err(err("invalid term definition", index.to_string()));
                };
                def.index = Some(index.clone());
            }
            def.reverse = true;
            self.finish(ctx, term, def, previous)?;
            return Ok(());
        }
        // 16.
        match id_value {
            Some(id) if id.as_str() != Some(term) => match id {
                Value::Null => def.iri = None,
                Value::String(id) => {
                    if !is_keyword(id) && has_keyword_form(id) {
                        return Ok(());
                    }
                    let iri = self
                        .expand_iri(p, ctx, id, false, true)?
                        .ok_or_else(|| err("invalid IRI mapping", id.clone()))?;
                    if !(is_keyword(&iri) || is_absolute_iri(&iri)) {
                        return Err(err("invalid IRI mapping", iri));
                    }
                    if iri == "@context" {
                        return Err(err("invalid keyword alias", term));
                    }
                    let inner_colon = term
                        .char_indices()
                        .any(|(i, c)| c == ':' && i > 0 && i + 1 < term.len());
                    if inner_colon || term.contains('/') {
                        self.defined.insert(term, true);
                        let term_iri = self.expand_iri(p, ctx, term, false, true)?;
                        if term_iri.as_deref() != Some(iri.as_str()) {
                            return Err(err("invalid IRI mapping", term));
                        }
                    }
                    if !term.contains(':')
                        && !term.contains('/')
                        && simple
                        && (iri.starts_with("_:")
                            || iri.ends_with([':', '/', '?', '#', '[', ']', '@']))
                    {
                        def.prefix = true;
                    }
                    def.iri = Some(iri.into());
                }
                other => return Err(err("invalid IRI mapping", other.to_string())),
            },
            _ => {
                let colon = colon_after_first(term);
                if let Some(colon) = colon {
                    // 17.
                    let (prefix, suffix) = (&term[..colon], &term[colon + 1..]);
                    if self.local.contains_key(prefix) {
                        self.create(p, ctx, prefix)?;
                    }
                    match ctx.term(prefix).and_then(|d| d.iri.clone()) {
                        Some(piri) => def.iri = Some(format!("{piri}{suffix}").into()),
                        None => def.iri = Some(term.into()),
                    }
                } else if term.contains('/') {
                    // 18.
                    let iri = ctx.expand_iri(term, false, true);
                    match iri {
                        Some(iri) if is_absolute_iri(&iri) => def.iri = Some(iri.into()),
                        _ => return Err(err("invalid IRI mapping", term)),
                    }
                } else if term == "@type" {
                    // 19.
                    def.iri = Some("@type".into());
                } else if let Some(vocab) = &ctx.vocab {
                    // 20.
                    def.iri = Some(format!("{vocab}{term}").into());
                } else {
                    return Err(err("invalid IRI mapping", term));
                }
            }
        }
        // 21.
        if let Some(c) = get("@container") {
            def.container = parse_container(c)?;
            if def.container & container::TYPE != 0 {
                match def.type_mapping.as_deref() {
                    None => def.type_mapping = Some("@id".into()),
                    Some("@id" | "@vocab") => {}
                    Some(other) => return Err(err("invalid type mapping", other)),
                }
            }
        }
        // 22.
        if let Some(index) = get("@index") {
            if def.container & container::INDEX == 0 {
                return Err(err(
                    "invalid term definition",
                    "@index without an @index container",
                ));
            }
            let Value::String(index) = index else {
                return Err(err("invalid term definition", index.to_string()));
            };
            let expanded = self.expand_iri(p, ctx, index, false, true)?;
            if !expanded.as_deref().is_some_and(is_absolute_iri) {
                return Err(err("invalid term definition", index.clone()));
            }
            def.index = Some(index.clone());
        }
        // 23.
        if let Some(scoped) = get("@context") {
            // Validate now (errors are reported at definition time).
            let snapshot = Arc::new(ctx.duplicate());
            let mut remote = self.remote.clone();
            p.process(
                &snapshot,
                scoped,
                self.base_url.as_deref(),
                &mut remote,
                Flags {
                    override_protected: true,
                    propagate: true,
                    validate: false,
                    trusted: self.trusted,
                },
            )
            .map_err(|e| match e {
                EngineError::UnknownContext(_) => e,
                EngineError::JsonLd { .. } => err("invalid scoped context", e.to_string()),
                other => other,
            })?;
            def.context = Some(Scoped {
                id: next_id(),
                trusted: self.trusted,
                value: Arc::new(scoped.clone()),
            });
            def.base_url = self.base_url.clone();
        }
        // 24.
        if let (Some(lang), false) = (get("@language"), get("@type").is_some()) {
            def.language = Some(match lang {
                Value::Null => None,
                Value::String(s) => Some(s.to_ascii_lowercase().into()),
                other => return Err(err("invalid language mapping", other.to_string())),
            });
        }
        // 25.
        if let (Some(dir), false) = (get("@direction"), get("@type").is_some()) {
            def.direction = Some(match dir {
                Value::Null => None,
                Value::String(s) if s == "ltr" => Some(Direction::Ltr),
                Value::String(s) if s == "rtl" => Some(Direction::Rtl),
                other => return Err(err("invalid base direction", other.to_string())),
            });
        }
        // 26.
        if let Some(nest) = get("@nest") {
            match nest {
                Value::String(s) if !is_keyword(s) || s == "@nest" => def.nest = Some(s.clone()),
                other => return Err(err("invalid @nest value", other.to_string())),
            }
        }
        // 27.
        if let Some(prefix) = get("@prefix") {
            if term.contains(':') || term.contains('/') {
                return Err(err("invalid term definition", term));
            }
            let Value::Bool(b) = prefix else {
                return Err(err("invalid @prefix value", prefix.to_string()));
            };
            def.prefix = *b;
            if *b && def.iri.as_deref().is_some_and(is_keyword) {
                return Err(err("invalid term definition", term));
            }
        }
        // 28.
        for key in map.into_iter().flat_map(|m| m.keys()) {
            if !matches!(
                key.as_str(),
                "@id"
                    | "@reverse"
                    | "@container"
                    | "@context"
                    | "@direction"
                    | "@index"
                    | "@language"
                    | "@nest"
                    | "@prefix"
                    | "@protected"
                    | "@type"
            ) {
                return Err(err("invalid term definition", format!("{term}: {key}")));
            }
        }
        self.finish(ctx, term, def, previous)
    }

    /// Steps 29-30.
    fn finish(
        &mut self,
        ctx: &mut Context,
        term: &'m str,
        def: TermDef,
        previous: Option<Arc<TermDef>>,
    ) -> Result<(), EngineError> {
        let def = match previous {
            Some(prev) if !self.override_protected && prev.protected => {
                if !def.same_as(&prev) {
                    return Err(err("protected term redefinition", term));
                }
                prev
            }
            _ => Arc::new(def),
        };
        ctx.terms.insert(Arc::from(term), def);
        self.defined.insert(term, true);
        Ok(())
    }
}

fn parse_container(c: &Value) -> Result<u8, EngineError> {
    let items = match c {
        Value::Null => return Ok(0),
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    let mut flags = 0u8;
    for item in items {
        let Value::String(s) = item else {
            return Err(err("invalid container mapping", c.to_string()));
        };
        let f = match s.as_str() {
            "@list" => container::LIST,
            "@set" => container::SET,
            "@index" => container::INDEX,
            "@language" => container::LANGUAGE,
            "@id" => container::ID,
            "@type" => container::TYPE,
            "@graph" => container::GRAPH,
            _ => return Err(err("invalid container mapping", s.clone())),
        };
        flags |= f;
    }
    use container::*;
    let ok = match flags {
        0 => true,
        f if f == LIST => true,
        f if f & LIST != 0 => false,
        f if f & GRAPH != 0 => f & (LANGUAGE | TYPE) == 0 && (f & ID == 0 || f & INDEX == 0),
        f => (f & !SET).count_ones() <= 1,
    };
    if !ok || (matches!(c, Value::Array(a) if a.is_empty())) {
        return Err(err("invalid container mapping", c.to_string()));
    }
    Ok(flags)
}
