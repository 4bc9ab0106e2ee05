//! Users over real HTTP: CRUD and lists, validation errors, RBAC per endpoint, passwords,
//! the last account admin, audit rows; user groups and service accounts in the submodules.
//! Helpers shared by the `admin_principals*` files.

use std::time::{Duration, Instant};

use scopegate::gateway::now_ms;
use scopegate::policy::role::{PrincipalRef, PrincipalType, RoleAssignment};
use scopegate::policy::{Identifier, Scope, ScopeLevel};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::audit::{AuditEvent, AuditFilter};
use scopegate::storage::epochs::Epochs;
use scopegate::storage::guard::{NewAssignment, Permit};
use serde_json::{json, Value};

use super::harness::{Answer, TestApp};

mod groups;
mod service_accounts;

/// The three scopes of the seeded tree, as path prefixes and as scope text.
pub const SCOPES: [(&str, &str); 3] = [
    ("/v1", "acme"),
    ("/v1/orgs/eng", "acme/eng"),
    ("/v1/orgs/eng/projects/web", "acme/eng/web"),
];

/// Sends a request with any headers and an optional raw body (`Content-Type` JSON when a
/// body is given).
pub async fn send_raw(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<&[u8]>,
) -> Answer {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = app.client.request(method, format!("{}{}", app.url, path));
    for (name, value) in headers {
        req = req.insert_header((*name, value.clone()));
    }
    let mut res = match body {
        Some(b) => req
            .insert_header(("content-type", "application/json"))
            .send_body(b.to_vec())
            .await
            .expect("send"),
        None => req.send().await.expect("send"),
    };
    let bytes = res.body().limit(1 << 20).await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body,
    }
}

/// Audit events of the account with this action (newest first).
pub fn audit_events(app: &TestApp, action: &str) -> Vec<AuditEvent> {
    let mut conn = app.db.conn().expect("conn");
    let filter = AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    AuditEvent::list(&mut conn, "acme", &filter, 0, 100)
        .expect("audit")
        .0
}

/// Whether an audit event with this action, outcome and principal exists.
pub fn audited(app: &TestApp, action: &str, outcome: &str, who: &str) -> bool {
    audit_events(app, action)
        .iter()
        .any(|e| e.outcome == outcome && e.principal_identifier == who)
}

/// Calls until `ok(status)` holds or `within` passes; answers the time it took.
pub async fn poll_until(
    app: &TestApp,
    path: &str,
    token: &str,
    within: Duration,
    ok: impl Fn(u16) -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        let a = app.call("GET", path, Some(token), None).await;
        if ok(a.status) {
            return Some(start.elapsed());
        }
        if start.elapsed() > within {
            return None;
        }
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Inserts a role assignment naming any principal, straight in the database.
pub async fn assign(app: &TestApp, id: &str, ptype: PrincipalType, principal: &str, role: &str) {
    let db = app.db.clone();
    let (id, principal, role) = (id.to_owned(), principal.to_owned(), role.to_owned());
    tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            let now = now_ms();
            Assignments::insert(
                c,
                Permit::system(NewAssignment(RoleAssignment {
                    identifier: Identifier::new(&id)?,
                    scope: Scope::parse("acme")?,
                    role: Identifier::new(&role)?,
                    role_scope_level: None,
                    resource_group: Identifier::new("_all_resources_including_child_scopes")?,
                    principal: PrincipalRef {
                        principal_type: ptype,
                        identifier: Identifier::new(&principal)?,
                        scope_level: ScopeLevel::Account,
                    },
                    disabled: false,
                    managed: false,
                    created: now,
                    updated: now,
                })),
            )?;
            Epochs::bump_both(c, "acme")
        })
    })
    .await
    .expect("join")
    .expect("assign");
    app.refresh().await;
}

