//! An organisation's e-mail settings (reminders, a message template with its
//! preview) and a recipient's unsubscribe page, in the browser, with
//! screenshots.

use insignia_server::i18n::Locale;
use insignia_server::service::unsubscribe;

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App};

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;
    let email = "mail@events.example.org";
    let (staff, token) = support::sign_up(app, email).await;
    let (org, _badge) = support::org_with_badge(app, &staff, &token, "events-academy").await;

    // Whoever is signed in signs out; the organisation's owner signs in.
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
    browser.goto(&format!("{base}/orgs/{org}")).await;
    browser.follow(&t("mail-settings-open")).await;
    assert_eq!(browser.path().await, format!("/orgs/{org}/mail"));
    assert_eq!(browser.text("h1").await, t("mail-settings-title"));

    browser
        .fill(
            &t("mail-template-subject"),
            "{recipient}, your {badge} badge is ready",
        )
        .await;
    browser
        .fill(
            &t("mail-template-opening"),
            "Congratulations, {recipient}! {issuer} is proud to award you “{badge}”.",
        )
        .await;
    browser.press(&t("mail-template-preview")).await;
    let main = browser.text("main").await;
    assert!(
        main.contains("Alex Martin, your Data Analysis with Python badge is ready"),
        "{main}"
    );
    record.page(browser, "mail-settings-preview").await;
    browser.press(&t("mail-template-save")).await;
    assert!(
        browser
            .text("main")
            .await
            .contains(&t("mail-template-saved"))
    );

    // The recipient's unsubscribe page (the link of their e-mails).
    let link = unsubscribe::link(&app.state, &org, "amira@example.org")
        .await
        .unwrap();
    browser.press(&t("nav-logout")).await;
    browser.goto(&link).await;
    assert_eq!(browser.text("h1").await, t("unsubscribe-title"));
    record.page(browser, "unsubscribe").await;
    browser.press(&t("unsubscribe-confirm")).await;
    assert!(
        browser
            .text("main")
            .await
            .contains(&t("unsubscribe-resubscribe"))
    );
    record.page(browser, "unsubscribed").await;
}
