//! The writes that can change what some principal may do, each with what it gives.
//!
//! One type per kind of write; the storage function that performs it takes a
//! `Permit<ThatType>`. Gains are principal-independent where they can be (a new group
//! member gains exactly what the group's assignments give), and acting as someone else
//! (a token for another principal, another user's password, re-enabling a principal)
//! counts the target's whole grant set as gained (DESIGN §1 "Credential restrictions").

use std::sync::Arc;

use super::{Gives, Writer};
use crate::policy::engine::Gain;
use crate::policy::permission::{catalogue, Module, PermissionSet};
use crate::policy::resource_group::ResourceGroup;
use crate::policy::role::{Principal, PrincipalType, Role, RoleAssignment};
use crate::policy::split::{add_create_for_edit, split_pairs, SplitPhase};
use crate::policy::{Identifier, Scope};
use crate::storage::assignments::Assignments;
use crate::storage::error::StorageResult;
use crate::storage::grants::load_principal;
use crate::storage::pool::DbConnection;
use crate::storage::principals::{ServiceAccount, User, UserGroup};
use crate::storage::resource_groups::ResourceGroups;
use crate::storage::roles::Roles;
use crate::storage::splits::Splits;

/// What an assignment gives (nothing when it is disabled or its role or group is gone).
fn assignment_gain(
    conn: &mut DbConnection,
    a: &RoleAssignment,
    permissions: Option<PermissionSet>,
    group: Option<ResourceGroup>,
) -> StorageResult<Option<Gain>> {
    if a.disabled {
        return Ok(None);
    }
    let permissions = match permissions {
        Some(p) => Some(p),
        None => Roles::of_assignment(conn, a)?,
    };
    let group = match group {
        Some(g) => Some(g),
        None => ResourceGroups::resolve(conn, &a.scope, a.resource_group.as_str())?,
    };
    let (Some(permissions), Some(group)) = (permissions, group) else {
        return Ok(None);
    };
    Ok(Some(Gain::Grant {
        target: format!(
            "RESOURCEGROUP/{} in {} (role assignment `{}`)",
            group.identifier, a.scope, a.identifier
        ),
        permissions,
        group: Arc::new(group),
        at: a.scope.clone(),
    }))
}

/// Acting as `target`: its whole grant set (enabled grants; the principal's own
/// `disabled` flag does not count, it can be lifted later).
fn act_as(conn: &mut DbConnection, target: &Principal) -> StorageResult<Vec<Gain>> {
    let Some(policy) = load_principal(conn, target)? else {
        return Ok(Vec::new());
    };
    Ok(policy
        .grants
        .iter()
        .filter(|g| !g.disabled)
        .map(|g| Gain::Grant {
            permissions: g.permissions,
            group: g.group.clone(),
            at: g.assignment_scope.clone(),
            target: format!(
                "RESOURCEGROUP/{} in {} (held by {target} through role assignment `{}`)",
                g.group.identifier, g.assignment_scope, g.assignment
            ),
        })
        .collect())
}

/// A new role assignment.
#[derive(Clone, Debug)]
pub struct NewAssignment(pub RoleAssignment);

impl Gives for NewAssignment {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        Ok(assignment_gain(conn, &self.0, None, None)?
            .into_iter()
            .collect())
    }
}

/// Enabling a stored assignment hands its role out again.
#[derive(Clone, Debug)]
pub struct EnableAssignment {
    pub scope: Scope,
    pub identifier: String,
}

impl Gives for EnableAssignment {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let Some(stored) = Assignments::find(conn, &self.scope, &self.identifier)? else {
            return Ok(Vec::new());
        };
        if !stored.disabled {
            return Ok(Vec::new());
        }
        let enabled = RoleAssignment {
            disabled: false,
            ..stored
        };
        Ok(assignment_gain(conn, &enabled, None, None)?
            .into_iter()
            .collect())
    }
}

fn definition(role: &Role, scope: &Scope) -> Gain {
    Gain::Definition {
        permissions: role.permissions,
        at: scope.clone(),
        target: format!("ROLE/{} in {scope}", role.identifier),
    }
}

