//! Share images: the 1200×627 PNG that link previews (LinkedIn, X, Facebook,
//! chat apps) show for a public award page, a backpack item or a collection
//! (`og:image`). Drawn by `insignia_artwork::share` off the async threads,
//! and cached under a digest of everything they show, which is also their
//! entity tag: a changed name or image is a new digest, so a cached picture
//! is never stale.

use axum::body::Bytes;
use insignia_artwork::{Colour, ShareCard, render_share_png};
use sha2::{Digest, Sha256};

use fluent_bundle::FluentValue;
use insignia_store::model::User;
use insignia_store::repo::backpack as repo;
use insignia_store::repo::badges;

use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::backpack::{visible_collection, visible_item};
use crate::state::Shared;

/// The site's brand colour (`--brand` in `static/app.css`): the card's
/// stripe and footer mark.
const ACCENT: Colour = Colour::rgb(0x3b, 0x3f, 0xb6);

/// What a share image says, already in the reader's language.
#[derive(Debug, Clone)]
pub struct CardText {
    /// The badge's or collection's name.
    pub title: String,
    /// The smaller lines ("Issued by …", "Earned by …").
    pub lines: Vec<String>,
    /// The bottom line (the site and what the badge is).
    pub footer: String,
}

/// A rendered share image and its entity tag.
#[derive(Debug, Clone)]
pub struct ShareImage {
    pub png: Bytes,
    pub etag: String,
}

/// The entity tag of the share image of `image` with `text`: a digest of
/// every input (lengths included, so fields cannot run into each other).
pub fn etag(image: Option<&[u8]>, text: &CardText) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    };
    field(image.unwrap_or_default());
    field(text.title.as_bytes());
    for line in &text.lines {
        field(line.as_bytes());
    }
    field(text.footer.as_bytes());
    format!("\"share-{}\"", &hex::encode(hash.finalize())[..32])
}

/// Renders (or takes from the cache) the share image of `image` (a PNG)
/// with `text`.
pub async fn render(
    state: &Shared,
    image: Option<Vec<u8>>,
    text: CardText,
) -> Result<ShareImage, AppError> {
    let etag = etag(image.as_deref(), &text);
    let png = state
        .share_cache
        .get_or_load(&etag, move || async move {
            let png = tokio::task::spawn_blocking(move || {
                let lines: Vec<&str> = text.lines.iter().map(String::as_str).collect();
                render_share_png(&ShareCard {
                    image: image.as_deref(),
                    title: &text.title,
                    lines: &lines,
                    footer: &text.footer,
                    accent: ACCENT,
                })
            })
            .await
            .map_err(|e| AppError::Internal(format!("share image: {e}")))?
            .map_err(|e| AppError::Internal(format!("share image: {e}")))?;
            Ok::<_, AppError>(Bytes::from(png))
        })
        .await?;
    Ok(ShareImage { png, etag })
}

/// Whether the image may be cached by anyone (the page is public or
/// unlisted), or only by the viewer (a private item its owner previews).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Anyone,
    OwnerOnly,
}

fn audience(visibility: &str) -> Audience {
    if visibility == "private" {
        Audience::OwnerOnly
    } else {
        Audience::Anyone
    }
}

