//! Load script: a bulk award of N recipients (sign, store, then bake every
//! badge image), timed end to end.
//!
//! `cargo run --release -p insignia-server --example bulk_award -- 10000`
//! (SQLite in a temporary directory; set DATABASE_URL=postgres://… to run on
//! PostgreSQL; BULK_EMAIL_LOCALE=en to queue every recipient's e-mail too).
//! Prints the wall time and rate of each phase.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use insignia_server::Config;
use insignia_server::design::BadgeDefinition;
use insignia_server::jobs::{self, WorkerOptions};
use insignia_store::model::{BulkJob, BulkRow};
use insignia_store::repo::{awards, bulk};

mod common;

use common::PNG;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        database_url: std::env::var("DATABASE_URL").ok(),
        base_url: "https://badges.example.org".into(),
        ..Config::default()
    };
    let design = BadgeDefinition {
        name: "Data Analysis with Python".into(),
        description: "Cleans, analyses and visualises data with pandas.".into(),
        criteria: "Complete all six labs and a final project.".into(),
        achievement_type: "Certificate".into(),
        tags: vec!["Python".into(), "pandas".into()],
        hours: Some(40.0),
        ..Default::default()
    };
    let common::Academy {
        state,
        user,
        org,
        badge,
        ..
    } = common::academy(config, "bench", &design).await;

    let job_id = insignia_store::token::random_id(12);
    let rows: Vec<BulkRow> = (0..n)
        .map(|i| BulkRow {
            job_id: job_id.clone(),
            row_no: i64::try_from(i).unwrap() + 2,
            recipient_name: format!("Learner {i}"),
            recipient_email: format!("learner{i}@example.org"),
            evidence_url: String::new(),
            evidence_narrative: String::new(),
            issued_at: None,
            expires_at: None,
            idempotency_key: format!("bench:{job_id}:{i}"),
            problem: None,
            award_id: None,
        })
        .collect();
    let job = BulkJob {
        id: job_id.clone(),
        org_id: org.id.clone(),
        badge_id: badge.id.clone(),
        badge_version: 1,
        file_name: "bench.csv".into(),
        state: insignia_store::model::BulkJobState::Preview,
        total: i64::try_from(n).unwrap(),
        awarded: 0,
        skipped: 0,
        with_jwt: false,
        lease_owner: None,
        lease_until: None,
        created_by: user.id.clone(),
        created_at: insignia_store::now(),
        finished_at: None,
        // BULK_EMAIL_LOCALE=en (fr, es) queues each recipient's e-mail in the
        // award's own transaction, as a bulk award with e-mail does.
        email_locale: std::env::var("BULK_EMAIL_LOCALE").ok(),
    };
    let t = Instant::now();
    bulk::create(&state.store, &job, &rows).await.unwrap();
    println!(
        "store the checked list of {n} rows: {:.2} s",
        t.elapsed().as_secs_f64()
    );
    bulk::decide(&state.store, &job_id, true).await.unwrap();

    let t = Instant::now();
    assert!(
        jobs::run_next(&state, &WorkerOptions::default())
            .await
            .unwrap()
    );
    let award_time = t.elapsed().as_secs_f64();
    let done = bulk::job(&state.store, &job_id).await.unwrap().unwrap();
    assert_eq!(done.awarded, i64::try_from(n).unwrap());
    println!(
        "sign and store {n} awards ({}): {award_time:.2} s, {:.0} awards/s on {} threads",
        state.store.kind(),
        n as f64 / award_time,
        rayon::current_num_threads()
    );

    let t = Instant::now();
    let list = awards::list(&state.store, &org.id, i64::try_from(n).unwrap())
        .await
        .unwrap();
    let mut bytes = 0usize;
    for award in &list {
        let payload = insignia_bake::Payload::Json(award.credential.clone());
        bytes += insignia_bake::bake(PNG, insignia_bake::Standard::Ob3, &payload)
            .unwrap()
            .len();
    }
    let bake_time = t.elapsed().as_secs_f64();
    println!(
        "read and bake {} PNGs: {bake_time:.2} s ({} MB)",
        list.len(),
        bytes / 1_000_000
    );
    println!("total (sign, store, bake): {:.2} s", award_time + bake_time);
    state.store.close().await;
}
