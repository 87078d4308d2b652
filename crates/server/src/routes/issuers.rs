//! Issuer profiles: create, edit, rotate the signing key.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use insignia_store::StoreError;
use insignia_store::model::{Issuer, Role};
use insignia_store::repo::issuers::{self, IssuerFields};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::design::is_http_url;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::{self, Urls};
use crate::service::issuers::owned;
use crate::state::Shared;

#[derive(Deserialize, Default, serde::Serialize)]
pub struct IssuerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slug: String,
    name: String,
    url: String,
    email: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    linkedin_org_id: String,
}

fn problems(state: &Shared, locale: Locale, form: &IssuerForm, new: bool) -> Vec<String> {
    let mut out = Vec::new();
    let t = |k: &str| state.catalog.text(locale, k, &[]);
    if new {
        let slug = form.slug.trim();
        let ok = (3..=40).contains(&slug.len())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if !ok {
            out.push(t("issuer-error-slug"));
        }
    }
    if form.name.trim().is_empty() {
        out.push(t("issuer-error-name"));
    }
    if !is_http_url(&form.url) {
        out.push(t("issuer-error-url"));
    }
    if !crate::validate::email_ok(&form.email) {
        out.push(t("error-email"));
    }
    if !form.linkedin_org_id.trim().is_empty()
        && !form
            .linkedin_org_id
            .trim()
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        out.push(t("issuer-error-linkedin"));
    }
    out
}

fn fields(form: &IssuerForm) -> IssuerFields {
    IssuerFields {
        name: form.name.trim().to_owned(),
        url: form.url.trim().to_owned(),
        email: form.email.trim().to_owned(),
        description: form.description.trim().to_owned(),
        linkedin_org_id: form.linkedin_org_id.trim().to_owned(),
    }
}

pub async fn new_page(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    page(
        &state,
        member.locale,
        "issuer_form.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, issuer => IssuerForm::default(),
            is_new => true, errors => Vec::<String>::new(), did => "", keys => Vec::<()>::new(),
        },
    )
}

pub async fn create(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Form(form): Form<IssuerForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let mut errors = problems(&state, member.locale, &form, true);
    if errors.is_empty() {
        let slug = form.slug.trim();
        let key = issuing::new_issuer_key(&state, slug, 1)?;
        match issuers::create(&state.store, &org_id, slug, &fields(&form), &key).await {
            Ok(_) => return Ok(see_other(&format!("/orgs/{org_id}"))),
            Err(StoreError::Conflict(_)) => errors.push(state.catalog.text(
                member.locale,
                "issuer-error-slug-taken",
                &[],
            )),
            Err(e) => return Err(e.into()),
        }
    }
    let mut response = page(
        &state,
        member.locale,
        "issuer_form.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, issuer => form,
            is_new => true, errors => errors, did => "", keys => Vec::<()>::new(),
        },
    )?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

async fn render_edit(
    state: &Shared,
    member: &Member,
    org_id: &str,
    issuer: &Issuer,
    form: IssuerForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let keys = issuers::keys(&state.store, &issuer.id).await?;
    let key_list: Vec<minijinja::Value> = keys
        .iter()
        .map(|k| context! { no => k.key_no, algorithm => k.algorithm, created_at => k.created_at, retired_at => k.retired_at })
        .collect();
    let did = Urls {
        base: &state.config.base_url,
    }
    .issuer_did(&issuer.slug)?;
    page(
        state,
        member.locale,
        "issuer_form.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, issuer_id => issuer.id, slug => issuer.slug,
            has_logo => issuer.logo_png.is_some(), issuer => form, is_new => false, errors => errors, did => did, keys => key_list,
        },
    )
}

pub async fn edit_page(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, issuer_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    let issuer = owned(&state, &org_id, &issuer_id).await?;
    let form = IssuerForm {
        csrf: String::new(),
        slug: issuer.slug.clone(),
        name: issuer.name.clone(),
        url: issuer.url.clone(),
        email: issuer.email.clone(),
        description: issuer.description.clone(),
        linkedin_org_id: issuer.linkedin_org_id.clone(),
    };
    render_edit(&state, &member, &org_id, &issuer, form, Vec::new()).await
}

pub async fn update(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, issuer_id)): Path<(String, String)>,
    Form(form): Form<IssuerForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let issuer = owned(&state, &org_id, &issuer_id).await?;
    let errors = problems(&state, member.locale, &form, false);
    if errors.is_empty() {
        issuers::update(&state.store, &issuer.id, &fields(&form)).await?;
        return Ok(see_other(&format!("/orgs/{org_id}/issuers/{issuer_id}")));
    }
    let mut response = render_edit(&state, &member, &org_id, &issuer, form, errors).await?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn rotate_key(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, issuer_id)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let issuer = owned(&state, &org_id, &issuer_id).await?;
    let next = issuers::keys(&state.store, &issuer.id)
        .await?
        .iter()
        .map(|k| k.key_no)
        .max()
        .unwrap_or(0)
        + 1;
    let key = issuing::new_issuer_key(&state, &issuer.slug, next)?;
    issuers::rotate_key(&state.store, &issuer.id, next, &key)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(state.catalog.text(
                member.locale,
                "issuer-rotate-conflict",
                &[],
            )),
            other => other.into(),
        })?;
    // Re-sign the status lists with the new key.
    crate::service::status::publish_all(&state, &issuer).await?;
    Ok(see_other(&format!("/orgs/{org_id}/issuers/{issuer_id}")))
}

/// Uploads (or replaces) the issuer's logo: checked, resized and re-encoded
/// like badge images (`insignia_artwork::upload`).
pub async fn upload_logo(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, issuer_id)): Path<(String, String)>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let l = member.locale;
    let bad = |key: &str, detail: String| {
        let text = state.catalog.text(l, key, &[]);
        AppError::BadRequest(if detail.is_empty() {
            text
        } else {
            format!("{text} ({detail})")
        })
    };
    let mut csrf = String::new();
    let mut file = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad("upload-error-malformed", String::new()))?
    {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "logo" => {
                file = field
                    .bytes()
                    .await
                    .map_err(|_| bad("upload-error-too-large", String::new()))?
                    .to_vec();
            }
            _ => {}
        }
    }
    member.check_csrf(&csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let issuer = owned(&state, &org_id, &issuer_id).await?;
    if file.is_empty() {
        return Err(bad("design-error-image", String::new()));
    }
    let checked = tokio::task::spawn_blocking(move || insignia_artwork::upload::check(&file))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::BadRequest(crate::web::upload_refusal(&state, l, &e)))?;
    issuers::set_logo(&state.store, &issuer.id, Some(&checked.png)).await?;
    Ok(see_other(&format!("/orgs/{org_id}/issuers/{issuer_id}")))
}
