//! The two Open Badges 3.0 credentials (OpenBadgeCredential and
//! EndorsementCredential) and the Verifiable Credential parts they share.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::OB3_CONTEXT;
use super::profile::{Image, Profile};
use super::subject::{AchievementSubject, Evidence};
use crate::common::{
    Context, ContextEntry, IdOrObject, OneOrMany, VC_V2_CONTEXT, VcDataModel,
    parse_optional_rfc3339, types,
};
use crate::error::ModelError;

/// An OpenBadgeCredential (alias AchievementCredential): a Verifiable
/// Credential asserting that its subject earned an achievement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenBadgeCredential {
    /// JSON-LD context; first the W3C VC context, then the OB 3.0 context.
    #[serde(rename = "@context")]
    pub context: Context,
    /// Unique IRI of the credential.
    pub id: String,
    /// Must include `VerifiableCredential` and `OpenBadgeCredential` (or
    /// `AchievementCredential`).
    pub r#type: OneOrMany<String>,
    /// Name of the credential, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Image of the credential (e.g. the baked badge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// When the credential was first awarded (kept across re-issues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    /// The recipient and the achievement.
    pub credential_subject: AchievementSubject,
    /// Endorsements of the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Vec<EndorsementCredential>>,
    /// Endorsements as compact JWS strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_jwt: Option<Vec<String>>,
    /// Evidence supporting the award.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<Evidence>>,
    /// The issuer: an IRI or an embedded Profile.
    pub issuer: IdOrObject<Profile>,
    /// Start of validity (VC 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// End of validity (VC 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Start of validity (VC 1.1 form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// End of validity (VC 1.1 form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// Embedded proof(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<OneOrMany<Proof>>,
    /// Schemas the credential conforms to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_schema: Option<OneOrMany<CredentialSchema>>,
    /// Where to check revocation or suspension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<OneOrMany<CredentialStatus>>,
    /// Where to get a refreshed credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_service: Option<OneOrMany<RefreshService>>,
    /// Terms of use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<OneOrMany<TermsOfUse>>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OpenBadgeCredential {
    /// Type name of an OpenBadgeCredential.
    pub const TYPE: &'static str = "OpenBadgeCredential";
    /// Older alias accepted for [`Self::TYPE`].
    pub const TYPE_ALIAS: &'static str = "AchievementCredential";

    /// A VC 2.0 OpenBadgeCredential with the standard `@context` and `type`.
    pub fn new(
        id: impl Into<String>,
        issuer: IdOrObject<Profile>,
        valid_from: impl Into<String>,
        credential_subject: AchievementSubject,
    ) -> Self {
        Self {
            context: standard_context(),
            id: id.into(),
            r#type: types(["VerifiableCredential", Self::TYPE]),
            name: None,
            description: None,
            image: None,
            awarded_date: None,
            credential_subject,
            endorsement: None,
            endorsement_jwt: None,
            evidence: None,
            issuer,
            valid_from: Some(valid_from.into()),
            valid_until: None,
            issuance_date: None,
            expiration_date: None,
            proof: None,
            credential_schema: None,
            credential_status: None,
            refresh_service: None,
            terms_of_use: None,
            extra: Map::new(),
        }
    }

    /// `true` if `type` names OpenBadgeCredential or AchievementCredential.
    pub fn has_badge_type(&self) -> bool {
        self.r#type.contains_str(Self::TYPE) || self.r#type.contains_str(Self::TYPE_ALIAS)
    }

    /// VC data model the credential is written in.
    pub fn data_model(&self) -> VcDataModel {
        VcDataModel::of_context(&self.context)
    }

    /// IRI of the issuer.
    pub fn issuer_id(&self) -> Option<&str> {
        self.issuer.id()
    }

    /// Start of validity: `validFrom`, or `issuanceDate` for VC 1.1.
    pub fn valid_from(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        first_date(
            ("validFrom", self.valid_from.as_deref()),
            ("issuanceDate", self.issuance_date.as_deref()),
        )
    }

    /// End of validity: `validUntil`, or `expirationDate` for VC 1.1.
    pub fn valid_until(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        first_date(
            ("validUntil", self.valid_until.as_deref()),
            ("expirationDate", self.expiration_date.as_deref()),
        )
    }

    /// `awardedDate` parsed as an RFC 3339 date-time.
    pub fn awarded_date(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        parse_optional_rfc3339("awardedDate", self.awarded_date.as_deref())
    }

    /// The embedded proofs (empty when unsigned).
    pub fn proofs(&self) -> &[Proof] {
        self.proof.as_ref().map_or(&[], OneOrMany::as_slice)
    }
}

