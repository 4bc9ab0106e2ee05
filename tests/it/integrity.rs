//! Admin-plane integrity, one test per class of write that once let a principal give
//! itself more than it held (issue 12), on SQLite and (in CI) PostgreSQL: group
//! membership, restricted credentials, acting as someone else, scope grants through empty
//! groups, the last working admin, and external issuers bound to accounts. Every refusal
//! is a 4xx JSON error, audited, with nothing written.

use serde_json::{json, Value};

use super::admin_rbac::{has_audit, principal};
use super::harness::{Answer, TestApp, ACCOUNT};

pub(super) const ALL: &str = "_all_resources_including_child_scopes";

pub(super) fn assignment(id: &str, role: &str, group: &str, kind: &str, who: &str) -> Value {
    json!({"identifier": id, "role": role, "resource_group": group,
        "principal": {"identifier": who, "type": kind}})
}

pub(super) async fn role(app: &TestApp, id: &str, permissions: &[&str]) {
    let body = json!({"identifier": id, "name": id, "permissions": permissions});
    let a = app.admin("POST", "/v1/roles", Some(body)).await;
    assert_eq!(a.status, 201, "{}", a.body);
}

pub(super) async fn assign(app: &TestApp, path: &str, body: Value) {
    let a = app.admin("POST", path, Some(body)).await;
    assert_eq!(a.status, 201, "{}", a.body);
}

/// A 403 `ACCESS_DENIED` naming a permission and a resource.
pub(super) fn refused(a: &Answer) -> String {
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["code"], "ACCESS_DENIED", "{}", a.body);
    assert!(a.body["resource"].is_string(), "{}", a.body);
    a.body["permission"]
        .as_str()
        .expect("names a permission")
        .to_owned()
}

