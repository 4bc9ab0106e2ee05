//! Resource groups at account, organization and project scope: the shape-free core
//! ([`list`], [`get`], [`create`], [`update`], [`delete`]) and Harness v1's flat shape over
//! it: `GET|POST …/resource-groups`, `GET|PUT|DELETE …/resource-groups/{group}`. The NG
//! shape (`admin::ng::resource_groups`) calls the same core.
//!
//! Built-in groups are listed and readable at the scopes where they exist and read-only.
//! Permissions: `core_resourcegroup_view` (type-level for lists, else 403),
//! `core_resourcegroup_edit`, `core_resourcegroup_delete` at the group's scope. The guard
//! admits a change that widens a group in use only when the writer holds the assigned
//! roles' permissions on the new selection.

mod dto;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use self::dto::{build, summary};
pub use self::dto::{
    group_out, stamped_out, IncludedScopeBody, ResourceFilterBody, ResourceGroupRequest,
    ResourceGroupResponse,
};
use super::common::{managed_denied, ScopeOut};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::ListQuery;
use crate::admin::scope::{ensure_exists, path_param, path_scope, same_identifier};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::resource_group::{
    builtin_group, is_builtin_group, ResourceGroup, BUILTIN_GROUPS,
};
use crate::policy::{Scope, ScopeLevels};
use crate::storage::assignments::Assignments;
use crate::storage::guard::GroupEdit;
use crate::storage::resource_groups::ResourceGroups;
use crate::storage::Stamped;
use crate::web::ApiError;

const KIND: &str = "RESOURCEGROUP";

fn not_found(id: &str, scope: &Scope) -> ApiError {
    ApiError::not_found(format!("resource group `{id}` not found in `{scope}`"))
}

fn own_level(scope: &Scope) -> ScopeLevels {
    ScopeLevels::of(&[scope.level()])
}

fn builtin(g: ResourceGroup) -> Stamped<ResourceGroup> {
    Stamped {
        value: g,
        created: 0,
        updated: 0,
    }
}

/// The groups of `scope` (built-ins included) that the caller may view; 403 without
/// `core_resourcegroup_view` there.
pub async fn list(
    state: &AdminState,
    caller: &Caller,
    scope: &Scope,
) -> Result<Vec<Stamped<ResourceGroup>>, ApiError> {
    caller
        .require("core_resourcegroup_view", scope, KIND, None)
        .await?;
    let s = scope.clone();
    let custom = audit::read(state, move |c| {
        ensure_exists(c, &s)?;
        Ok(ResourceGroups::list(c, &s)?)
    })
    .await?;
    let builtins = BUILTIN_GROUPS
        .iter()
        .filter_map(|id| builtin_group(id, scope))
        .map(builtin);
    let all = builtins.chain(custom).collect();
    caller
        .visible(all, "core_resourcegroup_view", scope, KIND, |g| {
            g.value.identifier.as_str()
        })
        .await
}

/// One group of `scope` (or a built-in one).
pub async fn get(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
) -> Result<Stamped<ResourceGroup>, ApiError> {
    caller
        .require("core_resourcegroup_view", &scope, KIND, Some(&id))
        .await?;
    audit::read(state, move |c| {
        ensure_exists(c, &scope)?;
        if let Some(g) = builtin_group(&id, &scope) {
            return Ok(builtin(g));
        }
        ResourceGroups::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))
    })
    .await
}

/// Creates a group at `scope`, audited as `resource_group.create` (a new group is in no
/// assignment yet, so it gives nobody anything).
pub async fn create(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    body: ResourceGroupRequest,
) -> Result<Stamped<ResourceGroup>, ApiError> {
    let group = build(body, &scope, own_level(&scope))?;
    let id = group.identifier.to_string();
    let meta = WriteMeta::new("resource_group.create", &scope, KIND, &id, Bump::Policy);
    let allowed = caller
        .require("core_resourcegroup_edit", &scope, KIND, None)
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    audit::write(state, caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        if is_builtin_group(&id) {
            return Err(ApiError::conflict(format!(
                "resource group `{id}` already exists as a built-in group"
            )));
        }
        ResourceGroups::insert(c, &group, now)?;
        let after = summary(&group);
        let stored = Stamped {
            value: group,
            created: now,
            updated: now,
        };
        Ok(Audited::new(stored, None, Some(after)))
    })
    .await
}

