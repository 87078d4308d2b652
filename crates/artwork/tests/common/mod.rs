#![allow(dead_code)]

use std::path::PathBuf;

use image::RgbaImage;

/// `target/artwork-samples/` at the workspace root (not committed).
pub fn samples_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("artwork-samples");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn decode(png: &[u8]) -> RgbaImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .into_rgba8()
}

/// Variance of luminance over opaque-ish pixels (0 for a blank image).
pub fn variance(img: &RgbaImage) -> f64 {
    let values: Vec<f64> = img
        .pixels()
        .map(|p| {
            let a = f64::from(p[3]) / 255.0;
            (0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])) * a
        })
        .collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n
}
