//! One core, two shapes: for each entity, a write through the NG API is read back through
//! v1 and a write through v1 is read back through the NG API, with the same values.

use serde_json::json;

use super::harness::TestApp;
use super::ng_api::{data, WEB};

#[actix_web::test]
async fn ng_organizations_round_trip_with_v1() {
    let app = TestApp::start().await;
    let ng =
        json!({"organization": {"identifier": "from_ng", "name": "From NG", "tags": {"a": "b"}}});
    data(
        &app.admin(
            "POST",
            "/ng/api/organizations?accountIdentifier=acme",
            Some(ng),
        )
        .await,
    );
    let v1 = app.admin("GET", "/v1/orgs/from_ng", None).await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(v1.body["org"]["name"], "From NG");
    assert_eq!(v1.body["org"]["tags"], json!({"a": "b"}));
    let body = json!({"org": {"identifier": "from_v1", "name": "From v1", "description": "d"}});
    let made = app.admin("POST", "/v1/orgs", Some(body)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let got = data(
        &app.admin(
            "GET",
            "/ng/api/organizations/from_v1?accountIdentifier=acme",
            None,
        )
        .await,
    );
    assert_eq!(got["organization"]["description"], "d");
    assert_eq!(got["createdAt"], made.body["created"]);
    assert_eq!(got["lastModifiedAt"], made.body["updated"]);
}

#[actix_web::test]
async fn ng_projects_round_trip_with_v1() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let q = "accountIdentifier=acme&orgIdentifier=eng";
    let ng =
        json!({"project": {"identifier": "from_ng", "name": "From NG", "orgIdentifier": "eng"}});
    data(
        &app.admin("POST", &format!("/ng/api/projects?{q}"), Some(ng))
            .await,
    );
    let v1 = app
        .admin("GET", "/v1/orgs/eng/projects/from_ng", None)
        .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(v1.body["project"]["org"], "eng");
    let body = json!({"project": {"identifier": "from_v1", "name": "From v1"}});
    assert_eq!(
        app.admin("POST", "/v1/orgs/eng/projects", Some(body))
            .await
            .status,
        201
    );
    let got = data(
        &app.admin("GET", &format!("/ng/api/projects/from_v1?{q}"), None)
            .await,
    );
    assert_eq!(got["project"]["name"], "From v1");
    assert_eq!(got["project"]["orgIdentifier"], "eng");
}

#[actix_web::test]
async fn ng_roles_round_trip_with_v1() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let ng = json!({"identifier": "from_ng", "name": "From NG",
        "permissions": ["core_project_view", "sei_seiteams_view"], "allowedScopeLevels": ["project"]});
    data(
        &app.admin("POST", &format!("/authz/api/roles?{WEB}"), Some(ng))
            .await,
    );
    let v1 = app
        .admin("GET", "/v1/orgs/eng/projects/web/roles/from_ng", None)
        .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(
        v1.body["permissions"],
        json!(["core_project_view", "sei_seiteams_view"])
    );
    assert_eq!(v1.body["allowed_scope_levels"], json!(["project"]));
    let body =
        json!({"identifier": "from_v1", "name": "From v1", "permissions": ["core_role_view"]});
    let made = app.admin("POST", "/v1/orgs/eng/roles", Some(body)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let got = data(
        &app.admin(
            "GET",
            "/authz/api/roles/from_v1?accountIdentifier=acme&orgIdentifier=eng",
            None,
        )
        .await,
    );
    assert_eq!(got["role"]["permissions"], json!(["core_role_view"]));
    assert_eq!(
        got["role"]["allowedScopeLevels"],
        made.body["allowed_scope_levels"]
    );
    assert_eq!(got["scope"]["orgIdentifier"], "eng");
}

#[actix_web::test]
async fn ng_resource_groups_round_trip_with_v1() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let ng = json!({"resourceGroup": {"identifier": "from_ng", "name": "From NG",
        "includedScopes": [{"filter": "EXCLUDING_CHILD_SCOPES", "accountIdentifier": "acme", "orgIdentifier": "eng", "projectIdentifier": "web"}],
        "resourceFilter": {"resources": [{"resourceType": "SEI_TEAM", "identifiers": ["t1", "t2"]}]}}});
    data(
        &app.admin(
            "POST",
            &format!("/authz/api/v2/resourcegroup?{WEB}"),
            Some(ng),
        )
        .await,
    );
    let v1 = app
        .admin(
            "GET",
            "/v1/orgs/eng/projects/web/resource-groups/from_ng",
            None,
        )
        .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(
        v1.body["resource_filter"][0]["identifiers"],
        json!(["t1", "t2"])
    );
    assert_eq!(v1.body["included_scope"][0]["project"], "web");
    assert_eq!(v1.body["include_all_resources"], false);
    let body = json!({"identifier": "from_v1", "name": "From v1", "include_all_resources": true,
        "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "acme", "org": "eng"}]});
    assert_eq!(
        app.admin("POST", "/v1/orgs/eng/resource-groups", Some(body))
            .await
            .status,
        201
    );
    let got = data(
        &app.admin(
            "GET",
            "/authz/api/v2/resourcegroup/from_v1?accountIdentifier=acme&orgIdentifier=eng",
            None,
        )
        .await,
    );
    let g = &got["resourceGroup"];
    assert_eq!(
        g["resourceFilter"],
        json!({"resources": [], "includeAllResources": true})
    );
    assert_eq!(
        g["includedScopes"],
        json!([{"filter": "INCLUDING_CHILD_SCOPES", "accountIdentifier": "acme", "orgIdentifier": "eng", "projectIdentifier": null}])
    );
}

#[actix_web::test]
async fn ng_role_assignments_round_trip_with_v1() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let u = json!({"identifier": "ana", "email": "ana@acme.test", "name": "Ana"});
    assert_eq!(app.admin("POST", "/v1/users", Some(u)).await.status, 201);
    let ng = json!({"identifier": "from_ng", "resourceGroupIdentifier": "_all_project_level_resources",
        "roleIdentifier": "_project_viewer", "principal": {"identifier": "ana", "type": "USER"}});
    data(
        &app.admin(
            "POST",
            &format!("/authz/api/roleassignments?{WEB}"),
            Some(ng),
        )
        .await,
    );
    let v1 = app
        .admin(
            "GET",
            "/v1/orgs/eng/projects/web/role-assignments/from_ng",
            None,
        )
        .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    let ra = &v1.body["role-assignment"];
    assert_eq!(ra["role"], "_project_viewer");
    assert_eq!(
        ra["principal"],
        json!({"identifier": "ana", "type": "USER", "scope_level": "account"})
    );
    let body = json!({"identifier": "from_v1", "resource_group": "_all_project_level_resources",
        "role": "_project_admin", "principal": {"identifier": "ana", "type": "USER"}, "disabled": true});
    assert_eq!(
        app.admin(
            "POST",
            "/v1/orgs/eng/projects/web/role-assignments",
            Some(body)
        )
        .await
        .status,
        201
    );
    let got = data(
        &app.admin(
            "GET",
            &format!("/authz/api/roleassignments/from_v1?{WEB}"),
            None,
        )
        .await,
    );
    assert_eq!(got["roleAssignment"]["roleIdentifier"], "_project_admin");
    assert_eq!(got["roleAssignment"]["disabled"], true);
    assert_eq!(got["harnessManaged"], false);
}
