//! Open Badges 2.0 model helpers.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::ob2::{Assertion, BadgeClass, RevocationList};
use insignia_model::{IdOrObject, OneOrMany};
use time::macros::datetime;

#[test]
fn assertion_accessors() {
    let assertion: Assertion =
        serde_json::from_str(include_str!("../examples/ob2-assertion.json")).unwrap();
    assert_eq!(
        assertion.badge_id(),
        Some("https://example.org/robotics-badge.json")
    );
    assert_eq!(
        assertion.issued_on().unwrap(),
        Some(datetime!(2016-12-31 23:59:59 UTC))
    );
    assert_eq!(
        assertion.expires().unwrap(),
        Some(datetime!(2017-06-30 23:59:59 UTC))
    );
    assert!(assertion.verification_object().unwrap().is_hosted());
    assert!(!assertion.is_revoked());

    let signed: Assertion =
        serde_json::from_str(include_str!("../examples/ob2-signed-assertion.json")).unwrap();
    let verification = signed.verification_object().unwrap();
    assert!(verification.is_signed());
    assert_eq!(
        verification.creator.as_deref(),
        Some("https://example.org/publicKey.json")
    );
}

#[test]
fn embedded_badge_and_issuer() {
    let assertion: Assertion =
        serde_json::from_str(include_str!("../examples/ob2-assertion-embedded.json")).unwrap();
    let Some(IdOrObject::Object(badge)) = &assertion.badge else {
        panic!("expected an embedded BadgeClass");
    };
    assert_eq!(badge.name.as_deref(), Some("Awesome Robotics Badge"));
    assert_eq!(
        badge.issuer_id(),
        Some("https://example.org/organization.json")
    );
    assert_eq!(
        assertion.badge_id(),
        Some("https://example.org/robotics-badge.json")
    );
}

#[test]
fn badge_class_shapes() {
    let badge: BadgeClass =
        serde_json::from_str(include_str!("../examples/ob2-badgeclass.json")).unwrap();
    assert_eq!(badge.tags.as_ref().map(OneOrMany::len), Some(2));
    assert!(matches!(badge.criteria, Some(IdOrObject::Id(_))));
    let alignment = badge.alignment.unwrap();
    assert_eq!(alignment.len(), 2);
    assert_eq!(
        alignment.as_slice()[1].target_framework.as_deref(),
        Some("Mozilla 21st Century Skills")
    );
}

#[test]
fn revocation_list_lookup() {
    let list: RevocationList =
        serde_json::from_str(include_str!("../examples/ob2-revocation-list.json")).unwrap();
    assert!(list.is_revoked(Some("urn:uuid:3c574c87-b96f-4f06-8eb5-68a29335b60e"), None));
    assert_eq!(
        list.revocation_reason(Some("urn:uuid:e79a6c18-787e-4868-8e65-e6a4530fb418"), None),
        Some("Honor code violation")
    );
    assert_eq!(
        list.revocation_reason(None, Some("abc123")),
        Some("Issued in error.")
    );
    assert!(!list.is_revoked(Some("urn:uuid:00000000-0000-0000-0000-000000000000"), None));
    assert!(!list.is_revoked(None, None));
}
