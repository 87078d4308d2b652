//! Endorsements in the browser: a colleague endorses an earner's award from
//! its public page, the earner approves it on their endorsements page, and
//! an anonymous visitor sees it, verified, on the public page. Screenshots
//! of the form, both lists and the public page.

use insignia_server::i18n::Locale;

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App};

async fn sign_in_as(app: &App, browser: &Browser, email: &str) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;
    browser.goto(&format!("{base}/dashboard")).await;
    if browser.path().await == "/dashboard" {
        browser.press(&t("nav-logout")).await;
    }
    browser.goto(&format!("{base}/login")).await;
    browser.fill(&t("field-email"), email).await;
    browser
        .fill(&t("field-password"), "correct horse battery")
        .await;
    browser.press(&t("login-submit")).await;
}

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;
    let (staff, token) = support::sign_up(app, "staff@endorse.example.org").await;
    let (org, badge) = support::org_with_badge(app, &staff, &token, "endorse-academy").await;
    let award = support::award(app, &staff, &token, &org, &badge, "lina@example.org").await;
    support::sign_up(app, "lina@example.org").await;
    support::sign_up(app, "carla@colleagues.example.org").await;

    // Carla endorses Lina's award from its public page.
    sign_in_as(app, browser, "carla@colleagues.example.org").await;
    browser.goto(&format!("{base}/a/{award}")).await;
    assert!(browser.text("main").await.contains(&t("endorsements-none")));
    browser.follow(&t("endorse-action")).await;
    assert_eq!(browser.path().await, format!("/endorse/award/{award}"));
    let comment = "Lina built our air-quality dashboard and taught the team pandas.";
    browser.fill(&t("endorse-comment"), comment).await;
    record.page(browser, "endorse-form").await;
    browser.press(&t("endorse-submit")).await;
    assert_eq!(browser.path().await, "/endorsements");
    let main = browser.text("main").await;
    assert!(main.contains(&t("endorse-sent")), "{main}");
    assert!(main.contains(&t("endorsement-state-pending")), "{main}");
    record.page(browser, "endorsements-given").await;

    // Lina approves it.
    sign_in_as(app, browser, "lina@example.org").await;
    browser.goto(&format!("{base}/endorsements")).await;
    assert!(browser.text("main").await.contains(comment));
    record.page(browser, "endorsements-to-decide").await;
    browser.press(&t("endorsement-approve")).await;
    let main = browser.text("main").await;
    assert!(main.contains(&t("endorsement-approved-notice")), "{main}");

    // Anyone sees it, verified, on the public page.
    browser.press(&t("nav-logout")).await;
    browser.goto(&format!("{base}/a/{award}")).await;
    let main = browser.text("main").await;
    assert!(main.contains(comment), "{main}");
    assert!(main.contains(&t("endorsement-verified")), "{main}");
    record.page(browser, "public-award-endorsed").await;
}
