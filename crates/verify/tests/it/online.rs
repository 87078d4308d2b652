//! Online verification against a local HTTP server on 127.0.0.1 (fetch policy
//! with `allow_http` + `allow_loopback`; did:web is mapped to http for it).
//! Every test asserts the outcome of the one check it is about, so removing
//! that check makes it fail.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, LazyLock, Mutex};

use base64::Engine as _;
use insignia_fetch::{FetchPolicy, Fetcher};
use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::did;
use insignia_proofs::keys::{Algorithm, KeyPair};
use insignia_verify::{CheckKind, Outcome, Report, Verdict, Verifier};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const EMAIL: &str = "amira.haddad@example.org";
const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";

static ISSUER_KEY: LazyLock<KeyPair> =
    LazyLock::new(|| KeyPair::generate(Algorithm::Ed25519).unwrap());
static OTHER_KEY: LazyLock<KeyPair> =
    LazyLock::new(|| KeyPair::generate(Algorithm::Ed25519).unwrap());
static RSA_KEY: LazyLock<KeyPair> = LazyLock::new(|| KeyPair::generate(Algorithm::Rsa).unwrap());

// ---------------------------------------------------------------------------
// The test server
// ---------------------------------------------------------------------------

type Routes = Arc<Mutex<HashMap<String, (u16, Vec<u8>)>>>;

struct Server {
    base: String,
    port: u16,
    routes: Routes,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Routes = Arc::default();
        let shared = Arc::clone(&routes);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let routes = Arc::clone(&shared);
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
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let (status, body) = routes
                        .lock()
                        .unwrap()
                        .get(&path)
                        .cloned()
                        .unwrap_or((404, b"not found".to_vec()));
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                });
            }
        });
        Server {
            base: format!("http://127.0.0.1:{port}"),
            port,
            routes,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    fn put(&self, path: &str, status: u16, body: impl Into<Vec<u8>>) {
        self.routes
            .lock()
            .unwrap()
            .insert(format!("/{path}"), (status, body.into()));
    }

    fn put_json(&self, path: &str, value: &Value) {
        self.put(path, 200, serde_json::to_vec(value).unwrap());
    }

    /// `did:web:127.0.0.1%3APORT:seg:seg` for the path `seg/seg`.
    fn did(&self, path: &str) -> String {
        format!(
            "did:web:127.0.0.1%3A{}:{}",
            self.port,
            path.replace('/', ":")
        )
    }

    /// Publishes a DID document at `path/did.json` listing `keys` (fragment, key).
    fn publish_did(&self, path: &str, keys: &[(&str, &KeyPair)]) -> String {
        let did = self.did(path);
        let keys: Vec<(String, _)> = keys
            .iter()
            .map(|(f, k)| ((*f).to_owned(), k.public_key()))
            .collect();
        let doc = did::build_did_web_document(&did, &keys).unwrap();
        self.put_json(&format!("{path}/did.json"), &doc.0);
        did
    }
}

fn verifier() -> Verifier {
    let policy = FetchPolicy {
        allow_http: true,
        allow_loopback: true,
        ..FetchPolicy::default()
    };
    let mut verifier = Verifier::new(Arc::new(Fetcher::new(policy).unwrap()));
    verifier.now = Some(time::macros::datetime!(2026-11-23 12:00 UTC));
    verifier
}

async fn verify(value: &Value) -> Report {
    verifier()
        .verify_bytes(serde_json::to_string(value).unwrap().as_bytes())
        .await
}

fn outcome(report: &Report, kind: CheckKind) -> Outcome {
    report
        .check(kind)
        .unwrap_or_else(|| panic!("no {kind:?} check in {report:#?}"))
        .outcome
}

fn message(report: &Report, kind: CheckKind) -> &str {
    &report.check(kind).unwrap().message
}

// ---------------------------------------------------------------------------
// Open Badges 3.0 fixtures
// ---------------------------------------------------------------------------

