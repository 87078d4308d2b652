//! Public pages (no login): an award, a badge, an issuer; downloads; the
//! issuer's DID document and status lists. Content-negotiated: JSON for
//! machines, HTML for people.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use insignia_bake::{Payload, Standard};
use insignia_store::model::{Award, AwardStatus, BadgeState, EndorsedKind};
use insignia_store::repo::{awards, badges, issuers, orgs};
use minijinja::context;
use serde_json::Value;

use super::{json_response, page, wants_json};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::auth::{ClientIp, Visitor};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::{self, Urls};
use crate::service::award_view::{AwardView, live_report, load_award};
use crate::service::badges::{current_version, published, published_version};
use crate::service::endorsements;
use crate::service::ownership::{self, Ownership};
use crate::service::status;
use crate::state::Shared;
use crate::web::{check_lines, file_name, verdict_key, verdict_name};

fn linkedin_add_url(view: &AwardView, page_url: &str) -> String {
    let issued = time::OffsetDateTime::from_unix_timestamp(view.award.issued_at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut params: Vec<(&str, String)> = vec![
        ("startTask", "CERTIFICATION_NAME".into()),
        ("name", view.design.name.clone()),
        ("issueYear", issued.year().to_string()),
        ("issueMonth", u8::from(issued.month()).to_string()),
        ("certUrl", page_url.to_owned()),
        ("certId", view.award.id.clone()),
    ];
    if view.issuer.linkedin_org_id.is_empty() {
        params.push(("organizationName", view.issuer.name.clone()));
    } else {
        params.push(("organizationId", view.issuer.linkedin_org_id.clone()));
    }
    if let Some(exp) = view
        .award
        .expires_at
        .and_then(|e| time::OffsetDateTime::from_unix_timestamp(e).ok())
    {
        params.push(("expirationYear", exp.year().to_string()));
        params.push(("expirationMonth", u8::from(exp.month()).to_string()));
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("https://www.linkedin.com/profile/add?{query}")
}

pub async fn award_page(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(award_id): Path<String>,
) -> Result<Response, AppError> {
    // Anonymous visitors (the shared-link traffic) get a rendered page cached
    // under everything it depends on that can change: the award's state,
    // its replacement, whether it has expired, and the language. Only that
    // small part of the row is read before the cache is consulted. Issuer
    // edits show within the cache's time to live.
    let now = insignia_store::now();
    if visitor.user.is_none() && !wants_json(&headers) {
        let status = state
            .status_cache
            .get_or_load(&award_id, || async {
                awards::status(&state.store, &award_id)
                    .await?
                    .ok_or(AppError::NotFound)
            })
            .await?;
        // One render per key at a time: when a much-visited page's entry
        // expires, the other requests wait for that render instead of all
        // rendering it at once (which stalled every request for hundreds of
        // milliseconds under load). The award is read after the status, so a
        // change in between can only put a newer page under the older key.
        let stamp = state
            .endorsement_stamp_cache
            .get_or_load(&award_id, || async {
                Ok::<_, AppError>(
                    insignia_store::repo::endorsements::approved_stamp(&state.store, &award_id)
                        .await?,
                )
            })
            .await?;
        let key = format!(
            "{}|{}-{}",
            page_cache_key(&award_id, visitor.locale, &status, now),
            stamp.0,
            stamp.1
        );
        let html = state
            .page_cache
            .get_or_load(&key, || async {
                let view = load_award(&state, &award_id).await?;
                render_award_page(&state, &visitor, view, now).await
            })
            .await?;
        return Ok(axum::response::Html(html).into_response());
    }
    let view = load_award(&state, &award_id).await?;
    if wants_json(&headers) {
        return Ok(json_response(
            view.award.credential.clone(),
            "application/ld+json",
            "public, max-age=300",
        ));
    }
    let html = render_award_page(&state, &visitor, view, now).await?;
    Ok(axum::response::Html(html).into_response())
}

/// The public award page's HTML, with its live verification.
async fn render_award_page(
    state: &Shared,
    visitor: &Visitor,
    view: AwardView,
    now: i64,
) -> Result<axum::body::Bytes, AppError> {
    let report = live_report(state, &view).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let page_url = urls.award_page(&view.award.id);
    let credential = serde_json::from_str::<Value>(&view.award.credential).ok();
    let evidence: Vec<Value> = credential
        .as_ref()
        .and_then(|c| c.get("evidence").and_then(|e| e.as_array().cloned()))
        .unwrap_or_default();
    // The recipient as the credential names them (what a verifier sees).
    let recipient_name = credential
        .as_ref()
        .and_then(|c| c.pointer("/credentialSubject/name"))
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .map_or_else(|| view.award.recipient_name.clone(), str::to_owned);
    // An organisation's award says so (its subject's id is its URL).
    let organisation = credential
        .as_ref()
        .and_then(issuing::organisation_of)
        .map(|(_, url)| url);
    let replaced_by = view
        .award
        .replaced_by
        .as_ref()
        .map(|id| urls.award_page(id));
    let share = url::form_urlencoded::byte_serialize(page_url.as_bytes()).collect::<String>();
    let endorsements = endorsements::approved(state, EndorsedKind::Award, &view.award.id).await?;
    let html = state.pages.render(
        "public_award.html",
        visitor.locale,
        context! {
            user => visitor.user, csrf => visitor.csrf, award => view.award, design => view.design, issuer => view.issuer,
            badge_id => view.version.badge_id, page_url => page_url,
            image_url => urls.badge_image(&view.version.badge_id, view.version.version, "png"),
            badge_url => urls.badge_page(&view.version.badge_id), issuer_url => urls.issuer_page(&view.issuer.slug),
            verdict => verdict_name(&report), verdict_text => state.catalog.text(visitor.locale, verdict_key(&report), &[]),
            checks => check_lines(state, visitor.locale, &report), evidence => evidence,
            linkedin_add => linkedin_add_url(&view, &page_url),
            linkedin_share => format!("https://www.linkedin.com/sharing/share-offsite/?url={share}"),
            has_jwt => view.award.credential_jwt.is_some(), replaced_by => replaced_by,
            now => now, recipient_name => recipient_name, endorsements => endorsements,
            organisation_url => organisation,
        },
    )?;
    Ok(axum::body::Bytes::from(html))
}

fn page_cache_key(award_id: &str, locale: Locale, status: &AwardStatus, now: i64) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        award_id,
        locale.code(),
        status.state,
        status.state_changed_at.unwrap_or(0),
        status.replaced_by.as_deref().unwrap_or(""),
        status.expires_at.is_some_and(|e| e <= now),
    )
}

