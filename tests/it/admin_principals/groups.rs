//! User groups at every scope: CRUD, validation, membership reaching the gateway at once,
//! deletion removing the assignments naming a group, RBAC at the group's scope.

use scopegate::policy::role::PrincipalType;
use scopegate::policy::Scope;
use scopegate::storage::assignments::Assignments;
use serde_json::{json, Value};

use super::super::harness::TestApp;
use super::{assign, audited, message, SCOPES};

#[actix_web::test]
async fn user_groups_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("bob", None, &[]).await;
    app.user_with_role("alice", None, &[]).await;
    for (prefix, scope) in SCOPES {
        let base = format!("{prefix}/user-groups");
        let item = format!("{base}/devs");
        let created = app
            .admin(
                "POST",
                &base,
                Some(
                    json!({"identifier": "devs", "name": "Devs", "description": "d",
                            "users": ["bob", "alice", "bob"]}),
                ),
            )
            .await;
        assert_eq!(created.status, 201, "{scope}: {}", created.body);
        assert_eq!(created.body["users"], json!(["alice", "bob"]));
        assert_eq!(created.body["harness_managed"], false);
        assert_eq!(created.body["scope"]["account"], "acme");
        let parts: Vec<&str> = scope.split('/').collect();
        assert_eq!(created.body["scope"]["org"].as_str(), parts.get(1).copied());
        assert_eq!(
            created.body["scope"]["project"].as_str(),
            parts.get(2).copied()
        );
        let listed = app.admin("GET", &base, None).await;
        assert_eq!(listed.header("x-total-elements"), Some("1"), "{scope}");
        assert_eq!(listed.body[0]["users"], json!(["alice", "bob"]));
        let got = app.admin("GET", &item, None).await;
        assert_eq!(got.body["description"], "d");
        let put = app
            .admin(
                "PUT",
                &item,
                Some(json!({"identifier": "devs", "name": "Developers", "users": ["bob"]})),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(put.body["users"], json!(["bob"]));
        let errors: Vec<(&str, &str, Value, u16, &str)> = vec![
            (
                "POST",
                &base,
                json!({"identifier": "devs", "name": "D"}),
                409,
                "devs",
            ),
            (
                "POST",
                &base,
                json!({"identifier": "g2", "name": "G", "users": ["bob", "ghost", "ghost2"]}),
                404,
                "`ghost`",
            ),
            (
                "POST",
                &base,
                json!({"identifier": "g 2", "name": "G"}),
                400,
                "g 2",
            ),
            (
                "POST",
                &base,
                json!({"identifier": "g2", "name": "G", "members": []}),
                400,
                "members",
            ),
            (
                "PUT",
                &item,
                json!({"identifier": "other", "name": "G"}),
                400,
                "other",
            ),
        ];
        for (method, path, body, status, needle) in errors {
            let a = app.admin(method, path, Some(body.clone())).await;
            assert_eq!(a.status, status, "{method} {path} {body}: {}", a.body);
            assert!(message(&a).contains(needle), "{}", a.body);
        }
        let deleted = app.admin("DELETE", &item, None).await;
        assert_eq!(
            (deleted.status, deleted.body["identifier"].as_str()),
            (200, Some("devs"))
        );
        assert_eq!(app.admin("GET", &item, None).await.status, 404);
    }
    let missing = app.admin("GET", "/v1/orgs/nope/user-groups", None).await;
    assert_eq!(missing.status, 404);
    assert!(message(&missing).contains("`nope`"));
    assert!(audited(&app, "user_group.create", "allowed", "admin"));
    assert!(audited(&app, "user_group.update", "allowed", "admin"));
    assert!(audited(&app, "user_group.delete", "allowed", "admin"));
}

