#![allow(clippy::unwrap_used)]
//! Repository tests, run on SQLite and, when reachable, PostgreSQL.

use insignia_store::model::{Award, AwardState, Role};
use insignia_store::repo::{awards, badges, issuers, mail, orgs, status, users};
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
        let index = awards::take_status_indexes(&store, &issuer.id, 1)
            .await
            .unwrap()[0];
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

#[tokio::test]
async fn outbox_queues_with_the_award_and_leases_messages() {
    on_both(|store| async move {
        let u = users::create(&store, "m@example.org", "Owner", None, false)
            .await
            .unwrap();
        let org = orgs::create(&store, "Academy", &u.id).await.unwrap();
        let fields = issuers::IssuerFields {
            name: "Academy".into(),
            url: "https://a.example".into(),
            ..Default::default()
        };
        let issuer = issuers::create(&store, &org.id, "mailer", &fields, &key())
            .await
            .unwrap();
        let content = badges::VersionContent {
            name: "Python".into(),
            design: "{}".into(),
            image_png: None,
            image_svg: None,
        };
        let badge = badges::create(&store, &org.id, &issuer.id, "active", &content, &u.id)
            .await
            .unwrap();
        // Queued with a new award, in its transaction; not for an existing one.
        let a = award(&org.id, &issuer.id, &badge.id, "m1", 1);
        let (_, created) = awards::insert_announced(&store, &a, Some("fr"))
            .await
            .unwrap();
        assert!(created);
        let again = award(&org.id, &issuer.id, &badge.id, "m1", 2);
        let (_, created) = awards::insert_announced(&store, &again, Some("fr"))
            .await
            .unwrap();
        assert!(!created);
        let queued = mail::for_award(&store, &a.id).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(
            (
                queued[0].state.as_str(),
                queued[0].locale.as_str(),
                queued[0].recipient.as_str()
            ),
            ("queued", "fr", "amira@example.org")
        );
        // A failed insert leaves no message behind.
        let clash = award(&org.id, &issuer.id, &badge.id, "m2", 1);
        assert!(
            awards::insert_announced(&store, &clash, Some("en"))
                .await
                .is_err()
        );
        assert!(mail::for_award(&store, &clash.id).await.unwrap().is_empty());

        // Leases: one owner at a time; the outcome needs the lease.
        let t = insignia_store::now();
        let mine = mail::claim(&store, "p1", t, 60, 10).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert!(
            mail::claim(&store, "p2", t, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let theirs = mail::claim(&store, "p2", t + 61, 60, 10).await.unwrap();
        assert_eq!(theirs.len(), 1, "an expired lease is taken over");
        assert!(matches!(
            mail::mark_sent(&store, &mine[0], "p1", "<x@y>", t).await,
            Err(StoreError::LeaseLost)
        ));
        mail::mark_retry(&store, &theirs[0], "p2", t + 600, "421 busy")
            .await
            .unwrap();
        assert!(
            mail::claim(&store, "p1", t + 599, 60, 10)
                .await
                .unwrap()
                .is_empty(),
            "not due yet"
        );
        let due = mail::claim(&store, "p1", t + 600, 60, 10).await.unwrap();
        assert_eq!(
            (due[0].attempts, due[0].last_error.as_deref()),
            (1, Some("421 busy"))
        );
        mail::mark_sent(&store, &due[0], "p1", "<x@y>", t + 600)
            .await
            .unwrap();
        let sent = mail::by_id(&store, &due[0].id).await.unwrap().unwrap();
        assert_eq!(
            (
                sent.state.as_str(),
                sent.attempts,
                sent.sent_at,
                sent.lease_owner
            ),
            ("sent", 2, Some(t + 600), None)
        );
        assert!(
            mail::claim(&store, "p1", t + 10_000, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // Claims: recorded once.
        mail::add_claim_token(&store, &a.id, "hash1").await.unwrap();
        assert_eq!(
            mail::award_for_claim_token(&store, "hash1").await.unwrap(),
            Some(a.id.clone())
        );
        assert!(mail::claim_award(&store, &a).await.unwrap());
        assert!(!mail::claim_award(&store, &a).await.unwrap());
        assert!(
            mail::claimed_at(&store, std::slice::from_ref(&a.id))
                .await
                .unwrap()
                .contains_key(&a.id)
        );
    })
    .await;
}

#[tokio::test]
async fn renewals_and_new_link_requests_are_single_transactions() {
    on_both(|store| async move {
        let u = users::create(&store, "r@example.org", "Owner", None, false)
            .await
            .unwrap();
        let org = orgs::create(&store, "Academy", &u.id).await.unwrap();
        let fields = issuers::IssuerFields {
            name: "Academy".into(),
            url: "https://a.example".into(),
            ..Default::default()
        };
        let issuer = issuers::create(&store, &org.id, "renewer", &fields, &key())
            .await
            .unwrap();
        let content = badges::VersionContent {
            name: "Python".into(),
            design: "{}".into(),
            image_png: None,
            image_svg: None,
        };
        let badge = badges::create(&store, &org.id, &issuer.id, "active", &content, &u.id)
            .await
            .unwrap();
        let old = award(&org.id, &issuer.id, &badge.id, "r1", 1);
        awards::insert(&store, &old).await.unwrap();

        // Renewal: the new award, the old one's link to it and the e-mail.
        let new = award(&org.id, &issuer.id, &badge.id, "renewal-of:r1", 2);
        let (stored, created) = awards::insert_renewal(&store, &new, &old.id, Some("es"))
            .await
            .unwrap();
        assert!(created);
        assert_eq!(stored.id, new.id);
        let reread = awards::by_id(&store, &old.id).await.unwrap().unwrap();
        assert_eq!(reread.replaced_by.as_deref(), Some(new.id.as_str()));
        assert_eq!(
            awards::renewal_of(&store, &new.id).await.unwrap(),
            Some(old.id.clone())
        );
        assert_eq!(awards::renewal_of(&store, &old.id).await.unwrap(), None);
        let queued = mail::for_award(&store, &new.id).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].locale, "es");
        // The same renewal again: nothing new.
        let twice = award(&org.id, &issuer.id, &badge.id, "renewal-of:r1", 3);
        let (existing, created) = awards::insert_renewal(&store, &twice, &old.id, Some("es"))
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(existing.id, new.id);
        assert_eq!(mail::for_award(&store, &new.id).await.unwrap().len(), 1);
        // A renewal that fails (status index taken) changes nothing.
        let clash = award(&org.id, &issuer.id, &badge.id, "renewal-of:other", 2);
        let other = award(&org.id, &issuer.id, &badge.id, "r2", 4);
        awards::insert(&store, &other).await.unwrap();
        assert!(
            awards::insert_renewal(&store, &clash, &other.id, Some("en"))
                .await
                .is_err()
        );
        let reread = awards::by_id(&store, &other.id).await.unwrap().unwrap();
        assert_eq!(reread.replaced_by, None);

        // Claim tokens keep their creation time.
        mail::add_claim_token(&store, &new.id, "hash-1")
            .await
            .unwrap();
        let token = mail::claim_token(&store, "hash-1").await.unwrap().unwrap();
        assert_eq!(token.award_id, new.id);
        assert!((token.created_at - insignia_store::now()).abs() <= 2);
        assert!(mail::claim_token(&store, "hash-2").await.unwrap().is_none());

        // New-link requests: one at a time, even when they race.
        let t = insignia_store::now();
        let (a, b) = tokio::join!(
            mail::request_new_link(&store, &new, "fr", t, 600),
            mail::request_new_link(&store, &new, "fr", t, 600)
        );
        let granted = [a.unwrap(), b.unwrap()];
        assert_eq!(
            granted.iter().filter(|g| g.is_some()).count(),
            1,
            "{granted:?}"
        );
        assert_eq!(mail::for_award(&store, &new.id).await.unwrap().len(), 2);
        assert!(
            mail::request_new_link(&store, &new, "fr", t + 599, 600)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            mail::link_requested_at(&store, &new.id).await.unwrap(),
            Some(t)
        );
        let id = mail::request_new_link(&store, &new, "fr", t + 600, 600)
            .await
            .unwrap()
            .unwrap();
        let message = mail::by_id(&store, &id).await.unwrap().unwrap();
        assert_eq!(
            (message.recipient.as_str(), message.created_by.as_deref()),
            ("amira@example.org", None)
        );
        assert_eq!(
            mail::link_requested_at(&store, &new.id).await.unwrap(),
            Some(t + 600)
        );
        assert_eq!(mail::for_award(&store, &new.id).await.unwrap().len(), 3);
    })
    .await;
}

/// One allocator of status-list places for single and bulk awards: places
/// taken at once by two callers never overlap, and a place taken (by an
/// award or a reservation) is never handed out again.
#[tokio::test]
async fn status_list_places_are_taken_once() {
    on_both(|store| async move {
        let u = users::create(&store, "s@example.org", "Owner", None, false)
            .await
            .unwrap();
        let org = orgs::create(&store, "Academy", &u.id).await.unwrap();
        let fields = issuers::IssuerFields {
            name: "Academy".into(),
            url: "https://a.example".into(),
            ..Default::default()
        };
        let issuer = issuers::create(&store, &org.id, "places", &fields, &key())
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            awards::take_status_indexes(&store, &issuer.id, 1_500),
            awards::take_status_indexes(&store, &issuer.id, 1_500)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.len(), b.len()), (1_500, 1_500));
        let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
        assert!(
            all.iter()
                .all(|i| (0..awards::STATUS_LIST_SIZE).contains(i))
        );
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 3_000, "no place handed out twice");
        // Random, not sequential.
        assert!(all.windows(2).filter(|w| w[1] == w[0] + 1).count() < 100);
        let taken: i64 = insignia_store::on_db!(&store, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM status_indexes WHERE issuer_id = $1"
        )
        .bind(&issuer.id)
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(taken, 3_000);
        // Another issuer's list is its own.
        let other = issuers::create(&store, &org.id, "places2", &fields, &key())
            .await
            .unwrap();
        assert_eq!(
            awards::take_status_indexes(&store, &other.id, 3)
                .await
                .unwrap()
                .len(),
            3
        );
    })
    .await;
}
