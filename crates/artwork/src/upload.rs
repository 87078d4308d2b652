//! Checking an uploaded badge image: PNG or SVG, in at most
//! [`MAX_UPLOAD_BYTES`].
//!
//! **PNG**: the header is read first, so an image claiming huge dimensions is
//! refused before anything is allocated; decoding then runs under `image`'s
//! [`Limits`]. Images wider or taller than [`MAX_SIDE`] or smaller than
//! [`MIN_SIDE`] are refused. A non-square image is **letter-boxed** (centred on
//! a transparent square) as long as its sides are within [`MAX_ASPECT`] of each
//! other, and refused beyond that (a banner is not a badge). The result is
//! resized (Lanczos3, on premultiplied alpha so edges keep their colour) to at
//! most [`OUTPUT_MAX_SIDE`] and re-encoded, which also drops every ancillary
//! chunk (text, EXIF, an old baked credential).
//!
//! **SVG**: the document is rewritten by a `quick-xml` pass that refuses a
//! DOCTYPE (so no entity can be declared: XXE and "billion laughs" fail), any
//! entity other than XML's five and character references, elements nested
//! deeper than [`MAX_SVG_DEPTH`], more than [`MAX_SVG_ELEMENTS`] elements, and
//! `<use>` chains that would expand past [`MAX_SVG_EXPANDED`] elements. It
//! keeps only SVG-namespace elements on an allow-list (so `<script>`,
//! `<foreignObject>`, animation elements, editor metadata and foreign
//! elements go, with their content), drops event-handler attributes (`on*`),
//! links other than `#fragment` and `data:image/png` / `data:image/jpeg`,
//! `javascript:` values, `url(…)` references outside the document, and
//! style sheets that import or reference anything outside the document;
//! comments and processing instructions go too. What was removed is
//! reported in [`Sanitized::removed`]. The cleaned document must then render
//! with resvg, and a 512×512 PNG rendition is made.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::imageops;
use image::{ImageDecoder, ImageFormat, ImageReader, Limits, RgbaImage};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use quick_xml::writer::Writer;

use crate::render::{self, RenderError};

/// Largest upload accepted, in bytes (4 MiB).
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;
/// Largest width or height of an uploaded PNG.
pub const MAX_SIDE: u32 = 4096;
/// Smallest width or height of an uploaded PNG.
pub const MIN_SIDE: u32 = 64;
/// Largest ratio between the long and the short side; beyond it an image is
/// refused rather than letter-boxed.
pub const MAX_ASPECT: f64 = 2.0;
/// Side of the PNG rendition: uploads are scaled down to fit it (never up).
pub const OUTPUT_MAX_SIDE: u32 = 512;
/// Deepest element nesting accepted in an SVG.
pub const MAX_SVG_DEPTH: usize = 200;
/// Most elements accepted in an SVG.
pub const MAX_SVG_ELEMENTS: usize = 50_000;
/// Most elements an SVG may draw once `<use>` references are expanded.
pub const MAX_SVG_EXPANDED: u64 = 200_000;

/// Allocation bound for decoding (a 4096×4096 RGBA 16-bit image and change).
const MAX_DECODE_ALLOC: u64 = 160 * 1024 * 1024;
const SVG_NS: &[u8] = b"http://www.w3.org/2000/svg";

/// What was uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Png,
    Svg,
}

/// An accepted upload.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedImage {
    pub kind: UploadKind,
    /// Width and height of the upload (an SVG's size as usvg reads it,
    /// rounded).
    pub original: (u32, u32),
    /// A square PNG: for a PNG upload, the upload letter-boxed if needed and
    /// scaled down to at most 512 px; for an SVG, its 512 px rendition.
    pub png: Vec<u8>,
    /// Side of `png` in pixels.
    pub png_side: u32,
    /// Whether the PNG was scaled down.
    pub resized: bool,
    /// Whether transparent bars were added to make it square.
    pub letterboxed: bool,
    /// The cleaned SVG, for SVG uploads.
    pub svg: Option<Sanitized>,
}

/// A cleaned SVG document and what was taken out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    pub svg: String,
    pub removed: Vec<Removed>,
}

