//! Profiles (issuers, creators, recipients), their addresses, and images.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::achievement::IdentifierEntry;
use super::credential::EndorsementCredential;
use crate::common::{Identified, Number, OneOrMany, types};

/// A Profile: an individual, organization or entity that issues, creates or
/// receives credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Unique IRI of the profile.
    pub id: String,
    /// Must include `Profile`.
    pub r#type: OneOrMany<String>,
    /// Name of the entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Homepage or social media profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Endorsements of this profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<EndorsementCredential>>,
    /// Endorsements of this profile as compact JWS strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Image representing the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Contact e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Further identifiers of the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_identifier: Option<Vec<IdentifierEntry>>,
    /// Name of an authorized official of the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official: Option<String>,
    /// Parent organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_org: Option<Box<Profile>>,
    /// Family name (individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given name (individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Additional name, e.g. a middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_name: Option<String>,
    /// Patronymic name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic_name: Option<String>,
    /// Honorific prefix, e.g. "Dr".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// Honorific suffix, e.g. "PhD".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
    /// Family name prefix, e.g. "van".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name_prefix: Option<String>,
    /// Birth date (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Profile {
    /// A profile with only `id` and `type: ["Profile"]`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            r#type: types(["Profile"]),
            name: None,
            url: None,
            phone: None,
            description: None,
            endorsement: None,
            endorsement_jwt: None,
            image: None,
            email: None,
            address: None,
            other_identifier: None,
            official: None,
            parent_org: None,
            family_name: None,
            given_name: None,
            additional_name: None,
            patronymic_name: None,
            honorific_prefix: None,
            honorific_suffix: None,
            family_name_prefix: None,
            date_of_birth: None,
            extra: Map::new(),
        }
    }
}

impl Identified for Profile {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Must include `Address`.
    pub r#type: OneOrMany<String>,
    /// Country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_country: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_country_code: Option<String>,
    /// Region, e.g. a state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_region: Option<String>,
    /// Locality, e.g. a city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_locality: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// Post office box number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_office_box_number: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Geographic coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<GeoCoordinates>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Geographic coordinates of a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoCoordinates {
    /// `GeoCoordinates`.
    pub r#type: String,
    /// Latitude.
    pub latitude: Number,
    /// Longitude.
    pub longitude: Number,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Metadata about an image; `id` is its URI or data URI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// URI or data URI of the image.
    pub id: String,
    /// `Image`.
    pub r#type: String,
    /// Caption, e.g. for alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Properties not defined by the spec, kept as they were (the schema does
    /// not allow any).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Image {
    /// An image with the given URI and `type: "Image"`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            r#type: "Image".to_owned(),
            caption: None,
            extra: Map::new(),
        }
    }
}

impl Identified for Image {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}
