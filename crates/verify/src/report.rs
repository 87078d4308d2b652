//! The verification report: a value, rendered later as text, HTML or JSON.

use std::collections::BTreeMap;

use serde::Serialize;

/// What one check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The check ran and the credential passed it.
    Passed,
    /// The check ran and the credential failed it.
    Failed,
    /// The check could not be run (offline, key not resolvable, status list unreachable…).
    /// Never counted as passed, never as failed.
    CouldNotCheck,
    /// The check does not apply to this credential (e.g. it has no expiry date).
    NotApplicable,
}

/// The checks a report can contain, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The input is a well-formed credential (JSON or JWT).
    Parse,
    /// Every JSON-LD context is known, in the right order, and defines every term.
    Contexts,
    /// The credential has the types its standard requires.
    Types,
    /// The credential validates against the official JSON Schema.
    Schema,
    /// The credential follows the VC Data Model's rules (`insignia_model::vc_rules`).
    Conformance,
    /// The signature is intact and made with the stated key.
    Proof,
    /// The signing key belongs to the issuer.
    KeyBinding,
    /// The credential is within its validity period.
    ValidityWindow,
    /// The credential has not been revoked or suspended.
    Status,
    /// Open Badges 2.0 hosted: the issuer's site serves this very assertion at its id.
    HostedCopy,
    /// Open Badges 2.0 hosted: the assertion's URL is within the issuer's verification scope.
    Scope,
    /// The credential was awarded to the recipient the verifier asked about.
    Recipient,
}

impl CheckKind {
    /// A short English label, used by the text report.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::Parse => "Format",
            CheckKind::Contexts => "JSON-LD contexts",
            CheckKind::Types => "Credential types",
            CheckKind::Schema => "Schema",
            CheckKind::Conformance => "Data model rules",
            CheckKind::Proof => "Signature",
            CheckKind::KeyBinding => "Issuer key",
            CheckKind::ValidityWindow => "Validity period",
            CheckKind::Status => "Revocation status",
            CheckKind::HostedCopy => "Issuer's copy",
            CheckKind::Scope => "Issuer's site",
            CheckKind::Recipient => "Recipient",
        }
    }

    /// Whether this check is about conformance to the Open Badges rules
    /// rather than authenticity: the credential's types and its JSON Schema.
    /// A failed conformance check makes the verdict
    /// [`Verdict::ValidWithWarnings`] (never [`Verdict::Invalid`]) when every
    /// authenticity check passed. Contexts are not among them: a property
    /// the contexts do not define is left out of what the signature covers.
    pub fn is_conformance(self) -> bool {
        matches!(
            self,
            CheckKind::Types | CheckKind::Schema | CheckKind::Conformance
        )
    }
}

/// One check with its outcome, a one-line technical explanation in English
/// (`message`, what the command line prints), and the same outcome as a
/// stable message id with typed arguments, for a reader's language
/// (`message_id` is one of [`MESSAGE_IDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: CheckKind,
    pub outcome: Outcome,
    pub message: String,
    pub message_id: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<&'static str, String>,
}

impl Check {
    /// A check with the default message id of its kind and outcome.
    pub fn new(check: CheckKind, outcome: Outcome, message: impl Into<String>) -> Check {
        Check {
            check,
            outcome,
            message: message.into(),
            message_id: default_message_id(check, outcome),
            args: BTreeMap::new(),
        }
    }

    /// The same check with a more precise message id (one of [`MESSAGE_IDS`]).
    pub fn with_id(mut self, message_id: &'static str) -> Check {
        debug_assert!(MESSAGE_IDS.contains(&message_id), "{message_id}");
        self.message_id = message_id;
        self
    }

    /// The same check with one more argument for its message.
    pub fn with_arg(mut self, name: &'static str, value: impl Into<String>) -> Check {
        self.args.insert(name, value.into());
        self
    }
}

