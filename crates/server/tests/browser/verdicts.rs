//! Verification results in the reader's language, in the browser: a valid,
//! a revoked and an expired public award page and a verify result, in
//! English, French and Spanish (screenshots at both widths, axe, no
//! sideways scrolling), with no English words on the French and Spanish
//! pages outside the technical `<details>`.

use insignia_server::i18n::Locale;
use insignia_store::Store;

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App};

/// English words of the interface (never in the badge's own texts here,
/// nor French or Spanish words: "signature" and "intact" are French too)
/// that must not appear on a French or Spanish page.
const ENGLISH: &[&str] = &[
    "the",
    "this",
    "has",
    "nobody",
    "changed",
    "passed",
    "failed",
    "revoked",
    "expired",
    "issuer",
    "until",
    "could not",
    "does not",
    "awarded",
    "earned",
    "check it",
    "hashed",
    "e-mail address",
];

async fn execute(store: &Store, sql: &str) {
    match store {
        Store::Sqlite(pool) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    }
}

/// The text of `<main>` without the `<details>` disclosures (the technical
/// report stays in English on purpose).
async fn text_outside_details(browser: &Browser) -> String {
    let script = "const m = document.querySelector('main').cloneNode(true); \
                  m.querySelectorAll('details').forEach(d => d.remove()); \
                  return m.innerText;";
    let value = browser.client.execute(script, vec![]).await.unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

fn english_words(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    ENGLISH
        .iter()
        .copied()
        .filter(|w| {
            lower.match_indices(w).any(|(i, _)| {
                let before = lower[..i].chars().next_back();
                let after = lower[i + w.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
        .collect()
}

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let base = &app.base;
    let (owner, token) = support::sign_up(app, "owner@verdicts.example.org").await;
    let (org, badge) = support::org_with_badge(app, &owner, &token, "verdicts-academy").await;
    let valid = support::award(app, &owner, &token, &org, &badge, "valid@example.org").await;
    let revoked = support::award(app, &owner, &token, &org, &badge, "revoked@example.org").await;
    let expired = support::award(app, &owner, &token, &org, &badge, "expired@example.org").await;
    let r = owner
        .post(app.url(&format!("/orgs/{org}/awards/{revoked}/status")))
        .form(&[
            ("csrf", token.as_str()),
            ("action", "revoke"),
            ("reason", "2026-11 audit"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let past = insignia_store::now() - 86_400;
    execute(
        &app.state.store,
        &format!("UPDATE awards SET expires_at = {past} WHERE id = '{expired}'"),
    )
    .await;
    let credential = reqwest::get(app.url(&format!("/a/{valid}/credential.json")))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credential.json");
    std::fs::write(&file, &credential).unwrap();

    // An anonymous visitor.
    browser.goto(&format!("{base}/dashboard")).await;
    if browser.path().await == "/dashboard" {
        let out = app.state.catalog.text(Locale::En, "nav-logout", &[]);
        browser.press(&out).await;
    }
    for locale in Locale::ALL {
        let code = locale.code();
        let t = |key: &str| app.state.catalog.text(locale, key, &[]);
        browser.goto(&format!("{base}/verify")).await;
        browser.press(locale.native_name()).await;
        for (name, id, expected) in [
            ("valid", &valid, "check-msg-proof-intact"),
            ("revoked", &revoked, "public-was-awarded"),
            ("expired", &expired, "public-was-awarded"),
        ] {
            browser.goto(&format!("{base}/a/{id}")).await;
            let main = text_outside_details(browser).await;
            let plain = t(expected);
            let plain = plain.split('{').next().unwrap_or_default().trim();
            assert!(main.contains(plain), "{code} {name}: {main}");
            if locale != Locale::En {
                let words = english_words(&main);
                assert!(
                    words.is_empty(),
                    "{code} {name}: English {words:?} in {main}"
                );
            }
            record
                .page(browser, &format!("verdict-{name}-{code}"))
                .await;
        }
        browser.goto(&format!("{base}/verify")).await;
        browser
            .field(&t("verify-file"))
            .await
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        browser.press(&t("verify-submit")).await;
        let main = text_outside_details(browser).await;
        assert!(
            main.contains(&t("check-msg-proof-intact")),
            "{code}: {main}"
        );
        if locale != Locale::En {
            let words = english_words(&main);
            assert!(
                words.is_empty(),
                "{code} verify: English {words:?} in {main}"
            );
        }
        record
            .page(browser, &format!("verdict-verify-{code}"))
            .await;

        // "Is this badge yours?"
        browser.goto(&format!("{base}/a/{valid}")).await;
        browser.follow(&t("public-check-submit")).await;
        browser.fill(&t("field-email"), "valid@example.org").await;
        browser.press(&t("public-check-submit")).await;
        let main = text_outside_details(browser).await;
        let yes = app.state.catalog.text(
            locale,
            "mine-match",
            &[("email", "valid@example.org".into())],
        );
        assert!(main.contains(&yes), "{code}: {main}");
        record.page(browser, &format!("verdict-mine-{code}")).await;
    }
    browser.press(Locale::En.native_name()).await;
}
