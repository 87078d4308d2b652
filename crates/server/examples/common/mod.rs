//! Set-up shared by the load scripts: a user, an organisation with one issuer
//! and one published badge, made through the same repositories the server uses.
//! Each script reads the parts it needs.
#![allow(dead_code)]

use insignia_server::design::BadgeDefinition;
use insignia_server::{Config, issuing, state::Shared};
use insignia_store::model::{Badge, Issuer, Organization, User};
use insignia_store::repo::{badges, issuers, orgs, users};

/// The badge image of the scripts (a 1EdTech sample PNG).
pub const PNG: &[u8] = include_bytes!("../../../bake/tests/fixtures/1edtech-baked-heart.png");

pub struct Academy {
    pub state: Shared,
    pub user: User,
    pub org: Organization,
    pub issuer: Issuer,
    pub badge: Badge,
}

/// Prepares the server with `config` and creates the academy, its issuer
/// (slug `{slug_prefix}-xxxx`) and a published badge drawn from `design`.
pub async fn academy(config: Config, slug_prefix: &str, design: &BadgeDefinition) -> Academy {
    let state = insignia_server::prepare(config).await.unwrap();
    let email = format!("{}@example.org", insignia_store::token::random_id(6));
    let user = users::create(&state.store, &email, "Bench", None, false)
        .await
        .unwrap();
    let org = orgs::create(&state.store, "Bench Academy", &user.id)
        .await
        .unwrap();
    let slug = format!(
        "{slug_prefix}-{}",
        insignia_store::token::random_id(4).to_lowercase()
    );
    let key = issuing::new_issuer_key(&state, &slug, 1).unwrap();
    let fields = issuers::IssuerFields {
        name: "Bench Academy".into(),
        url: "https://academy.example.org".into(),
        email: "badges@academy.example.org".into(),
        ..Default::default()
    };
    let issuer = issuers::create(&state.store, &org.id, &slug, &fields, &key)
        .await
        .unwrap();
    let content = badges::VersionContent {
        name: design.name.clone(),
        design: serde_json::to_string(design).unwrap(),
        image_png: Some(PNG.to_vec()),
        image_svg: None,
    };
    let badge = badges::create(
        &state.store,
        &org.id,
        &issuer.id,
        insignia_store::model::BadgeState::Active,
        &content,
        &user.id,
    )
    .await
    .unwrap();
    Academy {
        state,
        user,
        org,
        issuer,
        badge,
    }
}