/// The message id a check has when no more precise one was given:
/// `<kind>-<outcome>`, e.g. `proof-passed`.
pub fn default_message_id(check: CheckKind, outcome: Outcome) -> &'static str {
    macro_rules! ids {
        ($($kind:ident => $prefix:literal),* $(,)?) => {
            match check {
                $(CheckKind::$kind => match outcome {
                    Outcome::Passed => concat!($prefix, "-passed"),
                    Outcome::Failed => concat!($prefix, "-failed"),
                    Outcome::CouldNotCheck => concat!($prefix, "-could-not-check"),
                    Outcome::NotApplicable => concat!($prefix, "-not-applicable"),
                },)*
            }
        };
    }
    ids! {
        Parse => "parse",
        Contexts => "contexts",
        Types => "types",
        Schema => "schema",
        Conformance => "conformance",
        Proof => "proof",
        KeyBinding => "key-binding",
        ValidityWindow => "validity",
        Status => "status",
        HostedCopy => "hosted-copy",
        Scope => "scope",
        Recipient => "recipient",
    }
}

/// Every message id a check can carry: the default id of each kind and
/// outcome, then the more precise ones (with their arguments).
pub const MESSAGE_IDS: &[&str] = &[
    "parse-passed",
    "parse-failed",
    "parse-could-not-check",
    "parse-not-applicable",
    "contexts-passed",
    "contexts-failed",
    "contexts-could-not-check",
    "contexts-not-applicable",
    "types-passed",
    "types-failed",
    "types-could-not-check",
    "types-not-applicable",
    "schema-passed",
    "schema-failed",
    "schema-could-not-check",
    "schema-not-applicable",
    "conformance-passed",
    "conformance-failed",
    "conformance-could-not-check",
    "conformance-not-applicable",
    "proof-passed",
    "proof-failed",
    "proof-could-not-check",
    "proof-not-applicable",
    "key-binding-passed",
    "key-binding-failed",
    "key-binding-could-not-check",
    "key-binding-not-applicable",
    "validity-passed",
    "validity-failed",
    "validity-could-not-check",
    "validity-not-applicable",
    "status-passed",
    "status-failed",
    "status-could-not-check",
    "status-not-applicable",
    "hosted-copy-passed",
    "hosted-copy-failed",
    "hosted-copy-could-not-check",
    "hosted-copy-not-applicable",
    "scope-passed",
    "scope-failed",
    "scope-could-not-check",
    "scope-not-applicable",
    "recipient-passed",
    "recipient-failed",
    "recipient-could-not-check",
    "recipient-not-applicable",
    // With arguments: `cryptosuite`.
    "proof-intact",
    // `count`: how many signatures the proof set has.
    "proof-set-intact",
    // `until`: the end of the validity period (RFC 3339).
    "validity-until",
    // `since`: the start of the validity period (RFC 3339).
    "validity-since",
    // `date`: when it expired.
    "validity-expired",
    // `date`: when it becomes valid.
    "validity-not-yet",
    "status-offline",
    // `reason` (may be empty), `date` (may be empty).
    "status-revoked",
    "status-suspended",
    "status-in-force",
    // `recipient`: the identity asked about.
    "recipient-matches",
    "recipient-mismatch",
];

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every applicable check passed.
    Valid,
    /// Authentic, with conformance problems: the signature, the key binding,
    /// the validity window and the status (and every other check about
    /// authenticity) passed, but the credential breaks an Open Badges rule
    /// that is not about authenticity (a [`CheckKind::is_conformance`] check
    /// failed; those checks list the problems).
    ValidWithWarnings,
    /// A check about authenticity failed (signature, key binding, validity
    /// window, status, the issuer's copy, the recipient asked about, …).
    Invalid,
    /// Nothing failed, but something could not be checked.
    Indeterminate,
}

/// What kind of credential was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialFormat {
    /// Open Badges 3.0 / VC with an embedded Data Integrity proof.
    Ob3DataIntegrity,
    /// Open Badges 3.0 / VC secured as a VC-JWT.
    Ob3Jwt,
    /// Open Badges 2.0 signed assertion (JWS).
    Ob2Signed,
    /// Open Badges 2.0 assertion JSON (hosted verification).
    Ob2Hosted,
    /// Not recognised.
    Unknown,
}

