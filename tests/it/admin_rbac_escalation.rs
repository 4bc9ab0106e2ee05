//! No privilege escalation through the admin API (DESIGN §4.4), tried from every built-in
//! role that can write roles, groups or assignments and from a custom role editor; the
//! same writes succeed for the account admin. And an assignment really changes what the
//! gateway lets through.

use scopegate::policy::builtin::builtin_role;
use scopegate::policy::permission::catalogue;
use serde_json::{json, Value};

use super::admin_rbac::{expect_error, has_audit, principal};
use super::harness::{Answer, TestApp};

const ALL: &str = "_all_resources_including_child_scopes";
const WEB: &str = "/v1/orgs/eng/projects/web";

fn assign(id: &str, role: &str, group: &str, user: &str) -> Value {
    json!({"identifier": id, "resource_group": group, "role": role,
        "principal": {"identifier": user, "type": "USER"}})
}

fn web_group(id: &str, filters: Value) -> Value {
    json!({"identifier": id, "name": id, "resource_filter": filters, "included_scope":
        [{"filter": "EXCLUDING_CHILD_SCOPES", "account": "acme", "org": "eng", "project": "web"}]})
}

/// A 403 naming a permission that `role` does not hold.
fn denied_outside(a: &Answer, role: &str) -> String {
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["code"], "ACCESS_DENIED");
    let perm = a.body["permission"]
        .as_str()
        .expect("names a permission")
        .to_owned();
    let id = catalogue().get(&perm).expect("known permission");
    assert!(
        !builtin_role(role).unwrap().permissions.contains(id),
        "{role} holds {perm}"
    );
    assert!(a.body["message"].as_str().unwrap().contains(&perm));
    perm
}

/// A 403 naming one of `role`'s permissions.
fn denied_within(a: &Answer, role: &str) {
    assert_eq!(a.status, 403, "{}", a.body);
    let perm = a.body["permission"].as_str().expect("names a permission");
    let id = catalogue().get(perm).expect("known permission");
    assert!(
        builtin_role(role).unwrap().permissions.contains(id),
        "{perm}"
    );
}

