//! The expanded document as the engine builds it on its way to RDF.
//!
//! The same shape as JSON, but objects are short vectors of entries in
//! insertion order rather than `serde_json::Map`s. Expanded JSON-LD objects
//! have a handful of entries each (`@id`, `@type`, a few properties), are
//! built once and walked once, so hashing their keys (serde_json's
//! order-preserving map hashes every key with SipHash) and allocating a hash
//! table for each cost more than scanning: this intermediate form was the
//! largest cost of JSON-LD expansion that was ours.
//!
//! Hand-written because serde_json's map type is fixed by its features, and
//! the crate keeps `preserve_order` on for exact round trips elsewhere.

use std::borrow::Borrow;

use serde_json::Number;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// Entries in insertion order; keys are unique.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    pub fn new() -> Self {
        Map(Vec::new())
    }

    pub fn with_capacity(capacity: usize) -> Self {
        Map(Vec::with_capacity(capacity))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| k == key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` (in place when it is there), returning the value it had.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Takes `key` out, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).map(|i| self.0.remove(i).1)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Borrow<str>> std::ops::Index<K> for Map {
    type Output = Value;

    /// The value at `key`, or null when there is none (like serde_json).
    fn index(&self, key: K) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key.borrow()).unwrap_or(&NULL)
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// A copy of a JSON value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Array(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(m) => Value::Object(Map(m
                .iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect())),
        }
    }

    /// The same value as JSON.
    pub fn into_json(self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s),
            Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(Value::into_json).collect())
            }
            Value::Object(m) => {
                serde_json::Value::Object(m.into_iter().map(|(k, v)| (k, v.into_json())).collect())
            }
        }
    }
}

/// Compact JSON, for error messages.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.clone().into_json())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{Map, Value};
    use serde_json::json;

    #[test]
    fn round_trips_json_in_order() {
        let json = json!({"b": [1, 2.5, "x", null, true], "a": {"z": {}, "y": []}});
        let value = Value::from_json(&json);
        let back = value.clone().into_json();
        assert_eq!(back, json);
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&json).unwrap()
        );
        assert_eq!(value.to_string(), json.to_string());
    }

    #[test]
    fn map_replaces_in_place_and_removes_in_order() {
        let mut m = Map::new();
        assert!(m.insert("a".into(), Value::Bool(true)).is_none());
        m.insert("b".into(), Value::Null);
        m.insert("c".into(), Value::Null);
        assert_eq!(
            m.insert("a".into(), Value::Bool(false)),
            Some(Value::Bool(true))
        );
        assert_eq!(m.len(), 3);
        assert_eq!(m.remove("b"), Some(Value::Null));
        assert_eq!(m.keys().cloned().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(m["a"], Value::Bool(false));
        assert!(m["missing"].is_null());
        assert!(!m.contains_key("b"));
    }
}
