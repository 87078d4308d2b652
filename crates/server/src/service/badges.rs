//! Badges as the platform reads them (one of an organisation's badges, a
//! published badge with one of its versions, a version's stored design),
//! and the badge designer's rules: what a submitted design says, what makes
//! it valid, its defaults, and storing it as a badge or a new version.

use std::collections::HashMap;

use insignia_artwork::upload::UploadError;
use insignia_artwork::{BadgeArtwork, DesignError};
use insignia_store::StoreError;
use insignia_store::model::{Badge, BadgeState, BadgeVersion, Issuer};
use insignia_store::repo::{badges, issuers};

use crate::design::{Alignment, BadgeDefinition, Expiry};
use crate::error::{AppError, Gone};
use crate::state::Shared;

/// A badge of `org_id`, or "not found".
pub(crate) async fn owned(state: &Shared, org_id: &str, badge_id: &str) -> Result<Badge, AppError> {
    badges::by_id(&state.store, badge_id)
        .await?
        .filter(|b| b.org_id == org_id)
        .ok_or(AppError::NotFound)
}

/// A badge that is published (active or archived): drafts are "not found"
/// to everyone outside their organisation.
pub(crate) async fn published(state: &Shared, badge_id: &str) -> Result<Badge, AppError> {
    badges::by_id(&state.store, badge_id)
        .await?
        .filter(|b| b.state != BadgeState::Draft)
        .ok_or(AppError::NotFound)
}

pub(crate) fn read_design(json: &str) -> Result<BadgeDefinition, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("stored design: {e}")))
}

/// One version of a published badge (metadata only) with its design and
/// issuer: what the OB 3.0 Achievement and OB 2.0 BadgeClass documents need.
pub(crate) async fn published_version(
    state: &Shared,
    badge: &insignia_store::model::Badge,
    version_no: i64,
) -> Result<(BadgeVersion, BadgeDefinition, Issuer), AppError> {
    let version = badges::version_meta(&state.store, &badge.id, version_no)
        .await?
        .ok_or(AppError::NotFound)?;
    let design = read_design(&version.design)?;
    let issuer = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((version, design, issuer))
}

/// The current version of `badge` (with its images) and its design.
pub(crate) async fn current_version(
    state: &Shared,
    badge: &Badge,
) -> Result<(BadgeVersion, BadgeDefinition), AppError> {
    let version = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or_else(|| {
            AppError::Gone(Gone::BadgeVersion {
                badge_id: badge.id.clone(),
                version: badge.current_version,
            })
        })?;
    let design = read_design(&version.design)?;
    Ok((version, design))
}

// The badge designer's rules: what a submitted design says, what makes it
// valid, its defaults, and storing it as a new badge or a new version.

/// Largest badge image accepted.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

/// The colours of an in-app design left empty: background, accent, text.
const DEFAULT_COLOURS: (&str, &str, &str) = ("#1e3a8a", "#f59e0b", "#ffffff");

/// A submitted designer form: its text fields and the uploaded image, if any.
#[derive(Debug, Default)]
pub struct DesignForm {
    pub fields: HashMap<String, String>,
    pub image: Option<Vec<u8>>,
}

impl DesignForm {
    pub fn get(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", |s| s.as_str())
    }

    fn number(&self, key: &str) -> Result<Option<f64>, ()> {
        let text = self.get(key).trim().replace(',', ".");
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<f64>().map(Some).map_err(|_| ())
    }

    /// Whether the form asks to show a preview only (nothing is saved).
    pub fn preview_only(&self) -> bool {
        self.get("preview") == "1"
    }

    fn uploads(&self) -> bool {
        self.get("image_mode") == "upload"
    }

