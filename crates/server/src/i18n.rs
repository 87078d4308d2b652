//! Translations: every user-facing string comes from a Fluent catalogue in
//! `locales/<lang>/main.ftl`. English is the reference; French and Spanish
//! have exactly its messages (a unit test below fails otherwise; a message
//! missing at run time would fall back to English). Public pages follow the
//! browser's `Accept-Language`.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;
use unic_langid::LanguageIdentifier;

use crate::ServerError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Locale {
    En,
    Fr,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Fr, Locale::Es];

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Es => "es",
        }
    }

    /// The language's own name, for the language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
            Locale::Es => "Español",
        }
    }

    pub fn from_code(code: &str) -> Option<Locale> {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            "es" => Some(Locale::Es),
            _ => None,
        }
    }

    /// The best supported language for an `Accept-Language` header, by its
    /// quality values; English when nothing matches.
    pub fn negotiate(accept_language: Option<&str>) -> Locale {
        let Some(header) = accept_language else {
            return Locale::En;
        };
        let mut best: Option<(f32, usize, Locale)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(locale) = Locale::from_code(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bpos, _)) => q > bq || (q == bq && position < bpos),
                };
                if better {
                    best = Some((q, position, locale));
                }
            }
        }
        best.map_or(Locale::En, |(_, _, l)| l)
    }
}

const SOURCES: [(Locale, &str); 3] = [
    (Locale::En, include_str!("../locales/en/main.ftl")),
    (Locale::Fr, include_str!("../locales/fr/main.ftl")),
    (Locale::Es, include_str!("../locales/es/main.ftl")),
];

pub struct Catalog {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalog")
    }
}

