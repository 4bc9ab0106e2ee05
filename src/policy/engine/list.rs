//! List filtering (rule 8): which identifiers of a type a principal may see in a scope, and
//! the permissions a principal holds at a scope (effective permissions).

use std::collections::BTreeSet;

use super::{
    effective_scope, holds_somewhere, ownership_ok, precheck, role_gives, visibility_level,
    PrincipalPolicy, Request, Resource,
};
use crate::policy::permission::{catalogue, Module, Permission, PermissionId, PermissionSet};
use crate::policy::resource_group::{Attributes, ResourceGroup, ScopeFilter};
use crate::policy::scope::{Scope, ScopeLevel};

/// A resource of the registry at the listed scope, for attribute filters.
#[derive(Clone, Debug)]
pub struct RegistryEntry {
    pub identifier: String,
    pub attributes: Attributes,
}

/// What a list may return.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AllowedIds {
    /// No grant covers the type here: the list is denied.
    Denied,
    /// Every resource of the type (`*`).
    All,
    /// Only these identifiers (possibly none), sorted.
    Some(BTreeSet<String>),
}

impl AllowedIds {
    /// The `X-Scopegate-Allowed-Ids` header value (`None` when denied).
    pub fn header_value(&self) -> Option<String> {
        match self {
            AllowedIds::Denied => None,
            AllowedIds::All => Some("*".to_owned()),
            AllowedIds::Some(ids) => {
                Some(ids.iter().map(String::as_str).collect::<Vec<_>>().join(","))
            }
        }
    }
}

fn named_ids(
    group: &ResourceGroup,
    resource_type: &str,
    registry: &[RegistryEntry],
    out: &mut BTreeSet<String>,
) {
    for f in group
        .resource_filters
        .iter()
        .filter(|f| f.resource_type == resource_type)
    {
        match &f.attribute {
            None => out.extend(f.identifiers.iter().cloned()),
            Some(attr) => out.extend(
                registry
                    .iter()
                    .filter(|r| attr.matches(&r.attributes))
                    .filter(|r| f.identifiers.is_empty() || f.identifiers.contains(&r.identifier))
                    .map(|r| r.identifier.clone()),
            ),
        }
    }
}

/// The identifiers of `resource_type` at `scope` that `permission` lets the principal see.
pub fn allowed_ids(
    policy: &PrincipalPolicy,
    permission: PermissionId,
    scope: &Scope,
    resource_type: &str,
    restriction: Option<&PermissionSet>,
    registry: &[RegistryEntry],
) -> AllowedIds {
    let perm = catalogue().permission(permission);
    let empty = Attributes::new();
    let resource = Resource {
        scope,
        resource_type,
        identifier: None,
        attributes: &empty,
    };
    if precheck(policy, perm, &resource).is_some() {
        return AllowedIds::Denied;
    }
    let alt = policy.splits.create_alternative(permission);
    let cross_org = perm.module == Module::Portal && policy.has_cross_org(restriction);
    if !ownership_ok(policy, perm, scope, cross_org) {
        return AllowedIds::Denied;
    }
    let mut covered = false;
    let mut ids = BTreeSet::new();
    for grant in policy.grants.iter().filter(|g| !g.disabled) {
        if !role_gives(grant, permission, alt, restriction) {
            continue;
        }
        let Some(at) = effective_scope(grant, scope, cross_org) else {
            continue;
        };
        if !grant.group.touches_type(&at, resource_type) {
            continue;
        }
        if grant.group.selects_all_of_type(&at, resource_type) {
            return AllowedIds::All;
        }
        covered = true;
        named_ids(&grant.group, resource_type, registry, &mut ids);
    }
    match revealed(policy, perm, &resource, restriction, &mut ids) {
        Revealed::All => AllowedIds::All,
        Revealed::Some => AllowedIds::Some(ids),
        Revealed::Nothing if covered => AllowedIds::Some(ids),
        Revealed::Nothing => AllowedIds::Denied,
    }
}

enum Revealed {
    Nothing,
    Some,
    All,
}

/// Rule 5 for lists: the scopes (accounts, organizations, projects) that implicit
/// visibility lets the principal see, added to `ids`.
fn revealed(
    policy: &PrincipalPolicy,
    perm: &Permission,
    resource: &Resource,
    restriction: Option<&PermissionSet>,
    ids: &mut BTreeSet<String>,
) -> Revealed {
    let Some(level) = visibility_level(perm, resource) else {
        return Revealed::Nothing;
    };
    if restriction.is_some_and(|r| !r.contains(perm.id)) {
        return Revealed::Nothing;
    }
    let scope = resource.scope;
    let mut found = Revealed::Nothing;
    let grants = policy.grants.iter().filter(|g| !g.disabled);
    for g in grants.filter(|g| g.assignment_scope.account.same(&scope.account)) {
        for inc in &g.group.included_scopes {
            let id = match level {
                ScopeLevel::Account => Some(&inc.scope.account),
                ScopeLevel::Organization => inc.scope.org.as_ref(),
                ScopeLevel::Project => inc.scope.project.as_ref(),
            };
            if inc.filter == ScopeFilter::IncludingChildScopes && inc.scope.contains(scope) {
                return Revealed::All;
            }
            if let (true, Some(id)) = (scope.contains(&inc.scope), id) {
                ids.insert(id.to_string());
                found = Revealed::Some;
            }
        }
    }
    found
}

/// The permissions `policy` holds at `scope` within `restriction`: each one the principal
/// may use on some resource of its type there ([`holds_somewhere`]), so every permission an
/// allowed `check` at that scope uses is in the set.
pub fn held_at(
    policy: &PrincipalPolicy,
    scope: &Scope,
    restriction: Option<&PermissionSet>,
) -> PermissionSet {
    let empty = Attributes::new();
    let mut held = PermissionSet::EMPTY;
    for perm in catalogue().all() {
        if !perm.available_at(scope.level()) {
            continue;
        }
        let request = Request {
            permission: perm.id,
            resource: Resource {
                scope,
                resource_type: &perm.resource_type,
                identifier: None,
                attributes: &empty,
            },
            restriction,
        };
        if holds_somewhere(policy, &request) {
            held.insert(perm.id);
        }
    }
    held
}
