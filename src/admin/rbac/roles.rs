//! Roles at account, organization and project scope: the shape-free core ([`list`],
//! [`get`], [`create`], [`update`], [`delete`]: scope in, stored roles out) and Harness v1's
//! flat shape over it: `GET|POST …/roles`, `GET …/roles/count` (a bare integer),
//! `GET|PUT|DELETE …/roles/{role}`. The NG shape (`admin::ng::roles`) calls the same core.
//!
//! Built-in roles are listed at the account paths, readable at every path and read-only.
//! Permissions: `core_role_view` (type-level for lists and counts, else 403),
//! `core_role_edit`, `core_role_delete` at the role's scope. No escalation (DESIGN §4.4):
//! the guard admits a role only when the writer holds every permission it gives, and a
//! permission added to a role in use only when the writer holds it on every group the
//! role is assigned on.

mod dto;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use self::dto::{build, check_levels, summary};
pub use self::dto::{role_out, stamped_out, RoleRequest, RoleResponse};
use super::common::{count_matching, managed_denied, migrate_splits, ScopeOut};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::ListQuery;
use crate::admin::scope::{ensure_exists, path_param, path_scope, same_identifier};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::builtin::{builtin_role, builtin_roles};
use crate::policy::role::{Role, RoleAssignment};
use crate::policy::{Scope, ScopeLevels};
use crate::storage::assignments::Assignments;
use crate::storage::guard::{NewRole, RoleEdit};
use crate::storage::roles::Roles;
use crate::storage::Stamped;
use crate::web::ApiError;

fn not_found(id: &str, scope: &Scope) -> ApiError {
    ApiError::not_found(format!("role `{id}` not found in `{scope}`"))
}

fn builtin(r: &Role) -> Stamped<Role> {
    Stamped {
        value: r.clone(),
        created: 0,
        updated: 0,
    }
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

/// The roles listed at `scope` (built-ins at the account) that the caller may view; 403
/// without `core_role_view` there.
pub async fn list(
    state: &AdminState,
    caller: &Caller,
    scope: &Scope,
) -> Result<Vec<Stamped<Role>>, ApiError> {
    caller
        .require("core_role_view", scope, "ROLE", None)
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
        .map(builtin);
    let all = builtins.chain(custom).collect();
    caller
        .visible(all, "core_role_view", scope, "ROLE", |r| {
            r.value.identifier.as_str()
        })
        .await
}

/// One role of `scope` (or a built-in one).
pub async fn get(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
) -> Result<Stamped<Role>, ApiError> {
    caller
        .require("core_role_view", &scope, "ROLE", Some(&id))
        .await?;
    audit::read(state, move |c| {
        ensure_exists(c, &scope)?;
        if let Some(r) = builtin_role(&id) {
            return Ok(builtin(r));
        }
        Roles::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))
    })
    .await
}

/// Creates a role at `scope`, admitted by the guard and audited as `role.create`.
pub async fn create(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    body: RoleRequest,
) -> Result<Stamped<Role>, ApiError> {
    let role = build(body, &scope, ScopeLevels::from_level_down(scope.level()))?;
    let id = role.identifier.to_string();
    let meta = WriteMeta::new("role.create", &scope, "ROLE", &id, Bump::Policy);
    let allowed = caller.require("core_role_edit", &scope, "ROLE", None).await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let acting = caller.acting();
    audit::write(state, caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        if builtin_role(&id).is_some() {
            return Err(ApiError::conflict(format!(
                "role `{id}` already exists as a built-in role"
            )));
        }
        let mut role = role;
        role.permissions = migrate_splits(c, &scope, &role.permissions)?;
        let permit = acting.admit(c, NewRole(role))?;
        let stored = Stamped {
            value: permit.write().0.clone(),
            created: now,
            updated: now,
        };
        let after = summary(&stored.value);
        Roles::insert(c, permit, now)?;
        Ok(Audited::new(stored, None, Some(after)))
    })
    .await
}

