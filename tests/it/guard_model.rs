//! The no-escalation rule as a model-based property test (DESIGN §4.4, §8).
//!
//! Random worlds (roles, groups, user groups, service accounts, assignments, writers with
//! an unrestricted and a restricted token) and random sequences of admin writes by random
//! non-admin writers, over real HTTP. After every accepted write, no principal holds a
//! permission on a resource that the writer (through the credential it wrote with) lacked
//! before the write, and no credential handed to the writer (a minted or rotated token, a
//! password it set) opens more than the writer held. A refused write changes nothing.
//! "Holds" is the engine's answer over a fixed set of questions, loaded from the database
//! before and after each write.

use std::collections::BTreeSet;

use proptest::prelude::*;
use scopegate::policy::engine::{check, Request, Resource};
use scopegate::policy::permission::{catalogue, PermissionSet};
use scopegate::policy::resource_group::Attributes;
use scopegate::policy::role::{Principal, PrincipalType};
use scopegate::policy::{Identifier, Scope};
use scopegate::storage::grants::load_principal;
use serde_json::{json, Value};

use super::harness::{Answer, TestApp};

/// The permissions the questions and the random roles are made of.
const POOL: &[&str] = &[
    "core_usergroup_manage",
    "core_usergroup_view",
    "core_user_manage",
    "core_user_view",
    "core_role_edit",
    "core_role_view",
    "core_resourcegroup_edit",
    "core_resourcegroup_view",
    "core_serviceaccount_manageapikey",
    "core_serviceaccount_view",
    "core_serviceaccount_edit",
    "sei_seiteams_view",
    "sei_seiteams_edit",
    "API_READ",
    "CROSS_ORGANIZATION_ACCESS",
];

const SCOPES: &[&str] = &[
    "acme",
    "acme/eng",
    "acme/sales",
    "acme/eng/web",
    "acme/sales/crm",
];
const WRITERS: &[&str] = &["w0", "w1", "w2"];
/// Principals whose holdings are checked (users, then service accounts).
const USERS: &[&str] = &["admin", "w0", "w1", "w2", "dora", "dormant"];
const SAS: &[&str] = &["bot", "bot2"];
const ROLES: &[&str] = &[
    "ug_mgr",
    "tok_mgr",
    "sa_keys",
    "editor",
    "portal",
    "_sei_admin",
    "_sei_viewer",
    "_account_admin",
    "_organization_admin",
];
const GROUPS: &[&str] = &[
    "_all_resources_including_child_scopes",
    "teams_a",
    "nothing",
];
const USER_GROUPS: &[&str] = &["admins", "viewers"];
const ORGS: &[&str] = &["eng", "sales"];

/// One question: permission, scope, identifier (None: type-level).
type Question = (String, String, Option<String>);

fn questions() -> Vec<Question> {
    let c = catalogue();
    let mut out = Vec::new();
    for p in POOL {
        let id = c.get(p).expect("pool permission");
        let perm = c.permission(id);
        for s in SCOPES {
            let scope = Scope::parse(s).expect("scope");
            if !perm.available_at(scope.level()) {
                continue;
            }
            for ident in [None, Some("team-a"), Some("team-b")] {
                out.push((p.to_string(), s.to_string(), ident.map(str::to_owned)));
            }
        }
    }
    out
}

/// What a principal may do through a credential restricted to `restriction`.
fn holdings(
    app: &TestApp,
    principal: &Principal,
    restriction: Option<&PermissionSet>,
    qs: &[Question],
) -> BTreeSet<Question> {
    let mut conn = app.db.conn().expect("conn");
    let Some(loaded) = load_principal(&mut conn, principal).expect("load") else {
        return BTreeSet::new();
    };
    let c = catalogue();
    let empty = Attributes::new();
    qs.iter()
        .filter(|(p, s, id)| {
            let pid = c.get(p).expect("known");
            let scope = Scope::parse(s).expect("scope");
            let request = Request {
                permission: pid,
                resource: Resource {
                    scope: &scope,
                    resource_type: &c.permission(pid).resource_type,
                    identifier: id.as_deref(),
                    attributes: &empty,
                },
                restriction,
            };
            check(&loaded, &request).is_allowed()
        })
        .cloned()
        .collect()
}

fn principal(kind: PrincipalType, id: &str) -> Principal {
    Principal {
        principal_type: kind,
        identifier: Identifier::new(id).expect("id"),
        scope: Scope::parse("acme").expect("scope"),
    }
}