/// A new custom role (its scope must be set).
#[derive(Clone, Debug)]
pub struct NewRole(pub Role);

impl Gives for NewRole {
    fn gains(&self, _: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        Ok(self
            .0
            .scope
            .as_ref()
            .map(|s| definition(&self.0, s))
            .into_iter()
            .collect())
    }
}

/// A changed custom role: what it defines, and what it adds to the assignments using it.
#[derive(Clone, Debug)]
pub struct RoleEdit {
    pub role: Role,
    pub created: i64,
}

impl Gives for RoleEdit {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let Some(scope) = self.role.scope.as_ref() else {
            return Ok(Vec::new());
        };
        let mut gains = vec![definition(&self.role, scope)];
        let id = self.role.identifier.as_str();
        let old = Roles::find(conn, scope, id)?
            .map(|r| r.value.permissions)
            .unwrap_or_default();
        let added = self.role.permissions.difference(&old);
        if added.is_empty() {
            return Ok(gains);
        }
        for a in Assignments::using_role(conn, scope, id)? {
            gains.extend(assignment_gain(conn, &a, Some(added), None)?);
        }
        Ok(gains)
    }
}

/// A changed custom resource group: a wider selection reaches every assignment using it.
#[derive(Clone, Debug)]
pub struct GroupEdit {
    pub group: ResourceGroup,
    pub created: i64,
}

impl Gives for GroupEdit {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let (scope, id) = (&self.group.scope, self.group.identifier.as_str());
        let old = ResourceGroups::find(conn, scope, id)?;
        if old.is_some_and(|o| o.value.covers_group(&self.group)) {
            return Ok(Vec::new());
        }
        let mut gains = Vec::new();
        for a in Assignments::using_group(conn, scope, id)? {
            gains.extend(assignment_gain(conn, &a, None, Some(self.group.clone()))?);
        }
        Ok(gains)
    }
}

/// A user group's new member list: a new member gains every grant of the group.
#[derive(Clone, Debug)]
pub struct Members {
    pub scope: Scope,
    pub group: String,
    pub users: Vec<String>,
}

impl Gives for Members {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let current = match UserGroup::find(conn, &self.scope, &self.group)? {
            Some(g) => g.members(conn)?,
            None => Vec::new(),
        };
        if self.users.iter().all(|u| current.contains(u)) {
            return Ok(Vec::new());
        }
        let mut gains = Vec::new();
        for a in Assignments::naming(conn, &self.scope, PrincipalType::UserGroup, &self.group)? {
            gains.extend(assignment_gain(conn, &a, None, None)?);
        }
        Ok(gains)
    }
}

/// A user's home organization: portal permissions of its account-wide grants now reach
/// that organization (DESIGN §1 "Scope grants").
#[derive(Clone, Debug)]
pub struct HomeOrg {
    pub user: Principal,
    pub organization: Option<String>,
}

impl Gives for HomeOrg {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let Some(org) = self.organization.as_deref() else {
            return Ok(Vec::new());
        };
        let (Some(policy), Ok(org)) = (load_principal(conn, &self.user)?, Identifier::new(org))
        else {
            return Ok(Vec::new());
        };
        if policy.has_cross_org(None) || policy.own_orgs().iter().any(|o| o.same(&org)) {
            return Ok(Vec::new());
        }
        let at = Scope::org(self.user.account().clone(), org);
        let c = catalogue();
        let mut gains = Vec::new();
        for g in policy.grants.iter().filter(|g| !g.disabled) {
            let mut portal = PermissionSet::EMPTY;
            for p in g.permissions.iter() {
                if c.permission(p).module == Module::Portal {
                    portal.insert(p);
                }
            }
            if portal.is_empty() || !g.assignment_scope.contains(&at) || !g.group.covers_scope(&at)
            {
                continue;
            }
            gains.push(Gain::Grant {
                permissions: portal,
                group: Arc::new(g.group.within(&at)),
                at: at.clone(),
                target: format!(
                    "organization `{at}` (home organization of {}, role assignment `{}`)",
                    self.user, g.assignment
                ),
            });
        }
        Ok(gains)
    }
}

