//! Server-rendered pages: minijinja templates compiled into the binary
//! (`templates/`), rendered with a `t(key, name=value…)` function bound to the
//! visitor's language, a `markdown` filter (sanitised), date filters in the
//! page's language and a `label(prefix, value)` function for values shown to
//! people.

use std::sync::Arc;

use fluent_bundle::FluentValue;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, ErrorKind};

use crate::ServerError;
use crate::i18n::{Catalog, Locale};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "macros.html",
    "error.html",
    "home.html",
    "login.html",
    "signup.html",
    "password.html",
    "dashboard.html",
    "org.html",
    "issuer_form.html",
    "badge_form.html",
    "badge_admin.html",
    "award_admin.html",
    "award_revoke.html",
    "public_award.html",
    "public_mine.html",
    "public_badge.html",
    "public_issuer.html",
    "verify.html",
    "bulk_job.html",
    "claim.html",
    "outbox.html",
    "api_tokens.html",
    "outbox_message.html",
    "email_award.html",
    "email_award.txt",
    "email_revocation.html",
    "email_revocation.txt",
    "mail_settings.html",
    "unsubscribe.html",
    "email_account.html",
    "email_account.txt",
    "check_inbox.html",
    "forgot.html",
    "reset.html",
    "email_link.html",
    "account.html",
    "backpack_nav.html",
    "backpack_macros.html",
    "backpack_embed.html",
    "backpack_signature.html",
    "backpack.html",
    "backpack_item.html",
    "backpack_collections.html",
    "backpack_collection.html",
    "backpack_profile.html",
    "backpack_delete.html",
    "shared_item.html",
    "shared_print.html",
    "shared_collection.html",
    "earner_profile.html",
    "event_list.html",
    "event_form.html",
    "event_admin.html",
    "event_poster.html",
    "event_enter.html",
    "event_claim.html",
    "event_confirm.html",
    "email_event.html",
    "email_event.txt",
    "email_endorsement.html",
    "email_endorsement.txt",
    "endorse.html",
    "endorsements.html",
    "endorsement_macros.html",
    "request_form.html",
    "request_sent.html",
    "request_queue.html",
    "nominate_form.html",
    "email_request.html",
    "email_request.txt",
    "members.html",
    "email_membership.html",
    "email_membership.txt",
);

pub struct Pages {
    env: Environment<'static>,
    catalog: Arc<Catalog>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pages")
    }
}

/// Renders Markdown to HTML that is safe to embed (scripts, event handlers and
/// dangerous URLs removed by ammonia).
pub fn markdown_to_safe_html(source: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

/// A moment given to the date filters: Unix seconds, or an ISO 8601 text
/// (`2026-11-20` or `2026-11-20T09:00:00Z`, as credentials write them).
fn moment(value: &Value) -> Result<time::OffsetDateTime, minijinja::Error> {
    let bad = || minijinja::Error::new(ErrorKind::InvalidOperation, "not a date");
    if let Ok(seconds) = i64::try_from(value.clone()) {
        return time::OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| bad());
    }
    let text = value.as_str().ok_or_else(bad)?.trim();
    if let Ok(t) = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    {
        return Ok(t);
    }
    let day = time::Date::parse(
        text.get(..10).ok_or_else(bad)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| bad())?;
    Ok(day.midnight().assume_utc())
}

/// Dates in the page's language ("Nov 20, 2026", "20 nov. 2026",
/// "20 de nov. de 2026"). Written by hand from the catalogues' month names
/// and patterns (`date-month-N`, `date-format`, `datetime-format`): three
/// languages and one short style do not justify ICU's data and build weight,
/// and the translators keep the words next to every other string.
pub(crate) fn format_date(catalog: &Catalog, locale: Locale, t: time::OffsetDateTime) -> String {
    let month = catalog.text(locale, &format!("date-month-{}", u8::from(t.month())), &[]);
    catalog.text(
        locale,
        "date-format",
        &[
            ("day", FluentValue::from(t.day().to_string())),
            ("month", FluentValue::from(month)),
            ("year", FluentValue::from(t.year().to_string())),
        ],
    )
}

fn page_locale(state: &minijinja::State<'_, '_>) -> Locale {
    state
        .lookup("lang")
        .and_then(|l| l.as_str().and_then(Locale::from_code))
        .unwrap_or(Locale::En)
}

