//! Events in the browser: an attendee opens the code page, types the code,
//! claims with an address, confirms from the e-mail in the local outbox and
//! sees the badge's page; the issuer's event page and the printable poster.
//! Screenshots (phone and desktop) and axe on each of those pages.

use insignia_server::i18n::Locale;
use insignia_server::mail::{self as mailer, MailOptions};
use insignia_store::{Store, on_db};

use crate::driver::Browser;
use crate::journey::Record;
use crate::support::{self, App, location};

/// The confirmation link in the latest event e-mail delivered to `to`.
async fn confirmation_link(app: &App, to: &str) -> String {
    while mailer::run_next(&app.state, &MailOptions::default())
        .await
        .unwrap()
        > 0
    {}
    let store: &Store = &app.state.store;
    let raw: String = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT c.raw FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
         WHERE c.recipient = $1 AND m.kind = 'event-confirm' ORDER BY c.delivered_at DESC"
    )
    .bind(to)
    .fetch_one(pool)
    .await
    .unwrap());
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    let body = parsed.body_text(0).unwrap().into_owned();
    let start = body
        .find(&format!("{}/e/confirm/", app.base))
        .expect("the link");
    let end = body[start..]
        .find(char::is_whitespace)
        .map_or(body.len(), |e| start + e);
    body[start..end].to_owned()
}

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;

    // The organiser sets up an event (over HTTP, not the subject here).
    let (staff, token) = support::sign_up(app, "events@conference.example.org").await;
    let (org, badge) = support::org_with_badge(app, &staff, &token, "open-data-day").await;
    let r = staff
        .post(app.url(&format!("/orgs/{org}/events/new")))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Open Data Day Tunis 2026"),
            ("badge_id", badge.as_str()),
            ("starts_on", "2026-03-07"),
            ("ends_on", "2026-03-08"),
            ("place", "Cité des Sciences, Tunis"),
            ("max_claims", "300"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let event_id = location(&r).rsplit('/').next().unwrap().to_owned();
    let event = insignia_store::repo::events::get(&app.state.store, &org, &event_id)
        .await
        .unwrap()
        .unwrap();

    // The browser is nobody's: sign out whoever the earlier steps left in.
    browser.goto(&format!("{base}/dashboard")).await;
    if browser.path().await == "/dashboard" {
        browser.press(&t("nav-logout")).await;
    }

    // The attendee types the code as printed, in small letters.
    browser.goto(&format!("{base}/e")).await;
    assert_eq!(browser.text("h1").await, t("event-enter-title"));
    record.page(browser, "event-enter").await;
    let printed = format!(
        "{}-{}-{}",
        &event.code[..4],
        &event.code[4..8],
        &event.code[8..]
    );
    browser
        .fill(&t("event-code"), &printed.to_lowercase())
        .await;
    browser.press(&t("event-enter-submit")).await;
    assert_eq!(browser.path().await, format!("/e/{}", event.code));
    assert_eq!(browser.text("h1").await, "Open Data Day Tunis 2026");
    record.page(browser, "event-claim").await;
    browser.fill(&t("event-your-name"), "Leila Mansour").await;
    browser.fill(&t("field-email"), "leila@example.org").await;
    browser.press(&t("event-claim-submit")).await;
    let main = browser.text("main").await;
    assert!(main.contains("leila@example.org"), "{main}");
    record.page(browser, "event-check-inbox").await;

    // The e-mail's link, its button, the badge.
    let link = confirmation_link(app, "leila@example.org").await;
    browser.goto(&link).await;
    assert_eq!(browser.text("h1").await, t("event-confirm-title"));
    record.page(browser, "event-confirm").await;
    browser.press(&t("event-confirm-submit")).await;
    let main = browser.text("main").await;
    assert!(main.contains(&t("event-outcome-awarded")), "{main}");
    record.page(browser, "event-awarded").await;
    browser.follow(&t("event-see-badge")).await;
    assert!(browser.path().await.starts_with("/a/"));
    let main = browser.text("main").await;
    assert!(main.contains("Leila Mansour"), "{main}");

    // The organiser's event page and the poster.
    browser.goto(&format!("{base}/login")).await;
    browser
        .fill(&t("field-email"), "events@conference.example.org")
        .await;
    browser
        .fill(&t("field-password"), "correct horse battery")
        .await;
    browser.press(&t("login-submit")).await;
    browser.goto(&format!("{base}/orgs/{org}/events")).await;
    record.page(browser, "event-list").await;
    browser.follow("Open Data Day Tunis 2026").await;
    let main = browser.text("main").await;
    assert!(
        main.contains("leila@example.org") && main.contains(&printed),
        "{main}"
    );
    record.page(browser, "event-admin").await;
    browser.follow(&t("event-poster")).await;
    assert!(browser.path().await.ends_with("/poster"));
    assert_eq!(browser.text(".poster-code").await, printed);
    record.page(browser, "event-poster").await;
    browser.goto(&format!("{base}/orgs/{org}/events/new")).await;
    record.page(browser, "event-form").await;
}