fn say(state: &Shared, l: Locale, key: &str, arg: (&str, FluentValue<'_>)) -> String {
    state.catalog.text(l, key, &[arg])
}

/// The share image of a backpack item `viewer` may see (as its page:
/// someone else's private item is not found). The earner's name appears only
/// when the item is public and they have a profile, as on the page.
pub async fn item(
    state: &Shared,
    viewer: Option<&User>,
    id: &str,
    l: Locale,
) -> Result<(ShareImage, Audience), AppError> {
    let item = visible_item(state, viewer, id).await?;
    let image = repo::image(&state.store, &item.id).await?;
    let mut lines = Vec::new();
    if !item.issuer_name.is_empty() {
        lines.push(say(
            state,
            l,
            "share-image-issued-by",
            ("issuer", item.issuer_name.clone().into()),
        ));
    }
    if item.visibility == "public"
        && let Some(owner) = repo::profile(&state.store, &item.user_id).await?
        && !owner.display_name.is_empty()
    {
        lines.push(say(
            state,
            l,
            "share-image-earned-by",
            ("name", owner.display_name.into()),
        ));
    }
    let text = CardText {
        title: item.name.clone(),
        lines,
        footer: footer(
            &state.config.base_url,
            &state.catalog.text(l, "share-image-badge", &[]),
        ),
    };
    Ok((
        render(state, image, text).await?,
        audience(&item.visibility),
    ))
}

/// The share image of a collection: its name, how many badges it shows, who
/// collected them (when public) and the first badge's image.
pub async fn collection(
    state: &Shared,
    viewer: Option<&User>,
    id: &str,
    l: Locale,
) -> Result<(ShareImage, Audience), AppError> {
    let (collection, items) = visible_collection(state, viewer, id).await?;
    let mut image = None;
    for item in items.iter().filter(|i| i.has_image) {
        image = repo::image(&state.store, &item.id).await?;
        if image.is_some() {
            break;
        }
    }
    let mut lines = vec![say(
        state,
        l,
        "share-image-badge-count",
        ("count", items.len().into()),
    )];
    if collection.visibility == "public"
        && let Some(owner) = repo::profile(&state.store, &collection.user_id).await?
        && !owner.display_name.is_empty()
    {
        lines.push(say(
            state,
            l,
            "share-image-collected-by",
            ("name", owner.display_name.into()),
        ));
    }
    let text = CardText {
        title: collection.name.clone(),
        lines,
        footer: footer(
            &state.config.base_url,
            &state.catalog.text(l, "share-image-badges", &[]),
        ),
    };
    Ok((
        render(state, image, text).await?,
        audience(&collection.visibility),
    ))
}

/// The share image of a public award page: the badge, its name, the issuer
/// and the recipient as the page names them, and, for an award that is no
/// longer valid, which way it is not (so a preview never looks current when
/// the page says otherwise).
pub async fn award(state: &Shared, award_id: &str, l: Locale) -> Result<ShareImage, AppError> {
    let view = crate::service::award_view::load_award(state, award_id).await?;
    let image = badges::version(&state.store, &view.version.badge_id, view.version.version)
        .await?
        .and_then(|v| v.image_png);
    let award = &view.award;
    let recipient = serde_json::from_str::<serde_json::Value>(&award.credential)
        .ok()
        .and_then(|c| {
            c.pointer("/credentialSubject/name")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| award.recipient_name.clone());
    let mut lines = Vec::new();
    let expired = award
        .expires_at
        .is_some_and(|at| at <= insignia_store::now());
    let withdrawn = match award.state.as_str() {
        "revoked" => Some("share-image-revoked"),
        "suspended" => Some("share-image-suspended"),
        _ if expired => Some("share-image-expired"),
        _ => None,
    };
    if let Some(key) = withdrawn {
        lines.push(state.catalog.text(l, key, &[]));
    }
    lines.push(say(
        state,
        l,
        "share-image-issued-by",
        ("issuer", view.issuer.name.clone().into()),
    ));
    if !recipient.trim().is_empty() {
        lines.push(say(
            state,
            l,
            "share-image-earned-by",
            ("name", recipient.into()),
        ));
    }
    let text = CardText {
        title: view.design.name.clone(),
        lines,
        footer: footer(
            &state.config.base_url,
            &state.catalog.text(l, "share-image-badge", &[]),
        ),
    };
    render(state, image, text).await
}

/// The footer every share image carries: the site's host name and what the
/// page shows.
pub fn footer(base_url: &str, what: &str) -> String {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| base_url.to_owned());
    format!("{host} · {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(title: &str, lines: &[&str]) -> CardText {
        CardText {
            title: title.to_owned(),
            lines: lines.iter().map(|s| (*s).to_owned()).collect(),
            footer: "example.org".to_owned(),
        }
    }

    #[test]
    fn the_tag_changes_with_every_input_and_fields_cannot_run_together() {
        let a = etag(None, &text("Data", &["Issued by X"]));
        assert_eq!(a, etag(None, &text("Data", &["Issued by X"])));
        assert_ne!(a, etag(Some(b"png"), &text("Data", &["Issued by X"])));
        assert_ne!(a, etag(None, &text("Data", &["Issued by Y"])));
        assert_ne!(
            etag(None, &text("ab", &["c"])),
            etag(None, &text("a", &["bc"]))
        );
    }

    #[test]
    fn the_footer_names_the_host() {
        assert_eq!(
            footer("https://badges.example.org/x", "Open Badge"),
            "badges.example.org · Open Badge"
        );
        assert_eq!(footer("not a url", "B"), "not a url · B");
    }
}
