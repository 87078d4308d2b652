//! Input dispatch: bytes → a baked image's payload, a JSON credential or a
//! JWT → the path that verifies it (Open Badges 2.0 in [`crate::ob2`], 3.0
//! in [`crate::ob3`]), with the embedded endorsements verified in turn.
//!
//! The input is read once into an [`Input`]; online verification
//! ([`crate::online`]) reads the same value in every gathering round and in
//! the check phase.

use insignia_bake::{ImageKind, Payload};
use insignia_proofs::jose;
use serde_json::Value;

use crate::fields::{is_ob2, is_ob2_payload, legacy_ob_version, looks_like_jws};
use crate::material::Doc;
use crate::options::VerifyOptions;
use crate::report::{
    Check, CheckKind, CredentialFormat, Report, Summary, could_not, failed, passed,
};
use crate::summary::summarize;
use crate::{ob2, ob3};

/// Endorsements of endorsements are not followed.
const MAX_ENDORSEMENT_DEPTH: u8 = 1;

/// The input, read once.
// One value per verification: boxing the large JWT variant would save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Input {
    /// Not something Insignia can read: the failed parse check.
    Unreadable(Check),
    /// A JSON object.
    Json(Value),
    /// A compact JWS and its payload decoded without verification (or why
    /// it cannot be decoded).
    Jwt {
        token: String,
        decoded: Result<(jose::Header, Value), String>,
    },
    /// A baked PNG or SVG.
    Image { image: &'static str, baked: Baked },
}

