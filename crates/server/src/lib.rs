//! `insignia serve`: the issuer platform.
//!
//! * [`config`]: settings from file, environment and flags;
//! * [`secrets`]: the master key sealing issuers' private keys;
//! * [`i18n`] and [`pages`]: translated, server-rendered HTML;
//! * [`auth`]: sessions, CSRF, roles, passwords;
//! * [`design`]: a badge's metadata and its OB 3.0 / 2.0 renderings;
//! * [`issuing`]: keys, DIDs, signing, status lists, OB 2.0 hosted documents;
//! * [`jobs`] and [`mail`]: background workers (bulk awards, e-mail to recipients);
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
pub mod mail;
pub mod pages;
pub mod roster;
mod routes;
pub mod secrets;
pub mod service;
pub mod state;

use std::sync::Arc;
use std::time::Duration;

pub use config::Config;
pub use error::{AppError, ServerError};
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
    let mailer = config
        .smtp
        .as_ref()
        .map(mail::Mailer::from_config)
        .transpose()?;
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
        jobs_wakeup: tokio::sync::Notify::new(),
        process_id: insignia_store::token::random_id(8),
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

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(state: Shared) -> Result<(), ServerError> {
    let listen = state.config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServerError::Io(format!("listening on {listen}"), e))?;
    tracing::info!(
        "Insignia is serving {} on {listen} ({})",
        state.config.base_url,
        state.store.kind()
    );
    jobs::spawn_worker(state.clone());
    mail::spawn_worker(state.clone());
    service::backpack::spawn_rechecker(state.clone());
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| ServerError::Io("serving".into(), e))
}
