//! What-if (DESIGN §4.8) over real HTTP on SQLite and (in CI) PostgreSQL: the decision log
//! records what the gateway decided; `POST /v1/policy/preview` runs changes as the caller's
//! own writes on a transaction that is rolled back and decides the logged requests again;
//! the split preview does the same for moving a pair to `enforced`. Nothing is written and
//! no epoch moves, in every case.

use std::time::Instant;

use scopegate::storage::decisions::HOUR_MS;
use scopegate::storage::epochs::Epochs;
use serde_json::{json, Value};

use super::admin_rbac::audit_rows;
use super::harness::{Answer, TestApp, ACCOUNT};
use super::support::loud;

const ALL: &str = "_all_resources_including_child_scopes";
const TEAM: &str = "/v1/orgs/eng/projects/web/teams/team-a";

async fn flush(app: &TestApp) {
    app.state
        .gateway
        .decisions
        .tick(scopegate::gateway::now_ms());
    app.state.gateway.decisions.flush(&app.db).await;
}

async fn preview(app: &TestApp, token: &str, changes: Value) -> Answer {
    app.call(
        "POST",
        "/v1/policy/preview",
        Some(token),
        Some(json!({"changes": changes})),
    )
    .await
}

/// What must not change: epochs, audit rows, assignments.
fn state_of(app: &TestApp) -> (Vec<(i64, i64)>, usize) {
    let mut c = app.db.conn().unwrap();
    let epochs = Epochs::all(&mut c)
        .unwrap()
        .into_iter()
        .map(|e| (e.policy, e.credentials))
        .collect();
    (epochs, audit_rows(app).len())
}

fn flip<'a>(a: &'a Answer, list: &str, principal: &str) -> Option<&'a Value> {
    a.body[list]
        .as_array()?
        .iter()
        .find(|f| f["principal"] == principal)
}

#[actix_web::test]
async fn a_removed_assignment_denies_recorded_reads_and_nothing_changes() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let sam = app
        .user_with_role("sam", None, &[("_sei_viewer", ALL, ACCOUNT)])
        .await;
    for _ in 0..3 {
        assert_eq!(app.call("GET", TEAM, Some(&sam), None).await.status, 200);
    }
    let vic = app.user_with_role("vic", None, &[]).await;
    assert_eq!(app.call("GET", TEAM, Some(&vic), None).await.status, 403);
    flush(&app).await;
    let before = state_of(&app);

    let removed = json!([{"method": "DELETE", "path": "/v1/role-assignments/t_sam_0"}]);
    let a = preview(&app, &app.admin_token, removed).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body["changes"],
        json!([{"method": "DELETE", "path": "/v1/role-assignments/t_sam_0", "status": 200}])
    );
    let sam_flip = flip(&a, "newly_denied", "USER:sam").expect("sam's reads flip");
    assert_eq!(sam_flip["permission"], "sei_seiteams_view");
    assert_eq!(sam_flip["resource"], "SEI_TEAM/team-a in acme/eng/web");
    assert_eq!(sam_flip["requests"], 3);
    assert!(
        a.body["evaluated"].as_u64().unwrap() >= 2 && a.body["requests"].as_i64().unwrap() >= 4
    );
    assert_eq!(a.body["newly_allowed"], json!([]));
    assert_eq!(a.body["truncated"], false);

    let grant = json!([{"method": "POST", "path": "/v1/role-assignments",
        "body": {"identifier": "vic_view", "role": "_sei_viewer", "resource_group": ALL,
            "principal": {"identifier": "vic", "type": "USER"}}}]);
    let a = preview(&app, &app.admin_token, grant).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        flip(&a, "newly_allowed", "USER:vic").expect("vic's deny flips")["requests"],
        1
    );

    assert_eq!(
        state_of(&app),
        before,
        "no epoch moved, no audit row written"
    );
    let kept = app.admin("GET", "/v1/role-assignments/t_sam_0", None).await;
    assert_eq!(kept.status, 200, "the assignment is still there");
    assert_eq!(
        app.admin("GET", "/v1/role-assignments/vic_view", None)
            .await
            .status,
        404
    );
    assert_eq!(app.call("GET", TEAM, Some(&sam), None).await.status, 200);
    assert_eq!(app.call("GET", TEAM, Some(&vic), None).await.status, 403);

    // `since` after every recorded decision: nothing to decide again.
    let later = scopegate::gateway::now_ms() + 2 * HOUR_MS;
    let body = json!({"changes": [{"method": "DELETE", "path": "/v1/role-assignments/t_sam_0"}], "since": later});
    let a = app.admin("POST", "/v1/policy/preview", Some(body)).await;
    assert_eq!(
        (a.status, a.body["evaluated"].as_u64()),
        (200, Some(0)),
        "{}",
        a.body
    );
}

