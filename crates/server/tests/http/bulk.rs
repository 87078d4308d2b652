//! Bulk awards: preview with per-row problems, idempotent re-uploads, a job
//! that survives a crash midway, and a safe CSV export.

use std::time::Duration;

use insignia_server::jobs::{self, WorkerOptions};
use insignia_store::repo::{awards, bulk};

use crate::support::{self, App, location, on_both};

fn roster(n: usize) -> String {
    let mut csv = String::from("name,email,evidence_url\n");
    for i in 0..n {
        csv.push_str(&format!(
            "Learner {i},learner{i}@example.org,https://portfolio.example.org/{i}\n"
        ));
    }
    csv
}

async fn upload(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    org: &str,
    badge: &str,
    csv: String,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes())
                .file_name("learners.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    client
        .post(app.url(&format!("/orgs/{org}/badges/{badge}/bulk")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn wait_done(app: &App, job: &str) -> insignia_store::model::BulkJob {
    for _ in 0..600 {
        let j = bulk::job(&app.state.store, job).await.unwrap().unwrap();
        if j.state == insignia_store::model::BulkJobState::Done {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {job} did not finish");
}

#[tokio::test]
async fn preview_confirm_and_reupload() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "bulk@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "bulk").await;
        let mut csv = roster(30);
        csv.push_str("No Email,not-an-email,\nLearner 3 again,LEARNER3@example.org,\nBad Date,bad@example.org,ftp://x\n");
        let r = upload(&app, &client, &token, &org, &badge, csv.clone()).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let job_path = location(&r);
        let job_id = job_path.rsplit('/').next().unwrap().to_owned();
        let preview = client.get(app.url(&job_path)).send().await.unwrap().text().await.unwrap();
        assert!(preview.contains("not a valid e-mail address"), "{preview}");
        assert!(preview.contains("same person as an earlier row"));
        assert!(preview.contains("not an http(s) address"));
        assert!(preview.contains("Award 30 badges"));
        assert_eq!(awards::list(&app.state.store, &org, 100).await.unwrap().len(), 0, "nothing issued before confirmation");

        let r = client.post(app.url(&format!("{job_path}/decide"))).form(&[("csrf", token.as_str()), ("action", "confirm")]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let job = wait_done(&app, &job_id).await;
        assert_eq!(job.awarded, 30);
        assert_eq!(awards::list(&app.state.store, &org, 100).await.unwrap().len(), 30);
        let again = client.post(app.url(&format!("{job_path}/decide"))).form(&[("csrf", token.as_str()), ("action", "confirm")]).send().await.unwrap();
        assert_eq!(again.status(), 409, "a job is confirmed once");

        // The same file again: everybody already has the badge.
        let r = upload(&app, &client, &token, &org, &badge, csv).await;
        let preview = client.get(app.url(&location(&r))).send().await.unwrap().text().await.unwrap();
        assert_eq!(preview.matches("already has this badge").count(), 30);
        assert!(preview.contains("No row can be awarded"));

        // Whole-file problems are explained.
        let r = upload(&app, &client, &token, &org, &badge, "email\nx@example.org\n".into()).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("no name column"));
        let latin1 = upload(&app, &client, &token, &org, &badge, String::from_utf8_lossy(b"name,email\nJos\xe9,j@example.org\n").replace('\u{fffd}', "\u{e9}")).await;
        assert_eq!(latin1.status(), 303, "UTF-8 with accents is fine");
        app
    })
    .await;
}

#[tokio::test]
async fn a_job_resumes_after_a_crash_without_doubling() {
    for postgres in [false, true] {
        let Some(app) = support::spawn_with(postgres, false).await else {
            continue;
        };
        let (client, token) = support::sign_up(&app, "crash@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "crash").await;
        let r = upload(&app, &client, &token, &org, &badge, roster(12)).await;
        let job_path = location(&r);
        let job_id = job_path.rsplit('/').next().unwrap().to_owned();
        client
            .post(app.url(&format!("{job_path}/decide")))
            .form(&[("csrf", token.as_str()), ("action", "confirm")])
            .send()
            .await
            .unwrap();

        // A process claims the job, awards one chunk of 5, then "dies".
        let crashing = WorkerOptions {
            chunk: 5,
            max_chunks: Some(1),
        };
        assert!(jobs::run_next(&app.state, &crashing).await.unwrap());
        let job = bulk::job(&app.state.store, &job_id).await.unwrap().unwrap();
        assert_eq!((job.state.as_str(), job.awarded), ("running", 5));
        // While its lease holds, nobody else takes the job.
        assert!(
            !jobs::run_next(&app.state, &WorkerOptions::default())
                .await
                .unwrap()
        );
        // The lease expires.
        insignia_store::on_db!(&app.state.store, |pool| sqlx::query(
            "UPDATE bulk_jobs SET lease_until = 0 WHERE id = $1"
        )
        .bind(&job_id)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        assert!(
            jobs::run_next(
                &app.state,
                &WorkerOptions {
                    chunk: 5,
                    max_chunks: None
                }
            )
            .await
            .unwrap()
        );
        let job = bulk::job(&app.state.store, &job_id).await.unwrap().unwrap();
        assert_eq!(
            (job.state.as_str(), job.awarded, job.skipped),
            ("done", 12, 0)
        );
        let all = awards::list(&app.state.store, &org, 100).await.unwrap();
        assert_eq!(all.len(), 12, "each learner exactly once");
        let mut emails: Vec<_> = all.iter().map(|a| a.recipient_email.clone()).collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), 12);
        let mut indexes: Vec<_> = all.iter().map(|a| a.status_index).collect();
        indexes.sort_unstable();
        indexes.dedup();
        assert_eq!(indexes.len(), 12, "distinct status-list entries");
        app.stop().await;
    }
}

#[tokio::test]
async fn csv_export_neutralises_formulas() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "export@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "export").await;
        let csv = "name,email\n\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",evil@example.org\n@SUM(A1),sum@example.org\n".to_owned();
        let r = upload(&app, &client, &token, &org, &badge, csv).await;
        let job_path = location(&r);
        client.post(app.url(&format!("{job_path}/decide"))).form(&[("csrf", token.as_str()), ("action", "confirm")]).send().await.unwrap();
        wait_done(&app, job_path.rsplit('/').next().unwrap()).await;
        let export = client.get(app.url(&format!("/orgs/{org}/awards.csv"))).send().await.unwrap().text().await.unwrap();
        assert!(export.contains("'=HYPERLINK"), "{export}");
        assert!(export.contains("'@SUM(A1)"));
        assert!(!export.lines().any(|l| l.starts_with('=') || l.contains(",=") || l.contains(",@")));
        app
    })
    .await;
}

#[tokio::test]
async fn a_job_whose_badge_version_is_gone_says_so_and_awards_nothing() {
    for postgres in [false, true] {
        // No worker of its own: the test runs the job.
        let Some(app) = support::spawn_with(postgres, false).await else {
            continue;
        };
        let (client, token) = support::sign_up(&app, "gonejob@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "gonejob").await;
        let r = upload(&app, &client, &token, &org, &badge, roster(3)).await;
        let job_path = location(&r);
        client
            .post(app.url(&format!("{job_path}/decide")))
            .form(&[("csrf", token.as_str()), ("action", "confirm")])
            .send()
            .await
            .unwrap();
        insignia_store::on_db!(&app.state.store, |pool| sqlx::query(
            "DELETE FROM badge_versions WHERE badge_id = $1"
        )
        .bind(&badge)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        let err = jobs::run_next(&app.state, &WorkerOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                insignia_server::ServerError::Gone(insignia_server::Gone::BadgeVersion {
                    badge_id,
                    version: 1
                }) if *badge_id == badge
            ),
            "{err:?}"
        );
        assert!(
            awards::list(&app.state.store, &org, 10)
                .await
                .unwrap()
                .is_empty()
        );
        app.stop().await;
    }
}
