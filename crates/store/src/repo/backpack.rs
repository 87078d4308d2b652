//! The earner's backpack: items (this server's awards and imported badges,
//! each with its last verification report), awards bound to an account by
//! their claim link, evidence the earner added, collections, the public
//! profile and share counts. Every read and write of an earner's records
//! names the owner (`user_id`), so one account never reaches another's.

use insignia_store_derive::FromRow;
use serde::Serialize;

use crate::token::random_id;
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

/// Who can see an item or a collection.
pub const VISIBILITIES: [&str; 3] = ["private", "unlisted", "public"];

const ITEM_COLUMNS: &str = "id, user_id, award_id, source, source_url, credential_id, content_hash, \
     payload, payload_kind, name, description, issuer_name, issuer_url, tags, issued_at, expires_at, \
     status, report, checked_at, visibility, created_at, \
     (image_png IS NOT NULL) AS has_image, (baked_png IS NOT NULL) AS has_baked";

/// One badge in a backpack (without its image bytes).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Item {
    pub id: String,
    pub user_id: String,
    pub award_id: Option<String>,
    /// `award` (this server's, appeared by itself), `file` or `url` (imported).
    pub source: String,
    pub source_url: Option<String>,
    pub credential_id: Option<String>,
    pub content_hash: String,
    pub payload: String,
    /// `json` or `jwt`.
    pub payload_kind: String,
    pub name: String,
    pub description: String,
    pub issuer_name: String,
    pub issuer_url: Option<String>,
    /// Tags and skills, one per line.
    pub tags: String,
    pub issued_at: Option<i64>,
    pub expires_at: Option<i64>,
    /// `valid`, `expired`, `revoked`, `invalid` or `unchecked` (could not check).
    pub status: String,
    /// The verifier's report (JSON).
    pub report: String,
    pub checked_at: i64,
    pub visibility: String,
    pub created_at: i64,
    pub has_image: bool,
    pub has_baked: bool,
}

/// An item to add.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub user_id: String,
    pub award_id: Option<String>,
    pub source: &'static str,
    pub source_url: Option<String>,
    pub credential_id: Option<String>,
    pub content_hash: String,
    pub payload: String,
    pub payload_kind: &'static str,
    pub baked_png: Option<Vec<u8>>,
    pub image_png: Option<Vec<u8>>,
    pub name: String,
    pub description: String,
    pub issuer_name: String,
    pub issuer_url: Option<String>,
    pub tags: String,
    pub issued_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub status: String,
    pub report: String,
}

/// What adding an item did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    New(String),
    /// The badge was already in the backpack (same credential id or content).
    Already(String),
}

/// The item of `user_id` holding the same badge, if any.
pub async fn find_same(
    store: &Store,
    user_id: &str,
    credential_id: Option<&str>,
    content_hash: &str,
) -> Result<Option<String>, StoreError> {
    let found: Option<String> = on_db!(store, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM backpack_items WHERE user_id = $1 AND (content_hash = $2 OR credential_id = $3) \
         ORDER BY created_at LIMIT 1"
    )
    .bind(user_id)
    .bind(content_hash)
    .bind(credential_id)
    .fetch_optional(pool)
    .await?
    });
    Ok(found)
}

/// Adds an item unless the backpack already holds the same badge.
pub async fn add(store: &Store, item: &NewItem) -> Result<Added, StoreError> {
    if let Some(id) = find_same(
        store,
        &item.user_id,
        item.credential_id.as_deref(),
        &item.content_hash,
    )
    .await?
    {
        return Ok(Added::Already(id));
    }
    let id = random_id(16);
    let t = now();
    let result = on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO backpack_items (id, user_id, award_id, source, source_url, credential_id, content_hash, \
         payload, payload_kind, baked_png, image_png, name, description, issuer_name, issuer_url, tags, \
         issued_at, expires_at, status, report, checked_at, visibility, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 'private', $21)"
    )
    .bind(&id)
    .bind(&item.user_id)
    .bind(&item.award_id)
    .bind(item.source)
    .bind(&item.source_url)
    .bind(&item.credential_id)
    .bind(&item.content_hash)
    .bind(&item.payload)
    .bind(item.payload_kind)
    .bind(&item.baked_png)
    .bind(&item.image_png)
    .bind(&item.name)
    .bind(&item.description)
    .bind(&item.issuer_name)
    .bind(&item.issuer_url)
    .bind(&item.tags)
    .bind(item.issued_at)
    .bind(item.expires_at)
    .bind(&item.status)
    .bind(&item.report)
    .bind(t)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    });
    match result.map_err(StoreError::from) {
        Ok(_) => Ok(Added::New(id)),
        // Added meanwhile by a concurrent request: the same badge.
        Err(StoreError::Conflict(_)) => find_same(
            store,
            &item.user_id,
            item.credential_id.as_deref(),
            &item.content_hash,
        )
        .await?
        .map(Added::Already)
        .ok_or(StoreError::Conflict("a backpack item")),
        Err(e) => Err(e),
    }
}