#[actix_web::test]
async fn a_preview_is_the_callers_own_write() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let auditor =
        json!({"identifier": "auditor", "name": "auditor", "permissions": ["core_audit_view"]});
    assert_eq!(
        app.admin("POST", "/v1/roles", Some(auditor)).await.status,
        201
    );
    let ada = app.user_with_role("ada", None, &[]).await;
    let assign = json!({"identifier": "ada_audit", "role": "auditor", "resource_group": ALL,
        "principal": {"identifier": "ada", "type": "USER"}});
    assert_eq!(
        app.admin("POST", "/v1/role-assignments", Some(assign))
            .await
            .status,
        201
    );
    let nobody = app.user_with_role("nobody", None, &[]).await;
    let before = state_of(&app);
    let grab = json!([{"method": "POST", "path": "/v1/role-assignments",
        "body": {"identifier": "grab", "role": "_account_admin", "resource_group": ALL,
            "principal": {"identifier": "ada", "type": "USER"}}}]);
    let a = preview(&app, &nobody, grab.clone()).await;
    assert_eq!(
        (a.status, a.body["permission"].as_str()),
        (403, Some("core_audit_view")),
        "{}",
        a.body
    );
    let a = preview(&app, &ada, grab).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["permission"], "core_user_manage");
    assert!(a.body["message"]
        .as_str()
        .unwrap()
        .starts_with("change 0 (POST /v1/role-assignments)"));
    assert_eq!(
        state_of(&app),
        before,
        "a refused preview writes no audit row either"
    );
}

#[actix_web::test]
async fn bad_changes_name_their_index_and_write_nothing() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let before = state_of(&app);
    let ok = json!({"method": "DELETE", "path": "/v1/orgs/sales"});
    let too_many: Vec<Value> = (0..101).map(|_| ok.clone()).collect();
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!([]), 400, "1 to 100"),
        (json!(too_many), 400, "1 to 100"),
        (
            json!([ok, {"method": "PATCH", "path": "/v1/orgs/eng"}]),
            400,
            "change 1: unknown method",
        ),
        (
            json!([{"method": "POST", "path": "/v1/auth/login", "body": {}}]),
            400,
            "change 0",
        ),
        (
            json!([{"method": "POST", "path": "/gateway/anything"}]),
            400,
            "change 0",
        ),
        (
            json!([{"method": "POST", "path": "/v1/nowhere", "body": {}}]),
            400,
            "change 0",
        ),
        (
            json!([{"method": "PUT", "path": "/v1/orgs/eng", "body": [1]}]),
            400,
            "change 0",
        ),
        (
            json!([ok, {"method": "DELETE", "path": "/v1/role-assignments/missing"}]),
            404,
            "change 1",
        ),
        (
            json!([{"method": "PUT", "path": "/v1/orgs/eng", "body": {"org": {"identifier": "eng"}}}]),
            400,
            "change 0",
        ),
    ];
    for (changes, status, needle) in cases {
        let a = preview(&app, &app.admin_token, changes.clone()).await;
        assert_eq!(a.status, status, "{changes}: {}", a.body);
        assert!(
            a.body["message"]
                .as_str()
                .unwrap_or_default()
                .contains(needle),
            "{changes}: {}",
            a.body
        );
    }
    let malformed = app
        .call(
            "POST",
            "/v1/policy/preview",
            Some(&app.admin_token),
            Some(json!({"changes": "all"})),
        )
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(state_of(&app), before);
    assert_eq!(
        app.admin("GET", "/v1/orgs/sales", None).await.status,
        200,
        "sales survives"
    );
}

