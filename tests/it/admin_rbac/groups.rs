//! Resource groups over real HTTP at every scope: Harness v1 shapes, lists, built-ins,
//! validation errors, audit rows.

use serde_json::{json, Value};

use super::{expect_error, has_audit, ids, message, LEVELS, PREFIXES};
use crate::harness::TestApp;

#[actix_web::test]
async fn resource_groups_crud_lists_and_builtins_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let builtins: [&[&str]; 3] = [
        &[
            "_all_account_level_resources",
            "_all_resources_including_child_scopes",
        ],
        &[
            "_all_organization_level_resources",
            "_all_resources_including_child_scopes",
        ],
        &["_all_project_level_resources"],
    ];
    for ((prefix, scope), expected_builtins) in PREFIXES.into_iter().zip(builtins) {
        let base = format!("{prefix}/resource-groups");
        let parts: Vec<&str> = scope.split('/').collect();
        let included = json!([{"filter": "EXCLUDING_CHILD_SCOPES", "account": "acme",
            "org": parts.get(1), "project": parts.get(2)}]);
        for id in ["g_b", "g_a"] {
            let body = json!({"identifier": id, "name": format!("Group {id}"), "color": "#0063F7",
                "tags": {"team": "bravo"}, "description": "d", "included_scope": included,
                "resource_filter": [{"resource_type": "SEI_TEAM", "identifiers": ["team-a"]}],
                "include_all_resources": false});
            let made = app.admin("POST", &base, Some(body)).await;
            assert_eq!(made.status, 201, "{base}: {}", made.body);
        }
        let list = app
            .admin("GET", &format!("{base}?sort=identifier&order=ASC"), None)
            .await;
        let mut expected: Vec<String> = expected_builtins.iter().map(|s| s.to_string()).collect();
        expected.extend(["g_a".to_owned(), "g_b".to_owned()]);
        expected.sort();
        assert_eq!(ids(&list), expected, "{base}");
        assert_eq!(
            list.header("x-total-elements"),
            Some(&*expected.len().to_string())
        );
        let builtin = app
            .admin("GET", &format!("{base}/{}", expected_builtins[0]), None)
            .await;
        assert_eq!(builtin.status, 200);
        assert_eq!(builtin.body["harness_managed"], true);
        assert_eq!(builtin.body["include_all_resources"], true);
        assert_eq!(builtin.body["created"], 0);
        let got = app.admin("GET", &format!("{base}/g_a"), None).await;
        let b = &got.body;
        assert_eq!(
            (b["color"].as_str(), b["tags"]["team"].as_str()),
            (Some("#0063F7"), Some("bravo"))
        );
        assert_eq!(b["included_scope"][0]["filter"], "EXCLUDING_CHILD_SCOPES");
        assert_eq!(b["included_scope"][0]["org"], json!(parts.get(1)));
        assert_eq!(b["resource_filter"][0]["identifiers"], json!(["team-a"]));
        assert_eq!(b["allowed_scope_levels"], json!([LEVELS[parts.len() - 1]]));
        assert_eq!(b["scope"]["account"], "acme");
        assert_eq!(b["harness_managed"], false);
        assert!(b["created"].as_i64().unwrap() > 1_600_000_000_000);
        let put = app
            .admin(
                "PUT",
                &format!("{base}/g_a"),
                Some(
                    json!({"identifier": "g_a", "name": "Renamed", "included_scope": included,
                    "include_all_resources": true}),
                ),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(
            (
                put.body["include_all_resources"].as_bool(),
                put.body["resource_filter"].clone()
            ),
            (Some(true), json!([]))
        );
        let deleted = app.admin("DELETE", &format!("{base}/g_a"), None).await;
        assert_eq!(
            (deleted.status, deleted.body["name"].as_str()),
            (200, Some("Renamed"))
        );
        expect_error(
            &app.admin("GET", &format!("{base}/g_a"), None).await,
            404,
            "`g_a`",
        );
        for (method, body) in [
            (
                "PUT",
                Some(json!({"identifier": expected_builtins[0], "name": "x"})),
            ),
            ("DELETE", None),
        ] {
            let managed = app
                .admin(method, &format!("{base}/{}", expected_builtins[0]), body)
                .await;
            assert_eq!(managed.status, 403, "{}", managed.body);
            assert_eq!(managed.body["permission"], Value::Null);
            assert!(message(&managed).contains("managed"));
        }
        let clash = app
            .admin(
                "POST",
                &base,
                Some(json!({"identifier": expected_builtins[0], "name": "x"})),
            )
            .await;
        assert_eq!(clash.status, 409, "{}", clash.body);
    }
    assert!(has_audit(&app, "resource_group.create", "allowed", "g_b"));
    assert!(has_audit(&app, "resource_group.update", "allowed", "g_a"));
    assert!(has_audit(&app, "resource_group.delete", "allowed", "g_a"));
    assert!(has_audit(
        &app,
        "resource_group.delete",
        "denied",
        "_all_project_level_resources"
    ));
}

