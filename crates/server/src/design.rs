//! A badge's metadata as the designer form edits it, and its Open Badges 3.0
//! `Achievement` / 2.0 `BadgeClass` renderings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One alignment to an external framework (a skill, a competency, a standard).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Alignment {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub framework: String,
}

impl Alignment {
    /// The alignment as an OB 3.0 `Alignment` (with `type`) or an OB 2.0
    /// `AlignmentObject` (without): the target's name, URL, and its code and
    /// framework when given.
    fn to_json(&self, kind: Option<Value>) -> Value {
        let mut o = Map::new();
        if let Some(kind) = kind {
            o.insert("type".into(), kind);
        }
        o.insert("targetName".into(), json!(self.name.trim()));
        o.insert("targetUrl".into(), json!(self.url.trim()));
        if !self.code.trim().is_empty() {
            o.insert("targetCode".into(), json!(self.code.trim()));
        }
        if !self.framework.trim().is_empty() {
            o.insert("targetFramework".into(), json!(self.framework.trim()));
        }
        Value::Object(o)
    }
}

/// How long an award stays valid.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expiry {
    #[default]
    Never,
    /// Every award expires on this date (YYYY-MM-DD).
    OnDate { date: String },
    /// Each award expires this many days after it is issued.
    AfterDays { days: i64 },
}

/// Everything the designer form holds. Stored as JSON in each badge version.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BadgeDefinition {
    pub name: String,
    pub description: String,
    /// Markdown.
    pub criteria: String,
    /// An Open Badges 3.0 achievementType (e.g. Certificate, Badge, Course…).
    pub achievement_type: String,
    pub level: String,
    pub hours: Option<f64>,
    /// ECTS credits.
    pub credits: Option<f64>,
    pub field_of_study: String,
    pub language: String,
    pub tags: Vec<String>,
    pub alignments: Vec<Alignment>,
    pub expiry: Expiry,
    // European micro-credential model.
    pub learning_outcomes: String,
    pub eqf_level: Option<u8>,
    pub assessment_type: String,
    pub participation_mode: String,
    pub prerequisites: String,
    pub quality_assurance: String,
    /// The image as designed in the app (None when an image was uploaded).
    pub artwork: Option<insignia_artwork::BadgeArtwork>,
    /// Learners may ask for it from its public page (with evidence), and
    /// the organisation's members may nominate someone.
    pub requestable: bool,
    /// A membership: each award is valid this many months after it is
    /// issued (overrides `expiry`), and is renewed rather than re-earned.
    pub membership_months: Option<u32>,
    /// A membership's expiry notice goes this many days before it expires
    /// (None: 30).
    pub membership_notice_days: Option<u32>,
}

/// Open Badges 3.0 achievement types offered in the designer (the spec's
/// enumeration, most common first).
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Badge",
    "Certificate",
    "Course",
    "Competency",
    "Award",
    "Certification",
    "CoCurricular",
    "Assessment",
    "Achievement",
    "License",
    "MicroCredential",
    "Diploma",
    "Degree",
    "LearningProgram",
    "Membership",
];

