//! The escalation test of the admin API (DESIGN §4.4 "RBAC on the admin API").
//!
//! A writer may only hand out what it holds: creating an assignment, or widening a role or
//! group in use, needs the writer to hold every permission of the role, at the assignment's
//! scope, on everything the target group selects.

use super::{role_gives, PrincipalPolicy};
use crate::policy::permission::{catalogue, Module, PermissionId, PermissionSet};
use crate::policy::resource_group::ResourceGroup;
use crate::policy::scope::Scope;

/// Does the writer hold `permission` at `at_scope` on everything `target` selects?
pub fn holds_on_group(
    writer: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    permission: PermissionId,
    target: &ResourceGroup,
    at_scope: &Scope,
) -> bool {
    let perm = catalogue().permission(permission);
    let reached = target.reached_levels();
    if target.is_empty() || !reached.iter().any(|l| perm.available_at(l)) {
        // The target grants nothing with this permission, so handing it out widens nothing.
        return true;
    }
    if perm.module == Module::Portal && !writer.has_cross_org(restriction) {
        // Without the scope grant the writer's portal reach ends at its own organizations.
        let inside_own = target.included_scopes.iter().all(|inc| {
            inc.scope
                .org
                .as_ref()
                .is_some_and(|o| writer.own_orgs().iter().any(|w| w.same(o)))
        });
        if !inside_own {
            return false;
        }
    }
    let alt = writer.splits.create_alternative(permission);
    writer.grants.iter().any(|g| {
        !g.disabled
            && role_gives(g, permission, alt, restriction)
            && g.assignment_scope.contains(at_scope)
            && g.group.covers_group(target)
    })
}

/// Does the writer hold `permission` through some grant whose scope contains `scope`?
/// (Creating a role with a permission needs this; assigning it needs [`holds_on_group`].)
pub fn holds_type_wide(
    writer: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    permission: PermissionId,
    scope: &Scope,
) -> bool {
    let alt = writer.splits.create_alternative(permission);
    writer.grants.iter().any(|g| {
        !g.disabled
            && role_gives(g, permission, alt, restriction)
            && g.assignment_scope.contains(scope)
    })
}
