//! Behaviour shared by routes, workers and a future API: plain async
//! functions taking the application state.
//!
//! * [`verification`]: one credential (bytes or URL) to a report, the way the
//!   public verify page does it (our own awards against our records, anything
//!   else online through the SSRF-safe fetcher);
//! * [`backpack`]: the earner's backpack (awards appearing by themselves,
//!   imports, re-checks, curation, sharing, export, account deletion).

pub mod backpack;
pub mod verification;
