//! The W3C RDFC-1.0 test suite (vendored in `tests/rdf-canon/`, see its README).
//!
//! Every entry of `manifest.jsonld` is run with the default [`CanonLimits`]:
//! * `rdfc:RDFC10EvalTest`: the canonical N-Quads must equal `-rdfc10.nq` byte for byte;
//! * `rdfc:RDFC10MapTest`: the issued identifiers map must equal `-rdfc10map.json`;
//! * `rdfc:RDFC10NegativeEvalTest`: canonicalization must be refused for
//!   exceeding the work limit or the deadline.
//!
//! Entries with `hashAlgorithm` `SHA384` run with SHA-384.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use insignia_ld::canon::{CanonError, CanonLimits, HashAlgorithm, canonicalize_with};
use oxrdf::Quad;
use oxttl::NQuadsParser;
use serde_json::Value;

/// Cases not run, with the reason. Keep empty unless there is a good reason.
const SKIPPED: &[(&str, &str)] = &[];

/// A refused poison dataset must come back at least this fast.
const REFUSAL_WITHIN: Duration = Duration::from_secs(2);

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rdf-canon")
}

/// `rdfc10/test001-in.nq` → the vendored copy `test001-in.nq`.
fn data_file(reference: &str) -> PathBuf {
    let name = reference.rsplit('/').next().unwrap_or(reference);
    suite_dir().join(name)
}

fn parse_nquads(path: &Path) -> Result<Vec<Quad>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    NQuadsParser::new()
        .for_slice(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

fn run_case(entry: &Value) -> Result<(), String> {
    let kind = entry["type"].as_str().ok_or("entry without type")?;
    let action = entry["action"].as_str().ok_or("entry without action")?;
    let hash = match entry.get("hashAlgorithm").and_then(Value::as_str) {
        None => HashAlgorithm::Sha256,
        Some("SHA256") => HashAlgorithm::Sha256,
        Some("SHA384") => HashAlgorithm::Sha384,
        Some(other) => return Err(format!("unknown hash algorithm {other}")),
    };
    let input = parse_nquads(&data_file(action))?;
    let limits = CanonLimits::default();
    let started = Instant::now();
    let outcome = canonicalize_with(&input, hash, &limits);
    let elapsed = started.elapsed();

    match kind {
        "rdfc:RDFC10EvalTest" | "rdfc:RDFC10MapTest" => {
            let canonical = outcome.map_err(|e| format!("refused after {elapsed:?}: {e}"))?;
            let result = entry["result"].as_str().ok_or("entry without result")?;
            let expected_path = data_file(result);
            if kind == "rdfc:RDFC10EvalTest" {
                let expected = std::fs::read(&expected_path)
                    .map_err(|e| format!("cannot read {}: {e}", expected_path.display()))?;
                if canonical.nquads.as_bytes() != expected.as_slice() {
                    return Err(format!(
                        "canonical N-Quads differ\n--- expected\n{}--- actual\n{}",
                        String::from_utf8_lossy(&expected),
                        canonical.nquads
                    ));
                }
            } else {
                let text = std::fs::read_to_string(&expected_path)
                    .map_err(|e| format!("cannot read {}: {e}", expected_path.display()))?;
                let expected: BTreeMap<String, String> = serde_json::from_str(&text)
                    .map_err(|e| format!("bad map {}: {e}", expected_path.display()))?;
                let actual: BTreeMap<String, String> = canonical.issued.iter().cloned().collect();
                if actual.len() != canonical.issued.len() {
                    return Err(format!(
                        "a blank node was issued twice: {:?}",
                        canonical.issued
                    ));
                }
                if actual != expected {
                    return Err(format!(
                        "issued identifiers differ\n  expected {expected:?}\n  actual   {actual:?}"
                    ));
                }
            }
            Ok(())
        }
        "rdfc:RDFC10NegativeEvalTest" => match outcome {
            Err(CanonError::WorkLimitExceeded { .. } | CanonError::DeadlineExceeded { .. })
                if elapsed < REFUSAL_WITHIN =>
            {
                println!("  {action}: refused in {elapsed:?}");
                Ok(())
            }
            Err(
                e @ (CanonError::WorkLimitExceeded { .. } | CanonError::DeadlineExceeded { .. }),
            ) => Err(format!("refused, but only after {elapsed:?}: {e}")),
            Err(e) => Err(format!("refused for the wrong reason: {e}")),
            Ok(_) => Err(format!(
                "expected a refusal, got a result after {elapsed:?}"
            )),
        },
        other => Err(format!("unknown test type {other}")),
    }
}

#[test]
fn w3c_rdf_canon_suite() {
    let manifest_path = suite_dir().join("manifest.jsonld");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    assert!(
        entries.len() >= 80,
        "the manifest lists only {} entries",
        entries.len()
    );

    let (mut passed, mut skipped) = (0usize, 0usize);
    let mut failures = Vec::new();
    for entry in entries {
        let id = entry["id"].as_str().unwrap_or("?").trim_start_matches('#');
        let name = entry["name"].as_str().unwrap_or("");
        if let Some((_, reason)) = SKIPPED.iter().find(|(skip, _)| *skip == id) {
            println!("  skipped {id} ({name}): {reason}");
            skipped += 1;
            continue;
        }
        match run_case(entry) {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("{id} ({name}): {why}")),
        }
    }
    println!(
        "rdf-canon: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} rdf-canon cases failed:\n\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n\n")
    );
}
