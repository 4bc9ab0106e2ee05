//! List filtering (rule 8): which identifiers of a type a principal may see in a scope.

use std::collections::BTreeSet;

use super::{effective_scope, ownership_ok, precheck, role_gives, PrincipalPolicy};
use crate::policy::permission::{catalogue, Module, PermissionId, PermissionSet};
use crate::policy::resource_group::{Attributes, ResourceGroup};
use crate::policy::scope::Scope;

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
    let resource = super::Resource {
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
    if covered {
        AllowedIds::Some(ids)
    } else {
        AllowedIds::Denied
    }
}
