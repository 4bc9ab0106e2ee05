//! API tokens over real HTTP: self-service without permissions, impersonation with
//! `core_user_manage` (audited), permission subsets, the value on the gateway, revocation
//! and disabling within a second, rotation with a grace time, service-account tokens.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::admin_principals::{audit_events, audited, message, poll_until};
use super::harness::TestApp;

const INSIGHTS: &str = "/v1/orgs/eng/projects/web/insights";
const TEAMS: &str = "/v1/orgs/eng/projects/web/teams";
const SEI_VIEWER: (&str, &str, &str) = (
    "_sei_viewer",
    "_all_resources_including_child_scopes",
    "acme",
);

async fn gateway(app: &TestApp, path: &str, token: &str) -> u16 {
    app.call("GET", path, Some(token), None).await.status
}

#[actix_web::test]
async fn users_issue_their_own_tokens_and_admins_impersonate() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let nora = app.user_with_role("nora", None, &[]).await;
    let bob = app.user_with_role("bob", None, &[SEI_VIEWER]).await;
    let own = app
        .call(
            "POST",
            "/v1/users/nora/tokens",
            Some(&nora),
            Some(json!({"identifier": "mine", "name": "Mine"})),
        )
        .await;
    assert_eq!(
        own.status, 201,
        "no permission needed for yourself: {}",
        own.body
    );
    let value = own.body["token"].as_str().unwrap().to_owned();
    assert!(value.starts_with("pat.acme."), "{value}");
    assert!(own.body["permissions"].is_null() && own.body["valid_to"].is_null());
    let listed = app
        .call("GET", "/v1/users/nora/tokens", Some(&nora), None)
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("x-total-elements"), Some("2"), "t and mine");
    let text = listed.body.to_string();
    assert!(
        !text.contains(&value) && !text.contains("\"token\""),
        "{text}"
    );
    assert_eq!(listed.body[0]["identifier"], "mine");
    assert_eq!(listed.body[0]["issued_by"], "USER:nora");
    assert_eq!(
        app.call("GET", "/v1/users/nora", Some(&value), None)
            .await
            .status,
        200,
        "the new value authenticates"
    );
    let foreign = app
        .call(
            "POST",
            "/v1/users/bob/tokens",
            Some(&nora),
            Some(json!({"identifier": "x", "name": "X"})),
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.body["permission"].as_str()),
        (403, Some("core_user_manage"))
    );
    assert!(audited(&app, "token.create", "denied", "nora"));
    let peek = app
        .call("GET", "/v1/users/bob/tokens", Some(&nora), None)
        .await;
    assert_eq!(peek.body["permission"], "core_user_view");
    let issued = app
        .admin(
            "POST",
            "/v1/users/bob/tokens",
            Some(json!({"identifier": "ci", "name": "CI", "valid_to": 4_102_444_800_000i64})),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    assert_eq!(issued.body["valid_to"], 4_102_444_800_000i64);
    let bob_ci = issued.body["token"].as_str().unwrap().to_owned();
    assert_eq!(gateway(&app, INSIGHTS, &bob_ci).await, 200);
    let rows = audit_events(&app, "token.create");
    let row = rows
        .iter()
        .find(|e| e.resource_identifier == "USER:bob/ci")
        .expect("audited");
    let after: Value = serde_json::from_str(row.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["impersonation"], true);
    assert_eq!(after["issued_by"], "USER:admin");
    assert_eq!(after["owner"], "USER:bob");
    assert!(rows.iter().all(|e| !format!("{e:?}").contains(&bob_ci)));
    let bobs = app
        .call("GET", "/v1/users/bob/tokens", Some(&bob), None)
        .await;
    let ci = bobs
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["identifier"] == "ci")
        .cloned();
    assert_eq!(ci.unwrap()["issued_by"], "USER:admin");
    let errors: Vec<(&str, Value, u16, &str)> = vec![
        (
            "/v1/users/bob/tokens",
            json!({"identifier": "ci", "name": "Again"}),
            409,
            "ci",
        ),
        (
            "/v1/users/bob/tokens",
            json!({"identifier": "old", "name": "O", "valid_to": 1000}),
            400,
            "past",
        ),
        (
            "/v1/users/bob/tokens",
            json!({"identifier": "p", "name": "P", "permissions": ["nope_x"]}),
            400,
            "`nope_x`",
        ),
        (
            "/v1/users/bob/tokens",
            json!({"identifier": "p", "name": "P", "permissions": ["sei_seiinsights_edit"]}),
            400,
            "`sei_seiinsights_edit`",
        ),
        (
            "/v1/users/bob/tokens",
            json!({"identifier": "p", "name": "P", "secret": "x"}),
            400,
            "secret",
        ),
        (
            "/v1/users/ghost/tokens",
            json!({"identifier": "p", "name": "P"}),
            404,
            "`ghost`",
        ),
    ];
    for (path, body, status, needle) in errors {
        let a = app.admin("POST", path, Some(body.clone())).await;
        assert_eq!(a.status, status, "{body}: {}", a.body);
        assert!(message(&a).contains(needle), "{body}: {}", a.body);
    }
    let unknown = app.admin("DELETE", "/v1/users/bob/tokens/nope", None).await;
    assert_eq!(unknown.status, 404);
    assert!(message(&unknown).contains("`nope`"));
    assert_eq!(
        app.admin("POST", "/v1/users/bob/tokens/nope/rotate", None)
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn subsets_narrow_what_a_token_may_do() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let bob = app.user_with_role("bob", None, &[SEI_VIEWER]).await;
    let narrow = app
        .call(
            "POST",
            "/v1/users/bob/tokens",
            Some(&bob),
            Some(json!({"identifier": "teams", "name": "Teams only",
                        "permissions": ["sei_seiteams_view"]})),
        )
        .await;
    assert_eq!(narrow.status, 201, "{}", narrow.body);
    assert_eq!(narrow.body["permissions"], json!(["sei_seiteams_view"]));
    let value = narrow.body["token"].as_str().unwrap().to_owned();
    assert_eq!(gateway(&app, TEAMS, &value).await, 200);
    assert_eq!(gateway(&app, INSIGHTS, &bob).await, 200, "the owner may");
    assert_eq!(
        gateway(&app, INSIGHTS, &value).await,
        403,
        "the subset may not"
    );
    let inherited = app
        .call(
            "POST",
            "/v1/users/bob/tokens",
            Some(&value),
            Some(json!({"identifier": "child", "name": "Child"})),
        )
        .await;
    assert_eq!(inherited.status, 201, "{}", inherited.body);
    assert_eq!(
        inherited.body["permissions"],
        json!(["sei_seiteams_view"]),
        "a restricted credential passes on its restriction"
    );
    let wider = app
        .call(
            "POST",
            "/v1/users/bob/tokens",
            Some(&value),
            Some(json!({"identifier": "wide", "name": "Wide",
                        "permissions": ["sei_seiinsights_view"]})),
        )
        .await;
    assert_eq!(
        (wider.status, wider.body["permission"].as_str()),
        (403, Some("sei_seiinsights_view"))
    );
    assert!(audited(&app, "token.create", "denied", "bob"));
}

