//! The no-escalation comparison (DESIGN §4.4 "One no-escalation rule for every write"): a
//! write may give no principal any permission, on any resource, that the writer (within its
//! credential's restriction) does not itself hold there.
//!
//! What a write gives is described as [`Gain`]s, worked out by the guard in
//! `storage::guard` from the stored policy; this module only compares them with the
//! writer's grants and names the first permission and resource the writer lacks.

use std::sync::Arc;

use super::{role_gives, PrincipalPolicy};
use crate::policy::permission::{catalogue, Module, PermissionId, PermissionSet};
use crate::policy::resource_group::ResourceGroup;
use crate::policy::scope::Scope;

/// Something a write gives to some principal (or to the writer, as a credential).
#[derive(Clone, Debug)]
pub enum Gain {
    /// `permissions` on everything `group` selects, through an assignment at `at` (a new
    /// or re-enabled assignment, a widened role or group, a new group member, a home
    /// organization, or the whole grant set of a principal someone acts as).
    Grant {
        permissions: PermissionSet,
        group: Arc<ResourceGroup>,
        at: Scope,
        /// What the grant reaches, for the refusal (`RESOURCEGROUP/x in acme`).
        target: String,
    },
    /// A role defined at `at` holding `permissions` (it hands them out once assigned).
    Definition {
        permissions: PermissionSet,
        at: Scope,
        target: String,
    },
    /// A credential restricted to `restriction` (`None`: unrestricted) of an owner holding
    /// `owner_holds`, handed to the writer: it may open no more than the writer's own
    /// credential does.
    Credential {
        restriction: Option<PermissionSet>,
        owner_holds: PermissionSet,
        target: String,
    },
}

/// The first thing a writer lacks: a permission and what it would have reached.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Lack {
    pub permission: PermissionId,
    pub target: String,
}

/// Does the writer hold `permission` at `at_scope` on everything `target` selects?
pub fn holds_on_group(
    writer: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    permission: PermissionId,
    target: &ResourceGroup,
    at_scope: &Scope,
) -> bool {
    if writer.disabled {
        return false;
    }
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
/// (Defining a role with a permission needs this; assigning it needs [`holds_on_group`].)
pub fn holds_type_wide(
    writer: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    permission: PermissionId,
    scope: &Scope,
) -> bool {
    if writer.disabled {
        return false;
    }
    let alt = writer.splits.create_alternative(permission);
    writer.grants.iter().any(|g| {
        !g.disabled
            && role_gives(g, permission, alt, restriction)
            && g.assignment_scope.contains(scope)
    })
}

/// The first gain (in order, permissions in catalogue order) that the writer does not hold
/// itself; `None` when the write gives nothing the writer lacks.
pub fn first_lack(
    writer: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    gains: &[Gain],
) -> Option<Lack> {
    let lack = |permission, target: &String| {
        Some(Lack {
            permission,
            target: target.clone(),
        })
    };
    for gain in gains {
        match gain {
            Gain::Grant {
                permissions,
                group,
                at,
                target,
            } => {
                if let Some(p) = permissions
                    .iter()
                    .find(|p| !holds_on_group(writer, restriction, *p, group, at))
                {
                    return lack(p, target);
                }
            }
            Gain::Definition {
                permissions,
                at,
                target,
            } => {
                if let Some(p) = permissions
                    .iter()
                    .find(|p| !holds_type_wide(writer, restriction, *p, at))
                {
                    return lack(p, target);
                }
            }
            Gain::Credential {
                restriction: given,
                owner_holds,
                target,
            } => {
                let Some(mine) = restriction else { continue };
                let opens = match given {
                    Some(set) => set.intersection(owner_holds),
                    None => *owner_holds,
                };
                if let Some(p) = opens.difference(mine).iter().next() {
                    return lack(p, target);
                }
            }
        }
    }
    None
}
