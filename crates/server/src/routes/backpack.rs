//! The earner's side: the backpack (`/backpack…`, signed in), the shared
//! pages of badges and collections (`/s/{id}`, `/c/{id}`), public profiles
//! (`/u/{handle}`) and the share-counting redirect (`/share/…`). Handlers
//! parse, call `service::backpack` and render; a private item or collection
//! of someone else is "not found".

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use insignia_store::StoreError;
use insignia_store::model::User;
use insignia_store::repo::backpack::{self as repo, Added, Item, VISIBILITIES};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::{Member, SESSION_COOKIE, Visitor};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::backpack::{self as service, Filter, Imported, Upload};
use crate::state::Shared;

/// Longest evidence narrative, link, collection description and headline.
const MAX_NARRATIVE: usize = 5000;
const MAX_URL: usize = 2000;
const MAX_DESCRIPTION: usize = 2000;
const MAX_HEADLINE: usize = 140;
const MAX_NAME: usize = 120;

fn text(state: &Shared, l: Locale, key: &str) -> String {
    state.catalog.text(l, key, &[])
}

fn bad(state: &Shared, l: Locale, key: &str) -> AppError {
    AppError::BadRequest(text(state, l, key))
}

fn base(state: &Shared) -> &str {
    &state.config.base_url
}

fn item_page_url(state: &Shared, id: &str) -> String {
    format!("{}/s/{id}", base(state))
}

fn item_image_url(state: &Shared, item: &Item) -> Option<String> {
    item.has_image
        .then(|| format!("{}/s/{}/image.png", base(state), item.id))
}

/// What the templates show of an item.
fn item_value(state: &Shared, l: Locale, item: &Item) -> Value {
    context! {
        id => item.id, name => item.name, description => item.description,
        issuer_name => item.issuer_name, issuer_url => item.issuer_url,
        tags => item.tags.lines().collect::<Vec<_>>(), issued_at => item.issued_at,
        expires_at => item.expires_at, status => item.status,
        status_text => text(state, l, &format!("backpack-status-{}", item.status)),
        visibility => item.visibility,
        visibility_text => text(state, l, &format!("backpack-visibility-{}", item.visibility)),
        checked_at => item.checked_at, source => item.source, source_url => item.source_url,
        award_id => item.award_id, payload_kind => item.payload_kind, has_baked => item.has_baked,
        image_url => item_image_url(state, item), page_url => item_page_url(state, &item.id),
        created_at => item.created_at,
    }
}

/// The checks of a stored report, in the visitor's language.
fn report_lines(state: &Shared, l: Locale, report: &str) -> Vec<Value> {
    let report: serde_json::Value = serde_json::from_str(report).unwrap_or_default();
    report
        .get("checks")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .map(|c| {
            let kind = c.get("check").and_then(|v| v.as_str()).unwrap_or("");
            let outcome = c.get("outcome").and_then(|v| v.as_str()).unwrap_or("");
            context! {
                label => text(state, l, &format!("check-{}", kind.replace('_', "-"))),
                outcome => outcome,
                outcome_label => text(state, l, &format!("check-outcome-{}", outcome.replace('_', "-"))),
                detail => c.get("message").and_then(|v| v.as_str()).unwrap_or(""),
            }
        })
        .collect()
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    response
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    added: usize,
    #[serde(default)]
    already: usize,
    #[serde(default)]
    refused: usize,
}

/// Distinct values with their counts, most frequent first.
fn facet<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Value> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for v in values.filter(|v| !v.is_empty()) {
        *counts.entry(v).or_default() += 1;
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.into_iter()
        .map(|(value, n)| context! { value => value, n => n })
        .collect()
}

