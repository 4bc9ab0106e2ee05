//! Role-assignment bodies: the request (Harness v1 spelling with the seed's `scope` and the
//! legacy `roleReference` accepted), its validation into a [`RoleAssignment`], the
//! resolution of the role, group and principal it names, and the wrapped answer
//! `{"role-assignment": {…}, "created", "updated", "harness_managed"}`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::common::not_reserved;
use crate::admin::list::Listed;
use crate::policy::builtin::builtin_role;
use crate::policy::resource_group::ResourceGroup;
use crate::policy::role::{PrincipalRef, PrincipalType, Role, RoleAssignment};
use crate::policy::{Identifier, Scope, ScopeLevel};
use crate::storage::principals::{ServiceAccount, User, UserGroup};
use crate::storage::resource_groups::ResourceGroups;
use crate::storage::roles::Roles;
use crate::storage::DbConnection;
use crate::web::ApiError;

/// A role named with the level (relative to the assignment's scope) it is defined at.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct RoleReferenceBody {
    pub identifier: String,
    /// `account`, `organization` (`org`), `project`, any case.
    #[serde(alias = "scopeLevel")]
    pub scope_level: String,
}

/// Who the assignment names.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct PrincipalBody {
    pub identifier: String,
    /// `USER`, `USER_GROUP` or `SERVICE_ACCOUNT`, any case.
    #[serde(rename = "type")]
    pub principal_type: String,
    /// Where the principal is defined (also spelled `scope`), at or above the assignment's
    /// level. Default: `account` for a user, the assignment's level otherwise.
    #[serde(default, alias = "scope")]
    pub scope_level: Option<String>,
}

