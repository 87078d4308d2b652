//! The mailer against a relay that speaks TLS (STARTTLS, or from the first
//! byte with `smtps://`) and wants a log-in, as real submission relays do:
//! the test relay's certificate comes from a private test CA
//! (`support/tls/`), trusted through `smtp.ca_file`.

use insignia_server::config::SmtpConfig;

use crate::mail::{Academy, academy, get_text, messages_of, send_due, smtp_config};
use crate::support::smtp::{AuthAttempt, Options, Sink, TlsMode, test_ca};
use crate::support::{self, App};

const USER: &str = "badges@academy.example.org";
const PASSWORD: &str = "s3cret pass:word";

fn login() -> Option<(String, String)> {
    Some((USER.to_owned(), PASSWORD.to_owned()))
}

/// The relay's settings with the test CA trusted and the right log-in.
fn secure(url: String) -> SmtpConfig {
    SmtpConfig {
        username: Some(USER.into()),
        password: Some(PASSWORD.into()),
        ca_file: Some(test_ca()),
        ..smtp_config(url)
    }
}

/// A server sending through `smtp` that has awarded one badge with e-mail;
/// returns it, the issuer's client, the award's admin page and the award.
async fn awarded(
    postgres: bool,
    smtp: SmtpConfig,
) -> Option<(App, reqwest::Client, String, String)> {
    let app = support::spawn_configured(postgres, false, |c| c.smtp = Some(smtp)).await?;
    let school = academy(&app, "tls", "tls").await;
    let Academy {
        client,
        token: _,
        org,
        badge: _,
    } = &school;
    let award = school
        .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
        .await;
    let admin = app.url(&format!("/orgs/{org}/awards/{award}"));
    Some((app, client.clone(), admin, award))
}

async fn send_once(app: &App) {
    assert_eq!(send_due(app).await, 1);
}

#[tokio::test]
async fn starttls_and_auth_plain_deliver_over_tls_as_the_user() {
    for postgres in [false, true] {
        let sink = Sink::start_secure(Options {
            tls: TlsMode::StartTls,
            login: login(),
            mechanisms: vec!["PLAIN"],
        })
        .await;
        // ?tls=required: the relay offers STARTTLS, so it is used.
        let url = format!("{}?tls=required", sink.url());
        let Some((app, _, _, award)) = awarded(postgres, secure(url)).await else {
            continue;
        };
        send_once(&app).await;
        let m = &messages_of(&app, &award).await[0];
        assert_eq!(
            (m.state.as_str(), m.attempts),
            ("sent", 1),
            "{:?}",
            m.last_error
        );
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 1);
        assert!(inbox[0].tls, "the message came over TLS");
        assert_eq!(inbox[0].user.as_deref(), Some(USER));
        assert_eq!(inbox[0].rcpt_to, vec!["amira@example.org".to_owned()]);
        assert_eq!(
            sink.auth_attempts(),
            vec![AuthAttempt {
                mechanism: "PLAIN".into(),
                user: USER.into(),
                ok: true,
                tls: true
            }]
        );
        sink.stop();
        app.stop().await;
    }
}

#[tokio::test]
async fn smtps_and_auth_login_deliver_with_credentials_in_the_url() {
    for postgres in [false, true] {
        let sink = Sink::start_secure(Options {
            tls: TlsMode::Implicit,
            login: login(),
            mechanisms: vec!["LOGIN"],
        })
        .await;
        assert!(sink.url().starts_with("smtps://"));
        // The log-in in the URL, percent-encoded (the password has a space
        // and a colon).
        let url = format!(
            "smtps://badges%40academy.example.org:s3cret%20pass%3Aword@{}",
            sink.addr
        );
        let config = SmtpConfig {
            username: None,
            password: None,
            ..secure(url)
        };
        let Some((app, _, _, award)) = awarded(postgres, config).await else {
            continue;
        };
        send_once(&app).await;
        let m = &messages_of(&app, &award).await[0];
        assert_eq!(m.state.as_str(), "sent", "{:?}", m.last_error);
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 1);
        assert!(inbox[0].tls);
        assert_eq!(inbox[0].user.as_deref(), Some(USER));
        let attempts = sink.auth_attempts();
        assert_eq!(attempts.len(), 1);
        assert_eq!(
            (attempts[0].mechanism.as_str(), attempts[0].ok),
            ("LOGIN", true)
        );
        sink.stop();
        app.stop().await;
    }
}

