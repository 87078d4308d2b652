#![allow(clippy::unwrap_used)]

use crate::common;

use insignia_artwork::upload::{self, MAX_SIDE, MAX_UPLOAD_BYTES, MIN_SIDE, OUTPUT_MAX_SIDE};
use insignia_artwork::{Removed, UploadError, UploadKind};

use common::{chunk, decode, gradient_png, png_with_header, samples_dir, variance};

#[test]
fn a_large_png_is_resized_to_512() {
    let checked = upload::check(&gradient_png(1024, 1024)).unwrap();
    assert_eq!(checked.kind, UploadKind::Png);
    assert_eq!(checked.original, (1024, 1024));
    assert!(checked.resized && !checked.letterboxed);
    assert_eq!(checked.png_side, OUTPUT_MAX_SIDE);
    let img = decode(&checked.png);
    assert_eq!(img.dimensions(), (512, 512));
    // The gradient survives resizing: left dark red, right bright red.
    assert!(img.get_pixel(20, 256)[0] < 30);
    assert!(img.get_pixel(500, 256)[0] > 225);
    assert!(variance(&img) > 100.0);
    std::fs::write(samples_dir().join("upload-resized.png"), &checked.png).unwrap();
}

#[test]
fn a_small_png_keeps_its_size() {
    let checked = upload::check(&gradient_png(100, 100)).unwrap();
    assert!(!checked.resized);
    assert_eq!(checked.png_side, 100);
    assert_eq!(decode(&checked.png).dimensions(), (100, 100));
}

#[test]
fn a_nearly_square_png_is_letterboxed_and_a_banner_refused() {
    let checked = upload::check(&gradient_png(900, 600)).unwrap();
    assert!(checked.letterboxed && checked.resized);
    let img = decode(&checked.png);
    assert_eq!(img.dimensions(), (512, 512));
    // 900×600 scales to 512×341: bars of 85 rows above and below.
    assert_eq!(img.get_pixel(256, 10)[3], 0);
    assert_eq!(img.get_pixel(256, 501)[3], 0);
    assert_eq!(img.get_pixel(256, 256)[3], 255);

    let small = upload::check(&gradient_png(200, 120)).unwrap();
    assert_eq!(decode(&small.png).dimensions(), (200, 200));

    let err = upload::check(&gradient_png(1000, 200)).unwrap_err();
    assert_eq!(
        err,
        UploadError::NotSquare {
            width: 1000,
            height: 200
        }
    );
    assert!(err.to_string().contains("1000×200"), "{err}");
}

#[test]
fn huge_dimensions_are_refused_from_the_header() {
    // Only a header: no pixel data exists, so nothing could have been decoded.
    let err = upload::check(&png_with_header(100_000, 100_000, &[])).unwrap_err();
    assert_eq!(
        err,
        UploadError::TooWide {
            width: 100_000,
            max: MAX_SIDE
        }
    );
    assert_eq!(
        err.to_string(),
        "the image is 100000 pixels wide; the largest accepted is 4096"
    );
    let err = upload::check(&png_with_header(512, 100_000, &[])).unwrap_err();
    assert_eq!(
        err,
        UploadError::TooTall {
            height: 100_000,
            max: MAX_SIDE
        }
    );
    let err = upload::check(&png_with_header(u32::MAX, u32::MAX, &[])).unwrap_err();
    assert!(matches!(err, UploadError::TooWide { .. }));
    let err = upload::check(&gradient_png(10, 10)).unwrap_err();
    assert_eq!(
        err,
        UploadError::TooSmall {
            width: 10,
            height: 10,
            min: MIN_SIDE
        }
    );
}

#[test]
fn a_header_within_limits_but_no_data_is_damaged() {
    let mut bytes = png_with_header(4096, 4096, &[]);
    bytes.extend(chunk(b"IEND", &[]));
    let err = upload::check(&bytes).unwrap_err();
    assert!(matches!(err, UploadError::DamagedPng(_)), "{err:?}");
}

