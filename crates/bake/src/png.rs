//! PNG baking at the chunk level.
//!
//! No PNG crate is used: the `png` crate can only write text chunks while
//! encoding an image (so baking would decode and re-encode every pixel) and
//! reading text chunks needs it to walk the whole decoding state machine.
//! Baking only has to splice one chunk after IHDR, which a small chunk walker
//! with `crc32fast` does without touching IDAT, so pixels stay byte-identical.

use std::io::Read;

use crate::error::BakeError;
use crate::payload::{Payload, Standard, check_for_baking};
use crate::{Baked, MAX_IMAGE_BYTES, MAX_PAYLOAD_BYTES};

/// The eight bytes every PNG starts with.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// `iTXt` keyword of Open Badges 3.0.
pub const KEYWORD_OB3: &str = "openbadgecredential";
/// `iTXt` / `tEXt` keyword of Open Badges 2.0 and 1.x.
pub const KEYWORD_OB2: &str = "openbadges";

/// The largest chunk length PNG allows.
const MAX_CHUNK_LEN: u32 = 0x7FFF_FFFF;

/// One chunk, located in the file.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    ty: [u8; 4],
    /// Offset of the length field.
    start: usize,
    /// Offset of the first data byte.
    data: usize,
    /// Offset just past the CRC.
    end: usize,
}

impl Chunk {
    fn data<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        file.get(self.data..self.end - 4).unwrap_or_default()
    }
}

/// A chunk type for messages: the four letters, or hex if not ASCII letters.
fn type_name(ty: [u8; 4]) -> String {
    if ty.iter().all(u8::is_ascii_alphabetic) {
        ty.iter().map(|&b| char::from(b)).collect()
    } else {
        format!("0x{:02X}{:02X}{:02X}{:02X}", ty[0], ty[1], ty[2], ty[3])
    }
}

fn be32(b: &[u8]) -> u32 {
    b.iter()
        .take(4)
        .fold(0, |acc, &x| (acc << 8) | u32::from(x))
}

/// Walks all chunks up to and including IEND, checking lengths and CRCs.
/// Returns the chunks and the offset just past IEND (bytes after it are kept
/// as they are but not interpreted).
fn walk(file: &[u8]) -> Result<(Vec<Chunk>, usize), BakeError> {
    if file.len() > MAX_IMAGE_BYTES {
        return Err(BakeError::ImageTooLarge {
            size: file.len(),
            limit: MAX_IMAGE_BYTES,
        });
    }
    if file.len() < SIGNATURE.len() {
        return if SIGNATURE.starts_with(file) {
            Err(BakeError::PngTruncated("inside the signature".into()))
        } else {
            Err(BakeError::NotPng)
        };
    }
    if file[..8] != SIGNATURE {
        return Err(BakeError::NotPng);
    }
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut pos = SIGNATURE.len();
    loop {
        let after = || match chunks.last() {
            Some(c) => format!("after the {} chunk", type_name(c.ty)),
            None => "after the signature".to_owned(),
        };
        let Some(header) = file.get(pos..pos + 8) else {
            return Err(BakeError::PngTruncated(after()));
        };
        let len = be32(&header[..4]);
        let ty = [header[4], header[5], header[6], header[7]];
        if len > MAX_CHUNK_LEN {
            return Err(BakeError::ChunkTooLong {
                chunk: type_name(ty),
                length: len,
            });
        }
        // `len` ≤ 2^31-1 and the file ≤ 10 MB, so this cannot overflow.
        let data = pos + 8;
        let end = data + len as usize + 4;
        if end > file.len() {
            return Err(BakeError::PngTruncated(format!(
                "inside the {} chunk",
                type_name(ty)
            )));
        }
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&file[pos + 4..end - 4]);
        if hasher.finalize() != be32(&file[end - 4..end]) {
            return Err(BakeError::CrcMismatch(type_name(ty)));
        }
        if chunks.is_empty() && &ty != b"IHDR" {
            return Err(BakeError::MissingIhdr(type_name(ty)));
        }
        chunks.push(Chunk {
            ty,
            start: pos,
            data,
            end,
        });
        pos = end;
        if &ty == b"IEND" {
            return Ok((chunks, pos));
        }
    }
}

/// A badge payload chunk: which standard its keyword names, and its text.
struct Found {
    standard: Standard,
    text: String,
}

fn keyword_standard(keyword: &[u8]) -> Option<Standard> {
    if keyword == KEYWORD_OB3.as_bytes() {
        Some(Standard::Ob3)
    } else if keyword == KEYWORD_OB2.as_bytes() {
        Some(Standard::Ob2)
    } else {
        None
    }
}

/// The keyword of a text chunk (`tEXt`, `zTXt`, `iTXt`), if it is one.
fn text_keyword<'a>(chunk: &Chunk, file: &'a [u8]) -> Option<&'a [u8]> {
    if !matches!(&chunk.ty, b"tEXt" | b"zTXt" | b"iTXt") {
        return None;
    }
    let data = chunk.data(file);
    let nul = data.iter().position(|&b| b == 0)?;
    Some(&data[..nul])
}

/// Whether a chunk is a badge payload of either standard.
fn is_payload_chunk(chunk: &Chunk, file: &[u8]) -> bool {
    text_keyword(chunk, file)
        .and_then(keyword_standard)
        .is_some()
}

