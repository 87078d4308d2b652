#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The issuer platform in a real browser: headless Chromium driven through
//! chromedriver (WebDriver), on SQLite and on PostgreSQL.
//!
//! Needs `chromium` and `chromedriver` on PATH (Debian: `apt-get install
//! chromium chromium-driver`); without them the test is skipped with a
//! message, or fails when `INSIGNIA_REQUIRE_BROWSER` is set (CI sets it).
//!
//! The SQLite run also saves full-page screenshots of every main page at a
//! phone and a desktop width to `target/screenshots/`, fails when a page
//! scrolls sideways, and runs axe-core on each page: any serious or critical
//! violation fails the test (all violations are printed).

#[path = "../http/support/mod.rs"]
#[allow(dead_code)]
mod support;

mod axe;
mod backpack;
mod driver;
mod endorsements;
mod events;
mod journey;
mod mail_prefs;
mod recognition;
mod sharing;
mod verdicts;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_and_earner_journey_in_chromium() {
    let Some((chromium, chromedriver)) = driver::programs() else {
        return;
    };
    let driver = driver::Driver::start(&chromium, &chromedriver).await;

    for postgres in [false, true] {
        let Some(app) = support::spawn(postgres).await else {
            continue;
        };
        let started = std::time::Instant::now();
        let browser = driver.session().await;
        let client = browser.client.clone();
        let mut record = journey::Record {
            // Screenshots and accessibility once (the pages are the same on both).
            shots: (!postgres).then(journey::screenshot_dir),
            blocking: Vec::new(),
        };
        // In a task, so that a failed step still closes Chromium (dropping
        // chromedriver alone would leave the browser running).
        let journey = tokio::spawn(async move {
            journey::run(&app, &browser, &mut record).await;
            backpack::run(&app, &browser, &mut record).await;
            mail_prefs::run(&app, &browser, &mut record).await;
            events::run(&app, &browser, &mut record).await;
            endorsements::run(&app, &browser, &mut record).await;
            sharing::run(&app, &browser, &mut record).await;
            recognition::run(&app, &browser, &mut record).await;
            verdicts::run(&app, &browser, &mut record).await;
            (app, browser, record)
        });
        let (app, browser, record) = match journey.await {
            Ok(done) => done,
            Err(failure) => {
                let _ = client.close().await;
                std::panic::resume_unwind(failure.into_panic());
            }
        };
        browser.close().await;
        app.stop().await;
        eprintln!(
            "{}: journey in {:.1} s",
            if postgres {
                "PostgreSQL"
            } else {
                "SQLite (with screenshots and axe)"
            },
            started.elapsed().as_secs_f64()
        );
        assert!(
            record.blocking.is_empty(),
            "pages too wide for their viewport, or with serious or critical accessibility violations:\n{}",
            record.blocking.join("\n")
        );
        if let Some(dir) = &record.shots {
            eprintln!("screenshots in {}", dir.display());
        }
    }
}
