//! Chromium driven through chromedriver: finding the programs, starting
//! chromedriver on a free port, a headless session with a fresh profile,
//! and the few helpers the journey needs (find by label or text, full-page
//! screenshots at a given width).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Phone (iPhone 12 to 15 class) and laptop viewports.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1366, 900);

/// The first executable named `names` found on `PATH` (or given by `var`).
fn program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| candidate.is_file())
}

/// Chromium and chromedriver, or None (after saying why) when the test must
/// be skipped. With `INSIGNIA_REQUIRE_BROWSER` set, their absence fails.
pub fn programs() -> Option<(PathBuf, PathBuf)> {
    let chromium = program(
        "INSIGNIA_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let driver = program("INSIGNIA_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        (c, d) => {
            let missing = [("chromium", c.is_none()), ("chromedriver", d.is_none())]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(" and ");
            let message = format!(
                "browser tests need {missing} on PATH (Debian: apt-get install chromium chromium-driver; \
                 or set INSIGNIA_CHROMIUM / INSIGNIA_CHROMEDRIVER)"
            );
            assert!(
                std::env::var_os("INSIGNIA_REQUIRE_BROWSER").is_none(),
                "INSIGNIA_REQUIRE_BROWSER is set but {message}"
            );
            eprintln!("skipping the browser tests: {message}");
            None
        }
    }
}

/// A running chromedriver; killed when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
    profiles: tempfile::TempDir,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    pub async fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        let profiles = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                profiles.path().join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profiles,
            chromium: chromium.to_owned(),
        };
        let status = format!("{}/status", driver.url);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if reqwest::get(&status)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {status} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    /// A new headless Chromium session with its own empty profile.
    pub async fn session(&self) -> Browser {
        let profile = tempfile::tempdir_in(self.profiles.path()).unwrap();
        let (w, h) = DESKTOP;
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                    "--lang=en-GB",
                    format!("--window-size={w},{h}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": { "intl.accept_languages": "en-GB,en" },
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("starting a Chromium session: {e}"));
        Browser {
            client,
            last: std::sync::Mutex::default(),
            _profile: profile,
        }
    }
}

/// A browser session.
pub struct Browser {
    pub client: Client,
    last: std::sync::Mutex<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn close(self) {
        self.client.close().await.unwrap();
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.path().await;
    }

    pub async fn path(&self) -> String {
        let path = self.client.current_url().await.unwrap().path().to_owned();
        path.clone_into(&mut self.last.lock().unwrap());
        path
    }

    /// The path of the page last loaded through this helper (for messages).
    fn last_path(&self) -> String {
        self.last.lock().unwrap().clone()
    }

    /// The form control labelled `label` (a `<label for>` whose text starts
    /// with it), as people find it.
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!(
            "//label[starts-with(normalize-space(.), {})]",
            xpath_literal(label)
        );
        let label_element = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no label {label:?} on {}: {e}", self.last_path()));
        match label_element.attr("for").await.unwrap() {
            Some(id) => self.client.find(Locator::Id(&id)).await.unwrap(),
            None => label_element
                .find(Locator::Css("input, select, textarea"))
                .await
                .unwrap(),
        }
    }

    /// Types `text` into the control labelled `label`.
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses the option whose text is `option` in the select labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        let field = self.field(label).await;
        field.select_by_label(option).await.unwrap();
    }

    /// The button whose text is `text`.
    pub async fn button(&self, text: &str) -> Element {
        let xpath = format!("//button[normalize-space(.)={}]", xpath_literal(text));
        self.client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button {text:?} on {}: {e}", self.last_path()))
    }

    /// Clicks the button whose text is `text` and waits for the next page.
    pub async fn press(&self, text: &str) {
        let button = self.button(text).await;
        self.click_and_wait(button).await;
    }

    /// Follows the link whose text is `text` and waits for the next page.
    pub async fn follow(&self, text: &str) {
        let link = self.link(text).await;
        self.click_and_wait(link).await;
    }

    pub async fn link(&self, text: &str) -> Element {
        let xpath = format!("//a[normalize-space(.)={}]", xpath_literal(text));
        self.client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no link {text:?} on {}: {e}", self.last_path()))
    }

    async fn click_and_wait(&self, element: Element) {
        // The old <html> goes stale when the new page replaces it.
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        element.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "no new page after a click");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.ready().await;
        self.path().await;
    }

    async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let state = self
                .client
                .execute("return document.readyState", vec![])
                .await;
            if matches!(state, Ok(serde_json::Value::String(s)) if s == "complete") {
                return;
            }
            assert!(Instant::now() < deadline, "the page never finished loading");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {}: {e}", self.last_path()))
            .text()
            .await
            .unwrap()
    }

    /// Whether the page's contents are wider than its viewport (a
    /// horizontal scrollbar on a phone).
    pub async fn overflows(&self) -> Option<String> {
        let script = r"
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .filter(e => !e.closest('.table-wrap, pre'))
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
            return wide.length ? wide.slice(0, 5).join(', ') : null;
        ";
        match self.client.execute(script, vec![]).await.unwrap() {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Sets the viewport (not the window) to `width` x `height`.
    async fn viewport(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
        let inner = self
            .client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .unwrap();
        let iw = inner[0].as_u64().unwrap_or(u64::from(width)) as u32;
        let ih = inner[1].as_u64().unwrap_or(u64::from(height)) as u32;
        if iw != width || ih != height {
            self.client
                .set_window_size(
                    width + (width - iw.min(width)),
                    height + (height - ih.min(height)),
                )
                .await
                .unwrap();
        }
    }

    /// Saves full-page PNGs of the current page at the phone and desktop
    /// widths as `<dir>/<name>-phone.png` and `<name>-desktop.png`; returns
    /// a problem for each width at which the page scrolls sideways.
    pub async fn screenshots(&self, dir: &Path, name: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for (label, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
            self.viewport(width, height).await;
            if let Some(wide) = self.overflows().await {
                problems.push(format!(
                    "{name} is wider than a {width}px viewport ({label}): {wide}"
                ));
            }
            // The page as a whole never scrolls sideways (tables included).
            let sideways = self
                .client
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth]",
                    vec![],
                )
                .await
                .unwrap();
            let (scroll, inner) = (sideways[0].as_u64(), sideways[1].as_u64());
            assert!(
                scroll <= inner,
                "{name} at {width}px ({label}): document.documentElement.scrollWidth {scroll:?} > window.innerWidth {inner:?}"
            );
            let full = self
                .client
                .execute("return document.documentElement.scrollHeight", vec![])
                .await
                .unwrap()
                .as_u64()
                .unwrap_or(u64::from(height)) as u32;
            self.viewport(width, full.clamp(height, 8000)).await;
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).unwrap();
        }
        self.viewport(DESKTOP.0, DESKTOP.1).await;
        problems
    }
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts = text
            .split('\'')
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(", \"'\", ");
        format!("concat({parts})")
    }
}
