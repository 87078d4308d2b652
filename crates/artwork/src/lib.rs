//! Badge artwork for the issuer's badge designer.
//!
//! - [`design`]: a badge designed in the app ([`design::BadgeArtwork`]) becomes a
//!   clean SVG (text turned into paths, so it needs no font) and a PNG.
//! - [`icons`]: the vendored Lucide icon set (ISC) that designs can use.
//! - [`upload`]: checks an uploaded badge image (PNG or SVG), bounding its size
//!   and dimensions, resizing PNGs and sanitising SVGs, and always producing a
//!   PNG rendition.
//! - [`share`]: the 1200×627 share image (Open Graph) of a badge, a
//!   collection or a profile.
//! - [`render_png`]: any SVG (ours or a sanitised upload) to a square PNG.
//!
//! The crate is pure: it reads nothing but what it is given and the data
//! compiled into it (icons and one font, DejaVu Sans Bold), so a rendering is
//! the same on every machine. It knows nothing about databases or HTTP.

pub mod design;
pub mod icons;
mod render;
pub mod share;
pub mod upload;

pub use design::{BadgeArtwork, Colour, DesignError, IconId, Shape};
pub use render::{MAX_RENDER_SIZE, MIN_RENDER_SIZE, RenderError, render_png};
pub use share::{SHARE_HEIGHT, SHARE_WIDTH, ShareCard, render_share_png};
pub use upload::{CheckedImage, Removed, Sanitized, UploadError, UploadKind};