/// An EndorsementCredential: a third party's claim about a profile,
/// achievement or credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementCredential {
    /// JSON-LD context; first the W3C VC context, then the OB 3.0 context.
    #[serde(rename = "@context")]
    pub context: Context,
    /// Must include `VerifiableCredential` and `EndorsementCredential`.
    pub r#type: OneOrMany<String>,
    /// Unique IRI of the endorsement.
    pub id: String,
    /// Name of the endorsement, for display.
    pub name: String,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What is endorsed, and the endorser's comment.
    pub credential_subject: EndorsementSubject,
    /// When the endorsement was first awarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    /// The endorser: an IRI or an embedded Profile.
    pub issuer: IdOrObject<Profile>,
    /// Start of validity (VC 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// End of validity (VC 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Start of validity (VC 1.1 form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// End of validity (VC 1.1 form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// Embedded proof(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<OneOrMany<Proof>>,
    /// Schemas the credential conforms to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_schema: Option<OneOrMany<CredentialSchema>>,
    /// Where to check revocation or suspension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<OneOrMany<CredentialStatus>>,
    /// Where to get a refreshed credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_service: Option<OneOrMany<RefreshService>>,
    /// Terms of use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<OneOrMany<TermsOfUse>>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EndorsementCredential {
    /// Type name of an EndorsementCredential.
    pub const TYPE: &'static str = "EndorsementCredential";

    /// VC data model the credential is written in.
    pub fn data_model(&self) -> VcDataModel {
        VcDataModel::of_context(&self.context)
    }

    /// IRI of the endorser.
    pub fn issuer_id(&self) -> Option<&str> {
        self.issuer.id()
    }

    /// Start of validity: `validFrom`, or `issuanceDate` for VC 1.1.
    pub fn valid_from(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        first_date(
            ("validFrom", self.valid_from.as_deref()),
            ("issuanceDate", self.issuance_date.as_deref()),
        )
    }

    /// End of validity: `validUntil`, or `expirationDate` for VC 1.1.
    pub fn valid_until(&self) -> Result<Option<OffsetDateTime>, ModelError> {
        first_date(
            ("validUntil", self.valid_until.as_deref()),
            ("expirationDate", self.expiration_date.as_deref()),
        )
    }

    /// The embedded proofs (empty when unsigned).
    pub fn proofs(&self) -> &[Proof] {
        self.proof.as_ref().map_or(&[], OneOrMany::as_slice)
    }
}

/// What an EndorsementCredential is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementSubject {
    /// IRI of the endorsed entity.
    pub id: String,
    /// Must include `EndorsementSubject`.
    pub r#type: OneOrMany<String>,
    /// The endorser's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_comment: Option<String>,
    /// Properties not defined by the spec, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An embedded proof, kept generic: suite-specific members stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    /// Proof type, e.g. `DataIntegrityProof`.
    pub r#type: String,
    /// Cryptosuite, e.g. `eddsa-rdfc-2022`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptosuite: Option<String>,
    /// When the proof was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Key used to create the proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
    /// Purpose, e.g. `assertionMethod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_purpose: Option<String>,
    /// The signature value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_value: Option<String>,
    /// Other proof members (`challenge`, `domain`, `jws`, …), kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where the status (e.g. revocation) of a credential is published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialStatus {
    /// IRI of the status entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Status method, e.g. `1EdTechRevocationList` or `BitstringStatusListEntry`.
    pub r#type: String,
    /// Method-specific members, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A schema the credential conforms to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSchema {
    /// URL of the schema.
    pub id: String,
    /// Schema validator type, e.g. `1EdTechJsonSchemaValidator2019`.
    pub r#type: String,
    /// Other members, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A service issuing refreshed copies of the credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshService {
    /// URL of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Service type, e.g. `1EdTechCredentialRefresh`.
    pub r#type: String,
    /// Other members, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Terms of use attached to the credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsOfUse {
    /// IRI of the terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Type of the terms.
    pub r#type: String,
    /// Other members, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT]`.
fn standard_context() -> Context {
    OneOrMany::Many(vec![
        ContextEntry::Iri(VC_V2_CONTEXT.to_owned()),
        ContextEntry::Iri(OB3_CONTEXT.to_owned()),
    ])
}

/// Parses the first present of two date properties.
fn first_date(
    preferred: (&'static str, Option<&str>),
    fallback: (&'static str, Option<&str>),
) -> Result<Option<OffsetDateTime>, ModelError> {
    match preferred {
        (name, Some(value)) => parse_optional_rfc3339(name, Some(value)),
        (_, None) => parse_optional_rfc3339(fallback.0, fallback.1),
    }
}
