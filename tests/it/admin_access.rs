//! Access questions, the permission catalogue, split phases and the audit log over real
//! HTTP: `POST /authz/api/acl` against the seed tables (002 portal roles, 003 SEI 2.0 roles,
//! 004 account admin/viewer), explain, effective permissions, `GET /v1/permissions`,
//! `…/settings/permission-splits` and `GET /v1/audit-events`.

use std::time::Instant;

use scopegate::gateway::now_ms;
use scopegate::policy::permission::catalogue;
use scopegate::policy::role::{PrincipalRef, PrincipalType, Role, RoleAssignment};
use scopegate::policy::{Identifier, Scope, ScopeLevel, ScopeLevels};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::epochs::Epochs;
use scopegate::storage::guard::{NewAssignment, NewRole, Permit};
use scopegate::storage::principals::User;
use scopegate::storage::roles::Roles;
use scopegate::storage::{DbConnection, StorageResult};
use serde_json::{json, Value};

use super::harness::{Answer, TestApp, ACCOUNT};

const ALL: &str = "_all_resources_including_child_scopes";
const PROJECT_ALL: &str = "_all_project_level_resources";

/// Runs a direct database change, bumps the account's epochs and refreshes the app.
async fn db_change(
    app: &TestApp,
    f: impl FnOnce(&mut DbConnection) -> StorageResult<()> + Send + 'static,
) {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            f(c)?;
            Epochs::bump_both(c, ACCOUNT)
        })
    })
    .await
    .expect("join")
    .expect("db change");
    app.refresh().await;
}

/// A custom role at `scope` holding `permissions`.
async fn insert_role(app: &TestApp, scope: &str, identifier: &str, permissions: &[&str]) {
    let role = Role {
        identifier: Identifier::new(identifier).unwrap(),
        name: identifier.into(),
        scope: Some(Scope::parse(scope).unwrap()),
        permissions: catalogue().set_of(permissions).unwrap(),
        allowed_scope_levels: ScopeLevels::ALL,
        description: String::new(),
        tags: Default::default(),
        managed: false,
    };
    db_change(app, move |c| {
        Roles::insert(c, Permit::system(NewRole(role.clone())), now_ms())
    })
    .await;
}

/// Assigns a custom role defined at `role_level` (relative to `scope`) to a user.
async fn assign_custom(app: &TestApp, user: &str, role: &str, role_level: ScopeLevel, scope: &str) {
    let a = RoleAssignment {
        identifier: Identifier::new(&format!("c_{user}_{role}")).unwrap(),
        scope: Scope::parse(scope).unwrap(),
        role: Identifier::new(role).unwrap(),
        role_scope_level: Some(role_level),
        resource_group: Identifier::new(ALL).unwrap(),
        principal: PrincipalRef {
            principal_type: PrincipalType::User,
            identifier: Identifier::new(user).unwrap(),
            scope_level: ScopeLevel::Account,
        },
        disabled: false,
        managed: false,
        created: now_ms(),
        updated: now_ms(),
    };
    db_change(app, move |c| {
        Assignments::insert(c, Permit::system(NewAssignment(a.clone())))
    })
    .await;
}

fn item(scope: &str, ty: &str, id: Option<&str>, permission: &str) -> Value {
    let parts: Vec<&str> = scope.split('/').collect();
    let mut rs = json!({"accountIdentifier": parts[0]});
    if let Some(o) = parts.get(1) {
        rs["orgIdentifier"] = json!(o);
    }
    if let Some(p) = parts.get(2) {
        rs["projectIdentifier"] = json!(p);
    }
    let mut v = json!({"resourceScope": rs, "resourceType": ty, "permission": permission});
    if let Some(id) = id {
        v["resourceIdentifier"] = json!(id);
    }
    v
}

async fn acl(app: &TestApp, token: &str, principal: Option<Value>, items: Vec<Value>) -> Answer {
    let mut body = json!({ "permissions": items });
    if let Some(p) = principal {
        body["principal"] = p;
    }
    app.call("POST", "/authz/api/acl", Some(token), Some(body))
        .await
}

fn permitted(a: &Answer) -> Vec<bool> {
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["data"]["accessControlList"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["permitted"].as_bool().expect("bool"))
        .collect()
}

