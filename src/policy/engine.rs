//! The decision engine: `check`, `explain`, list filtering, the permissions held at a
//! scope, and the no-escalation comparison of what a write gives with what its writer holds.
//!
//! Pure: the caller gathers a principal's compiled grants ([`PrincipalPolicy`]) and the
//! resource; the engine does no I/O, reads no clock and never panics. Deny by default; every
//! answer carries its reason (section 2 of DESIGN.md, rule numbers cited below). Every rule
//! of a decision lives here: a disabled principal, organization ownership and the
//! CROSS_ORGANIZATION_ACCESS widening, split pairs, credential restrictions and implicit
//! visibility. Callers (gateway, ACL, explain, effective permissions, the admin API's own
//! checks, the escalation guard) only gather inputs.

mod escalation;
mod explain;
mod list;

use std::sync::Arc;

pub use escalation::{first_lack, holds_on_group, holds_type_wide, Gain, Lack};
pub use explain::{explain, Explanation, GrantInfo, NearMiss};
pub use list::{allowed_ids, held_at, AllowedIds, RegistryEntry};

use super::ids::Identifier;
use super::permission::{catalogue, Module, Permission, PermissionId, PermissionSet};
use super::resource_group::{Attributes, ResourceGroup, ScopeFilter};
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
    /// A disabled principal is permitted nothing, everywhere.
    pub disabled: bool,
    own_orgs: Vec<Identifier>,
    cross_org: Option<PermissionId>,
    /// Some enabled grant gives CROSS_ORGANIZATION_ACCESS through a group that selects
    /// something at the assignment's scope (section 1 "Scope grants").
    cross_org_held: bool,
}

