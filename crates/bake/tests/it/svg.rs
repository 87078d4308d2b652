use crate::common;

use common::*;
use insignia_bake::{BakeError, Baked, ImageKind, Payload, Standard, bake, detect, extract, svg};

const ROOT_TAG: &str =
    r#"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">"#;

fn cases() -> Vec<(Standard, Payload)> {
    vec![
        (Standard::Ob3, Payload::Json(JSON.into())),
        (Standard::Ob3, Payload::Jwt(JWT.into())),
        (Standard::Ob2, Payload::Json(JSON.into())),
        (Standard::Ob2, Payload::Jwt(JWT.into())),
        (Standard::Ob2, Payload::Url(URL.into())),
    ]
}

/// The document with the payload element (starting right after the root tag) cut out.
fn without_payload(svg: &str) -> String {
    let at = svg.find(ROOT_TAG).expect("root") + ROOT_TAG.len();
    let close = ["</openbadges:credential>", "</openbadges:assertion>"]
        .iter()
        .find_map(|c| svg[at..].find(c).map(|i| at + i + c.len()))
        .expect("element");
    format!("{}{}", &svg[..at], &svg[close..])
}

#[test]
fn round_trip_all_payloads_rest_untouched() {
    assert_eq!(detect(SVG.as_bytes()), Some(ImageKind::Svg));
    assert_eq!(extract(SVG.as_bytes()), Ok(None));
    for (standard, payload) in cases() {
        let baked = bake(SVG.as_bytes(), standard, &payload).expect("bakes");
        let text = String::from_utf8(baked.clone()).expect("utf-8");
        assert_eq!(
            extract(&baked),
            Ok(Some(Baked {
                standard,
                payload: payload.clone()
            }))
        );
        assert_eq!(svg::extract(&text), extract(&baked));
        assert_eq!(without_payload(&text), SVG);
        let after_root = &text[text.find(ROOT_TAG).expect("root") + ROOT_TAG.len()..];
        match standard {
            Standard::Ob3 => assert!(after_root.starts_with(
                r#"<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0""#
            )),
            Standard::Ob2 => {
                assert!(after_root.starts_with(
                    r#"<openbadges:assertion xmlns:openbadges="http://openbadges.org""#
                ))
            }
        }
    }
}

