//! Issuer Profiles, their keys, and revocation lists.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::assertion::VerificationObject;
use super::badge_class::Related;
use super::endorsement::Endorsement;
use crate::common::{Context, IdOrObject, Identified, OneOrMany};

/// A Profile: an issuer, or another entity using Open Badges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// JSON-LD context; absent when embedded.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Unique IRI of the Profile.
    pub id: String,
    /// `Issuer` or `Profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// Name (required for issuers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Homepage (required for issuers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Image: an IRI or an Image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<super::ImageRef>,
    /// Contact e-mail (required for issuers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Key(s) used to sign Assertions: IRIs or CryptographicKeys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<OneOrMany<IdOrObject<CryptographicKey>>>,
    /// Verification instructions for this issuer's Assertions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationObject>,
    /// IRI of the issuer's RevocationList.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_list: Option<String>,
    /// Related profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<OneOrMany<IdOrObject<Related>>>,
    /// Endorsements of the Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<OneOrMany<IdOrObject<Endorsement>>>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for Profile {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// A public key an issuer signs Assertions with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptographicKey {
    /// JSON-LD context; absent when embedded.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// `CryptographicKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// IRI of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// IRI of the Profile owning the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The key in PEM encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for CryptographicKey {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// The list of signed Assertions (or Endorsements) an issuer has revoked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevocationList {
    /// JSON-LD context; absent when embedded.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// IRI of the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `RevocationList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// IRI of the issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Revoked Assertions: `id` strings or objects with `id` or `uid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_assertions: Option<OneOrMany<IdOrObject<RevokedAssertion>>>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RevocationList {
    /// The entry revoking the Assertion with this `id` (or legacy `uid`), if
    /// any. An object entry with `revoked: false` does not count.
    pub fn find(
        &self,
        id: Option<&str>,
        uid: Option<&str>,
    ) -> Option<&IdOrObject<RevokedAssertion>> {
        self.revoked_assertions
            .iter()
            .flatten()
            .find(|entry| match entry {
                IdOrObject::Id(revoked) => id == Some(revoked.as_str()),
                IdOrObject::Object(revoked) => {
                    revoked.revoked != Some(false)
                        && ((id.is_some() && revoked.id.as_deref() == id)
                            || (uid.is_some() && revoked.uid.as_deref() == uid))
                }
            })
    }

    /// `true` when the Assertion with this `id` (or legacy `uid`) is revoked.
    pub fn is_revoked(&self, id: Option<&str>, uid: Option<&str>) -> bool {
        self.find(id, uid).is_some()
    }

    /// The published revocation reason for the Assertion, if any.
    pub fn revocation_reason(&self, id: Option<&str>, uid: Option<&str>) -> Option<&str> {
        self.find(id, uid)
            .and_then(IdOrObject::object)
            .and_then(|revoked| revoked.revocation_reason.as_deref())
    }
}

/// An object entry of `revokedAssertions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedAssertion {
    /// Defaults to `Assertion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// IRI of the revoked Assertion or Endorsement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Legacy identifier of pre-1.1 badges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Defaults to `true` inside a revocation list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// Published reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for RevokedAssertion {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}