/// Checks `(scope, type, id, permission, expected)` rows for one caller.
async fn expect_rows(app: &TestApp, token: &str, rows: &[(&str, &str, Option<&str>, &str, bool)]) {
    let items = rows
        .iter()
        .map(|(s, t, i, p, _)| item(s, t, *i, p))
        .collect();
    let got = permitted(&acl(app, token, None, items).await);
    assert_eq!(got.len(), rows.len(), "one answer per item");
    for (row, got) in rows.iter().zip(got) {
        assert_eq!(got, row.4, "{row:?}");
    }
}

#[actix_web::test]
async fn acl_answers_follow_the_seed_tables() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let web = "acme/eng/web";
    // Seed 003 (SEI 2.0), project-level assignments.
    let viewer = app
        .user_with_role("sam", None, &[("_sei_viewer", PROJECT_ALL, web)])
        .await;
    expect_rows(
        &app,
        &viewer,
        &[
            (
                web,
                "SEI_INSIGHTS",
                Some("i1"),
                "sei_seiinsights_view",
                true,
            ),
            (web, "SEI_TEAM", Some("t1"), "sei_seiteams_view", true),
            (web, "SEI_TEAM", Some("t1"), "sei_seiteams_edit", false),
            (
                web,
                "SEI_DEVELOPER",
                Some("d1"),
                "sei_seidevelopers_view",
                true,
            ),
            (
                web,
                "SEI_DEVELOPER",
                Some("d1"),
                "sei_seidevelopers_edit",
                false,
            ),
            (
                "acme/eng/api",
                "SEI_INSIGHTS",
                Some("i1"),
                "sei_seiinsights_view",
                false,
            ),
        ],
    )
    .await;
    let manager = app
        .user_with_role("tim", None, &[("_sei_team_manager", PROJECT_ALL, web)])
        .await;
    expect_rows(
        &app,
        &manager,
        &[
            (web, "SEI_TEAM", Some("t1"), "sei_seiteams_edit", true),
            (web, "SEI_TEAM", None, "sei_seiteams_create", false),
            (
                web,
                "SEI_DEVELOPER",
                Some("d1"),
                "sei_seidevelopers_edit",
                true,
            ),
            (
                web,
                "SEI_INSIGHTS",
                Some("i1"),
                "sei_seiinsights_edit",
                false,
            ),
        ],
    )
    .await;
    let sei_admin = app
        .user_with_role("sue", None, &[("_sei_admin", PROJECT_ALL, web)])
        .await;
    expect_rows(
        &app,
        &sei_admin,
        &[
            (web, "SEI_TEAM", None, "sei_seiteams_create", true),
            (web, "SEI_TEAM", Some("t1"), "sei_seiteams_delete", true),
            (
                web,
                "SEI_INSIGHTS",
                Some("i1"),
                "sei_seiinsights_delete",
                false,
            ),
        ],
    )
    .await;
    // Seed 002 (portal): Basic_User's home organization bounds it; Global_Admin crosses.
    let basic = app
        .user_with_role("bea", Some("eng"), &[("Basic_User", ALL, "acme")])
        .await;
    expect_rows(
        &app,
        &basic,
        &[
            ("acme/eng", "API", Some("petstore"), "API_READ", true),
            ("acme/sales", "API", Some("crm-api"), "API_READ", false),
            ("acme/eng", "API", Some("petstore"), "API_WRITE", true),
            ("acme/eng", "USER", Some("u1"), "USER_READ", false),
        ],
    )
    .await;
    let global = app
        .user_with_role("gus", Some("eng"), &[("Global_Admin", ALL, "acme")])
        .await;
    expect_rows(
        &app,
        &global,
        &[
            ("acme/eng", "API", Some("petstore"), "API_READ", true),
            ("acme/sales", "API", Some("crm-api"), "API_READ", true),
            ("acme/sales", "USER", Some("u1"), "USER_WRITE", true),
        ],
    )
    .await;
    // Seed 004: Account Admin and Account Viewer columns.
    let admin = app.admin_token.clone();
    expect_rows(
        &app,
        &admin,
        &[
            (
                "acme/eng",
                "PROJECT",
                Some("web"),
                "core_project_edit",
                true,
            ),
            (
                "acme",
                "SEI_CONFIGURATION_SETTINGS",
                None,
                "sei_seiconfigurationsettings_edit",
                true,
            ),
            (
                web,
                "SEI_COLLECTIONS",
                Some("c1"),
                "sei_seicollections_delete",
                true,
            ),
        ],
    )
    .await;
    let acct_viewer = app
        .user_with_role("vic", None, &[("_account_viewer", ALL, "acme")])
        .await;
    expect_rows(
        &app,
        &acct_viewer,
        &[
            (
                "acme/eng",
                "PROJECT",
                Some("web"),
                "core_project_view",
                true,
            ),
            (
                "acme/eng",
                "PROJECT",
                Some("web"),
                "core_project_edit",
                false,
            ),
            (
                web,
                "SEI_COLLECTIONS",
                Some("c1"),
                "sei_seicollections_view",
                true,
            ),
            (
                web,
                "SEI_COLLECTIONS",
                Some("c1"),
                "sei_seicollections_edit",
                false,
            ),
        ],
    )
    .await;
}

