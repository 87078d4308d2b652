//! Shapes shared by Open Badges 2.0 and 3.0: "one or many" values,
//! "IRI or embedded object" references, JSON-LD `@context`, numbers kept
//! exactly as written, and date-time parsing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};

use crate::error::ModelError;

/// A JSON-LD value that may be written either as a single value or as an
/// array. The written form is kept, so serialization reproduces the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// Written as an array (possibly of one element).
    Many(Vec<T>),
    /// Written as a single value.
    One(T),
}

impl<T> OneOrMany<T> {
    /// The values as a slice, whichever way they were written.
    pub fn as_slice(&self) -> &[T] {
        match self {
            Self::Many(values) => values,
            Self::One(value) => std::slice::from_ref(value),
        }
    }

    /// Iterates over the values.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// `true` when written as an empty array.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The first value, if any.
    pub fn first(&self) -> Option<&T> {
        self.as_slice().first()
    }

    /// Consumes the value and returns all values as a vector.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Self::Many(values) => values,
            Self::One(value) => vec![value],
        }
    }
}

impl OneOrMany<String> {
    /// `true` when one of the strings equals `wanted`.
    pub fn contains_str(&self, wanted: &str) -> bool {
        self.iter().any(|value| value == wanted)
    }
}

impl<T> From<T> for OneOrMany<T> {
    fn from(value: T) -> Self {
        Self::One(value)
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(values: Vec<T>) -> Self {
        Self::Many(values)
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Builds a `type` value written as an array of the given strings.
pub fn types<const N: usize>(names: [&str; N]) -> OneOrMany<String> {
    OneOrMany::Many(names.iter().map(|name| (*name).to_owned()).collect())
}

/// Something with an optional identifier (`id`).
pub trait Identified {
    /// The `id` of the object, if it has one.
    fn id(&self) -> Option<&str>;
}

impl<T: Identified> Identified for Box<T> {
    fn id(&self) -> Option<&str> {
        (**self).id()
    }
}

/// A reference written either as an IRI string or as an embedded object
/// (Open Badges "@id" properties such as `issuer`, `badge` or `image`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdOrObject<T> {
    /// Only the IRI of the referenced object.
    Id(String),
    /// The object itself, embedded.
    Object(T),
}

impl<T> IdOrObject<T> {
    /// The embedded object, if the reference is not a bare IRI.
    pub fn object(&self) -> Option<&T> {
        match self {
            Self::Id(_) => None,
            Self::Object(object) => Some(object),
        }
    }
}

impl<T: Identified> IdOrObject<T> {
    /// The IRI of the referenced object: the string itself, or the embedded
    /// object's `id`.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Id(id) => Some(id),
            Self::Object(object) => object.id(),
        }
    }
}

/// One entry of a JSON-LD `@context`: a context IRI or an inline context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextEntry {
    /// A context IRI such as `https://www.w3.org/ns/credentials/v2`.
    Iri(String),
    /// An inline context definition.
    Inline(Map<String, Value>),
}

impl ContextEntry {
    /// The IRI, if this entry is one.
    pub fn as_iri(&self) -> Option<&str> {
        match self {
            Self::Iri(iri) => Some(iri),
            Self::Inline(_) => None,
        }
    }
}

/// A JSON-LD `@context` value: one or many IRIs or inline contexts.
pub type Context = OneOrMany<ContextEntry>;

/// A JSON number kept exactly as parsed (integer or floating point), so that
/// `42` and `42.0` both survive a round trip unchanged.
pub type Number = serde_json::Number;

/// A value the spec allows to be text or a number (Open Badges 2.0 `version`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TextOrNumber {
    /// Written as a string.
    Text(String),
    /// Written as a number.
    Number(Number),
}

