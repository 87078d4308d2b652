//! Two `insignia serve` processes share one PostgreSQL database and send a
//! bulk award's e-mail; one is killed with SIGKILL mid-send and started
//! again. Every recipient gets exactly one message per award: at most the
//! one message the killed process had in flight goes twice, and then with
//! the same claim link. Delivery resumes at once (the restarted process
//! takes back what its killed run held) and ends within 30 seconds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../server/tests/http/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::smtp::Sink;

const N: usize = 120;

struct Server {
    listen: String,
    child: Child,
}

fn start(
    listen: &str,
    app: &support::App,
    sink: &Sink,
    key: &str,
    dir: &std::path::Path,
) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_insignia"))
        .args(["serve", "--listen", listen, "--base-url", &app.base])
        .args(["--data-dir", dir.to_str().unwrap()])
        .env("DATABASE_URL", app.state.config.database_url())
        .env("INSIGNIA_MASTER_KEY", key)
        .env("INSIGNIA_SMTP_URL", sink.url())
        .env("INSIGNIA_SMTP_FROM", "badges@insignia.test")
        // One message in flight at a time per process.
        .env("INSIGNIA_SMTP_RATE", "10")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        listen: listen.to_owned(),
        child,
    }
}

async fn sent(app: &support::App) -> i64 {
    insignia_store::on_db!(&app.state.store, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'"
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

fn free_listen() -> String {
    support::smtp::free_addr().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_send_hands_its_messages_over() {
    let sink = Sink::start().await;
    // The set-up runs in this test's own server (no mailer): an organisation,
    // a badge and a bulk award of N recipients with their e-mail queued.
    let Some(app) = support::spawn(true).await else {
        return;
    };
    let (client, token) = support::sign_up(&app, "crash@academy.example.org").await;
    let (org, badge) = support::org_with_badge(&app, &client, &token, "crash").await;
    let mut csv = String::from("name,email\n");
    for i in 0..N {
        csv.push_str(&format!("Learner {i},learner{i}@example.org\n"));
    }
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("send_email", "1")
        .text("email_language", "en")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes())
                .file_name("l.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    let r = client
        .post(app.url(&format!("/orgs/{org}/badges/{badge}/bulk")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let job = support::location(&r);
    client
        .post(app.url(&format!("{job}/decide")))
        .form(&[("csrf", token.as_str()), ("action", "confirm")])
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let queued: i64 = insignia_store::on_db!(&app.state.store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE state = 'queued'"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        if queued == N as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the bulk job queued every message"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Two real server processes on the same database, address and key.
    let key = std::fs::read_to_string(app.state.config.data_dir.join("master.key")).unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut first = start(&free_listen(), &app, &sink, &key, dirs[0].path());
    let mut second = start(&free_listen(), &app, &sink, &key, dirs[1].path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink.messages().len() < 30 {
        assert!(Instant::now() < deadline, "the servers started sending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL: no clean-up of any kind.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let killed = Instant::now();
    // Started again at the same place (address and database): it takes back
    // what its killed run held.
    let restarted = start(&first.listen.clone(), &app, &sink, &key, dirs[0].path());
    first = restarted;
    while sent(&app).await < N as i64 {
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "delivery resumed and finished within 30 seconds of the kill ({} of {N} sent)",
            sent(&app).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let finished_in = killed.elapsed();

    // Both stop cleanly on SIGTERM.
    for server in [&mut first, &mut second] {
        Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap();
    }
    for server in [&mut first, &mut second] {
        let status = server.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }

    // At the SMTP server: every recipient; at most the one message the
    // killed process had in flight went twice, with the same claim link.
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for m in sink.messages() {
        let text = m.parsed().body_text(0).unwrap_or_default().into_owned();
        let link = text
            .split_whitespace()
            .find(|w| w.contains("/claim/"))
            .unwrap_or_default()
            .to_owned();
        for to in &m.rcpt_to {
            seen.entry(to.clone()).or_default().push(link.clone());
        }
    }
    assert_eq!(seen.len(), N, "every recipient got their message");
    let twice: Vec<_> = seen.iter().filter(|(_, links)| links.len() > 1).collect();
    assert!(twice.len() <= 1, "sent twice: {twice:?}");
    for (to, links) in &twice {
        assert_eq!(links.len(), 2, "{to}");
        assert_eq!(links[0], links[1], "a retry carries the same claim link");
    }
    eprintln!(
        "killed with SIGKILL after {} messages; all {N} delivered {:.1} s after the kill; sent twice: {}",
        30,
        finished_in.as_secs_f64(),
        twice.len()
    );
    app.stop().await;
    sink.stop();
}
