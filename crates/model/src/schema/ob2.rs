//! Structural validation of Open Badges 2.0 documents.
//!
//! 1EdTech publishes no JSON Schema for Open Badges 2.0, so the required
//! properties and value shapes of the 2.0 specification are checked here in
//! code, reporting [`SchemaIssue`]s like the schema-based validation.

use serde_json::{Map, Value};

use super::SchemaIssue;
use crate::common::parse_iso8601;

/// Validates an Open Badges 2.0 Assertion document, including an embedded
/// BadgeClass and issuer Profile. A revoked Assertion (`"revoked": true`)
/// needs only `id` and `revoked`, as the spec allows.
pub fn validate_ob2_assertion(assertion: &Value) -> Result<(), Vec<SchemaIssue>> {
    let mut checker = Checker::default();
    if let Some(object) = checker.object(assertion, "") {
        checker.assertion(object, "");
    }
    checker.finish()
}

/// Validates an Open Badges 2.0 BadgeClass document.
pub fn validate_ob2_badge_class(badge_class: &Value) -> Result<(), Vec<SchemaIssue>> {
    let mut checker = Checker::default();
    if let Some(object) = checker.object(badge_class, "") {
        checker.context(object, "");
        checker.badge_class(object, "");
    }
    checker.finish()
}

/// Validates an Open Badges 2.0 issuer Profile document.
pub fn validate_ob2_profile(profile: &Value) -> Result<(), Vec<SchemaIssue>> {
    let mut checker = Checker::default();
    if let Some(object) = checker.object(profile, "") {
        checker.context(object, "");
        checker.issuer(object, "");
    }
    checker.finish()
}

#[derive(Default)]
struct Checker {
    issues: Vec<SchemaIssue>,
}

