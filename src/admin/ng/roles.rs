//! Roles in the NG shape: `GET|POST /authz/api/roles`, `GET|PUT|DELETE
//! /authz/api/roles/{identifier}` with the scope in the query, Harness's `RoleDTO` in and
//! `{"role": {…}, "scope", "createdAt", "lastModifiedAt", "harnessManaged"}` out, over the
//! core of `admin::rbac::roles` (same permissions, guard and audit as v1).

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::query::{query_scope, Account, BodyScope, Paging};
use super::shape::{envelope, page, Ng, NgResult, NgScope};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::rbac::common::level_names;
use crate::admin::rbac::roles::{self, RoleRequest};
use crate::admin::scope::path_param;
use crate::admin::AdminState;
use crate::policy::permission::catalogue;
use crate::policy::role::Role;
use crate::policy::Scope;
use crate::storage::Stamped;

/// Harness's `RoleDTO` (POST and PUT). Unknown fields are ignored, as Harness does.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NgRoleDto {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    /// `account`, `organization`, `project` at or below the query's level; absent: the
    /// scope's level and below (on PUT: unchanged).
    #[serde(default, alias = "allowed_scope_levels")]
    pub allowed_scope_levels: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub scope: BodyScope,
}

impl NgRoleDto {
    /// The core's input, once the body's scope fields agree with the query's.
    fn into_request(self, scope: &Scope) -> Result<RoleRequest, crate::web::ApiError> {
        self.scope.check(scope)?;
        Ok(RoleRequest {
            identifier: self.identifier,
            name: self.name,
            permissions: self.permissions.unwrap_or_default(),
            allowed_scope_levels: self.allowed_scope_levels,
            description: self.description,
            tags: self.tags,
        })
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgRole {
    pub identifier: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub allowed_scope_levels: Vec<String>,
    pub description: String,
    pub tags: BTreeMap<String, String>,
}

/// Harness's `RoleResponse`: `scope` is null for a built-in role.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgRoleItem {
    pub role: NgRole,
    pub scope: Option<NgScope>,
    /// Epoch milliseconds (0 for a built-in role).
    pub created_at: i64,
    pub last_modified_at: i64,
    pub harness_managed: bool,
}

fn item(r: Stamped<Role>) -> NgRoleItem {
    let role = r.value;
    NgRoleItem {
        scope: role.scope.as_ref().map(NgScope::of),
        harness_managed: role.managed,
        role: NgRole {
            identifier: role.identifier.to_string(),
            permissions: catalogue().identifiers(&role.permissions),
            allowed_scope_levels: level_names(role.allowed_scope_levels),
            name: role.name,
            description: role.description,
            tags: role.tags,
        },
        created_at: r.created,
        last_modified_at: r.updated,
    }
}

envelope!(NgRoleEnvelope, NgRoleItem);
page!(NgRolePage, NgRoleItem);
envelope!(NgRolePageEnvelope, NgRolePage);

#[utoipa::path(get, path = "/authz/api/roles", tag = "Harness NG API",
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query), ("pageIndex" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("searchTerm" = Option<String>, Query), ("sortOrders" = Option<String>, Query)),
    responses((status = 200, body = NgRolePageEnvelope, description = "The roles of the scope the caller may view (built-ins at the account)"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_list_roles(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let paging = Paging::from_request(&req)?;
    let listed = roles::list(&state, &caller.0, &scope).await?;
    Ok(NgRolePageEnvelope::answer(paging.page(listed, item).into()))
}

#[utoipa::path(post, path = "/authz/api/roles", tag = "Harness NG API", request_body = NgRoleDto,
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleEnvelope, description = "The created role"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_create_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgRoleDto>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let request = body.0 .0.into_request(&scope)?;
    let created = roles::create(&state, &caller.0, scope, request).await?;
    Ok(NgRoleEnvelope::answer(item(created)))
}

#[utoipa::path(get, path = "/authz/api/roles/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = Option<String>, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleEnvelope, description = "The role"), (status = 403), (status = 404)))]
pub async fn ng_get_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Optional)?;
    let id = path_param(&req, "identifier");
    let found = roles::get(&state, &caller.0, scope, id).await?;
    Ok(NgRoleEnvelope::answer(item(found)))
}

#[utoipa::path(put, path = "/authz/api/roles/{identifier}", tag = "Harness NG API", request_body = NgRoleDto,
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleEnvelope, description = "The updated role"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_update_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgRoleDto>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let request = body.0 .0.into_request(&scope)?;
    let id = path_param(&req, "identifier");
    let updated = roles::update(&state, &caller.0, scope, id, request).await?;
    Ok(NgRoleEnvelope::answer(item(updated)))
}

#[utoipa::path(delete, path = "/authz/api/roles/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleEnvelope, description = "The deleted role; its assignments are deleted too"), (status = 403), (status = 404)))]
pub async fn ng_delete_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let id = path_param(&req, "identifier");
    let deleted = roles::delete(&state, &caller.0, scope, id).await?;
    Ok(NgRoleEnvelope::answer(item(deleted)))
}
