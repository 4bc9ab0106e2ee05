//! Roles (named permission sets) and role assignments (principal + role + group at a scope).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::PolicyError;
use super::ids::Identifier;
use super::permission::PermissionSet;
use super::scope::{Scope, ScopeLevel, ScopeLevels};

/// A role. Built-in roles have `scope == None` and are usable in every account.
#[derive(Clone, PartialEq, Debug)]
pub struct Role {
    pub identifier: Identifier,
    pub name: String,
    pub scope: Option<Scope>,
    pub permissions: PermissionSet,
    pub allowed_scope_levels: ScopeLevels,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    pub managed: bool,
}

impl Role {
    /// May this role be assigned at `level`?
    pub fn allowed_at(&self, level: ScopeLevel) -> Result<(), PolicyError> {
        if self.allowed_scope_levels.contains(level) {
            Ok(())
        } else {
            Err(PolicyError::RoleNotAllowedAtLevel {
                role: self.identifier.to_string(),
                level: level.to_string(),
            })
        }
    }
}

/// Who an assignment names.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrincipalType {
    User,
    UserGroup,
    ServiceAccount,
}

impl PrincipalType {
    /// Accepts any case (`USER`, `user_group`).
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        match value.to_ascii_uppercase().as_str() {
            "USER" => Ok(Self::User),
            "USER_GROUP" => Ok(Self::UserGroup),
            "SERVICE_ACCOUNT" => Ok(Self::ServiceAccount),
            _ => Err(PolicyError::InvalidPrincipalType(value.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::UserGroup => "USER_GROUP",
            Self::ServiceAccount => "SERVICE_ACCOUNT",
        }
    }
}

impl fmt::Display for PrincipalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A principal as an assignment names it: identifier, type, and the level (relative to the
/// assignment's scope) where it is defined.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PrincipalRef {
    pub principal_type: PrincipalType,
    pub identifier: Identifier,
    pub scope_level: ScopeLevel,
}

/// An authenticated caller (a user or a service account) of one account.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Principal {
    pub principal_type: PrincipalType,
    pub identifier: Identifier,
    /// Where the principal lives: the account for users, any scope for service accounts.
    pub scope: Scope,
}

impl Principal {
    pub fn account(&self) -> &Identifier {
        &self.scope.account
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.principal_type, self.identifier)
    }
}

/// A role assignment as stored.
#[derive(Clone, PartialEq, Debug)]
pub struct RoleAssignment {
    pub identifier: Identifier,
    pub scope: Scope,
    pub role: Identifier,
    /// Level of the scope the role is defined at; `None` for a built-in role.
    pub role_scope_level: Option<ScopeLevel>,
    pub resource_group: Identifier,
    pub principal: PrincipalRef,
    pub disabled: bool,
    pub managed: bool,
    pub created: i64,
    pub updated: i64,
}

impl RoleAssignment {
    /// The scope where the assignment's role is defined (`None`: built-in).
    pub fn role_scope(&self) -> Option<Scope> {
        self.role_scope_level.and_then(|l| self.scope.at_level(l))
    }

    /// The scope where the principal is defined.
    pub fn principal_scope(&self) -> Option<Scope> {
        self.scope.at_level(self.principal.scope_level)
    }
}