/// Facts about the credential for a person reading the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// When the credential names its recipient only by a hash: what was
    /// hashed (`email`, `url`, `phone`, `identity`) and the hash's start, for
    /// a reader's language (`recipient` keeps the English description).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_hashed: Option<HashedRecipient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// An endorsement's subject: the id of the endorsed credential,
    /// achievement or issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endorsed: Option<String>,
    /// An endorsement's `endorsementComment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endorsement_comment: Option<String>,
}

/// A recipient named only by a hash (see [`Summary::recipient_hashed`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedRecipient {
    pub kind: &'static str,
    pub hash_start: String,
}

/// The full report for one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `true` exactly when the credential is authentic and in force: the
    /// verdict is [`Verdict::Valid`] or [`Verdict::ValidWithWarnings`].
    pub valid: bool,
    pub verdict: Verdict,
    pub format: CredentialFormat,
    pub summary: Summary,
    pub checks: Vec<Check>,
    /// Each embedded endorsement, verified in turn. An endorsement's verdict
    /// never changes this report's verdict: a badge does not become invalid
    /// because a third party's endorsement of it fails (it is shown as failed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endorsements: Vec<Report>,
}

impl Report {
    /// Builds a report; the verdict is derived from the checks, never set by hand.
    pub fn new(format: CredentialFormat, summary: Summary, checks: Vec<Check>) -> Self {
        let failed = |c: &&Check| c.outcome == Outcome::Failed;
        let verdict = if checks
            .iter()
            .filter(failed)
            .any(|c| !c.check.is_conformance())
        {
            Verdict::Invalid
        } else if checks.is_empty()
            || checks.iter().any(|c| c.outcome == Outcome::CouldNotCheck)
            || !checks.iter().any(|c| {
                matches!(c.check, CheckKind::Proof | CheckKind::HostedCopy)
                    && c.outcome == Outcome::Passed
            })
        {
            // No passed signature (or, for hosted Open Badges 2.0, no copy
            // fetched from the issuer) means nothing was proven.
            Verdict::Indeterminate
        } else if checks.iter().any(|c| failed(&c)) {
            // Only conformance checks failed.
            Verdict::ValidWithWarnings
        } else {
            Verdict::Valid
        };
        Report {
            valid: matches!(verdict, Verdict::Valid | Verdict::ValidWithWarnings),
            verdict,
            format,
            summary,
            checks,
            endorsements: Vec::new(),
        }
    }

    /// The same report with the endorsements' reports attached (the verdict is unchanged).
    pub fn with_endorsements(mut self, endorsements: Vec<Report>) -> Self {
        self.endorsements = endorsements;
        self
    }

    /// The first failed check, if any.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.outcome == Outcome::Failed)
    }

    /// The conformance problems: failed checks that are not about
    /// authenticity ([`CheckKind::is_conformance`]).
    pub fn conformance_problems(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Failed && c.check.is_conformance())
    }

    /// The check of a kind, if it ran.
    pub fn check(&self, kind: CheckKind) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == kind)
    }
}

/// A check that passed.
pub(crate) fn passed(check: CheckKind, message: impl Into<String>) -> Check {
    Check::new(check, Outcome::Passed, message)
}

/// A check that failed.
pub(crate) fn failed(check: CheckKind, message: impl Into<String>) -> Check {
    Check::new(check, Outcome::Failed, message)
}

/// A check that could not be run.
pub(crate) fn could_not(check: CheckKind, message: impl Into<String>) -> Check {
    Check::new(check, Outcome::CouldNotCheck, message)
}

