//! The local outbox of a server without SMTP: the messages it would have
//! sent, readable as the recipient would see them (with working links).
//!
//! Who reads what: the server's administrators every message, an
//! organisation's owners and admins the messages of that organisation (its
//! award e-mails). The caller checks the role and passes the [`Scope`].

pub use insignia_store::repo::outbox::Scope;
use insignia_store::repo::outbox::{self, Copy};
use mail_parser::MessageParser;

use crate::ServerError;
use crate::state::AppState;

/// Messages per page of the list.
pub const PAGE: i64 = 50;

/// A page of the list, newest first, and the cursor of the next page.
#[derive(Debug, Clone)]
pub struct Listing {
    pub messages: Vec<Copy>,
    /// `delivered_at.message_id` of the last message shown, when there may be more.
    pub next: Option<String>,
    pub total: i64,
}

/// A page of delivered messages in `scope`, after the cursor `after` (as
/// returned in [`Listing::next`]; a malformed cursor starts from the top).
pub async fn list(
    state: &AppState,
    scope: Scope<'_>,
    after: Option<&str>,
) -> Result<Listing, ServerError> {
    let cursor = after.and_then(|c| {
        let (at, id) = c.split_once('.')?;
        Some((at.parse::<i64>().ok()?, id))
    });
    let messages = outbox::list(&state.store, scope, cursor, PAGE + 1).await?;
    let total = outbox::count(&state.store, scope).await?;
    let more = messages.len() as i64 > PAGE;
    let messages: Vec<Copy> = messages.into_iter().take(PAGE as usize).collect();
    let next = if more {
        messages
            .last()
            .map(|m| format!("{}.{}", m.delivered_at, m.message_id))
    } else {
        None
    };
    Ok(Listing {
        messages,
        next,
        total,
    })
}

/// A delivered message, read back from its RFC 5322 text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Message {
    pub copy: Copy,
    pub from: String,
    pub reply_to: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// The links of the message that lead to this server (claim links,
    /// badge pages), in order, each once.
    pub links: Vec<String>,
    /// The message as it would have gone over SMTP.
    pub raw: String,
}

/// One delivered message in `scope`, or None (not there, or not the
/// reader's to see: both look the same).
pub async fn open(
    state: &AppState,
    scope: Scope<'_>,
    message_id: &str,
) -> Result<Option<Message>, ServerError> {
    let Some(full) = outbox::get(&state.store, scope, message_id).await? else {
        return Ok(None);
    };
    Ok(Some(read(full.copy, full.raw, &state.config.base_url)))
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> String {
    let Some(list) = list else {
        return String::new();
    };
    list.iter()
        .map(|a| match (a.name(), a.address()) {
            (Some(name), Some(address)) => format!("{name} <{address}>"),
            (None, Some(address)) => address.to_owned(),
            (Some(name), None) => name.to_owned(),
            (None, None) => String::new(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a stored message (mail-parser: MIME, encoded words, transfer
/// encodings) for display.
fn read(copy: Copy, raw: String, base_url: &str) -> Message {
    let parsed = MessageParser::default().parse(raw.as_bytes());
    let (from, reply_to, to, subject, text, html) = match &parsed {
        Some(m) => (
            addresses(m.from()),
            addresses(m.reply_to()),
            addresses(m.to()),
            m.subject().unwrap_or_default().to_owned(),
            m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            // mail-parser turns a text part into HTML when there is no
            // HTML part: show HTML only when the message has some.
            m.parts
                .iter()
                .any(|p| matches!(p.body, mail_parser::PartType::Html(_)))
                .then(|| m.body_html(0).map(|h| h.into_owned()))
                .flatten(),
        ),
        None => (
            String::new(),
            String::new(),
            copy.recipient.clone(),
            copy.subject.clone(),
            raw.clone(),
            None,
        ),
    };
    let links = links_to(&text, base_url);
    Message {
        copy,
        from,
        reply_to,
        to,
        subject,
        text,
        html,
        links,
        raw,
    }
}

/// The URLs in `text` that start with `base_url`, each once, in order.
fn links_to(text: &str, base_url: &str) -> Vec<String> {
    let base = base_url.trim_end_matches('/');
    let mut links: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"') {
        let word = word.trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        let rest = word.strip_prefix(base);
        if rest.is_some_and(|r| r.starts_with('/')) && !links.iter().any(|l| l == word) {
            links.push(word.to_owned());
        }
    }
    links
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn links_to_this_server_only_each_once() {
        let text = "Accept: http://127.0.0.1:8080/claim/abc.\nPage <http://127.0.0.1:8080/a/x>\n\
                    elsewhere https://evil.example/claim/abc and http://127.0.0.1:80801/x \
                    again http://127.0.0.1:8080/claim/abc";
        assert_eq!(
            links_to(text, "http://127.0.0.1:8080/"),
            vec![
                "http://127.0.0.1:8080/claim/abc".to_owned(),
                "http://127.0.0.1:8080/a/x".to_owned()
            ]
        );
    }

    #[test]
    fn a_stored_message_reads_back() {
        let raw = "From: =?utf-8?q?Acad=C3=A9mie?= <badges@localhost>\r\nTo: Amira <amira@example.org>\r\n\
                   Subject: =?utf-8?q?Bravo_=C3=A0_vous?=\r\nMIME-Version: 1.0\r\n\
                   Content-Type: text/plain; charset=utf-8\r\n\r\nOpen http://h/claim/t now\r\n";
        let copy = Copy {
            message_id: "m".into(),
            org_id: None,
            award_id: None,
            kind: "award".into(),
            recipient: "amira@example.org".into(),
            subject: "Bravo".into(),
            delivered_at: 1,
        };
        let m = read(copy, raw.into(), "http://h");
        assert_eq!(m.from, "Académie <badges@localhost>");
        assert_eq!(m.to, "Amira <amira@example.org>");
        assert_eq!(m.subject, "Bravo à vous");
        assert_eq!(m.links, vec!["http://h/claim/t".to_owned()]);
        assert!(m.html.is_none());
    }
}