/// Every item of `user_id`, newest first.
pub async fn items(store: &Store, user_id: &str) -> Result<Vec<Item>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM backpack_items WHERE user_id = $1 ORDER BY COALESCE(issued_at, created_at) DESC, id"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

/// The public items of `user_id` (for the profile).
pub async fn public_items(store: &Store, user_id: &str) -> Result<Vec<Item>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM backpack_items WHERE user_id = $1 AND visibility = 'public' \
         ORDER BY COALESCE(issued_at, created_at) DESC, id"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

/// One item, whoever owns it (the caller decides who may see it).
pub async fn item(store: &Store, id: &str) -> Result<Option<Item>, StoreError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM backpack_items WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// One item of `user_id`.
pub async fn owned_item(
    store: &Store,
    user_id: &str,
    id: &str,
) -> Result<Option<Item>, StoreError> {
    Ok(item(store, id).await?.filter(|i| i.user_id == user_id))
}

/// The image shown for an item (a re-encoded PNG).
pub async fn image(store: &Store, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let image: Option<Option<Vec<u8>>> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT image_png FROM backpack_items WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?);
    Ok(image.flatten())
}

/// The baked PNG an item was imported from, as it came.
pub async fn baked(store: &Store, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let baked: Option<Option<Vec<u8>>> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT baked_png FROM backpack_items WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await?);
    Ok(baked.flatten())
}

/// Changes who can see an item of `user_id`; false when there is no such item.
pub async fn set_visibility(
    store: &Store,
    user_id: &str,
    id: &str,
    visibility: &str,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE backpack_items SET visibility = $1 WHERE id = $2 AND user_id = $3"
    )
    .bind(visibility)
    .bind(id)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// Stores a new verification of an item.
pub async fn record_check(
    store: &Store,
    id: &str,
    status: &str,
    report: &str,
    at: i64,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE backpack_items SET status = $1, report = $2, checked_at = $3 WHERE id = $4"
    )
    .bind(status)
    .bind(report)
    .bind(at)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Items whose last check is older than `before`, oldest first.
pub async fn due_for_check(
    store: &Store,
    before: i64,
    limit: i64,
) -> Result<Vec<Item>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM backpack_items WHERE checked_at < $1 ORDER BY checked_at LIMIT $2"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}

/// Removes an item of `user_id`; one of our awards is remembered as
/// dismissed so it does not come back by itself. False: no such item.
pub async fn delete(store: &Store, user_id: &str, id: &str) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let award: Option<Option<String>> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT award_id FROM backpack_items WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut **c)
    .await?);
    let Some(award) = award else {
        return Ok(false);
    };
    if let Some(award_id) = award {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO backpack_dismissed (user_id, award_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        )
        .bind(user_id)
        .bind(&award_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?
        });
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM backpack_items WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(true)
}

/// Accepts an award through its claim link for a signed-in account: the
/// claim (with its `claimed` event, once) and the binding to the account, in
/// one transaction. The first account to accept keeps the award: false (and
/// nothing written) when another account holds it already.
pub async fn claim_for(
    store: &Store,
    award: &crate::model::Award,
    user_id: &str,
) -> Result<bool, StoreError> {
    let t = now();
    let mut tx = store.begin().await?;
    let holder: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT user_id FROM award_bindings WHERE award_id = $1"
    )
    .bind(&award.id)
    .fetch_optional(&mut **c)
    .await?);
    if holder.is_some_and(|h| h != user_id) {
        return Ok(false);
    }
    let claimed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO award_claims (award_id, claimed_at) VALUES ($1, $2) ON CONFLICT (award_id) DO NOTHING"
    )
    .bind(&award.id)
    .bind(t)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    if claimed == 1 {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO events (org_id, award_id, kind, at) VALUES ($1, $2, 'claimed', $3)"
        )
        .bind(&award.org_id)
        .bind(&award.id)
        .bind(t)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    }
    bind_in(&mut tx, &award.id, user_id, t).await?;
    tx.commit().await?;
    Ok(true)
}