#[actix_web::test]
async fn revocation_disabling_and_rotation_reach_the_gateway() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let bob = app.user_with_role("bob", None, &[SEI_VIEWER]).await;
    let make = |id: &'static str| {
        let app = &app;
        let bob = bob.clone();
        async move {
            let a = app
                .call(
                    "POST",
                    "/v1/users/bob/tokens",
                    Some(&bob),
                    Some(json!({"identifier": id, "name": id})),
                )
                .await;
            assert_eq!(a.status, 201, "{}", a.body);
            a.body["token"].as_str().unwrap().to_owned()
        }
    };
    let doomed = make("doomed").await;
    assert_eq!(gateway(&app, INSIGHTS, &doomed).await, 200);
    let revoked = app
        .call("DELETE", "/v1/users/bob/tokens/doomed", Some(&bob), None)
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(revoked.body["identifier"], "doomed");
    assert!(revoked.body.get("token").is_none());
    let took = poll_until(&app, INSIGHTS, &doomed, Duration::from_secs(1), |s| {
        s == 401
    })
    .await;
    assert!(took.is_some(), "a revoked value stops working within 1 s");
    assert!(audited(&app, "token.revoke", "allowed", "bob"));

    let rolling = make("rolling").await;
    assert_eq!(gateway(&app, INSIGHTS, &rolling).await, 200);
    let started = Instant::now();
    let rotated = app
        .call(
            "POST",
            "/v1/users/bob/tokens/rolling/rotate",
            Some(&bob),
            Some(json!({"grace_seconds": 2})),
        )
        .await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    let fresh = rotated.body["token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, rolling);
    assert!(rotated.body["grace_until"].is_i64());
    assert_eq!(gateway(&app, INSIGHTS, &fresh).await, 200);
    assert_eq!(
        gateway(&app, INSIGHTS, &rolling).await,
        200,
        "within the grace time"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the check ran inside the grace"
    );
    let wait = Duration::from_secs(2).saturating_sub(started.elapsed());
    actix_web::rt::time::sleep(wait).await;
    let expired = poll_until(&app, INSIGHTS, &rolling, Duration::from_secs(1), |s| {
        s == 401
    })
    .await;
    assert!(
        expired.is_some(),
        "the old value stops after the grace time"
    );
    assert_eq!(gateway(&app, INSIGHTS, &fresh).await, 200);
    let no_body = app
        .call(
            "POST",
            "/v1/users/bob/tokens/rolling/rotate",
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(
        no_body.status, 201,
        "the rotate body is optional: {}",
        no_body.body
    );
    let newest = no_body.body["token"].as_str().unwrap().to_owned();
    let gone = poll_until(&app, INSIGHTS, &fresh, Duration::from_secs(1), |s| s == 401).await;
    assert!(gone.is_some(), "grace 0: the previous value stops at once");
    let too_long = app
        .call(
            "POST",
            "/v1/users/bob/tokens/rolling/rotate",
            Some(&bob),
            Some(json!({"grace_seconds": 2_592_001})),
        )
        .await;
    assert_eq!(too_long.status, 400);
    assert!(audited(&app, "token.rotate", "allowed", "bob"));

    let disabled = app
        .admin("PUT", "/v1/users/bob", Some(json!({"disabled": true})))
        .await;
    assert_eq!(disabled.status, 200);
    let off = poll_until(&app, INSIGHTS, &newest, Duration::from_secs(1), |s| {
        s == 401
    })
    .await;
    assert!(off.is_some(), "a disabled owner's tokens stop working");
    assert_eq!(gateway(&app, INSIGHTS, &bob).await, 401);
    app.admin("PUT", "/v1/users/bob", Some(json!({"disabled": false})))
        .await;
    let on = poll_until(&app, INSIGHTS, &newest, Duration::from_secs(1), |s| {
        s == 200
    })
    .await;
    assert!(on.is_some(), "enabled again");
    let deleted = app.admin("DELETE", "/v1/users/bob", None).await;
    assert_eq!(deleted.status, 200);
    let dead = poll_until(&app, INSIGHTS, &newest, Duration::from_secs(1), |s| {
        s == 401
    })
    .await;
    assert!(dead.is_some(), "a deleted owner's tokens are gone");
}

#[actix_web::test]
async fn service_account_tokens_at_every_scope() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let padmin = app
        .user_with_role(
            "pam",
            None,
            &[(
                "_project_admin",
                "_all_project_level_resources",
                "acme/eng/web",
            )],
        )
        .await;
    for prefix in ["/v1", "/v1/orgs/eng", "/v1/orgs/eng/projects/web"] {
        let sa = format!("{prefix}/service-accounts/ci");
        let created = app
            .admin(
                "POST",
                &format!("{prefix}/service-accounts"),
                Some(json!({"identifier": "ci", "name": "CI"})),
            )
            .await;
        assert_eq!(created.status, 201);
        let issued = app
            .admin(
                "POST",
                &format!("{sa}/tokens"),
                Some(json!({"identifier": "deploy", "name": "Deploy"})),
            )
            .await;
        assert_eq!(issued.status, 201, "{prefix}: {}", issued.body);
        let value = issued.body["token"].as_str().unwrap().to_owned();
        assert!(value.starts_with("sat.acme."), "{value}");
        // The service account holds nothing: authenticated (403), not refused (401).
        assert_eq!(app.call("GET", &sa, Some(&value), None).await.status, 403);
        let listed = app.admin("GET", &format!("{sa}/tokens"), None).await;
        assert_eq!(listed.body[0]["identifier"], "deploy");
        assert_eq!(listed.body[0]["issued_by"], "USER:admin");
        let rotated = app
            .admin(
                "POST",
                &format!("{sa}/tokens/deploy/rotate"),
                Some(json!({})),
            )
            .await;
        assert_eq!(rotated.status, 201);
        let fresh = rotated.body["token"].as_str().unwrap().to_owned();
        let revoked = app
            .admin("DELETE", &format!("{sa}/tokens/deploy"), None)
            .await;
        assert_eq!(revoked.status, 200);
        let gone = poll_until(&app, &sa, &fresh, Duration::from_secs(1), |s| s == 401).await;
        assert!(gone.is_some(), "{prefix}: revoked");
        let by_padmin = app
            .call(
                "POST",
                &format!("{sa}/tokens"),
                Some(&padmin),
                Some(json!({"identifier": "pam", "name": "Pam"})),
            )
            .await;
        if prefix.ends_with("/web") {
            assert_eq!(
                by_padmin.status, 201,
                "manageapikey at the project: {}",
                by_padmin.body
            );
        } else {
            assert_eq!(
                (by_padmin.status, by_padmin.body["permission"].as_str()),
                (403, Some("core_serviceaccount_manageapikey")),
                "{prefix}"
            );
        }
    }
    assert!(audited(&app, "token.create", "denied", "pam"));
    let missing = app
        .admin(
            "POST",
            "/v1/orgs/eng/service-accounts/ghost/tokens",
            Some(json!({"identifier": "x", "name": "X"})),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert!(message(&missing).contains("`ghost`"));
    let sa_deleted = app
        .admin(
            "DELETE",
            "/v1/orgs/eng/projects/web/service-accounts/ci",
            None,
        )
        .await;
    assert_eq!(sa_deleted.status, 200);
    assert_eq!(sa_deleted.body["scope"]["project"], "web");
}
