//! Recognition beyond courses, on SQLite and PostgreSQL: requests for a
//! requestable badge (with evidence and a file) and members' nominations,
//! reviewed in the organisation's queue (approve with a comment: a signed,
//! e-mailed, claimable award; decline with a reason: e-mailed to whoever
//! asked), one pending request per person, CSRF and organisation scoping;
//! and awards to organisations (OB 3.0 subject, OB 2.0 recipient, public page).

use insignia_server::mail::{self as mailer, MailOptions};
use insignia_store::{Store, on_db};
use serde_json::Value;

use crate::support::{self, App, csrf, first_option, location};

/// Delivers every due message to the local outbox.
pub async fn send_all(app: &App) {
    while mailer::run_next(&app.state, &MailOptions::default())
        .await
        .unwrap()
        > 0
    {}
}

/// (kind, text body) of the messages delivered to `to`, oldest first.
pub async fn bodies_to(app: &App, to: &str) -> Vec<(String, String)> {
    let store: &Store = &app.state.store;
    let rows: Vec<(String, String)> = on_db!(store, |pool| sqlx::query_as(
        "SELECT m.kind, c.raw FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
         WHERE c.recipient = $1 ORDER BY c.delivered_at, m.created_at"
    )
    .bind(to)
    .fetch_all(pool)
    .await
    .unwrap());
    rows.into_iter()
        .map(|(kind, raw)| {
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .unwrap();
            (kind, parsed.body_text(0).unwrap().into_owned())
        })
        .collect()
}

