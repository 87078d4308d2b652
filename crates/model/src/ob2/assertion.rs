//! Assertions (awarded badges), recipients, verification and evidence.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::badge_class::BadgeClass;
use super::endorsement::Endorsement;
use crate::common::{Context, IdOrObject, Identified, OneOrMany, parse_iso8601};
use crate::error::ModelError;
use crate::identity;

/// An Assertion: one recipient's award of a BadgeClass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assertion {
    /// JSON-LD context (normally `https://w3id.org/openbadges/v2`); absent
    /// when embedded in another document.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Unique IRI of the Assertion.
    pub id: String,
    /// Normally `Assertion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// The recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<IdentityObject>,
    /// The BadgeClass awarded: an IRI or the embedded BadgeClass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<IdOrObject<BadgeClass>>,
    /// How to verify this Assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationObject>,
    /// Legacy alias of `verification`, kept under its own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerificationObject>,
    /// When the badge was awarded (ISO 8601 with time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// Image of this award (a baked badge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<super::ImageRef>,
    /// Evidence: IRIs or Evidence objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<OneOrMany<IdOrObject<Evidence>>>,
    /// Narrative connecting the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// When the badge stops being valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Whether the Assertion has been revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// Published reason for revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Endorsements of the Assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<OneOrMany<IdOrObject<Endorsement>>>,
    /// Deprecated locally unique identifier of pre-2.0 badges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Assertion {
    /// `issuedOn` parsed as an ISO 8601 date-time with time zone.
    pub fn issued_on(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        self.issued_on
            .as_deref()
            .map(|value| parse_iso8601("issuedOn", value))
            .transpose()
    }

    /// `expires` parsed as an ISO 8601 date-time with time zone.
    pub fn expires(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        self.expires
            .as_deref()
            .map(|value| parse_iso8601("expires", value))
            .transpose()
    }

    /// `verification`, or its legacy alias `verify`.
    pub fn verification_object(&self) -> Option<&VerificationObject> {
        self.verification.as_ref().or(self.verify.as_ref())
    }

    /// `true` when `revoked` is `true`.
    pub fn is_revoked(&self) -> bool {
        self.revoked == Some(true)
    }

    /// IRI of the BadgeClass.
    pub fn badge_id(&self) -> Option<&str> {
        self.badge.as_ref().and_then(IdOrObject::id)
    }
}

impl Identified for Assertion {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// The recipient of an Assertion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// The identity: a `sha256$…` / `md5$…` hash or the plain value.
    pub identity: String,
    /// The Profile property identifying the recipient: `email`, `url` or
    /// `telephone` (or another property IRI).
    pub r#type: String,
    /// Whether `identity` is hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashed: Option<bool>,
    /// Salt appended to the identity before hashing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdentityObject {
    /// Identity type for e-mail addresses.
    pub const EMAIL: &'static str = "email";
    /// Identity type for URLs.
    pub const URL: &'static str = "url";
    /// Identity type for telephone numbers.
    pub const TELEPHONE: &'static str = "telephone";

    /// A hashed e-mail recipient (normalized, salted, SHA-256; see
    /// [`identity::hash_email`]).
    pub fn hashed_email(email: &str, salt: Option<&str>) -> Self {
        Self {
            identity: identity::hash_email(email, salt),
            r#type: Self::EMAIL.to_owned(),
            hashed: Some(true),
            salt: salt.map(str::to_owned),
            extra: Map::new(),
        }
    }

    /// A hashed recipient of any identity type; the value is hashed as given.
    pub fn hashed(identity_type: &str, value: &str, salt: Option<&str>) -> Self {
        Self {
            identity: identity::hash_identity(value, salt),
            r#type: identity_type.to_owned(),
            hashed: Some(true),
            salt: salt.map(str::to_owned),
            extra: Map::new(),
        }
    }

    /// An unhashed recipient.
    pub fn plain(identity_type: &str, value: &str) -> Self {
        Self {
            identity: value.to_owned(),
            r#type: identity_type.to_owned(),
            hashed: Some(false),
            salt: None,
            extra: Map::new(),
        }
    }

    /// `true` when `claimed` matches this recipient. With `hashed: false` the
    /// identity is compared as a plain value; otherwise (also when `hashed`
    /// is missing) a `sha256$`/`md5$` prefix marks a hash
    /// (see [`identity::identity_matches`]).
    pub fn matches(&self, claimed: &str) -> bool {
        match self.hashed {
            Some(false) => identity::plain_matches(claimed, &self.identity),
            _ => identity::identity_matches(claimed, &self.identity, self.salt.as_deref()),
        }
    }
}

/// Verification instructions, in an Assertion or an issuer Profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationObject {
    /// `hosted` / `HostedBadge`, `signed` / `SignedBadge`, or
    /// `VerificationObject` in Profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// Property used to check an Assertion is in scope (only `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_property: Option<String>,
    /// Prefixes the verification property must start with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<OneOrMany<String>>,
    /// Host names allowed for hosted Assertion ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<OneOrMany<String>>,
    /// IRI of the CryptographicKey that signed the Assertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl VerificationObject {
    /// `true` for `hosted` / `HostedBadge`.
    pub fn is_hosted(&self) -> bool {
        self.has_type(&["hosted", "HostedBadge"])
    }

    /// `true` for `signed` / `SignedBadge`.
    pub fn is_signed(&self) -> bool {
        self.has_type(&["signed", "SignedBadge"])
    }

    fn has_type(&self, names: &[&str]) -> bool {
        self.r#type
            .iter()
            .flatten()
            .any(|name| names.contains(&name.as_str()))
    }
}

/// Evidence of the work that led to an award.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// Defaults to `Evidence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// URL of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Narrative of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kind of evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// Intended audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for Evidence {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}
