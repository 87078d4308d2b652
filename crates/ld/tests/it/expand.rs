//! Offline JSON-LD expansion: known contexts only, undefined terms and
//! relative ids reported.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_ld::{ExpandLimits, LdError, Problem, canonical_nquads, expand};
use serde_json::{Value, json};

fn ob3(subject_extra: Value) -> Value {
    let mut doc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:2e6e7c2c-4b5e-4a8e-9d0e-0d7c2f2a1b11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "type": ["Profile"], "name": "Example"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well in a team.",
                "criteria": {"narrative": "Nominated by peers."}
            }
        }
    });
    if let (Some(subject), Value::Object(extra)) =
        (doc["credentialSubject"].as_object_mut(), subject_extra)
    {
        subject.extend(extra);
    }
    doc
}

#[test]
fn a_clean_credential_has_no_problems() {
    let expanded = expand(&ob3(json!({})), &ExpandLimits::default()).unwrap();
    assert!(expanded.problems.is_empty(), "{:?}", expanded.problems);
    assert!(expanded.quads.len() > 10);
}

#[test]
fn undefined_terms_are_reported_and_quads_match_a_standard_processor() {
    let clean = canonical_nquads(&ob3(json!({}))).unwrap();
    let dirty =
        canonical_nquads(&ob3(json!({"shoeSize": 44, "hobby": {"type": "Chess"}}))).unwrap();
    let names: Vec<String> = dirty.problems.iter().map(ToString::to_string).collect();
    assert!(
        dirty
            .problems
            .contains(&Problem::UndefinedTerm("shoeSize".into())),
        "{names:?}"
    );
    assert!(
        dirty
            .problems
            .contains(&Problem::UndefinedTerm("hobby".into())),
        "{names:?}"
    );
    // What a standard processor signs: the undefined properties are dropped.
    assert_eq!(clean.nquads, dirty.nquads);
}

#[test]
fn relative_ids_are_reported() {
    let mut doc = ob3(json!({}));
    doc["id"] = Value::from("3527");
    let expanded = expand(&doc, &ExpandLimits::default()).unwrap();
    assert!(
        expanded
            .problems
            .iter()
            .any(|p| matches!(p, Problem::RelativeId { pointer, .. } if pointer == "/id")),
        "{:?}",
        expanded.problems
    );
}

#[test]
fn unknown_contexts_are_refused_without_fetching() {
    let mut doc = ob3(json!({}));
    doc["@context"]
        .as_array_mut()
        .unwrap()
        .push(Value::from("https://attacker.example/ctx.json"));
    match expand(&doc, &ExpandLimits::default()) {
        Err(LdError::UnknownContext(url)) => assert_eq!(url, "https://attacker.example/ctx.json"),
        other => panic!("expected UnknownContext, got {other:?}"),
    }
    let no_context = json!({"name": "x"});
    assert!(matches!(
        expand(&no_context, &ExpandLimits::default()),
        Err(LdError::NoContext)
    ));
}

#[test]
fn context_versions_map_terms_differently() {
    // The same document under two OB 3.0 context versions: both expand, and the
    // versions are kept apart (a signature is checked with the one it was made with).
    // 3.0.1 was published for VC 1.1 credentials (issuanceDate).
    let mut v1 = ob3(json!({}));
    v1["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
    ]);
    let map = v1.as_object_mut().unwrap();
    let from = map.remove("validFrom").unwrap();
    map.insert("issuanceDate".into(), from);
    let a = canonical_nquads(&v1).unwrap();
    let b = canonical_nquads(&ob3(json!({}))).unwrap();
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    assert_ne!(a.nquads, b.nquads);

    // 3.0.1 under VC 2.0 redefines a protected term: a clear error, not a silent remap.
    let mut clash = ob3(json!({}));
    clash["@context"][1] =
        Value::from("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json");
    let err = canonical_nquads(&clash).unwrap_err();
    assert!(err.to_string().contains("protected"), "{err}");
}

#[test]
fn limits_are_enforced() {
    let limits = ExpandLimits {
        max_depth: 3,
        ..ExpandLimits::default()
    };
    assert!(matches!(
        expand(&ob3(json!({})), &limits),
        Err(LdError::TooDeep { .. })
    ));
    let limits = ExpandLimits {
        max_bytes: 100,
        ..ExpandLimits::default()
    };
    assert!(matches!(
        expand(&ob3(json!({})), &limits),
        Err(LdError::TooLarge { .. })
    ));
    let limits = ExpandLimits {
        max_quads: 5,
        ..ExpandLimits::default()
    };
    assert!(matches!(
        expand(&ob3(json!({})), &limits),
        Err(LdError::TooManyQuads { .. })
    ));
}

#[test]
fn several_type_scoped_contexts_on_one_node_all_apply() {
    // JSON-LD 1.1 applies every type-scoped context, in lexicographic order of
    // the types (oxjsonld 0.2 kept only the last one; we used to refuse this).
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/citizenship/v4rc1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "type": ["Person", "EmployablePerson"],
            "givenName": "Jo",
            "employmentAuthorizationDocument": {"type": "EmploymentAuthorizationDocument", "lprCategory": "C09"}
        }
    });
    let expanded = expand(&doc, &ExpandLimits::default()).unwrap();
    assert!(expanded.problems.is_empty(), "{:?}", expanded.problems);
    let predicates: Vec<String> = expanded
        .quads
        .iter()
        .map(|q| q.predicate.as_str().to_owned())
        .collect();
    assert!(
        predicates
            .iter()
            .any(|p| p.ends_with("employmentAuthorizationDocument")),
        "{predicates:?}"
    );
    assert!(
        predicates.iter().any(|p| p.ends_with("givenName")),
        "{predicates:?}"
    );
    assert!(expand(&ob3(json!({})), &ExpandLimits::default()).is_ok());
}