async fn bind_in(tx: &mut Tx, award_id: &str, user_id: &str, at: i64) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO award_bindings (award_id, user_id, bound_at) VALUES ($1, $2, $3) \
         ON CONFLICT (award_id) DO NOTHING"
    )
    .bind(award_id)
    .bind(user_id)
    .bind(at)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// The account an award was bound to by its claim link.
pub async fn bound_to(store: &Store, award_id: &str) -> Result<Option<String>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_scalar(
        "SELECT user_id FROM award_bindings WHERE award_id = $1"
    )
    .bind(award_id)
    .fetch_optional(pool)
    .await?))
}

/// Our awards that belong in the backpack of `user_id` and are not there:
/// sent to one of `emails` (verified addresses, lower-case) and not bound to
/// another account, or bound to this one; never those the earner removed.
pub async fn missing_awards(
    store: &Store,
    user_id: &str,
    emails: &[String],
) -> Result<Vec<String>, StoreError> {
    let emails: Vec<&String> = emails.iter().take(50).collect();
    let placeholders: Vec<String> = (0..emails.len()).map(|i| format!("${}", i + 2)).collect();
    let by_email = if emails.is_empty() {
        String::new()
    } else {
        format!(
            "(LOWER(a.recipient_email) IN ({}) AND NOT EXISTS (SELECT 1 FROM award_bindings o \
             WHERE o.award_id = a.id AND o.user_id <> $1)) OR ",
            placeholders.join(", ")
        )
    };
    let sql = format!(
        "SELECT a.id FROM awards a WHERE ({by_email}a.id IN (SELECT award_id FROM award_bindings WHERE user_id = $1)) \
         AND NOT EXISTS (SELECT 1 FROM backpack_items i WHERE i.user_id = $1 AND i.award_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM backpack_dismissed d WHERE d.user_id = $1 AND d.award_id = a.id) \
         ORDER BY a.issued_at, a.id LIMIT 500"
    );
    Ok(on_db!(store, |pool| {
        let mut q = sqlx::query_scalar(&sql).bind(user_id);
        for e in &emails {
            q = q.bind(e.as_str());
        }
        q.fetch_all(pool).await?
    }))
}

/// Evidence the earner added to an item.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Evidence {
    pub id: String,
    pub item_id: String,
    pub narrative: String,
    pub url: Option<String>,
    pub created_at: i64,
}

/// Adds evidence to an item of `user_id`; false when there is no such item.
pub async fn add_evidence(
    store: &Store,
    user_id: &str,
    item_id: &str,
    narrative: &str,
    url: Option<&str>,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "INSERT INTO backpack_evidence (id, item_id, narrative, url, created_at) \
         SELECT $1, id, $2, $3, $4 FROM backpack_items WHERE id = $5 AND user_id = $6"
    )
    .bind(random_id(12))
    .bind(narrative)
    .bind(url)
    .bind(now())
    .bind(item_id)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

pub async fn evidence(store: &Store, item_id: &str) -> Result<Vec<Evidence>, StoreError> {
    Ok(on_db!(store, |pool| {
        sqlx::query_as(
        "SELECT id, item_id, narrative, url, created_at FROM backpack_evidence WHERE item_id = $1 ORDER BY created_at, id"
    )
    .bind(item_id)
    .fetch_all(pool)
    .await?
    }))
}

/// Removes evidence from an item of `user_id`.
pub async fn delete_evidence(
    store: &Store,
    user_id: &str,
    item_id: &str,
    evidence_id: &str,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "DELETE FROM backpack_evidence WHERE id = $1 AND item_id = $2 \
         AND item_id IN (SELECT id FROM backpack_items WHERE user_id = $3)"
    )
    .bind(evidence_id)
    .bind(item_id)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// A named, ordered set of an earner's items.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Collection {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub description: String,
    pub visibility: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLLECTION_COLUMNS: &str =
    "id, user_id, name, description, visibility, created_at, updated_at";

