//! Organizations and projects in the NG shape: `GET|POST /ng/api/organizations`,
//! `GET|PUT|DELETE /ng/api/organizations/{identifier}`, and the same for
//! `/ng/api/projects` (whose organization is the query's `orgIdentifier`, required: Harness
//! would fall back to its `default` organization, which scopegate does not have). Bodies
//! `{"organization": {…}}` and `{"project": {…}}`; answers wrapped as Harness does; DELETE
//! answers `data: true`. Over the cores of `admin::orgs` (same permissions and audit as v1).

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::query::{query_scope, Account, BodyScope, Paging};
use super::shape::{envelope, page, DeletedEnvelope, Ng, NgResult};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::orgs::{organizations, projects, OrgFields};
use crate::admin::scope::path_param;
use crate::admin::AdminState;
use crate::policy::Scope;
use crate::storage::tenancy::{Organization, Project};
use crate::web::ApiError;

/// An organization or project as sent. Unknown fields (`color`, `modules`, …) are ignored.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NgOrgDto {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub scope: BodyScope,
}

impl NgOrgDto {
    fn into_fields(self, scope: &Scope) -> Result<OrgFields, ApiError> {
        self.scope.check(scope)?;
        Ok(OrgFields {
            identifier: self.identifier,
            name: self.name,
            description: self.description,
            tags: self.tags,
            org: scope.org.as_ref().map(|o| o.to_string()),
            color: None,
            modules: None,
        })
    }
}

/// `{"organization": {…}}`.
#[derive(Deserialize, ToSchema, Debug)]
pub struct NgOrganizationRequest {
    pub organization: NgOrgDto,
}

/// `{"project": {…}}`.
#[derive(Deserialize, ToSchema, Debug)]
pub struct NgProjectRequest {
    pub project: NgOrgDto,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgOrganization {
    pub account_identifier: String,
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
}

/// Harness's `OrganizationResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgOrganizationItem {
    pub organization: NgOrganization,
    pub created_at: i64,
    pub last_modified_at: i64,
    pub harness_managed: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgProject {
    pub account_identifier: String,
    pub org_identifier: String,
    pub identifier: String,
    pub name: String,
    /// Not stored: always null.
    #[schema(value_type = Option<String>)]
    pub color: Option<String>,
    /// Not stored: always empty.
    pub modules: Vec<String>,
    pub description: String,
    pub tags: BTreeMap<String, String>,
}

/// Harness's `ProjectResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgProjectItem {
    pub project: NgProject,
    pub created_at: i64,
    pub last_modified_at: i64,
}

fn org_item(o: Organization) -> NgOrganizationItem {
    NgOrganizationItem {
        organization: NgOrganization {
            tags: o.tags(),
            account_identifier: o.account,
            identifier: o.identifier,
            name: o.name,
            description: o.description,
        },
        created_at: o.created,
        last_modified_at: o.updated,
        harness_managed: false,
    }
}

fn project_item(p: Project) -> NgProjectItem {
    NgProjectItem {
        project: NgProject {
            tags: p.tags(),
            account_identifier: p.account,
            org_identifier: p.org,
            identifier: p.identifier,
            name: p.name,
            color: None,
            modules: Vec::new(),
            description: p.description,
        },
        created_at: p.created,
        last_modified_at: p.updated,
    }
}

envelope!(NgOrganizationEnvelope, NgOrganizationItem);
page!(NgOrganizationPage, NgOrganizationItem);
envelope!(NgOrganizationPageEnvelope, NgOrganizationPage);
envelope!(NgProjectEnvelope, NgProjectItem);
page!(NgProjectPage, NgProjectItem);
envelope!(NgProjectPageEnvelope, NgProjectPage);

/// The account scope of an organization request (no `orgIdentifier` there).
fn account_scope(req: &HttpRequest, caller: &Caller, account: Account) -> Result<Scope, ApiError> {
    let scope = query_scope(req, caller, account)?;
    if scope.org.is_some() {
        return Err(ApiError::invalid(
            "organizations live at the account: drop `orgIdentifier` and `projectIdentifier`",
        ));
    }
    Ok(scope)
}

/// The organization of a project request (its `orgIdentifier`, required).
fn org_scope(
    req: &HttpRequest,
    caller: &Caller,
    account: Account,
) -> Result<(Scope, String), ApiError> {
    let scope = query_scope(req, caller, account)?;
    match (&scope.org, &scope.project) {
        (Some(org), None) => Ok((scope.clone(), org.to_string())),
        (None, _) => Err(ApiError::invalid(
            "query parameter `orgIdentifier` is required for projects",
        )),
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "a project is named by the path: drop `projectIdentifier`",
        )),
    }
}

#[utoipa::path(get, path = "/ng/api/organizations", tag = "Harness NG API",
    params(("accountIdentifier" = String, Query), ("pageIndex" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("searchTerm" = Option<String>, Query), ("sortOrders" = Option<String>, Query)),
    responses((status = 200, body = NgOrganizationPageEnvelope, description = "The organizations the caller may view"), (status = 400), (status = 403)))]