pub async fn list(
    State(state): State<Shared>,
    member: Member,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let l = member.locale;
    service::sync_awards(&state, &member.user).await?;
    let mut items = repo::items(&state.store, &member.user.id).await?;
    service::refresh_stale(&state, &mut items).await?;
    let filter = Filter {
        q: query.q.clone(),
        issuer: query.issuer.clone(),
        status: query.status.clone(),
        tag: query.tag.clone(),
    };
    let issuers = facet(items.iter().map(|i| i.issuer_name.as_str()));
    let tags = facet(items.iter().flat_map(|i| i.tags.lines()));
    let total = items.len();
    let shown: Vec<Value> = items
        .iter()
        .filter(|i| filter.keeps(i))
        .map(|i| item_value(&state, l, i))
        .collect();
    let view = match query.view.as_str() {
        "list" | "timeline" => query.view.as_str(),
        _ => "grid",
    };
    let statuses: Vec<Value> = ["valid", "expired", "revoked", "invalid", "unchecked"]
        .iter()
        .map(|s| context! { value => s, label => text(&state, l, &format!("backpack-status-{s}")) })
        .collect();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let views: Vec<Value> = ["grid", "list", "timeline"]
        .iter()
        .map(|v| {
            context! {
                value => v, label => text(&state, l, &format!("backpack-view-{v}")),
                href => format!("/backpack?view={v}&q={}&issuer={}&status={}&tag={}",
                    enc(&query.q), enc(&query.issuer), enc(&query.status), enc(&query.tag)),
            }
        })
        .collect();
    let profile = repo::profile(&state.store, &member.user.id).await?;
    Ok(no_store(page(
        &state,
        l,
        "backpack.html",
        context! {
            user => member.user, csrf => member.csrf, side => "backpack", section => "badges", items => shown, total => total, view => view,
            q => query.q, issuer => query.issuer, status => query.status, tag => query.tag,
            issuers => issuers, tags => tags, statuses => statuses, views => views, notice => query.notice,
            added => query.added, already => query.already, refused => query.refused,
            profile => profile, filtered => !(query.q.is_empty() && query.issuer.is_empty() && query.status.is_empty() && query.tag.is_empty()),
        },
    )?))
}

/// The multipart fields of a form, bounded.
async fn fields(
    state: &Shared,
    l: Locale,
    multipart: &mut Multipart,
) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let mut out = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(bad(state, l, "upload-error-too-large")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|_| bad(state, l, "upload-error-too-large"))?;
        if bytes.len() > service::MAX_IMPORT_BYTES {
            return Err(bad(state, l, "backpack-refused-too-large"));
        }
        out.push((name, bytes.to_vec()));
    }
    Ok(out)
}

fn field_text(fields: &[(String, Vec<u8>)], name: &str) -> String {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_owned())
        .unwrap_or_default()
}

pub async fn import(
    State(state): State<Shared>,
    member: Member,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = member.locale;
    let fields = fields(&state, l, &mut multipart).await?;
    member.check_csrf(&field_text(&fields, "csrf"))?;
    let file = fields
        .iter()
        .find(|(n, v)| n == "file" && !v.is_empty())
        .map(|(_, v)| v.clone());
    let url = field_text(&fields, "url");
    let upload = match (file, url.is_empty()) {
        (Some(file), _) => Upload::File(file),
        (None, false) => Upload::Url(url),
        (None, true) => return Err(bad(&state, l, "backpack-import-empty")),
    };
    match service::import(&state, &member.user, upload).await? {
        Ok(Imported::One(Added::New(id))) => {
            Ok(see_other(&format!("/backpack/items/{id}?notice=added")))
        }
        Ok(Imported::One(Added::Already(id))) => {
            Ok(see_other(&format!("/backpack/items/{id}?notice=already")))
        }
        Ok(Imported::Many {
            added,
            already,
            refused,
        }) => Ok(see_other(&format!(
            "/backpack?notice=imported&added={added}&already={already}&refused={refused}"
        ))),
        Err(refused) => {
            let mut message = text(&state, l, refused.key());
            if let Some(detail) = refused.detail() {
                message = format!("{message} ({detail})");
            }
            Err(AppError::BadRequest(message))
        }
    }
}

