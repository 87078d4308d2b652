//! The verification report as text for a person at a terminal.

use std::fmt::Write as _;

use insignia_verify::{Check, CredentialFormat, Outcome, PresentationReport, Report, Verdict};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let headline = match report.verdict {
        Verdict::Valid => "VALID: this credential is authentic and in force",
        Verdict::ValidWithWarnings => {
            "AUTHENTIC, WITH CONFORMANCE PROBLEMS: the signature, issuer key, validity period and status check out, but the credential breaks Open Badges rules (marked [FAIL] below)"
        }
        Verdict::Invalid => "NOT VALID: at least one check failed",
        Verdict::Indeterminate => {
            "NOT VERIFIED: nothing failed, but not everything could be checked"
        }
    };
    let _ = writeln!(out, "{headline}");
    render_body(report, "  ", &mut out);
    for endorsement in &report.endorsements {
        let verdict = match endorsement.verdict {
            Verdict::Valid => "valid",
            Verdict::ValidWithWarnings => "authentic, with conformance problems",
            Verdict::Invalid => "FAILED",
            Verdict::Indeterminate => "not verified",
        };
        let by = endorsement
            .summary
            .issuer_name
            .as_deref()
            .or(endorsement.summary.issuer_id.as_deref())
            .unwrap_or("an unnamed endorser");
        let _ = writeln!(
            out,
            "\nEndorsement by {by}: {verdict} (endorsements do not change the verdict above)"
        );
        render_body(endorsement, "    ", &mut out);
    }
    out
}

fn render_body(report: &Report, indent: &str, out: &mut String) {
    let s = &report.summary;
    let kind = match report.format {
        CredentialFormat::Ob3DataIntegrity => {
            Some("Open Badges 3.0 credential (Data Integrity proof)")
        }
        CredentialFormat::Ob3Jwt => Some("Open Badges 3.0 credential (VC-JWT)"),
        CredentialFormat::Ob2Signed => Some("Open Badges 2.0 signed assertion"),
        CredentialFormat::Ob2Hosted => Some("Open Badges 2.0 hosted assertion"),
        CredentialFormat::Unknown => None,
    };
    let mut fact = |label: &str, value: Option<&str>| {
        if let Some(v) = value {
            let _ = writeln!(out, "{indent}{label:<12} {v}");
        }
    };
    fact("Kind:", kind);
    fact("Badge:", s.name.as_deref());
    fact("Issuer:", s.issuer_name.as_deref());
    fact("Issuer id:", s.issuer_id.as_deref());
    fact("Recipient:", s.recipient.as_deref());
    fact("Issued:", s.issued.as_deref());
    fact("Expires:", s.expires.as_deref());
    fact("Endorses:", s.endorsed.as_deref());
    fact("Comment:", s.endorsement_comment.as_deref());
    fact("Id:", s.id.as_deref());
    let _ = writeln!(out);
    render_checks(&report.checks, indent, out);
}

/// A presentation: its own checks, then each credential's report.
pub fn render_presentation(report: &PresentationReport) -> String {
    let mut out = String::new();
    let headline = match report.verdict {
        Verdict::Valid => "VALID: the presentation and every credential in it verify",
        Verdict::ValidWithWarnings => {
            "AUTHENTIC, WITH CONFORMANCE PROBLEMS: everything verifies, but a data model rule is broken"
        }
        Verdict::Invalid => "NOT VALID: at least one check failed",
        Verdict::Indeterminate => {
            "NOT VERIFIED: nothing failed, but not everything could be checked"
        }
    };
    let _ = writeln!(out, "{headline}");
    if let Some(holder) = &report.holder {
        let _ = writeln!(out, "  {:<12} {holder}", "Holder:");
    }
    let _ = writeln!(out);
    render_checks(&report.checks, "  ", &mut out);
    let count = report.credentials.len();
    for (index, credential) in report.credentials.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nCredential {} of {count}: {}",
            index + 1,
            render(credential)
        );
    }
    out
}

fn render_checks(checks: &[Check], indent: &str, out: &mut String) {
    for check in checks {
        let mark = match check.outcome {
            Outcome::Passed => "[ok]  ",
            Outcome::Failed => "[FAIL]",
            Outcome::CouldNotCheck => "[??]  ",
            Outcome::NotApplicable => "[--]  ",
        };
        let _ = writeln!(
            out,
            "{}{mark} {:<18} {}",
            &indent[2..],
            check.check.label(),
            check.message
        );
    }
}
