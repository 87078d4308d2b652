//! Sharing in the browser: an earner imports a badge issued by a second
//! Insignia server that the test starts (its baked PNG, verified online
//! against that server), opens the share dialog (screenshots at phone and
//! desktop width, axe), checks every parameter of the LinkedIn "Add to
//! profile" link, and builds a public collection whose page an anonymous
//! visitor sees with its Open Graph tags and 1200×627 share image.

use std::collections::HashMap;

use fantoccini::Locator;
use insignia_server::i18n::Locale;

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App};

/// The `content` of a `<meta>` tag on the current page.
async fn meta(browser: &Browser, attribute: &str, name: &str) -> String {
    let script = format!(
        "const m = document.querySelector('meta[{attribute}=\"{name}\"]'); return m ? m.content : null;"
    );
    let value = browser.client.execute(&script, vec![]).await.unwrap();
    value
        .as_str()
        .unwrap_or_else(|| panic!("no <meta {attribute}={name:?}>"))
        .to_owned()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;
    // This process's verifier may reach the second server over plain http
    // on 127.0.0.1 (its did:web and status list), as it would over https.
    insignia_server::service::verification::use_fetch_policy_in_tests(
        insignia_fetch::FetchPolicy {
            allow_http: true,
            allow_loopback: true,
            ..insignia_fetch::FetchPolicy::default()
        },
    );

    // A second Insignia server awards Noor a badge; its baked PNG is saved.
    let other = support::spawn(false).await.expect("a second server");
    let (staff, token) = support::sign_up(&other, "staff@other.example.org").await;
    let (org, badge) = support::org_with_badge(&other, &staff, &token, "other-academy").await;
    let award = support::award(&other, &staff, &token, &org, &badge, "noor@example.org").await;
    let png = reqwest::get(other.url(&format!("/a/{award}/badge.png")))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other-server-badge.png");
    std::fs::write(&file, &png).unwrap();

    // Noor (an account on this server) imports it in the browser.
    support::sign_up(app, "noor@example.org").await;
    browser.goto(&format!("{base}/dashboard")).await;
    if browser.path().await == "/dashboard" {
        browser.press(&t("nav-logout")).await;
    }
    browser.goto(&format!("{base}/login")).await;
    browser.fill(&t("field-email"), "noor@example.org").await;
    browser
        .fill(&t("field-password"), "correct horse battery")
        .await;
    browser.press(&t("login-submit")).await;
    browser.goto(&format!("{base}/backpack")).await;
    // The import form (open by itself while the backpack is empty).
    browser
        .client
        .execute(
            "document.querySelector('details.import').open = true",
            vec![],
        )
        .await
        .unwrap();
    browser
        .field(&t("backpack-import-file"))
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    browser.press(&t("backpack-import-submit")).await;
    assert!(browser.path().await.starts_with("/backpack/items/"));
    let main = browser.text("main").await;
    assert!(main.contains("Data Analysis with Python"), "{main}");
    assert!(main.contains(&t("backpack-status-valid")), "{main}");
    let item = browser.path().await.rsplit('/').next().unwrap().to_owned();

    // Public, then the share dialog.
    browser
        .field(&t("backpack-visibility-public"))
        .await
        .click()
        .await
        .unwrap();
    browser.press(&t("common-save")).await;
    let share = browser
        .client
        .find(Locator::Id("share-h"))
        .await
        .expect("the share dialog");
    share.click().await.unwrap();
    record.page(browser, "share-dialog").await;

    // LinkedIn "Add to profile": every parameter of where the link leads.
    let href = browser
        .link(&t("share-linkedin-add"))
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(href, format!("/share/item/{item}/linkedin-add"));
    let r = app.client().get(app.url(&href)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(
        (to.scheme(), to.host_str(), to.path()),
        ("https", Some("www.linkedin.com"), "/profile/add")
    );
    let params: HashMap<String, String> = to.query_pairs().into_owned().collect();
    let credential: serde_json::Value =
        reqwest::get(other.url(&format!("/a/{award}/credential.json")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let date = |field: &str| {
        let text = credential[field].as_str().unwrap();
        (
            text[..4].to_owned(),
            text[5..7].trim_start_matches('0').to_owned(),
        )
    };
    let (issue_year, issue_month) = date("validFrom");
    let (expiry_year, expiry_month) = date("validUntil");
    let want: HashMap<String, String> = [
        ("startTask", "CERTIFICATION_NAME".to_owned()),
        ("name", "Data Analysis with Python".to_owned()),
        ("organizationName", "Learning Academy".to_owned()),
        ("issueYear", issue_year),
        ("issueMonth", issue_month),
        ("expirationYear", expiry_year),
        ("expirationMonth", expiry_month),
        ("certUrl", format!("{base}/s/{item}")),
        ("certId", credential["id"].as_str().unwrap().to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(params, want, "every LinkedIn parameter");

    // A public collection with it; an anonymous visitor's view.
    browser.follow(&t("backpack-nav-collections")).await;
    browser.fill(&t("collections-name"), "Analytics").await;
    browser
        .fill(&t("collections-description"), "Badges from two academies.")
        .await;
    browser.press(&t("collections-create")).await;
    browser
        .field("Data Analysis with Python")
        .await
        .click()
        .await
        .unwrap();
    browser
        .field(&t("backpack-visibility-public"))
        .await
        .click()
        .await
        .unwrap();
    browser.press(&t("common-save")).await;
    let collection = browser.path().await.rsplit('/').next().unwrap().to_owned();
    browser.press(&t("nav-logout")).await;
    browser.goto(&format!("{base}/c/{collection}")).await;
    assert_eq!(browser.text("h1").await, "Analytics");
    assert!(
        browser
            .text("main")
            .await
            .contains("Data Analysis with Python")
    );
    let page_url = format!("{base}/c/{collection}");
    assert_eq!(meta(browser, "property", "og:title").await, "Analytics");
    assert_eq!(meta(browser, "property", "og:url").await, page_url);
    assert_eq!(
        meta(browser, "property", "og:description").await,
        "Badges from two academies."
    );
    assert_eq!(
        meta(browser, "name", "twitter:card").await,
        "summary_large_image"
    );
    let image = meta(browser, "property", "og:image").await;
    assert_eq!(image, format!("{page_url}/share.png"));
    assert_eq!(meta(browser, "property", "og:image:width").await, "1200");
    assert_eq!(meta(browser, "property", "og:image:height").await, "627");
    let r = reqwest::get(&image).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(png_size(&r.bytes().await.unwrap()), (1200, 627));
    record.page(browser, "shared-collection-anonymous").await;
    other.stop().await;
}
