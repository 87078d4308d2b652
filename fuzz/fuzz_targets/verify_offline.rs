//! The whole offline verification path (`insignia_verify::verify_bytes`):
//! image / JSON / JWT detection, every check, endorsements. Any bytes give a
//! report, never a panic; a report is valid only with a passed signature.
#![no_main]

use insignia_verify::{CheckKind, OfflineResolver, Outcome, VerifyOptions, verify_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let resolver = OfflineResolver;
    let mut options = VerifyOptions::new(&resolver);
    options.now = time::macros::datetime!(2026-11-23 12:00 UTC);
    let report = verify_bytes(data, &options);
    if report.valid {
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.check == CheckKind::Proof && c.outcome == Outcome::Passed),
            "valid without a passed signature: {report:?}"
        );
    }
});
