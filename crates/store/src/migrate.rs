//! Versioned migrations, one folder per database engine, embedded in the
//! binary. sqlx's migrator records applied versions with checksums and, on
//! PostgreSQL, takes an advisory lock so several processes starting together
//! apply each migration once.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Store, StoreError};

const SQLITE: &[(i64, &str, &str)] = &[
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
    (
        5,
        "outbox_copies",
        include_str!("../migrations/sqlite/0005_outbox_copies.sql"),
    ),
    (
        6,
        "accounts",
        include_str!("../migrations/sqlite/0006_accounts.sql"),
    ),
    (
        7,
        "backpack",
        include_str!("../migrations/sqlite/0007_backpack.sql"),
    ),
    (
        8,
        "api_tokens",
        include_str!("../migrations/sqlite/0008_api_tokens.sql"),
    ),
    (
        9,
        "status_indexes",
        include_str!("../migrations/sqlite/0009_status_indexes.sql"),
    ),
    (
        10,
        "award_history",
        include_str!("../migrations/sqlite/0010_award_history.sql"),
    ),
    (
        11,
        "badge_events",
        include_str!("../migrations/sqlite/0011_badge_events.sql"),
    ),
    (
        12,
        "mail_preferences",
        include_str!("../migrations/sqlite/0012_mail_preferences.sql"),
    ),
    (
        13,
        "endorsements",
        include_str!("../migrations/sqlite/0013_endorsements.sql"),
    ),
    (
        17,
        "recognition",
        include_str!("../migrations/sqlite/0017_recognition.sql"),
    ),
];

const POSTGRES: &[(i64, &str, &str)] = &[
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
    (
        5,
        "outbox_copies",
        include_str!("../migrations/postgres/0005_outbox_copies.sql"),
    ),
    (
        6,
        "accounts",
        include_str!("../migrations/postgres/0006_accounts.sql"),
    ),
    (
        7,
        "backpack",
        include_str!("../migrations/postgres/0007_backpack.sql"),
    ),
    (
        8,
        "api_tokens",
        include_str!("../migrations/postgres/0008_api_tokens.sql"),
    ),
    (
        9,
        "status_indexes",
        include_str!("../migrations/postgres/0009_status_indexes.sql"),
    ),
    (
        10,
        "award_history",
        include_str!("../migrations/postgres/0010_award_history.sql"),
    ),
    (
        11,
        "badge_events",
        include_str!("../migrations/postgres/0011_badge_events.sql"),
    ),
    (
        12,
        "mail_preferences",
        include_str!("../migrations/postgres/0012_mail_preferences.sql"),
    ),
    (
        13,
        "endorsements",
        include_str!("../migrations/postgres/0013_endorsements.sql"),
    ),
    (
        17,
        "recognition",
        include_str!("../migrations/postgres/0017_recognition.sql"),
    ),
];

fn migrator(list: &[(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = list
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    match store {
        Store::Sqlite(pool) => migrator(SQLITE).run(pool).await?,
        Store::Postgres(pool) => migrator(POSTGRES).run(pool).await?,
    }
    Ok(())
}
