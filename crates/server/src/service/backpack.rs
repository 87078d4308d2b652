//! The earner's backpack.
//!
//! * Awards of this server appear by themselves ([`sync_awards`]): those sent
//!   to one of the account's verified addresses and those accepted through a
//!   claim link while signed in (bound to the account).
//! * Badges from any issuer are imported ([`import`]) from a baked PNG/SVG, a
//!   JSON or JWT file, an `https://` URL, or a ZIP made by [`export_zip`];
//!   each goes through the verifier exactly as the public verify page does
//!   ([`crate::service::verification`]) and the report is kept with the item.
//!   A badge already in the backpack (same credential id, or same canonical
//!   content) is recognised, not added twice.
//! * Reports are re-checked when an item is viewed and its report is older
//!   than [`RECHECK_AFTER`] ([`refresh_stale`]), and by a light background
//!   pass every process runs ([`spawn_rechecker`]), so a badge revoked later
//!   shows as revoked.
//! * Curation (visibility, collections, profile), sharing links, the ZIP
//!   export and account deletion.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use insignia_bake::Payload;
use insignia_store::model::User;
use insignia_store::now;
use insignia_store::repo::backpack::{self, Added, Collection, Item, NewItem};
use insignia_store::repo::{badges, users};
use insignia_verify::{CheckKind, CredentialFormat, Outcome, Report, Verdict};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::issuing::Urls;
use crate::service::award_view::{AwardView, live_report, load_award};
use crate::service::verification::{self, Input, our_award_id};
use crate::state::Shared;

/// A report older than this is checked again when its item is viewed.
pub const RECHECK_AFTER: i64 = 300;
/// The background pass checks again reports older than this.
pub const BACKGROUND_RECHECK_AFTER: i64 = 6 * 3600;
/// Items re-checked on one page view at most (the rest wait for the next
/// view or the background pass).
const RECHECK_PER_VIEW: usize = 8;
/// Largest file accepted for an import (a ZIP export may hold many badges).
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// Most badges read from one ZIP.
const MAX_ZIP_BADGES: usize = 500;
/// Largest badge file inside a ZIP, uncompressed.
const MAX_ZIP_ENTRY: u64 = 4 * 1024 * 1024;
/// Most bytes read out of one ZIP, uncompressed (a small archive cannot
/// expand into gigabytes).
const MAX_ZIP_TOTAL: usize = 64 * 1024 * 1024;
/// The `format` of the export's `index.json`.
pub const EXPORT_FORMAT: &str = "insignia-backpack-export";

/// Why an import was refused (each has a message in the catalogues).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Neither a credential nor an image carrying one.
    NotABadge,
    /// An image without a badge baked into it.
    NoBadgeInImage,
    /// Only `https://` addresses can be imported.
    NotHttps,
    /// The address could not be fetched (the detail says why: e.g. a
    /// private address refused by the SSRF-safe fetcher).
    Unreachable(String),
    /// Too large a file.
    TooLarge,
    /// A damaged ZIP, or one without an export index.
    BadZip,
}

impl Refused {
    /// The catalogue key of the message.
    pub fn key(&self) -> &'static str {
        match self {
            Refused::NotABadge => "backpack-refused-not-a-badge",
            Refused::NoBadgeInImage => "backpack-refused-no-badge-in-image",
            Refused::NotHttps => "backpack-refused-not-https",
            Refused::Unreachable(_) => "backpack-refused-unreachable",
            Refused::TooLarge => "backpack-refused-too-large",
            Refused::BadZip => "backpack-refused-bad-zip",
        }
    }

    pub fn detail(&self) -> Option<&str> {
        match self {
            Refused::Unreachable(d) => Some(d),
            _ => None,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// One badge, added (or found already there).
    One(Added),
    /// A ZIP export: how many badges were added, already there, refused.
    Many {
        added: usize,
        already: usize,
        refused: usize,
    },
}

/// What the earner gave.
pub enum Upload {
    File(Vec<u8>),
    Url(String),
}

/// The backpack's status of an item from its report: `valid`, `expired`,
/// `revoked` (or suspended), `invalid`, or `unchecked` (could not check).
pub fn status_of(report: &Report) -> &'static str {
    if report.verdict == Verdict::Valid {
        return "valid";
    }
    let failed: Vec<CheckKind> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .map(|c| c.check)
        .collect();
    if failed
        .iter()
        .any(|k| !matches!(k, CheckKind::Status | CheckKind::ValidityWindow))
    {
        "invalid"
    } else if failed.contains(&CheckKind::Status) {
        "revoked"
    } else if failed.contains(&CheckKind::ValidityWindow) {
        "expired"
    } else if report.verdict == Verdict::Invalid {
        "invalid"
    } else {
        "unchecked"
    }
}