/// The example credential, issued by `issuer`, awarded to [`EMAIL`] (hashed).
fn credential(issuer: &str) -> Value {
    let text = include_str!("../../../../examples/ob3-achievement-credential.json");
    let mut credential: Value = serde_json::from_str(text).unwrap();
    credential["issuer"]["id"] = Value::from(issuer);
    credential["credentialSubject"]["identifier"][0]["identityHash"] =
        Value::from(insignia_model::hash_email(EMAIL, Some("f8c2b67e1d394a05")));
    credential
}

fn sign(document: &Value, key: &KeyPair, vm: &str) -> Value {
    let options = SignOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: vm.to_owned(),
        created: Some("2026-01-01T00:00:00Z".into()),
    };
    data_integrity::sign(document, key, &options).unwrap()
}

fn encode_list(set: &[u64]) -> String {
    let mut bits = vec![0u8; 16 * 1024];
    for &i in set {
        bits[(i / 8) as usize] |= 0x80 >> (i % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bits).unwrap();
    let compressed = gz.finish().unwrap();
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed)
    )
}

/// An unsigned BitstringStatusListCredential.
fn status_list(server: &Server, path: &str, issuer: &str, purpose: &str, set: &[u64]) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": server.url(path),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{}#list", server.url(path)),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(set),
        }
    })
}

fn status_entry(server: &Server, path: &str, purpose: &str, index: u64) -> Value {
    json!({
        "id": format!("{}#{index}", server.url(path)),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": server.url(path),
    })
}

/// A did:web issuer with a revocation list where entry 5 is `revoked`, a
/// signed credential pointing at entry 5.
async fn ob3_with_status(purpose: &str, set: &[u64]) -> (Server, Value) {
    let server = Server::start().await;
    let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
    let vm = format!("{did}#key-1");
    let list = status_list(&server, "status/1", &did, purpose, set);
    server.put_json("status/1", &sign(&list, &ISSUER_KEY, &vm));
    let mut unsigned = credential(&did);
    unsigned["credentialStatus"] = status_entry(&server, "status/1", purpose, 5);
    (server, sign(&unsigned, &ISSUER_KEY, &vm))
}

mod ob3 {
    use super::*;

