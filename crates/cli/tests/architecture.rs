//! ARCHITECTURE.md's crate graph is the workspace's: every edge between the
//! workspace's crates that `cargo metadata` reports (normal dependencies) is
//! listed in the document's crate-graph table, and nothing else is.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

type Edges = BTreeSet<(String, String)>;

/// The table between `<!-- crate-graph -->` and `<!-- /crate-graph -->`:
/// rows `| \`a\`, \`b\` | \`c\`, \`d\` |` (or `none`).
fn documented(text: &str) -> Edges {
    let start = text
        .find("<!-- crate-graph -->")
        .expect("the crate-graph table");
    let end = text.find("<!-- /crate-graph -->").expect("its end");
    let names = |cell: &str| -> Vec<String> {
        cell.split(',')
            .map(|n| n.trim().trim_matches('`').to_owned())
            .filter(|n| !n.is_empty() && n != "none")
            .collect()
    };
    let mut edges = Edges::new();
    for line in text[start..end].lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
        if cells.len() != 2 || cells[0].contains("---") || cells[0].trim() == "crate" {
            continue;
        }
        for from in names(cells[0]) {
            for to in names(cells[1]) {
                edges.insert((from.clone(), to));
            }
        }
    }
    edges
}

fn actual(root: &Path) -> Edges {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let short = |name: &str| name.trim_start_matches("insignia-").to_owned();
    let mut edges = Edges::new();
    for p in packages {
        for d in p["dependencies"].as_array().unwrap() {
            let name = d["name"].as_str().unwrap();
            // Normal dependencies only ("kind": null): dev and build ones are not layers.
            if ours.contains(name) && d["kind"].is_null() {
                edges.insert((short(p["name"].as_str().unwrap()), short(name)));
            }
        }
    }
    edges
}

#[test]
fn the_documented_crate_graph_is_the_real_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let (doc, real) = (documented(&text), actual(&root));
    let missing: Vec<_> = real.difference(&doc).collect();
    let stale: Vec<_> = doc.difference(&real).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "ARCHITECTURE.md's crate graph is out of date: edges not listed {missing:?}, listed but gone {stale:?}"
    );
}

#[test]
fn the_table_reader_reads_rows() {
    let text = "<!-- crate-graph -->\n| crate | uses |\n|---|---|\n| `a`, `b` | `c` |\n| `d` | none |\n<!-- /crate-graph -->";
    let edges = documented(text);
    let expected: Edges = [("a", "c"), ("b", "c")]
        .iter()
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect();
    assert_eq!(edges, expected);
}
