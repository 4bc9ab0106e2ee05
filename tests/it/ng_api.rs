//! The NG API (DESIGN §4.10) over raw HTTP: each entity's shapes (envelope, page object,
//! wrapped items with `createdAt`/`lastModifiedAt`/`harnessManaged`), the `/gateway`
//! prefix, and bad input (unknown scope, missing `accountIdentifier`, a body for another
//! scope, …) answered 4xx in the NG error shape with nothing written. The same permissions,
//! guard and audit as v1 are checked in `ng_api_rules`, v1 ↔ NG round trips in
//! `ng_api_roundtrip`, and Harness's own Python SDK in `ng_sdk`.

use serde_json::{json, Value};

use super::admin_rbac::has_audit;
use super::harness::{Answer, TestApp};

pub const WEB: &str = "accountIdentifier=acme&orgIdentifier=eng&projectIdentifier=web";

/// 200 with Harness's envelope; returns `data`.
pub fn data(a: &Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "SUCCESS", "{}", a.body);
    assert!(a.body["metaData"].is_null(), "{}", a.body);
    let id = a.body["correlationId"].as_str().expect("correlationId");
    assert_eq!(Some(id), a.header("x-request-id"), "{}", a.body);
    a.body["data"].clone()
}

/// The NG error body with `status` and `code`.
pub fn ng_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["status"], "ERROR", "{}", a.body);
    assert_eq!(a.body["code"], code, "{}", a.body);
    assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(a.body["correlationId"].as_str().is_some(), "{}", a.body);
    assert!(a.body.get("request_id").is_none(), "{}", a.body);
}

/// A page object with every field of Harness's `PageResponse`; returns `content`.
pub fn page(data: &Value, total: i64, index: i64, size: i64) -> Vec<Value> {
    let content = data["content"].as_array().expect("content").clone();
    assert_eq!(data["totalItems"], total, "{data}");
    assert_eq!(data["pageIndex"], index, "{data}");
    assert_eq!(data["pageSize"], size, "{data}");
    assert_eq!(data["pageItemCount"], content.len(), "{data}");
    assert_eq!(data["totalPages"], (total + size - 1) / size, "{data}");
    assert_eq!(data["empty"], content.is_empty(), "{data}");
    content
}

fn role(id: &str) -> Value {
    json!({"identifier": id, "name": format!("Role {id}"), "permissions": ["core_project_view"],
        "allowedScopeLevels": ["project"], "description": "d", "tags": {"team": "web"},
        "accountIdentifier": "acme", "orgIdentifier": null, "projectIdentifier": null})
}