#[actix_web::test]
async fn user_group_membership_grants_and_deletion_revokes() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let bob = app.user_with_role("bob", None, &[]).await;
    let insights = "/v1/orgs/eng/projects/web/insights";
    assert_eq!(
        app.call("GET", insights, Some(&bob), None).await.status,
        403
    );
    let group = app
        .admin(
            "POST",
            "/v1/user-groups",
            Some(json!({"identifier": "viewers", "name": "Viewers", "users": ["bob"]})),
        )
        .await;
    assert_eq!(group.status, 201);
    assign(
        &app,
        "viewers_sei",
        PrincipalType::UserGroup,
        "viewers",
        "_sei_viewer",
    )
    .await;
    assert_eq!(
        app.call("GET", insights, Some(&bob), None).await.status,
        200
    );
    let emptied = app
        .admin(
            "PUT",
            "/v1/user-groups/viewers",
            Some(json!({"identifier": "viewers", "name": "Viewers", "users": []})),
        )
        .await;
    assert_eq!(emptied.status, 200);
    assert_eq!(
        app.call("GET", insights, Some(&bob), None).await.status,
        403,
        "membership changes reach the gateway at once"
    );
    app.admin(
        "PUT",
        "/v1/user-groups/viewers",
        Some(json!({"identifier": "viewers", "name": "Viewers", "users": ["bob"]})),
    )
    .await;
    assert_eq!(
        app.call("GET", insights, Some(&bob), None).await.status,
        200
    );
    assert_eq!(
        app.admin("DELETE", "/v1/user-groups/viewers", None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.call("GET", insights, Some(&bob), None).await.status,
        403
    );
    let mut conn = app.db.conn().unwrap();
    let left = Assignments::naming(
        &mut conn,
        &Scope::parse("acme").unwrap(),
        PrincipalType::UserGroup,
        "viewers",
    )
    .unwrap();
    assert!(left.is_empty(), "the group's assignments are deleted");
}

#[actix_web::test]
async fn user_group_rbac_follows_the_scope() {
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
    let body = json!({"identifier": "team", "name": "Team"});
    let here = app
        .call(
            "POST",
            "/v1/orgs/eng/projects/web/user-groups",
            Some(&padmin),
            Some(body.clone()),
        )
        .await;
    assert_eq!(here.status, 201, "{}", here.body);
    let above = app
        .call(
            "POST",
            "/v1/orgs/eng/user-groups",
            Some(&padmin),
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (above.status, above.body["permission"].as_str()),
        (403, Some("core_usergroup_manage"))
    );
    assert!(audited(&app, "user_group.create", "denied", "pam"));
    let read = app
        .call(
            "GET",
            "/v1/orgs/eng/projects/web/user-groups/team",
            Some(&padmin),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    app.admin("POST", "/v1/user-groups", Some(body)).await;
    let hidden = app
        .call("GET", "/v1/user-groups/team", Some(&padmin), None)
        .await;
    assert_eq!(
        (hidden.status, hidden.body["permission"].as_str()),
        (403, Some("core_usergroup_view"))
    );
    let list = app
        .call("GET", "/v1/user-groups", Some(&padmin), None)
        .await;
    assert_eq!(
        (list.status, list.body["permission"].as_str()),
        (403, Some("core_usergroup_view")),
        "a list without the type's view permission is a 403, as Harness answers"
    );
    let del = app
        .call("DELETE", "/v1/user-groups/team", Some(&padmin), None)
        .await;
    assert_eq!(del.status, 403);
    assert!(audited(&app, "user_group.delete", "denied", "pam"));
    let put = app
        .call(
            "PUT",
            "/v1/user-groups/team",
            Some(&padmin),
            Some(json!({"identifier": "team", "name": "Mine now"})),
        )
        .await;
    assert_eq!(
        (put.status, put.body["permission"].as_str()),
        (403, Some("core_usergroup_manage"))
    );
    assert!(audited(&app, "user_group.update", "denied", "pam"));
    let own = app
        .call(
            "PUT",
            "/v1/orgs/eng/projects/web/user-groups/team",
            Some(&padmin),
            Some(json!({"identifier": "team", "name": "Renamed"})),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    let gone = app
        .call(
            "DELETE",
            "/v1/orgs/eng/projects/web/user-groups/team",
            Some(&padmin),
            None,
        )
        .await;
    assert_eq!(gone.status, 200);
}
