//! The earner's side over HTTP: awards appearing in the backpack, imports
//! through the verifier (valid, tampered, duplicate, refused), privacy of
//! items and collections, the public profile, evidence, sharing (LinkedIn's
//! parameters, counted redirects), the ZIP export re-imported into a fresh
//! account, and account deletion.

use std::collections::HashMap;
use std::io::Read;

use insignia_store::repo::backpack as repo;
use insignia_store::repo::{awards, users};

use crate::support::{self, App, csrf, location, on_both};

async fn text(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap().replace("&#x2f;", "/"))
}

async fn bytes(client: &reqwest::Client, url: &str) -> Vec<u8> {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.bytes().await.unwrap().to_vec()
}

/// Uploads a file to the import form; returns the response.
async fn import_file(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    data: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(data).file_name(name.to_owned()),
        );
    client
        .post(app.url("/backpack/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn import_url(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    url: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("url", url.to_owned());
    client
        .post(app.url("/backpack/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The item id and notice of an import's redirect.
fn imported(response: &reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), 303, "an import redirects");
    let to = location(response);
    let rest = to
        .strip_prefix("/backpack/items/")
        .unwrap_or_else(|| panic!("{to}"));
    let (id, notice) = rest.split_once("?notice=").unwrap();
    (id.to_owned(), notice.to_owned())
}

async fn user_id(app: &App, email: &str) -> String {
    users::by_email(&app.state.store, email)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn status_of(app: &App, item: &str) -> String {
    repo::item(&app.state.store, item)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// Makes every stored report old enough to be checked again on view.
async fn age_reports(app: &App) {
    insignia_store::on_db!(&app.state.store, |pool| sqlx::query(
        "UPDATE backpack_items SET checked_at = checked_at - 100000"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
}

async fn post(client: &reqwest::Client, url: String, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(url).form(form).send().await.unwrap()
}

/// An issuer with a badge, awarding it to `emails`; returns (org, award ids).
async fn academy(app: &App, emails: &[&str]) -> (reqwest::Client, String, String, Vec<String>) {
    let (issuer, token) = support::sign_up(app, "staff@academy.example.org").await;
    let (org, badge) = support::org_with_badge(app, &issuer, &token, "academy").await;
    let mut ids = Vec::new();
    for email in emails {
        ids.push(support::award(app, &issuer, &token, &org, &badge, email).await);
    }
    (issuer, token, org, ids)
}

#[tokio::test]
async fn awards_appear_and_imports_go_through_the_verifier() {
    on_both(|app| async move {
        let (issuer, issuer_token, org, awards) =
            academy(&app, &["amira@example.org", "bob@example.org"]).await;
        let (amira_award, bob_award) = (&awards[0], &awards[1]);

        // Sent to Amira's address: in her backpack by itself, verified.
        let (amira, amira_token) = support::sign_up(&app, "amira@example.org").await;
        let (status, page) = text(&amira, &app.url("/backpack")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Data Analysis with Python"), "{page}");
        assert!(page.contains("pill valid"));
        assert!(
            page.contains("href=\"/backpack\" aria-current=\"page\""),
            "the backpack is marked in the navigation"
        );
        let amira_id = user_id(&app, "amira@example.org").await;
        let items = repo::items(&app.state.store, &amira_id).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].award_id.as_deref(), Some(amira_award.as_str()));
        assert_eq!(items[0].visibility, "private", "private by default");
        // Viewing again adds nothing.
        text(&amira, &app.url("/backpack")).await;
        assert_eq!(
            repo::items(&app.state.store, &amira_id)
                .await
                .unwrap()
                .len(),
            1
        );

        // Carol imports Bob's baked PNG (any badge can be imported).
        let (carol, carol_token) = support::sign_up(&app, "carol@example.org").await;
        let png = bytes(&carol, &app.url(&format!("/a/{bob_award}/badge.png"))).await;
        let r = import_file(&app, &carol, &carol_token, png.clone(), "badge.png").await;
        let (item, notice) = imported(&r);
        assert_eq!(notice, "added");
        assert_eq!(status_of(&app, &item).await, "valid");
        let (_, page) = text(&carol, &app.url(&format!("/backpack/items/{item}"))).await;
        assert!(page.contains("pill valid") && page.contains("Data Analysis with Python"));
        // The same PNG again, and its JSON credential: recognised, not added twice.
        let again = import_file(&app, &carol, &carol_token, png.clone(), "again.png").await;
        assert_eq!(imported(&again), (item.clone(), "already".into()));
        let json = bytes(&carol, &app.url(&format!("/a/{bob_award}/credential.json"))).await;
        let same = import_file(&app, &carol, &carol_token, json.clone(), "badge.json").await;
        assert_eq!(imported(&same), (item.clone(), "already".into()));
        // Re-laid-out JSON with the same content: the same badge too.
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        let same = import_file(&app, &carol, &carol_token, pretty, "pretty.json").await;
        assert_eq!(imported(&same).0, item);
        let carol_id = user_id(&app, "carol@example.org").await;
        assert_eq!(
            repo::items(&app.state.store, &carol_id)
                .await
                .unwrap()
                .len(),
            1
        );
        // Bob's badge by its address (one of ours: no request to ourselves).
        let r = import_url(
            &app,
            &carol,
            &carol_token,
            &app.url(&format!("/a/{bob_award}")),
        )
        .await;
        assert_eq!(imported(&r), (item.clone(), "already".into()));

        // A tampered copy is stored as invalid, never as verified.
        let (dave, dave_token) = support::sign_up(&app, "dave@example.org").await;
        let mut forged = value.clone();
        forged["credentialSubject"]["achievement"]["name"] = "Rocket Science".into();
        let r = import_file(
            &app,
            &dave,
            &dave_token,
            serde_json::to_vec(&forged).unwrap(),
            "f.json",
        )
        .await;
        let (forged_item, _) = imported(&r);
        assert_eq!(status_of(&app, &forged_item).await, "invalid");
        let (_, page) = text(&dave, &app.url(&format!("/backpack/items/{forged_item}"))).await;
        assert!(
            page.contains("pill invalid") && !page.contains("pill valid"),
            "{page}"
        );
        // Then the genuine copy replaces it (same credential id).
        let r = import_file(&app, &dave, &dave_token, png.clone(), "badge.png").await;
        assert_eq!(imported(&r), (forged_item.clone(), "already".into()));
        assert_eq!(status_of(&app, &forged_item).await, "valid");

        // A baked SVG with a script: imported and verified, shown only as a PNG drawn
        // from its sanitised form, never served as it came.
        let design: insignia_artwork::BadgeArtwork = serde_json::from_value(serde_json::json!({
            "shape": "shield", "background": "#14532d", "accent": "#facc15", "text": "#ffffff",
            "icon": "wrench", "title": "Welding"
        }))
        .unwrap();
        let svg = insignia_artwork::design::render_svg(&design)
            .unwrap()
            .replacen("<svg ", "<svg onload=\"alert(1)\" ", 1);
        let svg = svg.replace("</svg>", "<script>alert(2)</script></svg>");
        let baked_svg = insignia_bake::bake(
            svg.as_bytes(),
            insignia_bake::Standard::Ob3,
            &insignia_bake::Payload::Json(String::from_utf8(json.clone()).unwrap()),
        )
        .unwrap();
        let r = import_file(&app, &dave, &dave_token, baked_svg, "badge.svg").await;
        let (svg_item, _) = imported(&r);
        assert_eq!(svg_item, forged_item, "the same badge as the PNG");
        let eve = support::sign_up(&app, "eve@example.org").await;
        let svg_again = insignia_bake::bake(
            svg.as_bytes(),
            insignia_bake::Standard::Ob3,
            &insignia_bake::Payload::Json(String::from_utf8(json.clone()).unwrap()),
        )
        .unwrap();
        let (eve_item, _) =
            imported(&import_file(&app, &eve.0, &eve.1, svg_again, "badge.svg").await);
        assert_eq!(status_of(&app, &eve_item).await, "valid");
        let r = eve
            .0
            .get(app.url(&format!("/s/{eve_item}/image.png")))
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            assert_eq!(r.headers()["content-type"], "image/png");
            assert_eq!(r.bytes().await.unwrap()[..4], *b"\x89PNG");
        } else {
            assert_eq!(r.status(), 404, "no image rather than the SVG as it came");
        }
        let (_, page) = text(&eve.0, &app.url(&format!("/backpack/items/{eve_item}"))).await;
        assert!(
            !page.contains("alert("),
            "nothing of the SVG reaches the page"
        );
        assert_eq!(
            eve.0
                .get(app.url(&format!("/backpack/items/{eve_item}/baked.png")))
                .send()
                .await
                .unwrap()
                .status(),
            303,
            "an SVG is not offered as a baked PNG; ours is baked by its issuer page"
        );

        // Non-badges are refused with a clear message.
        let r = import_file(&app, &dave, &dave_token, b"hello world".to_vec(), "x.txt").await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("This is not a badge"));
        let r = import_file(
            &app,
            &dave,
            &dave_token,
            support::png().to_vec(),
            "plain.png",
        )
        .await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("carries no badge"));
        let r = import_file(
            &app,
            &dave,
            &dave_token,
            br#"{"hello": "world"}"#.to_vec(),
            "x.json",
        )
        .await;
        assert_eq!(r.status(), 400);
        let r = import_url(&app, &dave, &dave_token, "http://example.org/badge.json").await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("Only https:"));
        // A private address is refused by the SSRF-safe fetcher.
        let r = import_url(&app, &dave, &dave_token, "https://127.0.0.1/badge.json").await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("could not be fetched"));
        // Without the form's token nothing is imported.
        let r = import_file(&app, &dave, "forged-token", png.clone(), "b.png").await;
        assert_eq!(r.status(), 403);

        // Private: Carol's item is not found for anyone else, nor anonymously.
        let anonymous = app.client();
        for client in [&amira, &anonymous] {
            for path in [
                format!("/s/{item}"),
                format!("/s/{item}/image.png"),
                format!("/s/{item}/share.png"),
                format!("/s/{item}/print"),
                format!("/backpack/items/{item}/credential"),
                format!("/share/item/{item}/linkedin"),
            ] {
                let r = client.get(app.url(&path)).send().await.unwrap();
                assert!(
                    r.status() == 404 || r.status() == 303,
                    "{path}: {}",
                    r.status()
                );
                if r.status() == 303 {
                    assert!(location(&r).starts_with("/login"), "{path}");
                }
            }
        }
        assert_eq!(
            text(&amira, &app.url(&format!("/backpack/items/{item}")))
                .await
                .0,
            404
        );
        let r = post(
            &amira,
            app.url(&format!("/backpack/items/{item}/visibility")),
            &[("csrf", &amira_token), ("visibility", "public")],
        )
        .await;
        assert_eq!(r.status(), 404, "another earner cannot change it");
        let r = post(
            &amira,
            app.url(&format!("/backpack/items/{item}/delete")),
            &[("csrf", &amira_token)],
        )
        .await;
        assert_eq!(r.status(), 404);
        // Unlisted: the link works for anyone, with its preview tags.
        let r = post(
            &carol,
            app.url(&format!("/backpack/items/{item}/visibility")),
            &[("csrf", &carol_token), ("visibility", "unlisted")],
        )
        .await;
        assert_eq!(r.status(), 303);
        let (status, page) = text(&anonymous, &app.url(&format!("/s/{item}"))).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("property=\"og:title\" content=\"Data Analysis with Python\""),
            "{page}"
        );
        assert!(page.contains("name=\"twitter:card\" content=\"summary_large_image\""));
        assert!(page.contains(&format!(
            "property=\"og:image\" content=\"{}/s/{item}/share.png\"",
            app.base
        )));
        assert!(page.contains("property=\"og:image:width\" content=\"1200\""));
        assert!(page.contains("property=\"og:image:height\" content=\"627\""));
        assert!(page.contains(
            "property=\"og:image:alt\" content=\"Data Analysis with Python: share image\""
        ));
        // The share image: a 1200×627 PNG, cached by its entity tag.
        let r = anonymous
            .get(app.url(&format!("/s/{item}/share.png")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["cache-control"], "public, max-age=300");
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let card = r.bytes().await.unwrap();
        assert_eq!(png_size(&card), (1200, 627));
        let again = anonymous
            .get(app.url(&format!("/s/{item}/share.png")))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        // A French reader gets the French lines: a different picture.
        let french = anonymous
            .get(app.url(&format!("/s/{item}/share.png")))
            .header("accept-language", "fr")
            .send()
            .await
            .unwrap();
        assert_ne!(french.headers()["etag"].to_str().unwrap(), etag);
        assert!(
            page.contains("name=\"robots\" content=\"noindex\""),
            "unlisted is not indexed"
        );
        assert_eq!(
            bytes(&anonymous, &app.url(&format!("/s/{item}/image.png"))).await[..4],
            *b"\x89PNG"
        );
        let r = post(
            &carol,
            app.url(&format!("/backpack/items/{item}/visibility")),
            &[("csrf", &carol_token), ("visibility", "everyone")],
        )
        .await;
        assert_eq!(r.status(), 400);

        // Revoked later: the backpack shows it once the report is re-checked.
        let r = post(
            &issuer,
            app.url(&format!("/orgs/{org}/awards/{bob_award}/status")),
            &[
                ("csrf", &issuer_token),
                ("action", "revoke"),
                ("reason", "Issued by mistake"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(status_of(&app, &item).await, "valid", "not re-checked yet");
        age_reports(&app).await;
        let (_, page) = text(&carol, &app.url("/backpack?view=list")).await;
        assert!(page.contains("pill revoked"), "{page}");
        assert_eq!(status_of(&app, &item).await, "revoked");
        // Dave's copy of the same award, not viewed: the background pass finds it.
        assert_eq!(status_of(&app, &forged_item).await, "valid");
        let passed = insignia_server::service::backpack::recheck_due(
            &app.state,
            insignia_store::now() - 60,
            1000,
        )
        .await
        .unwrap();
        assert!(passed >= 1);
        assert_eq!(status_of(&app, &forged_item).await, "revoked");
        // Filters: by status, by issuer, by search.
        let (_, page) = text(&carol, &app.url("/backpack?status=valid")).await;
        assert!(!page.contains(&format!("/backpack/items/{item}")));
        let (_, page) = text(&carol, &app.url("/backpack?status=revoked&view=timeline")).await;
        assert!(page.contains(&format!("/backpack/items/{item}")));
        let (_, page) = text(&carol, &app.url("/backpack?q=python")).await;
        assert!(page.contains(&format!("/backpack/items/{item}")));
        let (_, page) = text(&carol, &app.url("/backpack?q=welding")).await;
        assert!(!page.contains(&format!("/backpack/items/{item}")));
        let (_, page) = text(&carol, &app.url("/backpack?tag=pandas")).await;
        assert!(
            page.contains(&format!("/backpack/items/{item}")),
            "tags come from the credential"
        );
        let (_, page) = text(&carol, &app.url("/backpack?issuer=Someone+Else")).await;
        assert!(!page.contains(&format!("/backpack/items/{item}")));
        app
    })
    .await;
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&png[16..20]), be(&png[20..24]))
}

fn query_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    parsed.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn collections_profile_evidence_and_sharing() {
    on_both(|app| async move {
        let (_, _, _, awards) = academy(
            &app,
            &[
                "amira@example.org",
                "someone@example.org",
                "third@example.org",
            ],
        )
        .await;
        let (amira, token) = support::sign_up(&app, "amira@example.org").await;
        text(&amira, &app.url("/backpack")).await;
        let amira_id = user_id(&app, "amira@example.org").await;
        let item = repo::items(&app.state.store, &amira_id).await.unwrap()[0]
            .id
            .clone();

        // A claim link accepted while signed in binds the award to the account.
        let claim = "claimtokenforamira0000000001";
        insignia_store::repo::mail::add_claim_token(
            &app.state.store,
            &awards[1],
            &insignia_store::token::token_hash(claim),
        )
        .await
        .unwrap();
        let (_, page) = text(&amira, &app.url(&format!("/claim/{claim}"))).await;
        assert!(page.contains("Accept and keep in my backpack"));
        let form_at = page.find(&format!("action=\"/claim/{claim}\"")).unwrap();
        let form_token = csrf(&page[form_at..]);
        let r = post(
            &amira,
            app.url(&format!("/claim/{claim}")),
            &[("csrf", &form_token)],
        )
        .await;
        assert_eq!(location(&r), "/backpack?notice=claimed");
        assert_eq!(
            insignia_store::repo::backpack::bound_to(&app.state.store, &awards[1])
                .await
                .unwrap()
                .as_deref(),
            Some(amira_id.as_str())
        );
        text(&amira, &app.url("/backpack")).await;
        let items = repo::items(&app.state.store, &amira_id).await.unwrap();
        assert_eq!(items.len(), 2, "the claimed award is in the backpack");
        // Anonymous, the claim page offers to sign in first.
        let anonymous = app.client();
        // Another account cannot take it over (its page says it was accepted).
        let (thief, _) = support::sign_up(&app, "thief@example.org").await;
        let (_, page) = text(&thief, &app.url(&format!("/claim/{claim}"))).await;
        assert!(!page.contains(&format!("action=\"/claim/{claim}\"")));
        let thief_id = user_id(&app, "thief@example.org").await;
        let award = awards::by_id(&app.state.store, &awards[1])
            .await
            .unwrap()
            .unwrap();
        assert!(
            !repo::claim_for(&app.state.store, &award, &thief_id)
                .await
                .unwrap()
        );
        assert!(
            repo::claim_for(&app.state.store, &award, &amira_id)
                .await
                .unwrap(),
            "again: harmless"
        );
        assert_eq!(
            repo::bound_to(&app.state.store, &awards[1])
                .await
                .unwrap()
                .as_deref(),
            Some(amira_id.as_str())
        );
        let unclaimed = "claimtokenforthird000000001";
        insignia_store::repo::mail::add_claim_token(
            &app.state.store,
            &awards[2],
            &insignia_store::token::token_hash(unclaimed),
        )
        .await
        .unwrap();
        let (_, page) = text(&anonymous, &app.url(&format!("/claim/{unclaimed}"))).await;
        assert!(
            page.contains(&format!("/login?next=/claim/{unclaimed}")),
            "{page}"
        );

        // Evidence added by the earner.
        let r = post(
            &amira,
            app.url(&format!("/backpack/items/{item}/evidence")),
            &[
                ("csrf", &token),
                ("narrative", "My air-quality dashboard"),
                ("url", "https://amira.example.org/air"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let r = post(
            &amira,
            app.url(&format!("/backpack/items/{item}/evidence")),
            &[("csrf", &token), ("url", "javascript:alert(1)")],
        )
        .await;
        assert_eq!(r.status(), 400);

        // A collection, private by default.
        let r = post(
            &amira,
            app.url("/backpack/collections"),
            &[
                ("csrf", &token),
                ("name", "Data skills"),
                ("description", "What I can do with data"),
            ],
        )
        .await;
        let collection = location(&r).rsplit('/').next().unwrap().to_owned();
        let second = items.iter().find(|i| i.id != item).unwrap().id.clone();
        let pos_item = format!("pos-{item}");
        let pos_second = format!("pos-{second}");
        let r = post(
            &amira,
            app.url(&format!("/backpack/collections/{collection}")),
            &[
                ("csrf", &token),
                ("name", "Data skills"),
                ("description", "What I can do with data"),
                ("visibility", "private"),
                ("item", &item),
                (&pos_item, "2"),
                ("item", &second),
                (&pos_second, "1"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let members = repo::collection_items(&app.state.store, &collection)
            .await
            .unwrap();
        assert_eq!(
            members.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
            vec![second.clone(), item.clone()],
            "in the chosen order"
        );
        assert_eq!(
            text(&anonymous, &app.url(&format!("/c/{collection}")))
                .await
                .0,
            404
        );
        assert_eq!(
            text(&anonymous, &app.url(&format!("/c/{collection}/share.png")))
                .await
                .0,
            404
        );
        let (other, other_token) = support::sign_up(&app, "other@example.org").await;
        assert_eq!(
            text(&other, &app.url(&format!("/c/{collection}"))).await.0,
            404
        );
        assert_eq!(
            text(
                &other,
                &app.url(&format!("/backpack/collections/{collection}"))
            )
            .await
            .0,
            404
        );
        let r = post(
            &other,
            app.url(&format!("/backpack/collections/{collection}")),
            &[
                ("csrf", &other_token),
                ("name", "Mine"),
                ("visibility", "public"),
            ],
        )
        .await;
        assert_eq!(r.status(), 404);
        // Public collection: its private badges stay hidden.
        let r = post(
            &amira,
            app.url(&format!("/backpack/collections/{collection}")),
            &[
                ("csrf", &token),
                ("name", "Data skills"),
                ("description", "What I can do with data"),
                ("visibility", "public"),
                ("item", &item),
                (&pos_item, "1"),
                ("item", &second),
                (&pos_second, "2"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let (status, page) = text(&anonymous, &app.url(&format!("/c/{collection}"))).await;
        assert_eq!(status, 200);
        assert!(page.contains("property=\"og:title\" content=\"Data skills\""));
        assert!(page.contains(&format!(
            "property=\"og:image\" content=\"{}/c/{collection}/share.png\"",
            app.base
        )));
        let card = anonymous
            .get(app.url(&format!("/c/{collection}/share.png")))
            .send()
            .await
            .unwrap();
        assert_eq!(card.status(), 200);
        let one_badge = card.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(png_size(&card.bytes().await.unwrap()), (1200, 627));
        // Every link of its share panel leads somewhere.
        for href in page
            .split("href=\"")
            .skip(1)
            .filter_map(|h| h.split('"').next())
        {
            if href.starts_with('/') && !href.starts_with("/static") {
                let r = anonymous.get(app.url(href)).send().await.unwrap();
                assert!(
                    r.status() == 200 || r.status() == 303,
                    "{href}: {}",
                    r.status()
                );
            }
        }
        assert!(
            !page.contains(&format!("/s/{item}\"")),
            "a private badge is not shown"
        );
        post(
            &amira,
            app.url(&format!("/backpack/items/{item}/visibility")),
            &[("csrf", &token), ("visibility", "public")],
        )
        .await;
        let (_, page) = text(&anonymous, &app.url(&format!("/c/{collection}"))).await;
        assert!(page.contains(&format!("/s/{item}\"")));
        assert!(!page.contains(&format!("/s/{second}\"")));
        let card = anonymous
            .get(app.url(&format!("/c/{collection}/share.png")))
            .send()
            .await
            .unwrap();
        assert_ne!(
            card.headers()["etag"].to_str().unwrap(),
            one_badge,
            "the badge made public now counts and shows"
        );

        // The public profile.
        let r = post(
            &amira,
            app.url("/backpack/profile"),
            &[("csrf", &token), ("handle", "Bad Handle"), ("headline", "")],
        )
        .await;
        assert_eq!(r.status(), 400);
        let r = post(
            &amira,
            app.url("/backpack/profile"),
            &[
                ("csrf", &token),
                ("handle", "amira-h"),
                ("display_name", "Amira Haddad"),
                ("headline", "Data analyst in Tunis"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let r = post(
            &other,
            app.url("/backpack/profile"),
            &[("csrf", &other_token), ("handle", "amira-h")],
        )
        .await;
        assert_eq!(r.status(), 409, "a handle is one earner's");
        let (status, page) = text(&anonymous, &app.url("/u/amira-h")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Data analyst in Tunis") && page.contains(&format!("/c/{collection}"))
        );
        assert!(
            page.contains(&format!("/s/{item}\"")) && !page.contains(&format!("/s/{second}\""))
        );
        assert_eq!(text(&anonymous, &app.url("/u/nobody-here")).await.0, 404);
        // The e-mail signature: the public badge, linking to the profile.
        let (_, page) = text(&amira, &app.url("/backpack/profile")).await;
        let signature = &page[page.find("id=\"signature\"").unwrap()..];
        let signature = &signature[..signature.find("</textarea>").unwrap()];
        assert!(
            signature.contains(&format!("href=&quot;{}/u/amira-h&quot;", app.base)),
            "{signature}"
        );
        assert!(signature.contains(&format!("{}/s/{item}/image.png", app.base)));
        assert!(
            !signature.contains(&format!("/s/{second}/")),
            "private badges stay out"
        );
        // A photo, through the PNG upload checks.
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .part(
                "photo",
                reqwest::multipart::Part::bytes(support::png().to_vec()).file_name("me.png"),
            );
        let r = amira
            .post(app.url("/backpack/profile/photo"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            bytes(&anonymous, &app.url("/u/amira-h/photo.png")).await[..4],
            *b"\x89PNG"
        );
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .part(
                "photo",
                reqwest::multipart::Part::bytes(b"<svg/>".to_vec()).file_name("me.svg"),
            );
        let r = amira
            .post(app.url("/backpack/profile/photo"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        // The badge's page: evidence marked as the earner's, share links.
        let (_, page) = text(&anonymous, &app.url(&format!("/s/{item}"))).await;
        assert!(
            page.contains("My air-quality dashboard")
                && page.contains("Added by the earner, not by the issuer")
        );
        assert!(page.contains("Earned by") && page.contains("/u/amira-h"));
        assert!(!page.contains("javascript:"));
        let r = anonymous
            .get(app.url(&format!("/share/item/{item}/linkedin-add")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = location(&r);
        assert!(
            to.starts_with("https://www.linkedin.com/profile/add?"),
            "{to}"
        );
        let q = query_of(&to);
        let award = awards::by_id(&app.state.store, &awards[0])
            .await
            .unwrap()
            .unwrap();
        let issued = time::OffsetDateTime::from_unix_timestamp(award.issued_at).unwrap();
        let expires = time::OffsetDateTime::from_unix_timestamp(award.expires_at.unwrap()).unwrap();
        assert_eq!(q["startTask"], "CERTIFICATION_NAME");
        assert_eq!(q["name"], "Data Analysis with Python");
        assert_eq!(q["organizationName"], "Learning Academy");
        assert!(!q.contains_key("organizationId"));
        assert_eq!(q["issueYear"], issued.year().to_string());
        assert_eq!(q["issueMonth"], u8::from(issued.month()).to_string());
        assert_eq!(q["expirationYear"], expires.year().to_string());
        assert_eq!(q["expirationMonth"], u8::from(expires.month()).to_string());
        assert_eq!(q["certUrl"], app.url(&format!("/s/{item}")));
        assert_eq!(q["certId"], awards[0]);
        // With the issuer's LinkedIn organisation id, that is sent instead of the name.
        insignia_store::on_db!(&app.state.store, |pool| sqlx::query(
            "UPDATE issuers SET linkedin_org_id = '4242'"
        )
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        app.state.issuer_cache.remove(&award.issuer_id);
        let r = anonymous
            .get(app.url(&format!("/share/item/{item}/linkedin-add")))
            .send()
            .await
            .unwrap();
        let q = query_of(&location(&r));
        assert_eq!(q["organizationId"], "4242");
        assert!(!q.contains_key("organizationName"));
        // Other channels, counted per channel.
        let r = anonymous
            .get(app.url(&format!("/share/item/{item}/x")))
            .send()
            .await
            .unwrap();
        assert!(location(&r).starts_with("https://x.com/intent/post?url="));
        let r = anonymous
            .get(app.url(&format!("/share/collection/{collection}/linkedin")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            query_of(&location(&r))["url"],
            app.url(&format!("/c/{collection}"))
        );
        assert_eq!(
            anonymous
                .get(app.url(&format!("/share/item/{item}/myspace")))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let counts: HashMap<String, i64> =
            repo::share_counts(&app.state.store, &format!("item:{item}"))
                .await
                .unwrap()
                .into_iter()
                .collect();
        assert_eq!(counts.get("linkedin-add"), Some(&2));
        assert_eq!(counts.get("x"), Some(&1));
        let (_, page) = text(&amira, &app.url(&format!("/backpack/items/{item}"))).await;
        assert!(page.contains("Shared:"));
        assert!(
            page.contains(&format!("&lt;a href=&quot;{}/s/{item}&quot;", app.base)),
            "the embed snippet is shown as text"
        );
        assert!(!page.contains("&lt;script"));
        let (status, print) = text(&anonymous, &app.url(&format!("/s/{item}/print"))).await;
        assert_eq!(status, 200);
        assert!(print.contains("Data Analysis with Python") && !print.contains("<form"));
        // Private again: all gone from the public side.
        post(
            &amira,
            app.url(&format!("/backpack/items/{item}/visibility")),
            &[("csrf", &token), ("visibility", "private")],
        )
        .await;
        assert_eq!(
            text(&anonymous, &app.url(&format!("/s/{item}"))).await.0,
            404
        );
        let (_, page) = text(&anonymous, &app.url("/u/amira-h")).await;
        assert!(!page.contains(&format!("/s/{item}\"")));
        app
    })
    .await;
}

#[tokio::test]
async fn the_zip_export_reimports_into_a_fresh_account_and_the_account_can_be_deleted() {
    on_both(|app| async move {
        let (_, _, _, awards) = academy(&app, &["amira@example.org", "bob@example.org"]).await;
        let (amira, token) = support::sign_up(&app, "amira@example.org").await;
        // One award of hers, one imported from a baked PNG, one from a JWT.
        text(&amira, &app.url("/backpack")).await;
        let png = bytes(&amira, &app.url(&format!("/a/{}/badge.png", awards[1]))).await;
        let (png_item, _) = imported(&import_file(&app, &amira, &token, png, "bob.png").await);
        let amira_id = user_id(&app, "amira@example.org").await;
        post(
            &amira,
            app.url(&format!("/backpack/items/{png_item}/evidence")),
            &[("csrf", &token), ("narrative", "Helped Bob")],
        )
        .await;
        let r = amira
            .get(app.url("/backpack/export.zip"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/zip");
        let zip_bytes = r.bytes().await.unwrap().to_vec();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.clone())).unwrap();
        let mut index = String::new();
        archive
            .by_name("index.json")
            .unwrap()
            .read_to_string(&mut index)
            .unwrap();
        let index: serde_json::Value = serde_json::from_str(&index).unwrap();
        assert_eq!(index["format"], "insignia-backpack-export");
        let listed = index["badges"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        for badge in listed {
            let file = badge["credential"].as_str().unwrap();
            assert!(archive.by_name(file).is_ok(), "{file} is in the ZIP");
        }
        let with_png = listed
            .iter()
            .find(|b| b["id"] == png_item.as_str())
            .unwrap();
        assert!(with_png["baked_png"].as_str().unwrap().ends_with(".png"));
        assert_eq!(
            with_png["evidence_added_by_earner"][0]["narrative"],
            "Helped Bob"
        );
        // One badge's own downloads.
        let json = bytes(
            &amira,
            &app.url(&format!("/backpack/items/{png_item}/credential")),
        )
        .await;
        assert!(serde_json::from_slice::<serde_json::Value>(&json).is_ok());
        assert_eq!(
            bytes(
                &amira,
                &app.url(&format!("/backpack/items/{png_item}/baked.png"))
            )
            .await[..4],
            *b"\x89PNG"
        );

        // Into a fresh account: every badge still valid.
        let (fresh, fresh_token) = support::sign_up(&app, "fresh@example.org").await;
        let r = import_file(
            &app,
            &fresh,
            &fresh_token,
            zip_bytes.clone(),
            "backpack.zip",
        )
        .await;
        assert_eq!(
            location(&r),
            "/backpack?notice=imported&added=2&already=0&refused=0"
        );
        let fresh_id = user_id(&app, "fresh@example.org").await;
        let items = repo::items(&app.state.store, &fresh_id).await.unwrap();
        assert_eq!(items.len(), 2);
        assert!(
            items.iter().all(|i| i.status == "valid"),
            "{:?}",
            items.iter().map(|i| &i.status).collect::<Vec<_>>()
        );
        assert!(items.iter().all(|i| i.visibility == "private"));
        let r = import_file(&app, &fresh, &fresh_token, zip_bytes, "backpack.zip").await;
        assert_eq!(
            location(&r),
            "/backpack?notice=imported&added=0&already=2&refused=0"
        );
        let r = import_file(
            &app,
            &fresh,
            &fresh_token,
            b"PK\x03\x04broken".to_vec(),
            "x.zip",
        )
        .await;
        assert_eq!(r.status(), 400);

        // Removing one of our awards from the backpack: it does not come back.
        let own = repo::items(&app.state.store, &amira_id)
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.award_id.as_deref() == Some(awards[0].as_str()))
            .unwrap();
        let r = post(
            &amira,
            app.url(&format!("/backpack/items/{}/delete", own.id)),
            &[("csrf", &token)],
        )
        .await;
        assert_eq!(location(&r), "/backpack?notice=deleted");
        text(&amira, &app.url("/backpack")).await;
        assert_eq!(
            repo::items(&app.state.store, &amira_id)
                .await
                .unwrap()
                .len(),
            1
        );

        // Deleting the account: personal data erased, awards kept.
        post(
            &amira,
            app.url(&format!("/backpack/items/{png_item}/visibility")),
            &[("csrf", &token), ("visibility", "public")],
        )
        .await;
        let r = post(
            &amira,
            app.url("/backpack/delete-account"),
            &[("csrf", &token), ("email", "someone@example.org")],
        )
        .await;
        assert_eq!(r.status(), 400);
        let r = post(
            &amira,
            app.url("/backpack/delete-account"),
            &[("csrf", &token), ("email", "Amira@Example.org")],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert!(
            users::by_email(&app.state.store, "amira@example.org")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            repo::items(&app.state.store, &amira_id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            repo::item(&app.state.store, &png_item)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            text(&app.client(), &app.url(&format!("/s/{png_item}")))
                .await
                .0,
            404
        );
        assert!(
            awards::by_id(&app.state.store, &awards[0])
                .await
                .unwrap()
                .is_some(),
            "the issuer's record stays"
        );
        let r = amira.get(app.url("/backpack")).send().await.unwrap();
        assert_eq!(r.status(), 303, "signed out");
        app
    })
    .await;
}

#[tokio::test]
async fn badges_of_another_implementation() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "amira@example.org").await;
        // Credentials signed by Digital Credentials Consortium's tools (did:key issuers).
        let valid =
            include_bytes!("../../../verify/tests/samples/dcc-verifier-core/v2NoStatus.json");
        let expired =
            include_bytes!("../../../verify/tests/samples/dcc-verifier-core/v2Expired.json");
        let (valid_item, _) =
            imported(&import_file(&app, &client, &token, valid.to_vec(), "teamwork.json").await);
        let stored = repo::item(&app.state.store, &valid_item)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, "valid");
        assert_eq!(
            (stored.name.as_str(), stored.issuer_name.as_str()),
            ("Teamwork Badge", "Example Corp")
        );
        assert!(stored.award_id.is_none());
        // The expired copy has the same credential id: the same badge for this backpack.
        let r = import_file(&app, &client, &token, expired.to_vec(), "old.json").await;
        assert_eq!(imported(&r), (valid_item.clone(), "already".into()));
        // In another backpack it is kept as expired.
        let (client2, token2) = support::sign_up(&app, "mallory@example.org").await;
        let (expired_item, _) =
            imported(&import_file(&app, &client2, &token2, expired.to_vec(), "old.json").await);
        assert_eq!(status_of(&app, &expired_item).await, "expired");
        let (_, page) = text(&client2, &app.url("/backpack?status=expired")).await;
        assert!(page.contains(&format!("/backpack/items/{expired_item}")));
        let (_, page) = text(&client2, &app.url("/backpack?status=valid")).await;
        assert!(!page.contains(&format!("/backpack/items/{expired_item}")));
        // Tampered: invalid.
        let mut forged: serde_json::Value = serde_json::from_slice(valid).unwrap();
        forged["credentialSubject"]["achievement"]["name"] = "Leadership".into();
        let (client3, token3) = support::sign_up(&app, "trent@example.org").await;
        let forged = serde_json::to_vec(&forged).unwrap();
        let (forged_item, _) =
            imported(&import_file(&app, &client3, &token3, forged, "f.json").await);
        assert_eq!(status_of(&app, &forged_item).await, "invalid");
        app
    })
    .await;
}
