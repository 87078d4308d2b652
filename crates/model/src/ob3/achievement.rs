//! Achievements and the classes that describe them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::credential::EndorsementCredential;
use super::profile::{Image, Profile};
use crate::common::{Identified, Number, OneOrMany, types};

/// An accomplishment: what is being recognized (a badge, course, degree…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    /// Unique IRI of the achievement.
    pub id: String,
    /// Must include `Achievement`.
    pub r#type: OneOrMany<String>,
    /// Kind of achievement, e.g. `Badge`, `Certificate`, or an `ext:` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<String>,
    /// Objectives or standards the achievement aligns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// Who created the achievement definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Profile>,
    /// Credit hours that can be earned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_available: Option<Number>,
    /// How the achievement is earned.
    pub criteria: Criteria,
    /// Short description.
    pub description: String,
    /// Endorsements of the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<EndorsementCredential>>,
    /// Endorsements of the achievement as compact JWS strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Field of study, e.g. a major.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_of_study: Option<String>,
    /// Code used by people, e.g. a course code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_code: Option<String>,
    /// Image representing the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Language of the achievement (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_language: Option<String>,
    /// Name of the achievement.
    pub name: String,
    /// Further identifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_identifier: Option<Vec<IdentifierEntry>>,
    /// Related achievements, e.g. other languages or versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Vec<Related>>,
    /// Expected results (grades, levels…) of the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<Vec<ResultDescription>>,
    /// Specialization within the field of study, e.g. a minor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialization: Option<String>,
    /// Tags (keywords).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<String>>,
    /// Version of this achievement definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Achievement {
    /// An achievement with the required properties and `type: ["Achievement"]`.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
        criteria: Criteria,
    ) -> Self {
        Self {
            id: id.into(),
            r#type: types(["Achievement"]),
            achievement_type: None,
            alignment: None,
            creator: None,
            credits_available: None,
            criteria,
            description: description.into(),
            endorsement: None,
            endorsement_jwt: None,
            field_of_study: None,
            human_code: None,
            image: None,
            in_language: None,
            name: name.into(),
            other_identifier: None,
            related: None,
            result_description: None,
            specialization: None,
            tag: None,
            version: None,
            extra: Map::new(),
        }
    }
}

impl Identified for Achievement {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// A link to an objective, standard or competency the achievement aligns to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    /// Must include `Alignment`.
    pub r#type: OneOrMany<String>,
    /// Code of the target within its framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// Short description of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// Name of the target.
    pub target_name: String,
    /// Name of the framework the target belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// Type of the target, e.g. `CFItem` or an `ext:` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// URL of the official description of the target.
    pub target_url: String,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How an achievement is earned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Criteria {
    /// URI of a page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Narrative (Markdown) of what is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Criteria {
    /// Criteria given only by a narrative.
    pub fn narrative(narrative: impl Into<String>) -> Self {
        Self {
            narrative: Some(narrative.into()),
            ..Self::default()
        }
    }
}

/// An identifier of a profile or achievement in some other system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierEntry {
    /// `IdentifierEntry`.
    pub r#type: String,
    /// The identifier.
    pub identifier: String,
    /// Kind of identifier, e.g. `sourcedId` or an `ext:` value.
    pub identifier_type: String,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A related achievement, e.g. in another language or an earlier version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Related {
    /// IRI of the related achievement.
    pub id: String,
    /// Must include `Related`.
    pub r#type: OneOrMany<String>,
    /// Language of the related achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_language: Option<String>,
    /// Version of the related achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Describes a possible result (grade, score, level…) of an achievement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    /// Unique IRI, referenced by [`super::Result::result_description`].
    pub id: String,
    /// Must include `ResultDescription`.
    pub r#type: OneOrMany<String>,
    /// Alignments of this result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// Ordered list of allowed values, lowest to highest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_value: Option<Vec<String>>,
    /// Name of the result.
    pub name: String,
    /// `id` of the rubric criterion level required to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level: Option<String>,
    /// Value required to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
    /// Kind of result, e.g. `LetterGrade` or an `ext:` value.
    pub result_type: String,
    /// Levels of the rubric criterion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric_criterion_level: Option<Vec<RubricCriterionLevel>>,
    /// Maximum possible value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
    /// Minimum possible value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One level of a rubric criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RubricCriterionLevel {
    /// Unique IRI, referenced by `requiredLevel` / `achievedLevel`.
    pub id: String,
    /// Must include `RubricCriterionLevel`.
    pub r#type: OneOrMany<String>,
    /// Alignments of this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<Vec<Alignment>>,
    /// Description of the level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Level designation, e.g. "Proficient".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Name of the level.
    pub name: String,
    /// Points associated with the level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