fn everyone() -> Vec<Principal> {
    USERS
        .iter()
        .map(|u| principal(PrincipalType::User, u))
        .chain(
            SAS.iter()
                .map(|s| principal(PrincipalType::ServiceAccount, s)),
        )
        .collect()
}

fn set_of(perms: &[String]) -> PermissionSet {
    catalogue().set_of(perms).expect("known permissions")
}

/// A writer's two credentials.
#[derive(Clone, Debug)]
struct WriterTokens {
    full: String,
    narrow: String,
    narrow_set: PermissionSet,
}

/// An assignment of the initial world: role, group, scope.
#[derive(Clone, Debug)]
struct Grant {
    role: usize,
    group: usize,
    scope: usize,
}

fn grant_strategy() -> impl Strategy<Value = Grant> {
    (0..ROLES.len(), 0..GROUPS.len(), 0..3usize).prop_map(|(role, group, scope)| Grant {
        role,
        group,
        scope,
    })
}

/// One random admin write. Indices are reduced modulo the lists they index.
#[derive(Clone, Debug)]
enum Op {
    Assign { principal: usize, grant: Grant },
    Enable { which: usize },
    AddMember { group: usize, user: usize },
    CreateGroup { user: usize },
    AddRolePermission { role: usize, permission: usize },
    WidenGroup { all: bool },
    SetHomeOrg { user: usize, org: usize },
    MintToken { owner: usize, restrict: Option<u32> },
    Rotate { owner: usize, narrow: bool },
    SetPassword { user: usize },
    EnableUser { user: usize },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..10usize, grant_strategy())
            .prop_map(|(principal, grant)| Op::Assign { principal, grant }),
        (0..2usize).prop_map(|which| Op::Enable { which }),
        (0..2usize, 0..6usize).prop_map(|(group, user)| Op::AddMember { group, user }),
        (0..6usize).prop_map(|user| Op::CreateGroup { user }),
        (0..5usize, 0..POOL.len())
            .prop_map(|(role, permission)| Op::AddRolePermission { role, permission }),
        any::<bool>().prop_map(|all| Op::WidenGroup { all }),
        (0..6usize, 0..2usize).prop_map(|(user, org)| Op::SetHomeOrg { user, org }),
        (0..8usize, proptest::option::of(any::<u32>()))
            .prop_map(|(owner, restrict)| Op::MintToken { owner, restrict }),
        (0..3usize, any::<bool>()).prop_map(|(owner, narrow)| Op::Rotate { owner, narrow }),
        (0..6usize).prop_map(|user| Op::SetPassword { user }),
        (0..6usize).prop_map(|user| Op::EnableUser { user }),
    ]
}

/// A write by one writer through one of its credentials.
#[derive(Clone, Debug)]
struct Step {
    writer: usize,
    narrow: bool,
    op: Op,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (0..WRITERS.len(), any::<bool>(), op_strategy()).prop_map(|(writer, narrow, op)| Step {
        writer,
        narrow,
        op,
    })
}

#[derive(Clone, Debug)]
struct Case {
    writers: Vec<Vec<Grant>>,
    narrow_masks: Vec<u32>,
    steps: Vec<Step>,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(proptest::collection::vec(grant_strategy(), 1..3), 3),
        proptest::collection::vec(any::<u32>(), 3),
        proptest::collection::vec(step_strategy(), 1..10),
    )
        .prop_map(|(writers, narrow_masks, steps)| Case {
            writers,
            narrow_masks,
            steps,
        })
}

fn scope_path(scope: usize) -> &'static str {
    ["", "/orgs/eng", "/orgs/eng/projects/web"][scope]
}

/// The group usable at the grant's scope (built-in all-resources is not defined at a
/// project; custom groups live at the account).
fn group_at(grant: &Grant) -> &'static str {
    match (grant.group, grant.scope) {
        (0, 2) => "_all_project_level_resources",
        (g, _) => GROUPS[g],
    }
}

fn assignment(id: &str, role: &str, group: &str, kind: &str, who: &str) -> Value {
    json!({"identifier": id, "role": role, "resource_group": group,
        "principal": {"identifier": who, "type": kind, "scope_level": "account"}})
}

async fn ok(app: &TestApp, method: &str, path: &str, body: Value) -> Answer {
    let a = app.admin(method, path, Some(body)).await;
    assert!(a.status < 300, "{method} {path}: {} {}", a.status, a.body);
    a
}

