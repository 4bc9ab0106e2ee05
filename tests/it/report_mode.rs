//! Report-only routes (DESIGN §4.8): a route rule with `mode = "report"`, or every rule of a
//! pack in `gateway.report_packs`, decides, logs and counts, and forwards even a deny with
//! `X-Scopegate-Shadow-Decision` (a client-sent one replaced); authentication is still
//! enforced. The deny lands in the decision log, so a preview sees it. Real HTTP, real
//! loopback backends, SQLite or (in CI) PostgreSQL.

use scopegate::config::RouteConfig;
use serde_json::{json, Value};

use super::harness::{TestApp, ACCOUNT};
use super::raw::{get, raw};

const ALL: &str = "_all_resources_including_child_scopes";
const INSIGHTS: &str = "/v1/orgs/eng/projects/web/insights";
/// A report-only rule of the config beside the enforcing packs.
const SHADOW_INSIGHTS: &str = "/shadow/orgs/eng/projects/web/insights";

/// Status and the backend's echo (`headers`) of a GET with `headers`.
async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, text) = raw(&app.url, &get(path, headers)).await;
    let body = text
        .find("\r\n\r\n")
        .and_then(|at| serde_json::from_str(&text[at + 4..]).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

fn metric(text: &str, line_start: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn metrics(app: &TestApp) -> String {
    let answer = app.call("GET", "/metrics", None, None).await;
    answer.body.as_str().unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn a_report_rule_forwards_a_deny_with_the_shadow_decision_and_still_authenticates() {
    let app = TestApp::start_with(|c| {
        c.routes.push(RouteConfig {
            methods: vec!["GET".into()],
            path: "/shadow/orgs/{org}/projects/{project}/insights".into(),
            upstream: "insights".into(),
            permission: Some("sei_seiinsights_view".into()),
            mode: Some("report".into()),
            ..Default::default()
        });
    })
    .await;
    app.seed_scopes().await;
    let report_routes: Vec<_> = app
        .state
        .gateway
        .routes
        .report_routes()
        .map(|r| r.label.clone())
        .collect();
    assert_eq!(
        report_routes,
        ["GET /shadow/orgs/{org}/projects/{project}/insights"],
        "start-up warns about exactly the report-mode rule"
    );
    let nobody = app.user_with_role("nobody", None, &[]).await;
    let viewer = app
        .user_with_role("viewer", None, &[("_sei_viewer", ALL, ACCOUNT)])
        .await;
    let before = metrics(&app).await;

    // A deny goes on, the backend told so; the client's own shadow header is replaced.
    let (status, body) = fetch(
        &app,
        SHADOW_INSIGHTS,
        &[
            ("x-api-key", &nobody),
            ("X-Scopegate-Shadow-Decision", "allow"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let seen = &body["headers"];
    assert_eq!(seen["x-scopegate-shadow-decision"], "deny", "{seen}");
    assert_eq!(seen["x-scopegate-principal"], "USER:nobody");

    // An allow says allow.
    let (status, body) = fetch(&app, SHADOW_INSIGHTS, &[("x-api-key", &viewer)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["headers"]["x-scopegate-shadow-decision"], "allow");

    // No credential, or a wrong one: still refused, nothing forwarded.
    let (status, body) = fetch(&app, SHADOW_INSIGHTS, &[]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "UNAUTHORIZED");
    let (status, _) = fetch(
        &app,
        SHADOW_INSIGHTS,
        &[("x-api-key", "pat.acme.AAAAAAAAAAAAAAAAAAAAAA.wrong")],
    )
    .await;
    assert_eq!(status, 401);

    // The enforcing rule of the pack still refuses the same caller, without the header.
    let (status, body) = fetch(&app, INSIGHTS, &[("x-api-key", &nobody)]).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = fetch(&app, INSIGHTS, &[("x-api-key", &viewer)]).await;
    assert_eq!(status, 200);
    assert!(body["headers"].get("x-scopegate-shadow-decision").is_none());

    let after = metrics(&app).await;
    assert_eq!(
        metric(&after, "scopegate_would_deny_total")
            - metric(&before, "scopegate_would_deny_total"),
        1,
        "{after}"
    );
    let route =
        r#"outcome="would_deny",route="GET /shadow/orgs/{org}/projects/{project}/insights""#;
    assert!(
        after
            .lines()
            .any(|l| l.contains(route) && l.ends_with(" 1")),
        "the route's own counter says would_deny: {after}"
    );
}

#[actix_web::test]
async fn a_report_pack_runs_every_rule_in_report_mode_and_its_denies_reach_the_preview() {
    let app = TestApp::start_with(|c| c.gateway.report_packs = vec!["default".into()]).await;
    app.seed_scopes().await;
    assert!(
        app.state
            .gateway
            .routes
            .report_routes()
            .any(|r| r.template == "/v1/orgs/{org}/projects/{project}/insights"),
        "the pack's rules are report-only"
    );
    let nobody = app.user_with_role("nobody", None, &[]).await;

    // A list route denied in report mode: forwarded without the allowed-ids filter.
    let (status, body) = fetch(&app, INSIGHTS, &[("x-api-key", &nobody)]).await;
    assert_eq!(status, 200, "{body}");
    let seen = &body["headers"];
    assert_eq!(seen["x-scopegate-shadow-decision"], "deny", "{seen}");
    assert!(seen.get("x-scopegate-allowed-ids").is_none(), "{seen}");

    // The admin API is not a route of any pack: report mode never loosens it.
    let answer = app.call("GET", "/v1/roles", Some(&nobody), None).await;
    assert_eq!(answer.status, 403, "{}", answer.body);

    // The shadow deny is in the decision log: a previewed grant makes it newly allowed.
    app.state
        .gateway
        .decisions
        .tick(scopegate::gateway::now_ms());
    app.state.gateway.decisions.flush(&app.db).await;
    let preview = app
        .call(
            "POST",
            "/v1/policy/preview",
            Some(&app.admin_token),
            Some(json!({"changes": [{
                "method": "POST",
                "path": "/v1/role-assignments",
                "body": {"identifier": "nobody-views", "role": "_sei_viewer",
                         "resource_group": ALL,
                         "principal": {"type": "USER", "identifier": "nobody"}}
            }]})),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let flipped = preview.body["newly_allowed"]
        .as_array()
        .and_then(|l| l.iter().find(|f| f["principal"] == "USER:nobody"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        flipped["permission"], "sei_seiinsights_view",
        "{}",
        preview.body
    );
    assert_eq!(flipped["requests"], 1, "{}", preview.body);
}
