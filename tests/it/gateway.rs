//! The gateway over real HTTP with real upstreams on loopback (issue 4).

use std::collections::BTreeMap;

use scopegate::gateway::now_ms;
use scopegate::policy::resource_group::{
    IncludedScope, ResourceFilter, ResourceGroup, ScopeFilter,
};
use scopegate::policy::role::{PrincipalRef, PrincipalType, RoleAssignment};
use scopegate::policy::{Identifier, Scope, ScopeLevel, ScopeLevels};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::epochs::Epochs;
use scopegate::storage::guard::{NewAssignment, Permit};
use scopegate::storage::resource_groups::ResourceGroups;
use serde_json::Value;

use super::harness::{TestApp, ACCOUNT};
use super::raw::{get, raw};

#[actix_web::test]
async fn every_demo_example_answers_as_printed() {
    let app = TestApp::start().await;
    let db = app.db.clone();
    let (users, examples) = tokio::task::spawn_blocking(move || {
        db.transaction(|c| scopegate::demo::seed::seed(c, now_ms()))
            .unwrap()
    })
    .await
    .unwrap();
    app.refresh().await;
    assert_eq!(examples.len(), 25);
    for e in &examples {
        let token = &users.iter().find(|u| u.role == e.role).unwrap().token;
        let got = app.call(e.method, e.path, Some(token), None).await;
        assert_eq!(
            got.status, e.expect,
            "{} {} {}: {}",
            e.role, e.method, e.path, got.body
        );
        if e.expect == 200 {
            assert_eq!(
                got.body["path"], e.path,
                "the backend saw the authorized path"
            );
            assert_eq!(
                got.body["principal"],
                format!(
                    "USER:{}",
                    users.iter().find(|u| u.role == e.role).unwrap().user
                )
            );
        } else {
            assert_eq!(got.body["code"], "ACCESS_DENIED");
            assert!(got.body["permission"].is_string() && got.body["resource"].is_string());
        }
    }
}

/// A group restricted to `team-a` in acme/eng/web, assigned with `_sei_team_manager`.
async fn team_a_user(app: &TestApp) -> String {
    app.seed_scopes().await;
    let token = app.user_with_role("tina", Some("eng"), &[]).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            let scope = Scope::parse("acme/eng/web")?;
            let group = ResourceGroup {
                identifier: Identifier::new("team-a-only")?,
                name: "Team A".into(),
                scope: scope.clone(),
                included_scopes: vec![IncludedScope {
                    filter: ScopeFilter::ExcludingChildScopes,
                    scope: scope.clone(),
                }],
                resource_filters: vec![ResourceFilter {
                    resource_type: "SEI_TEAM".into(),
                    identifiers: vec!["team-a".into()],
                    attribute: None,
                }],
                include_all_resources: false,
                allowed_scope_levels: ScopeLevels::of(&[ScopeLevel::Project]),
                managed: false,
                description: String::new(),
                color: String::new(),
                tags: BTreeMap::new(),
            };
            ResourceGroups::insert(c, &group, 1)?;
            Assignments::insert(
                c,
                Permit::system(NewAssignment(RoleAssignment {
                    identifier: Identifier::new("tina-team-a")?,
                    scope,
                    role: Identifier::new("_sei_team_manager")?,
                    role_scope_level: None,
                    resource_group: Identifier::new("team-a-only")?,
                    principal: PrincipalRef {
                        principal_type: PrincipalType::User,
                        identifier: Identifier::new("tina")?,
                        scope_level: ScopeLevel::Account,
                    },
                    disabled: false,
                    managed: false,
                    created: 1,
                    updated: 1,
                })),
            )?;
            Epochs::bump_both(c, ACCOUNT)
        })
        .unwrap()
    })
    .await
    .unwrap();
    app.refresh().await;
    token
}