/// Builds the world; returns each writer's credentials.
async fn build(app: &TestApp, case: &Case) -> Vec<WriterTokens> {
    app.seed_scopes().await;
    for (id, perms) in [
        (
            "ug_mgr",
            vec![
                "core_usergroup_manage",
                "core_usergroup_view",
                "sei_seiteams_view",
            ],
        ),
        ("tok_mgr", vec!["core_user_manage", "core_user_view"]),
        (
            "sa_keys",
            vec![
                "core_serviceaccount_manageapikey",
                "core_serviceaccount_view",
            ],
        ),
        (
            "editor",
            vec![
                "core_role_edit",
                "core_role_view",
                "core_resourcegroup_edit",
                "core_resourcegroup_view",
                "core_user_manage",
                "sei_seiteams_view",
                "sei_seiteams_edit",
            ],
        ),
        ("portal", vec!["API_READ", "core_user_manage"]),
    ] {
        ok(
            app,
            "POST",
            "/v1/roles",
            json!({"identifier": id, "name": id, "permissions": perms}),
        )
        .await;
    }
    let filter = |types: &[&str]| -> Value {
        json!(types
            .iter()
            .map(|t| json!({"resource_type": t}))
            .collect::<Vec<_>>())
    };
    let mut teams = filter(&[
        "USERGROUP",
        "USER",
        "ROLE",
        "RESOURCEGROUP",
        "SERVICEACCOUNT",
        "API",
    ]);
    teams
        .as_array_mut()
        .expect("array")
        .push(json!({"resource_type": "SEI_TEAM", "identifiers": ["team-a"]}));
    ok(
        app,
        "POST",
        "/v1/resource-groups",
        json!({"identifier": "teams_a", "name": "teams a",
        "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "acme"}],
        "resource_filter": teams}),
    )
    .await;
    ok(
        app,
        "POST",
        "/v1/resource-groups",
        json!({"identifier": "nothing", "name": "nothing",
        "included_scope": []}),
    )
    .await;
    for u in USERS.iter().filter(|u| **u != "admin") {
        ok(
            app,
            "POST",
            "/v1/users",
            json!({"identifier": u, "email": format!("{u}@acme.test"),
            "name": u, "organization": "eng"}),
        )
        .await;
    }
    for sa in SAS {
        ok(
            app,
            "POST",
            "/v1/service-accounts",
            json!({"identifier": sa, "name": sa}),
        )
        .await;
    }
    ok(
        app,
        "POST",
        "/v1/user-groups",
        json!({"identifier": "admins", "name": "admins", "users": ["dora"]}),
    )
    .await;
    ok(
        app,
        "POST",
        "/v1/user-groups",
        json!({"identifier": "viewers", "name": "viewers", "users": []}),
    )
    .await;
    let all = "_all_resources_including_child_scopes";
    for (id, role, kind, who, disabled) in [
        ("g_admins", "_account_admin", "USER_GROUP", "admins", false),
        ("g_viewers", "_sei_viewer", "USER_GROUP", "viewers", false),
        ("sa_bot", "_account_admin", "SERVICE_ACCOUNT", "bot", false),
        ("sa_bot2", "_sei_viewer", "SERVICE_ACCOUNT", "bot2", false),
        ("dormant_admin", "_account_admin", "USER", "dormant", false),
        ("off_admin", "_account_admin", "USER", "dora", true),
        ("off_editor", "editor", "USER", "dora", true),
    ] {
        let mut body = assignment(id, role, all, kind, who);
        body["disabled"] = json!(disabled);
        ok(app, "POST", "/v1/role-assignments", body).await;
    }
    ok(app, "PUT", "/v1/users/dormant", json!({"disabled": true})).await;
    let mut out = Vec::new();
    for (w, grants) in case.writers.iter().enumerate() {
        let who = WRITERS[w];
        for (i, g) in grants.iter().enumerate() {
            let path = format!("/v1{}/role-assignments", scope_path(g.scope));
            let body = assignment(
                &format!("{who}_{i}"),
                ROLES[g.role],
                group_at(g),
                "USER",
                who,
            );
            let a = app.admin("POST", &path, Some(body)).await;
            assert!(matches!(a.status, 201 | 400 | 404), "{path}: {}", a.body);
        }
        let full = ok(
            app,
            "POST",
            &format!("/v1/users/{who}/tokens"),
            json!({"identifier": "full", "name": "full"}),
        )
        .await;
        let held = holdings_perms(app, &principal(PrincipalType::User, who));
        let c = catalogue();
        let mask = case.narrow_masks[w];
        let mut narrow: Vec<String> = POOL
            .iter()
            .enumerate()
            .filter(|(i, p)| mask & (1 << i) != 0 && held.contains(c.get(p).expect("known")))
            .map(|(_, p)| p.to_string())
            .collect();
        if narrow.is_empty() {
            narrow = c.identifiers(&held).into_iter().take(1).collect();
        }
        let n = ok(
            app,
            "POST",
            &format!("/v1/users/{who}/tokens"),
            json!({"identifier": "narrow", "name": "narrow", "permissions": narrow}),
        )
        .await;
        out.push(WriterTokens {
            full: full.body["token"].as_str().expect("token").to_owned(),
            narrow: n.body["token"].as_str().expect("token").to_owned(),
            narrow_set: set_of(&narrow),
        });
    }
    app.refresh().await;
    out
}

