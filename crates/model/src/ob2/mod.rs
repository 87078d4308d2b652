//! Open Badges 2.0 data model (<https://www.imsglobal.org/spec/ob/v2p0/>).
//!
//! Open Badges 2.0 documents in circulation are often incomplete (a revoked
//! hosted Assertion, for instance, may carry only `id` and `revoked`), so the
//! types require only identifying properties; the spec's other required
//! properties are checked by [`crate::schema::validate_ob2_assertion`] and its
//! siblings. Unknown properties are kept in `extra`.

mod assertion;
mod badge_class;
mod endorsement;
mod profile;

pub use assertion::{Assertion, Evidence, IdentityObject, VerificationObject};
pub use badge_class::{AlignmentObject, BadgeClass, Criteria, Image, Related};
pub use endorsement::{Endorsement, EndorsementClaim};
pub use profile::{CryptographicKey, Profile, RevocationList, RevokedAssertion};

/// An image property: an IRI (or data URI) or an [`Image`] object.
pub type ImageRef = crate::common::IdOrObject<Image>;

/// The Open Badges 2.0 JSON-LD context.
pub const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";
