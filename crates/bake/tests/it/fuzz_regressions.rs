//! Inputs the fuzzer (`fuzz/`, docs/fuzzing.md) found, kept as regressions.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_bake::{Payload, Standard, bake, extract};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/fuzz/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Whatever bakes must extract again, to the payload just baked.
fn bakes_and_extracts(image: &[u8]) {
    let payload = Payload::Json(r#"{"a":"<&]]>"}"#.to_owned());
    let before = extract(image);
    match bake(image, Standard::Ob3, &payload) {
        Ok(baked) => {
            let back = extract(&baked);
            assert!(
                matches!(&back, Ok(Some(b)) if b.payload.as_str() == payload.as_str()),
                "extract before: {before:?}; after baking: {back:?}"
            );
        }
        Err(e) => eprintln!("refused: {e} (extract before: {before:?})"),
    }
}

/// An SVG with two payload elements, one of them after a broken tag and a
/// second XML declaration: baking used to succeed and leave two payloads.
#[test]
fn an_svg_with_a_second_root_after_garbage_bakes_to_one_payload_or_is_refused() {
    let image = fixture("svg-second-root-after-garbage.svg");
    assert!(matches!(
        extract(&image),
        Err(insignia_bake::BakeError::TwoPayloads)
    ));
    bakes_and_extracts(&image);
}
