//! The badge designer: create, edit (versioned), archive, and the admin view
//! of a badge with its award form.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use insignia_store::StoreError;
use insignia_store::model::{Badge, Role};
use insignia_store::repo::{awards, badges, issuers};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::design::{ACHIEVEMENT_TYPES, Alignment, BadgeDefinition, Expiry};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::Urls;
use crate::service::badges::{owned, read_design};
use crate::state::Shared;
use crate::web::upload_refusal;
use insignia_artwork::upload::UploadError;
use insignia_artwork::{BadgeArtwork as Artwork, DesignError};

/// Largest badge image accepted.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

/// A submitted designer form: text fields and the optional image file.
#[derive(Debug, Default)]
pub struct DesignerForm {
    fields: HashMap<String, String>,
    image: Option<Vec<u8>>,
}

impl DesignerForm {
    async fn read(
        mut multipart: Multipart,
        locale: Locale,
        state: &Shared,
    ) -> Result<DesignerForm, AppError> {
        let mut form = DesignerForm::default();
        let bad = |key: &str| AppError::BadRequest(state.catalog.text(locale, key, &[]));
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| bad("upload-error-malformed"))?
        {
            let name = field.name().unwrap_or("").to_owned();
            if name == "image" {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| bad("upload-error-too-large"))?;
                if bytes.len() > MAX_IMAGE_BYTES {
                    return Err(bad("upload-error-too-large"));
                }
                if !bytes.is_empty() {
                    form.image = Some(bytes.to_vec());
                }
            } else {
                let text = field
                    .text()
                    .await
                    .map_err(|_| bad("upload-error-malformed"))?;
                if crate::validate::has_forbidden_control(&text)
                    || crate::validate::has_forbidden_control(&name)
                {
                    return Err(bad("error-control-characters"));
                }
                form.fields.insert(name, text);
            }
        }
        Ok(form)
    }

    fn get(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", |s| s.as_str())
    }

    fn number(&self, key: &str) -> Result<Option<f64>, ()> {
        let text = self.get(key).trim().replace(',', ".");
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<f64>().map(Some).map_err(|_| ())
    }

    /// The design the form describes, and the problems found reading it.
    fn design(&self) -> (BadgeDefinition, Vec<&'static str>) {
        let mut problems = Vec::new();
        let hours = self.number("hours").unwrap_or_else(|_| {
            problems.push("design-error-size");
            None
        });
        let credits = self.number("credits").unwrap_or_else(|_| {
            problems.push("design-error-size");
            None
        });
        let eqf_level = match self.get("eqf_level").trim() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push("design-error-eqf");
                    None
                }
            },
        };
        let alignments: Vec<Alignment> = self
            .get("alignments")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let mut parts = line.split('|').map(str::trim);
                Alignment {
                    name: parts.next().unwrap_or("").to_owned(),
                    url: parts.next().unwrap_or("").to_owned(),
                    code: parts.next().unwrap_or("").to_owned(),
                    framework: parts.next().unwrap_or("").to_owned(),
                }
            })
            .collect();
        let expiry = match self.get("expiry_kind") {
            "date" => Expiry::OnDate {
                date: self.get("expiry_date").trim().to_owned(),
            },
            "days" => Expiry::AfterDays {
                days: self.get("expiry_days").trim().parse().unwrap_or(0),
            },
            _ => Expiry::Never,
        };
        let membership_months = match self.get("membership_months").trim() {
            "" => None,
            m => match m.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push("design-error-membership");
                    None
                }
            },
        };
        let membership_notice_days = match self.get("membership_notice_days").trim() {
            "" => None,
            m => match m.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push("design-error-membership");
                    None
                }
            },
        };
        let design = BadgeDefinition {
            requestable: !self.get("requestable").is_empty(),
            membership_months,
            membership_notice_days,
            name: self.get("name").trim().to_owned(),
            description: self.get("description").trim().to_owned(),
            criteria: self.get("criteria").trim().to_owned(),
            achievement_type: self.get("achievement_type").trim().to_owned(),
            level: self.get("level").trim().to_owned(),
            hours,
            credits,
            field_of_study: self.get("field_of_study").trim().to_owned(),
            language: self.get("language").trim().to_owned(),
            tags: self
                .get("tags")
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            alignments,
            expiry,
            learning_outcomes: self.get("learning_outcomes").trim().to_owned(),
            eqf_level,
            assessment_type: self.get("assessment_type").trim().to_owned(),
            participation_mode: self.get("participation_mode").trim().to_owned(),
            prerequisites: self.get("prerequisites").trim().to_owned(),
            quality_assurance: self.get("quality_assurance").trim().to_owned(),
            artwork: None,
        };
        problems.extend(design.problems());
        problems.dedup();
        (design, problems)
    }
}

