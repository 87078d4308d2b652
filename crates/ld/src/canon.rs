//! RDF Dataset Canonicalization, RDFC-1.0 (<https://www.w3.org/TR/rdf-canon/>),
//! with a hard bound on the work it may do.
//!
//! Why hand-written: no Rust crate offers RDFC-1.0 with a work limit that we
//! can use together with our JSON-LD engine (which produces `oxrdf` quads). oxrdf's `Rdfc10`
//! is unbounded: an 8-node blank-node clique takes seconds, and each extra node
//! costs about ten times more. Credentials are untrusted input, so a "poisoned"
//! dataset must be refused quickly instead (spec §"Dataset Poisoning").
//!
//! The algorithm follows the specification step by step; the comments name the
//! steps. Two things are implementation choices that do not change any result:
//!
//! * In Hash N-Degree Quads a permutation is abandoned as soon as its path is
//!   not smaller than the chosen path (the spec abandons it a little later, when
//!   it is also at least as long). A path only ever grows, so such a
//!   permutation can never become the chosen one.
//! * Permutations of a blank node list are generated in lexicographic order of
//!   distinct arrangements; identical arrangements (a node listed twice) give
//!   identical paths and issuers, so visiting them once suffices.
//!
//! Work is counted in units (each Hash N-Degree Quads call, each related quad,
//! each permutation and the identifiers it touches) against
//! [`CanonLimits::max_work`]; the wall-clock [`CanonLimits::deadline`] is
//! checked every few hundred units and regularly during the linear phases.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use oxrdf::{
    BlankNode, GraphName, GraphNameRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, Term, TermRef,
};
use sha2::{Digest, Sha256, Sha384};

use crate::nquads;
pub use crate::nquads::quad_to_nquads_line;

/// The hash function RDFC-1.0 is parameterised with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashAlgorithm {
    /// SHA-256, the RDFC-1.0 default.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
}

/// Bounds on one canonicalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonLimits {
    /// Most quads accepted (counted before duplicates are removed).
    pub max_quads: usize,
    /// Most distinct blank nodes accepted.
    pub max_blank_nodes: usize,
    /// Most units of work spent disambiguating blank nodes (Hash N-Degree Quads).
    pub max_work: u64,
    /// Wall-clock budget for the whole call, if any.
    pub deadline: Option<Duration>,
}

impl Default for CanonLimits {
    /// Generous for real credentials (which need a few hundred units of work
    /// at most), yet refuses poisoned datasets in well under a second.
    fn default() -> Self {
        Self {
            max_quads: 100_000,
            max_blank_nodes: 10_000,
            max_work: 1_000_000,
            deadline: Some(Duration::from_secs(1)),
        }
    }
}

/// Why a dataset was not canonicalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    #[error(
        "the document has {count} RDF statements, more than the {limit} that canonicalization accepts"
    )]
    TooManyQuads { count: usize, limit: usize },
    #[error(
        "the document has {count} blank nodes (nodes without an id), more than the {limit} that canonicalization accepts"
    )]
    TooManyBlankNodes { count: usize, limit: usize },
    #[error(
        "the document's blank-node structure is too complex to canonicalize safely (possible dataset poisoning): it needs more than the allowed {limit} units of work"
    )]
    WorkLimitExceeded { limit: u64 },
    #[error(
        "the document's blank-node structure is too complex to canonicalize safely (possible dataset poisoning): it took longer than the allowed {limit:?}"
    )]
    DeadlineExceeded { limit: Duration },
    #[error(
        "the document contains an RDF 1.2 triple term, which RDFC-1.0 canonicalization does not support"
    )]
    UnsupportedTerm,
}

/// The result of [`canonicalize_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    /// The canonical N-Quads document: sorted, distinct lines, each ending in `"\n"`.
    pub nquads: String,
    /// The issued identifiers map: (input blank node identifier, canonical
    /// identifier such as `c14n0`), in the order the identifiers were issued.
    pub issued: Vec<(String, String)>,
}

/// Canonicalizes `quads` with RDFC-1.0 and SHA-256 and returns the canonical
/// N-Quads document.
pub fn canonicalize(quads: &[Quad], limits: &CanonLimits) -> Result<String, CanonError> {
    canonicalize_dataset(Dataset::from_quads(quads)?, limits)
}

