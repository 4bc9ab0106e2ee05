//! Role bodies: the request (Harness v1's flat fields, also the input every shape converts
//! into), its validation into a [`Role`], the v1 answer, and the audit summary.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::admin::list::Listed;
use crate::admin::rbac::common::{check_name, level_names, not_reserved, parse_levels, ScopeOut};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::Role;
use crate::policy::{Identifier, Scope, ScopeLevels};
use crate::storage::Stamped;
use crate::web::ApiError;

/// A role as clients send it (POST and PUT).
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub identifier: String,
    pub name: String,
    /// Permission identifiers (`core_project_view`); absent means none.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// `account`, `organization` (`org`), `project`, any case, at or below the role's own
    /// level. Default: the role's level and the levels below it (on PUT: unchanged).
    #[serde(default)]
    pub allowed_scope_levels: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
}

/// A role as answered.
#[derive(serde::Serialize, ToSchema)]
pub struct RoleResponse {
    pub identifier: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub allowed_scope_levels: Vec<String>,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    pub scope: ScopeOut,
    /// Epoch milliseconds (0 for a built-in role).
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

/// Lists search, sort and page the stored roles themselves, whatever shape answers them.
impl Listed for Stamped<Role> {
    fn identifier(&self) -> &str {
        self.value.identifier.as_str()
    }
    fn name(&self) -> &str {
        &self.value.name
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

pub fn role_out(role: &Role, created: i64, updated: i64) -> RoleResponse {
    RoleResponse {
        identifier: role.identifier.to_string(),
        name: role.name.clone(),
        permissions: catalogue().identifiers(&role.permissions),
        allowed_scope_levels: level_names(role.allowed_scope_levels),
        description: role.description.clone(),
        tags: role.tags.clone(),
        scope: ScopeOut::of(role.scope.as_ref()),
        created,
        updated,
        harness_managed: role.managed,
    }
}

/// The v1 answer for a stored role.
pub fn stamped_out(r: &Stamped<Role>) -> RoleResponse {
    role_out(&r.value, r.created, r.updated)
}

/// The audit summary of a role.
pub fn summary(role: &Role) -> serde_json::Value {
    json!({
        "identifier": role.identifier,
        "name": role.name,
        "permissions": catalogue().identifiers(&role.permissions),
        "allowed_scope_levels": level_names(role.allowed_scope_levels),
    })
}

/// Checks the body and builds the role it describes (levels: `None` = take `default`).
pub fn build(body: RoleRequest, scope: &Scope, default: ScopeLevels) -> Result<Role, ApiError> {
    let identifier = Identifier::new(&body.identifier)?;
    not_reserved(&body.identifier, "role")?;
    check_name(&body.name)?;
    let permissions = catalogue().set_of(&body.permissions)?;
    let levels = parse_levels(body.allowed_scope_levels.as_deref(), scope, default)?;
    check_levels(&permissions, levels)?;
    Ok(Role {
        identifier,
        name: body.name,
        scope: Some(scope.clone()),
        permissions,
        allowed_scope_levels: levels,
        description: body.description.unwrap_or_default(),
        tags: body.tags.unwrap_or_default(),
        managed: false,
    })
}

/// Every permission must be available at one of the levels the role may be used at.
pub fn check_levels(permissions: &PermissionSet, levels: ScopeLevels) -> Result<(), ApiError> {
    for id in permissions.iter() {
        let p = catalogue().permission(id);
        if !levels.iter().any(|l| p.available_at(l)) {
            return Err(ApiError::invalid(format!(
                "permission `{}` is not available at any level the role allows ({})",
                p.identifier,
                level_names(levels).join(", ")
            )));
        }
    }
    Ok(())
}
