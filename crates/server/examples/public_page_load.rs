//! Load script: serves one awarded badge and measures its public page with
//! `wrk` (Debian package `wrk`), which must be installed.
//!
//! `cargo run --release -p insignia-server --example public_page_load`
//! (SQLite in a temporary directory; DATABASE_URL=postgres://… for
//! PostgreSQL). Extra arguments go to wrk (default `-t2 -c64 -d10s --latency`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use insignia_server::Config;
use insignia_server::design::BadgeDefinition;
use insignia_server::issuing::{self, AwardInput};
use insignia_store::repo::badges;

mod common;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap().keep();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            data_dir: dir,
            database_url: std::env::var("DATABASE_URL").ok(),
            database_max_connections: std::env::var("INSIGNIA_DATABASE_MAX_CONNECTIONS")
                .ok()
                .and_then(|n| n.parse().ok()),
            base_url: format!("http://{addr}"),
            listen: addr,
            ..Config::default()
        };
        let design = BadgeDefinition {
            name: "Data Analysis with Python".into(),
            description: "Cleans, analyses and visualises data with pandas.".into(),
            criteria: "Complete **all six** labs and a final project.".into(),
            achievement_type: "Certificate".into(),
            tags: vec![
                "Python".into(),
                "pandas".into(),
                "data visualisation".into(),
            ],
            hours: Some(40.0),
            credits: Some(2.0),
            ..Default::default()
        };
        let common::Academy {
            state,
            issuer,
            badge,
            ..
        } = common::academy(config, "load", &design).await;
        let version = badges::version(&state.store, &badge.id, 1)
            .await
            .unwrap()
            .unwrap();
        let input = AwardInput {
            recipient_name: "Amira Haddad".into(),
            recipient_email: "amira@example.org".into(),
            evidence_url: None,
            evidence_narrative: Some("Final project: air quality in Tunis.".into()),
            issued_at: None,
            expires_at: None,
            with_jwt: false,
            idempotency_key: None,
            created_by: None,
            email_locale: None,
            replaces: None,
            recipient_org: None,
        };
        let (award, _) = issuing::award(&state, &issuer, &version, &design, input)
            .await
            .unwrap();
        let app = insignia_server::app(Arc::clone(&state));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        println!("database: {}", state.store.kind());
        format!("http://{addr}/a/{}", award.id)
    });
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = ["-t2", "-c64", "-d10s", "--latency"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    args.push(url.clone());
    println!("wrk {}", args.join(" "));
    // With the load generator on the same two cores, a starved wrk thread
    // counts its own scheduling delay as server latency. LOAD_WRK_NICE (for
    // example -10, as root) runs wrk at a higher priority than the server.
    let mut command = match std::env::var("LOAD_WRK_NICE") {
        Ok(nice) => {
            let mut c = std::process::Command::new("nice");
            c.args(["-n", nice.as_str(), "wrk"]);
            c
        }
        Err(_) => std::process::Command::new("wrk"),
    };
    let status = command
        .args(&args)
        .status()
        .expect("wrk must be installed (apt-get install wrk)");
    assert!(status.success());
    drop(runtime);
}
