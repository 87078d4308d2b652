//! Typed Open Badges 3.0 and 2.0 models, JSON Schema validation against the
//! official 1EdTech schemas, and recipient identity hashing.
//!
//! * [`ob3`] — Open Badges 3.0 (VC Data Model 2.0 and 1.1 forms).
//! * [`ob2`] — Open Badges 2.0.
//! * [`Parsed`] — a model plus its source JSON, for exact round trips
//!   including key order.
//! * [`schema`] — validation ([`validate_ob3`], [`validate_ob2_assertion`], …).
//! * [`identity`] — `sha256$…` recipient hashes.
//!
//! The library does no I/O: the schemas are compiled into the binary.

pub mod common;
mod error;
pub mod identity;
pub mod ob2;
pub mod ob3;
mod parsed;
pub mod schema;

pub use common::{Context, ContextEntry, IdOrObject, Identified, OneOrMany, VcDataModel};
pub use error::ModelError;
pub use identity::{hash_email, hash_identity, identity_matches};
pub use parsed::{Parsed, restore_order};
pub use schema::{
    SchemaIssue, validate_ob2_assertion, validate_ob2_badge_class, validate_ob2_profile,
    validate_ob3, validate_ob3_achievement, validate_ob3_profile,
};