/// Something the SVG sanitiser took out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// An element and its content (`script`, `foreignObject`, `animate`,
    /// `sodipodi:namedview`, …).
    Element { name: String },
    /// An attribute (`onload`, an external `href`, a `javascript:` value…).
    Attribute { element: String, name: String },
    /// The content of a `<style>` element that imports or references
    /// something outside the document.
    StyleSheet,
    /// Comments and processing instructions (counted together).
    Comments { count: usize },
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Removed::Element { name } => write!(f, "removed the <{name}> element"),
            Removed::Attribute { element, name } => {
                write!(f, "removed the {name} attribute of <{element}>")
            }
            Removed::StyleSheet => {
                f.write_str("removed a style sheet that refers to outside resources")
            }
            Removed::Comments { count } => {
                write!(f, "removed {count} comment(s) or processing instruction(s)")
            }
        }
    }
}

/// Why an upload was refused. The messages are meant for the person who
/// uploaded the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {bytes} bytes; the largest accepted is {max} bytes (4 MB)")]
    TooLarge { bytes: usize, max: usize },
    #[error("the file is neither a PNG nor an SVG image")]
    NotAnImage,
    #[error("the image is {width} pixels wide; the largest accepted is {max}")]
    TooWide { width: u32, max: u32 },
    #[error("the image is {height} pixels high; the largest accepted is {max}")]
    TooTall { height: u32, max: u32 },
    #[error("the image is {width}×{height} pixels; badge images need at least {min}×{min}")]
    TooSmall { width: u32, height: u32, min: u32 },
    #[error(
        "the image is {width}×{height} pixels; badge images must be square, or at most twice as wide as high (or high as wide)"
    )]
    NotSquare { width: u32, height: u32 },
    #[error("the image would need more than {max_mb} MB of memory to decode")]
    TooDemanding { max_mb: u64 },
    #[error("the PNG file is damaged or incomplete ({0})")]
    DamagedPng(String),
    #[error("the SVG is not UTF-8 text")]
    SvgNotUtf8,
    #[error(
        "the SVG has a DOCTYPE declaration; SVG files with a DOCTYPE or entity declarations are not accepted"
    )]
    SvgDoctype,
    #[error(
        "the SVG uses the entity &{0}; which is not defined; only XML's own entities are accepted"
    )]
    SvgEntity(String),
    #[error("the SVG is not well-formed XML: {0}")]
    SvgMalformed(String),
    #[error(
        "the file's main element is not an SVG <svg> element (with xmlns=\"http://www.w3.org/2000/svg\")"
    )]
    SvgNotSvg,
    #[error("the SVG nests elements more than {max} deep")]
    SvgTooDeep { max: usize },
    #[error("the SVG has more than {max} elements")]
    SvgTooManyElements { max: usize },
    #[error(
        "the SVG's <use> references would draw more than {max} elements, or refer to themselves"
    )]
    SvgTooManyUses { max: u64 },
    #[error("the SVG cannot be drawn: {0}")]
    SvgDoesNotRender(String),
    #[error("the image could not be converted: {0}")]
    Convert(String),
}

impl From<RenderError> for UploadError {
    fn from(e: RenderError) -> UploadError {
        match e {
            RenderError::Svg(msg) => UploadError::SvgDoesNotRender(msg),
            RenderError::Empty => UploadError::SvgDoesNotRender(e.to_string()),
            other => UploadError::Convert(other.to_string()),
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Checks an uploaded badge image (PNG or SVG, told apart by content).
pub fn check(bytes: &[u8]) -> Result<CheckedImage, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge {
            bytes: bytes.len(),
            max: MAX_UPLOAD_BYTES,
        });
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return check_png(bytes);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let looks_like_xml = text
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<');
    if !looks_like_xml {
        return Err(UploadError::NotAnImage);
    }
    check_svg(bytes)
}

fn check_dimensions(width: u32, height: u32) -> Result<(), UploadError> {
    if width > MAX_SIDE {
        return Err(UploadError::TooWide {
            width,
            max: MAX_SIDE,
        });
    }
    if height > MAX_SIDE {
        return Err(UploadError::TooTall {
            height,
            max: MAX_SIDE,
        });
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(UploadError::TooSmall {
            width,
            height,
            min: MIN_SIDE,
        });
    }
    let (long, short) = (width.max(height), width.min(height));
    if f64::from(long) > f64::from(short) * MAX_ASPECT {
        return Err(UploadError::NotSquare { width, height });
    }
    Ok(())
}

/// Checks, resizes and re-encodes a PNG upload.
pub fn check_png(bytes: &[u8]) -> Result<CheckedImage, UploadError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge {
            bytes: bytes.len(),
            max: MAX_UPLOAD_BYTES,
        });
    }
    let (width, height) = render::png_dimensions(bytes)
        .ok_or_else(|| UploadError::DamagedPng("it has no image header".to_owned()))?;
    // Refused here, from the header alone, before the decoder allocates.
    check_dimensions(width, height)?;

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(damaged)?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h)?;
    let image = image::DynamicImage::from_decoder(decoder).map_err(damaged)?;
    let rgba = image.into_rgba8();

    let (png, png_side, resized) = square_png(rgba)?;
    Ok(CheckedImage {
        kind: UploadKind::Png,
        original: (w, h),
        png,
        png_side,
        resized,
        letterboxed: w != h,
        svg: None,
    })
}

