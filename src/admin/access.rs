//! Access questions: `POST /authz/api/acl` ([`acl`]), `POST /v1/access/explain`
//! ([`explain`]) and `GET /v1/principals/{type}/{id}/permissions` ([`effective`]), each
//! answering exactly what the gateway would decide (the one decision path in `authz` and
//! the engine); [`subject`] resolves who a question is about.

pub mod acl;
pub mod effective;
pub mod explain;
pub mod subject;

use actix_web::web;

use super::{resource, resources};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Also under `/gateway`, the base URL of Harness's Go SDK and Terraform provider (§4.10).
    cfg.service(
        resources(vec![
            "/authz/api/acl".into(),
            "/gateway/authz/api/acl".into(),
        ])
        .route(web::post().to(acl::acl)),
    )
    .service(resource("/v1/access/explain").route(web::post().to(explain::explain)))
    .service(
        resource("/v1/principals/{type}/{id}/permissions")
            .route(web::get().to(effective::effective_permissions)),
    );
}

/// The OpenAPI paths of the access endpoints (ACL, explain, effective permissions).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(acl::acl, explain::explain, effective::effective_permissions),
    components(schemas(
        acl::AclRequest,
        acl::AclItem,
        subject::PrincipalIn,
        subject::ResourceScopeIn,
        acl::AclResponse,
        acl::AclData,
        acl::AccessControlOut,
        subject::AclPrincipalOut,
        explain::ExplainRequest,
        explain::ExplainResponse,
        explain::GrantedBy,
        explain::NearMissOut,
        effective::EffectivePermissions,
        effective::EffectivePrincipal,
        effective::RouteOut
    ))
)]
pub struct AccessApi;
