//! The differential test of DESIGN §8: on random worlds (assignments of built-in and custom
//! roles on built-in, identifier and attribute groups at every scope, home organizations,
//! registry attributes, restricted tokens, disabled users), the gateway's decision over
//! HTTP, the ACL's `permitted`, explain's `permitted` and membership in effective
//! permissions agree. Every answer is asked by the principal itself, with its own
//! (possibly restricted) token; a disabled user is asked about by the admin.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::harness::{TestApp, ACCOUNT};

const SCOPES: &[&str] = &[
    "",
    "/orgs/eng",
    "/orgs/eng/projects/web",
    "/orgs/sales",
    "/orgs/sales/projects/crm",
];
const ROLES: &[&str] = &[
    "_sei_viewer",
    "_sei_team_manager",
    "_sei_admin",
    "Basic_User",
    "Global_Admin",
    "_project_viewer",
    "team_editor",
];
/// Groups by the level they live at: account, organization, project.
fn groups(level: usize) -> &'static [&'static str] {
    match level {
        0 => &[
            "_all_resources_including_child_scopes",
            "_all_account_level_resources",
        ],
        1 => &["_all_resources_including_child_scopes", "portal_checkout"],
        _ => &["_all_project_level_resources", "team_a", "bravo"],
    }
}

/// One request the gateway routes, with the check the route makes.
struct Question {
    method: &'static str,
    path: String,
    permission: &'static str,
    resource_type: &'static str,
    org: Option<&'static str>,
    project: Option<&'static str>,
    id: Option<String>,
    /// Attributes the route gives the resource (`attributes = { team = "{team}" }`): the
    /// same request through the ACL names them, as DESIGN §4.4 says.
    attributes: Option<Value>,
}

fn questions() -> Vec<Question> {
    let mut out = Vec::new();
    for (org, project) in [("eng", "web"), ("sales", "crm")] {
        let base = format!("/v1/orgs/{org}/projects/{project}");
        out.push(Question {
            method: "GET",
            path: format!("{base}/teams"),
            permission: "sei_seiteams_view",
            resource_type: "SEI_TEAM",
            org: Some(org),
            project: Some(project),
            id: None,
            attributes: None,
        });
        for insight in ["ins-a", "ins-b"] {
            out.push(Question {
                method: "GET",
                path: format!("{base}/insights/{insight}"),
                permission: "sei_seiinsights_view",
                resource_type: "SEI_INSIGHTS",
                org: Some(org),
                project: Some(project),
                id: Some(insight.into()),
                attributes: None,
            });
        }
        for team in ["team-a", "team-b"] {
            for (method, permission) in [("GET", "sei_seiteams_view"), ("PUT", "sei_seiteams_edit")]
            {
                out.push(Question {
                    method,
                    path: format!("{base}/teams/{team}"),
                    permission,
                    resource_type: "SEI_TEAM",
                    org: Some(org),
                    project: Some(project),
                    id: Some(team.into()),
                    attributes: Some(json!({"team": team})),
                });
            }
        }
        out.push(Question {
            method: "GET",
            path: format!("/v1/orgs/{org}/apis/checkout"),
            permission: "API_READ",
            resource_type: "API",
            org: Some(org),
            project: None,
            id: Some("checkout".into()),
            attributes: None,
        });
        out.push(Question {
            method: "GET",
            path: format!("/v1/orgs/{org}/apis"),
            permission: "API_READ",
            resource_type: "API",
            org: Some(org),
            project: None,
            id: None,
            attributes: None,
        });
    }
    out.push(Question {
        method: "GET",
        path: "/v1/profiles/p1".into(),
        permission: "sei_seiprofiles_view",
        resource_type: "SEI_PROFILE",
        org: None,
        project: None,
        id: Some("p1".into()),
        attributes: None,
    });
    out
}

#[derive(Clone, Debug)]
struct Person {
    grants: Vec<(usize, usize, usize)>,
    home: Option<usize>,
    restrict: bool,
    disabled: bool,
}

