//! Real-world samples: badges and credentials published by the specifications
//! and by other projects' test suites, verified with their ORIGINAL proofs and
//! hosting, each as its source says it should be.
//!
//! `samples/manifest.json` lists every sample: the input, the instant to
//! verify at, the documents its issuer publishes (served by a local HTTP
//! server standing in for every host, through the fetch policy's
//! `test_host_overrides`, so the real online paths run and nothing reaches
//! the internet; a URL the source does not publish gets no answer) and the
//! expected verdict and checks. `samples/README.md`
//! names each file's source, commit and licence.
//!
//! Set `INSIGNIA_SAMPLES_PRINT=1` to print what every sample gave.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use insignia_fetch::{FetchPolicy, Fetcher};
use insignia_proofs::keys::PublicKey;
use insignia_verify::{Report, Verifier};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(samples_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).expect("manifest.json is JSON")
}

/// What the local server answers for one original URL (scheme ignored).
#[derive(Clone, Debug)]
enum Answer {
    File(PathBuf),
    Status(u16),
}

/// Original URL (`host/path`, no scheme) → answer.
#[derive(Clone, Debug, Default)]
struct Site {
    exact: BTreeMap<String, Answer>,
    /// Prefix mounts (`host/dir/` → directory), as the source's own test
    /// harness maps its mocked domains onto a directory of documents.
    mounts: Vec<(String, PathBuf)>,
}

fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

impl Site {
    fn answer(&self, requested: &str) -> Option<Answer> {
        if let Some(answer) = self.exact.get(requested) {
            return Some(answer.clone());
        }
        self.mounts.iter().find_map(|(prefix, dir)| {
            let rest = requested.strip_prefix(prefix.as_str())?;
            let file = dir.join(rest);
            file.is_file().then_some(Answer::File(file))
        })
    }
}

/// Serves `site` on 127.0.0.1: the request path is `/HOST/PATH` (see
/// `FetchPolicy::test_host_overrides`).
async fn serve(site: Site) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let site = Arc::new(site);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let site = Arc::clone(&site);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 2048];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let requested = path.trim_start_matches('/');
                let (status, body) = match site.answer(requested) {
                    Some(Answer::File(file)) => (200, std::fs::read(file).unwrap()),
                    Some(Answer::Status(code)) => (code, b"status".to_vec()),
                    // Not published by the source: no answer at all, as from
                    // a host that cannot be reached (the verifier must say
                    // "could not check", never "valid" nor "forged").
                    None => return,
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    addr
}

fn site_for(sample: &Value, mounts: &Value) -> Site {
    let dir = samples_dir();
    let mut site = Site::default();
    if let Some(mounts) = mounts.as_object() {
        for (prefix, target) in mounts {
            site.mounts.push((
                without_scheme(prefix).to_owned(),
                dir.join(target.as_str().unwrap()),
            ));
        }
    }
    if let Some(serve) = sample.get("serve").and_then(Value::as_object) {
        for (url, target) in serve {
            let answer = match target {
                Value::String(file) => {
                    let file = dir.join(file);
                    assert!(file.is_file(), "served file {} is missing", file.display());
                    Answer::File(file)
                }
                Value::Number(code) => {
                    Answer::Status(u16::try_from(code.as_u64().unwrap()).unwrap())
                }
                other => panic!("serve target {other} is neither a file nor a status"),
            };
            site.exact.insert(without_scheme(url).to_owned(), answer);
        }
    }
    site
}

async fn run(sample: &Value, mounts: &Value) -> Report {
    let name = sample["name"].as_str().unwrap();
    let addr = serve(site_for(sample, mounts)).await;
    let policy = FetchPolicy {
        allow_http: true,
        allow_loopback: true,
        // Every host is answered by the local server: published documents
        // from the manifest, no answer for anything else. Nothing leaves the machine.
        test_host_overrides: vec![("*".to_owned(), addr)],
        ..FetchPolicy::default()
    };
    let mut verifier = Verifier::new(Arc::new(Fetcher::new(policy).unwrap()));
    let now = sample["now"].as_str().expect("every sample has `now`");
    verifier.now = Some(OffsetDateTime::parse(now, &Rfc3339).unwrap());
    verifier.recipient = sample
        .get("recipient")
        .and_then(Value::as_str)
        .map(str::to_owned);
    verifier.supplied_key = sample
        .get("supplied_key")
        .and_then(Value::as_str)
        .map(|k| PublicKey::from_multibase(k).unwrap());
    match sample["form"].as_str().unwrap() {
        "url" => verifier.verify_url(sample["url"].as_str().unwrap()).await,
        "json" | "jwt" | "png" | "svg" => {
            let file = samples_dir().join(sample["file"].as_str().unwrap());
            let bytes = std::fs::read(&file)
                .unwrap_or_else(|e| panic!("{name}: cannot read {}: {e}", file.display()));
            verifier.verify_bytes(&bytes).await
        }
        other => panic!("{name}: unknown form {other}"),
    }
}

