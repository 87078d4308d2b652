//! The earner's side in the browser: a badge awarded to their address is in
//! the backpack on sign-up; they make it public, add evidence, set up a
//! public profile and a public collection; an anonymous visitor sees the
//! profile and the collection. Screenshots of the backpack (grid, list,
//! timeline), a badge's page, a collection and a public profile.

use insignia_server::i18n::Locale;

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App};

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;

    // An academy awards two badges to Amira (over HTTP, not the subject here).
    let (staff, token) = support::sign_up(app, "staff@skills.example.org").await;
    let (org, badge) = support::org_with_badge(app, &staff, &token, "skills-academy").await;
    support::award(app, &staff, &token, &org, &badge, "amira@example.org").await;

    // The browser's issuer signs out; Amira signs up.
    browser.goto(&format!("{base}/dashboard")).await;
    browser.press(&t("nav-logout")).await;
    browser.goto(&format!("{base}/signup")).await;
    browser.fill(&t("field-name"), "Amira Haddad").await;
    browser.fill(&t("field-email"), "amira@example.org").await;
    browser
        .fill(&t("field-password"), "correct horse battery")
        .await;
    browser.press(&t("signup-submit")).await;
    assert_eq!(browser.text("h1").await, t("inbox-title"));
    crate::journey::confirm_address(app, browser, "amira@example.org").await;

    // The award is in her backpack by itself.
    browser.follow(&t("nav-backpack")).await;
    assert_eq!(browser.path().await, "/backpack");
    let main = browser.text("main").await;
    assert!(main.contains("Data Analysis with Python"), "{main}");
    assert!(main.contains(&t("backpack-status-valid")));
    record.page(browser, "backpack-grid").await;
    browser.follow(&t("backpack-view-list")).await;
    record.page(browser, "backpack-list").await;
    browser.follow(&t("backpack-view-timeline")).await;
    record.page(browser, "backpack-timeline").await;

    // Make it public, add evidence.
    browser.follow("Data Analysis with Python").await;
    assert!(browser.path().await.starts_with("/backpack/items/"));
    browser
        .field(&t("backpack-visibility-public"))
        .await
        .click()
        .await
        .unwrap();
    browser.press(&t("common-save")).await;
    browser
        .fill(
            &t("evidence-narrative"),
            "Dashboard of air quality in Tunis.",
        )
        .await;
    browser
        .fill(&t("evidence-url"), "https://amira.example.org/air")
        .await;
    browser.press(&t("evidence-add")).await;
    record.page(browser, "backpack-item").await;
    let item_path = browser.path().await;
    let item = item_path.rsplit('/').next().unwrap().to_owned();

    // Profile and a public collection.
    browser.follow(&t("backpack-nav-profile")).await;
    browser.fill(&t("profile-handle"), "amira-h").await;
    browser
        .fill(&t("profile-headline"), "Data analyst, Tunis")
        .await;
    browser.press(&t("common-save")).await;
    record.page(browser, "backpack-profile").await;
    browser.follow(&t("backpack-nav-collections")).await;
    browser.fill(&t("collections-name"), "Data skills").await;
    browser
        .fill(&t("collections-description"), "What I do with data.")
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
    record.page(browser, "backpack-collection").await;
    let collection = browser.path().await.rsplit('/').next().unwrap().to_owned();

    // An anonymous visitor: the badge's page, the collection, the profile.
    browser.press(&t("nav-logout")).await;
    browser.goto(&format!("{base}/s/{item}")).await;
    let main = browser.text("main").await;
    assert!(main.contains(&t("evidence-added-by-earner")), "{main}");
    assert!(main.contains("Amira Haddad") || main.contains("amira-h"));
    record.page(browser, "shared-badge").await;
    browser.goto(&format!("{base}/c/{collection}")).await;
    assert_eq!(browser.text("h1").await, "Data skills");
    record.page(browser, "shared-collection").await;
    browser.goto(&format!("{base}/u/amira-h")).await;
    assert!(browser.text("main").await.contains("Data analyst, Tunis"));
    record.page(browser, "public-profile").await;
}