#[test]
fn a_truncated_png_is_damaged() {
    let png = gradient_png(300, 300);
    for cut in [9, 20, 40, png.len() / 2, png.len() - 13] {
        let err = upload::check(&png[..cut]).unwrap_err();
        assert!(
            matches!(err, UploadError::DamagedPng(_)),
            "cut {cut}: {err:?}"
        );
        assert!(err.to_string().starts_with("the PNG file is damaged"));
    }
}

#[test]
fn other_files_are_not_images() {
    assert_eq!(upload::check(b""), Err(UploadError::Empty));
    for bytes in [
        &b"hello world"[..],
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00",
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7",
        b"\x00\x01\x02",
    ] {
        assert_eq!(
            upload::check(bytes),
            Err(UploadError::NotAnImage),
            "{bytes:?}"
        );
    }
    let big = vec![b' '; MAX_UPLOAD_BYTES + 1];
    assert_eq!(
        upload::check(&big),
        Err(UploadError::TooLarge {
            bytes: MAX_UPLOAD_BYTES + 1,
            max: MAX_UPLOAD_BYTES
        })
    );
    assert!(matches!(
        upload::check(b"<html><body/></html>"),
        Err(UploadError::SvgNotSvg)
    ));
}

#[test]
fn text_chunks_are_dropped_by_re_encoding() {
    let png = gradient_png(128, 128);
    // Insert a tEXt chunk (an old baked assertion) after IHDR.
    let mut with_text = png[..33].to_vec();
    with_text.extend(chunk(b"tEXt", b"openbadges\0{\"secret\":1}"));
    with_text.extend_from_slice(&png[33..]);
    let checked = upload::check(&with_text).unwrap();
    let out = &checked.png;
    assert!(!out.windows(4).any(|w| w == b"tEXt"));
    assert!(!out.windows(6).any(|w| w == b"secret"));
}

const NS: &str = r#"xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink""#;
const PIXEL_PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

