//! The last account admin (DESIGN §1 "Role assignments", §4.5): a write that would leave an
//! account without anyone who can act holding an enabled `_account_admin` on
//! `_all_resources_including_child_scopes` at the account is refused (`Conflict`, a 409).
//!
//! An admin assignment is *live* when it is enabled and the principal it names can act: an
//! enabled user, an enabled service account, or a user group with at least one enabled
//! member. A change is refused when some admin assignment is live before it and none after.
//! Every path that can remove one calls [`ensure_admin_remains`] with what it is about to
//! do: deleting or disabling an assignment, disabling or deleting a user or service
//! account, replacing a group's members, deleting a group. Runs on the write's own
//! connection, inside its transaction, so the answer holds for what commits.

use super::assignments::Assignments;
use super::error::{StorageError, StorageResult};
use super::pool::DbConnection;
use super::principals::{ServiceAccount, User, UserGroup};
use crate::policy::role::{PrincipalType, RoleAssignment};
use crate::policy::Scope;

/// The change about to be written.
#[derive(Clone, Copy, Debug)]
pub enum Leaving<'a> {
    /// A user is disabled or deleted.
    User(&'a str),
    /// A service account (at its scope) is disabled or deleted.
    ServiceAccount(&'a Scope, &'a str),
    /// A user group (at its scope) is deleted.
    Group(&'a Scope, &'a str),
    /// A user group's members are replaced by this list.
    Members(&'a Scope, &'a str, &'a [String]),
    /// A role assignment (at its scope) is deleted or disabled.
    Assignment(&'a Scope, &'a str),
}

fn user_enabled(conn: &mut DbConnection, account: &str, user: &str) -> StorageResult<bool> {
    Ok(User::find(conn, account, user)?.is_some_and(|u| !u.disabled))
}

/// Is `a` live, before (`change == None`) or after the change?
fn live(
    conn: &mut DbConnection,
    a: &RoleAssignment,
    change: Option<Leaving>,
) -> StorageResult<bool> {
    if matches!(change, Some(Leaving::Assignment(s, i)) if *s == a.scope && i == a.identifier.as_str())
    {
        return Ok(false);
    }
    let Some(scope) = a.principal_scope() else {
        return Ok(false);
    };
    let account = scope.account.as_str();
    let id = a.principal.identifier.as_str();
    match a.principal.principal_type {
        PrincipalType::User => {
            if matches!(change, Some(Leaving::User(u)) if u == id) {
                return Ok(false);
            }
            user_enabled(conn, account, id)
        }
        PrincipalType::ServiceAccount => {
            if matches!(change, Some(Leaving::ServiceAccount(s, i)) if *s == scope && i == id) {
                return Ok(false);
            }
            Ok(ServiceAccount::find(conn, &scope, id)?.is_some_and(|s| !s.disabled))
        }
        PrincipalType::UserGroup => {
            let members = match change {
                Some(Leaving::Group(s, g)) if *s == scope && g == id => return Ok(false),
                Some(Leaving::Members(s, g, list)) if *s == scope && g == id => list.to_vec(),
                _ => match UserGroup::find(conn, &scope, id)? {
                    Some(group) => group.members(conn)?,
                    None => return Ok(false),
                },
            };
            for m in members {
                if matches!(change, Some(Leaving::User(u)) if u == m) {
                    continue;
                }
                if user_enabled(conn, account, &m)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

/// 409 when `change` would remove the last live account admin of `account`.
pub fn ensure_admin_remains(
    conn: &mut DbConnection,
    account: &str,
    change: Leaving,
) -> StorageResult<()> {
    let admins = Assignments::account_admins(conn, account)?;
    let mut before = false;
    for a in &admins {
        if live(conn, a, Some(change))? {
            return Ok(());
        }
        before = before || live(conn, a, None)?;
    }
    if before {
        return Err(StorageError::Conflict(format!(
            "this would remove the last account admin of `{account}`: grant `_account_admin` on \
             `_all_resources_including_child_scopes` to another principal first"
        )));
    }
    Ok(())
}

/// Deletes every role assignment naming a principal (the principal is being deleted) and
/// returns their identifiers for the audit row.
pub fn delete_assignments_naming(
    conn: &mut DbConnection,
    principal_scope: &Scope,
    principal_type: PrincipalType,
    identifier: &str,
) -> StorageResult<Vec<String>> {
    let naming = Assignments::naming(conn, principal_scope, principal_type, identifier)?;
    let mut removed = Vec::with_capacity(naming.len());
    for a in naming {
        Assignments::delete(conn, &a.scope, a.identifier.as_str())?;
        removed.push(format!("{}:{}", a.scope, a.identifier));
    }
    Ok(removed)
}