/// The W3C Verifiable Credentials context of VC Data Model 1.1.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The W3C Verifiable Credentials context of VC Data Model 2.0.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// Which W3C Verifiable Credentials Data Model a credential is written in,
/// judged by the first entry of its `@context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcDataModel {
    /// VC Data Model 1.1 (`issuanceDate` / `expirationDate`).
    V1_1,
    /// VC Data Model 2.0 (`validFrom` / `validUntil`), also assumed when the
    /// first context is neither of the two W3C contexts.
    V2_0,
}

impl VcDataModel {
    /// Detects the data model from a credential's `@context` value.
    pub fn of_context_value(context: Option<&Value>) -> Self {
        let first = match context {
            Some(Value::Array(entries)) => entries.first(),
            other => other,
        };
        match first.and_then(Value::as_str) {
            Some(VC_V1_CONTEXT) => Self::V1_1,
            _ => Self::V2_0,
        }
    }

    /// Detects the data model from a typed `@context`.
    pub fn of_context(context: &Context) -> Self {
        match context.first().and_then(ContextEntry::as_iri) {
            Some(VC_V1_CONTEXT) => Self::V1_1,
            _ => Self::V2_0,
        }
    }
}

/// Parses an RFC 3339 date-time, which always carries a time zone
/// (`Z` or `±hh:mm`). Used for Open Badges 3.0.
pub fn parse_rfc3339(property: &'static str, value: &str) -> Result<OffsetDateTime, ModelError> {
    OffsetDateTime::parse(value, &Rfc3339).map_err(|_| ModelError::InvalidDateTime {
        property,
        value: value.to_owned(),
    })
}

/// Parses an ISO 8601 date-time with a time zone designator. Open Badges 2.0
/// allows any ISO 8601 form (e.g. `+0000` offsets or no seconds); RFC 3339 is
/// tried first.
pub fn parse_iso8601(property: &'static str, value: &str) -> Result<OffsetDateTime, ModelError> {
    OffsetDateTime::parse(value, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(value, &Iso8601::DEFAULT))
        .map_err(|_| ModelError::InvalidDateTime {
            property,
            value: value.to_owned(),
        })
}

/// Parses an optional RFC 3339 property.
pub(crate) fn parse_optional_rfc3339(
    property: &'static str,
    value: Option<&str>,
) -> Result<Option<OffsetDateTime>, ModelError> {
    value
        .map(|value| parse_rfc3339(property, value))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_or_many_keeps_written_form() {
        let one: OneOrMany<String> = serde_json::from_value(json!("Profile")).unwrap();
        let many: OneOrMany<String> = serde_json::from_value(json!(["Profile"])).unwrap();
        assert_eq!(one.as_slice(), many.as_slice());
        assert_eq!(serde_json::to_value(&one).unwrap(), json!("Profile"));
        assert_eq!(serde_json::to_value(&many).unwrap(), json!(["Profile"]));
        assert!(many.contains_str("Profile"));
    }

    #[test]
    fn dates_need_a_time_zone() {
        assert!(parse_rfc3339("validFrom", "2010-01-01T00:00:00Z").is_ok());
        assert!(parse_rfc3339("validFrom", "2010-01-01T00:00:00+02:00").is_ok());
        assert!(parse_rfc3339("validFrom", "2010-01-01T00:00:00").is_err());
        assert!(parse_rfc3339("validFrom", "2010-01-01").is_err());
        assert!(parse_iso8601("issuedOn", "2016-12-31T23:59:59+0000").is_ok());
        assert!(parse_iso8601("issuedOn", "2016-12-31T23:59:59").is_err());
    }

    #[test]
    fn detects_vc_data_model() {
        let v1 = json!([
            VC_V1_CONTEXT,
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ]);
        assert_eq!(VcDataModel::of_context_value(Some(&v1)), VcDataModel::V1_1);
        assert_eq!(
            VcDataModel::of_context_value(Some(&json!(VC_V2_CONTEXT))),
            VcDataModel::V2_0
        );
        assert_eq!(VcDataModel::of_context_value(None), VcDataModel::V2_0);
    }
}
