//! Organizations and projects: the shape-free cores ([`organizations`], [`projects`]) and
//! Harness v1's wrapped bodies over them:
//! `POST /v1/orgs {"org": {…}}` → 201 `{"org": {…}, "created", "updated", "harness_managed"}`,
//! `GET|PUT|DELETE /v1/orgs/{org}`, and the same for `…/projects` with `{"project": {…, "org"}}`.
//! Permissions: `core_organization_*` at the account, `core_project_*` at the organization.
//! The NG shape (`admin::ng::orgs`) calls the same cores.

mod dto;
pub mod organizations;
pub mod projects;

use actix_web::{web, HttpRequest, HttpResponse};

pub use self::dto::{
    org_out, project_out, OrgFields, OrgOut, OrgRequest, OrgResponse, ProjectRequest,
    ProjectResponse,
};
use super::body::JsonBody;
use super::context::Caller;
use super::list::ListQuery;
use super::scope::path_param;
use super::{resource, AdminState};
use crate::web::ApiError;

#[utoipa::path(get, path = "/v1/orgs", tag = "Organizations", responses((status = 200, body = [OrgResponse])), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_orgs(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let orgs = organizations::list(&state, &caller).await?;
    Ok(q.respond_with(orgs, |o| org_out(&o)))
}

#[utoipa::path(post, path = "/v1/orgs", tag = "Organizations", request_body = OrgRequest, responses((status = 201, body = OrgResponse), (status = 400), (status = 403), (status = 409)))]
pub async fn create_org(
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<OrgRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = organizations::create(&state, &caller, body.0.org).await?;
    Ok(HttpResponse::Created().json(org_out(&created)))
}

#[utoipa::path(get, path = "/v1/orgs/{org}", tag = "Organizations", responses((status = 200, body = OrgResponse), (status = 404)))]
pub async fn get_org(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let found = organizations::get(&state, &caller, path_param(&req, "org")).await?;
    Ok(HttpResponse::Ok().json(org_out(&found)))
}

#[utoipa::path(put, path = "/v1/orgs/{org}", tag = "Organizations", request_body = OrgRequest, responses((status = 200, body = OrgResponse), (status = 400), (status = 404)))]
pub async fn update_org(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<OrgRequest>,
) -> Result<HttpResponse, ApiError> {
    let org = path_param(&req, "org");
    let updated = organizations::update(&state, &caller, org, body.0.org).await?;
    Ok(HttpResponse::Ok().json(org_out(&updated)))
}

#[utoipa::path(delete, path = "/v1/orgs/{org}", tag = "Organizations", responses((status = 200, body = OrgResponse), (status = 404)))]
pub async fn delete_org(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let deleted = organizations::delete(&state, &caller, path_param(&req, "org")).await?;
    Ok(HttpResponse::Ok().json(org_out(&deleted)))
}

#[utoipa::path(get, path = "/v1/orgs/{org}/projects", tag = "Projects", responses((status = 200, body = [ProjectResponse])))]
pub async fn list_projects(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let listed = projects::list(&state, &caller, path_param(&req, "org")).await?;
    Ok(q.respond_with(listed, |p| project_out(&p)))
}

#[utoipa::path(post, path = "/v1/orgs/{org}/projects", tag = "Projects", request_body = ProjectRequest, responses((status = 201, body = ProjectResponse), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn create_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let org = path_param(&req, "org");
    let created = projects::create(&state, &caller, org, body.0.project).await?;
    Ok(HttpResponse::Created().json(project_out(&created)))
}

#[utoipa::path(get, path = "/v1/orgs/{org}/projects/{project}", tag = "Projects", responses((status = 200, body = ProjectResponse), (status = 404)))]
pub async fn get_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (org, project) = (path_param(&req, "org"), path_param(&req, "project"));
    let found = projects::get(&state, &caller, org, project).await?;
    Ok(HttpResponse::Ok().json(project_out(&found)))
}

#[utoipa::path(put, path = "/v1/orgs/{org}/projects/{project}", tag = "Projects", request_body = ProjectRequest, responses((status = 200, body = ProjectResponse), (status = 400), (status = 404)))]
pub async fn update_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let (org, project) = (path_param(&req, "org"), path_param(&req, "project"));
    let updated = projects::update(&state, &caller, org, project, body.0.project).await?;
    Ok(HttpResponse::Ok().json(project_out(&updated)))
}

#[utoipa::path(delete, path = "/v1/orgs/{org}/projects/{project}", tag = "Projects", responses((status = 200, body = ProjectResponse), (status = 404)))]
pub async fn delete_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (org, project) = (path_param(&req, "org"), path_param(&req, "project"));
    let deleted = projects::delete(&state, &caller, org, project).await?;
    Ok(HttpResponse::Ok().json(project_out(&deleted)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/orgs")
            .route(web::get().to(list_orgs))
            .route(web::post().to(create_org)),
    )
    .service(
        resource("/v1/orgs/{org}")
            .route(web::get().to(get_org))
            .route(web::put().to(update_org))
            .route(web::delete().to(delete_org)),
    )
    .service(
        resource("/v1/orgs/{org}/projects")
            .route(web::get().to(list_projects))
            .route(web::post().to(create_project)),
    )
    .service(
        resource("/v1/orgs/{org}/projects/{project}")
            .route(web::get().to(get_project))
            .route(web::put().to(update_project))
            .route(web::delete().to(delete_project)),
    );
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_orgs,
        create_org,
        get_org,
        update_org,
        delete_org,
        list_projects,
        create_project,
        get_project,
        update_project,
        delete_project
    ),
    components(schemas(
        OrgRequest,
        ProjectRequest,
        OrgResponse,
        ProjectResponse,
        OrgOut,
        OrgFields
    ))
)]
pub struct OrgsApi;