#[actix_web::test]
async fn ng_roles_answer_in_harness_shapes() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    for id in ["r_one", "r_two", "r_three"] {
        let a = app
            .admin("POST", &format!("/authz/api/roles?{WEB}"), Some(role(id)))
            .await;
        let d = data(&a);
        assert_eq!(d["role"]["identifier"], id);
        assert_eq!(d["role"]["allowedScopeLevels"], json!(["project"]));
        assert_eq!(d["role"]["permissions"], json!(["core_project_view"]));
        assert_eq!(d["role"]["tags"], json!({"team": "web"}));
        assert_eq!(
            d["scope"],
            json!({"accountIdentifier": "acme", "orgIdentifier": "eng", "projectIdentifier": "web"})
        );
        assert!(d["createdAt"].as_i64().is_some_and(|t| t > 0));
        assert_eq!(d["createdAt"], d["lastModifiedAt"]);
        assert_eq!(d["harnessManaged"], false);
    }
    let got = app
        .admin("GET", &format!("/authz/api/roles/r_two?{WEB}"), None)
        .await;
    assert_eq!(data(&got)["role"]["name"], "Role r_two");
    let all = app
        .admin("GET", &format!("/authz/api/roles?{WEB}&pageSize=2"), None)
        .await;
    let content = page(&data(&all), 3, 0, 2);
    assert_eq!(content[0]["role"]["identifier"], "r_one");
    let second = app
        .admin(
            "GET",
            &format!("/authz/api/roles?{WEB}&pageSize=2&pageIndex=1"),
            None,
        )
        .await;
    assert_eq!(page(&data(&second), 3, 1, 2).len(), 1);
    let found = app
        .admin(
            "GET",
            &format!("/authz/api/roles?{WEB}&searchTerm=TWO&sortOrders=name,DESC"),
            None,
        )
        .await;
    assert_eq!(
        page(&data(&found), 1, 0, 50)[0]["role"]["identifier"],
        "r_two"
    );
    // Built-ins are listed at the account, managed and without a scope.
    let account = app
        .admin(
            "GET",
            "/authz/api/roles?accountIdentifier=acme&searchTerm=_sei_viewer",
            None,
        )
        .await;
    let builtin = &page(&data(&account), 1, 0, 50)[0];
    assert_eq!(builtin["harnessManaged"], true);
    assert!(builtin["scope"].is_null());
    let mut changed = role("r_two");
    changed["name"] = json!("Renamed");
    let put = app
        .admin(
            "PUT",
            &format!("/authz/api/roles/r_two?{WEB}"),
            Some(changed),
        )
        .await;
    let d = data(&put);
    assert_eq!(d["role"]["name"], "Renamed");
    assert!(d["lastModifiedAt"].as_i64() >= d["createdAt"].as_i64());
    let del = app
        .admin("DELETE", &format!("/authz/api/roles/r_two?{WEB}"), None)
        .await;
    assert_eq!(data(&del)["role"]["identifier"], "r_two");
    let gone = app
        .admin("GET", &format!("/authz/api/roles/r_two?{WEB}"), None)
        .await;
    ng_error(&gone, 404, "NOT_FOUND");
    assert!(has_audit(&app, "role.create", "allowed", "r_one"));
    assert!(has_audit(&app, "role.update", "allowed", "r_two"));
    assert!(has_audit(&app, "role.delete", "allowed", "r_two"));
}

#[actix_web::test]
async fn ng_resource_groups_map_included_scopes_and_filters_exactly() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let body = json!({"resourceGroup": {"identifier": "rg_web", "name": "Web teams",
        "accountIdentifier": "acme", "orgIdentifier": "eng", "color": "#0063f7",
        "allowedScopeLevels": ["organization"],
        "includedScopes": [
            {"filter": "EXCLUDING_CHILD_SCOPES", "accountIdentifier": "acme", "orgIdentifier": "eng", "projectIdentifier": "web"},
            {"filter": "INCLUDING_CHILD_SCOPES", "accountIdentifier": "acme", "orgIdentifier": "eng"}],
        "resourceFilter": {"includeAllResources": false, "resources": [
            {"resourceType": "SEI_TEAM", "identifiers": ["team_a"],
             "attributeFilter": {"attributeName": "team", "attributeValues": ["bravo"]}},
            {"resourceType": "SEI_INSIGHTS"}]}}});
    let q = "accountIdentifier=acme&orgIdentifier=eng";
    let a = app
        .admin(
            "POST",
            &format!("/authz/api/v2/resourcegroup?{q}"),
            Some(body),
        )
        .await;
    let d = data(&a);
    let g = &d["resourceGroup"];
    assert_eq!(g["identifier"], "rg_web");
    assert_eq!(g["accountIdentifier"], "acme");
    assert_eq!(g["orgIdentifier"], "eng");
    assert!(g["projectIdentifier"].is_null());
    assert_eq!(g["allowedScopeLevels"], json!(["organization"]));
    assert_eq!(g["includedScopes"][0]["projectIdentifier"], "web");
    assert_eq!(g["includedScopes"][1]["filter"], "INCLUDING_CHILD_SCOPES");
    let resources = g["resourceFilter"]["resources"].as_array().unwrap();
    assert_eq!(
        resources[0]["attributeFilter"],
        json!({"attributeName": "team", "attributeValues": ["bravo"]})
    );
    assert_eq!(resources[0]["identifiers"], json!(["team_a"]));
    assert_eq!(resources[1]["identifiers"], json!([]));
    assert!(resources[1].get("attributeFilter").is_none());
    assert_eq!(g["resourceFilter"]["includeAllResources"], false);
    assert_eq!(d["harnessManaged"], false);
    assert!(d["createdAt"].as_i64().is_some_and(|t| t > 0));
    // The same group through v1, field for field.
    let v1 = app
        .admin("GET", "/v1/orgs/eng/resource-groups/rg_web", None)
        .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(v1.body["resource_filter"][0]["attribute_name"], "team");
    assert_eq!(
        v1.body["included_scope"][0],
        json!({"filter": "EXCLUDING_CHILD_SCOPES", "account": "acme", "org": "eng", "project": "web"})
    );
    let list = app
        .admin("GET", &format!("/authz/api/v2/resourcegroup?{q}"), None)
        .await;
    let content = page(&data(&list), 3, 0, 50);
    let builtin = content
        .iter()
        .find(|i| i["resourceGroup"]["identifier"] == "_all_resources_including_child_scopes")
        .expect("built-in group at the org");
    assert_eq!(builtin["harnessManaged"], true);
    let del = app
        .admin(
            "DELETE",
            &format!("/authz/api/v2/resourcegroup/rg_web?{q}"),
            None,
        )
        .await;
    assert_eq!(data(&del), json!(true));
    let gone = app
        .admin(
            "GET",
            &format!("/authz/api/v2/resourcegroup/rg_web?{q}"),
            None,
        )
        .await;
    ng_error(&gone, 404, "NOT_FOUND");
}