    #[tokio::test]
    async fn did_web_credential_with_a_status_list_is_valid() {
        let (_server, signed) = ob3_with_status("revocation", &[4, 6, 131_071]).await;
        let verifier = verifier().with_recipient(Some(EMAIL.to_owned()));
        let bytes = signed.to_string();
        let future = verifier.verify_bytes(bytes.as_bytes());
        fn assert_send<T: Send>(_: &T) {}
        assert_send(&future);
        let report = future.await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Recipient), Outcome::Passed);
    }

    #[tokio::test]
    async fn offline_the_same_credential_is_indeterminate() {
        let (_server, signed) = ob3_with_status("revocation", &[]).await;
        let report = insignia_verify::verify_json(
            &signed,
            &insignia_verify::VerifyOptions::new(&insignia_verify::OfflineResolver),
        );
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
    }

    #[tokio::test]
    async fn revoked_in_the_bitstring_status_list() {
        let (_server, signed) = ob3_with_status("revocation", &[5]).await;
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::Failed);
        assert!(message(&report, CheckKind::Status).contains("REVOKED"));
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
    }

    #[tokio::test]
    async fn suspended_in_the_bitstring_status_list() {
        let (_server, signed) = ob3_with_status("suspension", &[5]).await;
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert!(message(&report, CheckKind::Status).contains("SUSPENDED"));
    }

    #[tokio::test]
    async fn expired() {
        let server = Server::start().await;
        let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let mut unsigned = credential(&did);
        unsigned["validUntil"] = Value::from("2026-06-01T00:00:00Z");
        let report = verify(&sign(&unsigned, &ISSUER_KEY, &format!("{did}#key-1"))).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::ValidityWindow), Outcome::Failed);
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
    }

    #[tokio::test]
    async fn wrong_recipient() {
        let (_server, signed) = ob3_with_status("revocation", &[]).await;
        let report = verifier()
            .with_recipient(Some("someone.else@example.org".into()))
            .verify_bytes(signed.to_string().as_bytes())
            .await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Recipient), Outcome::Failed);
        // Without a recipient to compare with, the check does not apply.
        let report = verify(&signed).await;
        assert_eq!(
            outcome(&report, CheckKind::Recipient),
            Outcome::NotApplicable
        );
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    }

    #[tokio::test]
    async fn key_of_another_did_is_not_the_issuers() {
        let server = Server::start().await;
        let issuer = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let other = server.publish_did("issuers/mallory", &[("key-1", &OTHER_KEY)]);
        let signed = sign(&credential(&issuer), &OTHER_KEY, &format!("{other}#key-1"));
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Failed);
    }

    #[tokio::test]
    async fn key_not_listed_in_the_did_document() {
        let server = Server::start().await;
        let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let signed = sign(&credential(&did), &OTHER_KEY, &format!("{did}#key-2"));
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Failed);
        assert!(message(&report, CheckKind::Proof).contains("does not list"));

        // Listed, but not authorized to issue credentials (no assertionMethod).
        let mut document: Value =
            serde_json::from_slice(&server.routes.lock().unwrap()["/issuers/acme/did.json"].1)
                .unwrap();
        document.as_object_mut().unwrap().remove("assertionMethod");
        server.put_json("issuers/acme/did.json", &document);
        let signed = sign(&credential(&did), &ISSUER_KEY, &format!("{did}#key-1"));
        let report = verify(&signed).await;
        assert_eq!(
            outcome(&report, CheckKind::Proof),
            Outcome::Failed,
            "{report:#?}"
        );
        assert!(message(&report, CheckKind::Proof).contains("assertionMethod"));
    }

    #[tokio::test]
    async fn tampered_baked_image() {
        let server = Server::start().await;
        let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let signed = sign(&credential(&did), &ISSUER_KEY, &format!("{did}#key-1"));
        let image = include_bytes!("../../../bake/tests/fixtures/1edtech-baked-heart.png");
        let bake = |credential: &Value| {
            let payload = insignia_bake::Payload::Json(credential.to_string());
            insignia_bake::bake(image, insignia_bake::Standard::Ob3, &payload).unwrap()
        };
        let report = verifier().verify_bytes(&bake(&signed)).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        let mut tampered = signed.clone();
        tampered["credentialSubject"]["achievement"]["name"] = Value::from("Brain surgery");
        let report = verifier().verify_bytes(&bake(&tampered)).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Failed);
    }

    #[tokio::test]
    async fn status_list_with_a_bad_proof() {
        let (server, signed) = ob3_with_status("revocation", &[5]).await;
        // Someone replaces the list by one where entry 5 is clear, keeping the old proof.
        let mut list: Value =
            serde_json::from_slice(&server.routes.lock().unwrap()["/status/1"].1).unwrap();
        list["credentialSubject"]["encodedList"] = Value::from(encode_list(&[]));
        server.put_json("status/1", &list);
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::Failed);
        assert!(message(&report, CheckKind::Status).contains("cannot be trusted"));
    }

    #[tokio::test]
    async fn expired_or_misused_status_list() {
        let (server, signed) = ob3_with_status("revocation", &[]).await;
        let did = server.did("issuers/acme");
        let vm = format!("{did}#key-1");
        let mut list = status_list(&server, "status/1", &did, "revocation", &[]);
        list["validUntil"] = Value::from("2026-02-01T00:00:00Z");
        server.put_json("status/1", &sign(&list, &ISSUER_KEY, &vm));
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
        assert!(message(&report, CheckKind::Status).contains("out of date"));

        // A suspension list cannot answer a revocation entry.
        let list = status_list(&server, "status/1", &did, "suspension", &[]);
        server.put_json("status/1", &sign(&list, &ISSUER_KEY, &vm));
        let report = verify(&signed).await;
        assert_eq!(
            outcome(&report, CheckKind::Status),
            Outcome::Failed,
            "{report:#?}"
        );
    }

    #[tokio::test]
    async fn status_list_unreachable_is_indeterminate() {
        let (server, signed) = ob3_with_status("revocation", &[]).await;
        server.put("status/1", 503, "busy");
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::CouldNotCheck);
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);

        // Nobody listening at all: the same.
        let did = server.did("issuers/acme");
        let mut unsigned = credential(&did);
        let mut entry = status_entry(&server, "status/1", "revocation", 5);
        entry["statusListCredential"] = Value::from("http://127.0.0.1:1/status/1");
        unsigned["credentialStatus"] = entry;
        let report = verify(&sign(&unsigned, &ISSUER_KEY, &format!("{did}#key-1"))).await;
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::CouldNotCheck);
    }

    #[tokio::test]
    async fn did_document_unreachable_is_indeterminate() {
        let server = Server::start().await;
        let did = server.did("issuers/acme");
        server.put("issuers/acme/did.json", 500, "oops");
        let report = verify(&sign(
            &credential(&did),
            &ISSUER_KEY,
            &format!("{did}#key-1"),
        ))
        .await;
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::CouldNotCheck);
    }

    #[tokio::test]
    async fn vc_jwt_with_a_did_web_kid_and_with_a_jwk_url() {
        let server = Server::start().await;
        let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let token = insignia_proofs::jose::sign_vc_jwt(
            &credential(&did),
            &ISSUER_KEY,
            Some(&format!("{did}#key-1")),
            false,
        )
        .unwrap();
        let report = verifier().verify_bytes(token.as_bytes()).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Passed);

        // A JWK published on the issuer's own site.
        server.put_json("keys/1", &ISSUER_KEY.public_key().to_jwk().to_value());
        let issuer = server.url("issuers/acme");
        let kid = server.url("keys/1");
        let token = insignia_proofs::jose::sign_vc_jwt(
            &credential(&issuer),
            &ISSUER_KEY,
            Some(&kid),
            false,
        )
        .unwrap();
        let report = verifier().verify_bytes(token.as_bytes()).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        // The same key claimed for an issuer on another site: not bound.
        let token = insignia_proofs::jose::sign_vc_jwt(
            &credential("https://elsewhere.example/issuer"),
            &ISSUER_KEY,
            Some(&kid),
            false,
        )
        .unwrap();
        let report = verifier().verify_bytes(token.as_bytes()).await;
        assert_eq!(
            outcome(&report, CheckKind::KeyBinding),
            Outcome::Failed,
            "{report:#?}"
        );
    }

    #[tokio::test]
    async fn a_failing_endorsement_is_reported_without_invalidating_the_badge() {
        let server = Server::start().await;
        let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let endorser = server.publish_did("endorsers/guild", &[("key-1", &OTHER_KEY)]);
        let endorsement = json!({
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": "urn:uuid:0b9c7c4e-8f0c-4f55-9d1e-1f4a3e2b7c10",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "The guild endorses this course",
            "issuer": {"id": endorser, "type": ["Profile"], "name": "Data Guild"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "https://www.northfield.example.edu/achievements/data-analysis-python",
                "type": ["EndorsementSubject"],
                "endorsementComment": "A solid course."
            }
        });
        let good = sign(&endorsement, &OTHER_KEY, &format!("{endorser}#key-1"));
        let mut bad = good.clone();
        bad["credentialSubject"]["endorsementComment"] = Value::from("The best course ever.");
        let jwt = insignia_proofs::jose::sign_vc_jwt(
            &endorsement,
            &OTHER_KEY,
            Some(&format!("{endorser}#key-1")),
            false,
        )
        .unwrap();
        let mut unsigned = credential(&did);
        unsigned["credentialSubject"]["achievement"]["endorsement"] = json!([good, bad]);
        unsigned["issuer"]["endorsementJwt"] = json!([jwt]);
        let report = verify(&sign(&unsigned, &ISSUER_KEY, &format!("{did}#key-1"))).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        assert_eq!(report.endorsements.len(), 3);
        for i in [0, 2] {
            let endorsement = &report.endorsements[i];
            assert_eq!(endorsement.verdict, Verdict::Valid, "{endorsement:#?}");
        }
        assert_eq!(report.endorsements[1].verdict, Verdict::Invalid);
        assert_eq!(
            outcome(&report.endorsements[1], CheckKind::Proof),
            Outcome::Failed
        );
    }

    #[tokio::test]
    async fn revoked_in_a_1edtech_revocation_list() {
        let server = Server::start().await;
        let did = server.publish_did("issuers/acme", &[("key-1", &ISSUER_KEY)]);
        let mut unsigned = credential(&did);
        let id = unsigned["id"].as_str().unwrap().to_owned();
        unsigned["@context"]
            .as_array_mut()
            .unwrap()
            .push(Value::from(
                "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
            ));
        unsigned["credentialStatus"] =
            json!({"id": server.url("revocations"), "type": "1EdTechRevocationList"});
        let signed = sign(&unsigned, &ISSUER_KEY, &format!("{did}#key-1"));
        server.put_json(
            "revocations",
            &json!({"id": server.url("revocations"), "issuer": did, "revokedCredentials": []}),
        );
        let report = verify(&signed).await;
        assert_eq!(
            outcome(&report, CheckKind::Status),
            Outcome::Passed,
            "{report:#?}"
        );
        server.put_json(
            "revocations",
            &json!({"id": server.url("revocations"), "issuer": did,
                    "revokedCredentials": [{"id": id, "revocationReason": "Issued in error"}]}),
        );
        // A new verifier: the old one's fetcher cached the list.
        let report = verify(&signed).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert!(message(&report, CheckKind::Status).contains("Issued in error"));
    }
}

