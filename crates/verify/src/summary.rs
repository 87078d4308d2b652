//! The facts about a credential a person reads first (name, issuer,
//! recipient, dates), taken from its JSON without judging it.

use serde_json::{Map, Value};

use crate::fields::issuer_id;
use crate::report::{HashedRecipient, Summary};

pub(crate) fn summarize(doc: &Value) -> Summary {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let subject = doc
        .get("credentialSubject")
        .or_else(|| doc.get("recipient"));
    let achievement = subject.and_then(|s| s.get("achievement"));
    let issuer = doc.get("issuer");
    let issuer_obj: Option<&Map<String, Value>> = issuer.and_then(Value::as_object);
    let recipient = subject.and_then(|sub| {
        s(sub.get("name"))
            .or_else(|| s(sub.get("id")))
            .or_else(|| {
                sub.get("identifier")
                    .and_then(|i| i.as_array().and_then(|a| a.first()).or(Some(i)))
                    .and_then(|i| {
                        let hash = s(i.get("identityHash"))?;
                        let what = match i.get("identityType").and_then(Value::as_str) {
                            Some("emailAddress") => "an e-mail address",
                            Some("url") => "a URL",
                            Some("phoneNumber") => "a phone number",
                            _ => "an identity",
                        };
                        let hashed = i.get("hashed").and_then(Value::as_bool).unwrap_or(false);
                        Some(if hashed {
                            let short: String = hash.chars().take(19).collect();
                            format!("{what}, hashed ({short}…)")
                        } else {
                            hash
                        })
                    })
            })
            .or_else(|| s(sub.get("identity")))
    });
    let recipient_hashed = subject
        .filter(|sub| sub.get("name").is_none() && sub.get("id").is_none())
        .and_then(|sub| sub.get("identifier"))
        .and_then(|i| i.as_array().and_then(|a| a.first()).or(Some(i)))
        .filter(|i| i.get("hashed").and_then(Value::as_bool).unwrap_or(false))
        .and_then(|i| {
            let hash = s(i.get("identityHash"))?;
            let kind = match i.get("identityType").and_then(Value::as_str) {
                Some("emailAddress") => "email",
                Some("url") => "url",
                Some("phoneNumber") => "phone",
                _ => "identity",
            };
            Some(HashedRecipient {
                kind,
                hash_start: hash.chars().take(19).collect(),
            })
        });
    // An EndorsementCredential: the endorsed thing and the comment, not a recipient.
    let is_endorsement = crate::fields::types(doc).contains(&"EndorsementCredential");
    let (endorsed, endorsement_comment, recipient) = if is_endorsement {
        (
            subject.and_then(|sub| s(sub.get("id"))),
            subject.and_then(|sub| s(sub.get("endorsementComment"))),
            None,
        )
    } else {
        (None, None, recipient)
    };
    Summary {
        endorsed,
        endorsement_comment,
        id: s(doc.get("id")),
        name: s(doc.get("name")).or_else(|| achievement.and_then(|a| s(a.get("name")))),
        description: achievement
            .and_then(|a| s(a.get("description")))
            .or_else(|| s(doc.get("description"))),
        issuer_id: issuer_id(doc).map(str::to_owned),
        issuer_name: issuer_obj.and_then(|o| s(o.get("name"))),
        recipient_hashed: if is_endorsement {
            None
        } else {
            recipient_hashed
        },
        recipient,
        issued: s(doc.get("validFrom"))
            .or_else(|| s(doc.get("issuanceDate")))
            .or_else(|| s(doc.get("issuedOn"))),
        expires: s(doc.get("validUntil"))
            .or_else(|| s(doc.get("expirationDate")))
            .or_else(|| s(doc.get("expires"))),
    }
}
