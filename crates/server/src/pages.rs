//! Server-rendered pages: minijinja templates compiled into the binary
//! (`templates/`), rendered with a `t(key, name=value…)` function bound to the
//! visitor's language, a `markdown` filter (sanitised), and date filters.

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
    "public_award.html",
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

fn date(value: Value) -> Result<String, minijinja::Error> {
    let seconds = i64::try_from(value.clone())
        .map_err(|_| minijinja::Error::new(ErrorKind::InvalidOperation, "date needs seconds"))?;
    let t = time::OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| minijinja::Error::new(ErrorKind::InvalidOperation, "date out of range"))?;
    Ok(format!(
        "{:04}-{:02}-{:02}",
        t.year(),
        u8::from(t.month()),
        t.day()
    ))
}

/// Seconds to "YYYY-MM-DD HH:MM UTC".
fn datetime(value: Value) -> Result<String, minijinja::Error> {
    let seconds = i64::try_from(value.clone()).map_err(|_| {
        minijinja::Error::new(ErrorKind::InvalidOperation, "datetime needs seconds")
    })?;
    let t = time::OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| minijinja::Error::new(ErrorKind::InvalidOperation, "date out of range"))?;
    Ok(format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    ))
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
        env.add_filter("date", date);
        env.add_filter("datetime", datetime);
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
