//! Open Badges 3.0 schema validation.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::{SchemaIssue, validate_ob3, validate_ob3_achievement, validate_ob3_profile};
use serde_json::{Value, json};

macro_rules! example {
    ($file:literal) => {
        ($file, include_str!(concat!("../examples/", $file)))
    };
}

const OB3_EXAMPLES: [(&str, &str); 10] = [
    example!("ob3-basic.json"),
    example!("ob3-complete.json"),
    example!("ob3-achievement-alignment-case.json"),
    example!("ob3-achievement-alignment-ctdl.json"),
    example!("ob3-skill-assertion-case.json"),
    example!("ob3-skill-assertion-ctdl.json"),
    example!("ob3-endorsement.json"),
    example!("ob3-vc1-basic.json"),
    example!("ob3-vc1-complete.json"),
    example!("ob3-vc1-endorsement.json"),
];

fn load(json: &str) -> Value {
    serde_json::from_str(json).expect("valid JSON")
}

fn basic() -> Value {
    load(example!("ob3-basic.json").1)
}

fn issues(value: &Value) -> Vec<SchemaIssue> {
    match validate_ob3(value) {
        Ok(()) => Vec::new(),
        Err(issues) => issues,
    }
}

fn has_issue(issues: &[SchemaIssue], pointer: &str, message: &str) -> bool {
    issues
        .iter()
        .any(|issue| issue.pointer == pointer && issue.message.contains(message))
}

#[test]
fn every_spec_example_is_valid() {
    for (name, json) in OB3_EXAMPLES {
        let result = validate_ob3(&load(json));
        assert!(result.is_ok(), "{name}: {result:?}");
    }
}

#[test]
fn project_example_is_valid() {
    let json = include_str!("../../../../examples/ob3-achievement-credential.json");
    let result = validate_ob3(&load(json));
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn missing_achievement_name() {
    let mut credential = basic();
    credential["credentialSubject"]["achievement"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let issues = issues(&credential);
    assert_eq!(
        issues,
        [SchemaIssue::new(
            "/credentialSubject/achievement",
            "required property 'name' is missing"
        )]
    );
    assert_eq!(
        issues[0].to_string(),
        "at /credentialSubject/achievement: required property 'name' is missing"
    );
}

#[test]
fn missing_criteria() {
    let mut credential = basic();
    credential["credentialSubject"]["achievement"]
        .as_object_mut()
        .unwrap()
        .remove("criteria");
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/credentialSubject/achievement",
            "required property 'criteria' is missing"
        )]
    );
}

#[test]
fn criteria_of_the_wrong_type() {
    let mut credential = basic();
    credential["credentialSubject"]["achievement"]["criteria"] = json!(42);
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/credentialSubject/achievement/criteria",
            "expected an object, found a number"
        )]
    );
    credential["credentialSubject"]["achievement"]["criteria"] =
        json!("https://example.com/criteria");
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/credentialSubject/achievement/criteria",
            "expected an object, found a string"
        )]
    );
}

#[test]
fn bad_dates() {
    let mut credential = basic();
    credential["validFrom"] = json!("2010-01-01");
    let found = issues(&credential);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pointer, "/validFrom");
    assert!(
        found[0]
            .message
            .contains("expected a date-time with a time zone"),
        "{found:?}"
    );
    assert!(found[0].message.contains("'2010-01-01'"), "{found:?}");

    credential["validFrom"] = json!("2010-01-01T00:00:00");
    assert!(has_issue(&issues(&credential), "/validFrom", "date-time"));

    let mut credential = basic();
    credential["validUntil"] = json!("not a date");
    assert!(has_issue(
        &issues(&credential),
        "/validUntil",
        "found 'not a date'"
    ));

    let mut credential = basic();
    credential["credentialSubject"]["activityEndDate"] = json!(20100101);
    assert!(has_issue(
        &issues(&credential),
        "/credentialSubject/activityEndDate",
        "expected a string, found a number"
    ));
}

#[test]
fn vc2_credential_needs_valid_from() {
    let mut credential = basic();
    credential.as_object_mut().unwrap().remove("validFrom");
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "",
            "required property 'validFrom' is missing"
        )]
    );
}

#[test]
fn vc1_credential_is_not_failed_for_lacking_valid_from() {
    let credential = load(example!("ob3-vc1-basic.json").1);
    assert!(credential.get("validFrom").is_none());
    assert!(credential.get("issuanceDate").is_some());
    assert_eq!(validate_ob3(&credential), Ok(()));
}

#[test]
fn vc1_credential_needs_issuance_date() {
    let mut credential = load(example!("ob3-vc1-basic.json").1);
    credential.as_object_mut().unwrap().remove("issuanceDate");
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "",
            "required property 'issuanceDate' is missing"
        )]
    );
    let mut credential = load(example!("ob3-vc1-basic.json").1);
    credential["issuanceDate"] = json!("yesterday");
    assert!(has_issue(
        &issues(&credential),
        "/issuanceDate",
        "date-time"
    ));
}

#[test]
fn vc2_context_must_come_first() {
    let mut credential = basic();
    credential["@context"] = json!([
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/credentials/v2"
    ]);
    let found = issues(&credential);
    assert!(
        has_issue(
            &found,
            "/@context/0",
            "expected 'https://www.w3.org/ns/credentials/v2'"
        ),
        "{found:?}"
    );
}