/// JSON with its object keys sorted and no white space: two copies of one
/// credential differing only in layout or key order hash the same.
/// (A few lines over serde_json; full JCS number canonicalisation is not
/// needed to recognise a copy of the same file.)
fn canonical_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical_json(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(list) => Value::Array(list.iter().map(canonical_json).collect()),
        other => other.clone(),
    }
}

fn content_hash(payload: &str, kind: &str) -> String {
    let canonical = if kind == "json" {
        serde_json::from_str::<Value>(payload)
            .map(|v| canonical_json(&v).to_string())
            .unwrap_or_else(|_| payload.trim().to_owned())
    } else {
        payload.trim().to_owned()
    };
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// The credential as JSON: the document itself, or a JWT's claims (its `vc`
/// claim when there is one).
fn credential_json(payload: &str, kind: &str) -> Option<Value> {
    use base64::Engine;
    if kind == "json" {
        return serde_json::from_str(payload).ok();
    }
    let claims = payload.trim().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    Some(claims.get("vc").cloned().unwrap_or(claims))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Tags and skills named by the credential (OB 3.0 achievement tags and
/// alignment names; OB 2.0 badge tags and alignment names).
fn tags_of(credential: &Value) -> Vec<String> {
    let mut tags = Vec::new();
    let subjects = match credential.get("credentialSubject") {
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let mut holders: Vec<&Value> = subjects
        .iter()
        .filter_map(|s| s.get("achievement"))
        .collect();
    if let Some(badge) = credential.get("badge").filter(|b| b.is_object()) {
        holders.push(badge);
    }
    for holder in holders {
        tags.extend(strings(holder.get("tag")));
        tags.extend(strings(holder.get("tags")));
        if let Some(Value::Array(alignments)) = holder.get("alignment") {
            tags.extend(
                alignments
                    .iter()
                    .filter_map(|a| a.get("targetName").and_then(Value::as_str))
                    .map(str::to_owned),
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    tags.into_iter()
        .map(|t| t.trim().chars().take(80).collect::<String>())
        .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
        .take(30)
        .collect()
}

/// Whether a JSON document has the shape of a badge: a JSON-LD document that
/// is a credential (a subject) or an Open Badges 2.0 assertion (a badge and a
/// recipient). Whether it is a *genuine* one is the verifier's business.
fn looks_like_badge(credential: &Value) -> bool {
    credential.get("@context").is_some()
        && (credential.get("credentialSubject").is_some()
            || (credential.get("badge").is_some() && credential.get("recipient").is_some()))
}

/// The issuer's web site named by the credential, when it is an https URL.
fn issuer_url_of(credential: &Value) -> Option<String> {
    let issuer = credential
        .get("issuer")
        .or_else(|| credential.get("badge").and_then(|b| b.get("issuer")))?;
    issuer
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("https://"))
        .map(str::to_owned)
}

/// An image embedded in the credential as a `data:image/png;base64,` URI,
/// re-encoded by the upload checks (never shown as it came).
fn embedded_png(credential: &Value) -> Option<Vec<u8>> {
    use base64::Engine;
    let subject = match credential.get("credentialSubject") {
        Some(Value::Array(list)) => list.first()?.clone(),
        Some(one) => one.clone(),
        None => return None,
    };
    let image = subject.get("achievement")?.get("image")?;
    let uri = image.get("id").or(Some(image))?.as_str()?;
    let data = uri.strip_prefix("data:image/png;base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    insignia_artwork::upload::check_png(&bytes)
        .ok()
        .map(|c| c.png)
}

/// A time from a report's summary (RFC 3339, or a date).
fn parse_time(text: Option<&str>) -> Option<i64> {
    let text = text?.trim();
    if let Ok(t) = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    {
        return Some(t.unix_timestamp());
    }
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let date = time::Date::parse(
        text.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

fn report_json(report: &Report) -> String {
    serde_json::to_string(report).unwrap_or_else(|_| "{}".into())
}

/// A credential as it came into the backpack: from where, in what form,
/// and its images if it had any.
struct Received {
    source: &'static str,
    source_url: Option<String>,
    payload: String,
    kind: &'static str,
    baked_png: Option<Vec<u8>>,
    image_png: Option<Vec<u8>>,
}

/// A new item from a credential and its report.
fn new_item(
    user_id: &str,
    received: Received,
    report: &Report,
    view: Option<&AwardView>,
) -> NewItem {
    let Received {
        source,
        source_url,
        payload,
        kind,
        baked_png,
        image_png,
    } = received;
    let credential = credential_json(&payload, kind).unwrap_or(Value::Null);
    let summary = &report.summary;
    let name = view
        .map(|v| v.design.name.clone())
        .or_else(|| summary.name.clone())
        .unwrap_or_default();
    let issuer_name = view
        .map(|v| v.issuer.name.clone())
        .or_else(|| summary.issuer_name.clone())
        .or_else(|| summary.issuer_id.clone())
        .unwrap_or_default();
    let tags = match view {
        Some(v) => v.design.tags.clone(),
        None => tags_of(&credential),
    };
    let image_png = image_png.or_else(|| embedded_png(&credential));
    NewItem {
        user_id: user_id.to_owned(),
        award_id: view.map(|v| v.award.id.clone()),
        source,
        source_url,
        credential_id: summary.id.clone().filter(|id| !id.is_empty()),
        content_hash: content_hash(&payload, kind),
        payload,
        payload_kind: kind,
        baked_png,
        image_png,
        name: name.chars().take(300).collect(),
        description: summary
            .description
            .clone()
            .unwrap_or_default()
            .chars()
            .take(5000)
            .collect(),
        issuer_name: issuer_name.chars().take(300).collect(),
        issuer_url: view
            .map(|v| v.issuer.url.clone())
            .or_else(|| issuer_url_of(&credential)),
        tags: tags.join("\n"),
        issued_at: view
            .map(|v| v.award.issued_at)
            .or_else(|| parse_time(summary.issued.as_deref())),
        expires_at: match view {
            Some(v) => v.award.expires_at,
            None => parse_time(summary.expires.as_deref()),
        },
        status: status_of(report).to_owned(),
        report: report_json(report),
    }
}

/// The PNG of an awarded badge version (what the backpack shows for it).
async fn award_image(state: &Shared, view: &AwardView) -> Result<Option<Vec<u8>>, AppError> {
    Ok(
        badges::version(&state.store, &view.version.badge_id, view.version.version)
            .await?
            .and_then(|v| v.image_png),
    )
}

/// Adds to the backpack of `user` the awards of ours that belong there and
/// are missing (sent to a verified address, or accepted while signed in).
/// Returns how many were added.
pub async fn sync_awards(state: &Shared, user: &User) -> Result<usize, AppError> {
    let emails = users::verified_emails(&state.store, &user.id).await?;
    let missing = backpack::missing_awards(&state.store, &user.id, &emails).await?;
    let mut added = 0;
    for award_id in missing {
        let Ok(view) = load_award(state, &award_id).await else {
            continue;
        };
        let report = live_report(state, &view).await?;
        let image = award_image(state, &view).await?;
        let received = Received {
            source: "award",
            source_url: None,
            payload: view.award.credential.clone(),
            kind: "json",
            baked_png: None,
            image_png: image,
        };
        let mut item = new_item(&user.id, received, &report, Some(&view));
        // Our credential's id is its page; name it even if the summary did not.
        item.credential_id = Some(
            Urls {
                base: &state.config.base_url,
            }
            .award_page(&view.award.id),
        );
        if let Added::New(_) = backpack::add(&state.store, &item).await? {
            added += 1;
        }
    }
    Ok(added)
}

/// The credential inside an image or file: (payload, kind).
async fn payload_of(bytes: &[u8]) -> Result<(String, &'static str, bool), Refused> {
    if let Some(kind) = insignia_bake::detect(bytes) {
        let baked = insignia_bake::extract(bytes).map_err(|_| Refused::NotABadge)?;
        let is_png = kind == insignia_bake::ImageKind::Png;
        return match baked.map(|b| b.payload) {
            Some(Payload::Json(text)) => Ok((text, "json", is_png)),
            Some(Payload::Jwt(text)) => Ok((text, "jwt", is_png)),
            Some(Payload::Url(url)) => {
                // A hosted Open Badges 2.0 assertion: keep its JSON.
                let text = fetch_text(&url).await?;
                Ok((text, "json", is_png))
            }
            None => Err(Refused::NoBadgeInImage),
        };
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Refused::NotABadge)?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.starts_with('{') {
        let value: Value = serde_json::from_str(text).map_err(|_| Refused::NotABadge)?;
        if !value.is_object() {
            return Err(Refused::NotABadge);
        }
        return Ok((text.to_owned(), "json", false));
    }
    let parts: Vec<&str> = text.split('.').collect();
    let jwt_like = parts.len() == 3
        && parts.iter().take(2).all(|p| !p.is_empty())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='));
    if jwt_like {
        return Ok((text.to_owned(), "jwt", false));
    }
    Err(Refused::NotABadge)
}

const ACCEPT_IMPORT: &str = "application/vc+ld+json, application/ld+json, application/json;q=0.9, application/jwt;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8, */*;q=0.5";

/// Fetches an https URL through the SSRF-safe fetcher.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, Refused> {
    if !url.starts_with("https://") {
        return Err(Refused::NotHttps);
    }
    let fetcher = verification::fetcher().map_err(|e| Refused::Unreachable(format!("{e:?}")))?;
    let fetched = fetcher
        .get(url, ACCEPT_IMPORT)
        .await
        .map_err(|e| Refused::Unreachable(e.to_string()))?;
    if fetched.status != 200 {
        return Err(Refused::Unreachable(format!("HTTP {}", fetched.status)));
    }
    Ok(fetched.body.to_vec())
}

async fn fetch_text(url: &str) -> Result<String, Refused> {
    let bytes = fetch_bytes(url).await?;
    String::from_utf8(bytes).map_err(|_| Refused::NotABadge)
}

/// Imports one badge (or a ZIP export) into the backpack of `user`.
pub async fn import(
    state: &Shared,
    user: &User,
    upload: Upload,
) -> Result<Result<Imported, Refused>, AppError> {
    let (bytes, source, source_url) = match upload {
        Upload::File(bytes) => (bytes, "file", None),
        Upload::Url(url) => {
            let url = url.trim().to_owned();
            // One of ours: the stored credential, no request to ourselves.
            let ours = match our_award_id(state, &url) {
                Some(id) => load_award(state, id).await.ok(),
                None => None,
            };
            match ours {
                Some(view) => (view.award.credential.into_bytes(), "url", Some(url)),
                None => match fetch_bytes(&url).await {
                    Ok(bytes) => (bytes, "url", Some(url)),
                    Err(refused) => return Ok(Err(refused)),
                },
            }
        }
    };
    if bytes.len() > MAX_IMPORT_BYTES {
        return Ok(Err(Refused::TooLarge));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return import_zip(state, user, bytes).await;
    }
    Ok(import_one(state, user, &bytes, source, source_url)
        .await?
        .map(Imported::One))
}

async fn import_one(
    state: &Shared,
    user: &User,
    bytes: &[u8],
    source: &'static str,
    source_url: Option<String>,
) -> Result<Result<Added, Refused>, AppError> {
    let (payload, kind, is_png) = match payload_of(bytes).await {
        Ok(found) => found,
        Err(refused) => return Ok(Err(refused)),
    };
    let report =
        verification::report_for(state, Input::Bytes(payload.clone().into_bytes()), None).await?;
    let looks_like_badge = credential_json(&payload, kind).is_some_and(|c| looks_like_badge(&c));
    if report.format == CredentialFormat::Unknown || !looks_like_badge {
        return Ok(Err(Refused::NotABadge));
    }
    // Recognised as one of ours only when its signature is our issuer's.
    let view = match report
        .summary
        .id
        .as_deref()
        .and_then(|id| our_award_id(state, id))
    {
        Some(id) if report.verdict != Verdict::Invalid => load_award(state, id).await.ok(),
        _ => None,
    };
    let image = match &view {
        Some(v) => award_image(state, v).await?,
        None if insignia_bake::detect(bytes).is_some() => {
            // Re-encoded (PNG) or sanitised and drawn (SVG): an upload is
            // never shown as it came.
            let copy = bytes.to_vec();
            tokio::task::spawn_blocking(move || insignia_artwork::upload::check(&copy))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .ok()
                .map(|c| c.png)
        }
        None => None,
    };
    let baked = is_png.then(|| bytes.to_vec());
    let received = Received {
        source,
        source_url,
        payload,
        kind,
        baked_png: baked,
        image_png: image,
    };
    let item = new_item(&user.id, received, &report, view.as_ref());
    let added = backpack::add(&state.store, &item).await?;
    if let Added::Already(id) = &added {
        // A copy that now verifies replaces an invalid one of the same id.
        if let Some(existing) = backpack::owned_item(&state.store, &user.id, id).await? {
            if existing.status == "invalid" && item.status != "invalid" {
                backpack::replace(&state.store, id, &item).await?;
            }
        }
    }
    Ok(Ok(added))
}

/// Imports every badge listed in a ZIP export's `index.json`.
async fn import_zip(
    state: &Shared,
    user: &User,
    bytes: Vec<u8>,
) -> Result<Result<Imported, Refused>, AppError> {
    let files = match tokio::task::spawn_blocking(move || read_zip(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        Ok(files) => files,
        Err(refused) => return Ok(Err(refused)),
    };
    let (mut added, mut already, mut refused) = (0, 0, 0);
    for file in files {
        match import_one(state, user, &file, "file", None).await? {
            Ok(Added::New(_)) => added += 1,
            Ok(Added::Already(_)) => already += 1,
            Err(_) => refused += 1,
        }
    }
    Ok(Ok(Imported::Many {
        added,
        already,
        refused,
    }))
}

/// The badge files a ZIP export lists (bounded in number and size).
fn read_zip(bytes: &[u8]) -> Result<Vec<Vec<u8>>, Refused> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| Refused::BadZip)?;
    let index: Value = {
        let entry = archive.by_name("index.json").map_err(|_| Refused::BadZip)?;
        let mut text = Vec::new();
        entry
            .take(MAX_ZIP_ENTRY)
            .read_to_end(&mut text)
            .map_err(|_| Refused::BadZip)?;
        serde_json::from_slice(&text).map_err(|_| Refused::BadZip)?
    };
    if index.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) {
        return Err(Refused::BadZip);
    }
    let mut files = Vec::new();
    let mut total = 0usize;
    for entry in index
        .get("badges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ZIP_BADGES)
    {
        // The baked PNG when there is one (the image comes along), else the credential.
        let name = entry
            .get("baked_png")
            .and_then(Value::as_str)
            .or_else(|| entry.get("credential").and_then(Value::as_str));
        let Some(name) = name else { continue };
        let Ok(file) = archive.by_name(name) else {
            continue;
        };
        let mut data = Vec::new();
        if file.take(MAX_ZIP_ENTRY).read_to_end(&mut data).is_ok() {
            total += data.len();
            if total > MAX_ZIP_TOTAL {
                return Err(Refused::TooLarge);
            }
            files.push(data);
        }
    }
    Ok(files)
}

/// Verifies an item again and stores the new report.
pub async fn recheck(state: &Shared, item: &mut Item) -> Result<(), AppError> {
    let view = match &item.award_id {
        Some(id) => load_award(state, id).await.ok(),
        None => None,
    };
    let report = match &view {
        Some(view) => live_report(state, view).await?,
        None => {
            verification::report_for(state, Input::Bytes(item.payload.clone().into_bytes()), None)
                .await?
        }
    };
    let at = now();
    let status = status_of(&report);
    let json = report_json(&report);
    backpack::record_check(&state.store, &item.id, status, &json, at).await?;
    item.status = status.to_owned();
    item.report = json;
    item.checked_at = at;
    Ok(())
}

/// Re-checks the items whose report is older than [`RECHECK_AFTER`] (a few
/// per call, the oldest first, concurrently).
pub async fn refresh_stale(state: &Shared, items: &mut [Item]) -> Result<(), AppError> {
    let limit = now() - RECHECK_AFTER;
    let mut stale: Vec<&mut Item> = items.iter_mut().filter(|i| i.checked_at < limit).collect();
    stale.sort_by_key(|i| i.checked_at);
    stale.truncate(RECHECK_PER_VIEW);
    let results =
        futures_util::future::join_all(stale.into_iter().map(|item| recheck(state, item))).await;
    for result in results {
        if let Err(e) = result {
            tracing::warn!("re-checking a backpack item: {e:?}");
        }
    }
    Ok(())
}

/// Every process re-checks, a few at a time, the reports older than
/// [`BACKGROUND_RECHECK_AFTER`].
pub fn spawn_rechecker(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(600)) => {}
                () = state.stop.wait() => return,
            }
            if let Err(e) = recheck_due(&state, now() - BACKGROUND_RECHECK_AFTER, 50).await {
                tracing::warn!("re-checking backpack items: {e:?}");
            }
        }
    })
}

/// One background pass: re-checks at most `limit` items (of any account)
/// whose report was made before `before`, the oldest first; returns how many.
pub async fn recheck_due(state: &Shared, before: i64, limit: i64) -> Result<usize, AppError> {
    let items = backpack::due_for_check(&state.store, before, limit).await?;
    let mut done = 0;
    for mut item in items {
        match recheck(state, &mut item).await {
            Ok(()) => done += 1,
            Err(e) => tracing::warn!("background re-check of a backpack item: {e:?}"),
        }
    }
    Ok(done)
}

/// An item `viewer` may see: its owner always, anyone when it is unlisted
/// or public. Anything else is "not found".
pub async fn visible_item(
    state: &Shared,
    viewer: Option<&User>,
    id: &str,
) -> Result<Item, AppError> {
    let item = backpack::item(&state.store, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = viewer.is_some_and(|u| u.id == item.user_id);
    if owner || item.visibility != "private" {
        Ok(item)
    } else {
        Err(AppError::NotFound)
    }
}

/// A collection `viewer` may see, with the items shown in it (to anyone but
/// the owner, only the items that are not private).
pub async fn visible_collection(
    state: &Shared,
    viewer: Option<&User>,
    id: &str,
) -> Result<(Collection, Vec<Item>), AppError> {
    let collection = backpack::collection(&state.store, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = viewer.is_some_and(|u| u.id == collection.user_id);
    if !owner && collection.visibility == "private" {
        return Err(AppError::NotFound);
    }
    let mut items = backpack::collection_items(&state.store, &collection.id).await?;
    if !owner {
        items.retain(|i| i.visibility != "private");
    }
    Ok((collection, items))
}

/// Filters and search over a backpack.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: String,
    pub issuer: String,
    pub status: String,
    pub tag: String,
}

impl Filter {
    pub fn keeps(&self, item: &Item) -> bool {
        let q = self.q.trim().to_lowercase();
        (q.is_empty()
            || [&item.name, &item.description, &item.issuer_name, &item.tags]
                .iter()
                .any(|f| f.to_lowercase().contains(&q)))
            && (self.issuer.is_empty() || item.issuer_name == self.issuer)
            && (self.status.is_empty() || item.status == self.status)
            && (self.tag.is_empty() || item.tags.lines().any(|t| t == self.tag))
    }
}

/// The LinkedIn "Add to profile" (certification) URL of an item.
pub async fn linkedin_add_url(state: &Shared, item: &Item, page_url: &str) -> String {
    let org_id = match &item.award_id {
        Some(id) => load_award(state, id)
            .await
            .ok()
            .map(|v| v.issuer.linkedin_org_id)
            .filter(|o| !o.is_empty()),
        None => None,
    };
    let mut params: Vec<(&str, String)> = vec![
        ("startTask", "CERTIFICATION_NAME".into()),
        ("name", item.name.clone()),
    ];
    match org_id {
        Some(org) => params.push(("organizationId", org)),
        None => params.push(("organizationName", item.issuer_name.clone())),
    }
    if let Some(t) = item
        .issued_at
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
    {
        params.push(("issueYear", t.year().to_string()));
        params.push(("issueMonth", u8::from(t.month()).to_string()));
    }
    if let Some(t) = item
        .expires_at
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
    {
        params.push(("expirationYear", t.year().to_string()));
        params.push(("expirationMonth", u8::from(t.month()).to_string()));
    }
    params.push(("certUrl", page_url.to_owned()));
    params.push((
        "certId",
        item.award_id
            .clone()
            .or_else(|| item.credential_id.clone())
            .unwrap_or_else(|| item.id.clone()),
    ));
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("https://www.linkedin.com/profile/add?{query}")
}

/// The share channels and where each leads.
pub const CHANNELS: [&str; 5] = ["linkedin-add", "linkedin", "x", "facebook", "email"];

/// Where sharing `page_url` (titled `title`) on `channel` leads; None for an
/// unknown channel (or LinkedIn's "Add to profile" for a collection).
pub async fn share_destination(
    state: &Shared,
    channel: &str,
    page_url: &str,
    title: &str,
    item: Option<&Item>,
) -> Option<String> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    Some(match channel {
        "linkedin-add" => linkedin_add_url(state, item?, page_url).await,
        "linkedin" => format!(
            "https://www.linkedin.com/sharing/share-offsite/?url={}",
            enc(page_url)
        ),
        "x" => format!(
            "https://x.com/intent/post?url={}&text={}",
            enc(page_url),
            enc(title)
        ),
        "facebook" => format!(
            "https://www.facebook.com/sharer/sharer.php?u={}",
            enc(page_url)
        ),
        "email" => format!(
            "mailto:?subject={}&body={}",
            enc(title).replace('+', "%20"),
            enc(page_url)
        ),
        _ => return None,
    })
}

/// A handle for `/u/{handle}`: 3 to 30 lower-case letters, digits or
/// hyphens, not starting or ending with a hyphen.
pub fn handle_ok(handle: &str) -> bool {
    (3..=30).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !handle.starts_with('-')
        && !handle.ends_with('-')
}

/// A file name part from a badge name.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let s: String = s.chars().take(40).collect();
    if s.is_empty() { "badge".into() } else { s }
}

fn rfc3339(t: Option<i64>) -> Value {
    t.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .map_or(Value::Null, Value::String)
}

/// Everything in the backpack of `user` as one ZIP: each badge's credential
/// (`.json` or `.jwt`), the baked PNG of those imported from one, and
/// `index.json`, a machine-readable index (badges with their files, status,
/// visibility and evidence; collections by badge).
pub async fn export_zip(state: &Shared, user: &User) -> Result<Vec<u8>, AppError> {
    let items = backpack::items(&state.store, &user.id).await?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut listed = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let base = format!("badges/{:03}-{}", n + 1, slug(&item.name));
        let credential = format!("{base}.{}", item.payload_kind);
        files.push((credential.clone(), item.payload.clone().into_bytes()));
        let baked = if item.has_baked {
            match backpack::baked(&state.store, &item.id).await? {
                Some(png) => {
                    let name = format!("{base}.png");
                    files.push((name.clone(), png));
                    Some(name)
                }
                None => None,
            }
        } else {
            None
        };
        let evidence: Vec<Value> = backpack::evidence(&state.store, &item.id)
            .await?
            .into_iter()
            .map(|e| json!({ "narrative": e.narrative, "url": e.url, "added": rfc3339(Some(e.created_at)) }))
            .collect();
        listed.push(json!({
            "id": item.id,
            "name": item.name,
            "issuer": item.issuer_name,
            "issued": rfc3339(item.issued_at),
            "expires": rfc3339(item.expires_at),
            "status": item.status,
            "checked": rfc3339(Some(item.checked_at)),
            "visibility": item.visibility,
            "tags": item.tags.lines().collect::<Vec<_>>(),
            "source": item.source,
            "source_url": item.source_url,
            "credential_id": item.credential_id,
            "credential": credential,
            "credential_format": item.payload_kind,
            "baked_png": baked,
            "evidence_added_by_earner": evidence,
        }));
    }
    let mut collections = Vec::new();
    for c in backpack::collections(&state.store, &user.id).await? {
        let members: Vec<String> = backpack::collection_items(&state.store, &c.id)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        collections.push(json!({
            "name": c.name, "description": c.description, "visibility": c.visibility, "badges": members,
        }));
    }
    let index = json!({
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported": rfc3339(Some(now())),
        "server": state.config.base_url,
        "badges": listed,
        "collections": collections,
    });
    let index = serde_json::to_vec_pretty(&index).map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut write = |name: &str, data: &[u8]| -> Result<(), AppError> {
            zip.start_file(name, options)
                .map_err(|e| AppError::Internal(format!("zip: {e}")))?;
            zip.write_all(data)
                .map_err(|e| AppError::Internal(format!("zip: {e}")))
        };
        write("index.json", &index)?;
        for (name, data) in &files {
            write(name, data)?;
        }
        zip.finish()
            .map(std::io::Cursor::into_inner)
            .map_err(|e| AppError::Internal(format!("zip: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// What deleting an account did.
#[derive(Debug)]
pub enum Deletion {
    Deleted,
    /// Refused: the account is the only owner of these organisations (they
    /// would be left without anyone able to run them). Nothing was deleted.
    LastOwner(Vec<insignia_store::model::Membership>),
}

/// Deletes the account of `user` and everything personal (see
/// [`backpack::delete_account`]); the awards stay as the issuer's record.
/// Refused while the account is an organisation's only owner.
pub async fn delete_account(state: &Shared, user: &User) -> Result<Deletion, AppError> {
    let sole = insignia_store::repo::orgs::solely_owned(&state.store, &user.id).await?;
    if !sole.is_empty() {
        return Ok(Deletion::LastOwner(sole));
    }
    match backpack::delete_account(&state.store, &user.id, &user.email).await {
        Ok(()) => Ok(Deletion::Deleted),
        // Made the only owner in between: say so, as above.
        Err(insignia_store::StoreError::Conflict(_)) => Ok(Deletion::LastOwner(
            insignia_store::repo::orgs::solely_owned(&state.store, &user.id).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_ignores_key_order_and_layout() {
        let a = r#"{"b": 1, "a": {"y": [1, 2], "x": "s"}}"#;
        let b = "{\"a\":{\"x\":\"s\",\"y\":[1,2]},\"b\":1}";
        assert_eq!(content_hash(a, "json"), content_hash(b, "json"));
        assert_ne!(
            content_hash(a, "json"),
            content_hash(r#"{"b": 2, "a": {"y": [1, 2], "x": "s"}}"#, "json")
        );
    }

    #[test]
    fn handles() {
        assert!(handle_ok("amira-h"));
        for bad in ["ab", "-amira", "amira-", "Amira", "a b c", "amira_h"] {
            assert!(!handle_ok(bad), "{bad}");
        }
    }

    #[test]
    fn tags_from_both_standards() {
        let ob3 = json!({"credentialSubject": {"achievement": {"tag": ["Python", "python", "SQL"],
            "alignment": [{"targetName": "Data analysis"}]}}});
        assert_eq!(tags_of(&ob3), vec!["Python", "SQL", "Data analysis"]);
        let ob2 = json!({"badge": {"tags": ["Welding"]}});
        assert_eq!(tags_of(&ob2), vec!["Welding"]);
    }
}
