//! SVG to PNG with resvg, using only the bundled font.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// DejaVu Sans Bold 2.37 (Debian `fonts-dejavu-core`), see `fonts/README.md`.
pub(crate) const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
/// The family name inside [`FONT`].
pub(crate) const FONT_FAMILY: &str = "DejaVu Sans";
/// Fallbacks for the scripts DejaVu Sans lacks, used only for share images'
/// text (see `fonts/README.md`): Han and kana (a subset of Droid Sans
/// Fallback, Apache 2.0) and Hangul (a subset of NanumGothic Bold, OFL 1.1),
/// both renamed as their licences ask of modified copies.
pub(crate) const FALLBACK_FONTS: [&[u8]; 2] = [
    include_bytes!("../fonts/InsigniaFallbackCJK.ttf"),
    include_bytes!("../fonts/InsigniaFallbackHangul.ttf"),
];

/// Smallest PNG side [`render_png`] produces.
pub const MIN_RENDER_SIZE: u32 = 16;
/// Largest PNG side [`render_png`] produces.
pub const MAX_RENDER_SIZE: u32 = 2048;

/// Why an SVG could not be rendered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("the requested size is {size} pixels; sizes from {min} to {max} are accepted")]
    Size { size: u32, min: u32, max: u32 },
    #[error("the SVG could not be read: {0}")]
    Svg(String),
    #[error("the SVG has no area to draw (its width or height is zero)")]
    Empty,
    #[error("the PNG could not be written: {0}")]
    Encode(String),
}

fn fontdb() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_source(fontdb::Source::Binary(Arc::new(FONT)));
        // Found by usvg's fallback only for characters DejaVu Sans lacks.
        for font in FALLBACK_FONTS {
            db.load_font_source(fontdb::Source::Binary(Arc::new(font)));
        }
        // Every generic family, and the fallback usvg adds (serif), is our font.
        db.set_serif_family(FONT_FAMILY);
        db.set_sans_serif_family(FONT_FAMILY);
        db.set_monospace_family(FONT_FAMILY);
        db.set_cursive_family(FONT_FAMILY);
        db.set_fantasy_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// usvg options: our font only, no file access (relative image paths and
/// external files are never resolved), default size limits.
pub(crate) fn options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: fontdb(),
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            // Only `data:` URLs; the default string resolver reads files.
            resolve_data: Box::new(|mime, data, _| embedded_image(mime, data)),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Largest width or height of a raster image embedded in an SVG.
pub(crate) const MAX_EMBEDDED_SIDE: u32 = 4096;

/// Resolves a `data:` URL image: PNG and JPEG only (no nested SVG, whose own
/// references nobody checked), and only when its header states dimensions
/// within [`MAX_EMBEDDED_SIDE`], so decoding cannot allocate without bound.
fn embedded_image(mime: &str, data: Arc<Vec<u8>>) -> Option<usvg::ImageKind> {
    let ok =
        |(w, h): (u32, u32)| w > 0 && h > 0 && w <= MAX_EMBEDDED_SIDE && h <= MAX_EMBEDDED_SIDE;
    match mime {
        "image/png" if png_dimensions(&data).is_some_and(ok) => Some(usvg::ImageKind::PNG(data)),
        "image/jpeg" | "image/jpg" if jpeg_dimensions(&data).is_some_and(ok) => {
            Some(usvg::ImageKind::JPEG(data))
        }
        _ => None,
    }
}

/// Width and height from a PNG's IHDR chunk.
pub(crate) fn png_dimensions(data: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if data.get(..8)? != SIGNATURE || data.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(data.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(data.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// Width and height from a JPEG's first start-of-frame segment.
fn jpeg_dimensions(data: &[u8]) -> Option<(u32, u32)> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    loop {
        // Skip fill bytes before a marker.
        while *data.get(i)? == 0xFF && *data.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *data.get(i)? != 0xFF {
            return None;
        }
        let marker = *data.get(i + 1)?;
        let len = usize::from(u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u16::from_be_bytes([*data.get(i + 5)?, *data.get(i + 6)?]);
            let w = u16::from_be_bytes([*data.get(i + 7)?, *data.get(i + 8)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
}

pub(crate) fn parse(svg: &str) -> Result<usvg::Tree, RenderError> {
    usvg::Tree::from_str(svg, &options()).map_err(|e| RenderError::Svg(e.to_string()))
}

/// Renders an SVG document to a `size`×`size` PNG. A non-square drawing is
/// scaled to fit and centred on a transparent background.
///
/// Text is set in the bundled font whatever `font-family` the document asks
/// for; nothing is read from the file system or the network.
pub fn render_png(svg: &str, size: u32) -> Result<Vec<u8>, RenderError> {
    check_size(size)?;
    let tree = parse(svg)?;
    render_tree(&tree, size)
}

fn check_size(size: u32) -> Result<(), RenderError> {
    if !(MIN_RENDER_SIZE..=MAX_RENDER_SIZE).contains(&size) {
        return Err(RenderError::Size {
            size,
            min: MIN_RENDER_SIZE,
            max: MAX_RENDER_SIZE,
        });
    }
    Ok(())
}

pub(crate) fn render_tree(tree: &usvg::Tree, size: u32) -> Result<Vec<u8>, RenderError> {
    check_size(size)?;
    let pixmap = rasterise(tree, size)?;
    pixmap
        .encode_png()
        .map_err(|e| RenderError::Encode(e.to_string()))
}

pub(crate) fn rasterise(tree: &usvg::Tree, size: u32) -> Result<Pixmap, RenderError> {
    let (w, h) = (tree.size().width(), tree.size().height());
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return Err(RenderError::Empty);
    }
    let side = size as f32;
    let scale = (side / w).min(side / h);
    let dx = (side - w * scale) / 2.0;
    let dy = (side - h * scale) / 2.0;
    let mut pixmap = Pixmap::new(size, size).ok_or(RenderError::Empty)?;
    let transform = Transform::from_row(scale, 0.0, 0.0, scale, dx, dy);
    resvg::render(tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_dimensions_come_from_the_frame_header() {
        // SOI, an APP0 segment, then SOF0 (8-bit, 32 high, 16 wide).
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x20, 0x00, 0x10, 0x01]);
        assert_eq!(jpeg_dimensions(&jpeg), Some((16, 32)));
        // DHT (0xC4) is not a frame header.
        let dht = [
            0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x01, 0x00, 0x02,
            0x00,
        ];
        assert_eq!(jpeg_dimensions(&dht), Some((512, 256)));
        for bad in [
            &[][..],
            &[0xFF, 0xD8],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01],
            &[0x00; 10],
        ] {
            assert_eq!(jpeg_dimensions(bad), None);
        }
        // Oversized embedded images are not resolved.
        let mut huge = vec![
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        huge.push(1);
        assert!(embedded_image("image/jpeg", Arc::new(huge)).is_none());
        assert!(embedded_image("image/svg+xml", Arc::new(b"<svg/>".to_vec())).is_none());
    }

    #[test]
    fn png_dimensions_need_a_header() {
        assert_eq!(png_dimensions(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(png_dimensions(b"GIF89a"), None);
    }
}
