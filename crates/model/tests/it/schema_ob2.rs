//! Open Badges 2.0 structural validation.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::{
    SchemaIssue, validate_ob2_assertion, validate_ob2_badge_class, validate_ob2_profile,
};
use serde_json::{Value, json};

fn load(json: &str) -> Value {
    serde_json::from_str(json).expect("valid JSON")
}

fn assertion() -> Value {
    load(include_str!("../examples/ob2-assertion.json"))
}

fn issues(value: &Value) -> Vec<SchemaIssue> {
    validate_ob2_assertion(value).err().unwrap_or_default()
}

#[test]
fn spec_examples_are_valid() {
    for (name, json) in [
        (
            "ob2-assertion.json",
            include_str!("../examples/ob2-assertion.json"),
        ),
        (
            "ob2-assertion-embedded.json",
            include_str!("../examples/ob2-assertion-embedded.json"),
        ),
        (
            "ob2-assertion-intro.json",
            include_str!("../examples/ob2-assertion-intro.json"),
        ),
        (
            "ob2-signed-assertion.json",
            include_str!("../examples/ob2-signed-assertion.json"),
        ),
    ] {
        let result = validate_ob2_assertion(&load(json));
        assert!(result.is_ok(), "{name}: {result:?}");
    }
    let badge_class = load(include_str!("../examples/ob2-badgeclass.json"));
    assert_eq!(validate_ob2_badge_class(&badge_class), Ok(()));
    let issuer = load(include_str!("../examples/ob2-issuer.json"));
    assert_eq!(validate_ob2_profile(&issuer), Ok(()));
}

#[test]
fn missing_required_properties() {
    let mut assertion = assertion();
    let object = assertion.as_object_mut().unwrap();
    object.remove("issuedOn");
    object.remove("badge");
    object.remove("verification");
    assert_eq!(
        issues(&assertion),
        [
            SchemaIssue::new("", "required property 'badge' is missing"),
            SchemaIssue::new("", "required property 'verification' is missing"),
            SchemaIssue::new("", "required property 'issuedOn' is missing"),
        ]
    );
}

#[test]
fn embedded_badge_class_is_checked() {
    let mut assertion = load(include_str!("../examples/ob2-assertion-embedded.json"));
    assertion["badge"].as_object_mut().unwrap().remove("name");
    assertion["badge"]["criteria"] = json!(12);
    assertion["badge"]["issuer"]
        .as_object_mut()
        .unwrap()
        .remove("email");
    assert_eq!(
        issues(&assertion),
        [
            SchemaIssue::new("/badge", "required property 'name' is missing"),
            SchemaIssue::new(
                "/badge/criteria",
                "expected an IRI or an object, found a number"
            ),
            SchemaIssue::new("/badge/issuer", "required property 'email' is missing"),
        ]
    );
}

#[test]
fn bad_dates_and_iris() {
    let mut assertion = assertion();
    assertion["issuedOn"] = json!("2016-12-31");
    assertion["expires"] = json!(1483228799);
    assertion["badge"] = json!("robotics-badge.json");
    let found = issues(&assertion);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].pointer, "/badge");
    assert_eq!(
        found[0].message,
        "expected an absolute IRI, found 'robotics-badge.json'"
    );
    assert_eq!(found[1].pointer, "/issuedOn");
    assert!(
        found[1]
            .message
            .starts_with("expected an ISO 8601 date-time with a time zone")
    );
    assert_eq!(
        found[2],
        SchemaIssue::new("/expires", "expected a string, found a number")
    );
}

#[test]
fn recipient_and_verification_shapes() {
    let mut assertion = assertion();
    assertion["recipient"]["identity"] = json!("sha256$1234");
    assertion["verification"]["type"] = json!("blockchain");
    let found = issues(&assertion);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].pointer, "/recipient/identity");
    assert!(
        found[0]
            .message
            .starts_with("expected a hash of the form sha256$<64 hex digits>")
    );
    assert_eq!(
        found[1],
        SchemaIssue::new(
            "/verification/type",
            "expected 'hosted', 'HostedBadge', 'signed' or 'SignedBadge'"
        )
    );
}

#[test]
fn legacy_verify_alias_is_accepted() {
    let mut assertion = assertion();
    let verification = assertion
        .as_object_mut()
        .unwrap()
        .remove("verification")
        .unwrap();
    assertion["verify"] = verification;
    assert_eq!(validate_ob2_assertion(&assertion), Ok(()));
}

#[test]
fn revoked_assertion_needs_only_id() {
    let revoked = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "id": "https://example.org/beths-robotics-badge.json",
        "revoked": true,
        "revocationReason": "Issued in error."
    });
    assert_eq!(validate_ob2_assertion(&revoked), Ok(()));
    let not_revoked = json!({"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/a", "revoked": false});
    assert!(issues(&not_revoked).len() >= 5);
}

#[test]
fn wrong_type_and_context() {
    let mut assertion = assertion();
    assertion["type"] = json!("BadgeClass");
    assertion.as_object_mut().unwrap().remove("@context");
    assert_eq!(
        issues(&assertion),
        [
            SchemaIssue::new("", "required property '@context' is missing"),
            SchemaIssue::new("/type", "expected the type 'Assertion'"),
        ]
    );
    assert_eq!(
        issues(&json!([])),
        [SchemaIssue::new("", "expected an object, found an array")]
    );
}

#[test]
fn badge_class_alignment_and_issuer_profile() {
    let mut badge_class = load(include_str!("../examples/ob2-badgeclass.json"));
    badge_class["alignment"][1]
        .as_object_mut()
        .unwrap()
        .remove("targetUrl");
    badge_class["tags"] = json!(["robots", 3]);
    assert_eq!(
        validate_ob2_badge_class(&badge_class),
        Err(vec![
            SchemaIssue::new("/alignment/1", "required property 'targetUrl' is missing"),
            SchemaIssue::new("/tags/1", "expected a string, found a number"),
        ])
    );
    let mut issuer = load(include_str!("../examples/ob2-issuer.json"));
    issuer["email"] = json!("contact at example.org");
    issuer["url"] = json!("example.org");
    assert_eq!(
        validate_ob2_profile(&issuer),
        Err(vec![
            SchemaIssue::new("/url", "expected an absolute IRI, found 'example.org'"),
            SchemaIssue::new(
                "/email",
                "expected an e-mail address, found 'contact at example.org'"
            ),
        ])
    );
}
