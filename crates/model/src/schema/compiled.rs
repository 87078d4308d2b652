//! The vendored schemas, compiled once on first use.

use std::sync::LazyLock;

use jsonschema::{Draft, Resource, Validator};
use serde_json::{Value, json};

const ACHIEVEMENT_CREDENTIAL: &str =
    include_str!("../../schemas/ob_v3p0_achievementcredential_schema.json");
const ENDORSEMENT_CREDENTIAL: &str =
    include_str!("../../schemas/ob_v3p0_endorsementcredential_schema.json");
const PROFILE: &str = include_str!("../../schemas/ob_v3p0_profile_schema.json");
const ACHIEVEMENT_CREDENTIAL_VC1: &str =
    include_str!("../../schemas/ob_v3p0_vc1_achievementcredential_schema.json");
const ENDORSEMENT_CREDENTIAL_VC1: &str =
    include_str!("../../schemas/ob_v3p0_vc1_endorsementcredential_schema.json");

/// The schemas this crate ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BundledSchema {
    AchievementCredential,
    EndorsementCredential,
    Profile,
    /// `$defs/Achievement` of the AchievementCredential schema.
    Achievement,
    AchievementCredentialVc1,
    EndorsementCredentialVc1,
}

/// A compiled schema plus the JSON it came from, used to word messages.
pub(crate) struct CompiledSchema {
    pub(crate) validator: Validator,
    /// The schema the validator starts from.
    pub(crate) entry: Value,
    /// The vendored schema document (`$ref`s point into it).
    pub(crate) document: Value,
}

type Slot = LazyLock<Result<CompiledSchema, String>>;

static ACHIEVEMENT_CREDENTIAL_SLOT: Slot = LazyLock::new(|| compile(ACHIEVEMENT_CREDENTIAL, None));
static ENDORSEMENT_CREDENTIAL_SLOT: Slot = LazyLock::new(|| compile(ENDORSEMENT_CREDENTIAL, None));
static PROFILE_SLOT: Slot = LazyLock::new(|| compile(PROFILE, None));
static ACHIEVEMENT_SLOT: Slot =
    LazyLock::new(|| compile(ACHIEVEMENT_CREDENTIAL, Some("Achievement")));
static ACHIEVEMENT_CREDENTIAL_VC1_SLOT: Slot =
    LazyLock::new(|| compile(ACHIEVEMENT_CREDENTIAL_VC1, None));
static ENDORSEMENT_CREDENTIAL_VC1_SLOT: Slot =
    LazyLock::new(|| compile(ENDORSEMENT_CREDENTIAL_VC1, None));

impl BundledSchema {
    #[cfg(test)]
    pub(crate) const ALL: [Self; 6] = [
        Self::AchievementCredential,
        Self::EndorsementCredential,
        Self::Profile,
        Self::Achievement,
        Self::AchievementCredentialVc1,
        Self::EndorsementCredentialVc1,
    ];

    pub(crate) fn compiled(self) -> Result<&'static CompiledSchema, &'static str> {
        let slot: &'static Slot = match self {
            Self::AchievementCredential => &ACHIEVEMENT_CREDENTIAL_SLOT,
            Self::EndorsementCredential => &ENDORSEMENT_CREDENTIAL_SLOT,
            Self::Profile => &PROFILE_SLOT,
            Self::Achievement => &ACHIEVEMENT_SLOT,
            Self::AchievementCredentialVc1 => &ACHIEVEMENT_CREDENTIAL_VC1_SLOT,
            Self::EndorsementCredentialVc1 => &ENDORSEMENT_CREDENTIAL_VC1_SLOT,
        };
        slot.as_ref().map_err(String::as_str)
    }
}

/// Compiles a vendored schema, or one of its `$defs` when `definition` is
/// given (the document is then registered locally under its `$id`).
fn compile(source: &str, definition: Option<&str>) -> Result<CompiledSchema, String> {
    let document: Value = serde_json::from_str(source).map_err(|error| error.to_string())?;
    let mut options = jsonschema::options()
        .with_draft(Draft::Draft201909)
        .should_validate_formats(true);
    let entry = match definition {
        None => document.clone(),
        Some(name) => {
            let id = document
                .get("$id")
                .and_then(Value::as_str)
                .ok_or("the schema has no $id")?
                .to_owned();
            let resource =
                Resource::from_contents(document.clone()).map_err(|error| error.to_string())?;
            options = options.with_resource(id.clone(), resource);
            json!({ "$ref": format!("{id}#/$defs/{name}") })
        }
    };
    let validator = options.build(&entry).map_err(|error| error.to_string())?;
    Ok(CompiledSchema {
        validator,
        entry,
        document,
    })
}