#[actix_web::test]
async fn ng_role_assignments_generate_identifiers_and_filter() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    for user in ["ana", "ben"] {
        let u = json!({"identifier": user, "email": format!("{user}@acme.test"), "name": user});
        assert_eq!(app.admin("POST", "/v1/users", Some(u)).await.status, 201);
    }
    let assign = |user: &str, role: &str| {
        json!({"resourceGroupIdentifier": "_all_project_level_resources", "roleIdentifier": role,
            "roleReference": {"identifier": role, "scopeLevel": "account"},
            "principal": {"identifier": user, "type": "USER", "scopeLevel": "account"},
            "disabled": false})
    };
    let path = format!("/authz/api/roleassignments?{WEB}");
    let a = app
        .admin("POST", &path, Some(assign("ana", "_project_viewer")))
        .await;
    let d = data(&a);
    let ra = &d["roleAssignment"];
    let id = ra["identifier"].as_str().unwrap().to_owned();
    assert!(id.starts_with("role_assignment_"), "{id}");
    assert_eq!(ra["roleIdentifier"], "_project_viewer");
    assert_eq!(
        ra["resourceGroupIdentifier"],
        "_all_project_level_resources"
    );
    assert_eq!(
        ra["principal"],
        json!({"identifier": "ana", "type": "USER", "scopeLevel": "account"})
    );
    assert_eq!(d["scope"]["projectIdentifier"], "web");
    let mut named = assign("ben", "_project_admin");
    named["identifier"] = json!("ben_admin");
    data(&app.admin("POST", &path, Some(named.clone())).await);
    let all = data(&app.admin("GET", &path, None).await);
    assert_eq!(page(&all, 2, 0, 50).len(), 2);
    let filter = format!("/authz/api/roleassignments/filter?{WEB}");
    for (body, expect) in [
        (json!({"roleFilter": ["_project_admin"]}), vec!["ben_admin"]),
        (
            json!({"principalFilter": [{"identifier": "ana", "type": "USER"}]}),
            vec![id.as_str()],
        ),
        (
            json!({"principalTypeFilter": ["USER_GROUP"], "roleFilter": null}),
            vec![],
        ),
        (
            json!({"disabledFilter": [false], "harnessManagedFilter": []}),
            vec!["ben_admin", id.as_str()],
        ),
    ] {
        let got = data(&app.admin("POST", &filter, Some(body.clone())).await);
        let mut ids: Vec<String> = got["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                i["roleAssignment"]["identifier"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        ids.sort();
        let mut expect: Vec<String> = expect.iter().map(|s| s.to_string()).collect();
        expect.sort();
        assert_eq!(ids, expect, "{body}");
    }
    let bad = app
        .admin("POST", &filter, Some(json!({"colorFilter": ["red"]})))
        .await;
    ng_error(&bad, 400, "INVALID_REQUEST");
    named["disabled"] = json!(true);
    let put = app
        .admin(
            "PUT",
            &format!("/authz/api/roleassignments/ben_admin?{WEB}"),
            Some(named),
        )
        .await;
    assert_eq!(data(&put)["roleAssignment"]["disabled"], true);
    let del = app
        .admin(
            "DELETE",
            &format!("/authz/api/roleassignments/{id}?{WEB}"),
            None,
        )
        .await;
    assert_eq!(data(&del)["roleAssignment"]["identifier"], id.as_str());
    assert!(has_audit(&app, "role_assignment.create", "allowed", &id));
    assert!(has_audit(
        &app,
        "role_assignment.update",
        "allowed",
        "ben_admin"
    ));
    assert!(has_audit(&app, "role_assignment.delete", "allowed", &id));
}