fn damaged(e: image::ImageError) -> UploadError {
    match e {
        image::ImageError::Limits(_) => UploadError::TooDemanding {
            max_mb: MAX_DECODE_ALLOC / (1024 * 1024),
        },
        other => UploadError::DamagedPng(other.to_string()),
    }
}

/// Scales down to fit [`OUTPUT_MAX_SIDE`] and letter-boxes to a square.
fn square_png(rgba: RgbaImage) -> Result<(Vec<u8>, u32, bool), UploadError> {
    let (w, h) = rgba.dimensions();
    let long = w.max(h);
    let side = long.min(OUTPUT_MAX_SIDE);
    let resized = long > side;
    let image = if resized {
        let scale = f64::from(side) / f64::from(long);
        let nw = ((f64::from(w) * scale).round() as u32).clamp(1, side);
        let nh = ((f64::from(h) * scale).round() as u32).clamp(1, side);
        let mut pre = rgba;
        premultiply(&mut pre);
        let mut out = imageops::resize(&pre, nw, nh, imageops::FilterType::Lanczos3);
        unpremultiply(&mut out);
        out
    } else {
        rgba
    };
    let (iw, ih) = image.dimensions();
    let square = if iw == ih {
        image
    } else {
        let mut canvas = RgbaImage::new(side, side);
        let x = i64::from((side - iw) / 2);
        let y = i64::from((side - ih) / 2);
        imageops::replace(&mut canvas, &image, x, y);
        canvas
    };
    Ok((encode_png(&square)?, side, resized))
}

fn premultiply(image: &mut RgbaImage) {
    for p in image.pixels_mut() {
        let a = u16::from(p[3]);
        for c in &mut p.0[..3] {
            *c = ((u16::from(*c) * a + 127) / 255) as u8;
        }
    }
}

fn unpremultiply(image: &mut RgbaImage) {
    for p in image.pixels_mut() {
        let a = u16::from(p[3]);
        if a == 0 {
            p.0 = [0, 0, 0, 0];
            continue;
        }
        for c in &mut p.0[..3] {
            *c = ((u16::from(*c) * 255 + a / 2) / a).min(255) as u8;
        }
    }
}

fn encode_png(image: &RgbaImage) -> Result<Vec<u8>, UploadError> {
    let mut out = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive);
    image
        .write_with_encoder(encoder)
        .map_err(|e| UploadError::Convert(e.to_string()))?;
    Ok(out)
}

/// Sanitises an SVG upload, checks that it renders and makes a 512 px PNG.
pub fn check_svg(bytes: &[u8]) -> Result<CheckedImage, UploadError> {
    let sanitized = sanitize_svg(bytes)?;
    let tree = render::parse(&sanitized.svg)?;
    let size = tree.size();
    let png = render::render_tree(&tree, OUTPUT_MAX_SIDE)?;
    let (w, h) = (size.width().round(), size.height().round());
    Ok(CheckedImage {
        kind: UploadKind::Svg,
        original: (w as u32, h as u32),
        png,
        png_side: OUTPUT_MAX_SIDE,
        resized: false,
        letterboxed: (w - h).abs() >= 1.0,
        svg: Some(sanitized),
    })
}