#[actix_web::test]
async fn the_split_preview_finds_creates_that_only_edit_allowed() {
    let app = TestApp::start_with(|c| {
        c.routes.push(scopegate::config::RouteConfig {
            methods: vec!["POST".into()],
            path: "/v1/orgs/{org}/projects/{project}/pipelines".into(),
            upstream: "teams".into(),
            permission: Some("core_pipeline_create".into()),
            resource_type: Some("PIPELINE".into()),
            ..Default::default()
        });
    })
    .await;
    app.seed_scopes().await;
    let pia = app
        .user_with_role("pia", None, &[("_sei_viewer", ALL, ACCOUNT)])
        .await;
    let editor = json!({"identifier": "pipe_editor", "name": "p", "permissions": ["core_pipeline_edit", "core_pipeline_view"]});
    assert_eq!(
        app.admin("POST", "/v1/roles", Some(editor)).await.status,
        201
    );
    let assign = json!({"identifier": "pia_pipes", "role": "pipe_editor", "resource_group": ALL,
        "principal": {"identifier": "pia", "type": "USER"}});
    assert_eq!(
        app.admin("POST", "/v1/role-assignments", Some(assign))
            .await
            .status,
        201
    );
    let bot = app
        .call(
            "POST",
            "/v1/users/pia/tokens",
            Some(&pia),
            Some(json!({"identifier": "ci", "name": "ci", "permissions": ["core_pipeline_edit"]})),
        )
        .await;
    assert_eq!(bot.status, 201, "{}", bot.body);
    let bot = bot.body["token"].as_str().unwrap().to_owned();
    let path = "/v1/orgs/eng/projects/web/pipelines";
    assert_eq!(
        app.call("POST", path, Some(&bot), Some(json!({})))
            .await
            .status,
        200,
        "edit satisfies create while the pair is off"
    );
    flush(&app).await;
    let before = state_of(&app);
    let a = app
        .admin(
            "GET",
            "/v1/settings/permission-splits/PIPELINE/preview",
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let f = flip(&a, "newly_denied", "USER:pia").expect("the edit-only token's create flips");
    assert_eq!(f["permission"], "core_pipeline_create");
    assert_eq!(f["resource"], "PIPELINE in acme/eng/web");
    assert_eq!(state_of(&app), before);
    let splits = app
        .admin("GET", "/v1/settings/permission-splits", None)
        .await;
    assert_eq!(splits.body[0]["phase"], "off", "{}", splits.body);
    let missing = app
        .admin("GET", "/v1/settings/permission-splits/NOPE/preview", None)
        .await;
    assert_eq!(missing.status, 404);
}

#[actix_web::test]
async fn a_preview_over_a_hundred_thousand_rows() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("sam", None, &[("_sei_viewer", ALL, ACCOUNT)])
        .await;
    let now = scopegate::gateway::now_ms();
    let hour = now - now.rem_euclid(HOUR_MS);
    // 100,000 rows in one statement (a recursive series works on both backends): half
    // sam's reads of distinct teams, half reads of principals that no longer exist.
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999) \
         INSERT INTO decision_log (account, hour, principal_type, principal_identifier, \
           principal_org, principal_project, credential, permission, org, project, \
           resource_type, resource_identifier, outcome, attributes, count, last_seen) \
         SELECT 'acme', {hour}, 'USER', CASE WHEN i % 2 = 0 THEN 'sam' ELSE 'ghost' || (i % 50) END, \
           '', '', 'jwt', 'sei_seiteams_view', 'eng', 'web', 'SEI_TEAM', 'team-' || i, \
           'allowed', '', 1, {now} FROM n"
    );
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::connection::SimpleConnection;
        db.conn().unwrap().batch_execute(&sql).unwrap();
    })
    .await
    .unwrap();
    let started = Instant::now();
    let a = preview(
        &app,
        &app.admin_token,
        json!([{"method": "DELETE", "path": "/v1/role-assignments/t_sam_0"}]),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["evaluated"], 100_000);
    assert_eq!(
        a.body["newly_denied"].as_array().unwrap().len(),
        1000,
        "cut at 1000"
    );
    assert_eq!(a.body["truncated"], true);
    loud(&format!(
        "preview over 100,000 logged rows answered in {} ms",
        took.as_millis()
    ));
}
