//! The NG API keeps every rule of v1 because it calls the same cores: lists answer 403
//! without the type's view permission, writes need the same permissions, pass the same
//! no-escalation guard (refusals audited under the same actions), managed entities stay
//! read-only and the last account admin cannot be removed.

use serde_json::json;

use super::admin_rbac::has_audit;
use super::harness::TestApp;
use super::ng_api::{data, ng_error, page, WEB};

const ALL: &str = "_all_resources_including_child_scopes";

#[actix_web::test]
async fn ng_lists_answer_403_without_the_view_permission() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let viewer = app
        .user_with_role(
            "val",
            None,
            &[(
                "_project_viewer",
                "_all_project_level_resources",
                "acme/eng/web",
            )],
        )
        .await;
    let nobody = app.user_with_role("nob", None, &[]).await;
    for path in [
        "/authz/api/roles?accountIdentifier=acme",
        "/authz/api/v2/resourcegroup?accountIdentifier=acme",
        "/authz/api/roleassignments?accountIdentifier=acme",
        "/ng/api/projects?accountIdentifier=acme&orgIdentifier=sales",
    ] {
        let a = app.call("GET", path, Some(&viewer), None).await;
        ng_error(&a, 403, "ACCESS_DENIED");
        assert!(a.body["permission"].is_string(), "{path}: {}", a.body);
        let v1 = path
            .replace("/authz/api/roles?accountIdentifier=acme", "/v1/roles")
            .replace(
                "/authz/api/v2/resourcegroup?accountIdentifier=acme",
                "/v1/resource-groups",
            )
            .replace(
                "/authz/api/roleassignments?accountIdentifier=acme",
                "/v1/role-assignments",
            )
            .replace(
                "/ng/api/projects?accountIdentifier=acme&orgIdentifier=sales",
                "/v1/orgs/sales/projects",
            );
        let b = app.call("GET", &v1, Some(&viewer), None).await;
        assert_eq!(b.status, 403, "{v1}: {}", b.body);
        assert_eq!(b.body["permission"], a.body["permission"], "{v1}");
    }
    let a = app
        .call(
            "GET",
            "/ng/api/organizations?accountIdentifier=acme",
            Some(&nobody),
            None,
        )
        .await;
    ng_error(&a, 403, "ACCESS_DENIED");
    // Within its project the viewer sees the roles there.
    let ok = app
        .call(
            "GET",
            &format!("/authz/api/roles?{WEB}"),
            Some(&viewer),
            None,
        )
        .await;
    data(&ok);
}

#[actix_web::test]
async fn ng_writes_pass_the_same_guard_and_are_audited_alike() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let sam = app
        .user_with_role("sam", None, &[("_sei_admin", ALL, "acme")])
        .await;
    app.user_with_role("tina", None, &[]).await;
    let grab = json!({"identifier": "grab", "resourceGroupIdentifier": ALL,
        "roleIdentifier": "_account_admin",
        "principal": {"identifier": "tina", "type": "USER"}});
    let a = app
        .call(
            "POST",
            "/authz/api/roleassignments?accountIdentifier=acme",
            Some(&sam),
            Some(grab),
        )
        .await;
    ng_error(&a, 403, "ACCESS_DENIED");
    assert!(a.body["permission"].is_string(), "{}", a.body);
    assert!(a.body["resource"].is_string(), "{}", a.body);
    assert!(has_audit(&app, "role_assignment.create", "denied", "grab"));
    let v1 = app.admin("GET", "/v1/role-assignments/grab", None).await;
    assert_eq!(v1.status, 404, "nothing written: {}", v1.body);
    let big = json!({"identifier": "big", "name": "Big", "permissions": ["core_account_edit"]});
    let a = app
        .call(
            "POST",
            "/authz/api/roles?accountIdentifier=acme",
            Some(&sam),
            Some(big),
        )
        .await;
    ng_error(&a, 403, "ACCESS_DENIED");
    assert!(has_audit(&app, "role.create", "denied", "big"));
    // What the writer holds it may hand out, through NG as through v1.
    let view = json!({"identifier": "view", "resourceGroupIdentifier": ALL,
        "roleIdentifier": "_sei_viewer", "principal": {"identifier": "tina", "type": "USER"}});
    let ok = app
        .call(
            "POST",
            "/authz/api/roleassignments?accountIdentifier=acme",
            Some(&sam),
            Some(view),
        )
        .await;
    assert_eq!(data(&ok)["roleAssignment"]["identifier"], "view");
    assert!(has_audit(&app, "role_assignment.create", "allowed", "view"));
}

#[actix_web::test]
async fn ng_managed_entities_and_the_last_admin_are_protected() {
    let app = TestApp::start().await;
    let q = "accountIdentifier=acme";
    let role = app
        .admin(
            "DELETE",
            &format!("/authz/api/roles/_account_viewer?{q}"),
            None,
        )
        .await;
    ng_error(&role, 403, "ACCESS_DENIED");
    assert!(role.body["permission"].is_null(), "{}", role.body);
    let group = app
        .admin(
            "DELETE",
            &format!("/authz/api/v2/resourcegroup/{ALL}?{q}"),
            None,
        )
        .await;
    ng_error(&group, 403, "ACCESS_DENIED");
    let listed = data(
        &app.admin("GET", &format!("/authz/api/roleassignments?{q}"), None)
            .await,
    );
    let admin = page(&listed, 1, 0, 50)[0]["roleAssignment"]["identifier"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = app
        .admin(
            "DELETE",
            &format!("/authz/api/roleassignments/{admin}?{q}"),
            None,
        )
        .await;
    ng_error(&last, 409, "CONFLICT");
    let still = app
        .admin(
            "GET",
            &format!("/authz/api/roleassignments/{admin}?{q}"),
            None,
        )
        .await;
    assert_eq!(
        data(&still)["roleAssignment"]["roleIdentifier"],
        "_account_admin"
    );
}
