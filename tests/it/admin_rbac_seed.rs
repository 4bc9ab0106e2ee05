//! Seed 003's `curl` examples, sent as written (host and placeholders changed): list the
//! project's resource groups, create `team-bravo`, post the role assignment verbatim (its
//! `//` comment makes it invalid JSON), without the comment (its group does not exist),
//! then corrected, and read it back.

use serde_json::json;

use super::admin_rbac::{expect_error, principal, raw};
use super::harness::TestApp;

const GROUPS: &str = "/v1/orgs/eng/projects/web/resource-groups";
const ASSIGNMENTS: &str = "/v1/orgs/eng/projects/web/role-assignments";

const TEAM_BRAVO: &str = r##"{
  "identifier": "team-bravo",
  "name": "Team Bravo",
  "color": "#0063F7",
  "tags": {
    "team": "bravo",
    "environment": "prod"
  },
  "description": "This is a resource group for Team Bravo, providing access to SEI 2.0.",
  "included_scope": [
    {
      "filter": "EXCLUDING_CHILD_SCOPES",
      "account": "acme",
      "org": "eng",
      "project": "web"
    }
  ],
  "resource_filter": [
    {
      "resource_type": "SEI_PROFILE",
      "identifiers": [
        "team-bravo-profile"
      ],
      "attribute_name": "team",
      "attribute_values": [
        "bravo"
      ]
    }
  ],
  "include_all_resources": false
}"##;

const ASSIGNMENT_AS_WRITTEN: &str = r#"{
  "identifier": "team_bravo_dev_assignment",
  "resource_group": "team_bravo_resource_group",
  "role": "Developer",
  "principal": {
    "scope": "ACCOUNT",
    "identifier": "team_bravo_user_group",
    "type": "USER_GROUP" // you can use "USER" or "SERVICE_ACCOUNT"
  },
  "disabled": false,
  "managed": false
}"#;

#[actix_web::test]
async fn seed_003_examples_work_as_written() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let token = app.admin_token.clone();
    let list_query = "?page=0&limit=30&search_term=string&sort=identifier&order=ASC";
    let listed = raw(&app, "GET", &format!("{GROUPS}{list_query}"), &token, "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body, json!([]));
    assert_eq!(listed.header("x-total-elements"), Some("0"));
    assert_eq!(listed.header("x-page-size"), Some("30"));

    let created = raw(&app, "POST", GROUPS, &token, TEAM_BRAVO).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let expected: serde_json::Value = serde_json::from_str(TEAM_BRAVO).unwrap();
    for field in [
        "identifier",
        "name",
        "color",
        "tags",
        "description",
        "included_scope",
        "resource_filter",
        "include_all_resources",
    ] {
        assert_eq!(created.body[field], expected[field], "{field}");
    }
    let bravo = raw(
        &app,
        "GET",
        &format!("{GROUPS}?search_term=bravo"),
        &token,
        "",
    )
    .await;
    assert_eq!(bravo.body[0]["identifier"], "team-bravo");

    let broken = raw(&app, "POST", ASSIGNMENTS, &token, ASSIGNMENT_AS_WRITTEN).await;
    expect_error(&broken, 400, "line 8");
    assert!(broken.body["message"].as_str().unwrap().contains("column"));

    let without_comment =
        ASSIGNMENT_AS_WRITTEN.replace(r#" // you can use "USER" or "SERVICE_ACCOUNT""#, "");
    let missing = raw(&app, "POST", ASSIGNMENTS, &token, &without_comment).await;
    expect_error(&missing, 404, "`team_bravo_resource_group`");
    assert_eq!(missing.body["code"], "NOT_FOUND");

    app.user_with_role("dana", None, &[]).await;
    principal(
        &app,
        "USER_GROUP",
        "acme",
        "team_bravo_user_group",
        &["dana"],
    )
    .await;
    let corrected = without_comment
        .replace("team_bravo_resource_group", "team-bravo")
        .replace("\"Developer\"", "\"_sei_viewer\"");
    let made = raw(&app, "POST", ASSIGNMENTS, &token, &corrected).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let verified = raw(
        &app,
        "GET",
        &format!("{ASSIGNMENTS}/team_bravo_dev_assignment"),
        &token,
        "",
    )
    .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(
        verified.body["role-assignment"],
        json!({"identifier": "team_bravo_dev_assignment", "resource_group": "team-bravo",
            "role": "_sei_viewer",
            "role_reference": {"identifier": "_sei_viewer", "scope_level": "account"},
            "principal": {"identifier": "team_bravo_user_group", "type": "USER_GROUP",
                "scope_level": "account"},
            "disabled": false, "managed": false})
    );
}