#[actix_web::test]
async fn ng_organizations_and_projects_answer_in_harness_shapes() {
    let app = TestApp::start().await;
    let org = json!({"organization": {"identifier": "ops", "name": "Ops", "description": "d",
        "tags": {"k": "v"}, "accountIdentifier": "acme"}});
    let a = app
        .admin(
            "POST",
            "/ng/api/organizations?accountIdentifier=acme",
            Some(org),
        )
        .await;
    let d = data(&a);
    assert_eq!(
        d["organization"],
        json!({"accountIdentifier": "acme", "identifier": "ops", "name": "Ops", "description": "d", "tags": {"k": "v"}})
    );
    assert_eq!(d["harnessManaged"], false);
    assert!(d["createdAt"].as_i64().is_some_and(|t| t > 0));
    // harness-platform-sdk reads one organization without `accountIdentifier`.
    let got = app.admin("GET", "/ng/api/organizations/ops", None).await;
    assert_eq!(data(&got)["organization"]["name"], "Ops");
    let list = app
        .admin("GET", "/ng/api/organizations?accountIdentifier=acme", None)
        .await;
    assert_eq!(
        page(&data(&list), 1, 0, 50)[0]["organization"]["identifier"],
        "ops"
    );
    let project = json!({"project": {"identifier": "site", "name": "Site", "orgIdentifier": "ops",
        "color": "#000000", "modules": ["CD"], "accountIdentifier": "acme"}});
    let pq = "accountIdentifier=acme&orgIdentifier=ops";
    let p = app
        .admin("POST", &format!("/ng/api/projects?{pq}"), Some(project))
        .await;
    let d = data(&p);
    assert_eq!(d["project"]["orgIdentifier"], "ops");
    assert_eq!(d["project"]["identifier"], "site");
    assert!(d["createdAt"].as_i64().is_some());
    let upd = json!({"project": {"identifier": "site", "name": "Web site"}});
    let put = app
        .admin("PUT", &format!("/ng/api/projects/site?{pq}"), Some(upd))
        .await;
    assert_eq!(data(&put)["project"]["name"], "Web site");
    let listed = app
        .admin(
            "GET",
            &format!("/ng/api/projects?{pq}&searchTerm=web"),
            None,
        )
        .await;
    assert_eq!(page(&data(&listed), 1, 0, 50).len(), 1);
    let del = app
        .admin("DELETE", &format!("/ng/api/projects/site?{pq}"), None)
        .await;
    assert_eq!(data(&del), json!(true));
    let gone = app
        .admin("GET", &format!("/ng/api/projects/site?{pq}"), None)
        .await;
    ng_error(&gone, 404, "NOT_FOUND");
    let upd = json!({"organization": {"identifier": "ops", "name": "Operations"}});
    let put = app
        .admin(
            "PUT",
            "/ng/api/organizations/ops?accountIdentifier=acme",
            Some(upd),
        )
        .await;
    assert_eq!(data(&put)["organization"]["name"], "Operations");
    let del = app
        .admin(
            "DELETE",
            "/ng/api/organizations/ops?accountIdentifier=acme",
            None,
        )
        .await;
    assert_eq!(data(&del), json!(true));
    ng_error(
        &app.admin("GET", "/ng/api/organizations/ops", None).await,
        404,
        "NOT_FOUND",
    );
    assert!(has_audit(&app, "organization.delete", "allowed", "ops"));
    assert!(has_audit(&app, "project.update", "allowed", "site"));
}