#[tokio::test]
async fn a_wrong_password_is_retried_with_the_relays_reason() {
    for postgres in [false, true] {
        let sink = Sink::start_secure(Options {
            tls: TlsMode::StartTls,
            login: login(),
            mechanisms: vec![],
        })
        .await;
        let config = SmtpConfig {
            password: Some("wrong".into()),
            ..secure(sink.url())
        };
        let Some((app, client, admin, award)) = awarded(postgres, config).await else {
            continue;
        };
        let before = insignia_store::now();
        send_once(&app).await;
        let m = &messages_of(&app, &award).await[0];
        // 535 is permanent in SMTP, but it is our settings that are wrong:
        // fixing them fixes it, so the message waits for a retry.
        assert_eq!((m.state.as_str(), m.attempts), ("queued", 1));
        assert!(m.next_attempt_at >= before + 60);
        let error = m.last_error.clone().unwrap();
        assert!(
            error.contains("535") && error.contains("authentication credentials invalid"),
            "{error}"
        );
        assert!(sink.messages().is_empty());
        let attempts = sink.auth_attempts();
        assert!(!attempts.is_empty() && attempts.iter().all(|a| !a.ok && a.tls && a.user == USER));
        let page = get_text(&client, admin).await;
        assert!(
            page.contains("Attempt 1 failed; next try")
                && page.contains("authentication credentials invalid"),
            "{page}"
        );
        sink.stop();
        app.stop().await;
    }
}

#[tokio::test]
async fn tls_required_refuses_a_relay_without_starttls() {
    // ?tls=required, then a log-in alone (never sent in the clear).
    for (postgres, required, username) in [
        (false, true, None),
        (true, true, None),
        (false, false, Some(USER.to_owned())),
    ] {
        // A plain relay: it does not offer STARTTLS.
        let sink = Sink::start_secure(Options::default()).await;
        let url = if required {
            format!("{}?tls=required", sink.url())
        } else {
            sink.url()
        };
        let config = SmtpConfig {
            username: username.clone(),
            password: username.as_ref().map(|_| PASSWORD.to_owned()),
            ..secure(url)
        };
        let Some((app, client, admin, award)) = awarded(postgres, config).await else {
            continue;
        };
        send_once(&app).await;
        let m = &messages_of(&app, &award).await[0];
        assert_eq!((m.state.as_str(), m.attempts), ("queued", 1));
        let error = m.last_error.clone().unwrap();
        assert!(
            error.contains("does not offer STARTTLS") && error.contains("never sent in the clear"),
            "{error}"
        );
        assert!(sink.messages().is_empty(), "nothing sent in the clear");
        let page = get_text(&client, admin).await;
        assert!(page.contains("does not offer STARTTLS"), "{page}");
        sink.stop();
        app.stop().await;
    }
}

#[tokio::test]
async fn a_relay_with_a_private_ca_is_refused_without_ca_file() {
    for postgres in [false, true] {
        for tls in [TlsMode::StartTls, TlsMode::Implicit] {
            let sink = Sink::start_secure(Options {
                tls,
                login: login(),
                mechanisms: vec![],
            })
            .await;
            let config = SmtpConfig {
                ca_file: None,
                ..secure(sink.url())
            };
            let Some((app, _, _, award)) = awarded(postgres, config).await else {
                continue;
            };
            send_once(&app).await;
            let m = &messages_of(&app, &award).await[0];
            assert_eq!((m.state.as_str(), m.attempts), ("queued", 1), "{tls:?}");
            let error = m.last_error.clone().unwrap();
            assert!(
                error.contains("certificate is not trusted")
                    && error.contains("smtp.ca_file")
                    && error.contains("UnknownIssuer"),
                "{tls:?}: {error}"
            );
            assert!(sink.messages().is_empty());
            assert!(
                sink.auth_attempts().is_empty(),
                "no password sent to an untrusted relay"
            );
            // The relay sees the client break the handshake off (its alert
            // may arrive a moment after the client gave up).
            let started = std::time::Instant::now();
            while sink.handshake_failures() == 0 {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(10),
                    "the relay saw no refused handshake"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            sink.stop();
            app.stop().await;
        }
    }
}
