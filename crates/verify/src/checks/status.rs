//! Revocation and suspension: `credentialStatus` of Open Badges 3.0 credentials
//! (W3C Bitstring Status List v1.0 and 1EdTech Revocation List), read from
//! fetched [`Material`](crate::material::Material).
//!
//! A status source that cannot be fetched is "could not check", never "not
//! revoked". A status list credential is verified with the same checks as any
//! credential (its proof, its key's binding to its issuer, its contexts); a
//! bad signature on it fails the status check, an expired list makes the
//! status unknown. Its issuer is not required to be the credential's issuer
//! (the credential's own signature already vouches for the list's URL, and
//! issuers may delegate status publishing); the list must be signed by a key
//! of its own issuer.

use std::io::Read as _;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::material::Doc;
use crate::options::VerifyOptions;
use crate::report::{Check, CheckKind, Outcome, Report, could_not, failed, not_applicable, passed};

/// Verifies a status list credential with the full checks, one level deeper
/// (given by the proof path that calls the status check, so that this module
/// does not depend on it).
pub(crate) type VerifyList<'a> = &'a dyn Fn(&Value) -> Report;

/// W3C Bitstring Status List v1.0: the smallest list, in entries.
pub const MIN_STATUS_LIST_ENTRIES: u64 = 131_072;
/// Largest uncompressed bitstring accepted (a GZIP bomb is refused).
const MAX_BITSTRING_BYTES: u64 = 16 * 1024 * 1024;

/// Status checks go no deeper than this (a status list's own status is not followed).
const MAX_STATUS_DEPTH: u8 = 2;

pub(crate) fn status_check(
    doc: &Value,
    options: &VerifyOptions<'_>,
    verify_list: VerifyList<'_>,
) -> Check {
    let entries: Vec<&Value> = match doc.get("credentialStatus") {
        None => {
            return not_applicable(
                CheckKind::Status,
                "the issuer did not publish a revocation status for this credential",
            );
        }
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    };
    if options.material.is_none() {
        return could_not(
            CheckKind::Status,
            "the credential's revocation status is published online by the issuer, which this offline check does not fetch",
        )
        .with_id("status-offline");
    }
    if options.depth >= MAX_STATUS_DEPTH {
        return could_not(
            CheckKind::Status,
            "the status of a status list (or of an endorsement's status list) is not followed",
        );
    }
    let results: Vec<Check> = entries
        .into_iter()
        .map(|entry| entry_check(doc, entry, options, verify_list))
        .collect();
    combine(results)
}

/// One check from several entries: the worst outcome wins.
fn combine(results: Vec<Check>) -> Check {
    for worst in [Outcome::Failed, Outcome::CouldNotCheck] {
        let bad: Vec<&str> = results
            .iter()
            .filter(|c| c.outcome == worst)
            .map(|c| c.message.as_str())
            .collect();
        if !bad.is_empty() {
            // One bad entry keeps its own message id; several, the default.
            let mut check = Check::new(CheckKind::Status, worst, bad.join("; "));
            if let [one] = results
                .iter()
                .filter(|c| c.outcome == worst)
                .collect::<Vec<_>>()[..]
            {
                check.message_id = one.message_id;
                check.args = one.args.clone();
            }
            return check;
        }
    }
    let messages: Vec<&str> = results.iter().map(|c| c.message.as_str()).collect();
    passed(CheckKind::Status, messages.join("; "))
}

fn entry_check(
    credential: &Value,
    entry: &Value,
    options: &VerifyOptions<'_>,
    verify_list: VerifyList<'_>,
) -> Check {
    let Some(entry) = entry.as_object() else {
        return failed(
            CheckKind::Status,
            "a credentialStatus entry is not an object",
        );
    };
    let types: Vec<&str> = match entry.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"BitstringStatusListEntry") {
        bitstring_entry(entry, options, verify_list)
    } else if types.contains(&"1EdTechRevocationList") {
        revocation_list_entry(credential, entry, options)
    } else {
        could_not(
            CheckKind::Status,
            format!(
                "the status method {} is not one Insignia supports (BitstringStatusListEntry, 1EdTechRevocationList)",
                types.join(", ")
            ),
        )
    }
}

fn str_field<'a>(entry: &'a Map<String, Value>, name: &str) -> Result<&'a str, Check> {
    entry.get(name).and_then(Value::as_str).ok_or_else(|| {
        failed(
            CheckKind::Status,
            format!("the status entry has no '{name}'"),
        )
    })
}

