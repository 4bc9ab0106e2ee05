//! Criterion benchmarks of the policy hot paths:
//! - `check/20_assignments`: one decision from a principal's compiled grants (target ≤ 1 µs);
//! - `load_grants/{1k,1m}`: loading and compiling one principal's grants from SQLite with
//!   1,000 and 1,000,000 assignments in the table (target ≤ 1 ms, and equal cost).
//!
//! Under `cargo test --benches` (no `--bench` flag) the tables are small so the run stays
//! quick; `cargo bench --bench policy` builds the full million.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;
use scopegate::policy::builtin::builtin_role;
use scopegate::policy::engine::{check, Grant, PrincipalPolicy, Request, Resource};
use scopegate::policy::permission::catalogue;
use scopegate::policy::resource_group::{builtin_group, Attributes};
use scopegate::policy::role::{Principal, PrincipalType};
use scopegate::policy::split::SplitPhases;
use scopegate::policy::{Identifier, Scope};
use scopegate::storage::grants::load_principal;
use scopegate::storage::principals::User;
use scopegate::storage::Db;

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn policy_with_20_assignments() -> PrincipalPolicy {
    let roles = [
        "_sei_viewer",
        "_sei_team_manager",
        "Basic_User",
        "_project_viewer",
    ];
    let grants = (0..20)
        .map(|i| {
            let scope = Scope::parse(&format!("acme/org{}/p{i}", i % 3)).unwrap();
            let role = builtin_role(roles[(i + 2) % roles.len()]).unwrap();
            Grant {
                assignment: Identifier::new(&format!("a{i}")).unwrap(),
                assignment_scope: scope.clone(),
                role: role.identifier.clone(),
                permissions: role.permissions,
                group: Arc::new(builtin_group("_all_project_level_resources", &scope).unwrap()),
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
    PrincipalPolicy::new(principal, None, grants, SplitPhases::default())
}

fn bench_check(c: &mut Criterion) {
    let policy = policy_with_20_assignments();
    let scope = Scope::parse("acme/org1/p19").unwrap();
    let attrs = Attributes::new();
    let permission = catalogue().get("sei_seiteams_edit").unwrap();
    let request = Request {
        permission,
        resource: Resource {
            scope: &scope,
            resource_type: "SEI_TEAM",
            identifier: Some("team-a"),
            attributes: &attrs,
        },
        restriction: None,
    };
    // The granting assignment is the last of the 20: the worst case for a linear scan.
    assert!(check(&policy, &request).is_allowed());
    c.bench_function("check/20_assignments_allow_last", |b| {
        b.iter(|| check(black_box(&policy), black_box(&request)))
    });
    let denied_scope = Scope::parse("acme/other/x").unwrap();
    let denied = Request {
        resource: Resource {
            scope: &denied_scope,
            ..request.resource
        },
        ..request
    };
    assert!(!check(&policy, &denied).is_allowed());
    c.bench_function("check/20_assignments_deny", |b| {
        b.iter(|| check(black_box(&policy), black_box(&denied)))
    });
}

/// A SQLite database with `total` assignments, 20 of which belong to `alice`.
fn database_with(total: u64) -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}/bench.db", dir.path().display()), 2).unwrap();
    db.migrate().unwrap();
    let mut conn = db.conn().unwrap();
    User {
        account: "acme".into(),
        identifier: "alice".into(),
        email: "a@x".into(),
        name: "A".into(),
        password_hash: None,
        organization: None,
        disabled: false,
        created: 0,
        updated: 0,
    }
    .insert(&mut conn)
    .unwrap();
    let others = total - 20;
    conn.batch_execute(&format!(
        "BEGIN; \
         WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {others}) \
         INSERT INTO role_assignments SELECT 'acme', 'org' || (x % 50), 'p' || (x % 400), 'a' || x, '_sei_viewer', '', \
           '_all_project_level_resources', 'USER', 'user' || (x % 100000), 'account', '', '', 0, 0, 0, 0 FROM n; \
         WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 19) \
         INSERT INTO role_assignments SELECT 'acme', 'org' || (x % 3), 'p' || x, 'alice' || x, '_sei_team_manager', '', \
           '_all_project_level_resources', 'USER', 'alice', 'account', '', '', 0, 0, 0, 0 FROM n; \
         COMMIT; ANALYZE;"
    ))
    .unwrap();
    drop(conn);
    (db, dir)
}

fn bench_load(c: &mut Criterion) {
    let alice = Principal {
        principal_type: PrincipalType::User,
        identifier: Identifier::new("alice").unwrap(),
        scope: Scope::parse("acme").unwrap(),
    };
    let sizes: &[(&str, u64)] = if full_run() {
        &[("1k", 1_000), ("1m", 1_000_000)]
    } else {
        &[("1k", 1_000), ("10k", 10_000)]
    };
    for (label, total) in sizes {
        let (db, _dir) = database_with(*total);
        let mut conn = db.conn().unwrap();
        let loaded = load_principal(&mut conn, &alice).unwrap().unwrap();
        assert_eq!(loaded.grants.len(), 20);
        c.bench_function(&format!("load_grants/{label}_assignments"), |b| {
            b.iter(|| load_principal(black_box(&mut conn), black_box(&alice)).unwrap())
        });
    }
}

criterion_group!(benches, bench_check, bench_load);
criterion_main!(benches);