#[actix_web::test]
async fn ng_paths_and_the_acl_are_served_under_the_gateway_prefix() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let list = app
        .admin(
            "GET",
            "/gateway/ng/api/organizations?accountIdentifier=acme",
            None,
        )
        .await;
    assert_eq!(page(&data(&list), 2, 0, 50).len(), 2);
    let roles = app
        .admin(
            "GET",
            "/gateway/authz/api/roles?accountIdentifier=acme&searchTerm=_account_admin",
            None,
        )
        .await;
    assert_eq!(page(&data(&roles), 1, 0, 50).len(), 1);
    let acl = json!({"permissions": [{"resourceScope": {"accountIdentifier": "acme"},
        "resourceType": "ROLE", "permission": "core_role_view"}]});
    let a = app.admin("POST", "/gateway/authz/api/acl", Some(acl)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["data"]["accessControlList"][0]["permitted"], true);
    let wrong = app
        .admin(
            "PATCH",
            "/gateway/authz/api/roles?accountIdentifier=acme",
            None,
        )
        .await;
    ng_error(&wrong, 405, "METHOD_NOT_ALLOWED");
}

/// Every refusal of bad input: the NG error shape, v1's status, nothing written.
#[actix_web::test]
async fn ng_bad_input_is_refused_in_the_ng_shape_and_writes_nothing() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let cases: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        // Unknown scope in the query.
        (
            "POST",
            "/authz/api/roles?accountIdentifier=acme&orgIdentifier=nope".into(),
            Some(role("bad1")),
            404,
            "NOT_FOUND",
        ),
        (
            "POST",
            "/authz/api/roles?accountIdentifier=acme&projectIdentifier=web".into(),
            Some(role("bad2")),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/roles?accountIdentifier=acme&orgIdentifier=e%20g".into(),
            Some(role("bad3")),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/ng/api/projects?accountIdentifier=acme&orgIdentifier=nope".into(),
            Some(json!({"project": {"identifier": "bad4", "name": "x"}})),
            404,
            "NOT_FOUND",
        ),
        // Missing accountIdentifier, or another account than the credential's.
        (
            "POST",
            "/authz/api/roles?orgIdentifier=eng".into(),
            Some(role("bad5")),
            400,
            "INVALID_REQUEST",
        ),
        (
            "GET",
            "/authz/api/roles".into(),
            None,
            400,
            "INVALID_REQUEST",
        ),
        (
            "DELETE",
            "/ng/api/organizations/eng".into(),
            None,
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/roles?accountIdentifier=other".into(),
            Some(role("bad6")),
            401,
            "UNAUTHORIZED",
        ),
        (
            "POST",
            "/authz/api/roles?accountIdentifier=acme&accountIdentifier=acme".into(),
            Some(role("bad7")),
            400,
            "INVALID_REQUEST",
        ),
        // A body for another scope than the query's.
        (
            "POST",
            format!("/authz/api/roles?{WEB}"),
            Some(json!({"identifier": "bad8", "name": "x", "orgIdentifier": "sales"})),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/roles?accountIdentifier=acme".into(),
            Some(json!({"identifier": "bad9", "name": "x", "projectIdentifier": "web"})),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/ng/api/projects?accountIdentifier=acme&orgIdentifier=eng".into(),
            Some(
                json!({"project": {"identifier": "bad10", "name": "x", "orgIdentifier": "sales"}}),
            ),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/v2/resourcegroup?accountIdentifier=acme&orgIdentifier=eng".into(),
            Some(
                json!({"resourceGroup": {"identifier": "bad11", "name": "x", "projectIdentifier": "web",
                "allowedScopeLevels": ["organization"], "includedScopes": []}}),
            ),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/ng/api/organizations?accountIdentifier=acme&orgIdentifier=eng".into(),
            Some(json!({"organization": {"identifier": "bad12", "name": "x"}})),
            400,
            "INVALID_REQUEST",
        ),
        // What a resource group cannot represent.
        (
            "POST",
            "/authz/api/v2/resourcegroup?accountIdentifier=acme".into(),
            Some(json!({"resourceGroup": {"identifier": "bad13", "name": "x",
                "resourceFilter": {"includeAllResources": true, "resources": [{"resourceType": "SEI_TEAM"}]}}})),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/v2/resourcegroup?accountIdentifier=acme".into(),
            Some(json!({"resourceGroup": {"identifier": "bad14", "name": "x",
                "resourceFilter": {"resources": [{"resourceType": "SEI_TEAM", "scopeFilter": "x"}]}}})),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/v2/resourcegroup?accountIdentifier=acme".into(),
            Some(json!({"resourceGroup": {"identifier": "bad15", "name": "x",
                "includedScopes": [{"filter": "SOMETIMES", "accountIdentifier": "acme"}]}})),
            400,
            "INVALID_REQUEST",
        ),
        (
            "POST",
            "/authz/api/v2/resourcegroup?accountIdentifier=acme&orgIdentifier=eng".into(),
            Some(json!({"resourceGroup": {"identifier": "bad16", "name": "x",
                "includedScopes": [{"filter": "INCLUDING_CHILD_SCOPES", "accountIdentifier": "acme", "orgIdentifier": "sales"}]}})),
            400,
            "INVALID_REQUEST",
        ),
        // Paging, body and method errors keep v1's statuses.
        (
            "GET",
            "/authz/api/roles?accountIdentifier=acme&pageSize=101".into(),
            None,
            400,
            "INVALID_REQUEST",
        ),
        (
            "GET",
            "/authz/api/roles?accountIdentifier=acme&sortOrders=color".into(),
            None,
            400,
            "INVALID_REQUEST",
        ),
        (
            "PUT",
            format!("/authz/api/roles/other?{WEB}"),
            Some(role("bad17")),
            400,
            "INVALID_REQUEST",
        ),
        (
            "PATCH",
            format!("/authz/api/roles/bad18?{WEB}"),
            Some(role("bad18")),
            405,
            "METHOD_NOT_ALLOWED",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let a = app.admin(method, &path, body).await;
        assert_eq!(a.status, status, "{method} {path}: {}", a.body);
        ng_error(&a, status, code);
    }
    // Nothing was written: no bad* role, group, project or organization, no allowed write.
    let roles = data(
        &app.admin(
            "GET",
            &format!("/authz/api/roles?{WEB}&searchTerm=bad"),
            None,
        )
        .await,
    );
    assert_eq!(page(&roles, 0, 0, 50).len(), 0);
    for path in [
        "/v1/roles/bad5",
        "/v1/roles/bad6",
        "/v1/roles/bad9",
        "/v1/orgs/eng/resource-groups/bad11",
        "/v1/resource-groups/bad13",
        "/v1/orgs/eng/projects/bad10",
        "/v1/orgs/bad12",
    ] {
        assert_eq!(app.admin("GET", path, None).await.status, 404, "{path}");
    }
    let rows = super::admin_rbac::audit_rows(&app);
    assert!(
        !rows
            .iter()
            .any(|(_, o, i, _)| o == "allowed" && i.starts_with("bad")),
        "{rows:?}"
    );
    // Body and credential errors, answered by the extractors shared with v1.
    let raw = app
        .send(
            "POST",
            &format!("/authz/api/roles?{WEB}"),
            None,
            Some(role("x")),
        )
        .await;
    ng_error(&raw, 401, "UNAUTHORIZED");
    let token = app.admin_token.clone();
    let mut req = app
        .client
        .post(format!("{}/authz/api/roles?{WEB}", app.url))
        .insert_header(("x-api-key", token))
        .insert_header(("content-type", "text/plain"));
    req = req.timeout(std::time::Duration::from_secs(10));
    let mut res = req.send_body("{}").await.expect("send");
    assert_eq!(res.status().as_u16(), 415);
    let body: Value = serde_json::from_slice(&res.body().await.expect("body")).expect("json");
    assert_eq!(body["status"], "ERROR");
    assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE");
}