#[test]
fn credential_type_must_name_a_badge() {
    let mut credential = basic();
    credential["type"] = json!(["VerifiableCredential"]);
    let found = issues(&credential);
    assert_eq!(
        found,
        [SchemaIssue::new(
            "/type",
            "expected the array to contain one of 'AchievementCredential', 'OpenBadgeCredential'"
        )]
    );
}

#[test]
fn problems_inside_an_embedded_issuer_are_located() {
    let mut credential = basic();
    credential["issuer"].as_object_mut().unwrap().remove("id");
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/issuer",
            "required property 'id' is missing"
        )]
    );
    credential["issuer"] = json!(7);
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/issuer",
            "expected a string or an object, found a number"
        )]
    );
    credential["issuer"] = json!("https://example.com/issuers/876543");
    assert_eq!(validate_ob3(&credential), Ok(()));
}

#[test]
fn closed_objects_reject_unknown_properties() {
    let mut credential = basic();
    credential["credentialSubject"]["achievement"]["image"] =
        json!({"id": "https://example.com/badge.png", "type": "Image", "width": 200});
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/credentialSubject/achievement/image",
            "property 'width' is not allowed here"
        )]
    );
}

#[test]
fn identity_type_must_be_known_or_an_extension() {
    let mut credential = basic();
    credential["credentialSubject"]["identifier"] = json!([{
        "type": "IdentityObject",
        "hashed": false,
        "identityHash": "someone@example.org",
        "identityType": "email"
    }]);
    let found = issues(&credential);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].pointer,
        "/credentialSubject/identifier/0/identityType"
    );
    assert!(found[0].message.contains("'emailAddress'"), "{found:?}");
    assert!(found[0].message.contains("found 'email'"), "{found:?}");

    credential["credentialSubject"]["identifier"][0]["identityType"] = json!("ext:studentCard");
    assert_eq!(validate_ob3(&credential), Ok(()));
}

#[test]
fn several_problems_are_all_reported() {
    let mut credential = basic();
    credential["credentialSubject"]["achievement"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    credential["validFrom"] = json!("soon");
    credential["name"] = json!(false);
    let found = issues(&credential);
    assert!(has_issue(
        &found,
        "/credentialSubject/achievement",
        "'name' is missing"
    ));
    assert!(has_issue(&found, "/validFrom", "date-time"));
    assert!(has_issue(
        &found,
        "/name",
        "expected a string, found a boolean"
    ));
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn endorsement_credentials_use_their_own_schema() {
    let mut endorsement = load(example!("ob3-endorsement.json").1);
    endorsement.as_object_mut().unwrap().remove("name");
    assert_eq!(
        issues(&endorsement),
        [SchemaIssue::new("", "required property 'name' is missing")]
    );
    let mut endorsement = load(example!("ob3-endorsement.json").1);
    endorsement["credentialSubject"]["endorsementComment"] = json!(["not", "text"]);
    assert_eq!(
        issues(&endorsement),
        [SchemaIssue::new(
            "/credentialSubject/endorsementComment",
            "expected a string, found an array"
        )]
    );
}

#[test]
fn not_an_object() {
    assert_eq!(
        issues(&json!("credential")),
        [SchemaIssue::new("", "expected an object, found a string")]
    );
}

#[test]
fn profiles_and_achievements_on_their_own() {
    let credential = load(example!("ob3-complete.json").1);
    let achievement = &credential["credentialSubject"]["achievement"];
    assert_eq!(validate_ob3_achievement(achievement), Ok(()));
    assert_eq!(validate_ob3_profile(&credential["issuer"]), Ok(()));

    let mut achievement = achievement.clone();
    achievement["inLanguage"] = json!("English");
    let found = validate_ob3_achievement(&achievement).unwrap_err();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pointer, "/inLanguage");
    assert!(
        found[0]
            .message
            .starts_with("'English' does not match the required pattern")
    );

    let mut profile = credential["issuer"].clone();
    profile["dateOfBirth"] = json!("1st of May");
    let found = validate_ob3_profile(&profile).unwrap_err();
    assert_eq!(
        found,
        [SchemaIssue::new(
            "/dateOfBirth",
            "expected a date (YYYY-MM-DD), found '1st of May'"
        )]
    );
}

#[test]
fn enumerations_with_extensions_are_explained() {
    let mut credential = basic();
    credential["credentialSubject"]["achievement"]["achievementType"] = json!("Diplomma");
    let found = issues(&credential);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].pointer,
        "/credentialSubject/achievement/achievementType"
    );
    assert!(
        found[0]
            .message
            .starts_with("expected one of 'Achievement', "),
        "{found:?}"
    );
    assert!(
        found[0]
            .message
            .ends_with("or a value matching (ext:)[a-z|A-Z|0-9|.|-|_]+, found 'Diplomma'"),
        "{found:?}"
    );
}

#[test]
fn vc2_types_must_be_arrays_but_vc1_types_may_be_strings() {
    let mut credential = basic();
    credential["credentialSubject"]["type"] = json!("AchievementSubject");
    assert_eq!(
        issues(&credential),
        [SchemaIssue::new(
            "/credentialSubject/type",
            "expected an array, found a string"
        )]
    );
    let credential = load(example!("ob3-vc1-basic.json").1);
    assert_eq!(
        credential["credentialSubject"]["type"],
        json!("AchievementSubject")
    );
    assert_eq!(validate_ob3(&credential), Ok(()));
}
