//! Repositories: one module per aggregate, each function one query (or one
//! transaction). Functions taking a [`crate::Tx`] are meant to be combined
//! with others inside the caller's transaction.

pub mod api_tokens;
pub mod awards;
pub mod backpack;
pub mod badges;
pub mod bulk;
pub mod endorsements;
pub mod events;
pub mod issuers;
pub mod leases;
pub mod mail;
pub mod mail_prefs;
pub mod memberships;
pub mod orgs;
pub mod outbox;
pub mod requests;
pub mod status;
pub mod throttle;
pub mod users;