// ---------------------------------------------------------------------------
// Open Badges 2.0
// ---------------------------------------------------------------------------

mod ob2 {
    use super::*;

    /// Issuer profile, BadgeClass, revocation list (assertion 9 revoked) and
    /// hosted assertions 1 (valid) and 9 (revoked); assertion 2 answers 410.
    async fn issuer_site() -> Server {
        let server = Server::start().await;
        server.put_json(
            "issuer",
            &json!({
                "@context": OB2_CONTEXT, "type": "Issuer", "id": server.url("issuer"),
                "name": "Acme Academy", "url": server.base, "email": "badges@acme.example",
                "revocationList": server.url("revocations"),
                "publicKey": server.url("key"),
            }),
        );
        server.put_json(
            "badge",
            &json!({
                "@context": OB2_CONTEXT, "type": "BadgeClass", "id": server.url("badge"),
                "name": "Welding 101", "description": "Can weld.",
                "image": server.url("badge.png"), "criteria": server.url("criteria"),
                "issuer": server.url("issuer"),
            }),
        );
        server.put_json(
            "revocations",
            &json!({
                "@context": OB2_CONTEXT, "type": "RevocationList", "id": server.url("revocations"),
                "issuer": server.url("issuer"),
                "revokedAssertions": [{"id": server.url("assertions/9"), "revocationReason": "Cheating"}],
            }),
        );
        for n in [1, 9] {
            server.put_json(
                &format!("assertions/{n}"),
                &assertion(&server, &format!("assertions/{n}")),
            );
        }
        server.put("assertions/2", 410, "gone");
        server
    }