/// One open element while sanitising.
struct Frame {
    name: String,
    /// Written as a self-closing tag (no end tag to write).
    empty: bool,
    /// Kept (false: inside a removed element).
    kept: bool,
    is_style: bool,
    id: Option<String>,
    /// Elements in this subtree, itself included.
    nodes: u64,
    /// Targets of `<use>`/`<feImage>` references in this subtree.
    uses: Vec<u32>,
}

struct Sanitiser {
    writer: Writer<Vec<u8>>,
    removed: Vec<Removed>,
    comments: usize,
    stack: Vec<Frame>,
    elements: usize,
    seen_root: bool,
    /// Text of the `<style>` element being read: raw (as written) and decoded.
    style_raw: String,
    style_text: String,
    /// id → (nodes in its subtree, use targets in its subtree).
    ids: HashMap<String, (u64, Vec<u32>)>,
    use_targets: Vec<String>,
    root: Option<(u64, Vec<u32>)>,
}

/// SVG elements kept by the sanitiser.
const ALLOWED: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "title",
    "desc",
    "linearGradient",
    "radialGradient",
    "stop",
    "pattern",
    "clipPath",
    "mask",
    "marker",
    "filter",
    "image",
    "style",
    "a",
    "switch",
    "view",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feImage",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
];

/// Cleans an SVG document (see the module documentation). Does not render it.
pub fn sanitize_svg(bytes: &[u8]) -> Result<Sanitized, UploadError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge {
            bytes: bytes.len(),
            max: MAX_UPLOAD_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| UploadError::SvgNotUtf8)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    let mut s = Sanitiser {
        writer: Writer::new(Vec::with_capacity(text.len())),
        removed: Vec::new(),
        comments: 0,
        stack: Vec::new(),
        elements: 0,
        seen_root: false,
        style_raw: String::new(),
        style_text: String::new(),
        ids: HashMap::new(),
        use_targets: Vec::new(),
        root: None,
    };
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(malformed)?;
        let in_svg_ns = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == SVG_NS);
        match event {
            Event::Start(e) => s.open(&reader, &e, in_svg_ns, false)?,
            Event::Empty(e) => s.open(&reader, &e, in_svg_ns, true)?,
            Event::End(_) => s.close()?,
            Event::Text(t) => {
                let decoded = t.decode().map_err(|e| malformed(e.into()))?;
                s.text(&decoded, &decoded)?;
            }
            Event::CData(c) => {
                let decoded = c.decode().map_err(|e| malformed(e.into()))?;
                if s.in_style() {
                    s.style_text.push_str(&decoded);
                    s.style_raw.push_str(&format!("<![CDATA[{decoded}]]>"));
                } else if s.kept() {
                    s.write(Event::CData(c))?;
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| malformed(e.into()))?.into_owned();
                let value = if r.is_char_ref() {
                    match r.resolve_char_ref().map_err(malformed)? {
                        Some(c) => c.to_string(),
                        None => return Err(UploadError::SvgEntity(name)),
                    }
                } else {
                    match name.as_str() {
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "amp" => "&".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        _ => return Err(UploadError::SvgEntity(name.chars().take(40).collect())),
                    }
                };
                s.text(&format!("&{name};"), &value)?;
            }
            Event::Comment(_) | Event::PI(_) => s.comments += 1,
            Event::Decl(d) => {
                if s.stack.is_empty() && !s.seen_root {
                    s.write(Event::Decl(d))?;
                }
            }
            Event::DocType(_) => return Err(UploadError::SvgDoctype),
            Event::Eof => break,
        }
    }
    if !s.seen_root || !s.stack.is_empty() {
        return Err(if s.seen_root {
            UploadError::SvgMalformed("the document ends before its elements are closed".into())
        } else {
            UploadError::SvgNotSvg
        });
    }
    s.check_expansion()?;
    if s.comments > 0 {
        s.removed.push(Removed::Comments { count: s.comments });
    }
    let svg = String::from_utf8(s.writer.into_inner()).map_err(|_| UploadError::SvgNotUtf8)?;
    Ok(Sanitized {
        svg,
        removed: s.removed,
    })
}

fn malformed(e: quick_xml::Error) -> UploadError {
    let mut msg = e.to_string();
    msg.truncate(200);
    UploadError::SvgMalformed(msg)
}