/// Creates an active badge in `org` with extra designer fields; returns its id.
pub async fn badge_with(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    org: &str,
    name: &str,
    extra: &[(&str, &str)],
) -> String {
    let page = client
        .get(app.url(&format!("/orgs/{org}/badges/new")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("issuer_id", first_option(&page))
        .text("name", name.to_owned())
        .text("description", "Recognised by the community.")
        .text("criteria", "Contribute to the community.")
        .text("achievement_type", "Badge")
        .text("expiry_kind", "never")
        .text("publish", "1")
        .text("image_mode", "design")
        .text("art_shape", "circle")
        .text("art_title", "Community");
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = client
        .post(app.url(&format!("/orgs/{org}/badges/new")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r).rsplit('/').next().unwrap().to_owned()
}

async fn request_form(
    token: &str,
    statement: &str,
    file: Option<(&str, &str, Vec<u8>)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("statement", statement.to_owned())
        .text("evidence_url", "https://portfolio.example.org/ada");
    if let Some((name, mime, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        );
    }
    form
}

fn pending_ids(html: &str) -> Vec<String> {
    html.match_indices("id=\"rq-")
        .map(|(i, m)| {
            let start = i + m.len();
            let end = html[start..].find('"').unwrap() + start;
            html[start..end].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn requests_and_nominations_are_reviewed_and_answered_by_email() {
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "issuer@academy.example.org").await;
        let (org, plain_badge) = support::org_with_badge(&app, &issuer, &token, "academy").await;
        let badge = badge_with(
            &app,
            &issuer,
            &token,
            &org,
            "Community Mentor",
            &[("requestable", "1")],
        )
        .await;

        // The public page offers the request only on the requestable badge.
        let page = app
            .client()
            .get(app.url(&format!("/b/{badge}")))
            .send()
            .await
            .unwrap();
        assert!(
            page.text()
                .await
                .unwrap()
                .contains(&format!("/b/{badge}/request"))
        );
        let page = app
            .client()
            .get(app.url(&format!("/b/{plain_badge}")))
            .send()
            .await
            .unwrap();
        assert!(!page.text().await.unwrap().contains("/request\""));
        // Asking needs an account (the badge goes to its confirmed address).
        let r = app
            .client()
            .get(app.url(&format!("/b/{badge}/request")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);

        let (learner, learner_token) = support::sign_up(&app, "ada@example.org").await;
        let r = learner
            .get(app.url(&format!("/b/{plain_badge}/request")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "a badge that is not requestable");
        let form_page = learner
            .get(app.url(&format!("/b/{badge}/request")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(form_page.contains("ada@example.org"), "{form_page}");
        // No evidence at all: refused, nothing stored.
        let r = learner
            .post(app.url(&format!("/b/{badge}/request")))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", learner_token.clone())
                    .text("statement", " "),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // Without the CSRF token: refused.
        let r = learner
            .post(app.url(&format!("/b/{badge}/request")))
            .multipart(request_form("wrong", "I mentored.", None).await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // A file of a type that is not allowed.
        let r = learner
            .post(app.url(&format!("/b/{badge}/request")))
            .multipart(
                request_form(
                    &learner_token,
                    "I mentored.",
                    Some(("run.html", "text/html", b"<script>".to_vec())),
                )
                .await,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = learner
            .post(app.url(&format!("/b/{badge}/request")))
            .multipart(
                request_form(
                    &learner_token,
                    "I mentored four newcomers this term.",
                    Some(("log.txt", "text/plain", b"Sessions: 12".to_vec())),
                )
                .await,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        // A second pending request by the same person: refused.
        let r = learner
            .post(app.url(&format!("/b/{badge}/request")))
            .multipart(request_form(&learner_token, "Again.", None).await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);

        // A member nominates someone; the learner cannot (not a member).
        let nomination = [
            ("csrf", token.as_str()),
            ("name", "Bilal Nasser"),
            ("email", "Bilal@Example.org"),
            ("reason", "Ran the spring workshops."),
        ];
        let r = learner
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/nominate")))
            .form(&[
                ("csrf", learner_token.as_str()),
                ("name", "X"),
                ("email", "x@example.org"),
                ("reason", "r"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            404,
            "not a member: as if the organisation did not exist"
        );
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/nominate")))
            .form(&nomination)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/nominate")))
            .form(&nomination)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "the nominee already has one pending");

        // The queue, oldest first, with the evidence file as a download.
        let queue = issuer
            .get(app.url(&format!("/orgs/{org}/requests")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let ids = pending_ids(&queue);
        assert_eq!(ids.len(), 2, "{queue}");
        assert!(queue.contains("I mentored four newcomers this term."));
        assert!(queue.contains("Ran the spring workshops."));
        let stored = insignia_store::repo::requests::list(&app.state.store, &org, "pending", 10)
            .await
            .unwrap();
        let id_of = |kind: &str| stored.iter().find(|r| r.kind == kind).unwrap().id.clone();
        let (request_id, nomination_id) = (id_of("request"), id_of("nomination"));
        assert!(ids.contains(&request_id) && ids.contains(&nomination_id));
        assert_eq!(
            stored
                .iter()
                .find(|r| r.kind == "nomination")
                .unwrap()
                .email,
            "bilal@example.org"
        );
        let file = issuer
            .get(app.url(&format!("/orgs/{org}/requests/{request_id}/file")))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200);
        assert!(
            file.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"Sessions: 12");

        // Another organisation sees nothing of them.
        let (other, other_token) = support::sign_up(&app, "owner@other.example.org").await;
        let r = other
            .post(app.url("/orgs"))
            .form(&[("csrf", other_token.as_str()), ("name", "Other")])
            .send()
            .await
            .unwrap();
        let other_org = location(&r).trim_start_matches("/orgs/").to_owned();
        for path in [format!("/orgs/{other_org}/requests/{request_id}/file")] {
            let r = other.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        let r = other
            .post(app.url(&format!("/orgs/{other_org}/requests/{request_id}/approve")))
            .form(&[("csrf", other_token.as_str()), ("comment", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = other
            .post(app.url(&format!("/orgs/{org}/requests/{request_id}/approve")))
            .form(&[("csrf", other_token.as_str()), ("comment", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "not a member of the organisation");
        let queue = other
            .get(app.url(&format!("/orgs/{other_org}/requests")))
            .send()
            .await
            .unwrap();
        assert!(pending_ids(&queue.text().await.unwrap()).is_empty());

        // Approve the learner's request with a comment: a normal award,
        // e-mailed with its claim link and the comment.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/requests/{request_id}/approve")))
            .form(&[
                ("csrf", token.as_str()),
                ("comment", "Thank you for your mentoring!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            location(&r).ends_with("notice=approved"),
            "{}",
            location(&r)
        );
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/requests/{request_id}/approve")))
            .form(&[("csrf", token.as_str()), ("comment", "")])
            .send()
            .await
            .unwrap();
        assert!(
            location(&r).ends_with("notice=already"),
            "approved once only"
        );
        let request = insignia_store::repo::requests::get(&app.state.store, &org, &request_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(request.state, "approved");
        let award_id = request.award_id.clone().unwrap();
        let credential: Value = app
            .client()
            .get(app.url(&format!("/a/{award_id}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(credential["proof"].is_object());
        assert_eq!(
            credential["evidence"][0]["narrative"],
            "I mentored four newcomers this term."
        );
        // Declining needs a reason; then whoever nominated is told.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/requests/{nomination_id}/decline")))
            .form(&[("csrf", token.as_str()), ("comment", " ")])
            .send()
            .await
            .unwrap();
        assert!(location(&r).ends_with("error=reason"));
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/requests/{nomination_id}/decline")))
            .form(&[
                ("csrf", token.as_str()),
                ("comment", "Only for members of a year or more."),
            ])
            .send()
            .await
            .unwrap();
        assert!(location(&r).ends_with("notice=declined"));
        send_all(&app).await;
        let to_learner = bodies_to(&app, "ada@example.org").await;
        let (kind, body) = to_learner
            .iter()
            .find(|(k, _)| k == "award")
            .expect("the award e-mail");
        assert_eq!(kind, "award");
        assert!(body.contains("Thank you for your mentoring!"), "{body}");
        assert!(body.contains(&format!("{}/claim/", app.base)), "{body}");
        let to_nominator = bodies_to(&app, "issuer@academy.example.org").await;
        let (_, refusal) = to_nominator
            .iter()
            .find(|(k, _)| k == "request-declined")
            .expect("the refusal goes to whoever nominated");
        assert!(
            refusal.contains("Only for members of a year or more."),
            "{refusal}"
        );
        assert!(refusal.contains("Bilal Nasser"));
        assert!(bodies_to(&app, "bilal@example.org").await.is_empty());
        // Decided, the same person may ask again.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/nominate")))
            .form(&nomination)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // The learner's refusal goes to the learner.
        let r = learner
            .post(app.url(&format!("/b/{badge}/request")))
            .multipart(request_form(&learner_token, "Once more.", None).await)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let queue = issuer
            .get(app.url(&format!("/orgs/{org}/requests")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let again = insignia_store::repo::requests::list(&app.state.store, &org, "pending", 10)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.kind == "request")
            .unwrap()
            .id;
        assert!(pending_ids(&queue).contains(&again));
        issuer
            .post(app.url(&format!("/orgs/{org}/requests/{again}/decline")))
            .form(&[("csrf", token.as_str()), ("comment", "One is enough.")])
            .send()
            .await
            .unwrap();
        send_all(&app).await;
        assert!(
            bodies_to(&app, "ada@example.org")
                .await
                .iter()
                .any(|(k, b)| k == "request-declined" && b.contains("One is enough.")),
        );
        let _ = csrf;
        app
    })
    .await;
}

#[tokio::test]
async fn an_organisation_receives_a_badge_and_its_page_says_so() {
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "issuer@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &issuer, &token, "academy").await;
        // An organisation needs its web address.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
            .form(&[
                ("csrf", token.as_str()),
                ("recipient_kind", "organisation"),
                ("recipient_name", "Tunis Open Data Lab"),
                ("recipient_email", "contact@opendata.example.org"),
                ("recipient_url", "not a url"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
            .form(&[
                ("csrf", token.as_str()),
                ("recipient_kind", "organisation"),
                ("recipient_name", "Tunis Open Data Lab"),
                ("recipient_email", "Contact@OpenData.example.org"),
                ("recipient_url", "https://opendata.example.org/"),
                ("send_email", "1"),
                ("email_language", "en"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let award = location(&r).rsplit('/').next().unwrap().to_owned();
        let credential: Value = app
            .client()
            .get(app.url(&format!("/a/{award}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let subject = &credential["credentialSubject"];
        assert_eq!(subject["type"], serde_json::json!(["AchievementSubject"]));
        assert_eq!(subject["id"], "https://opendata.example.org/");
        assert_eq!(subject["identifier"][0]["identityType"], "emailAddress");
        assert_eq!(
            subject["identifier"][1]["identityHash"],
            "Tunis Open Data Lab"
        );
        // The schema writes the proof as a set (an array), as the verifier reads it.
        let mut wrapped = credential.clone();
        wrapped["proof"] = serde_json::json!([credential["proof"].clone()]);
        insignia_model::schema::validate_ob3(&wrapped).expect("valid against the OB 3.0 schema");
        // OB 2.0: the organisation is identified by its URL.
        let assertion: Value = app
            .client()
            .get(app.url(&format!("/ob2/assertions/{award}")))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(assertion["recipient"]["type"], "url");
        let salt = assertion["recipient"]["salt"].as_str().unwrap();
        assert_eq!(
            assertion["recipient"]["identity"],
            insignia_model::hash_identity("https://opendata.example.org/", Some(salt))
        );
        // The public page says so, and the credential verifies.
        let page = app
            .client()
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Awarded to the organisation Tunis Open Data Lab"),
            "{page}"
        );
        assert!(page.contains("class=\"verdict valid\""), "{page}");
        // The claim link goes to the contact address.
        send_all(&app).await;
        let mail = bodies_to(&app, "contact@opendata.example.org").await;
        assert!(
            mail.iter()
                .any(|(k, b)| k == "award" && b.contains("/claim/")),
            "{mail:?}"
        );
        // A person's award is unchanged (no subject id, e-mail identity).
        let person = support::award(&app, &issuer, &token, &org, &badge, "amira@example.org").await;
        let credential: Value = app
            .client()
            .get(app.url(&format!("/a/{person}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(credential["credentialSubject"].get("id").is_none());
        // Renewing keeps the organisation as the recipient.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/awards/{award}/renew")))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let renewed = location(&r).rsplit('/').next().unwrap().to_owned();
        let credential: Value = app
            .client()
            .get(app.url(&format!("/a/{renewed}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            credential["credentialSubject"]["id"],
            "https://opendata.example.org/"
        );
        app
    })
    .await;
}

/// Awards `badge` to `email` as issued on `issued_on` (YYYY-MM-DD), e-mailed.
async fn award_on(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    org: &str,
    badge: &str,
    email: &str,
    issued_on: &str,
) -> String {
    let r = client
        .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
        .form(&[
            ("csrf", token),
            ("recipient_name", email.split('@').next().unwrap()),
            ("recipient_email", email),
            ("issued_on", issued_on),
            ("send_email", "1"),
            ("email_language", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r).rsplit('/').next().unwrap().to_owned()
}

fn day(t: i64) -> String {
    let d = time::OffsetDateTime::from_unix_timestamp(t).unwrap().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[tokio::test]
async fn memberships_expire_are_noticed_once_and_renew() {
    use insignia_server::service::memberships;
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "issuer@network.example.org").await;
        let (org, _) = support::org_with_badge(&app, &issuer, &token, "network").await;
        let badge = badge_with(
            &app,
            &issuer,
            &token,
            &org,
            "Network Member",
            &[
                ("membership_months", "12"),
                ("membership_notice_days", "30"),
            ],
        )
        .await;
        let now = insignia_store::now();
        // Issued today: valid 12 calendar months.
        let fresh = award_on(
            &app,
            &issuer,
            &token,
            &org,
            &badge,
            "new@example.org",
            &day(now),
        )
        .await;
        let credential: Value = app
            .client()
            .get(app.url(&format!("/a/{fresh}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let from = time::OffsetDateTime::parse(
            credential["validFrom"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let until = time::OffsetDateTime::parse(
            credential["validUntil"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(until.year(), from.year() + 1);
        assert_eq!((until.month(), until.day()), (from.month(), from.day()));
        // Issued 350 days ago: expires within the 30-day notice period;
        // 400 days ago: expired.
        let expiring = award_on(
            &app,
            &issuer,
            &token,
            &org,
            &badge,
            "ada@example.org",
            &day(now - 350 * 86_400),
        )
        .await;
        award_on(
            &app,
            &issuer,
            &token,
            &org,
            &badge,
            "old@example.org",
            &day(now - 400 * 86_400),
        )
        .await;
        let page = issuer
            .get(app.url(&format!("/orgs/{org}/badges/{badge}/members")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Current: 1 · expiring soon: 1 · expired: 1"),
            "{page}"
        );

        // The notice is queued once, however often the pass runs.
        send_all(&app).await;
        assert_eq!(
            memberships::run_notice_pass(&app.state, now).await.unwrap(),
            1
        );
        assert_eq!(
            memberships::run_notice_pass(&app.state, now).await.unwrap(),
            0
        );
        send_all(&app).await;
        let store: &Store = &app.state.store;
        let raw: Vec<(String,)> = on_db!(store, |pool| sqlx::query_as(
            "SELECT c.raw FROM outbox_copies c JOIN mail_outbox m ON m.id = c.message_id \
             WHERE m.kind = 'membership-expiring'"
        )
        .fetch_all(pool)
        .await
        .unwrap());
        assert_eq!(raw.len(), 1);
        assert!(raw[0].0.contains("ada@example.org"));
        assert!(
            raw[0]
                .0
                .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        );
        let notice = bodies_to(&app, "ada@example.org").await;
        assert!(
            notice
                .iter()
                .any(|(k, b)| k == "membership-expiring" && b.contains("Network Member"))
        );

        // One click renews: a new credential running on from the old end;
        // the old one is kept, marked replaced.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/awards/{expiring}/renew")))
            .form(&[
                ("csrf", token.as_str()),
                ("send_email", "1"),
                ("email_language", "en"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let renewed = location(&r).rsplit('/').next().unwrap().to_owned();
        let old = insignia_store::repo::awards::by_id(&app.state.store, &expiring)
            .await
            .unwrap()
            .unwrap();
        let new = insignia_store::repo::awards::by_id(&app.state.store, &renewed)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.replaced_by.as_deref(), Some(renewed.as_str()));
        assert_eq!(
            new.expires_at,
            Some(insignia_server::design::add_months(
                old.expires_at.unwrap(),
                12
            ))
        );
        // A CSV of renewing addresses: the expired member renews, an
        // unknown address is reported.
        let form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .text("send_email", "1")
            .text("email_language", "en")
            .part(
                "file",
                reqwest::multipart::Part::bytes(
                    b"email,name\nOLD@example.org,Old\nstranger@example.org,X\n".to_vec(),
                )
                .file_name("renewals.csv")
                .mime_str("text/csv")
                .unwrap(),
            );
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/members/renew")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("Renewed: 1."), "{page}");
        assert!(page.contains("stranger@example.org"), "{page}");
        assert!(
            page.contains("Current: 3 · expiring soon: 0 · expired: 0"),
            "{page}"
        );
        // Without the CSRF token: refused.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/members/renew")))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", "x")
                    .text("emails", "new@example.org"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        app
    })
    .await;
}