/// Replaces group `id` of `scope` (the body may repeat `id`), admitted by the guard and
/// audited as `resource_group.update`.
pub async fn update(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
    body: ResourceGroupRequest,
) -> Result<Stamped<ResourceGroup>, ApiError> {
    same_identifier(&body.identifier, &id)?;
    let keep_levels = body.allowed_scope_levels.is_none();
    let group = build(body, &scope, own_level(&scope))?;
    let meta = WriteMeta::new("resource_group.update", &scope, KIND, &id, Bump::Policy);
    let allowed = if is_builtin_group(&id) {
        Err(managed_denied("resource group", &id, &scope))
    } else {
        caller
            .require("core_resourcegroup_edit", &scope, KIND, Some(&id))
            .await
    };
    refuse_unless(state, caller, &meta, allowed).await?;
    let acting = caller.acting();
    audit::write(state, caller, meta, move |c, now| {
        let old = ResourceGroups::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let mut group = group;
        if keep_levels {
            group.allowed_scope_levels = old.value.allowed_scope_levels;
        }
        let created = old.created;
        let permit = acting.admit(c, GroupEdit { group, created })?;
        let stored = Stamped {
            value: permit.write().group.clone(),
            created,
            updated: now,
        };
        let after = summary(&stored.value);
        ResourceGroups::update(c, permit, now)?;
        Ok(Audited::new(stored, Some(summary(&old.value)), Some(after)))
    })
    .await
}

/// Deletes group `id` of `scope` and its assignments, audited as `resource_group.delete`.
pub async fn delete(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
) -> Result<Stamped<ResourceGroup>, ApiError> {
    let meta = WriteMeta::new("resource_group.delete", &scope, KIND, &id, Bump::Policy);
    let allowed = if is_builtin_group(&id) {
        Err(managed_denied("resource group", &id, &scope))
    } else {
        caller
            .require("core_resourcegroup_delete", &scope, KIND, Some(&id))
            .await
    };
    refuse_unless(state, caller, &meta, allowed).await?;
    audit::write(state, caller, meta, move |c, _| {
        let old = ResourceGroups::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let users = Assignments::using_group(c, &scope, &id)?;
        for a in &users {
            Assignments::delete(c, &a.scope, a.identifier.as_str())?;
        }
        ResourceGroups::delete(c, &scope, &id)?;
        let removed: Vec<String> = users.iter().map(|a| a.identifier.to_string()).collect();
        let mut before = summary(&old.value);
        before["assignments_removed"] = json!(removed);
        Ok(Audited::new(old, Some(before), None))
    })
    .await
}

#[utoipa::path(get, path = "/v1/resource-groups", tag = "Resource groups", responses((status = 200, body = [ResourceGroupResponse], description = "The groups the caller may view; headers X-Total-Elements, X-Page-Number, X-Page-Size"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_groups(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let groups = list(&state, &caller, &path_scope(&req, &caller)?).await?;
    Ok(q.respond_with(groups, |g| stamped_out(&g)))
}

#[utoipa::path(post, path = "/v1/resource-groups", tag = "Resource groups", request_body = ResourceGroupRequest, responses((status = 201, body = ResourceGroupResponse, description = "The created group"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn create_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ResourceGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let created = create(&state, &caller, scope, body.0).await?;
    Ok(HttpResponse::Created().json(stamped_out(&created)))
}

#[utoipa::path(get, path = "/v1/resource-groups/{group}", tag = "Resource groups", params(("group" = String, Path)), responses((status = 200, body = ResourceGroupResponse, description = "The group"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn get_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let found = get(&state, &caller, scope, path_param(&req, "group")).await?;
    Ok(HttpResponse::Ok().json(stamped_out(&found)))
}

#[utoipa::path(put, path = "/v1/resource-groups/{group}", tag = "Resource groups", params(("group" = String, Path)), request_body = ResourceGroupRequest, responses((status = 200, body = ResourceGroupResponse, description = "The group"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn update_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ResourceGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "group");
    let updated = update(&state, &caller, scope, id, body.0).await?;
    Ok(HttpResponse::Ok().json(stamped_out(&updated)))
}

#[utoipa::path(delete, path = "/v1/resource-groups/{group}", tag = "Resource groups", params(("group" = String, Path)), responses((status = 200, body = ResourceGroupResponse, description = "The deleted group; its assignments are deleted too"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn delete_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let deleted = delete(&state, &caller, scope, path_param(&req, "group")).await?;
    Ok(HttpResponse::Ok().json(stamped_out(&deleted)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resources(scoped("resource-groups"))
            .route(web::get().to(list_groups))
            .route(web::post().to(create_group)),
    )
    .service(
        resources(scoped("resource-groups/{group}"))
            .route(web::get().to(get_group))
            .route(web::put().to(update_group))
            .route(web::delete().to(delete_group)),
    );
}

/// The OpenAPI paths of this module (organization and project variants are added by
/// `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_groups, create_group, get_group, update_group, delete_group),
    components(schemas(
        ResourceGroupRequest,
        ResourceGroupResponse,
        IncludedScopeBody,
        ResourceFilterBody,
        ScopeOut
    ))
)]
pub struct ResourceGroupsApi;
