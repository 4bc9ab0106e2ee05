//! Role assignments at account, organization and project scope: the shape-free core
//! ([`list`], [`get`], [`create`], [`update`], [`delete`]) and Harness v1's shape over it,
//! answered wrapped as `{"role-assignment": {…}, …}`: `GET|POST …/role-assignments`,
//! `GET …/role-assignments/count` (a bare integer), `GET|PUT|DELETE
//! …/role-assignments/{assignment}`. The NG shape (`admin::ng::assignments`) calls the same
//! core.
//!
//! Writing needs the permission of the principal's type (`core_user_manage`,
//! `core_usergroup_manage`, `core_serviceaccount_edit`) at the assignment's scope; reading
//! needs `core_role_view` (type-level for lists and counts, else 403). No escalation: the
//! guard admits a new or re-enabled assignment only when the writer holds every permission
//! of the role on everything the group selects. Only `disabled` changes after creation;
//! managed assignments and the last working account admin (`storage::last_admin`) cannot
//! be removed.

use actix_web::{web, HttpRequest, HttpResponse};

use super::assignment_body::{
    assignment_out, changed_fields, manage_permission, parse, resolve, summary, PrincipalBody,
    PrincipalOut, RoleAssignmentOut, RoleAssignmentRequest, RoleAssignmentResponse,
    RoleReferenceBody, RoleReferenceOut,
};
use super::common::{count_matching, managed_denied};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::ListQuery;
use crate::admin::scope::{ensure_exists, path_param, path_scope, same_identifier};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::role::{PrincipalType, RoleAssignment};
use crate::policy::Scope;
use crate::storage::assignments::Assignments;
use crate::storage::guard::{EnableAssignment, NewAssignment};
use crate::storage::last_admin::{ensure_admin_remains, Leaving};
use crate::storage::DbConnection;
use crate::web::ApiError;

const KIND: &str = "ROLEASSIGNMENT";

fn not_found(id: &str, scope: &Scope) -> ApiError {
    ApiError::not_found(format!("role assignment `{id}` not found in `{scope}`"))
}

/// The write permission for the principal's type, on that principal.
async fn require_manage(
    caller: &Caller,
    scope: &Scope,
    a: &RoleAssignment,
) -> Result<(), ApiError> {
    let (permission, resource_type) = manage_permission(a.principal.principal_type);
    caller
        .require(
            permission,
            scope,
            resource_type,
            Some(a.principal.identifier.as_str()),
        )
        .await
}

/// Before the assignment is loaded: the caller may manage assignments of some principal type.
async fn require_some_manage(caller: &Caller, scope: &Scope) -> Result<(), ApiError> {
    for t in [
        PrincipalType::User,
        PrincipalType::UserGroup,
        PrincipalType::ServiceAccount,
    ] {
        let (permission, resource_type) = manage_permission(t);
        if caller.holds(permission, scope, resource_type, None).await? {
            return Ok(());
        }
    }
    Err(caller.lacks("core_user_manage", scope, "USER", None))
}

/// Deleting or disabling `a` must leave the account a working admin (409 otherwise).
fn keeps_an_admin(conn: &mut DbConnection, a: &RoleAssignment) -> Result<(), ApiError> {
    let leaving = Leaving::Assignment(&a.scope, a.identifier.as_str());
    Ok(ensure_admin_remains(
        conn,
        a.scope.account.as_str(),
        leaving,
    )?)
}

/// The assignments of `scope` that the caller may view; 403 without `core_role_view` there.
pub async fn list(
    state: &AdminState,
    caller: &Caller,
    scope: &Scope,
) -> Result<Vec<RoleAssignment>, ApiError> {
    caller
        .require("core_role_view", scope, "ROLE", None)
        .await?;
    let s = scope.clone();
    let all = audit::read(state, move |c| {
        ensure_exists(c, &s)?;
        Ok(Assignments::list(c, &s)?)
    })
    .await?;
    caller
        .visible(all, "core_role_view", scope, "ROLE", |a| a.role.as_str())
        .await
}