#[actix_web::test]
async fn a_group_restricted_to_one_team_filters_lists_and_items() {
    let app = TestApp::start().await;
    let token = team_a_user(&app).await;
    let list = app
        .call("GET", "/v1/orgs/eng/projects/web/teams", Some(&token), None)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["allowed_ids"], serde_json::json!(["team-a"]));
    assert_eq!(
        app.call(
            "PUT",
            "/v1/orgs/eng/projects/web/teams/team-a",
            Some(&token),
            None
        )
        .await
        .status,
        200
    );
    let b = app
        .call(
            "PUT",
            "/v1/orgs/eng/projects/web/teams/team-b",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (b.status, b.body["permission"].as_str()),
        (403, Some("sei_seiteams_edit"))
    );
    // Creating needs a group that selects every team.
    assert_eq!(
        app.call(
            "POST",
            "/v1/orgs/eng/projects/web/teams",
            Some(&token),
            None
        )
        .await
        .status,
        403
    );
    // Another project is outside the group.
    assert_eq!(
        app.call("GET", "/v1/orgs/eng/projects/api/teams", Some(&token), None)
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn identity_headers_are_set_by_the_gateway_only() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let token = app
        .user_with_role(
            "sam",
            None,
            &[(
                "_sei_viewer",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    let request = get(
        "/v1/orgs/eng/projects/web/insights?q=1&x=%20y",
        &[
            ("x-api-key", &token),
            ("X-Scopegate-Principal", "USER:root"),
            ("X_Scopegate_Principal", "USER:root"),
            ("x-scopegate-allowed-ids", "*"),
            ("X-HTTP-Method-Override", "DELETE"),
            ("X-Original-URL", "/admin"),
            ("X-Forwarded-For", "6.6.6.6"),
            ("X-Real-IP", "6.6.6.6"),
            ("Forwarded", "for=6.6.6.6"),
            ("X-Request-Id", "trace-123"),
        ],
    );
    let (status, text) = raw(&app.url, &request).await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    let seen = &body["headers"];
    assert_eq!(seen["x-scopegate-principal"], "USER:sam");
    assert_eq!(seen["x-scopegate-account"], "acme");
    assert_eq!(seen["x-scopegate-request-id"], "trace-123");
    assert_eq!(seen["x-scopegate-allowed-ids"], "*");
    assert_eq!(seen["x-forwarded-for"], "127.0.0.1");
    assert_eq!(seen["x-real-ip"], "127.0.0.1");
    assert!(
        seen.get("x-api-key").is_none() && seen.get("authorization").is_none(),
        "credentials never reach a backend: {seen}"
    );
    assert_eq!(body["query"], "q=1&x=%20y");
    assert!(!text.contains("6.6.6.6"));
    assert!(text
        .to_ascii_lowercase()
        .contains("x-request-id: trace-123"));
}

#[actix_web::test]
async fn unsafe_paths_are_refused_and_never_forwarded() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let token = app
        .user_with_role(
            "sam",
            None,
            &[(
                "_account_admin",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    let cases = [
        "/v1/integrations/../../v1/roles",
        "/v1/integrations/%2e%2e/x",
        "/v1/integrations/a%2fb",
        "/v1/integrations/a%5cb",
        "/v1/integrations/%252e%252e",
        "//v1/integrations",
        "/v1//integrations",
        "/v1/integrations/admin.",
        "/v1/integrations/x;jsessionid=1",
        "/v1/integrations/a\\b",
        "/v1/integrations/a%00",
        "/v1/integrations/%zz",
    ];
    for target in cases {
        let (status, text) = raw(&app.url, &get(target, &[("x-api-key", &token)])).await;
        assert_eq!(status, 400, "{target}: {text}");
        assert!(text.contains("INVALID_REQUEST"), "{target}: {text}");
    }
    // Case matters; a trailing slash is removed and the normalized path is forwarded.
    let (status, _) = raw(&app.url, &get("/V1/integrations", &[("x-api-key", &token)])).await;
    assert_eq!(status, 404);
    let (status, text) = raw(
        &app.url,
        &get("/v1/integrations/", &[("x-api-key", &token)]),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(r#""path":"/v1/integrations""#), "{text}");
    let (status, text) = raw(
        &app.url,
        &get("/v1/integrations/%67h", &[("x-api-key", &token)]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        text.contains(r#""path":"/v1/integrations/gh""#),
        "unreserved escapes are decoded: {text}"
    );
}

#[actix_web::test]
async fn unmatched_requests_and_unlisted_methods_answer_404() {
    let app = TestApp::start().await;
    let token = app
        .user_with_role(
            "sam",
            None,
            &[(
                "_account_admin",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    for (method, path) in [
        ("GET", "/v1/nowhere"),
        ("PATCH", "/v1/integrations"),
        ("delete", "/v1/integrations/x"),
    ] {
        let got = app.call(method, path, Some(&token), None).await;
        assert_eq!(
            (got.status, got.body["code"].as_str()),
            (404, Some("NOT_FOUND")),
            "{method} {path}"
        );
    }
    let anonymous = app.call("GET", "/v1/integrations", None, None).await;
    assert_eq!(
        (anonymous.status, anonymous.body["message"].as_str()),
        (401, Some("invalid credentials"))
    );
    let public = app.call("GET", "/v1/insights/status", None, None).await;
    assert_eq!(public.status, 200, "public route needs no credential");
    let both = app
        .send(
            "GET",
            "/v1/integrations",
            Some(("authorization", format!("Bearer {token}"))),
            None,
        )
        .await;
    assert_eq!(both.status, 401, "an API token is not a bearer JWT");
    let req = get(
        "/v1/integrations",
        &[("x-api-key", &token), ("authorization", "Bearer x")],
    );
    assert_eq!(raw(&app.url, &req).await.0, 400, "two credentials");
    let req = get(
        "/v1/integrations",
        &[
            ("x-api-key", &token),
            ("Harness-Account", "acme"),
            ("Harness-Account", "acme"),
        ],
    );
    assert_eq!(raw(&app.url, &req).await.0, 400, "repeated Harness-Account");
    let req = get(
        "/v1/integrations",
        &[("x-api-key", &token), ("Harness-Account", "other")],
    );
    assert_eq!(raw(&app.url, &req).await.0, 401, "token of another account");
}

#[actix_web::test]
async fn repeat_callers_touch_no_database_and_run_no_argon2() {
    let app = TestApp::start().await;
    let token = app
        .user_with_role(
            "sam",
            None,
            &[(
                "_sei_viewer",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    assert_eq!(
        app.call("GET", "/v1/integrations", Some(&token), None)
            .await
            .status,
        200
    );
    let metric = |text: &str, name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX)
    };
    let before = app
        .call("GET", "/metrics", None, None)
        .await
        .body
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..200 {
        assert_eq!(
            app.call("GET", "/v1/integrations", Some(&token), None)
                .await
                .status,
            200
        );
    }
    let after = app
        .call("GET", "/metrics", None, None)
        .await
        .body
        .as_str()
        .unwrap()
        .to_owned();
    for name in [
        "scopegate_argon2_verifications_total",
        "scopegate_policy_db_loads_total",
        "scopegate_credential_cache_misses_total",
    ] {
        assert_eq!(
            metric(&before, name),
            metric(&after, name),
            "{name} must not move on cache hits"
        );
    }
    assert!(
        metric(&after, "scopegate_credential_cache_hits_total")
            >= metric(&before, "scopegate_credential_cache_hits_total") + 200
    );
    assert!(after
        .contains(r#"scopegate_requests_total{outcome="allowed",route="GET /v1/integrations"}"#));
}

#[actix_web::test]
async fn denies_are_audited_off_the_request_path() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let token = app
        .user_with_role(
            "sam",
            None,
            &[(
                "_sei_viewer",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    assert_eq!(
        app.call(
            "DELETE",
            "/v1/orgs/eng/projects/web/teams/t1",
            Some(&token),
            None
        )
        .await
        .status,
        403
    );
    let db = app.db.clone();
    let mut found = false;
    for _ in 0..30 {
        let d = db.clone();
        let (events, _) = tokio::task::spawn_blocking(move || {
            let mut c = d.conn().unwrap();
            scopegate::storage::audit::AuditEvent::list(
                &mut c,
                ACCOUNT,
                &scopegate::storage::audit::AuditFilter {
                    outcome: Some("denied".into()),
                    ..Default::default()
                },
                0,
                10,
            )
            .unwrap()
        })
        .await
        .unwrap();
        if let Some(e) = events.iter().find(|e| e.action == "gateway.request") {
            assert_eq!(e.principal_identifier, "sam");
            assert_eq!(e.resource_identifier, "t1");
            assert!(e.reason.contains("sei_seiteams_delete"), "{}", e.reason);
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the deny reached the audit log");
}
