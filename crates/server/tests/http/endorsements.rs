//! Endorsements over HTTP: a person endorses an earner's award and an
//! organisation endorses a badge; nothing shows until the endorsed party
//! approves (the earner, the badge's organisation's admins), each told by
//! e-mail; approved ones are listed, verified, on the public pages and
//! embedded in the achievement; the credential verifies with the verify crate
//! against the DID document we serve, and a tampered copy does not.

use insignia_store::repo::users;
use insignia_verify::{Material, MaterialResolver, Verdict, VerifyOptions};
use serde_json::Value;

use crate::mail::send_due;
use crate::support::{self, App, csrf, location, on_both};

async fn text(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap().replace("&#x2f;", "/"))
}

/// The kinds and text bodies of the messages delivered to `to`, oldest first.
async fn bodies_to(app: &App, to: &str) -> Vec<(String, String)> {
    let store = &app.state.store;
    let rows: Vec<(String, String)> = insignia_store::on_db!(store, |pool| sqlx::query_as(
        "SELECT m.kind, c.raw FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
         WHERE c.recipient = $1 ORDER BY c.delivered_at, m.created_at"
    )
    .bind(to)
    .fetch_all(pool)
    .await
    .unwrap());
    rows.into_iter()
        .map(|(kind, raw)| {
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .unwrap();
            (kind, parsed.body_text(0).unwrap().into_owned())
        })
        .collect()
}

/// Sends the endorsement form; returns the response.
async fn endorse(
    app: &App,
    client: &reqwest::Client,
    path: &str,
    as_issuer: &str,
    comment: &str,
) -> reqwest::Response {
    let (status, page) = text(client, &app.url(path)).await;
    assert_eq!(status, 200, "{page}");
    client
        .post(app.url(path))
        .form(&[
            ("csrf", csrf(&page).as_str()),
            ("as", as_issuer),
            ("comment", comment),
        ])
        .send()
        .await
        .unwrap()
}

/// The one endorsement id listed with an approve button on `/endorsements`.
fn pending_id(page: &str) -> String {
    let marker = "action=\"/endorsements/";
    let approve = page
        .find("value=\"approve\"")
        .expect("a pending endorsement");
    let start = page[..approve].rfind(marker).unwrap() + marker.len();
    let end = page[start..].find('/').unwrap();
    page[start..start + end].to_owned()
}