#[actix_web::test]
async fn acl_items_and_principals() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let web = "acme/eng/web";
    let sam = app
        .user_with_role("sam", None, &[("_sei_viewer", PROJECT_ALL, web)])
        .await;
    let vic = app
        .user_with_role("vic", None, &[("_account_viewer", ALL, "acme")])
        .await;
    // Bad items answer false, the others are still answered; extra fields are ignored.
    let mut extra = item(web, "SEI_INSIGHTS", Some("i1"), "sei_seiinsights_view");
    extra["somethingNew"] = json!(1);
    let answer = acl(&app, &sam, None, vec![
        extra,
        item(web, "SEI_INSIGHTS", Some("i1"), "sei_nope_view"),
        item(web, "NOPE", Some("i1"), "sei_seiinsights_view"),
        item("other/eng/web", "SEI_INSIGHTS", Some("i1"), "sei_seiinsights_view"),
        item(web, "ACCOUNT", Some("acme"), "core_account_view"),
        json!({"resourceScope": {"projectIdentifier": "web"}, "permission": "sei_seiinsights_view"}),
        json!({"resourceScope": {"orgIdentifier": "eng", "projectIdentifier": "web"}, "permission": "sei_seiteams_view"}),
    ]).await;
    assert_eq!(
        permitted(&answer),
        [true, false, false, false, false, false, true]
    );
    let data = &answer.body["data"];
    assert_eq!(
        data["principal"],
        json!({"identifier": "sam", "type": "USER", "principalIdentifier": "sam", "principalType": "USER"})
    );
    assert_eq!(data["accessControlList"][6]["resourceType"], "SEI_TEAM");
    assert!(data["accessControlList"][0]
        .get("resourceAttributes")
        .is_none());
    assert_eq!(answer.body["status"], "SUCCESS");
    assert!(answer.body["correlationId"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    // Malformed items and oversized requests fail whole.
    let no_permission =
        json!({"resourceScope": {"accountIdentifier": "acme"}, "resourceType": "ROLE"});
    let no_scope = json!({"resourceType": "ROLE", "permission": "core_role_view"});
    for bad in [no_permission, no_scope] {
        let a = acl(&app, &sam, None, vec![bad]).await;
        assert_eq!(
            (a.status, a.body["code"].as_str()),
            (400, Some("INVALID_REQUEST")),
            "{}",
            a.body
        );
    }
    let many = vec![item(web, "SEI_TEAM", None, "sei_seiteams_view"); 1_001];
    let a = acl(&app, &sam, None, many).await;
    assert_eq!(a.status, 400);
    assert!(
        a.body["message"].as_str().unwrap().contains("1000"),
        "{}",
        a.body
    );
    // Another principal: needs core_role_view; both spellings; unknown and group principals.
    let about_vic = Some(json!({"identifier": "vic", "type": "USER"}));
    let q = vec![item(
        "acme/eng",
        "PROJECT",
        Some("web"),
        "core_project_edit",
    )];
    let denied = acl(&app, &sam, about_vic.clone(), q.clone()).await;
    assert_eq!(
        (denied.status, denied.body["permission"].as_str()),
        (403, Some("core_role_view"))
    );
    let own = acl(
        &app,
        &sam,
        Some(json!({"identifier": "sam", "type": "user"})),
        q.clone(),
    )
    .await;
    assert_eq!(permitted(&own), [false]);
    let old = acl(
        &app,
        &vic,
        Some(json!({"principalIdentifier": "sam", "principalType": "USER"})),
        vec![item(web, "SEI_INSIGHTS", None, "sei_seiinsights_view")],
    )
    .await;
    assert_eq!(permitted(&old), [true]);
    assert_eq!(old.body["data"]["principal"]["principalIdentifier"], "sam");
    let missing = acl(
        &app,
        &vic,
        Some(json!({"identifier": "nobody", "type": "USER"})),
        q.clone(),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert!(missing.body["message"].as_str().unwrap().contains("nobody"));
    let group = acl(
        &app,
        &vic,
        Some(json!({"identifier": "devs", "type": "USER_GROUP"})),
        q.clone(),
    )
    .await;
    assert_eq!(group.status, 400);
    // A disabled principal is denied everything.
    db_change(&app, |c| User::disable(c, ACCOUNT, "sam", now_ms())).await;
    let off = acl(
        &app,
        &vic,
        Some(json!({"identifier": "sam", "type": "USER"})),
        vec![item(web, "SEI_INSIGHTS", None, "sei_seiinsights_view")],
    )
    .await;
    assert_eq!(permitted(&off), [false]);
}

#[actix_web::test]
async fn explain_names_the_grant_or_the_near_misses() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let sam = app
        .user_with_role("sam", None, &[("_sei_viewer", PROJECT_ALL, "acme/eng/web")])
        .await;
    let mut q = item(
        "acme/eng/web",
        "SEI_INSIGHTS",
        Some("i1"),
        "sei_seiinsights_view",
    );
    let allow = app
        .call("POST", "/v1/access/explain", Some(&sam), Some(q.clone()))
        .await;
    assert_eq!(
        (allow.status, &allow.body["permitted"]),
        (200, &json!(true)),
        "{}",
        allow.body
    );
    assert_eq!(allow.body["granted_by"]["assignment"], "t_sam_0");
    assert_eq!(allow.body["granted_by"]["role"], "_sei_viewer");
    assert_eq!(allow.body["granted_by"]["resource_group"], PROJECT_ALL);
    assert_eq!(allow.body["granted_by"]["scope"], "acme/eng/web");
    q["permission"] = json!("sei_seiinsights_edit");
    q["principal"] = json!({"identifier": "sam", "type": "USER"});
    let deny = app
        .admin("POST", "/v1/access/explain", Some(q.clone()))
        .await;
    assert_eq!(deny.body["permitted"], false, "{}", deny.body);
    assert_eq!(deny.body["missing_permission"], "sei_seiinsights_edit");
    let miss = &deny.body["near_misses"][0];
    assert_eq!(miss["assignment"], "t_sam_0");
    assert!(
        miss["why"].as_str().unwrap().contains("role does not hold"),
        "{miss}"
    );
    q["permission"] = json!("sei_nope_view");
    let unknown = app
        .admin("POST", "/v1/access/explain", Some(q.clone()))
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body["message"]
        .as_str()
        .unwrap()
        .contains("sei_nope_view"));
    q["permission"] = json!("sei_seiinsights_view");
    q["resource_identifer"] = json!("typo");
    assert_eq!(
        app.admin("POST", "/v1/access/explain", Some(q))
            .await
            .status,
        400
    );
}

