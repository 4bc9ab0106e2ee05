//! Service accounts at every scope: CRUD, validation, and permissions that are checked at
//! the account (`core_serviceaccount_view|edit|delete` are account-only).

use serde_json::{json, Value};

use super::super::harness::TestApp;
use super::{audited, message, SCOPES};

#[actix_web::test]
async fn service_accounts_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    for (prefix, scope) in SCOPES {
        let base = format!("{prefix}/service-accounts");
        let item = format!("{base}/ci");
        let ghost = format!("{base}/ghost");
        let created = app
            .admin(
                "POST",
                &base,
                Some(json!({"identifier": "ci", "name": "CI", "email": "CI@acme.test"})),
            )
            .await;
        assert_eq!(created.status, 201, "{scope}: {}", created.body);
        assert_eq!(created.body["email"], "ci@acme.test");
        assert_eq!(created.body["disabled"], false);
        assert_eq!(created.body["description"], "");
        let levels: Vec<&str> = scope.split('/').collect();
        assert_eq!(
            created.body["scope"]["project"].as_str(),
            levels.get(2).copied()
        );
        let listed = app
            .admin("GET", &format!("{base}?search_term=c"), None)
            .await;
        assert_eq!(listed.header("x-total-elements"), Some("1"));
        let put = app
            .admin(
                "PUT",
                &item,
                Some(json!({"description": "builds", "disabled": true})),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(
            (
                put.body["description"].as_str(),
                put.body["disabled"].as_bool()
            ),
            (Some("builds"), Some(true))
        );
        assert_eq!(put.body["name"], "CI");
        let errors: Vec<(&str, &str, Value, u16, &str)> = vec![
            (
                "POST",
                &base,
                json!({"identifier": "ci", "name": "CI"}),
                409,
                "ci",
            ),
            (
                "POST",
                &base,
                json!({"identifier": "-x", "name": "X"}),
                400,
                "-x",
            ),
            (
                "POST",
                &base,
                json!({"identifier": "x", "name": "X", "email": "nope"}),
                400,
                "nope",
            ),
            (
                "POST",
                &base,
                json!({"identifier": "x", "name": "X", "tags": {}}),
                400,
                "tags",
            ),
            ("PUT", &ghost, json!({"name": "G"}), 404, "`ghost`"),
        ];
        for (method, path, body, status, needle) in errors {
            let a = app.admin(method, path, Some(body.clone())).await;
            assert_eq!(a.status, status, "{method} {path} {body}: {}", a.body);
            assert!(message(&a).contains(needle), "{}", a.body);
        }
        let deleted = app.admin("DELETE", &item, None).await;
        assert_eq!(
            (deleted.status, deleted.body["identifier"].as_str()),
            (200, Some("ci"))
        );
        assert_eq!(app.admin("GET", &item, None).await.status, 404);
    }
    let missing = app
        .admin(
            "POST",
            "/v1/orgs/eng/projects/nope/service-accounts",
            Some(json!({"identifier": "x", "name": "X"})),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert!(message(&missing).contains("`nope`"), "{}", missing.body);
    assert!(audited(&app, "service_account.create", "allowed", "admin"));
    assert!(audited(&app, "service_account.update", "allowed", "admin"));
    assert!(audited(&app, "service_account.delete", "allowed", "admin"));
}

#[actix_web::test]
async fn service_account_permissions_are_checked_at_the_account() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let padmin = app
        .user_with_role(
            "pam",
            None,
            &[(
                "_project_admin",
                "_all_project_level_resources",
                "acme/eng/web",
            )],
        )
        .await;
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
    let base = "/v1/orgs/eng/projects/web/service-accounts";
    let created = app
        .admin(
            "POST",
            base,
            Some(json!({"identifier": "ci", "name": "CI"})),
        )
        .await;
    assert_eq!(created.status, 201);
    let rows: Vec<(&str, String, Option<Value>, &str)> = vec![
        (
            "POST",
            base.to_owned(),
            Some(json!({"identifier": "x", "name": "X"})),
            "core_serviceaccount_edit",
        ),
        (
            "GET",
            format!("{base}/ci"),
            None,
            "core_serviceaccount_view",
        ),
        (
            "PUT",
            format!("{base}/ci"),
            Some(json!({"name": "X"})),
            "core_serviceaccount_edit",
        ),
        (
            "DELETE",
            format!("{base}/ci"),
            None,
            "core_serviceaccount_delete",
        ),
    ];
    for (method, path, body, permission) in rows {
        let a = app.call(method, &path, Some(&padmin), body).await;
        assert_eq!(
            (a.status, a.body["permission"].as_str()),
            (403, Some(permission)),
            "{method} {path}: {}",
            a.body
        );
    }
    assert!(audited(&app, "service_account.create", "denied", "pam"));
    assert!(audited(&app, "service_account.delete", "denied", "pam"));
    let list = app.call("GET", base, Some(&padmin), None).await;
    assert_eq!(
        (list.status, list.body["permission"].as_str()),
        (403, Some("core_serviceaccount_view"))
    );
    let seen = app
        .call("GET", &format!("{base}/ci"), Some(&viewer), None)
        .await;
    assert_eq!(seen.status, 200);
    let edit = app
        .call(
            "PUT",
            &format!("{base}/ci"),
            Some(&viewer),
            Some(json!({"name": "X"})),
        )
        .await;
    assert_eq!(edit.status, 403);
}
