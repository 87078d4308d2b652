//! E-mail to recipients through a real SMTP conversation with a local test
//! server, and the claim link: delivery, language, bulk without duplicates,
//! the relay down then back, permanent refusal, resend, organisation
//! isolation, header injection, and a server without SMTP.

use insignia_server::config::SmtpConfig;
use insignia_server::jobs::{self, WorkerOptions};
use insignia_server::mail::{self, MailOptions};
use insignia_store::model::OutboxMessage;
use insignia_store::repo::{awards, bulk, mail as outbox};

use crate::support::smtp::{self, Sink};
use crate::support::{self, App, csrf, location};

const FROM: &str = "badges@insignia.test";

fn smtp_config(url: String) -> SmtpConfig {
    SmtpConfig {
        url,
        from: FROM.into(),
        username: None,
        password: None,
        rate_per_second: 1000.0,
    }
}

/// A server whose SMTP relay is `url` (no background workers: the tests
/// drive the mailer step by step).
async fn spawn_mailing(postgres: bool, url: String) -> Option<App> {
    support::spawn_configured(postgres, false, |c| c.smtp = Some(smtp_config(url))).await
}

/// Runs `test` on SQLite then PostgreSQL, each with a fresh test SMTP server.
async fn on_both_with_sink<F, Fut>(test: F)
where
    F: Fn(App, Sink) -> Fut,
    Fut: std::future::Future<Output = App>,
{
    for postgres in [false, true] {
        let sink = Sink::start().await;
        let url = sink.url();
        if let Some(app) = spawn_mailing(postgres, url).await {
            let app = test(app, sink).await;
            app.stop().await;
        }
    }
}

/// Awards the badge through the form; `language` Some = "e-mail the recipient".
#[allow(clippy::too_many_arguments)]
async fn award_to(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    org: &str,
    badge: &str,
    name: &str,
    email: &str,
    language: Option<&str>,
) -> String {
    let mut form = vec![
        ("csrf", token),
        ("recipient_name", name),
        ("recipient_email", email),
    ];
    if let Some(l) = language {
        form.push(("send_email", "1"));
        form.push(("email_language", l));
    }
    let r = client
        .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r).rsplit('/').next().unwrap().to_owned()
}

async fn messages_of(app: &App, award: &str) -> Vec<OutboxMessage> {
    outbox::for_award(&app.state.store, award).await.unwrap()
}

