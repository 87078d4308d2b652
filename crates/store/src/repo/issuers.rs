//! Issuer profiles and their signing keys (stored sealed; the store never
//! sees a private key in the clear).

use crate::model::{Issuer, IssuerKey};
use crate::token::random_id;
use crate::{Store, StoreError, Tx, now, on_db, on_tx};

const COLUMNS: &str = "id, org_id, slug, name, url, email, description, linkedin_org_id, \
                       logo_png, created_at, updated_at";
const KEY_COLUMNS: &str =
    "issuer_id, key_no, algorithm, public_jwk, public_pem, sealed_secret, created_at, retired_at";

/// The editable part of an issuer profile.
#[derive(Debug, Clone, Default)]
pub struct IssuerFields {
    pub name: String,
    pub url: String,
    pub email: String,
    pub description: String,
    pub linkedin_org_id: String,
}

/// A new key to store: the public parts and the sealed secret.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub algorithm: String,
    pub public_jwk: String,
    pub public_pem: Option<String>,
    pub sealed_secret: Vec<u8>,
}

/// Creates an issuer and its first key in one transaction. `slug` must be
/// unique across the installation (it is part of the issuer's did:web).
pub async fn create(
    store: &Store,
    org_id: &str,
    slug: &str,
    fields: &IssuerFields,
    key: &NewKey,
) -> Result<Issuer, StoreError> {
    let t = now();
    let issuer = Issuer {
        id: random_id(12),
        org_id: org_id.to_owned(),
        slug: slug.to_owned(),
        name: fields.name.clone(),
        url: fields.url.clone(),
        email: fields.email.clone(),
        description: fields.description.clone(),
        linkedin_org_id: fields.linkedin_org_id.clone(),
        logo_png: None,
        created_at: t,
        updated_at: t,
    };
    let mut tx = store.begin().await?;
    let inserted = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO issuers (id, org_id, slug, name, url, email, description, linkedin_org_id, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(&issuer.id)
    .bind(&issuer.org_id)
    .bind(&issuer.slug)
    .bind(&issuer.name)
    .bind(&issuer.url)
    .bind(&issuer.email)
    .bind(&issuer.description)
    .bind(&issuer.linkedin_org_id)
    .bind(t)
    .bind(t)
    .execute(&mut **c)
    .await.map(|r| r.rows_affected())
    });
    if let Err(e) = inserted {
        return Err(match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("an issuer with this short name"),
            other => other,
        });
    }
    insert_key(&mut tx, &issuer.id, 1, key).await?;
    tx.commit().await?;
    Ok(issuer)
}

async fn insert_key(
    tx: &mut Tx,
    issuer_id: &str,
    key_no: i64,
    key: &NewKey,
) -> Result<(), StoreError> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO issuer_keys (issuer_id, key_no, algorithm, public_jwk, public_pem, \
         sealed_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(issuer_id)
    .bind(key_no)
    .bind(&key.algorithm)
    .bind(&key.public_jwk)
    .bind(&key.public_pem)
    .bind(&key.sealed_secret)
    .bind(now())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn update(
    store: &Store,
    issuer_id: &str,
    fields: &IssuerFields,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE issuers SET name = $1, url = $2, email = $3, description = $4, \
         linkedin_org_id = $5, updated_at = $6 WHERE id = $7"
    )
    .bind(&fields.name)
    .bind(&fields.url)
    .bind(&fields.email)
    .bind(&fields.description)
    .bind(&fields.linkedin_org_id)
    .bind(now())
    .bind(issuer_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn set_logo(
    store: &Store,
    issuer_id: &str,
    png: Option<&[u8]>,
) -> Result<(), StoreError> {
    on_db!(store, |pool| sqlx::query(
        "UPDATE issuers SET logo_png = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(png)
    .bind(now())
    .bind(issuer_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())?);
    Ok(())
}

pub async fn list(store: &Store, org_id: &str) -> Result<Vec<Issuer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM issuers WHERE org_id = $1 ORDER BY name");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(org_id)
        .fetch_all(pool)
        .await?))
}

pub async fn by_id(store: &Store, issuer_id: &str) -> Result<Option<Issuer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM issuers WHERE id = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(issuer_id)
        .fetch_optional(pool)
        .await?))
}

pub async fn by_slug(store: &Store, slug: &str) -> Result<Option<Issuer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM issuers WHERE slug = $1");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(slug)
        .fetch_optional(pool)
        .await?))
}

/// Every key the issuer ever had, oldest first (retired ones stay published so
/// earlier credentials keep verifying).
pub async fn keys(store: &Store, issuer_id: &str) -> Result<Vec<IssuerKey>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM issuer_keys WHERE issuer_id = $1 ORDER BY key_no");
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(issuer_id)
        .fetch_all(pool)
        .await?))
}

/// The key new credentials are signed with: the newest one not retired.
pub async fn signing_key(store: &Store, issuer_id: &str) -> Result<Option<IssuerKey>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM issuer_keys WHERE issuer_id = $1 AND retired_at IS NULL \
         ORDER BY key_no DESC LIMIT 1"
    );
    Ok(on_db!(store, |pool| sqlx::query_as(&sql)
        .bind(issuer_id)
        .fetch_optional(pool)
        .await?))
}

/// Rotation: retires the current signing key and adds `key` as number
/// `next`, in one transaction (a concurrent rotation to the same number fails
/// with [`StoreError::Conflict`]).
pub async fn rotate_key(
    store: &Store,
    issuer_id: &str,
    next: i64,
    key: &NewKey,
) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE issuer_keys SET retired_at = $1 WHERE issuer_id = $2 AND retired_at IS NULL"
    )
    .bind(now())
    .bind(issuer_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())?);
    insert_key(&mut tx, issuer_id, next, key).await?;
    tx.commit().await?;
    Ok(())
}
