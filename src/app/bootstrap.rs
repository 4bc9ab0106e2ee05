//! `scopegate bootstrap`: an account (idempotent), an admin user holding `_account_admin`
//! on `_all_resources_including_child_scopes`, and a new token for it.

use serde::Serialize;

use super::AppError;
use crate::authn::issue_api_token;
use crate::policy::role::{Principal, PrincipalRef, PrincipalType, RoleAssignment};
use crate::policy::{Identifier, Scope, ScopeLevel};
use crate::storage::assignments::Assignments;
use crate::storage::audit::NewAuditEvent;
use crate::storage::epochs::Epochs;
use crate::storage::guard::{NewAssignment, Permit, TokenGrant};
use crate::storage::principals::User;
use crate::storage::tenancy::Account;
use crate::storage::tokens::ApiToken;
use crate::storage::{Db, StorageError};

/// What `bootstrap` prints.
#[derive(Debug, Serialize)]
pub struct Bootstrapped {
    pub account: String,
    pub user: String,
    pub token: String,
}

/// A user identifier from an email's local part (`Ada.L@x` → `Ada_L`).
fn identifier_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or("admin");
    let mut id: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    id
}

pub fn bootstrap(db: &Db, account: &str, email: &str, now: i64) -> Result<Bootstrapped, AppError> {
    let account_id =
        Identifier::new(account).map_err(|e| AppError::Config(format!("--account: {e}")))?;
    if !email.contains('@') || email.len() > 254 {
        return Err(AppError::Config(format!(
            "--admin-email: `{email}` is not an email address"
        )));
    }
    let scope = Scope::account(account_id.clone());
    let map = |e: StorageError| AppError::Startup(e.to_string());
    db.transaction(|c| {
        Account::ensure(c, account, account, now)?;
        let user = match User::find_by_email(c, account, email)? {
            Some(u) => u,
            None => {
                let base = identifier_from_email(email);
                let mut candidate = base.clone();
                let mut n = 1;
                while User::find(c, account, &candidate)?.is_some() {
                    n += 1;
                    candidate = format!("{base}{n}");
                }
                let u = User {
                    account: account.into(),
                    identifier: candidate,
                    email: email.into(),
                    name: email.into(),
                    password_hash: None,
                    organization: None,
                    disabled: false,
                    created: now,
                    updated: now,
                };
                u.insert(c)?;
                u
            }
        };
        let assignment_id = format!("bootstrap_{}", user.identifier);
        if Assignments::find(c, &scope, &assignment_id)?.is_none() {
            Assignments::insert(
                c,
                Permit::system(NewAssignment(RoleAssignment {
                    identifier: Identifier::new(&assignment_id)?,
                    scope: scope.clone(),
                    role: Identifier::new("_account_admin")?,
                    role_scope_level: None,
                    resource_group: Identifier::new("_all_resources_including_child_scopes")?,
                    principal: PrincipalRef {
                        principal_type: PrincipalType::User,
                        identifier: Identifier::new(&user.identifier)?,
                        scope_level: ScopeLevel::Account,
                    },
                    disabled: false,
                    managed: false,
                    created: now,
                    updated: now,
                })),
            )?;
        }
        let existing =
            ApiToken::list_for_owner(c, PrincipalType::User, &scope, &user.identifier)?.len();
        let token_id = format!("bootstrap-{}", existing + 1);
        let owner = Principal {
            principal_type: PrincipalType::User,
            identifier: Identifier::new(&user.identifier)?,
            scope: scope.clone(),
        };
        let grant = TokenGrant {
            owner,
            restriction: None,
        };
        let (_, token) = issue_api_token(
            c,
            Permit::system(grant),
            &token_id,
            "Bootstrap token",
            None,
            "scopegate bootstrap",
            now,
        )
        .map_err(|e| StorageError::Conflict(e.to_string()))?;
        NewAuditEvent {
            at: now,
            account: account.into(),
            principal_type: "SYSTEM".into(),
            principal_identifier: "scopegate-bootstrap".into(),
            action: "account.bootstrap".into(),
            resource_type: "USER".into(),
            resource_identifier: user.identifier.clone(),
            outcome: "allowed".into(),
            reason: "bootstrap".into(),
            ..Default::default()
        }
        .insert(c)?;
        Epochs::bump_both(c, account)?;
        Ok(Bootstrapped {
            account: account.into(),
            user: user.identifier,
            token,
        })
    })
    .map_err(map)
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_from_emails() {
        assert_eq!(super::identifier_from_email("ada.l@x.io"), "ada_l");
        assert_eq!(super::identifier_from_email("1root@x.io"), "_1root");
    }
}
