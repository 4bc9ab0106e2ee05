//! Roles, resource groups and role assignments over real HTTP. This file holds the shared
//! helpers (used by `admin_rbac/*` and the `admin_rbac_*` files), cascades and the split
//! migration; roles and groups have their own files below it.

use scopegate::gateway::now_ms;
use scopegate::policy::Scope;
use scopegate::storage::audit::AuditEvent;
use scopegate::storage::epochs::Epochs;
use scopegate::storage::principals::{ServiceAccount, UserGroup};
use serde_json::{json, Value};

use super::harness::{Answer, TestApp, ACCOUNT};

mod groups;
mod roles;

pub const LEVELS: [&str; 3] = ["account", "organization", "project"];

/// The three path prefixes of a scoped collection, with the scope they name.
pub const PREFIXES: [(&str, &str); 3] = [
    ("/v1", "acme"),
    ("/v1/orgs/eng", "acme/eng"),
    ("/v1/orgs/eng/projects/web", "acme/eng/web"),
];

/// Sends a raw body (for bodies that are not valid JSON) with the Harness-Account header.
pub async fn raw(app: &TestApp, method: &str, path: &str, token: &str, body: &str) -> Answer {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut res = app
        .client
        .request(method, format!("{}{}", app.url, path))
        .insert_header(("x-api-key", token.to_owned()))
        .insert_header(("Harness-Account", ACCOUNT))
        .insert_header(("Content-Type", "application/json"))
        .send_body(body.to_owned())
        .await
        .expect("send");
    let bytes = res.body().await.expect("body");
    Answer {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Creates a user group (with members) or a service account straight in the database.
pub async fn principal(app: &TestApp, kind: &str, scope: &str, id: &str, members: &[&str]) {
    let db = app.db.clone();
    let (kind, id) = (kind.to_owned(), id.to_owned());
    let members: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    let scope = Scope::parse(scope).expect("scope");
    tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            let now = now_ms();
            let (a, o, p) = scopegate::storage::columns::scope_cols(&scope);
            if kind == "USER_GROUP" {
                let g = UserGroup {
                    account: a,
                    org: o,
                    project: p,
                    identifier: id.clone(),
                    name: id.clone(),
                    description: String::new(),
                    created: now,
                    updated: now,
                };
                g.insert(c)?;
                let members = scopegate::storage::guard::Members {
                    scope: scope.clone(),
                    group: id.clone(),
                    users: members,
                };
                UserGroup::set_members(c, scopegate::storage::guard::Permit::system(members))?;
            } else {
                ServiceAccount {
                    account: a,
                    org: o,
                    project: p,
                    identifier: id.clone(),
                    name: id.clone(),
                    email: format!("{id}@sa.test"),
                    description: String::new(),
                    disabled: false,
                    created: now,
                    updated: now,
                }
                .insert(c)?;
            }
            Epochs::bump_both(c, ACCOUNT)
        })
    })
    .await
    .expect("join")
    .expect("principal");
    app.refresh().await;
}

/// Every audit row of the account as (action, outcome, resource identifier, principal).
pub fn audit_rows(app: &TestApp) -> Vec<(String, String, String, String)> {
    let mut conn = app.db.conn().expect("conn");
    let (events, _) =
        AuditEvent::list(&mut conn, ACCOUNT, &Default::default(), 0, 1000).expect("audit");
    events
        .into_iter()
        .map(|e| {
            (
                e.action,
                e.outcome,
                e.resource_identifier,
                e.principal_identifier,
            )
        })
        .collect()
}

pub fn has_audit(app: &TestApp, action: &str, outcome: &str, id: &str) -> bool {
    audit_rows(app)
        .iter()
        .any(|(a, o, i, _)| a == action && o == outcome && i == id)
}

pub fn message(a: &Answer) -> String {
    a.body["message"].as_str().unwrap_or_default().to_owned()
}