/// Replaces role `id` of `scope` (the body may repeat `id`), admitted by the guard and
/// audited as `role.update`.
pub async fn update(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
    body: RoleRequest,
) -> Result<Stamped<Role>, ApiError> {
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
    refuse_unless(state, caller, &meta, allowed).await?;
    let acting = caller.acting();
    audit::write(state, caller, meta, move |c, now| {
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
        let stored = Stamped {
            value: permit.write().role.clone(),
            created,
            updated: now,
        };
        let after = summary(&stored.value);
        Roles::update(c, permit, now)?;
        Ok(Audited::new(stored, Some(summary(&old.value)), Some(after)))
    })
    .await
}

/// Deletes role `id` of `scope` and its assignments, audited as `role.delete`.
pub async fn delete(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
) -> Result<Stamped<Role>, ApiError> {
    let meta = WriteMeta::new("role.delete", &scope, "ROLE", &id, Bump::Policy);
    let allowed = if builtin_role(&id).is_some() {
        Err(managed_denied("role", &id, &scope))
    } else {
        caller
            .require("core_role_delete", &scope, "ROLE", Some(&id))
            .await
    };
    refuse_unless(state, caller, &meta, allowed).await?;
    audit::write(state, caller, meta, move |c, _| {
        let old = Roles::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let users = Assignments::using_role(c, &scope, &id)?;
        for a in &users {
            Assignments::delete(c, &a.scope, a.identifier.as_str())?;
        }
        Roles::delete(c, &scope, &id)?;
        let removed: Vec<String> = users.iter().map(|a| a.identifier.to_string()).collect();
        let mut before = summary(&old.value);
        before["assignments_removed"] = json!(removed);
        Ok(Audited::new(old, Some(before), None))
    })
    .await
}

#[utoipa::path(get, path = "/v1/roles", tag = "Roles", responses((status = 200, body = [RoleResponse], description = "The roles the caller may view; headers X-Total-Elements, X-Page-Number, X-Page-Size"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_roles(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let roles = list(&state, &caller, &path_scope(&req, &caller)?).await?;
    Ok(q.respond_with(roles, |r| stamped_out(&r)))
}

#[utoipa::path(get, path = "/v1/roles/count", tag = "Roles", responses((status = 200, body = i64, content_type = "application/json", description = "The number of roles the list shows")), params(("search_term" = Option<String>, Query)))]
pub async fn count_roles(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let roles = list(&state, &caller, &path_scope(&req, &caller)?).await?;
    let ids = roles
        .iter()
        .map(|r| (r.value.identifier.as_str(), r.value.name.as_str()));
    Ok(HttpResponse::Ok().json(count_matching(&q, ids)))
}

#[utoipa::path(post, path = "/v1/roles", tag = "Roles", request_body = RoleRequest, responses((status = 201, body = RoleResponse, description = "The created role"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn create_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let created = create(&state, &caller, scope, body.0).await?;
    Ok(HttpResponse::Created().json(stamped_out(&created)))
}

#[utoipa::path(get, path = "/v1/roles/{role}", tag = "Roles", params(("role" = String, Path)), responses((status = 200, body = RoleResponse, description = "The role"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn get_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let found = get(&state, &caller, scope, path_param(&req, "role")).await?;
    Ok(HttpResponse::Ok().json(stamped_out(&found)))
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
    let updated = update(&state, &caller, scope, id, body.0).await?;
    Ok(HttpResponse::Ok().json(stamped_out(&updated)))
}

#[utoipa::path(delete, path = "/v1/roles/{role}", tag = "Roles", params(("role" = String, Path)), responses((status = 200, body = RoleResponse, description = "The deleted role; its assignments are deleted too"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn delete_role(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let deleted = delete(&state, &caller, scope, path_param(&req, "role")).await?;
    Ok(HttpResponse::Ok().json(stamped_out(&deleted)))
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
