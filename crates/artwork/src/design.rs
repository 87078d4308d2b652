//! Badges designed in the app: a [`BadgeArtwork`] becomes an SVG and a PNG.
//!
//! The drawing is built as SVG source on a 512×512 canvas (a gradient face,
//! a rim, a thin inner ring, the icon with a soft halo, the title fitted on
//! one or two lines, an optional ribbon band with a short text). All user
//! text is XML-escaped. [`render_svg`] then passes the source through usvg,
//! which writes the text as outlines set in the bundled font, so the SVG
//! file looks the same everywhere and needs no font.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use resvg::usvg;
use serde::{Deserialize, Serialize};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

use crate::icons;
use crate::render::{self, FONT, FONT_FAMILY, RenderError};

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 40;
/// Longest band text, in characters.
pub const BAND_MAX_CHARS: usize = 28;

/// Outline of the badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    Circle,
    Shield,
    Hexagon,
    /// A rosette with two ribbon tails.
    Ribbon,
    RoundedSquare,
}

impl Shape {
    /// Every shape, in the order a picker shows them.
    pub const ALL: [Shape; 5] = [
        Shape::Circle,
        Shape::Shield,
        Shape::Hexagon,
        Shape::Ribbon,
        Shape::RoundedSquare,
    ];

    /// The serialised name (`rounded-square`).
    pub fn id(self) -> &'static str {
        match self {
            Shape::Circle => "circle",
            Shape::Shield => "shield",
            Shape::Hexagon => "hexagon",
            Shape::Ribbon => "ribbon",
            Shape::RoundedSquare => "rounded-square",
        }
    }

    /// An English label for pickers.
    pub fn label(self) -> &'static str {
        match self {
            Shape::Circle => "Circle",
            Shape::Shield => "Shield",
            Shape::Hexagon => "Hexagon",
            Shape::Ribbon => "Rosette with ribbons",
            Shape::RoundedSquare => "Rounded square",
        }
    }
}

