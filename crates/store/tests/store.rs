#![allow(clippy::unwrap_used)]
//! Repository tests, run on SQLite and, when reachable, PostgreSQL.

use insignia_store::model::{Award, AwardState, BadgeState, MailKind, Role};
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
        state: insignia_store::model::AwardState::Active,
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
        let badge = badges::create(
            &store,
            &org.id,
            &issuer.id,
            BadgeState::Active,
            &content,
            &u.id,
        )
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
        let badge = badges::create(
            &store,
            &org.id,
            &issuer.id,
            BadgeState::Active,
            &content,
            &u.id,
        )
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
        let badge = badges::create(
            &store,
            &org.id,
            &issuer.id,
            BadgeState::Active,
            &content,
            &u.id,
        )
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

#[tokio::test]
async fn addresses_are_confirmed_by_single_use_tokens() {
    use insignia_store::repo::users::TokenPurpose;
    on_both(|store| async move {
        let u = users::sign_up(&store, "Nadia@Example.org", "Nadia", "hash", "fr")
            .await
            .unwrap();
        assert!(!u.email_verified);
        assert!(
            users::verified_emails(&store, &u.id)
                .await
                .unwrap()
                .is_empty()
        );
        // The confirmation e-mail is queued with the account.
        let queued = mail::claim(&store, "p", insignia_store::now(), 60, 10)
            .await
            .unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].kind, MailKind::ConfirmEmail);
        assert_eq!(queued[0].user_id.as_deref(), Some(u.id.as_str()));
        assert_eq!(queued[0].org_id, None);
        assert_eq!(queued[0].recipient, "nadia@example.org");
        // Taken, in any case, by any address of any account.
        let dup = users::sign_up(&store, "NADIA@example.org", "x", "hash", "en").await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))));
        users::add_email(&store, &u.id, "nadia@work.example.org")
            .await
            .unwrap();
        let taken = users::create(&store, "nadia@work.example.org", "x", None, false).await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))));

        // One mechanism for any address of the account.
        for address in ["nadia@example.org", "nadia@work.example.org"] {
            let token =
                users::create_account_token(&store, &u.id, TokenPurpose::ConfirmEmail, address, 60)
                    .await
                    .unwrap();
            // A token of another purpose does not confirm.
            assert!(
                users::account_token(&store, &token, TokenPurpose::PasswordReset)
                    .await
                    .unwrap()
                    .is_none()
            );
            let found = users::confirm_email(&store, &token).await.unwrap().unwrap();
            assert_eq!(found.email, address);
            assert!(
                users::confirm_email(&store, &token)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        assert_eq!(
            users::verified_emails(&store, &u.id).await.unwrap(),
            vec!["nadia@example.org", "nadia@work.example.org"]
        );
        assert!(
            users::by_id(&store, &u.id)
                .await
                .unwrap()
                .unwrap()
                .email_verified
        );
        // Expired tokens do nothing.
        let old =
            users::create_account_token(&store, &u.id, TokenPurpose::SignInLink, &u.email, -1)
                .await
                .unwrap();
        assert!(
            users::use_sign_in_link(&store, &old)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn a_reset_voids_every_other_reset_link_and_ends_all_sessions() {
    use insignia_store::repo::users::TokenPurpose;
    on_both(|store| async move {
        let u = users::create(&store, "r@example.org", "R", Some("old"), false)
            .await
            .unwrap();
        let (s1, _) = users::create_session(&store, &u.id, 3600).await.unwrap();
        let (s2, _) = users::create_session_with(&store, &u.id, 3600, Some("Firefox\u{0}/1"))
            .await
            .unwrap();
        let listed = users::sessions_of(&store, &u.id).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(
            listed
                .iter()
                .any(|s| s.user_agent.as_deref() == Some("Firefox/1"))
        );
        let mut links = Vec::new();
        for _ in 0..3 {
            links.push(
                users::create_account_token(
                    &store,
                    &u.id,
                    TokenPurpose::PasswordReset,
                    &u.email,
                    3600,
                )
                .await
                .unwrap(),
            );
        }
        assert_eq!(
            users::reset_password(&store, &links[1], "new")
                .await
                .unwrap(),
            Some(u.id.clone())
        );
        for link in &links {
            assert!(
                users::reset_password(&store, link, "again")
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        let after = users::by_id(&store, &u.id).await.unwrap().unwrap();
        assert_eq!(after.password_hash.as_deref(), Some("new"));
        assert!(after.email_verified, "the link proved the address");
        for s in [&s1, &s2] {
            assert!(users::session(&store, s).await.unwrap().is_none());
        }
        // A change keeps the session asking and ends the others.
        let (keep, _) = users::create_session(&store, &u.id, 3600).await.unwrap();
        let (other, _) = users::create_session(&store, &u.id, 3600).await.unwrap();
        users::change_password(&store, &u.id, "newer", Some(&keep))
            .await
            .unwrap();
        assert!(users::session(&store, &keep).await.unwrap().is_some());
        assert!(users::session(&store, &other).await.unwrap().is_none());
        assert_eq!(users::end_sessions(&store, &u.id, None).await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn throttles_count_per_subject_and_window() {
    use insignia_store::repo::throttle::{self, Limit};
    on_both(|store| async move {
        let limits = [
            Limit { window: 60, max: 2 },
            Limit {
                window: 86_400,
                max: 3,
            },
        ];
        assert!(throttle::allow(&store, "a", &limits).await.unwrap());
        assert!(throttle::allow(&store, "a", &limits).await.unwrap());
        assert!(!throttle::allow(&store, "a", &limits).await.unwrap());
        assert!(throttle::allow(&store, "b", &limits).await.unwrap());
        let (n, last) = users::login_failures(&store, "pair:x", 60).await.unwrap();
        assert_eq!((n, last), (0, None));
        users::record_failed_login(&store, "pair:x", 60)
            .await
            .unwrap();
        let (n, last) = users::login_failures(&store, "pair:x", 60).await.unwrap();
        assert_eq!(n, 1);
        assert!(last.is_some());
        users::clear_login_failures(&store, "pair:x").await.unwrap();
        assert_eq!(
            users::login_failures(&store, "pair:x", 60).await.unwrap().0,
            0
        );
    })
    .await;
}

/// The migrations up to `last`, as the store's migrator lists them.
fn migrations_until(postgres: bool, last: i64) -> sqlx::migrate::Migrator {
    use std::borrow::Cow;
    let sqlite: [(i64, &str, &str); 4] = [
        (
            1,
            "init",
            include_str!("../migrations/sqlite/0001_init.sql"),
        ),
        (
            2,
            "bulk",
            include_str!("../migrations/sqlite/0002_bulk.sql"),
        ),
        (
            3,
            "mail",
            include_str!("../migrations/sqlite/0003_mail.sql"),
        ),
        (
            4,
            "claim_links",
            include_str!("../migrations/sqlite/0004_claim_links.sql"),
        ),
    ];
    let pg: [(i64, &str, &str); 4] = [
        (
            1,
            "init",
            include_str!("../migrations/postgres/0001_init.sql"),
        ),
        (
            2,
            "bulk",
            include_str!("../migrations/postgres/0002_bulk.sql"),
        ),
        (
            3,
            "mail",
            include_str!("../migrations/postgres/0003_mail.sql"),
        ),
        (
            4,
            "claim_links",
            include_str!("../migrations/postgres/0004_claim_links.sql"),
        ),
    ];
    let list = if postgres { pg } else { sqlite };
    let migrations = list
        .iter()
        .filter(|(v, _, _)| *v <= last)
        .map(|(v, name, sql)| {
            sqlx::migrate::Migration::new(
                *v,
                Cow::Borrowed(*name),
                sqlx::migrate::MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect();
    sqlx::migrate::Migrator {
        migrations: Cow::Owned(migrations),
        ..sqlx::migrate::Migrator::DEFAULT
    }
}

const BEFORE_ACCOUNTS: &[&str] = &[
    "INSERT INTO users (id, email, name, is_admin, created_at) VALUES ('u1', 'old@example.org', 'Old', FALSE, 5)",
    "INSERT INTO organizations (id, name, created_at) VALUES ('o1', 'Org', 5)",
    "INSERT INTO mail_outbox (id, org_id, recipient, locale, kind, state, next_attempt_at, created_at) \
     VALUES ('m1', 'o1', 'r@example.org', 'en', 'award', 'sent', 5, 5)",
];

#[tokio::test]
async fn existing_accounts_and_messages_survive_the_accounts_migration() {
    // SQLite: the outbox is rebuilt.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("m.db").display());
    {
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        migrations_until(false, 4).run(&pool).await.unwrap();
        for sql in BEFORE_ACCOUNTS {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = Store::open(&url).await.unwrap();
    check_migrated(&store).await;
    store.close().await;
    // PostgreSQL: the outbox is altered.
    if let Some((url, name)) = insignia_store::testing::fresh_postgres().await {
        {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            migrations_until(true, 4).run(&pool).await.unwrap();
            for sql in BEFORE_ACCOUNTS {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        let store = Store::open(&url).await.unwrap();
        check_migrated(&store).await;
        store.close().await;
        insignia_store::testing::drop_postgres(&url, &name).await;
    }
}

async fn check_migrated(store: &Store) {
    // Existing addresses predate confirmation: they count as confirmed.
    assert_eq!(
        users::verified_emails(store, "u1").await.unwrap(),
        vec!["old@example.org"]
    );
    assert!(
        users::by_id(store, "u1")
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );
    let m = mail::by_id(store, "m1").await.unwrap().unwrap();
    assert_eq!(m.kind, MailKind::Award);
    assert_eq!(m.org_id.as_deref(), Some("o1"));
    assert_eq!(m.state.as_str(), "sent");
    // Account messages now fit, and an account message needs its account.
    let mut tx = store.begin().await.unwrap();
    mail::enqueue_in(
        &mut tx,
        &mail::NewMessage::account(MailKind::PasswordReset, "u1", "old@example.org", "en"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut orphan = mail::NewMessage::account(MailKind::SignInLink, "u1", "x@example.org", "en");
    orphan.user_id = None;
    assert!(mail::enqueue(store, &orphan).await.is_err());
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
