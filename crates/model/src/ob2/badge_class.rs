//! BadgeClasses and the classes that describe them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::endorsement::Endorsement;
use super::profile::Profile;
use crate::common::{Context, IdOrObject, Identified, OneOrMany, TextOrNumber};

/// A BadgeClass: the achievement an Assertion awards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BadgeClass {
    /// JSON-LD context; absent when embedded.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Unique IRI of the BadgeClass.
    pub id: String,
    /// Normally `BadgeClass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// Name of the achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Image of the achievement: an IRI or an Image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<super::ImageRef>,
    /// How to earn it: an IRI or a Criteria object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<IdOrObject<Criteria>>,
    /// The issuer: an IRI or an embedded Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IdOrObject<Profile>>,
    /// Objectives or standards it aligns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<OneOrMany<AlignmentObject>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<OneOrMany<String>>,
    /// Related BadgeClasses (other languages or versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<OneOrMany<IdOrObject<Related>>>,
    /// Version, text or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<TextOrNumber>,
    /// Endorsements of the BadgeClass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<OneOrMany<IdOrObject<Endorsement>>>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BadgeClass {
    /// IRI of the issuer.
    pub fn issuer_id(&self) -> Option<&str> {
        self.issuer.as_ref().and_then(IdOrObject::id)
    }
}

impl Identified for BadgeClass {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// Metadata about an image; often written as just its IRI instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// Defaults to `schema:ImageObject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// URI or data URI of the image.
    pub id: String,
    /// Caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Author of the image: an IRI or a Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<IdOrObject<Box<Profile>>>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for Image {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// How a badge is earned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Criteria {
    /// Defaults to `Criteria`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// URL of a page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Narrative (Markdown) of what is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for Criteria {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// An alignment to an educational standard or objective (schema.org AlignmentObject).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlignmentObject {
    /// Type, rarely given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// Name of the target (required by the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// URL of the target (required by the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// Short description of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    /// Framework of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// Code of the target within the framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A related entity of the same type (another language or version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Related {
    /// IRI of the related entity.
    pub id: String,
    /// Type of the related entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OneOrMany<String>>,
    /// Version of the related entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<TextOrNumber>,
    /// Language of the related entity.
    #[serde(rename = "@language", default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Identified for Related {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}
