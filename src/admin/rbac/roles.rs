//! Roles in Harness v1's flat shape, at account, organization and project scope:
//! `GET|POST …/roles`, `GET …/roles/count` (a bare integer), `GET|PUT|DELETE …/roles/{role}`.
//!
//! Built-in roles are listed at the account paths, readable at every path and read-only.
//! Permissions: `core_role_view` (type-level for lists and counts, else 403),
//! `core_role_edit`, `core_role_delete` at the role's scope. No escalation (DESIGN §4.4):
//! the guard admits a role only when the writer holds every permission it gives, and a
//! permission added to a role in use only when the writer holds it on every group the
//! role is assigned on.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::common::{
    check_name, count_matching, level_names, managed_denied, migrate_splits, not_reserved,
    parse_levels, ScopeOut,
};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::{ListQuery, Listed};
use crate::admin::scope::{ensure_exists, path_param, path_scope, same_identifier};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::builtin::{builtin_role, builtin_roles};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::{Role, RoleAssignment};
use crate::policy::{Identifier, Scope, ScopeLevels};
use crate::storage::assignments::Assignments;
use crate::storage::guard::{NewRole, RoleEdit};
use crate::storage::roles::Roles;
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

impl Listed for RoleResponse {
    fn identifier(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.name
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

fn summary(role: &Role) -> serde_json::Value {
    json!({
        "identifier": role.identifier,
        "name": role.name,
        "permissions": catalogue().identifiers(&role.permissions),
        "allowed_scope_levels": level_names(role.allowed_scope_levels),
    })
}

/// Checks the body and builds the role it describes (levels: `None` = take `default`).
fn build(body: RoleRequest, scope: &Scope, default: ScopeLevels) -> Result<Role, ApiError> {
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
fn check_levels(permissions: &PermissionSet, levels: ScopeLevels) -> Result<(), ApiError> {
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

fn not_found(id: &str, scope: &Scope) -> ApiError {
    ApiError::not_found(format!("role `{id}` not found in `{scope}`"))
}

/// The roles listed at `scope` that the caller may view (403 without `core_role_view`
/// there).
async fn visible(
    req: &HttpRequest,
    state: &AdminState,
    caller: &Caller,
) -> Result<Vec<RoleResponse>, ApiError> {
    let scope = path_scope(req, caller)?;
    caller
        .require("core_role_view", &scope, "ROLE", None)
        .await?;
    let s = scope.clone();
    let custom = audit::read(state, move |c| {
        ensure_exists(c, &s)?;
        Ok(Roles::list(c, &s)?)
    })
    .await?;
    let builtins = builtin_roles()
        .iter()
        .filter(|_| scope.org.is_none())
        .map(|r| role_out(r, 0, 0));
    let customs = custom
        .iter()
        .map(|r| role_out(&r.value, r.created, r.updated));
    let all = builtins.chain(customs).collect();
    caller
        .visible(all, "core_role_view", &scope, "ROLE", |r| &r.identifier)
        .await
}

/// A role change must keep the levels it is assigned at (409 naming the assignment).
fn keeps_levels(role: &Role, users: &[RoleAssignment]) -> Result<(), ApiError> {
    match users
        .iter()
        .find(|a| !role.allowed_scope_levels.contains(a.scope.level()))
    {
        None => Ok(()),
        Some(a) => Err(ApiError::conflict(format!(
            "role `{}` is assigned at the {} level by `{}` in `{}`: keep that level in `allowed_scope_levels`",
            role.identifier,
            a.scope.level(),
            a.identifier,
            a.scope
        ))),
    }
}

#[utoipa::path(get, path = "/v1/roles", tag = "Roles", responses((status = 200, body = [RoleResponse], description = "The roles the caller may view; headers X-Total-Elements, X-Page-Number, X-Page-Size"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_roles(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    Ok(q.respond(visible(&req, &state, &caller).await?))
}

#[utoipa::path(get, path = "/v1/roles/count", tag = "Roles", responses((status = 200, body = i64, content_type = "application/json", description = "The number of roles the list shows")), params(("search_term" = Option<String>, Query)))]
pub async fn count_roles(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let roles = visible(&req, &state, &caller).await?;
    let n = count_matching(
        &q,
        roles
            .iter()
            .map(|r| (r.identifier.as_str(), r.name.as_str())),
    );
    Ok(HttpResponse::Ok().json(n))
}

#[utoipa::path(post, path = "/v1/roles", tag = "Roles", request_body = RoleRequest, responses((status = 201, body = RoleResponse, description = "The created role"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn create_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let role = build(body.0, &scope, ScopeLevels::from_level_down(scope.level()))?;
    let id = role.identifier.to_string();
    let meta = WriteMeta::new("role.create", &scope, "ROLE", &id, Bump::Policy);
    let allowed = caller.require("core_role_edit", &scope, "ROLE", None).await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let created = audit::write(&state, &caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        if builtin_role(&id).is_some() {
            return Err(ApiError::conflict(format!(
                "role `{id}` already exists as a built-in role"
            )));
        }
        let mut role = role;
        role.permissions = migrate_splits(c, &scope, &role.permissions)?;
        let permit = acting.admit(c, NewRole(role))?;
        let (out, after) = (
            role_out(&permit.write().0, now, now),
            summary(&permit.write().0),
        );
        Roles::insert(c, permit, now)?;
        Ok(Audited::new(out, None, Some(after)))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/roles/{role}", tag = "Roles", params(("role" = String, Path)), responses((status = 200, body = RoleResponse, description = "The role"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn get_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "role");
    caller
        .require("core_role_view", &scope, "ROLE", Some(&id))
        .await?;
    let found = audit::read(&state, move |c| {
        ensure_exists(c, &scope)?;
        if let Some(r) = builtin_role(&id) {
            return Ok(role_out(r, 0, 0));
        }
        let r = Roles::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        Ok(role_out(&r.value, r.created, r.updated))
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(put, path = "/v1/roles/{role}", tag = "Roles", params(("role" = String, Path)), request_body = RoleRequest, responses((status = 200, body = RoleResponse, description = "The role"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn update_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "role");
    let body = body.0;
    same_identifier(&body.identifier, &id)?;
    let keep_levels = body.allowed_scope_levels.is_none();
    // Levels are checked against the stored ones below when the body leaves them out.
    let role = build(body, &scope, ScopeLevels::ALL)?;
    let meta = WriteMeta::new("role.update", &scope, "ROLE", &id, Bump::Policy);
    let allowed = if builtin_role(&id).is_some() {
        Err(managed_denied("role", &id, &scope))
    } else {
        caller
            .require("core_role_edit", &scope, "ROLE", Some(&id))
            .await
    };
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let old = Roles::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let mut role = role;
        if keep_levels {
            role.allowed_scope_levels = old.value.allowed_scope_levels;
            check_levels(&role.permissions, role.allowed_scope_levels)?;
        }
        role.permissions = migrate_splits(c, &scope, &role.permissions)?;
        keeps_levels(&role, &Assignments::using_role(c, &scope, &id)?)?;
        let created = old.created;
        let permit = acting.admit(c, RoleEdit { role, created })?;
        let (out, after) = (
            role_out(&permit.write().role, created, now),
            summary(&permit.write().role),
        );
        Roles::update(c, permit, now)?;
        Ok(Audited::new(out, Some(summary(&old.value)), Some(after)))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/roles/{role}", tag = "Roles", params(("role" = String, Path)), responses((status = 200, body = RoleResponse, description = "The deleted role; its assignments are deleted too"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn delete_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "role");
    let meta = WriteMeta::new("role.delete", &scope, "ROLE", &id, Bump::Policy);
    let allowed = if builtin_role(&id).is_some() {
        Err(managed_denied("role", &id, &scope))
    } else {
        caller
            .require("core_role_delete", &scope, "ROLE", Some(&id))
            .await
    };
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let old = Roles::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let users = Assignments::using_role(c, &scope, &id)?;
        for a in &users {
            Assignments::delete(c, &a.scope, a.identifier.as_str())?;
        }
        Roles::delete(c, &scope, &id)?;
        let removed: Vec<String> = users.iter().map(|a| a.identifier.to_string()).collect();
        let mut before = summary(&old.value);
        before["assignments_removed"] = json!(removed);
        Ok(Audited::new(
            role_out(&old.value, old.created, old.updated),
            Some(before),
            None,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resources(scoped("roles"))
            .route(web::get().to(list_roles))
            .route(web::post().to(create_role)),
    )
    .service(resources(scoped("roles/count")).route(web::get().to(count_roles)))
    .service(
        resources(scoped("roles/{role}"))
            .route(web::get().to(get_role))
            .route(web::put().to(update_role))
            .route(web::delete().to(delete_role)),
    );
}

/// The OpenAPI paths of this module (organization and project variants are added by
/// `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_roles,
        count_roles,
        create_role,
        get_role,
        update_role,
        delete_role
    ),
    components(schemas(RoleRequest, RoleResponse, ScopeOut))
)]
pub struct RolesApi;