fn members(a: &Answer) -> Vec<String> {
    a.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[actix_web::test]
async fn group_membership_gives_nothing_its_writer_lacks() {
    let app = TestApp::start().await;
    role(
        &app,
        "ug_mgr",
        &["core_usergroup_manage", "core_usergroup_view"],
    )
    .await;
    let ugm = app.user_with_role("ugm", None, &[]).await;
    assign(
        &app,
        "/v1/role-assignments",
        assignment("ugm_mgr", "ug_mgr", ALL, "USER", "ugm"),
    )
    .await;
    principal(&app, "USER_GROUP", ACCOUNT, "admins", &[]).await;
    principal(&app, "USER_GROUP", ACCOUNT, "peers", &[]).await;
    assign(
        &app,
        "/v1/role-assignments",
        assignment("g_admin", "_account_admin", ALL, "USER_GROUP", "admins"),
    )
    .await;
    assign(
        &app,
        "/v1/role-assignments",
        assignment("g_peer", "ug_mgr", ALL, "USER_GROUP", "peers"),
    )
    .await;

    let join = json!({"identifier": "admins", "name": "admins", "users": ["ugm"]});
    let a = app
        .call("PUT", "/v1/user-groups/admins", Some(&ugm), Some(join))
        .await;
    let lacked = refused(&a);
    assert!(
        !["core_usergroup_manage", "core_usergroup_view"].contains(&lacked.as_str()),
        "{}",
        a.body
    );
    assert!(
        a.body["resource"].as_str().unwrap().contains("g_admin"),
        "{}",
        a.body
    );
    assert!(has_audit(&app, "user_group.update", "denied", "admins"));
    let now = app.admin("GET", "/v1/user-groups/admins", None).await;
    assert!(members(&now).is_empty(), "nothing written: {}", now.body);
    let roles = app.call("GET", "/v1/roles", Some(&ugm), None).await;
    assert_eq!(roles.status, 403, "still no admin: {}", roles.body);

    // A group whose grants the writer holds itself may take the writer in.
    let peer = json!({"identifier": "peers", "name": "peers", "users": ["ugm"]});
    let a = app
        .call("PUT", "/v1/user-groups/peers", Some(&ugm), Some(peer))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    // A new group gives nothing until something is assigned to it.
    let fresh = json!({"identifier": "fresh", "name": "fresh", "users": ["ugm"]});
    let a = app
        .call("POST", "/v1/user-groups", Some(&ugm), Some(fresh))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

#[actix_web::test]
async fn restricted_credentials_hand_out_nothing_wider() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let full = app
        .user_with_role("rita", None, &[("_sei_admin", ALL, ACCOUNT)])
        .await;
    let narrow = app
        .call("POST", "/v1/users/rita/tokens", Some(&full),
            Some(json!({"identifier": "narrow", "name": "narrow", "permissions": ["sei_seiteams_view"]})))
        .await;
    assert_eq!(narrow.status, 201, "{}", narrow.body);
    let narrow = narrow.body["token"].as_str().unwrap().to_owned();

    // Rotating the unrestricted token with the narrow one gives a narrow value.
    let rotated = app
        .call(
            "POST",
            "/v1/users/rita/tokens/t/rotate",
            Some(&narrow),
            None,
        )
        .await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    assert_eq!(rotated.body["permissions"], json!(["sei_seiteams_view"]));
    let value = rotated.body["token"].as_str().unwrap().to_owned();
    let teams = app
        .call("GET", "/v1/orgs/eng/projects/web/teams", Some(&value), None)
        .await;
    assert_eq!(teams.status, 200, "{}", teams.body);
    let insights = app
        .call(
            "GET",
            "/v1/orgs/eng/projects/web/insights",
            Some(&value),
            None,
        )
        .await;
    assert_eq!(
        insights.status, 403,
        "the rotated value is as narrow as its rotator"
    );

    // A new token from the narrow credential inherits its restriction; asking for more is
    // refused (audited) and writes nothing.
    let inherit = app
        .call(
            "POST",
            "/v1/users/rita/tokens",
            Some(&narrow),
            Some(json!({"identifier": "child", "name": "c"})),
        )
        .await;
    assert_eq!(inherit.status, 201, "{}", inherit.body);
    assert_eq!(inherit.body["permissions"], json!(["sei_seiteams_view"]));
    let wider = json!({"identifier": "wide", "name": "w", "permissions": ["sei_seiinsights_view"]});
    let a = app
        .call("POST", "/v1/users/rita/tokens", Some(&narrow), Some(wider))
        .await;
    assert_eq!(refused(&a), "sei_seiinsights_view");
    assert!(has_audit(&app, "token.create", "denied", "USER:rita/wide"));
    // Nor a password: a login would be an unrestricted credential.
    // (`full` was rotated away above; the admin issues rita two more.)
    let mint = |id: &str, perms: Option<&[&str]>| {
        let mut body = json!({"identifier": id, "name": id});
        if let Some(p) = perms {
            body["permissions"] = json!(p);
        }
        body
    };
    let keys = app
        .admin(
            "POST",
            "/v1/users/rita/tokens",
            Some(mint("keys", Some(&["core_user_manage"]))),
        )
        .await;
    let keys = keys.body["token"].as_str().expect("token").to_owned();
    let whole = app
        .admin("POST", "/v1/users/rita/tokens", Some(mint("whole", None)))
        .await;
    let whole = whole.body["token"].as_str().expect("token").to_owned();
    let pw = json!({"password": "a-long-new-password"});
    let a = app
        .call(
            "PUT",
            "/v1/users/rita/password",
            Some(&keys),
            Some(pw.clone()),
        )
        .await;
    assert_ne!(refused(&a), "core_user_manage", "{}", a.body);
    assert!(a.body["resource"].as_str().unwrap().contains("password"));
    let a = app
        .call("PUT", "/v1/users/rita/password", Some(&whole), Some(pw))
        .await;
    assert_eq!(a.status, 200, "the unrestricted credential may: {}", a.body);
    let listed = app.admin("GET", "/v1/users/rita/tokens", None).await;
    assert!(!listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["identifier"] == "wide"));
}

