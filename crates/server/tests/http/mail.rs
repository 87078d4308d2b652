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

pub(crate) fn smtp_config(url: String) -> SmtpConfig {
    SmtpConfig {
        url,
        from: FROM.into(),
        username: None,
        password: None,
        ca_file: None,
        rate_per_second: 1000.0,
    }
}

/// A server whose SMTP relay is `url` (no background workers: the tests
/// drive the mailer step by step).
async fn spawn_mailing(postgres: bool, url: String) -> Option<App> {
    support::spawn_configured(postgres, false, |c| c.smtp = Some(smtp_config(url))).await
}

/// Runs `test` on SQLite then PostgreSQL, each with a fresh test SMTP server.
pub(crate) async fn on_both_with_sink<F, Fut>(test: F)
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

/// A signed-up issuer (`{who}@academy.example.org`) with an organisation and
/// a badge (`slug`).
pub(crate) struct Academy {
    pub client: reqwest::Client,
    pub token: String,
    pub org: String,
    pub badge: String,
}

pub(crate) async fn academy(app: &App, who: &str, slug: &str) -> Academy {
    let (client, token) = support::sign_up(app, &format!("{who}@academy.example.org")).await;
    let (org, badge) = support::org_with_badge(app, &client, &token, slug).await;
    Academy {
        client,
        token,
        org,
        badge,
    }
}

impl Academy {
    /// Uploads a recipient list (CSV) to the badge; `email_language` Some =
    /// "e-mail the recipients". Returns the job's page.
    pub(crate) async fn upload_list(
        &self,
        app: &App,
        csv: String,
        email_language: Option<&str>,
    ) -> String {
        let mut form = reqwest::multipart::Form::new().text("csrf", self.token.clone());
        if let Some(language) = email_language {
            form = form
                .text("send_email", "1")
                .text("email_language", language.to_owned());
        }
        let form = form.part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes())
                .file_name("l.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
        let r = self
            .client
            .post(app.url(&format!("/orgs/{}/badges/{}/bulk", self.org, self.badge)))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        location(&r)
    }

