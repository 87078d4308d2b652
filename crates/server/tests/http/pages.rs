//! Pages that keep people informed and safe: the revocation confirmation,
//! its undo, the public page of a revoked badge, dates in the reader's
//! language.

use crate::support::{self, App};

async fn get(client: &reqwest::Client, app: &App, path: &str, lang: &str) -> (u16, String) {
    let r = client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap().replace("&#x2f;", "/"))
}

async fn encoded_list(app: &App, client: &reqwest::Client) -> String {
    let list: serde_json::Value = client
        .get(app.url("/issuers/pages-academy/status/revocation"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["credentialSubject"]["encodedList"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_revocation_is_confirmed_explained_and_can_be_undone() {
    support::on_both(|app| async move {
        let (owner, token) = support::sign_up(&app, "owner@pages.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &owner, &token, "pages-academy").await;
        let award = support::award(&app, &owner, &token, &org, &badge, "amira@example.org").await;
        let anonymous = app.client();
        let before = encoded_list(&app, &anonymous).await;

        // Downloads are named after the badge and the recipient, as attachments.
        for (path, name) in [
            ("badge.png", "data-analysis-with-python-amira-haddad.png"),
            (
                "credential.json",
                "data-analysis-with-python-amira-haddad.json",
            ),
        ] {
            let r = anonymous
                .get(app.url(&format!("/a/{award}/{path}")))
                .send()
                .await
                .unwrap();
            let disposition = r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(disposition, format!("attachment; filename=\"{name}\""));
        }
        // The CSV export starts with a byte-order mark (accents in spreadsheets).
        let csv = owner
            .get(app.url(&format!("/orgs/{org}/awards.csv")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBFaward_id,"));
        let base = format!("/orgs/{org}/awards/{award}");

        // The award page links to a confirmation page, which says what happens.
        let (_, admin) = get(&owner, &app, &base, "en").await;
        assert!(
            admin.contains(&format!("href=\"{base}/revoke\"")),
            "{admin}"
        );
        let (status, confirm) = get(&owner, &app, &format!("{base}/revoke"), "en").await;
        assert_eq!(status, 200);
        assert!(confirm.contains("What happens"));
        assert!(confirm.contains("status list"));
        assert!(confirm.contains("name=\"reason\" required"));

        // A missing reason: the page again, the typed text kept, the message by the field.
        let r = owner
            .post(app.url(&format!("{base}/status")))
            .form(&[
                ("csrf", token.as_str()),
                ("action", "revoke"),
                ("reason", "   "),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let again = r.text().await.unwrap();
        assert!(again.contains("id=\"reason-error\""));
        assert!(again.contains("aria-invalid=\"true\""));
        assert_eq!(
            encoded_list(&app, &anonymous).await,
            before,
            "nothing revoked"
        );

        let r = owner
            .post(app.url(&format!("{base}/status")))
            .form(&[
                ("csrf", token.as_str()),
                ("action", "revoke"),
                ("reason", "Awarded to the wrong person"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_ne!(
            encoded_list(&app, &anonymous).await,
            before,
            "the list says revoked"
        );

        // The public page leads with the revocation, never "has earned".
        let (_, public) = get(&anonymous, &app, &format!("/a/{award}"), "en").await;
        assert!(public.contains("Revoked by the issuer on "), "{public}");
        assert!(public.contains(": Awarded to the wrong person"));
        assert!(public.contains("badge-hero withdrawn"));
        assert!(!public.contains("has earned"));
        let (_, french) = get(&anonymous, &app, &format!("/a/{award}"), "fr").await;
        assert!(french.contains("Révoqué par l’émetteur le "), "{french}");
        assert!(french.contains("\u{a0}: Awarded to the wrong person"));
        let (_, spanish) = get(&anonymous, &app, &format!("/a/{award}"), "es").await;
        assert!(spanish.contains("Revocada por el emisor el "), "{spanish}");
        assert!(spanish.contains(" de 20"), "a Spanish date: {spanish}");

        // The owner may undo it; the history records both changes.
        let (_, admin) = get(&owner, &app, &base, "en").await;
        assert!(admin.contains("Undo the revocation"), "{admin}");
        let r = owner
            .post(app.url(&format!("{base}/undo-revoke")))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            encoded_list(&app, &anonymous).await,
            before,
            "valid again in the list"
        );
        let (_, public) = get(&anonymous, &app, &format!("/a/{award}"), "en").await;
        assert!(public.contains("has earned"));
        assert!(!public.contains("Revoked by the issuer"));
        let (_, admin) = get(&owner, &app, &base, "en").await;
        assert!(admin.contains("Revocation undone"));
        assert!(
            admin.contains("Awarded to the wrong person"),
            "the reason stays in the history"
        );
        let history = insignia_store::repo::awards::history(&app.state.store, &award)
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["revoke", "undo-revoke"]);

        // Nothing to undo any more.
        let r = owner
            .post(app.url(&format!("{base}/undo-revoke")))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);

        // An issuer (not an admin) may revoke but not undo.
        let (issuer, issuer_token) = support::sign_up(&app, "issuer@pages.example.org").await;
        let r = owner
            .post(app.url(&format!("/orgs/{org}/members")))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "issuer@pages.example.org"),
                ("role", "issuer"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = issuer
            .post(app.url(&format!("{base}/status")))
            .form(&[
                ("csrf", issuer_token.as_str()),
                ("action", "revoke"),
                ("reason", "Fraud"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = issuer
            .post(app.url(&format!("{base}/undo-revoke")))
            .form(&[("csrf", issuer_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let (_, admin) = get(&issuer, &app, &base, "en").await;
        assert!(!admin.contains("Undo the revocation"));
        app
    })
    .await;
}

#[tokio::test]
async fn error_pages_keep_the_signed_in_header_and_the_way_back() {
    support::on_both(|app| async move {
        let (owner, token) = support::sign_up(&app, "lost@pages.example.org").await;
        // The password form asks for the new password twice.
        let (_, form) = get(&owner, &app, "/account/password", "en").await;
        assert!(form.contains("name=\"confirm\""));
        let r = owner
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", token.as_str()),
                ("current", "whatever it was"),
                ("password", "a long new password"),
                ("confirm", "a long new passw0rd"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("The two passwords differ"));
        let from = app.url("/account");
        let r = owner
            .get(app.url("/orgs/no-such-org"))
            .header("referer", &from)
            .header("accept-language", "fr")
            .send()
            .await
            .unwrap();
        assert!(matches!(r.status().as_u16(), 403 | 404));
        let page = r.text().await.unwrap().replace("&#x2f;", "/");
        assert!(
            page.contains("action=\"/logout\""),
            "signed-in header: {page}"
        );
        assert!(page.contains("href=\"/account\""), "back where they were");
        assert!(page.contains("Revenir à la page précédente"));
        // Another site's address is not followed; the dashboard instead.
        let r = owner
            .get(app.url("/orgs/no-such-org"))
            .header("referer", "https://elsewhere.example/page")
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap().replace("&#x2f;", "/");
        assert!(page.contains("href=\"/dashboard\""));
        assert!(!page.contains("elsewhere.example"));
        assert!(page.contains("Go to your dashboard"));

        // A garbled or unknown claim link says what it is and what to do.
        for token in ["notarealtoken1234", "%3Cscript%3E"] {
            let r = app
                .client()
                .get(app.url(&format!("/claim/{token}")))
                .header("accept-language", "es")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
            let page = r.text().await.unwrap();
            assert!(
                page.contains("Este enlace no es válido o ha caducado"),
                "{page}"
            );
            assert!(page.contains("reenvíe"));
        }

        // A body over the server's limit: a page in the visitor's language.
        let r = owner
            .post(app.url("/language"))
            .header("accept-language", "fr")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![b'a'; 13 * 1024 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        let page = r.text().await.unwrap();
        assert!(page.contains("Le fichier est trop volumineux"), "{page}");

        // The language switch goes back to the page it was pressed on.
        let r = owner
            .post(app.url("/language"))
            .header("referer", app.url("/orgs/new?x=1"))
            .form(&[("lang", "es"), ("back", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(support::location(&r), "/orgs/new?x=1");
        app
    })
    .await;
}