    fn assertion(server: &Server, path: &str) -> Value {
        json!({
            "@context": OB2_CONTEXT, "type": "Assertion", "id": server.url(path),
            "recipient": {"type": "email", "hashed": true, "salt": "s4lt",
                          "identity": insignia_model::hash_email(EMAIL, Some("s4lt"))},
            "badge": server.url("badge"),
            "verification": {"type": "hosted"},
            "issuedOn": "2026-01-01T00:00:00Z",
        })
    }

    #[tokio::test]
    async fn hosted_assertion_is_valid() {
        let server = issuer_site().await;
        let given = assertion(&server, "assertions/1");
        let report = verifier()
            .with_recipient(Some(EMAIL.into()))
            .verify_bytes(given.to_string().as_bytes())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::HostedCopy), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Scope), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Recipient), Outcome::Passed);
        assert_eq!(report.summary.name.as_deref(), Some("Welding 101"));
        assert_eq!(report.summary.issuer_name.as_deref(), Some("Acme Academy"));

        // Given by URL, and baked into an image as a URL.
        let report = verifier().verify_url(&server.url("assertions/1")).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        let image = include_bytes!("../../../bake/tests/fixtures/1edtech-baked-heart.png");
        let payload = insignia_bake::Payload::Url(server.url("assertions/1"));
        let baked = insignia_bake::bake(image, insignia_bake::Standard::Ob2, &payload).unwrap();
        let report = verifier().verify_bytes(&baked).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");

        let report = verifier()
            .with_recipient(Some("nobody@example.org".into()))
            .verify_bytes(given.to_string().as_bytes())
            .await;
        assert_eq!(outcome(&report, CheckKind::Recipient), Outcome::Failed);
    }

    #[tokio::test]
    async fn gone_410_means_revoked() {
        let server = issuer_site().await;
        let report = verify(&assertion(&server, "assertions/2")).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::Failed);
        let report = verifier().verify_url(&server.url("assertions/2")).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
    }

    #[tokio::test]
    async fn revoked_in_the_issuers_revocation_list() {
        let server = issuer_site().await;
        let report = verify(&assertion(&server, "assertions/9")).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Status), Outcome::Failed);
        assert!(message(&report, CheckKind::Status).contains("Cheating"));
    }

    #[tokio::test]
    async fn expired_assertion() {
        let server = issuer_site().await;
        let mut hosted = assertion(&server, "assertions/3");
        hosted["expires"] = Value::from("2026-06-01T00:00:00Z");
        server.put_json("assertions/3", &hosted);
        let report = verify(&hosted).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::ValidityWindow), Outcome::Failed);
        assert_eq!(outcome(&report, CheckKind::HostedCopy), Outcome::Passed);
    }

    #[tokio::test]
    async fn assertion_outside_the_issuers_scope() {
        let issuer = issuer_site().await;
        // The assertion is hosted on another origin (another port) than the issuer profile.
        let elsewhere = Server::start().await;
        let mut hosted = assertion(&elsewhere, "assertions/1");
        hosted["badge"] = Value::from(issuer.url("badge"));
        elsewhere.put_json("assertions/1", &hosted);
        let report = verify(&hosted).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::HostedCopy), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Scope), Outcome::Failed);

        // Unless the issuer allows that origin.
        let mut profile: Value =
            serde_json::from_slice(&issuer.routes.lock().unwrap()["/issuer"].1).unwrap();
        profile["verification"] = json!({"type": "VerificationObject", "allowedOrigins": format!("127.0.0.1:{}", elsewhere.port)});
        issuer.put_json("issuer", &profile);
        let report = verify(&hosted).await;
        assert_eq!(
            outcome(&report, CheckKind::Scope),
            Outcome::Passed,
            "{report:#?}"
        );
        // And startsWith narrows the issuer's own site.
        profile["verification"] =
            json!({"type": "VerificationObject", "startsWith": issuer.url("badges/")});
        issuer.put_json("issuer", &profile);
        let report = verify(&assertion(&issuer, "assertions/1")).await;
        assert_eq!(
            outcome(&report, CheckKind::Scope),
            Outcome::Failed,
            "{report:#?}"
        );
    }

    #[tokio::test]
    async fn assertion_at_its_id_differs_from_the_given_one() {
        let server = issuer_site().await;
        let mut given = assertion(&server, "assertions/1");
        given["issuedOn"] = Value::from("2020-01-01T00:00:00Z");
        let report = verify(&given).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::HostedCopy), Outcome::Failed);
        assert!(message(&report, CheckKind::HostedCopy).contains("/issuedOn"));
    }

    fn signed_assertion(server: &Server, key: &KeyPair) -> String {
        let mut a = assertion(server, "assertions/s1");
        a["verification"] = json!({"type": "signed", "creator": server.url("key")});
        insignia_proofs::jose::sign_ob2_assertion(&a, key).unwrap()
    }

    fn publish_key(server: &Server, key: &KeyPair, owner: &str) {
        server.put_json(
            "key",
            &json!({
                "@context": OB2_CONTEXT, "type": "CryptographicKey", "id": server.url("key"),
                "owner": owner, "publicKeyPem": key.public_key().to_pem().unwrap(),
            }),
        );
    }

    #[tokio::test]
    async fn signed_assertion_is_valid() {
        let server = issuer_site().await;
        publish_key(&server, &RSA_KEY, &server.url("issuer"));
        let token = signed_assertion(&server, &RSA_KEY);
        let report = verifier()
            .with_recipient(Some(EMAIL.into()))
            .verify_bytes(token.as_bytes())
            .await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::Recipient), Outcome::Passed);
    }

    #[tokio::test]
    async fn signed_with_a_foreign_key() {
        // The key document says someone else owns it.
        let server = issuer_site().await;
        publish_key(&server, &RSA_KEY, "https://mallory.example/issuer");
        let report = verifier()
            .verify_bytes(signed_assertion(&server, &RSA_KEY).as_bytes())
            .await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
        assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Failed);

        // The key claims the issuer, but the issuer's profile does not list it.
        let server = issuer_site().await;
        publish_key(&server, &RSA_KEY, &server.url("issuer"));
        let mut profile: Value =
            serde_json::from_slice(&server.routes.lock().unwrap()["/issuer"].1).unwrap();
        profile["publicKey"] = json!([server.url("other-key")]);
        server.put_json("issuer", &profile);
        let report = verifier()
            .verify_bytes(signed_assertion(&server, &RSA_KEY).as_bytes())
            .await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::KeyBinding), Outcome::Failed);
        assert!(message(&report, CheckKind::KeyBinding).contains("does not list"));
    }
}

