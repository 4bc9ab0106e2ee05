//! Resource groups in Harness v1's flat shape, at account, organization and project scope:
//! `GET|POST …/resource-groups`, `GET|PUT|DELETE …/resource-groups/{group}`.
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
    group_out, IncludedScopeBody, ResourceFilterBody, ResourceGroupRequest, ResourceGroupResponse,
};
use super::common::{managed_denied, ScopeOut};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::ListQuery;
use crate::admin::scope::{ensure_exists, path_param, path_scope, same_identifier};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::resource_group::{builtin_group, is_builtin_group, BUILTIN_GROUPS};
use crate::policy::{Scope, ScopeLevels};
use crate::storage::assignments::Assignments;
use crate::storage::guard::GroupEdit;
use crate::storage::resource_groups::ResourceGroups;
use crate::web::ApiError;

fn not_found(id: &str, scope: &Scope) -> ApiError {
    ApiError::not_found(format!("resource group `{id}` not found in `{scope}`"))
}

fn own_level(scope: &Scope) -> ScopeLevels {
    ScopeLevels::of(&[scope.level()])
}

#[utoipa::path(get, path = "/v1/resource-groups", tag = "Resource groups", responses((status = 200, body = [ResourceGroupResponse], description = "The groups the caller may view; headers X-Total-Elements, X-Page-Number, X-Page-Size"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_groups(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let scope = path_scope(&req, &caller)?;
    caller
        .require("core_resourcegroup_view", &scope, "RESOURCEGROUP", None)
        .await?;
    let s = scope.clone();
    let custom = audit::read(&state, move |c| {
        ensure_exists(c, &s)?;
        Ok(ResourceGroups::list(c, &s)?)
    })
    .await?;
    let builtins = BUILTIN_GROUPS
        .iter()
        .filter_map(|id| builtin_group(id, &scope))
        .map(|g| group_out(&g, 0, 0));
    let all = builtins
        .chain(
            custom
                .iter()
                .map(|g| group_out(&g.value, g.created, g.updated)),
        )
        .collect();
    let visible = caller
        .visible(
            all,
            "core_resourcegroup_view",
            &scope,
            "RESOURCEGROUP",
            |g| &g.identifier,
        )
        .await?;
    Ok(q.respond(visible))
}

#[utoipa::path(post, path = "/v1/resource-groups", tag = "Resource groups", request_body = ResourceGroupRequest, responses((status = 201, body = ResourceGroupResponse, description = "The created group"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn create_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ResourceGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let group = build(body.0, &scope, own_level(&scope))?;
    let id = group.identifier.to_string();
    let meta = WriteMeta::new(
        "resource_group.create",
        &scope,
        "RESOURCEGROUP",
        &id,
        Bump::Policy,
    );
    let allowed = caller
        .require("core_resourcegroup_edit", &scope, "RESOURCEGROUP", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let created = audit::write(&state, &caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        if is_builtin_group(&id) {
            return Err(ApiError::conflict(format!(
                "resource group `{id}` already exists as a built-in group"
            )));
        }
        ResourceGroups::insert(c, &group, now)?;
        Ok(Audited::new(
            group_out(&group, now, now),
            None,
            Some(summary(&group)),
        ))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/resource-groups/{group}", tag = "Resource groups", params(("group" = String, Path)), responses((status = 200, body = ResourceGroupResponse, description = "The group"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn get_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "group");
    caller
        .require(
            "core_resourcegroup_view",
            &scope,
            "RESOURCEGROUP",
            Some(&id),
        )
        .await?;
    let found = audit::read(&state, move |c| {
        ensure_exists(c, &scope)?;
        if let Some(g) = builtin_group(&id, &scope) {
            return Ok(group_out(&g, 0, 0));
        }
        let g = ResourceGroups::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        Ok(group_out(&g.value, g.created, g.updated))
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
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
    let body = body.0;
    same_identifier(&body.identifier, &id)?;
    let keep_levels = body.allowed_scope_levels.is_none();
    let group = build(body, &scope, own_level(&scope))?;
    let meta = WriteMeta::new(
        "resource_group.update",
        &scope,
        "RESOURCEGROUP",
        &id,
        Bump::Policy,
    );
    let allowed = if is_builtin_group(&id) {
        Err(managed_denied("resource group", &id, &scope))
    } else {
        caller
            .require(
                "core_resourcegroup_edit",
                &scope,
                "RESOURCEGROUP",
                Some(&id),
            )
            .await
    };
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let old = ResourceGroups::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let mut group = group;
        if keep_levels {
            group.allowed_scope_levels = old.value.allowed_scope_levels;
        }
        let created = old.created;
        let permit = acting.admit(c, GroupEdit { group, created })?;
        let (out, after) = (
            group_out(&permit.write().group, created, now),
            summary(&permit.write().group),
        );
        ResourceGroups::update(c, permit, now)?;
        Ok(Audited::new(out, Some(summary(&old.value)), Some(after)))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/resource-groups/{group}", tag = "Resource groups", params(("group" = String, Path)), responses((status = 200, body = ResourceGroupResponse, description = "The deleted group; its assignments are deleted too"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn delete_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "group");
    let meta = WriteMeta::new(
        "resource_group.delete",
        &scope,
        "RESOURCEGROUP",
        &id,
        Bump::Policy,
    );
    let allowed = if is_builtin_group(&id) {
        Err(managed_denied("resource group", &id, &scope))
    } else {
        caller
            .require(
                "core_resourcegroup_delete",
                &scope,
                "RESOURCEGROUP",
                Some(&id),
            )
            .await
    };
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let old = ResourceGroups::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        let users = Assignments::using_group(c, &scope, &id)?;
        for a in &users {
            Assignments::delete(c, &a.scope, a.identifier.as_str())?;
        }
        ResourceGroups::delete(c, &scope, &id)?;
        let removed: Vec<String> = users.iter().map(|a| a.identifier.to_string()).collect();
        let mut before = summary(&old.value);
        before["assignments_removed"] = json!(removed);
        Ok(Audited::new(
            group_out(&old.value, old.created, old.updated),
            Some(before),
            None,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
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
