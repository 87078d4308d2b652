//! Open Badges 2.0 Endorsements.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::assertion::VerificationObject;
use super::profile::Profile;
use crate::common::{Context, IdOrObject, Identified, OneOrMany};

/// A claim by an endorser about a Profile, BadgeClass or Assertion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endorsement {
    /// JSON-LD context; absent when embedded.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Unique IRI of the Endorsement.
    pub id: String,
    /// `Endorsement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// The endorsed entity and what is claimed about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<EndorsementClaim>,
    /// The endorser: an IRI or a Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IdOrObject<Box<Profile>>>,
    /// When the endorsement was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// How to verify the endorsement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationObject>,
    /// Whether it has been revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// Published reason for revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for Endorsement {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// The `claim` of an Endorsement: the endorsed entity's `id` plus claimed properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementClaim {
    /// IRI of the endorsed entity.
    pub id: String,
    /// The endorser's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_comment: Option<String>,
    /// Other claimed properties, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
