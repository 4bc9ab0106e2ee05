//! The decision engine: `check`, `explain`, list filtering and the escalation test.
//!
//! Pure: the caller gathers a principal's compiled grants ([`PrincipalPolicy`]) and the
//! resource; the engine does no I/O, reads no clock and never panics. Deny by default; every
//! answer carries its reason (section 2 of DESIGN.md, rule numbers cited below).

mod escalation;
mod explain;
mod list;

use std::sync::Arc;

pub use escalation::{holds_on_group, holds_type_wide};
pub use explain::{explain, Explanation, GrantInfo, NearMiss};
pub use list::{allowed_ids, AllowedIds, RegistryEntry};

use super::ids::Identifier;
use super::permission::{catalogue, Module, Permission, PermissionId, PermissionSet};
use super::resource_group::{Attributes, ResourceGroup};
use super::role::Principal;
use super::scope::{Scope, ScopeLevel};
use super::split::SplitPhases;

/// One assignment of a principal, compiled: the role's permissions and the resolved group.
#[derive(Clone, Debug)]
pub struct Grant {
    pub assignment: Identifier,
    pub assignment_scope: Scope,
    pub role: Identifier,
    pub permissions: PermissionSet,
    pub group: Arc<ResourceGroup>,
    /// The user group this grant came through, if any.
    pub via_group: Option<Identifier>,
    pub disabled: bool,
}

/// Everything the engine needs about one principal; cached per principal and epoch.
#[derive(Clone, Debug)]
pub struct PrincipalPolicy {
    pub principal: Principal,
    /// The user's home organization (portal ownership, rule 4).
    pub home_org: Option<Identifier>,
    pub grants: Vec<Grant>,
    pub splits: SplitPhases,
    own_orgs: Vec<Identifier>,
    cross_org: Option<PermissionId>,
}

impl PrincipalPolicy {
    pub fn new(
        principal: Principal,
        home_org: Option<Identifier>,
        grants: Vec<Grant>,
        splits: SplitPhases,
    ) -> Self {
        let mut own_orgs: Vec<Identifier> = home_org.iter().cloned().collect();
        for g in grants.iter().filter(|g| !g.disabled) {
            if g.assignment_scope.level() == ScopeLevel::Organization {
                if let Some(o) = &g.assignment_scope.org {
                    if !own_orgs.contains(o) {
                        own_orgs.push(o.clone());
                    }
                }
            }
        }
        let cross_org = catalogue().get("CROSS_ORGANIZATION_ACCESS");
        Self {
            principal,
            home_org,
            grants,
            splits,
            own_orgs,
            cross_org,
        }
    }

    pub fn account(&self) -> &Identifier {
        self.principal.account()
    }

    /// The caller's organizations: home organization and org-scoped assignments (rule 4).
    pub fn own_orgs(&self) -> &[Identifier] {
        &self.own_orgs
    }

    /// Holds CROSS_ORGANIZATION_ACCESS through some enabled grant, within the restriction.
    pub fn has_cross_org(&self, restriction: Option<&PermissionSet>) -> bool {
        let Some(id) = self.cross_org else {
            return false;
        };
        restriction.is_none_or(|r| r.contains(id))
            && self
                .grants
                .iter()
                .any(|g| !g.disabled && g.permissions.contains(id))
    }

    /// Union of the permissions of all enabled grants (for token subsets and listings).
    pub fn all_permissions(&self) -> PermissionSet {
        self.grants
            .iter()
            .filter(|g| !g.disabled)
            .fold(PermissionSet::EMPTY, |acc, g| acc.union(&g.permissions))
    }
}

/// The thing a check is about. `identifier == None` is a type-level check (rule 8).
#[derive(Clone, Copy, Debug)]
pub struct Resource<'a> {
    pub scope: &'a Scope,
    pub resource_type: &'a str,
    pub identifier: Option<&'a str>,
    pub attributes: &'a Attributes,
}

/// One access question.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub permission: PermissionId,
    pub resource: Resource<'a>,
    /// The credential's restriction (token subset or JWT scope); `None`: unrestricted.
    pub restriction: Option<&'a PermissionSet>,
}

/// Why a check was denied without any grant coming close.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DenyCause {
    /// Rule 1: the permission does not exist at the resource's scope level.
    NotAvailableAtScope,
    /// The permission acts on another resource type.
    ResourceTypeMismatch,
    /// The resource is in another account than the principal.
    OtherAccount,
    /// Rule 6: no grant matched.
    NoGrant,
}

/// The answer of [`check`]. `Allowed` names the grant (index into `grants`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decision {
    Allowed { grant: usize, implicit: bool },
    Denied(DenyCause),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// Rule 1 and account check, shared by check, explain and list.
fn precheck(policy: &PrincipalPolicy, perm: &Permission, resource: &Resource) -> Option<DenyCause> {
    if !perm.available_at(resource.scope.level()) {
        return Some(DenyCause::NotAvailableAtScope);
    }
    if perm.resource_type != resource.resource_type {
        return Some(DenyCause::ResourceTypeMismatch);
    }
    if !policy.account().same(&resource.scope.account) {
        return Some(DenyCause::OtherAccount);
    }
    None
}

