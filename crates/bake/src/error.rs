//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong while baking or extracting.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BakeError {
    /// The image is over [`crate::MAX_IMAGE_BYTES`].
    #[error("the image is {size} bytes; images over {limit} bytes are refused")]
    ImageTooLarge { size: usize, limit: usize },
    /// The payload (as given, or after decompression) is over [`crate::MAX_PAYLOAD_BYTES`].
    #[error("the payload is over {limit} bytes, which is refused")]
    PayloadTooLarge { limit: usize },
    /// [`crate::detect`] recognised neither PNG nor SVG.
    #[error("the image is neither a PNG nor an SVG")]
    UnknownFormat,

    // ---- PNG ----
    /// The first eight bytes are not the PNG signature.
    #[error("the file does not start with the PNG signature")]
    NotPng,
    /// The file ends early; the text says where ("inside the IDAT chunk", …).
    #[error("the PNG is truncated {0}")]
    PngTruncated(String),
    /// A chunk's stored CRC does not match its type and data.
    #[error("CRC mismatch in chunk {0}")]
    CrcMismatch(String),
    /// A chunk length over 2^31-1 (the PNG limit).
    #[error("chunk {chunk} declares a length of {length} bytes, over the PNG limit of 2^31-1")]
    ChunkTooLong { chunk: String, length: u32 },
    /// The first chunk is not IHDR.
    #[error("the first PNG chunk is {0}, not IHDR")]
    MissingIhdr(String),
    /// A text chunk whose layout is wrong.
    #[error("the {chunk} chunk is malformed: {reason}")]
    MalformedChunk { chunk: String, reason: String },
    /// Compressed text that does not inflate.
    #[error("the compressed text in the {0} chunk is corrupt")]
    CorruptCompression(String),

    // ---- both ----
    /// More than one badge payload (chunk or element) in one image.
    #[error("the image carries two badge payloads")]
    TwoPayloads,

    // ---- SVG ----
    /// The SVG bytes are not UTF-8.
    #[error("the SVG is not UTF-8 text")]
    SvgNotUtf8,
    /// A DOCTYPE declaring entities (XXE, billion laughs).
    #[error("the SVG declares entities, which are refused for safety")]
    SvgEntities,
    /// The XML reader failed.
    #[error("the SVG is not well-formed XML: {0}")]
    SvgXml(String),
    /// The document has no root element, or the root is not `svg`.
    #[error("the document has no root <svg> element")]
    SvgNoRoot,
    /// A reference to an entity the XML predefines neither.
    #[error("the SVG refers to the undeclared entity &{0};")]
    SvgUnknownEntity(String),
    /// A payload element with neither content nor a `verify` attribute.
    #[error("the <{0}> element carries no payload")]
    EmptyPayloadElement(String),

    // ---- payloads ----
    /// Text that is neither JSON, a compact JWT/JWS nor an http(s) URL.
    #[error("the badge payload is not JSON, a compact JWT or an http(s) URL: {0}")]
    InvalidPayload(String),
    /// The payload kind is not allowed by the standard (OB 3.0 has no hosted URLs).
    #[error("{standard} baking cannot carry a {kind} payload")]
    Unsupported {
        standard: &'static str,
        kind: &'static str,
    },
    /// A character that a PNG text chunk or XML document cannot carry.
    #[error("the payload contains the character U+{0:04X}, which a baked badge cannot carry")]
    ForbiddenChar(u32),
}
