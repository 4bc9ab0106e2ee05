//! The no-escalation rules of the admin API (DESIGN §4.4 "RBAC on the admin API") as the
//! role, resource-group and role-assignment handlers apply them, plus the split migration
//! of written roles (DESIGN §1 "Staged create/edit splits").
//!
//! The decisions themselves are the engine's (`holds_type_wide`, `holds_on_group`); this
//! module gathers what they need from storage and turns a refusal into a 403 naming the
//! permission. Functions taking a connection run inside the write's transaction.

use super::context::Caller;
use super::rbac_common::escalation_denied;
use crate::policy::builtin::builtin_role;
use crate::policy::engine::{holds_on_group, holds_type_wide, PrincipalPolicy};
use crate::policy::permission::PermissionSet;
use crate::policy::resource_group::ResourceGroup;
use crate::policy::role::{Role, RoleAssignment};
use crate::policy::split::{add_create_for_edit, split_pairs, SplitPhase};
use crate::policy::Scope;
use crate::storage::resource_groups::ResourceGroups;
use crate::storage::roles::Roles;
use crate::storage::splits::Splits;
use crate::storage::DbConnection;
use crate::web::ApiError;

/// The writing caller, movable into a write's transaction.
pub struct Writer(pub Caller);

impl Writer {
    pub fn of(caller: &Caller) -> Self {
        Self(Caller {
            who: caller.who.clone(),
            policy: caller.policy.clone(),
        })
    }

    fn policy(&self) -> &PrincipalPolicy {
        &self.0.policy.policy
    }

    /// Holds `permissions` at `at` on everything `group` selects; else 403 naming the first
    /// permission missing (catalogue order).
    pub fn holds_all_on_group(
        &self,
        permissions: &PermissionSet,
        group: &ResourceGroup,
        at: &Scope,
        target: impl Fn() -> String,
    ) -> Result<(), ApiError> {
        for p in permissions.iter() {
            if !holds_on_group(self.policy(), self.0.restriction(), p, group, at) {
                return Err(escalation_denied(&self.0.principal_text(), p, target()));
            }
        }
        Ok(())
    }
}

/// A role's permissions must all be held by the writer at the role's scope.
pub fn check_type_wide(
    caller: &Caller,
    permissions: &PermissionSet,
    scope: &Scope,
    role: &str,
) -> Result<(), ApiError> {
    for p in permissions.iter() {
        if !holds_type_wide(&caller.policy.policy, caller.restriction(), p, scope) {
            return Err(escalation_denied(
                &caller.principal_text(),
                p,
                format!("ROLE/{role} in {scope}"),
            ));
        }
    }
    Ok(())
}

/// In the `migration` phase of a split pair, a role that gets edit gets create too.
pub fn migrate_splits(
    conn: &mut DbConnection,
    scope: &Scope,
    permissions: &PermissionSet,
) -> Result<PermissionSet, ApiError> {
    let phases = Splits::phases(conn, scope.account.as_str())?;
    let mut out = *permissions;
    for pair in 0..split_pairs().len() {
        if phases.get(pair) == SplitPhase::Migration {
            out = add_create_for_edit(&out, pair);
        }
    }
    Ok(out)
}

/// A role change must keep the levels it is assigned at, and every permission it adds must
/// be held by the writer on the group of every assignment using the role.
pub fn check_in_use(
    conn: &mut DbConnection,
    writer: &Writer,
    role: &Role,
    added: &PermissionSet,
    users: &[RoleAssignment],
) -> Result<(), ApiError> {
    if let Some(a) = users
        .iter()
        .find(|a| !role.allowed_scope_levels.contains(a.scope.level()))
    {
        return Err(ApiError::conflict(format!(
            "role `{}` is assigned at the {} level by `{}` in `{}`: keep that level in `allowed_scope_levels`",
            role.identifier,
            a.scope.level(),
            a.identifier,
            a.scope
        )));
    }
    if added.is_empty() {
        return Ok(());
    }
    for a in users {
        let Some(group) = ResourceGroups::resolve(conn, &a.scope, a.resource_group.as_str())?
        else {
            continue;
        };
        writer.holds_all_on_group(added, &group, &a.scope, || {
            format!(
                "RESOURCEGROUP/{} in {} (role assignment `{}`)",
                a.resource_group, a.scope, a.identifier
            )
        })?;
    }
    Ok(())
}

/// The permissions of an assignment's role (`None`: the role no longer exists).
pub fn role_permissions(
    conn: &mut DbConnection,
    a: &RoleAssignment,
) -> Result<Option<PermissionSet>, ApiError> {
    Ok(match a.role_scope() {
        None => builtin_role(a.role.as_str()).map(|r| r.permissions),
        Some(s) => Roles::find(conn, &s, a.role.as_str())?.map(|r| r.value.permissions),
    })
}

/// A group change that widens its selection needs the writer to hold, for every assignment
/// using the group, every permission of its role on the new selection.
pub fn check_widening(
    conn: &mut DbConnection,
    writer: &Writer,
    old: &ResourceGroup,
    new: &ResourceGroup,
    users: &[RoleAssignment],
) -> Result<(), ApiError> {
    if old.covers_group(new) {
        return Ok(());
    }
    for a in users {
        let Some(permissions) = role_permissions(conn, a)? else {
            continue;
        };
        writer.holds_all_on_group(&permissions, new, &a.scope, || {
            format!(
                "RESOURCEGROUP/{} in {} (role assignment `{}`)",
                new.identifier, a.scope, a.identifier
            )
        })?;
    }
    Ok(())
}