async fn decide(
    app: &App,
    client: &reqwest::Client,
    id: &str,
    decision: &str,
) -> reqwest::Response {
    let (_, page) = text(client, &app.url("/endorsements")).await;
    client
        .post(app.url(&format!("/endorsements/{id}/decide")))
        .form(&[("csrf", csrf(&page).as_str()), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

/// Verifies `credential` with the verify crate, the endorser's DID document
/// fetched from our server as the only material.
async fn verify_with_served_did(credential: &[u8]) -> insignia_verify::Report {
    let value: Value = serde_json::from_slice(credential).unwrap();
    let vm = value["proof"]["verificationMethod"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut material = Material::new(true);
    let did_url = material.did_web_url(&vm).unwrap();
    let served: Value = reqwest::get(&did_url).await.unwrap().json().await.unwrap();
    material.insert_json(&did_url.replacen("http://", "https://", 1), &served);
    material.insert_json(&did_url, &served);
    let resolver = MaterialResolver {
        material: &material,
    };
    insignia_verify::verify_bytes(credential, &VerifyOptions::new(&resolver))
}

#[tokio::test]
async fn endorsements_are_signed_approved_and_shown() {
    on_both(|app| async move {
        let (staff, staff_token) = support::sign_up(&app, "staff@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &staff, &staff_token, "academy").await;
        let award = support::award(
            &app,
            &staff,
            &staff_token,
            &org,
            &badge,
            "amira@example.org",
        )
        .await;

        // A colleague endorses the award before Amira has an account: nobody can approve it.
        let (carla, _) = support::sign_up(&app, "carla@example.org").await;
        let path = format!("/endorse/award/{award}");
        let r = endorse(&app, &carla, &path, "", "Amira led our air-quality study.").await;
        assert_eq!(r.status(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("has not accepted this badge")
        );

        let (amira, _) = support::sign_up(&app, "amira@example.org").await;
        // Bad input: an empty comment, someone else's issuer, one's own badge.
        let r = endorse(&app, &carla, &path, "", "   ").await;
        assert_eq!(r.status(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Write your endorsement first")
        );
        let r = endorse(&app, &carla, &path, "not-an-issuer", "Great work.").await;
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("You cannot sign as this issuer")
        );
        let r = endorse(&app, &amira, &path, "", "I am great.").await;
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("You cannot endorse your own badge")
        );
        let (status, _) = text(&carla, &app.url("/endorse/award/no-such-award")).await;
        assert_eq!(status, 404);
        // Anonymous: sent to sign in first.
        let r = app.client().get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("/login?next="));

        let comment = "Amira led our air-quality study & wrote <the> analysis.";
        let r = endorse(&app, &carla, &path, "", comment).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/endorsements?sent=1");

        // Pending: not on the public page, not served.
        let anonymous = app.client();
        let (_, public) = text(&anonymous, &app.url(&format!("/a/{award}"))).await;
        assert!(
            !public.contains("air-quality study"),
            "shown before approval"
        );
        assert!(public.contains("No endorsements yet."));

        // Amira is told by e-mail and approves; Carla cannot decide for her.
        send_due(&app).await;
        let mails = bodies_to(&app, "amira@example.org").await;
        let (_, body) = mails
            .iter()
            .find(|(k, _)| k == "endorsement-request")
            .expect("the request e-mail");
        assert!(body.contains("Amira led our air-quality study"), "{body}");
        assert!(body.contains(&app.url("/endorsements")), "{body}");
        let (_, page) = text(&amira, &app.url("/endorsements")).await;
        assert!(page.contains("Awaiting approval"), "{page}");
        let id = pending_id(&page);
        let r = decide(&app, &carla, &id, "approve").await;
        assert_eq!(r.status(), 404, "only the earner decides");
        let (status, _) = text(&anonymous, &app.url(&format!("/endorsements/{id}"))).await;
        assert_eq!(status, 404, "a pending endorsement is not served");
        let r = decide(&app, &amira, &id, "approve").await;
        assert_eq!(r.status(), 303);
        let r = decide(&app, &amira, &id, "decline").await;
        assert_eq!(r.status(), 409, "decided once");

        // Shown, escaped and verified, on the public page (cached pages too).
        let (_, public) = text(&anonymous, &app.url(&format!("/a/{award}"))).await;
        assert!(
            public.contains("air-quality study &amp; wrote &lt;the&gt; analysis."),
            "{public}"
        );
        assert!(public.contains("Test Person"));
        assert!(public.contains("pill active\">Verified"), "{public}");
        send_due(&app).await;
        let mails = bodies_to(&app, "carla@example.org").await;
        assert!(
            mails
                .iter()
                .any(|(k, b)| k == "endorsement-decided" && b.contains("approved"))
        );
        // Amira can take it off her page later (then it is not served either).
        let (_, page) = text(&amira, &app.url("/endorsements")).await;
        assert!(page.contains("Hide from the public page"));
        let r = decide(&app, &carla, &id, "hide").await;
        assert_eq!(r.status(), 404, "only the earner hides it");

        // The credential: an OB 3.0 EndorsementCredential signed with Carla's did:web key.
        let r = anonymous
            .get(app.url(&format!("/endorsements/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.unwrap().to_vec();
        let credential: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            credential["type"],
            serde_json::json!(["VerifiableCredential", "EndorsementCredential"])
        );
        assert_eq!(
            credential["credentialSubject"]["type"],
            serde_json::json!(["EndorsementSubject"])
        );
        assert_eq!(
            credential["credentialSubject"]["endorsementComment"],
            comment
        );
        let award_credential: Value = reqwest::get(app.url(&format!("/a/{award}/credential.json")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            credential["credentialSubject"]["id"],
            award_credential["id"]
        );
        let carla_id = users::by_email(&app.state.store, "carla@example.org")
            .await
            .unwrap()
            .unwrap()
            .id;
        let issuer = credential["issuer"]["id"].as_str().unwrap();
        assert!(issuer.starts_with("did:web:") && issuer.ends_with(&format!(":users:{carla_id}")));
        assert_eq!(credential["proof"]["cryptosuite"], "eddsa-rdfc-2022");

        let report = verify_with_served_did(&bytes).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        assert_eq!(report.summary.endorsement_comment.as_deref(), Some(comment));
        let mut tampered = credential.clone();
        tampered["credentialSubject"]["endorsementComment"] = Value::from("Amira did nothing.");
        let report = verify_with_served_did(tampered.to_string().as_bytes()).await;
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");

        // The verify page: the endorsement's result, a tampered copy invalid.
        for (body, want) in [
            (credential.to_string(), "Endorses"),
            (tampered.to_string(), "Amira did nothing"),
        ] {
            let form = reqwest::multipart::Form::new().text("text", body);
            let page = anonymous
                .post(app.url("/verify"))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains(want), "{page}");
            if want == "Endorses" {
                assert!(page.contains("verdict valid"), "{page}");
            } else {
                assert!(page.contains("verdict invalid"), "{page}");
            }
        }

        let r = decide(&app, &amira, &id, "hide").await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/endorsements?decided=hide");
        let (_, public) = text(&anonymous, &app.url(&format!("/a/{award}"))).await;
        assert!(!public.contains("air-quality study"), "hidden");
        let (status, _) = text(&anonymous, &app.url(&format!("/endorsements/{id}"))).await;
        assert_eq!(status, 404);
        let r = decide(&app, &amira, &id, "hide").await;
        assert_eq!(r.status(), 409, "already hidden");

        // An organisation endorses the badge; the academy's admins decide.
        let (guild, guild_token) = support::sign_up(&app, "lead@guild.example.org").await;
        let (guild_org, _) = support::org_with_badge(&app, &guild, &guild_token, "guild").await;
        let guild_issuer = insignia_store::repo::issuers::list(&app.state.store, &guild_org)
            .await
            .unwrap()
            .remove(0)
            .id;
        let badge_path = format!("/endorse/badge/{badge}");
        let (_, form) = text(&guild, &app.url(&badge_path)).await;
        assert!(
            form.contains(&guild_issuer),
            "the guild's issuer is offered"
        );
        let r = endorse(
            &app,
            &guild,
            &badge_path,
            &guild_issuer,
            "A rigorous course.",
        )
        .await;
        assert_eq!(r.status(), 303);
        let r = endorse(&app, &staff, &badge_path, "", "Our own badge is great.").await;
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("You cannot endorse your own badge")
        );
        let (_, page) = text(&staff, &app.url("/endorsements")).await;
        let id = pending_id(&page);
        let r = decide(&app, &staff, &id, "approve").await;
        assert_eq!(r.status(), 303);
        let (_, public) = text(&anonymous, &app.url(&format!("/b/{badge}"))).await;
        assert!(public.contains("A rigorous course."), "{public}");
        assert!(public.contains("pill active\">Verified"), "{public}");
        let achievement: Value = anonymous
            .get(app.url(&format!("/b/{badge}/v/1")))
            .header("accept", "application/ld+json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let embedded = &achievement["endorsement"][0];
        assert_eq!(
            embedded["credentialSubject"]["endorsementComment"],
            "A rigorous course."
        );
        let report = verify_with_served_did(embedded.to_string().as_bytes()).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");

        // A declined endorsement of the issuer is never shown.
        let r = endorse(
            &app,
            &carla,
            "/endorse/issuer/academy",
            "",
            "Friendly staff.",
        )
        .await;
        assert_eq!(r.status(), 303);
        let (_, page) = text(&staff, &app.url("/endorsements")).await;
        let id = pending_id(&page);
        let r = decide(&app, &staff, &id, "decline").await;
        assert_eq!(r.status(), 303);
        let (_, public) = text(&anonymous, &app.url("/i/academy")).await;
        assert!(!public.contains("Friendly staff."));

        // Each endorsement e-mails someone: ten an hour per account.
        for n in 0..8 {
            let r = endorse(
                &app,
                &carla,
                "/endorse/issuer/academy",
                "",
                &format!("Note {n}"),
            )
            .await;
            assert_eq!(r.status(), 303, "endorsement {n}");
        }
        let r = endorse(&app, &carla, "/endorse/issuer/academy", "", "One too many.").await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Try again later"));
        app
    })
    .await;
}
