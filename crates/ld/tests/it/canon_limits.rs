//! RDFC-1.0 work bounds, and a differential test against oxrdf's unbounded
//! implementation.

#![allow(clippy::unwrap_used)] // test helpers: a failure should stop the test

use std::time::{Duration, Instant};

use insignia_ld::canon::{CanonError, CanonLimits, HashAlgorithm, canonicalize, canonicalize_with};
use oxrdf::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use oxrdf::{BlankNode, Dataset, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use proptest::prelude::*;

fn iri(s: &str) -> NamedNode {
    NamedNode::new(s).unwrap()
}

fn bnode(s: &str) -> BlankNode {
    BlankNode::new(s).unwrap()
}

/// `n` blank nodes, every ordered pair (including a node with itself, as in
/// the W3C suite's test074) linked with the same predicate.
fn clique(n: usize) -> Vec<Quad> {
    let p = iri("http://example.com/p");
    let mut quads = Vec::new();
    for i in 0..n {
        for j in 0..n {
            quads.push(Quad::new(
                bnode(&format!("e{i}")),
                p.clone(),
                bnode(&format!("e{j}")),
                GraphName::DefaultGraph,
            ));
        }
    }
    quads
}

fn is_refusal(e: &CanonError) -> bool {
    matches!(
        e,
        CanonError::WorkLimitExceeded { .. } | CanonError::DeadlineExceeded { .. }
    )
}

#[test]
fn clique_is_refused_quickly() {
    for n in [10, 12] {
        let quads = clique(n);
        let started = Instant::now();
        let result = canonicalize(&quads, &CanonLimits::default());
        let elapsed = started.elapsed();
        println!("{n}-clique: {result:?} after {elapsed:?}");
        let err = result.expect_err("a blank-node clique must be refused");
        assert!(is_refusal(&err), "wrong error: {err}");
        assert!(
            err.to_string().contains("possible dataset poisoning"),
            "message: {err}"
        );
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    }
}

#[test]
fn work_limit_alone_stops_a_clique() {
    let quads = clique(10);
    let limits = CanonLimits {
        max_work: 50_000,
        deadline: None,
        ..CanonLimits::default()
    };
    let started = Instant::now();
    let err = canonicalize(&quads, &limits).unwrap_err();
    assert_eq!(err, CanonError::WorkLimitExceeded { limit: 50_000 });
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn deadline_alone_stops_a_clique() {
    let quads = clique(10);
    let limits = CanonLimits {
        max_work: u64::MAX,
        deadline: Some(Duration::from_millis(50)),
        ..CanonLimits::default()
    };
    let started = Instant::now();
    let err = canonicalize(&quads, &limits).unwrap_err();
    assert_eq!(
        err,
        CanonError::DeadlineExceeded {
            limit: Duration::from_millis(50)
        }
    );
    assert!(started.elapsed() < Duration::from_millis(500));
}

/// Long chains of blank nodes that cannot be told apart by their own quads
/// make Hash N-Degree Quads recurse deeply; that must end in a refusal, not a
/// stack overflow (test threads have small stacks).
#[test]
fn deep_symmetric_structures_do_not_overflow_the_stack() {
    let p = iri("http://example.com/next");
    for n in [200, 3000] {
        let ring: Vec<Quad> = (0..n)
            .map(|i| {
                Quad::new(
                    bnode(&format!("r{i}")),
                    p.clone(),
                    bnode(&format!("r{}", (i + 1) % n)),
                    GraphName::DefaultGraph,
                )
            })
            .collect();
        let started = Instant::now();
        let err = canonicalize(&ring, &CanonLimits::default()).unwrap_err();
        assert!(is_refusal(&err), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

/// An RDF list of identical values is the realistic case of blank nodes
/// with equal first-degree hashes; short ones must still canonicalize.
#[test]
fn lists_of_identical_values_canonicalize() {
    let first = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#first");
    let rest = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest");
    let nil = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil");
    let mut quads = vec![Quad::new(
        iri("http://example.com/s"),
        iri("http://example.com/p"),
        bnode("l0"),
        GraphName::DefaultGraph,
    )];
    let len = 20;
    for i in 0..len {
        quads.push(Quad::new(
            bnode(&format!("l{i}")),
            first.clone(),
            Literal::new_simple_literal("same"),
            GraphName::DefaultGraph,
        ));
        let next: Term = if i + 1 == len {
            nil.clone().into()
        } else {
            bnode(&format!("l{}", i + 1)).into()
        };
        quads.push(Quad::new(
            bnode(&format!("l{i}")),
            rest.clone(),
            next,
            GraphName::DefaultGraph,
        ));
    }
    let ours = canonicalize(&quads, &CanonLimits::default()).unwrap();
    assert_eq!(ours, reference(&quads, HashAlgorithm::Sha256));
}

#[test]
fn size_limits_are_checked_first() {
    let quads = clique(4);
    let err = canonicalize(
        &quads,
        &CanonLimits {
            max_quads: 15,
            ..CanonLimits::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        CanonError::TooManyQuads {
            count: 16,
            limit: 15
        }
    );
    let err = canonicalize(
        &quads,
        &CanonLimits {
            max_blank_nodes: 3,
            ..CanonLimits::default()
        },
    )
    .unwrap_err();
    assert_eq!(err, CanonError::TooManyBlankNodes { count: 4, limit: 3 });
    assert!(!err.to_string().is_empty());
}

#[test]
fn duplicates_are_removed_and_output_is_sorted() {
    let q = Quad::new(
        bnode("x"),
        iri("http://example.com/p"),
        Literal::new_simple_literal("v"),
        GraphName::DefaultGraph,
    );
    let r = Quad::new(
        iri("http://example.com/a"),
        iri("http://example.com/p"),
        bnode("x"),
        iri("http://example.com/g"),
    );
    let out = canonicalize_with(
        &[q.clone(), r.clone(), q, r],
        HashAlgorithm::Sha256,
        &CanonLimits::default(),
    )
    .unwrap();
    assert_eq!(
        out.nquads,
        "<http://example.com/a> <http://example.com/p> _:c14n0 <http://example.com/g> .\n\
         _:c14n0 <http://example.com/p> \"v\" .\n"
    );
    assert_eq!(out.issued, vec![("x".to_owned(), "c14n0".to_owned())]);
}

// ---------------------------------------------------------------------------
// Differential test against oxrdf (feature `rdfc-10`).
// ---------------------------------------------------------------------------

/// oxrdf's RDFC-1.0, serialized as canonical N-Quads and sorted.
fn reference(quads: &[Quad], hash: HashAlgorithm) -> String {
    let mut dataset: Dataset = quads.iter().cloned().collect();
    let hash_algorithm = match hash {
        HashAlgorithm::Sha256 => CanonicalizationHashAlgorithm::Sha256,
        HashAlgorithm::Sha384 => CanonicalizationHashAlgorithm::Sha384,
    };
    dataset.canonicalize(CanonicalizationAlgorithm::Rdfc10 { hash_algorithm });
    let mut lines: Vec<String> = dataset.iter().map(|q| format!("{q} .\n")).collect();
    lines.sort_unstable();
    lines.concat()
}

const LITERALS: &[(&str, Option<&str>, Option<&str>)] = &[
    ("", None, None),
    ("plain", None, None),
    ("say \"hi\"", None, None),
    ("line\nbreak\r\ttab", None, None),
    ("back\\slash \\n not a newline", None, None),
    ("ünïcödé ∞ 😀 \u{a0}", None, None),
    (
        "\u{0}\u{1}\u{7}\u{8}\u{b}\u{c}\u{e}\u{1f}\u{7f}",
        None,
        None,
    ),
    ("not chars: \u{fffe}\u{ffff}", None, None),
    ("chat", Some("fr"), None),
    ("colour", Some("en-gb"), None),
    ("1", None, Some("http://www.w3.org/2001/XMLSchema#integer")),
    (
        "explicit",
        None,
        Some("http://www.w3.org/2001/XMLSchema#string"),
    ),
    ("\"quoted\"", None, Some("http://example.com/dt")),
];

const IRIS: &[&str] = &[
    "http://example.com/a",
    "https://example.com/b#x",
    "urn:uuid:9c2f7a0e-4a40-4f0e-8f61-0f2f1a1c9d3e",
    "http://example.com/ü",
];

const PREDICATES: &[&str] = &[
    "http://example.com/p",
    "http://example.com/q",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
];

#[derive(Debug, Clone, Copy)]
enum Node {
    Blank(usize),
    Iri(usize),
    Literal(usize),
    Default,
}

fn subject_strategy() -> impl Strategy<Value = Node> {
    prop_oneof![4 => (0usize..8).prop_map(Node::Blank), 1 => (0..IRIS.len()).prop_map(Node::Iri)]
}

fn object_strategy() -> impl Strategy<Value = Node> {
    prop_oneof![
        4 => (0usize..8).prop_map(Node::Blank),
        1 => (0..IRIS.len()).prop_map(Node::Iri),
        2 => (0..LITERALS.len()).prop_map(Node::Literal),
    ]
}

fn graph_strategy() -> impl Strategy<Value = Node> {
    prop_oneof![
        6 => Just(Node::Default),
        1 => (0usize..8).prop_map(Node::Blank),
        1 => (0..2usize).prop_map(Node::Iri),
    ]
}

type Raw = Vec<(Node, usize, Node, Node)>;

fn dataset_strategy() -> impl Strategy<Value = Raw> {
    prop::collection::vec(
        (
            subject_strategy(),
            0..PREDICATES.len(),
            object_strategy(),
            graph_strategy(),
        ),
        1..18,
    )
}

fn blank(i: usize, prefix: &str) -> BlankNode {
    bnode(&format!("{prefix}{i}"))
}

fn literal(i: usize) -> Literal {
    let (value, language, datatype) = LITERALS[i];
    match (language, datatype) {
        (Some(language), _) => Literal::new_language_tagged_literal(value, language).unwrap(),
        (None, Some(datatype)) => Literal::new_typed_literal(value, iri(datatype)),
        (None, None) => Literal::new_simple_literal(value),
    }
}

/// Builds the quads, naming blank node `i` `{prefix}{rename(i)}`.
fn build(raw: &Raw, prefix: &str, rename: impl Fn(usize) -> usize) -> Vec<Quad> {
    raw.iter()
        .map(|&(s, p, o, g)| {
            let subject: NamedOrBlankNode = match s {
                Node::Blank(i) => blank(rename(i), prefix).into(),
                Node::Iri(i) => iri(IRIS[i]).into(),
                _ => unreachable!(),
            };
            let object: Term = match o {
                Node::Blank(i) => blank(rename(i), prefix).into(),
                Node::Iri(i) => iri(IRIS[i]).into(),
                Node::Literal(i) => literal(i).into(),
                Node::Default => unreachable!(),
            };
            let graph = match g {
                Node::Blank(i) => GraphName::BlankNode(blank(rename(i), prefix)),
                Node::Iri(i) => GraphName::NamedNode(iri(IRIS[i])),
                _ => GraphName::DefaultGraph,
            };
            Quad::new(subject, iri(PREDICATES[p]), object, graph)
        })
        .collect()
}

/// See `invariant_under_relabeling_and_reordering`.
fn without_blank_graphs_that_are_objects(mut raw: Raw) -> Raw {
    let objects: Vec<usize> = raw
        .iter()
        .filter_map(|(_, _, o, _)| match o {
            Node::Blank(b) => Some(*b),
            _ => None,
        })
        .collect();
    for quad in &mut raw {
        if matches!(quad.3, Node::Blank(b) if objects.contains(&b)) {
            quad.3 = Node::Default;
        }
    }
    raw
}

fn roomy() -> CanonLimits {
    CanonLimits {
        max_work: 50_000_000,
        deadline: None,
        ..CanonLimits::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn same_output_as_oxrdf(raw in dataset_strategy(), sha384 in prop::bool::weighted(0.2)) {
        let hash = if sha384 { HashAlgorithm::Sha384 } else { HashAlgorithm::Sha256 };
        let quads = build(&raw, "n", |i| i);
        let ours = canonicalize_with(&quads, hash, &roomy()).unwrap();
        prop_assert_eq!(&ours.nquads, &reference(&quads, hash));
        // Every input blank node got exactly one canonical identifier.
        let mut labels: Vec<&str> = ours.issued.iter().map(|(from, _)| from.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        prop_assert_eq!(labels.len(), ours.issued.len());
        for (k, (_, to)) in ours.issued.iter().enumerate() {
            prop_assert_eq!(to, &format!("c14n{k}"));
        }
    }

    /// Isomorphic inputs (blank nodes renamed, quads reordered) give the same
    /// canonical form.
    ///
    /// Excluded: datasets where a blank node names a graph and is also a
    /// quad's object. RDFC-1.0 itself does not always canonicalize those: two
    /// blank graphs that point at each other can get different outputs for
    /// isomorphic inputs, and the reference implementations agree with us
    /// there (`same_output_as_oxrdf`; Digital Bazaar's rdf-canonize 4 gives
    /// the same two outputs for the counterexample proptest found:
    /// `_:a <p> _:x _:y . _:b <p> _:y _:x .` with `_:x`, `_:y` also objects).
    /// Such quads are moved to the default graph here.
    #[test]
    fn invariant_under_relabeling_and_reordering(
        (raw, shuffled) in dataset_strategy()
            .prop_map(without_blank_graphs_that_are_objects)
            .prop_flat_map(|raw| (Just(raw.clone()), Just(raw).prop_shuffle())),
    ) {
        let a = canonicalize(&build(&raw, "n", |i| i), &roomy()).unwrap();
        let b = canonicalize(&build(&shuffled, "other", |i| 7 - i), &roomy()).unwrap();
        prop_assert_eq!(a, b);
    }
}