/// A check that does not apply.
pub(crate) fn not_applicable(check: CheckKind, message: impl Into<String>) -> Check {
    Check::new(check, Outcome::NotApplicable, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: CheckKind, outcome: Outcome) -> Check {
        Check::new(kind, outcome, "")
    }

    #[test]
    fn every_default_id_is_listed_once() {
        use std::collections::BTreeSet;
        let kinds = [
            CheckKind::Parse,
            CheckKind::Contexts,
            CheckKind::Types,
            CheckKind::Schema,
            CheckKind::Conformance,
            CheckKind::Proof,
            CheckKind::KeyBinding,
            CheckKind::ValidityWindow,
            CheckKind::Status,
            CheckKind::HostedCopy,
            CheckKind::Scope,
            CheckKind::Recipient,
        ];
        let outcomes = [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::CouldNotCheck,
            Outcome::NotApplicable,
        ];
        for kind in kinds {
            for outcome in outcomes {
                let id = default_message_id(kind, outcome);
                assert!(MESSAGE_IDS.contains(&id), "{id}");
            }
        }
        let unique: BTreeSet<&str> = MESSAGE_IDS.iter().copied().collect();
        assert_eq!(unique.len(), MESSAGE_IDS.len());
    }

    #[test]
    fn the_json_report_carries_message_ids_and_arguments() {
        let c = Check::new(
            CheckKind::Proof,
            Outcome::Passed,
            "the eddsa-rdfc-2022 signature is intact",
        )
        .with_id("proof-intact")
        .with_arg("cryptosuite", "eddsa-rdfc-2022");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["message_id"], "proof-intact");
        assert_eq!(json["args"]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(json["message"], "the eddsa-rdfc-2022 signature is intact");
    }

    #[test]
    fn verdict_follows_the_checks() {
        let ok = Report::new(
            CredentialFormat::Ob3DataIntegrity,
            Summary::default(),
            vec![
                check(CheckKind::Parse, Outcome::Passed),
                check(CheckKind::Proof, Outcome::Passed),
            ],
        );
        assert_eq!(ok.verdict, Verdict::Valid);
        assert!(ok.valid);

        let failed = Report::new(
            CredentialFormat::Ob3DataIntegrity,
            Summary::default(),
            vec![
                check(CheckKind::Proof, Outcome::Passed),
                check(CheckKind::ValidityWindow, Outcome::Failed),
                check(CheckKind::Status, Outcome::CouldNotCheck),
            ],
        );
        assert_eq!(failed.verdict, Verdict::Invalid);
        assert!(!failed.valid);

        let unsure = Report::new(
            CredentialFormat::Ob3DataIntegrity,
            Summary::default(),
            vec![
                check(CheckKind::Proof, Outcome::Passed),
                check(CheckKind::Status, Outcome::CouldNotCheck),
            ],
        );
        assert_eq!(unsure.verdict, Verdict::Indeterminate);

        let unproven = Report::new(
            CredentialFormat::Unknown,
            Summary::default(),
            vec![check(CheckKind::Parse, Outcome::Passed)],
        );
        assert_eq!(unproven.verdict, Verdict::Indeterminate);
        assert!(!unproven.valid);
    }

    #[test]
    fn conformance_problems_do_not_make_an_authentic_badge_invalid() {
        let authentic = |extra: Vec<Check>| {
            let mut checks = vec![
                check(CheckKind::Parse, Outcome::Passed),
                check(CheckKind::Types, Outcome::Failed),
                check(CheckKind::Schema, Outcome::Failed),
                check(CheckKind::Proof, Outcome::Passed),
                check(CheckKind::KeyBinding, Outcome::Passed),
            ];
            checks.extend(extra);
            Report::new(
                CredentialFormat::Ob3DataIntegrity,
                Summary::default(),
                checks,
            )
        };
        let warned = authentic(vec![]);
        assert_eq!(warned.verdict, Verdict::ValidWithWarnings);
        assert!(warned.valid);
        assert_eq!(warned.conformance_problems().count(), 2);

        // Any failed authenticity check still makes it invalid…
        for kind in [
            CheckKind::Proof,
            CheckKind::KeyBinding,
            CheckKind::ValidityWindow,
            CheckKind::Status,
            CheckKind::Contexts,
            CheckKind::Recipient,
        ] {
            let report = authentic(vec![check(kind, Outcome::Failed)]);
            assert_eq!(report.verdict, Verdict::Invalid, "{kind:?}");
            assert!(!report.valid);
        }
        // …and anything unchecked leaves it indeterminate.
        let unsure = authentic(vec![check(CheckKind::Status, Outcome::CouldNotCheck)]);
        assert_eq!(unsure.verdict, Verdict::Indeterminate);
        assert!(!unsure.valid);
    }
}
