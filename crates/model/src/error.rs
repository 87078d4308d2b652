//! The crate's error type.

use thiserror::Error;

/// Errors raised while reading, converting or interpreting badge documents.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The input is not JSON, or does not have the shape of the requested model.
    #[error("invalid badge JSON: {0}")]
    Json(#[from] serde_json::Error),

    /// A date-time property does not hold a valid date-time with a time zone.
    #[error("property '{property}' is not a valid date-time with a time zone: '{value}'")]
    InvalidDateTime {
        /// JSON name of the property, e.g. `validFrom`.
        property: &'static str,
        /// The offending value.
        value: String,
    },

    /// A serialized model is not a JSON object although one was expected.
    #[error("expected the model to serialize to a JSON object")]
    NotAnObject,
}