fn svg(body: &str) -> String {
    format!(r#"<svg {NS} width="100" height="100" viewBox="0 0 100 100">{body}</svg>"#)
}

fn sanitize(doc: &str) -> (String, Vec<Removed>) {
    let s = upload::sanitize_svg(doc.as_bytes()).unwrap();
    (s.svg, s.removed)
}

#[test]
fn a_clean_svg_passes_unchanged_and_renders() {
    let doc = svg(&format!(
        r##"<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient></defs><circle cx="50" cy="50" r="40" fill="url(#g)"/><use xlink:href="#g"/><text x="50" y="55" font-family="Arial" text-anchor="middle">Hi &amp; bye</text><image href="{PIXEL_PNG}" width="10" height="10"/>"##
    ));
    let (out, removed) = sanitize(&doc);
    assert!(removed.is_empty(), "{removed:?}");
    assert_eq!(out, doc);
    let checked = upload::check(doc.as_bytes()).unwrap();
    assert_eq!(checked.kind, UploadKind::Svg);
    assert_eq!(checked.original, (100, 100));
    let img = decode(&checked.png);
    assert_eq!(img.dimensions(), (512, 512));
    assert!(variance(&img) > 100.0);
    std::fs::write(samples_dir().join("upload-svg.png"), &checked.png).unwrap();
}

fn assert_clean(out: &str) {
    let lower = out.to_ascii_lowercase();
    for bad in [
        "<script",
        "onload",
        "onclick",
        "onerror",
        "foreignobject",
        "javascript",
        "evil.example",
        "<!doctype",
        "<!entity",
        "@import",
        "<animate",
        "<set",
    ] {
        assert!(!lower.contains(bad), "{bad} in {out}");
    }
}

#[test]
fn scripts_handlers_and_foreign_objects_are_removed() {
    let cases = [
        r#"<script>alert(1)</script><rect width="10" height="10"/>"#,
        r#"<script type="text/javascript"><![CDATA[ alert(1) ]]></script>"#,
        r#"<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>"#,
        r#"<g onclick="alert(1)" ONLOAD="x()"><rect width="10" height="10" onerror="y()"/></g>"#,
        r#"<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div></foreignObject>"#,
        r#"<a href="javascript:alert(1)"><rect width="10" height="10"/></a>"#,
        r#"<a xlink:href="&#106;avascript:alert(1)"><rect width="10" height="10"/></a>"#,
        r#"<a href=" java&#9;script:alert(1)"><rect width="10" height="10"/></a>"#,
        r#"<image href="https://evil.example/x.png" width="10" height="10"/>"#,
        r#"<use xlink:href="https://evil.example/sprite.svg#a"/>"#,
        r#"<image href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Pjwvc2NyaXB0Pjwvc3ZnPg==" width="10" height="10"/>"#,
        r#"<rect width="10" height="10" fill="url(https://evil.example/#p)"/>"#,
        r#"<rect width="10" height="10" style="fill: url('https://evil.example/a')"/>"#,
        r#"<style>@import url(https://evil.example/a.css); rect { fill: red }</style>"#,
        r#"<style>rect { background: url(https://evil.example/a.png) }</style>"#,
        r#"<style>rect { background-image: image-set("https://evil.example/a.png" 1x) }</style>"#,
        r#"<style>@font-face { font-family: x; src: local(x) }</style>"#,
        r#"<style>rect { fill: red } /* =rl(https://evil.example/) */</style>"#,
        r#"<animate attributeName="href" to="javascript:alert(1)"/><set attributeName="onload" to="alert(1)"/>"#,
        r#"<iframe src="https://evil.example/"/>"#,
        r#"<!-- comment with javascript: --><?xml-stylesheet href="https://evil.example/a.css"?>"#,
    ];
    for body in cases {
        let doc = svg(body);
        let (out, removed) = sanitize(&doc);
        assert!(!removed.is_empty(), "nothing removed from {body}");
        assert_clean(&out);
        // What remains still renders.
        let checked = upload::check(doc.as_bytes()).unwrap();
        assert_eq!(checked.svg.unwrap().svg, out);
    }
}

#[test]
fn removals_are_reported_plainly() {
    let doc = svg(r#"<script>x</script><g onload="y()"/><!-- c -->"#);
    let (_, removed) = sanitize(&doc);
    assert_eq!(
        removed,
        vec![
            Removed::Element {
                name: "script".into()
            },
            Removed::Attribute {
                element: "g".into(),
                name: "onload".into()
            },
            Removed::Comments { count: 1 },
        ]
    );
    let text: Vec<String> = removed.iter().map(ToString::to_string).collect();
    assert_eq!(text[0], "removed the <script> element");
    assert_eq!(text[1], "removed the onload attribute of <g>");
}

#[test]
fn a_root_event_handler_is_removed() {
    let doc = format!(
        r#"<svg {NS} onload="alert(1)" width="10" height="10"><rect width="10" height="10"/></svg>"#
    );
    let (out, _) = sanitize(&doc);
    assert_clean(&out);
    assert!(out.starts_with("<svg"));
}

#[test]
fn doctype_entities_and_xxe_are_refused() {
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg {NS}><text>&xxe;</text></svg>"#
    );
    assert_eq!(upload::check(xxe.as_bytes()), Err(UploadError::SvgDoctype));
    let laughs = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><svg {NS}><text>&lol3;</text></svg>"#
    );
    assert_eq!(
        upload::check(laughs.as_bytes()),
        Err(UploadError::SvgDoctype)
    );
    let plain_doctype = format!(
        r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg {NS}/>"#
    );
    assert_eq!(
        upload::check(plain_doctype.as_bytes()),
        Err(UploadError::SvgDoctype)
    );
    // An undeclared entity, in text or in an attribute.
    let undeclared = svg("<text>&lol;</text>");
    assert_eq!(
        upload::check(undeclared.as_bytes()),
        Err(UploadError::SvgEntity("lol".into()))
    );
    let in_attr = svg(r#"<rect width="&lol;"/>"#);
    assert!(matches!(
        upload::check(in_attr.as_bytes()),
        Err(UploadError::SvgEntity(_))
    ));
    assert!(UploadError::SvgDoctype.to_string().contains("DOCTYPE"));
}

#[test]
fn use_bombs_are_refused() {
    // Ten levels of ten <use> each: 10^10 elements once expanded.
    let mut body = String::from(r#"<defs><rect id="l0" width="1" height="1"/>"#);
    for level in 1..=10 {
        body.push_str(&format!(r#"<g id="l{level}">"#));
        for _ in 0..10 {
            body.push_str(&format!(r##"<use href="#l{}"/>"##, level - 1));
        }
        body.push_str("</g>");
    }
    body.push_str(r##"</defs><use href="#l10"/>"##);
    let err = upload::check(svg(&body).as_bytes()).unwrap_err();
    assert!(matches!(err, UploadError::SvgTooManyUses { .. }), "{err:?}");

    let cycle = svg(r##"<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>"##);
    let err = upload::check(cycle.as_bytes()).unwrap_err();
    assert!(matches!(err, UploadError::SvgTooManyUses { .. }), "{err:?}");

    // A moderate amount of reuse is fine.
    let mut fine = String::from(r#"<defs><circle id="c" cx="5" cy="5" r="4"/></defs>"#);
    for i in 0..50 {
        fine.push_str(&format!(r##"<use href="#c" x="{}"/>"##, i * 2));
    }
    upload::check(svg(&fine).as_bytes()).unwrap();
}

#[test]
fn malformed_and_non_svg_documents_are_refused() {
    type Expect = fn(&UploadError) -> bool;
    let cases: [(&str, Expect); 6] = [
        ("<svg><rect></svg>", |e| {
            matches!(e, UploadError::SvgNotSvg | UploadError::SvgMalformed(_))
        }),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>"#,
            |e| matches!(e, UploadError::SvgMalformed(_)),
        ),
        (r#"<svg xmlns="http://www.w3.org/2000/svg"><g>"#, |e| {
            matches!(e, UploadError::SvgMalformed(_))
        }),
        ("<svg>no namespace</svg>", |e| *e == UploadError::SvgNotSvg),
        (r#"<html xmlns="http://www.w3.org/1999/xhtml"/>"#, |e| {
            *e == UploadError::SvgNotSvg
        }),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg"/><svg xmlns="http://www.w3.org/2000/svg"/>"#,
            |e| matches!(e, UploadError::SvgNotSvg | UploadError::SvgMalformed(_)),
        ),
    ];
    for (doc, expected) in cases {
        let err = upload::check(doc.as_bytes()).unwrap_err();
        assert!(expected(&err), "{doc}: {err:?}");
    }
    let deep = svg(&format!("{}{}", "<g>".repeat(500), "</g>".repeat(500)));
    assert!(matches!(
        upload::check(deep.as_bytes()),
        Err(UploadError::SvgTooDeep { .. })
    ));
    let latin1 = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><text>\xE9</text></svg>";
    assert_eq!(upload::check(latin1), Err(UploadError::SvgNotUtf8));
    // Well-formed but nothing usvg can draw.
    let zero = format!(r#"<svg {NS} width="0" height="0"/>"#);
    assert!(matches!(
        upload::check(zero.as_bytes()),
        Err(UploadError::SvgDoesNotRender(_))
    ));
}

#[test]
fn editor_metadata_is_dropped_and_the_rest_kept() {
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg {NS} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" width="64" height="64">
  <sodipodi:namedview pagecolor="white"/>
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <g inkscape:label="Layer 1"><rect width="64" height="64" fill="teal"/></g>
</svg>"#
    );
    let (out, removed) = sanitize(&doc);
    assert!(out.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
    assert!(!out.contains("namedview") && !out.contains("rdf:RDF"));
    assert!(out.contains(r#"<rect width="64" height="64" fill="teal"/>"#));
    assert_eq!(removed.len(), 2, "{removed:?}");
    upload::check(doc.as_bytes()).unwrap();
}
