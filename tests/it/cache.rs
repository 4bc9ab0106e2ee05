//! Property: a decision is the same whether or not it went through the policy cache.

use std::sync::Arc;

use proptest::prelude::*;
use scopegate::authn::epochs::EpochWatch;
use scopegate::authz::Authz;
use scopegate::policy::engine::{check, Request, Resource};
use scopegate::policy::permission::catalogue;
use scopegate::policy::resource_group::Attributes;
use scopegate::policy::role::{Principal, PrincipalRef, PrincipalType, RoleAssignment};
use scopegate::policy::{Identifier, Scope, ScopeLevel};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::grants::load_principal;
use scopegate::storage::guard::{NewAssignment, Permit};
use scopegate::storage::principals::User;
use scopegate::storage::tenancy::Account;

use super::support::sqlite_db;

const ROLES: &[&str] = &[
    "_sei_admin",
    "_sei_viewer",
    "_sei_team_manager",
    "_project_viewer",
    "Basic_User",
    "_organization_admin",
];
const SCOPES: &[(&str, &str)] = &[
    ("acme", "_all_resources_including_child_scopes"),
    ("acme", "_all_account_level_resources"),
    ("acme/eng", "_all_resources_including_child_scopes"),
    ("acme/eng", "_all_organization_level_resources"),
    ("acme/eng/web", "_all_project_level_resources"),
    ("acme/sales/crm", "_all_project_level_resources"),
];
const QUESTIONS: &[(&str, &str, &str)] = &[
    ("sei_seiteams_edit", "acme/eng/web", "SEI_TEAM"),
    ("sei_seiteams_view", "acme/sales/crm", "SEI_TEAM"),
    ("sei_seiintegrations_view", "acme", "SEI_INTEGRATION"),
    ("API_READ", "acme/eng", "API"),
    ("API_READ", "acme/sales", "API"),
    ("core_project_view", "acme/eng", "PROJECT"),
    ("core_pipeline_create", "acme/eng/web", "PIPELINE"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn cached_and_uncached_decisions_agree(
        grants in prop::collection::vec((0..ROLES.len(), 0..SCOPES.len(), any::<bool>()), 0..6),
        home in prop::option::of(prop::sample::select(vec!["eng", "sales"])),
    ) {
        let (db, _dir) = sqlite_db();
        let mut conn = db.conn().unwrap();
        Account::ensure(&mut conn, "acme", "Acme", 1).unwrap();
        User { account: "acme".into(), identifier: "u".into(), email: "u@x".into(), name: "U".into(), password_hash: None, organization: home.map(str::to_owned), disabled: false, created: 1, updated: 1 }.insert(&mut conn).unwrap();
        for (i, (role, scope, disabled)) in grants.iter().enumerate() {
            let (scope, group) = SCOPES[*scope];
            Assignments::insert(&mut conn, Permit::system(NewAssignment(RoleAssignment {
                identifier: Identifier::new(&format!("a{i}")).unwrap(),
                scope: Scope::parse(scope).unwrap(),
                role: Identifier::new(ROLES[*role]).unwrap(),
                role_scope_level: None,
                resource_group: Identifier::new(group).unwrap(),
                principal: PrincipalRef { principal_type: PrincipalType::User, identifier: Identifier::new("u").unwrap(), scope_level: ScopeLevel::Account },
                disabled: *disabled,
                managed: false,
                created: 1,
                updated: 1,
            }))).unwrap();
        }
        let principal = Principal { principal_type: PrincipalType::User, identifier: Identifier::new("u").unwrap(), scope: Scope::parse("acme").unwrap() };
        let fresh = load_principal(&mut conn, &principal).unwrap().unwrap();
        drop(conn);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let authz = Arc::new(Authz::new(db.clone(), Arc::new(EpochWatch::new()), 60, 30));
        let (first, second) = rt.block_on(async {
            let a = authz.policy(&principal).await.unwrap();
            let b = authz.policy(&principal).await.unwrap();
            (a, b)
        });
        prop_assert!(Arc::ptr_eq(&first, &second), "the second lookup is a cache hit");
        let attrs = Attributes::new();
        for (permission, scope, ty) in QUESTIONS {
            let sc = Scope::parse(scope).unwrap();
            for ident in [Some("x"), None] {
                let req = Request { permission: catalogue().get(permission).unwrap(), resource: Resource { scope: &sc, resource_type: ty, identifier: ident, attributes: &attrs }, restriction: None };
                prop_assert_eq!(check(&fresh, &req), check(&second.policy, &req), "{} at {}", permission, scope);
            }
        }
    }
}
