//! Helpers shared by the engine tests: `tests/rules.rs` (one table per rule of DESIGN §2),
//! `tests/seeds.rs` (the seed tables), `tests/properties.rs` (property tests).

use std::sync::Arc;

use super::*;
use crate::policy::builtin::builtin_role;
use crate::policy::resource_group::{
    builtin_group, AttributeFilter, IncludedScope, ResourceFilter, ScopeFilter,
};
use crate::policy::role::PrincipalType;
use crate::policy::split::{pair_index, SplitPhase};

pub(super) fn s(v: &str) -> Scope {
    Scope::parse(v).unwrap()
}

pub(super) fn id(v: &str) -> Identifier {
    Identifier::new(v).unwrap()
}

pub(super) fn perm(v: &str) -> PermissionId {
    catalogue()
        .get(v)
        .unwrap_or_else(|| panic!("unknown permission {v}"))
}

pub(super) fn user(name: &str) -> Principal {
    Principal {
        principal_type: PrincipalType::User,
        identifier: id(name),
        scope: s("acme"),
    }
}

/// A grant of a built-in role on a built-in group at `scope`.
pub(super) fn builtin_grant(role: &str, group: &str, scope: &str) -> Grant {
    let r = builtin_role(role).unwrap();
    Grant {
        assignment: id(&format!("a_{role}_{}", scope.replace('/', "_"))),
        assignment_scope: s(scope),
        role: r.identifier.clone(),
        permissions: r.permissions,
        group: Arc::new(builtin_group(group, &s(scope)).unwrap()),
        via_group: None,
        disabled: false,
    }
}

/// A grant of explicit permissions on a custom group.
pub(super) fn custom_grant(
    perms: &[&str],
    scope: &str,
    included: &[(ScopeFilter, &str)],
    filters: Vec<ResourceFilter>,
    all: bool,
) -> Grant {
    let mut g = builtin_group("_all_account_level_resources", &s("acme")).unwrap();
    g.identifier = id("custom_group");
    g.scope = s(scope);
    g.included_scopes = included
        .iter()
        .map(|(f, sc)| IncludedScope {
            filter: *f,
            scope: s(sc),
        })
        .collect();
    g.resource_filters = filters;
    g.include_all_resources = all;
    Grant {
        assignment: id("custom_assignment"),
        assignment_scope: s(scope),
        role: id("custom_role"),
        permissions: catalogue().set_of(perms).unwrap(),
        group: Arc::new(g),
        via_group: None,
        disabled: false,
    }
}

pub(super) fn filter(ty: &str, ids: &[&str], attr: Option<(&str, &[&str])>) -> ResourceFilter {
    ResourceFilter {
        resource_type: ty.to_owned(),
        identifiers: ids.iter().map(|s| s.to_string()).collect(),
        attribute: attr.map(|(n, v)| AttributeFilter {
            name: n.to_owned(),
            values: v.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

pub(super) fn policy(grants: Vec<Grant>) -> PrincipalPolicy {
    PrincipalPolicy::new(user("alice"), None, grants, SplitPhases::default())
}

pub(super) fn allowed(
    p: &PrincipalPolicy,
    permission: &str,
    scope: &str,
    ty: &str,
    ident: Option<&str>,
) -> bool {
    allowed_with(p, permission, scope, ty, ident, &Attributes::new(), None)
}

pub(super) fn allowed_with(
    p: &PrincipalPolicy,
    permission: &str,
    scope: &str,
    ty: &str,
    ident: Option<&str>,
    attrs: &Attributes,
    restriction: Option<&PermissionSet>,
) -> bool {
    let sc = s(scope);
    let req = Request {
        permission: perm(permission),
        resource: Resource {
            scope: &sc,
            resource_type: ty,
            identifier: ident,
            attributes: attrs,
        },
        restriction,
    };
    let decision = check(p, &req);
    assert_eq!(
        decision.is_allowed(),
        explain(p, &req).permitted,
        "explain agrees with check"
    );
    decision.is_allowed()
}

pub(super) fn ty_of(permission: &str) -> String {
    catalogue()
        .permission(perm(permission))
        .resource_type
        .clone()
}

use ScopeFilter::{ExcludingChildScopes as Excl, IncludingChildScopes as Incl};

mod integrity;
mod lists_explain;
mod properties;
mod rules;
mod seeds;