#[actix_web::test]
async fn effective_permissions_and_routes() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let sam = app
        .user_with_role("sam", None, &[("_sei_viewer", PROJECT_ALL, "acme/eng/web")])
        .await;
    let tim = app
        .user_with_role(
            "tim",
            None,
            &[("_sei_team_manager", PROJECT_ALL, "acme/eng/web")],
        )
        .await;
    let own = app
        .call(
            "GET",
            "/v1/principals/user/sam/permissions?scope=acme/eng/web",
            Some(&sam),
            None,
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(
        own.body["principal"],
        json!({"identifier": "sam", "type": "USER"})
    );
    assert_eq!(own.body["scope"], "acme/eng/web");
    let perms: Vec<&str> = own.body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        perms.contains(&"sei_seiinsights_view") && !perms.contains(&"sei_seiteams_edit"),
        "{perms:?}"
    );
    assert!(perms.windows(2).all(|w| w[0] < w[1]), "sorted: {perms:?}");
    let routes = own.body["routes"].as_array().unwrap();
    let has = |m: &str, p: &str| routes.iter().any(|r| r["method"] == m && r["path"] == p);
    assert!(
        has("GET", "/v1/orgs/{org}/projects/{project}/insights"),
        "{routes:?}"
    );
    assert!(has("GET", "/v1/me/preferences"));
    assert!(!has(
        "PUT",
        "/v1/orgs/{org}/projects/{project}/insights/{insight}"
    ));
    let other = app
        .admin(
            "GET",
            "/v1/principals/USER/tim/permissions?scope=acme/eng/web",
            None,
        )
        .await;
    assert!(other.body["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("sei_seiteams_edit")));
    let at_org = app
        .admin(
            "GET",
            "/v1/principals/user/tim/permissions?scope=acme/eng",
            None,
        )
        .await;
    assert_eq!(
        at_org.body["permissions"],
        json!(["core_project_view"]),
        "project grants hold nothing at the org but seeing that their project exists (rule 5)"
    );
    for (path, status) in [
        (
            "/v1/principals/user/sam/permissions?scope=acme/eng/web",
            403,
        ),
        ("/v1/principals/user/tim/permissions", 400),
        ("/v1/principals/user/tim/permissions?scope=other/eng", 400),
        ("/v1/principals/user_group/tim/permissions?scope=acme", 400),
        ("/v1/principals/user/tim/permissions?scope=acme/nope", 404),
        (
            "/v1/principals/service_account/nobody/permissions?scope=acme",
            403,
        ),
    ] {
        let a = app.call("GET", path, Some(&tim), None).await;
        assert_eq!(a.status, status, "{path}: {}", a.body);
    }
    let ghost = app
        .admin(
            "GET",
            "/v1/principals/service_account/nobody/permissions?scope=acme",
            None,
        )
        .await;
    assert_eq!(ghost.status, 404);
}

#[actix_web::test]
async fn permission_catalogue_filters() {
    let app = TestApp::start().await;
    let nobody = app.user_with_role("nora", None, &[]).await;
    let all = app
        .call("GET", "/v1/permissions", Some(&nobody), None)
        .await;
    assert_eq!(all.status, 200);
    let list = all.body.as_array().unwrap();
    assert_eq!(list.len(), catalogue().len());
    let create = list
        .iter()
        .find(|p| p["identifier"] == "core_pipeline_create")
        .unwrap();
    for key in [
        "name",
        "resource_type",
        "action",
        "allowed_scope_levels",
        "status",
    ] {
        assert!(create.get(key).is_some(), "{key}");
    }
    let pipelines = app
        .call(
            "GET",
            "/v1/permissions?resource_type=pipeline",
            Some(&nobody),
            None,
        )
        .await;
    assert!(pipelines
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["resource_type"] == "PIPELINE"));
    assert_eq!(pipelines.body.as_array().unwrap().len(), 6);
    let org = app
        .call(
            "GET",
            "/v1/permissions?scope_level=Org",
            Some(&nobody),
            None,
        )
        .await;
    let org = org.body.as_array().unwrap();
    assert!(org.iter().all(|p| p["allowed_scope_levels"]
        .as_array()
        .unwrap()
        .contains(&json!("organization"))));
    assert!(!org.iter().any(|p| p["identifier"] == "core_account_view"));
    let bad = app
        .call(
            "GET",
            "/v1/permissions?scope_level=galaxy",
            Some(&nobody),
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        app.call("GET", "/v1/permissions", None, None).await.status,
        401
    );
}

