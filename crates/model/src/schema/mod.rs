//! Validation of badge documents.
//!
//! Open Badges 3.0 documents are checked against the official 1EdTech JSON
//! Schemas (Draft 2019-09) vendored in `crates/model/schemas/` and compiled
//! once, on first use. No schema is fetched from the network.
//!
//! Which schema is used depends on the credential:
//!
//! * `type` containing `EndorsementCredential` → the EndorsementCredential
//!   schema, otherwise the AchievementCredential schema;
//! * `@context` starting with the VC Data Model 1.1 context
//!   (`https://www.w3.org/2018/credentials/v1`) → the OB 3.0 schemas of the
//!   VC 1.1 era (they require `issuanceDate`, accept `expirationDate` and
//!   allow single values for `type`, `proof`, …); otherwise the current
//!   (3.0.3, VC 2.0) schemas, which require `validFrom` and the VC 2.0
//!   context. A VC 1.1 credential is therefore never failed for lacking
//!   `validFrom`, nor a VC 2.0 one for lacking `issuanceDate`.
//!
//! 1EdTech publishes no JSON Schema for Open Badges 2.0; those documents are
//! checked structurally in code (required properties and value shapes from
//! the 2.0 spec) and reported with the same [`SchemaIssue`] type.

mod compiled;
mod messages;
mod ob2;

use std::fmt;

use serde_json::Value;

use crate::common::VcDataModel;
use compiled::{BundledSchema, CompiledSchema};

pub use ob2::{validate_ob2_assertion, validate_ob2_badge_class, validate_ob2_profile};

/// One problem found while validating a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SchemaIssue {
    /// JSON Pointer (RFC 6901) to the offending value, e.g.
    /// `/credentialSubject/achievement/criteria`; `""` is the whole document.
    /// For a missing property it points at the object that lacks it.
    pub pointer: String,
    /// What is wrong, in plain words, e.g. "required property 'criteria' is
    /// missing" or "expected a string, found a number".
    pub message: String,
}

impl SchemaIssue {
    /// An issue at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SchemaIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "at {pointer}: {}", self.message)
    }
}

impl std::error::Error for SchemaIssue {}

/// Validates an Open Badges 3.0 credential (OpenBadgeCredential /
/// AchievementCredential or EndorsementCredential, VC 2.0 or VC 1.1 form)
/// against the matching official schema. See the [module docs](self).
pub fn validate_ob3(credential: &Value) -> Result<(), Vec<SchemaIssue>> {
    let endorsement = type_contains(credential.get("type"), "EndorsementCredential");
    let data_model = VcDataModel::of_context_value(credential.get("@context"));
    let schema = match (endorsement, data_model) {
        (false, VcDataModel::V2_0) => BundledSchema::AchievementCredential,
        (true, VcDataModel::V2_0) => BundledSchema::EndorsementCredential,
        (false, VcDataModel::V1_1) => BundledSchema::AchievementCredentialVc1,
        (true, VcDataModel::V1_1) => BundledSchema::EndorsementCredentialVc1,
    };
    run(schema, credential)
}

/// Validates an Open Badges 3.0 Profile (e.g. an issuer profile document)
/// against the official Profile schema.
pub fn validate_ob3_profile(profile: &Value) -> Result<(), Vec<SchemaIssue>> {
    run(BundledSchema::Profile, profile)
}

/// Validates an Open Badges 3.0 Achievement on its own, against the
/// `Achievement` definition of the current AchievementCredential schema.
pub fn validate_ob3_achievement(achievement: &Value) -> Result<(), Vec<SchemaIssue>> {
    run(BundledSchema::Achievement, achievement)
}

fn run(schema: BundledSchema, instance: &Value) -> Result<(), Vec<SchemaIssue>> {
    let compiled: &CompiledSchema = match schema.compiled() {
        Ok(compiled) => compiled,
        Err(reason) => {
            return Err(vec![SchemaIssue::new(
                "",
                format!("internal error: the bundled schema could not be compiled: {reason}"),
            )]);
        }
    };
    let mut issues: Vec<SchemaIssue> = Vec::new();
    for error in compiled.validator.iter_errors(instance) {
        for issue in messages::issues_for(&error, compiled) {
            if !issues.contains(&issue) {
                issues.push(issue);
            }
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(issues)
    }
}

fn type_contains(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        Some(Value::String(name)) => name == wanted,
        Some(Value::Array(names)) => names.iter().any(|name| name.as_str() == Some(wanted)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_schema_compiles() {
        for schema in BundledSchema::ALL {
            assert!(schema.compiled().is_ok(), "{schema:?} failed to compile");
        }
    }

    #[test]
    fn display_names_the_pointer() {
        let issue = SchemaIssue::new(
            "/credentialSubject/achievement",
            "required property 'criteria' is missing",
        );
        assert_eq!(
            issue.to_string(),
            "at /credentialSubject/achievement: required property 'criteria' is missing"
        );
        assert_eq!(SchemaIssue::new("", "x").to_string(), "at /: x");
    }
}