/// Values for the form's fields (what the template shows).
/// The in-app design the form describes (when "design in the app" is chosen).
fn artwork_of(form: &DesignerForm, fallback_title: &str) -> Result<Artwork, &'static str> {
    let colour = |key: &str, default: &str| {
        let v = form.get(key).trim();
        (if v.is_empty() { default } else { v }).parse::<insignia_artwork::Colour>()
    };
    let shape = insignia_artwork::Shape::ALL
        .into_iter()
        .find(|s| s.id() == form.get("art_shape"))
        .unwrap_or(insignia_artwork::Shape::Circle);
    let title = match form.get("art_title").trim() {
        "" => fallback_title
            .chars()
            .take(insignia_artwork::design::TITLE_MAX_CHARS)
            .collect(),
        t => t.to_owned(),
    };
    let artwork = Artwork {
        shape,
        background: colour("art_background", "#1e3a8a").map_err(|_| "art-error-colour")?,
        accent: colour("art_accent", "#f59e0b").map_err(|_| "art-error-colour")?,
        text: colour("art_text", "#ffffff").map_err(|_| "art-error-colour")?,
        icon: Some(form.get("art_icon").trim())
            .filter(|i| !i.is_empty())
            .map(insignia_artwork::IconId::new),
        title,
        band: Some(form.get("art_band").trim())
            .filter(|b| !b.is_empty())
            .map(str::to_owned),
    };
    artwork.validate().map_err(|e| match e {
        DesignError::Colour { .. } => "art-error-colour",
        DesignError::TitleEmpty => "art-error-title-empty",
        DesignError::TitleTooLong { .. } => "art-error-title-long",
        DesignError::BandTooLong { .. } => "art-error-band-long",
        DesignError::ControlCharacter { .. } => "art-error-control",
        DesignError::UnknownIcon { .. } => "art-error-icon",
        DesignError::Render(_) => "art-error-render",
    })?;
    Ok(artwork)
}

/// The images of a version: (PNG 512 px, SVG).
type Images = (Vec<u8>, Option<String>);

/// Draws an in-app design (off the async threads: rendering takes tens of ms).
async fn draw(artwork: Artwork) -> Result<Images, &'static str> {
    tokio::task::spawn_blocking(move || {
        let svg = insignia_artwork::design::render_svg(&artwork).map_err(|_| "art-error-render")?;
        let png =
            insignia_artwork::design::render_png(&artwork, 512).map_err(|_| "art-error-render")?;
        Ok((png, Some(svg)))
    })
    .await
    .unwrap_or(Err("art-error-render"))
}

/// Checks, cleans and resizes an uploaded PNG or SVG.
async fn checked_upload(bytes: Vec<u8>) -> Result<Images, UploadError> {
    tokio::task::spawn_blocking(move || {
        insignia_artwork::upload::check(&bytes).map(|c| (c.png, c.svg.map(|s| s.svg)))
    })
    .await
    .unwrap_or_else(|e| Err(UploadError::Convert(e.to_string())))
}

/// The images for a submitted form: drawn, uploaded, or (editing) kept.
/// Errors are translated messages.
async fn images_for(
    state: &Shared,
    locale: Locale,
    form: &DesignerForm,
    design: &mut BadgeDefinition,
    keep: Option<Images>,
) -> Result<Option<Images>, Vec<String>> {
    let t = |k: &str| state.catalog.text(locale, k, &[]);
    if form.get("image_mode") == "upload" {
        design.artwork = None;
        return match &form.image {
            Some(bytes) => checked_upload(bytes.clone())
                .await
                .map(Some)
                .map_err(|e| vec![upload_refusal(state, locale, &e)]),
            None if keep.is_some() => Ok(keep),
            None => Err(vec![t("design-error-image")]),
        };
    }
    let artwork = artwork_of(form, &design.name).map_err(|k| vec![t(k)])?;
    design.artwork = Some(artwork.clone());
    draw(artwork).await.map(Some).map_err(|k| vec![t(k)])
}