#[test]
fn element_shapes() {
    let jwt = svg::bake(SVG, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert!(jwt.contains(&format!(
        r#"<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" verify="{JWT}"></openbadges:credential>"#
    )));
    let url = svg::bake(SVG, Standard::Ob2, &Payload::Url(URL.into())).expect("bakes");
    assert!(
        url.contains(r#"verify="https://example.org/assertions/1?a=1&amp;b=&lt;2&gt;""#),
        "{url}"
    );
    // OB 2.0 JSON: the hosted id goes into `verify`, the JSON into CDATA.
    let json = r#"{"id":"https://example.org/a/1","type":"Assertion"}"#;
    let ob2 = svg::bake(SVG, Standard::Ob2, &Payload::Json(json.into())).expect("bakes");
    assert!(ob2.contains(&format!(
        r#"<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://example.org/a/1"><![CDATA[{json}]]></openbadges:assertion>"#
    )));
    assert_eq!(
        extract(ob2.as_bytes()).expect("ok").expect("some").payload,
        Payload::Json(json.into())
    );
    assert!(matches!(
        svg::bake(SVG, Standard::Ob3, &Payload::Url(URL.into())),
        Err(BakeError::Unsupported { .. })
    ));
}

#[test]
fn rebake_replaces() {
    let once = svg::bake(SVG, Standard::Ob2, &Payload::Url(URL.into())).expect("bakes");
    let twice = svg::bake(&once, Standard::Ob3, &Payload::Json(JSON.into())).expect("bakes");
    let thrice = svg::bake(&twice, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert_eq!(thrice.matches("openbadges:").count(), 2, "{thrice}"); // start and end tag
    assert_eq!(
        svg::extract(&thrice).expect("ok").expect("some").payload,
        Payload::Jwt(JWT.into())
    );
    assert_eq!(without_payload(&thrice), SVG);
    // An element that sits elsewhere (not right after the root tag) is removed too.
    let elsewhere = SVG.replace(
        "</svg>",
        r#"<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://example.org/old"/></svg>"#,
    );
    let rebaked = svg::bake(&elsewhere, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert_eq!(without_payload(&rebaked), SVG);
}

#[test]
fn two_payloads_are_an_error() {
    let two = SVG.replace(
        "</svg>",
        r#"<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://example.org/a"/>
<ob:credential xmlns:ob="https://purl.imsglobal.org/ob/v3p0" verify="a.b.c"/></svg>"#,
    );
    let e = svg::extract(&two).expect_err("two");
    assert_eq!(e.to_string(), "the image carries two badge payloads");
}

#[test]
fn cdata_terminator_inside_json_round_trips() {
    let json = r#"{"note":"a]]>b]]]]>c]]","x":"<![CDATA[","y":"]]>"}"#;
    for standard in [Standard::Ob3, Standard::Ob2] {
        let baked = svg::bake(SVG, standard, &Payload::Json(json.into())).expect("bakes");
        assert_eq!(
            svg::extract(&baked),
            Ok(Some(Baked {
                standard,
                payload: Payload::Json(json.into())
            }))
        );
    }
}

#[test]
fn entities_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><openbadges:assertion xmlns:openbadges="http://openbadges.org">&lol3;</openbadges:assertion></svg>"#;
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://x.org/">&xxe;</openbadges:assertion></svg>"#;
    for doc in [laughs, xxe] {
        let e = extract(doc.as_bytes()).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "the SVG declares entities, which are refused for safety"
        );
        assert_eq!(
            svg::bake(doc, Standard::Ob2, &Payload::Url(URL.into())),
            Err(e)
        );
    }
    // An undeclared entity in the payload is an error, not an expansion.
    let undeclared = r#"<svg><openbadges:assertion xmlns:openbadges="http://openbadges.org">&xxe;</openbadges:assertion></svg>"#;
    assert_eq!(
        svg::extract(undeclared),
        Err(BakeError::SvgUnknownEntity("xxe".into()))
    );
    // A plain DOCTYPE without entities is fine.
    let doctype = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n{}",
        SVG.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    );
    let baked = svg::bake(&doctype, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert_eq!(
        svg::extract(&baked).expect("ok").expect("some").payload,
        Payload::Jwt(JWT.into())
    );
}

#[test]
fn namespace_on_the_root_and_other_prefixes() {
    let doc = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
  <openbadges:credential verify="aaa.bbb.ccc"></openbadges:credential>
</svg>"#;
    assert_eq!(
        svg::extract(doc),
        Ok(Some(Baked {
            standard: Standard::Ob3,
            payload: Payload::Jwt("aaa.bbb.ccc".into())
        }))
    );
    let doc = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org"><ob:assertion verify="https://example.org/x"/></svg>"#;
    assert_eq!(
        svg::extract(doc),
        Ok(Some(Baked {
            standard: Standard::Ob2,
            payload: Payload::Url("https://example.org/x".into())
        }))
    );
    // Same local name, other namespace: not a payload.
    let doc = r#"<svg xmlns:openbadges="urn:other"><openbadges:assertion verify="https://example.org/x"/></svg>"#;
    assert_eq!(svg::extract(doc), Ok(None));
}

#[test]
fn legacy_layouts_are_read() {
    // JSON as escaped text (no CDATA), with white space around it.
    let doc = r#"<svg><openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://example.org/a">
    {"name":"A &amp; B &#x263A;"}
  </openbadges:assertion></svg>"#;
    assert_eq!(
        svg::extract(doc).expect("ok").expect("some").payload,
        Payload::Json(r#"{"name":"A & B ☺"}"#.into())
    );
    // Element with neither content nor verify.
    let doc = r#"<svg><openbadges:assertion xmlns:openbadges="http://openbadges.org"/></svg>"#;
    assert!(matches!(
        svg::extract(doc),
        Err(BakeError::EmptyPayloadElement(_))
    ));
}

#[test]
fn odd_documents() {
    // Self-closing root.
    let doc = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1"/>"#;
    let baked = svg::bake(doc, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert!(baked.starts_with(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="1"><openbadges:credential"#
    ));
    assert!(baked.ends_with("</openbadges:credential></svg>"));
    assert_eq!(
        svg::extract(&baked).expect("ok").expect("some").payload,
        Payload::Jwt(JWT.into())
    );
    // Not an svg root, broken XML, not UTF-8.
    assert_eq!(
        svg::extract("<html><svg/></html>"),
        Err(BakeError::SvgNoRoot)
    );
    assert!(matches!(
        svg::extract("<svg><g></svg>"),
        Err(BakeError::SvgXml(_))
    ));
    assert_eq!(extract(b"<svg>\xFF</svg>"), Err(BakeError::SvgNotUtf8));
    assert_eq!(svg::extract("<!-- nothing -->"), Err(BakeError::SvgNoRoot));
    assert!(
        svg::extract(r#"<svg><openbadges:assertion xmlns:openbadges="http://openbadges.org">"#)
            .is_err()
    );
    // Characters XML cannot carry.
    assert_eq!(
        svg::bake(
            SVG,
            Standard::Ob3,
            &Payload::Json("{\"a\":\"\u{1}\"}".into())
        ),
        Err(BakeError::ForbiddenChar(1))
    );
}

#[test]
fn truncation_never_panics() {
    let baked = svg::bake(SVG, Standard::Ob2, &Payload::Json(JSON.into())).expect("bakes");
    for (i, _) in baked.char_indices() {
        let _ = svg::extract(&baked[..i]);
        let _ = extract(&baked.as_bytes()[..i]);
    }
}

#[test]
fn byte_order_mark_and_crlf() {
    let doc = format!("\u{FEFF}{}", SVG.replace('\n', "\r\n"));
    assert_eq!(detect(doc.as_bytes()), Some(ImageKind::Svg));
    let baked = bake(doc.as_bytes(), Standard::Ob3, &Payload::Json(JSON.into())).expect("bakes");
    assert!(baked.starts_with("\u{FEFF}".as_bytes()));
    assert_eq!(
        extract(&baked).expect("ok").expect("some").payload,
        Payload::Json(JSON.into())
    );
}

#[test]
fn undeclared_customary_prefix_is_read_leniently() {
    let doc = r#"<svg xmlns="http://www.w3.org/2000/svg"><openbadges:assertion verify="https://example.org/a/2"/></svg>"#;
    assert_eq!(
        svg::extract(doc),
        Ok(Some(Baked {
            standard: Standard::Ob2,
            payload: Payload::Url("https://example.org/a/2".into())
        }))
    );
    let rebaked = svg::bake(doc, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert_eq!(rebaked.matches("assertion").count(), 0);
}
