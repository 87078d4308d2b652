//! The project's example credential, `examples/ob3-achievement-credential.json`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::ob3::{OB3_CONTEXT, OpenBadgeCredential};
use insignia_model::{IdOrObject, Parsed, VcDataModel, validate_ob3};
use serde_json::Value;

const JSON: &str = include_str!("../../../../examples/ob3-achievement-credential.json");

fn credential() -> OpenBadgeCredential {
    serde_json::from_str(JSON).expect("example parses")
}

/// Collects every `id` value with its JSON pointer.
fn ids<'a>(value: &'a Value, pointer: String, found: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let child_pointer = format!("{pointer}/{key}");
                if key == "id" {
                    found.push((child_pointer.clone(), child));
                }
                ids(child, child_pointer, found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                ids(item, format!("{pointer}/{index}"), found);
            }
        }
        _ => {}
    }
}

fn is_absolute_iri(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, rest)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
    }) && !text.contains(char::is_whitespace)
}

#[test]
fn passes_the_official_schema() {
    let value: Value = serde_json::from_str(JSON).unwrap();
    assert_eq!(validate_ob3(&value), Ok(()));
}

#[test]
fn is_an_unsigned_vc2_open_badge() {
    let credential = credential();
    let contexts: Vec<&str> = credential
        .context
        .iter()
        .filter_map(|c| c.as_iri())
        .collect();
    assert_eq!(
        contexts,
        ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT]
    );
    assert_eq!(credential.data_model(), VcDataModel::V2_0);
    assert!(credential.id.starts_with("urn:uuid:"));
    assert_eq!(
        credential.r#type.as_slice(),
        ["VerifiableCredential", "OpenBadgeCredential"]
    );
    assert!(credential.proof.is_none());
    assert!(credential.valid_from().unwrap().is_some());
    assert!(credential.valid_until().unwrap() > credential.valid_from().unwrap());

    let IdOrObject::Object(issuer) = &credential.issuer else {
        panic!("the issuer should be an embedded Profile");
    };
    assert_eq!(
        issuer.id,
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    );
    assert!(issuer.name.is_some() && issuer.url.is_some() && issuer.email.is_some());
    assert!(issuer.image.is_some());
}

#[test]
fn has_the_required_parts() {
    let credential = credential();
    let subject = &credential.credential_subject;
    assert!(subject.r#type.contains_str("AchievementSubject"));
    let identifier = subject.identifier.as_deref().unwrap_or_default();
    assert!(identifier.iter().all(|identity| identity.hashed));
    assert!(!identifier.is_empty());

    let achievement = &subject.achievement;
    assert_eq!(achievement.alignment.as_ref().map(Vec::len), Some(2));
    for alignment in achievement.alignment.iter().flatten() {
        assert!(alignment.target_code.is_some() && alignment.target_framework.is_some());
        assert!(alignment.target_type.is_some());
    }
    assert!(achievement.criteria.narrative.is_some());
    assert!(achievement.image.is_some() && achievement.achievement_type.is_some());
    assert!(achievement.credits_available.is_some() && achievement.field_of_study.is_some());
    assert!(achievement.human_code.is_some() && achievement.in_language.is_some());
    assert!(achievement.tag.is_some());

    // The result points at the achievement's result description.
    let descriptions = achievement
        .result_description
        .as_deref()
        .unwrap_or_default();
    let results = subject.result.as_deref().unwrap_or_default();
    assert!(!results.is_empty());
    for result in results {
        let described = result.result_description.as_deref();
        let description = descriptions
            .iter()
            .find(|d| Some(d.id.as_str()) == described)
            .unwrap();
        let value = result.value.as_ref().unwrap();
        assert!(
            description
                .allowed_value
                .iter()
                .flatten()
                .any(|allowed| allowed == value)
        );
    }
    assert!(subject.credits_earned.is_some());
    assert!(subject.activity_start_date().unwrap() < subject.activity_end_date().unwrap());

    let evidence = credential.evidence.as_deref().unwrap_or_default();
    assert!((1..=2).contains(&evidence.len()));
    assert!(credential.credential_schema.is_some());
}

#[test]
fn every_id_is_an_absolute_iri() {
    let value: Value = serde_json::from_str(JSON).unwrap();
    let mut found = Vec::new();
    ids(&value, String::new(), &mut found);
    assert!(found.len() >= 8, "{found:?}");
    for (pointer, id) in found {
        let text = id
            .as_str()
            .unwrap_or_else(|| panic!("{pointer} is not a string"));
        assert!(
            is_absolute_iri(text),
            "{pointer}: '{text}' is not an absolute IRI"
        );
    }
}

#[test]
fn round_trips_exactly() {
    let parsed = Parsed::<OpenBadgeCredential>::from_json_str(JSON).unwrap();
    let input: Value = serde_json::from_str(JSON).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&parsed.to_value().unwrap()).unwrap(),
        serde_json::to_string_pretty(&input).unwrap()
    );
}
