//! Baking and extracting Open Badges in PNG and SVG images.
//!
//! Implements the "Baked Badges" file formats of Open Badges 3.0 and the
//! Open Badges Baking 2.0 specification (1EdTech):
//!
//! * **PNG** — an uncompressed `iTXt` chunk right after IHDR, keyword
//!   `openbadgecredential` (OB 3.0) or `openbadges` (OB 2.0). Reading also
//!   accepts compressed `iTXt`, `zTXt` and legacy `tEXt` chunks. Pixels are
//!   never decoded: the chunk is spliced in, every other chunk is copied byte
//!   for byte, and every CRC is checked.
//! * **SVG** — `<openbadges:credential>` (OB 3.0) or `<openbadges:assertion>`
//!   (OB 2.0) right after the root start tag, spliced into the text. Documents
//!   that declare entities are refused.
//!
//! The library does no I/O and works on byte slices and strings. Images over
//! [`MAX_IMAGE_BYTES`] and payloads over [`MAX_PAYLOAD_BYTES`] are refused.
//!
//! ```
//! use insignia_bake::{Payload, Standard, bake, extract};
//! let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>"#;
//! let jwt = Payload::Jwt("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln".into());
//! let baked = bake(svg.as_bytes(), Standard::Ob3, &jwt)?;
//! let found = extract(&baked)?.expect("a payload");
//! assert_eq!(found.payload, jwt);
//! assert_eq!(found.standard, Standard::Ob3);
//! # Ok::<(), insignia_bake::BakeError>(())
//! ```

pub mod error;
pub mod payload;
pub mod png;
pub mod svg;

pub use error::BakeError;
pub use payload::{Payload, Standard};

/// Images larger than this (10 MB) are refused.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Payloads larger than this (2 MB), also after decompression, are refused.
pub const MAX_PAYLOAD_BYTES: usize = 2 * 1024 * 1024;

/// A payload found in an image, with the standard its chunk or element names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baked {
    pub standard: Standard,
    pub payload: Payload,
}

/// Image formats that can carry a baked badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Png,
    Svg,
}

/// Recognises a PNG by its signature, an SVG by starting (after an optional
/// BOM and white space) with `<` and having `<svg` in its first 64 KB.
pub fn detect(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&png::SIGNATURE) {
        return Some(ImageKind::Png);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &body[start..body.len().min(start + 64 * 1024)];
    (head.first() == Some(&b'<') && head.windows(4).any(|w| w == b"<svg")).then_some(ImageKind::Svg)
}

fn check_size(image: &[u8]) -> Result<(), BakeError> {
    if image.len() > MAX_IMAGE_BYTES {
        return Err(BakeError::ImageTooLarge {
            size: image.len(),
            limit: MAX_IMAGE_BYTES,
        });
    }
    Ok(())
}

fn svg_text(image: &[u8]) -> Result<&str, BakeError> {
    std::str::from_utf8(image).map_err(|_| BakeError::SvgNotUtf8)
}

/// Bakes `payload` into a PNG or SVG (see [`detect`]) under `standard`.
pub fn bake(image: &[u8], standard: Standard, payload: &Payload) -> Result<Vec<u8>, BakeError> {
    check_size(image)?;
    match detect(image) {
        Some(ImageKind::Png) => png::bake(image, standard, payload),
        Some(ImageKind::Svg) => {
            svg::bake(svg_text(image)?, standard, payload).map(String::into_bytes)
        }
        None => Err(BakeError::UnknownFormat),
    }
}

/// Extracts the badge payload of a PNG or SVG. `Ok(None)`: a valid image
/// without a payload.
pub fn extract(image: &[u8]) -> Result<Option<Baked>, BakeError> {
    check_size(image)?;
    match detect(image) {
        Some(ImageKind::Png) => png::extract(image),
        Some(ImageKind::Svg) => svg::extract(svg_text(image)?),
        None => Err(BakeError::UnknownFormat),
    }
}