/// Does the grant's role give `permission` (after split rules and the restriction)?
#[inline]
fn role_gives(
    grant: &Grant,
    permission: PermissionId,
    alt: Option<PermissionId>,
    restriction: Option<&PermissionSet>,
) -> bool {
    let one = |p: PermissionId| {
        grant.permissions.contains(p) && restriction.is_none_or(|r| r.contains(p))
    };
    one(permission) || alt.is_some_and(one)
}

/// The scope a grant is evaluated against: the resource's own, or for a portal permission
/// with CROSS_ORGANIZATION_ACCESS and an org-scoped grant, the resource rebased onto the
/// grant's organization (section 1 "Scope grants").
fn effective_scope<'s>(
    grant: &'s Grant,
    resource_scope: &'s Scope,
    widen: bool,
) -> Option<std::borrow::Cow<'s, Scope>> {
    if grant.assignment_scope.contains(resource_scope) {
        return Some(std::borrow::Cow::Borrowed(resource_scope));
    }
    if widen
        && grant.assignment_scope.level() == ScopeLevel::Organization
        && resource_scope.level() == ScopeLevel::Organization
        && grant.assignment_scope.account.same(&resource_scope.account)
    {
        return Some(std::borrow::Cow::Borrowed(&grant.assignment_scope));
    }
    None
}

/// Does the grant's group select the resource (rules 3 and 8)?
fn group_selects(
    group: &ResourceGroup,
    perm: &Permission,
    scope: &Scope,
    resource: &Resource,
) -> bool {
    match resource.identifier {
        Some(id) => group.selects(scope, resource.resource_type, id, resource.attributes),
        None if perm.is_list_action() => group.touches_type(scope, resource.resource_type),
        None => group.selects_all_of_type(scope, resource.resource_type),
    }
}

/// Portal permissions reach only the caller's organizations unless widened (rule 4).
fn ownership_ok(
    policy: &PrincipalPolicy,
    perm: &Permission,
    scope: &Scope,
    cross_org: bool,
) -> bool {
    if perm.module != Module::Portal || cross_org {
        return true;
    }
    match &scope.org {
        None => true,
        Some(org) => policy.own_orgs.iter().any(|o| o.same(org)),
    }
}

/// The target scope of an implicit-visibility check (rule 5), if the request is one.
fn visibility_target(perm: &Permission, resource: &Resource) -> Option<Scope> {
    let id = Identifier::new(resource.identifier?).ok()?;
    let scope = resource.scope;
    match (perm.identifier.as_str(), resource.resource_type) {
        ("core_account_view", "ACCOUNT") if scope.account.same(&id) => Some(scope.clone()),
        ("core_organization_view", "ORGANIZATION") if scope.level() == ScopeLevel::Account => {
            Some(Scope::org(scope.account.clone(), id))
        }
        ("core_project_view", "PROJECT") if scope.level() == ScopeLevel::Organization => Some(
            Scope::project(scope.account.clone(), scope.org.clone()?, id),
        ),
        _ => None,
    }
}

/// An assignment whose group includes `target` (or a scope below it) makes `target` visible.
fn reveals(grant: &Grant, target: &Scope) -> bool {
    grant.assignment_scope.account.same(&target.account)
        && grant
            .group
            .included_scopes
            .iter()
            .any(|inc| target.contains(&inc.scope) || inc.covers(target))
}

/// Decides one request (rules 1–6, 8). Allocation-free except for rule 5's target scope.
pub fn check(policy: &PrincipalPolicy, request: &Request) -> Decision {
    let perm = catalogue().permission(request.permission);
    let resource = &request.resource;
    if let Some(cause) = precheck(policy, perm, resource) {
        return Decision::Denied(cause);
    }
    let alt = policy.splits.create_alternative(request.permission);
    let cross_org = perm.module == Module::Portal && policy.has_cross_org(request.restriction);
    for (i, grant) in policy.grants.iter().enumerate() {
        if grant.disabled || !role_gives(grant, request.permission, alt, request.restriction) {
            continue;
        }
        let Some(scope) = effective_scope(grant, resource.scope, cross_org) else {
            continue;
        };
        if group_selects(&grant.group, perm, &scope, resource)
            && ownership_ok(policy, perm, resource.scope, cross_org)
        {
            return Decision::Allowed {
                grant: i,
                implicit: false,
            };
        }
    }
    if request
        .restriction
        .is_none_or(|r| r.contains(request.permission))
    {
        if let Some(target) = visibility_target(perm, resource) {
            if let Some(i) = policy
                .grants
                .iter()
                .position(|g| !g.disabled && reveals(g, &target))
            {
                return Decision::Allowed {
                    grant: i,
                    implicit: true,
                };
            }
        }
    }
    Decision::Denied(DenyCause::NoGrant)
}

#[cfg(test)]
mod tests;
