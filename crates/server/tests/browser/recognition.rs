//! Requests and organisations in the browser: a learner asks for a
//! requestable badge from its public page with evidence, the issuer
//! approves it in the review queue, and an organisation's award says on its
//! public page that it went to the organisation. Screenshots (phone and
//! desktop) and axe on the request form and the queue.

use insignia_server::i18n::Locale;

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App, first_option, location};

async fn sign_in(browser: &Browser, app: &App, email: &str) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    browser.goto(&format!("{}/dashboard", app.base)).await;
    if browser.path().await == "/dashboard" {
        browser.press(&t("nav-logout")).await;
    }
    browser.goto(&format!("{}/login", app.base)).await;
    browser.fill(&t("field-email"), email).await;
    browser
        .fill(&t("field-password"), "correct horse battery")
        .await;
    browser.press(&t("login-submit")).await;
}

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;

    // The issuer's organisation and a requestable badge (over HTTP).
    let (staff, token) = support::sign_up(app, "mentors@community.example.org").await;
    let (org, badge) = support::org_with_badge(app, &staff, &token, "community").await;
    let page = staff
        .get(app.url(&format!("/orgs/{org}/badges/new")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("issuer_id", first_option(&page))
        .text("name", "Community Mentor")
        .text("description", "Mentors newcomers to the community.")
        .text("criteria", "Mentor at least three newcomers for a term.")
        .text("achievement_type", "Badge")
        .text("expiry_kind", "never")
        .text("requestable", "1")
        .text("publish", "1")
        .text("image_mode", "design")
        .text("art_shape", "shield")
        .text("art_title", "Mentor");
    let r = staff
        .post(app.url(&format!("/orgs/{org}/badges/new")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let mentor = location(&r).rsplit('/').next().unwrap().to_owned();
    support::sign_up(app, "yasmine@example.org").await;

    // The learner asks for it from the public page.
    sign_in(browser, app, "yasmine@example.org").await;
    browser.goto(&format!("{base}/b/{mentor}")).await;
    browser.follow(&t("request-cta")).await;
    assert_eq!(browser.path().await, format!("/b/{mentor}/request"));
    record.page(browser, "request-form").await;
    browser
        .fill(
            &t("request-field-statement"),
            "I mentored four newcomers through their first term.",
        )
        .await;
    browser
        .fill(
            &t("request-field-url"),
            "https://portfolio.example.org/yasmine",
        )
        .await;
    browser.press(&t("request-submit")).await;
    assert_eq!(browser.text("h1").await, t("request-sent-title"));

    // The issuer approves it in the queue.
    sign_in(browser, app, "mentors@community.example.org").await;
    browser.goto(&format!("{base}/orgs/{org}")).await;
    browser.follow(&t("org-requests-open")).await;
    let main = browser.text("main").await;
    assert!(main.contains("I mentored four newcomers"), "{main}");
    record.page(browser, "request-queue").await;
    browser
        .fill(&t("request-field-comment"), "Thank you for your mentoring!")
        .await;
    browser.press(&t("request-approve")).await;
    let main = browser.text("main").await;
    assert!(main.contains(&t("request-notice-approved")), "{main}");
    record.page(browser, "request-queue-decided").await;

    // An organisation's award, from the badge's award form.
    browser
        .goto(&format!("{base}/orgs/{org}/badges/{badge}"))
        .await;
    browser
        .client
        .find(fantoccini::Locator::Css(
            "input[name=recipient_kind][value=organisation]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .fill(&t("field-recipient-name"), "Tunis Open Data Lab")
        .await;
    browser
        .fill(&t("field-recipient-email"), "contact@opendata.example.org")
        .await;
    browser
        .fill(&t("award-field-org-url"), "https://opendata.example.org/")
        .await;
    browser.press(&t("award-submit")).await;
    let path = browser.path().await;
    let award = path.rsplit('/').next().unwrap().to_owned();
    browser.goto(&format!("{base}/a/{award}")).await;
    let main = browser.text("main").await;
    assert!(
        main.contains("Awarded to the organisation Tunis Open Data Lab"),
        "{main}"
    );
    record.page(browser, "award-organisation").await;
}
