//! Conformance of what the server issues, and the VC-API endpoints
//! (`/credentials/issue`, `/credentials/verify`, `/presentations/verify`).

use serde_json::Value;

use crate::support::{self, award, org_with_badge, sign_up};

#[tokio::test]
async fn an_award_and_its_status_list_follow_the_data_model_rules() {
    support::on_both(|app| async move {
        let (client, token) = sign_up(&app, "rules@example.org").await;
        let (org, badge) = org_with_badge(&app, &client, &token, "rules").await;
        let id = award(&app, &client, &token, &org, &badge, "amira@example.org").await;
        let credential: Value = client
            .get(app.url(&format!("/a/{id}/credential.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let problems = insignia_model::vc_rules::check_credential(&credential);
        assert!(problems.is_empty(), "{problems:?}");
        let list_url = credential["credentialStatus"]["statusListCredential"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = list_url.trim_start_matches(&app.base).to_owned();
        let list: Value = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let problems = insignia_model::vc_rules::check_credential(&list);
        assert!(problems.is_empty(), "{problems:?}");
        app
    })
    .await;
}
