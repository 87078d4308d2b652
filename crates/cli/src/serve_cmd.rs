//! `insignia serve`: the issuer platform's web server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

#[derive(Args)]
pub struct ServeArgs {
    /// A TOML configuration file (see the README for its keys).
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Address to listen on [env: INSIGNIA_LISTEN; default 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Public address of this server, used in every badge URL and did:web
    /// [env: INSIGNIA_BASE_URL; default http://127.0.0.1:8080].
    #[arg(long)]
    base_url: Option<String>,
    /// Directory for the SQLite database and the master key
    /// [env: INSIGNIA_DATA_DIR; default ./insignia-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// `postgres://…` to run on PostgreSQL instead of the embedded SQLite [env: DATABASE_URL].
    #[arg(long)]
    database_url: Option<String>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let mut config = insignia_server::Config::load(args.config.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
        if args.base_url.is_none()
            && std::env::var("INSIGNIA_BASE_URL").is_err()
            && args.config.is_none()
        {
            config.base_url = format!("http://{listen}");
        }
    }
    if let Some(url) = args.base_url {
        config.base_url = url;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = args.database_url {
        config.database_url = Some(url);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let state = insignia_server::prepare(config).await?;
        if let Some(link) = insignia_server::first_run_link(&state).await? {
            println!();
            println!("  Welcome to Insignia. An administrator account was created.");
            println!("  Open this one-time link within 24 hours to sign in and choose a password:");
            println!();
            println!("    {link}");
            println!();
        }
        println!(
            "  Serving {} (listening on {})",
            state.config.base_url, state.config.listen
        );
        insignia_server::serve(state).await?;
        Ok(())
    })
}
