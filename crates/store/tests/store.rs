#![allow(clippy::unwrap_used)]
//! Repository tests, run on SQLite and, when reachable, PostgreSQL.

use insignia_store::model::{Award, AwardState, Role};
use insignia_store::repo::{awards, badges, issuers, orgs, status, users};
use insignia_store::{Store, StoreError};

async fn on_both<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let store = Store::open(&url).await.unwrap();
    test(store.clone()).await;
    store.close().await;
    if let Some((url, name)) = insignia_store::testing::fresh_postgres().await {
        let store = Store::open(&url).await.unwrap();
        test(store.clone()).await;
        store.close().await;
        insignia_store::testing::drop_postgres(&url, &name).await;
    }
}

fn key() -> issuers::NewKey {
    issuers::NewKey {
        algorithm: "Ed25519".into(),
        public_jwk: "{}".into(),
        public_pem: None,
        sealed_secret: vec![1, 2, 3],
    }
}

fn award(org: &str, issuer: &str, badge: &str, idem: &str, index: i64) -> Award {
    Award {
        id: insignia_store::token::random_id(16),
        org_id: org.into(),
        issuer_id: issuer.into(),
        badge_id: badge.into(),
        badge_version: 1,
        recipient_name: "Amira".into(),
        recipient_email: "amira@example.org".into(),
        idempotency_key: idem.into(),
        status_index: index,
        credential: "{}".into(),
        credential_jwt: None,
        ob2_salt: "salt".into(),
        issued_at: 1,
        expires_at: None,
        state: "active".into(),
        state_reason: None,
        state_changed_at: None,
        replaced_by: None,
        created_by: None,
        created_at: insignia_store::now(),
    }
}

#[tokio::test]
async fn accounts_sessions_and_links() {
    on_both(|store| async move {
        assert_eq!(users::count(&store).await.unwrap(), 0);
        let u = users::create(&store, " Admin@Example.org ", "Admin", None, true)
            .await
            .unwrap();
        assert_eq!(u.email, "admin@example.org");
        let dup = users::create(&store, "admin@example.org", "x", None, false).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))));
        let link = users::create_login_link(&store, &u.id, 600).await.unwrap();
        assert_eq!(
            users::consume_login_link(&store, &link).await.unwrap(),
            Some(u.id.clone())
        );
        assert_eq!(
            users::consume_login_link(&store, &link).await.unwrap(),
            None,
            "one use only"
        );
        let (token, csrf) = users::create_session(&store, &u.id, 3600).await.unwrap();
        let s = users::session(&store, &token).await.unwrap().unwrap();
        assert_eq!(s.csrf_token, csrf);
        users::delete_session(&store, &token).await.unwrap();
        assert!(users::session(&store, &token).await.unwrap().is_none());
        assert_eq!(
            users::record_failed_login(&store, "x", 60).await.unwrap(),
            1
        );
        assert_eq!(
            users::record_failed_login(&store, "x", 60).await.unwrap(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn orgs_issuers_badges_awards() {
    on_both(|store| async move {
        let u = users::create(&store, "o@example.org", "Owner", None, false)
            .await
            .unwrap();
        let org = orgs::create(&store, "Academy", &u.id).await.unwrap();
        assert_eq!(
            orgs::role(&store, &org.id, &u.id).await.unwrap(),
            Some(Role::Owner)
        );
        let fields = issuers::IssuerFields {
            name: "Academy".into(),
            url: "https://a.example".into(),
            ..Default::default()
        };
        let issuer = issuers::create(&store, &org.id, "academy", &fields, &key())
            .await
            .unwrap();
        let again = issuers::create(&store, &org.id, "academy", &fields, &key()).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        issuers::rotate_key(&store, &issuer.id, 2, &key())
            .await
            .unwrap();
        assert!(matches!(
            issuers::rotate_key(&store, &issuer.id, 2, &key()).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(issuers::keys(&store, &issuer.id).await.unwrap().len(), 2);
        assert_eq!(
            issuers::signing_key(&store, &issuer.id)
                .await
                .unwrap()
                .unwrap()
                .key_no,
            2
        );

        let content = badges::VersionContent {
            name: "Python".into(),
            design: "{}".into(),
            image_png: None,
            image_svg: None,
        };
        let badge = badges::create(&store, &org.id, &issuer.id, "active", &content, &u.id)
            .await
            .unwrap();
        // Not yet awarded: edits replace version 1.
        assert_eq!(
            badges::save_edit(&store, &badge.id, 1, &content, &u.id)
                .await
                .unwrap(),
            1
        );
        let index = awards::free_status_index(&store, &issuer.id).await.unwrap();
        let a = award(&org.id, &issuer.id, &badge.id, "k1", index);
        let (stored, created) = awards::insert(&store, &a).await.unwrap();
        assert!(created);
        let (same, created) = awards::insert(
            &store,
            &award(&org.id, &issuer.id, &badge.id, "k1", index + 1),
        )
        .await
        .unwrap();
        assert!(!created, "same idempotency key: no second award");
        assert_eq!(same.id, stored.id);
        // Awarded: an edit adds version 2; a stale edit conflicts.
        assert_eq!(
            badges::save_edit(&store, &badge.id, 1, &content, &u.id)
                .await
                .unwrap(),
            2
        );
        assert!(matches!(
            badges::save_edit(&store, &badge.id, 1, &content, &u.id).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            badges::list(&store, &org.id).await.unwrap()[0].award_count,
            1
        );

        assert!(
            awards::set_state(&store, &a.id, AwardState::Suspended, None)
                .await
                .unwrap()
        );
        assert_eq!(
            awards::indexes_in_state(&store, &issuer.id, AwardState::Suspended)
                .await
                .unwrap(),
            vec![index]
        );
        assert!(
            awards::set_state(&store, &a.id, AwardState::Revoked, Some("error"))
                .await
                .unwrap()
        );
        assert!(
            !awards::set_state(&store, &a.id, AwardState::Active, None)
                .await
                .unwrap(),
            "revocation is final"
        );
        assert_eq!(
            awards::revoked(&store, &issuer.id).await.unwrap(),
            vec![(a.id.clone(), Some("error".into()))]
        );

        assert_eq!(
            status::put(&store, &issuer.id, "revocation", "{}")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            status::put(&store, &issuer.id, "revocation", "{\"a\":1}")
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            status::get(&store, &issuer.id, "revocation")
                .await
                .unwrap()
                .unwrap()
                .credential,
            "{\"a\":1}"
        );
    })
    .await;
}