fn person() -> impl Strategy<Value = Person> {
    (
        proptest::collection::vec((0..ROLES.len(), 0..SCOPES.len(), 0..3usize), 0..4),
        proptest::option::of(0..2usize),
        any::<bool>(),
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(grants, home, restrict, disabled)| Person {
            grants,
            home,
            restrict,
            disabled,
        })
}

async fn ok(app: &TestApp, method: &str, path: &str, body: Value) -> Value {
    let a = app.admin(method, path, Some(body)).await;
    assert!(a.status < 300, "{method} {path}: {} {}", a.status, a.body);
    a.body
}

async fn world(app: &TestApp, people: &[Person]) -> Vec<String> {
    app.seed_scopes().await;
    ok(
        app,
        "POST",
        "/v1/roles",
        json!({"identifier": "team_editor", "name": "team editor",
        "permissions": ["sei_seiteams_view", "sei_seiteams_edit", "API_READ"]}),
    )
    .await;
    let web = json!([{"filter": "EXCLUDING_CHILD_SCOPES", "account": ACCOUNT, "org": "eng", "project": "web"}]);
    let crm = json!([{"filter": "EXCLUDING_CHILD_SCOPES", "account": ACCOUNT, "org": "sales", "project": "crm"}]);
    for (path, included) in [
        ("/v1/orgs/eng/projects/web", &web),
        ("/v1/orgs/sales/projects/crm", &crm),
    ] {
        ok(app, "POST", &format!("{path}/resource-groups"), json!({"identifier": "team_a", "name": "a",
            "included_scope": included, "resource_filter": [{"resource_type": "SEI_TEAM", "identifiers": ["team-a"]}]})).await;
        ok(
            app,
            "POST",
            &format!("{path}/resource-groups"),
            json!({"identifier": "bravo", "name": "b",
            "included_scope": included, "resource_filter": [{"resource_type": "SEI_INSIGHTS",
                "attribute_name": "team", "attribute_values": ["bravo"]}]}),
        )
        .await;
    }
    for org in ["eng", "sales"] {
        ok(app, "POST", &format!("/v1/orgs/{org}/resource-groups"), json!({"identifier": "portal_checkout", "name": "p",
            "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": ACCOUNT, "org": org}],
            "resource_filter": [{"resource_type": "API", "identifiers": ["checkout"]}]})).await;
    }
    ok(
        app,
        "PUT",
        "/v1/orgs/eng/projects/web/resources/SEI_INSIGHTS/ins-b",
        json!({"attributes": {"team": "bravo"}}),
    )
    .await;
    let mut tokens = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let user = format!("u{i}");
        let mut body =
            json!({"identifier": user, "email": format!("{user}@acme.test"), "name": user});
        if let Some(h) = p.home {
            body["organization"] = json!(["eng", "sales"][h]);
        }
        ok(app, "POST", "/v1/users", body).await;
        for (n, (role, scope, group)) in p.grants.iter().enumerate() {
            let level = match *scope {
                0 => 0,
                1 | 3 => 1,
                _ => 2,
            };
            let list = groups(level);
            let body = json!({"identifier": format!("{user}_{n}"), "role": ROLES[*role],
                "resource_group": list[group % list.len()],
                "principal": {"identifier": user, "type": "USER"}});
            let a = app
                .admin(
                    "POST",
                    &format!("/v1{}/role-assignments", SCOPES[*scope]),
                    Some(body),
                )
                .await;
            assert!(matches!(a.status, 201 | 400 | 409), "{}", a.body);
        }
        let mut token = json!({"identifier": "t", "name": "t"});
        if p.restrict {
            token["permissions"] = json!(["sei_seiteams_view", "API_READ"]);
        }
        let t = app
            .admin("POST", &format!("/v1/users/{user}/tokens"), Some(token))
            .await;
        let t = if t.status == 201 {
            t.body["token"].as_str().unwrap_or_default().to_owned()
        } else {
            // The owner holds neither permission: an unrestricted token then.
            ok(
                app,
                "POST",
                &format!("/v1/users/{user}/tokens"),
                json!({"identifier": "t2", "name": "t"}),
            )
            .await["token"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        if p.disabled {
            ok(
                app,
                "PUT",
                &format!("/v1/users/{user}"),
                json!({"disabled": true}),
            )
            .await;
        }
        tokens.push(t);
    }
    app.refresh().await;
    tokens
}

