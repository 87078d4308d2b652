//! Events with claim codes, on SQLite and PostgreSQL: an issuer creates an
//! event and gets its QR code (PNG, SVG) and poster; an attendee types the
//! code, claims with an address, confirms it from the e-mail in the local
//! outbox and receives the award's e-mail; the limits (window, maximum
//! count, also under concurrent confirmations, allow-list, closing), the
//! approval queue (accept and decline, each told by e-mail), rate limits on
//! wrong codes and on claims, and another organisation seeing nothing.

use insignia_server::mail::{self as mailer, MailOptions};
use insignia_store::repo::events as repo;
use insignia_store::{Store, on_db};

use crate::support::{self, App, location};

/// Delivers every due message to the local outbox.
async fn send_all(app: &App) {
    while mailer::run_next(&app.state, &MailOptions::default())
        .await
        .unwrap()
        > 0
    {}
}

/// The text bodies of the messages delivered to `to`, oldest first.
async fn bodies_to(app: &App, to: &str) -> Vec<(String, String)> {
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

/// The first link to `prefix` in the latest message of `kind` to `to`, as a path.
async fn link_to(app: &App, to: &str, kind: &str, prefix: &str) -> String {
    let bodies = bodies_to(app, to).await;
    let (_, body) = bodies
        .iter()
        .rev()
        .find(|(k, _)| k == kind)
        .unwrap_or_else(|| panic!("a {kind} message to {to}"));
    let marker = format!("{}{prefix}", app.base);
    let start = body.find(&marker).expect("the link") + app.base.len();
    let end = body[start..]
        .find(char::is_whitespace)
        .map_or(body.len(), |e| start + e);
    body[start..end].to_owned()
}

/// The value of the hidden `form_token` field of a page.
fn form_token(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("a form token") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// Creates an event for `badge` with the extra form fields; returns (id, code).
async fn create_event(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    org: &str,
    badge: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let mut form = vec![
        ("csrf", token),
        ("name", "Open Data Day Tunis"),
        ("badge_id", badge),
        ("starts_on", "2026-03-07"),
        ("ends_on", "2026-03-08"),
        ("place", "Cité des Sciences, Tunis"),
        ("description", "Two days of workshops on open data."),
    ];
    form.extend_from_slice(extra);
    let r = client
        .post(app.url(&format!("/orgs/{org}/events/new")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let id = location(&r).rsplit('/').next().unwrap().to_owned();
    let event = repo::get(&app.state.store, org, &id)
        .await
        .unwrap()
        .unwrap();
    (id, event.code)
}

/// Claims the event as an anonymous attendee; returns (status, page).
async fn claim(app: &App, code: &str, name: &str, email: &str) -> (u16, String) {
    claim_with(app, &app.client(), code, name, email).await
}

async fn claim_with(
    app: &App,
    client: &reqwest::Client,
    code: &str,
    name: &str,
    email: &str,
) -> (u16, String) {
    let page = client
        .get(app.url(&format!("/e/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    // An event that takes no claims says why on its page, with no form.
    if !html.contains("name=\"form_token\"") {
        assert!(html.contains("notice revoked"), "{html}");
        return (409, html);
    }
    let r = client
        .post(app.url(&format!("/e/{code}")))
        .form(&[
            ("form_token", form_token(&html).as_str()),
            ("name", name),
            ("email", email),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// Opens a confirmation link and presses its button; returns (status, page).
async fn confirm(app: &App, client: &reqwest::Client, path: &str) -> (u16, String) {
    let page = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{path}");
    let html = page.text().await.unwrap();
    // A request settled already: the page says where it stands.
    if !html.contains("name=\"form_token\"") {
        return (200, html);
    }
    let r = client
        .post(app.url(path))
        .form(&[("form_token", form_token(&html).as_str())])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn event_of(app: &App, org: &str, id: &str) -> repo::Event {
    repo::get(&app.state.store, org, id).await.unwrap().unwrap()
}

#[tokio::test]
async fn an_attendee_claims_with_the_code_and_confirms_by_email() {
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "events@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &issuer, &token, "ev-academy").await;
        let (id, code) = create_event(&app, &issuer, &token, &org, &badge, &[]).await;
        assert_eq!(code.len(), 12);

        // The admin page, the QR code in both formats, the poster.
        let admin = issuer
            .get(app.url(&format!("/orgs/{org}/events/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(admin.status(), 200);
        let admin = admin.text().await.unwrap();
        assert!(admin.contains(&code) && admin.contains("/qr.svg"));
        let list = issuer
            .get(app.url(&format!("/orgs/{org}/events")))
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), 200);
        let list = list.text().await.unwrap();
        assert!(list.contains("Open Data Day Tunis") && list.contains("Data Analysis with Python"));
        let png = issuer
            .get(app.url(&format!("/orgs/{org}/events/{id}/qr.png")))
            .send()
            .await
            .unwrap();
        assert_eq!(png.headers()["content-type"], "image/png");
        let png = png.bytes().await.unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(png.to_vec()))
            .read_info()
            .expect("a valid PNG");
        assert!(reader.info().width >= 21 * 16 && reader.info().width == reader.info().height);
        let svg = issuer
            .get(app.url(&format!("/orgs/{org}/events/{id}/qr.svg")))
            .send()
            .await
            .unwrap();
        assert_eq!(svg.headers()["content-type"], "image/svg+xml");
        let svg = svg.text().await.unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>") && svg.contains("<path"));
        assert!(svg.trim_start().starts_with("<?xml") || svg.trim_start().starts_with("<svg"));
        let poster = issuer
            .get(app.url(&format!("/orgs/{org}/events/{id}/poster")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let grouped = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
        assert!(poster.contains(&grouped) && poster.contains("Open Data Day Tunis"));

        // The code page takes the code typed loosely.
        let attendee = app.client();
        let typed = grouped.to_lowercase().replace('-', " ");
        let r = attendee
            .get(app.url("/e"))
            .query(&[("code", typed.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/e/{code}"));
        let wrong = attendee
            .get(app.url("/e/ABCDEFGHJKMN"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 404);

        // Claim, confirm from the e-mail, receive the award's e-mail.
        let (status, page) =
            claim_with(&app, &attendee, &code, "Amira Haddad", "Amira@Example.org").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("amira@example.org"), "check your inbox");
        send_all(&app).await;
        let link = link_to(&app, "amira@example.org", "event-confirm", "/e/confirm/").await;
        let (status, page) = confirm(&app, &attendee, &link).await;
        assert_eq!(status, 200, "{page}");
        let event = event_of(&app, &org, &id).await;
        assert_eq!(event.claims_taken, 1);
        let requests = repo::requests(&app.state.store, &id, None, 10)
            .await
            .unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].state.as_str(), "awarded");
        let award_id = requests[0].award_id.clone().unwrap();
        assert!(page.contains(&format!("/a/{award_id}")));
        send_all(&app).await;
        let claim_link = link_to(&app, "amira@example.org", "award", "/claim/").await;
        let r = attendee.get(app.url(&claim_link)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let public = app
            .client()
            .get(app.url(&format!("/a/{award_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 200);

        // The same link again, or a second claim: nothing awarded twice.
        let (status, again) = confirm(&app, &attendee, &link).await;
        assert_eq!(status, 200);
        assert!(again.contains(&format!("/a/{award_id}")));
        // Asking again at once: the address waits, and is told so.
        let (status, page) = claim(&app, &code, "Amira Haddad", "amira@example.org").await;
        assert_eq!(status, 429, "{page}");
        assert_eq!(event_of(&app, &org, &id).await.claims_taken, 1);
        let awards = insignia_store::repo::awards::list(&app.state.store, &org, 50)
            .await
            .unwrap();
        assert_eq!(awards.len(), 1);

        // A garbled link.
        let r = attendee
            .get(app.url("/e/confirm/notatoken"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);

        // Signed in with a verified address: straight into the backpack.
        let (earner, _) = support::sign_up(&app, "samir@example.org").await;
        let (status, page) =
            claim_with(&app, &earner, &code, "Samir Ben", "samir@example.org").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("/backpack"));
        let backpack = earner
            .get(app.url("/backpack"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(backpack.contains("Data Analysis with Python"), "{backpack}");
        assert_eq!(event_of(&app, &org, &id).await.claims_taken, 2);

        // Another organisation sees nothing of the event.
        let (other, other_token) = support::sign_up(&app, "other@elsewhere.example.org").await;
        let (other_org, _) = support::org_with_badge(&app, &other, &other_token, "ev-other").await;
        for path in [
            format!("/orgs/{org}/events/{id}"),
            format!("/orgs/{other_org}/events/{id}"),
            format!("/orgs/{other_org}/events/{id}/qr.png"),
            format!("/orgs/{other_org}/events/{id}/poster"),
        ] {
            let r = other.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        let list = other
            .get(app.url(&format!("/orgs/{other_org}/events")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!list.contains("Open Data Day Tunis"));
        app
    })
    .await;
}

#[tokio::test]
async fn the_events_limits_hold() {
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "limits@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &issuer, &token, "ev-limits").await;
        let (id, code) = create_event(
            &app,
            &issuer,
            &token,
            &org,
            &badge,
            &[
                ("max_claims", "3"),
                ("allow_list", "uni.edu\nguest@example.org"),
            ],
        )
        .await;

        // The allow-list.
        let (status, page) = claim(&app, &code, "Eve", "eve@example.org").await;
        assert_eq!(status, 409);
        assert!(page.contains("certain e-mail addresses"), "{page}");

        // Eight confirmed at once for three places: exactly three awarded.
        let people: Vec<String> = (0..7)
            .map(|i| format!("student{i}@cs.uni.edu"))
            .chain(["guest@example.org".to_owned()])
            .collect();
        for p in &people {
            let (status, page) = claim(&app, &code, "Student", p).await;
            assert_eq!(status, 200, "{p}: {page}");
        }
        send_all(&app).await;
        let mut links = Vec::new();
        for p in &people {
            links.push(link_to(&app, p, "event-confirm", "/e/confirm/").await);
        }
        let results = futures_util::future::join_all(
            links
                .iter()
                .map(|l| async { confirm(&app, &app.client(), l).await }),
        )
        .await;
        let awarded = results.iter().filter(|(s, _)| *s == 200).count();
        let full = results
            .iter()
            .filter(|(s, p)| *s == 409 && p.contains("All of this event"))
            .count();
        assert_eq!((awarded, full), (3, 5), "{results:?}");
        assert_eq!(event_of(&app, &org, &id).await.claims_taken, 3);
        let awards = insignia_store::repo::awards::list(&app.state.store, &org, 50)
            .await
            .unwrap();
        assert_eq!(awards.len(), 3);
        let (status, _) = claim(&app, &code, "Late", "late@uni.edu").await;
        assert_eq!(status, 409);

        // The window: claims open tomorrow.
        let tomorrow = time::OffsetDateTime::now_utc().date().next_day().unwrap();
        let day = format!(
            "{:04}-{:02}-{:02}",
            tomorrow.year(),
            u8::from(tomorrow.month()),
            tomorrow.day()
        );
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/edit")))
            .form(&[
                ("csrf", token.as_str()),
                ("name", "Open Data Day Tunis"),
                ("badge_id", badge.as_str()),
                ("starts_on", "2026-03-07"),
                ("claims_open_on", day.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (status, page) = claim(&app, &code, "Early", "early@anywhere.org").await;
        assert_eq!(status, 409);
        assert!(page.contains("not opened yet"), "{page}");

        // A window in the past.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/edit")))
            .form(&[
                ("csrf", token.as_str()),
                ("name", "Open Data Day Tunis"),
                ("badge_id", badge.as_str()),
                ("starts_on", "2026-03-07"),
                ("claims_open_on", "2020-01-01"),
                ("claims_close_on", "2020-01-31"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (status, page) = claim(&app, &code, "Late", "late@anywhere.org").await;
        assert_eq!(status, 409);
        assert!(page.contains("is over"), "{page}");

        // Closed by the issuer.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/edit")))
            .form(&[
                ("csrf", token.as_str()),
                ("name", "Open Data Day Tunis"),
                ("badge_id", badge.as_str()),
                ("starts_on", "2026-03-07"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/state")))
            .form(&[("csrf", token.as_str()), ("action", "close")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (status, page) = claim(&app, &code, "Any", "any@anywhere.org").await;
        assert_eq!(status, 409);
        assert!(page.contains("no longer takes claims"), "{page}");

        // A bad form says what is wrong.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/new")))
            .form(&[
                ("csrf", token.as_str()),
                ("name", ""),
                ("badge_id", "nope"),
                ("starts_on", "07/03/2026"),
                ("max_claims", "-1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let page = r.text().await.unwrap();
        assert!(page.contains("Give the event a name") && page.contains("whole number"));
        app
    })
    .await;
}

#[tokio::test]
async fn the_issuer_accepts_and_declines_in_bulk() {
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "approve@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &issuer, &token, "ev-approve").await;
        let (id, code) = create_event(
            &app,
            &issuer,
            &token,
            &org,
            &badge,
            &[("needs_approval", "1")],
        )
        .await;
        let people = ["ana@example.org", "ben@example.org", "cleo@example.org"];
        for p in people {
            let (status, _) = claim(&app, &code, "Attendee", p).await;
            assert_eq!(status, 200);
        }
        send_all(&app).await;
        for p in people {
            let link = link_to(&app, p, "event-confirm", "/e/confirm/").await;
            let (status, page) = confirm(&app, &app.client(), &link).await;
            assert_eq!(status, 200);
            assert!(page.contains("approval"), "{page}");
        }
        assert_eq!(event_of(&app, &org, &id).await.claims_taken, 0);
        let pending = repo::requests(
            &app.state.store,
            &id,
            Some(insignia_store::model::RequestState::Pending),
            10,
        )
        .await
        .unwrap();
        assert_eq!(pending.len(), 3);
        let admin = issuer
            .get(app.url(&format!("/orgs/{org}/events/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(admin.contains(&pending[0].id) && admin.contains("ana@example.org"));
        let id_of = |email: &str| {
            pending
                .iter()
                .find(|r| r.email == email)
                .unwrap()
                .id
                .clone()
        };

        let accept = [
            ("csrf", token.clone()),
            ("action", "accept".into()),
            ("request", id_of("ana@example.org")),
            ("request", id_of("ben@example.org")),
        ];
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/decide")))
            .form(&accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).contains("accepted=2"));
        let decline = [
            ("csrf", token.clone()),
            ("action", "decline".into()),
            ("request", id_of("cleo@example.org")),
            // Decided already: left as it is.
            ("request", id_of("ana@example.org")),
        ];
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/decide")))
            .form(&decline)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).contains("declined=1"));
        send_all(&app).await;
        for p in ["ana@example.org", "ben@example.org"] {
            link_to(&app, p, "award", "/claim/").await;
        }
        let cleo = bodies_to(&app, "cleo@example.org").await;
        assert!(
            cleo.iter()
                .any(|(k, b)| k == "event-declined" && b.contains("declined"))
        );
        assert!(!cleo.iter().any(|(k, _)| k == "award"));
        assert_eq!(event_of(&app, &org, &id).await.claims_taken, 2);

        // A viewer or a stranger cannot decide; no CSRF token, no decision.
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/events/{id}/decide")))
            .form(&[("csrf", "wrong"), ("action", "accept")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        app
    })
    .await;
}

#[tokio::test]
async fn claim_attempts_are_rate_limited() {
    support::on_both(|app| async move {
        let (issuer, token) = support::sign_up(&app, "limit@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &issuer, &token, "ev-rate").await;
        let (_, code) = create_event(&app, &issuer, &token, &org, &badge, &[]).await;
        let _ = org;

        // One address: a second confirmation e-mail within a minute waits.
        let (status, _) = claim(&app, &code, "Dana", "dana@example.org").await;
        assert_eq!(status, 200);
        let (status, page) = claim(&app, &code, "Dana", "dana@example.org").await;
        assert_eq!(status, 429);
        assert!(page.contains("Wait a minute"), "{page}");

        // Guessing codes: after ten wrong ones, even the right code waits.
        let guesser = app.client();
        for i in 0..10 {
            let r = guesser
                .get(app.url(&format!("/e/ABCDEFGHJK{}{}", (b'A' + i) as char, 'Z')))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
        }
        let r = guesser
            .get(app.url(&format!("/e/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        let r = guesser
            .get(app.url("/e"))
            .query(&[("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        app
    })
    .await;
}