    /// The design the form describes, and the problems found reading it
    /// (catalogue keys).
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
        let mut months = |key: &str| match self.get(key).trim() {
            "" => None,
            m => match m.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push("design-error-membership");
                    None
                }
            },
        };
        let membership_months = months("membership_months");
        let membership_notice_days = months("membership_notice_days");
        let text = |key: &str| self.get(key).trim().to_owned();
        let design = BadgeDefinition {
            requestable: !self.get("requestable").is_empty(),
            membership_months,
            membership_notice_days,
            name: text("name"),
            description: text("description"),
            criteria: text("criteria"),
            achievement_type: text("achievement_type"),
            level: text("level"),
            hours,
            credits,
            field_of_study: text("field_of_study"),
            language: text("language"),
            tags: self
                .get("tags")
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            alignments,
            expiry,
            learning_outcomes: text("learning_outcomes"),
            eqf_level,
            assessment_type: text("assessment_type"),
            participation_mode: text("participation_mode"),
            prerequisites: text("prerequisites"),
            quality_assurance: text("quality_assurance"),
            artwork: None,
        };
        problems.extend(design.problems());
        problems.dedup();
        (design, problems)
    }

    /// The in-app design the form describes (when "design in the app" is
    /// chosen); the error is a catalogue key.
    fn artwork(&self, fallback_title: &str) -> Result<BadgeArtwork, &'static str> {
        let colour = |key: &str, default: &str| {
            let v = self.get(key).trim();
            (if v.is_empty() { default } else { v }).parse::<insignia_artwork::Colour>()
        };
        let shape = insignia_artwork::Shape::ALL
            .into_iter()
            .find(|s| s.id() == self.get("art_shape"))
            .unwrap_or(insignia_artwork::Shape::Circle);
        let title = match self.get("art_title").trim() {
            "" => fallback_title
                .chars()
                .take(insignia_artwork::design::TITLE_MAX_CHARS)
                .collect(),
            t => t.to_owned(),
        };
        let (background, accent, text) = DEFAULT_COLOURS;
        let optional = |key: &str| Some(self.get(key).trim()).filter(|v| !v.is_empty());
        let artwork = BadgeArtwork {
            shape,
            background: colour("art_background", background).map_err(|_| "art-error-colour")?,
            accent: colour("art_accent", accent).map_err(|_| "art-error-colour")?,
            text: colour("art_text", text).map_err(|_| "art-error-colour")?,
            icon: optional("art_icon").map(insignia_artwork::IconId::new),
            title,
            band: optional("art_band").map(str::to_owned),
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
}

/// The images of a version: (PNG 512 px, SVG).
pub type Images = (Vec<u8>, Option<String>);

/// Draws an in-app design (off the async threads: rendering takes tens of ms).
async fn draw(artwork: BadgeArtwork) -> Result<Images, &'static str> {
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

