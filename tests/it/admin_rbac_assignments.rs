//! Role assignments over real HTTP: wrapped Harness shapes at every scope, lists and
//! counts, `disabled`-only updates, validation errors, managed assignments and the last
//! account admin.

use scopegate::gateway::now_ms;
use scopegate::policy::role::{PrincipalRef, PrincipalType, RoleAssignment};
use scopegate::policy::{Identifier, Scope, ScopeLevel};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::epochs::Epochs;
use scopegate::storage::guard::{NewAssignment, Permit};
use serde_json::{json, Value};

use super::admin_rbac::{expect_error, has_audit, ids, message, principal, PREFIXES};
use super::harness::{TestApp, ACCOUNT};

fn assignment(id: &str, role: &str, group: &str, who: Value) -> Value {
    json!({"identifier": id, "resource_group": group, "role": role, "principal": who})
}

fn group_for(scope: &str) -> &'static str {
    match scope.matches('/').count() {
        0 | 1 => "_all_resources_including_child_scopes",
        _ => "_all_project_level_resources",
    }
}

#[actix_web::test]
async fn assignments_crud_lists_and_counts_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("tina", None, &[]).await;
    principal(&app, "USER_GROUP", "acme", "devs", &["tina"]).await;
    principal(&app, "SERVICE_ACCOUNT", "acme", "bot", &[]).await;
    for (prefix, scope) in PREFIXES {
        let base = format!("{prefix}/role-assignments");
        let group = group_for(scope);
        let bodies = [
            assignment(
                "c_user",
                "_sei_viewer",
                group,
                json!({"identifier": "tina", "type": "user"}),
            ),
            assignment(
                "a_group",
                "_sei_viewer",
                group,
                json!({"identifier": "devs", "type": "User_Group", "scope": "ACCOUNT"}),
            ),
            json!({"identifier": "b_bot", "resource_group": group,
                "roleReference": {"identifier": "_sei_viewer", "scopeLevel": "account"},
                "principal": {"identifier": "bot", "type": "SERVICE_ACCOUNT", "scope_level": "account"},
                "disabled": true, "managed": false}),
        ];
        for body in bodies {
            let made = app.admin("POST", &base, Some(body)).await;
            assert_eq!(made.status, 201, "{base}: {}", made.body);
        }
        let got = app.admin("GET", &format!("{base}/c_user"), None).await;
        assert_eq!(got.status, 200, "{}", got.body);
        let ra = &got.body["role-assignment"];
        assert_eq!(ra["identifier"], "c_user");
        assert_eq!(ra["resource_group"], group);
        assert_eq!(ra["role"], "_sei_viewer");
        assert_eq!(
            ra["role_reference"],
            json!({"identifier": "_sei_viewer", "scope_level": "account"})
        );
        assert_eq!(
            ra["principal"],
            json!({"identifier": "tina", "type": "USER", "scope_level": "account"})
        );
        assert_eq!(
            (ra["disabled"].as_bool(), ra["managed"].as_bool()),
            (Some(false), Some(false))
        );
        assert!(got.body["created"].as_i64().unwrap() > 1_600_000_000_000);
        assert_eq!(got.body["harness_managed"], false);
        let bot = app.admin("GET", &format!("{base}/b_bot"), None).await;
        assert_eq!(bot.body["role-assignment"]["disabled"], true);
        assert_eq!(
            bot.body["role-assignment"]["principal"]["type"],
            "SERVICE_ACCOUNT"
        );
        let group_one = app.admin("GET", &format!("{base}/a_group"), None).await;
        assert_eq!(
            group_one.body["role-assignment"]["principal"],
            json!({"identifier": "devs", "type": "USER_GROUP", "scope_level": "account"})
        );

        let mine = format!("{base}?sort=identifier&order=DESC&limit=2&page=0");
        let page = app.admin("GET", &mine, None).await;
        let expected_total = if scope == "acme" { 4 } else { 3 }; // + bootstrap admin
        assert_eq!(
            page.header("x-total-elements"),
            Some(&*expected_total.to_string())
        );
        assert_eq!(page.header("x-page-size"), Some("2"));
        assert_eq!(ids(&page).len(), 2);
        assert_eq!(ids(&page)[0], "c_user");
        let searched = app
            .admin("GET", &format!("{base}?search_term=bot"), None)
            .await;
        assert_eq!(ids(&searched), ["b_bot"]);
        let count = app.admin("GET", &format!("{base}/count"), None).await;
        assert_eq!(count.body, json!(expected_total));

        let enable = json!({"identifier": "b_bot", "resource_group": group, "role": "_sei_viewer",
            "role_reference": {"identifier": "_sei_viewer", "scope_level": "account"},
            "principal": {"identifier": "bot", "type": "SERVICE_ACCOUNT", "scope_level": "ACCOUNT"},
            "disabled": false});
        let put = app
            .admin("PUT", &format!("{base}/b_bot"), Some(enable))
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(put.body["role-assignment"]["disabled"], false);
        assert!(put.body["updated"].as_i64() >= bot.body["updated"].as_i64());
        let other_role = assignment(
            "c_user",
            "_sei_team_manager",
            group,
            json!({"identifier": "tina", "type": "USER"}),
        );
        let refused = app
            .admin("PUT", &format!("{base}/c_user"), Some(other_role))
            .await;
        expect_error(&refused, 400, "`role`");
        let other_group = assignment(
            "c_user",
            "_sei_viewer",
            "nope",
            json!({"identifier": "tina", "type": "USER"}),
        );
        let refused = app
            .admin("PUT", &format!("{base}/c_user"), Some(other_group))
            .await;
        expect_error(&refused, 400, "`resource_group`");
        let other_principal = assignment(
            "c_user",
            "_sei_viewer",
            group,
            json!({"identifier": "vera", "type": "USER"}),
        );
        let refused = app
            .admin("PUT", &format!("{base}/c_user"), Some(other_principal))
            .await;
        expect_error(&refused, 400, "`principal`");
        let mismatch = assignment(
            "zzz",
            "_sei_viewer",
            group,
            json!({"identifier": "tina", "type": "USER"}),
        );
        let refused = app
            .admin("PUT", &format!("{base}/c_user"), Some(mismatch))
            .await;
        expect_error(&refused, 400, "`zzz`");

        let deleted = app.admin("DELETE", &format!("{base}/c_user"), None).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(deleted.body["role-assignment"]["identifier"], "c_user");
        assert_eq!(deleted.body["role-assignment"]["principal"]["type"], "USER");
        expect_error(
            &app.admin("GET", &format!("{base}/c_user"), None).await,
            404,
            "`c_user`",
        );
    }
    assert!(has_audit(
        &app,
        "role_assignment.create",
        "allowed",
        "a_group"
    ));
    assert!(has_audit(
        &app,
        "role_assignment.update",
        "allowed",
        "b_bot"
    ));
    assert!(has_audit(
        &app,
        "role_assignment.delete",
        "allowed",
        "c_user"
    ));
}