/// Canonicalizes a [`Dataset`] (as the JSON-LD engine produces it) with
/// RDFC-1.0 and SHA-256 and returns the canonical N-Quads document.
pub fn canonicalize_dataset(dataset: Dataset, limits: &CanonLimits) -> Result<String, CanonError> {
    let state = State::run(dataset, HashAlgorithm::Sha256, limits)?;
    Ok(state.serialize())
}

/// Canonicalizes `quads` with RDFC-1.0 and the given hash algorithm, returning
/// the canonical N-Quads document and the issued identifiers map.
pub fn canonicalize_with(
    quads: &[Quad],
    hash: HashAlgorithm,
    limits: &CanonLimits,
) -> Result<Canonical, CanonError> {
    let state = State::run(Dataset::from_quads(quads)?, hash, limits)?;
    let mut issued = Vec::with_capacity(state.canon_order.len());
    for (k, &n) in state.canon_order.iter().enumerate() {
        let mut id = String::with_capacity(8);
        id.push_str("c14n");
        push_usize(&mut id, k);
        issued.push((state.data.label(n), id));
    }
    Ok(Canonical {
        nquads: state.serialize(),
        issued,
    })
}

/// RDF quads in the form canonicalization works on: every ground term already
/// in canonical N-Quads form in one text buffer, blank nodes numbered. The
/// JSON-LD engine writes this directly (no per-term allocation); quads from
/// elsewhere are converted with [`Dataset::from_quads`].
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    text: String,
    quads: Vec<IQuad>,
    /// Number of blank nodes (numbered `0..blanks`).
    blanks: usize,
    /// Input labels by blank node number; `None` means `b0`, `b1`, ….
    labels: Option<Vec<String>>,
}

impl Dataset {
    pub(crate) fn with_capacity(quads: usize) -> Self {
        Dataset {
            text: String::with_capacity(quads * 64),
            quads: Vec::with_capacity(quads),
            blanks: 0,
            labels: None,
        }
    }

    /// Number of quads (duplicates included).
    pub fn len(&self) -> usize {
        self.quads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }

    /// An IRI term (the caller has checked it is well formed).
    #[inline]
    pub(crate) fn iri(&mut self, iri: &str) -> Comp {
        let start = self.text.len();
        nquads::push_iri(&mut self.text, iri);
        Comp::Text((start, self.text.len()))
    }

    /// A literal: `datatype` is ignored when `language` is given.
    pub(crate) fn literal(
        &mut self,
        lexical: &str,
        datatype: &str,
        language: Option<&str>,
    ) -> Comp {
        let start = self.text.len();
        nquads::push_literal_parts(&mut self.text, lexical, datatype, language);
        Comp::Text((start, self.text.len()))
    }

    /// Blank node number `n`.
    #[inline]
    pub(crate) fn blank(&mut self, n: usize) -> Comp {
        self.blanks = self.blanks.max(n + 1);
        Comp::Blank(n)
    }

    /// Adds a quad; `p` must be a term made by [`Dataset::iri`].
    #[inline]
    pub(crate) fn push(&mut self, s: Comp, p: Comp, o: Comp, g: Comp) {
        let p = match p {
            Comp::Text(span) => span,
            Comp::Blank(_) | Comp::Default => (0, 0),
        };
        self.quads.push(IQuad { s, p, o, g });
    }

    /// The input label of blank node `n`.
    fn label(&self, n: usize) -> String {
        match &self.labels {
            Some(labels) => labels.get(n).cloned().unwrap_or_default(),
            None => format!("b{n}"),
        }
    }

