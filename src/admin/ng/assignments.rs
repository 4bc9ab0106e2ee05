//! Role assignments in the NG shape: `GET|POST /authz/api/roleassignments`, `POST
//! /authz/api/roleassignments/filter`, `GET|PUT|DELETE
//! /authz/api/roleassignments/{identifier}`, Harness's `RoleAssignmentDTO` in and
//! `{"roleAssignment": {…}, "scope", "createdAt", "lastModifiedAt", "harnessManaged"}` out,
//! over the core of `admin::rbac::assignments` (same permissions, guard, last-admin rule and
//! audit as v1). A create without `identifier` gets `role_assignment_<random>`, as Harness
//! does.

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::filter::{matches, NgRoleAssignmentFilter};
use super::query::{query_scope, Account, BodyScope, Paging};
use super::shape::{envelope, page, Ng, NgResult, NgScope};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::rbac::assignment_body::{
    PrincipalBody, RoleAssignmentRequest, RoleReferenceBody,
};
use crate::admin::rbac::assignments;
use crate::admin::scope::path_param;
use crate::admin::AdminState;
use crate::policy::role::RoleAssignment;
use crate::policy::{Scope, ScopeLevel};
use crate::web::ApiError;

#[derive(Deserialize, Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct NgRoleReference {
    pub identifier: String,
    /// `account`, `organization` or `project`.
    #[serde(alias = "scope_level")]
    pub scope_level: String,
}

#[derive(Deserialize, Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct NgPrincipal {
    pub identifier: String,
    /// `USER`, `USER_GROUP` or `SERVICE_ACCOUNT`.
    #[serde(rename = "type")]
    pub principal_type: String,
    /// Where the principal is defined; default: `account` for a user, the assignment's
    /// level otherwise.
    #[serde(default, alias = "scope_level")]
    pub scope_level: Option<String>,
}

/// Harness's `RoleAssignmentDTO` (POST; PUT may change `disabled` only). Top-level unknown
/// fields are ignored.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NgRoleAssignmentDto {
    /// Absent on create: `role_assignment_<random>`.
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(alias = "resource_group_identifier")]
    pub resource_group_identifier: String,
    /// A built-in role, or a custom role of the query's scope or an ancestor.
    #[serde(default, alias = "role_identifier")]
    pub role_identifier: Option<String>,
    /// Names the role at exactly one level.
    #[serde(default, alias = "role_reference")]
    pub role_reference: Option<NgRoleReference>,
    pub principal: NgPrincipal,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub managed: Option<bool>,
    #[serde(flatten)]
    pub scope: BodyScope,
}

fn generated_identifier() -> String {
    let bytes = rand::random::<[u8; 10]>();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("role_assignment_{hex}")
}

impl NgRoleAssignmentDto {
    /// The core's input, once the body's scope fields agree with the query's; `path` is
    /// the identifier of an update.
    fn into_request(
        self,
        scope: &Scope,
        path: Option<&str>,
    ) -> Result<RoleAssignmentRequest, ApiError> {
        self.scope.check(scope)?;
        let identifier = match (self.identifier.filter(|i| !i.is_empty()), path) {
            (Some(i), _) => i,
            (None, Some(p)) => p.to_owned(),
            (None, None) => generated_identifier(),
        };
        Ok(RoleAssignmentRequest {
            identifier,
            resource_group: self.resource_group_identifier,
            role: self.role_identifier,
            role_reference: self.role_reference.map(|r| RoleReferenceBody {
                identifier: r.identifier,
                scope_level: r.scope_level,
            }),
            principal: PrincipalBody {
                identifier: self.principal.identifier,
                principal_type: self.principal.principal_type,
                scope_level: self.principal.scope_level,
            },
            disabled: self.disabled,
            managed: self.managed,
        })
    }
}

/// Harness's `RoleAssignmentDTO` as answered.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgRoleAssignment {
    pub identifier: String,
    pub resource_group_identifier: String,
    pub role_identifier: String,
    pub role_reference: NgRoleReference,
    pub principal: NgPrincipal,
    pub disabled: bool,
    pub managed: bool,
}

/// Harness's `RoleAssignmentResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgRoleAssignmentItem {
    pub role_assignment: NgRoleAssignment,
    pub scope: NgScope,
    pub created_at: i64,
    pub last_modified_at: i64,
    pub harness_managed: bool,
}

