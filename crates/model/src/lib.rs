//! Typed Open Badges 3.0 and 2.0 models, JSON Schema validation against the
//! official 1EdTech schemas, and recipient identity hashing.
//!
//! * [`ob3`] — Open Badges 3.0 (VC Data Model 2.0 and 1.1 forms).
//! * [`ob2`] — Open Badges 2.0.
//! * [`Parsed`] — a model plus its source JSON, for exact round trips
//!   including key order.
//! * [`schema`] — validation ([`validate_ob3`], [`validate_ob2_assertion`], …).
//! * [`identity`] — `sha256$…` recipient hashes.
//! * [`vc_rules`] — the VC Data Model 2.0 rules (credentials and presentations).
//!
//! The library does no I/O: the schemas are compiled into the binary.
//!
//! ```
//! use insignia_model::ob3::{IdentityObject, OpenBadgeCredential};
//! use insignia_model::{Parsed, validate_ob3};
//!
//! let json = r#"{
//!   "@context": ["https://www.w3.org/ns/credentials/v2",
//!                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
//!   "id": "urn:uuid:2e8d4f0c-5b1a-4c36-9f7e-0a1b2c3d4e5f",
//!   "type": ["VerifiableCredential", "OpenBadgeCredential"],
//!   "issuer": {"id": "https://example.org/issuer", "type": ["Profile"], "name": "Example"},
//!   "validFrom": "2025-01-01T00:00:00Z",
//!   "credentialSubject": {
//!     "type": ["AchievementSubject"],
//!     "achievement": {
//!       "id": "https://example.org/achievements/1", "type": ["Achievement"],
//!       "name": "Teamwork", "description": "Works well in a team.",
//!       "criteria": {"narrative": "Nominated by peers."}
//!     }
//!   },
//!   "x-custom": {"kept": true}
//! }"#;
//!
//! // Validate the raw JSON against the official schema…
//! let value: serde_json::Value = serde_json::from_str(json)?;
//! assert!(validate_ob3(&value).is_ok());
//!
//! // …work with the typed model…
//! let mut parsed = Parsed::<OpenBadgeCredential>::from_json_str(json)?;
//! assert!(parsed.model.valid_from()?.is_some());
//! parsed.model.credential_subject.identifier =
//!     Some(vec![IdentityObject::hashed_email("learner@example.org", Some("salt"))]);
//!
//! // …and write it back: unknown properties and key order are kept.
//! let out = parsed.to_value()?;
//! assert_eq!(out["x-custom"], value["x-custom"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod common;
mod error;
pub mod identity;
pub mod ob2;
pub mod ob3;
mod parsed;
pub mod schema;
pub mod vc_rules;

pub use common::{Context, ContextEntry, IdOrObject, Identified, OneOrMany, VcDataModel};
pub use error::ModelError;
pub use identity::{hash_email, hash_identity, identity_matches};
pub use parsed::{Parsed, restore_order};
pub use schema::{
    SchemaIssue, validate_ob2_assertion, validate_ob2_badge_class, validate_ob2_profile,
    validate_ob3, validate_ob3_achievement, validate_ob3_profile,
};
