//! The W3C JSON-LD 1.1 API test suite (expand and toRdf manifests), vendored in
//! `tests/json-ld-api/` (see its README.md), run against Insignia's engine.
//!
//! Expand results are compared as JSON-LD objects (arrays unordered except
//! `@list`); toRdf results by RDFC-1.0 canonical N-Quads (blank node labels
//! differ). Skipped cases and why: see `skip_reason`. Known failures are listed
//! in `KNOWN_FAILURES` with the reason; anything else failing fails the test.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use insignia_ld::canon::{CanonLimits, canonicalize};
use insignia_ld::engine::{self, Options};
use serde_json::Value;

const BASE: &str = "https://w3c.github.io/json-ld-api/tests/";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/json-ld-api")
}

fn loader(url: &str) -> Option<(String, Cow<'static, str>)> {
    let rel = url.strip_prefix(BASE)?;
    let text = std::fs::read_to_string(dir().join(rel)).ok()?;
    Some((url.to_owned(), Cow::Owned(text)))
}

/// Tests this engine deliberately does not run, with the reason.
fn skip_reason(test: &Value) -> Option<&'static str> {
    let option = &test["option"];
    if option["specVersion"] == "json-ld-1.0" {
        return Some("JSON-LD 1.0 only");
    }
    if option["processingMode"] == "json-ld-1.0" {
        return Some("JSON-LD 1.0 processing mode (not supported)");
    }
    if option["produceGeneralizedRdf"] == true {
        return Some("generalized RDF (not produced)");
    }
    if !option["rdfDirection"].is_null() {
        return Some(
            "rdfDirection i18n-datatype/compound-literal (only the default, null, is implemented)",
        );
    }
    if test["input"]
        .as_str()
        .is_some_and(|i| !i.ends_with(".jsonld"))
    {
        return Some("non-JSON input (HTML)");
    }
    None
}

/// Test id → why it fails (kept short; each is a conscious gap).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn json_eq(a: &Value, b: &Value, ordered: bool) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.get(k)
                        .is_some_and(|w| json_eq(v, w, k == "@list" || k == "@value"))
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return false;
            }
            if ordered {
                return x.iter().zip(y).all(|(v, w)| json_eq(v, w, false));
            }
            let mut used = vec![false; y.len()];
            x.iter().all(|v| {
                let found = y
                    .iter()
                    .enumerate()
                    .find(|(i, w)| !used[*i] && json_eq(v, w, false));
                match found {
                    Some((i, _)) => {
                        used[i] = true;
                        true
                    }
                    None => false,
                }
            })
        }
        _ => a == b,
    }
}

fn canonical_expected(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let quads: Vec<oxrdf::Quad> = oxttl::NQuadsParser::new()
        .for_slice(text.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    canonicalize(&quads, &CanonLimits::default()).unwrap()
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
    skipped: Vec<(String, &'static str)>,
}

fn run(manifest: &str, to_rdf: bool) -> Tally {
    let text = std::fs::read_to_string(dir().join(manifest)).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let prefix = if to_rdf { "toRdf" } else { "expand" };
    let mut tally = Tally::default();
    for test in manifest["sequence"].as_array().unwrap() {
        let id = format!("{prefix}{}", test["@id"].as_str().unwrap());
        if let Some(reason) = skip_reason(test) {
            tally.skipped.push((id, reason));
            continue;
        }
        let input_rel = test["input"].as_str().unwrap();
        let input: Value =
            serde_json::from_str(&std::fs::read_to_string(dir().join(input_rel)).unwrap()).unwrap();
        let base = test["option"]["base"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{BASE}{input_rel}"));
        let expand_context: Option<Value> = test["option"]["expandContext"].as_str().map(|p| {
            serde_json::from_str(&std::fs::read_to_string(dir().join(p)).unwrap()).unwrap()
        });
        let options = Options {
            base: Some(&base),
            loader: &loader,
            vendored: false,
            expand_context: expand_context.as_ref(),
            max_depth: 256,
            max_quads: 1_000_000,
            safe_mode: false,
            skip_root_key: None,
        };
        let types: Vec<&str> = test["@type"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let outcome: Result<(), String> = if types.contains(&"jld:NegativeEvaluationTest") {
            let expected = test["expectErrorCode"].as_str().unwrap();
            let got = if to_rdf {
                engine::to_rdf(&input, &options).map(|_| ())
            } else {
                engine::expand(&input, &options).map(|_| ())
            };
            match got {
                Err(e) if e.code() == expected => Ok(()),
                Err(e) => Err(format!("expected error '{expected}', got '{e}'")),
                Ok(()) => Err(format!("expected error '{expected}', got success")),
            }
        } else if to_rdf {
            match engine::to_rdf(&input, &options) {
                Err(e) => Err(format!("error: {e}")),
                Ok(_) if types.contains(&"jld:PositiveSyntaxTest") => Ok(()),
                Ok((quads, _)) => {
                    let got = canonicalize(&quads, &CanonLimits::default()).unwrap();
                    let want = canonical_expected(&dir().join(test["expect"].as_str().unwrap()));
                    if got == want {
                        Ok(())
                    } else {
                        Err(format!("got:\n{got}want:\n{want}"))
                    }
                }
            }
        } else {
            let want: Value = serde_json::from_str(
                &std::fs::read_to_string(dir().join(test["expect"].as_str().unwrap())).unwrap(),
            )
            .unwrap();
            match engine::expand(&input, &options) {
                Err(e) => Err(format!("error: {e}")),
                Ok((got, _)) => {
                    let got = Value::Array(got);
                    if json_eq(&got, &want, false) {
                        Ok(())
                    } else {
                        Err(format!("got:\n{got}\nwant:\n{want}"))
                    }
                }
            }
        };
        match outcome {
            Ok(()) => tally.passed += 1,
            Err(why) => {
                if std::env::var_os("JSONLD_VERBOSE").is_some() {
                    eprintln!("FAIL {id} ({}): {why}\n", test["name"]);
                }
                tally.failed.push(id)
            }
        }
    }
    tally
}

fn report(name: &str, tally: &Tally) {
    eprintln!(
        "{name}: {} passed, {} failed, {} skipped",
        tally.passed,
        tally.failed.len(),
        tally.skipped.len()
    );
    for (id, reason) in &tally.skipped {
        eprintln!("  skipped {id}: {reason}");
    }
    let unexpected: Vec<&String> = tally
        .failed
        .iter()
        .filter(|id| !KNOWN_FAILURES.iter().any(|(k, _)| k == id))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{name}: unexpected failures (run with JSONLD_VERBOSE=1): {unexpected:?}"
    );
}

#[test]
fn w3c_expand_suite() {
    let tally = run("expand-manifest.jsonld", false);
    report("expand", &tally);
}

#[test]
fn w3c_to_rdf_suite() {
    let tally = run("toRdf-manifest.jsonld", true);
    report("toRdf", &tally);
}
