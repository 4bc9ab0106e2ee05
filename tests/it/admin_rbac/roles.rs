//! Roles over real HTTP at every scope: Harness v1 shapes, lists, counts, built-ins,
//! validation errors, levels in use, audit rows.

use scopegate::policy::builtin::builtin_roles;
use serde_json::{json, Value};

use super::{expect_error, has_audit, ids, message, PREFIXES};
use crate::harness::TestApp;

/// A permission of each level that is available there and below, for test roles.
fn perm_for(prefix: &str) -> &'static str {
    match prefix {
        "/v1/orgs/eng/projects/web" => "sei_seiteams_view",
        _ => "core_role_view",
    }
}

#[actix_web::test]
async fn roles_crud_lists_and_counts_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    for (prefix, scope) in PREFIXES {
        let perm = perm_for(prefix);
        let base = format!("{prefix}/roles");
        for (id, name) in [("gamma", "A role"), ("alpha", "C role"), ("beta", "B role")] {
            let body = json!({"identifier": id, "name": name, "permissions": [perm]});
            let made = app.admin("POST", &base, Some(body)).await;
            assert_eq!(made.status, 201, "{base}: {}", made.body);
        }
        let got = app.admin("GET", &format!("{base}/alpha"), None).await;
        assert_eq!(got.status, 200, "{}", got.body);
        let b = &got.body;
        assert_eq!(b["identifier"], "alpha");
        assert_eq!(b["permissions"], json!([perm]));
        assert!(
            b["created"].as_i64().unwrap() > 1_600_000_000_000,
            "epoch ms"
        );
        assert_eq!(b["created"], b["updated"]);
        assert_eq!(b["harness_managed"], false);
        let parts: Vec<&str> = scope.split('/').collect();
        assert_eq!(b["scope"]["account"], "acme");
        assert_eq!(
            b["scope"]["org"],
            parts.get(1).map_or(Value::Null, |o| json!(o))
        );
        assert_eq!(
            b["scope"]["project"],
            parts.get(2).map_or(Value::Null, |p| json!(p))
        );
        let levels = match parts.len() {
            1 => json!(["account", "organization", "project"]),
            2 => json!(["organization", "project"]),
            _ => json!(["project"]),
        };
        assert_eq!(
            b["allowed_scope_levels"], levels,
            "default levels at {scope}"
        );
        assert_eq!(b["description"], "");
        assert_eq!(b["tags"], json!({}));

        let custom_only = format!("{base}?search_term=role&sort=name&order=desc&limit=2&page=0");
        let page = app.admin("GET", &custom_only, None).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("x-total-elements"), Some("3"));
        assert_eq!(page.header("x-page-number"), Some("0"));
        assert_eq!(page.header("x-page-size"), Some("2"));
        assert_eq!(ids(&page), ["alpha", "beta"], "names C, B descending");
        let second = app
            .admin(
                "GET",
                &format!("{base}?search_term=role&limit=2&page=1"),
                None,
            )
            .await;
        assert_eq!(ids(&second), ["gamma"]);
        let count = app.admin("GET", &format!("{base}/count"), None).await;
        let builtins = if parts.len() == 1 {
            builtin_roles().len()
        } else {
            0
        };
        assert_eq!(count.body, json!(3 + builtins), "{base}/count");

        let put = app
            .admin(
                "PUT",
                &format!("{base}/alpha"),
                Some(
                    json!({"identifier": "alpha", "name": "Renamed", "permissions": [perm],
                    "description": "d", "tags": {"k": "v"}}),
                ),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(put.body["name"], "Renamed");
        assert_eq!(put.body["tags"]["k"], "v");
        assert_eq!(put.body["created"], got.body["created"]);
        assert!(put.body["updated"].as_i64() >= got.body["updated"].as_i64());
        let deleted = app.admin("DELETE", &format!("{base}/alpha"), None).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(deleted.body["identifier"], "alpha");
        assert_eq!(deleted.body["name"], "Renamed");
        let gone = app.admin("GET", &format!("{base}/alpha"), None).await;
        expect_error(&gone, 404, "`alpha`");
        assert_eq!(gone.body["code"], "NOT_FOUND");
    }
    let all = app.admin("GET", "/v1/roles?limit=100", None).await;
    let viewer = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["identifier"] == "_sei_viewer")
        .expect("built-in listed at the account");
    assert_eq!(viewer["harness_managed"], true);
    assert_eq!(
        (viewer["created"].as_i64(), viewer["updated"].as_i64()),
        (Some(0), Some(0))
    );
    let org_list = app.admin("GET", "/v1/orgs/eng/roles", None).await;
    assert!(
        !ids(&org_list).contains(&"_sei_viewer".to_owned()),
        "built-ins only at account"
    );
    let one = app.admin("GET", "/v1/roles/_sei_viewer", None).await;
    assert_eq!(
        (one.status, one.body["name"].as_str()),
        (200, Some("SEI Viewer"))
    );
    assert_eq!(one.body["harness_managed"], true);
    let levels = app
        .admin(
            "POST",
            "/v1/roles",
            Some(
                json!({"identifier": "orgs_only", "name": "Orgs", "permissions": [],
                "allowed_scope_levels": ["ORG", "Project"]}),
            ),
        )
        .await;
    assert_eq!(
        levels.body["allowed_scope_levels"],
        json!(["organization", "project"])
    );
    let missing = app.admin("GET", "/v1/orgs/nope/roles", None).await;
    expect_error(&missing, 404, "`nope`");
    assert_eq!(
        app.admin("PATCH", "/v1/roles/x", None).await.body["code"],
        "METHOD_NOT_ALLOWED"
    );
}