fn form_values(design: &BadgeDefinition) -> minijinja::Value {
    let (expiry_kind, expiry_date, expiry_days) = match &design.expiry {
        Expiry::Never => ("never", String::new(), String::new()),
        Expiry::OnDate { date } => ("date", date.clone(), String::new()),
        Expiry::AfterDays { days } => ("days", String::new(), days.to_string()),
    };
    let alignments: Vec<String> = design
        .alignments
        .iter()
        .map(|a| format!("{} | {} | {} | {}", a.name, a.url, a.code, a.framework))
        .collect();
    context! {
        name => design.name, description => design.description, criteria => design.criteria,
        achievement_type => design.achievement_type, level => design.level,
        hours => design.hours.map(|h| h.to_string()).unwrap_or_default(),
        credits => design.credits.map(|c| c.to_string()).unwrap_or_default(),
        field_of_study => design.field_of_study, language => design.language,
        tags => design.tags.join(", "), alignments => alignments.join("\n"),
        expiry_kind => expiry_kind, expiry_date => expiry_date, expiry_days => expiry_days,
        requestable => design.requestable,
        membership_months => design.membership_months.map(|m| m.to_string()).unwrap_or_default(),
        membership_notice_days => design.membership_notice_days.map(|m| m.to_string()).unwrap_or_default(),
        learning_outcomes => design.learning_outcomes,
        eqf_level => design.eqf_level.map(|l| l.to_string()).unwrap_or_default(),
        assessment_type => design.assessment_type, participation_mode => design.participation_mode,
        prerequisites => design.prerequisites, quality_assurance => design.quality_assurance,
        image_mode => if design.artwork.is_some() || design.name.is_empty() { "design" } else { "upload" },
        art_shape => design.artwork.as_ref().map_or("circle", |a| a.shape.id()),
        art_background => design.artwork.as_ref().map_or("#1e3a8a".to_owned(), |a| a.background.to_string()),
        art_accent => design.artwork.as_ref().map_or("#f59e0b".to_owned(), |a| a.accent.to_string()),
        art_text => design.artwork.as_ref().map_or("#ffffff".to_owned(), |a| a.text.to_string()),
        art_icon => design.artwork.as_ref().and_then(|a| a.icon.as_ref()).map_or(String::new(), |i| i.0.clone()),
        art_title => design.artwork.as_ref().map_or(String::new(), |a| a.title.clone()),
        art_band => design.artwork.as_ref().and_then(|a| a.band.clone()).unwrap_or_default(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &Shared,
    member: &Member,
    org_id: &str,
    badge: Option<&Badge>,
    design: &BadgeDefinition,
    issuer_id: &str,
    errors: Vec<String>,
    preview: Option<String>,
) -> Result<Response, AppError> {
    let issuers = issuers::list(&state.store, org_id).await?;
    let templates: Vec<_> = badges::list(&state.store, org_id)
        .await?
        .into_iter()
        .filter(|b| b.is_template)
        .collect();
    let shapes: Vec<minijinja::Value> = insignia_artwork::Shape::ALL
        .iter()
        .map(|s| context! { id => s.id(), label => state.catalog.text(member.locale, &format!("art-shape-{}", s.id()), &[]) })
        .collect();
    let icons: Vec<minijinja::Value> = insignia_artwork::icons::all()
        .iter()
        .map(|i| context! { id => i.id, label => state.catalog.text(member.locale, &format!("icon-{}", i.id), &[]) })
        .collect();
    page(
        state,
        member.locale,
        "badge_form.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, badge => badge,
            form => form_values(design), issuer_id => issuer_id, issuers => issuers,
            achievement_types => ACHIEVEMENT_TYPES, errors => errors, templates => templates,
            shapes => shapes, icons => icons, preview => preview,
        },
    )
}

#[derive(Deserialize)]
pub struct NewQuery {
    from: Option<String>,
}

pub async fn new_page(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    // Starting from a template: its metadata and visual style, a new name.
    let (design, issuer_id) = match q.from.as_deref() {
        Some(template_id) => {
            let template = owned(&state, &org_id, template_id).await?;
            let version = badges::version(&state.store, &template.id, template.current_version)
                .await?
                .ok_or(AppError::NotFound)?;
            let mut design = read_design(&version.design)?;
            design.name = String::new();
            if let Some(art) = design.artwork.as_mut() {
                art.title = String::new();
            }
            (design, template.issuer_id)
        }
        None => (
            BadgeDefinition {
                achievement_type: "Badge".into(),
                ..Default::default()
            },
            String::new(),
        ),
    };
    render_form(
        &state,
        &member,
        &org_id,
        None,
        &design,
        &issuer_id,
        Vec::new(),
        None,
    )
    .await
}

fn translate(state: &Shared, locale: Locale, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| state.catalog.text(locale, k, &[]))
        .collect()
}

fn data_url(images: &Images) -> String {
    use base64::Engine as _;
    match &images.1 {
        Some(svg) => format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg.as_bytes())
        ),
        None => format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&images.0)
        ),
    }
}