pub fn message(a: &Answer) -> String {
    a.body["message"].as_str().unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn user_lifecycle_and_validation() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let created = app
        .admin(
            "POST",
            "/v1/users",
            Some(
                json!({"identifier": "bob", "email": " Bob@Acme.Test ", "name": "Bob",
                        "password": "correct horse", "organization": "eng"}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["email"], "bob@acme.test");
    assert_eq!(created.body["organization"], "eng");
    assert_eq!(created.body["disabled"], false);
    assert!(created.body["created"].is_i64() && created.body["updated"].is_i64());
    let text = created.body.to_string();
    assert!(
        !text.contains("password") && !text.contains("argon2"),
        "{text}"
    );
    let got = app.admin("GET", "/v1/users/bob", None).await;
    assert_eq!((got.status, got.body["name"].as_str()), (200, Some("Bob")));
    let listed = app.admin("GET", "/v1/users?search_term=bo", None).await;
    assert_eq!(listed.header("x-total-elements"), Some("1"));
    assert_eq!(listed.body[0]["identifier"], "bob");
    let all = app
        .admin("GET", "/v1/users?sort=name&order=desc", None)
        .await;
    assert_eq!(all.header("x-total-elements"), Some("2"), "admin and bob");
    let put = app
        .admin(
            "PUT",
            "/v1/users/bob",
            Some(json!({"name": "Robert", "organization": null})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["name"], "Robert");
    assert!(put.body["organization"].is_null());
    assert_eq!(put.body["email"], "bob@acme.test", "untouched");
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        (
            "POST",
            "/v1/users",
            json!({"identifier": "1bob", "email": "x@acme.test", "name": "X"}),
            400,
            "1bob",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "x", "email": "x@acme.test", "name": "X", "role": "r"}),
            400,
            "role",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "x", "email": "not-an-email", "name": "X"}),
            400,
            "not-an-email",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "x", "email": "x@acme.test", "name": "X", "password": "short"}),
            400,
            "8 to 1024",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "x", "email": "x@acme.test", "name": " "}),
            400,
            "name",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "x", "email": "x@acme.test", "name": "X", "organization": "nope"}),
            404,
            "`nope`",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "bob", "email": "other@acme.test", "name": "B"}),
            409,
            "bob",
        ),
        (
            "POST",
            "/v1/users",
            json!({"identifier": "bob2", "email": "BOB@acme.test", "name": "B"}),
            409,
            "bob@acme.test",
        ),
        (
            "PUT",
            "/v1/users/bob",
            json!({"organization": "nope"}),
            404,
            "`nope`",
        ),
        (
            "PUT",
            "/v1/users/bob",
            json!({"email": "admin@acme.test"}),
            409,
            "admin@acme.test",
        ),
        (
            "PUT",
            "/v1/users/ghost",
            json!({"name": "G"}),
            404,
            "`ghost`",
        ),
        (
            "PUT",
            "/v1/users/bob",
            json!({"disabled": "yes"}),
            400,
            "disabled",
        ),
    ];
    for (method, path, body, status, needle) in cases {
        let a = app.admin(method, path, Some(body.clone())).await;
        assert_eq!(a.status, status, "{method} {path} {body}: {}", a.body);
        assert!(message(&a).contains(needle), "{body}: {}", a.body);
    }
    let token = app.admin_token.clone();
    let broken = send_raw(
        &app,
        "POST",
        "/v1/users",
        &[("x-api-key", token)],
        Some(b"{\n  \"identifier\": \"x\", // comment\n}"),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert!(
        message(&broken).contains("line 2") && message(&broken).contains("column"),
        "{}",
        broken.body
    );
    assert_eq!(app.admin("GET", "/v1/users/ghost", None).await.status, 404);
    assert_eq!(
        app.admin("PATCH", "/v1/users", None).await.body["code"],
        "METHOD_NOT_ALLOWED"
    );
    assert_eq!(
        app.admin("GET", "/v1/users?limit=101", None).await.status,
        400
    );
    let deleted = app.admin("DELETE", "/v1/users/bob", None).await;
    assert_eq!(
        (deleted.status, deleted.body["identifier"].as_str()),
        (200, Some("bob"))
    );
    assert_eq!(app.admin("GET", "/v1/users/bob", None).await.status, 404);
    assert_eq!(app.admin("DELETE", "/v1/users/bob", None).await.status, 404);
    assert!(audited(&app, "user.create", "allowed", "admin"));
    assert!(audited(&app, "user.update", "allowed", "admin"));
    assert!(audited(&app, "user.delete", "allowed", "admin"));
}