async fn get_text(client: &reqwest::Client, url: String) -> String {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn claim_url(text: &str) -> String {
    let start = text.find("/claim/").expect("a claim link");
    let begin = text[..start].rfind("http").unwrap();
    let end = start + text[start..].find(|c: char| c.is_whitespace()).unwrap();
    text[begin..end].to_owned()
}

#[tokio::test]
async fn an_award_email_arrives_and_its_claim_link_works() {
    on_both_with_sink(|app, sink| async move {
        let (client, token) = support::sign_up(&app, "mail@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "mail").await;
        let award = award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            "Amira Haddad",
            "amira@example.org",
            Some("en"),
        )
        .await;
        let queued = messages_of(&app, &award).await;
        assert_eq!(queued.len(), 1, "queued with the award");
        assert_eq!(queued[0].state, "queued");
        let admin = get_text(&client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(
            admin.contains("Queued") && admin.contains("Not yet"),
            "{admin}"
        );

        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            0,
            "sent once"
        );
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 1);
        let received = &inbox[0];
        assert_eq!(received.rcpt_to, vec!["amira@example.org".to_owned()]);
        assert_eq!(received.mail_from, FROM);
        let m = received.parsed();
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(
            (from.name(), from.address()),
            (Some("Learning Academy"), Some(FROM))
        );
        let to = m.to().unwrap().first().unwrap();
        assert_eq!(
            (to.name(), to.address()),
            (Some("Amira Haddad"), Some("amira@example.org"))
        );
        assert_eq!(
            m.reply_to().unwrap().first().unwrap().address(),
            Some("badges@academy.example.org")
        );
        assert_eq!(
            m.subject(),
            Some("Learning Academy awarded you Data Analysis with Python")
        );
        assert!(m.date().is_some());
        let sent = &messages_of(&app, &award).await[0];
        assert_eq!(sent.state, "sent");
        assert_eq!(sent.attempts, 1);
        assert_eq!(
            format!("<{}>", m.message_id().unwrap()),
            sent.message_id.clone().unwrap(),
            "the Message-ID is recorded"
        );
        let text = m.body_text(0).unwrap().into_owned();
        // minijinja escapes "/" in HTML as "&#x2f;" (equivalent in HTML).
        let html = m.body_html(0).unwrap().replace("&#x2f;", "/");
        assert!(text.contains("Hello Amira Haddad,"), "{text}");
        assert!(text.contains("Cleans, analyses and visualises data with pandas."));
        assert!(
            html.contains(&format!("{}/b/{badge}/v/1/image.png", app.base)),
            "{html}"
        );
        let link = claim_url(&text);
        assert!(link.starts_with(&format!("{}/claim/", app.base)));
        assert!(html.contains(&link));
        // Only the token's hash is stored.
        let token_in_link = link.rsplit('/').next().unwrap();
        assert!(token_in_link.len() >= 30);
        assert!(
            outbox::award_for_claim_token(&app.state.store, token_in_link)
                .await
                .unwrap()
                .is_none()
        );

        let admin = get_text(&client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(admin.contains("Sent"), "{admin}");

        // The recipient follows the link (anonymous).
        let recipient = app.client();
        let page = get_text(&recipient, link.clone()).await;
        assert!(
            page.contains("Accept your badge")
                && page.contains("Data Analysis with Python")
                && page.contains("Learning Academy")
        );
        let form_token = csrf(&page);
        let forged = recipient
            .post(&link)
            .form(&[("csrf", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "the form token must match");
        let without_cookie = app
            .client()
            .post(&link)
            .form(&[("csrf", form_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            without_cookie.status(),
            403,
            "the token is bound to the browser that loaded the page"
        );
        let r = recipient
            .post(&link)
            .form(&[("csrf", form_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/a/{award}"));
        let public = get_text(&recipient, app.url(&location(&r))).await;
        assert!(
            public.contains("credential.json"),
            "the public page offers downloads"
        );
        let again = recipient
            .post(&link)
            .form(&[("csrf", form_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 303, "claiming twice is fine");
        let page = get_text(&recipient, link.clone()).await;
        assert!(page.contains("You accepted this badge"));
        let admin = get_text(&client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(admin.contains("Accepted by the recipient on"), "{admin}");
        let events: Vec<String> =
            insignia_store::on_db!(&app.state.store, |pool| sqlx::query_scalar(
                "SELECT kind FROM events WHERE award_id = $1 ORDER BY id"
            )
            .bind(&award)
            .fetch_all(pool)
            .await
            .unwrap());
        assert_eq!(events, vec!["delivered".to_owned(), "claimed".to_owned()]);
        assert_eq!(
            app.client()
                .get(app.url("/claim/notarealtoken1234"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );

        // Revoked: the link says so and cannot be used.
        let r = client
            .post(app.url(&format!("/orgs/{org}/awards/{award}/status")))
            .form(&[
                ("csrf", token.as_str()),
                ("action", "revoke"),
                ("reason", "Issued by mistake"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let page = get_text(&recipient, link.clone()).await;
        assert!(page.contains("revoked this badge"), "{page}");
        let r = recipient
            .post(&link)
            .form(&[("csrf", form_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        sink.stop();
        app
    })
    .await;
}

#[tokio::test]
async fn bulk_awards_send_one_message_per_row_even_after_crashes() {
    for postgres in [false, true] {
        let sink = Sink::start().await;
        let Some(app) = spawn_mailing(postgres, sink.url()).await else {
            continue;
        };
        let (client, token) = support::sign_up(&app, "bulkmail@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "bulkmail").await;
        let mut csv = String::from("name,email\n");
        for i in 0..7 {
            csv.push_str(&format!("Learner {i},learner{i}@example.org\n"));
        }
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .text("send_email", "1")
            .text("email_language", "fr")
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
        assert_eq!(r.status(), 303);
        let job_path = location(&r);
        let job_id = job_path.rsplit('/').next().unwrap().to_owned();
        client
            .post(app.url(&format!("{job_path}/decide")))
            .form(&[("csrf", token.as_str()), ("action", "confirm")])
            .send()
            .await
            .unwrap();

        // The award worker does one chunk of 3 and dies; its lease expires; another resumes.
        let crashing = WorkerOptions {
            chunk: 3,
            max_chunks: Some(1),
        };
        assert!(jobs::run_next(&app.state, &crashing).await.unwrap());
        let queued: i64 = insignia_store::on_db!(&app.state.store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_outbox"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(queued, 3, "each chunk queues its messages with its awards");
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
                    chunk: 3,
                    max_chunks: None
                }
            )
            .await
            .unwrap()
        );
        assert_eq!(
            bulk::job(&app.state.store, &job_id)
                .await
                .unwrap()
                .unwrap()
                .state,
            "done"
        );

        // A mailer claims four messages and dies before sending.
        let now = insignia_store::now();
        let taken = outbox::claim(&app.state.store, "dead-process", now, 300, 4)
            .await
            .unwrap();
        assert_eq!(taken.len(), 4);
        let options = MailOptions {
            batch: 2,
            now: None,
        };
        let mut sent = 0;
        loop {
            let n = mail::run_next(&app.state, &options).await.unwrap();
            if n == 0 {
                break;
            }
            sent += n;
        }
        assert_eq!(sent, 3, "leased messages are left alone");
        let later = MailOptions {
            batch: 50,
            now: Some(now + 301),
        };
        assert_eq!(
            mail::run_next(&app.state, &later).await.unwrap(),
            4,
            "resumed after the lease expired"
        );
        assert_eq!(mail::run_next(&app.state, &later).await.unwrap(), 0);

        let inbox = sink.messages();
        assert_eq!(inbox.len(), 7, "one message per row");
        let mut to: Vec<String> = inbox.iter().flat_map(|m| m.rcpt_to.clone()).collect();
        to.sort();
        to.dedup();
        assert_eq!(to.len(), 7, "nobody twice");
        let subject = inbox[0].parsed().subject().unwrap().to_owned();
        assert_eq!(
            subject,
            "Learning Academy vous a décerné Data Analysis with Python"
        );
        assert!(
            inbox[0]
                .parsed()
                .body_text(0)
                .unwrap()
                .contains("Bonjour Learner")
        );
        let page = get_text(&client, app.url(&job_path)).await;
        assert!(page.contains("7 sent · 0 queued · 0 failed"), "{page}");
        assert_eq!(
            awards::list(&app.state.store, &org, 100)
                .await
                .unwrap()
                .len(),
            7
        );
        sink.stop();
        app.stop().await;
    }
}

#[tokio::test]
async fn a_relay_that_is_down_is_retried_until_it_is_back() {
    for postgres in [false, true] {
        let addr = smtp::free_addr();
        let Some(app) = spawn_mailing(postgres, format!("smtp://{addr}")).await else {
            continue;
        };
        let (client, token) = support::sign_up(&app, "down@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "down").await;
        let award = award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            "Amira Haddad",
            "amira@example.org",
            Some("en"),
        )
        .await;
        let other = award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            "Jules Martin",
            "jules@example.org",
            Some("en"),
        )
        .await;
        let at = |t: i64| MailOptions {
            now: Some(t),
            ..MailOptions::default()
        };
        let now = insignia_store::now();
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            2
        );
        let m = &messages_of(&app, &award).await[0];
        assert_eq!((m.state.as_str(), m.attempts), ("queued", 1));
        assert!(
            m.next_attempt_at >= now + 60 && m.next_attempt_at <= insignia_store::now() + 60,
            "one minute later"
        );
        let error = m.last_error.clone().unwrap();
        assert!(!error.is_empty());
        let o = &messages_of(&app, &other).await[0];
        assert_eq!(
            (o.state.as_str(), o.attempts, o.next_attempt_at),
            ("queued", 1, m.next_attempt_at),
            "both messages of the batch wait for the same retry"
        );
        let admin = get_text(&client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(admin.contains("Attempt 1 failed; next try"), "{admin}");
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            0,
            "not due yet"
        );
        // Still down at the second try: five minutes more.
        let second = m.next_attempt_at;
        assert_eq!(mail::run_next(&app.state, &at(second)).await.unwrap(), 2);
        let m = &messages_of(&app, &award).await[0];
        assert_eq!((m.attempts, m.next_attempt_at), (2, second + 300));

        let sink = Sink::start_on(addr).await;
        assert_eq!(
            mail::run_next(&app.state, &at(second + 300)).await.unwrap(),
            2
        );
        for id in [&award, &other] {
            let m = &messages_of(&app, id).await[0];
            assert_eq!((m.state.as_str(), m.attempts), ("sent", 3));
        }
        assert_eq!(sink.messages().len(), 2);
        assert_eq!(
            mail::run_next(&app.state, &at(second + 100_000))
                .await
                .unwrap(),
            0
        );
        sink.stop();
        app.stop().await;
    }
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once_and_resend_works() {
    on_both_with_sink(|app, sink| async move {
        sink.refuse("nobody@", "550 5.1.1 No such user here");
        let (client, token) = support::sign_up(&app, "refuse@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "refuse").await;
        let award = award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            "No Body",
            "nobody@example.org",
            Some("en"),
        )
        .await;
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            1
        );
        let m = &messages_of(&app, &award).await[0];
        assert_eq!((m.state.as_str(), m.attempts), ("failed", 1));
        assert!(
            m.last_error
                .as_deref()
                .unwrap()
                .contains("No such user here"),
            "{:?}",
            m.last_error
        );
        let badge_page = get_text(&client, app.url(&format!("/orgs/{org}/badges/{badge}"))).await;
        assert!(badge_page.contains("Failed") && badge_page.contains("No such user here"));
        assert!(sink.messages().is_empty());

        // An award without e-mail, then "Resend" in French.
        let quiet = award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            "Jules Martin",
            "jules@example.org",
            None,
        )
        .await;
        assert!(messages_of(&app, &quiet).await.is_empty());
        let admin = get_text(&client, app.url(&format!("/orgs/{org}/awards/{quiet}"))).await;
        assert!(admin.contains("No e-mail") && admin.contains("Send the e-mail again"));
        let resend = app.url(&format!("/orgs/{org}/awards/{quiet}/resend"));
        let r = client
            .post(&resend)
            .form(&[("csrf", "wrong"), ("email_language", "fr")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = client
            .post(&resend)
            .form(&[("csrf", token.as_str()), ("email_language", "xx")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "unknown language");
        let r = client
            .post(&resend)
            .form(&[("csrf", token.as_str()), ("email_language", "fr")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            1
        );
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 1);
        let m = inbox[0].parsed();
        assert_eq!(
            m.subject(),
            Some("Learning Academy vous a décerné Data Analysis with Python")
        );
        let text = m.body_text(0).unwrap().into_owned();
        assert!(
            text.contains("Bonjour Jules Martin") && text.contains("Acceptez votre badge"),
            "{text}"
        );
        // Resending again gives a second message with its own working link.
        client
            .post(&resend)
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            1
        );
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 2);
        let first = claim_url(&text);
        let second = claim_url(&inbox[1].parsed().body_text(0).unwrap());
        assert_ne!(first, second);
        for link in [first, second] {
            assert!(get_text(&app.client(), link).await.contains("Jules Martin"));
        }

        // Another organisation sees and resends nothing of it.
        let (other, other_token) = support::sign_up(&app, "other@elsewhere.example.org").await;
        let (other_org, _) = support::org_with_badge(&app, &other, &other_token, "elsewhere").await;
        for path in [
            format!("/orgs/{org}/awards/{quiet}"),
            format!("/orgs/{other_org}/awards/{quiet}"),
        ] {
            assert_eq!(
                other.get(app.url(&path)).send().await.unwrap().status(),
                404,
                "{path}"
            );
            let r = other
                .post(app.url(&format!("{path}/resend")))
                .form(&[("csrf", other_token.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "{path}/resend");
        }
        assert_eq!(messages_of(&app, &quiet).await.len(), 2);
        sink.stop();
        app
    })
    .await;
}

#[tokio::test]
async fn names_cannot_inject_headers_and_html_is_escaped() {
    on_both_with_sink(|app, sink| async move {
        let (client, token) = support::sign_up(&app, "inject@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "inject").await;
        // The issuer's name (sender name, subject) with a line break too.
        insignia_store::on_db!(&app.state.store, |pool| sqlx::query(
            "UPDATE issuers SET name = $1 WHERE slug = 'inject'"
        )
        .bind("Academy\r\nX-Issuer-Injected: yes")
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        let name = "Eve <b>bold</b>\r\nBcc: victim@example.org\r\nX-Injected: yes";
        award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            name,
            "eve@example.org",
            Some("en"),
        )
        .await;
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            1
        );
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 1);
        assert_eq!(
            inbox[0].rcpt_to,
            vec!["eve@example.org".to_owned()],
            "no extra recipient"
        );
        let raw = inbox[0].text();
        let headers = &raw[..raw.find("\r\n\r\n").unwrap()];
        for line in headers.lines() {
            let lower = line.to_ascii_lowercase();
            assert!(
                !lower.starts_with("bcc:")
                    && !lower.starts_with("x-injected:")
                    && !lower.starts_with("x-issuer-injected:"),
                "injected header: {line}"
            );
        }
        let m = inbox[0].parsed();
        assert!(m.header_raw("X-Injected").is_none() && m.header_raw("Bcc").is_none());
        let to = m.to().unwrap().first().unwrap();
        assert_eq!(to.address(), Some("eve@example.org"));
        assert_eq!(
            to.name(),
            Some("Eve <b>bold</b> Bcc: victim@example.org X-Injected: yes")
        );
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Academy X-Issuer-Injected: yes"));
        assert_eq!(
            m.subject(),
            Some("Academy X-Issuer-Injected: yes awarded you Data Analysis with Python")
        );
        assert!(m.header_raw("X-Issuer-Injected").is_none());
        let html = m.body_html(0).unwrap().replace("&#x2f;", "/");
        assert!(html.contains("Eve &lt;b&gt;bold&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>bold</b>"));
        sink.stop();
        app
    })
    .await;
}

#[tokio::test]
async fn without_smtp_messages_wait_and_pages_say_so() {
    support::on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "nosmtp@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "nosmtp").await;
        let award = award_to(
            &app,
            &client,
            &token,
            &org,
            &badge,
            "Amira Haddad",
            "amira@example.org",
            Some("es"),
        )
        .await;
        assert_eq!(
            mail::run_next(&app.state, &MailOptions::default())
                .await
                .unwrap(),
            0
        );
        let m = &messages_of(&app, &award).await[0];
        assert_eq!(
            (m.state.as_str(), m.attempts, m.locale.as_str()),
            ("queued", 0, "es")
        );
        let admin = get_text(&client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(
            admin.contains("E-mail is not set up on this server"),
            "{admin}"
        );
        assert!(admin.contains("Not sent: e-mail is not set up"));
        assert!(!admin.contains(">Sent<"));
        app
    })
    .await;
}

#[tokio::test]
async fn the_background_mailer_sends_when_woken() {
    let sink = Sink::start().await;
    let app = spawn_mailing(false, sink.url()).await.unwrap();
    assert!(mail::spawn_worker(app.state.clone()).is_some());
    let (client, token) = support::sign_up(&app, "wake@academy.example.org").await;
    let (org, badge) = support::org_with_badge(&app, &client, &token, "wake").await;
    award_to(
        &app,
        &client,
        &token,
        &org,
        &badge,
        "Amira Haddad",
        "amira@example.org",
        Some("en"),
    )
    .await;
    // Woken at once by the award (its poll is 5 s; allow for a slow machine).
    let started = std::time::Instant::now();
    while sink.messages().is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no message arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sink.messages().len(), 1);
    sink.stop();
    app.stop().await;
}
