use crate::common;

use common::*;
use insignia_bake::{BakeError, Baked, ImageKind, Payload, Standard, bake, detect, extract, png};

fn cases() -> Vec<(Standard, Payload)> {
    vec![
        (Standard::Ob3, Payload::Json(JSON.into())),
        (Standard::Ob3, Payload::Jwt(JWT.into())),
        (Standard::Ob2, Payload::Json(JSON.into())),
        (Standard::Ob2, Payload::Jwt(JWT.into())),
        (Standard::Ob2, Payload::Url(URL.into())),
    ]
}

fn non_payload(png: &[u8]) -> Vec<Vec<u8>> {
    chunks(png)
        .into_iter()
        .filter(|(ty, _)| ty != b"iTXt")
        .map(|(_, bytes)| bytes)
        .collect()
}

#[test]
fn sizes_of_test_images() {
    let big = big_png();
    assert!((48_000..60_000).contains(&big.len()), "{}", big.len());
    assert_eq!(detect(&big), Some(ImageKind::Png));
    assert_eq!(extract(&tiny_png()), Ok(None));
    assert_eq!(extract(&big), Ok(None));
}

#[test]
fn round_trip_all_payloads_and_pixels_untouched() {
    for image in [tiny_png(), big_png()] {
        for (standard, payload) in cases() {
            let baked = bake(&image, standard, &payload).expect("bakes");
            assert_eq!(
                extract(&baked),
                Ok(Some(Baked {
                    standard,
                    payload: payload.clone()
                }))
            );
            assert_eq!(png::extract(&baked), extract(&baked));
            // Every other chunk identical and in order; the payload right after IHDR.
            assert_eq!(non_payload(&baked), non_payload(&image));
            let c = chunks(&baked);
            assert_eq!(&c[0].0, b"IHDR");
            assert_eq!(&c[1].0, b"iTXt");
            let keyword: &[u8] = match standard {
                Standard::Ob3 => b"openbadgecredential\0\0\0\0\0",
                Standard::Ob2 => b"openbadges\0\0\0\0\0",
            };
            assert_eq!(&c[1].1[8..8 + keyword.len()], keyword);
            assert_eq!(
                baked.len(),
                image.len() + 12 + keyword.len() + payload.as_str().len()
            );
        }
    }
}

#[test]
fn ob3_refuses_urls_and_mislabelled_payloads_are_refused() {
    let e = bake(&tiny_png(), Standard::Ob3, &Payload::Url(URL.into())).expect_err("no URLs");
    assert_eq!(
        e.to_string(),
        "Open Badges 3.0 baking cannot carry a URL payload"
    );
    assert!(matches!(
        bake(&tiny_png(), Standard::Ob2, &Payload::Json(URL.into())),
        Err(BakeError::InvalidPayload(_))
    ));
    assert!(matches!(
        bake(&tiny_png(), Standard::Ob2, &Payload::Jwt("a.b".into())),
        Err(BakeError::InvalidPayload(_))
    ));
    assert!(matches!(
        bake(&tiny_png(), Standard::Ob2, &Payload::Json(" {}".into())),
        Err(BakeError::InvalidPayload(_))
    ));
    assert_eq!(
        bake(
            &tiny_png(),
            Standard::Ob2,
            &Payload::Json("{\"a\":\"\0\"}".into())
        ),
        Err(BakeError::ForbiddenChar(0))
    );
}