async fn owned(state: &Shared, user: &User, id: &str) -> Result<Item, AppError> {
    repo::owned_item(&state.store, &user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Share links, counts and the embed snippet of a page.
/// A page to share: an item or a collection.
struct Shareable<'a> {
    kind: &'a str,
    id: &'a str,
    page_url: &'a str,
    title: &'a str,
    image_url: Option<&'a str>,
    /// Who stands behind it (the issuer, or the collection's owner).
    by: &'a str,
}

/// A backpack item's public page, image and share links (its own page and
/// the public one show the same).
async fn item_sharing(
    state: &Shared,
    l: Locale,
    item: &Item,
) -> Result<(String, Option<String>, Value), AppError> {
    let page_url = item_page_url(state, &item.id);
    let image = item_image_url(state, item);
    let share = sharing(
        state,
        l,
        Shareable {
            kind: "item",
            id: &item.id,
            page_url: &page_url,
            title: &item.name,
            image_url: image.as_deref(),
            by: &item.issuer_name,
        },
    )
    .await?;
    Ok((page_url, image, share))
}

async fn sharing(state: &Shared, l: Locale, target: Shareable<'_>) -> Result<Value, AppError> {
    let Shareable {
        kind,
        id,
        page_url,
        title,
        image_url,
        by: issuer,
    } = target;
    let channels: Vec<Value> = service::CHANNELS
        .iter()
        .filter(|c| kind == "item" || **c != "linkedin-add")
        .map(|c| {
            context! {
                channel => c, label => text(state, l, &format!("share-{c}")),
                href => format!("/share/{kind}/{id}/{c}"),
            }
        })
        .collect();
    let counts: Vec<Value> = repo::share_counts(&state.store, &format!("{kind}:{id}"))
        .await?
        .into_iter()
        .map(|(channel, n)| context! { label => text(state, l, &format!("share-{channel}")), n => n })
        .collect();
    let embed = state.pages.render(
        "backpack_embed.html",
        l,
        context! { page_url => page_url, title => title, image_url => image_url, issuer => issuer },
    )?;
    // The template escapes `/` as `&#x2f;` (valid, but unreadable in a snippet
    // people copy); a `/` typed by anyone is never written that way (its `&`
    // would be `&amp;`), so turning it back is exact.
    let embed = embed.trim().replace("&#x2f;", "/");
    Ok(context! {
        channels => channels, counts => counts, embed => embed, page_url => page_url,
        print_url => (kind == "item").then(|| format!("{page_url}/print")),
    })
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

pub async fn item_page(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let l = member.locale;
    let mut item = owned(&state, &member.user, &id).await?;
    service::refresh_stale(&state, std::slice::from_mut(&mut item)).await?;
    let evidence = repo::evidence(&state.store, &item.id).await?;
    let (_, _, share) = item_sharing(&state, l, &item).await?;
    let visibilities: Vec<Value> = VISIBILITIES
        .iter()
        .map(|v| context! { value => v, label => text(&state, l, &format!("backpack-visibility-{v}")), hint => text(&state, l, &format!("backpack-visibility-{v}-hint")) })
        .collect();
    Ok(no_store(page(
        &state,
        l,
        "backpack_item.html",
        context! {
            user => member.user, csrf => member.csrf, side => "backpack", section => "badges", item => item_value(&state, l, &item),
            checks => report_lines(&state, l, &item.report), evidence => evidence, share => share,
            visibilities => visibilities, notice => query.notice,
        },
    )?))
}

#[derive(Deserialize)]
pub struct VisibilityForm {
    csrf: String,
    visibility: String,
}

pub async fn set_visibility(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Form(form): Form<VisibilityForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if !VISIBILITIES.contains(&form.visibility.as_str()) {
        return Err(bad(&state, member.locale, "backpack-error-visibility"));
    }
    if !repo::set_visibility(&state.store, &member.user.id, &id, &form.visibility).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/backpack/items/{id}?notice=saved")))
}

#[derive(Deserialize)]
pub struct EvidenceForm {
    csrf: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    url: String,
}

pub async fn add_evidence(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Form(form): Form<EvidenceForm>,
) -> Result<Response, AppError> {
    let l = member.locale;
    member.check_csrf(&form.csrf)?;
    let narrative = form.narrative.trim();
    let link = form.url.trim();
    if narrative.is_empty() && link.is_empty() {
        return Err(bad(&state, l, "backpack-evidence-empty"));
    }
    if narrative.chars().count() > MAX_NARRATIVE {
        return Err(bad(&state, l, "backpack-evidence-too-long"));
    }
    let link = if link.is_empty() {
        None
    } else {
        let ok = link.len() <= MAX_URL
            && url::Url::parse(link)
                .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
        if !ok {
            return Err(bad(&state, l, "backpack-evidence-bad-url"));
        }
        Some(link)
    };
    if !repo::add_evidence(&state.store, &member.user.id, &id, narrative, link).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/backpack/items/{id}?notice=evidence")))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn delete_evidence(
    State(state): State<Shared>,
    member: Member,
    Path((id, evidence_id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if !repo::delete_evidence(&state.store, &member.user.id, &id, &evidence_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/backpack/items/{id}")))
}

pub async fn delete_item(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if !repo::delete(&state.store, &member.user.id, &id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/backpack?notice=deleted"))
}

fn download(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

pub async fn export_credential(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = owned(&state, &member.user, &id).await?;
    Ok(if item.payload_kind == "jwt" {
        download(
            "application/vc+jwt",
            format!("{id}.jwt"),
            item.payload.into_bytes(),
        )
    } else {
        download(
            "application/ld+json",
            format!("{id}.json"),
            item.payload.into_bytes(),
        )
    })
}

pub async fn export_baked(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = owned(&state, &member.user, &id).await?;
    match repo::baked(&state.store, &item.id).await? {
        Some(png) => Ok(download("image/png", format!("{id}.png"), png)),
        // One of ours, never uploaded as an image: baked on request there.
        None => match &item.award_id {
            Some(award) => Ok(Redirect::to(&format!("/a/{award}/badge.png")).into_response()),
            None => Err(AppError::NotFound),
        },
    }
}

pub async fn export_all(State(state): State<Shared>, member: Member) -> Result<Response, AppError> {
    service::sync_awards(&state, &member.user).await?;
    let zip = service::export_zip(&state, &member.user).await?;
    Ok(download("application/zip", "backpack.zip".into(), zip))
}

pub async fn collections_page(
    State(state): State<Shared>,
    member: Member,
) -> Result<Response, AppError> {
    let l = member.locale;
    let mut list = Vec::new();
    for c in repo::collections(&state.store, &member.user.id).await? {
        let n = repo::collection_items(&state.store, &c.id).await?.len();
        list.push(context! {
            id => c.id, name => c.name, description => c.description, n => n,
            visibility => c.visibility, visibility_text => text(&state, l, &format!("backpack-visibility-{}", c.visibility)),
        });
    }
    Ok(no_store(page(
        &state,
        l,
        "backpack_collections.html",
        context! { user => member.user, csrf => member.csrf, side => "backpack", section => "collections", collections => list },
    )?))
}

#[derive(Deserialize)]
pub struct NewCollectionForm {
    csrf: String,
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn create_collection(
    State(state): State<Shared>,
    member: Member,
    Form(form): Form<NewCollectionForm>,
) -> Result<Response, AppError> {
    let l = member.locale;
    member.check_csrf(&form.csrf)?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(bad(&state, l, "backpack-collection-name-error"));
    }
    if form.description.chars().count() > MAX_DESCRIPTION {
        return Err(bad(&state, l, "backpack-collection-description-error"));
    }
    let id = repo::create_collection(&state.store, &member.user.id, name, form.description.trim())
        .await?;
    Ok(see_other(&format!("/backpack/collections/{id}")))
}

pub async fn collection_page(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let l = member.locale;
    let collection = repo::collection(&state.store, &id)
        .await?
        .filter(|c| c.user_id == member.user.id)
        .ok_or(AppError::NotFound)?;
    let members = repo::collection_items(&state.store, &id).await?;
    let all = repo::items(&state.store, &member.user.id).await?;
    // Members first, in their order; then the rest of the backpack.
    let mut rows: Vec<Value> = Vec::new();
    for (n, item) in members.iter().enumerate() {
        rows.push(
            context! { item => item_value(&state, l, item), member => true, position => n + 1 },
        );
    }
    for item in all.iter().filter(|i| !members.iter().any(|m| m.id == i.id)) {
        rows.push(
            context! { item => item_value(&state, l, item), member => false, position => "" },
        );
    }
    let page_url = format!("{}/c/{}", base(&state), collection.id);
    let share = sharing(
        &state,
        l,
        Shareable {
            kind: "collection",
            id: &collection.id,
            page_url: &page_url,
            title: &collection.name,
            image_url: None,
            by: &member.user.name,
        },
    )
    .await?;
    let visibilities: Vec<Value> = VISIBILITIES
        .iter()
        .map(|v| context! { value => v, label => text(&state, l, &format!("backpack-visibility-{v}")), hint => text(&state, l, &format!("backpack-visibility-{v}-hint")) })
        .collect();
    Ok(no_store(page(
        &state,
        l,
        "backpack_collection.html",
        context! {
            user => member.user, csrf => member.csrf, side => "backpack", section => "collections", collection => collection, rows => rows,
            visibilities => visibilities, share => share, notice => query.notice,
        },
    )?))
}

/// Saves a collection: name, description, visibility and its items (the
/// ticked `item` boxes, ordered by their `pos-{id}` numbers).
pub async fn save_collection(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let l = member.locale;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    member.check_csrf(&get("csrf"))?;
    let name = get("name");
    let description = get("description");
    let visibility = get("visibility");
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(bad(&state, l, "backpack-collection-name-error"));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(bad(&state, l, "backpack-collection-description-error"));
    }
    if !VISIBILITIES.contains(&visibility.as_str()) {
        return Err(bad(&state, l, "backpack-error-visibility"));
    }
    let mut chosen: Vec<(i64, usize, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "item")
        .enumerate()
        .map(|(n, (_, item))| {
            let position = get(&format!("pos-{item}"))
                .parse::<i64>()
                .unwrap_or(i64::MAX);
            (position, n, item.clone())
        })
        .collect();
    chosen.sort();
    let ids: Vec<String> = chosen.into_iter().map(|(_, _, id)| id).take(500).collect();
    if !repo::update_collection(
        &state.store,
        &member.user.id,
        &id,
        &name,
        &description,
        &visibility,
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    repo::set_collection_items(&state.store, &member.user.id, &id, &ids).await?;
    Ok(see_other(&format!(
        "/backpack/collections/{id}?notice=saved"
    )))
}

pub async fn delete_collection(
    State(state): State<Shared>,
    member: Member,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if !repo::delete_collection(&state.store, &member.user.id, &id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/backpack/collections"))
}

pub async fn profile_page(
    State(state): State<Shared>,
    member: Member,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let l = member.locale;
    let profile = repo::profile(&state.store, &member.user.id).await?;
    // The e-mail signature: a strip of the public badges (those with an
    // image, eight at most) linking to the profile, in plain HTML.
    let signature = match &profile {
        Some(p) => {
            let badges: Vec<Value> = repo::public_items(&state.store, &member.user.id)
                .await?
                .iter()
                .filter_map(|i| {
                    item_image_url(&state, i).map(|image| {
                        context! { name => i.name, image_url => image, page_url => item_page_url(&state, &i.id) }
                    })
                })
                .take(8)
                .collect();
            let html = state.pages.render(
                "backpack_signature.html",
                l,
                context! {
                    badges => badges, profile_url => format!("{}/u/{}", base(&state), p.handle),
                    label => text(&state, l, "profile-signature-link"),
                },
            )?;
            // As for the embed snippet: `&#x2f;` is only ever an escaped `/`.
            Some(html.trim().replace("&#x2f;", "/"))
        }
        None => None,
    };
    Ok(no_store(page(
        &state,
        member.locale,
        "backpack_profile.html",
        context! {
            user => member.user, csrf => member.csrf, side => "backpack", section => "profile", profile => profile, notice => query.notice, signature => signature,
            base_url => base(&state),
        },
    )?))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    csrf: String,
    handle: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    headline: String,
}

pub async fn save_profile(
    State(state): State<Shared>,
    member: Member,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let l = member.locale;
    member.check_csrf(&form.csrf)?;
    let handle = form.handle.trim().to_lowercase();
    if !service::handle_ok(&handle) {
        return Err(bad(&state, l, "profile-error-handle"));
    }
    if form.headline.chars().count() > MAX_HEADLINE || form.display_name.chars().count() > MAX_NAME
    {
        return Err(bad(&state, l, "profile-error-too-long"));
    }
    match repo::save_profile(
        &state.store,
        &member.user.id,
        &handle,
        form.display_name.trim(),
        form.headline.trim(),
    )
    .await
    {
        Ok(()) => Ok(see_other("/backpack/profile?notice=saved")),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(text(
            &state,
            l,
            "profile-error-handle-taken",
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn upload_photo(
    State(state): State<Shared>,
    member: Member,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let l = member.locale;
    let fields = fields(&state, l, &mut multipart).await?;
    member.check_csrf(&field_text(&fields, "csrf"))?;
    if field_text(&fields, "remove") == "1" {
        repo::set_photo(&state.store, &member.user.id, None).await?;
        return Ok(see_other("/backpack/profile?notice=saved"));
    }
    let file = fields
        .into_iter()
        .find(|(n, v)| n == "photo" && !v.is_empty())
        .map(|(_, v)| v)
        .ok_or_else(|| bad(&state, l, "profile-error-photo"))?;
    // PNG only, through the upload checks (bounded, re-encoded).
    let checked = tokio::task::spawn_blocking(move || insignia_artwork::upload::check_png(&file))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::BadRequest(crate::web::upload_refusal(&state, l, &e)))?;
    if !repo::set_photo(&state.store, &member.user.id, Some(&checked.png)).await? {
        return Err(bad(&state, l, "profile-error-no-profile"));
    }
    Ok(see_other("/backpack/profile?notice=saved"))
}

pub async fn delete_account_page(
    State(state): State<Shared>,
    member: Member,
) -> Result<Response, AppError> {
    let blocked = insignia_store::repo::orgs::solely_owned(&state.store, &member.user.id).await?;
    page(
        &state,
        member.locale,
        "backpack_delete.html",
        context! { user => member.user, csrf => member.csrf, side => "backpack", section => "profile", blocked => blocked },
    )
}

#[derive(Deserialize)]
pub struct DeleteAccountForm {
    csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn delete_account(
    State(state): State<Shared>,
    member: Member,
    jar: CookieJar,
    Form(form): Form<DeleteAccountForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    if form.email.trim().to_lowercase() != member.user.email {
        return Err(bad(&state, member.locale, "account-delete-mismatch"));
    }
    if let service::Deletion::LastOwner(blocked) =
        service::delete_account(&state, &member.user).await?
    {
        let mut response = page(
            &state,
            member.locale,
            "backpack_delete.html",
            context! { user => member.user, csrf => member.csrf, side => "backpack", section => "profile", blocked => blocked },
        )?;
        *response.status_mut() = axum::http::StatusCode::CONFLICT;
        return Ok(response);
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, see_other("/?deleted=1")).into_response())
}

/// Open Graph / Twitter card facts of a public page.
fn meta(title: &str, description: &str, url: &str, image: Option<&str>) -> Value {
    context! { title => title, description => description, url => url, image => image }
}

/// Link-preview tags naming the page's 1200×627 share image
/// (`service::share_images`), with the image's size and text alternative.
fn meta_with_card(state: &Shared, l: Locale, title: &str, description: &str, url: &str) -> Value {
    let alt = state
        .catalog
        .text(l, "share-image-alt", &[("title", title.to_owned().into())]);
    context! {
        title => title, description => description, url => url,
        image => format!("{url}/share.png"), card => true, image_alt => alt,
        image_width => insignia_artwork::SHARE_WIDTH, image_height => insignia_artwork::SHARE_HEIGHT,
    }
}

pub async fn shared_item(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    shared_item_render(state, visitor, id, "shared_item.html").await
}

pub async fn shared_item_print(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    shared_item_render(state, visitor, id, "shared_print.html").await
}

async fn shared_item_render(
    state: Shared,
    visitor: Visitor,
    id: String,
    template: &str,
) -> Result<Response, AppError> {
    let l = visitor.locale;
    let mut item = service::visible_item(&state, visitor.user.as_ref(), &id).await?;
    service::refresh_stale(&state, std::slice::from_mut(&mut item)).await?;
    let evidence = repo::evidence(&state.store, &item.id).await?;
    let owner = repo::profile(&state.store, &item.user_id).await?;
    let (page_url, _, share) = item_sharing(&state, l, &item).await?;
    let is_owner = visitor.user.as_ref().is_some_and(|u| u.id == item.user_id);
    let award_url = item
        .award_id
        .as_ref()
        .map(|a| format!("{}/a/{a}", base(&state)));
    let description = format!("{} · {}", item.name, item.issuer_name);
    let response = page(
        &state,
        l,
        template,
        context! {
            user => visitor.user, csrf => visitor.csrf, item => item_value(&state, l, &item),
            checks => report_lines(&state, l, &item.report), evidence => evidence,
            owner => owner.filter(|_| item.visibility == "public" || is_owner), share => share,
            is_owner => is_owner, award_url => award_url,
            meta => meta_with_card(&state, l, &item.name, &description, &page_url),
        },
    )?;
    // Unlisted pages are not for search engines.
    let mut response = no_store(response);
    if item.visibility != "public" {
        response
            .headers_mut()
            .insert("x-robots-tag", header::HeaderValue::from_static("noindex"));
    }
    Ok(response)
}

pub async fn shared_item_image(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = service::visible_item(&state, visitor.user.as_ref(), &id).await?;
    let png = repo::image(&state.store, &item.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let cache = if item.visibility == "private" {
        "private, no-store"
    } else {
        "public, max-age=300"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, cache),
        ],
        png,
    )
        .into_response())
}

pub async fn shared_collection(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let l = visitor.locale;
    let (collection, items) =
        service::visible_collection(&state, visitor.user.as_ref(), &id).await?;
    let owner = repo::profile(&state.store, &collection.user_id).await?;
    let page_url = format!("{}/c/{}", base(&state), collection.id);
    let image = items.iter().find_map(|i| item_image_url(&state, i));
    let share = sharing(
        &state,
        l,
        Shareable {
            kind: "collection",
            id: &collection.id,
            page_url: &page_url,
            title: &collection.name,
            image_url: image.as_deref(),
            by: owner.as_ref().map_or("", |p| p.display_name.as_str()),
        },
    )
    .await?;
    let is_owner = visitor
        .user
        .as_ref()
        .is_some_and(|u| u.id == collection.user_id);
    let shown: Vec<Value> = items.iter().map(|i| item_value(&state, l, i)).collect();
    let description = if collection.description.is_empty() {
        collection.name.clone()
    } else {
        collection.description.clone()
    };
    let mut response = no_store(page(
        &state,
        l,
        "shared_collection.html",
        context! {
            user => visitor.user, csrf => visitor.csrf, collection => collection, items => shown,
            owner => owner.filter(|_| collection.visibility == "public" || is_owner), share => share, is_owner => is_owner,
            meta => meta_with_card(&state, l, &collection.name, &description, &page_url),
        },
    )?);
    if collection.visibility != "public" {
        response
            .headers_mut()
            .insert("x-robots-tag", header::HeaderValue::from_static("noindex"));
    }
    Ok(response)
}

pub async fn profile_public(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    let l = visitor.locale;
    let profile = repo::profile_by_handle(&state.store, &handle)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = repo::public_items(&state.store, &profile.user_id).await?;
    let collections = repo::public_collections(&state.store, &profile.user_id).await?;
    let shown: Vec<Value> = items.iter().map(|i| item_value(&state, l, i)).collect();
    let page_url = format!("{}/u/{}", base(&state), profile.handle);
    let photo = profile
        .has_photo
        .then(|| format!("{}/u/{}/photo.png", base(&state), profile.handle));
    let title = if profile.display_name.is_empty() {
        profile.handle.clone()
    } else {
        profile.display_name.clone()
    };
    let is_owner = visitor
        .user
        .as_ref()
        .is_some_and(|u| u.id == profile.user_id);
    page(
        &state,
        l,
        "earner_profile.html",
        context! {
            user => visitor.user, csrf => visitor.csrf, profile => profile, items => shown,
            collections => collections, photo => photo, is_owner => is_owner, title => title,
            meta => meta(&title, &profile.headline, &page_url, photo.as_deref()),
        },
    )
}

pub async fn profile_photo(
    State(state): State<Shared>,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    let png = repo::photo(&state.store, &handle)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        png,
    )
        .into_response())
}

/// Counts a share, then sends the visitor on to the channel.
pub async fn share(
    State(state): State<Shared>,
    visitor: Visitor,
    Path((kind, id, channel)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let viewer = visitor.user.as_ref();
    let (page_url, title, item) = match kind.as_str() {
        "item" => {
            let item = service::visible_item(&state, viewer, &id).await?;
            (
                item_page_url(&state, &item.id),
                item.name.clone(),
                Some(item),
            )
        }
        "collection" => {
            let (c, _) = service::visible_collection(&state, viewer, &id).await?;
            (format!("{}/c/{}", base(&state), c.id), c.name, None)
        }
        _ => return Err(AppError::NotFound),
    };
    let to = service::share_destination(&state, &channel, &page_url, &title, item.as_ref())
        .await
        .ok_or(AppError::NotFound)?;
    let award = item.as_ref().and_then(|i| i.award_id.as_deref());
    repo::count_share(&state.store, &format!("{kind}:{id}"), &channel, award).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, to),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}
