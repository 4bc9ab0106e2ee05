//! Harness's NG API (DESIGN §4.10): the paths Harness's older clients call
//! (`harness-platform-sdk`, the Go SDK behind Harness's Terraform provider) for
//! organizations, projects, roles, resource groups and role assignments, with the scope in
//! the query, Harness's envelope, pages and wrapped items, and errors as `{"status":
//! "ERROR", "code", "message", "correlationId"}` with v1's HTTP statuses and codes. Every
//! path is served as is and under the `/gateway` prefix (those clients' default base URL).
//!
//! This is a second *shape*, never a second implementation: every handler here parses the
//! query and body into the input of the entity's core (`admin::rbac::*`, `admin::orgs::*`),
//! which checks permissions through `Caller`, passes the no-escalation guard and writes
//! through `audit::write` exactly as for v1, and shapes what the core returns. Nothing
//! here touches storage or decides access. [`shape`] holds the envelope and error body,
//! [`query`] the query scope and paging, [`filter`] the role-assignment filter.

pub mod assignments;
pub mod filter;
pub mod orgs;
pub mod query;
pub mod resource_groups;
pub mod roles;
pub mod shape;

use actix_web::{web, Resource};

/// The base URL prefix of Harness's Go SDK and Terraform provider.
pub const GATEWAY_PREFIX: &str = "/gateway";

/// A resource for `path` and `/gateway{path}` answering the NG 405 for other methods.
fn ng_resource(path: &str) -> Resource {
    web::resource(vec![path.to_owned(), format!("{GATEWAY_PREFIX}{path}")])
        .default_service(web::to(shape::method_not_allowed))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use actix_web::web::{delete, get, post, put};
    cfg.service(
        ng_resource("/ng/api/organizations")
            .route(get().to(orgs::ng_list_organizations))
            .route(post().to(orgs::ng_create_organization)),
    )
    .service(
        ng_resource("/ng/api/organizations/{identifier}")
            .route(get().to(orgs::ng_get_organization))
            .route(put().to(orgs::ng_update_organization))
            .route(delete().to(orgs::ng_delete_organization)),
    )
    .service(
        ng_resource("/ng/api/projects")
            .route(get().to(orgs::ng_list_projects))
            .route(post().to(orgs::ng_create_project)),
    )
    .service(
        ng_resource("/ng/api/projects/{identifier}")
            .route(get().to(orgs::ng_get_project))
            .route(put().to(orgs::ng_update_project))
            .route(delete().to(orgs::ng_delete_project)),
    )
    .service(
        ng_resource("/authz/api/roles")
            .route(get().to(roles::ng_list_roles))
            .route(post().to(roles::ng_create_role)),
    )
    .service(
        ng_resource("/authz/api/roles/{identifier}")
            .route(get().to(roles::ng_get_role))
            .route(put().to(roles::ng_update_role))
            .route(delete().to(roles::ng_delete_role)),
    )
    .service(
        ng_resource("/authz/api/v2/resourcegroup")
            .route(get().to(resource_groups::ng_list_resource_groups))
            .route(post().to(resource_groups::ng_create_resource_group)),
    )
    .service(
        ng_resource("/authz/api/v2/resourcegroup/{identifier}")
            .route(get().to(resource_groups::ng_get_resource_group))
            .route(put().to(resource_groups::ng_update_resource_group))
            .route(delete().to(resource_groups::ng_delete_resource_group)),
    )
    .service(
        ng_resource("/authz/api/roleassignments")
            .route(get().to(assignments::ng_list_role_assignments))
            .route(post().to(assignments::ng_create_role_assignment)),
    )
    // Before `{identifier}`: `filter` is the filter endpoint, not an assignment's name.
    .service(
        ng_resource("/authz/api/roleassignments/filter")
            .route(post().to(assignments::ng_filter_role_assignments)),
    )
    .service(
        ng_resource("/authz/api/roleassignments/{identifier}")
            .route(get().to(assignments::ng_get_role_assignment))
            .route(put().to(assignments::ng_update_role_assignment))
            .route(delete().to(assignments::ng_delete_role_assignment)),
    );
}