/// Lower case, without white space and control characters, as browsers read
/// URLs (`java\tscript:` is `javascript:`).
fn squash(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// A link target the sanitiser keeps: a fragment or an embedded PNG/JPEG.
fn safe_link(squashed: &str) -> bool {
    squashed.starts_with('#')
        || squashed.starts_with("data:image/png")
        || squashed.starts_with("data:image/jpeg")
        || squashed.starts_with("data:image/jpg")
}

/// Whether a value's `url(…)` references all point inside the document.
fn urls_internal(squashed: &str) -> bool {
    let mut rest = squashed;
    while let Some(i) = rest.find("url(") {
        rest = &rest[i + 4..];
        let target = rest.trim_start_matches(['"', '\'']);
        if !target.starts_with('#') {
            return false;
        }
    }
    true
}

fn dangerous_value(squashed: &str) -> bool {
    ["javascript:", "vbscript:", "data:text", "data:application"]
        .iter()
        .any(|bad| squashed.contains(bad))
        || !urls_internal(squashed)
}

/// CSS that may load or run something: imports, outside `url()`s, old
/// script hooks, and escapes that could hide any of these.
fn unsafe_css(css: &str) -> bool {
    let squashed = squash(css);
    squashed.contains('\\')
        || squashed.contains("@import")
        || squashed.contains("@font-face")
        || squashed.contains("image-set")
        || squashed.contains("//")
        || squashed.contains("expression(")
        || squashed.contains("behavior")
        || squashed.contains("binding")
        || dangerous_value(&squashed)
}

impl Sanitiser {
    fn kept(&self) -> bool {
        self.stack.last().is_none_or(|f| f.kept)
    }

    fn in_style(&self) -> bool {
        self.stack.last().is_some_and(|f| f.kept && f.is_style)
    }

    fn write(&mut self, event: Event<'_>) -> Result<(), UploadError> {
        self.writer
            .write_event(event)
            .map_err(|e| UploadError::Convert(e.to_string()))
    }

    fn text(&mut self, raw: &str, decoded: &str) -> Result<(), UploadError> {
        if self.in_style() {
            self.style_raw.push_str(raw);
            self.style_text.push_str(decoded);
        } else if self.kept() {
            if self.stack.is_empty() {
                // Only white space is allowed outside the root element;
                // quick-xml reports anything else as an error.
                return Ok(());
            }
            self.write(Event::Text(BytesText::from_escaped(raw)))?;
        }
        Ok(())
    }

    fn open(
        &mut self,
        reader: &NsReader<&[u8]>,
        e: &BytesStart<'_>,
        in_svg_ns: bool,
        empty: bool,
    ) -> Result<(), UploadError> {
        self.elements += 1;
        if self.elements > MAX_SVG_ELEMENTS {
            return Err(UploadError::SvgTooManyElements {
                max: MAX_SVG_ELEMENTS,
            });
        }
        if self.stack.len() >= MAX_SVG_DEPTH {
            return Err(UploadError::SvgTooDeep { max: MAX_SVG_DEPTH });
        }
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        if self.stack.is_empty() {
            if self.seen_root || !in_svg_ns || local != "svg" {
                return Err(UploadError::SvgNotSvg);
            }
            self.seen_root = true;
        }
        let parent_kept = self.kept();
        let allowed = in_svg_ns && ALLOWED.contains(&local.as_str());
        let kept = parent_kept && allowed;
        if parent_kept && !allowed {
            self.removed.push(Removed::Element { name: name.clone() });
        }
        let mut frame = Frame {
            name: name.clone(),
            empty,
            kept,
            is_style: local == "style",
            id: None,
            nodes: 1,
            uses: Vec::new(),
        };
        if kept {
            let mut out = BytesStart::new(name.clone());
            for attr in e.attributes() {
                let attr = attr.map_err(|e| malformed(e.into()))?;
                let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                let value =
                    attr.decode_and_unescape_value(reader.decoder())
                        .map_err(|e| match e {
                            quick_xml::Error::Escape(
                                quick_xml::escape::EscapeError::UnrecognizedEntity(_, entity),
                            ) => UploadError::SvgEntity(entity.chars().take(40).collect()),
                            other => malformed(other),
                        })?;
                if self.keep_attribute(&name, &local, &key, &value, &mut frame) {
                    out.push_attribute(Attribute {
                        key: attr.key,
                        value: attr.value.clone(),
                    });
                }
            }
            if empty {
                self.write(Event::Empty(out))?;
            } else {
                self.write(Event::Start(out))?;
            }
        }
        self.stack.push(frame);
        if empty {
            self.close()?;
        }
        Ok(())
    }

    /// Decides one attribute; records it when removed.
    fn keep_attribute(
        &mut self,
        element: &str,
        element_local: &str,
        key: &str,
        value: &str,
        frame: &mut Frame,
    ) -> bool {
        if key == "xmlns" || key.starts_with("xmlns:") {
            return true;
        }
        let local = local_name(key).to_ascii_lowercase();
        let squashed = squash(value);
        let keep = if local.starts_with("on") || key.eq_ignore_ascii_case("xml:base") {
            false
        } else if local == "href" {
            safe_link(&squashed)
        } else if local == "style" {
            !unsafe_css(value)
        } else {
            !dangerous_value(&squashed)
        };
        if !keep {
            self.removed.push(Removed::Attribute {
                element: element.to_owned(),
                name: key.to_owned(),
            });
            return false;
        }
        if local == "id" {
            frame.id = Some(value.trim().to_owned());
        }
        if local == "href"
            && matches!(element_local, "use" | "feImage")
            && let Some(target) = value.trim().strip_prefix('#')
        {
            self.use_targets.push(target.to_owned());
            frame
                .uses
                .push(u32::try_from(self.use_targets.len() - 1).unwrap_or(u32::MAX));
        }
        true
    }

    fn close(&mut self) -> Result<(), UploadError> {
        let Some(frame) = self.stack.pop() else {
            return Err(UploadError::SvgMalformed(
                "an end tag has no start tag".into(),
            ));
        };
        if frame.kept {
            if frame.is_style {
                let raw = std::mem::take(&mut self.style_raw);
                let css = std::mem::take(&mut self.style_text);
                if unsafe_css(&css) {
                    self.removed.push(Removed::StyleSheet);
                } else if !raw.is_empty() {
                    self.writer.get_mut().extend_from_slice(raw.as_bytes());
                }
            }
            if !frame.empty {
                self.write(Event::End(BytesEnd::new(frame.name.clone())))?;
            }
        }
        let Frame {
            kept,
            id,
            nodes,
            uses,
            ..
        } = frame;
        if kept {
            if let Some(id) = id {
                self.ids.entry(id).or_insert_with(|| (nodes, uses.clone()));
            }
            match self.stack.last_mut() {
                Some(parent) => {
                    parent.nodes = parent.nodes.saturating_add(nodes);
                    parent.uses.extend(uses);
                }
                None => self.root = Some((nodes, uses)),
            }
        }
        Ok(())
    }

    /// Counts the elements drawn once `<use>` references are expanded.
    fn check_expansion(&self) -> Result<(), UploadError> {
        let Some((nodes, uses)) = &self.root else {
            return Ok(());
        };
        let mut memo: HashMap<&str, u64> = HashMap::new();
        let mut total = *nodes;
        for &u in uses {
            total = total.saturating_add(self.expanded(u, &mut memo, 0)?);
            if total > MAX_SVG_EXPANDED {
                return Err(UploadError::SvgTooManyUses {
                    max: MAX_SVG_EXPANDED,
                });
            }
        }
        Ok(())
    }

    fn expanded<'a>(
        &'a self,
        use_index: u32,
        memo: &mut HashMap<&'a str, u64>,
        depth: usize,
    ) -> Result<u64, UploadError> {
        let too_many = UploadError::SvgTooManyUses {
            max: MAX_SVG_EXPANDED,
        };
        if depth > 32 {
            return Err(too_many);
        }
        let Some(target) = self.use_targets.get(use_index as usize) else {
            return Ok(0);
        };
        if let Some(&n) = memo.get(target.as_str()) {
            return Ok(n);
        }
        let Some((nodes, uses)) = self.ids.get(target) else {
            return Ok(0);
        };
        let mut total = *nodes;
        for &u in uses {
            total = total.saturating_add(self.expanded(u, memo, depth + 1)?);
            if total > MAX_SVG_EXPANDED {
                return Err(too_many);
            }
        }
        memo.insert(target.as_str(), total);
        Ok(total)
    }
}
