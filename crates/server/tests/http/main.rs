#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The issuer platform driven over HTTP, on SQLite and on PostgreSQL.
//!
//! PostgreSQL: a server on 127.0.0.1:5432 with trust auth (CI has one); each
//! test creates and drops its own database. Without a server the PostgreSQL
//! half is skipped with a message, unless INSIGNIA_REQUIRE_POSTGRES is set.

mod support;

mod account_deletion;
mod accounts;
mod backpack;
mod bulk;
mod delivery;
mod endorsements;
mod events;
mod gone;
mod journey;
mod mail;
mod mail_prefs;
mod pages;
mod recognition;
mod recovery;
mod security;
mod smtp_tls;
mod vcapi;
mod verdicts;
