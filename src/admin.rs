//! L3 (rank 6) the admin API (Harness v1 compatible, DESIGN §4.4): handlers, DTOs (the only
//! types with `ToSchema`), the OpenAPI document and Swagger UI.
//!
//! Grouped by concept: [`rbac`] (roles, resource groups, role assignments), [`principals`]
//! (users, user groups, service accounts, passwords, tokens), [`access`] (the ACL, explain,
//! effective permissions), [`ng`] (Harness's NG API: a second shape over the cores of
//! `rbac` and `orgs`, DESIGN §4.10), and at the top the shared plumbing and the smaller
//! families (organizations, registry, splits, audit events, login, the catalogue).
//!
//! May import everything below it; never gateway internals beyond `now_ms`, never app.
//! Every handler authenticates through [`context::Caller`], checks its permission through
//! the one decision path before touching storage, passes every write that changes what
//! someone may do through the no-escalation guard (`Acting::admit`, whose permit the
//! storage write requires), and writes through [`audit::write`] (change + audit row + epoch
//! bump in one transaction). No decision rule lives in a handler.

pub mod access;
pub mod audit;
pub mod audit_events;
pub mod body;
pub mod console;
pub mod context;
pub mod error;
pub mod list;
pub mod login;
pub mod ng;
pub mod openapi;
pub mod orgs;
pub mod permissions;
pub mod preview;
pub mod principals;
pub mod rbac;
pub mod registry;
pub mod scope;
pub mod splits;

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse, Resource};
use utoipa::OpenApi;

use crate::authn::Authenticator;
use crate::authz::Authz;
use crate::config::{Config, RouteTable};
use crate::storage::Db;
use crate::web::{ApiError, ErrorCode};

/// What admin handlers share (registered by the app as `web::Data<AdminState>`).
pub struct AdminState {
    pub config: Config,
    pub db: Db,
    pub authn: Arc<Authenticator>,
    pub authz: Arc<Authz>,
    pub routes: Arc<RouteTable>,
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let res = ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this path",
    )
    .response();
    with_allow(&req, res)
}

/// Adds `Allow` to a 405 (RFC 9110 §15.5.6): the methods the matched path takes, as the
/// OpenAPI document lists them (`openapi::allowed_methods`; the integration tests check that
/// the document and the routes agree).
pub fn with_allow(req: &HttpRequest, mut res: HttpResponse) -> HttpResponse {
    let pattern = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    if let Ok(value) = HeaderValue::from_str(openapi::allowed_methods(&pattern)) {
        res.headers_mut().insert(header::ALLOW, value);
    }
    res
}

/// A resource for several patterns (see [`scoped`]) answering JSON 405 (with `Allow`) for
/// methods it does not route.
pub fn resources(patterns: Vec<String>) -> Resource {
    web::resource(patterns).default_service(web::to(method_not_allowed))
}

/// A resource for one path answering JSON 405 (with `Allow`) for methods it does not route.
pub fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// The three scoped forms of an admin path: `/v1/x`, `/v1/orgs/{org}/x`,
/// `/v1/orgs/{org}/projects/{project}/x`.
pub fn scoped(tail: &str) -> Vec<String> {
    vec![
        format!("/v1/{tail}"),
        format!("/v1/orgs/{{org}}/{tail}"),
        format!("/v1/orgs/{{org}}/projects/{{project}}/{tail}"),
    ]
}

/// Registers every admin endpoint, the OpenAPI document and Swagger UI.
pub fn configure(cfg: &mut web::ServiceConfig) {
    orgs::configure(cfg);
    access::configure(cfg);
    audit_events::configure(cfg);
    permissions::configure(cfg);
    splits::configure(cfg);
    rbac::configure(cfg);
    principals::configure(cfg);
    login::configure(cfg);
    registry::configure(cfg);
    preview::configure(cfg);
    openapi::configure(cfg);
    console::configure(cfg);
    ng::configure(cfg);
}

/// The admin writes a policy preview may make (and their reads): organizations and
/// projects, splits, roles, groups and assignments, principals and tokens, the registry.
pub fn configure_policy_writes(cfg: &mut web::ServiceConfig) {
    orgs::configure(cfg);
    splits::configure(cfg);
    rbac::configure(cfg);
    principals::configure(cfg);
    registry::configure(cfg);
}

/// OpenAPI parts of the handler modules besides organizations (merged by `openapi`).
pub fn openapi_parts() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        access::AccessApi::openapi(),
        audit_events::AuditEventsApi::openapi(),
        permissions::PermissionsApi::openapi(),
        splits::SplitsApi::openapi(),
        preview::PreviewApi::openapi(),
        rbac::roles::RolesApi::openapi(),
        rbac::resource_groups::ResourceGroupsApi::openapi(),
        rbac::assignments::AssignmentsApi::openapi(),
        principals::users::UsersApi::openapi(),
        principals::password::PasswordApi::openapi(),
        principals::user_groups::UserGroupsApi::openapi(),
        principals::service_accounts::ServiceAccountsApi::openapi(),
        principals::tokens::TokensApi::openapi(),
        login::LoginApi::openapi(),
        registry::RegistryApi::openapi(),
        ng::NgApi::openapi(),
    ]
}
