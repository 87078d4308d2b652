//! The recipient side of an OpenBadgeCredential: the subject, how the
//! recipient is identified, results, and evidence.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::achievement::{Achievement, Alignment};
use super::profile::{Image, Profile};
use crate::common::{Number, OneOrMany, parse_optional_rfc3339, types};
use crate::error::ModelError;
use crate::identity;

/// The recipient of an OpenBadgeCredential and the achievement awarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    /// Identifier of the recipient (e.g. a DID), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `AchievementSubject`.
    pub r#type: OneOrMany<String>,
    /// When the activity that led to the achievement ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_end_date: Option<String>,
    /// When the activity that led to the achievement started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_start_date: Option<String>,
    /// Credits earned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_earned: Option<Number>,
    /// The achievement awarded.
    pub achievement: Achievement,
    /// Other ways of identifying the recipient (e.g. a hashed e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Vec<IdentityObject>>,
    /// Image representing this award (e.g. a baked badge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// License number, for licenses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
    /// Narrative of how the recipient met the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Results achieved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<Result>>,
    /// Role of the recipient, e.g. "Team Lead".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Organization that assessed or awarded, if not the issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Profile>,
    /// Academic term, e.g. "Fall".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AchievementSubject {
    /// A subject with `type: ["AchievementSubject"]` and the given achievement.
    pub fn new(achievement: Achievement) -> Self {
        Self {
            id: None,
            r#type: types(["AchievementSubject"]),
            activity_end_date: None,
            activity_start_date: None,
            credits_earned: None,
            achievement,
            identifier: None,
            image: None,
            license_number: None,
            narrative: None,
            result: None,
            role: None,
            source: None,
            term: None,
            extra: Map::new(),
        }
    }

    /// `activityStartDate` parsed as an RFC 3339 date-time.
    pub fn activity_start_date(&self) -> std::result::Result<Option<OffsetDateTime>, ModelError> {
        parse_optional_rfc3339("activityStartDate", self.activity_start_date.as_deref())
    }

    /// `activityEndDate` parsed as an RFC 3339 date-time.
    pub fn activity_end_date(&self) -> std::result::Result<Option<OffsetDateTime>, ModelError> {
        parse_optional_rfc3339("activityEndDate", self.activity_end_date.as_deref())
    }

    /// `true` when `claimed` (e.g. an e-mail address) matches one of the
    /// subject's `identifier` entries.
    pub fn identified_by(&self, claimed: &str) -> bool {
        self.identifier
            .iter()
            .flatten()
            .any(|identity| identity.matches(claimed))
    }
}

/// Identifies a recipient by a possibly hashed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    /// `IdentityObject`.
    pub r#type: String,
    /// Whether `identityHash` is hashed.
    pub hashed: bool,
    /// `sha256$…` / `md5$…` hash of identity + salt, or the plain value.
    pub identity_hash: String,
    /// Kind of identity, e.g. `emailAddress`.
    pub identity_type: String,
    /// Salt appended to the identity before hashing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IdentityObject {
    /// Identity type used for e-mail addresses.
    pub const EMAIL_ADDRESS: &'static str = "emailAddress";

    /// A hashed e-mail identity: the address is trimmed and lower-cased, the
    /// salt appended, and the result hashed with SHA-256
    /// (see [`identity::hash_email`]).
    pub fn hashed_email(email: &str, salt: Option<&str>) -> Self {
        Self {
            r#type: "IdentityObject".to_owned(),
            hashed: true,
            identity_hash: identity::hash_email(email, salt),
            identity_type: Self::EMAIL_ADDRESS.to_owned(),
            salt: salt.map(str::to_owned),
            extra: Map::new(),
        }
    }

    /// An unhashed identity of the given type.
    pub fn plain(identity_type: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            r#type: "IdentityObject".to_owned(),
            hashed: false,
            identity_hash: value.into(),
            identity_type: identity_type.into(),
            salt: None,
            extra: Map::new(),
        }
    }

    /// `true` when `claimed` (a plain identity such as an e-mail address)
    /// matches this identity (see [`identity::identity_matches`]). An
    /// unhashed value is compared as a plain value even if it looks like a hash.
    pub fn matches(&self, claimed: &str) -> bool {
        if self.hashed {
            identity::identity_matches(claimed, &self.identity_hash, self.salt.as_deref())
        } else {
            identity::plain_matches(claimed, &self.identity_hash)
        }
    }
}

/// A result achieved by the recipient (grade, score, status…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Result {
    /// Must include `Result`.
    pub r#type: OneOrMany<String>,
    /// `id` of the rubric criterion level achieved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_level: Option<String>,
    /// Alignments of the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// `id` of the [`super::ResultDescription`] this result is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    /// Status, e.g. `Completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The value achieved, e.g. "A".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Evidence of the work that led to an award.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// URL of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Must include `Evidence`.
    pub r#type: OneOrMany<String>,
    /// Narrative of the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kind of evidence, e.g. "Poetry".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// Intended audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