/// One assignment of `scope` (its role must be viewable).
pub async fn get(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
) -> Result<RoleAssignment, ApiError> {
    caller
        .require("core_role_view", &scope, "ROLE", None)
        .await?;
    let s = scope.clone();
    let found = audit::read(state, move |c| {
        ensure_exists(c, &s)?;
        Assignments::find(c, &s, &id)?.ok_or_else(|| not_found(&id, &s))
    })
    .await?;
    caller
        .require("core_role_view", &scope, "ROLE", Some(found.role.as_str()))
        .await?;
    Ok(found)
}

/// Creates an assignment at `scope`, admitted by the guard and audited as
/// `role_assignment.create`.
pub async fn create(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    body: RoleAssignmentRequest,
) -> Result<RoleAssignment, ApiError> {
    let mut a = parse(&body, &scope)?;
    let id = a.identifier.to_string();
    let meta = WriteMeta::new("role_assignment.create", &scope, KIND, &id, Bump::Policy);
    let allowed = require_manage(caller, &scope, &a).await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let acting = caller.acting();
    audit::write(state, caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        resolve(c, &mut a)?;
        a.created = now;
        a.updated = now;
        let (out, after) = (a.clone(), summary(&a));
        let permit = acting.admit(c, NewAssignment(a))?;
        Assignments::insert(c, permit)?;
        Ok(Audited::new(out, None, Some(after)))
    })
    .await
}

/// Changes `disabled` of assignment `id` (every other field must stay as stored),
/// re-enabling through the guard, audited as `role_assignment.update`.
pub async fn update(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
    mut body: RoleAssignmentRequest,
) -> Result<RoleAssignment, ApiError> {
    same_identifier(&body.identifier, &id)?;
    // A managed assignment sent back as read is refused as managed (403) below, not as
    // an attempt to create one.
    let wants_managed = body.managed.take().unwrap_or(false);
    let wanted = parse(&body, &scope)?;
    let meta = WriteMeta::new("role_assignment.update", &scope, KIND, &id, Bump::Policy);
    let allowed = require_manage(caller, &scope, &wanted).await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let acting = caller.acting();
    audit::write(state, caller, meta, move |c, now| {
        let stored = Assignments::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        if stored.managed {
            return Err(managed_denied("role assignment", &id, &scope));
        }
        let mut changed = changed_fields(&stored, &wanted);
        if wants_managed != stored.managed {
            changed.push("managed");
        }
        if !changed.is_empty() {
            return Err(ApiError::invalid(format!(
                "only `disabled` can change on a role assignment; `{}` differs from the stored value",
                changed.join("`, `")
            )));
        }
        let mut after = stored.clone();
        if stored.disabled != wanted.disabled {
            if wanted.disabled {
                keeps_an_admin(c, &stored)?;
                Assignments::disable(c, &scope, &id, now)?;
            } else {
                let enable = EnableAssignment {
                    scope: scope.clone(),
                    identifier: id.clone(),
                };
                let permit = acting.admit(c, enable)?;
                Assignments::enable(c, permit, now)?;
            }
            after.disabled = wanted.disabled;
            after.updated = now;
        }
        let (before, summary_after) = (summary(&stored), summary(&after));
        Ok(Audited::new(after, Some(before), Some(summary_after)))
    })
    .await
}

/// Deletes assignment `id` of `scope` (never a managed one, never the last working
/// account admin), audited as `role_assignment.delete`.
pub async fn delete(
    state: &AdminState,
    caller: &Caller,
    scope: Scope,
    id: String,
) -> Result<RoleAssignment, ApiError> {
    let meta = WriteMeta::new("role_assignment.delete", &scope, KIND, &id, Bump::Policy);
    let allowed = require_some_manage(caller, &scope).await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let (s, i) = (scope.clone(), id.clone());
    let stored = audit::read(state, move |c| {
        Assignments::find(c, &s, &i)?.ok_or_else(|| not_found(&i, &s))
    })
    .await?;
    let allowed = require_manage(caller, &scope, &stored).await;
    refuse_unless(state, caller, &meta, allowed).await?;
    audit::write(state, caller, meta, move |c, _| {
        let checked = stored;
        let stored = Assignments::find(c, &scope, &id)?.ok_or_else(|| not_found(&id, &scope))?;
        if stored.principal != checked.principal {
            return Err(ApiError::conflict(format!(
                "role assignment `{id}` changed while this request was checked; retry"
            )));
        }
        if stored.managed {
            return Err(managed_denied("role assignment", &id, &scope));
        }
        keeps_an_admin(c, &stored)?;
        Assignments::delete(c, &scope, &id)?;
        let before = summary(&stored);
        Ok(Audited::new(stored, Some(before), None))
    })
    .await
}

