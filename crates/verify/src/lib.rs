//! Verification of Open Badges and Verifiable Credentials, as a report a
//! person can read and a machine can act on.
//!
//! Architecture invariant: the report's verdict is derived from its checks
//! ([`Report::new`]); nothing sets "valid" by hand. "Could not check" is its own
//! outcome and never counts as passed.

mod conformance;
pub mod credential;
pub mod material;
mod ob2;
pub mod online;
pub mod presentation;
mod proof_chain;
mod recipient;
pub mod report;
pub mod resolve;
pub mod status;

pub use credential::{VerifyOptions, verify_bytes, verify_json};
pub use material::{Material, MaterialResolver, Retrieved};
pub use online::Verifier;
pub use presentation::{PresentationExpectations, PresentationReport, verify_presentation};
pub use report::{Check, CheckKind, CredentialFormat, Outcome, Report, Summary, Verdict};
pub use resolve::{KeyResolver, OfflineResolver, Resolution, SuppliedKey};