/// What is wrong with a submitted design, for the form to say.
#[derive(Debug)]
pub enum DesignProblem {
    /// A catalogue key.
    Key(&'static str),
    /// The uploaded image was refused.
    Upload(UploadError),
}

/// The images for a submitted form: drawn, uploaded, or (editing) kept.
async fn images_for(
    form: &DesignForm,
    design: &mut BadgeDefinition,
    keep: Option<Images>,
) -> Result<Option<Images>, DesignProblem> {
    if form.uploads() {
        design.artwork = None;
        return match &form.image {
            Some(bytes) => checked_upload(bytes.clone())
                .await
                .map(Some)
                .map_err(DesignProblem::Upload),
            None if keep.is_some() => Ok(keep),
            None => Err(DesignProblem::Key("design-error-image")),
        };
    }
    let artwork = form.artwork(&design.name).map_err(DesignProblem::Key)?;
    design.artwork = Some(artwork.clone());
    draw(artwork).await.map(Some).map_err(DesignProblem::Key)
}

/// A submitted design as checked: what it describes, its images (when they
/// could be made), and every problem found; valid when there are none.
#[derive(Debug)]
pub struct CheckedDesign {
    pub design: BadgeDefinition,
    pub images: Option<Images>,
    pub problems: Vec<DesignProblem>,
}

impl CheckedDesign {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    async fn with_images(
        form: &DesignForm,
        mut design: BadgeDefinition,
        mut problems: Vec<DesignProblem>,
        keep: Option<Images>,
    ) -> CheckedDesign {
        let images = match images_for(form, &mut design, keep).await {
            Ok(images) => images,
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        CheckedDesign {
            design,
            images,
            problems,
        }
    }

    /// The version the design stores.
    fn content(self) -> Result<badges::VersionContent, AppError> {
        let (png, svg) = self
            .images
            .ok_or_else(|| AppError::Internal("no image after checks".into()))?;
        Ok(badges::VersionContent {
            name: self.design.name.clone(),
            design: serde_json::to_string(&self.design)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            image_png: Some(png),
            image_svg: svg,
        })
    }
}

/// The design a new badge starts from: a template of `org_id` (its metadata
/// and visual style, without its name), or an empty badge; and its issuer.
pub(crate) async fn starting_design(
    state: &Shared,
    org_id: &str,
    template_id: Option<&str>,
) -> Result<(BadgeDefinition, String), AppError> {
    let Some(template_id) = template_id else {
        let design = BadgeDefinition {
            achievement_type: "Badge".into(),
            ..Default::default()
        };
        return Ok((design, String::new()));
    };
    let template = owned(state, org_id, template_id).await?;
    let (_, mut design) = current_version(state, &template).await?;
    design.name = String::new();
    if let Some(art) = design.artwork.as_mut() {
        art.title = String::new();
    }
    Ok((design, template.issuer_id))
}

/// Checks a new badge's form: the design, its issuer (one of `org_id`'s)
/// and its image.
pub(crate) async fn check_new(state: &Shared, org_id: &str, form: &DesignForm) -> CheckedDesign {
    let (design, keys) = form.design();
    let mut problems: Vec<DesignProblem> = keys.into_iter().map(DesignProblem::Key).collect();
    let issuer_id = form.get("issuer_id");
    if crate::service::issuers::owned(state, org_id, issuer_id)
        .await
        .is_err()
    {
        problems.push(DesignProblem::Key("design-error-issuer"));
    }
    CheckedDesign::with_images(form, design, problems, None).await
}

/// Checks the form editing `current` (a badge's current version): without
/// a new upload, the current image (and its in-app design, if any) is kept.
pub(crate) async fn check_edit(
    form: &DesignForm,
    current: &BadgeVersion,
) -> Result<CheckedDesign, AppError> {
    let (mut design, keys) = form.design();
    let problems = keys.into_iter().map(DesignProblem::Key).collect();
    let keep = current
        .image_png
        .clone()
        .map(|png| (png, current.image_svg.clone()));
    if form.uploads() && form.image.is_none() {
        design.artwork = read_design(&current.design)?.artwork;
    }
    Ok(CheckedDesign::with_images(form, design, problems, keep).await)
}

/// Stores a checked, valid design as a new badge of `org_id` (published at
/// once when `publish`, else a draft).
pub(crate) async fn create(
    state: &Shared,
    org_id: &str,
    form: &DesignForm,
    checked: CheckedDesign,
    user_id: &str,
) -> Result<Badge, AppError> {
    let badge_state = if form.get("publish") == "1" {
        BadgeState::Active
    } else {
        BadgeState::Draft
    };
    let issuer_id = form.get("issuer_id");
    let content = checked.content()?;
    Ok(badges::create(
        &state.store,
        org_id,
        issuer_id,
        badge_state,
        &content,
        user_id,
    )
    .await?)
}

/// Stores a checked, valid design as the next version of `badge`, unless
/// someone saved a version after `expected` (then false: nothing stored).
pub(crate) async fn save_edit(
    state: &Shared,
    badge: &Badge,
    expected: i64,
    checked: CheckedDesign,
    user_id: &str,
) -> Result<bool, AppError> {
    let content = checked.content()?;
    match badges::save_edit(&state.store, &badge.id, expected, &content, user_id).await {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A change the badge's page asks for: its state, or whether it is a
/// template for new badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeChange {
    State(BadgeState),
    Template(bool),
}

impl BadgeChange {
    /// The form's value (`active`, `archived`, `draft`, `template`,
    /// `not-template`).
    pub fn parse(value: &str) -> Option<BadgeChange> {
        match value {
            "template" => Some(BadgeChange::Template(true)),
            "not-template" => Some(BadgeChange::Template(false)),
            other => BadgeState::parse(other).map(BadgeChange::State),
        }
    }
}

/// Applies a [`BadgeChange`] to `badge`.
pub(crate) async fn change(
    state: &Shared,
    badge: &Badge,
    change: BadgeChange,
) -> Result<(), AppError> {
    match change {
        BadgeChange::State(to) => badges::set_state(&state.store, &badge.id, to).await?,
        BadgeChange::Template(on) => badges::set_template(&state.store, &badge.id, on).await?,
    }
    Ok(())
}