/// What a baked image carries.
#[derive(Debug)]
pub(crate) enum Baked {
    /// A link to a hosted Open Badges 2.0 assertion.
    Hosted { url: String, standard: &'static str },
    /// The credential itself (JSON or a JWT; never another image).
    Embedded(Box<Input>),
}

impl Input {
    /// Reads `input`: too large, an image, a JWT, JSON, or unreadable.
    pub(crate) fn read(input: &[u8], max_bytes: usize) -> Input {
        if input.len() > max_bytes {
            return Input::Unreadable(failed(
                CheckKind::Parse,
                format!(
                    "the input is {} bytes, larger than the {max_bytes}-byte limit for a credential",
                    input.len(),
                ),
            ));
        }
        if let Some(kind) = insignia_bake::detect(input) {
            return read_image(input, kind);
        }
        match std::str::from_utf8(input) {
            Ok(text) => read_text(text),
            Err(_) => Input::Unreadable(failed(
                CheckKind::Parse,
                "the input is not UTF-8 text (JSON or a JWT)",
            )),
        }
    }
}

/// JSON or a JWT.
fn read_text(text: &str) -> Input {
    let text = text.trim();
    if looks_like_jws(text) {
        let decoded = jose::decode_unverified(text).map_err(|e| e.to_string());
        return Input::Jwt {
            token: text.to_owned(),
            decoded,
        };
    }
    match serde_json::from_str::<Value>(text) {
        Ok(doc @ Value::Object(_)) => Input::Json(doc),
        Ok(_) => Input::Unreadable(failed(
            CheckKind::Parse,
            "the input is JSON but not a JSON object",
        )),
        Err(e) => Input::Unreadable(failed(
            CheckKind::Parse,
            format!("the input is neither a JWT nor valid JSON: {e}"),
        )),
    }
}

/// A baked PNG or SVG: its payload.
fn read_image(input: &[u8], kind: ImageKind) -> Input {
    let image = match kind {
        ImageKind::Png => "PNG",
        ImageKind::Svg => "SVG",
    };
    let baked = match insignia_bake::extract(input) {
        Ok(Some(baked)) => baked,
        Ok(None) => {
            return Input::Unreadable(failed(
                CheckKind::Parse,
                format!("the {image} image carries no badge: nothing was baked into it"),
            ));
        }
        Err(e) => {
            return Input::Unreadable(failed(
                CheckKind::Parse,
                format!("the {image} image cannot be read: {e}"),
            ));
        }
    };
    let baked = match &baked.payload {
        Payload::Url(url) => Baked::Hosted {
            url: url.clone(),
            standard: baked.standard.name(),
        },
        // A payload is text; an image baked inside an image is not read.
        other => Baked::Embedded(Box::new(read_text(other.as_str()))),
    };
    Input::Image { image, baked }
}

/// Verifies a credential given as bytes: JSON, a compact JWT, or a baked PNG/SVG.
pub fn verify_bytes(input: &[u8], options: &VerifyOptions<'_>) -> Report {
    verify_input(&Input::read(input, options.max_bytes), options)
}

/// Verifies an input already read.
pub(crate) fn verify_input(input: &Input, options: &VerifyOptions<'_>) -> Report {
    match input {
        Input::Unreadable(check) => Report::new(
            CredentialFormat::Unknown,
            Summary::default(),
            vec![check.clone()],
        ),
        Input::Json(doc) => verify_json(doc, options),
        Input::Jwt { token, decoded } => verify_decoded_jwt(token, decoded, options),
        Input::Image { image, baked } => verify_image(image, baked, options),
    }
}

/// A baked PNG or SVG: verify its payload.
fn verify_image(image: &str, baked: &Baked, options: &VerifyOptions<'_>) -> Report {
    let inner = match baked {
        Baked::Hosted { url, standard } => return verify_baked_link(image, url, standard, options),
        Baked::Embedded(inner) => inner,
    };
    let mut report = verify_input(inner, options);
    if let Some(parse) = report
        .checks
        .iter_mut()
        .find(|c| c.check == CheckKind::Parse)
    {
        parse.message = format!("baked in a {image} image: {}", parse.message);
    }
    report
}

/// An image baked with a link to a hosted Open Badges 2.0 assertion.
fn verify_baked_link(
    image: &str,
    url: &str,
    standard: &str,
    options: &VerifyOptions<'_>,
) -> Report {
    if let Some(material) = options.material {
        if let Doc::Json(assertion) = material.doc(url) {
            if let Some(version) = legacy_ob_version(assertion) {
                return legacy_report(assertion, version);
            }
            let mut report = ob2::verify_hosted(assertion, options, material);
            if let Some(parse) = report.checks.first_mut() {
                parse.message = format!(
                    "baked in a {image} image as a link to {url}: {}",
                    parse.message
                );
            }
            return report;
        }
    }
    let checks = vec![
        passed(
            CheckKind::Parse,
            format!("a {image} image baked with a hosted {standard} badge at {url}"),
        ),
        could_not(
            CheckKind::Proof,
            "a hosted badge is verified by fetching it from its issuer, which this offline check does not do",
        ),
    ];
    Report::new(CredentialFormat::Ob2Hosted, Summary::default(), checks)
}

/// The report for an assertion of an Open Badges version before 2.0.
fn legacy_report(doc: &Value, version: &str) -> Report {
    let checks = vec![could_not(
        CheckKind::Parse,
        format!(
            "an Open Badges {version} assertion: Open Badges 1.x and 0.5 are not supported (only 2.0 and 3.0 badges can be verified); ask the issuer for an Open Badges 2.0 or 3.0 version"
        ),
    )];
    Report::new(CredentialFormat::Unknown, summarize(doc), checks)
}

/// Verifies a parsed JSON credential.
pub fn verify_json(doc: &Value, options: &VerifyOptions<'_>) -> Report {
    if let Some(version) = legacy_ob_version(doc) {
        return legacy_report(doc, version);
    }
    if is_ob2(doc) {
        if let Some(material) = options.material {
            return ob2::verify_hosted(doc, options, material);
        }
        let checks = vec![
            passed(CheckKind::Parse, "an Open Badges 2.0 assertion"),
            could_not(
                CheckKind::Proof,
                "an Open Badges 2.0 hosted assertion is verified by fetching it from its issuer, which this offline check does not do",
            ),
        ];
        return Report::new(CredentialFormat::Ob2Hosted, summarize(doc), checks);
    }
    let report = ob3::data_integrity::verify(doc, options);
    if doc.get("proof").is_none() {
        return report;
    }
    report.with_endorsements(endorsements(doc, options))
}

/// A compact JWS: an Open Badges 2.0 signed assertion or a VC-JWT.
fn verify_jwt(token: &str, options: &VerifyOptions<'_>) -> Report {
    let decoded = jose::decode_unverified(token).map_err(|e| e.to_string());
    verify_decoded_jwt(token, &decoded, options)
}

fn verify_decoded_jwt(
    token: &str,
    decoded: &Result<(jose::Header, Value), String>,
    options: &VerifyOptions<'_>,
) -> Report {
    let payload = match decoded {
        Ok((_header, payload)) => payload,
        Err(e) => {
            let checks = vec![failed(
                CheckKind::Parse,
                format!("the JWT cannot be read: {e}"),
            )];
            return Report::new(CredentialFormat::Ob3Jwt, Summary::default(), checks);
        }
    };
    if let Some(version) = legacy_ob_version(payload) {
        return legacy_report(payload, version);
    }
    if is_ob2_payload(payload) {
        // An Open Badges 2.0 signed assertion: its key is in the issuer's hosted profile.
        return match options.material {
            Some(material) => ob2::verify_signed(token, payload, options, material),
            None => ob2::verify_signed_offline(token, payload, options),
        };
    }
    let (report, credential) = ob3::jwt::verify(token, payload, options);
    report.with_endorsements(endorsements(&credential, options))
}

/// Every endorsement embedded in the credential, its achievement or its
/// issuer profile (`endorsement` objects and `endorsementJwt` strings),
/// verified in turn. Their outcome is reported beside the credential's and
/// never changes its verdict.
fn endorsements(doc: &Value, options: &VerifyOptions<'_>) -> Vec<Report> {
    if options.depth >= MAX_ENDORSEMENT_DEPTH {
        return Vec::new();
    }
    let nested = options.nested();
    crate::fields::endorsement_sources(doc)
        .into_iter()
        .map(|e| match e {
            Value::String(token) => verify_jwt(token, &nested),
            other => verify_json(other, &nested),
        })
        .collect()
}