/// Does the grant's group select anything at the grant's own scope? A scope grant such as
/// CROSS_ORGANIZATION_ACCESS is held only through such a grant.
fn selects_at_own_scope(grant: &Grant) -> bool {
    !grant.group.is_empty() && grant.group.covers_scope(&grant.assignment_scope)
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
        let cross_org_held = cross_org.is_some_and(|id| {
            grants
                .iter()
                .any(|g| !g.disabled && g.permissions.contains(id) && selects_at_own_scope(g))
        });
        Self {
            principal,
            home_org,
            grants,
            splits,
            disabled: false,
            own_orgs,
            cross_org,
            cross_org_held,
        }
    }

    /// The same policy for a disabled (`true`) or enabled principal.
    pub fn with_disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    pub fn account(&self) -> &Identifier {
        self.principal.account()
    }

    /// The caller's organizations: home organization and org-scoped assignments (rule 4).
    pub fn own_orgs(&self) -> &[Identifier] {
        &self.own_orgs
    }

    /// Holds CROSS_ORGANIZATION_ACCESS (a grant that selects something at its scope),
    /// within the restriction.
    pub fn has_cross_org(&self, restriction: Option<&PermissionSet>) -> bool {
        self.cross_org_held
            && self
                .cross_org
                .is_some_and(|id| restriction.is_none_or(|r| r.contains(id)))
    }

    /// Does some grant filter resources of `resource_type` by attribute? Then a decision on
    /// one such resource needs its registry attributes.
    pub fn filters_attributes_of(&self, resource_type: &str) -> bool {
        self.grants.iter().any(|g| {
            g.group
                .resource_filters
                .iter()
                .any(|f| f.resource_type == resource_type && f.attribute.is_some())
        })
    }

    /// Union of the permissions of all enabled grants (for token subsets); nothing when
    /// the principal is disabled.
    pub fn all_permissions(&self) -> PermissionSet {
        if self.disabled {
            return PermissionSet::EMPTY;
        }
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
    /// The principal is disabled: its credentials stop working like revoked ones.
    Disabled,
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
    if policy.disabled {
        return Some(DenyCause::Disabled);
    }
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

/// How much of a resource type a check is about (rules 3 and 8).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Reach<'a> {
    /// One resource.
    One(&'a str),
    /// Every resource of the type: a create, or another non-list action without identifier.
    All,
    /// Some resource of the type: a list, and the permissions held at a scope.
    Some,
}

impl<'a> Reach<'a> {
    fn of(perm: &Permission, identifier: Option<&'a str>) -> Self {
        match identifier {
            Some(id) => Reach::One(id),
            None if perm.is_list_action() => Reach::Some,
            None => Reach::All,
        }
    }
}

/// Does the grant's group select the resource (rules 3 and 8)?
fn group_selects(group: &ResourceGroup, scope: &Scope, resource: &Resource, reach: Reach) -> bool {
    match reach {
        Reach::One(id) => group.selects(scope, resource.resource_type, id, resource.attributes),
        Reach::All => group.selects_all_of_type(scope, resource.resource_type),
        Reach::Some => group.touches_type(scope, resource.resource_type),
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

/// The level whose existence an implicit-visibility check (rule 5) is about: viewing the
/// account at the account, an organization at the account, a project at its organization.
fn visibility_level(perm: &Permission, resource: &Resource) -> Option<ScopeLevel> {
    let level = resource.scope.level();
    match (perm.identifier.as_str(), resource.resource_type, level) {
        ("core_account_view", "ACCOUNT", ScopeLevel::Account) => Some(ScopeLevel::Account),
        ("core_organization_view", "ORGANIZATION", ScopeLevel::Account) => {
            Some(ScopeLevel::Organization)
        }
        ("core_project_view", "PROJECT", ScopeLevel::Organization) => Some(ScopeLevel::Project),
        _ => None,
    }
}

/// The scope a visibility check on `id` is about (the account itself, or a child scope).
fn visibility_target(scope: &Scope, level: ScopeLevel, id: &str) -> Option<Scope> {
    let id = Identifier::new(id).ok()?;
    match level {
        ScopeLevel::Account => scope.account.same(&id).then(|| scope.clone()),
        ScopeLevel::Organization => Some(Scope::org(scope.account.clone(), id)),
        ScopeLevel::Project => Some(Scope::project(
            scope.account.clone(),
            scope.org.clone()?,
            id,
        )),
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

/// Does the grant make some scope of `level` below (or at, for the account) `scope` visible?
fn reveals_some(grant: &Grant, scope: &Scope, level: ScopeLevel) -> bool {
    grant.assignment_scope.account.same(&scope.account)
        && grant.group.included_scopes.iter().any(|inc| {
            (scope.contains(&inc.scope) && inc.scope.level() >= level)
                || (inc.filter == ScopeFilter::IncludingChildScopes && inc.scope.contains(scope))
        })
}

/// Rule 5: the grant that makes the resource visible, if the check is a visibility check.
fn visible_through(
    policy: &PrincipalPolicy,
    perm: &Permission,
    resource: &Resource,
    reach: Reach,
) -> Option<usize> {
    let level = visibility_level(perm, resource)?;
    let enabled = policy
        .grants
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.disabled);
    match reach {
        Reach::One(id) => {
            let target = visibility_target(resource.scope, level, id)?;
            enabled
                .filter(|(_, g)| reveals(g, &target))
                .map(|(i, _)| i)
                .next()
        }
        Reach::Some => enabled
            .filter(|(_, g)| reveals_some(g, resource.scope, level))
            .map(|(i, _)| i)
            .next(),
        Reach::All => None,
    }
}

/// Decides one request at the given reach (rules 1–6, 8). Allocation-free except for rule
/// 5's target scope.
fn decide(policy: &PrincipalPolicy, request: &Request, reach: Reach) -> Decision {
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
        if group_selects(&grant.group, &scope, resource, reach)
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
        if let Some(i) = visible_through(policy, perm, resource, reach) {
            return Decision::Allowed {
                grant: i,
                implicit: true,
            };
        }
    }
    Decision::Denied(DenyCause::NoGrant)
}

/// Decides one request (rules 1–6, 8): one resource when it names an identifier, else a
/// type-level check (a list needs some resource of the type, another action all of them).
pub fn check(policy: &PrincipalPolicy, request: &Request) -> Decision {
    let perm = catalogue().permission(request.permission);
    decide(
        policy,
        request,
        Reach::of(perm, request.resource.identifier),
    )
}

/// May the principal use the permission on some resource of the type at the resource's
/// scope (the identifier is ignored)? What "holds a permission at a scope" means for
/// effective permissions: implied by any allowed `check` there.
pub fn holds_somewhere(policy: &PrincipalPolicy, request: &Request) -> bool {
    decide(policy, request, Reach::Some).is_allowed()
}

#[cfg(test)]
mod tests;
