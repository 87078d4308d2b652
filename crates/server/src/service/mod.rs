//! What the platform does, as plain async functions over the shared state:
//! the routes, the background workers and the APIs call these, and render
//! or serialise what they return. A service never builds HTTP responses.
//!
//! * [`accounts`]: sign-up, address confirmation, password reset, sessions
//!   and the account e-mails;
//! * [`outbox`]: the local outbox of a server without SMTP;
//! * [`verification`]: one credential (bytes or URL) to a report, the way the
//!   public verify page does it (our own awards against our records, anything
//!   else online through the SSRF-safe fetcher);
//! * [`awards`]: an award's status (revoke with a reason, suspend, reinstate,
//!   undo a revocation within 30 days), recorded in its history;
//! * [`backpack`]: the earner's backpack (awards appearing by themselves,
//!   imports, re-checks, curation, sharing, export, account deletion);
//! * [`award_view`]: one of our awards as its public pages show it, with
//!   its live verification against our records;
//! * [`badges`], [`issuers`]: an organisation's badges and issuers, published
//!   badge versions and their designs;
//! * [`status`]: publishing, re-signing and serving the status lists;
//! * [`api_tokens`]: organisations' bearer tokens for the APIs;
//! * [`vcapi`]: the W3C VC-API (issue, verify credentials and presentations).

pub mod accounts;
pub mod api_tokens;
pub mod award_view;
pub mod awards;
pub mod backpack;
pub mod badges;
pub mod bulk;
pub mod claims;
pub mod issuers;
pub mod ob2;
pub mod outbox;
pub mod status;
pub mod vcapi;
pub mod verification;
