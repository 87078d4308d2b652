#![allow(clippy::unwrap_used)]

use crate::common;

use insignia_artwork::upload;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = upload::check(&bytes);
    }

    #[test]
    fn arbitrary_png_bodies_never_panic(
        w in 0u32..5000,
        h in 0u32..5000,
        rest in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let _ = upload::check(&common::png_with_header(w, h, &rest));
    }

    #[test]
    fn a_corrupted_png_never_panics(index in 0usize..4096, byte in any::<u8>()) {
        let mut png = common::gradient_png(96, 96);
        let i = index % png.len();
        png[i] = byte;
        let _ = upload::check(&png);
    }

    #[test]
    fn arbitrary_svg_content_never_panics_and_comes_out_clean(body in "[<>/=\"'&#;a-zA-Z0-9: ]{0,200}") {
        let doc = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{body}</svg>"#);
        if let Ok(s) = upload::sanitize_svg(doc.as_bytes()) {
            // The output is well-formed enough to sanitise again, with nothing
            // more to remove.
            let again = upload::sanitize_svg(s.svg.as_bytes()).unwrap();
            prop_assert_eq!(&again.svg, &s.svg);
            prop_assert!(again.removed.is_empty(), "{:?}", again.removed);
        }
        let _ = upload::check(doc.as_bytes());
    }

    #[test]
    fn svg_elements_and_attributes_never_panic(
        name in "(script|foreignObject|a|use|image|style|g|rect|svg:script|x:y)",
        attr in "(href|xlink:href|onload|style|fill|id)",
        value in "(#a|javascript:x|url\\(#a\\)|url\\(http://e/\\)|data:image/png;base64,AA|[a-z ]{0,10})",
    ) {
        let doc = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><{name} {attr}="{value}"><g id="a"/></{name}></svg>"#);
        if let Ok(s) = upload::sanitize_svg(doc.as_bytes()) {
            let lower = s.svg.to_ascii_lowercase();
            prop_assert!(!lower.contains("javascript"));
            prop_assert!(!lower.contains("onload"));
            prop_assert!(!lower.contains("<script"));
            prop_assert!(!lower.contains("http://e/"));
        }
        let _ = upload::check(doc.as_bytes());
    }
}
