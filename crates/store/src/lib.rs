//! Insignia's database layer: one API over SQLite (the embedded default) and
//! PostgreSQL (production, several server processes sharing one database).
//!
//! Queries are written once in SQL both engines accept (`$1` placeholders,
//! `BIGINT`/`INTEGER` Unix-second times, text identifiers) and run through the
//! [`on_db!`] macro, which compiles each query for both drivers. We avoid
//! `sqlx::Any` on purpose: it loses type information and has no stable
//! transaction story. Every write that changes more than one row runs in a
//! transaction ([`Store::begin`]).

mod db;
mod error;
mod migrate;
pub mod model;
pub mod repo;
/// Test helpers (PostgreSQL databases made and dropped per test): only with
/// the `testing` feature, which only test builds turn on.
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;

pub use db::{Store, Tx};
pub use error::StoreError;

/// Seconds since the Unix epoch, the time unit stored everywhere.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