impl Catalog {
    pub fn load() -> Result<Catalog, ServerError> {
        let mut bundles = Vec::new();
        for (locale, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| {
                ServerError::Config(format!("locales/{}/main.ftl: {errors:?}", locale.code()))
            })?;
            let lang: LanguageIdentifier = locale
                .code()
                .parse()
                .map_err(|_| ServerError::Config(format!("bad language tag {}", locale.code())))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // No Unicode isolation marks: our arguments are plain text in HTML.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|e| ServerError::Config(format!("locales/{}: {e:?}", locale.code())))?;
            bundles.push((locale, bundle));
        }
        Ok(Catalog { bundles })
    }

    fn bundle(&self, locale: Locale) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, b)| b)
    }

    /// Whether `locale`'s catalogue has its own `key` (no fallback).
    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.bundle(locale).is_some_and(|b| b.has_message(key))
    }

    /// Every message id of a locale's catalogue.
    pub fn keys(&self, locale: Locale) -> Vec<String> {
        let source = SOURCES
            .iter()
            .find(|(l, _)| *l == locale)
            .map_or("", |(_, s)| s);
        source
            .lines()
            .filter_map(|line| {
                let (id, _) = line.split_once(" =")?;
                (!id.starts_with([' ', '#', '-', '.']) && !id.is_empty())
                    .then(|| id.trim().to_owned())
            })
            .collect()
    }

    /// The text of `key` in `locale`, falling back to English, then to the key.
    pub fn text(&self, locale: Locale, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for candidate in [locale, Locale::En] {
            let Some(bundle) = self.bundle(candidate) else {
                continue;
            };
            let Some(message) = bundle.get_message(key) else {
                continue;
            };
            let Some(pattern) = message.value() else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                tracing::warn!(key, ?errors, "translation formatting problem");
            }
            return text.into_owned();
        }
        tracing::warn!(key, "missing translation");
        key.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn negotiation_follows_quality() {
        assert_eq!(
            Locale::negotiate(Some("fr-CH, fr;q=0.9, en;q=0.8")),
            Locale::Fr
        );
        assert_eq!(
            Locale::negotiate(Some("de, es;q=0.5, en;q=0.4")),
            Locale::Es
        );
        assert_eq!(Locale::negotiate(Some("en;q=0.2, fr;q=0.9")), Locale::Fr);
        assert_eq!(Locale::negotiate(Some("de")), Locale::En);
        assert_eq!(Locale::negotiate(None), Locale::En);
        assert_eq!(Locale::negotiate(Some("fr;q=0")), Locale::En);
    }

    /// Every message and term of a catalogue, with the names of its
    /// attributes (`.foo`), as Fluent's own parser reads them.
    fn entries(source: &str) -> std::collections::BTreeMap<String, Vec<String>> {
        use fluent_syntax::ast::Entry;
        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("catalogue does not parse: {errors:?}"));
        let mut out = std::collections::BTreeMap::new();
        for entry in resource.body {
            let (id, attributes) = match entry {
                Entry::Message(m) => (m.id.name.to_owned(), m.attributes),
                Entry::Term(t) => (format!("-{}", t.id.name), t.attributes),
                _ => continue,
            };
            let names = attributes.iter().map(|a| a.id.name.to_owned()).collect();
            assert!(
                out.insert(id.clone(), names).is_none(),
                "{id} is defined twice"
            );
        }
        out
    }

    /// What `other` lacks of `english` and has beyond it, message by
    /// message and attribute by attribute.
    fn differences(english: &str, other: &str) -> Vec<String> {
        let english = entries(english);
        let other = entries(other);
        let mut problems = Vec::new();
        for (id, attributes) in &english {
            match other.get(id) {
                None => problems.push(format!("lacks {id}")),
                Some(theirs) => {
                    for a in attributes.iter().filter(|a| !theirs.contains(a)) {
                        problems.push(format!("lacks {id}.{a}"));
                    }
                    for a in theirs.iter().filter(|a| !attributes.contains(a)) {
                        problems.push(format!("has {id}.{a}, which English lacks"));
                    }
                }
            }
        }
        for id in other.keys().filter(|id| !english.contains_key(*id)) {
            problems.push(format!("has {id}, which English lacks"));
        }
        problems
    }

    /// Every message id the verifier can give a check has its plain words
    /// in every language (`check-msg-<id>`).
    #[test]
    fn every_verification_message_id_is_translated() {
        for (locale, source) in &SOURCES {
            let entries = entries(source);
            let missing: Vec<&str> = insignia_verify::MESSAGE_IDS
                .iter()
                .copied()
                .filter(|id| !entries.contains_key(&format!("check-msg-{id}")))
                .collect();
            assert!(
                missing.is_empty(),
                "locales/{}/main.ftl lacks check-msg- for {}",
                locale.code(),
                missing.join(", ")
            );
        }
    }

    #[test]
    fn every_catalogue_has_exactly_the_english_messages() {
        let english = SOURCES[0].1;
        assert_eq!(SOURCES[0].0, Locale::En);
        assert!(entries(english).len() > 500);
        for (locale, source) in &SOURCES[1..] {
            let problems = differences(english, source);
            assert!(
                problems.is_empty(),
                "locales/{}/main.ftl: {}",
                locale.code(),
                problems.join("; ")
            );
        }
        // The catalogue the server loads agrees with the parser's view.
        let catalog = Catalog::load().unwrap();
        for key in entries(english).keys().filter(|k| !k.starts_with('-')) {
            for locale in Locale::ALL {
                assert!(catalog.has(locale, key), "{} lacks {key}", locale.code());
            }
        }
    }

    #[test]
    fn the_catalogue_comparison_sees_a_missing_or_extra_message() {
        let english = SOURCES[0].1;
        for (_, source) in &SOURCES[1..] {
            // Drop one message (and its continuation lines) from the copy.
            let mut lines = source.lines().peekable();
            let mut without = String::new();
            let mut dropped = None;
            while let Some(line) = lines.next() {
                if dropped.is_none() && line.starts_with("award-revoke =") {
                    dropped = Some(line.to_owned());
                    while lines.peek().is_some_and(|l| l.starts_with(' ')) {
                        lines.next();
                    }
                    continue;
                }
                without.push_str(line);
                without.push('\n');
            }
            assert!(dropped.is_some());
            assert_eq!(differences(english, &without), vec!["lacks award-revoke"]);
            let extra = format!("{source}\nnot-in-english = x\n");
            assert_eq!(
                differences(english, &extra),
                vec!["has not-in-english, which English lacks"]
            );
        }
        let with_attribute = "a = A\n    .title = T\n";
        assert_eq!(
            differences(with_attribute, "a = B\n"),
            vec!["lacks a.title"]
        );
        assert_eq!(
            differences("a = B\n", with_attribute),
            vec!["has a.title, which English lacks"]
        );
    }

    #[test]
    fn every_designer_icon_has_a_name_in_each_language() {
        let catalog = Catalog::load().unwrap();
        for icon in insignia_artwork::icons::all() {
            for locale in [Locale::En, Locale::Fr, Locale::Es] {
                assert!(
                    catalog.has(locale, &format!("icon-{}", icon.id)),
                    "{} lacks icon-{}",
                    locale.code(),
                    icon.id
                );
            }
        }
    }
}
