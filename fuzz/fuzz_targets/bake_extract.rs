//! PNG and SVG extraction (`insignia-bake`): any bytes, never a panic; and
//! whatever bakes must extract again to the same payload.
#![no_main]

use insignia_bake::{Payload, Standard, bake, detect, extract};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detect(data);
    let _ = extract(data);
    let payload = Payload::Json(r#"{"@context":"https://www.w3.org/ns/credentials/v2","a":"<&]]>"}"#.to_owned());
    if let Ok(baked) = bake(data, Standard::Ob3, &payload) {
        let back = extract(&baked)
            .expect("a freshly baked image reads back")
            .expect("a freshly baked image carries its payload");
        assert_eq!(back.payload.as_str(), payload.as_str());
    }
});