impl BadgeDefinition {
    /// Problems a person must fix, as catalogue keys.
    pub fn problems(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push("design-error-name");
        }
        if self.name.chars().count() > 200 {
            out.push("design-error-name-long");
        }
        if self.description.trim().is_empty() {
            out.push("design-error-description");
        }
        if self.criteria.trim().is_empty() {
            out.push("design-error-criteria");
        }
        if !self.achievement_type.is_empty()
            && !ACHIEVEMENT_TYPES.contains(&self.achievement_type.as_str())
        {
            out.push("design-error-type");
        }
        if self.hours.is_some_and(|h| !(0.0..=100_000.0).contains(&h))
            || self.credits.is_some_and(|c| !(0.0..=1_000.0).contains(&c))
        {
            out.push("design-error-size");
        }
        if self.eqf_level.is_some_and(|l| !(1..=8).contains(&l)) {
            out.push("design-error-eqf");
        }
        for a in &self.alignments {
            if a.name.trim().is_empty() || !is_http_url(&a.url) {
                out.push("design-error-alignment");
                break;
            }
        }
        if self
            .membership_months
            .is_some_and(|m| !(1..=120).contains(&m))
            || self
                .membership_notice_days
                .is_some_and(|d| !(1..=120).contains(&d))
        {
            out.push("design-error-membership");
        }
        match &self.expiry {
            Expiry::OnDate { date } if parse_date(date).is_none() => {
                out.push("design-error-expiry")
            }
            Expiry::AfterDays { days } if !(1..=36_500).contains(days) => {
                out.push("design-error-expiry")
            }
            _ => {}
        }
        out
    }

    /// The text that explains how the badge was earned: the criteria, followed
    /// by the micro-credential fields that have no property of their own in
    /// Open Badges 3.0 (so they travel inside the signed credential).
    pub fn criteria_narrative(&self) -> String {
        let mut text = self.criteria.trim().to_owned();
        let hours = self
            .hours
            .map(|h| format!("{} hours", format_number(h)))
            .unwrap_or_default();
        let credits = self
            .credits
            .map(|c| format!("{} ECTS credits", format_number(c)))
            .unwrap_or_default();
        let extra = [
            ("Level", &self.level),
            ("Size", &hours),
            ("Credits", &credits),
            ("Learning outcomes", &self.learning_outcomes),
            ("Assessment", &self.assessment_type),
            ("Participation", &self.participation_mode),
            ("Prerequisites", &self.prerequisites),
            ("Quality assurance", &self.quality_assurance),
        ];
        for (label, value) in extra {
            if !value.trim().is_empty() {
                text.push_str(&format!("\n\n**{label}:** {}", value.trim()));
            }
        }
        text
    }

    /// The Open Badges 3.0 `Achievement`.
    pub fn achievement(&self, id: &str, image_url: &str, creator: &Value) -> Value {
        let mut a = Map::new();
        a.insert("id".into(), json!(id));
        a.insert("type".into(), json!(["Achievement"]));
        if !self.achievement_type.is_empty() {
            a.insert("achievementType".into(), json!(self.achievement_type));
        }
        a.insert("name".into(), json!(self.name.trim()));
        a.insert("description".into(), json!(self.description.trim()));
        a.insert(
            "criteria".into(),
            json!({ "narrative": self.criteria_narrative() }),
        );
        a.insert(
            "image".into(),
            json!({ "id": image_url, "type": "Image", "caption": self.name.trim() }),
        );
        a.insert("creator".into(), creator.clone());
        if let Some(credits) = self.credits {
            a.insert("creditsAvailable".into(), json!(credits));
        }
        if !self.field_of_study.trim().is_empty() {
            a.insert("fieldOfStudy".into(), json!(self.field_of_study.trim()));
        }
        if !self.language.trim().is_empty() {
            a.insert("inLanguage".into(), json!(self.language.trim()));
        }
        let tags: Vec<&str> = self
            .tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        if !tags.is_empty() {
            a.insert("tag".into(), json!(tags));
        }
        let mut alignments: Vec<Value> = self
            .alignments
            .iter()
            .map(|al| al.to_json(Some(json!(["Alignment"]))))
            .collect();
        if let Some(level) = self.eqf_level {
            alignments.push(json!({
                "type": ["Alignment"],
                "targetName": format!("EQF level {level}"),
                "targetUrl": "https://europa.eu/europass/en/description-eight-eqf-levels",
                "targetCode": format!("EQF-{level}"),
                "targetFramework": "European Qualifications Framework",
                "targetType": "ext:EQFLevel"
            }));
        }
        if !alignments.is_empty() {
            a.insert("alignment".into(), Value::Array(alignments));
        }
        Value::Object(a)
    }

    /// The Open Badges 2.0 `BadgeClass`.
    pub fn badge_class(
        &self,
        id: &str,
        image_url: &str,
        issuer_url: &str,
        criteria_url: &str,
    ) -> Value {
        let mut b = Map::new();
        b.insert("@context".into(), json!("https://w3id.org/openbadges/v2"));
        b.insert("type".into(), json!("BadgeClass"));
        b.insert("id".into(), json!(id));
        b.insert("name".into(), json!(self.name.trim()));
        b.insert("description".into(), json!(self.description.trim()));
        b.insert("image".into(), json!(image_url));
        b.insert(
            "criteria".into(),
            json!({ "id": criteria_url, "narrative": self.criteria_narrative() }),
        );
        b.insert("issuer".into(), json!(issuer_url));
        let tags: Vec<&str> = self
            .tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        if !tags.is_empty() {
            b.insert("tags".into(), json!(tags));
        }
        if !self.alignments.is_empty() {
            let list: Vec<Value> = self.alignments.iter().map(|al| al.to_json(None)).collect();
            b.insert("alignment".into(), Value::Array(list));
        }
        Value::Object(b)
    }

    /// When an award issued at `issued_at` (Unix seconds) expires.
    pub fn expires_at(&self, issued_at: i64) -> Option<i64> {
        if let Some(months) = self.membership_months {
            return Some(add_months(issued_at, months));
        }
        match &self.expiry {
            Expiry::Never => None,
            Expiry::OnDate { date } => {
                parse_date(date).map(|d| d.midnight().assume_utc().unix_timestamp())
            }
            Expiry::AfterDays { days } => Some(issued_at + days * 86_400),
        }
    }
}

