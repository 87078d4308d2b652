//! Verification of Open Badges and Verifiable Credentials, as a report a
//! person can read and a machine can act on.
//!
//! Architecture invariant: the report's verdict is derived from its checks
//! ([`Report::new`]); nothing sets "valid" by hand. "Could not check" is its own
//! outcome and never counts as passed.
//!
//! Modules depend only downward, top to bottom:
//! - [`online`]: gather the documents, then check;
//! - `dispatch`: bytes → image payload / JSON / JWT → the path for its standard,
//!   plus the endorsements;
//! - `ob3` (Data Integrity and VC-JWT proof paths) and `ob2` (hosted and signed
//!   Open Badges 2.0);
//! - `checks`: one module per check (contexts, types, schema, key binding,
//!   validity window, [`status`], recipient);
//! - [`material`], [`resolve`], `summary`, `fields` (plain JSON lookups),
//!   `options`, and [`report`] (the report and the `Check` constructors).

mod checks;
mod conformance;
mod dispatch;
mod fields;
pub mod material;
mod ob2;
mod ob3;
pub mod online;
mod options;
pub mod presentation;
mod proof_chain;
pub mod report;
pub mod resolve;
mod summary;

pub use checks::recipient::awarded_to;
pub use checks::status;
pub use dispatch::{verify_bytes, verify_json};
pub use material::{Material, MaterialResolver, Retrieved};
pub use online::Verifier;
pub use options::VerifyOptions;
pub use presentation::{PresentationExpectations, PresentationReport, verify_presentation};
pub use report::{
    Check, CheckKind, CredentialFormat, HashedRecipient, MESSAGE_IDS, Outcome, Report, Summary,
    Verdict,
};
pub use resolve::{KeyResolver, OfflineResolver, Resolution, SuppliedKey};