mod supplied_key {
    use super::*;

    #[tokio::test]
    async fn an_unpublished_ob2_key_supplied_by_the_user_checks_the_signature_only() {
        let server = Server::start().await;
        let mut a = json!({
            "@context": OB2_CONTEXT, "type": "Assertion", "id": server.url("assertions/1"),
            "recipient": {"type": "email", "hashed": false, "identity": EMAIL},
            "badge": server.url("badge"),
            "verification": {"type": "signed", "creator": server.url("key")},
            "issuedOn": "2026-01-01T00:00:00Z",
        });
        let token = insignia_proofs::jose::sign_ob2_assertion(&a, &RSA_KEY).unwrap();
        let mut verifier = verifier();
        verifier.supplied_key = Some(RSA_KEY.public_key());
        let report = verifier.verify_bytes(token.as_bytes()).await;
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
        assert_eq!(outcome(&report, CheckKind::Proof), Outcome::Passed);
        assert_eq!(
            outcome(&report, CheckKind::KeyBinding),
            Outcome::CouldNotCheck
        );

        a["issuedOn"] = Value::from("2026-02-01T00:00:00Z");
        let forged = format!(
            "{}.{}",
            token.rsplit_once('.').unwrap().0.split_once('.').unwrap().0,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(a.to_string())
        ) + "."
            + token.rsplit_once('.').unwrap().1;
        let report = verifier.verify_bytes(forged.as_bytes()).await;
        assert_eq!(
            outcome(&report, CheckKind::Proof),
            Outcome::Failed,
            "{report:#?}"
        );
    }
}
