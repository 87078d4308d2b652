//! `insignia serve`: the issuer platform.
//!
//! * [`config`]: settings from file, environment and flags;
//! * [`secrets`]: the master key sealing issuers' private keys;
//! * [`i18n`] and [`pages`]: translated, server-rendered HTML;
//! * [`auth`]: sessions, CSRF, roles, passwords;
//! * [`design`]: a badge's metadata and its OB 3.0 / 2.0 renderings;
//! * [`issuing`]: keys, DIDs, signing, status lists, OB 2.0 hosted documents;
//! * [`jobs`] and [`mail`]: background workers (bulk awards, e-mail to recipients);
//! * [`lifecycle`]: lease ownership, heartbeat and the orderly stop;
//! * [`service`]: what the platform does, shared by routes and workers;
//! * [`routes`]: the HTTP handlers, one module per area.
//!
//! The database is the only state: any number of processes can serve one
//! PostgreSQL database.

pub mod auth;
pub mod config;
pub mod design;
mod error;
pub mod i18n;
pub mod issuing;
pub mod jobs;
pub mod lifecycle;
pub mod mail;
pub mod pages;
pub mod roster;
mod routes;
pub mod secrets;
pub mod service;
pub mod state;
pub mod validate;
mod web;

#[cfg(test)]
mod layering;

use std::sync::Arc;
use std::time::Duration;

pub use config::Config;
pub use error::{AppError, Gone, ServerError};
use insignia_store::Store;
use insignia_store::repo::users;

use crate::i18n::Catalog;
use crate::pages::Pages;
use crate::secrets::MasterKey;
use crate::state::{AppState, Shared, TtlCache};

/// Opens the database (running migrations), loads the master key and the
/// catalogues: everything the HTTP application needs.
pub async fn prepare(mut config: Config) -> Result<Shared, ServerError> {
    config.validate()?;
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| ServerError::Io(format!("creating {}", config.data_dir.display()), e))?;
    let master = match &config.master_key {
        Some(text) => MasterKey::from_base64(text)?,
        None => MasterKey::load_or_create(&config.data_dir)?,
    };
    let store = Store::open_with(&config.database_url(), config.database_max_connections).await?;
    let catalog = Arc::new(Catalog::load()?);
    let pages = Pages::load(catalog.clone())?;
    let mailer = match &config.smtp {
        Some(smtp) => mail::Mailer::from_config(smtp)?,
        None => mail::Mailer::outbox(&config.base_url)?,
    };
    let identity = lifecycle::Identity::new(config.listen, &config.database_url());
    Ok(Arc::new(AppState {
        config,
        store,
        master,
        catalog,
        pages,
        proof_cache: TtlCache::new(Duration::from_secs(300), 10_000),
        version_cache: TtlCache::new(Duration::from_secs(600), 10_000),
        issuer_cache: TtlCache::new(Duration::from_secs(30), 10_000),
        page_cache: TtlCache::new(Duration::from_secs(30), 20_000),
        status_cache: TtlCache::new(Duration::from_secs(1), 100_000),
        endorsement_stamp_cache: TtlCache::new(Duration::from_secs(1), 100_000),
        share_cache: TtlCache::new(Duration::from_secs(3600), 256),
        jobs_wakeup: tokio::sync::Notify::new(),
        identity,
        stop: lifecycle::Stop::default(),
        mailer,
        mail_wakeup: tokio::sync::Notify::new(),
    }))
}

/// The HTTP application (used by `serve` and by tests).
pub fn app(state: Shared) -> axum::Router {
    routes::router(state)
}

/// On a fresh installation, creates the administrator and returns a one-time
/// login link for them (printed to the console by `insignia serve`).
pub async fn first_run_link(state: &Shared) -> Result<Option<String>, ServerError> {
    if users::count(&state.store).await? > 0 {
        return Ok(None);
    }
    let admin = users::create(&state.store, "admin@localhost", "Administrator", None, true).await?;
    let token = users::create_login_link(&state.store, &admin.id, 24 * 3600).await?;
    Ok(Some(format!(
        "{}/login/link/{token}",
        state.config.base_url
    )))
}

/// Serves until SIGTERM or Ctrl-C, then stops in order (see [`serve_on`]).
pub async fn serve(state: Shared) -> Result<(), ServerError> {
    let listen = state.config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServerError::Io(format!("listening on {listen}"), e))?;
    serve_on(state, listener, lifecycle::shutdown_signal()).await
}

/// Serves on `listener` with the background workers until `signal`
/// resolves, then stops in order: no new connection or work is taken,
/// requests in flight finish, the workers finish what they hold (at most
/// [`lifecycle::STOP_GRACE`]), every lease is given back and the database
/// pool is closed.
pub async fn serve_on(
    state: Shared,
    listener: tokio::net::TcpListener,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    tracing::info!(
        "Insignia is serving {} on {} ({})",
        state.config.base_url,
        listener
            .local_addr()
            .map_or_else(|_| "?".into(), |a| a.to_string()),
        state.store.kind()
    );
    lifecycle::recover(&state).await?;
    let workers = vec![
        jobs::spawn_worker(state.clone()),
        mail::spawn_worker(state.clone()),
        lifecycle::spawn_heartbeat(state.clone()),
        service::backpack::spawn_rechecker(state.clone()),
        service::reminders::spawn_worker(state.clone()),
    ];
    let stopping = state.clone();
    let served = axum::serve(
        listener,
        app(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        signal.await;
        stopping.stop.begin();
    })
    .await;
    state.stop.begin();
    let aborts: Vec<_> = workers.iter().map(|w| w.abort_handle()).collect();
    if tokio::time::timeout(
        lifecycle::STOP_GRACE,
        futures_util::future::join_all(workers),
    )
    .await
    .is_err()
    {
        tracing::warn!("background work did not finish in time; giving it back unfinished");
        aborts.iter().for_each(tokio::task::AbortHandle::abort);
    }
    let released = lifecycle::release(&state).await?;
    tracing::info!("stopped (gave back {released} unfinished tasks)");
    state.store.close().await;
    served.map_err(|e| ServerError::Io("serving".into(), e))
}