pub async fn award_json(
    State(state): State<Shared>,
    Path(award_id): Path<String>,
) -> Result<Response, AppError> {
    let award = awards::by_id(&state.store, &award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = download_name(&state, &award, "json").await;
    let mut response = json_response(
        award.credential,
        "application/ld+json",
        "public, max-age=86400",
    );
    if let Ok(value) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub async fn award_jwt(
    State(state): State<Shared>,
    Path(award_id): Path<String>,
) -> Result<Response, AppError> {
    let award = awards::by_id(&state.store, &award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = download_name(&state, &award, "jwt").await;
    let jwt = award.credential_jwt.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+jwt".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        jwt,
    )
        .into_response())
}

async fn download_name(state: &Shared, award: &Award, ext: &str) -> String {
    let badge = badges::version(&state.store, &award.badge_id, award.badge_version)
        .await
        .ok()
        .flatten()
        .map(|v| v.name)
        .unwrap_or_default();
    file_name(&badge, &award.recipient_name, ext)
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

async fn baked(
    state: &Shared,
    headers: &HeaderMap,
    award_id: &str,
    svg: bool,
) -> Result<Response, AppError> {
    let view = load_award(state, award_id).await?;
    let etag = format!("\"{}-{}\"", view.award.id, if svg { "svg" } else { "png" });
    if etag_matches(headers, &etag) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let full = badges::version(&state.store, &view.version.badge_id, view.version.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let image: Vec<u8> = if svg {
        full.image_svg
            .clone()
            .map(String::into_bytes)
            .ok_or(AppError::NotFound)?
    } else {
        full.image_png.clone().ok_or(AppError::NotFound)?
    };
    let payload = Payload::Json(view.award.credential.clone());
    let bytes = insignia_bake::bake(&image, Standard::Ob3, &payload)
        .map_err(|e| AppError::Internal(format!("baking: {e}")))?;
    let (mime, ext) = if svg {
        ("image/svg+xml", "svg")
    } else {
        ("image/png", "png")
    };
    let name = file_name(&view.design.name, &view.award.recipient_name, ext);
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            (header::ETAG, etag),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

pub async fn award_png(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    baked(&state, &headers, &id, false).await
}

pub async fn award_svg(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    baked(&state, &headers, &id, true).await
}

pub async fn badge_page(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(badge_id): Path<String>,
) -> Result<Response, AppError> {
    let badge = published(&state, &badge_id).await?;
    if wants_json(&headers) {
        return Ok(
            Redirect::to(&format!("/b/{}/v/{}", badge.id, badge.current_version)).into_response(),
        );
    }
    let (version, design) = current_version(&state, &badge).await?;
    let endorsements = endorsements::approved(&state, EndorsedKind::Badge, &badge.id).await?;
    let issuer = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    page(
        &state,
        visitor.locale,
        "public_badge.html",
        context! {
            user => visitor.user, csrf => visitor.csrf, badge => badge, design => design, issuer => issuer,
            page_url => urls.badge_page(&badge.id), issuer_url => urls.issuer_page(&issuer.slug),
            image_url => urls.badge_image(&badge.id, version.version, "png"),
            endorsements => endorsements,
        },
    )
}

pub async fn achievement(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((badge_id, version_no)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let badge = published(&state, &badge_id).await?;
    if !wants_json(&headers) {
        return Ok(Redirect::to(&format!("/b/{}", badge.id)).into_response());
    }
    let (version, design, issuer) = published_version(&state, &badge, version_no).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let profile = issuing::profile(&state, &issuer)?;
    let mut achievement = design.achievement(
        &urls.achievement(&badge.id, version.version),
        &urls.badge_image(&badge.id, version.version, "png"),
        &profile,
    );
    let given = endorsements::approved_credentials(&state, EndorsedKind::Badge, &badge.id).await?;
    if let Value::Object(map) = &mut achievement {
        if !given.is_empty() {
            map.insert("endorsement".into(), Value::Array(given));
        }
        let mut with_context = serde_json::Map::new();
        with_context.insert("@context".into(), serde_json::json!(issuing::OB3_CONTEXTS));
        with_context.extend(std::mem::take(map));
        *map = with_context;
    }
    Ok(json_response(
        achievement.to_string(),
        "application/ld+json",
        "public, max-age=3600",
    ))
}

pub async fn badge_image(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path((badge_id, version_no, file)): Path<(String, i64, String)>,
) -> Result<Response, AppError> {
    let badge = badges::by_id(&state.store, &badge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A draft's image is for the members of its organisation until it is
    // published (and then never cached by anyone else on the way).
    let draft = badge.state == BadgeState::Draft;
    if draft {
        let member = match &visitor.user {
            Some(user) => orgs::role(&state.store, &badge.org_id, &user.id)
                .await?
                .is_some(),
            None => false,
        };
        if !member {
            return Err(AppError::NotFound);
        }
    }
    let version = badges::version(&state.store, &badge_id, version_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let etag = format!("\"{badge_id}-{version_no}-{file}\"");
    if etag_matches(&headers, &etag) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let (mime, bytes) = match file.as_str() {
        "image.png" => ("image/png", version.image_png.ok_or(AppError::NotFound)?),
        "image.svg" => (
            "image/svg+xml",
            version
                .image_svg
                .map(String::into_bytes)
                .ok_or(AppError::NotFound)?,
        ),
        _ => return Err(AppError::NotFound),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            // A version's image never changes.
            (
                header::CACHE_CONTROL,
                if draft {
                    "private, no-store".to_owned()
                } else {
                    "public, max-age=31536000, immutable".to_owned()
                },
            ),
            (header::ETAG, etag),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn issuer_page(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let issuer = issuers::by_slug(&state.store, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if wants_json(&headers) {
        let mut profile = issuing::profile(&state, &issuer)?;
        let given =
            endorsements::approved_credentials(&state, EndorsedKind::Issuer, &issuer.id).await?;
        if let Value::Object(map) = &mut profile {
            if !given.is_empty() {
                map.insert("endorsement".into(), Value::Array(given));
            }
            let mut with_context = serde_json::Map::new();
            with_context.insert("@context".into(), serde_json::json!(issuing::OB3_CONTEXTS));
            with_context.extend(std::mem::take(map));
            *map = with_context;
        }
        return Ok(json_response(
            profile.to_string(),
            "application/ld+json",
            "public, max-age=300",
        ));
    }
    let list = badges::list_public(&state.store, &issuer.id).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    let did = urls.issuer_did(&issuer.slug)?;
    let endorsements = endorsements::approved(&state, EndorsedKind::Issuer, &issuer.id).await?;
    page(
        &state,
        visitor.locale,
        "public_issuer.html",
        context! {
            user => visitor.user, csrf => visitor.csrf, issuer => issuer, badges => list, did => did,
            page_url => urls.issuer_page(&issuer.slug),
            endorsements => endorsements,
        },
    )
}

pub async fn did_document(
    State(state): State<Shared>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let issuer = issuers::by_slug(&state.store, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let keys = issuers::keys(&state.store, &issuer.id).await?;
    let doc = issuing::did_document(&state, &issuer, &keys)?;
    Ok(json_response(
        doc.to_string(),
        "application/did+json",
        "public, max-age=300",
    ))
}

pub async fn status_list(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((slug, purpose)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let list = status::current(&state, &slug, &purpose).await?;
    let etag = format!("\"{}-{purpose}-{}\"", list.issuer_id, list.revision);
    if etag_matches(&headers, &etag) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut response = json_response(list.credential, "application/vc+ld+json", "no-cache");
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

pub async fn issuer_logo(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let issuer = issuers::by_slug(&state.store, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let logo = issuer.logo_png.ok_or(AppError::NotFound)?;
    let etag = format!("\"{}-logo-{}\"", issuer.id, issuer.updated_at);
    if etag_matches(&headers, &etag) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
            (header::ETAG, etag),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        logo,
    )
        .into_response())
}

/// The "is this badge yours?" form's double-submit token cookie (the public
/// award page itself is cached for everyone, so the token lives here).
const MINE_COOKIE: &str = "insignia_mine";

#[derive(serde::Deserialize)]
pub struct MineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

fn mine_token(jar: &CookieJar) -> String {
    jar.get(MINE_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 20 && v.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| insignia_store::token::random_id(24))
}

fn mine_token_ok(jar: &CookieJar, posted: &str) -> bool {
    jar.get(MINE_COOKIE).is_some_and(|c| {
        let c = c.value();
        !c.is_empty()
            && c.len() == posted.len()
            && c.bytes()
                .zip(posted.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0
    })
}

async fn render_mine(
    state: &Shared,
    visitor: &Visitor,
    jar: CookieJar,
    award_id: &str,
    email: &str,
    answer: Option<Ownership>,
) -> Result<Response, AppError> {
    let view = load_award(state, award_id).await?;
    let token = mine_token(&jar);
    let cookie = Cookie::build((MINE_COOKIE, token.clone()))
        .path("/a")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(2))
        .build();
    let recipient_name = serde_json::from_str::<Value>(&view.award.credential)
        .ok()
        .and_then(|c| {
            c.pointer("/credentialSubject/name")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| view.award.recipient_name.clone());
    let html = state.pages.render(
        "public_mine.html",
        visitor.locale,
        context! {
            user => visitor.user, csrf => visitor.csrf, form_token => token, award => view.award,
            design => view.design, issuer => view.issuer, recipient_name => recipient_name,
            email => email, answer => answer.map(Ownership::code),
        },
    )?;
    let status = match answer {
        Some(Ownership::NotAnEmail) => StatusCode::UNPROCESSABLE_ENTITY,
        Some(Ownership::TooMany) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::OK,
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        jar.add(cookie),
        axum::response::Html(html),
    )
        .into_response())
}

/// `GET /a/{award}/mine`: the form.
pub async fn mine_page(
    State(state): State<Shared>,
    visitor: Visitor,
    jar: CookieJar,
    Path(award_id): Path<String>,
) -> Result<Response, AppError> {
    render_mine(&state, &visitor, jar, &award_id, "", None).await
}

/// `POST /a/{award}/mine`: match or no match.
pub async fn mine_check(
    State(state): State<Shared>,
    visitor: Visitor,
    client: ClientIp,
    jar: CookieJar,
    Path(award_id): Path<String>,
    axum::Form(form): axum::Form<MineForm>,
) -> Result<Response, AppError> {
    if !mine_token_ok(&jar, &form.csrf) {
        return Err(AppError::Forbidden);
    }
    let answer = ownership::check(&state, &client, &award_id, &form.email).await?;
    render_mine(
        &state,
        &visitor,
        jar,
        &award_id,
        form.email.trim(),
        Some(answer),
    )
    .await
}