#[actix_web::test]
async fn assignment_validation_errors_name_the_input() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("tina", None, &[]).await;
    principal(&app, "USER_GROUP", "acme/eng", "eng_devs", &["tina"]).await;
    let acct_role = app
        .admin(
            "POST",
            "/v1/roles",
            Some(
                json!({"identifier": "acct_role", "name": "A", "permissions": ["core_role_view"]}),
            ),
        )
        .await;
    assert_eq!(acct_role.status, 201);
    let tina = json!({"identifier": "tina", "type": "USER"});
    let org = "/v1/orgs/eng/role-assignments";
    let all = "_all_resources_including_child_scopes";
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            assignment("x", "Developer", all, tina.clone()),
            404,
            "role `Developer` not found",
        ),
        (
            assignment("x", "_sei_viewer", "no_such_group", tina.clone()),
            404,
            "`no_such_group`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                "_all_project_level_resources",
                tina.clone(),
            ),
            404,
            "`_all_project_level_resources`",
        ),
        (
            assignment("x", "_account_viewer", all, tina.clone()),
            400,
            "`_account_viewer`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "ghost", "type": "USER"}),
            ),
            404,
            "user `ghost`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "ghosts", "type": "USER_GROUP"}),
            ),
            404,
            "user group `ghosts`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "eng_devs", "type": "USER_GROUP", "scope_level": "account"}),
            ),
            404,
            "`eng_devs`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "robo", "type": "SERVICE_ACCOUNT"}),
            ),
            404,
            "service account `robo`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "eng_devs", "type": "USER_GROUP", "scope": "project"}),
            ),
            400,
            "`project`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "tina", "type": "USER", "scope": "org"}),
            ),
            400,
            "`tina`",
        ),
        (
            assignment(
                "x",
                "_sei_viewer",
                all,
                json!({"identifier": "tina", "type": "ROBOT"}),
            ),
            400,
            "`ROBOT`",
        ),
        (
            assignment("count", "_sei_viewer", all, tina.clone()),
            400,
            "`count`",
        ),
        (
            assignment("bad id", "_sei_viewer", all, tina.clone()),
            400,
            "`bad id`",
        ),
        (
            json!({"identifier": "x", "resource_group": all, "principal": tina}),
            400,
            "`role`",
        ),
        (
            json!({"identifier": "x", "resource_group": all, "role": "_sei_viewer", "principal": tina, "managed": true}),
            400,
            "managed",
        ),
        (
            json!({"identifier": "x", "resource_group": all, "principal": tina,
                "roleReference": {"identifier": "acct_role", "scope_level": "organization"}}),
            404,
            "role `acct_role` not found in `acme/eng`",
        ),
        (
            json!({"identifier": "x", "resource_group": all, "role": "other", "principal": tina,
                "role_reference": {"identifier": "acct_role", "scope_level": "account"}}),
            400,
            "`other`",
        ),
        (
            json!({"identifier": "x", "resource_group": all, "principal": tina,
                "role_reference": {"identifier": "acct_role", "scope_level": "project"}}),
            400,
            "`project`",
        ),
        (
            json!({"identifier": "x", "resource_group": all, "role": "_sei_viewer", "principal": tina, "extra": 1}),
            400,
            "extra",
        ),
    ];
    for (body, status, needle) in cases {
        let a = app.admin("POST", org, Some(body.clone())).await;
        assert_eq!(a.status, status, "{body}: {}", a.body);
        assert!(message(&a).contains(needle), "`{needle}` in {}", a.body);
    }
    let by_reference = app
        .admin(
            "POST",
            org,
            Some(
                json!({"identifier": "ref", "resource_group": all, "principal": tina,
                "roleReference": {"identifier": "acct_role", "scope_level": "ACCOUNT"}}),
            ),
        )
        .await;
    assert_eq!(by_reference.status, 201, "{}", by_reference.body);
    assert_eq!(
        by_reference.body["role-assignment"]["role_reference"],
        json!({"identifier": "acct_role", "scope_level": "account"})
    );
    let by_name = app
        .admin(
            "POST",
            org,
            Some(assignment("by_name", "acct_role", all, tina.clone())),
        )
        .await;
    assert_eq!(
        by_name.body["role-assignment"]["role_reference"]["scope_level"],
        "account"
    );
    let group_default = app
        .admin(
            "POST",
            org,
            Some(assignment(
                "g",
                "_sei_viewer",
                all,
                json!({"identifier": "eng_devs", "type": "USER_GROUP"}),
            )),
        )
        .await;
    assert_eq!(group_default.status, 201, "{}", group_default.body);
    assert_eq!(
        group_default.body["role-assignment"]["principal"]["scope_level"], "organization",
        "a group defaults to the assignment's level"
    );
    let dup = app
        .admin(
            "POST",
            org,
            Some(assignment("ref", "_sei_viewer", all, tina)),
        )
        .await;
    assert_eq!(
        (dup.status, dup.body["code"].as_str()),
        (409, Some("CONFLICT"))
    );
    let missing = app
        .admin("GET", "/v1/orgs/nope/role-assignments/x", None)
        .await;
    expect_error(&missing, 404, "`nope`");
}

