//! The verification report as text for a person at a terminal.

use std::fmt::Write as _;

use insignia_verify::{Outcome, Report, Verdict};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let headline = match report.verdict {
        Verdict::Valid => "VALID: this credential is authentic and in force",
        Verdict::Invalid => "NOT VALID: at least one check failed",
        Verdict::Indeterminate => {
            "NOT VERIFIED: nothing failed, but not everything could be checked"
        }
    };
    let _ = writeln!(out, "{headline}");
    let s = &report.summary;
    let mut fact = |label: &str, value: &Option<String>| {
        if let Some(v) = value {
            let _ = writeln!(out, "  {label:<12} {v}");
        }
    };
    fact("Badge:", &s.name);
    fact("Issuer:", &s.issuer_name);
    fact("Issuer id:", &s.issuer_id);
    fact("Recipient:", &s.recipient);
    fact("Issued:", &s.issued);
    fact("Expires:", &s.expires);
    fact("Id:", &s.id);
    let _ = writeln!(out);
    for check in &report.checks {
        let mark = match check.outcome {
            Outcome::Passed => "[ok]  ",
            Outcome::Failed => "[FAIL]",
            Outcome::CouldNotCheck => "[??]  ",
            Outcome::NotApplicable => "[--]  ",
        };
        let _ = writeln!(out, "{mark} {:<18} {}", check.check.label(), check.message);
    }
    out
}