fn phase_of(list: &Value, ty: &str) -> String {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["resource_type"] == ty)
        .unwrap()["phase"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn split_phases_move_forward_with_the_migration() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    insert_role(
        &app,
        "acme",
        "pipeline_editor",
        &["core_pipeline_view", "core_pipeline_edit"],
    )
    .await;
    insert_role(
        &app,
        "acme",
        "pipeline_both",
        &["core_pipeline_edit", "core_pipeline_create"],
    )
    .await;
    insert_role(&app, "acme/eng/web", "secret_editor", &["core_secret_edit"]).await;
    let dev = app.user_with_role("dev", None, &[]).await;
    assign_custom(&app, "dev", "pipeline_editor", ScopeLevel::Account, "acme").await;
    let create = || {
        vec![item(
            "acme/eng/web",
            "PIPELINE",
            None,
            "core_pipeline_create",
        )]
    };
    assert_eq!(
        permitted(&acl(&app, &dev, None, create()).await),
        [true],
        "off: edit creates"
    );
    let list = app
        .admin("GET", "/v1/settings/permission-splits", None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.as_array().unwrap().len(), 3);
    assert_eq!(
        list.body[0],
        json!({"resource_type": "PIPELINE", "edit": "core_pipeline_edit", "create": "core_pipeline_create", "phase": "off", "roles_changed": []})
    );
    let put = |ty: &str, phase: &str| json!({"resource_type": ty, "phase": phase});
    let path = "/v1/settings/permission-splits";
    let moved = app
        .admin("PUT", path, Some(put("pipeline", "MIGRATION")))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["phase"], "migration");
    assert_eq!(
        moved.body["roles_changed"],
        json!([{"role": "pipeline_editor", "scope": "acme"}])
    );
    let mut conn = app.db.conn().unwrap();
    let role = Roles::find(&mut conn, &Scope::parse("acme").unwrap(), "pipeline_editor")
        .unwrap()
        .unwrap();
    assert!(role
        .value
        .permissions
        .contains(catalogue().get("core_pipeline_create").unwrap()));
    let again = app
        .admin("PUT", path, Some(put("PIPELINE", "migration")))
        .await;
    assert_eq!(
        (again.status, &again.body["roles_changed"]),
        (200, &moved.body["roles_changed"])
    );
    let back = app.admin("PUT", path, Some(put("PIPELINE", "off"))).await;
    assert_eq!(back.status, 400);
    let m = back.body["message"].as_str().unwrap();
    assert!(m.contains("`migration`") && m.contains("`off`"), "{m}");
    let enforced = app
        .admin("PUT", path, Some(put("PIPELINE", "enforced")))
        .await;
    assert_eq!(enforced.body["phase"], "enforced");
    assert_eq!(
        permitted(&acl(&app, &dev, None, create()).await),
        [true],
        "migrated role creates"
    );
    insert_role(&app, "acme", "late_editor", &["core_pipeline_edit"]).await;
    let late = app.user_with_role("late", None, &[]).await;
    assign_custom(&app, "late", "late_editor", ScopeLevel::Account, "acme").await;
    assert_eq!(
        permitted(&acl(&app, &late, None, create()).await),
        [false],
        "enforced: edit alone"
    );
    // off -> enforced runs the migration step first.
    let jump = app
        .admin("PUT", path, Some(put("secret", "enforced")))
        .await;
    assert_eq!(
        jump.body["roles_changed"],
        json!([{"role": "secret_editor", "scope": "acme/eng/web"}])
    );
    let list = app.admin("GET", path, None).await;
    assert_eq!(
        (
            phase_of(&list.body, "SECRET"),
            phase_of(&list.body, "TEMPLATE")
        ),
        ("enforced".into(), "off".into())
    );
    for (body, status) in [
        (put("WIDGET", "migration"), 404),
        (put("TEMPLATE", "sideways"), 400),
        (
            json!({"resource_type": "TEMPLATE", "phase": "migration", "extra": 1}),
            400,
        ),
    ] {
        assert_eq!(
            app.admin("PUT", path, Some(body.clone())).await.status,
            status,
            "{body}"
        );
    }
    let vic = app
        .user_with_role("vic", None, &[("_account_viewer", ALL, "acme")])
        .await;
    assert_eq!(app.call("GET", path, Some(&vic), None).await.status, 200);
    let denied = app
        .call("PUT", path, Some(&vic), Some(put("TEMPLATE", "migration")))
        .await;
    assert_eq!(
        (denied.status, denied.body["permission"].as_str()),
        (403, Some("core_account_edit"))
    );
    let (events, _) = scopegate::storage::audit::AuditEvent::list(
        &mut conn,
        ACCOUNT,
        &Default::default(),
        0,
        100,
    )
    .unwrap();
    let split_events: Vec<_> = events
        .iter()
        .filter(|e| e.action == "permission_split.update")
        .collect();
    assert_eq!(split_events.len(), 4, "three moves and one denial");
    assert!(split_events
        .iter()
        .any(|e| e.outcome == "allowed"
            && e.after.as_deref().unwrap_or("").contains("pipeline_editor")));
    assert!(split_events
        .iter()
        .any(|e| e.outcome == "denied" && e.principal_identifier == "vic"));
}

