//! Organisations cannot see each other; forms need the session's CSRF token;
//! logins are rate limited; roles are enforced.

use crate::support::{self, csrf, on_both};

#[tokio::test]
async fn organisations_are_invisible_to_each_other() {
    on_both(|app| async move {
        let (alice, alice_token) = support::sign_up(&app, "alice@a.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &alice, &alice_token, "alpha").await;
        let award = support::award(&app, &alice, &alice_token, &org, &badge, "r@example.org").await;
        let admin = alice
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        // The issuer's edit link (the page also links to the new-issuer form).
        let issuer_id = {
            let marker = format!("/orgs/{org}/issuers/");
            admin
                .match_indices(&marker)
                .map(|(at, _)| {
                    let start = at + marker.len();
                    &admin[start..start + admin[start..].find('"').unwrap()]
                })
                .find(|id| *id != "new")
                .expect("a link to the issuer")
                .to_owned()
        };
        assert_ne!(issuer_id, "new");

        let (mallory, mallory_token) = support::sign_up(&app, "mallory@m.example.org").await;
        let r = mallory
            .post(app.url("/orgs"))
            .form(&[("csrf", mallory_token.as_str()), ("name", "Mallory Inc")])
            .send()
            .await
            .unwrap();
        let own_org = support::location(&r)
            .trim_start_matches("/orgs/")
            .to_owned();
        let gets = [
            format!("/orgs/{org}"),
            format!("/orgs/{org}/issuers/new"),
            format!("/orgs/{org}/issuers/{issuer_id}"),
            format!("/orgs/{org}/badges/new"),
            format!("/orgs/{org}/badges/{badge}"),
            format!("/orgs/{org}/badges/{badge}/edit"),
            format!("/orgs/{org}/awards/{award}"),
            // Someone else's records through one's own organisation.
            format!("/orgs/{own_org}/issuers/{issuer_id}"),
            format!("/orgs/{own_org}/badges/{badge}"),
            format!("/orgs/{own_org}/badges/{badge}/edit"),
            format!("/orgs/{own_org}/awards/{award}"),
        ];
        for path in &gets {
            let r = mallory.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "GET {path}");
        }
        let t = mallory_token.as_str();
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                format!("/orgs/{org}/members"),
                vec![
                    ("csrf", t),
                    ("email", "mallory@m.example.org"),
                    ("role", "owner"),
                ],
            ),
            (
                format!("/orgs/{org}/issuers/{issuer_id}"),
                vec![
                    ("csrf", t),
                    ("name", "x"),
                    ("url", "https://x.org"),
                    ("email", "a@x.org"),
                ],
            ),
            (
                format!("/orgs/{org}/issuers/{issuer_id}/rotate-key"),
                vec![("csrf", t)],
            ),
            (
                format!("/orgs/{org}/badges/{badge}/state"),
                vec![("csrf", t), ("state", "archived")],
            ),
            (
                format!("/orgs/{org}/badges/{badge}/awards"),
                vec![
                    ("csrf", t),
                    ("recipient_name", "x"),
                    ("recipient_email", "x@x.org"),
                ],
            ),
            (
                format!("/orgs/{org}/awards/{award}/status"),
                vec![("csrf", t), ("action", "revoke"), ("reason", "x")],
            ),
            (
                format!("/orgs/{org}/awards/{award}/renew"),
                vec![("csrf", t)],
            ),
            (
                format!("/orgs/{own_org}/badges/{badge}/awards"),
                vec![
                    ("csrf", t),
                    ("recipient_name", "x"),
                    ("recipient_email", "x@x.org"),
                ],
            ),
            (
                format!("/orgs/{own_org}/awards/{award}/status"),
                vec![("csrf", t), ("action", "revoke"), ("reason", "x")],
            ),
            (
                format!("/orgs/{own_org}/awards/{award}/renew"),
                vec![("csrf", t)],
            ),
            (
                format!("/orgs/{own_org}/issuers/{issuer_id}/rotate-key"),
                vec![("csrf", t)],
            ),
            (
                format!("/orgs/{own_org}/badges/{badge}/state"),
                vec![("csrf", t), ("state", "archived")],
            ),
        ];
        for (path, form) in &posts {
            let r = mallory.post(app.url(path)).form(form).send().await.unwrap();
            assert_eq!(r.status(), 404, "POST {path}");
        }
        let page = app
            .client()
            .get(app.url(&format!("/a/{award}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(
            page.contains("class=\"verdict valid\""),
            "nothing Mallory did changed the award"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn forms_need_the_session_csrf_token_and_same_origin() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "c@c.example.org").await;
        let r = client
            .post(app.url("/orgs"))
            .form(&[("csrf", "forged"), ("name", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = client
            .post(app.url("/orgs"))
            .form(&[("name", "X")])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
        let r = client
            .post(app.url("/orgs"))
            .header("origin", "https://evil.example")
            .form(&[("csrf", token.as_str()), ("name", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            403,
            "cross-origin post refused even with a token"
        );
        let r = client
            .post(app.url("/orgs"))
            .header("sec-fetch-site", "cross-site")
            .form(&[("csrf", token.as_str()), ("name", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = client
            .post(app.url("/orgs"))
            .form(&[("csrf", token.as_str()), ("name", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "the real token works");
        // Signed-out visitors are sent to the login page.
        let r = app
            .client()
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(support::location(&r).starts_with("/login?next="));
        app
    })
    .await;
}

#[tokio::test]
async fn viewers_cannot_issue_and_issuers_cannot_design() {
    on_both(|app| async move {
        let (owner, owner_token) = support::sign_up(&app, "o@roles.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &owner, &owner_token, "roles").await;
        let (viewer, viewer_token) = support::sign_up(&app, "v@roles.example.org").await;
        let (issuer, issuer_token) = support::sign_up(&app, "i@roles.example.org").await;
        for (email, role) in [
            ("v@roles.example.org", "viewer"),
            ("i@roles.example.org", "issuer"),
        ] {
            let r = owner
                .post(app.url(&format!("/orgs/{org}/members")))
                .form(&[
                    ("csrf", owner_token.as_str()),
                    ("email", email),
                    ("role", role),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
        }
        let r = viewer
            .get(app.url(&format!("/orgs/{org}/badges/{badge}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "viewers can look");
        let award_form = |token: &str| {
            vec![
                ("csrf", token.to_owned()),
                ("recipient_name", "X".to_owned()),
                ("recipient_email", "x@example.org".to_owned()),
            ]
        };
        let r = viewer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
            .form(&award_form(&viewer_token))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
            .form(&award_form(&issuer_token))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "issuers award");
        let r = issuer
            .get(app.url(&format!("/orgs/{org}/badges/new")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "but do not design badges");
        let r = issuer
            .post(app.url(&format!("/orgs/{org}/members")))
            .form(&[
                ("csrf", issuer_token.as_str()),
                ("email", "v@roles.example.org"),
                ("role", "owner"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let page = viewer
            .get(app.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert_eq!(csrf(&page), viewer_token);
        app
    })
    .await;
}

#[tokio::test]
async fn bad_uploads_get_clear_errors() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "u@u.example.org").await;
        let (org, _badge) = support::org_with_badge(&app, &client, &token, "uploads").await;
        let page = client
            .get(app.url(&format!("/orgs/{org}/badges/new")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        let issuer_id = support::first_option(&page);
        let form = |image: Vec<u8>| {
            reqwest::multipart::Form::new()
                .text("csrf", token.clone())
                .text("issuer_id", issuer_id.clone())
                .text("name", "N")
                .text("description", "D")
                .text("criteria", "C")
                .text("image_mode", "upload")
                .part(
                    "image",
                    reqwest::multipart::Part::bytes(image).file_name("x.png"),
                )
        };
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/new")))
            .multipart(form(b"GIF89a not a png".to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("The image was refused"));
        let mut broken = support::png().to_vec();
        let n = broken.len();
        broken.truncate(n / 2); // cut off mid-image
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/new")))
            .multipart(form(broken))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let huge = vec![0u8; 5 * 1024 * 1024];
        let r = client
            .post(app.url(&format!("/orgs/{org}/badges/new")))
            .multipart(form(huge))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let overview = client
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert_eq!(
            overview.matches("/badges/").count() - overview.matches("/badges/new").count(),
            1,
            "nothing half-created"
        );
        app
    })
    .await;
}