#[utoipa::path(get, path = "/v1/role-assignments", tag = "Role assignments", responses((status = 200, body = [RoleAssignmentResponse], description = "The assignments the caller may view; headers X-Total-Elements, X-Page-Number, X-Page-Size"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_assignments(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let listed = list(&state, &caller, &path_scope(&req, &caller)?).await?;
    Ok(q.respond_with(listed, |a| assignment_out(&a)))
}

#[utoipa::path(get, path = "/v1/role-assignments/count", tag = "Role assignments", responses((status = 200, body = i64, content_type = "application/json", description = "The number of role assignments the list shows")), params(("search_term" = Option<String>, Query)))]
pub async fn count_assignments(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let listed = list(&state, &caller, &path_scope(&req, &caller)?).await?;
    let ids = listed.iter().map(|a| {
        let id = a.identifier.as_str();
        (id, id)
    });
    Ok(HttpResponse::Ok().json(count_matching(&q, ids)))
}

#[utoipa::path(post, path = "/v1/role-assignments", tag = "Role assignments", request_body = RoleAssignmentRequest, responses((status = 201, body = RoleAssignmentResponse, description = "The created assignment"), (status = 400, description = "Invalid request (`INVALID_REQUEST`)"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn create_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<RoleAssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let created = create(&state, &caller, scope, body.0).await?;
    Ok(HttpResponse::Created().json(assignment_out(&created)))
}

#[utoipa::path(get, path = "/v1/role-assignments/{assignment}", tag = "Role assignments", params(("assignment" = String, Path)), responses((status = 200, body = RoleAssignmentResponse, description = "The assignment"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)")))]
pub async fn get_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let found = get(&state, &caller, scope, path_param(&req, "assignment")).await?;
    Ok(HttpResponse::Ok().json(assignment_out(&found)))
}

#[utoipa::path(put, path = "/v1/role-assignments/{assignment}", tag = "Role assignments", params(("assignment" = String, Path)), request_body = RoleAssignmentRequest, responses((status = 200, body = RoleAssignmentResponse, description = "The assignment"), (status = 400, description = "A field other than `disabled` differs"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn update_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<RoleAssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let id = path_param(&req, "assignment");
    let updated = update(&state, &caller, scope, id, body.0).await?;
    Ok(HttpResponse::Ok().json(assignment_out(&updated)))
}

#[utoipa::path(delete, path = "/v1/role-assignments/{assignment}", tag = "Role assignments", params(("assignment" = String, Path)), responses((status = 200, body = RoleAssignmentResponse, description = "The deleted assignment"), (status = 403, description = "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)"), (status = 404, description = "A scope or reference does not exist (`NOT_FOUND`)"), (status = 409, description = "Conflict (`CONFLICT`)")))]
pub async fn delete_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let scope = path_scope(&req, &caller)?;
    let deleted = delete(&state, &caller, scope, path_param(&req, "assignment")).await?;
    Ok(HttpResponse::Ok().json(assignment_out(&deleted)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resources(scoped("role-assignments"))
            .route(web::get().to(list_assignments))
            .route(web::post().to(create_assignment)),
    )
    .service(resources(scoped("role-assignments/count")).route(web::get().to(count_assignments)))
    .service(
        resources(scoped("role-assignments/{assignment}"))
            .route(web::get().to(get_assignment))
            .route(web::put().to(update_assignment))
            .route(web::delete().to(delete_assignment)),
    );
}

/// The OpenAPI paths of this module (organization and project variants are added by
/// `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_assignments,
        count_assignments,
        create_assignment,
        get_assignment,
        update_assignment,
        delete_assignment
    ),
    components(schemas(
        RoleAssignmentRequest,
        RoleAssignmentResponse,
        RoleAssignmentOut,
        RoleReferenceBody,
        RoleReferenceOut,
        PrincipalBody,
        PrincipalOut
    ))
)]
pub struct AssignmentsApi;