/// An sRGB colour, written `#rrggbb` (serialised in lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Colour {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Colour {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Colour {
        Colour { r, g, b }
    }

    /// Mixes towards `other` by `t` (0 = self, 1 = other).
    fn mix(self, other: Colour, t: f32) -> Colour {
        let m = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
        Colour::rgb(m(self.r, other.r), m(self.g, other.g), m(self.b, other.b))
    }

    fn lighten(self, t: f32) -> Colour {
        self.mix(Colour::rgb(255, 255, 255), t)
    }

    fn darken(self, t: f32) -> Colour {
        self.mix(Colour::rgb(0, 0, 0), t)
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f32 {
        let lin = |c: u8| {
            let c = f32::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }

    /// White or a dark ink, whichever reads better on this colour.
    fn ink(self) -> Colour {
        if self.luminance() > 0.4 {
            Colour::rgb(0x1f, 0x29, 0x37)
        } else {
            Colour::rgb(255, 255, 255)
        }
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl FromStr for Colour {
    type Err = DesignError;

    fn from_str(s: &str) -> Result<Colour, DesignError> {
        let bad = || DesignError::Colour {
            value: s.chars().take(20).collect(),
        };
        let hex = s.strip_prefix('#').ok_or_else(bad)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Colour::rgb(byte(0)?, byte(2)?, byte(4)?))
    }
}

impl TryFrom<String> for Colour {
    type Error = DesignError;

    fn try_from(s: String) -> Result<Colour, DesignError> {
        s.parse()
    }
}

impl From<Colour> for String {
    fn from(c: Colour) -> String {
        c.to_string()
    }
}

/// The id of an icon from [`crate::icons`] (checked by [`BadgeArtwork::validate`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IconId(pub String);

impl IconId {
    pub fn new(id: impl Into<String>) -> IconId {
        IconId(id.into())
    }
}

/// A badge as designed in the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadgeArtwork {
    pub shape: Shape,
    /// The face of the badge.
    pub background: Colour,
    /// Rim and ribbon band.
    pub accent: Colour,
    /// Title and icon.
    pub text: Colour,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<IconId>,
    /// 1 to [`TITLE_MAX_CHARS`] characters; wrapped onto two lines and
    /// shrunk as needed.
    pub title: String,
    /// Short text on a ribbon band (an issuer, a year); no band when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
}

/// Why a design cannot be drawn.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DesignError {
    #[error("the colour {value:?} is not written as #rrggbb (for example #1e40af)")]
    Colour { value: String },
    #[error("the title is empty")]
    TitleEmpty,
    #[error("the title has {chars} characters; the longest accepted is {max}")]
    TitleTooLong { chars: usize, max: usize },
    #[error("the band text has {chars} characters; the longest accepted is {max}")]
    BandTooLong { chars: usize, max: usize },
    #[error("the {field} contains a control character")]
    ControlCharacter { field: &'static str },
    #[error("there is no icon called {id:?}")]
    UnknownIcon { id: String },
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl BadgeArtwork {
    /// Checks the texts and the icon (colours and shape are checked when
    /// deserialising).
    pub fn validate(&self) -> Result<(), DesignError> {
        let title = normalise(&self.title, "title")?;
        if title.is_empty() {
            return Err(DesignError::TitleEmpty);
        }
        let chars = title.chars().count();
        if chars > TITLE_MAX_CHARS {
            return Err(DesignError::TitleTooLong {
                chars,
                max: TITLE_MAX_CHARS,
            });
        }
        if let Some(band) = &self.band {
            let band = normalise(band, "band text")?;
            let chars = band.chars().count();
            if chars > BAND_MAX_CHARS {
                return Err(DesignError::BandTooLong {
                    chars,
                    max: BAND_MAX_CHARS,
                });
            }
        }
        if let Some(IconId(id)) = &self.icon
            && icons::get(id).is_none()
        {
            return Err(DesignError::UnknownIcon {
                id: id.chars().take(40).collect(),
            });
        }
        Ok(())
    }
}

/// Trims, collapses white space to single spaces, refuses control characters.
fn normalise(text: &str, field: &'static str) -> Result<String, DesignError> {
    if text
        .chars()
        .any(|c| c.is_control() && !c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{FFFE}'))
    {
        return Err(DesignError::ControlCharacter { field });
    }
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The design as a self-contained SVG (viewBox `0 0 512 512`), text drawn as
/// outlines in the bundled font; the title is kept in `<title>` for
/// accessibility.
pub fn render_svg(design: &BadgeArtwork) -> Result<String, DesignError> {
    let source = render_svg_source(design)?;
    let tree = render::parse(&source)?;
    let svg = tree.to_string(&usvg::WriteOptions {
        id_prefix: Some("ib-".to_owned()),
        preserve_text: false,
        ..usvg::WriteOptions::default()
    });
    let title = normalise(&design.title, "title")?;
    Ok(insert_title(&svg, &title))
}

/// Puts `<title>` right after the root start tag, and the badge's viewBox
/// on that tag (usvg writes only the size).
fn insert_title(svg: &str, title: &str) -> String {
    let Some((start, end)) = svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| (i, i + j)))
    else {
        return svg.to_owned();
    };
    let mut out = String::with_capacity(svg.len() + title.len() + 64);
    if svg[start..end].contains("viewBox") {
        out.push_str(&svg[..=end]);
    } else {
        out.push_str(&svg[..end]);
        out.push_str(r#" viewBox="0 0 512 512">"#);
    }
    let _ = write!(out, "\n<title>{}</title>", escape(title));
    out.push_str(&svg[end + 1..]);
    out
}

/// The design as PNG, `size`×`size` pixels.
pub fn render_png(design: &BadgeArtwork, size: u32) -> Result<Vec<u8>, DesignError> {
    let source = render_svg_source(design)?;
    let tree = render::parse(&source)?;
    Ok(render::render_tree(&tree, size)?)
}

/// XML-escapes text for element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Where things go on a shape.
struct Layout {
    icon_cy: f32,
    icon_size: f32,
    title_cy: f32,
    title_width: f32,
    band_y: f32,
}

fn layout(shape: Shape, band: bool, icon: bool) -> Layout {
    // (icon centre, icon size, title centre, title width, band top)
    let (icon_cy, icon_size, title_cy, title_width, band_y) = match (shape, band) {
        (Shape::Circle, true) => (166.0, 104.0, 280.0, 316.0, 336.0),
        (Shape::Circle, false) => (184.0, 116.0, 318.0, 304.0, 0.0),
        (Shape::Shield, true) => (150.0, 100.0, 262.0, 300.0, 316.0),
        (Shape::Shield, false) => (168.0, 112.0, 296.0, 290.0, 0.0),
        (Shape::Hexagon, true) => (166.0, 104.0, 280.0, 300.0, 336.0),
        (Shape::Hexagon, false) => (184.0, 116.0, 316.0, 296.0, 0.0),
        (Shape::Ribbon, true) => (150.0, 92.0, 250.0, 284.0, 300.0),
        (Shape::Ribbon, false) => (164.0, 100.0, 282.0, 276.0, 0.0),
        (Shape::RoundedSquare, true) => (166.0, 108.0, 282.0, 340.0, 342.0),
        (Shape::RoundedSquare, false) => (182.0, 120.0, 318.0, 340.0, 0.0),
    };
    let title_cy = if icon {
        title_cy
    } else if band {
        // No icon: the title takes the middle of the face above the band.
        (icon_cy + title_cy) / 2.0 + 4.0
    } else {
        (icon_cy + title_cy) / 2.0 + 8.0
    };
    // Without an icon the title sits nearer the middle, where the face is wider.
    let title_width = if icon {
        title_width
    } else {
        title_width + 40.0
    };
    Layout {
        icon_cy,
        icon_size,
        title_cy,
        title_width,
        band_y,
    }
}

/// The SVG source of the design, with `<text>` elements naming the bundled
/// font (`DejaVu Sans`, then `sans-serif`). [`render_svg`] is usually what
/// you want: it draws the text as outlines.
pub fn render_svg_source(design: &BadgeArtwork) -> Result<String, DesignError> {
    design.validate()?;
    let title = normalise(&design.title, "title")?;
    let band = match &design.band {
        Some(b) => Some(normalise(b, "band text")?).filter(|b| !b.is_empty()),
        None => None,
    };
    let icon = design.icon.as_ref().and_then(|IconId(id)| icons::get(id));
    let shape = design.shape;
    let lay = layout(shape, band.is_some(), icon.is_some());
    let bg = design.background;
    let accent = design.accent;

    let mut s = String::with_capacity(8 * 1024);
    s.push_str(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">"#,
    );
    let _ = write!(
        s,
        r#"<defs><linearGradient id="face" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient><linearGradient id="rim" x1="0" y1="0" x2="0.3" y2="1"><stop offset="0" stop-color="{}"/><stop offset="0.5" stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient><linearGradient id="band" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient><radialGradient id="shine" cx="0.5" cy="0.18" r="0.75"><stop offset="0" stop-color="white" stop-opacity="0.28"/><stop offset="0.6" stop-color="white" stop-opacity="0.04"/><stop offset="1" stop-color="white" stop-opacity="0"/></radialGradient><radialGradient id="halo" cx="0.5" cy="0.5" r="0.5"><stop offset="0" stop-color="white" stop-opacity="0.22"/><stop offset="1" stop-color="white" stop-opacity="0"/></radialGradient></defs>"#,
        bg.lighten(0.16),
        bg.darken(0.14),
        accent.lighten(0.35),
        accent,
        accent.darken(0.28),
        accent.lighten(0.08),
        accent.darken(0.12),
    );

    // Ribbon tails go behind the rosette.
    if shape == Shape::Ribbon {
        let tail = accent.darken(0.18);
        let tail_dark = accent.darken(0.32);
        let _ = write!(
            s,
            r#"<path d="M206 352 L262 380 L222 502 L196 474 L160 490 Z" fill="{tail_dark}"/><path d="M306 352 L250 380 L290 502 L316 474 L352 490 Z" fill="{tail}"/>"#
        );
    }

    // Soft shadow, rim, face, shine, inner ring.
    let shadow = shape_element(shape, Level::Outer, r#"fill="black" fill-opacity="0.18""#);
    let _ = write!(s, r#"<g transform="translate(0 6)">{shadow}</g>"#);
    s.push_str(&shape_element(
        shape,
        Level::Outer,
        &format!(
            r#"fill="url(#rim)" stroke="{}" stroke-width="2""#,
            accent.darken(0.35)
        ),
    ));
    s.push_str(&shape_element(shape, Level::Face, r#"fill="url(#face)""#));
    s.push_str(&shape_element(shape, Level::Face, r#"fill="url(#shine)""#));
    s.push_str(&shape_element(
        shape,
        Level::Ring,
        &format!(
            r#"fill="none" stroke="{}" stroke-opacity="0.55" stroke-width="3""#,
            accent.lighten(0.45)
        ),
    ));

    if let Some(icon) = icon {
        let (cx, cy, size) = (256.0, lay.icon_cy, lay.icon_size);
        let _ = write!(
            s,
            r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="url(#halo)"/>"#,
            r = size * 0.85
        );
        let scale = size / 24.0;
        let _ = write!(
            s,
            r#"<g transform="translate({x} {y}) scale({scale})" fill="none" stroke="{colour}" stroke-width="1.75" stroke-linecap="round" stroke-linejoin="round">{body}</g>"#,
            x = cx - size / 2.0,
            y = cy - size / 2.0,
            colour = design.text,
            body = icon.body(),
        );
    }

    write_title(&mut s, &title, &lay, design.text, icon.is_some());

    if let Some(band) = &band {
        write_band(&mut s, band, lay.band_y, accent);
    }
    s.push_str("</svg>");
    Ok(s)
}

#[derive(Clone, Copy)]
enum Level {
    /// The whole outline (rim colour).
    Outer,
    /// The face inside the rim.
    Face,
    /// A thin ring just inside the face's edge.
    Ring,
}

fn shape_element(shape: Shape, level: Level, attrs: &str) -> String {
    match shape {
        Shape::Circle => {
            let r = match level {
                Level::Outer => 238.0,
                Level::Face => 210.0,
                Level::Ring => 197.0,
            };
            format!(r#"<circle cx="256" cy="256" r="{r}" {attrs}/>"#)
        }
        Shape::RoundedSquare => {
            let (inset, rx) = match level {
                Level::Outer => (22.0, 92.0),
                Level::Face => (48.0, 68.0),
                Level::Ring => (60.0, 57.0),
            };
            let side = 512.0 - 2.0 * inset;
            format!(
                r#"<rect x="{inset}" y="{inset}" width="{side}" height="{side}" rx="{rx}" {attrs}/>"#
            )
        }
        Shape::Hexagon => {
            let (r, round) = match level {
                Level::Outer => (246.0, 34.0),
                Level::Face => (214.0, 26.0),
                Level::Ring => (199.0, 22.0),
            };
            let points: Vec<(f32, f32)> = (0..6)
                .map(|k| {
                    let a = (-90.0 + 60.0 * k as f32).to_radians();
                    (256.0 + r * a.cos(), 256.0 + r * a.sin())
                })
                .collect();
            format!(r#"<path d="{}" {attrs}/>"#, rounded_polygon(&points, round))
        }
        Shape::Shield => {
            let scale = match level {
                Level::Outer => 1.0,
                Level::Face => 0.875,
                Level::Ring => 0.82,
            };
            let d = "M256 18 C318 50 388 62 460 60 C466 160 462 244 444 300 C414 396 344 456 256 496 C168 456 98 396 68 300 C50 244 46 160 52 60 C124 62 194 50 256 18 Z";
            format!(
                r#"<path transform="translate(256 256) scale({scale}) translate(-256 -256)" d="{d}" {attrs}/>"#
            )
        }
        Shape::Ribbon => {
            let (cy, r) = (232.0, 0.0);
            match level {
                Level::Outer => {
                    format!(
                        r#"<path d="{}" {attrs}/>"#,
                        rosette(256.0, cy, 206.0, 226.0, 30)
                    )
                }
                Level::Face => format!(r#"<circle cx="256" cy="{cy}" r="{}" {attrs}/>"#, r + 182.0),
                Level::Ring => format!(r#"<circle cx="256" cy="{cy}" r="{}" {attrs}/>"#, r + 170.0),
            }
        }
    }
}

/// A closed polygon path whose corners are rounded by `round` units.
fn rounded_polygon(points: &[(f32, f32)], round: f32) -> String {
    let n = points.len();
    let mut d = String::new();
    for i in 0..n {
        let prev = points[(i + n - 1) % n];
        let cur = points[i];
        let next = points[(i + 1) % n];
        let towards = |from: (f32, f32), to: (f32, f32)| {
            let (dx, dy) = (to.0 - from.0, to.1 - from.1);
            let len = (dx * dx + dy * dy).sqrt().max(f32::EPSILON);
            let t = (round / len).min(0.5);
            (from.0 + dx * t, from.1 + dy * t)
        };
        let a = towards(cur, prev);
        let b = towards(cur, next);
        let cmd = if i == 0 { 'M' } else { 'L' };
        let _ = write!(
            d,
            "{cmd}{:.1} {:.1} Q{:.1} {:.1} {:.1} {:.1} ",
            a.0, a.1, cur.0, cur.1, b.0, b.1
        );
    }
    d.push('Z');
    d
}

/// A scalloped disc: `bumps` arcs bulging from radius `inner` out to `outer`.
fn rosette(cx: f32, cy: f32, inner: f32, outer: f32, bumps: usize) -> String {
    let mut d = String::new();
    let step = std::f32::consts::TAU / bumps as f32;
    let at = |r: f32, a: f32| (cx + r * a.cos(), cy + r * a.sin());
    for k in 0..bumps {
        let a0 = k as f32 * step;
        let p0 = at(inner, a0);
        let c = at(outer * 1.04, a0 + step / 2.0);
        let p1 = at(inner, a0 + step);
        if k == 0 {
            let _ = write!(d, "M{:.1} {:.1} ", p0.0, p0.1);
        }
        let _ = write!(d, "Q{:.1} {:.1} {:.1} {:.1} ", c.0, c.1, p1.0, p1.1);
    }
    d.push('Z');
    d
}

/// Advance width of `text` in the bundled font at 1 px, without kerning
/// (which only narrows it).
pub(crate) fn text_width(text: &str) -> f32 {
    let Ok(font) = skrifa::FontRef::new(FONT) else {
        // Cannot happen with the bundled font; a rough estimate keeps going.
        return text.chars().count() as f32 * 0.7;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(1.0), LocationRef::default());
    text.chars()
        .map(|c| match charmap.map(c) {
            Some(gid) => metrics.advance_width(gid).unwrap_or(0.6),
            // Set in a fallback font (share images): its advance, else a
            // full em (CJK glyphs are square).
            None => fallback_advance(c).unwrap_or(1.0),
        })
        .sum()
}

/// The advance of `c` in the first fallback font that has it.
fn fallback_advance(c: char) -> Option<f32> {
    crate::render::FALLBACK_FONTS.iter().find_map(|bytes| {
        let font = skrifa::FontRef::new(bytes).ok()?;
        let gid = font.charmap().map(c)?;
        font.glyph_metrics(Size::new(1.0), LocationRef::default())
            .advance_width(gid)
    })
}

/// Whether every character of `text` (spaces aside) has a glyph in the
/// bundled font or its fallbacks, i.e. renders as itself, not as a box.
pub fn has_glyphs(text: &str) -> bool {
    let fonts: Vec<skrifa::FontRef<'_>> = std::iter::once(FONT)
        .chain(crate::render::FALLBACK_FONTS)
        .filter_map(|b| skrifa::FontRef::new(b).ok())
        .collect();
    text.chars()
        .filter(|c| !c.is_whitespace())
        .all(|c| fonts.iter().any(|f| f.charmap().map(c).is_some()))
}

/// Font size and lines for the title: one line when it can be set large
/// enough, else the two-line break that allows the largest size.
fn fit_title(title: &str, width: f32, icon: bool) -> (f32, Vec<String>) {
    let (one_max, two_max, min) = if icon {
        (44.0, 38.0, 12.0)
    } else {
        (56.0, 46.0, 12.0)
    };
    let size_for = |lines: &[&str], max: f32| {
        let widest = lines.iter().map(|l| text_width(l)).fold(0.0, f32::max);
        if widest <= 0.0 {
            max
        } else {
            (width / widest).min(max)
        }
    };
    let one = size_for(&[title], one_max);
    if one >= 32.0 {
        return (one.max(min), vec![title.to_owned()]);
    }
    let mut best: Option<(f32, usize)> = None;
    for (i, _) in title.match_indices(' ') {
        let size = size_for(&[&title[..i], &title[i + 1..]], two_max);
        if best.is_none_or(|(s, _)| size > s) {
            best = Some((size, i));
        }
    }
    match best {
        Some((size, i)) if size > one => (
            size.max(min),
            vec![title[..i].to_owned(), title[i + 1..].to_owned()],
        ),
        _ => (one.max(min), vec![title.to_owned()]),
    }
}

fn text_element(s: &mut String, x: f32, y: f32, size: f32, fill: Colour, extra: &str, text: &str) {
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y:.1}" text-anchor="middle" font-family="{FONT_FAMILY}, sans-serif" font-weight="700" font-size="{size:.1}" fill="{fill}"{extra}>{}</text>"#,
        escape(text)
    );
}

fn write_title(s: &mut String, title: &str, lay: &Layout, colour: Colour, icon: bool) {
    let (size, lines) = fit_title(title, lay.title_width, icon);
    let gap = size * 1.12;
    // Centre the block on the cap height (about 0.73 em in DejaVu Sans).
    let first = lay.title_cy - gap * (lines.len() as f32 - 1.0) / 2.0 + size * 0.365;
    for (i, line) in lines.iter().enumerate() {
        text_element(s, 256.0, first + gap * i as f32, size, colour, "", line);
    }
}

fn write_band(s: &mut String, text: &str, y: f32, accent: Colour) {
    let tail = accent.darken(0.22);
    let fold = accent.darken(0.45);
    let h = 56.0;
    let (t0, t1, mid) = (y + 14.0, y + h + 14.0, y + 14.0 + h / 2.0);
    let _ = write!(
        s,
        r#"<path d="M28 {t0} L96 {t0} L96 {t1} L28 {t1} L48 {mid} Z" fill="{tail}"/><path d="M484 {t0} L416 {t0} L416 {t1} L484 {t1} L464 {mid} Z" fill="{tail}"/><path d="M64 {b} L96 {t1} L96 {b} Z" fill="{fold}"/><path d="M448 {b} L416 {t1} L416 {b} Z" fill="{fold}"/>"#,
        b = y + h,
    );
    let _ = write!(
        s,
        r#"<rect x="64" y="{y}" width="384" height="{h}" fill="url(#band)"/><rect x="64" y="{hl}" width="384" height="2" fill="white" fill-opacity="0.25"/>"#,
        hl = y + 4.0,
    );
    let spacing = 1.5;
    let chars = text.chars().count() as f32;
    let width_per_px = text_width(text);
    let max_width = 336.0 - spacing * chars;
    let size = if width_per_px > 0.0 {
        (max_width / width_per_px).clamp(10.0, 24.0)
    } else {
        24.0
    };
    text_element(
        s,
        256.0,
        y + h / 2.0 + size * 0.365,
        size,
        accent.ink(),
        &format!(r#" letter-spacing="{spacing}""#),
        text,
    );
}
