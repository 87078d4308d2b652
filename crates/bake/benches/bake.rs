//! Baking and extracting a ~50 KB PNG and a small SVG.

use std::hint::black_box;
use std::io::Write;

use insignia_bake::{Payload, Standard, bake, extract};

fn main() {
    divan::main();
}

const JWT: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUub3JnIn0.c2lnbmF0dXJlX2J5dGVz";

fn json() -> String {
    format!(
        r#"{{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","OpenBadgeCredential"],"name":"{}"}}"#,
        "Badge ".repeat(300)
    )
}

fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let from = out.len();
    out.extend_from_slice(ty);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[from..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// 128×128 RGB, stored uncompressed: about 50 KB.
fn png_50k() -> Vec<u8> {
    let (w, h) = (128u32, 128u32);
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut raw = Vec::new();
    let mut x: u32 = 0x9E37_79B9;
    for _ in 0..h {
        raw.extend_from_slice(&[0]); // filter type None
        for _ in 0..w * 3 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            raw.push(x.to_be_bytes()[0]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
    let _ = z.write_all(&raw);
    let idat = z.finish().unwrap_or_default();
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn svg() -> Vec<u8> {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">"#,
    );
    for i in 0..100 {
        s.push_str(&format!(
            r##"<circle cx="{i}" cy="32" r="3" fill="#c33"/><text x="{i}" y="9">Badge &amp; co</text>"##
        ));
    }
    s.push_str("</svg>");
    s.into_bytes()
}

#[divan::bench]
fn bake_png_50k(b: divan::Bencher) {
    let png = png_50k();
    let payload = Payload::Json(json());
    b.bench(|| bake(black_box(&png), Standard::Ob3, black_box(&payload)));
}

#[divan::bench]
fn extract_png_50k(b: divan::Bencher) {
    let baked = bake(&png_50k(), Standard::Ob3, &Payload::Json(json())).unwrap_or_default();
    b.bench(|| extract(black_box(&baked)));
}

#[divan::bench]
fn bake_svg(b: divan::Bencher) {
    let svg = svg();
    let payload = Payload::Json(json());
    b.bench(|| bake(black_box(&svg), Standard::Ob3, black_box(&payload)));
}

#[divan::bench]
fn extract_svg(b: divan::Bencher) {
    let baked = bake(&svg(), Standard::Ob2, &Payload::Jwt(JWT.into())).unwrap_or_default();
    b.bench(|| extract(black_box(&baked)));
}
