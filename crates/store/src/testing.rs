//! Helpers for tests that need a PostgreSQL server (ours and the server
//! crate's): each test creates and drops its own database.

/// Where the test server might be, in the order tried: `INSIGNIA_TEST_POSTGRES`,
/// then the usual trust-auth set-ups (CI: a server on 127.0.0.1:5432 with a
/// `test` database).
fn candidates() -> Vec<String> {
    let mut list = Vec::new();
    if let Ok(url) = std::env::var("INSIGNIA_TEST_POSTGRES") {
        list.push(url);
    }
    for url in [
        "postgres://postgres@127.0.0.1:5432/postgres",
        "postgres://postgres@127.0.0.1:5432/test",
        "postgres://root@127.0.0.1:5432/test",
        "postgres://127.0.0.1:5432/test",
    ] {
        list.push(url.to_owned());
    }
    list
}

/// A fresh, empty database: `(url, name)`. None when no server answers,
/// unless `INSIGNIA_REQUIRE_POSTGRES` is set (CI), which makes it a failure.
///
/// # Panics
/// When PostgreSQL is required but unreachable, or a database cannot be created.
#[allow(clippy::panic, clippy::expect_used)]
pub async fn fresh_postgres() -> Option<(String, String)> {
    let mut errors = Vec::new();
    for admin in candidates() {
        match sqlx::PgPool::connect(&admin).await {
            Ok(pool) => {
                let name = format!(
                    "insignia_test_{}",
                    crate::token::random_id(8).to_lowercase()
                );
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .expect("creating a test database");
                pool.close().await;
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                return Some((format!("{base}/{name}"), name));
            }
            Err(e) => errors.push(format!("{admin}: {e}")),
        }
    }
    if std::env::var("INSIGNIA_REQUIRE_POSTGRES").is_ok() {
        panic!("PostgreSQL is required (INSIGNIA_REQUIRE_POSTGRES) but unreachable: {errors:?}");
    }
    eprintln!("skipping the PostgreSQL half of this test: no server ({errors:?})");
    None
}

/// Drops a database made by [`fresh_postgres`].
#[allow(clippy::expect_used)]
pub async fn drop_postgres(url: &str, name: &str) {
    let admin = url
        .rsplit_once('/')
        .map_or(url.to_owned(), |(b, _)| format!("{b}/postgres"));
    let pool = match sqlx::PgPool::connect(&admin).await {
        Ok(p) => p,
        // No `postgres` database: connect to the one the server has for tests.
        Err(_) => sqlx::PgPool::connect(&admin.replace("/postgres", "/test"))
            .await
            .expect("connecting to drop a test database"),
    };
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await;
    pool.close().await;
}
