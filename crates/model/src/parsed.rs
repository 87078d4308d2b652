//! [`Parsed`]: a typed model together with the JSON it was read from, so that
//! writing it back keeps the original key order.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ModelError;

/// A typed model plus the original JSON document it was parsed from.
///
/// Serde structs serialize their fields in declaration order, followed by the
/// unknown properties kept in `extra`. [`Parsed::to_value`] serializes
/// `model` and then restores the key order of the original document:
///
/// * keys present in both keep their original position,
/// * keys that only exist in the new value are appended, in their order,
/// * arrays are restored element by element,
/// * a key whose original value was `null` (dropped by the model, as JSON-LD
///   does) is written back as `null` at its place if the model did not set it.
///
/// Editing `model` is allowed: removed keys disappear, new keys go at the end.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The typed model; free to read and change.
    pub model: T,
    original: Value,
}

impl<T> Parsed<T>
where
    T: DeserializeOwned + Serialize,
{
    /// Parses a JSON document.
    pub fn from_json_str(json: &str) -> Result<Self, ModelError> {
        Self::from_value(serde_json::from_str(json)?)
    }

    /// Interprets an already parsed JSON value.
    pub fn from_value(original: Value) -> Result<Self, ModelError> {
        let model = T::deserialize(&original)?;
        Ok(Self { model, original })
    }

    /// Serializes the model with the original key order restored.
    pub fn to_value(&self) -> Result<Value, ModelError> {
        let fresh = serde_json::to_value(&self.model)?;
        Ok(restore_order(fresh, &self.original))
    }

    /// [`Parsed::to_value`] as compact JSON text.
    pub fn to_json_string(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string(&self.to_value()?)?)
    }

    /// [`Parsed::to_value`] as indented JSON text.
    pub fn to_json_string_pretty(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string_pretty(&self.to_value()?)?)
    }
}

impl<T> Parsed<T> {
    /// The JSON document as it was parsed.
    pub fn original(&self) -> &Value {
        &self.original
    }

    /// Drops the original document and returns the model.
    pub fn into_model(self) -> T {
        self.model
    }
}

/// Reorders the keys of `fresh` to follow `original`, recursively (see
/// [`Parsed`] for the rules).
pub fn restore_order(fresh: Value, original: &Value) -> Value {
    match (fresh, original) {
        (Value::Object(fresh), Value::Object(original)) => {
            Value::Object(restore_object(fresh, original))
        }
        (Value::Array(fresh), Value::Array(original)) => Value::Array(
            fresh
                .into_iter()
                .enumerate()
                .map(|(index, item)| match original.get(index) {
                    Some(before) => restore_order(item, before),
                    None => item,
                })
                .collect(),
        ),
        (fresh, _) => fresh,
    }
}

fn restore_object(
    mut fresh: Map<String, Value>,
    original: &Map<String, Value>,
) -> Map<String, Value> {
    let mut ordered = Map::with_capacity(fresh.len());
    for (key, before) in original {
        // `shift_remove` keeps the order of the keys left behind, which are
        // appended below in the order the model produced them.
        match fresh.shift_remove(key) {
            Some(value) => {
                ordered.insert(key.clone(), restore_order(value, before));
            }
            None if before.is_null() => {
                ordered.insert(key.clone(), Value::Null);
            }
            None => {}
        }
    }
    ordered.extend(fresh);
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn restores_nested_order_and_appends_new_keys() {
        let original = json!({"b": 1, "a": {"y": 1, "x": 2}, "list": [{"q": 1, "p": 2}], "gone": 3, "n": null});
        let fresh = json!({"a": {"x": 2, "y": 1}, "b": 1, "new": true, "list": [{"p": 2, "q": 1}, {"z": 0}]});
        let restored = restore_order(fresh, &original);
        assert_eq!(
            serde_json::to_string(&restored).unwrap(),
            r#"{"b":1,"a":{"y":1,"x":2},"list":[{"q":1,"p":2},{"z":0}],"n":null,"new":true}"#
        );
    }
}