#[actix_web::test]
async fn audit_events_filter_and_page() {
    let app = TestApp::start().await;
    let before = now_ms();
    app.seed_scopes().await;
    let vic = app
        .user_with_role("vic", None, &[("_account_viewer", ALL, "acme")])
        .await;
    let tim = app
        .user_with_role(
            "tim",
            None,
            &[("_sei_team_manager", PROJECT_ALL, "acme/eng/web")],
        )
        .await;
    let denied = app
        .call(
            "POST",
            "/v1/orgs",
            Some(&vic),
            Some(json!({"org": {"identifier": "x", "name": "X"}})),
        )
        .await;
    assert_eq!(denied.status, 403);
    let all = app.admin("GET", "/v1/audit-events", None).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let ids: Vec<i64> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.len() >= 6 && ids.windows(2).all(|w| w[0] > w[1]),
        "newest first: {ids:?}"
    );
    let orgs = app
        .admin(
            "GET",
            "/v1/audit-events?action=organization.create&outcome=allowed",
            None,
        )
        .await;
    assert_eq!(orgs.header("x-total-elements"), Some("2"));
    let e = &orgs.body[0];
    assert_eq!(
        (
            e["principal"]["identifier"].as_str(),
            e["principal"]["type"].as_str()
        ),
        (Some("admin"), Some("USER"))
    );
    assert!(
        e["after"].is_object() && e["after"]["identifier"].is_string(),
        "{e}"
    );
    assert!(
        e["org"].is_null() && e["request_id"].is_string() && e["at"].as_i64().unwrap() >= before
    );
    let mine = app
        .admin("GET", "/v1/audit-events?principal=vic&outcome=denied", None)
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert_eq!(
        mine.body[0]["reason"]
            .as_str()
            .map(|r| r.contains("core_organization_create")),
        Some(true)
    );
    let page = app
        .admin("GET", "/v1/audit-events?limit=2&page=1", None)
        .await;
    assert_eq!(page.body.as_array().unwrap().len(), 2);
    assert_eq!(
        (page.header("x-page-number"), page.header("x-page-size")),
        (Some("1"), Some("2"))
    );
    assert_eq!(
        page.header("x-total-elements"),
        Some(ids.len().to_string().as_str())
    );
    assert_eq!(page.body[0]["id"].as_i64(), Some(ids[2]));
    let future = app
        .admin(
            "GET",
            &format!("/v1/audit-events?from={}", now_ms() + 60_000),
            None,
        )
        .await;
    assert_eq!(
        (
            future.body.as_array().unwrap().len(),
            future.header("x-total-elements")
        ),
        (0, Some("0"))
    );
    let recent = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["at"].as_i64() >= Some(before))
        .count();
    let window = app
        .admin(
            "GET",
            &format!("/v1/audit-events?from={before}&to={}", now_ms()),
            None,
        )
        .await;
    assert_eq!(
        window.header("x-total-elements"),
        Some(recent.to_string().as_str())
    );
    for q in ["from=yesterday", "to=1.5", "limit=101", "page=-1"] {
        let a = app
            .admin("GET", &format!("/v1/audit-events?{q}"), None)
            .await;
        assert_eq!(a.status, 400, "{q}");
    }
    assert_eq!(
        app.call("GET", "/v1/audit-events", Some(&vic), None)
            .await
            .status,
        200
    );
    let no = app.call("GET", "/v1/audit-events", Some(&tim), None).await;
    assert_eq!(
        (no.status, no.body["permission"].as_str()),
        (403, Some("core_audit_view"))
    );
}

