//! An organisation's mail settings page (`/orgs/{org}/mail`, owners and
//! admins): reminder days, the message templates per kind and language with
//! a preview of the real message (its HTML served on its own under a CSP
//! `sandbox`, framed by the page), and how many addresses unsubscribed.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use insignia_store::model::Role;
use insignia_store::repo::{mail_prefs, orgs};
use minijinja::context;
use serde::Deserialize;

use super::see_other;
use crate::auth::Member;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::mail_templates::{self, TemplateKind};
use crate::service::reminders;
use crate::state::Shared;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    lang: String,
    /// A draft to preview (the form's "Preview" button).
    subject: Option<String>,
    opening: Option<String>,
    #[serde(default)]
    saved: String,
}

fn chosen(kind: &str, lang: &str, fallback: Locale) -> (TemplateKind, Locale) {
    (
        TemplateKind::parse(kind).unwrap_or(TemplateKind::Award),
        Locale::from_code(lang).unwrap_or(fallback),
    )
}

/// What the page shows besides the defaults.
#[derive(Default)]
struct Shown {
    days_text: Option<String>,
    mode: Option<String>,
    days_error: Option<String>,
    template_error: Option<String>,
}

/// The template the editor shows: its kind and language, and a draft
/// (subject, opening) not saved yet.
struct Editing {
    kind: TemplateKind,
    lang: Locale,
    draft: Option<(String, String)>,
}

async fn render(
    state: &Shared,
    member: &Member,
    org_id: &str,
    editing: Editing,
    saved: &str,
    shown: Shown,
) -> Result<Response, AppError> {
    let Editing { kind, lang, draft } = editing;
    let org = orgs::get(&state.store, org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = reminders::settings(state, org_id).await?;
    let mode = shown.mode.unwrap_or_else(|| {
        if !settings.custom {
            "default".into()
        } else if settings.days.is_empty() {
            "off".into()
        } else {
            "custom".into()
        }
    });
    let days_text = shown.days_text.unwrap_or_else(|| {
        settings
            .days
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    });
    let saved_template =
        mail_prefs::template(&state.store, org_id, kind.as_str(), lang.code()).await?;
    let templates = mail_prefs::templates(&state.store, org_id).await?;
    let customised: Vec<String> = templates
        .iter()
        .map(|t| format!("{}-{}", t.kind, t.locale))
        .collect();
    let (subject, opening) = match &draft {
        Some((s, o)) => (s.clone(), o.clone()),
        None => saved_template
            .as_ref()
            .map(|t| (t.subject.clone(), t.opening.clone()))
            .unwrap_or_default(),
    };
    // The catalogue's wording, shown as the fields' placeholders.
    let names = mail_templates::Names {
        recipient: "{recipient}",
        badge: "{badge}",
        issuer: "{issuer}",
    };
    let defaults = mail_templates::wording(state, kind, lang, None, names);
    let mut preview_query = format!("kind={}&lang={}", kind.as_str(), lang.code());
    if draft.is_some() {
        preview_query.push_str(&format!(
            "&subject={}&opening={}",
            urlencoding(&subject),
            urlencoding(&opening)
        ));
    }
    let preview = mail_templates::preview(
        state,
        org_id,
        kind,
        lang,
        draft.as_ref().map(|(s, o)| (s.as_str(), o.as_str())),
    )
    .await?;
    let (preview_subject, preview_text, template_error) = match preview {
        Ok(p) => (p.subject, p.text, shown.template_error),
        Err(e) => {
            let (key, arg) = e.message();
            let text = state
                .catalog
                .text(member.locale, key, &[("value", arg.into())]);
            (
                String::new(),
                String::new(),
                Some(shown.template_error.unwrap_or(text)),
            )
        }
    };
    let kinds: Vec<&str> = TemplateKind::ALL.iter().map(|k| k.as_str()).collect();
    let langs: Vec<(&str, &str)> = Locale::ALL
        .iter()
        .map(|l| (l.code(), l.native_name()))
        .collect();
    let refused = shown.days_error.is_some() || template_error.is_some();
    let html = state.pages.render(
        "mail_settings.html",
        member.locale,
        context! {
            user => member.user, csrf => member.csrf, org => org, mode => mode,
            days_text => days_text, default_days => reminders::DEFAULT_DAYS,
            grace_days => reminders::GRACE_DAYS, max_days => reminders::MAX_DAYS,
            days_error => shown.days_error, kinds => kinds, langs => langs,
            kind => kind.as_str(), lang => lang.code(), subject => subject, opening => opening,
            default_subject => defaults.subject, default_opening => defaults.opening,
            customised => customised, preview_query => preview_query,
            preview_subject => preview_subject, preview_text => preview_text,
            template_error => template_error, is_draft => draft.is_some(), saved => saved,
            max_subject => mail_templates::MAX_SUBJECT, max_opening => mail_templates::MAX_OPENING,
            unsubscribed => mail_prefs::unsubscribe_count(&state.store, org_id).await?,
        },
    )?;
    // A refused form (or a draft with a problem) answers 422.
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, axum::response::Html(html)).into_response())
}