#[actix_web::test]
async fn sei_admin_cannot_hand_out_what_it_lacks() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let sam = app
        .user_with_role("sam", None, &[("_sei_admin", ALL, "acme")])
        .await;
    app.user_with_role("tina", None, &[]).await;
    let grab = assign("grab", "_account_admin", ALL, "tina");
    let a = app
        .call(
            "POST",
            "/v1/role-assignments",
            Some(&sam),
            Some(grab.clone()),
        )
        .await;
    denied_outside(&a, "_sei_admin");
    assert!(has_audit(&app, "role_assignment.create", "denied", "grab"));
    let viewer = assign("view", "_sei_viewer", ALL, "tina");
    let ok = app
        .call("POST", "/v1/role-assignments", Some(&sam), Some(viewer))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let role = json!({"identifier": "big", "name": "Big", "permissions": ["core_account_edit"]});
    let a = app
        .call("POST", "/v1/roles", Some(&sam), Some(role.clone()))
        .await;
    assert_eq!(denied_outside(&a, "_sei_admin"), "core_account_edit");
    assert!(has_audit(&app, "role.create", "denied", "big"));
    assert_eq!(app.admin("POST", "/v1/roles", Some(role)).await.status, 201);
    assert_eq!(
        app.admin("POST", "/v1/role-assignments", Some(grab))
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn organization_admin_is_confined_to_its_organization() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let olga = app
        .user_with_role("olga", None, &[("_organization_admin", ALL, "acme/eng")])
        .await;
    app.user_with_role("tina", None, &[]).await;
    principal(&app, "SERVICE_ACCOUNT", "acme/eng", "eng_bot", &[]).await;
    let viewer = assign("v", "_sei_viewer", ALL, "tina");
    for path in ["/v1/orgs/sales/role-assignments", "/v1/role-assignments"] {
        let a = app
            .call("POST", path, Some(&olga), Some(viewer.clone()))
            .await;
        assert_eq!(a.status, 403, "{path}: {}", a.body);
        assert_eq!(a.body["permission"], "core_user_manage");
    }
    let own = assign("own", "_organization_admin", ALL, "tina");
    let a = app
        .call(
            "POST",
            "/v1/orgs/eng/role-assignments",
            Some(&olga),
            Some(own),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let bot = json!({"identifier": "bot", "resource_group": ALL, "role": "_sei_viewer",
        "principal": {"identifier": "eng_bot", "type": "SERVICE_ACCOUNT"}});
    let a = app
        .call(
            "POST",
            "/v1/orgs/eng/role-assignments",
            Some(&olga),
            Some(bot.clone()),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(
        a.body["permission"], "core_serviceaccount_edit",
        "checked at the account"
    );
    let role = json!({"identifier": "r", "name": "R", "permissions": ["core_role_view"]});
    let a = app.call("POST", "/v1/roles", Some(&olga), Some(role)).await;
    assert_eq!(a.body["permission"], "core_role_edit");
    let cross =
        json!({"identifier": "cross", "name": "X", "permissions": ["CROSS_ORGANIZATION_ACCESS"]});
    let a = app
        .call(
            "POST",
            "/v1/orgs/eng/roles",
            Some(&olga),
            Some(cross.clone()),
        )
        .await;
    assert_eq!(
        denied_outside(&a, "_organization_admin"),
        "CROSS_ORGANIZATION_ACCESS"
    );
    let group = json!({"identifier": "g", "name": "G"});
    let a = app
        .call(
            "PUT",
            "/v1/orgs/sales/resource-groups/g",
            Some(&olga),
            Some(group),
        )
        .await;
    assert_eq!(a.body["permission"], "core_resourcegroup_edit");
    assert_eq!(
        app.admin("POST", "/v1/orgs/eng/roles", Some(cross))
            .await
            .status,
        201
    );
    assert_eq!(
        app.admin("POST", "/v1/orgs/eng/role-assignments", Some(bot))
            .await
            .status,
        201
    );
    assert_eq!(
        app.admin("POST", "/v1/orgs/sales/role-assignments", Some(viewer))
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn project_admin_cannot_widen_a_group_beyond_its_reach() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("tina", None, &[]).await;
    let groups = "/v1/orgs/eng/projects/web/resource-groups";
    let reach = web_group(
        "pam_reach",
        json!([{"resource_type": "RESOURCEGROUP"}, {"resource_type": "USER"},
            {"resource_type": "SEI_TEAM", "identifiers": ["team-a"]}]),
    );
    let team_a = web_group(
        "team_a",
        json!([{"resource_type": "SEI_TEAM", "identifiers": ["team-a"]}]),
    );
    for body in [reach, team_a.clone()] {
        assert_eq!(app.admin("POST", groups, Some(body)).await.status, 201);
    }
    let pam = app
        .user_with_role(
            "pam",
            None,
            &[("_project_admin", "pam_reach", "acme/eng/web")],
        )
        .await;
    let assignments = format!("{WEB}/role-assignments");
    let a = app
        .call(
            "POST",
            &assignments,
            Some(&pam),
            Some(assign("tv", "_sei_viewer", "team_a", "tina")),
        )
        .await;
    assert_eq!(a.status, 201, "within its reach: {}", a.body);
    let wide = assign(
        "wide",
        "_sei_viewer",
        "_all_project_level_resources",
        "tina",
    );
    let a = app
        .call("POST", &assignments, Some(&pam), Some(wide.clone()))
        .await;
    denied_within(&a, "_sei_viewer");
    let mut widened = team_a.clone();
    widened["resource_filter"][0]["identifiers"] = json!(["team-a", "team-b"]);
    let path = format!("{groups}/team_a");
    let a = app
        .call("PUT", &path, Some(&pam), Some(widened.clone()))
        .await;
    denied_within(&a, "_sei_viewer");
    assert!(a.body["message"].as_str().unwrap().contains("`tv`"));
    assert!(has_audit(&app, "resource_group.update", "denied", "team_a"));
    let mut all = team_a.clone();
    all["resource_filter"] = json!([]);
    all["include_all_resources"] = json!(true);
    denied_within(
        &app.call("PUT", &path, Some(&pam), Some(all)).await,
        "_sei_viewer",
    );
    let mut renamed = team_a.clone();
    renamed["name"] = json!("Team A");
    let a = app.call("PUT", &path, Some(&pam), Some(renamed)).await;
    assert_eq!(a.status, 200, "same selection: {}", a.body);
    assert_eq!(app.admin("PUT", &path, Some(widened)).await.status, 200);
    assert_eq!(
        app.admin("POST", &assignments, Some(wide)).await.status,
        201
    );
}

#[actix_web::test]
async fn custom_role_editor_cannot_add_permissions_it_lacks() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("tina", None, &[]).await;
    let rex = app.user_with_role("rex", None, &[]).await;
    let rex2 = app.user_with_role("rex2", None, &[]).await;
    let role = |id: &str, perms: Value| json!({"identifier": id, "name": id, "permissions": perms});
    let setup = [
        (
            "/v1/roles",
            role(
                "role_editor",
                json!(["core_role_view", "core_role_edit", "sei_seiteams_view"]),
            ),
        ),
        (
            "/v1/roles",
            role(
                "insight_editor",
                json!([
                    "core_role_view",
                    "core_role_edit",
                    "sei_seiteams_view",
                    "sei_seiinsights_view"
                ]),
            ),
        ),
        (
            "/v1/roles",
            role("team_reader", json!(["sei_seiteams_view"])),
        ),
        ("/v1/roles", role("spare", json!(["sei_seiteams_view"]))),
        (
            "/v1/resource-groups",
            json!({"identifier": "rex2_reach", "name": "R",
                "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "acme"}],
                "resource_filter": [{"resource_type": "ROLE"},
                    {"resource_type": "SEI_INSIGHTS", "identifiers": ["dash-1"]}]}),
        ),
        (
            "/v1/role-assignments",
            assign("rex_edits", "role_editor", ALL, "rex"),
        ),
        (
            "/v1/role-assignments",
            assign("rex2_edits", "insight_editor", "rex2_reach", "rex2"),
        ),
        (
            "/v1/orgs/eng/projects/web/role-assignments",
            assign(
                "reads",
                "team_reader",
                "_all_project_level_resources",
                "tina",
            ),
        ),
    ];
    for (path, body) in setup {
        let a = app.admin("POST", path, Some(body)).await;
        assert_eq!(a.status, 201, "{path}: {}", a.body);
    }
    let more = role(
        "team_reader",
        json!(["sei_seiteams_view", "sei_seiinsights_view"]),
    );
    let a = app
        .call(
            "PUT",
            "/v1/roles/team_reader",
            Some(&rex),
            Some(more.clone()),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["permission"], "sei_seiinsights_view");
    let same = role("team_reader", json!(["sei_seiteams_view"]));
    let a = app
        .call("PUT", "/v1/roles/team_reader", Some(&rex), Some(same))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = app
        .call(
            "PUT",
            "/v1/roles/team_reader",
            Some(&rex2),
            Some(more.clone()),
        )
        .await;
    expect_error(&a, 403, "`reads`");
    assert_eq!(
        a.body["permission"], "sei_seiinsights_view",
        "held, but not on the assignment's group"
    );
    assert!(has_audit(&app, "role.update", "denied", "team_reader"));
    let spare = role(
        "spare",
        json!(["sei_seiteams_view", "sei_seiinsights_view"]),
    );
    let a = app
        .call("PUT", "/v1/roles/spare", Some(&rex2), Some(spare))
        .await;
    assert_eq!(a.status, 200, "a role in no use: {}", a.body);
    let a = app.admin("PUT", "/v1/roles/team_reader", Some(more)).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[actix_web::test]
async fn an_assignment_changes_gateway_decisions() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let tess = app.user_with_role("tess", None, &[]).await;
    let teams = format!("{WEB}/teams");
    assert_eq!(app.call("GET", &teams, Some(&tess), None).await.status, 403);
    let group = web_group(
        "team_a_only",
        json!([{"resource_type": "SEI_TEAM", "identifiers": ["team-a"]}]),
    );
    let made = app
        .admin("POST", &format!("{WEB}/resource-groups"), Some(group))
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let body = assign("tess_teams", "_sei_viewer", "team_a_only", "tess");
    let a = app
        .admin(
            "POST",
            &format!("{WEB}/role-assignments"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let listed = app.call("GET", &teams, Some(&tess), None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["backend"], "teams");
    assert_eq!(listed.body["allowed_ids"], json!(["team-a"]));
    let a_team = app
        .call("GET", &format!("{teams}/team-a"), Some(&tess), None)
        .await;
    assert_eq!(a_team.status, 200);
    let b_team = app
        .call("GET", &format!("{teams}/team-b"), Some(&tess), None)
        .await;
    assert_eq!(b_team.status, 403, "{}", b_team.body);
    let mut disabled = body;
    disabled["disabled"] = json!(true);
    let put = app
        .admin(
            "PUT",
            &format!("{WEB}/role-assignments/tess_teams"),
            Some(disabled),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(app.call("GET", &teams, Some(&tess), None).await.status, 403);
}
