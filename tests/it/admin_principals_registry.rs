//! The resource registry over real HTTP: CRUD and lists at every scope, validation, RBAC on
//! the resource as it is before a write, and an attribute-filter group whose gateway
//! decision changes as soon as the attributes do.

use serde_json::{json, Value};

use super::admin_principals::{audited, message, SCOPES};
use super::harness::TestApp;

const INSIGHT: &str = "/v1/orgs/eng/projects/web/insights/dash1";
const ENTRY: &str = "/v1/orgs/eng/projects/web/resources/SEI_INSIGHTS/dash1";

fn attrs(team: &str) -> Option<Value> {
    Some(json!({"attributes": {"team": team}}))
}

#[actix_web::test]
async fn registry_entries_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    for (prefix, scope) in SCOPES {
        let base = format!("{prefix}/resources/SEI_PROFILE");
        let item = format!("{base}/p1");
        let put = app.admin("PUT", &item, attrs("bravo")).await;
        assert_eq!(put.status, 200, "{scope}: {}", put.body);
        assert_eq!(put.body["resource_type"], "SEI_PROFILE");
        assert_eq!(put.body["identifier"], "p1");
        assert_eq!(put.body["attributes"], json!({"team": "bravo"}));
        assert_eq!(put.body["scope"]["account"], "acme");
        let created = put.body["created"].as_i64().unwrap();
        let again = app
            .admin(
                "PUT",
                &item,
                Some(json!({"attributes": {"team": "alpha", "tier": "1"}})),
            )
            .await;
        assert_eq!(again.status, 200);
        assert_eq!(
            again.body["created"].as_i64(),
            Some(created),
            "an upsert keeps `created`"
        );
        assert_eq!(again.body["attributes"]["tier"], "1");
        app.admin("PUT", &format!("{base}/p2"), attrs("bravo"))
            .await;
        let listed = app
            .admin("GET", &format!("{base}?sort=identifier&order=desc"), None)
            .await;
        assert_eq!(listed.header("x-total-elements"), Some("2"), "{scope}");
        assert_eq!(listed.body[0]["identifier"], "p2");
        let got = app.admin("GET", &item, None).await;
        assert_eq!(got.body["attributes"]["team"], "alpha");
        let deleted = app.admin("DELETE", &item, None).await;
        assert_eq!(
            (deleted.status, deleted.body["identifier"].as_str()),
            (200, Some("p1"))
        );
        assert_eq!(app.admin("GET", &item, None).await.status, 404);
        assert_eq!(app.admin("DELETE", &item, None).await.status, 404);
    }
    let other = app
        .admin("GET", "/v1/orgs/sales/resources/SEI_PROFILE", None)
        .await;
    assert_eq!(other.body, json!([]), "entries belong to their scope");
    let errors: Vec<(&str, &str, Option<Value>, u16, &str)> = vec![
        (
            "PUT",
            "/v1/resources/NOT_A_TYPE/x",
            attrs("a"),
            400,
            "NOT_A_TYPE",
        ),
        ("GET", "/v1/resources/NOT_A_TYPE", None, 400, "NOT_A_TYPE"),
        (
            "PUT",
            "/v1/resources/SEI_TEAM/bad.id",
            attrs("a"),
            400,
            "bad.id",
        ),
        (
            "PUT",
            "/v1/resources/SEI_TEAM/t",
            Some(json!({"attributes": {"team": 3}})),
            400,
            "attributes",
        ),
        (
            "PUT",
            "/v1/resources/SEI_TEAM/t",
            Some(json!({"attributes": {}, "owner": "x"})),
            400,
            "owner",
        ),
        (
            "PUT",
            "/v1/orgs/nope/resources/SEI_TEAM/t",
            attrs("a"),
            404,
            "`nope`",
        ),
        (
            "GET",
            "/v1/resources/SEI_TEAM/missing",
            None,
            404,
            "SEI_TEAM/missing",
        ),
    ];
    for (method, path, body, status, needle) in errors {
        let a = app.admin(method, path, body).await;
        assert_eq!(a.status, status, "{method} {path}: {}", a.body);
        assert!(message(&a).contains(needle), "{method} {path}: {}", a.body);
    }
    assert!(audited(&app, "resource.upsert", "allowed", "admin"));
    assert!(audited(&app, "resource.delete", "allowed", "admin"));
}

