//! Conformance of what the server issues, and the VC-API endpoints
//! (`/credentials/issue`, `/credentials/verify`, `/presentations/verify`).

use serde_json::{Value, json};

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

/// Creates an API token on the organisation's page; returns the token shown once.
async fn create_token(
    app: &support::App,
    client: &reqwest::Client,
    org: &str,
    scopes: &[&str],
) -> String {
    let page = client
        .get(app.url(&format!("/orgs/{org}/api-tokens")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = support::csrf(&page);
    let mut form = vec![
        ("csrf".to_owned(), csrf),
        ("name".to_owned(), "CI".to_owned()),
    ];
    for s in scopes {
        form.push((format!("scope_{s}"), "1".to_owned()));
    }
    let r = client
        .post(app.url(&format!("/orgs/{org}/api-tokens")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let marker = "<code class=\"token\">";
    let start = page.find(marker).expect("the new token is shown") + marker.len();
    let end = page[start..].find('<').unwrap();
    page[start..start + end].to_owned()
}

fn unsigned() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:2f7c1d7e-4c1e-4b8e-8f3a-0d2e6b5a9c11",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": "did:example:placeholder",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
    })
}

async fn post(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = client.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn vc_api_issues_and_verifies_with_organisation_tokens() {
    support::on_both(|app| async move {
        let (client, token) = sign_up(&app, "vcapi@example.org").await;
        let (org, _badge) = org_with_badge(&app, &client, &token, "vcapi").await;
        let api = reqwest::Client::new();
        let issue = app.url("/credentials/issue");
        let body = json!({"credential": unsigned(), "options": {}});

        // No token, an unknown token: 401.
        assert_eq!(post(&api, issue.clone(), None, &body).await.0, 401);
        assert_eq!(
            post(&api, issue.clone(), Some("insignia_nope"), &body)
                .await
                .0,
            401
        );
        // A token without the issue scope: 403.
        let reader = create_token(&app, &client, &org, &["read"]).await;
        assert_eq!(post(&api, issue.clone(), Some(&reader), &body).await.0, 403);

        let secret = create_token(&app, &client, &org, &["issue"]).await;
        assert!(secret.starts_with("insignia_"));
        // Only its hash is stored.
        let stored: Vec<String> = insignia_store::on_db!(&app.state.store, |pool| {
            sqlx::query_scalar("SELECT token_hash FROM api_tokens")
                .fetch_all(pool)
                .await
                .unwrap()
        });
        assert!(stored.iter().all(|h| *h != secret && !h.contains(&secret)));

        let (status, issued) = post(&api, issue.clone(), Some(&secret), &body).await;
        assert_eq!(status, 201, "{issued}");
        let vc = issued["verifiableCredential"].clone();
        assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        let did = vc["issuer"].as_str().unwrap().to_owned();
        assert!(did.starts_with("did:web:"), "{did}");
        assert!(did.ends_with(":issuers:vcapi"), "{did}");

        // A credential breaking the data model rules: 422 naming each rule.
        let mut bad = unsigned();
        bad.as_object_mut().unwrap().remove("credentialSubject");
        bad["validUntil"] = json!("2030-01-01");
        let (status, refused) = post(
            &api,
            issue.clone(),
            Some(&secret),
            &json!({"credential": bad}),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        let codes: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["code"].as_str())
            .collect();
        assert!(codes.contains(&"credential-subject-missing"), "{refused}");
        assert!(codes.contains(&"date-time-stamp"), "{refused}");
        // An issuer that is not a URL is refused, not replaced.
        let mut not_url = unsigned();
        not_url["issuer"] = json!("not a url");
        let (status, refused) = post(
            &api,
            issue.clone(),
            Some(&secret),
            &json!({"credential": not_url}),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["errors"][0]["code"], "issuer-not-url");
        // Malformed input: 400.
        assert_eq!(
            post(
                &api,
                issue.clone(),
                Some(&secret),
                &json!({"credential": "x"})
            )
            .await
            .0,
            400
        );
        let r = api
            .post(issue.clone())
            .bearer_auth(&secret)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        // Verify: ours verifies against the issuer's keys in the database.
        let verify = app.url("/credentials/verify");
        let (status, result) = post(
            &api,
            verify.clone(),
            None,
            &json!({"verifiableCredential": vc}),
        )
        .await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["verified"], true);
        assert!(result["errors"].as_array().unwrap().is_empty());
        assert!(
            result["checks"]
                .as_array()
                .unwrap()
                .contains(&json!("proof"))
        );
        let mut tampered = vc.clone();
        tampered["credentialSubject"]["alumniOf"] = json!("Elsewhere");
        let (status, result) = post(
            &api,
            verify.clone(),
            None,
            &json!({"verifiableCredential": tampered}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(result["verified"], false);
        assert!(!result["errors"].as_array().unwrap().is_empty());
        assert_eq!(
            post(&api, verify, None, &json!({"nothing": 1})).await.0,
            400
        );

        // Presentations: unsigned, and signed by a did:key holder with a challenge.
        let holder =
            insignia_proofs::keys::KeyPair::generate(insignia_proofs::keys::Algorithm::Ed25519)
                .unwrap();
        let vp = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": holder.did_key().unwrap(),
            "verifiableCredential": [vc]
        });
        let presentations = app.url("/presentations/verify");
        let (status, result) = post(
            &api,
            presentations.clone(),
            None,
            &json!({"verifiablePresentation": vp}),
        )
        .await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["credentialResults"][0]["verified"], true);
        let mut spec = insignia_proofs::data_integrity::ProofSpec::new(
            insignia_proofs::data_integrity::Cryptosuite::EddsaRdfc2022,
            holder.verification_method_id().unwrap(),
        );
        spec.purpose = "authentication".into();
        spec.challenge = Some("ch-1".into());
        spec.domain = Some("verifier.example".into());
        let signed = insignia_proofs::data_integrity::add_proof(&vp, &holder, &spec).unwrap();
        let options = json!({"challenge": "ch-1", "domain": "verifier.example"});
        let (status, result) = post(
            &api,
            presentations.clone(),
            None,
            &json!({"verifiablePresentation": signed, "options": options}),
        )
        .await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["verified"], true);
        let (status, result) = post(
            &api,
            presentations,
            None,
            &json!({"verifiablePresentation": signed, "options": {"challenge": "other"}}),
        )
        .await;
        assert_eq!(status, 400, "{result}");
        assert_eq!(result["verified"], false);

        // A revoked token no longer issues.
        let page = client
            .get(app.url(&format!("/orgs/{org}/api-tokens")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = support::csrf(&page);
        let ids: Vec<String> = insignia_store::repo::api_tokens::list(&app.state.store, &org)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        for id in ids {
            let r = client
                .post(app.url(&format!("/orgs/{org}/api-tokens/{id}/revoke")))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
        }
        assert_eq!(post(&api, issue, Some(&secret), &body).await.0, 401);

        // Another organisation's admin sees no token page of this one.
        let (stranger, _) = sign_up(&app, "stranger@example.org").await;
        let r = stranger
            .get(app.url(&format!("/orgs/{org}/api-tokens")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        app
    })
    .await;
}
