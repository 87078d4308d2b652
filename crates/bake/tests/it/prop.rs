use crate::common;

use common::*;
use insignia_bake::{BakeError, Baked, Payload, Standard, bake, extract};
use proptest::prelude::*;

fn xml_ok(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    })
}

fn images() -> Vec<Vec<u8>> {
    vec![tiny_png(), SVG.as_bytes().to_vec()]
}

fn check_round_trip(payload: &Payload) {
    for image in images() {
        for standard in [Standard::Ob3, Standard::Ob2] {
            let result = bake(&image, standard, payload);
            if xml_ok(payload.as_str()) {
                let baked = result.expect("bakes");
                assert_eq!(
                    extract(&baked),
                    Ok(Some(Baked {
                        standard,
                        payload: payload.clone()
                    }))
                );
            } else {
                assert!(matches!(result, Err(BakeError::ForbiddenChar(_))));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_unicode_in_json_form_round_trips(s in any::<String>(), key in "[a-z]{1,8}") {
        let mut map = serde_json::Map::new();
        map.insert(key, serde_json::Value::String(s.clone()));
        map.insert("n".into(), serde_json::Value::from(s.len()));
        let json = serde_json::to_string(&map).expect("json");
        check_round_trip(&Payload::Json(json));
    }

    #[test]
    fn json_ish_text_round_trips(s in any::<String>()) {
        let text = format!("{{{}", s.trim_end());
        check_round_trip(&Payload::Json(text));
    }

    #[test]
    fn jwt_and_url_round_trip(a in "[A-Za-z0-9_-]{1,40}", b in "[A-Za-z0-9_-]{1,400}", c in "[A-Za-z0-9_-]{1,90}",
                              path in "[a-zA-Z0-9/?&=%<>'\"._~-]{0,60}") {
        check_round_trip(&Payload::Jwt(format!("{a}.{b}.{c}")));
        let url = Payload::Url(format!("https://example.org/{path}"));
        for image in images() {
            let baked = bake(&image, Standard::Ob2, &url).expect("bakes");
            prop_assert_eq!(extract(&baked), Ok(Some(Baked { standard: Standard::Ob2, payload: url.clone() })));
        }
    }

    #[test]
    fn extract_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = extract(&bytes);
        let mut png = SIG.to_vec();
        png.extend_from_slice(&bytes);
        let _ = extract(&png);
        let _ = insignia_bake::png::extract(&bytes);
        let _ = bake(&png, Standard::Ob2, &Payload::Url("https://x.org/".into()));
    }

    #[test]
    fn extract_never_panics_on_arbitrary_svg_text(s in any::<String>()) {
        let _ = extract(format!("<svg>{s}").as_bytes());
        let _ = insignia_bake::svg::extract(&s);
        let _ = insignia_bake::svg::bake(&format!("<svg {s}"), Standard::Ob3, &Payload::Jwt("a.b.c".into()));
    }

    #[test]
    fn mutated_baked_png_never_panics(at in any::<prop::sample::Index>(), byte in any::<u8>(),
                                      cut in any::<prop::sample::Index>()) {
        let baked = bake(&tiny_png(), Standard::Ob3, &Payload::Json(JSON.into())).expect("bakes");
        let mut m = baked.clone();
        let i = at.index(m.len());
        m[i] = byte;
        let r = extract(&m);
        if m == baked {
            prop_assert!(r.is_ok());
        } else {
            // Any change is caught by a CRC, the signature or the chunk walk,
            // except inside the bytes after IEND (there are none here).
            prop_assert!(r.is_err(), "byte {} changed to {} accepted", i, byte);
        }
        let _ = extract(&m[..cut.index(m.len())]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the markup around it, a successful bake extracts again.
    #[test]
    fn bake_into_varied_markup_extracts(
        prolog in r#"(\u{FEFF})?(<\?xml version="1.0"\?>)?(\r?\n| |<!-- x -->)*"#,
        body in r#"(<g>|</g>|<a x="1&amp;2"/>|<b y='é'>ü</b>|text|<!-- c -->|<!\[CDATA\[x\]\]>|&amp;|&#233;|\r\n| |<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://e.org/a"/>){0,12}"#,
        attrs in r#"( a="1"| b='2'|\r\n| )*"#,
        empty_root in any::<bool>(),
    ) {
        let doc = if empty_root {
            format!("{prolog}<svg{attrs}/>")
        } else {
            format!("{prolog}<svg{attrs}>{body}</svg>\n")
        };
        let payload = Payload::Json(JSON.into());
        match insignia_bake::svg::bake(&doc, Standard::Ob3, &payload) {
            Ok(baked) => prop_assert_eq!(
                insignia_bake::svg::extract(&baked),
                Ok(Some(Baked { standard: Standard::Ob3, payload }))
            ),
            // Unbalanced <g> tags etc. are refused on both sides.
            Err(e) => prop_assert!(insignia_bake::svg::extract(&doc).is_err(), "{}", e),
        }
    }
}
