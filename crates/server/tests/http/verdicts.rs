//! Verification results a person understands: each check in the reader's
//! language (the English detail behind a disclosure, message ids in the
//! JSON report), and "is this badge yours?".

use crate::support;

#[tokio::test]
async fn checks_are_explained_in_the_readers_language_and_the_recipient_can_check_it_is_theirs() {
    support::on_both(|app| async move {
        let (owner, token) = support::sign_up(&app, "owner@verdicts.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &owner, &token, "verdicts-academy").await;
        let award = support::award(&app, &owner, &token, &org, &badge, "amira@example.org").await;
        let anonymous = app.client();
        let page = |lang: &'static str| {
            let client = anonymous.clone();
            let url = app.url(&format!("/a/{award}"));
            async move {
                client
                    .get(url)
                    .header("accept-language", lang)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        for (lang, plain) in [
            (
                "en",
                "The signature is intact: nobody has changed this badge since it was issued.",
            ),
            (
                "fr",
                "La signature est intacte\u{a0}: personne n’a modifié ce badge depuis sa délivrance.",
            ),
            (
                "es",
                "La firma está intacta: nadie ha cambiado esta insignia desde que se emitió.",
            ),
        ] {
            let html = page(lang).await;
            assert!(html.contains(plain), "{lang}: {html}");
            // The technical English stays, behind a disclosure.
            let details = html
                .find("<details class=\"technical")
                .expect("a disclosure");
            let english = html
                .find("signature is intact and matches the key")
                .unwrap();
            assert!(english > details, "{lang}");
            assert!(
                html.contains(&format!("href=\"/a/{award}/mine\"")),
                "{lang}"
            );
        }

        // The JSON report carries the message ids and their arguments.
        let credential = anonymous
            .get(app.url(&format!("/a/{award}/credential.json")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(credential.to_vec()).file_name("credential.json"),
        );
        let verified = anonymous
            .post(app.url("/verify"))
            .header("accept-language", "fr")
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            verified.contains("&quot;message_id&quot;: &quot;proof-intact&quot;"),
            "{verified}"
        );
        assert!(
            verified.contains("&quot;cryptosuite&quot;: &quot;eddsa-rdfc-2022&quot;"),
            "{verified}"
        );
        assert!(verified.contains("La signature est intacte"), "{verified}");
        // A recipient named only by a hash, in the reader's language.
        assert!(
            verified.contains("une adresse e-mail, tenue secrète (sha256$"),
            "{verified}"
        );

        // "Is this badge yours?": match, no match, not an address, no token.
        let mine = format!("/a/{award}/mine");
        let form_page = anonymous
            .get(app.url(&mine))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(form_page.contains("Amira Haddad"), "{form_page}");
        let csrf = support::csrf(&form_page);
        let ask = |email: &'static str, csrf: String| {
            let client = anonymous.clone();
            let url = app.url(&mine);
            async move {
                let r = client
                    .post(url)
                    .form(&[("csrf", csrf.as_str()), ("email", email)])
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, yes) = ask(" Amira@Example.org ", csrf.clone()).await;
        assert_eq!(status, 200);
        assert!(yes.contains("Yes: this badge was awarded to"), "{yes}");
        let (status, no) = ask("someone@example.org", csrf.clone()).await;
        assert_eq!(status, 200);
        assert!(no.contains("No: this badge was not awarded to"), "{no}");
        let (status, bad) = ask("not an address", csrf.clone()).await;
        assert_eq!(status, 422);
        assert!(bad.contains("value=\"not an address\""), "{bad}");
        let (status, _) = ask("amira@example.org", "forged-token-000000000000".into()).await;
        assert_eq!(status, 403);
        // Rate limited per client network.
        let mut last = 0;
        for _ in 0..10 {
            last = ask("guess@example.org", csrf.clone()).await.0;
        }
        assert_eq!(last, 429);
        let r = anonymous
            .get(app.url("/a/no-such-award/mine"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        app
    })
    .await;
}
