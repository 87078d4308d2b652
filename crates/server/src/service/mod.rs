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
//! * [`events`]: events with claim codes, QR codes and posters; attendees'
//!   claims, confirmed by e-mail, within the event's limits; the approval queue;
//! * [`award_view`]: one of our awards as its public pages show it, with
//!   its live verification against our records;
//! * [`badges`], [`issuers`]: an organisation's badges and issuers, published
//!   badge versions and their designs;
//! * [`status`]: publishing, re-signing and serving the status lists;
//! * [`api_tokens`]: organisations' bearer tokens for the APIs;
//! * [`share_images`]: the 1200×627 link-preview images of public pages;
//! * [`vcapi`]: the W3C VC-API (issue, verify credentials and presentations);
//! * [`reminders`]: reminder e-mails for unclaimed awards (per-organisation
//!   days, the background pass every process runs);
//! * [`unsubscribe`]: recipients' one-click unsubscribe per organisation;
//! * [`endorsements`]: third parties' endorsements of awards, badges and
//!   issuers (signed EndorsementCredentials, the endorsed party's approval,
//!   person endorsers' did:web keys);
//! * [`ownership`]: "is this badge yours?", an e-mail address against an
//!   award's recipient (hashed with the credential's salt), rate limited;
//! * [`mail_templates`]: an organisation's subject and opening text per
//!   message kind and language.

pub mod accounts;
pub mod api_tokens;
pub mod award_view;
pub mod awards;
pub mod backpack;
pub mod badges;
pub mod bulk;
pub mod claims;
pub mod endorsements;
pub mod events;
pub mod issuers;
pub mod mail_templates;
pub mod memberships;
pub mod ob2;
pub mod outbox;
pub mod ownership;
pub mod reminders;
pub mod requests;
pub mod share_images;
pub mod status;
pub mod unsubscribe;
pub mod vcapi;
pub mod verification;
