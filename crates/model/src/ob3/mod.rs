//! Open Badges 3.0 data model (<https://www.imsglobal.org/spec/ob/v3p0/>).
//!
//! Property names follow the spec's JSON names. Properties the spec marks as
//! required are plain fields; optional ones are `Option`s that are left out
//! when `None`. Every object keeps properties it does not know in `extra`, so
//! parse → serialize loses nothing (see [`crate::Parsed`] for key order).
//!
//! Both VC Data Model forms are read: 2.0 (`validFrom` / `validUntil`) and
//! 1.1 (`issuanceDate` / `expirationDate`).

mod achievement;
mod credential;
mod profile;
mod subject;

pub use achievement::{
    Achievement, Alignment, Criteria, IdentifierEntry, Related, ResultDescription,
    RubricCriterionLevel,
};
pub use credential::{
    CredentialSchema, CredentialStatus, EndorsementCredential, EndorsementSubject,
    OpenBadgeCredential, Proof, RefreshService, TermsOfUse,
};
pub use profile::{Address, GeoCoordinates, Image, Profile};
pub use subject::{AchievementSubject, Evidence, IdentityObject, Result};

/// The Open Badges 3.0 JSON-LD context, version 3.0.3.
pub const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// The `$id`-style URL under which 1EdTech publishes the AchievementCredential schema.
pub const ACHIEVEMENT_CREDENTIAL_SCHEMA_URL: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";