fn scope_json(q: &Question) -> Value {
    let mut s = json!({"accountIdentifier": ACCOUNT});
    if let Some(o) = q.org {
        s["orgIdentifier"] = json!(o);
    }
    if let Some(p) = q.project {
        s["projectIdentifier"] = json!(p);
    }
    s
}

fn item(q: &Question) -> Value {
    let mut i = json!({"resourceScope": scope_json(q), "resourceType": q.resource_type,
        "permission": q.permission});
    if let Some(id) = &q.id {
        i["resourceIdentifier"] = json!(id);
    }
    if let Some(a) = &q.attributes {
        i["resourceAttributes"] = a.clone();
    }
    i
}

fn scope_text(q: &Question) -> String {
    [Some(ACCOUNT), q.org, q.project]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

async fn run(people: Vec<Person>) -> Result<(), String> {
    let app = TestApp::start().await;
    let tokens = world(&app, &people).await;
    let qs = questions();
    for (i, p) in people.iter().enumerate() {
        let user = format!("u{i}");
        // The one asking: the user itself, or (when it is disabled) the admin about it.
        let asker = if p.disabled {
            app.admin_token.clone()
        } else {
            tokens[i].clone()
        };
        let about = p
            .disabled
            .then(|| json!({"identifier": user, "type": "USER"}));
        let mut acl_body = json!({"permissions": qs.iter().map(item).collect::<Vec<_>>()});
        if let Some(a) = &about {
            acl_body["principal"] = a.clone();
        }
        let acl = app
            .call("POST", "/authz/api/acl", Some(&asker), Some(acl_body))
            .await;
        let list = acl.body["data"]["accessControlList"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if list.len() != qs.len() {
            return Err(format!(
                "{user}: ACL answered {} of {} items: {}",
                list.len(),
                qs.len(),
                acl.body
            ));
        }
        for (q, acl_item) in qs.iter().zip(&list) {
            let gw = app
                .call(q.method, &q.path, Some(&tokens[i]), Some(json!({})))
                .await;
            let gateway = !matches!(gw.status, 401 | 403);
            let acl = acl_item["permitted"].as_bool().unwrap_or(false);
            let mut ask = item(q);
            if let Some(a) = &about {
                ask["principal"] = a.clone();
            }
            let why = app
                .call("POST", "/v1/access/explain", Some(&asker), Some(ask))
                .await;
            let explain = why.body["permitted"].as_bool().unwrap_or(false);
            let path = format!(
                "/v1/principals/user/{user}/permissions?scope={}",
                scope_text(q)
            );
            let eff = app.call("GET", &path, Some(&asker), None).await;
            let member = eff.body["permissions"]
                .as_array()
                .is_some_and(|l| l.iter().any(|p| p == q.permission));
            let what = format!("{user} {p:?} {} {}", q.method, q.path);
            if gateway != acl || gateway != explain {
                return Err(format!(
                    "{what}: gateway {gateway} ({}), acl {acl}, explain {explain} {}",
                    gw.status, why.body
                ));
            }
            if gateway && !member {
                return Err(format!(
                    "{what}: allowed but `{}` is not in effective permissions {}",
                    q.permission, eff.body
                ));
            }
            if q.id.is_none() && q.method == "GET" && member != gateway {
                return Err(format!(
                    "{what}: list {gateway} but effective membership {member}"
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("SCOPEGATE_DIFFERENTIAL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12),
        max_shrink_iters: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn gateway_acl_explain_and_effective_permissions_agree(
        people in proptest::collection::vec(person(), 0..3),
    ) {
        // Every world has one person reading through the attribute group and an
        // organization-scoped portal grant, so the registry and ownership rules are always
        // exercised.
        let mut people = people;
        people.insert(0, Person {
            grants: vec![(0, 2, 2), (3, 1, 0)],
            home: Some(1),
            restrict: false,
            disabled: false,
        });
        let result = actix_web::rt::System::new().block_on(run(people));
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}