#[actix_web::test]
async fn oversized_user_body_is_413() {
    let app = TestApp::start_with(|c| c.gateway.max_admin_body_bytes = 256).await;
    let big = json!({"identifier": "x", "email": "x@acme.test", "name": "n".repeat(400)});
    let a = app.admin("POST", "/v1/users", Some(big)).await;
    assert_eq!(
        (a.status, a.body["code"].as_str()),
        (413, Some("PAYLOAD_TOO_LARGE"))
    );
}

#[actix_web::test]
async fn user_endpoints_need_their_permissions() {
    let app = TestApp::start().await;
    let viewer = app
        .user_with_role(
            "vera",
            None,
            &[(
                "_account_viewer",
                "_all_resources_including_child_scopes",
                "acme",
            )],
        )
        .await;
    let nobody = app.user_with_role("nora", None, &[]).await;
    let body = json!({"identifier": "x", "email": "x@acme.test", "name": "X"});
    let denied = app
        .call("POST", "/v1/users", Some(&viewer), Some(body.clone()))
        .await;
    assert_eq!(
        (denied.status, denied.body["permission"].as_str()),
        (403, Some("core_user_invite"))
    );
    assert!(audited(&app, "user.create", "denied", "vera"));
    let listed = app.call("GET", "/v1/users", Some(&viewer), None).await;
    assert_eq!(listed.header("x-total-elements"), Some("3"));
    assert_eq!(
        app.call("GET", "/v1/users/nora", Some(&viewer), None)
            .await
            .status,
        200
    );
    let rows: Vec<(&str, &str, Option<Value>, &str)> = vec![
        (
            "PUT",
            "/v1/users/nora",
            Some(json!({"name": "N"})),
            "core_user_manage",
        ),
        ("DELETE", "/v1/users/nora", None, "core_user_manage"),
    ];
    for (method, path, body, permission) in rows {
        let a = app.call(method, path, Some(&viewer), body).await;
        assert_eq!(
            (a.status, a.body["permission"].as_str()),
            (403, Some(permission)),
            "{method} {path}"
        );
    }
    assert!(audited(&app, "user.update", "denied", "vera"));
    assert!(audited(&app, "user.delete", "denied", "vera"));
    let own = app.call("GET", "/v1/users/nora", Some(&nobody), None).await;
    assert_eq!(own.status, 200, "a user may read itself");
    let other = app.call("GET", "/v1/users/vera", Some(&nobody), None).await;
    assert_eq!(
        (other.status, other.body["permission"].as_str()),
        (403, Some("core_user_view"))
    );
    let list = app.call("GET", "/v1/users", Some(&nobody), None).await;
    assert_eq!(
        (list.status, list.body["permission"].as_str()),
        (403, Some("core_user_view")),
        "the list needs core_user_view (a user still reads itself by identifier)"
    );
    let allowed = app
        .call(
            "POST",
            "/v1/users",
            Some(&app.admin_token.clone()),
            Some(body),
        )
        .await;
    assert_eq!(allowed.status, 201);
}