    /// Converts `oxrdf` quads, keeping their blank node labels.
    pub fn from_quads<'a>(input: &'a [Quad]) -> Result<Self, CanonError> {
        let mut text = String::with_capacity(input.len() * 48);
        let mut quads = Vec::with_capacity(input.len());
        let mut ids: HashMap<&'a str, usize, foldhash::fast::RandomState> = HashMap::default();
        let mut labels: Vec<String> = Vec::new();

        let mut blank = |label: &'a str| -> Comp {
            let next = labels.len();
            let n = *ids.entry(label).or_insert(next);
            if n == next {
                labels.push(label.to_owned());
            }
            Comp::Blank(n)
        };
        for quad in input {
            let q = quad.as_ref();
            let s = match q.subject {
                NamedOrBlankNodeRef::BlankNode(b) => blank(b.as_str()),
                NamedOrBlankNodeRef::NamedNode(n) => {
                    let start = text.len();
                    nquads::push_iri(&mut text, n.as_str());
                    Comp::Text((start, text.len()))
                }
            };
            let start = text.len();
            nquads::push_iri(&mut text, q.predicate.as_str());
            let p = (start, text.len());
            #[allow(unreachable_patterns)] // RDF 1.2 triple terms (oxrdf feature `rdf-12`)
            let o = match q.object {
                TermRef::BlankNode(b) => blank(b.as_str()),
                TermRef::NamedNode(n) => {
                    let start = text.len();
                    nquads::push_iri(&mut text, n.as_str());
                    Comp::Text((start, text.len()))
                }
                TermRef::Literal(l) => {
                    let start = text.len();
                    nquads::push_literal(&mut text, l);
                    Comp::Text((start, text.len()))
                }
                _ => return Err(CanonError::UnsupportedTerm),
            };
            let g = match q.graph_name {
                GraphNameRef::BlankNode(b) => blank(b.as_str()),
                GraphNameRef::NamedNode(n) => {
                    let start = text.len();
                    nquads::push_iri(&mut text, n.as_str());
                    Comp::Text((start, text.len()))
                }
                GraphNameRef::DefaultGraph => Comp::Default,
            };
            quads.push(IQuad { s, p, o, g });
        }
        Ok(Dataset {
            text,
            quads,
            blanks: labels.len(),
            labels: Some(labels),
        })
    }

    /// The quads as `oxrdf` values (blank nodes labelled as in the input).
    pub fn to_quads(&self) -> Vec<Quad> {
        let node = |c: Comp| -> Option<Term> {
            match c {
                Comp::Blank(n) => Some(BlankNode::new_unchecked(self.label(n)).into()),
                Comp::Text(span) => nquads::parse_term(span_str(&self.text, span)),
                Comp::Default => None,
            }
        };
        self.quads
            .iter()
            .filter_map(|q| {
                let subject = match node(q.s)? {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n),
                    Term::BlankNode(b) => NamedOrBlankNode::from(b),
                    _ => return None,
                };
                let Term::NamedNode(predicate) = nquads::parse_term(span_str(&self.text, q.p))?
                else {
                    return None;
                };
                let object = node(q.o)?;
                let graph = match node(q.g) {
                    None => GraphName::DefaultGraph,
                    Some(Term::NamedNode(n)) => GraphName::from(n),
                    Some(Term::BlankNode(b)) => GraphName::from(b),
                    Some(_) => return None,
                };
                Some(Quad::new(subject, predicate, object, graph))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

/// Deepest nesting of Hash N-Degree Quads calls. Each level is one more blank
/// node that could not be told apart from its neighbours; real documents stay
/// within a handful. The bound keeps the native stack small whatever the input.
const MAX_DEPTH: usize = 128;

/// How often (in work units, or in linear-phase steps) the clock is read.
const CHECK_EVERY: u64 = 256;

const NOT_ISSUED: usize = usize::MAX;

/// A byte range in [`State::text`].
type Span = (usize, usize);

/// One component of a quad: a blank node (by index), an already serialized
/// term, or the default graph.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Comp {
    Blank(usize),
    Text(Span),
    Default,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct IQuad {
    s: Comp,
    p: Span,
    o: Comp,
    g: Comp,
}

/// A hash as lower-case hex (64 or 96 characters). Code point order of the
/// hex strings is byte order of this buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
struct HexHash {
    len: u8,
    hex: [u8; 96],
}

impl HexHash {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        self.hex.get(..usize::from(self.len)).unwrap_or_default()
    }

    #[inline]
    fn push_to(&self, out: &mut String) {
        for &b in self.as_bytes() {
            out.push(char::from(b));
        }
    }
}

impl Ord for HexHash {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for HexHash {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha384(Sha384),
}

impl Hasher {
    #[inline]
    fn new(alg: HashAlgorithm) -> Self {
        match alg {
            HashAlgorithm::Sha256 => Self::Sha256(Sha256::new()),
            HashAlgorithm::Sha384 => Self::Sha384(Sha384::new()),
        }
    }

    #[inline]
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
        }
    }

    fn finish(self) -> HexHash {
        match self {
            Self::Sha256(h) => to_hex(&h.finalize()),
            Self::Sha384(h) => to_hex(&h.finalize()),
        }
    }

    fn hash(alg: HashAlgorithm, data: &[u8]) -> HexHash {
        let mut h = Self::new(alg);
        h.update(data);
        h.finish()
    }
}

