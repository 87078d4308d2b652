//! What a badge, version or signing key that is gone looks like: a clear
//! page ("not found" or "conflict"), never an internal error, and nothing
//! written.

use insignia_store::repo::awards;

use crate::support::{self, App, on_both};

async fn run(app: &App, sql: &str, id: &str) {
    insignia_store::on_db!(&app.state.store, |pool| sqlx::query(sql)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
}

async fn post_award(
    app: &App,
    client: &reqwest::Client,
    token: &str,
    (org, badge): (&str, &str),
    language: &str,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/orgs/{org}/badges/{badge}/awards")))
        .header("accept-language", language)
        .form(&[
            ("csrf", token),
            ("recipient_name", "Amira Haddad"),
            ("recipient_email", "amira@example.org"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_badge_whose_version_is_gone_is_not_found_with_a_page_saying_so() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "gone@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "gone").await;
        run(
            &app,
            "DELETE FROM badge_versions WHERE badge_id = $1",
            &badge,
        )
        .await;

        let r = post_award(&app, &client, &token, (&org, &badge), "en").await;
        assert_eq!(r.status(), 404);
        let page = r.text().await.unwrap();
        assert!(page.contains("This badge no longer exists"), "{page}");
        assert!(page.contains("Nothing was awarded or changed"), "{page}");
        assert!(
            awards::list(&app.state.store, &org, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let r = client
            .get(app.url(&format!("/orgs/{org}/badges/{badge}/edit")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("This badge no longer exists")
        );
        app
    })
    .await;
}

#[tokio::test]
async fn an_issuer_without_a_signing_key_is_a_conflict_not_an_internal_error() {
    on_both(|app| async move {
        let (client, token) = support::sign_up(&app, "nokey@academy.example.org").await;
        let (org, badge) = support::org_with_badge(&app, &client, &token, "nokey").await;
        let issuer = insignia_store::repo::badges::by_id(&app.state.store, &badge)
            .await
            .unwrap()
            .unwrap()
            .issuer_id;
        run(
            &app,
            "UPDATE issuer_keys SET retired_at = 1 WHERE issuer_id = $1",
            &issuer,
        )
        .await;

        let r = post_award(&app, &client, &token, (&org, &badge), "en").await;
        assert_eq!(r.status(), 409);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("This issuer cannot sign at the moment"),
            "{page}"
        );
        assert!(page.contains("no active signing key"), "{page}");
        assert!(
            awards::list(&app.state.store, &org, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // In French too (the page comes from the catalogue).
        let r = post_award(&app, &client, &token, (&org, &badge), "fr").await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("ne peut pas signer"));
        app
    })
    .await;
}
