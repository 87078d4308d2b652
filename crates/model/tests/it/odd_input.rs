//! Odd input yields errors or issues, never a panic.

use insignia_model::ob2::Assertion;
use insignia_model::ob3::{EndorsementCredential, OpenBadgeCredential};
use insignia_model::{
    Parsed, validate_ob2_assertion, validate_ob2_badge_class, validate_ob2_profile, validate_ob3,
    validate_ob3_achievement, validate_ob3_profile,
};
use serde_json::{Value, json};

fn odd_values() -> Vec<Value> {
    let mut nested = json!("deep");
    for _ in 0..100 {
        nested = json!({ "credentialSubject": nested, "type": ["OpenBadgeCredential"] });
    }
    vec![
        Value::Null,
        json!(0),
        json!("text"),
        json!([]),
        json!({}),
        json!({"@context": null, "type": null, "issuer": [], "credentialSubject": 1}),
        json!({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": "EndorsementCredential"}),
        json!({"@context": [{}], "type": [1, 2], "revoked": true, "id": 5}),
        json!({"type": ["OpenBadgeCredential"], "credentialSubject": {"achievement": {"criteria": []}}}),
        json!({"recipient": {"identity": 1}, "badge": {"issuer": {"publicKey": [1, {}]}}, "evidence": [[]]}),
        nested,
    ]
}

#[test]
fn validators_report_instead_of_panicking() {
    for value in odd_values() {
        assert!(validate_ob3(&value).is_err());
        assert!(validate_ob3_profile(&value).is_err());
        assert!(validate_ob3_achievement(&value).is_err());
        assert!(validate_ob2_assertion(&value).is_err());
        assert!(validate_ob2_badge_class(&value).is_err());
        assert!(validate_ob2_profile(&value).is_err());
    }
}

#[test]
fn models_return_errors_instead_of_panicking() {
    for value in odd_values() {
        assert!(Parsed::<OpenBadgeCredential>::from_value(value.clone()).is_err());
        assert!(Parsed::<EndorsementCredential>::from_value(value.clone()).is_err());
        assert!(Parsed::<Assertion>::from_value(value).is_err());
    }
    assert!(Parsed::<OpenBadgeCredential>::from_json_str("{not json").is_err());
    assert!(Parsed::<OpenBadgeCredential>::from_json_str(&"[".repeat(10_000)).is_err());
}