fn to_hex(digest: &[u8]) -> HexHash {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = HexHash {
        len: 0,
        hex: [0; 96],
    };
    for (pair, &byte) in out.hex.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xF)];
        out.len += 2;
    }
    out
}

/// Appends the decimal form of `n`.
fn push_usize(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &b in buf.get(i..).unwrap_or_default() {
        out.push(char::from(b));
    }
}

#[inline]
fn span_str(buf: &str, span: Span) -> &str {
    buf.get(span.0..span.1).unwrap_or_default()
}

/// Counts work and watches the clock.
struct Meter {
    used: u64,
    max: u64,
    start: Option<Instant>,
    deadline: Option<Duration>,
    next_check: u64,
    steps: u64,
}

impl Meter {
    fn new(limits: &CanonLimits) -> Self {
        Self {
            used: 0,
            max: limits.max_work,
            start: limits.deadline.map(|_| Instant::now()),
            deadline: limits.deadline,
            next_check: CHECK_EVERY,
            steps: 0,
        }
    }

    /// Spends `units` of the work budget.
    #[inline]
    fn charge(&mut self, units: u64) -> Result<(), CanonError> {
        self.used = self.used.saturating_add(units);
        if self.used > self.max {
            return Err(self.too_complex());
        }
        if self.used >= self.next_check {
            self.next_check = self.used.saturating_add(CHECK_EVERY);
            self.check_clock()?;
        }
        Ok(())
    }

    /// One step of a linear phase: only the clock is watched.
    #[inline]
    fn step(&mut self) -> Result<(), CanonError> {
        self.steps += 1;
        if self.steps % CHECK_EVERY == 0 {
            self.check_clock()?;
        }
        Ok(())
    }

    fn check_clock(&self) -> Result<(), CanonError> {
        if let (Some(start), Some(limit)) = (self.start, self.deadline) {
            if start.elapsed() > limit {
                return Err(CanonError::DeadlineExceeded { limit });
            }
        }
        Ok(())
    }

    fn too_complex(&self) -> CanonError {
        CanonError::WorkLimitExceeded { limit: self.max }
    }
}

/// A temporary identifier issuer (prefix `b`): the blank nodes it issued
/// identifiers to, in order; the identifier of the node at position `k` is `bk`.
/// Kept as a short list: it only ever holds the blank nodes of one
/// neighbourhood being explored, and it is copied for every permutation.
#[derive(Default)]
struct TempIssuer {
    issued: Vec<usize>,
}

impl Clone for TempIssuer {
    fn clone(&self) -> Self {
        Self {
            issued: self.issued.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.issued.clone_from(&source.issued);
    }
}

impl TempIssuer {
    #[inline]
    fn get(&self, node: usize) -> Option<usize> {
        self.issued.iter().position(|&n| n == node)
    }

