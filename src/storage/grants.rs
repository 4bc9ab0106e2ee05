//! Loads one principal's compiled grants: direct assignments, those of its user groups,
//! roles and groups resolved, split phases of its account. A handful of indexed queries
//! whose cost depends on the principal's own assignments only.

use std::collections::HashMap;
use std::sync::Arc;

use super::assignments::Assignments;
use super::columns::scope_from;
use super::error::StorageResult;
use super::pool::DbConnection;
use super::principals::{ServiceAccount, User, UserGroup};
use super::resource_groups::ResourceGroups;
use super::roles::Roles;
use super::splits::Splits;
use crate::policy::builtin::builtin_role;
use crate::policy::engine::{Grant, PrincipalPolicy};
use crate::policy::permission::PermissionSet;
use crate::policy::resource_group::ResourceGroup;
use crate::policy::role::{Principal, PrincipalType, RoleAssignment};
use crate::policy::Scope;

/// Loads `principal`'s policy (carrying whether the principal is disabled); `None` when the
/// principal does not exist.
pub fn load_principal(
    conn: &mut DbConnection,
    principal: &Principal,
) -> StorageResult<Option<PrincipalPolicy>> {
    let account = principal.account().as_str();
    let id = principal.identifier.as_str();
    let mut tagged: Vec<(RoleAssignment, Option<String>)> = Vec::new();
    let (home_org, disabled) = match principal.principal_type {
        PrincipalType::User => {
            let Some(user) = User::find(conn, account, id)? else {
                return Ok(None);
            };
            let account_scope = Scope::account(principal.scope.account.clone());
            for a in
                Assignments::of_principals(conn, account, PrincipalType::User, &[id.to_owned()])?
            {
                if a.principal_scope().as_ref() == Some(&account_scope) {
                    tagged.push((a, None));
                }
            }
            let memberships = UserGroup::memberships_of(conn, account, id)?;
            let names: Vec<String> = memberships
                .iter()
                .map(|m| m.group_identifier.clone())
                .collect();
            for a in Assignments::of_principals(conn, account, PrincipalType::UserGroup, &names)? {
                let Some(pscope) = a.principal_scope() else {
                    continue;
                };
                let member = memberships.iter().any(|m| {
                    m.group_identifier == a.principal.identifier.as_str()
                        && scope_from(&m.account, &m.org, &m.project).is_ok_and(|s| s == pscope)
                });
                if member {
                    let via = a.principal.identifier.to_string();
                    tagged.push((a, Some(via)));
                }
            }
            (
                user.organization
                    .and_then(|o| crate::policy::Identifier::new(&o).ok()),
                user.disabled,
            )
        }
        PrincipalType::ServiceAccount => {
            let Some(sa) = ServiceAccount::find(conn, &principal.scope, id)? else {
                return Ok(None);
            };
            for a in Assignments::of_principals(
                conn,
                account,
                PrincipalType::ServiceAccount,
                &[id.to_owned()],
            )? {
                if a.principal_scope().as_ref() == Some(&principal.scope) {
                    tagged.push((a, None));
                }
            }
            (None, sa.disabled)
        }
        PrincipalType::UserGroup => return Ok(None),
    };
    let grants = compile(conn, tagged)?;
    let splits = Splits::phases(conn, account)?;
    Ok(Some(
        PrincipalPolicy::new(principal.clone(), home_org, grants, splits).with_disabled(disabled),
    ))
}

/// Resolves roles and groups (each once) and builds the grants. Assignments whose role or
/// group no longer exists grant nothing and are skipped.
fn compile(
    conn: &mut DbConnection,
    tagged: Vec<(RoleAssignment, Option<String>)>,
) -> StorageResult<Vec<Grant>> {
    let mut roles: HashMap<(Option<Scope>, String), Option<PermissionSet>> = HashMap::new();
    let mut groups: HashMap<(Scope, String), Option<Arc<ResourceGroup>>> = HashMap::new();
    let mut grants = Vec::with_capacity(tagged.len());
    for (a, via) in tagged {
        let role_scope = a.role_scope();
        let role_key = (role_scope.clone(), a.role.to_string());
        if !roles.contains_key(&role_key) {
            let perms = match &role_scope {
                None => builtin_role(a.role.as_str()).map(|r| r.permissions),
                Some(s) => Roles::find(conn, s, a.role.as_str())?.map(|r| r.value.permissions),
            };
            roles.insert(role_key.clone(), perms);
        }
        let group_key = (a.scope.clone(), a.resource_group.to_string());
        if !groups.contains_key(&group_key) {
            let g =
                ResourceGroups::resolve(conn, &a.scope, a.resource_group.as_str())?.map(Arc::new);
            groups.insert(group_key.clone(), g);
        }
        let (Some(Some(permissions)), Some(Some(group))) =
            (roles.get(&role_key), groups.get(&group_key))
        else {
            continue;
        };
        grants.push(Grant {
            assignment: a.identifier.clone(),
            assignment_scope: a.scope.clone(),
            role: a.role.clone(),
            permissions: *permissions,
            group: group.clone(),
            via_group: via.and_then(|v| crate::policy::Identifier::new(&v).ok()),
            disabled: a.disabled,
        });
    }
    Ok(grants)
}
