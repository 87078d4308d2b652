//! The server's layering, checked on its sources: a route module never
//! reaches into another route module (shared page helpers live in
//! `routes/mod.rs` and `web.rs`, what the platform does in `service/`), and
//! nothing outside `routes/` (services, workers, the mailer) uses `routes`
//! but `lib.rs`, which mounts the router.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The code lines of a file (comments left out: they may name anything).
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(n, l)| (n + 1, l.to_owned()))
        .collect()
}

/// The route modules `routes/mod.rs` declares.
fn route_modules(src: &Path) -> Vec<String> {
    code_lines(&src.join("routes/mod.rs"))
        .into_iter()
        .filter_map(|(_, l)| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub(crate) mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            rest.strip_suffix(';').map(str::to_owned)
        })
        .collect()
}

/// Whether `line` names `super::<module>` for one of `modules` (also inside
/// a `use super::{…}` group).
fn names_sibling(line: &str, modules: &[String]) -> Option<String> {
    let at = line.find("super::")?;
    let rest = &line[at + "super::".len()..];
    let group = rest
        .strip_prefix('{')
        .map_or(rest, |g| g.split('}').next().unwrap_or(g));
    group
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|word| modules.iter().any(|m| m == word))
        .map(str::to_owned)
}

fn violations(src: &Path) -> Vec<String> {
    let modules = route_modules(src);
    let mut found = Vec::new();
    for path in rust_files(src) {
        let rel = path
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let in_routes = rel.starts_with("routes/");
        for (n, line) in code_lines(&path) {
            if in_routes && rel != "routes/mod.rs" {
                if line.contains("crate::routes") {
                    found.push(format!("{rel}:{n}: uses crate::routes: {}", line.trim()));
                }
                if let Some(m) = names_sibling(&line, &modules) {
                    found.push(format!(
                        "{rel}:{n}: uses the route module {m}: {}",
                        line.trim()
                    ));
                }
            } else if !in_routes
                && rel != "lib.rs"
                && rel != "layering.rs"
                && (line.contains("crate::routes") || line.contains("routes::"))
            {
                found.push(format!(
                    "{rel}:{n}: outside routes/, uses routes: {}",
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn route_modules_and_services_keep_their_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(route_modules(&src).contains(&"public".to_owned()));
    let found = violations(&src);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn the_scan_sees_a_sibling_route_module() {
    let modules = vec!["badges".to_owned(), "public".to_owned()];
    assert_eq!(
        names_sibling("    let b = super::badges::owned(&s).await?;", &modules),
        Some("badges".into())
    );
    assert_eq!(
        names_sibling("use super::{page, public::load_award};", &modules),
        Some("public".into())
    );
    assert_eq!(
        names_sibling("use super::{page, see_other};", &modules),
        None
    );
}
