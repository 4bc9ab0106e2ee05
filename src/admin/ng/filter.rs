//! The body of `POST /authz/api/roleassignments/filter` (Harness's
//! `RoleAssignmentFilterDTO`) and its test on one assignment: every non-empty filter must
//! match (each one matches when any of its values does); absent, null or empty filters
//! match everything. Unknown fields are refused (400), since ignoring a filter would answer
//! more than was asked; `scopeFilters` (other scopes than the query's) is refused when
//! non-empty.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::policy::role::{PrincipalType, RoleAssignment};
use crate::policy::ScopeLevel;
use crate::web::ApiError;

/// One principal of `principalFilter`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NgPrincipalFilter {
    pub identifier: String,
    /// `USER`, `USER_GROUP` or `SERVICE_ACCOUNT`.
    #[serde(rename = "type")]
    pub principal_type: String,
    /// Absent: any level.
    #[serde(default)]
    pub scope_level: Option<String>,
}

#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NgRoleAssignmentFilter {
    #[serde(default)]
    pub resource_group_filter: Option<Vec<String>>,
    #[serde(default)]
    pub role_filter: Option<Vec<String>>,
    /// `USER`, `USER_GROUP`, `SERVICE_ACCOUNT`.
    #[serde(default)]
    pub principal_type_filter: Option<Vec<String>>,
    #[serde(default)]
    pub principal_filter: Option<Vec<NgPrincipalFilter>>,
    /// Levels where the principals are defined.
    #[serde(default)]
    pub principal_scope_level_filter: Option<Vec<String>>,
    /// Levels where the roles are defined.
    #[serde(default)]
    pub role_scope_level_filter: Option<Vec<String>>,
    #[serde(default)]
    pub disabled_filter: Option<Vec<bool>>,
    #[serde(default)]
    pub harness_managed_filter: Option<Vec<bool>>,
    /// Must be absent or empty: only the query's scope is filtered.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub scope_filters: Option<Vec<serde_json::Value>>,
}

/// A filter with its values parsed.
pub struct Compiled {
    groups: Vec<String>,
    roles: Vec<String>,
    types: Vec<PrincipalType>,
    principals: Vec<(String, PrincipalType, Option<ScopeLevel>)>,
    principal_levels: Vec<ScopeLevel>,
    role_levels: Vec<ScopeLevel>,
    disabled: Vec<bool>,
    managed: Vec<bool>,
}

fn levels(values: Option<Vec<String>>) -> Result<Vec<ScopeLevel>, ApiError> {
    Ok(values
        .unwrap_or_default()
        .iter()
        .map(|l| ScopeLevel::parse(l))
        .collect::<Result<_, _>>()?)
}

impl NgRoleAssignmentFilter {
    /// Parses every value (400 naming a bad one).
    pub fn compile(self) -> Result<Compiled, ApiError> {
        if self.scope_filters.as_ref().is_some_and(|s| !s.is_empty()) {
            return Err(ApiError::invalid(
                "`scopeFilters` is not supported: filter one scope at a time through the query",
            ));
        }
        let types = self
            .principal_type_filter
            .unwrap_or_default()
            .iter()
            .map(|t| PrincipalType::parse(t))
            .collect::<Result<_, _>>()?;
        let principals = self
            .principal_filter
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let level = p
                    .scope_level
                    .as_deref()
                    .map(ScopeLevel::parse)
                    .transpose()?;
                Ok((
                    p.identifier,
                    PrincipalType::parse(&p.principal_type)?,
                    level,
                ))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(Compiled {
            groups: self.resource_group_filter.unwrap_or_default(),
            roles: self.role_filter.unwrap_or_default(),
            types,
            principals,
            principal_levels: levels(self.principal_scope_level_filter)?,
            role_levels: levels(self.role_scope_level_filter)?,
            disabled: self.disabled_filter.unwrap_or_default(),
            managed: self.harness_managed_filter.unwrap_or_default(),
        })
    }
}

/// Empty: everything; else some value equals.
fn any<T: PartialEq>(wanted: &[T], value: &T) -> bool {
    wanted.is_empty() || wanted.contains(value)
}

/// Does `a` pass every filter?
pub fn matches(f: &Compiled, a: &RoleAssignment) -> bool {
    let p = &a.principal;
    let principal = f.principals.is_empty()
        || f.principals.iter().any(|(id, t, level)| {
            id == p.identifier.as_str()
                && *t == p.principal_type
                && level.is_none_or(|l| l == p.scope_level)
        });
    any(&f.groups, &a.resource_group.to_string())
        && any(&f.roles, &a.role.to_string())
        && any(&f.types, &p.principal_type)
        && principal
        && any(&f.principal_levels, &p.scope_level)
        && any(
            &f.role_levels,
            &a.role_scope_level.unwrap_or(ScopeLevel::Account),
        )
        && any(&f.disabled, &a.disabled)
        && any(&f.managed, &a.managed)
}