pub async fn create(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let form = DesignerForm::read(multipart, member.locale, &state).await?;
    member.check_csrf(form.get("csrf"))?;
    member.require(&state, &org_id, Role::Admin).await?;
    let (mut design, problems) = form.design();
    let issuer_id = form.get("issuer_id").to_owned();
    let mut errors = translate(&state, member.locale, &problems);
    if crate::service::issuers::owned(&state, &org_id, &issuer_id)
        .await
        .is_err()
    {
        errors.push(
            state
                .catalog
                .text(member.locale, "design-error-issuer", &[]),
        );
    }
    let images = match images_for(&state, member.locale, &form, &mut design, None).await {
        Ok(images) => images,
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    };
    let preview_only = form.get("preview") == "1";
    if !errors.is_empty() || preview_only {
        let preview = images.as_ref().map(data_url);
        let mut response = render_form(
            &state,
            &member,
            &org_id,
            None,
            &design,
            &issuer_id,
            errors.clone(),
            preview,
        )
        .await?;
        if !errors.is_empty() {
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        return Ok(response);
    }
    let Some((png, svg)) = images else {
        return Err(AppError::Internal("no image after checks".into()));
    };
    let content = badges::VersionContent {
        name: design.name.clone(),
        design: serde_json::to_string(&design).map_err(|e| AppError::Internal(e.to_string()))?,
        image_png: Some(png),
        image_svg: svg,
    };
    let state_name = if form.get("publish") == "1" {
        "active"
    } else {
        "draft"
    };
    let badge = badges::create(
        &state.store,
        &org_id,
        &issuer_id,
        state_name,
        &content,
        &member.user.id,
    )
    .await?;
    Ok(see_other(&format!("/orgs/{org_id}/badges/{}", badge.id)))
}

pub async fn show(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let role = member.require(&state, &org_id, Role::Viewer).await?;
    let badge = owned(&state, &org_id, &badge_id).await?;
    let version = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let design = read_design(&version.design)?;
    let issuer = crate::service::issuers::owned(&state, &org_id, &badge.issuer_id).await?;
    let list = awards::list_for_badge(&state.store, &badge.id, 200).await?;
    let (mail, claims) = crate::service::awards::delivery_maps(&state, &list).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    page(
        &state,
        member.locale,
        "badge_admin.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, badge => badge, version => version,
            design => design, issuer => issuer, awards => list, mail => mail, claims => claims,
            mail_configured => crate::mail::configured(&state),
            can_admin => role >= Role::Admin, can_issue => role >= Role::Issuer && badge.state == "active",
            public_url => urls.badge_page(&badge.id),
            image_url => urls.badge_image(&badge.id, version.version, "png"),
        },
    )
}

pub async fn edit_page(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    let badge = owned(&state, &org_id, &badge_id).await?;
    let version = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let design = read_design(&version.design)?;
    render_form(
        &state,
        &member,
        &org_id,
        Some(&badge),
        &design,
        &badge.issuer_id,
        Vec::new(),
        None,
    )
    .await
}

pub async fn update(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let form = DesignerForm::read(multipart, member.locale, &state).await?;
    member.check_csrf(form.get("csrf"))?;
    member.require(&state, &org_id, Role::Admin).await?;
    let badge = owned(&state, &org_id, &badge_id).await?;
    let current = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let (mut design, problems) = form.design();
    let mut errors = translate(&state, member.locale, &problems);
    let keep = current
        .image_png
        .clone()
        .map(|png| (png, current.image_svg.clone()));
    if form.get("image_mode") == "upload" && form.image.is_none() {
        // Keeping the current image keeps its in-app design too, if any.
        design.artwork = read_design(&current.design)?.artwork;
    }
    let images = match images_for(&state, member.locale, &form, &mut design, keep).await {
        Ok(images) => images,
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    };
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    if !errors.is_empty() || form.get("preview") == "1" {
        let preview = images.as_ref().map(data_url);
        let failed = !errors.is_empty();
        let mut response = render_form(
            &state,
            &member,
            &org_id,
            Some(&badge),
            &design,
            &badge.issuer_id,
            errors,
            preview,
        )
        .await?;
        if failed {
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        return Ok(response);
    }
    let (png, svg) = images.ok_or_else(|| AppError::Internal("no image after checks".into()))?;
    let content = badges::VersionContent {
        name: design.name.clone(),
        design: serde_json::to_string(&design).map_err(|e| AppError::Internal(e.to_string()))?,
        image_png: Some(png),
        image_svg: svg,
    };
    match badges::save_edit(&state.store, &badge.id, expected, &content, &member.user.id).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{org_id}/badges/{badge_id}"))),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(state.catalog.text(
            member.locale,
            "badge-edit-conflict",
            &[],
        ))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    state: String,
}

pub async fn set_state(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let badge = owned(&state, &org_id, &badge_id).await?;
    match form.state.as_str() {
        "active" | "archived" | "draft" => {
            badges::set_state(&state.store, &badge.id, &form.state).await?
        }
        "template" => badges::set_template(&state.store, &badge.id, true).await?,
        "not-template" => badges::set_template(&state.store, &badge.id, false).await?,
        _ => {
            return Err(AppError::BadRequest(state.catalog.text(
                member.locale,
                "error-bad-request",
                &[],
            )));
        }
    }
    Ok(see_other(&format!("/orgs/{org_id}/badges/{badge_id}")))
}