#[actix_web::test]
async fn role_writes_are_validated_and_builtins_are_read_only() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move { app.admin("POST", path, Some(body)).await }
    };
    let role =
        |id: &str, perms: Value| json!({"identifier": id, "name": "R", "permissions": perms});
    let a = post("/v1/roles", role("r1", json!(["core_nope_view"]))).await;
    expect_error(&a, 400, "`core_nope_view`");
    assert_eq!(a.body["code"], "INVALID_REQUEST");
    let mut above = role("r2", json!([]));
    above["allowed_scope_levels"] = json!(["account"]);
    let a = post("/v1/orgs/eng/projects/web/roles", above).await;
    expect_error(&a, 400, "`account`");
    let mut empty = role("r3", json!([]));
    empty["allowed_scope_levels"] = json!([]);
    expect_error(&post("/v1/roles", empty).await, 400, "allowed_scope_levels");
    let mut bad_level = role("r4", json!([]));
    bad_level["allowed_scope_levels"] = json!(["team"]);
    expect_error(&post("/v1/roles", bad_level).await, 400, "`team`");
    let a = post(
        "/v1/orgs/eng/projects/web/roles",
        role("r5", json!(["core_account_view"])),
    )
    .await;
    expect_error(&a, 400, "`core_account_view`");
    let mut narrow = role("r6", json!(["sei_seiteams_view"]));
    narrow["allowed_scope_levels"] = json!(["account"]);
    expect_error(&post("/v1/roles", narrow).await, 400, "`sei_seiteams_view`");
    expect_error(
        &post("/v1/roles", role("count", json!([]))).await,
        400,
        "`count`",
    );
    expect_error(
        &post("/v1/roles", role("1bad", json!([]))).await,
        400,
        "`1bad`",
    );
    let mut unknown = role("r7", json!([]));
    unknown["bogus"] = json!(1);
    expect_error(&post("/v1/roles", unknown).await, 400, "bogus");
    expect_error(
        &post("/v1/roles", role("_sei_viewer", json!([]))).await,
        409,
        "`_sei_viewer`",
    );
    assert_eq!(post("/v1/roles", role("dup", json!([]))).await.status, 201);
    let again = post("/v1/roles", role("dup", json!([]))).await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (409, Some("CONFLICT"))
    );
    let mismatch = app
        .admin("PUT", "/v1/roles/dup", Some(role("other", json!([]))))
        .await;
    expect_error(&mismatch, 400, "`other`");
    let absent = app
        .admin("PUT", "/v1/roles/ghost", Some(role("ghost", json!([]))))
        .await;
    expect_error(&absent, 404, "`ghost`");
    for (method, body) in [
        ("PUT", Some(role("_sei_viewer", json!([])))),
        ("DELETE", None),
    ] {
        let managed = app.admin(method, "/v1/roles/_sei_viewer", body).await;
        assert_eq!(managed.status, 403, "{method}: {}", managed.body);
        assert_eq!(managed.body["code"], "ACCESS_DENIED");
        assert_eq!(managed.body["permission"], Value::Null);
        assert!(message(&managed).contains("managed"), "{}", managed.body);
    }
    assert!(has_audit(&app, "role.delete", "denied", "_sei_viewer"));
    assert!(has_audit(&app, "role.create", "allowed", "dup"));
}

#[actix_web::test]
async fn role_levels_must_keep_the_levels_it_is_assigned_at() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("tina", None, &[]).await;
    let made = app
        .admin(
            "POST",
            "/v1/roles",
            Some(json!({"identifier": "teamview", "name": "T", "permissions": ["sei_seiteams_view"]})),
        )
        .await;
    assert_eq!(made.status, 201);
    let assigned = app
        .admin(
            "POST",
            "/v1/orgs/eng/projects/web/role-assignments",
            Some(
                json!({"identifier": "tv", "resource_group": "_all_project_level_resources",
                "role": "teamview", "principal": {"identifier": "tina", "type": "user"}}),
            ),
        )
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.body);
    let shrink = app
        .admin(
            "PUT",
            "/v1/roles/teamview",
            Some(
                json!({"identifier": "teamview", "name": "T", "permissions": ["sei_seiteams_view"],
                "allowed_scope_levels": ["account", "organization"]}),
            ),
        )
        .await;
    assert_eq!(
        shrink.status, 400,
        "no permission left usable: {}",
        shrink.body
    );
    let shrink = app
        .admin(
            "PUT",
            "/v1/roles/teamview",
            Some(
                json!({"identifier": "teamview", "name": "T", "permissions": [],
                "allowed_scope_levels": ["account"]}),
            ),
        )
        .await;
    expect_error(&shrink, 409, "`tv`");
    let keep = app
        .admin(
            "PUT",
            "/v1/roles/teamview",
            Some(json!({"identifier": "teamview", "name": "T2", "permissions": ["sei_seiteams_view"]})),
        )
        .await;
    assert_eq!(keep.status, 200, "{}", keep.body);
    assert_eq!(
        keep.body["allowed_scope_levels"],
        json!(["account", "organization", "project"]),
        "levels left out of a PUT stay as stored"
    );
}
