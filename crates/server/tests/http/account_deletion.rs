//! Deleting the account of an organisation's only owner is refused with a
//! page saying what to do; once another member is an owner, it goes.

use insignia_store::repo::{orgs, users};

use crate::support::{self, csrf, on_both};

#[tokio::test]
async fn the_last_owner_of_an_organisation_is_told_what_to_do() {
    on_both(|app| async move {
        let (staff, token) = support::sign_up(&app, "staff@academy.example.org").await;
        let (org, _) = support::org_with_badge(&app, &staff, &token, "academy").await;

        let page = staff
            .get(app.url("/backpack/delete-account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Your account cannot be deleted yet"),
            "{page}"
        );
        assert!(
            page.contains(&format!("href=\"/orgs/{org}#members\"")),
            "{page}"
        );
        assert!(page.contains("Learning Academy"));
        assert!(page.contains("give another member the role Owner"));
        assert!(
            !page.contains("Delete my account for good"),
            "no form to submit"
        );

        // Posting the form anyway: refused, nothing deleted.
        let r = staff
            .post(app.url("/backpack/delete-account"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "staff@academy.example.org"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Your account cannot be deleted yet")
        );
        let user = users::by_email(&app.state.store, "staff@academy.example.org")
            .await
            .unwrap()
            .expect("still there");
        assert_eq!(
            orgs::memberships(&app.state.store, &user.id)
                .await
                .unwrap()
                .len(),
            1
        );

        // Another owner: now the account can go, and the organisation stays.
        support::sign_up(&app, "deputy@academy.example.org").await;
        let page = staff
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = staff
            .post(app.url(&format!("/orgs/{org}/members")))
            .form(&[
                ("csrf", csrf(&page).as_str()),
                ("email", "deputy@academy.example.org"),
                ("role", "owner"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let page = staff
            .get(app.url("/backpack/delete-account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Delete my account for good"));
        let r = staff
            .post(app.url("/backpack/delete-account"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "staff@academy.example.org"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            users::by_email(&app.state.store, "staff@academy.example.org")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            orgs::members(&app.state.store, &org).await.unwrap().len(),
            1
        );
        app
    })
    .await;
}
