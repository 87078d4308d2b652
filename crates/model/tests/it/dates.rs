//! Validity dates in both VC forms.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::ob3::OpenBadgeCredential;
use insignia_model::{ModelError, VcDataModel};
use time::macros::datetime;

fn credential(file: &str) -> OpenBadgeCredential {
    let json = match file {
        "vc2" => include_str!("../examples/ob3-complete.json"),
        _ => include_str!("../examples/ob3-vc1-complete.json"),
    };
    serde_json::from_str(json).expect("example parses")
}

#[test]
fn vc2_dates() {
    let credential = credential("vc2");
    assert_eq!(credential.data_model(), VcDataModel::V2_0);
    assert_eq!(
        credential.valid_from().unwrap(),
        Some(datetime!(2010-01-01 0:00 UTC))
    );
    assert_eq!(
        credential.valid_until().unwrap(),
        Some(datetime!(2030-01-01 0:00 UTC))
    );
    assert_eq!(credential.awarded_date().unwrap(), None);
}

#[test]
fn vc1_dates_are_read_through_the_same_helpers() {
    let credential = credential("vc1");
    assert_eq!(credential.data_model(), VcDataModel::V1_1);
    assert!(credential.valid_from.is_none());
    assert_eq!(
        credential.valid_from().unwrap(),
        Some(datetime!(2010-01-01 0:00 UTC))
    );
    assert_eq!(
        credential.valid_until().unwrap(),
        Some(datetime!(2030-01-01 0:00 UTC))
    );
}

#[test]
fn dates_without_time_zone_are_rejected() {
    let mut credential = credential("vc2");
    credential.valid_from = Some("2010-01-01T00:00:00".to_owned());
    match credential.valid_from() {
        Err(ModelError::InvalidDateTime { property, value }) => {
            assert_eq!(property, "validFrom");
            assert_eq!(value, "2010-01-01T00:00:00");
        }
        other => panic!("expected an invalid date error, got {other:?}"),
    }
    credential.valid_until = Some("tomorrow".to_owned());
    assert!(credential.valid_until().is_err());
}

#[test]
fn offsets_are_kept() {
    let mut credential = credential("vc2");
    credential.valid_from = Some("2024-05-01T10:00:00+02:00".to_owned());
    assert_eq!(
        credential.valid_from().unwrap(),
        Some(datetime!(2024-05-01 10:00 +02:00))
    );
}