/// A user's password. Another user's counts that user's whole grant set. One's own, set
/// by proving the current one, gives nothing (the writer could already log in); set
/// without that proof it hands the writer an unrestricted credential (a login), so a
/// restricted credential may not (found by the model-based test).
#[derive(Clone, Debug)]
pub struct PasswordSet {
    pub user: Principal,
    /// The writer proved the current password.
    pub proven: bool,
}

impl Gives for PasswordSet {
    fn gains(&self, conn: &mut DbConnection, writer: &Writer) -> StorageResult<Vec<Gain>> {
        if *writer.principal != self.user {
            return act_as(conn, &self.user);
        }
        if self.proven {
            return Ok(Vec::new());
        }
        Ok(vec![Gain::Credential {
            restriction: None,
            owner_holds: writer.policy.all_permissions(),
            target: format!("a password (login) of {}", self.user),
        }])
    }
}

/// A token value (new or rotated) for `owner`, restricted to `restriction`.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    pub owner: Principal,
    pub restriction: Option<PermissionSet>,
}

impl Gives for TokenGrant {
    fn gains(&self, conn: &mut DbConnection, writer: &Writer) -> StorageResult<Vec<Gain>> {
        let owner_holds = load_principal(conn, &self.owner)?
            .map(|p| p.with_disabled(false).all_permissions())
            .unwrap_or(PermissionSet::EMPTY);
        let mut gains = vec![Gain::Credential {
            restriction: self.restriction,
            owner_holds,
            target: format!("TOKEN of {} in {}", self.owner, self.owner.scope),
        }];
        if *writer.principal != self.owner {
            gains.extend(act_as(conn, &self.owner)?);
        }
        Ok(gains)
    }
}

/// Lifting a principal's `disabled` flag gives it its grants back.
#[derive(Clone, Debug)]
pub struct EnablePrincipal {
    pub principal: Principal,
}

impl Gives for EnablePrincipal {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let p = &self.principal;
        let disabled = match p.principal_type {
            PrincipalType::User => User::find(conn, p.account().as_str(), p.identifier.as_str())?
                .is_some_and(|u| u.disabled),
            PrincipalType::ServiceAccount => {
                ServiceAccount::find(conn, &p.scope, p.identifier.as_str())?
                    .is_some_and(|s| s.disabled)
            }
            PrincipalType::UserGroup => false,
        };
        if !disabled {
            return Ok(Vec::new());
        }
        act_as(conn, p)
    }
}

/// Moving a split pair forward. Leaving `off` gives every custom role holding edit the
/// create permission; the roles' assignments gain it.
#[derive(Clone, Debug)]
pub struct SplitMove {
    pub account: Identifier,
    pub pair: usize,
    pub to: SplitPhase,
}

impl Gives for SplitMove {
    fn gains(&self, conn: &mut DbConnection, _: &Writer) -> StorageResult<Vec<Gain>> {
        let from = Splits::phases(conn, self.account.as_str())?.get(self.pair);
        if from != SplitPhase::Off || self.to == SplitPhase::Off {
            return Ok(Vec::new());
        }
        let Some(pair) = split_pairs().get(self.pair) else {
            return Ok(Vec::new());
        };
        let edit = &catalogue().permission(pair.edit).identifier;
        let mut gains = Vec::new();
        for role in Roles::holding(conn, self.account.as_str(), edit)? {
            let role = role.value;
            let added =
                add_create_for_edit(&role.permissions, self.pair).difference(&role.permissions);
            let Some(scope) = role.scope.as_ref().filter(|_| !added.is_empty()) else {
                continue;
            };
            for a in Assignments::using_role(conn, scope, role.identifier.as_str())? {
                gains.extend(assignment_gain(conn, &a, Some(added), None)?);
            }
        }
        Ok(gains)
    }
}