#[actix_web::test]
async fn attribute_filters_follow_registry_writes_at_once() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let group = app
        .admin(
            "POST",
            "/v1/orgs/eng/projects/web/resource-groups",
            Some(json!({
                "identifier": "bravo_insights",
                "name": "Team bravo's insights",
                "included_scope": [{"filter": "EXCLUDING_CHILD_SCOPES", "account": "acme",
                                    "org": "eng", "project": "web"}],
                "resource_filter": [{"resource_type": "SEI_INSIGHTS", "attribute_name": "team",
                                     "attribute_values": ["bravo"]}],
            })),
        )
        .await;
    assert_eq!(group.status, 201, "{}", group.body);
    let viewer = app
        .user_with_role(
            "val",
            None,
            &[("_sei_viewer", "bravo_insights", "acme/eng/web")],
        )
        .await;
    let editor = app
        .user_with_role(
            "ed",
            None,
            &[("_project_admin", "bravo_insights", "acme/eng/web")],
        )
        .await;
    assert_eq!(
        app.call("GET", INSIGHT, Some(&viewer), None).await.status,
        403
    );
    let denied = app.call("PUT", ENTRY, Some(&viewer), attrs("bravo")).await;
    assert_eq!(
        (denied.status, denied.body["permission"].as_str()),
        (403, Some("sei_seiinsights_edit"))
    );
    assert!(audited(&app, "resource.upsert", "denied", "val"));
    let tagged = app.admin("PUT", ENTRY, attrs("bravo")).await;
    assert_eq!(tagged.status, 200, "{}", tagged.body);
    assert_eq!(
        app.call("GET", INSIGHT, Some(&viewer), None).await.status,
        200,
        "the gateway sees the new attributes at once"
    );
    let read = app.call("GET", ENTRY, Some(&viewer), None).await;
    assert_eq!(read.status, 200, "view on the resource reads its entry");
    let listed = app
        .call(
            "GET",
            "/v1/orgs/eng/projects/web/resources/SEI_INSIGHTS",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    // The editor may edit bravo resources: moving dash1 to alpha is judged on bravo.
    let moved = app.call("PUT", ENTRY, Some(&editor), attrs("alpha")).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(
        app.call("GET", INSIGHT, Some(&viewer), None).await.status,
        403
    );
    let back = app.call("PUT", ENTRY, Some(&editor), attrs("bravo")).await;
    assert_eq!(
        back.status, 403,
        "alpha resources are not the editor's: {}",
        back.body
    );
    let gone = app.call("DELETE", ENTRY, Some(&editor), None).await;
    assert_eq!(gone.status, 403);
    assert!(audited(&app, "resource.delete", "denied", "ed"));
    let hidden = app.call("GET", ENTRY, Some(&viewer), None).await;
    assert_eq!(hidden.status, 403);
    let none = app
        .call(
            "GET",
            "/v1/orgs/eng/projects/web/resources/SEI_INSIGHTS",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(none.body, json!([]));
    let restored = app.admin("PUT", ENTRY, attrs("bravo")).await;
    assert_eq!(restored.status, 200);
    assert_eq!(
        app.call("GET", INSIGHT, Some(&viewer), None).await.status,
        200
    );
    let removed = app.call("DELETE", ENTRY, Some(&editor), None).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(removed.body["attributes"]["team"], "bravo");
    assert_eq!(
        app.call("GET", INSIGHT, Some(&viewer), None).await.status,
        403
    );
    // A project admin writes any entry of its project, none above it.
    let rg_admin = app
        .user_with_role(
            "rita",
            None,
            &[(
                "_project_admin",
                "_all_project_level_resources",
                "acme/eng/web",
            )],
        )
        .await;
    let any = app
        .call(
            "PUT",
            "/v1/orgs/eng/projects/web/resources/SEI_TEAM/t9",
            Some(&rg_admin),
            attrs("x"),
        )
        .await;
    assert_eq!(any.status, 200, "{}", any.body);
    let above = app
        .call(
            "PUT",
            "/v1/orgs/eng/resources/SEI_TEAM/t9",
            Some(&rg_admin),
            attrs("x"),
        )
        .await;
    assert_eq!(above.status, 403);
}