#[test]
fn rebake_replaces_the_payload() {
    let once = bake(&big_png(), Standard::Ob2, &Payload::Url(URL.into())).expect("bakes");
    let twice = bake(&once, Standard::Ob3, &Payload::Json(JSON.into())).expect("bakes");
    let thrice = bake(&twice, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    for (img, std, payload) in [
        (&twice, Standard::Ob3, Payload::Json(JSON.into())),
        (&thrice, Standard::Ob3, Payload::Jwt(JWT.into())),
    ] {
        let n = chunks(img).iter().filter(|(t, _)| t == b"iTXt").count();
        assert_eq!(n, 1);
        assert_eq!(extract(img).expect("ok").expect("some").payload, payload);
        assert_eq!(extract(img).expect("ok").expect("some").standard, std);
        assert_eq!(non_payload(img), non_payload(&big_png()));
    }
    // Legacy tEXt chunks are replaced too.
    let legacy = insert_after_ihdr(
        &tiny_png(),
        &chunk(b"tEXt", format!("openbadges\0{URL}").as_bytes()),
    );
    let rebaked = bake(&legacy, Standard::Ob3, &Payload::Jwt(JWT.into())).expect("bakes");
    assert!(chunks(&rebaked).iter().all(|(t, _)| t != b"tEXt"));
    assert_eq!(
        extract(&rebaked).expect("ok").expect("some").payload,
        Payload::Jwt(JWT.into())
    );
}

#[test]
fn two_payloads_are_an_error() {
    let a = chunk(
        b"iTXt",
        format!("openbadgecredential\0\0\0\0\0{JWT}").as_bytes(),
    );
    let b = chunk(b"tEXt", format!("openbadges\0{URL}").as_bytes());
    let img = insert_after_ihdr(&insert_after_ihdr(&tiny_png(), &a), &b);
    let e = extract(&img).expect_err("two");
    assert_eq!(e, BakeError::TwoPayloads);
    assert_eq!(e.to_string(), "the image carries two badge payloads");
    // Other text chunks are no payload.
    let other = chunk(b"tEXt", b"Software\0Insignia");
    let img = insert_after_ihdr(&insert_after_ihdr(&tiny_png(), &a), &other);
    assert_eq!(
        extract(&img).expect("ok").expect("some").payload,
        Payload::Jwt(JWT.into())
    );
}

#[test]
fn bad_crc_is_an_error_naming_the_chunk() {
    let baked = bake(&tiny_png(), Standard::Ob2, &Payload::Url(URL.into())).expect("bakes");
    // Flip a byte inside the payload text.
    let mut bad = baked.clone();
    let i = 8 + 25 + 20;
    bad[i] ^= 1;
    assert_eq!(
        extract(&bad).expect_err("crc").to_string(),
        "CRC mismatch in chunk iTXt"
    );
    // Flip a byte inside IDAT.
    let mut bad = baked.clone();
    let idat = bad.windows(4).position(|w| w == b"IDAT").expect("idat");
    bad[idat + 5] ^= 0x40;
    assert_eq!(extract(&bad), Err(BakeError::CrcMismatch("IDAT".into())));
    assert!(bake(&bad, Standard::Ob2, &Payload::Url(URL.into())).is_err());
    let legacy = insert_after_ihdr(&tiny_png(), &chunk(b"tEXt", b"openbadges\0https://x.org/"));
    let mut bad = legacy.clone();
    bad[33 + 12] ^= 1;
    assert_eq!(
        extract(&bad).expect_err("crc").to_string(),
        "CRC mismatch in chunk tEXt"
    );
}

#[test]
fn truncation_at_every_offset_is_an_error_never_a_panic() {
    let baked = bake(&tiny_png(), Standard::Ob3, &Payload::Json(JSON.into())).expect("bakes");
    for n in 0..baked.len() {
        assert!(
            extract(&baked[..n]).is_err() || n < 8,
            "prefix {n} accepted"
        );
        assert!(png::extract(&baked[..n]).is_err(), "prefix {n} accepted");
        let _ = bake(&baked[..n], Standard::Ob2, &Payload::Url(URL.into()));
    }
    let idat = baked.windows(4).position(|w| w == b"IDAT").expect("idat");
    assert_eq!(
        extract(&baked[..idat + 6]).expect_err("short").to_string(),
        "the PNG is truncated inside the IDAT chunk"
    );
    let big = bake(&big_png(), Standard::Ob2, &Payload::Url(URL.into())).expect("bakes");
    assert_eq!(
        extract(&big[..30_000]).expect_err("short").to_string(),
        "the PNG is truncated inside the IDAT chunk"
    );
    assert_eq!(
        png::extract(&baked[..baked.len() - 12])
            .expect_err("short")
            .to_string(),
        "the PNG is truncated after the IDAT chunk"
    );
    assert_eq!(
        png::extract(&SIG[..5]),
        Err(BakeError::PngTruncated("inside the signature".into()))
    );
    assert_eq!(png::extract(b"GIF89a\0\0\0\0"), Err(BakeError::NotPng));
}

#[test]
fn absurd_chunk_lengths_are_refused() {
    let mut img = tiny_png();
    let at = 8 + 25; // the gAMA chunk
    img[at..at + 4].copy_from_slice(&0x8000_0000u32.to_be_bytes());
    let e = extract(&img).expect_err("too long");
    assert!(
        matches!(
            e,
            BakeError::ChunkTooLong {
                length: 0x8000_0000,
                ..
            }
        ),
        "{e}"
    );
    img[at..at + 4].copy_from_slice(&0x7FFF_FFFFu32.to_be_bytes());
    assert_eq!(
        extract(&img),
        Err(BakeError::PngTruncated("inside the gAMA chunk".into()))
    );
    // The first chunk must be IHDR.
    let mut img = SIG.to_vec();
    img.extend(chunk(b"IEND", &[]));
    assert_eq!(extract(&img), Err(BakeError::MissingIhdr("IEND".into())));
}

#[test]
fn legacy_text_chunk_is_read() {
    let img = insert_after_ihdr(
        &tiny_png(),
        &chunk(b"tEXt", b"openbadges\0https://example.org/assertion.json\n"),
    );
    assert_eq!(
        extract(&img),
        Ok(Some(Baked {
            standard: Standard::Ob2,
            payload: Payload::Url("https://example.org/assertion.json".into())
        }))
    );
}

#[test]
fn compressed_text_is_read() {
    // iTXt with the compression flag set, a language tag and a translated keyword.
    let mut data = b"openbadgecredential\0\x01\x00en\0Badge\0".to_vec();
    data.extend(zlib(JSON.as_bytes(), 9));
    let img = insert_after_ihdr(&big_png(), &chunk(b"iTXt", &data));
    assert_eq!(
        extract(&img),
        Ok(Some(Baked {
            standard: Standard::Ob3,
            payload: Payload::Json(JSON.into())
        }))
    );
    // zTXt (Latin-1 text).
    let mut data = b"openbadges\0\x00".to_vec();
    data.extend(zlib(b"https://example.org/b", 6));
    let img = insert_after_ihdr(&tiny_png(), &chunk(b"zTXt", &data));
    assert_eq!(
        extract(&img).expect("ok").expect("some").payload,
        Payload::Url("https://example.org/b".into())
    );
    // Corrupt compressed data.
    let img = insert_after_ihdr(&tiny_png(), &chunk(b"zTXt", b"openbadges\0\0not zlib"));
    assert_eq!(
        extract(&img),
        Err(BakeError::CorruptCompression("zTXt".into()))
    );
}

#[test]
fn zip_bomb_is_capped() {
    let mut text = b"{\"a\":\"".to_vec();
    text.resize(3 * 1024 * 1024, b'a');
    let mut data = b"openbadgecredential\0\x01\x00\0\0".to_vec();
    data.extend(zlib(&text, 9));
    assert!(data.len() < 20_000);
    let img = insert_after_ihdr(&tiny_png(), &chunk(b"iTXt", &data));
    assert!(matches!(
        extract(&img),
        Err(BakeError::PayloadTooLarge { .. })
    ));
}

#[test]
fn size_limits() {
    let mut huge = tiny_png();
    huge.resize(10 * 1024 * 1024 + 1, 0);
    assert!(matches!(
        extract(&huge),
        Err(BakeError::ImageTooLarge { .. })
    ));
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    assert!(matches!(
        bake(&tiny_png(), Standard::Ob3, &Payload::Json(big)),
        Err(BakeError::PayloadTooLarge { .. })
    ));
}

#[test]
fn malformed_payload_chunks() {
    for data in [
        &b"openbadges\0"[..],
        b"openbadgecredential\0\x00",
        b"openbadges\0\x00\x00en",
    ] {
        let img = insert_after_ihdr(&tiny_png(), &chunk(b"iTXt", data));
        assert!(
            matches!(extract(&img), Err(BakeError::MalformedChunk { .. })),
            "{data:?}"
        );
    }
    let img = insert_after_ihdr(&tiny_png(), &chunk(b"tEXt", b"openbadges\0not a badge"));
    assert!(matches!(extract(&img), Err(BakeError::InvalidPayload(_))));
    assert_eq!(extract(b"hello"), Err(BakeError::UnknownFormat));
}
