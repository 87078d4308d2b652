//! End-to-end tests of the `insignia` binary, as a user runs it.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn insignia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insignia"))
        .args(args)
        .output()
        .expect("run insignia")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ob3-achievement-credential.json")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn generate(dir: &Path, alg: &str) -> PathBuf {
    generate_named(dir, alg, alg)
}

fn generate_named(dir: &Path, alg: &str, name: &str) -> PathBuf {
    let key = dir.join(format!("{name}.json"));
    let out = insignia(&["keys", "generate", "--alg", alg, "--out", s(&key)]);
    assert!(out.status.success(), "{}", stderr(&out));
    key
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["keys", "--help"],
        vec!["keys", "generate", "--help"],
        vec!["keys", "public", "--help"],
        vec!["sign", "--help"],
        vec!["verify", "--help"],
    ] {
        let out = insignia(&args);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage"), "{args:?}");
    }
}

#[test]
fn an_authentic_badge_with_conformance_problems_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("issuer-key.json");
    let out = insignia(&["keys", "generate", "--out", s(&key)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Open Badges 3.0 wants the subject named by `id` or `identifier`.
    let mut credential: Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    credential["credentialSubject"]
        .as_object_mut()
        .unwrap()
        .remove("identifier");
    let unsigned = dir.path().join("anonymous.json");
    std::fs::write(&unsigned, credential.to_string()).unwrap();
    let signed = dir.path().join("signed.json");
    let out = insignia(&["sign", s(&unsigned), "--key", s(&key), "-o", s(&signed)]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = insignia(&["verify", s(&signed), "--offline"]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("AUTHENTIC, WITH CONFORMANCE PROBLEMS"),
        "{text}"
    );
    assert!(text.contains("[FAIL] Credential types"), "{text}");

    let out = insignia(&["verify", s(&signed), "--offline", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "valid_with_warnings", "{report:#}");
    assert_eq!(report["valid"], Value::Bool(true));
}

#[test]
fn the_readme_example_works() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("issuer-key.json");
    let out = insignia(&["keys", "generate", "--out", s(&key)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let did = stdout(&out).trim().to_owned();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let signed = dir.path().join("signed.json");
    let out = insignia(&["sign", s(&example()), "--key", s(&key), "-o", s(&signed)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(&signed).unwrap()).unwrap();
    assert_eq!(credential["issuer"]["id"], Value::from(did.as_str()));
    assert_eq!(credential["proof"]["cryptosuite"], "eddsa-rdfc-2022");

    let out = insignia(&["verify", s(&signed)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("VALID"), "{}", stdout(&out));

    let out = insignia(&["verify", s(&signed), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], Value::Bool(true));

    // The example's recipient is a hashed e-mail address: another address does not match.
    let out = insignia(&["verify", s(&signed), "--recipient", "someone@example.org"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("[FAIL] Recipient"),
        "{}",
        stdout(&out)
    );
    let out = insignia(&["verify", s(&signed), "--offline", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // A URL cannot be verified offline; private addresses are refused online.
    let out = insignia(&["verify", "https://127.0.0.1/badge.json", "--offline"]);
    assert_eq!(out.status.code(), Some(2));
    let out = insignia(&["verify", "https://127.0.0.1/badge.json", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "indeterminate", "{report:#}");
}

#[test]
fn tampered_credential_exits_1_and_missing_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(dir.path(), "ed25519");
    let signed = dir.path().join("signed.json");
    assert!(
        insignia(&["sign", s(&example()), "--key", s(&key), "-o", s(&signed)])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&signed).unwrap();
    let mut credential: Value = serde_json::from_str(&text).unwrap();
    credential["name"] = Value::from("Forged badge");
    std::fs::write(&signed, serde_json::to_string(&credential).unwrap()).unwrap();

    let out = insignia(&["verify", s(&signed), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], Value::Bool(false));
    assert_eq!(report["verdict"], "invalid");

    let out = insignia(&["verify", s(&dir.path().join("nope.json"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("could not read"), "{}", stderr(&out));
}

#[test]
fn p256_and_jwt_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let p256 = generate(dir.path(), "p256");
    let out_path = dir.path().join("p256-signed.json");
    let out = insignia(&["sign", s(&example()), "--key", s(&p256), "-o", s(&out_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let signed: Value = serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(signed["proof"]["cryptosuite"], "ecdsa-rdfc-2019");
    assert_eq!(insignia(&["verify", s(&out_path)]).status.code(), Some(0));

    for alg in ["ed25519", "p256"] {
        let key = generate_named(dir.path(), alg, &format!("{alg}-jwt"));
        let jwt = dir.path().join(format!("{alg}.jwt"));
        let out = insignia(&[
            "sign",
            s(&example()),
            "--key",
            s(&key),
            "--proof",
            "jwt",
            "-o",
            s(&jwt),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = insignia(&["verify", s(&jwt)]);
        assert_eq!(out.status.code(), Some(0), "{alg}: {}", stdout(&out));
    }

    // RSA: a VC-JWT with RS256; the key is embedded, so the issuer binding cannot be shown.
    let rsa = generate(dir.path(), "rsa");
    let jwt = dir.path().join("rsa.jwt");
    let out = insignia(&["sign", s(&example()), "--key", s(&rsa), "-o", s(&jwt)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = insignia(&["verify", s(&jwt), "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let proof = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "proof")
        .unwrap();
    assert_eq!(proof["outcome"], "passed", "{report:#}");
    assert_eq!(out.status.code(), Some(1));

    // A P-256 key cannot make an eddsa proof.
    let out = insignia(&[
        "sign",
        s(&example()),
        "--key",
        s(&p256),
        "--proof",
        "eddsa-rdfc-2022",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs a ed25519 key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn signing_a_directory_signs_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(dir.path(), "ed25519");
    let input = dir.path().join("unsigned");
    std::fs::create_dir(&input).unwrap();
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    for i in 0..24 {
        let mut credential = template.clone();
        credential["id"] = Value::from(format!("urn:uuid:00000000-0000-4000-8000-{i:012}"));
        std::fs::write(input.join(format!("c{i}.json")), credential.to_string()).unwrap();
    }
    std::fs::write(input.join("broken.json"), "{not json").unwrap();
    let output = dir.path().join("signed");
    let out = insignia(&["sign", s(&input), "--key", s(&key), "-o", s(&output)]);
    // One bad file: reported by name, the others are still signed.
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.json"), "{}", stderr(&out));
    let signed: Vec<_> = std::fs::read_dir(&output).unwrap().collect();
    assert_eq!(signed.len(), 24);
    let one = output.join("c7.json");
    assert_eq!(insignia(&["verify", s(&one)]).status.code(), Some(0));
}

#[test]
fn a_nonconforming_credential_is_not_signed() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(dir.path(), "ed25519");
    let mut credential: Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    let map = credential.as_object_mut().unwrap();
    map.remove("credentialSubject");
    map.insert("validFrom".into(), Value::from("2026-01-01T00:00:00"));
    map.insert(
        "evidence".into(),
        serde_json::json!([{"id": "https://example.org/evidence/1"}]),
    );
    let input = dir.path().join("bad.json");
    std::fs::write(&input, credential.to_string()).unwrap();
    let output = dir.path().join("signed.json");
    let out = insignia(&["sign", s(&input), "--key", s(&key), "-o", s(&output)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    for expected in [
        "credential-subject-missing at /credentialSubject",
        "date-time-stamp at /validFrom",
        "type-missing at /evidence/0/type",
    ] {
        assert!(message.contains(expected), "{expected} in {message}");
    }
    assert!(!output.exists(), "nothing is written");
    // The same file with the JWT format is refused too.
    let out = insignia(&["sign", s(&input), "--key", s(&key), "--proof", "jwt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("credential-subject-missing"));
}

#[test]
fn a_presentation_verifies_with_its_credentials() {
    use insignia_proofs::data_integrity::{Cryptosuite, ProofSpec, add_proof};
    let dir = tempfile::tempdir().unwrap();
    let key = generate(dir.path(), "ed25519");
    let signed = dir.path().join("signed.json");
    let out = insignia(&["sign", s(&example()), "--key", s(&key), "-o", s(&signed)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(&signed).unwrap()).unwrap();
    let holder = insignia_proofs::keys::KeyPair::load(&key).unwrap();
    let vp = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did_key().unwrap(),
        "verifiableCredential": [credential]
    });
    let mut spec = ProofSpec::new(
        Cryptosuite::EddsaRdfc2022,
        holder.verification_method_id().unwrap(),
    );
    spec.purpose = "authentication".into();
    spec.challenge = Some("abc".into());
    let vp = add_proof(&vp, &holder, &spec).unwrap();
    let path = dir.path().join("vp.json");
    std::fs::write(&path, vp.to_string()).unwrap();
    let out = insignia(&["verify", s(&path), "--offline", "--challenge", "abc"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("Credential 1 of 1"), "{text}");
    let out = insignia(&[
        "verify",
        s(&path),
        "--offline",
        "--challenge",
        "other",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["credentials"][0]["valid"], true);
}

#[test]
fn keys_public_prints_no_private_material() {
    let dir = tempfile::tempdir().unwrap();
    for alg in ["ed25519", "p256", "rsa"] {
        let key = generate(dir.path(), alg);
        let out = insignia(&["keys", "public", s(&key)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let jwk: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(jwk.get("d").is_none(), "{alg}: {jwk}");
        let out = insignia(&["keys", "public", s(&key), "--pem"]);
        assert!(stdout(&out).contains("BEGIN PUBLIC KEY"), "{alg}");
    }
    let out = insignia(&[
        "keys",
        "generate",
        "--out",
        s(&dir.path().join("ed25519.json")),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "must not overwrite an existing key"
    );
}

#[test]
fn open_badges_2_signed_assertion() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = generate(dir.path(), "rsa");
    let public = dir.path().join("public.json");
    let out = insignia(&["keys", "public", s(&rsa)]);
    std::fs::write(&public, &out.stdout).unwrap();
    // The specification's example assertion, without its 2017 expiry date.
    let spec =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/tests/examples/ob2-assertion.json");
    let mut current: Value = serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
    current.as_object_mut().unwrap().remove("expires");
    let assertion = dir.path().join("assertion.json");
    std::fs::write(&assertion, current.to_string()).unwrap();
    let jws = dir.path().join("assertion.jws");
    let out = insignia(&[
        "sign",
        s(&assertion),
        "--key",
        s(&rsa),
        "--proof",
        "ob2-jws",
        "-o",
        s(&jws),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = std::fs::read_to_string(&jws).unwrap();
    assert_eq!(token.split('.').count(), 3);

    // Offline and without a key: the signature cannot be checked, never "valid".
    let out = insignia(&["verify", s(&jws), "--json", "--offline"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "indeterminate", "{report:#}");
    assert_eq!(report["format"], "ob2_signed");

    // With the issuer's public key supplied: the signature passes, the binding is not claimed.
    let out = insignia(&[
        "verify",
        s(&jws),
        "--json",
        "--offline",
        "--key",
        s(&public),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let proof = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "proof")
        .unwrap();
    assert_eq!(proof["outcome"], "passed", "{report:#}");
    assert_eq!(report["verdict"], "indeterminate");

    // Another key: the signature fails.
    let other = generate_named(dir.path(), "rsa", "other");
    let out = insignia(&["verify", s(&jws), "--json", "--offline", "--key", s(&other)]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "invalid", "{report:#}");

    // An OB 3.0 credential is not an OB 2.0 assertion.
    let out = insignia(&[
        "sign",
        s(&example()),
        "--key",
        s(&rsa),
        "--proof",
        "ob2-jws",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bake_extract_and_verify_a_png_and_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(dir.path(), "ed25519");
    let signed = dir.path().join("signed.json");
    assert!(
        insignia(&["sign", s(&example()), "--key", s(&key), "-o", s(&signed)])
            .status
            .success()
    );
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bake/tests/fixtures");
    for (image, name) in [
        ("1edtech-baked-heart.png", "badge.png"),
        ("mozilla-bakery-baked.svg", "badge.svg"),
    ] {
        let baked = dir.path().join(name);
        // The fixtures already carry an OB 2.0 payload: baking replaces it.
        let out = insignia(&[
            "bake",
            s(&fixtures.join(image)),
            "--credential",
            s(&signed),
            "-o",
            s(&baked),
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));

        let out = insignia(&["extract", s(&baked)]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let extracted: Value = serde_json::from_slice(&out.stdout).unwrap();
        let original: Value =
            serde_json::from_str(&std::fs::read_to_string(&signed).unwrap()).unwrap();
        assert_eq!(extracted, original, "{name}");

        let out = insignia(&["verify", s(&baked)]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        assert!(stdout(&out).contains(&format!(
            "baked in a {}",
            if name.ends_with("png") { "PNG" } else { "SVG" }
        )));
    }
    // A plain image with nothing baked: a clear error.
    let plain = dir.path().join("plain.svg");
    std::fs::write(&plain, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let out = insignia(&["extract", s(&plain)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("carries no badge"),
        "{}",
        stderr(&out)
    );
    let out = insignia(&["verify", s(&plain)]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn did_web_document_and_signing_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = generate_named(dir.path(), "ed25519", "old");
    let new = generate_named(dir.path(), "ed25519", "new");
    let out = insignia(&[
        "keys",
        "did-web",
        "https://example.org/issuers/acme",
        "--key",
        s(&old),
        "--key",
        s(&new),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("did:web:example.org:issuers:acme"));
    assert!(stderr(&out).contains("https://example.org/issuers/acme/did.json"));
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(document["id"], "did:web:example.org:issuers:acme");
    assert_eq!(document["verificationMethod"].as_array().unwrap().len(), 2);
    assert_eq!(document["assertionMethod"].as_array().unwrap().len(), 2);

    // Sign as the did:web issuer with the new key.
    let signed = dir.path().join("signed.json");
    let out = insignia(&[
        "sign",
        s(&example()),
        "--key",
        s(&new),
        "--issuer",
        "did:web:example.org:issuers:acme",
        "--verification-method",
        "did:web:example.org:issuers:acme#key-2",
        "-o",
        s(&signed),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let credential: Value =
        serde_json::from_str(&std::fs::read_to_string(&signed).unwrap()).unwrap();
    assert_eq!(
        credential["issuer"]["id"],
        "did:web:example.org:issuers:acme"
    );
    assert_eq!(
        credential["proof"]["verificationMethod"],
        "did:web:example.org:issuers:acme#key-2"
    );
    // Offline, did:web cannot be resolved: never valid, but with the key supplied the signature checks out.
    let out = insignia(&["verify", s(&signed), "--json", "--offline"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "indeterminate", "{report:#}");
    let out = insignia(&[
        "verify",
        s(&signed),
        "--json",
        "--offline",
        "--key",
        s(&new),
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let proof = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "proof")
        .unwrap();
    assert_eq!(proof["outcome"], "passed", "{report:#}");
}

/// `insignia serve` as a service manager runs it: it starts on SQLite with
/// nothing set up, answers, and stops cleanly on SIGTERM (exit status 0,
/// saying so), as it does on Ctrl-C.
#[test]
fn serve_starts_and_stops_on_sigterm() {
    use std::io::Read as _;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    // A free port: bind, read it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_insignia"))
        .args(["serve", "--listen", &listen, "--data-dir", s(dir.path())])
        .args(["--base-url", &format!("http://{listen}")])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(&listen) {
            use std::io::Write as _;
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            stream.read_to_string(&mut reply).unwrap();
            assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
            break;
        }
        assert!(Instant::now() < deadline, "the server started");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server exited early"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(15),
            "the server stops on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(status.success(), "exit status {status:?}: {out}");
    assert!(out.contains("SIGTERM: stopping"), "{out}");
    assert!(
        out.contains("stopped (gave back 0 unfinished tasks)"),
        "{out}"
    );
    assert!(
        std::net::TcpStream::connect(&listen).is_err(),
        "the port is closed"
    );
}