#[actix_web::test]
async fn resource_group_validation_errors_name_the_input() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let eng = |extra: Value| {
        let mut body = json!({"identifier": "g", "name": "G",
            "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "acme", "org": "eng"}]});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            eng(json!({"include_all_resources": true,
                "resource_filter": [{"resource_type": "SEI_TEAM"}]})),
            "include_all_resources",
        ),
        (
            eng(json!({"resource_filter": [{"resource_type": "NOT_A_TYPE"}]})),
            "`NOT_A_TYPE`",
        ),
        (
            eng(
                json!({"included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "acme", "org": "sales"}]}),
            ),
            "`acme/sales`",
        ),
        (
            eng(
                json!({"included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "other", "org": "eng"}]}),
            ),
            "`other/eng`",
        ),
        (
            eng(
                json!({"included_scope": [{"filter": "EXCLUDING_CHILD_SCOPES", "account": "acme"}]}),
            ),
            "`acme`",
        ),
        (
            eng(
                json!({"resource_filter": [{"resource_type": "SEI_TEAM", "attribute_name": "team"}]}),
            ),
            "`SEI_TEAM`",
        ),
        (
            eng(
                json!({"resource_filter": [{"resource_type": "SEI_TEAM", "attribute_values": ["a"]}]}),
            ),
            "`SEI_TEAM`",
        ),
        (
            eng(
                json!({"resource_filter": [{"resource_type": "SEI_TEAM", "identifiers": ["bad id"]}]}),
            ),
            "`bad id`",
        ),
        (
            eng(
                json!({"included_scope": [{"filter": "SIDEWAYS", "account": "acme", "org": "eng"}]}),
            ),
            "`SIDEWAYS`",
        ),
        (eng(json!({"identifier": "9g"})), "`9g`"),
        (
            eng(json!({"allowed_scope_levels": ["account"]})),
            "`account`",
        ),
        (eng(json!({"colour": "red"})), "colour"),
    ];
    for (body, needle) in cases {
        let a = app
            .admin("POST", "/v1/orgs/eng/resource-groups", Some(body.clone()))
            .await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert!(message(&a).contains(needle), "`{needle}` in {}", a.body);
    }
    let ok = app
        .admin(
            "POST",
            "/v1/orgs/eng/resource-groups",
            Some(eng(
                json!({"resource_filter": [{"resource_type": "sei_team",
                "attribute_name": "team", "attribute_values": ["a"]}]}),
            )),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(ok.body["resource_filter"][0]["resource_type"], "SEI_TEAM");
    let mismatch = app
        .admin(
            "PUT",
            "/v1/orgs/eng/resource-groups/g",
            Some(json!({"identifier": "h", "name": "x"})),
        )
        .await;
    expect_error(&mismatch, 400, "`h`");
    let missing = app
        .admin(
            "POST",
            "/v1/orgs/nope/resource-groups",
            Some(json!({"identifier": "g", "name": "G"})),
        )
        .await;
    expect_error(&missing, 404, "`nope`");
}