#[actix_web::test]
async fn acting_as_someone_else_counts_their_whole_grant_set() {
    let app = TestApp::start().await;
    let sam = app
        .user_with_role("sam", None, &[("_sei_admin", ALL, ACCOUNT)])
        .await;
    app.user_with_role("vic", None, &[("_sei_viewer", ALL, ACCOUNT)])
        .await;
    app.user_with_role("boss", None, &[("_account_admin", ALL, ACCOUNT)])
        .await;

    let mint = json!({"identifier": "mine", "name": "mine"});
    let a = app
        .call(
            "POST",
            "/v1/users/boss/tokens",
            Some(&sam),
            Some(mint.clone()),
        )
        .await;
    refused(&a);
    assert!(has_audit(&app, "token.create", "denied", "USER:boss/mine"));
    let a = app
        .call(
            "PUT",
            "/v1/users/boss/password",
            Some(&sam),
            Some(json!({"password": "takeover-123"})),
        )
        .await;
    refused(&a);
    assert!(has_audit(&app, "user.password", "denied", "boss"));
    let creds = json!({"email": "boss@acme.test", "password": "takeover-123", "account": ACCOUNT});
    let login = app.send("POST", "/v1/auth/login", None, Some(creds)).await;
    assert_eq!(login.status, 401, "no password was set: {}", login.body);
    let tokens = app.admin("GET", "/v1/users/boss/tokens", None).await;
    assert_eq!(
        tokens.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        tokens.body
    );

    // Someone whose grants the writer holds: allowed, and audited as impersonation.
    let a = app
        .call("POST", "/v1/users/vic/tokens", Some(&sam), Some(mint))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);

    // Service-account tokens: the same rule.
    role(
        &app,
        "keys",
        &[
            "core_serviceaccount_manageapikey",
            "core_serviceaccount_view",
        ],
    )
    .await;
    let kim = app.user_with_role("kim", None, &[]).await;
    assign(
        &app,
        "/v1/role-assignments",
        assignment("kim_keys", "keys", ALL, "USER", "kim"),
    )
    .await;
    principal(&app, "SERVICE_ACCOUNT", ACCOUNT, "bot", &[]).await;
    assign(
        &app,
        "/v1/role-assignments",
        assignment("bot_admin", "_account_admin", ALL, "SERVICE_ACCOUNT", "bot"),
    )
    .await;
    let a = app
        .call(
            "POST",
            "/v1/service-accounts/bot/tokens",
            Some(&kim),
            Some(json!({"identifier": "k", "name": "k"})),
        )
        .await;
    assert_ne!(
        refused(&a),
        "core_serviceaccount_manageapikey",
        "{}",
        a.body
    );
    assert!(has_audit(
        &app,
        "token.create",
        "denied",
        "SERVICE_ACCOUNT:bot/k"
    ));
}

#[actix_web::test]
async fn scope_grants_need_a_group_that_selects_something() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let empty = json!({"identifier": "empty", "name": "empty",
        "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": ACCOUNT, "org": "eng"}]});
    let a = app
        .admin("POST", "/v1/orgs/eng/resource-groups", Some(empty))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let gus = app
        .user_with_role(
            "gus",
            Some("eng"),
            &[
                ("Basic_User", ALL, "acme/eng"),
                ("Global_Admin", "empty", "acme/eng"),
            ],
        )
        .await;
    let other_org = "/v1/orgs/sales/apis/checkout";
    let own_org = "/v1/orgs/eng/apis/checkout";
    assert_eq!(app.call("GET", own_org, Some(&gus), None).await.status, 200);
    let a = app.call("GET", other_org, Some(&gus), None).await;
    assert_eq!(
        a.status, 403,
        "an empty grant confers no CROSS_ORGANIZATION_ACCESS: {}",
        a.body
    );
    let acl = app
        .call(
            "POST",
            "/authz/api/acl",
            Some(&gus),
            Some(json!({"permissions": [{
            "resourceScope": {"accountIdentifier": ACCOUNT, "orgIdentifier": "sales"},
            "resourceType": "API", "resourceIdentifier": "checkout", "permission": "API_READ"}]})),
        )
        .await;
    assert_eq!(acl.body["data"]["accessControlList"][0]["permitted"], false);
    assign(
        &app,
        "/v1/orgs/eng/role-assignments",
        assignment("real", "Global_Admin", ALL, "USER", "gus"),
    )
    .await;
    assert_eq!(
        app.call("GET", other_org, Some(&gus), None).await.status,
        200,
        "a real grant widens"
    );
}