pub async fn create_collection(
    store: &Store,
    user_id: &str,
    name: &str,
    description: &str,
) -> Result<String, StoreError> {
    let id = random_id(16);
    let t = now();
    on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO collections (id, user_id, name, description, visibility, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'private', $5, $5)"
    )
    .bind(&id)
    .bind(user_id)
    .bind(name)
    .bind(description)
    .bind(t)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    Ok(id)
}

pub async fn collections(store: &Store, user_id: &str) -> Result<Vec<Collection>, StoreError> {
    let sql = format!(
        "SELECT {COLLECTION_COLUMNS} FROM collections WHERE user_id = $1 ORDER BY created_at, id"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

pub async fn public_collections(
    store: &Store,
    user_id: &str,
) -> Result<Vec<Collection>, StoreError> {
    let sql = format!(
        "SELECT {COLLECTION_COLUMNS} FROM collections WHERE user_id = $1 AND visibility = 'public' ORDER BY created_at, id"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await?))
}

/// One collection, whoever owns it (the caller decides who may see it).
pub async fn collection(store: &Store, id: &str) -> Result<Option<Collection>, StoreError> {
    let sql = format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Renames, describes and sets the visibility of a collection of `user_id`.
pub async fn update_collection(
    store: &Store,
    user_id: &str,
    id: &str,
    name: &str,
    description: &str,
    visibility: &str,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE collections SET name = $1, description = $2, visibility = $3, updated_at = $4 \
         WHERE id = $5 AND user_id = $6"
    )
    .bind(name)
    .bind(description)
    .bind(visibility)
    .bind(now())
    .bind(id)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

pub async fn delete_collection(store: &Store, user_id: &str, id: &str) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "DELETE FROM collections WHERE id = $1 AND user_id = $2"
    )
    .bind(id)
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

/// The items of a collection, in order.
pub async fn collection_items(store: &Store, collection_id: &str) -> Result<Vec<Item>, StoreError> {
    let columns = ITEM_COLUMNS
        .split(", ")
        .map(|c| {
            if c.starts_with('(') {
                c.to_owned()
            } else {
                format!("i.{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM collection_items ci JOIN backpack_items i ON i.id = ci.item_id \
         WHERE ci.collection_id = $1 ORDER BY ci.position, i.id"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(collection_id)
        .fetch_all(pool)
        .await?))
}

/// Replaces the items of a collection of `user_id` with `item_ids`, in that
/// order (ids not in the owner's backpack are ignored), in one transaction.
pub async fn set_collection_items(
    store: &Store,
    user_id: &str,
    collection_id: &str,
    item_ids: &[String],
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let owned: Option<String> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT id FROM collections WHERE id = $1 AND user_id = $2"
    )
    .bind(collection_id)
    .bind(user_id)
    .fetch_optional(&mut **c)
    .await?);
    if owned.is_none() {
        return Ok(false);
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM collection_items WHERE collection_id = $1"
    )
    .bind(collection_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    for (position, item_id) in item_ids.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO collection_items (collection_id, item_id, position) \
             SELECT $1, id, $2 FROM backpack_items WHERE id = $3 AND user_id = $4 \
             ON CONFLICT DO NOTHING"
        )
        .bind(collection_id)
        .bind(position)
        .bind(item_id)
        .bind(user_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE collections SET updated_at = $1 WHERE id = $2"
    )
    .bind(now())
    .bind(collection_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(true)
}

/// An earner's public profile.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Profile {
    pub user_id: String,
    pub handle: String,
    pub display_name: String,
    pub headline: String,
    pub has_photo: bool,
    pub updated_at: i64,
}

const PROFILE_COLUMNS: &str =
    "user_id, handle, display_name, headline, (photo_png IS NOT NULL) AS has_photo, updated_at";

pub async fn profile(store: &Store, user_id: &str) -> Result<Option<Profile>, StoreError> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM earner_profiles WHERE user_id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await?))
}

pub async fn profile_by_handle(store: &Store, handle: &str) -> Result<Option<Profile>, StoreError> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM earner_profiles WHERE handle = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(handle)
        .fetch_optional(pool)
        .await?))
}

