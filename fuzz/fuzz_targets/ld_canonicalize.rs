//! JSON-LD expansion and RDFC-1.0 canonicalization (`insignia-ld`) with the
//! default limits: any JSON, never a panic, never past the work bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = insignia_ld::canonical_nquads(&doc);
    let _ = insignia_ld::canonical_nquads_without(&doc, Some("proof"));
    // The oxrdf quads path (tools and tests).
    let _ = insignia_ld::expand(&doc, &insignia_ld::ExpandLimits::default());
});
