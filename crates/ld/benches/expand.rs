//! JSON-LD expansion to RDF and RDFC-1.0 on the example credential
//! (`examples/ob3-achievement-credential.json`).
//!
//! Run: `cargo bench -p insignia-ld --bench expand`. Figures: docs/benchmarks.md.

use std::sync::LazyLock;

use divan::black_box;
use serde_json::Value;

/// The same allocator as the `insignia` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

static CREDENTIAL: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../../../examples/ob3-achievement-credential.json"
    ))
    .expect("example is JSON")
});

static QUADS: LazyLock<Vec<oxrdf::Quad>> = LazyLock::new(|| {
    insignia_ld::expand(&CREDENTIAL, &Default::default())
        .expect("expand")
        .quads
});

/// Expansion and deserialization to RDF (contexts already processed: the
/// process-wide cache is warm after the first iteration).
#[divan::bench]
fn expand_to_rdf() -> usize {
    insignia_ld::expand(black_box(&CREDENTIAL), &Default::default())
        .expect("expand")
        .quads
        .len()
}

/// Expansion only (no RDF).
#[divan::bench]
fn expand_only() -> usize {
    insignia_ld::engine::expand(black_box(&CREDENTIAL), &Default::default())
        .expect("expand")
        .0
        .len()
}

/// RDFC-1.0 alone on the credential's quads.
#[divan::bench]
fn canonicalize_only() -> usize {
    insignia_ld::canon::canonicalize(black_box(&QUADS), &Default::default())
        .expect("canonicalize")
        .len()
}

/// Expansion + RDFC-1.0 (`canonical_nquads`).
#[divan::bench]
fn canonical_nquads() -> usize {
    insignia_ld::canonical_nquads(black_box(&CREDENTIAL))
        .expect("canonical")
        .nquads
        .len()
}