/// Creates or updates the profile of `user_id`. [`StoreError::Conflict`]
/// when another earner has the handle.
pub async fn save_profile(
    store: &Store,
    user_id: &str,
    handle: &str,
    display_name: &str,
    headline: &str,
) -> Result<(), StoreError> {
    let result = on_db!(store, |pool| {
        sqlx::query(
        "INSERT INTO earner_profiles (user_id, handle, display_name, headline, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle, \
         display_name = excluded.display_name, headline = excluded.headline, updated_at = excluded.updated_at"
    )
    .bind(user_id)
    .bind(handle)
    .bind(display_name)
    .bind(headline)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    });
    match result.map_err(StoreError::from) {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(StoreError::Conflict("a profile with this handle")),
        Err(e) => Err(e),
    }
}

/// Sets (or, with `None`, removes) the profile photo of `user_id`.
pub async fn set_photo(
    store: &Store,
    user_id: &str,
    png: Option<&[u8]>,
) -> Result<bool, StoreError> {
    let n = on_db!(store, |pool| sqlx::query(
        "UPDATE earner_profiles SET photo_png = $1, updated_at = $2 WHERE user_id = $3"
    )
    .bind(png)
    .bind(now())
    .bind(user_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(n == 1)
}

pub async fn photo(store: &Store, handle: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let photo: Option<Option<Vec<u8>>> = on_db!(store, |pool| sqlx::query_scalar(
        "SELECT photo_png FROM earner_profiles WHERE handle = $1"
    )
    .bind(handle)
    .fetch_optional(pool)
    .await?);
    Ok(photo.flatten())
}

/// Counts one share of `target` (e.g. `item:ID`) on `channel`.
pub async fn count_share(
    store: &Store,
    target: &str,
    channel: &str,
    award_id: Option<&str>,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "INSERT INTO share_counts (target, channel, award_id, count) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (target, channel) DO UPDATE SET count = share_counts.count + 1"
    )
    .bind(target)
    .bind(channel)
    .bind(award_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

/// Shares of `target` per channel.
pub async fn share_counts(store: &Store, target: &str) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(on_db!(store, |pool| sqlx::query_as(
        "SELECT channel, count FROM share_counts WHERE target = $1 ORDER BY channel"
    )
    .bind(target)
    .fetch_all(pool)
    .await?))
}

/// Deletes an account and everything personal: its backpack, collections,
/// profile, evidence, bindings, sessions, memberships and login attempts
/// (cascades), and the share counts of its pages. Awards stay: they are the
/// issuer's record.
///
/// Refused ([`StoreError::Conflict`], nothing deleted) while the account is
/// the only owner of an organisation ([`crate::repo::orgs::solely_owned`]),
/// checked again inside the transaction.
pub async fn delete_account(store: &Store, user_id: &str, email: &str) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    let sole: Vec<crate::model::Membership> =
        on_tx!(&mut tx, |c| sqlx::query_as(crate::repo::orgs::SOLELY_OWNED)
            .bind(user_id)
            .fetch_all(&mut **c)
            .await?);
    if !sole.is_empty() {
        return Err(StoreError::Conflict(
            "an organisation whose only owner is this account",
        ));
    }
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "DELETE FROM share_counts WHERE target IN (SELECT 'item:' || id FROM backpack_items WHERE user_id = $1) \
         OR target IN (SELECT 'collection:' || id FROM collections WHERE user_id = $1)"
    )
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?
    });
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM login_attempts WHERE subject = $1"
    )
    .bind(email)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())?);
    tx.commit().await?;
    Ok(())
}

/// Replaces the credential and report of an item (a copy that verifies
/// taking the place of an invalid one with the same id).
pub async fn replace(store: &Store, id: &str, item: &NewItem) -> Result<(), StoreError> {
    on_db!(store, |pool| {
        sqlx::query(
        "UPDATE backpack_items SET award_id = $1, payload = $2, payload_kind = $3, content_hash = $4, \
         baked_png = $5, image_png = $6, name = $7, description = $8, issuer_name = $9, issuer_url = $10, \
         tags = $11, issued_at = $12, expires_at = $13, status = $14, report = $15, checked_at = $16 WHERE id = $17"
    )
    .bind(&item.award_id)
    .bind(&item.payload)
    .bind(item.payload_kind)
    .bind(&item.content_hash)
    .bind(&item.baked_png)
    .bind(&item.image_png)
    .bind(&item.name)
    .bind(&item.description)
    .bind(&item.issuer_name)
    .bind(&item.issuer_url)
    .bind(&item.tags)
    .bind(item.issued_at)
    .bind(item.expires_at)
    .bind(&item.status)
    .bind(&item.report)
    .bind(now())
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?
    });
    Ok(())
}