impl Pages {
    pub fn load(catalog: Arc<Catalog>) -> Result<Pages, ServerError> {
        let mut env = Environment::new();
        // Plain-text e-mail bodies are not HTML: escaping would show `&amp;`.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".txt") {
                minijinja::AutoEscape::None
            } else {
                minijinja::AutoEscape::Html
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        env.add_filter("markdown", |s: &str| {
            Value::from_safe_string(markdown_to_safe_html(s))
        });
        let dates = catalog.clone();
        env.add_filter(
            "date",
            move |state: &minijinja::State<'_, '_>,
                  value: Value|
                  -> Result<String, minijinja::Error> {
                match moment(&value) {
                    Ok(t) => Ok(format_date(&dates, page_locale(state), t)),
                    // A credential's own text that is no date: shown as written.
                    Err(_) if value.as_str().is_some() => Ok(value.to_string()),
                    Err(e) => Err(e),
                }
            },
        );
        let times = catalog.clone();
        env.add_filter(
            "datetime",
            move |state: &minijinja::State<'_, '_>,
                  value: Value|
                  -> Result<String, minijinja::Error> {
                let locale = page_locale(state);
                let t = match moment(&value) {
                    Ok(t) => t,
                    Err(_) if value.as_str().is_some() => return Ok(value.to_string()),
                    Err(e) => return Err(e),
                };
                let date = format_date(&times, locale, t);
                let time = format!("{:02}:{:02}", t.hour(), t.minute());
                Ok(times.text(
                    locale,
                    "datetime-format",
                    &[
                        ("date", FluentValue::from(date)),
                        ("time", FluentValue::from(time)),
                    ],
                ))
            },
        );
        // A value shown to people (an achievement type, a state): its
        // translation `prefix-value` when the catalogue has one, else the
        // value itself (an imported credential may carry any text).
        let labels = catalog.clone();
        env.add_function(
            "label",
            move |state: &minijinja::State<'_, '_>, prefix: &str, value: Value| -> String {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                let key = format!("{prefix}-{value}");
                if labels.has(Locale::En, &key) {
                    labels.text(page_locale(state), &key, &[])
                } else {
                    value
                }
            },
        );
        Ok(Pages { env, catalog })
    }

    /// Renders `name` with `context` in `locale`.
    pub fn render(
        &self,
        name: &str,
        locale: Locale,
        context: Value,
    ) -> Result<String, minijinja::Error> {
        let catalog = self.catalog.clone();
        let t = Value::from_function(
            move |key: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
                let mut args: Vec<(&str, FluentValue<'_>)> = Vec::new();
                for name in kwargs.args() {
                    let value: Value = kwargs.get(name)?;
                    let fluent = match i64::try_from(value.clone()) {
                        Ok(n) if value.is_number() => FluentValue::from(n),
                        _ => FluentValue::from(value.to_string()),
                    };
                    args.push((name, fluent));
                }
                Ok(catalog.text(locale, key, &args))
            },
        );
        let languages: Vec<Value> = Locale::ALL
            .iter()
            .map(|l| minijinja::context! { code => l.code(), name => l.native_name() })
            .collect();
        let template = self.env.get_template(name)?;
        template.render(minijinja::context! {
            t => t,
            lang => locale.code(),
            languages => languages,
            ..context
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_are_written_for_the_language() {
        let catalog = Catalog::load().unwrap();
        let t = moment(&Value::from("2026-11-20T09:00:00Z")).unwrap();
        assert_eq!(format_date(&catalog, Locale::En, t), "Nov 20, 2026");
        assert_eq!(format_date(&catalog, Locale::Fr, t), "20 nov. 2026");
        assert_eq!(format_date(&catalog, Locale::Es, t), "20 de nov. de 2026");
        let day = moment(&Value::from("2026-03-01")).unwrap();
        assert_eq!(format_date(&catalog, Locale::Fr, day), "1 mars 2026");
        let seconds = moment(&Value::from(t.unix_timestamp())).unwrap();
        assert_eq!(seconds, t);
        assert!(moment(&Value::from("soon")).is_err());
    }

    #[test]
    fn the_filters_take_the_page_language() {
        let catalog = Arc::new(Catalog::load().unwrap());
        let pages = Pages::load(catalog).unwrap();
        let mut env = pages.env.clone();
        env.add_template(
            "probe.html",
            "{{ at|date }}|{{ at|datetime }}|{{ 'not a date'|date }}|{{ label('achievement-type', 'MicroCredential') }}|{{ label('achievement-type', 'ext:Other') }}",
        )
        .unwrap();
        let at = 1_795_165_200; // 2026-11-20T09:00:00Z
        let render = |lang: &str| {
            env.get_template("probe.html")
                .unwrap()
                .render(minijinja::context! { lang => lang, at => at })
                .unwrap()
        };
        assert_eq!(
            render("en"),
            "Nov 20, 2026|Nov 20, 2026, 09:00 UTC|not a date|Micro-credential|ext:Other"
        );
        assert_eq!(
            render("fr"),
            "20 nov. 2026|20 nov. 2026 à 09:00 UTC|not a date|Micro-certification|ext:Other"
        );
        assert_eq!(
            render("es"),
            "20 de nov. de 2026|20 de nov. de 2026, 09:00 UTC|not a date|Microcredencial|ext:Other"
        );
    }
}
