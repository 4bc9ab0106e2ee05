//! Organizations and projects over real HTTP: Harness v1 shapes, RBAC, errors, audit.

use serde_json::json;

use super::harness::TestApp;

#[actix_web::test]
async fn org_and_project_lifecycle_in_harness_shapes() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let got = app.admin("GET", "/v1/orgs/eng", None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["org"]["identifier"], "eng");
    assert!(got.body["created"].is_i64() && got.body["harness_managed"] == false);
    let list = app
        .admin(
            "GET",
            "/v1/orgs?limit=1&page=1&sort=identifier&order=asc&unknown=1",
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("x-total-elements"), Some("2"));
    assert_eq!(list.body[0]["org"]["identifier"], "sales");
    let put = app
        .admin(
            "PUT",
            "/v1/orgs/eng",
            Some(json!({"org": {"identifier": "eng", "name": "Eng renamed"}})),
        )
        .await;
    assert_eq!(
        (put.status, put.body["org"]["name"].as_str()),
        (200, Some("Eng renamed"))
    );
    let mismatch = app
        .admin(
            "PUT",
            "/v1/orgs/eng",
            Some(json!({"org": {"identifier": "other", "name": "x"}})),
        )
        .await;
    assert_eq!(mismatch.status, 400);
    let project = app.admin("GET", "/v1/orgs/eng/projects/web", None).await;
    assert_eq!(project.body["project"]["org"], "eng");
    let dup = app
        .admin(
            "POST",
            "/v1/orgs",
            Some(json!({"org": {"identifier": "eng", "name": "Again"}})),
        )
        .await;
    assert_eq!(
        (dup.status, dup.body["code"].as_str()),
        (409, Some("CONFLICT"))
    );
    let missing = app
        .admin(
            "POST",
            "/v1/orgs/nope/projects",
            Some(json!({"project": {"identifier": "p", "name": "P"}})),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.body["message"].as_str().unwrap().contains("`nope`"));
    let deleted = app.admin("DELETE", "/v1/orgs/eng/projects/api", None).await;
    assert_eq!(
        (
            deleted.status,
            deleted.body["project"]["identifier"].as_str()
        ),
        (200, Some("api"))
    );
    assert_eq!(
        app.admin("GET", "/v1/orgs/eng/projects/api", None)
            .await
            .status,
        404
    );
    let bad = app
        .admin(
            "POST",
            "/v1/orgs",
            Some(json!({"org": {"identifier": "1bad", "name": "x"}})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        app.admin("GET", "/v1/orgs?limit=101", None).await.status,
        400
    );
    assert_eq!(
        app.admin("GET", "/v1/orgs?order=sideways", None)
            .await
            .status,
        400
    );
    assert_eq!(
        app.admin("PATCH", "/v1/orgs", None).await.body["code"],
        "METHOD_NOT_ALLOWED"
    );
}

#[actix_web::test]
async fn org_writes_need_permissions_and_are_audited() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let viewer = app
        .user_with_role(
            "vera",
            None,
            &[(
                "_account_viewer",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    let denied = app
        .call(
            "POST",
            "/v1/orgs",
            Some(&viewer),
            Some(json!({"org": {"identifier": "x", "name": "X"}})),
        )
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.body["permission"], "core_organization_create");
    let listed = app.call("GET", "/v1/orgs", Some(&viewer), None).await;
    assert_eq!(listed.body.as_array().map(|a| a.len()), Some(2));
    let project_only = app
        .user_with_role(
            "pat",
            None,
            &[(
                "_project_viewer",
                "_all_project_level_resources",
                "acme/eng/web",
            )],
        )
        .await;
    let orgs = app.call("GET", "/v1/orgs", Some(&project_only), None).await;
    assert_eq!(
        orgs.body.as_array().map(|a| a.len()),
        Some(1),
        "implicit visibility shows only eng: {}",
        orgs.body
    );
    let mut conn = app.db.conn().unwrap();
    let (events, _) =
        scopegate::storage::audit::AuditEvent::list(&mut conn, "acme", &Default::default(), 0, 100)
            .unwrap();
    assert!(events.iter().any(|e| e.action == "organization.create"
        && e.outcome == "denied"
        && e.principal_identifier == "vera"));
    assert!(events
        .iter()
        .any(|e| e.action == "project.create" && e.outcome == "allowed"));
    let unsupported = app
        .send(
            "POST",
            "/v1/orgs",
            Some(("x-api-key", app.admin_token.clone())),
            None,
        )
        .await;
    assert_eq!(unsupported.status, 400);
}

/// Harness clients send a body and `Content-Type` on GET and DELETE; both are ignored.
#[actix_web::test]
async fn bodies_and_content_types_on_get_and_delete_are_ignored() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let send = |method: &str, path: &str, content_type: &str, body: &'static str| {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        app.client
            .request(method, format!("{}{path}", app.url))
            .insert_header(("x-api-key", app.admin_token.as_str()))
            .insert_header(("content-type", content_type))
            .send_body(body)
    };
    for (content_type, body) in [
        ("text/plain", "not json at all"),
        ("application/json", "{\"broken\":"),
        ("application/xml", "<org/>"),
    ] {
        let mut res = send("GET", "/v1/orgs/eng", content_type, body)
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "GET with {content_type}");
        let got: serde_json::Value = res.json().await.unwrap();
        assert_eq!(got["org"]["identifier"], "eng");
    }
    let mut res = send("DELETE", "/v1/orgs/eng/projects/web", "text/xml", "<why/>")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let deleted: serde_json::Value = res.json().await.unwrap();
    assert_eq!(deleted["project"]["identifier"], "web");
    let gone = app.admin("GET", "/v1/orgs/eng/projects/web", None).await;
    assert_eq!(gone.status, 404);
}
