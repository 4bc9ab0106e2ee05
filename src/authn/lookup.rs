//! The database reads of authentication: a token row with its owner, a JWT subject, and
//! whether a cached principal still exists and is enabled.
//!
//! Owns: turning storage rows into a [`Principal`] or a refusal reason. Every function is
//! blocking and takes a connection; callers run them in `spawn_blocking`. Must never
//! verify secrets (argon2 is the caller's, after these checks) or write anything.

use super::jwt::Subject;
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::{Identifier, Scope};
use crate::storage::columns::{ident, scope_from};
use crate::storage::principals::{ServiceAccount, User};
use crate::storage::tokens::ApiToken;
use crate::storage::{DbConnection, StorageResult};

/// `Ok(principal)`, or the reason it cannot authenticate (for the log).
pub type Usable = Result<Principal, &'static str>;

/// The principal that owns a token row (from the row alone).
pub fn token_owner(row: &ApiToken) -> StorageResult<Principal> {
    let principal_type = row.owner_type()?;
    let scope = match principal_type {
        PrincipalType::User => Scope::account(ident(&row.account)?),
        _ => scope_from(&row.account, &row.owner_org, &row.owner_project)?,
    };
    Ok(Principal {
        principal_type,
        identifier: ident(&row.owner_identifier)?,
        scope,
    })
}

/// The token row of `token_id` and whether its owner may authenticate.
pub fn load_token(
    conn: &mut DbConnection,
    token_id: &str,
) -> StorageResult<Option<(ApiToken, Usable)>> {
    let Some(row) = ApiToken::find_by_id(conn, token_id)? else {
        return Ok(None);
    };
    let owner = token_owner(&row)?;
    let usable = status(conn, &owner)?.map(|()| owner);
    Ok(Some((row, usable)))
}

/// Whether `principal` still exists and is not disabled.
pub fn status(
    conn: &mut DbConnection,
    principal: &Principal,
) -> StorageResult<Result<(), &'static str>> {
    let disabled = match principal.principal_type {
        PrincipalType::User => User::find(
            conn,
            principal.account().as_str(),
            principal.identifier.as_str(),
        )?
        .map(|u| u.disabled),
        PrincipalType::ServiceAccount => {
            ServiceAccount::find(conn, &principal.scope, principal.identifier.as_str())?
                .map(|s| s.disabled)
        }
        PrincipalType::UserGroup => return Ok(Err("a user group cannot authenticate")),
    };
    Ok(match disabled {
        None => Err("principal does not exist"),
        Some(true) => Err("principal is disabled"),
        Some(false) => Ok(()),
    })
}

/// The principal a JWT's `sub` names in `account`, if it exists and is enabled.
pub fn resolve_subject(
    conn: &mut DbConnection,
    account: &Identifier,
    subject: &Subject,
) -> StorageResult<Usable> {
    let user = |u: Option<User>| -> StorageResult<Usable> {
        Ok(match u {
            None => Err("`sub` names no known user"),
            Some(u) if u.disabled => Err("principal is disabled"),
            Some(u) => Ok(Principal {
                principal_type: PrincipalType::User,
                identifier: ident(&u.identifier)?,
                scope: Scope::account(account.clone()),
            }),
        })
    };
    match subject {
        Subject::User(id) => user(User::find(conn, account.as_str(), id)?),
        Subject::UserEmail(email) => user(User::find_by_email(conn, account.as_str(), email)?),
        Subject::ServiceAccount(id) => {
            let scope = Scope::account(account.clone());
            Ok(match ServiceAccount::find(conn, &scope, id)? {
                None => Err("`sub` names no known service account"),
                Some(s) if s.disabled => Err("principal is disabled"),
                Some(s) => Ok(Principal {
                    principal_type: PrincipalType::ServiceAccount,
                    identifier: ident(&s.identifier)?,
                    scope,
                }),
            })
        }
    }
}
