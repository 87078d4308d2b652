//! PNG upload checks (`insignia-artwork`): header, limits, decode, resize.
#![no_main]

use insignia_artwork::upload::{check, check_png};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = check_png(data);
    // The dispatcher too (PNG or SVG by content).
    let _ = check(data);
});
