//! The badge designer: create, edit (versioned), archive, and the admin view
//! of a badge with its award form.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use insignia_store::model::{Badge, BadgeState, Role};
use insignia_store::repo::{awards, badges, issuers};
use minijinja::context;
use serde::Deserialize;

use super::{page, see_other};
use crate::auth::Member;
use crate::design::{ACHIEVEMENT_TYPES, BadgeDefinition, Expiry};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::Urls;
use crate::service::badges::{
    self as service, DesignForm, DesignProblem, Images, owned, read_design,
};
use crate::state::Shared;
use crate::web::upload_refusal;

/// Reads the designer's multipart form (text fields and the optional image).
async fn read_form(
    mut multipart: Multipart,
    locale: Locale,
    state: &Shared,
) -> Result<DesignForm, AppError> {
    let mut form = DesignForm::default();
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
            if bytes.len() > service::MAX_IMAGE_BYTES {
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

/// The problems of a checked design, in the visitor's language.
fn translate(state: &Shared, locale: Locale, problems: &[DesignProblem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| match p {
            DesignProblem::Key(key) => state.catalog.text(locale, key, &[]),
            DesignProblem::Upload(e) => upload_refusal(state, locale, e),
        })
        .collect()
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

/// What the designer form shows: the badge being edited (None: a new one),
/// the design, its issuer, the problems found and the image's preview.
struct FormView<'a> {
    badge: Option<&'a Badge>,
    design: &'a BadgeDefinition,
    issuer_id: &'a str,
    errors: Vec<String>,
    preview: Option<String>,
}

async fn render_form(
    state: &Shared,
    member: &Member,
    org_id: &str,
    view: FormView<'_>,
) -> Result<Response, AppError> {
    let FormView {
        badge,
        design,
        issuer_id,
        errors,
        preview,
    } = view;
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
    let (design, issuer_id) = service::starting_design(&state, &org_id, q.from.as_deref()).await?;
    let view = FormView {
        badge: None,
        design: &design,
        issuer_id: &issuer_id,
        errors: Vec::new(),
        preview: None,
    };
    render_form(&state, &member, &org_id, view).await
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
    let form = read_form(multipart, member.locale, &state).await?;
    member.check_csrf(form.get("csrf"))?;
    member.require(&state, &org_id, Role::Admin).await?;
    let checked = service::check_new(&state, &org_id, &form).await;
    if !checked.is_valid() || form.preview_only() {
        let view = FormView {
            badge: None,
            design: &checked.design,
            issuer_id: form.get("issuer_id"),
            errors: translate(&state, member.locale, &checked.problems),
            preview: checked.images.as_ref().map(data_url),
        };
        let mut response = render_form(&state, &member, &org_id, view).await?;
        if !checked.is_valid() {
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        return Ok(response);
    }
    let badge = service::create(&state, &org_id, &form, checked, &member.user.id).await?;
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
            can_admin => role >= Role::Admin, can_issue => role >= Role::Issuer && badge.state == BadgeState::Active,
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
    let (_, design) = service::current_version(&state, &badge).await?;
    let view = FormView {
        badge: Some(&badge),
        design: &design,
        issuer_id: &badge.issuer_id,
        errors: Vec::new(),
        preview: None,
    };
    render_form(&state, &member, &org_id, view).await
}

pub async fn update(
    State(state): State<Shared>,
    member: Member,
    Path((org_id, badge_id)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let form = read_form(multipart, member.locale, &state).await?;
    member.check_csrf(form.get("csrf"))?;
    member.require(&state, &org_id, Role::Admin).await?;
    let badge = owned(&state, &org_id, &badge_id).await?;
    let (current, _) = service::current_version(&state, &badge).await?;
    let checked = service::check_edit(&form, &current).await?;
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    if !checked.is_valid() || form.preview_only() {
        let failed = !checked.is_valid();
        let view = FormView {
            badge: Some(&badge),
            design: &checked.design,
            issuer_id: &badge.issuer_id,
            errors: translate(&state, member.locale, &checked.problems),
            preview: checked.images.as_ref().map(data_url),
        };
        let mut response = render_form(&state, &member, &org_id, view).await?;
        if failed {
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        return Ok(response);
    }
    if service::save_edit(&state, &badge, expected, checked, &member.user.id).await? {
        Ok(see_other(&format!("/orgs/{org_id}/badges/{badge_id}")))
    } else {
        Err(AppError::Conflict(state.catalog.text(
            member.locale,
            "badge-edit-conflict",
            &[],
        )))
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
    let Some(change) = service::BadgeChange::parse(&form.state) else {
        return Err(AppError::BadRequest(state.catalog.text(
            member.locale,
            "error-bad-request",
            &[],
        )));
    };
    service::change(&state, &badge, change).await?;
    Ok(see_other(&format!("/orgs/{org_id}/badges/{badge_id}")))
}
