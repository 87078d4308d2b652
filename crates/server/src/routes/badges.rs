//! The badge designer: create, edit (versioned), archive, and the admin view
//! of a badge with its award form.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use insignia_store::StoreError;
use insignia_store::model::{Badge, Role};
use insignia_store::repo::{awards, badges, issuers};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::design::{ACHIEVEMENT_TYPES, Alignment, BadgeDesign, Expiry};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::Urls;
use crate::state::Shared;

/// Largest badge image accepted.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

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
    fn design(&self) -> (BadgeDesign, Vec<&'static str>) {
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
        let design = BadgeDesign {
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
        };
        problems.extend(design.problems());
        problems.dedup();
        (design, problems)
    }
}

/// Values for the form's fields (what the template shows).
fn form_values(design: &BadgeDesign) -> minijinja::Value {
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
        learning_outcomes => design.learning_outcomes,
        eqf_level => design.eqf_level.map(|l| l.to_string()).unwrap_or_default(),
        assessment_type => design.assessment_type, participation_mode => design.participation_mode,
        prerequisites => design.prerequisites, quality_assurance => design.quality_assurance,
    }
}

/// Checks an uploaded image: a PNG (SVG uploads need sanitising, which the
/// artwork module adds). Returns the catalogue key of the problem.
fn check_image(bytes: &[u8]) -> Result<(), &'static str> {
    match insignia_bake::detect(bytes) {
        Some(insignia_bake::ImageKind::Png) => insignia_bake::extract(bytes)
            .map(|_| ())
            .map_err(|_| "upload-error-damaged"),
        _ => Err("upload-error-not-png"),
    }
}

async fn render_form(
    state: &Shared,
    member: &Member,
    org_id: &str,
    badge: Option<&Badge>,
    design: &BadgeDesign,
    issuer_id: &str,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let issuers = issuers::list(&state.store, org_id).await?;
    page(
        state,
        member.locale,
        "badge_form.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, badge => badge,
            form => form_values(design), issuer_id => issuer_id, issuers => issuers,
            achievement_types => ACHIEVEMENT_TYPES, errors => errors,
        },
    )
}

pub async fn new_page(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    let design = BadgeDesign {
        achievement_type: "Badge".into(),
        ..Default::default()
    };
    render_form(&state, &member, &org_id, None, &design, "", Vec::new()).await
}

fn translate(state: &Shared, locale: Locale, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| state.catalog.text(locale, k, &[]))
        .collect()
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
    let (design, mut problems) = form.design();
    let issuer_id = form.get("issuer_id").to_owned();
    let issuer_ok = super::issuers::owned(&state, &org_id, &issuer_id)
        .await
        .is_ok();
    if !issuer_ok {
        problems.push("design-error-issuer");
    }
    match &form.image {
        None => problems.push("design-error-image"),
        Some(bytes) => {
            if let Err(key) = check_image(bytes) {
                problems.push(key);
            }
        }
    }
    if !problems.is_empty() {
        let errors = translate(&state, member.locale, &problems);
        let mut response =
            render_form(&state, &member, &org_id, None, &design, &issuer_id, errors).await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let content = badges::VersionContent {
        name: design.name.clone(),
        design: serde_json::to_string(&design).map_err(|e| AppError::Internal(e.to_string()))?,
        image_png: form.image.clone(),
        image_svg: None,
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

/// A badge of `org_id`, or "not found".
pub(crate) async fn owned(state: &Shared, org_id: &str, badge_id: &str) -> Result<Badge, AppError> {
    badges::by_id(&state.store, badge_id)
        .await?
        .filter(|b| b.org_id == org_id)
        .ok_or(AppError::NotFound)
}

pub(crate) fn read_design(json: &str) -> Result<BadgeDesign, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("stored design: {e}")))
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
    let issuer = super::issuers::owned(&state, &org_id, &badge.issuer_id).await?;
    let list = awards::list_for_badge(&state.store, &badge.id, 200).await?;
    let urls = Urls {
        base: &state.config.base_url,
    };
    page(
        &state,
        member.locale,
        "badge_admin.html",
        context! {
            user => member.user, csrf => member.csrf, org_id => org_id, badge => badge, version => version,
            design => design, issuer => issuer, awards => list,
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
    let (design, mut problems) = form.design();
    if let Some(bytes) = &form.image {
        if let Err(key) = check_image(bytes) {
            problems.push(key);
        }
    }
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    if !problems.is_empty() {
        let errors = translate(&state, member.locale, &problems);
        let mut response = render_form(
            &state,
            &member,
            &org_id,
            Some(&badge),
            &design,
            &badge.issuer_id,
            errors,
        )
        .await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let current = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let content = badges::VersionContent {
        name: design.name.clone(),
        design: serde_json::to_string(&design).map_err(|e| AppError::Internal(e.to_string()))?,
        image_png: form.image.clone().or(current.image_png),
        image_svg: if form.image.is_some() {
            None
        } else {
            current.image_svg
        },
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
