//! Recipient identity hashing against independently computed and published
//! vectors.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use insignia_model::identity::{hash_email, hash_identity, identity_matches, normalize_email};
use insignia_model::{ob2, ob3};
use md5::Md5;
use sha2::{Digest, Sha256};

/// SHA-256 over the concatenation, computed here without the library.
fn sha256_hex(input: &str) -> String {
    hex::encode(Sha256::digest(input.as_bytes()))
}

fn md5_hex(input: &str) -> String {
    hex::encode(Md5::digest(input.as_bytes()))
}

#[test]
fn salt_is_appended() {
    assert_eq!(
        hash_identity("alice@example.org", Some("pepper")),
        format!("sha256${}", sha256_hex("alice@example.orgpepper"))
    );
    assert_ne!(
        hash_identity("alice@example.org", Some("pepper")),
        format!("sha256${}", sha256_hex("pepperalice@example.org"))
    );
    assert_eq!(
        hash_identity("alice@example.org", None),
        format!("sha256${}", sha256_hex("alice@example.org"))
    );
}

#[test]
fn known_vector_unsalted_empty_string() {
    // SHA-256 of the empty string (FIPS 180-4 test value).
    assert_eq!(
        hash_identity("", None),
        "sha256$e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn published_open_badges_vectors() {
    // Open Badges 2.0 spec, "IdentityHash": SHA-256 of "mayze", unsalted.
    let ob2 = "sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6";
    assert_eq!(hash_identity("mayze", None), ob2);
    assert!(identity_matches("mayze", ob2, None));
    // Open Badges 3.0 data model, "IdentityHash": 'a@example.com' salted with 'Kosher'.
    let ob3 = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399";
    assert_eq!(hash_email("a@example.com", Some("Kosher")), ob3);
    assert!(identity_matches("a@example.com", ob3, Some("Kosher")));
    assert!(!identity_matches("a@example.com", ob3, None));
    assert!(!identity_matches("b@example.com", ob3, Some("Kosher")));
}

#[test]
fn emails_are_normalized_before_hashing() {
    assert_eq!(
        normalize_email("  Alice@Example.ORG \n"),
        "alice@example.org"
    );
    assert_eq!(
        hash_email(" Alice@Example.ORG ", Some("s")),
        format!("sha256${}", sha256_hex("alice@example.orgs"))
    );
    let stored = hash_email("alice@example.org", Some("s"));
    assert!(identity_matches("ALICE@example.org", &stored, Some("s")));
    assert!(identity_matches(" alice@example.org", &stored, Some("s")));
}

#[test]
fn digests_compare_case_insensitively() {
    let stored = format!("SHA256${}", sha256_hex("bob@example.org").to_uppercase());
    assert!(identity_matches("bob@example.org", &stored, None));
}

#[test]
fn md5_hashes_of_old_badges_are_accepted() {
    let stored = format!("md5${}", md5_hex("carol@example.orgsalty"));
    assert!(identity_matches(
        "carol@example.org",
        &stored,
        Some("salty")
    ));
    assert!(!identity_matches("carol@example.org", &stored, None));
    assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

#[test]
fn plain_identities() {
    assert!(identity_matches(
        "Dave@Example.org",
        "dave@example.org",
        None
    ));
    assert!(identity_matches(
        "https://dave.example",
        "https://dave.example",
        None
    ));
    assert!(!identity_matches(
        "https://Dave.example",
        "https://dave.example",
        None
    ));
    assert!(!identity_matches(
        "dave@example.org",
        "eve@example.org",
        None
    ));
}

#[test]
fn ob3_identity_object() {
    let identity = ob3::IdentityObject::hashed_email("Learner@Example.org", Some("abc123"));
    assert_eq!(identity.r#type, "IdentityObject");
    assert!(identity.hashed);
    assert_eq!(identity.identity_type, "emailAddress");
    assert_eq!(identity.salt.as_deref(), Some("abc123"));
    assert_eq!(
        identity.identity_hash,
        format!("sha256${}", sha256_hex("learner@example.orgabc123"))
    );
    assert!(identity.matches("learner@example.org"));
    assert!(!identity.matches("someone@example.org"));

    let plain = ob3::IdentityObject::plain("emailAddress", "student@1edtech.edu");
    assert!(plain.matches("Student@1edtech.edu"));
}

#[test]
fn ob2_identity_object() {
    let recipient = ob2::IdentityObject::hashed_email("beth@example.org", Some("deadsea"));
    assert_eq!(recipient.r#type, "email");
    assert_eq!(recipient.hashed, Some(true));
    assert_eq!(
        recipient.identity,
        format!("sha256${}", sha256_hex("beth@example.orgdeadsea"))
    );
    assert!(recipient.matches("beth@example.org"));

    let url = ob2::IdentityObject::hashed(ob2::IdentityObject::URL, "https://beth.example", None);
    assert!(url.matches("https://beth.example"));

    let plain = ob2::IdentityObject::plain(ob2::IdentityObject::EMAIL, "alice@example.org");
    assert!(plain.matches("alice@example.org"));
    // hashed: false means a value that looks like a hash is still plain text.
    let mut literal = ob2::IdentityObject::plain("email", &hash_identity("x", None));
    assert!(!literal.matches("x"));
    literal.hashed = None;
    assert!(literal.matches("x"));
}

#[test]
fn spec_assertion_recipient_does_not_match_a_stranger() {
    let assertion: ob2::Assertion =
        serde_json::from_str(include_str!("../examples/ob2-assertion.json")).unwrap();
    let recipient = assertion.recipient.unwrap();
    assert_eq!(recipient.salt.as_deref(), Some("deadsea"));
    assert!(!recipient.matches("nobody@example.org"));
}

#[test]
fn project_example_recipient_matches() {
    let credential: ob3::OpenBadgeCredential = serde_json::from_str(include_str!(
        "../../../../examples/ob3-achievement-credential.json"
    ))
    .unwrap();
    assert!(
        credential
            .credential_subject
            .identified_by("amira.haddad@example.org")
    );
    assert!(
        !credential
            .credential_subject
            .identified_by("someone.else@example.org")
    );
}