fn holdings_perms(app: &TestApp, p: &Principal) -> PermissionSet {
    let mut conn = app.db.conn().expect("conn");
    load_principal(&mut conn, p)
        .expect("load")
        .map(|l| l.all_permissions())
        .unwrap_or(PermissionSet::EMPTY)
}

/// A credential the write handed to its writer: whose, and restricted how.
struct Obtained {
    owner: Principal,
    restriction: Option<PermissionSet>,
}

fn restriction_of(answer: &Answer) -> Option<PermissionSet> {
    answer.body["permissions"].as_array().map(|list| {
        let ids: Vec<String> = list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        set_of(&ids)
    })
}

/// Sends the step's write; returns the answer and the credential it handed out, if any.
async fn perform(
    app: &TestApp,
    tokens: &[WriterTokens],
    step: &Step,
) -> (Answer, Option<Obtained>) {
    let t = &tokens[step.writer];
    let token = if step.narrow { &t.narrow } else { &t.full };
    let call = |method: &'static str, path: String, body: Value| async move {
        app.call(method, &path, Some(token), Some(body)).await
    };
    match &step.op {
        Op::Assign { principal, grant } => {
            let (kind, who) = match principal % 10 {
                i @ 0..=5 => ("USER", USERS[i]),
                i @ 6..=7 => ("USER_GROUP", USER_GROUPS[i - 6]),
                i => ("SERVICE_ACCOUNT", SAS[i - 8]),
            };
            let body = assignment(
                &format!("x{}", rand_id()),
                ROLES[grant.role],
                group_at(grant),
                kind,
                who,
            );
            (
                call(
                    "POST",
                    format!("/v1{}/role-assignments", scope_path(grant.scope)),
                    body,
                )
                .await,
                None,
            )
        }
        Op::Enable { which } => {
            let id = ["off_admin", "off_editor"][which % 2];
            let mut body = assignment(
                id,
                ["_account_admin", "editor"][which % 2],
                "_all_resources_including_child_scopes",
                "USER",
                "dora",
            );
            body["disabled"] = json!(false);
            (
                call("PUT", format!("/v1/role-assignments/{id}"), body).await,
                None,
            )
        }
        Op::AddMember { group, user } => {
            let g = USER_GROUPS[group % 2];
            let current = app
                .admin("GET", &format!("/v1/user-groups/{g}"), None)
                .await;
            let mut users: Vec<Value> = current.body["users"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            users.push(json!(USERS[user % USERS.len()]));
            let body = json!({"identifier": g, "name": g, "users": users});
            (
                call("PUT", format!("/v1/user-groups/{g}"), body).await,
                None,
            )
        }
        Op::CreateGroup { user } => {
            let body = json!({"identifier": format!("g{}", rand_id()), "name": "g",
                "users": [USERS[user % USERS.len()]]});
            (call("POST", "/v1/user-groups".into(), body).await, None)
        }
        Op::AddRolePermission { role, permission } => {
            let r = ROLES[role % 5];
            let current = app.admin("GET", &format!("/v1/roles/{r}"), None).await;
            let mut perms: Vec<Value> = current.body["permissions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            perms.push(json!(POOL[*permission]));
            let body = json!({"identifier": r, "name": r, "permissions": perms});
            (call("PUT", format!("/v1/roles/{r}"), body).await, None)
        }
        Op::WidenGroup { all } => {
            let filter = if *all {
                json!([{"resource_type": "SEI_TEAM"}, {"resource_type": "USERGROUP"},
                    {"resource_type": "USER"}, {"resource_type": "ROLE"}])
            } else {
                json!([{"resource_type": "SEI_TEAM", "identifiers": ["team-a", "team-b"]},
                    {"resource_type": "USERGROUP"}, {"resource_type": "USER"}, {"resource_type": "ROLE"}])
            };
            let body = json!({"identifier": "teams_a", "name": "teams a", "resource_filter": filter,
                "included_scope": [{"filter": "INCLUDING_CHILD_SCOPES", "account": "acme"}]});
            (
                call("PUT", "/v1/resource-groups/teams_a".into(), body).await,
                None,
            )
        }
        Op::SetHomeOrg { user, org } => {
            let body = json!({"organization": ORGS[org % 2]});
            (
                call(
                    "PUT",
                    format!("/v1/users/{}", USERS[user % USERS.len()]),
                    body,
                )
                .await,
                None,
            )
        }
        Op::MintToken { owner, restrict } => {
            let (kind, who, path) = match owner % 8 {
                i @ 0..=5 => (
                    PrincipalType::User,
                    USERS[i],
                    format!("/v1/users/{}/tokens", USERS[i]),
                ),
                i => (
                    PrincipalType::ServiceAccount,
                    SAS[i - 6],
                    format!("/v1/service-accounts/{}/tokens", SAS[i - 6]),
                ),
            };
            let mut body = json!({"identifier": format!("m{}", rand_id()), "name": "minted"});
            if let Some(mask) = restrict {
                let perms: Vec<&str> = POOL
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, p)| *p)
                    .collect();
                body["permissions"] = json!(perms);
            }
            let a = call("POST", path, body).await;
            let got = (a.status == 201).then(|| Obtained {
                owner: principal(kind, who),
                restriction: restriction_of(&a),
            });
            (a, got)
        }
        Op::Rotate { owner, narrow } => {
            let who = WRITERS[owner % WRITERS.len()];
            let which = if *narrow { "narrow" } else { "full" };
            let a = call(
                "POST",
                format!("/v1/users/{who}/tokens/{which}/rotate"),
                json!({}),
            )
            .await;
            let got = (a.status == 201).then(|| Obtained {
                owner: principal(PrincipalType::User, who),
                restriction: restriction_of(&a),
            });
            (a, got)
        }
        Op::SetPassword { user } => {
            let who = USERS[user % USERS.len()];
            let body = json!({"password": "a-new-password-1"});
            let a = call("PUT", format!("/v1/users/{who}/password"), body).await;
            let got = (a.status == 200).then(|| Obtained {
                owner: principal(PrincipalType::User, who),
                restriction: None,
            });
            (a, got)
        }
        Op::EnableUser { user } => {
            let who = USERS[user % USERS.len()];
            (
                call(
                    "PUT",
                    format!("/v1/users/{who}"),
                    json!({"disabled": false}),
                )
                .await,
                None,
            )
        }
    }
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn snapshot(app: &TestApp, qs: &[Question]) -> Vec<BTreeSet<Question>> {
    everyone()
        .iter()
        .map(|p| holdings(app, p, None, qs))
        .collect()
}

