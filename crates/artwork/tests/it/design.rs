#![allow(clippy::unwrap_used)]

use crate::common;

use insignia_artwork::design::{self, BAND_MAX_CHARS, TITLE_MAX_CHARS};
use insignia_artwork::{BadgeArtwork, Colour, DesignError, IconId, Shape, icons, render_png};

use common::{decode, samples_dir, variance};

fn sample(shape: Shape, icon: Option<&str>, title: &str, band: Option<&str>) -> BadgeArtwork {
    BadgeArtwork {
        shape,
        background: "#1e3a8a".parse().unwrap(),
        accent: "#f59e0b".parse().unwrap(),
        text: "#ffffff".parse().unwrap(),
        icon: icon.map(IconId::new),
        title: title.to_owned(),
        band: band.map(str::to_owned),
    }
}

#[test]
fn every_shape_with_icons_renders_a_non_blank_png() {
    let icons = ["graduation-cap", "trophy", "code", "leaf"];
    for (i, shape) in Shape::ALL.into_iter().enumerate() {
        for (j, icon) in icons.iter().enumerate() {
            let band = (j % 2 == 0).then_some("Insignia Academy 2026");
            let d = sample(shape, Some(icon), "Data Science", band);
            let png = design::render_png(&d, 256).unwrap();
            let img = decode(&png);
            assert_eq!(img.dimensions(), (256, 256), "{shape:?} {icon}");
            assert!(variance(&img) > 500.0, "{shape:?} {icon} looks blank");
            // Corners stay transparent: the badge is a shape, not a tile.
            assert_eq!(img.get_pixel(0, 0)[3], 0, "{shape:?}");
            if i == 0 && j == 0 {
                std::fs::write(samples_dir().join("circle-256.png"), &png).unwrap();
            }
        }
    }
}

#[test]
fn saves_sample_renders() {
    let dir = samples_dir();
    let palettes = [
        ("#1e3a8a", "#f59e0b", "#ffffff"),
        ("#065f46", "#a7f3d0", "#ecfdf5"),
        ("#7c2d12", "#fbbf24", "#fff7ed"),
        ("#f8fafc", "#6d28d9", "#312e81"),
        ("#111827", "#e11d48", "#f9fafb"),
    ];
    let cases = [
        (
            Shape::Circle,
            Some("graduation-cap"),
            "Data Science Foundations",
            Some("Insignia Academy"),
        ),
        (
            Shape::Shield,
            Some("shield-check"),
            "Security Champion",
            Some("2026"),
        ),
        (Shape::Hexagon, Some("code"), "Rust", None),
        (
            Shape::Ribbon,
            Some("trophy"),
            "Hackathon Winner",
            Some("Spring 2026"),
        ),
        (
            Shape::RoundedSquare,
            Some("leaf"),
            "Sustainability Ambassador Programme",
            None,
        ),
    ];
    let mut sheet =
        image::RgbaImage::from_pixel(3 * 256, 2 * 256, image::Rgba([240, 240, 240, 255]));
    for (i, ((shape, icon, title, band), (bg, accent, text))) in
        cases.into_iter().zip(palettes).enumerate()
    {
        let d = BadgeArtwork {
            background: bg.parse().unwrap(),
            accent: accent.parse().unwrap(),
            text: text.parse().unwrap(),
            ..sample(shape, icon, title, band)
        };
        let svg = design::render_svg(&d).unwrap();
        let png = render_png(&svg, 512).unwrap();
        let name = format!("{i}-{}", shape.id());
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        std::fs::write(dir.join(format!("{name}.svg")), &svg).unwrap();
        let direct = decode(&design::render_png(&d, 256).unwrap());
        assert!(variance(&direct) > 500.0);
        let (x, y) = (i as i64 % 3 * 256, i as i64 / 3 * 256);
        image::imageops::overlay(&mut sheet, &direct, x, y);
    }
    // No icon, long title.
    let d = sample(
        Shape::Circle,
        None,
        "Introduction to Quantum Computing",
        Some("Open University"),
    );
    std::fs::write(
        dir.join("5-no-icon.png"),
        design::render_png(&d, 512).unwrap(),
    )
    .unwrap();
    let small = decode(&design::render_png(&d, 256).unwrap());
    image::imageops::overlay(&mut sheet, &small, 512, 256);
    sheet.save(dir.join("sheet.png")).unwrap();
}