    /// Issue Identifier algorithm.
    #[inline]
    fn issue(&mut self, node: usize) -> usize {
        match self.get(node) {
            Some(k) => k,
            None => {
                self.issued.push(node);
                self.issued.len() - 1
            }
        }
    }
}

/// The canonicalization state.
struct State {
    alg: HashAlgorithm,
    /// The quads (ground terms serialized in `data.text`); duplicates that
    /// mention blank nodes are removed on load.
    data: Dataset,
    /// Blank node to quads map, compressed: the quads mentioning node `n` are
    /// `mentions[mention_start[n]..mention_start[n + 1]]`.
    mention_start: Vec<usize>,
    mentions: Vec<usize>,
    first_degree: Vec<HexHash>,
    /// Canonical issuer: `canon[n]` is `k` for `c14nk`, or [`NOT_ISSUED`].
    canon: Vec<usize>,
    canon_order: Vec<usize>,
    meter: Meter,
}

impl State {
    fn run(data: Dataset, alg: HashAlgorithm, limits: &CanonLimits) -> Result<Self, CanonError> {
        if data.quads.len() > limits.max_quads {
            return Err(CanonError::TooManyQuads {
                count: data.quads.len(),
                limit: limits.max_quads,
            });
        }
        if data.blanks > limits.max_blank_nodes {
            return Err(CanonError::TooManyBlankNodes {
                count: data.blanks,
                limit: limits.max_blank_nodes,
            });
        }
        let mut state = Self {
            alg,
            data,
            mention_start: Vec::new(),
            mentions: Vec::new(),
            first_degree: Vec::new(),
            canon: Vec::new(),
            canon_order: Vec::new(),
            meter: Meter::new(limits),
        };
        state.remove_duplicates();
        state.build_mentions()?;
        state.issue_identifiers()?;
        Ok(state)
    }

    fn comp_cmp(&self, a: Comp, b: Comp) -> Ordering {
        match (a, b) {
            (Comp::Blank(x), Comp::Blank(y)) => x.cmp(&y),
            (Comp::Text(x), Comp::Text(y)) => {
                span_str(&self.data.text, x).cmp(span_str(&self.data.text, y))
            }
            (Comp::Default, Comp::Default) => Ordering::Equal,
            (Comp::Blank(_), _) | (Comp::Text(_), Comp::Default) => Ordering::Less,
            _ => Ordering::Greater,
        }
    }

    fn quad_cmp(&self, a: &IQuad, b: &IQuad) -> Ordering {
        self.comp_cmp(a.s, b.s)
            .then_with(|| self.comp_cmp(a.o, b.o))
            .then_with(|| self.comp_cmp(a.g, b.g))
            .then_with(|| span_str(&self.data.text, a.p).cmp(span_str(&self.data.text, b.p)))
    }

    /// A dataset is a set: keep the first of equal quads that mention blank
    /// nodes, so that every mention set is a set. (Duplicate ground quads do
    /// not take part in hashing; [`State::serialize`] drops their lines.)
    fn remove_duplicates(&mut self) {
        let mut order: Vec<usize> = (0..self.data.quads.len())
            .filter(|&i| self.data.quads.get(i).is_some_and(has_blank))
            .collect();
        if order.len() < 2 {
            return;
        }
        order.sort_unstable_by(|&a, &b| {
            self.quad_cmp(&self.data.quads[a], &self.data.quads[b])
                .then(a.cmp(&b))
        });
        let mut duplicate = vec![false; self.data.quads.len()];
        let mut any = false;
        for w in order.windows(2) {
            if self.quad_cmp(&self.data.quads[w[0]], &self.data.quads[w[1]]) == Ordering::Equal {
                duplicate[w[1]] = true;
                any = true;
            }
        }
        if any {
            let mut i = 0;
            self.data.quads.retain(|_| {
                let keep = !duplicate[i];
                i += 1;
                keep
            });
        }
    }

