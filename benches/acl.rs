//! Criterion benchmark of the ACL endpoint's decision step:
//! `acl/1000_items_20_grants`: one `POST /authz/api/acl` body of 1,000 items evaluated by
//! `admin::access::acl::evaluate` (the function the handler calls: the one decision path
//! through `authz`, here with no attribute filters so no registry read) against a principal
//! with 20 grants. Target ≤ 5 ms for the 1,000 checks. The HTTP round trip of the same request size
//! is printed by the integration test `admin_access::acl_thousand_items_over_http_timing`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use scopegate::admin::access::acl::{evaluate, AclItem};
use scopegate::authn::epochs::EpochWatch;
use scopegate::authz::Authz;
use scopegate::policy::builtin::builtin_role;
use scopegate::policy::engine::{Grant, PrincipalPolicy};
use scopegate::policy::resource_group::builtin_group;
use scopegate::policy::role::{Principal, PrincipalType};
use scopegate::policy::split::SplitPhases;
use scopegate::policy::{Identifier, Scope};
use scopegate::storage::Db;
use serde_json::json;

fn policy_with_20_grants() -> PrincipalPolicy {
    let roles = [
        "_sei_viewer",
        "_sei_team_manager",
        "Basic_User",
        "_project_viewer",
    ];
    let grants = (0..20)
        .map(|i| {
            let (scope, group) = match roles[i % roles.len()] {
                "Basic_User" => (
                    Scope::parse(&format!("acme/org{}", i % 3)).unwrap(),
                    "_all_resources_including_child_scopes",
                ),
                _ => (
                    Scope::parse(&format!("acme/org{}/p{i}", i % 3)).unwrap(),
                    "_all_project_level_resources",
                ),
            };
            let role = builtin_role(roles[i % roles.len()]).unwrap();
            Grant {
                assignment: Identifier::new(&format!("a{i}")).unwrap(),
                assignment_scope: scope.clone(),
                role: role.identifier.clone(),
                permissions: role.permissions,
                group: Arc::new(builtin_group(group, &scope).unwrap()),
                via_group: None,
                disabled: false,
            }
        })
        .collect();
    let principal = Principal {
        principal_type: PrincipalType::User,
        identifier: Identifier::new("alice").unwrap(),
        scope: Scope::parse("acme").unwrap(),
    };
    PrincipalPolicy::new(
        principal,
        Some(Identifier::new("org0").unwrap()),
        grants,
        SplitPhases::default(),
    )
}

/// 1,000 items over a handful of scopes, allowed and denied, as a Harness client sends them.
fn thousand_items() -> Vec<AclItem> {
    let kinds = [
        ("SEI_INSIGHTS", "sei_seiinsights_view", true),
        ("SEI_TEAM", "sei_seiteams_edit", true),
        ("SEI_TEAM", "sei_seiteams_delete", true),
        ("API", "API_READ", false),
        ("PIPELINE", "core_pipeline_view", true),
        ("PROJECT", "core_project_edit", false),
    ];
    let items: Vec<serde_json::Value> = (0..1_000)
        .map(|i| {
            let (ty, permission, project) = kinds[i % kinds.len()];
            let mut scope = json!({"accountIdentifier": "acme", "orgIdentifier": format!("org{}", (i / 7) % 3)});
            if project {
                scope["projectIdentifier"] = json!(format!("p{}", (i / 11) % 20));
            }
            json!({"resourceScope": scope, "resourceType": ty,
                   "resourceIdentifier": format!("r{i}"), "permission": permission,
                   "extraField": "ignored"})
        })
        .collect();
    serde_json::from_value(serde_json::Value::Array(items)).unwrap()
}

fn bench_acl(c: &mut Criterion) {
    let policy = policy_with_20_grants();
    let items = thousand_items();
    let account = Identifier::new("acme").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}/acl.db", dir.path().display()), 1).unwrap();
    db.migrate().unwrap();
    let authz = Authz::new(db, Arc::new(EpochWatch::new()), 60, 30);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |policy, items| rt.block_on(evaluate(&authz, policy, None, &account, items));
    let allowed = run(&policy, &items).unwrap().iter().filter(|p| **p).count();
    assert!(allowed > 0 && allowed < items.len(), "{allowed} allowed");
    c.bench_function("acl/1000_items_20_grants", |b| {
        b.iter(|| run(black_box(&policy), black_box(&items)))
    });
}

criterion_group!(benches, bench_acl);
criterion_main!(benches);
