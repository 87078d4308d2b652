//! The main journey: first run, issuer, badge, award, public page, downloads,
//! hosted documents, status list, revocation.

use base64::Engine as _;
use insignia_proofs::did::DidDocument;
use insignia_verify::{CheckKind, KeyResolver, Outcome, Resolution, VerifyOptions};
use serde_json::Value;
use std::io::Read as _;

use crate::support::{self, App, csrf, location, on_both};

/// Resolves keys from a DID document fetched from the server under test.
struct FetchedDid(DidDocument);

impl KeyResolver for FetchedDid {
    fn resolve(&self, vm: &str) -> Resolution {
        match self.0.find_verification_method(vm) {
            Some(key) => Resolution::Found {
                key,
                controller: self.0.id().unwrap_or_default().to_owned(),
            },
            None => Resolution::Invalid(format!("{vm} not in the DID document")),
        }
    }
}

async fn did_resolver(app: &App, client: &reqwest::Client, slug: &str) -> FetchedDid {
    let doc: Value = client
        .get(app.url(&format!("/issuers/{slug}/did.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    FetchedDid(DidDocument(doc))
}

fn bit(encoded: &str, index: usize) -> bool {
    let zipped = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.trim_start_matches('u'))
        .unwrap();
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut bits)
        .unwrap();
    assert_eq!(bits.len(), 131_072 / 8, "the list has the minimum size");
    bits[index / 8] & (0x80 >> (index % 8)) != 0
}

async fn status_bit(
    app: &App,
    client: &reqwest::Client,
    slug: &str,
    purpose: &str,
    index: usize,
) -> bool {
    let list: Value = client
        .get(app.url(&format!("/issuers/{slug}/status/{purpose}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The list itself is signed by the issuer.
    let resolver = did_resolver(app, client, slug).await;
    let report = insignia_verify::verify_json(&list, &VerifyOptions::new(&resolver));
    assert_eq!(
        report.check(CheckKind::Proof).unwrap().outcome,
        Outcome::Passed,
        "{report:?}"
    );
    assert_eq!(list["credentialSubject"]["statusPurpose"], purpose);
    bit(
        list["credentialSubject"]["encodedList"].as_str().unwrap(),
        index,
    )
}

#[tokio::test]
async fn first_run_link_then_password() {
    on_both(|app| async move {
        let link = insignia_server::first_run_link(&app.state)
            .await
            .unwrap()
            .unwrap();
        assert!(
            insignia_server::first_run_link(&app.state)
                .await
                .unwrap()
                .is_none(),
            "only on a fresh installation"
        );
        let path = link.strip_prefix(&app.base).unwrap().to_owned();
        let client = app.client();
        let r = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/account/password");
        // One use only.
        let again = app.client().get(app.url(&path)).send().await.unwrap();
        assert_eq!(again.status(), 404);
        let page = client
            .get(app.url("/account/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        let token = csrf(&page);
        assert!(
            page.contains("name=\"email\"") && !page.contains("name=\"current\""),
            "the one-time page asks for an address, not for a current password"
        );
        // Not an organisation yet: the account waits for its address.
        let r = client.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(location(&r), "/account/confirm");
        let short = client
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "root@academy.example.org"),
                ("password", "short"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(short.status(), 422);
        let r = client
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "Root@Academy.example.org"),
                ("password", "a long enough password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = client.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(r.status(), 200, "the chosen address is the operator's own");
        // Now the password works from a fresh browser, with the chosen address.
        let fresh = app.client();
        let r = fresh
            .post(app.url("/login"))
            .form(&[
                ("email", "root@academy.example.org"),
                ("password", "a long enough password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let wrong = app
            .client()
            .post(app.url("/login"))
            .form(&[
                ("email", "admin@localhost"),
                ("password", "a long enough password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        app
    })
    .await;
}

#[tokio::test]
async fn issue_show_verify_and_revoke() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "owner@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "academy").await;
        let award = support::award(&app, &client, &token, &org, &badge, "Amira@Example.org").await;

        // The public page: recipient, badge, issuer, a live "valid" verification.
        let anonymous = app.client();
        let page = anonymous
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("Amira Haddad"));
        assert!(page.contains("Data Analysis with Python"));
        assert!(page.contains("class=\"verdict valid\""), "{page}");
        assert!(
            page.contains(&format!(
                "property=\"og:image\" content=\"{}/a/{award}/share.png\"",
                app.base
            )),
            "Open Graph tags name the share image"
        );
        assert!(page.contains("name=\"twitter:card\" content=\"summary_large_image\""));
        let card = anonymous
            .get(app.url(&format!("/a/{award}/share.png")))
            .send()
            .await
            .unwrap();
        assert_eq!(card.status(), 200);
        assert_eq!(card.headers()["content-type"], "image/png");
        let valid_card = card.headers()["etag"].to_str().unwrap().to_owned();
        let png = card.bytes().await.unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        assert_eq!(
            (
                u32::from_be_bytes(png[16..20].try_into().unwrap()),
                u32::from_be_bytes(png[20..24].try_into().unwrap())
            ),
            (1200, 627)
        );
        assert_eq!(
            anonymous
                .get(app.url("/a/no-such-award/share.png"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert!(page.contains("linkedin.com/profile/add"));
        assert!(
            page.contains("<strong>all six</strong>"),
            "criteria rendered from Markdown"
        );
        assert!(!page.contains("<script>alert"), "and sanitised");

        // The credential: a signed OB 3.0 credential that verifies with the
        // issuer's published did:web document.
        let credential: Value = anonymous
            .get(app.url(&format!("/a/{award}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(credential["type"][1], "OpenBadgeCredential");
        assert_eq!(
            credential["credentialSubject"]["achievement"]["achievementType"],
            "Certificate"
        );
        assert!(
            credential["validUntil"].is_string(),
            "730-day expiry policy applied"
        );
        let hash = credential["credentialSubject"]["identifier"][0]["identityHash"]
            .as_str()
            .unwrap();
        let salt = credential["credentialSubject"]["identifier"][0]["salt"]
            .as_str()
            .unwrap();
        assert!(
            !credential.to_string().contains("amira@example.org"),
            "the e-mail is hashed"
        );
        assert_eq!(
            hash,
            insignia_model::identity::hash_email("amira@example.org", Some(salt))
        );
        let resolver = did_resolver(&app, &anonymous, "academy").await;
        let report = insignia_verify::verify_json(&credential, &VerifyOptions::new(&resolver));
        for kind in [
            CheckKind::Contexts,
            CheckKind::Schema,
            CheckKind::Proof,
            CheckKind::KeyBinding,
            CheckKind::ValidityWindow,
        ] {
            assert_eq!(
                report.check(kind).unwrap().outcome,
                Outcome::Passed,
                "{kind:?}: {report:#?}"
            );
        }
        // JSON for machines at the same address.
        let negotiated: Value = anonymous
            .get(app.url(&format!("/a/{award}")))
            .header("accept", "application/ld+json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(negotiated, credential);
        // The JWT form.
        let jwt = anonymous
            .get(app.url(&format!("/a/{award}/credential.jwt")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert_eq!(jwt.split('.').count(), 3);

        // The baked image carries exactly the credential.
        let png = anonymous
            .get(app.url(&format!("/a/{award}/badge.png")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let baked = insignia_bake::extract(&png).unwrap().unwrap();
        let baked_json: Value = match baked.payload {
            insignia_bake::Payload::Json(text) => serde_json::from_str(&text).unwrap(),
            other => panic!("unexpected payload {other:?}"),
        };
        assert_eq!(baked_json, credential);

        // Hosted Open Badges 2.0 documents.
        let assertion: Value = anonymous
            .get(app.url(&format!("/ob2/assertions/{award}")))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(assertion["type"], "Assertion");
        assert_eq!(assertion["verification"]["type"], "hosted");
        let salt2 = assertion["recipient"]["salt"].as_str().unwrap();
        assert_eq!(
            assertion["recipient"]["identity"],
            insignia_model::identity::hash_email("amira@example.org", Some(salt2))
        );
        let badge_class: Value = anonymous
            .get(assertion["badge"].as_str().unwrap())
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(badge_class["type"], "BadgeClass");
        assert_eq!(badge_class["name"], "Data Analysis with Python");
        let issuer: Value = anonymous
            .get(badge_class["issuer"].as_str().unwrap())
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(issuer["type"], "Issuer");
        let key: Value = anonymous
            .get(issuer["publicKey"][0].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(key["owner"], issuer["id"]);
        assert!(
            key["publicKeyPem"]
                .as_str()
                .unwrap()
                .contains("BEGIN PUBLIC KEY")
        );
        // People asking for the hosted assertion get the page.
        let r = anonymous
            .get(app.url(&format!("/ob2/assertions/{award}")))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);

        // Status: not revoked yet; then revoke and everything says so.
        let index: usize = credential["credentialStatus"]["statusListIndex"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(!status_bit(&app, &anonymous, "academy", "revocation", index).await);
        let admin_page = client
            .get(app.url(&format!("/orgs/{org}/awards/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(admin_page.contains("Amira Haddad"));
        let no_reason = client
            .post(app.url(&format!("/orgs/{org}/awards/{award}/status")))
            .form(&[("csrf", token.as_str()), ("action", "revoke")])
            .send()
            .await
            .unwrap();
        assert_eq!(no_reason.status(), 422, "a revocation needs a reason");
        let again = no_reason.text().await.unwrap();
        assert!(
            again.contains("id=\"reason-error\""),
            "the confirmation page comes back with the message by the field"
        );
        let r = client
            .post(app.url(&format!("/orgs/{org}/awards/{award}/status")))
            .form(&[
                ("csrf", token.as_str()),
                ("action", "revoke"),
                ("reason", "Issued by mistake"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            status_bit(&app, &anonymous, "academy", "revocation", index).await,
            "bit set at once"
        );
        let page = anonymous
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("class=\"verdict invalid\""));
        assert!(page.contains("Issued by mistake"));
        let card = anonymous
            .get(app.url(&format!("/a/{award}/share.png")))
            .send()
            .await
            .unwrap();
        assert_ne!(
            card.headers()["etag"].to_str().unwrap(),
            valid_card,
            "a revoked award's preview says so: a different picture"
        );
        let gone = anonymous
            .get(app.url(&format!("/ob2/assertions/{award}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            gone.status(),
            410,
            "OB 2.0: revoked hosted assertions are gone"
        );
        let revocations: Value = anonymous
            .get(issuer["revocationList"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            revocations["revokedAssertions"][0]["revocationReason"],
            "Issued by mistake"
        );
        let reinstate = client
            .post(app.url(&format!("/orgs/{org}/awards/{award}/status")))
            .form(&[("csrf", token.as_str()), ("action", "reinstate")])
            .send()
            .await
            .unwrap();
        assert_eq!(reinstate.status(), 409, "revocation is final");
        app
    })
    .await;
}

#[tokio::test]
async fn suspend_reinstate_renew_and_versioning() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "owner@uni.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "uni").await;
        let award =
            support::award(&app, &client, &token, &org, &badge, "learner@example.org").await;
        let credential: Value = client
            .get(app.url(&format!("/a/{award}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let index: usize = credential["credentialStatus"]["statusListIndex"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let post = |action: &'static str| {
            client
                .post(app.url(&format!("/orgs/{org}/awards/{award}/status")))
                .form(&[("csrf", token.clone()), ("action", action.to_owned())])
                .send()
        };
        assert_eq!(post("suspend").await.unwrap().status(), 303);
        assert!(status_bit(&app, &client, "uni", "suspension", index).await);
        let page = client
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("class=\"notice suspended\""), "{page}");
        assert_eq!(post("reinstate").await.unwrap().status(), 303);
        assert!(!status_bit(&app, &client, "uni", "suspension", index).await);

        // Editing an awarded badge makes version 2; the award keeps version 1.
        let edit = client
            .get(app.url(&format!("/orgs/{org}/badges/{badge}/edit")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(edit.contains("name=\"version\" value=\"1\""));
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .text("version", "1")
            .text("name", "Data Analysis with Python (2027)")
            .text("description", "Updated.")
            .text("criteria", "Complete the labs.")
            .text("achievement_type", "Certificate");
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/edit")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let stale = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .text("version", "1")
            .text("name", "Someone else's edit")
            .text("description", "x")
            .text("criteria", "y")
            .text("achievement_type", "Certificate");
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/edit")))
            .multipart(stale)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            409,
            "a stale edit is refused, not silently applied"
        );
        let page = client
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(
            page.contains("Data Analysis with Python<"),
            "the award shows the version it was issued with"
        );
        assert!(!page.contains("(2027)"));

        // Renewal issues a new credential from version 2 and links the old one to it.
        let r = client
            .post(app.url(&format!("/orgs/{org}/awards/{award}/renew")))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let renewed = location(&r).rsplit('/').next().unwrap().to_owned();
        assert_ne!(renewed, award);
        let again = client
            .post(app.url(&format!("/orgs/{org}/awards/{award}/renew")))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            location(&again).rsplit('/').next().unwrap(),
            renewed,
            "renewing twice gives the same award"
        );
        let new_page = client
            .get(app.url(&format!("/a/{renewed}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(new_page.contains("(2027)"));
        let old_page = client
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(
            old_page.contains(&format!("/a/{renewed}")),
            "the old page points at the renewal"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn public_pages_follow_the_browser_language() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "owner@lang.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "lang").await;
        let award = support::award(&app, &client, &token, &org, &badge, "x@example.org").await;
        for (header, expected) in [
            ("fr-FR,fr;q=0.9", "Décerné à"),
            ("es", "Otorgada a"),
            ("de, en;q=0.5", "Awarded to"),
        ] {
            let page = app
                .client()
                .get(app.url(&format!("/a/{award}")))
                .header("accept-language", header)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .replace("&#x2f;", "/");
            assert!(page.contains(expected), "{header}: {expected}");
        }
        let page = app
            .client()
            .get(app.url("/verify"))
            .header("accept-language", "fr")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("<html lang=\"fr\">"));
        // Badge and issuer pages.
        let b = app
            .client()
            .get(app.url(&format!("/b/{badge}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(b.contains("What this badge means"));
        let i = app
            .client()
            .get(app.url("/i/lang"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(i.contains("did:web:"));
        app
    })
    .await;
}

#[tokio::test]
async fn verify_page_checks_an_uploaded_badge() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "owner@v.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "vpage").await;
        let award = support::award(&app, &client, &token, &org, &badge, "y@example.org").await;
        let png = client
            .get(app.url(&format!("/a/{award}/badge.png")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png.to_vec()).file_name("badge.png"),
        );
        let page = app
            .client()
            .post(app.url("/verify"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("Data Analysis with Python"), "{page}");
        assert!(page.contains("Signature"));
        // Tampered: change the recipient name inside the credential.
        let credential = client
            .get(app.url(&format!("/a/{award}/credential.json")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        let tampered = credential.replace("Amira Haddad", "Mallory");
        let form = reqwest::multipart::Form::new().text("text", tampered);
        let page = app
            .client()
            .post(app.url("/verify"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("class=\"verdict invalid\""), "{page}");
        // By URL (ours: read from the database, not fetched), with the recipient checked.
        for (email, verdict) in [
            ("Y@example.org", "valid"),
            ("someone-else@example.org", "invalid"),
        ] {
            let form = reqwest::multipart::Form::new()
                .text("url", app.url(&format!("/a/{award}")))
                .text("recipient", email);
            let page = app
                .client()
                .post(app.url("/verify"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                page.contains(&format!("class=\"verdict {verdict}\"")),
                "{email}: {page}"
            );
        }
        let form = reqwest::multipart::Form::new().text("url", "ftp://example.org/x");
        let r = app
            .client()
            .post(app.url("/verify"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        // Not ours: the online verifier refuses to fetch from a private address.
        let form = reqwest::multipart::Form::new().text("url", "https://127.0.0.1/badge.json");
        let page = app
            .client()
            .post(app.url("/verify"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("class=\"verdict indeterminate\""), "{page}");
        let empty = app
            .client()
            .post(app.url("/verify"))
            .multipart(reqwest::multipart::Form::new().text("text", "  "))
            .send()
            .await
            .unwrap();
        assert_eq!(empty.status(), 422);
        app
    })
    .await;
}

#[tokio::test]
async fn design_in_the_app_preview_and_templates() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "designer@academy.example.org").await;
        let (org, first) = support::org_with_badge(&app, &client, &token, "designer").await;
        let page = client
            .get(app.url(&format!("/orgs/{org}/badges/new")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let issuer_id = support::first_option(&page);
        let form = |preview: bool| {
            let f = reqwest::multipart::Form::new()
                .text("csrf", token.clone())
                .text("issuer_id", issuer_id.clone())
                .text("name", "Security Champion")
                .text("description", "Leads secure coding practice in a team.")
                .text("criteria", "Run three threat-modelling sessions.")
                .text("achievement_type", "Badge")
                .text("image_mode", "design")
                .text("art_shape", "shield")
                .text("art_background", "#14532d")
                .text("art_accent", "#86efac")
                .text("art_text", "#ffffff")
                .text("art_icon", "shield-check")
                .text("art_title", "Security <Champion>")
                .text("art_band", "2026")
                .text("publish", "1");
            if preview { f.text("preview", "1") } else { f }
        };
        // Preview: the drawing inline, nothing saved.
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/new")))
            .multipart(form(true))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("data:image/svg+xml;base64,"), "preview shown");
        assert_eq!(
            insignia_store::repo::badges::list(&app.state.store, &org)
                .await
                .unwrap()
                .len(),
            1,
            "nothing saved by a preview"
        );
        // Save.
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/new")))
            .multipart(form(false))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let badge = location(&r).rsplit('/').next().unwrap().to_owned();
        let svg = client
            .get(app.url(&format!("/b/{badge}/v/1/image.svg")))
            .send()
            .await
            .unwrap();
        assert_eq!(svg.headers()["content-type"], "image/svg+xml");
        let svg = svg.text().await.unwrap();
        assert!(svg.contains("viewBox=\"0 0 512 512\""));
        assert!(!svg.contains("<Champion>"), "user text escaped");
        let png = client
            .get(app.url(&format!("/b/{badge}/v/1/image.png")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            insignia_bake::detect(&png),
            Some(insignia_bake::ImageKind::Png)
        );
        // Awarded: the baked SVG carries the credential too.
        let award = support::award(&app, &client, &token, &org, &badge, "champ@example.org").await;
        let baked = client
            .get(app.url(&format!("/a/{award}/badge.svg")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(insignia_bake::extract(&baked).unwrap().is_some());
        // Bad colours and a too-long title are explained, nothing saved.
        let bad = form(false).text("art_background", "red");
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/new")))
            .multipart(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("#rrggbb"));

        // Save the badge as a template; a new badge can start from it.
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/state")))
            .form(&[("csrf", token.as_str()), ("state", "template")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let new_page = client
            .get(app.url(&format!("/orgs/{org}/badges/new")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(new_page.contains(&format!("/badges/new?from={badge}")));
        assert!(
            !new_page.contains(&format!("/badges/new?from={first}")),
            "only templates are offered"
        );
        let from = client
            .get(app.url(&format!("/orgs/{org}/badges/new?from={badge}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(from.contains("value=\"#14532d\""), "the template's colours");
        assert!(
            from.contains("Leads secure coding practice"),
            "and its details"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn two_processes_share_one_postgresql_database() {
    let Some((a, b)) = support::spawn_pair_on_postgres().await else {
        return;
    };
    // Signed up on one process, the session works on the other (sessions live in the database).
    let (client, token) = support::sign_up(&a, "scale@academy.example.org").await;
    let page = client.get(b.url("/dashboard")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (org, badge) = support::org_with_badge(&b, &client, &token, "scale").await;
    let award = support::award(&a, &client, &token, &org, &badge, "scale@example.org").await;
    let credential: Value = client
        .get(b.url(&format!("/a/{award}/credential.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let index: usize = credential["credentialStatus"]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Process A publishes and caches its view; B revokes; A's answers change at once.
    assert!(!status_bit(&a, &client, "scale", "revocation", index).await);
    // An anonymous visitor's page on A is cached there...
    for _ in 0..2 {
        let page = a
            .client()
            .get(a.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("class=\"verdict valid\""));
    }
    let page = client
        .get(a.url(&format!("/a/{award}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("class=\"verdict valid\""));
    let r = client
        .post(b.url(&format!("/orgs/{org}/awards/{award}/status")))
        .form(&[
            ("csrf", token.as_str()),
            ("action", "revoke"),
            ("reason", "Withdrawn"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        status_bit(&a, &client, "scale", "revocation", index).await,
        "A serves B's revocation"
    );
    let page = client
        .get(a.url(&format!("/a/{award}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("class=\"verdict invalid\""),
        "A's page shows it too"
    );
    // ...and anonymous visitors on A see B's revocation within the status
    // cache's one second (the page cache itself is keyed by the status).
    let revoked_at = std::time::Instant::now();
    let page = loop {
        let page = a
            .client()
            .get(a.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("class=\"verdict invalid\"") {
            break page;
        }
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_millis(1500),
            "anonymous visitors on A still see the badge as valid after 1.5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(page.contains("Withdrawn"));
    // A bulk job queued on A is done by whichever process claims it, once.
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"name,email\nA,a@example.org\nB,b@example.org\nC,c@example.org\n".to_vec(),
            )
            .file_name("l.csv"),
        );
    let r = client
        .post(a.url(&format!("/orgs/{org}/badges/{badge}/bulk")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let job_path = location(&r);
    client
        .post(a.url(&format!("{job_path}/decide")))
        .form(&[("csrf", token.as_str()), ("action", "confirm")])
        .send()
        .await
        .unwrap();
    let job_id = job_path.rsplit('/').next().unwrap().to_owned();
    let mut done = false;
    for _ in 0..300 {
        let job = insignia_store::repo::bulk::job(&b.state.store, &job_id)
            .await
            .unwrap()
            .unwrap();
        if job.state == insignia_store::model::BulkJobState::Done {
            assert_eq!(job.awarded, 3);
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(done);
    assert_eq!(
        insignia_store::repo::awards::list(&a.state.store, &org, 100)
            .await
            .unwrap()
            .len(),
        4
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn issuer_logo_appears_in_pages_and_credentials() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "logo@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "logo").await;
        let overview = client
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        let issuer_id = {
            let marker = format!("/orgs/{org}/issuers/");
            let start = overview.rfind(&marker).unwrap() + marker.len();
            overview[start..start + overview[start..].find('"').unwrap()].to_owned()
        };
        assert_eq!(
            client
                .get(app.url("/i/logo/logo.png"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let upload = |bytes: Vec<u8>| {
            reqwest::multipart::Form::new()
                .text("csrf", token.clone())
                .part(
                    "logo",
                    reqwest::multipart::Part::bytes(bytes).file_name("logo.png"),
                )
        };
        let r = client
            .post(app.url(&format!("/orgs/{org}/issuers/{issuer_id}/logo")))
            .multipart(upload(b"not an image".to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = client
            .post(app.url(&format!("/orgs/{org}/issuers/{issuer_id}/logo")))
            .multipart(upload(support::png().to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let logo = client
            .get(app.url("/i/logo/logo.png"))
            .send()
            .await
            .unwrap();
        assert_eq!(logo.headers()["content-type"], "image/png");
        let page = app
            .client()
            .get(app.url("/i/logo"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains("/i/logo/logo.png"));
        let award = support::award(&app, &client, &token, &org, &badge, "l@example.org").await;
        let credential: Value = client
            .get(app.url(&format!("/a/{award}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            credential["issuer"]["image"]["id"],
            app.url("/i/logo/logo.png")
        );
        let page = app
            .client()
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("class=\"verdict valid\""),
            "the logo is inside the signed profile: {page}"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn verify_page_tells_authentic_badges_with_conformance_problems_apart() {
    use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
    use insignia_proofs::keys::{Algorithm, KeyPair};

    let key = KeyPair::generate(Algorithm::Ed25519).unwrap();
    let mut credential: Value = serde_json::from_str(include_str!(
        "../../../../examples/ob3-achievement-credential.json"
    ))
    .unwrap();
    credential["issuer"]["id"] = Value::from(key.did_key().unwrap());
    // Open Badges 3.0 wants the subject named by `id` or `identifier`.
    credential["credentialSubject"]
        .as_object_mut()
        .unwrap()
        .remove("identifier");
    let options = SignOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: key.verification_method_id().unwrap(),
        created: Some("2026-01-01T00:00:00Z".into()),
    };
    let signed = data_integrity::sign(&credential, &key, &options).unwrap();
    on_both(|app| {
        let signed = signed.clone();
        async move {
            let form = reqwest::multipart::Form::new().text("text", signed.to_string());
            let page = app
                .client()
                .post(app.url("/verify"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .replace("&#x27;", "'");
            assert!(
                page.contains("class=\"verdict valid-with-warnings\""),
                "{page}"
            );
            assert!(
                page.contains("Authentic, with conformance problems"),
                "{page}"
            );
            assert!(page.contains("class=\"nonconforming\""), "{page}");
            assert!(
                page.contains("does not follow the Open Badges rules"),
                "{page}"
            );
            app
        }
    })
    .await;
}