#[test]
fn numbers_that_processors_disagree_on_are_reported() {
    let portable = canonical_nquads(&ob3(json!({"creditsEarned": 2.5}))).unwrap();
    assert!(portable.problems.is_empty(), "{:?}", portable.problems);
    for value in [
        json!(0.30000000000000004),
        json!(1e20),
        json!(9007199254740993u64),
    ] {
        let doc = ob3(json!({"creditsEarned": value}));
        let result = canonical_nquads(&doc).unwrap();
        assert!(
            result.problems.iter().any(|p| matches!(p, Problem::UnportableNumber { pointer, .. } if pointer == "/credentialSubject/creditsEarned")),
            "{value}: {:?}",
            result.problems
        );
    }
}

#[test]
fn hostile_input_is_an_error_or_a_result_never_a_panic() {
    let cases = [
        json!({"@context": {"é:x": "http://e/"}, "é:y": 1}),
        json!({"@context": {"@vocab": "http://e/"}, "ü": {"@id": "ä:b"}}),
        json!({"@context": [{"a": {"@id": "b"}, "b": {"@id": "a"}}], "a": 1}),
        json!({"@context": {"t": {"@context": {"t": {"@context": null}}}}, "t": {"t": {"t": 1}}}),
        json!({"@context": {"@vocab": "http://e/", "l": {"@container": "@list"}}, "l": [[[[1]]]]}),
        json!({"@context": {"@vocab": "http://e/"}, "@id": "//x", "p": {"@value": 1e308}}),
        json!({"@context": {"@vocab": "http://e/"}, "@graph": [{"@graph": [{"@id": "_:x", "p": 1}]}]}),
        json!({"@context": "https://www.w3.org/ns/credentials/v2", "@included": "x"}),
    ];
    for doc in cases {
        let _ = expand(&doc, &ExpandLimits::default());
    }
}

#[test]
fn number_literals_take_the_json_ld_canonical_forms() {
    // The forms jsonld.js produces (see interop/README.md): 16 significant
    // digits for doubles (`toExponential(15)`), integer form below 10^21.
    let doc = json!({
        "@context": {"@vocab": "http://example.org/"},
        "@id": "http://example.org/s",
        "a": 0.30000000000000004,
        "b": 1e20,
        "c": 1e-7,
        "d": 5.0,
        "e": 1.1e1,
        "f": 1e21,
        "g": -0.0
    });
    let canonical = canonical_nquads(&doc).unwrap().nquads;
    for (p, lit) in [
        ("a", "\"3.0E-1\"^^<http://www.w3.org/2001/XMLSchema#double>"),
        (
            "b",
            "\"100000000000000000000\"^^<http://www.w3.org/2001/XMLSchema#integer>",
        ),
        ("c", "\"1.0E-7\"^^<http://www.w3.org/2001/XMLSchema#double>"),
        ("d", "\"5\"^^<http://www.w3.org/2001/XMLSchema#integer>"),
        ("e", "\"11\"^^<http://www.w3.org/2001/XMLSchema#integer>"),
        ("f", "\"1.0E21\"^^<http://www.w3.org/2001/XMLSchema#double>"),
        ("g", "\"0\"^^<http://www.w3.org/2001/XMLSchema#integer>"),
    ] {
        let line = format!("<http://example.org/s> <http://example.org/{p}> {lit} .\n");
        assert!(canonical.contains(&line), "{p}: {canonical}");
    }
}

/// Leaving out a top-level entry gives exactly the canonical form of the
/// document without it; entries of the same name further down are kept.
#[test]
fn canonical_form_without_a_top_level_entry() {
    let mut unsecured = ob3(json!({}));
    unsecured["credentialSubject"]["achievement"]["image"] =
        json!({"id": "https://example.com/proof.png", "type": "Image"});
    let mut signed = unsecured.clone();
    signed["proof"] = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3abc"
    });
    let expected = canonical_nquads(&unsecured).unwrap().nquads;
    let with_proof = canonical_nquads(&signed).unwrap().nquads;
    assert_ne!(
        with_proof, expected,
        "the proof is part of the full document"
    );
    let skipped = insignia_ld::canonical_nquads_without(&signed, Some("proof"))
        .unwrap()
        .nquads;
    assert_eq!(skipped, expected);
    // A nested `name` stays when the top-level one is left out.
    let without_name = insignia_ld::canonical_nquads_without(&unsecured, Some("name"))
        .unwrap()
        .nquads;
    let mut copy = unsecured.clone();
    copy.as_object_mut().unwrap().remove("name");
    assert_eq!(without_name, canonical_nquads(&copy).unwrap().nquads);
    assert!(without_name.contains("\"Works well in a team.\""));
    assert!(without_name.matches("<https://schema.org/name>").count() >= 1);
}