fn item(a: RoleAssignment) -> NgRoleAssignmentItem {
    NgRoleAssignmentItem {
        role_assignment: NgRoleAssignment {
            identifier: a.identifier.to_string(),
            resource_group_identifier: a.resource_group.to_string(),
            role_identifier: a.role.to_string(),
            role_reference: NgRoleReference {
                identifier: a.role.to_string(),
                // Built-in roles are listed at the account.
                scope_level: a
                    .role_scope_level
                    .unwrap_or(ScopeLevel::Account)
                    .as_str()
                    .to_owned(),
            },
            principal: NgPrincipal {
                identifier: a.principal.identifier.to_string(),
                principal_type: a.principal.principal_type.as_str().to_owned(),
                scope_level: Some(a.principal.scope_level.as_str().to_owned()),
            },
            disabled: a.disabled,
            managed: a.managed,
        },
        scope: NgScope::of(&a.scope),
        created_at: a.created,
        last_modified_at: a.updated,
        harness_managed: a.managed,
    }
}

envelope!(NgRoleAssignmentEnvelope, NgRoleAssignmentItem);
page!(NgRoleAssignmentPage, NgRoleAssignmentItem);
envelope!(NgRoleAssignmentPageEnvelope, NgRoleAssignmentPage);

#[utoipa::path(get, path = "/authz/api/roleassignments", tag = "Harness NG API",
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query), ("pageIndex" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("searchTerm" = Option<String>, Query), ("sortOrders" = Option<String>, Query)),
    responses((status = 200, body = NgRoleAssignmentPageEnvelope, description = "The assignments of the scope the caller may view"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_list_role_assignments(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let paging = Paging::from_request(&req)?;
    let listed = assignments::list(&state, &caller.0, &scope).await?;
    Ok(NgRoleAssignmentPageEnvelope::answer(
        paging.page(listed, item).into(),
    ))
}

#[utoipa::path(post, path = "/authz/api/roleassignments/filter", tag = "Harness NG API", request_body = NgRoleAssignmentFilter,
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query), ("pageIndex" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("searchTerm" = Option<String>, Query), ("sortOrders" = Option<String>, Query)),
    responses((status = 200, body = NgRoleAssignmentPageEnvelope, description = "The assignments of the scope the caller may view that match every given filter"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_filter_role_assignments(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgRoleAssignmentFilter>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let paging = Paging::from_request(&req)?;
    let filter = body.0 .0.compile()?;
    let listed = assignments::list(&state, &caller.0, &scope).await?;
    let kept = listed.into_iter().filter(|a| matches(&filter, a)).collect();
    Ok(NgRoleAssignmentPageEnvelope::answer(
        paging.page(kept, item).into(),
    ))
}

#[utoipa::path(post, path = "/authz/api/roleassignments", tag = "Harness NG API", request_body = NgRoleAssignmentDto,
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleAssignmentEnvelope, description = "The created assignment"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_create_role_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgRoleAssignmentDto>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let request = body.0 .0.into_request(&scope, None)?;
    let created = assignments::create(&state, &caller.0, scope, request).await?;
    Ok(NgRoleAssignmentEnvelope::answer(item(created)))
}

#[utoipa::path(get, path = "/authz/api/roleassignments/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = Option<String>, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleAssignmentEnvelope, description = "The assignment"), (status = 403), (status = 404)))]
pub async fn ng_get_role_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Optional)?;
    let id = path_param(&req, "identifier");
    let found = assignments::get(&state, &caller.0, scope, id).await?;
    Ok(NgRoleAssignmentEnvelope::answer(item(found)))
}

#[utoipa::path(put, path = "/authz/api/roleassignments/{identifier}", tag = "Harness NG API", request_body = NgRoleAssignmentDto,
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleAssignmentEnvelope, description = "The assignment (only `disabled` may change)"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_update_role_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgRoleAssignmentDto>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let id = path_param(&req, "identifier");
    let request = body.0 .0.into_request(&scope, Some(&id))?;
    let updated = assignments::update(&state, &caller.0, scope, id, request).await?;
    Ok(NgRoleAssignmentEnvelope::answer(item(updated)))
}

#[utoipa::path(delete, path = "/authz/api/roleassignments/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgRoleAssignmentEnvelope, description = "The deleted assignment"), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_delete_role_assignment(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let id = path_param(&req, "identifier");
    let deleted = assignments::delete(&state, &caller.0, scope, id).await?;
    Ok(NgRoleAssignmentEnvelope::answer(item(deleted)))
}