/// Percent-encodes a query value.
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub async fn page(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    let (kind, lang) = chosen(&q.kind, &q.lang, member.locale);
    let draft = match (q.subject, q.opening) {
        (None, None) => None,
        (s, o) => Some((s.unwrap_or_default(), o.unwrap_or_default())),
    };
    let editing = Editing { kind, lang, draft };
    render(
        &state,
        &member,
        &org_id,
        editing,
        &q.saved,
        Shown::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct RemindersForm {
    csrf: String,
    /// `default`, `custom` or `off`.
    mode: String,
    #[serde(default)]
    days: String,
}

pub async fn save_reminders(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Form(form): Form<RemindersForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let refuse = |key: &str, arg: String| Shown {
        days_text: Some(form.days.clone()),
        mode: Some(form.mode.clone()),
        days_error: Some(state.catalog.text(
            member.locale,
            key,
            &[("value", arg.into()), ("max", reminders::MAX_DAYS.into())],
        )),
        template_error: None,
    };
    let days = match form.mode.as_str() {
        "default" => None,
        "off" => Some(Vec::new()),
        "custom" => match reminders::parse_days(&form.days) {
            Ok(days) if days.is_empty() => {
                let shown = refuse("reminders-error-empty", String::new());
                let (kind, lang) = chosen("", "", member.locale);
                let editing = Editing {
                    kind,
                    lang,
                    draft: None,
                };
                return render(&state, &member, &org_id, editing, "", shown).await;
            }
            Ok(days) => Some(days),
            Err(e) => {
                let arg = match &e {
                    reminders::DaysError::NotADay(text) => text.clone(),
                    reminders::DaysError::TooMany => reminders::MAX_REMINDERS.to_string(),
                };
                let shown = refuse(e.message_key(), arg);
                let (kind, lang) = chosen("", "", member.locale);
                let editing = Editing {
                    kind,
                    lang,
                    draft: None,
                };
                return render(&state, &member, &org_id, editing, "", shown).await;
            }
        },
        _ => {
            return Err(AppError::BadRequest(state.catalog.text(
                member.locale,
                "error-bad-request",
                &[],
            )));
        }
    };
    reminders::set(&state, &org_id, days.as_deref()).await?;
    Ok(see_other(&format!(
        "/orgs/{org_id}/mail?saved=reminders#reminders"
    )))
}

#[derive(Deserialize)]
pub struct TemplateForm {
    csrf: String,
    kind: String,
    lang: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    opening: String,
    /// The "Preview" button: show the draft, save nothing.
    preview: Option<String>,
}

pub async fn save_template(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Form(form): Form<TemplateForm>,
) -> Result<Response, AppError> {
    member.check_csrf(&form.csrf)?;
    member.require(&state, &org_id, Role::Admin).await?;
    let (Some(kind), Some(lang)) = (
        TemplateKind::parse(&form.kind),
        Locale::from_code(&form.lang),
    ) else {
        return Err(AppError::BadRequest(state.catalog.text(
            member.locale,
            "error-bad-request",
            &[],
        )));
    };
    if form.preview.is_some() {
        let draft = Some((form.subject, form.opening));
        let editing = Editing { kind, lang, draft };
        return render(&state, &member, &org_id, editing, "", Shown::default()).await;
    }
    match mail_templates::save(&state, &org_id, kind, lang, &form.subject, &form.opening).await? {
        Ok(()) => Ok(see_other(&format!(
            "/orgs/{org_id}/mail?kind={}&lang={}&saved=template#templates",
            kind.as_str(),
            lang.code()
        ))),
        Err(e) => {
            let (key, arg) = e.message();
            let shown = Shown {
                template_error: Some(state.catalog.text(
                    member.locale,
                    key,
                    &[("value", arg.into())],
                )),
                ..Shown::default()
            };
            let draft = Some((form.subject, form.opening));
            let editing = Editing { kind, lang, draft };
            render(&state, &member, &org_id, editing, "", shown).await
        }
    }
}

/// The previewed message's HTML, on its own, sandboxed (framed by the page).
pub async fn preview(
    State(state): State<Shared>,
    member: Member,
    Path(org_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    member.require(&state, &org_id, Role::Admin).await?;
    let (kind, lang) = chosen(&q.kind, &q.lang, member.locale);
    let draft = match (&q.subject, &q.opening) {
        (None, None) => None,
        (s, o) => Some((
            s.as_deref().unwrap_or_default(),
            o.as_deref().unwrap_or_default(),
        )),
    };
    let html = match mail_templates::preview(&state, &org_id, kind, lang, draft).await? {
        Ok(p) => p.html,
        Err(e) => {
            let (key, arg) = e.message();
            return Err(AppError::BadRequest(state.catalog.text(
                member.locale,
                key,
                &[("value", arg.into())],
            )));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; \
                 img-src 'self' data: http: https:; style-src 'unsafe-inline'; frame-ancestors 'self'",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        html,
    )
        .into_response())
}