/// The OpenAPI paths of the NG API (tag "Harness NG API"; the `/gateway` copies are not
/// listed separately).
#[derive(utoipa::OpenApi)]
#[openapi(
    tags((name = "Harness NG API", description = "Harness's NG API paths for organizations, projects, roles, resource groups (v2) and role assignments, as `harness-platform-sdk` and Harness's Go SDK call them: the scope in the query (`accountIdentifier`, `orgIdentifier`, `projectIdentifier`), answers in Harness's envelope `{status, data, metaData, correlationId}`, lists as Harness's page object (`pageIndex`, `pageSize`, `searchTerm`, `sortOrders`), errors as `{status: ERROR, code, message, correlationId}` with the v1 API's statuses and codes. Same storage, permissions, no-escalation guard and audit as the v1 paths. Every path is also served under `/gateway` (for example `/gateway/ng/api/organizations`). The mapping v1 ↔ NG: docs/NG_API.md.")),
    paths(
        orgs::ng_list_organizations,
        orgs::ng_create_organization,
        orgs::ng_get_organization,
        orgs::ng_update_organization,
        orgs::ng_delete_organization,
        orgs::ng_list_projects,
        orgs::ng_create_project,
        orgs::ng_get_project,
        orgs::ng_update_project,
        orgs::ng_delete_project,
        roles::ng_list_roles,
        roles::ng_create_role,
        roles::ng_get_role,
        roles::ng_update_role,
        roles::ng_delete_role,
        resource_groups::ng_list_resource_groups,
        resource_groups::ng_create_resource_group,
        resource_groups::ng_get_resource_group,
        resource_groups::ng_update_resource_group,
        resource_groups::ng_delete_resource_group,
        assignments::ng_list_role_assignments,
        assignments::ng_filter_role_assignments,
        assignments::ng_create_role_assignment,
        assignments::ng_get_role_assignment,
        assignments::ng_update_role_assignment,
        assignments::ng_delete_role_assignment
    ),
    components(schemas(
        shape::NgErrorBody,
        shape::DeletedEnvelope,
        query::BodyScope,
        orgs::NgOrgDto,
        orgs::NgOrganizationRequest,
        orgs::NgProjectRequest,
        orgs::NgOrganization,
        orgs::NgOrganizationItem,
        orgs::NgOrganizationEnvelope,
        orgs::NgOrganizationPage,
        orgs::NgOrganizationPageEnvelope,
        orgs::NgProject,
        orgs::NgProjectItem,
        orgs::NgProjectEnvelope,
        orgs::NgProjectPage,
        orgs::NgProjectPageEnvelope,
        roles::NgRoleDto,
        shape::NgScope,
        roles::NgRole,
        roles::NgRoleItem,
        roles::NgRoleEnvelope,
        roles::NgRolePage,
        roles::NgRolePageEnvelope,
        resource_groups::NgIncludedScope,
        resource_groups::NgAttributeFilter,
        resource_groups::NgResourceSelector,
        resource_groups::NgResourceFilter,
        resource_groups::NgResourceGroupDto,
        resource_groups::NgResourceGroupRequest,
        resource_groups::NgResourceGroup,
        resource_groups::NgResourceGroupItem,
        resource_groups::NgResourceGroupEnvelope,
        resource_groups::NgResourceGroupPage,
        resource_groups::NgResourceGroupPageEnvelope,
        assignments::NgRoleReference,
        assignments::NgPrincipal,
        assignments::NgRoleAssignmentDto,
        assignments::NgRoleAssignment,
        assignments::NgRoleAssignmentItem,
        assignments::NgRoleAssignmentEnvelope,
        assignments::NgRoleAssignmentPage,
        assignments::NgRoleAssignmentPageEnvelope,
        filter::NgPrincipalFilter,
        filter::NgRoleAssignmentFilter
    ))
)]
pub struct NgApi;