/// `t` (Unix seconds) plus `months` calendar months, the day clamped to
/// the month's length (31 January + 1 month = 28 or 29 February).
pub fn add_months(t: i64, months: u32) -> i64 {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(t) else {
        return t;
    };
    let total = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + i64::from(months);
    let (Ok(year), Ok(month)) = (
        i32::try_from(total.div_euclid(12)),
        u8::try_from(total.rem_euclid(12) + 1),
    ) else {
        return t;
    };
    let Ok(month) = time::Month::try_from(month) else {
        return t;
    };
    let day = at.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(date) => at.replace_date(date).unix_timestamp(),
        Err(_) => t,
    }
}

pub fn parse_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), format).ok()
}

pub fn is_http_url(text: &str) -> bool {
    url::Url::parse(text.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn memberships_last_calendar_months() {
        // 2026-01-31 00:00 UTC + 1 month: 2026-02-28; + 12: 2027-01-31.
        let jan31 = 1_769_817_600;
        assert_eq!(add_months(jan31, 1), 1_772_236_800);
        assert_eq!(add_months(jan31, 12), 1_801_353_600);
        let d = BadgeDefinition {
            membership_months: Some(12),
            expiry: Expiry::AfterDays { days: 5 },
            ..Default::default()
        };
        assert_eq!(d.expires_at(jan31), Some(1_801_353_600));
    }

    #[test]
    fn problems_are_found() {
        let d = BadgeDefinition::default();
        assert!(d.problems().contains(&"design-error-name"));
        let good = BadgeDefinition {
            name: "Python".into(),
            description: "d".into(),
            criteria: "c".into(),
            eqf_level: Some(9),
            expiry: Expiry::AfterDays { days: 0 },
            ..Default::default()
        };
        assert_eq!(
            good.problems(),
            vec!["design-error-eqf", "design-error-expiry"]
        );
    }

    #[test]
    fn expiry_policies() {
        let mut d = BadgeDefinition::default();
        assert_eq!(d.expires_at(100), None);
        d.expiry = Expiry::AfterDays { days: 2 };
        assert_eq!(d.expires_at(100), Some(100 + 2 * 86_400));
        d.expiry = Expiry::OnDate {
            date: "2030-01-01".into(),
        };
        assert_eq!(d.expires_at(100), Some(1_893_456_000));
    }
}