    /// Confirms an uploaded list's job (its page is `job_path`).
    pub(crate) async fn confirm_list(&self, app: &App, job_path: &str) {
        let r = self
            .client
            .post(app.url(&format!("{job_path}/decide")))
            .form(&[("csrf", self.token.as_str()), ("action", "confirm")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }

    /// Awards the badge to `name` <`email`> (see [`award_to`]).
    pub(crate) async fn award(
        &self,
        app: &App,
        name: &str,
        email: &str,
        language: Option<&str>,
    ) -> String {
        award_to(
            app,
            &self.client,
            &self.token,
            &self.org,
            &self.badge,
            name,
            email,
            language,
        )
        .await
    }
}

/// Runs the mailer once with the default options: how many messages went.
pub(crate) async fn send_due(app: &App) -> usize {
    mail::run_next(&app.state, &MailOptions::default())
        .await
        .unwrap()
}

/// Awards the badge through the form; `language` Some = "e-mail the recipient".
#[allow(clippy::too_many_arguments)]
pub(crate) async fn award_to(
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

pub(crate) async fn messages_of(app: &App, award: &str) -> Vec<OutboxMessage> {
    outbox::for_award(&app.state.store, award).await.unwrap()
}

pub(crate) async fn get_text(client: &reqwest::Client, url: String) -> String {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

pub(crate) fn claim_url(text: &str) -> String {
    let start = text.find("/claim/").expect("a claim link");
    let begin = text[..start].rfind("http").unwrap();
    let end = start + text[start..].find(|c: char| c.is_whitespace()).unwrap();
    text[begin..end].to_owned()
}

#[tokio::test]
async fn an_award_email_arrives_and_its_claim_link_works() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "mail", "mail").await;
        let Academy {
            client,
            token,
            org,
            badge,
        } = &school;
        let award = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        let queued = messages_of(&app, &award).await;
        assert_eq!(queued.len(), 1, "queued with the award");
        assert_eq!(queued[0].state.as_str(), "queued");
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(
            admin.contains("Queued") && admin.contains("Not yet"),
            "{admin}"
        );

        assert_eq!(send_due(&app).await, 1);
        assert_eq!(send_due(&app).await, 0, "sent once");
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
        assert_eq!(sent.state.as_str(), "sent");
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

        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
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
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
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
        let school = academy(&app, "bulkmail", "bulkmail").await;
        let Academy {
            client,
            token: _,
            org,
            badge: _,
        } = &school;
        let mut csv = String::from("name,email\n");
        for i in 0..7 {
            csv.push_str(&format!("Learner {i},learner{i}@example.org\n"));
        }
        let job_path = school.upload_list(&app, csv, Some("fr")).await;
        let job_id = job_path.rsplit('/').next().unwrap().to_owned();
        school.confirm_list(&app, &job_path).await;

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
                .state
                .as_str(),
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
        let page = get_text(client, app.url(&job_path)).await;
        assert!(page.contains("7 sent · 0 queued · 0 failed"), "{page}");
        assert_eq!(
            awards::list(&app.state.store, org, 100)
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
        let school = academy(&app, "down", "down").await;
        let Academy {
            client,
            token: _,
            org,
            badge: _,
        } = &school;
        let award = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        let other = school
            .award(&app, "Jules Martin", "jules@example.org", Some("en"))
            .await;
        let at = |t: i64| MailOptions {
            now: Some(t),
            ..MailOptions::default()
        };
        let now = insignia_store::now();
        assert_eq!(send_due(&app).await, 2);
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
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(admin.contains("Attempt 1 failed; next try"), "{admin}");
        assert_eq!(send_due(&app).await, 0, "not due yet");
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
        let school = academy(&app, "refuse", "refuse").await;
        let Academy {
            client,
            token,
            org,
            badge,
        } = &school;
        let award = school
            .award(&app, "No Body", "nobody@example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
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
        let badge_page = get_text(client, app.url(&format!("/orgs/{org}/badges/{badge}"))).await;
        assert!(badge_page.contains("Failed") && badge_page.contains("No such user here"));
        assert!(sink.messages().is_empty());

        // An award without e-mail, then "Resend" in French.
        let quiet = school
            .award(&app, "Jules Martin", "jules@example.org", None)
            .await;
        assert!(messages_of(&app, &quiet).await.is_empty());
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{quiet}"))).await;
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
        assert_eq!(send_due(&app).await, 1);
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
        // Resending again (a minute later: once a minute at most) gives a
        // second message with its own working link.
        crate::accounts::execute(&app.state.store, "UPDATE throttle_events SET at = at - 61").await;
        client
            .post(&resend)
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(send_due(&app).await, 1);
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
        let school = academy(&app, "inject", "inject").await;
        let Academy {
            client: _,
            token: _,
            org: _,
            badge: _,
        } = &school;
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
        school
            .award(&app, name, "eve@example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
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

/// A server without SMTP (the README's first command): messages go to its
/// local outbox, which the organisation's admins (and the server's
/// administrators) read as the recipient would, and whose claim link works.
#[tokio::test]
async fn without_smtp_messages_go_to_the_outbox_and_their_links_work() {
    support::on_both(|app| async move {
        let school = academy(&app, "nosmtp", "nosmtp").await;
        let Academy {
            client,
            token: _,
            org,
            badge: _,
        } = &school;
        let award = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("es"))
            .await;
        assert_eq!(send_due(&app).await, 1, "delivered to the outbox");
        assert_eq!(send_due(&app).await, 0, "once");
        let m = &messages_of(&app, &award).await[0];
        assert_eq!((m.state.as_str(), m.attempts), ("sent", 1));

        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(
            admin.contains("E-mail is not set up on this server"),
            "{admin}"
        );
        assert!(admin.contains("In the outbox"), "{admin}");
        assert!(admin.contains(&format!("/orgs/{org}/outbox")));

        // minijinja escapes "/" in HTML as "&#x2f;".
        let list = get_text(client, app.url(&format!("/orgs/{org}/outbox")))
            .await
            .replace("&#x2f;", "/");
        assert!(list.contains("amira@example.org"), "{list}");
        assert!(
            list.contains("Learning Academy le ha otorgado Data Analysis with Python"),
            "the subject, in the message's language: {list}"
        );
        let marker = format!("/orgs/{org}/outbox/{}", m.id);
        assert!(list.contains(&marker), "{list}");
        let page = get_text(client, app.url(&marker))
            .await
            .replace("&#x2f;", "/");
        assert!(
            page.contains("Amira Haddad &lt;amira@example.org&gt;"),
            "{page}"
        );
        let at = page
            .find(&format!("{}/claim/", app.base))
            .expect("the claim link is listed");
        let link: String = page[at..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '<' | ' '))
            .collect();
        assert!(link.len() > app.base.len() + 30, "{link}");

        // The HTML part is served sandboxed, to the same readers only.
        let html = client
            .get(app.url(&format!("{marker}/body.html")))
            .send()
            .await
            .unwrap();
        assert_eq!(html.status(), 200);
        let csp = html.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.starts_with("sandbox") && csp.contains("default-src 'none'"),
            "{csp}"
        );
        assert!(html.text().await.unwrap().contains("Amira Haddad"));
        let eml = get_text(client, app.url(&format!("{marker}/message.eml"))).await;
        assert!(
            eml.contains("To: \"Amira Haddad\" <amira@example.org>")
                || eml.contains("To: Amira Haddad <amira@example.org>"),
            "{eml}"
        );

        // The recipient opens the link (anonymous) and accepts.
        let recipient = app.client();
        let claim = get_text(&recipient, link.clone()).await;
        let r = recipient
            .post(&link)
            .form(&[("csrf", csrf(&claim).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/a/{award}"));

        // Nobody else reads it: another organisation's owner, a non-admin
        // at the server-wide outbox, an anonymous visitor.
        let other = academy(&app, "other", "other").await;
        for path in [
            format!("/orgs/{org}/outbox"),
            marker.clone(),
            format!("{marker}/body.html"),
            format!("/orgs/{}/outbox/{}", other.org, m.id),
            "/outbox".to_owned(),
            format!("/outbox/{}", m.id),
        ] {
            let r = other.client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        let r = app.client().get(app.url(&marker)).send().await.unwrap();
        assert_eq!(r.status(), 303, "anonymous: to the sign-in page");
        app
    })
    .await;
}

#[tokio::test]
async fn the_background_mailer_sends_when_woken() {
    let sink = Sink::start().await;
    let app = spawn_mailing(false, sink.url()).await.unwrap();
    let _worker = mail::spawn_worker(app.state.clone());
    let school = academy(&app, "wake", "wake").await;
    let Academy {
        client: _,
        token: _,
        org: _,
        badge: _,
    } = &school;
    school
        .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
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

/// Runs SQL on the app's database (tests move clocks back this way).
pub(crate) async fn execute(app: &App, sql: &str, bind: &str) {
    insignia_store::on_db!(&app.state.store, |pool| sqlx::query(sql)
        .bind(bind)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
}

pub(crate) async fn post_form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(url).form(form).send().await.unwrap()
}

#[tokio::test]
async fn a_renewal_emails_the_recipient_a_claim_link_for_the_new_award() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "renew", "renewmail").await;
        let Academy {
            client,
            token,
            org,
            badge: _,
        } = &school;
        let award = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
        let first_link = claim_url(&sink.messages()[0].parsed().body_text(0).unwrap());

        let renew = app.url(&format!("/orgs/{org}/awards/{award}/renew"));
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(
            admin.contains(&format!("action=\"/orgs/{org}/awards/{award}/renew\""))
                && admin.contains("name=\"send_email\" value=\"1\" checked"),
            "the renewal form e-mails by default: {admin}"
        );
        let r = post_form(
            client,
            &renew,
            &[
                ("csrf", token.as_str()),
                ("send_email", "1"),
                ("email_language", "en"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let renewed = location(&r).rsplit('/').next().unwrap().to_owned();
        assert_ne!(renewed, award);
        // Queued with the renewal: the new award, its message and the link
        // from the old one were written together.
        let queued = messages_of(&app, &renewed).await;
        assert_eq!(queued.len(), 1);
        assert_eq!(
            (queued[0].state.as_str(), queued[0].recipient.as_str()),
            ("queued", "amira@example.org")
        );
        let old = awards::by_id(&app.state.store, &award)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.replaced_by.as_deref(), Some(renewed.as_str()));
        // Renewing again gives the same award and no second message.
        let again = post_form(
            client,
            &renew,
            &[
                ("csrf", token.as_str()),
                ("send_email", "1"),
                ("email_language", "en"),
            ],
        )
        .await;
        assert_eq!(location(&again), format!("/orgs/{org}/awards/{renewed}"));
        assert_eq!(messages_of(&app, &renewed).await.len(), 1);

        assert_eq!(send_due(&app).await, 1);
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 2, "one message for the renewal");
        assert_eq!(inbox[1].rcpt_to, vec!["amira@example.org".to_owned()]);
        let m = inbox[1].parsed();
        assert_eq!(
            m.subject(),
            Some("Learning Academy renewed your badge Data Analysis with Python")
        );
        let text = m.body_text(0).unwrap().into_owned();
        assert!(
            text.contains("Learning Academy renewed your badge “Data Analysis with Python”.")
                && text.contains("replaces the one you received before")
                && text.contains("This link works until "),
            "{text}"
        );
        assert!(
            text.contains(&format!("{}/a/{renewed}", app.base)),
            "{text}"
        );
        let html = m.body_html(0).unwrap().replace("&#x2f;", "/");
        assert!(html.contains("renewed your badge"), "{html}");

        // Its link is for the new award.
        let link = claim_url(&text);
        assert_ne!(link, first_link);
        let recipient = app.client();
        let page = get_text(&recipient, link.clone()).await;
        assert!(page.contains("Accept your badge"));
        let r = post_form(&recipient, &link, &[("csrf", csrf(&page).as_str())]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/a/{renewed}"));
        let claimed = outbox::claimed_at(&app.state.store, &[award.clone(), renewed.clone()])
            .await
            .unwrap();
        assert!(claimed.contains_key(&renewed) && !claimed.contains_key(&award));

        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{renewed}"))).await;
        assert!(
            admin.contains("Renewal of") && admin.contains(&format!("/orgs/{org}/awards/{award}")),
            "{admin}"
        );

        // Without "E-mail the recipient", a renewal queues nothing.
        let quiet = school
            .award(&app, "Jules Martin", "jules@example.org", None)
            .await;
        let r = post_form(
            client,
            &app.url(&format!("/orgs/{org}/awards/{quiet}/renew")),
            &[("csrf", token.as_str())],
        )
        .await;
        assert_eq!(r.status(), 303);
        let quiet_renewed = location(&r).rsplit('/').next().unwrap().to_owned();
        assert!(messages_of(&app, &quiet_renewed).await.is_empty());
        sink.stop();
        app
    })
    .await;
}

/// Sets every claim token of `award` `days` days (and a minute) older.
async fn age_claim_links(app: &App, award: &str, days: i64) {
    let sql = format!(
        "UPDATE claim_tokens SET created_at = created_at - {} WHERE award_id = $1",
        days * 86_400 + 60
    );
    execute(app, &sql, award).await;
}

#[tokio::test]
async fn an_expired_claim_link_offers_a_new_one_sent_to_the_address_on_file() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "expiry", "expiry").await;
        let Academy {
            client,
            token: _,
            org,
            badge: _,
        } = &school;
        let award = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("fr"))
            .await;
        send_due(&app).await;
        let text = sink.messages()[0]
            .parsed()
            .body_text(0)
            .unwrap()
            .into_owned();
        assert!(text.contains("Ce lien fonctionne jusqu’au "), "{text}");
        let old_link = claim_url(&text);
        let recipient = app.client();
        assert!(
            get_text(&recipient, old_link.clone())
                .await
                .contains("Accept your badge")
        );

        // 90 days later (the default), the link has expired.
        age_claim_links(&app, &award, 90).await;
        let r = recipient.get(&old_link).send().await.unwrap();
        assert_eq!(r.status(), 410);
        assert_eq!(
            r.headers().get("cache-control").unwrap().to_str().unwrap(),
            "no-store"
        );
        let page = r.text().await.unwrap();
        let new_link_url = format!("{old_link}/new-link");
        let path = new_link_url.trim_start_matches(&app.base);
        assert!(
            page.contains("This link has expired")
                && page.contains("Links to accept a badge work for 90 days")
                && page.contains("Send me a new link")
                && page.contains(&format!("action=\"{path}\""))
                && page.contains("at most once every 10 minutes"),
            "{page}"
        );
        assert!(
            !page.contains("amira@example.org"),
            "the address is never shown"
        );
        assert!(!page.contains(&format!(
            "action=\"{}\"",
            old_link.trim_start_matches(&app.base)
        )));
        let spanish = recipient
            .get(&old_link)
            .header("accept-language", "es")
            .send()
            .await
            .unwrap();
        assert_eq!(spanish.status(), 410);
        let spanish = spanish.text().await.unwrap();
        assert!(
            spanish.contains("Este enlace ha caducado")
                && spanish.contains("Enviarme un enlace nuevo"),
            "{spanish}"
        );
        let form_token = csrf(&page);

        // Accepting through the expired link does not work.
        let r = post_form(&recipient, &old_link, &[("csrf", form_token.as_str())]).await;
        assert_eq!(r.status(), 410);
        assert!(
            outbox::claimed_at(&app.state.store, std::slice::from_ref(&award))
                .await
                .unwrap()
                .is_empty()
        );

        // Forged requests: without the browser's cookie, or with another token.
        let forged = post_form(
            &app.client(),
            &new_link_url,
            &[("csrf", form_token.as_str())],
        )
        .await;
        assert_eq!(forged.status(), 403, "no cookie");
        let forged = post_form(&recipient, &new_link_url, &[("csrf", "forged")]).await;
        assert_eq!(forged.status(), 403, "wrong form token");
        let r = recipient
            .post(&new_link_url)
            .header("origin", "https://evil.example")
            .form(&[("csrf", form_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "cross-site");
        assert_eq!(messages_of(&app, &award).await.len(), 1);

        // Asking for a new link queues one message to the address on file.
        let r = post_form(&recipient, &new_link_url, &[("csrf", form_token.as_str())]).await;
        assert_eq!(r.status(), 303);
        let sent_page = location(&r);
        assert!(sent_page.ends_with("?link=sent"), "{sent_page}");
        let r = recipient.get(app.url(&sent_page)).send().await.unwrap();
        assert_eq!(r.status(), 410);
        let page = r.text().await.unwrap();
        assert!(page.contains("A new link is on its way"), "{page}");
        assert!(!page.contains("amira@example.org"));
        let messages = messages_of(&app, &award).await;
        assert_eq!(messages.len(), 2);
        let asked = messages
            .iter()
            .find(|m| m.created_by.is_none())
            .expect("the message the recipient asked for");
        assert_eq!(
            (asked.recipient.as_str(), asked.locale.as_str()),
            ("amira@example.org", "fr"),
            "to the address on file, in the language of the last e-mail"
        );

        // A second request within ten minutes: no second message.
        let r = post_form(&recipient, &new_link_url, &[("csrf", form_token.as_str())]).await;
        assert_eq!(r.status(), 429);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("A new link was sent less than 10 minutes ago"),
            "{page}"
        );
        assert_eq!(messages_of(&app, &award).await.len(), 2);

        assert_eq!(send_due(&app).await, 1);
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 2, "exactly one new message");
        assert_eq!(inbox[1].rcpt_to, vec!["amira@example.org".to_owned()]);
        let new_link = claim_url(&inbox[1].parsed().body_text(0).unwrap());
        assert_ne!(new_link, old_link);
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{award}"))).await;
        assert!(
            admin.contains("The recipient asked for a new claim link on"),
            "{admin}"
        );

        // Once the ten minutes have passed, another request is allowed.
        execute(
            &app,
            "UPDATE claim_link_requests SET requested_at = requested_at - 601 WHERE award_id = $1",
            &award,
        )
        .await;
        let r = post_form(&recipient, &new_link_url, &[("csrf", form_token.as_str())]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(messages_of(&app, &award).await.len(), 3);

        // The new link works; the badge is accepted through it.
        let page = get_text(&recipient, new_link.clone()).await;
        assert!(page.contains("Accept your badge"));
        let r = post_form(&recipient, &new_link, &[("csrf", csrf(&page).as_str())]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/a/{award}"));
        // Accepted: the old link just says so, and asks for nothing.
        let page = get_text(&recipient, old_link.clone()).await;
        assert!(page.contains("You accepted this badge"), "{page}");
        let r = post_form(&recipient, &new_link_url, &[("csrf", form_token.as_str())]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(messages_of(&app, &award).await.len(), 3);
        sink.stop();
        app
    })
    .await;
}

#[tokio::test]
async fn resend_gives_a_fresh_link_that_works_after_the_old_one_expired() {
    for postgres in [false, true] {
        let sink = Sink::start().await;
        let url = sink.url();
        // Links valid for 2 days here.
        let Some(app) = support::spawn_configured(postgres, false, |c| {
            c.smtp = Some(smtp_config(url));
            c.claim_link_days = 2;
        })
        .await
        else {
            continue;
        };
        let school = academy(&app, "fresh", "fresh").await;
        let Academy {
            client,
            token,
            org,
            badge: _,
        } = &school;
        let award = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        send_due(&app).await;
        let old_link = claim_url(&sink.messages()[0].parsed().body_text(0).unwrap());
        age_claim_links(&app, &award, 1).await;
        let r = app.client().get(&old_link).send().await.unwrap();
        assert_eq!(r.status(), 200, "one day old: still valid");
        age_claim_links(&app, &award, 1).await;
        let r = app.client().get(&old_link).send().await.unwrap();
        assert_eq!(r.status(), 410, "two days old: expired");
        assert!(r.text().await.unwrap().contains("work for 2 days"));

        let r = post_form(
            client,
            &app.url(&format!("/orgs/{org}/awards/{award}/resend")),
            &[("csrf", token.as_str())],
        )
        .await;
        assert_eq!(r.status(), 303);
        send_due(&app).await;
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 2);
        let fresh = claim_url(&inbox[1].parsed().body_text(0).unwrap());
        assert_ne!(fresh, old_link, "a fresh token");
        let tokens: i64 = insignia_store::on_db!(&app.state.store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM claim_tokens WHERE award_id = $1"
        )
        .bind(&award)
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(tokens, 2);
        let r = app.client().get(&fresh).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Accept your badge"));
        assert_eq!(
            app.client().get(&old_link).send().await.unwrap().status(),
            410,
            "the old link stays expired"
        );
        sink.stop();
        app.stop().await;
    }
}