#[actix_web::test]
async fn managed_assignments_and_the_last_account_admin_are_protected() {
    let app = TestApp::start().await;
    let tina_token = app.user_with_role("tina", None, &[]).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            let now = now_ms();
            Assignments::insert(
                c,
                Permit::system(NewAssignment(RoleAssignment {
                    identifier: Identifier::new("managed_one")?,
                    scope: Scope::parse(ACCOUNT)?,
                    role: Identifier::new("_account_viewer")?,
                    role_scope_level: None,
                    resource_group: Identifier::new("_all_resources_including_child_scopes")?,
                    principal: PrincipalRef {
                        principal_type: PrincipalType::User,
                        identifier: Identifier::new("tina")?,
                        scope_level: ScopeLevel::Account,
                    },
                    disabled: false,
                    managed: true,
                    created: now,
                    updated: now,
                })),
            )?;
            Epochs::bump_both(c, ACCOUNT)
        })
    })
    .await
    .unwrap()
    .unwrap();
    let managed = app
        .admin("GET", "/v1/role-assignments/managed_one", None)
        .await;
    assert_eq!(managed.body["harness_managed"], true);
    assert_eq!(managed.body["role-assignment"]["managed"], true);
    let body = json!({"identifier": "managed_one", "resource_group": "_all_resources_including_child_scopes",
        "role": "_account_viewer", "principal": {"identifier": "tina", "type": "USER"}, "disabled": true, "managed": true});
    for (method, body) in [("PUT", Some(body)), ("DELETE", None)] {
        let refused = app
            .admin(method, "/v1/role-assignments/managed_one", body)
            .await;
        assert_eq!(refused.status, 403, "{method}: {}", refused.body);
        assert_eq!(refused.body["code"], "ACCESS_DENIED");
        assert_eq!(refused.body["permission"], Value::Null);
        assert!(message(&refused).contains("managed"));
    }
    assert!(has_audit(
        &app,
        "role_assignment.delete",
        "denied",
        "managed_one"
    ));

    let list = app.admin("GET", "/v1/role-assignments", None).await;
    let admin_id = ids(&list)
        .into_iter()
        .find(|i| i.starts_with("bootstrap_"))
        .expect("bootstrap admin assignment");
    let path = format!("/v1/role-assignments/{admin_id}");
    let last = app.admin("DELETE", &path, None).await;
    expect_error(&last, 409, "last account admin");
    assert_eq!(last.body["code"], "CONFLICT");
    let stored = app.admin("GET", &path, None).await.body["role-assignment"].clone();
    let mut disable = stored.clone();
    disable["disabled"] = json!(true);
    let last = app.admin("PUT", &path, Some(disable.clone())).await;
    expect_error(&last, 409, "last account admin");
    let second = app
        .admin(
            "POST",
            "/v1/role-assignments",
            Some(assignment(
                "second_admin",
                "_account_admin",
                "_all_resources_including_child_scopes",
                json!({"identifier": "tina", "type": "USER"}),
            )),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    let mut claim = second.body["role-assignment"].clone();
    claim["managed"] = json!(true);
    let claim = app
        .admin("PUT", "/v1/role-assignments/second_admin", Some(claim))
        .await;
    expect_error(&claim, 400, "`managed`");
    let disabled = app.admin("PUT", &path, Some(disable)).await;
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    let tina_last = app
        .call(
            "DELETE",
            "/v1/role-assignments/second_admin",
            Some(&tina_token),
            None,
        )
        .await;
    expect_error(&tina_last, 409, "last account admin");
}