/// A role assignment as clients send it (POST; PUT may change `disabled` only).
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignmentRequest {
    pub identifier: String,
    pub resource_group: String,
    /// A built-in role, or a custom role of the assignment's scope or an ancestor.
    #[serde(default)]
    pub role: Option<String>,
    /// Names the role at exactly one level (also spelled `roleReference`).
    #[serde(default, alias = "roleReference")]
    pub role_reference: Option<RoleReferenceBody>,
    pub principal: PrincipalBody,
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Must be absent or false: managed assignments are created by scopegate only.
    #[serde(default)]
    pub managed: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleReferenceOut {
    pub identifier: String,
    pub scope_level: String,
}

#[derive(Serialize, ToSchema)]
pub struct PrincipalOut {
    pub identifier: String,
    #[serde(rename = "type")]
    pub principal_type: String,
    pub scope_level: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoleAssignmentOut {
    pub identifier: String,
    pub resource_group: String,
    pub role: String,
    pub role_reference: RoleReferenceOut,
    pub principal: PrincipalOut,
    pub disabled: bool,
    pub managed: bool,
}

/// The wrapped answer.
#[derive(Serialize, ToSchema)]
pub struct RoleAssignmentResponse {
    #[serde(rename = "role-assignment")]
    pub role_assignment: RoleAssignmentOut,
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

/// Lists search, sort and page the stored assignments themselves (by identifier), whatever
/// shape answers them.
impl Listed for RoleAssignment {
    fn identifier(&self) -> &str {
        self.identifier.as_str()
    }
    fn name(&self) -> &str {
        self.identifier.as_str()
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

pub fn assignment_out(a: &RoleAssignment) -> RoleAssignmentResponse {
    RoleAssignmentResponse {
        role_assignment: RoleAssignmentOut {
            identifier: a.identifier.to_string(),
            resource_group: a.resource_group.to_string(),
            role: a.role.to_string(),
            role_reference: RoleReferenceOut {
                identifier: a.role.to_string(),
                // Built-in roles are listed at the account paths.
                scope_level: a
                    .role_scope_level
                    .unwrap_or(ScopeLevel::Account)
                    .as_str()
                    .to_owned(),
            },
            principal: PrincipalOut {
                identifier: a.principal.identifier.to_string(),
                principal_type: a.principal.principal_type.as_str().to_owned(),
                scope_level: a.principal.scope_level.as_str().to_owned(),
            },
            disabled: a.disabled,
            managed: a.managed,
        },
        created: a.created,
        updated: a.updated,
        harness_managed: a.managed,
    }
}

/// The audit summary of an assignment.
pub fn summary(a: &RoleAssignment) -> serde_json::Value {
    json!({
        "identifier": a.identifier,
        "role": a.role,
        "role_scope_level": a.role_scope_level.map(|l| l.as_str()),
        "resource_group": a.resource_group,
        "principal": format!("{}:{}", a.principal.principal_type, a.principal.identifier),
        "principal_scope_level": a.principal.scope_level.as_str(),
        "disabled": a.disabled,
    })
}

/// The permission that writing an assignment for `principal_type` needs, with its
/// resource type.
pub fn manage_permission(principal_type: PrincipalType) -> (&'static str, &'static str) {
    match principal_type {
        PrincipalType::User => ("core_user_manage", "USER"),
        PrincipalType::UserGroup => ("core_usergroup_manage", "USERGROUP"),
        PrincipalType::ServiceAccount => ("core_serviceaccount_edit", "SERVICEACCOUNT"),
    }
}

fn level_within(raw: &str, scope: &Scope, what: &str) -> Result<ScopeLevel, ApiError> {
    let level = ScopeLevel::parse(raw)?;
    if scope.at_level(level).is_none() {
        return Err(ApiError::invalid(format!(
            "{what} scope level `{raw}` lies below the assignment's scope `{scope}`"
        )));
    }
    Ok(level)
}

fn principal(body: &PrincipalBody, scope: &Scope) -> Result<PrincipalRef, ApiError> {
    let principal_type = PrincipalType::parse(&body.principal_type)?;
    let scope_level = match (&body.scope_level, principal_type) {
        (Some(raw), _) => level_within(raw, scope, "principal")?,
        (None, PrincipalType::User) => ScopeLevel::Account,
        (None, _) => scope.level(),
    };
    if principal_type == PrincipalType::User && scope_level != ScopeLevel::Account {
        return Err(ApiError::invalid(format!(
            "user `{}` cannot have scope level `{scope_level}`: users live at the account level",
            body.identifier
        )));
    }
    Ok(PrincipalRef {
        principal_type,
        identifier: Identifier::new(&body.identifier)?,
        scope_level,
    })
}

/// Validates a body for an assignment at `scope` (timestamps left at 0). The role level is
/// the `role_reference`'s when given; [`resolve`] fills it in otherwise.
pub fn parse(body: &RoleAssignmentRequest, scope: &Scope) -> Result<RoleAssignment, ApiError> {
    let identifier = Identifier::new(&body.identifier)?;
    not_reserved(&body.identifier, "role assignment")?;
    if body.managed == Some(true) {
        return Err(ApiError::invalid(
            "`managed: true` is not allowed: managed role assignments are created by scopegate only",
        ));
    }
    let (role, role_scope_level) = match (&body.role, &body.role_reference) {
        (None, None) => return Err(ApiError::invalid("`role` or `role_reference` is required")),
        (Some(r), Some(reference)) if *r != reference.identifier => {
            return Err(ApiError::invalid(format!(
                "`role` `{r}` differs from `role_reference.identifier` `{}`",
                reference.identifier
            )))
        }
        (_, Some(reference)) => (
            &reference.identifier,
            Some(level_within(
                &reference.scope_level,
                scope,
                "role_reference",
            )?),
        ),
        (Some(r), None) => (r, None),
    };
    Ok(RoleAssignment {
        identifier,
        scope: scope.clone(),
        role: Identifier::new(role)?,
        role_scope_level,
        resource_group: Identifier::new(&body.resource_group)?,
        principal: principal(&body.principal, scope)?,
        disabled: body.disabled.unwrap_or(false),
        managed: false,
        created: 0,
        updated: 0,
    })
}

fn find_role(
    conn: &mut DbConnection,
    a: &RoleAssignment,
) -> Result<Option<(Role, Option<ScopeLevel>)>, ApiError> {
    let id = a.role.as_str();
    if let Some(r) = builtin_role(id) {
        return Ok(Some((r.clone(), None)));
    }
    Ok(match a.role_scope() {
        None if a.role_scope_level.is_none() => Roles::resolve(conn, &a.scope, id)?,
        None => None,
        Some(at) => Roles::find(conn, &at, id)?.map(|r| (r.value, Some(at.level()))),
    })
}

fn principal_exists(conn: &mut DbConnection, a: &RoleAssignment) -> Result<bool, ApiError> {
    let id = a.principal.identifier.as_str();
    let Some(at) = a.principal_scope() else {
        return Ok(false);
    };
    Ok(match a.principal.principal_type {
        PrincipalType::User => User::find(conn, at.account.as_str(), id)?.is_some(),
        PrincipalType::UserGroup => UserGroup::find(conn, &at, id)?.is_some(),
        PrincipalType::ServiceAccount => ServiceAccount::find(conn, &at, id)?.is_some(),
    })
}

/// Resolves what the assignment names: 404 naming every reference that does not exist,
/// 400 when the role may not be used at the assignment's level. Sets the role's level.
pub fn resolve(
    conn: &mut DbConnection,
    a: &mut RoleAssignment,
) -> Result<(Role, ResourceGroup), ApiError> {
    let mut missing = Vec::new();
    let group = ResourceGroups::resolve(conn, &a.scope, a.resource_group.as_str())?;
    if group.is_none() {
        missing.push(format!(
            "resource group `{}` not found in `{}`",
            a.resource_group, a.scope
        ));
    }
    let role = find_role(conn, a)?;
    if role.is_none() {
        missing.push(match a.role_scope() {
            Some(at) => format!("role `{}` not found in `{at}`", a.role),
            None => format!("role `{}` not found", a.role),
        });
    }
    if !principal_exists(conn, a)? {
        let p = &a.principal;
        let at = a
            .principal_scope()
            .map(|s| s.to_string())
            .unwrap_or_default();
        missing.push(match p.principal_type {
            PrincipalType::User => format!("user `{}` not found", p.identifier),
            PrincipalType::UserGroup => {
                format!("user group `{}` not found in `{at}`", p.identifier)
            }
            PrincipalType::ServiceAccount => {
                format!("service account `{}` not found in `{at}`", p.identifier)
            }
        });
    }
    let (Some((role, level)), Some(group), true) = (role, group, missing.is_empty()) else {
        return Err(ApiError::not_found(missing.join("; ")));
    };
    role.allowed_at(a.scope.level())?;
    a.role_scope_level = level;
    Ok((role, group))
}

/// The fields of `stored` that `wanted` changes, besides `disabled`.
pub fn changed_fields(stored: &RoleAssignment, wanted: &RoleAssignment) -> Vec<&'static str> {
    let mut out = Vec::new();
    if stored.resource_group != wanted.resource_group {
        out.push("resource_group");
    }
    if stored.role != wanted.role {
        out.push("role");
    } else if wanted.role_scope_level.is_some()
        && builtin_role(wanted.role.as_str()).is_none()
        && stored.role_scope_level != wanted.role_scope_level
    {
        out.push("role_reference");
    }
    if stored.principal != wanted.principal {
        out.push("principal");
    }
    out
}