/// A status source as JSON, or the check that explains why not.
fn fetched_list<'m>(
    url: &str,
    what: &str,
    options: &VerifyOptions<'m>,
) -> Result<&'m Value, Check> {
    let Some(material) = options.material else {
        return Err(could_not(
            CheckKind::Status,
            format!("the {what} was not fetched"),
        ));
    };
    match material.doc(url) {
        Doc::Json(v) => Ok(v),
        Doc::Missing => Err(could_not(
            CheckKind::Status,
            format!("the {what} at {url} was not fetched"),
        )),
        Doc::Unreachable(why) => Err(could_not(
            CheckKind::Status,
            format!("the {what} at {url} could not be fetched ({why}), so the status is unknown"),
        )),
        Doc::Status(code) => Err(could_not(
            CheckKind::Status,
            format!("the {what} at {url} answered HTTP {code}, so the status is unknown"),
        )),
        Doc::Text => Err(could_not(
            CheckKind::Status,
            format!("the {what} at {url} is not JSON (a JWT-secured list is not supported yet)"),
        )),
    }
}

fn bitstring_entry(
    entry: &Map<String, Value>,
    options: &VerifyOptions<'_>,
    verify_list: VerifyList<'_>,
) -> Check {
    let purpose = match str_field(entry, "statusPurpose") {
        Ok(p) => p,
        Err(c) => return c,
    };
    let list_url = match str_field(entry, "statusListCredential") {
        Ok(u) => u,
        Err(c) => return c,
    };
    let index = match entry.get("statusListIndex") {
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let Some(index) = index else {
        return failed(
            CheckKind::Status,
            "the status entry's statusListIndex is not a non-negative integer",
        );
    };
    let size = match entry.get("statusSize") {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(s @ 1..=8) => s,
            _ => {
                return failed(
                    CheckKind::Status,
                    "the status entry's statusSize must be an integer from 1 to 8",
                );
            }
        },
    };
    let list = match fetched_list(list_url, "status list", options) {
        Ok(v) => v,
        Err(c) => return c,
    };
    if let Err(check) = verified_list(list, list_url, verify_list) {
        return check;
    }
    let subject = list.get("credentialSubject").and_then(Value::as_object);
    let Some(subject) = subject else {
        return failed(
            CheckKind::Status,
            format!("the status list {list_url} has no credentialSubject"),
        );
    };
    let list_purposes: Vec<&str> = match subject.get("statusPurpose") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !list_purposes.contains(&purpose) {
        return failed(
            CheckKind::Status,
            format!(
                "the status list {list_url} is for {}, not for {purpose}",
                list_purposes.join(", ")
            ),
        );
    }
    let Some(encoded) = subject.get("encodedList").and_then(Value::as_str) else {
        return failed(
            CheckKind::Status,
            format!("the status list {list_url} has no encodedList"),
        );
    };
    let bits = match decode_bitstring(encoded) {
        Ok(b) => b,
        Err(why) => {
            return failed(
                CheckKind::Status,
                format!("the status list {list_url} cannot be read: {why}"),
            );
        }
    };
    let value = match status_value(&bits, index, size) {
        Ok(v) => v,
        Err(why) => {
            return failed(
                CheckKind::Status,
                format!("the status list {list_url}: {why}"),
            );
        }
    };
    match (purpose, value) {
        ("revocation", 0) => passed(
            CheckKind::Status,
            format!("not revoked (status list {list_url})"),
        ),
        ("revocation", _) => failed(
            CheckKind::Status,
            format!("REVOKED by the issuer (status list {list_url}, entry {index})"),
        ),
        ("suspension", 0) => passed(
            CheckKind::Status,
            format!("not suspended (status list {list_url})"),
        ),
        ("suspension", _) => failed(
            CheckKind::Status,
            format!("SUSPENDED by the issuer (status list {list_url}, entry {index})"),
        ),
        (other, value) => {
            let message = entry
                .get("statusMessage")
                .and_then(Value::as_array)
                .and_then(|msgs| {
                    msgs.iter().find(|m| {
                        m.get("status")
                            .and_then(Value::as_str)
                            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
                            == Some(value)
                    })
                })
                .and_then(|m| m.get("message"))
                .and_then(Value::as_str)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            passed(
                CheckKind::Status,
                format!("{other} status {value:#x}{message} (status list {list_url})"),
            )
        }
    }
}

/// The status list credential itself must verify: signature, key binding, contexts.
fn verified_list(list: &Value, url: &str, verify_list: VerifyList<'_>) -> Result<(), Check> {
    let list_types: Vec<&str> = match list.get("type") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    if !list_types.contains(&"BitstringStatusListCredential") {
        return Err(failed(
            CheckKind::Status,
            format!("the document at {url} is not a BitstringStatusListCredential"),
        ));
    }
    let report = verify_list(list);
    for kind in [
        CheckKind::Parse,
        CheckKind::Contexts,
        CheckKind::Proof,
        CheckKind::KeyBinding,
    ] {
        let Some(check) = report.check(kind) else {
            continue;
        };
        match check.outcome {
            Outcome::Failed => {
                return Err(failed(
                    CheckKind::Status,
                    format!(
                        "the status list {url} cannot be trusted: {} ({})",
                        check.message,
                        kind.label()
                    ),
                ));
            }
            Outcome::CouldNotCheck => {
                return Err(could_not(
                    CheckKind::Status,
                    format!(
                        "the status list {url} could not be verified: {}",
                        check.message
                    ),
                ));
            }
            _ => {}
        }
    }
    if let Some(window) = report.check(CheckKind::ValidityWindow) {
        if window.outcome == Outcome::Failed {
            return Err(could_not(
                CheckKind::Status,
                format!(
                    "the status list {url} is out of date ({}), so the current status is unknown",
                    window.message
                ),
            ));
        }
    }
    Ok(())
}

