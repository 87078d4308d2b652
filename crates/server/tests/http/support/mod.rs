//! Test harness: a running server on a free port, a cookie-keeping client,
//! and helpers to read forms.

pub mod smtp;

use std::sync::Arc;

use insignia_server::Config;
use reqwest::redirect::Policy;

/// A 256-pixel badge image for uploads (drawn once).
pub fn png() -> &'static [u8] {
    static PNG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PNG.get_or_init(|| {
        let design: insignia_artwork::BadgeArtwork = serde_json::from_value(serde_json::json!({
            "shape": "circle", "background": "#1e3a8a", "accent": "#f59e0b", "text": "#ffffff",
            "icon": "graduation-cap", "title": "Data Analysis"
        }))
        .unwrap();
        insignia_artwork::design::render_png(&design, 256).unwrap()
    })
}

pub struct App {
    pub base: String,
    pub state: insignia_server::state::Shared,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl App {
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(self) {
        self.state.store.close().await;
        if let Some((url, name)) = &self.pg {
            insignia_store::testing::drop_postgres(url, name).await;
        }
    }
}

/// Starts a server on SQLite (`postgres = false`) or a fresh PostgreSQL
/// database; None when PostgreSQL is unavailable.
pub async fn spawn(postgres: bool) -> Option<App> {
    spawn_with(postgres, true).await
}

/// Like [`spawn`]; `worker` starts the bulk-award worker.
pub async fn spawn_with(postgres: bool, worker: bool) -> Option<App> {
    spawn_configured(postgres, worker, |_| {}).await
}

/// Like [`spawn_with`], with the configuration adjusted by `configure`.
pub async fn spawn_configured(
    postgres: bool,
    worker: bool,
    configure: impl FnOnce(&mut Config),
) -> Option<App> {
    let (listener, dir, pg, state) = prepare_on_free_port(postgres, configure).await?;
    let addr = listener.local_addr().unwrap();
    if worker {
        insignia_server::jobs::spawn_worker(Arc::clone(&state));
    }
    let app = insignia_server::app(Arc::clone(&state))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Some(App {
        base: format!("http://{addr}"),
        state,
        _dir: dir,
        pg,
    })
}

/// Runs `test` on SQLite, then on PostgreSQL when available.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(App) -> Fut,
    Fut: std::future::Future<Output = App>,
{
    for postgres in [false, true] {
        if let Some(app) = spawn(postgres).await {
            let app = test(app).await;
            app.stop().await;
        }
    }
}

/// The value of the first `name="csrf"` hidden field in a page.
pub fn csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// The value of the first `<option>` in a page (the first issuer of a badge form).
pub fn first_option(html: &str) -> String {
    let marker = "<option value=\"";
    let start = html.find(marker).expect("an <option>") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Signs up a new user, confirms the address (as its e-mailed link would;
/// the link itself is tested in `accounts.rs`), signs in and returns the
/// client and CSRF token.
pub async fn sign_up(app: &App, email: &str) -> (reqwest::Client, String) {
    // Every test account signs up from 127.0.0.1, which the per-address
    // sign-up limit would stop after ten in an hour (a long browser journey
    // makes more); the limit itself is tested in `accounts.rs`.
    let store: &insignia_store::Store = &app.state.store;
    insignia_store::on_db!(store, |pool| sqlx::query(
        "DELETE FROM throttle_events WHERE subject LIKE 'signup:%'"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
    let client = app.client();
    let r = client
        .post(app.url("/signup"))
        .form(&[
            ("name", "Test Person"),
            ("email", email),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "sign-up of {email}");
    let user = insignia_store::repo::users::by_email(&app.state.store, email)
        .await
        .unwrap()
        .expect("the new account");
    insignia_store::repo::users::mark_email_verified(&app.state.store, &user.id, email)
        .await
        .unwrap();
    sign_in(app, &client, email, "correct horse battery").await;
    let page = client
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf(&page);
    (client, token)
}

/// Signs `client` in with a password (asserting it works).
pub async fn sign_in(app: &App, client: &reqwest::Client, email: &str, password: &str) {
    let r = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in of {email}");
}

/// Creates an organisation, an issuer and an active badge; returns (org, badge) ids.
pub async fn org_with_badge(
    app: &App,
    client: &reqwest::Client,
    csrf_token: &str,
    slug: &str,
) -> (String, String) {
    let r = client
        .post(app.url("/orgs"))
        .form(&[("csrf", csrf_token), ("name", "Learning Academy")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let org = location(&r).trim_start_matches("/orgs/").to_owned();
    let r = client
        .post(app.url(&format!("/orgs/{org}/issuers/new")))
        .form(&[
            ("csrf", csrf_token),
            ("slug", slug),
            ("name", "Learning Academy"),
            ("url", "https://academy.example.org"),
            ("email", "badges@academy.example.org"),
            ("description", "We teach data skills."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = client
        .get(app.url(&format!("/orgs/{org}/badges/new")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let issuer_id = first_option(&page);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_token.to_owned())
        .text("issuer_id", issuer_id)
        .text("name", "Data Analysis with Python")
        .text(
            "description",
            "Cleans, analyses and visualises data with pandas.",
        )
        .text(
            "criteria",
            "Complete **all six** labs.<script>alert(1)</script>",
        )
        .text("achievement_type", "Certificate")
        .text("level", "Intermediate")
        .text("hours", "40")
        .text("credits", "2")
        .text("tags", "Python, pandas, data visualisation")
        .text(
            "alignments",
            "Data analysis | https://esco.ec.europa.eu/en/classification/skill?uri=x | S1.2 | ESCO",
        )
        .text("learning_outcomes", "Load, clean and chart a data set.")
        .text("eqf_level", "5")
        .text("expiry_kind", "days")
        .text("expiry_days", "730")
        .text("publish", "1")
        .text("image_mode", "upload")
        .part(
            "image",
            reqwest::multipart::Part::bytes(png().to_vec())
                .file_name("badge.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let r = client
        .post(app.url(&format!("/orgs/{org}/badges/new")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let badge = location(&r).rsplit('/').next().unwrap().to_owned();
    (org, badge)
}

/// Awards the badge; returns the award id.
pub async fn award(
    app: &App,
    client: &reqwest::Client,
    csrf_token: &str,
    org: &str,
    badge: &str,
    email: &str,
) -> String {
    let r = client
        .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
        .form(&[
            ("csrf", csrf_token),
            ("recipient_name", "Amira Haddad"),
            ("recipient_email", email),
            ("evidence_url", "https://portfolio.example.org/amira"),
            ("evidence_narrative", "Final project: air quality in Tunis."),
            ("with_jwt", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r).rsplit('/').next().unwrap().to_owned()
}

/// Two server processes sharing one fresh PostgreSQL database, the same
/// public address and the same master key (as behind a load balancer).
/// None without PostgreSQL.
pub async fn spawn_pair_on_postgres() -> Option<(App, App)> {
    let dir = tempfile::tempdir().unwrap();
    let (url, name) = insignia_store::testing::fresh_postgres().await?;
    let first = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}", first.local_addr().unwrap());
    let mut apps = Vec::new();
    for (i, listener) in [first, second].into_iter().enumerate() {
        let addr = listener.local_addr().unwrap();
        let config = Config {
            base_url: public.clone(),
            listen: addr,
            data_dir: dir.path().to_owned(),
            database_url: Some(url.clone()),
            ..Config::default()
        };
        let state = insignia_server::prepare(config).await.unwrap();
        insignia_server::jobs::spawn_worker(Arc::clone(&state));
        let app = insignia_server::app(Arc::clone(&state))
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        apps.push(App {
            base: format!("http://{addr}"),
            state,
            _dir: tempfile::tempdir().unwrap(),
            pg: (i == 1).then(|| (url.clone(), name.clone())),
        });
    }
    let second = apps.pop().unwrap();
    let first = apps.pop().unwrap();
    std::mem::forget(dir);
    Some((first, second))
}

/// A server run as `insignia serve` runs it ([`insignia_server::serve_on`]:
/// its background workers, heartbeat and orderly stop), stopped by
/// [`Serving::stop`].
pub struct Serving {
    pub app: App,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), insignia_server::ServerError>>,
}

impl Serving {
    /// Sends the stop signal and waits (at most `limit`) for the server to
    /// have stopped; returns how long it took.
    pub async fn stop(self, limit: std::time::Duration) -> (App, std::time::Duration) {
        let started = std::time::Instant::now();
        let _ = self.stop.send(());
        tokio::time::timeout(limit, self.task)
            .await
            .expect("the server stops in time")
            .unwrap()
            .unwrap();
        (self.app, started.elapsed())
    }
}

/// Starts a server with `serve_on` (workers included) on SQLite or a fresh
/// PostgreSQL database; None when PostgreSQL is unavailable.
pub async fn spawn_serving(postgres: bool, configure: impl FnOnce(&mut Config)) -> Option<Serving> {
    let (listener, dir, pg, state) = prepare_on_free_port(postgres, configure).await?;
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(insignia_server::serve_on(
        Arc::clone(&state),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    Some(Serving {
        app: App {
            base: format!("http://{addr}"),
            state,
            _dir: dir,
            pg,
        },
        stop,
        task,
    })
}

/// A server's state on a free port (its listener), with its data directory
/// and, on PostgreSQL, its fresh database; None when PostgreSQL is
/// unavailable.
async fn prepare_on_free_port(
    postgres: bool,
    configure: impl FnOnce(&mut Config),
) -> Option<(
    tokio::net::TcpListener,
    tempfile::TempDir,
    Option<(String, String)>,
    insignia_server::state::Shared,
)> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let (database_url, pg) = if postgres {
        let (url, name) = insignia_store::testing::fresh_postgres().await?;
        (Some(url.clone()), Some((url, name)))
    } else {
        (None, None)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config {
        base_url: format!("http://{addr}"),
        listen: addr,
        data_dir: dir.path().to_owned(),
        database_url,
        ..Config::default()
    };
    configure(&mut config);
    let state = insignia_server::prepare(config).await.unwrap();
    Some((listener, dir, pg, state))
}

/// Opens `app`'s database again after its server stopped, as `insignia
/// serve` would when started again: the same configuration, database and
/// data directory (so the same master key), on a fresh port; call
/// [`serve_again`] to start serving.
pub async fn reopen(app: App) -> (App, tokio::net::TcpListener) {
    let App {
        base: _,
        state,
        _dir,
        pg,
    } = app;
    let mut config = state.config.clone();
    state.store.close().await;
    drop(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.listen = addr;
    let state = insignia_server::prepare(config).await.unwrap();
    let app = App {
        base: format!("http://{addr}"),
        state,
        _dir,
        pg,
    };
    (app, listener)
}

/// Serves a reopened `app` with `serve_on` (workers included).
pub fn serve_again(app: App, listener: tokio::net::TcpListener) -> Serving {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(insignia_server::serve_on(
        Arc::clone(&app.state),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    Serving { app, stop, task }
}