    /// Step 2: the blank node to quads map (each quad listed once per node).
    fn build_mentions(&mut self) -> Result<(), CanonError> {
        let nb = self.data.blanks;
        let mut count = vec![0usize; nb + 1];
        for q in &self.data.quads {
            for_each_distinct_blank(q, |b| count[b + 1] += 1);
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let total = count[nb];
        let mut mentions = vec![0usize; total];
        let mut fill = count.clone();
        for (qi, q) in self.data.quads.iter().enumerate() {
            self.meter.step()?;
            for_each_distinct_blank(q, |b| {
                mentions[fill[b]] = qi;
                fill[b] += 1;
            });
        }
        self.mention_start = count;
        self.mentions = mentions;
        Ok(())
    }

    #[inline]
    fn mentions_of(&self, node: usize) -> &[usize] {
        let start = self.mention_start.get(node).copied().unwrap_or(0);
        let end = self.mention_start.get(node + 1).copied().unwrap_or(start);
        self.mentions.get(start..end).unwrap_or_default()
    }

    /// Appends one quad in canonical N-Quads form, writing blank nodes with `blank`.
    fn push_quad(&self, out: &mut String, q: &IQuad, blank: impl Fn(&mut String, usize)) {
        self.push_comp(out, q.s, &blank);
        out.push(' ');
        out.push_str(span_str(&self.data.text, q.p));
        out.push(' ');
        self.push_comp(out, q.o, &blank);
        out.push(' ');
        if !matches!(q.g, Comp::Default) {
            self.push_comp(out, q.g, &blank);
            out.push(' ');
        }
        out.push_str(".\n");
    }

    #[inline]
    fn push_comp(&self, out: &mut String, c: Comp, blank: &impl Fn(&mut String, usize)) {
        match c {
            Comp::Blank(b) => blank(out, b),
            Comp::Text(span) => out.push_str(span_str(&self.data.text, span)),
            Comp::Default => {}
        }
    }

    /// Steps 3–6.
    fn issue_identifiers(&mut self) -> Result<(), CanonError> {
        let nb = self.data.blanks;
        self.canon = vec![NOT_ISSUED; nb];
        self.canon_order = Vec::with_capacity(nb);
        if nb == 0 {
            return Ok(());
        }

        // Step 3: first degree hashes; the hash to blank nodes map is `by_hash`
        // sorted by hash, each identifier list in blank node order.
        self.first_degree = Vec::with_capacity(nb);
        let mut lines = String::new();
        let mut spans: Vec<Span> = Vec::new();
        for n in 0..nb {
            let h = self.hash_first_degree(n, &mut lines, &mut spans)?;
            self.first_degree.push(h);
        }
        let mut by_hash: Vec<(HexHash, usize)> = self
            .first_degree
            .iter()
            .enumerate()
            .map(|(n, h)| (*h, n))
            .collect();
        by_hash.sort_unstable();

        // Step 4: issue canonical identifiers to nodes with unique hashes, in
        // hash order; remember the shared ones for step 5.
        let mut shared: Vec<Span> = Vec::new();
        let mut i = 0;
        while i < by_hash.len() {
            let mut j = i + 1;
            while j < by_hash.len() && by_hash[j].0 == by_hash[i].0 {
                j += 1;
            }
            if j - i == 1 {
                self.issue_canonical(by_hash[i].1);
            } else {
                shared.push((i, j));
            }
            i = j;
        }

        // Step 5: shared hashes, in hash order.
        let mut results: Vec<(HexHash, TempIssuer)> = Vec::new();
        for (i, j) in shared {
            results.clear();
            for &(_, n) in &by_hash[i..j] {
                // 5.2.1
                if self.canon[n] != NOT_ISSUED {
                    continue;
                }
                // 5.2.2–5.2.4
                let mut issuer = TempIssuer::default();
                issuer.issue(n);
                let h = self.hash_n_degree(n, &mut issuer, 0)?;
                results.push((h, issuer));
            }
            // 5.3: stable, so equal hashes keep identifier list order.
            results.sort_by_key(|r| r.0);
            for (_, issuer) in &results {
                for &n in &issuer.issued {
                    self.issue_canonical(n);
                }
            }
        }
        Ok(())
    }

    fn issue_canonical(&mut self, node: usize) {
        if let Some(slot) = self.canon.get_mut(node) {
            if *slot == NOT_ISSUED {
                *slot = self.canon_order.len();
                self.canon_order.push(node);
            }
        }
    }

    /// Hash First Degree Quads.
    fn hash_first_degree(
        &mut self,
        node: usize,
        lines: &mut String,
        spans: &mut Vec<Span>,
    ) -> Result<HexHash, CanonError> {
        lines.clear();
        spans.clear();
        let alg = self.alg;
        for &qi in self.mentions_of(node) {
            let Some(q) = self.data.quads.get(qi) else {
                continue;
            };
            let start = lines.len();
            self.push_quad(lines, q, |out, b| {
                out.push_str(if b == node { "_:a" } else { "_:z" });
            });
            spans.push((start, lines.len()));
        }
        for _ in 0..spans.len() {
            self.meter.step()?;
        }
        let text: &str = lines;
        spans.sort_unstable_by(|&a, &b| span_str(text, a).cmp(span_str(text, b)));
        let mut h = Hasher::new(alg);
        for &span in spans.iter() {
            h.update(span_str(text, span).as_bytes());
        }
        Ok(h.finish())
    }

    /// Hash Related Blank Node.
    fn hash_related(
        &self,
        related: usize,
        predicate: Option<Span>,
        position: char,
        issuer: &TempIssuer,
        input: &mut String,
    ) -> HexHash {
        input.clear();
        input.push(position);
        if let Some(p) = predicate {
            input.push_str(span_str(&self.data.text, p));
        }
        let canonical = self.canon.get(related).copied().unwrap_or(NOT_ISSUED);
        if canonical != NOT_ISSUED {
            input.push_str("_:c14n");
            push_usize(input, canonical);
        } else if let Some(k) = issuer.get(related) {
            input.push_str("_:b");
            push_usize(input, k);
        } else if let Some(h) = self.first_degree.get(related) {
            h.push_to(input);
        }
        Hasher::hash(self.alg, input.as_bytes())
    }

    /// Hash N-Degree Quads. `issuer` is replaced by the chosen issuer, as the
    /// algorithm's result.
    fn hash_n_degree(
        &mut self,
        node: usize,
        issuer: &mut TempIssuer,
        depth: usize,
    ) -> Result<HexHash, CanonError> {
        if depth > MAX_DEPTH {
            return Err(self.meter.too_complex());
        }
        let lookup_cost = issuer.issued.len() as u64 / 32;

        // Steps 1–3: Hn, as (related hash, related node) sorted by hash.
        let mentions_len = self.mentions_of(node).len() as u64;
        self.meter
            .charge(1 + mentions_len.saturating_mul(1 + lookup_cost))?;
        let mut hn: Vec<(HexHash, usize)> = Vec::new();
        let mut input = String::new();
        for &qi in self.mentions_of(node) {
            let Some(&q) = self.data.quads.get(qi) else {
                continue;
            };
            for (comp, position) in [(q.s, 's'), (q.o, 'o'), (q.g, 'g')] {
                if let Comp::Blank(related) = comp {
                    if related != node {
                        let predicate = (position != 'g').then_some(q.p);
                        let h = self.hash_related(related, predicate, position, issuer, &mut input);
                        hn.push((h, related));
                    }
                }
            }
        }
        hn.sort_unstable();

        // Steps 4–5.
        let mut data_to_hash = Hasher::new(self.alg);
        let mut path = String::new();
        let mut chosen_path = String::new();
        let mut copy = TempIssuer::default();
        let mut chosen_issuer = TempIssuer::default();
        let mut recursion: Vec<usize> = Vec::new();
        let mut permutation: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < hn.len() {
            let mut j = i + 1;
            while j < hn.len() && hn[j].0 == hn[i].0 {
                j += 1;
            }
            // 5.1
            data_to_hash.update(hn[i].0.as_bytes());
            // 5.2, 5.3
            chosen_path.clear();
            let mut have_chosen = false;
            // 5.4: the blank node list, as the first permutation in order.
            permutation.clear();
            permutation.extend(hn[i..j].iter().map(|&(_, n)| n));
            loop {
                let cost = 1
                    + permutation.len() as u64
                    + (issuer.issued.len() as u64).saturating_mul(permutation.len() as u64 + 1)
                        / 32;
                self.meter.charge(cost)?;
                // 5.4.1–5.4.3
                copy.clone_from(issuer);
                path.clear();
                recursion.clear();
                let mut abandoned = false;
                // 5.4.4
                for &related in &permutation {
                    let canonical = self.canon.get(related).copied().unwrap_or(NOT_ISSUED);
                    if canonical != NOT_ISSUED {
                        path.push_str("_:c14n");
                        push_usize(&mut path, canonical);
                    } else {
                        let k = match copy.get(related) {
                            Some(k) => k,
                            None => {
                                recursion.push(related);
                                copy.issue(related)
                            }
                        };
                        path.push_str("_:b");
                        push_usize(&mut path, k);
                    }
                    if have_chosen && path >= chosen_path {
                        abandoned = true;
                        break;
                    }
                }
                // 5.4.5
                if !abandoned {
                    for &related in &recursion {
                        let h = self.hash_n_degree(related, &mut copy, depth + 1)?;
                        let k = copy.issue(related);
                        path.push_str("_:b");
                        push_usize(&mut path, k);
                        path.push('<');
                        h.push_to(&mut path);
                        path.push('>');
                        if have_chosen && path >= chosen_path {
                            abandoned = true;
                            break;
                        }
                    }
                }
                // 5.4.6
                if !abandoned && (!have_chosen || path < chosen_path) {
                    chosen_path.clone_from(&path);
                    chosen_issuer.clone_from(&copy);
                    have_chosen = true;
                }
                if !next_permutation(&mut permutation) {
                    break;
                }
            }
            // 5.5
            data_to_hash.update(chosen_path.as_bytes());
            // 5.6
            if have_chosen {
                std::mem::swap(issuer, &mut chosen_issuer);
            }
            i = j;
        }
        // Step 6.
        Ok(data_to_hash.finish())
    }

    /// The serialized canonical form: each quad with canonical labels, sorted
    /// in code point order, concatenated.
    fn serialize(&self) -> String {
        let mut lines = String::with_capacity(self.data.text.len() + self.data.quads.len() * 24);
        let mut spans: Vec<Span> = Vec::with_capacity(self.data.quads.len());
        for q in &self.data.quads {
            let start = lines.len();
            self.push_quad(&mut lines, q, |out, b| {
                out.push_str("_:c14n");
                push_usize(out, self.canon.get(b).copied().unwrap_or(NOT_ISSUED));
            });
            spans.push((start, lines.len()));
        }
        let text: &str = &lines;
        spans.sort_unstable_by(|&a, &b| span_str(text, a).cmp(span_str(text, b)));
        let mut out = String::with_capacity(lines.len());
        let mut previous: Option<&str> = None;
        for &span in &spans {
            let line = span_str(text, span);
            if previous != Some(line) {
                out.push_str(line);
            }
            previous = Some(line);
        }
        out
    }
}

fn has_blank(q: &IQuad) -> bool {
    matches!(q.s, Comp::Blank(_)) || matches!(q.o, Comp::Blank(_)) || matches!(q.g, Comp::Blank(_))
}

/// Calls `f` once for each distinct blank node among the subject, object and
/// graph name of `q`.
#[inline]
fn for_each_distinct_blank(q: &IQuad, mut f: impl FnMut(usize)) {
    let s = match q.s {
        Comp::Blank(b) => Some(b),
        _ => None,
    };
    let o = match q.o {
        Comp::Blank(b) => Some(b),
        _ => None,
    };
    let g = match q.g {
        Comp::Blank(b) => Some(b),
        _ => None,
    };
    if let Some(b) = s {
        f(b);
    }
    if let Some(b) = o {
        if o != s {
            f(b);
        }
    }
    if let Some(b) = g {
        if g != s && g != o {
            f(b);
        }
    }
}

/// Rearranges `v` into the next permutation in lexicographic order; returns
/// `false` (leaving `v` unchanged) when `v` is the last one. Repeated values
/// yield each distinct arrangement once.
fn next_permutation(v: &mut [usize]) -> bool {
    let len = v.len();
    if len < 2 {
        return false;
    }
    let mut i = len - 1;
    while i > 0 && v[i - 1] >= v[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = len - 1;
    while v[j] <= v[i - 1] {
        j -= 1;
    }
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_complete_and_distinct() {
        let mut v = vec![1, 2, 3];
        let mut seen = vec![v.clone()];
        while next_permutation(&mut v) {
            seen.push(v.clone());
        }
        assert_eq!(seen.len(), 6);
        let mut v = vec![1, 1, 2];
        let mut n = 1;
        while next_permutation(&mut v) {
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(!next_permutation(&mut [7]));
        assert!(!next_permutation(&mut []));
    }

    #[test]
    fn decimal() {
        for n in [0usize, 7, 10, 1234, usize::MAX] {
            let mut s = String::new();
            push_usize(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn empty_dataset() {
        assert_eq!(
            canonicalize(&[], &CanonLimits::default()),
            Ok(String::new())
        );
    }
}
