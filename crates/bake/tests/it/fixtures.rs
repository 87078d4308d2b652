//! Baked badges published by other projects (see fixtures/README.md).

use insignia_bake::{Payload, Standard, extract};

#[test]
fn oneedtech_validator_baked_heart_png() {
    let png = include_bytes!("../fixtures/1edtech-baked-heart.png");
    let baked = extract(png).expect("valid").expect("a payload");
    assert_eq!(baked.standard, Standard::Ob2);
    let Payload::Json(json) = &baked.payload else {
        panic!("expected JSON, got {:?}", baked.payload);
    };
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(v["id"], "https://example.org/beths-robotics-badge.json");
    assert_eq!(v["@context"], "https://w3id.org/openbadges/v2");
    // Re-baking keeps the image decodable by us and replaces the payload.
    let url = Payload::Url("https://example.org/assertions/9".into());
    let again = insignia_bake::bake(png, Standard::Ob2, &url).expect("bakes");
    assert_eq!(extract(&again).expect("ok").expect("some").payload, url);
}

#[test]
fn mozilla_bakery_baked_svg() {
    let svg = include_bytes!("../fixtures/mozilla-bakery-baked.svg");
    let baked = extract(svg).expect("valid").expect("a payload");
    assert_eq!(baked.standard, Standard::Ob2);
    assert_eq!(
        baked.payload,
        Payload::Json(r#"{"verify":{"url":"http://example.org"}}"#.into())
    );
}