#[actix_web::test]
async fn passwords_self_with_current_or_with_manage() {
    let app = TestApp::start().await;
    let nora = app.user_with_role("nora", None, &[]).await;
    let vic = app.user_with_role("vic", None, &[]).await;
    let path = "/v1/users/nora/password";
    let first = app
        .call(
            "PUT",
            path,
            Some(&nora),
            Some(json!({"password": "first password"})),
        )
        .await;
    assert_eq!(
        first.status, 403,
        "no current password to prove: {}",
        first.body
    );
    let set = app
        .admin("PUT", path, Some(json!({"password": "first password"})))
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert!(!set.body.to_string().contains("first password"));
    let wrong = app
        .call(
            "PUT",
            path,
            Some(&nora),
            Some(json!({"password": "second password", "current_password": "nope nope"})),
        )
        .await;
    assert_eq!(
        (wrong.status, message(&wrong).as_str()),
        (403, "current password is wrong")
    );
    assert!(wrong.body["permission"].is_null());
    let own = app
        .call(
            "PUT",
            path,
            Some(&nora),
            Some(json!({"password": "second password", "current_password": "first password"})),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    let foreign = app
        .call(
            "PUT",
            path,
            Some(&vic),
            Some(json!({"password": "third password", "current_password": "second password"})),
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.body["permission"].as_str()),
        (403, Some("core_user_manage"))
    );
    let weak = app
        .admin("PUT", path, Some(json!({"password": "short"})))
        .await;
    assert_eq!(weak.status, 400);
    let ghost = app
        .admin(
            "PUT",
            "/v1/users/ghost/password",
            Some(json!({"password": "long enough"})),
        )
        .await;
    assert_eq!(ghost.status, 404);
    assert!(audited(&app, "user.password", "denied", "nora"));
    assert!(audited(&app, "user.password", "denied", "vic"));
    let rows = audit_events(&app, "user.password");
    assert!(rows
        .iter()
        .all(|e| !format!("{:?}{:?}", e.before, e.after).contains("password\"")));
    assert!(rows
        .iter()
        .all(|e| !format!("{e:?}").contains("second password")));
}

#[actix_web::test]
async fn the_last_account_admin_stays() {
    let app = TestApp::start().await;
    let disable = app
        .admin("PUT", "/v1/users/admin", Some(json!({"disabled": true})))
        .await;
    assert_eq!(
        (disable.status, disable.body["code"].as_str()),
        (409, Some("CONFLICT"))
    );
    assert_eq!(
        app.admin("DELETE", "/v1/users/admin", None).await.status,
        409
    );
    // A group becomes the only way to the admin role.
    let carol = app.user_with_role("carol", None, &[]).await;
    let group = app
        .admin(
            "POST",
            "/v1/user-groups",
            Some(json!({"identifier": "admins", "name": "Admins", "users": ["carol"]})),
        )
        .await;
    assert_eq!(group.status, 201, "{}", group.body);
    assign(
        &app,
        "admins_admin",
        PrincipalType::UserGroup,
        "admins",
        "_account_admin",
    )
    .await;
    let gone = app.admin("DELETE", "/v1/users/admin", None).await;
    assert_eq!(
        gone.status, 200,
        "the group still holds the role: {}",
        gone.body
    );
    app.user_with_role("dave", None, &[]).await;
    let refusals: Vec<(&str, &str, Option<Value>)> = vec![
        ("DELETE", "/v1/user-groups/admins", None),
        (
            "PUT",
            "/v1/user-groups/admins",
            Some(json!({"identifier": "admins", "name": "Admins", "users": []})),
        ),
        ("PUT", "/v1/users/carol", Some(json!({"disabled": true}))),
        ("DELETE", "/v1/users/carol", None),
    ];
    for (method, path, body) in refusals {
        let a = app.call(method, path, Some(&carol), body).await;
        assert_eq!(a.status, 409, "{method} {path}: {}", a.body);
        assert!(message(&a).contains("last account admin"), "{}", a.body);
    }
    let widened = app
        .call(
            "PUT",
            "/v1/user-groups/admins",
            Some(&carol),
            Some(json!({"identifier": "admins", "name": "Admins", "users": ["carol", "dave"]})),
        )
        .await;
    assert_eq!(widened.status, 200, "{}", widened.body);
    let disabled = app
        .call(
            "PUT",
            "/v1/users/carol",
            Some(&carol),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(disabled.status, 200, "dave remains: {}", disabled.body);
}
