//! Every example document parses into its model and serializes back to the
//! same JSON, key order included.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::Parsed;
use insignia_model::ob2;
use insignia_model::ob3::{EndorsementCredential, OpenBadgeCredential};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Parses `json` as `T` through [`Parsed`] and checks the round trip is
/// exact after pretty-printing both sides; also checks the plain serde round
/// trip is equal as a JSON value (key order aside).
fn assert_round_trip<T>(name: &str, json: &str)
where
    T: DeserializeOwned + Serialize,
{
    let input: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let parsed = Parsed::<T>::from_json_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let output = parsed.to_value().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        serde_json::to_string_pretty(&output).expect("serializable"),
        serde_json::to_string_pretty(&input).expect("serializable"),
        "{name}: round trip changed the document"
    );
    let plain = serde_json::to_value(&parsed.model).expect("serializable");
    assert_eq!(plain, input, "{name}: model lost or changed data");
}

macro_rules! example {
    ($file:literal) => {
        ($file, include_str!(concat!("../examples/", $file)))
    };
}

const OB3_ACHIEVEMENT_CREDENTIALS: [(&str, &str); 8] = [
    example!("ob3-basic.json"),
    example!("ob3-complete.json"),
    example!("ob3-achievement-alignment-case.json"),
    example!("ob3-achievement-alignment-ctdl.json"),
    example!("ob3-skill-assertion-case.json"),
    example!("ob3-skill-assertion-ctdl.json"),
    example!("ob3-vc1-basic.json"),
    example!("ob3-vc1-complete.json"),
];

const OB3_ENDORSEMENT_CREDENTIALS: [(&str, &str); 2] = [
    example!("ob3-endorsement.json"),
    example!("ob3-vc1-endorsement.json"),
];

const OB2_ASSERTIONS: [(&str, &str); 4] = [
    example!("ob2-assertion.json"),
    example!("ob2-assertion-embedded.json"),
    example!("ob2-assertion-intro.json"),
    example!("ob2-signed-assertion.json"),
];

#[test]
fn ob3_achievement_credentials_round_trip() {
    for (name, json) in OB3_ACHIEVEMENT_CREDENTIALS {
        assert_round_trip::<OpenBadgeCredential>(name, json);
    }
}

#[test]
fn ob3_endorsement_credentials_round_trip() {
    for (name, json) in OB3_ENDORSEMENT_CREDENTIALS {
        assert_round_trip::<EndorsementCredential>(name, json);
    }
}

#[test]
fn ob2_documents_round_trip() {
    for (name, json) in OB2_ASSERTIONS {
        assert_round_trip::<ob2::Assertion>(name, json);
    }
    let (name, json) = example!("ob2-badgeclass.json");
    assert_round_trip::<ob2::BadgeClass>(name, json);
    let (name, json) = example!("ob2-issuer.json");
    assert_round_trip::<ob2::Profile>(name, json);
    let (name, json) = example!("ob2-cryptographic-key.json");
    assert_round_trip::<ob2::CryptographicKey>(name, json);
    let (name, json) = example!("ob2-revocation-list.json");
    assert_round_trip::<ob2::RevocationList>(name, json);
    let (name, json) = example!("ob2-endorsement.json");
    assert_round_trip::<ob2::Endorsement>(name, json);
}

#[test]
fn complete_example_is_fully_typed() {
    let (_, json) = example!("ob3-complete.json");
    let credential: OpenBadgeCredential = serde_json::from_str(json).unwrap();
    // Everything the spec defines lands in typed fields, not in `extra`.
    assert!(credential.extra.is_empty(), "{:?}", credential.extra.keys());
    let subject = &credential.credential_subject;
    assert!(subject.extra.is_empty(), "{:?}", subject.extra.keys());
    let achievement = &subject.achievement;
    assert!(
        achievement.extra.is_empty(),
        "{:?}",
        achievement.extra.keys()
    );
    assert_eq!(achievement.name, "1EdTech University Degree");
    assert_eq!(achievement.achievement_type.as_deref(), Some("Degree"));
    assert_eq!(
        credential.issuer_id(),
        Some("https://1edtech.edu/issuers/565049")
    );
    assert!(credential.has_badge_type());
    let creator = achievement.creator.as_ref().unwrap();
    assert!(creator.extra.is_empty(), "{:?}", creator.extra.keys());
    assert!(
        credential
            .proofs()
            .iter()
            .all(|proof| proof.extra.is_empty())
    );
}

#[test]
fn edited_model_keeps_order_and_appends_new_keys() {
    let (_, json) = example!("ob3-basic.json");
    let mut parsed = Parsed::<OpenBadgeCredential>::from_json_str(json).unwrap();
    parsed.model.description = Some("added".to_owned());
    parsed.model.name = None;
    let output = parsed.to_value().unwrap();
    let keys: Vec<&str> = output
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "@context",
            "id",
            "type",
            "issuer",
            "validFrom",
            "credentialSubject",
            "description"
        ]
    );
}

#[test]
fn numbers_keep_their_written_form() {
    let (_, json) = example!("ob3-complete.json");
    let parsed = Parsed::<OpenBadgeCredential>::from_json_str(json).unwrap();
    let credits = parsed
        .model
        .credential_subject
        .credits_earned
        .as_ref()
        .unwrap();
    assert_eq!(credits.to_string(), "42.0");
    let mut edited: Value = serde_json::from_str(json).unwrap();
    edited["credentialSubject"]["creditsEarned"] = serde_json::json!(42);
    let parsed = Parsed::<OpenBadgeCredential>::from_value(edited.clone()).unwrap();
    assert_eq!(parsed.to_value().unwrap(), edited);
    assert_eq!(
        parsed.to_value().unwrap()["credentialSubject"]["creditsEarned"].to_string(),
        "42"
    );
}