/// Wall time of one real 1,000-item ACL request (printed, no threshold; see benches/acl.rs).
#[actix_web::test]
async fn acl_thousand_items_over_http_timing() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let sam = app
        .user_with_role(
            "sam",
            Some("eng"),
            &[
                ("_sei_viewer", PROJECT_ALL, "acme/eng/web"),
                ("Basic_User", ALL, "acme"),
            ],
        )
        .await;
    let perms = [
        "sei_seiinsights_view",
        "sei_seiteams_edit",
        "API_READ",
        "core_project_edit",
    ];
    let types = ["SEI_INSIGHTS", "SEI_TEAM", "API", "PROJECT"];
    let scopes = ["acme/eng/web", "acme/eng/web", "acme/eng", "acme/eng"];
    let items: Vec<Value> = (0..1_000)
        .map(|i| {
            let k = i % 4;
            item(scopes[k], types[k], Some(&format!("r{i}")), perms[k])
        })
        .collect();
    let _warm = acl(&app, &sam, None, items[..10].to_vec()).await;
    let start = Instant::now();
    let answer = acl(&app, &sam, None, items).await;
    let elapsed = start.elapsed();
    let got = permitted(&answer);
    assert_eq!(got.len(), 1_000);
    assert_eq!(got.iter().filter(|p| **p).count(), 500);
    println!(
        "one HTTP ACL request with 1,000 items: {:.2} ms",
        elapsed.as_secs_f64() * 1e3
    );
}
