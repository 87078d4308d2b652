//! The VC Data Model rules against the specification's own example credentials
//! and the repository's example: every one of them conforms.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::vc_rules::check_credential;
use serde_json::Value;

macro_rules! example {
    ($file:literal) => {
        ($file, include_str!(concat!("../examples/", $file)))
    };
}

#[test]
fn the_specification_examples_conform() {
    for (name, text) in [
        example!("ob3-basic.json"),
        example!("ob3-complete.json"),
        example!("ob3-achievement-alignment-case.json"),
        example!("ob3-achievement-alignment-ctdl.json"),
        example!("ob3-skill-assertion-case.json"),
        example!("ob3-skill-assertion-ctdl.json"),
        example!("ob3-endorsement.json"),
        example!("ob3-vc1-basic.json"),
        example!("ob3-vc1-complete.json"),
        example!("ob3-vc1-endorsement.json"),
        (
            "examples/ob3-achievement-credential.json",
            include_str!("../../../../examples/ob3-achievement-credential.json"),
        ),
    ] {
        let doc: Value = serde_json::from_str(text).unwrap();
        let problems = check_credential(&doc);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}
