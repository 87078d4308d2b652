//! Hand-made test images.
#![allow(dead_code)]

use std::io::Write;

pub const SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

pub const JSON: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","OpenBadgeCredential"],"id":"https://example.org/credentials/3732","name":"Größe ✓"}"#;
pub const JWT: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUub3JnIn0.c2lnbmF0dXJlX2J5dGVz";
pub const URL: &str = "https://example.org/assertions/1?a=1&b=<2>";

/// One chunk: length, type, data, CRC.
pub fn chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&u32::try_from(data.len()).expect("short").to_be_bytes());
    out.extend_from_slice(ty);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32fast::hash(&out[4..]).to_be_bytes());
    out
}

pub fn zlib(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(data).expect("in memory");
    enc.finish().expect("in memory")
}

/// An RGB PNG of `w`×`h` pixels from a deterministic pseudo-random pattern,
/// stored with the given zlib level (0 keeps the IDAT as large as the pixels).
pub fn png(w: u32, h: u32, level: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // depth 8, RGB, deflate, filter 0, no interlace
    let mut raw = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..h {
        raw.extend_from_slice(&[0]); // filter type None
        for _ in 0..w * 3 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            raw.push((x >> 24) as u8);
        }
    }
    let mut out = SIG.to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"gAMA", &45455u32.to_be_bytes()));
    out.extend(chunk(b"IDAT", &zlib(&raw, level)));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A 1×1 PNG.
pub fn tiny_png() -> Vec<u8> {
    png(1, 1, 9)
}

/// A PNG of about 50 KB (128×128 RGB, stored).
pub fn big_png() -> Vec<u8> {
    png(128, 128, 0)
}

/// Splits a PNG into (type, whole chunk bytes).
pub fn chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    assert_eq!(&png[..8], &SIG);
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().expect("4")) as usize;
        let ty: [u8; 4] = png[pos + 4..pos + 8].try_into().expect("4");
        out.push((ty, png[pos..pos + 12 + len].to_vec()));
        pos += 12 + len;
    }
    out
}

/// Inserts a chunk after IHDR.
pub fn insert_after_ihdr(png: &[u8], extra: &[u8]) -> Vec<u8> {
    let ihdr_end = 8 + 12 + 13;
    let mut out = png[..ihdr_end].to_vec();
    out.extend_from_slice(extra);
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

pub const SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- a badge -->
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <title>Badge &amp; co</title>
  <circle cx="32" cy="32" r="30" fill="#c33"/>
  <text x="32" y="36">✓</text>
</svg>
"##;
