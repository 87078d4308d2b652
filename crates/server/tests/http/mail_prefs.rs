//! Reminders for unclaimed awards, one-click unsubscribe (RFC 8058), the
//! organisation's message templates and the revocation e-mail, over a real
//! SMTP conversation, on SQLite and PostgreSQL.

use insignia_server::service::reminders;
use insignia_store::model::MailKind;
use insignia_store::now;
use insignia_store::repo::{awards, mail as outbox};

use crate::mail::{
    Academy, academy, claim_url, execute, get_text, messages_of, on_both_with_sink, post_form,
    send_due,
};
use crate::support::{App, csrf};

const DAY: i64 = 86_400;

/// Moves the award's e-mails and claim links `days` days into the past.
async fn age_award_mail(app: &App, award: &str, days: i64) {
    let by = days * DAY + 60;
    execute(
        app,
        &format!("UPDATE mail_outbox SET sent_at = sent_at - {by} WHERE award_id = $1"),
        award,
    )
    .await;
    execute(
        app,
        &format!("UPDATE claim_tokens SET created_at = created_at - {by} WHERE award_id = $1"),
        award,
    )
    .await;
}

fn header(m: &crate::support::smtp::Received, name: &str) -> Option<String> {
    m.parsed()
        .header_raw(name)
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The unsubscribe URL from a message's List-Unsubscribe header.
fn unsubscribe_url(m: &crate::support::smtp::Received) -> String {
    let value = header(m, "List-Unsubscribe").expect("a List-Unsubscribe header");
    value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

#[tokio::test]
async fn reminders_go_once_after_the_days_and_never_for_claimed_or_revoked_awards() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "remind", "remind").await;
        let waiting = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        let claimed = school
            .award(&app, "Bo Chen", "bo@example.org", Some("en"))
            .await;
        let revoked = school
            .award(&app, "Cy Diaz", "cy@example.org", Some("fr"))
            .await;
        let fresh = school
            .award(&app, "Di Eze", "di@example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 4);
        let first_link = sink
            .messages()
            .iter()
            .find(|m| m.rcpt_to[0] == "amira@example.org")
            .map(|m| claim_url(&m.parsed().body_text(0).unwrap()))
            .unwrap();
        for award in [&waiting, &claimed, &revoked] {
            age_award_mail(&app, award, 8).await;
        }
        let b = awards::by_id(&app.state.store, &claimed)
            .await
            .unwrap()
            .unwrap();
        outbox::claim_award(&app.state.store, &b).await.unwrap();
        let r = post_form(
            &school.client,
            &app.url(&format!("/orgs/{}/awards/{revoked}/status", school.org)),
            &[
                ("csrf", school.token.as_str()),
                ("action", "revoke"),
                ("reason", "Awarded by mistake"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);

        // Two passes at once (two processes): one reminder, queued once.
        let at = now();
        let (a, b) = tokio::join!(
            reminders::run_pass(&app.state, at),
            reminders::run_pass(&app.state, at)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "one reminder, queued once");
        assert_eq!(reminders::run_pass(&app.state, at).await.unwrap(), 0);
        for award in [&claimed, &revoked, &fresh] {
            assert!(
                messages_of(&app, award)
                    .await
                    .iter()
                    .all(|m| m.kind != MailKind::Reminder),
                "no reminder for {award}"
            );
        }
        assert_eq!(send_due(&app).await, 1);
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 5);
        let reminder = &inbox[4];
        assert_eq!(reminder.rcpt_to, vec!["amira@example.org".to_owned()]);
        let m = reminder.parsed();
        assert_eq!(
            m.subject(),
            Some("Reminder: Learning Academy awarded you Data Analysis with Python")
        );
        let text = m.body_text(0).unwrap().into_owned();
        assert!(text.contains("A reminder:"), "{text}");
        assert!(text.contains("You have not accepted it yet."), "{text}");
        assert_eq!(claim_url(&text), first_link, "the same claim link");
        assert!(header(reminder, "List-Unsubscribe").is_some());

        // The 30-day reminder: the 90-day link still works, so it is repeated.
        age_award_mail(&app, &waiting, 23).await;
        assert_eq!(reminders::run_pass(&app.state, now()).await.unwrap(), 1);
        assert_eq!(send_due(&app).await, 1);
        let text = sink.messages()[5]
            .parsed()
            .body_text(0)
            .unwrap()
            .into_owned();
        assert_eq!(claim_url(&text), first_link);
        assert_eq!(reminders::run_pass(&app.state, now()).await.unwrap(), 0);

        // An organisation that turns reminders off gets none.
        let page = get_text(
            &school.client,
            app.url(&format!("/orgs/{}/mail", school.org)),
        )
        .await;
        let r = post_form(
            &school.client,
            &app.url(&format!("/orgs/{}/mail/reminders", school.org)),
            &[
                ("csrf", csrf(&page).as_str()),
                ("mode", "off"),
                ("days", ""),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        age_award_mail(&app, &fresh, 8).await;
        assert_eq!(reminders::run_pass(&app.state, now()).await.unwrap(), 0);
        // Custom days are checked, then used.
        let r = post_form(
            &school.client,
            &app.url(&format!("/orgs/{}/mail/reminders", school.org)),
            &[
                ("csrf", school.token.as_str()),
                ("mode", "custom"),
                ("days", "3, 400"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("“400” is not a number of days")
        );
        let r = post_form(
            &school.client,
            &app.url(&format!("/orgs/{}/mail/reminders", school.org)),
            &[
                ("csrf", school.token.as_str()),
                ("mode", "custom"),
                ("days", "8"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(reminders::run_pass(&app.state, now()).await.unwrap(), 1);
        sink.stop();
        app
    })
    .await;
}

#[tokio::test]
async fn unsubscribe_needs_a_post_and_later_messages_are_suppressed() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "unsub", "unsub").await;
        let Academy { client, org, .. } = &school;
        let first = school
            .award(&app, "Amira Haddad", "Amira@Example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
        let received = sink.messages()[0].clone();
        assert_eq!(
            header(&received, "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        let url = unsubscribe_url(&received);
        assert!(
            url.starts_with(&format!("{}/unsubscribe/", app.base)),
            "{url}"
        );
        let text = received.parsed().body_text(0).unwrap().into_owned();
        assert!(text.contains(&url), "the link is in the text too");

        // GET (a mail scanner following the link) changes nothing.
        let anonymous = app.client();
        let page = get_text(&anonymous, url.clone()).await;
        assert!(page.contains("amira@example.org"), "{page}");
        assert!(page.contains("Unsubscribe</button>"), "{page}");
        school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
        assert_eq!(sink.messages().len(), 2, "still subscribed after a GET");

        // A forged or unknown token is refused.
        let r = anonymous
            .post(app.url("/unsubscribe/3xampleT0kenThatIsNotOurs"))
            .body("List-Unsubscribe=One-Click")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);

        // The one-click POST, as a mail provider sends it (no cookie).
        let r = anonymous
            .post(&url)
            .body("List-Unsubscribe=One-Click")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("Receive e-mails again"), "{page}");
        let later = school
            .award(&app, "Amira Haddad", "AMIRA@example.org ", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
        assert_eq!(sink.messages().len(), 2, "not sent after unsubscribing");
        let m = &messages_of(&app, &later).await[0];
        assert_eq!(m.state.as_str(), "suppressed");
        let admin = get_text(client, app.url(&format!("/orgs/{org}/awards/{later}"))).await;
        assert!(admin.contains("Not sent"), "{admin}");
        assert!(
            admin.contains("unsubscribed from this organisation"),
            "{admin}"
        );

        // Asked for by the recipient (a new claim link): it goes.
        let award = awards::by_id(&app.state.store, &first)
            .await
            .unwrap()
            .unwrap();
        outbox::request_new_link(&app.state.store, &award, "en", now(), 600)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(send_due(&app).await, 1);
        assert_eq!(sink.messages().len(), 3, "a requested message goes");

        // Subscribing again from the same page.
        let r = anonymous
            .post(&url)
            .form(&[("action", "resubscribe")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("again"));
        school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        assert_eq!(send_due(&app).await, 1);
        assert_eq!(sink.messages().len(), 4, "sent again after re-subscribing");
        sink.stop();
        app
    })
    .await;
}

async fn save(
    app: &App,
    school: &Academy,
    subject: &str,
    opening: &str,
    lang: &str,
) -> reqwest::Response {
    post_form(
        &school.client,
        &app.url(&format!("/orgs/{}/mail/templates", school.org)),
        &[
            ("csrf", school.token.as_str()),
            ("kind", "award"),
            ("lang", lang),
            ("subject", subject),
            ("opening", opening),
        ],
    )
    .await
}

#[tokio::test]
async fn templates_are_checked_previewed_and_used() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "words", "words").await;
        let Academy { client, org, .. } = &school;
        let r = save(&app, &school, "{name} got {badge}", "", "en").await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("{name} is not a placeholder"), "{page}");
        assert!(
            page.contains("value=\"{name} got {badge}\""),
            "typed values kept"
        );

        let r = save(
            &app,
            &school,
            "{recipient}, your {badge} from {issuer}",
            "Well done, {recipient}! <b>Bold</b>\r\n\r\nSee you soon.",
            "en",
        )
        .await;
        assert_eq!(r.status(), 303);

        let r = client
            .get(app.url(&format!("/orgs/{org}/mail/preview?kind=award&lang=en")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.starts_with("sandbox"), "{csp}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Well done, Alex Martin! &lt;b&gt;Bold&lt;&#x2f;b&gt;"),
            "{html}"
        );
        assert!(!html.contains("<b>"), "no HTML from the template");
        let page = get_text(
            client,
            app.url(&format!("/orgs/{org}/mail?kind=award&lang=en")),
        )
        .await;
        assert!(page.contains("Alex Martin, your Data Analysis with Python from Learning Academy"));
        assert!(page.contains("<iframe class=\"mail-preview\""), "{page}");

        // The French message keeps the default wording.
        school
            .award(&app, "Amira Haddad", "amira@example.org", Some("en"))
            .await;
        school
            .award(&app, "Amira Haddad", "amira2@example.org", Some("fr"))
            .await;
        assert_eq!(send_due(&app).await, 2);
        let inbox = sink.messages();
        let en = inbox
            .iter()
            .find(|m| m.rcpt_to[0] == "amira@example.org")
            .unwrap();
        let fr = inbox
            .iter()
            .find(|m| m.rcpt_to[0] == "amira2@example.org")
            .unwrap();
        let m = en.parsed();
        assert_eq!(
            m.subject(),
            Some("Amira Haddad, your Data Analysis with Python from Learning Academy")
        );
        let text = m.body_text(0).unwrap().replace("\r\n", "\n");
        assert!(
            text.contains("Well done, Amira Haddad! <b>Bold</b>\n\nSee you soon."),
            "{text}"
        );
        let html = m.body_html(0).unwrap().into_owned();
        assert!(html.contains("&lt;b&gt;Bold"), "{html}");
        assert!(!html.contains("<b>Bold"), "{html}");
        assert!(fr.parsed().subject().unwrap().contains("vous a décerné"));

        // Both fields empty: back to the default.
        let r = save(&app, &school, "", "", "en").await;
        assert_eq!(r.status(), 303);
        let html = get_text(
            client,
            app.url(&format!("/orgs/{org}/mail/preview?kind=award&lang=en")),
        )
        .await;
        assert!(!html.contains("Well done"));
        sink.stop();
        app
    })
    .await;
}

#[tokio::test]
async fn a_revocation_can_e_mail_the_recipient_the_reason() {
    on_both_with_sink(|app, sink| async move {
        let school = academy(&app, "revmail", "revmail").await;
        let Academy {
            client, token, org, ..
        } = &school;
        let told = school
            .award(&app, "Amira Haddad", "amira@example.org", Some("fr"))
            .await;
        let silent = school
            .award(&app, "Bo Chen", "bo@example.org", Some("en"))
            .await;
        let never_mailed = school.award(&app, "Cy Diaz", "cy@example.org", None).await;
        assert_eq!(send_due(&app).await, 2);
        let form = get_text(
            client,
            app.url(&format!("/orgs/{org}/awards/{told}/revoke")),
        )
        .await;
        assert!(
            form.contains("name=\"notify\" value=\"1\" checked"),
            "{form}"
        );
        let form = get_text(
            client,
            app.url(&format!("/orgs/{org}/awards/{never_mailed}/revoke")),
        )
        .await;
        assert!(
            form.contains("name=\"notify\" value=\"1\">"),
            "not ticked: {form}"
        );

        let revoke = |award: String, notify: bool| {
            let mut fields = vec![
                ("csrf".to_owned(), token.clone()),
                ("action".to_owned(), "revoke".to_owned()),
                ("reason".to_owned(), "Plagiarised final project".to_owned()),
            ];
            if notify {
                fields.push(("notify".to_owned(), "1".to_owned()));
            }
            client
                .post(app.url(&format!("/orgs/{org}/awards/{award}/status")))
                .form(&fields)
                .send()
        };
        assert_eq!(revoke(told.clone(), true).await.unwrap().status(), 303);
        assert_eq!(revoke(silent.clone(), false).await.unwrap().status(), 303);
        assert_eq!(send_due(&app).await, 1);
        let inbox = sink.messages();
        assert_eq!(inbox.len(), 3);
        let m = inbox[2].parsed();
        assert_eq!(inbox[2].rcpt_to, vec!["amira@example.org".to_owned()]);
        assert_eq!(
            m.subject(),
            Some("Learning Academy a révoqué votre badge Data Analysis with Python")
        );
        let text = m.body_text(0).unwrap().into_owned();
        assert!(text.contains("Plagiarised final project"), "{text}");
        assert!(!text.contains("/claim/"), "no claim link: {text}");
        assert!(text.contains(&format!("/a/{told}")));
        assert!(m.header_raw("List-Unsubscribe").is_some());
        assert!(
            messages_of(&app, &silent)
                .await
                .iter()
                .all(|m| m.kind != MailKind::Revocation)
        );
        sink.stop();
        app
    })
    .await;
}