#[test]
fn user_text_is_escaped() {
    let d = sample(
        Shape::Shield,
        Some("award"),
        r#"<script>&"'x"#,
        Some("</text><script>"),
    );
    let source = design::render_svg_source(&d).unwrap();
    assert!(!source.contains("<script"), "{source}");
    assert!(source.contains("&lt;script&gt;&amp;&quot;&apos;x"));
    assert!(source.contains("&lt;/text&gt;&lt;script&gt;"));
    let svg = design::render_svg(&d).unwrap();
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("<title>&lt;script&gt;&amp;&quot;&apos;x</title>"));
    // Text is drawn as outlines: no <text> element and no font needed.
    assert!(!svg.contains("<text"));
    // Both forms parse as XML and render.
    for doc in [&source, &svg] {
        let png = render_png(doc, 128).unwrap();
        assert!(variance(&decode(&png)) > 100.0);
    }
}

#[test]
fn svg_has_the_badge_view_box() {
    let d = sample(Shape::Hexagon, Some("rocket"), "Launch", None);
    let svg = design::render_svg(&d).unwrap();
    assert!(svg.contains(r#"viewBox="0 0 512 512""#), "{}", &svg[..200]);
    let source = design::render_svg_source(&d).unwrap();
    assert!(source.contains(r#"viewBox="0 0 512 512""#));
    assert!(source.contains("font-family=\"DejaVu Sans, sans-serif\""));
}

fn font_sizes(svg: &str) -> Vec<f32> {
    svg.match_indices("font-size=\"")
        .map(|(i, m)| {
            let rest = &svg[i + m.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

#[test]
fn long_titles_wrap_onto_two_lines_and_shrink() {
    let short =
        design::render_svg_source(&sample(Shape::Circle, Some("star"), "Rust", None)).unwrap();
    let long_title = "Advanced Distributed Systems Engineering";
    assert_eq!(long_title.chars().count(), TITLE_MAX_CHARS);
    let long =
        design::render_svg_source(&sample(Shape::Circle, Some("star"), long_title, None)).unwrap();
    let short_sizes = font_sizes(&short);
    let long_sizes = font_sizes(&long);
    assert_eq!(short_sizes.len(), 1, "one line");
    assert_eq!(long_sizes.len(), 2, "two lines");
    assert!(long_sizes[0] < short_sizes[0]);
    assert!(long_sizes[0] >= 12.0);
    // Every word is still there, in order.
    let text: Vec<&str> = long
        .split("<text ")
        .skip(1)
        .map(|t| &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()])
        .collect();
    assert_eq!(text.join(" "), long_title);

    // A single very long word shrinks on one line rather than overflowing.
    let word = "Pneumonoultramicroscopicsilicovolcanoconi";
    let d = sample(Shape::Shield, None, &word[..TITLE_MAX_CHARS], None);
    let sizes = font_sizes(&design::render_svg_source(&d).unwrap());
    assert_eq!(sizes.len(), 1);
    assert!(sizes[0] < 20.0);
    // The band text shrinks too.
    let band = "B".repeat(BAND_MAX_CHARS);
    let d = sample(Shape::Circle, None, "Title", Some(&band));
    let sizes = font_sizes(&design::render_svg_source(&d).unwrap());
    assert!(sizes[1] < 24.0);
}

#[test]
fn validation_refuses_bad_designs() {
    let ok = sample(Shape::Circle, Some("medal"), "Title", None);
    assert_eq!(ok.validate(), Ok(()));
    let too_long = "x".repeat(TITLE_MAX_CHARS + 1);
    let cases: Vec<(BadgeArtwork, DesignError)> = vec![
        (
            sample(Shape::Circle, None, "   ", None),
            DesignError::TitleEmpty,
        ),
        (
            sample(Shape::Circle, None, &too_long, None),
            DesignError::TitleTooLong {
                chars: TITLE_MAX_CHARS + 1,
                max: TITLE_MAX_CHARS,
            },
        ),
        (
            sample(
                Shape::Circle,
                None,
                "Ok",
                Some(&"b".repeat(BAND_MAX_CHARS + 1)),
            ),
            DesignError::BandTooLong {
                chars: BAND_MAX_CHARS + 1,
                max: BAND_MAX_CHARS,
            },
        ),
        (
            sample(Shape::Circle, None, "a\u{0}b", None),
            DesignError::ControlCharacter { field: "title" },
        ),
        (
            sample(Shape::Circle, Some("no-such-icon"), "Ok", None),
            DesignError::UnknownIcon {
                id: "no-such-icon".into(),
            },
        ),
    ];
    for (design, error) in cases {
        assert_eq!(design.validate(), Err(error.clone_like()));
        assert_eq!(design::render_svg(&design), Err(error));
    }
    // White space is collapsed before counting.
    let spaced = format!("  {}  ", "a ".repeat(TITLE_MAX_CHARS / 2).trim());
    assert_eq!(
        sample(Shape::Circle, None, &spaced, None).validate(),
        Ok(())
    );
}

trait CloneLike {
    fn clone_like(&self) -> Self;
}

impl CloneLike for DesignError {
    fn clone_like(&self) -> Self {
        match self {
            DesignError::TitleEmpty => DesignError::TitleEmpty,
            DesignError::TitleTooLong { chars, max } => DesignError::TitleTooLong {
                chars: *chars,
                max: *max,
            },
            DesignError::BandTooLong { chars, max } => DesignError::BandTooLong {
                chars: *chars,
                max: *max,
            },
            DesignError::ControlCharacter { field } => DesignError::ControlCharacter { field },
            DesignError::UnknownIcon { id } => DesignError::UnknownIcon { id: id.clone() },
            DesignError::Colour { value } => DesignError::Colour {
                value: value.clone(),
            },
            DesignError::Render(_) => unreachable!(),
        }
    }
}

#[test]
fn designs_round_trip_through_json_and_colours_are_checked() {
    let json = r##"{"shape":"rounded-square","background":"#1E3A8A","accent":"#f59e0b","text":"#ffffff","icon":"graduation-cap","title":"Data","band":"2026"}"##;
    let d: BadgeArtwork = serde_json::from_str(json).unwrap();
    assert_eq!(d.shape, Shape::RoundedSquare);
    assert_eq!(d.background, Colour::rgb(0x1e, 0x3a, 0x8a));
    let back = serde_json::to_string(&d).unwrap();
    assert!(back.contains(r##""background":"#1e3a8a""##));
    assert_eq!(serde_json::from_str::<BadgeArtwork>(&back).unwrap(), d);

    for bad in [
        "#12345",
        "123456",
        "#12345g",
        "red",
        "#1234567",
        "#ｆｆｆｆｆｆ",
    ] {
        let json = json.replace("#1E3A8A", bad);
        let err = serde_json::from_str::<BadgeArtwork>(&json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("#rrggbb"), "{bad}: {err}");
    }
    let unknown_field = json.replace(r#""title""#, r#""evil":1,"title""#);
    assert!(serde_json::from_str::<BadgeArtwork>(&unknown_field).is_err());
    let unknown_shape = json.replace("rounded-square", "star");
    assert!(serde_json::from_str::<BadgeArtwork>(&unknown_shape).is_err());
}

#[test]
fn icon_set_is_complete_and_well_formed() {
    let all = icons::all();
    assert!((60..=130).contains(&all.len()), "{}", all.len());
    for icon in all {
        assert!(icons::get(icon.id).is_some());
        assert!(!icon.label.is_empty());
        let body = icon.body();
        assert!(
            body.starts_with('<') && body.ends_with("/>"),
            "{}: {body}",
            icon.id
        );
        for tag in body.split('<').skip(1) {
            let name = tag.split([' ', '/', '>']).next().unwrap();
            assert!(
                [
                    "path", "circle", "rect", "line", "ellipse", "polyline", "polygon"
                ]
                .contains(&name),
                "{}: <{name}>",
                icon.id
            );
        }
    }
    let mut ids: Vec<&str> = all.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "duplicate ids");
    for wanted in [
        "graduation-cap",
        "award",
        "trophy",
        "medal",
        "code",
        "globe",
        "rocket",
        "target",
    ] {
        assert!(icons::get(wanted).is_some(), "{wanted}");
    }
    assert!(icons::get("../x").is_none());
}

#[test]
fn every_icon_renders() {
    // One small render per icon: each must draw something.
    for icon in icons::all() {
        let d = sample(Shape::RoundedSquare, Some(icon.id), "I", None);
        let png = design::render_png(&d, 64).unwrap();
        assert_eq!(decode(&png).dimensions(), (64, 64), "{}", icon.id);
    }
}

#[test]
fn render_png_checks_the_size_and_input() {
    let svg = design::render_svg(&sample(Shape::Circle, None, "A", None)).unwrap();
    assert!(render_png(&svg, 8).is_err());
    assert!(render_png(&svg, 100_000).is_err());
    assert!(render_png("not svg", 64).is_err());
    assert_eq!(
        decode(&render_png(&svg, 1024).unwrap()).dimensions(),
        (1024, 1024)
    );
    // Non-square drawings are centred on a square.
    let wide = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="red"/></svg>"#;
    let img = decode(&render_png(wide, 100).unwrap());
    assert_eq!(img.get_pixel(50, 5)[3], 0);
    assert_eq!(img.get_pixel(50, 50)[0], 255);
}

#[test]
fn renders_are_reproducible() {
    let d = sample(
        Shape::Ribbon,
        Some("sparkles"),
        "Same every time",
        Some("2026"),
    );
    assert_eq!(
        design::render_png(&d, 128).unwrap(),
        design::render_png(&d, 128).unwrap()
    );
    assert_eq!(
        design::render_svg(&d).unwrap(),
        design::render_svg(&d).unwrap()
    );
}