/// Decodes a badge payload chunk; `Ok(None)` for other chunks.
fn read_payload_chunk(chunk: &Chunk, file: &[u8]) -> Result<Option<Found>, BakeError> {
    let Some(keyword) = text_keyword(chunk, file) else {
        return Ok(None);
    };
    let Some(standard) = keyword_standard(keyword) else {
        return Ok(None);
    };
    let name = type_name(chunk.ty);
    let malformed = |reason: &str| BakeError::MalformedChunk {
        chunk: name.clone(),
        reason: reason.to_owned(),
    };
    let rest = &chunk.data(file)[keyword.len() + 1..];
    let text = match &chunk.ty {
        b"tEXt" => latin1(rest),
        b"zTXt" => {
            let (&method, compressed) = rest
                .split_first()
                .ok_or_else(|| malformed("no compression method"))?;
            if method != 0 {
                return Err(malformed("unknown compression method"));
            }
            latin1(&inflate(compressed, &name)?)
        }
        _ => {
            // iTXt: flag, method, language tag NUL, translated keyword NUL, text.
            let [flag, method, tail @ ..] = rest else {
                return Err(malformed("the compression fields are missing"));
            };
            let lang_end = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| malformed("the language tag is not terminated"))?;
            let tail = &tail[lang_end + 1..];
            let tk_end = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| malformed("the translated keyword is not terminated"))?;
            let raw = &tail[tk_end + 1..];
            let bytes = match (flag, method) {
                (0, _) => raw.to_vec(),
                (1, 0) => inflate(raw, &name)?,
                (1, _) => return Err(malformed("unknown compression method")),
                _ => return Err(malformed("the compression flag is neither 0 nor 1")),
            };
            String::from_utf8(bytes).map_err(|_| malformed("the text is not UTF-8"))?
        }
    };
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(BakeError::PayloadTooLarge {
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(Some(Found { standard, text }))
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// zlib-inflates at most [`MAX_PAYLOAD_BYTES`] (zip-bomb guard).
fn inflate(compressed: &[u8], chunk: &str) -> Result<Vec<u8>, BakeError> {
    let mut out = Vec::new();
    let limit = MAX_PAYLOAD_BYTES as u64 + 1;
    flate2::read::ZlibDecoder::new(compressed)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| BakeError::CorruptCompression(chunk.to_owned()))?;
    if out.len() > MAX_PAYLOAD_BYTES {
        return Err(BakeError::PayloadTooLarge {
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(out)
}

/// Reads the badge payload of a PNG. `Ok(None)`: a valid PNG without one.
///
/// Every chunk's CRC is checked. `iTXt` (compressed or not), legacy `tEXt`
/// and `zTXt` chunks with the keywords `openbadgecredential` (OB 3.0) and
/// `openbadges` (OB 2.0 / 1.x) are read; two of them are an error.
pub fn extract(png: &[u8]) -> Result<Option<Baked>, BakeError> {
    let (chunks, _) = walk(png)?;
    let mut found: Option<Found> = None;
    for chunk in &chunks {
        if let Some(f) = read_payload_chunk(chunk, png)? {
            if found.is_some() {
                return Err(BakeError::TwoPayloads);
            }
            found = Some(f);
        }
    }
    found
        .map(|f| {
            Ok(Baked {
                standard: f.standard,
                payload: Payload::classify(&f.text)?,
            })
        })
        .transpose()
}

/// Bakes a payload into a PNG: one uncompressed `iTXt` chunk right after
/// IHDR. Every existing badge payload chunk (of either standard: an image
/// with two would be unreadable) is removed; all other chunks are copied
/// byte for byte, in order.
pub fn bake(png: &[u8], standard: Standard, payload: &Payload) -> Result<Vec<u8>, BakeError> {
    check_for_baking(standard, payload)?;
    let (chunks, iend_end) = walk(png)?;
    let keyword = match standard {
        Standard::Ob3 => KEYWORD_OB3,
        Standard::Ob2 => KEYWORD_OB2,
    };
    let text = payload.as_str().as_bytes();
    let mut data = Vec::with_capacity(keyword.len() + 5 + text.len());
    data.extend_from_slice(keyword.as_bytes());
    // NUL, compression flag 0, method 0, empty language tag, empty translated keyword.
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(text);

    let mut out = Vec::with_capacity(png.len() + data.len() + 12);
    out.extend_from_slice(&SIGNATURE);
    for (i, chunk) in chunks.iter().enumerate() {
        if is_payload_chunk(chunk, png) {
            continue;
        }
        out.extend_from_slice(&png[chunk.start..chunk.end]);
        if i == 0 {
            write_chunk(&mut out, *b"iTXt", &data);
        }
    }
    out.extend_from_slice(&png[iend_end..]);
    Ok(out)
}

/// Appends length, type, data and CRC. `data` is under the 2 MB payload limit
/// plus a short header, so its length fits the 2^31-1 chunk limit.
fn write_chunk(out: &mut Vec<u8>, ty: [u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(MAX_CHUNK_LEN);
    out.extend_from_slice(&len.to_be_bytes());
    let crc_from = out.len();
    out.extend_from_slice(&ty);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[crc_from..]);
    out.extend_from_slice(&crc.to_be_bytes());
}
