//! Benchmarks for the badge designer and upload checks.
//!
//! `cargo bench -p insignia-artwork`

#![allow(clippy::unwrap_used)]

use divan::{Bencher, black_box};
use insignia_artwork::{BadgeArtwork, IconId, Shape, design, render_png, upload};

fn main() {
    divan::main();
}

fn sample() -> BadgeArtwork {
    BadgeArtwork {
        shape: Shape::Ribbon,
        background: "#1e3a8a".parse().unwrap(),
        accent: "#f59e0b".parse().unwrap(),
        text: "#ffffff".parse().unwrap(),
        icon: Some(IconId::new("graduation-cap")),
        title: "Data Science Foundations".to_owned(),
        band: Some("Insignia Academy 2026".to_owned()),
    }
}

/// The design as SVG with text turned into outlines (what the server stores).
#[divan::bench]
fn design_svg() -> String {
    design::render_svg(black_box(&sample())).unwrap()
}

/// The design straight to a 512 px PNG.
#[divan::bench]
fn design_png_512() -> Vec<u8> {
    design::render_png(black_box(&sample()), 512).unwrap()
}

/// A stored design SVG (text as outlines) to a 512 px PNG.
#[divan::bench]
fn svg_to_png_512(bencher: Bencher) {
    let svg = design::render_svg(&sample()).unwrap();
    bencher.bench(|| render_png(black_box(&svg), 512).unwrap());
}

/// Sanitising an editor-style SVG with a script, handlers and metadata
/// (about 20 KB), without rendering.
#[divan::bench]
fn sanitize_svg(bencher: Bencher) {
    let doc = upload_svg();
    bencher.bench(|| upload::sanitize_svg(black_box(doc.as_bytes())).unwrap());
}

/// The whole SVG upload check: sanitise, parse, render the 512 px PNG.
#[divan::bench]
fn check_svg_upload(bencher: Bencher) {
    let doc = upload_svg();
    bencher.bench(|| upload::check(black_box(doc.as_bytes())).unwrap());
}

/// A 1024×1024 PNG upload: decode, Lanczos3 to 512, encode.
#[divan::bench(sample_count = 20)]
fn resize_png_upload(bencher: Bencher) {
    let img = image::RgbaImage::from_fn(1024, 1024, |x, y| {
        image::Rgba([(x / 4) as u8, (y / 4) as u8, ((x ^ y) & 0xff) as u8, 255])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    bencher.bench(|| upload::check(black_box(&png)).unwrap());
}

fn upload_svg() -> String {
    let mut body = String::new();
    for i in 0..200 {
        body.push_str(&format!(
            r##"<g id="g{i}" onclick="steal()" inkscape:label="shape {i}"><rect x="{}" y="{}" width="20" height="20" fill="#336699" style="stroke: #000; stroke-width: 1"/><circle cx="{}" cy="{}" r="6" fill="url(#grad)"/></g>"##,
            (i % 20) * 25,
            (i / 20) * 25,
            (i % 20) * 25 + 10,
            (i / 20) * 25 + 10,
        ));
    }
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="512" height="512" viewBox="0 0 512 512" onload="init()">
<script>function init() {{}}</script>
<metadata><title>x</title></metadata>
<defs><linearGradient id="grad"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#f60"/></linearGradient></defs>
{body}
<text x="256" y="500" font-family="Helvetica" text-anchor="middle">Uploaded badge</text>
</svg>"##
    )
}

/// A 1200×627 share image with the badge's 512 px PNG painted on it.
#[divan::bench]
fn share_card_png(bencher: Bencher) {
    let badge = design_png_512();
    bencher.bench(|| {
        insignia_artwork::render_share_png(black_box(&insignia_artwork::ShareCard {
            image: Some(&badge),
            title: "Data Science Foundations",
            lines: &["Issued by Insignia Academy", "Earned by Ada Lovelace"],
            footer: "badges.example.org",
            accent: "#1e3a8a".parse().unwrap(),
        }))
        .unwrap()
    });
}