/// `encodedList`: multibase base64url (`u`, no padding) of a GZIP'd bitstring.
pub fn decode_bitstring(encoded: &str) -> Result<Vec<u8>, String> {
    // Older lists (StatusList2021) omit the multibase prefix.
    let b64 = encoded.strip_prefix('u').unwrap_or(encoded);
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let compressed = engine
        .decode(b64)
        .map_err(|_| "encodedList is not multibase base64url".to_owned())?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(MAX_BITSTRING_BYTES + 1)
        .read_to_end(&mut bits)
        .map_err(|e| format!("encodedList is not GZIP data: {e}"))?;
    if bits.len() as u64 > MAX_BITSTRING_BYTES {
        return Err(format!(
            "the list is larger than {MAX_BITSTRING_BYTES} bytes uncompressed"
        ));
    }
    Ok(bits)
}

/// The `size`-bit status at `index`; bit 0 is the most significant bit of byte 0.
pub fn status_value(bits: &[u8], index: u64, size: u64) -> Result<u64, String> {
    let total = bits.len() as u64 * 8;
    if total < MIN_STATUS_LIST_ENTRIES * size {
        return Err(format!(
            "it holds {} entries, fewer than the minimum {MIN_STATUS_LIST_ENTRIES}",
            total / size
        ));
    }
    let start = index
        .checked_mul(size)
        .filter(|s| s.saturating_add(size) <= total)
        .ok_or_else(|| format!("entry {index} is beyond the end of the list"))?;
    let mut value = 0u64;
    for bit in start..start + size {
        let byte = bits[(bit / 8) as usize];
        let set = (byte >> (7 - (bit % 8))) & 1;
        value = (value << 1) | u64::from(set);
    }
    Ok(value)
}

/// 1EdTech Revocation List: `credentialStatus.id` is a list of revoked credentials.
fn revocation_list_entry(
    credential: &Value,
    entry: &Map<String, Value>,
    options: &VerifyOptions<'_>,
) -> Check {
    let url = match str_field(entry, "id") {
        Ok(u) => u,
        Err(c) => return c,
    };
    let list = match fetched_list(url, "revocation list", options) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let Some(id) = credential.get("id").and_then(Value::as_str) else {
        return could_not(
            CheckKind::Status,
            "the credential has no id to look up in its revocation list",
        );
    };
    let Some(revoked) = list.get("revokedCredentials").and_then(Value::as_array) else {
        return failed(
            CheckKind::Status,
            format!("the revocation list at {url} has no revokedCredentials list"),
        );
    };
    match find_revoked(revoked, id) {
        Some(reason) => failed(CheckKind::Status, format!("REVOKED by the issuer{reason}")),
        None => passed(
            CheckKind::Status,
            format!("not revoked (revocation list {url})"),
        ),
    }
}

/// Looks `id` up in a list of revoked entries (ids, or objects with `id` or
/// `uid` and an optional `revocationReason`); the reason, as `": …"` or empty.
pub(crate) fn find_revoked(entries: &[Value], id: &str) -> Option<String> {
    entries.iter().find_map(|entry| match entry {
        Value::String(s) if s == id => Some(String::new()),
        Value::Object(o)
            if o.get("id").and_then(Value::as_str) == Some(id)
                || o.get("uid").and_then(Value::as_str) == Some(id) =>
        {
            Some(
                o.get("revocationReason")
                    .and_then(Value::as_str)
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default(),
            )
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_zero_is_the_most_significant_bit() {
        let mut bits = vec![0u8; 16 * 1024];
        bits[0] = 0b1000_0000;
        bits[1] = 0b0000_0001;
        assert_eq!(status_value(&bits, 0, 1), Ok(1));
        assert_eq!(status_value(&bits, 1, 1), Ok(0));
        assert_eq!(status_value(&bits, 7, 1), Ok(0));
        assert_eq!(status_value(&bits, 15, 1), Ok(1));
        let mut wide = vec![0u8; 32 * 1024];
        wide[0] = 0b1000_0000;
        assert_eq!(status_value(&wide, 0, 2), Ok(0b10));
        assert!(status_value(&bits, 131_072, 1).is_err());
        assert!(status_value(&bits[..100], 0, 1).is_err());
    }
}
