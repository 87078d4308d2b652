//! The issuer's and the earner's journey through the real pages: sign up,
//! organisation, issuer, badge design with an image, award, public page,
//! the recipient's claim link (fresh, then expired), baked PNG, verify page,
//! revocation.

use std::path::{Path, PathBuf};

use fantoccini::Locator;
use insignia_bake::{Payload, Standard};
use insignia_server::i18n::Locale;

use crate::axe;
use crate::driver::Browser;
use crate::support::App;

/// What the run collects besides assertions: screenshots (when `shots` is
/// set), pages too wide for a phone, and accessibility checks (axe, on the
/// same pages): `blocking` lists what fails the test.
pub struct Record {
    pub shots: Option<PathBuf>,
    pub blocking: Vec<String>,
}

impl Record {
    pub(crate) async fn page(&mut self, browser: &Browser, name: &str) {
        let Some(dir) = &self.shots else {
            return;
        };
        let overflows = browser.screenshots(dir, name).await;
        self.blocking.extend(overflows);
        self.blocking.extend(axe::audit(browser, name).await);
    }
}

pub async fn run(app: &App, browser: &Browser, record: &mut Record) {
    let t = |key: &str| app.state.catalog.text(Locale::En, key, &[]);
    let base = &app.base;

    // Visitors' pages.
    browser.goto(base).await;
    assert_eq!(browser.text("h1").await, t("home-title"));
    record.page(browser, "home").await;
    browser.follow(&t("nav-login")).await;
    assert_eq!(browser.path().await, "/login");
    record.page(browser, "login").await;
    browser.follow(&t("login-forgot")).await;
    assert_eq!(browser.path().await, "/password/forgot");
    record.page(browser, "forgot-password").await;
    browser.goto(&format!("{base}/login")).await;
    browser.follow(&t("login-signup")).await;
    assert_eq!(browser.path().await, "/signup");

    // Sign up (a too-short password first: the error is shown, the rest kept).
    browser.fill(&t("field-name"), "Nadia Benali").await;
    browser
        .fill(&t("field-email"), "nadia@academy.example.org")
        .await;
    record.page(browser, "signup").await;
    browser
        .fill(&t("field-password"), "correct horse battery")
        .await;
    browser.press(&t("signup-submit")).await;
    // The account waits for its address to be confirmed.
    assert_eq!(browser.text("h1").await, t("inbox-title"));
    record.page(browser, "check-inbox").await;
    confirm_address(app, browser, "nadia@academy.example.org").await;
    assert_eq!(browser.path().await, "/dashboard");
    assert!(browser.text("main").await.contains("Nadia Benali"));
    record.page(browser, "dashboard-empty").await;
    browser.follow(&t("nav-account")).await;
    assert_eq!(browser.path().await, "/account");
    record.page(browser, "account").await;
    browser.follow(&t("nav-dashboard")).await;

    // Organisation.
    browser.fill(&t("org-field-name"), "Learning Academy").await;
    browser.press(&t("org-new-submit")).await;
    let org_path = browser.path().await;
    assert!(org_path.starts_with("/orgs/"), "{org_path}");
    assert_eq!(browser.text("h1").await, "Learning Academy");
    record.page(browser, "org-empty").await;

    // Issuer.
    browser.follow(&t("issuer-new-title")).await;
    browser
        .fill(&t("issuer-field-slug"), "learning-academy")
        .await;
    browser
        .fill(&t("issuer-field-name"), "Learning Academy")
        .await;
    browser
        .fill(&t("issuer-field-url"), "https://academy.example.org")
        .await;
    browser
        .fill(&t("field-email"), "badges@academy.example.org")
        .await;
    browser
        .fill(
            &t("field-description"),
            "We teach data skills to working adults, online and in Tunis.",
        )
        .await;
    record.page(browser, "issuer-new").await;
    browser.press(&t("common-save")).await;
    assert_eq!(browser.path().await, org_path);

    // Badge design, drawn with the in-app designer.
    browser.follow(&t("badge-new-title")).await;
    browser
        .fill(&t("field-badge-name"), "Data Analysis with Python")
        .await;
    browser
        .fill(
            &t("field-description"),
            "Cleans, analyses and visualises real data sets with pandas and matplotlib.",
        )
        .await;
    browser
        .fill(
            &t("badge-field-criteria"),
            "Complete **all six** labs and a final project on an open data set.",
        )
        .await;
    browser.choose(&t("badge-field-type"), "Certificate").await;
    browser.fill(&t("badge-field-level"), "Intermediate").await;
    browser
        .choose(&t("art-field-shape"), &t("art-shape-hexagon"))
        .await;
    browser.choose(&t("art-field-icon"), "Bar chart").await;
    browser.fill(&t("art-field-title"), "Data Analysis").await;
    browser.fill(&t("art-field-band"), "Tunis 2026").await;
    browser.fill(&t("badge-field-hours"), "40").await;
    browser.fill(&t("badge-field-credits"), "2").await;
    browser
        .fill(&t("badge-field-tags"), "Python, pandas, data visualisation")
        .await;
    browser
        .fill(
            &t("badge-field-alignments"),
            "Data analysis | https://esco.ec.europa.eu/en/classification/skill?uri=x | S1.2 | ESCO",
        )
        .await;
    browser
        .fill(
            &t("badge-field-outcomes"),
            "Load, clean and chart a data set; explain the findings to a non-specialist.",
        )
        .await;
    browser.choose(&t("badge-field-eqf"), "5").await;
    record.page(browser, "badge-new").await;
    // Preview: the page comes back with the drawn image and every field kept.
    browser.press(&t("badge-preview")).await;
    let preview = browser
        .client
        .find(Locator::Css(&format!(
            "img[alt={}]",
            serde_json::to_string(&t("badge-preview-alt")).unwrap()
        )))
        .await
        .expect("the designer shows a preview image");
    let src = preview.attr("src").await.unwrap().unwrap_or_default();
    assert!(
        src.starts_with("data:image/"),
        "the preview is drawn inline: {}",
        &src[..src.len().min(40)]
    );
    assert_eq!(
        browser
            .field(&t("field-badge-name"))
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Data Analysis with Python")
    );
    assert_eq!(
        browser
            .field(&t("art-field-band"))
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Tunis 2026")
    );
    record.page(browser, "badge-designer-preview").await;
    browser.press(&t("common-save")).await;
    let badge_path = browser.path().await;
    assert!(
        badge_path.starts_with(&format!("{org_path}/badges/")),
        "the badge was not created: {badge_path}: {}",
        browser.text("main").await
    );
    assert_eq!(browser.text("h1").await, "Data Analysis with Python");

    // Award it.
    browser
        .fill(&t("field-recipient-name"), "Amira Haddad")
        .await;
    browser
        .fill(&t("field-recipient-email"), "amira@example.net")
        .await;
    browser
        .fill(
            &t("award-field-evidence-url"),
            "https://portfolio.example.org/amira",
        )
        .await;
    browser
        .fill(
            &t("award-field-evidence-text"),
            "Final project: air quality in Tunis.",
        )
        .await;
    browser
        .field(&t("award-field-jwt"))
        .await
        .click()
        .await
        .unwrap();
    record.page(browser, "badge-admin").await;
    browser.press(&t("award-submit")).await;
    let award_path = browser.path().await;
    let award = award_path
        .strip_prefix(&format!("{org_path}/awards/"))
        .unwrap_or_else(|| panic!("not an award page: {award_path}"))
        .to_owned();
    assert_eq!(browser.text("h1").await, "Amira Haddad");
    record.page(browser, "award-admin").await;
    browser.goto(&format!("{base}{org_path}")).await;
    record.page(browser, "org").await;
    browser.goto(&format!("{base}{award_path}")).await;

    // The public page, as the earner and employers see it.
    let public = format!("{base}/a/{award}");
    browser.follow(&public).await;
    assert_eq!(browser.path().await, format!("/a/{award}"));
    assert_eq!(browser.text("h1").await, "Amira Haddad");
    let verdict = browser.client.find(Locator::Css(".verdict")).await.unwrap();
    assert_eq!(
        verdict.attr("class").await.unwrap().as_deref(),
        Some("verdict valid"),
        "{}",
        verdict.text().await.unwrap()
    );
    record.page(browser, "public-award").await;

    // The footer's language switcher: the same page in French and Spanish.
    for (locale, name) in [(Locale::Fr, "fr"), (Locale::Es, "es")] {
        browser.press(locale.native_name()).await;
        assert_eq!(browser.path().await, format!("/a/{award}"));
        let lead = app.state.catalog.text(locale, "public-awarded-to", &[]);
        assert!(browser.text("main").await.contains(&lead), "{name}");
        record.page(browser, &format!("public-award-{name}")).await;
    }
    browser.press(Locale::En.native_name()).await;
    assert!(browser.text("main").await.contains(&t("public-awarded-to")));

    // This server has no SMTP: the award e-mail goes to its outbox, which
    // the organisation's owner reads as the recipient would; the claim link
    // in it works. Then the same link once expired, with its "send me a new
    // link" button.
    let delivered =
        insignia_server::mail::run_next(&app.state, &insignia_server::mail::MailOptions::default())
            .await
            .unwrap();
    assert!(
        delivered >= 1,
        "the award e-mail was delivered to the outbox"
    );
    browser.goto(&format!("{base}{award_path}")).await;
    browser.follow(&t("outbox-open")).await;
    assert_eq!(browser.path().await, format!("{org_path}/outbox"));
    assert_eq!(browser.text("h1").await, t("outbox-title"));
    record.page(browser, "outbox").await;
    let message = browser
        .client
        .find(Locator::Css("tbody a[href*='/outbox/']"))
        .await
        .expect("the message is listed");
    assert!(
        message
            .text()
            .await
            .unwrap()
            .contains("Data Analysis with Python")
    );
    message.click().await.unwrap();
    assert!(browser.text("main").await.contains("amira@example.net"));
    record.page(browser, "outbox-message").await;
    let claim_url = browser
        .client
        .find(Locator::Css("ul.plain a[href*='/claim/']"))
        .await
        .expect("the claim link is listed")
        .prop("href")
        .await
        .unwrap()
        .expect("an address");
    let claim_token = claim_url.rsplit('/').next().unwrap().to_owned();
    let claim_hash = insignia_store::token::token_hash(&claim_token);
    browser.goto(&claim_url).await;
    assert_eq!(browser.text("h1").await, t("claim-title"));
    record.page(browser, "claim").await;
    insignia_store::on_db!(&app.state.store, |pool| sqlx::query(
        "UPDATE claim_tokens SET created_at = created_at - 200 * 86400 WHERE token_hash = $1"
    )
    .bind(&claim_hash)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    browser.goto(&claim_url).await;
    assert_eq!(browser.text("h1").await, t("claim-expired-title"));
    record.page(browser, "claim-expired").await;
    browser.press(&t("claim-expired-button")).await;
    assert!(
        browser
            .text("main")
            .await
            .contains(&t("claim-expired-sent")),
        "{}",
        browser.text("main").await
    );
    record.page(browser, "claim-expired-sent").await;
    browser.goto(&public).await;

    // The baked PNG behind the download link.
    let href = browser
        .link(&t("public-download-png"))
        .await
        .prop("href")
        .await
        .unwrap()
        .expect("a download address");
    let png = reqwest::get(&href)
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let baked = insignia_bake::extract(&png)
        .unwrap()
        .expect("the downloaded PNG carries a credential");
    assert_eq!(baked.standard, Standard::Ob3);
    let Payload::Json(credential) = &baked.payload else {
        panic!(
            "expected an embedded JSON credential, got {:?}",
            baked.payload
        );
    };
    assert!(
        credential.contains(&award),
        "the credential is this award's"
    );
    let download = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(download.path(), &png).unwrap();

    // The badge's and the issuer's public pages.
    browser.follow("Data Analysis with Python").await;
    assert!(browser.path().await.starts_with("/b/"));
    record.page(browser, "public-badge").await;
    browser.follow("Learning Academy").await;
    assert_eq!(browser.path().await, "/i/learning-academy");
    record.page(browser, "public-issuer").await;

    // The verify page: upload the downloaded file, read the verdict.
    browser.follow(&t("nav-verify")).await;
    assert_eq!(browser.path().await, "/verify");
    record.page(browser, "verify").await;
    browser
        .field(&t("verify-file"))
        .await
        .send_keys(&download.path().to_string_lossy())
        .await
        .unwrap();
    browser.press(&t("verify-submit")).await;
    let verdict = browser.text(".verdict").await;
    assert!(verdict.ends_with(&t("verify-verdict-valid")), "{verdict}");
    assert!(
        browser
            .text("main")
            .await
            .contains("Data Analysis with Python")
    );
    record.page(browser, "verify-result").await;

    // Revoke it; the public page says so.
    browser.goto(&format!("{base}{award_path}")).await;
    browser
        .fill(&t("award-field-reason"), "Awarded by mistake.")
        .await;
    browser.press(&t("award-revoke")).await;
    assert_eq!(browser.path().await, award_path);
    record.page(browser, "award-admin-revoked").await;
    browser.goto(&public).await;
    let notice = browser.text(".notice.revoked").await;
    assert!(notice.contains(&t("public-revoked")), "{notice}");
    assert!(notice.contains("Awarded by mistake."), "{notice}");
    assert_eq!(
        browser
            .client
            .find(Locator::Css(".verdict"))
            .await
            .unwrap()
            .attr("class")
            .await
            .unwrap()
            .as_deref(),
        Some("verdict invalid")
    );
    record.page(browser, "public-award-revoked").await;

    browser.follow(&t("nav-dashboard")).await;
    assert!(browser.text("main").await.contains("Learning Academy"));
    record.page(browser, "dashboard").await;

    // An error page.
    browser.goto(&format!("{base}/a/nothing-here")).await;
    assert_eq!(browser.text("h1").await, t("error-not-found"));
    record.page(browser, "not-found").await;
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens the link of the confirmation e-mail sent to `email` (made here as
/// the mailer makes it when it sends the message), which signs the browser in.
pub async fn confirm_address(app: &App, browser: &Browser, email: &str) {
    let user = insignia_store::repo::users::by_email(&app.state.store, email)
        .await
        .unwrap()
        .unwrap();
    let token = insignia_store::repo::users::create_account_token(
        &app.state.store,
        &user.id,
        insignia_store::repo::users::TokenPurpose::ConfirmEmail,
        &user.email,
        3600,
    )
    .await
    .unwrap();
    browser
        .goto(&format!("{}/account/confirm/{token}", app.base))
        .await;
}