fn json_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Every difference between what `sample` expects and what `report` says.
fn differences(sample: &Value, report: &Report) -> Vec<String> {
    let expect = &sample["expect"];
    let mut diffs = Vec::new();
    let verdict = json_name(report.verdict);
    if expect["verdict"].as_str() != Some(verdict.as_str()) {
        diffs.push(format!(
            "verdict: expected {}, got {verdict}",
            expect["verdict"]
        ));
    }
    if let Some(format) = expect.get("format").and_then(Value::as_str) {
        let got = json_name(report.format);
        if got != format {
            diffs.push(format!("format: expected {format}, got {got}"));
        }
    }
    for (kind, want) in expect["checks"].as_object().into_iter().flatten() {
        let (want_outcome, want_text) = match want {
            Value::String(o) => (o.as_str(), None),
            Value::Object(o) => (
                o["outcome"].as_str().unwrap(),
                o.get("message_contains").and_then(Value::as_str),
            ),
            other => panic!("bad expectation {other}"),
        };
        let got = report.checks.iter().find(|c| json_name(c.check) == *kind);
        match got {
            None => diffs.push(format!(
                "check {kind}: expected {want_outcome}, but it did not run"
            )),
            Some(check) => {
                let outcome = json_name(check.outcome);
                if outcome != want_outcome {
                    diffs.push(format!(
                        "check {kind}: expected {want_outcome}, got {outcome} ({})",
                        check.message
                    ));
                } else if let Some(text) = want_text {
                    if !check.message.contains(text) {
                        diffs.push(format!(
                            "check {kind}: message should contain {text:?}, is {:?}",
                            check.message
                        ));
                    }
                }
            }
        }
    }
    if let Some(endorsements) = expect.get("endorsements").and_then(Value::as_array) {
        let got: Vec<String> = report
            .endorsements
            .iter()
            .map(|e| json_name(e.verdict))
            .collect();
        let want: Vec<String> = endorsements
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        if got != want {
            diffs.push(format!("endorsements: expected {want:?}, got {got:?}"));
        }
    }
    diffs
}

fn describe(report: &Report) -> String {
    let mut text = json_name(report.verdict);
    for check in &report.checks {
        let _ = write!(
            text,
            "\n      {}: {} — {}",
            json_name(check.check),
            json_name(check.outcome),
            check.message
        );
    }
    for (i, e) in report.endorsements.iter().enumerate() {
        let _ = write!(
            text,
            "\n      endorsement {}: {}",
            i + 1,
            json_name(e.verdict)
        );
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_verifies_as_its_source_says() {
    let manifest = manifest();
    let mounts = &manifest["mounts"];
    let samples = manifest["samples"].as_array().unwrap();
    assert!(samples.len() >= 20, "the corpus has shrunk");
    let print = std::env::var_os("INSIGNIA_SAMPLES_PRINT").is_some();
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for sample in samples {
        let name = sample["name"].as_str().expect("every sample has a name");
        assert!(names.insert(name), "sample name {name} is used twice");
        assert!(
            sample["source_says"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{name}: say what the source expects"
        );
        let report = run(sample, mounts).await;
        if print {
            println!("{name}: {}", describe(&report));
        }
        let diffs = differences(sample, &report);
        if !diffs.is_empty() {
            failures.push(format!(
                "sample `{name}` ({}):\n    {}\n    report: {}",
                sample["file"]
                    .as_str()
                    .or(sample["url"].as_str())
                    .unwrap_or("?"),
                diffs.join("\n    "),
                describe(&report)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples did not verify as expected:\n{}",
        failures.len(),
        samples.len(),
        failures.join("\n")
    );
}

/// Every file in the samples directory is used by the manifest (as an input
/// or a served document) and named in the README.
#[test]
fn every_sample_file_is_used_and_documented() {
    let manifest = manifest();
    let text = serde_json::to_string(&manifest).unwrap();
    let readme = std::fs::read_to_string(samples_dir().join("README.md")).unwrap();
    let mut stack = vec![samples_dir()];
    let mut unused = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(samples_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "manifest.json" || rel == "README.md" {
                continue;
            }
            let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
            let in_manifest = text.contains(&format!("\"{rel}\""))
                || manifest["mounts"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .any(|(_, d)| rel.starts_with(d.as_str().unwrap_or("\u{0}")));
            if !in_manifest || !readme.contains(&file_name) {
                unused.push(rel);
            }
        }
    }
    unused.sort();
    assert!(
        unused.is_empty(),
        "sample files not used by manifest.json or not named in README.md: {unused:?}"
    );
}