pub async fn ng_list_organizations(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    account_scope(&req, &caller.0, Account::Required)?;
    let paging = Paging::from_request(&req)?;
    let listed = organizations::list(&state, &caller.0).await?;
    Ok(NgOrganizationPageEnvelope::answer(
        paging.page(listed, org_item).into(),
    ))
}

#[utoipa::path(post, path = "/ng/api/organizations", tag = "Harness NG API", request_body = NgOrganizationRequest,
    params(("accountIdentifier" = String, Query)),
    responses((status = 200, body = NgOrganizationEnvelope, description = "The created organization"), (status = 400), (status = 403), (status = 409)))]
pub async fn ng_create_organization(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgOrganizationRequest>>,
) -> NgResult {
    let scope = account_scope(&req, &caller.0, Account::Required)?;
    let fields = body.0 .0.organization.into_fields(&scope)?;
    let created = organizations::create(&state, &caller.0, fields).await?;
    Ok(NgOrganizationEnvelope::answer(org_item(created)))
}

#[utoipa::path(get, path = "/ng/api/organizations/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgOrganizationEnvelope, description = "The organization"), (status = 403), (status = 404)))]
pub async fn ng_get_organization(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    account_scope(&req, &caller.0, Account::Optional)?;
    let id = path_param(&req, "identifier");
    let found = organizations::get(&state, &caller.0, id).await?;
    Ok(NgOrganizationEnvelope::answer(org_item(found)))
}

#[utoipa::path(put, path = "/ng/api/organizations/{identifier}", tag = "Harness NG API", request_body = NgOrganizationRequest,
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query)),
    responses((status = 200, body = NgOrganizationEnvelope, description = "The updated organization"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_update_organization(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgOrganizationRequest>>,
) -> NgResult {
    let scope = account_scope(&req, &caller.0, Account::Required)?;
    let fields = body.0 .0.organization.into_fields(&scope)?;
    let id = path_param(&req, "identifier");
    let updated = organizations::update(&state, &caller.0, id, fields).await?;
    Ok(NgOrganizationEnvelope::answer(org_item(updated)))
}

#[utoipa::path(delete, path = "/ng/api/organizations/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query)),
    responses((status = 200, body = DeletedEnvelope, description = "`data: true`, as Harness answers; everything inside the organization is deleted too"), (status = 403), (status = 404)))]
pub async fn ng_delete_organization(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    account_scope(&req, &caller.0, Account::Required)?;
    let id = path_param(&req, "identifier");
    organizations::delete(&state, &caller.0, id).await?;
    Ok(DeletedEnvelope::answer(true))
}

#[utoipa::path(get, path = "/ng/api/projects", tag = "Harness NG API",
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = String, Query), ("pageIndex" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("searchTerm" = Option<String>, Query), ("sortOrders" = Option<String>, Query)),
    responses((status = 200, body = NgProjectPageEnvelope, description = "The organization's projects the caller may view"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_list_projects(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let (_, org) = org_scope(&req, &caller.0, Account::Required)?;
    let paging = Paging::from_request(&req)?;
    let listed = projects::list(&state, &caller.0, org).await?;
    Ok(NgProjectPageEnvelope::answer(
        paging.page(listed, project_item).into(),
    ))
}

#[utoipa::path(post, path = "/ng/api/projects", tag = "Harness NG API", request_body = NgProjectRequest,
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = String, Query)),
    responses((status = 200, body = NgProjectEnvelope, description = "The created project"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_create_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgProjectRequest>>,
) -> NgResult {
    let (scope, org) = org_scope(&req, &caller.0, Account::Required)?;
    let fields = body.0 .0.project.into_fields(&scope)?;
    let created = projects::create(&state, &caller.0, org, fields).await?;
    Ok(NgProjectEnvelope::answer(project_item(created)))
}

#[utoipa::path(get, path = "/ng/api/projects/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = Option<String>, Query), ("orgIdentifier" = String, Query)),
    responses((status = 200, body = NgProjectEnvelope, description = "The project"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_get_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let (_, org) = org_scope(&req, &caller.0, Account::Optional)?;
    let id = path_param(&req, "identifier");
    let found = projects::get(&state, &caller.0, org, id).await?;
    Ok(NgProjectEnvelope::answer(project_item(found)))
}

#[utoipa::path(put, path = "/ng/api/projects/{identifier}", tag = "Harness NG API", request_body = NgProjectRequest,
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = String, Query)),
    responses((status = 200, body = NgProjectEnvelope, description = "The updated project"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_update_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgProjectRequest>>,
) -> NgResult {
    let (scope, org) = org_scope(&req, &caller.0, Account::Required)?;
    let fields = body.0 .0.project.into_fields(&scope)?;
    let id = path_param(&req, "identifier");
    let updated = projects::update(&state, &caller.0, org, id, fields).await?;
    Ok(NgProjectEnvelope::answer(project_item(updated)))
}

#[utoipa::path(delete, path = "/ng/api/projects/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = String, Query)),
    responses((status = 200, body = DeletedEnvelope, description = "`data: true`, as Harness answers; everything inside the project is deleted too"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_delete_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let (_, org) = org_scope(&req, &caller.0, Account::Required)?;
    let id = path_param(&req, "identifier");
    projects::delete(&state, &caller.0, org, id).await?;
    Ok(DeletedEnvelope::answer(true))
}
