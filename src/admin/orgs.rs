//! Organizations and projects, in Harness v1's wrapped bodies:
//! `POST /v1/orgs {"org": {…}}` → 201 `{"org": {…}, "created", "updated", "harness_managed"}`,
//! `GET|PUT|DELETE /v1/orgs/{org}`, and the same for `…/projects` with `{"project": {…, "org"}}`.
//! Permissions: `core_organization_*` at the account, `core_project_*` at the organization.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use super::body::JsonBody;
use super::context::Caller;
use super::list::{ListQuery, Listed};
use super::scope::ensure_exists;
use super::{resource, AdminState};
use crate::policy::{Identifier, Scope};
use crate::storage::tenancy::{delete_scope_contents, Organization, Project};
use crate::web::ApiError;

/// An organization or project as sent by clients.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OrgFields {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    /// Projects only: the organization (must equal the URL's when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Accepted for Harness compatibility (projects), not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Accepted for Harness compatibility (projects), not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<String>>,
}

/// `{"org": {…}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgRequest {
    pub org: OrgFields,
}

/// `{"project": {…}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRequest {
    pub project: OrgFields,
}

/// The wrapped answer for an organization.
#[derive(Serialize, ToSchema)]
pub struct OrgResponse {
    pub org: OrgOut,
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

/// The wrapped answer for a project.
#[derive(Serialize, ToSchema)]
pub struct ProjectResponse {
    pub project: OrgOut,
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

fn org_out(o: &Organization) -> OrgResponse {
    OrgResponse {
        org: OrgOut {
            identifier: o.identifier.clone(),
            name: o.name.clone(),
            description: o.description.clone(),
            tags: o.tags(),
            org: None,
        },
        created: o.created,
        updated: o.updated,
        harness_managed: false,
    }
}

fn project_out(p: &Project) -> ProjectResponse {
    ProjectResponse {
        project: OrgOut {
            identifier: p.identifier.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            tags: p.tags(),
            org: Some(p.org.clone()),
        },
        created: p.created,
        updated: p.updated,
        harness_managed: false,
    }
}

impl Listed for OrgResponse {
    fn identifier(&self) -> &str {
        &self.org.identifier
    }
    fn name(&self) -> &str {
        &self.org.name
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

impl Listed for ProjectResponse {
    fn identifier(&self) -> &str {
        &self.project.identifier
    }
    fn name(&self) -> &str {
        &self.project.name
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

fn validate(fields: &OrgFields) -> Result<(), ApiError> {
    Identifier::new(&fields.identifier)?;
    if fields.name.trim().is_empty() || fields.name.len() > 256 {
        return Err(ApiError::invalid("`name` must be 1 to 256 characters"));
    }
    Ok(())
}

fn org_of(req: &HttpRequest) -> String {
    req.match_info().get("org").unwrap_or_default().to_owned()
}

#[utoipa::path(get, path = "/v1/orgs", tag = "Organizations", responses((status = 200, body = [OrgResponse])), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_orgs(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let account = caller.account().to_string();
    let scope = caller.account_scope();
    caller
        .require("core_organization_view", &scope, "ORGANIZATION", None)
        .await?;
    let orgs = audit::read(&state, move |c| Ok(Organization::list(c, &account)?)).await?;
    let orgs = caller
        .visible(
            orgs,
            "core_organization_view",
            &scope,
            "ORGANIZATION",
            |o| &o.identifier,
        )
        .await?;
    Ok(q.respond(orgs.iter().map(org_out).collect()))
}

#[utoipa::path(post, path = "/v1/orgs", tag = "Organizations", request_body = OrgRequest, responses((status = 201, body = OrgResponse), (status = 400), (status = 403), (status = 409)))]
pub async fn create_org(
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<OrgRequest>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.0.org;
    validate(&fields)?;
    let scope = caller.account_scope();
    let meta = WriteMeta::new(
        "organization.create",
        &scope,
        "ORGANIZATION",
        &fields.identifier,
        Bump::None,
    );
    let allowed = caller
        .require("core_organization_create", &scope, "ORGANIZATION", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    let created = audit::write(&state, &caller, meta, move |c, now| {
        let org = Organization::new(
            &account,
            &fields.identifier,
            &fields.name,
            fields.description.as_deref().unwrap_or(""),
            &fields.tags.unwrap_or_default(),
            now,
        );
        org.insert(c)?;
        let out = org_out(&org);
        Ok(Audited::new(
            out,
            None,
            Some(json!({"identifier": org.identifier, "name": org.name})),
        ))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/orgs/{org}", tag = "Organizations", responses((status = 200, body = OrgResponse), (status = 404)))]
pub async fn get_org(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let org = org_of(&req);
    caller
        .require(
            "core_organization_view",
            &caller.account_scope(),
            "ORGANIZATION",
            Some(&org),
        )
        .await?;
    let account = caller.account().to_string();
    let found = audit::read(&state, move |c| {
        Organization::find(c, &account, &org)?
            .ok_or_else(|| ApiError::not_found(format!("organization `{org}` not found")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(org_out(&found)))
}

#[utoipa::path(put, path = "/v1/orgs/{org}", tag = "Organizations", request_body = OrgRequest, responses((status = 200, body = OrgResponse), (status = 400), (status = 404)))]
pub async fn update_org(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<OrgRequest>,
) -> Result<HttpResponse, ApiError> {
    let org = org_of(&req);
    let fields = body.0.org;
    validate(&fields)?;
    if fields.identifier != org {
        return Err(ApiError::invalid(format!(
            "identifier `{}` in the body differs from `{org}` in the URL",
            fields.identifier
        )));
    }
    let scope = caller.account_scope();
    let meta = WriteMeta::new(
        "organization.update",
        &scope,
        "ORGANIZATION",
        &org,
        Bump::None,
    );
    let allowed = caller
        .require("core_organization_edit", &scope, "ORGANIZATION", Some(&org))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let mut o = Organization::find(c, &account, &org)?
            .ok_or_else(|| ApiError::not_found(format!("organization `{org}` not found")))?;
        let before = json!({"name": o.name, "description": o.description});
        o.name = fields.name;
        o.description = fields.description.unwrap_or_default();
        o.tags = crate::storage::columns::tags_to_json(&fields.tags.unwrap_or_default());
        o.updated = now;
        o.update(c)?;
        Ok(Audited::new(
            org_out(&o),
            Some(before),
            Some(json!({"name": o.name, "description": o.description})),
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/orgs/{org}", tag = "Organizations", responses((status = 200, body = OrgResponse), (status = 404)))]
pub async fn delete_org(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let org = org_of(&req);
    let scope = caller.account_scope();
    let meta = WriteMeta::new(
        "organization.delete",
        &scope,
        "ORGANIZATION",
        &org,
        Bump::Both,
    );
    let allowed = caller
        .require(
            "core_organization_delete",
            &scope,
            "ORGANIZATION",
            Some(&org),
        )
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().clone();
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let o = Organization::find(c, account.as_str(), &org)?
            .ok_or_else(|| ApiError::not_found(format!("organization `{org}` not found")))?;
        let org_id = Identifier::new(&org)?;
        let removed = delete_scope_contents(c, &Scope::org(account.clone(), org_id))?;
        Ok(Audited::new(
            org_out(&o),
            Some(json!({"identifier": o.identifier, "rows_removed": removed})),
            None,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
}

fn project_of(req: &HttpRequest) -> String {
    req.match_info()
        .get("project")
        .unwrap_or_default()
        .to_owned()
}

fn org_scope(caller: &Caller, org: &str) -> Result<Scope, ApiError> {
    Ok(Scope::org(caller.account().clone(), Identifier::new(org)?))
}

#[utoipa::path(get, path = "/v1/orgs/{org}/projects", tag = "Projects", responses((status = 200, body = [ProjectResponse])))]
pub async fn list_projects(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let scope = org_scope(&caller, &org_of(&req))?;
    caller
        .require("core_project_view", &scope, "PROJECT", None)
        .await?;
    let (account, org) = (caller.account().to_string(), org_of(&req));
    let s = scope.clone();
    let projects = audit::read(&state, move |c| {
        ensure_exists(c, &s)?;
        Ok(Project::list(c, &account, &org)?)
    })
    .await?;
    let projects = caller
        .visible(projects, "core_project_view", &scope, "PROJECT", |p| {
            &p.identifier
        })
        .await?;
    Ok(q.respond(projects.iter().map(project_out).collect()))
}

#[utoipa::path(post, path = "/v1/orgs/{org}/projects", tag = "Projects", request_body = ProjectRequest, responses((status = 201, body = ProjectResponse), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn create_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let org = org_of(&req);
    let fields = body.0.project;
    validate(&fields)?;
    if fields.org.as_ref().is_some_and(|o| *o != org) {
        return Err(ApiError::invalid(format!(
            "`org` in the body differs from `{org}` in the URL"
        )));
    }
    let scope = org_scope(&caller, &org)?;
    let meta = WriteMeta::new(
        "project.create",
        &scope,
        "PROJECT",
        &fields.identifier,
        Bump::None,
    );
    let allowed = caller
        .require("core_project_create", &scope, "PROJECT", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    let created = audit::write(&state, &caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        let p = Project::new(
            &account,
            &org,
            &fields.identifier,
            &fields.name,
            fields.description.as_deref().unwrap_or(""),
            &fields.tags.unwrap_or_default(),
            now,
        );
        p.insert(c)?;
        Ok(Audited::new(
            project_out(&p),
            None,
            Some(json!({"identifier": p.identifier, "name": p.name})),
        ))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/orgs/{org}/projects/{project}", tag = "Projects", responses((status = 200, body = ProjectResponse), (status = 404)))]
pub async fn get_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (org, project) = (org_of(&req), project_of(&req));
    caller
        .require(
            "core_project_view",
            &org_scope(&caller, &org)?,
            "PROJECT",
            Some(&project),
        )
        .await?;
    let account = caller.account().to_string();
    let found = audit::read(&state, move |c| {
        Project::find(c, &account, &org, &project)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "project `{project}` not found in organization `{org}`"
            ))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(project_out(&found)))
}

#[utoipa::path(put, path = "/v1/orgs/{org}/projects/{project}", tag = "Projects", request_body = ProjectRequest, responses((status = 200, body = ProjectResponse), (status = 400), (status = 404)))]
pub async fn update_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let (org, project) = (org_of(&req), project_of(&req));
    let fields = body.0.project;
    validate(&fields)?;
    if fields.identifier != project {
        return Err(ApiError::invalid(format!(
            "identifier `{}` in the body differs from `{project}` in the URL",
            fields.identifier
        )));
    }
    let scope = org_scope(&caller, &org)?;
    let meta = WriteMeta::new("project.update", &scope, "PROJECT", &project, Bump::None);
    let allowed = caller
        .require("core_project_edit", &scope, "PROJECT", Some(&project))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let mut p = Project::find(c, &account, &org, &project)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "project `{project}` not found in organization `{org}`"
            ))
        })?;
        let before = json!({"name": p.name, "description": p.description});
        p.name = fields.name;
        p.description = fields.description.unwrap_or_default();
        p.tags = crate::storage::columns::tags_to_json(&fields.tags.unwrap_or_default());
        p.updated = now;
        p.update(c)?;
        Ok(Audited::new(
            project_out(&p),
            Some(before),
            Some(json!({"name": p.name, "description": p.description})),
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/orgs/{org}/projects/{project}", tag = "Projects", responses((status = 200, body = ProjectResponse), (status = 404)))]
pub async fn delete_project(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (org, project) = (org_of(&req), project_of(&req));
    let scope = org_scope(&caller, &org)?;
    let meta = WriteMeta::new("project.delete", &scope, "PROJECT", &project, Bump::Both);
    let allowed = caller
        .require("core_project_delete", &scope, "PROJECT", Some(&project))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().clone();
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let p = Project::find(c, account.as_str(), &org, &project)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "project `{project}` not found in organization `{org}`"
            ))
        })?;
        let removed = delete_scope_contents(
            c,
            &Scope::project(
                account.clone(),
                Identifier::new(&org)?,
                Identifier::new(&project)?,
            ),
        )?;
        Ok(Audited::new(
            project_out(&p),
            Some(json!({"identifier": p.identifier, "rows_removed": removed})),
            None,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
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
