//! 10,000 queued e-mails and a server stopped halfway through delivering
//! them (the stop signal `insignia serve` gets from SIGTERM or a service
//! manager), then started again on the same database: at the test SMTP
//! server every message arrives exactly once (none lost, none twice). On
//! SQLite and PostgreSQL. Not timed: it waits for counts, never for a
//! duration.

use std::time::Duration;

use insignia_store::repo::mail::{self as outbox, NewMessage};
use insignia_store::{Store, on_db};

use crate::mail::smtp_config;
use crate::support::smtp::Sink;
use crate::support::{self, App};

/// How many: 10,000, or `INSIGNIA_DELIVERY_MESSAGES` (at least 100).
fn messages() -> usize {
    std::env::var("INSIGNIA_DELIVERY_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n >= 100)
        .unwrap_or(10_000)
}

/// Queues `n` award e-mails about `award` to distinct addresses.
async fn queue(app: &App, award_id: &str, n: usize) {
    let award = insignia_store::repo::awards::by_id(&app.state.store, award_id)
        .await
        .unwrap()
        .unwrap();
    let messages: Vec<NewMessage> = (0..n)
        .map(|i| {
            let mut m = NewMessage::award(&award, "en");
            m.recipient = format!("member{i:05}@example.org");
            m
        })
        .collect();
    let mut tx = app.state.store.begin().await.unwrap();
    outbox::enqueue_many_in(&mut tx, &messages).await.unwrap();
    tx.commit().await.unwrap();
}

/// How many of the queued messages (to `member…` addresses; the account
/// and first award e-mails are not counted) are in `state`.
async fn count(app: &App, state: &str) -> i64 {
    let store: &Store = &app.state.store;
    on_db!(store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE state = $1 AND recipient LIKE 'member%'"
    )
    .bind(state)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// The recipients of the queued messages the relay took, in order (the
/// account's own and the first award's e-mails left out).
fn members(sink: &Sink) -> Vec<String> {
    sink.messages()
        .iter()
        .flat_map(|m| m.rcpt_to.clone())
        .filter(|to| to.starts_with("member"))
        .collect()
}

/// Waits (polling, without a deadline of its own) until `done` holds.
async fn until(mut done: impl FnMut() -> bool) {
    while !done() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_server_stopped_halfway_through_10000_emails_sends_each_exactly_once_after_restart() {
    let total = messages();
    for postgres in [false, true] {
        let sink = Sink::start().await;
        let url = sink.url();
        // SQLite in memory-backed files: the test is about what is sent,
        // not about the disk's fsync rate.
        let shm = tempfile::tempdir_in("/dev/shm").ok();
        let Some(serving) = support::spawn_serving(postgres, |c| {
            if let (false, Some(dir)) = (postgres, &shm) {
                c.data_dir = dir.path().to_owned();
            }
            let mut smtp = smtp_config(url);
            smtp.rate_per_second = 10_000.0;
            c.smtp = Some(smtp);
        })
        .await
        else {
            continue;
        };
        let app = &serving.app;
        let (client, token) = support::sign_up(app, "issuer@academy.example.org").await;
        let (org, badge) = support::org_with_badge(app, &client, &token, "academy").await;
        let award = support::award(app, &client, &token, &org, &badge, "first@example.org").await;
        queue(app, &award, total).await;
        insignia_server::mail::wake(&app.state);

        // Halfway: stop the server while it is sending.
        until(|| members(&sink).len() >= total / 2).await;
        let (app, _) = serving.stop(Duration::from_secs(120)).await;
        let at_stop = members(&sink).len();
        assert!(at_stop < total, "stopped before the end ({at_stop})");
        let (app, listener) = support::reopen(app).await;
        let sent = count(&app, "sent").await as usize;
        if sent != at_stop {
            let got: std::collections::HashSet<String> = sink
                .messages()
                .iter()
                .flat_map(|m| m.rcpt_to.clone())
                .collect();
            let store: &Store = &app.state.store;
            type Row = (String, String, i64, Option<String>, Option<String>);
            let rows: Vec<Row> = on_db!(store, |pool| {
                sqlx::query_as(
                "SELECT recipient, state, attempts, last_error, lease_owner FROM mail_outbox WHERE state <> 'sent'"
            )
            .fetch_all(pool)
            .await
            .unwrap()
            });
            // What the relay took but the outbox does not record as sent
            // (shown to diagnose a failure of the assertion below).
            for r in rows.iter().filter(|r| got.contains(&r.0)) {
                eprintln!("taken by the relay, not recorded as sent: {r:?}");
            }
        }
        assert_eq!(
            sent, at_stop,
            "each message the relay took is recorded as sent"
        );
        let leased: i64 = {
            let store: &Store = &app.state.store;
            on_db!(store, |pool| {
                sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_outbox WHERE state = 'queued' AND lease_owner IS NOT NULL"
            )
            .fetch_one(pool)
            .await
            .unwrap()
            })
        };
        assert_eq!(leased, 0, "the stopping server gave its leases back");

        // Started again: it sends the rest, and nothing twice.
        let serving = support::serve_again(app, listener);
        until(|| members(&sink).len() >= total).await;
        // Let it look for more (there is none) before counting.
        let app = &serving.app;
        while count(app, "queued").await > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut to = members(&sink);
        assert_eq!(to.len(), total, "every one");
        to.sort();
        to.dedup();
        assert_eq!(to.len(), total, "none twice");
        assert_eq!(count(app, "sent").await as usize, total);
        assert_eq!(count(app, "failed").await, 0);
        let (app, _) = serving.stop(Duration::from_secs(120)).await;
        sink.stop();
        app.stop().await;
    }
}