#[actix_web::test]
async fn the_last_working_admin_cannot_be_removed() {
    let app = TestApp::start().await;
    app.user_with_role("dora", None, &[("_account_admin", ALL, ACCOUNT)])
        .await;
    principal(&app, "USER_GROUP", ACCOUNT, "nobody_home", &[]).await;
    assign(
        &app,
        "/v1/role-assignments",
        assignment(
            "empty_admins",
            "_account_admin",
            ALL,
            "USER_GROUP",
            "nobody_home",
        ),
    )
    .await;
    let off = app
        .admin("PUT", "/v1/users/dora", Some(json!({"disabled": true})))
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    let admins = app.admin("GET", "/v1/role-assignments", None).await;
    let boot = admins
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a["role-assignment"]["identifier"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .find(|id| id.starts_with("bootstrap_"))
        .expect("the bootstrap admin's assignment");
    let path = format!("/v1/role-assignments/{boot}");
    for (method, body) in [("DELETE", None), ("PUT", Some("disable"))] {
        let body = body.map(|_| {
            let mut b = admins
                .body
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["role-assignment"]["identifier"] == boot.as_str())
                .unwrap()["role-assignment"]
                .clone();
            b["disabled"] = json!(true);
            b
        });
        let a = app.admin(method, &path, body).await;
        assert_eq!(
            a.status, 409,
            "{method}: only a disabled user and an empty group remain: {}",
            a.body
        );
        assert_eq!(a.body["code"], "CONFLICT");
    }
    assert_eq!(
        app.admin("GET", &path, None).await.status,
        200,
        "nothing written"
    );
    let back = app
        .admin("PUT", "/v1/users/dora", Some(json!({"disabled": false})))
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    let a = app.admin("DELETE", &path, None).await;
    assert_eq!(a.status, 200, "dora can act again: {}", a.body);
}

#[actix_web::test]
async fn acl_and_explain_use_the_registry_like_the_gateway() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let group = json!({"identifier": "team-bravo", "name": "Team Bravo",
        "included_scope": [{"filter": "EXCLUDING_CHILD_SCOPES", "account": ACCOUNT, "org": "eng", "project": "web"}],
        "resource_filter": [{"resource_type": "SEI_PROFILE", "identifiers": ["team-bravo-profile"],
            "attribute_name": "team", "attribute_values": ["bravo"]}]});
    let a = app
        .admin(
            "POST",
            "/v1/orgs/eng/projects/web/resource-groups",
            Some(group),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let dana = app.user_with_role("dana", None, &[]).await;
    assign(
        &app,
        "/v1/orgs/eng/projects/web/role-assignments",
        assignment("bravo", "_sei_viewer", "team-bravo", "USER", "dana"),
    )
    .await;
    let registered = app
        .admin(
            "PUT",
            "/v1/orgs/eng/projects/web/resources/SEI_PROFILE/team-bravo-profile",
            Some(json!({"attributes": {"team": "bravo"}})),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let path = "/v1/orgs/eng/projects/web/profiles/team-bravo-profile";
    assert_eq!(app.call("GET", path, Some(&dana), None).await.status, 200);
    let item = json!({"resourceScope": {"accountIdentifier": ACCOUNT, "orgIdentifier": "eng", "projectIdentifier": "web"},
        "resourceType": "SEI_PROFILE", "resourceIdentifier": "team-bravo-profile", "permission": "sei_seiprofiles_view"});
    let who = json!({"identifier": "dana", "type": "USER"});
    let acl = app
        .admin(
            "POST",
            "/authz/api/acl",
            Some(json!({"principal": who, "permissions": [item]})),
        )
        .await;
    assert_eq!(
        acl.body["data"]["accessControlList"][0]["permitted"], true,
        "{}",
        acl.body
    );
    let mut question = item.clone();
    question["principal"] = who;
    let why = app
        .admin("POST", "/v1/access/explain", Some(question.clone()))
        .await;
    assert_eq!(why.body["permitted"], true, "{}", why.body);
    // An item's own attributes override the registry's, as a route's do.
    question["resourceAttributes"] = json!({"team": "alpha"});
    let why = app
        .admin("POST", "/v1/access/explain", Some(question))
        .await;
    assert_eq!(why.body["permitted"], false, "{}", why.body);
}