/// Asserts status and that the message names `needle`.
pub fn expect_error(a: &Answer, status: u16, needle: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert!(
        message(a).contains(needle),
        "message should name `{needle}`: {}",
        a.body
    );
}

pub fn ids(a: &Answer) -> Vec<String> {
    a.body
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            r.get("role-assignment")
                .unwrap_or(r)
                .get("identifier")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[actix_web::test]
async fn deleting_a_role_or_group_deletes_its_assignments() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    app.user_with_role("tina", None, &[]).await;
    let web = "/v1/orgs/eng/projects/web";
    let role = app
        .admin(
            "POST",
            &format!("{web}/roles"),
            Some(json!({"identifier": "teamview", "name": "T", "permissions": ["sei_seiteams_view"]})),
        )
        .await;
    assert_eq!(role.status, 201);
    let group = app
        .admin(
            "POST",
            &format!("{web}/resource-groups"),
            Some(json!({"identifier": "teams", "name": "Teams", "included_scope":
                [{"filter": "EXCLUDING_CHILD_SCOPES", "account": "acme", "org": "eng", "project": "web"}],
                "resource_filter": [{"resource_type": "SEI_TEAM"}]})),
        )
        .await;
    assert_eq!(group.status, 201, "{}", group.body);
    for (id, role, group) in [
        ("by_role", "teamview", "_all_project_level_resources"),
        ("by_group", "_sei_viewer", "teams"),
        ("by_both", "teamview", "teams"),
    ] {
        let a = app
            .admin(
                "POST",
                &format!("{web}/role-assignments"),
                Some(
                    json!({"identifier": id, "resource_group": group, "role": role,
                    "principal": {"identifier": "tina", "type": "USER"}}),
                ),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let deleted = app
        .admin("DELETE", &format!("{web}/roles/teamview"), None)
        .await;
    assert_eq!(deleted.status, 200);
    let left = app
        .admin("GET", &format!("{web}/role-assignments"), None)
        .await;
    assert_eq!(ids(&left), ["by_group"]);
    let deleted = app
        .admin("DELETE", &format!("{web}/resource-groups/teams"), None)
        .await;
    assert_eq!(deleted.status, 200);
    let left = app
        .admin("GET", &format!("{web}/role-assignments/count"), None)
        .await;
    assert_eq!(left.body, json!(0));
    let rows = audit_rows(&app);
    let role_delete = rows
        .iter()
        .find(|(a, o, i, _)| a == "role.delete" && o == "allowed" && i == "teamview");
    assert!(role_delete.is_some(), "{rows:?}");
}

#[actix_web::test]
async fn split_migration_gives_written_roles_create() {
    let app = TestApp::start().await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = db.conn().unwrap();
        let advance = scopegate::storage::guard::SplitMove {
            account: scopegate::policy::Identifier::new(ACCOUNT).unwrap(),
            pair: scopegate::policy::split::pair_index("PIPELINE").unwrap(),
            to: scopegate::policy::split::SplitPhase::Migration,
        };
        scopegate::storage::splits::Splits::advance(
            &mut c,
            scopegate::storage::guard::Permit::system(advance),
            now_ms(),
        )
        .unwrap();
    })
    .await
    .unwrap();
    let made = app
        .admin(
            "POST",
            "/v1/roles",
            Some(json!({"identifier": "pipes", "name": "P",
                "permissions": ["core_pipeline_edit", "core_secret_edit"]})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let perms: Vec<&str> = made.body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(perms.contains(&"core_pipeline_create"), "{perms:?}");
    assert!(
        !perms.contains(&"core_secret_create"),
        "secrets are still off: {perms:?}"
    );
    let updated = app
        .admin(
            "PUT",
            "/v1/roles/pipes",
            Some(
                json!({"identifier": "pipes", "name": "P", "permissions": ["core_pipeline_edit"]}),
            ),
        )
        .await;
    let perms = updated.body["permissions"].as_array().unwrap();
    assert_eq!(perms.len(), 2, "{}", updated.body);
    assert!(perms.contains(&json!("core_pipeline_create")));
}