impl Checker {
    fn finish(self) -> Result<(), Vec<SchemaIssue>> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(self.issues)
        }
    }

    fn issue(&mut self, pointer: &str, message: impl Into<String>) {
        self.issues.push(SchemaIssue::new(pointer, message));
    }

    // --- the classes -------------------------------------------------------

    fn assertion(&mut self, object: &Map<String, Value>, at: &str) {
        self.context(object, at);
        self.required(object, at, "id", Self::iri);
        if self.optional(object, at, "revoked", Self::boolean) == Some(&Value::Bool(true)) {
            self.optional(object, at, "revocationReason", Self::string);
            return;
        }
        self.type_includes(object, at, &["Assertion"]);
        if let Some(recipient) = self
            .required(object, at, "recipient", Self::object_value)
            .and_then(Value::as_object)
        {
            self.recipient(recipient, &join(at, "recipient"));
        }
        if let Some(Value::Object(badge)) = self.required(object, at, "badge", Self::iri_or_object)
        {
            self.badge_class(badge, &join(at, "badge"));
        }
        let verification_key =
            if object.contains_key("verification") || !object.contains_key("verify") {
                "verification"
            } else {
                "verify"
            };
        if let Some(verification) = self
            .required(object, at, verification_key, Self::object_value)
            .and_then(Value::as_object)
        {
            self.assertion_verification(verification, &join(at, verification_key));
        }
        self.required(object, at, "issuedOn", Self::date_time);
        self.optional(object, at, "expires", Self::date_time);
        self.optional(object, at, "image", Self::image);
        self.optional(object, at, "narrative", Self::string);
        self.optional(object, at, "revocationReason", Self::string);
        if let Some(evidence) = object.get("evidence") {
            self.each(evidence, &join(at, "evidence"), Self::evidence);
        }
    }

    fn recipient(&mut self, recipient: &Map<String, Value>, at: &str) {
        self.required(recipient, at, "type", Self::string);
        let hashed =
            self.optional(recipient, at, "hashed", Self::boolean) == Some(&Value::Bool(true));
        self.optional(recipient, at, "salt", Self::string);
        if let Some(Value::String(identity)) =
            self.required(recipient, at, "identity", Self::string)
        {
            if hashed && !is_identity_hash(identity) {
                self.issue(
                    &join(at, "identity"),
                    format!(
                        "expected a hash of the form sha256$<64 hex digits> or md5$<32 hex digits> \
                         because 'hashed' is true, found '{identity}'"
                    ),
                );
            }
        }
    }

    fn assertion_verification(&mut self, verification: &Map<String, Value>, at: &str) {
        const KNOWN: [&str; 4] = ["hosted", "HostedBadge", "signed", "SignedBadge"];
        if self
            .required(verification, at, "type", Self::string_or_strings)
            .is_some()
            && !type_names(verification.get("type")).any(|name| KNOWN.contains(&name))
        {
            self.issue(
                &join(at, "type"),
                "expected 'hosted', 'HostedBadge', 'signed' or 'SignedBadge'",
            );
        }
        self.optional(verification, at, "creator", Self::iri);
    }

    fn badge_class(&mut self, object: &Map<String, Value>, at: &str) {
        self.required(object, at, "id", Self::iri);
        self.type_includes(object, at, &["BadgeClass"]);
        self.required(object, at, "name", Self::string);
        self.required(object, at, "description", Self::string);
        self.required(object, at, "image", Self::image);
        if let Some(Value::Object(criteria)) =
            self.required(object, at, "criteria", Self::iri_or_object)
        {
            let criteria_at = join(at, "criteria");
            self.optional(criteria, &criteria_at, "id", Self::iri);
            self.optional(criteria, &criteria_at, "narrative", Self::string);
            if !criteria.contains_key("id") && !criteria.contains_key("narrative") {
                self.issue(&criteria_at, "criteria needs an 'id' or a 'narrative'");
            }
        }
        if let Some(Value::Object(issuer)) =
            self.required(object, at, "issuer", Self::iri_or_object)
        {
            self.issuer(issuer, &join(at, "issuer"));
        }
        if let Some(alignment) = object.get("alignment") {
            self.each(alignment, &join(at, "alignment"), Self::alignment);
        }
        if let Some(tags) = object.get("tags") {
            self.each(tags, &join(at, "tags"), |checker, tag, tag_at| {
                checker.string(tag, tag_at);
            });
        }
    }

    fn issuer(&mut self, object: &Map<String, Value>, at: &str) {
        self.required(object, at, "id", Self::iri);
        self.type_includes(object, at, &["Issuer", "Profile"]);
        self.required(object, at, "name", Self::string);
        self.required(object, at, "url", Self::iri);
        if let Some(Value::String(email)) = self.required(object, at, "email", Self::string) {
            if !email.contains('@') {
                self.issue(
                    &join(at, "email"),
                    format!("expected an e-mail address, found '{email}'"),
                );
            }
        }
        self.optional(object, at, "description", Self::string);
        self.optional(object, at, "telephone", Self::string);
        self.optional(object, at, "image", Self::image);
        self.optional(object, at, "revocationList", Self::iri);
        self.optional(object, at, "verification", Self::object_value);
        if let Some(keys) = object.get("publicKey") {
            self.each(keys, &join(at, "publicKey"), |checker, key, key_at| {
                if let Some(Value::Object(key)) = checker.iri_or_object(key, key_at) {
                    checker.optional(key, key_at, "id", Self::iri);
                    checker.optional(key, key_at, "owner", Self::iri);
                    checker.optional(key, key_at, "publicKeyPem", Self::string);
                }
            });
        }
    }

    fn evidence(&mut self, evidence: &Value, at: &str) {
        if let Some(Value::Object(object)) = self.iri_or_object(evidence, at) {
            self.optional(object, at, "id", Self::iri);
            for key in ["narrative", "name", "description", "genre", "audience"] {
                self.optional(object, at, key, Self::string);
            }
        }
    }

    fn alignment(&mut self, alignment: &Value, at: &str) {
        if let Some(object) = self.object(alignment, at) {
            self.required(object, at, "targetName", Self::string);
            self.required(object, at, "targetUrl", Self::iri);
            for key in ["targetDescription", "targetFramework", "targetCode"] {
                self.optional(object, at, key, Self::string);
            }
        }
    }

    // --- shared property rules -------------------------------------------

    fn context(&mut self, object: &Map<String, Value>, at: &str) {
        match object.get("@context") {
            None => self.issue(at, "required property '@context' is missing"),
            Some(Value::String(_) | Value::Array(_) | Value::Object(_)) => {}
            Some(other) => self.issue(
                &join(at, "@context"),
                format!(
                    "expected a string, an array or an object, found {}",
                    describe(other)
                ),
            ),
        }
    }

    fn type_includes(&mut self, object: &Map<String, Value>, at: &str, wanted: &[&str]) {
        if self
            .required(object, at, "type", Self::string_or_strings)
            .is_some()
            && !type_names(object.get("type")).any(|name| wanted.contains(&name))
        {
            let quoted: Vec<String> = wanted.iter().map(|name| format!("'{name}'")).collect();
            self.issue(
                &join(at, "type"),
                format!("expected the type {}", quoted.join(" or ")),
            );
        }
    }

    /// Checks a required property with `check`; reports it when missing.
    fn required<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &str,
        key: &str,
        check: impl FnOnce(&mut Self, &'v Value, &str) -> Option<&'v Value>,
    ) -> Option<&'v Value> {
        match object.get(key) {
            Some(value) => check(self, value, &join(at, key)),
            None => {
                self.issue(at, format!("required property '{key}' is missing"));
                None
            }
        }
    }

    /// Checks an optional property with `check` when present.
    fn optional<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &str,
        key: &str,
        check: impl FnOnce(&mut Self, &'v Value, &str) -> Option<&'v Value>,
    ) -> Option<&'v Value> {
        object
            .get(key)
            .and_then(|value| check(self, value, &join(at, key)))
    }

    /// Applies `check` to a value that may be single or an array.
    fn each(&mut self, value: &Value, at: &str, mut check: impl FnMut(&mut Self, &Value, &str)) {
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    check(self, item, &format!("{at}/{index}"));
                }
            }
            single => check(self, single, at),
        }
    }

    // --- value rules (return the value when it has the right shape) -------

    fn object<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(object) => Some(object),
            other => {
                self.issue(at, format!("expected an object, found {}", describe(other)));
                None
            }
        }
    }

    fn string<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        if value.is_string() {
            Some(value)
        } else {
            self.issue(at, format!("expected a string, found {}", describe(value)));
            None
        }
    }

    fn string_or_strings<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        let ok = match value {
            Value::String(_) => true,
            Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_string),
            _ => false,
        };
        if ok {
            Some(value)
        } else {
            self.issue(
                at,
                format!(
                    "expected a string or an array of strings, found {}",
                    describe(value)
                ),
            );
            None
        }
    }

    fn boolean<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        if value.is_boolean() {
            Some(value)
        } else {
            self.issue(at, format!("expected a boolean, found {}", describe(value)));
            None
        }
    }

    fn iri<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        let text = self.string(value, at)?.as_str()?;
        if is_absolute_iri(text) {
            Some(value)
        } else {
            self.issue(at, format!("expected an absolute IRI, found '{text}'"));
            None
        }
    }

    fn iri_or_object<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        match value {
            Value::String(_) => self.iri(value, at),
            Value::Object(_) => Some(value),
            other => {
                self.issue(
                    at,
                    format!("expected an IRI or an object, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn image<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        if let Value::Object(object) = self.iri_or_object(value, at)? {
            self.required(object, at, "id", Self::iri)?;
            self.optional(object, at, "caption", Self::string);
        }
        Some(value)
    }

    fn object_value<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        self.object(value, at).map(|_| value)
    }

    fn date_time<'v>(&mut self, value: &'v Value, at: &str) -> Option<&'v Value> {
        let text = self.string(value, at)?.as_str()?;
        match parse_iso8601("date-time", text) {
            Ok(_) => Some(value),
            Err(_) => {
                self.issue(
                    at,
                    format!(
                        "expected an ISO 8601 date-time with a time zone \
                         (e.g. 2016-12-31T23:59:59+00:00), found '{text}'"
                    ),
                );
                None
            }
        }
    }
}

fn join(at: &str, key: &str) -> String {
    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn type_names(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let items: Vec<&str> = match value {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    items.into_iter()
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `scheme:rest` with a valid scheme and no whitespace.
fn is_absolute_iri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(char::is_whitespace)
}

/// `sha256$<64 hex>` or `md5$<32 hex>` (prefix case-insensitive).
fn is_identity_hash(text: &str) -> bool {
    let Some((algorithm, digest)) = text.split_once('$') else {
        return false;
    };
    let length = if algorithm.eq_ignore_ascii_case("sha256") {
        64
    } else if algorithm.eq_ignore_ascii_case("md5") {
        32
    } else {
        return false;
    };
    digest.len() == length && digest.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iri_shapes() {
        assert!(is_absolute_iri("https://example.org/a"));
        assert!(is_absolute_iri(
            "urn:uuid:a953081a-4bbd-4927-9653-7219bca00e3b"
        ));
        assert!(is_absolute_iri("data:image/png;base64,AAAA"));
        assert!(!is_absolute_iri("/relative/path"));
        assert!(!is_absolute_iri("example.org"));
        assert!(!is_absolute_iri("https://example.org/a b"));
    }
}
