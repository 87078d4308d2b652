//! Background work that survives a stop and a crash: a stopping server gives
//! back every lease it holds; a server killed mid-send (its tasks dropped
//! where they stand, holding their leases, as SIGKILL leaves them) hands its
//! messages over as soon as it starts again, and every recipient gets one
//! message per award (at most the one in flight at the kill goes twice, with
//! the same claim link).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use insignia_server::lifecycle;
use insignia_server::mail;
use insignia_store::repo::mail as outbox;

use crate::mail::{Academy, academy, award_to, claim_url, smtp_config};
use crate::support;
use crate::support::smtp::Sink;

async fn count(app: &support::App, sql: &str, owner: &str) -> i64 {
    count_in(&app.state.store, sql, owner).await
}

async fn count_in(store: &insignia_store::Store, sql: &str, owner: &str) -> i64 {
    insignia_store::on_db!(store, |pool| sqlx::query_scalar(sql)
        .bind(owner)
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn a_stopping_server_gives_back_its_work_and_exits() {
    for postgres in [false, true] {
        let sink = Sink::start().await;
        let url = sink.url();
        let Some(serving) =
            support::spawn_serving(postgres, |c| c.smtp = Some(smtp_config(url))).await
        else {
            continue;
        };
        let app = &serving.app;
        let school = academy(app, "stop", "stop").await;
        let Academy {
            client,
            token,
            org,
            badge,
        } = &school;
        // The relay asks to try later: the message waits, due in a minute.
        sink.refuse("later", "450 4.2.0 try again later");
        let award = award_to(
            app,
            client,
            token,
            org,
            badge,
            "Later",
            "later@example.org",
            Some("en"),
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = &outbox::for_award(&app.state.store, &award).await.unwrap()[0];
            if m.attempts == 1 {
                assert_eq!(m.state.as_str(), "queued");
                break;
            }
            assert!(Instant::now() < deadline, "the mailer tried the message");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Work this process holds when it is told to stop: that message, and a
        // bulk job being awarded.
        let owner = app.state.identity.owner.clone();
        let job_path = school
            .upload_list(app, "name,email\nAda,ada@example.org\n".into(), None)
            .await;
        let job = job_path.rsplit('/').next().unwrap().to_owned();
        let until = insignia_store::now() + 600;
        insignia_store::on_db!(&app.state.store, |pool| {
            sqlx::query(
                "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2 WHERE award_id = $3",
            )
            .bind(&owner)
            .bind(until)
            .bind(&award)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "UPDATE bulk_jobs SET state = 'running', lease_owner = $1, lease_until = $2 WHERE id = $3",
            )
            .bind(&owner)
            .bind(until)
            .bind(&job)
            .execute(pool)
            .await
            .unwrap();
        });
        let base = app.base.clone();
        let database = app.state.config.database_url();
        let (app, took) = serving.stop(Duration::from_secs(20)).await;
        assert!(took < Duration::from_secs(5), "stopped in {took:?}");
        // The port is closed and nothing is held any more.
        assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
        let store = insignia_store::Store::open(&database).await.unwrap();
        let held = "SELECT COUNT(*) FROM mail_outbox WHERE lease_owner = $1";
        assert_eq!(
            count_in(&store, held, &owner).await,
            0,
            "message lease given back"
        );
        let jobs = "SELECT COUNT(*) FROM bulk_jobs WHERE lease_owner = $1 OR state <> 'pending'";
        assert_eq!(
            count_in(&store, jobs, &owner).await,
            0,
            "job given back, pending"
        );
        store.close().await;
        app.stop().await;
        sink.stop();
    }
}

/// Recipients, and how many messages each received.
fn per_recipient(sink: &Sink) -> HashMap<String, Vec<String>> {
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for m in sink.messages() {
        let link = claim_url(&m.parsed().body_text(0).unwrap_or_default());
        for to in &m.rcpt_to {
            seen.entry(to.clone()).or_default().push(link.clone());
        }
    }
    seen
}

#[tokio::test]
async fn a_crashed_server_hands_its_messages_over_when_it_starts_again() {
    const N: usize = 120;
    for postgres in [false, true] {
        let sink = Sink::start().await;
        let url = sink.url();
        // 10 messages a second: one message in flight at a time per process.
        let Some(app) = support::spawn_configured(postgres, true, |c| {
            let mut smtp = smtp_config(url);
            smtp.rate_per_second = 10.0;
            c.smtp = Some(smtp);
        })
        .await
        else {
            continue;
        };
        let school = academy(&app, "crash", "crash").await;
        let mut csv = String::from("name,email\n");
        for i in 0..N {
            csv.push_str(&format!("Learner {i},learner{i}@example.org\n"));
        }
        let job_path = school.upload_list(&app, csv, Some("en")).await;
        school.confirm_list(&app, &job_path).await;
        let queued = "SELECT COUNT(*) FROM mail_outbox WHERE state = 'queued' AND $1 <> ''";
        let deadline = Instant::now() + Duration::from_secs(60);
        while count(&app, queued, "x").await < N as i64 {
            assert!(
                Instant::now() < deadline,
                "the bulk job queued every message"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // Two processes send: this one (A) and another on the same database (B).
        let config_a = app.state.config.clone();
        let mut config_b = config_a.clone();
        config_b.listen = crate::support::smtp::free_addr();
        let a = app.state.clone();
        let b = insignia_server::prepare(config_b).await.unwrap();
        let a_tasks = [
            mail::spawn_worker(a.clone()),
            lifecycle::spawn_heartbeat(a.clone()),
        ];
        let b_tasks = [
            mail::spawn_worker(b.clone()),
            lifecycle::spawn_heartbeat(b.clone()),
        ];
        let deadline = Instant::now() + Duration::from_secs(60);
        while sink.messages().len() < 30 {
            assert!(Instant::now() < deadline, "sending started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A is killed: its tasks stop where they stand, leases held.
        for task in &a_tasks {
            task.abort();
        }
        let killed = Instant::now();
        let held = "SELECT COUNT(*) FROM mail_outbox WHERE lease_owner = $1 AND state = 'queued'";
        assert!(
            count(&app, held, &a.identity.owner).await > 0,
            "A held messages when killed"
        );

        // A starts again: same place, so it takes back what it held at once.
        let a2 = insignia_server::prepare(config_a).await.unwrap();
        assert_eq!(a2.identity.instance, a.identity.instance);
        assert_ne!(a2.identity.owner, a.identity.owner);
        lifecycle::recover(&a2).await.unwrap();
        assert_eq!(count(&app, held, &a.identity.owner).await, 0);
        let a2_tasks = [
            mail::spawn_worker(a2.clone()),
            lifecycle::spawn_heartbeat(a2.clone()),
        ];
        let sent = "SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent' AND $1 <> ''";
        let deadline = Instant::now() + Duration::from_secs(30);
        while count(&app, sent, "x").await < N as i64 {
            assert!(
                Instant::now() < deadline,
                "delivery resumed and finished within 30 seconds of the kill"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let resumed_in = killed.elapsed();
        for task in a2_tasks.iter().chain(&b_tasks) {
            task.abort();
        }

        // At the SMTP server: every recipient, once; at most the one message
        // A had in flight when it was killed went twice, with the same link.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let seen = per_recipient(&sink);
        assert_eq!(seen.len(), N, "every recipient got their message");
        let twice: Vec<_> = seen.iter().filter(|(_, links)| links.len() > 1).collect();
        assert!(twice.len() <= 1, "sent twice: {twice:?}");
        for (to, links) in &twice {
            assert_eq!(links.len(), 2, "{to}");
            assert_eq!(links[0], links[1], "a retry carries the same claim link");
        }
        assert!(resumed_in < Duration::from_secs(30), "{resumed_in:?}");
        b.store.close().await;
        a2.store.close().await;
        app.stop().await;
        sink.stop();
    }
}