/// Runs one case; `Err` describes the first write that broke the rule.
async fn run(case: Case) -> Result<(), String> {
    let app = TestApp::start().await;
    let tokens = build(&app, &case).await;
    let qs = questions();
    for (n, step) in case.steps.iter().enumerate() {
        let writer = principal(PrincipalType::User, WRITERS[step.writer]);
        let t = &tokens[step.writer];
        let restriction = step.narrow.then_some(&t.narrow_set);
        let held = holdings(&app, &writer, restriction, &qs);
        let before = snapshot(&app, &qs);
        let (answer, obtained) = perform(&app, &tokens, step).await;
        app.refresh().await;
        let after = snapshot(&app, &qs);
        let what = format!("step {n} {step:?} -> {} {}", answer.status, answer.body);
        if answer.status >= 300 {
            if before != after {
                return Err(format!(
                    "{what}: a refused write changed what principals hold"
                ));
            }
            continue;
        }
        for (p, (b, a)) in everyone().iter().zip(before.iter().zip(after.iter())) {
            if let Some(q) = a.difference(b).find(|q| !held.contains(*q)) {
                return Err(format!("{what}: {p} gained {q:?}, which the writer lacked"));
            }
        }
        if let Some(o) = obtained {
            let caps = holdings(&app, &o.owner, o.restriction.as_ref(), &qs);
            if let Some(q) = caps.iter().find(|q| !held.contains(*q)) {
                return Err(format!(
                    "{what}: the writer obtained a credential of {} opening {q:?}, which it lacked",
                    o.owner
                ));
            }
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("SCOPEGATE_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_accepted_write_gives_what_its_writer_lacks(case in case_strategy()) {
        let result = actix_web::rt::System::new().block_on(run(case));
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}
