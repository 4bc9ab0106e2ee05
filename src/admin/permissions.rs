//! The permission catalogue over HTTP: `GET /v1/permissions` with the optional filters
//! `resource_type` (any case) and `scope_level` (`account`, `organization` or `org`, any
//! case; anything else is a 400). Any authenticated caller may read it: the catalogue is
//! shipped data, the same for every account.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::context::Caller;
use super::resource;
use crate::policy::permission::{catalogue, Permission};
use crate::policy::ScopeLevel;
use crate::web::ApiError;

/// One catalogue entry.
#[derive(Serialize, ToSchema)]
pub struct PermissionOut {
    /// `core_pipeline_view`, `sei_seiinsights_view`, `API_READ`, …
    pub identifier: String,
    pub name: String,
    /// Upper case: `PIPELINE`, `SEI_INSIGHTS`, `API`.
    pub resource_type: String,
    pub action: String,
    /// Where the permission exists: `account`, `organization`, `project`.
    pub allowed_scope_levels: Vec<String>,
    pub status: String,
    pub description: String,
}

fn out(p: &Permission) -> PermissionOut {
    PermissionOut {
        identifier: p.identifier.clone(),
        name: p.name.clone(),
        resource_type: p.resource_type.clone(),
        action: p.action.clone(),
        allowed_scope_levels: p.scopes.iter().map(|l| l.as_str().to_owned()).collect(),
        status: p.status.clone(),
        description: p.description.clone(),
    }
}

/// The validated filters of the list.
struct Filters {
    resource_type: Option<String>,
    level: Option<ScopeLevel>,
}

fn filters(req: &HttpRequest) -> Result<Filters, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let level = get("scope_level")
        .map(|l| {
            ScopeLevel::parse(&l).map_err(|_| {
                ApiError::invalid(format!(
                    "unknown `scope_level` `{l}`: use account, organization or project"
                ))
            })
        })
        .transpose()?;
    Ok(Filters {
        resource_type: get("resource_type"),
        level,
    })
}

/// The catalogue entries passing the filters, in catalogue order.
fn select(f: &Filters) -> Vec<PermissionOut> {
    catalogue()
        .all()
        .iter()
        .filter(|p| {
            f.resource_type
                .as_ref()
                .is_none_or(|t| p.resource_type.eq_ignore_ascii_case(t))
        })
        .filter(|p| f.level.is_none_or(|l| p.available_at(l)))
        .map(out)
        .collect()
}

#[utoipa::path(get, path = "/v1/permissions", tag = "Permissions",
    params(
        ("resource_type" = Option<String>, Query, description = "Only this resource type (any case)"),
        ("scope_level" = Option<String>, Query, description = "Only permissions available at this level: account, organization (or org), project")
    ),
    responses((status = 200, body = [PermissionOut]), (status = 400), (status = 401)))]
pub async fn list_permissions(req: HttpRequest, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let f = filters(&req)?;
    Ok(HttpResponse::Ok().json(select(&f)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/permissions").route(web::get().to(list_permissions)));
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_permissions), components(schemas(PermissionOut)))]
pub struct PermissionsApi;

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(f: &Filters) -> Vec<String> {
        select(f).into_iter().map(|p| p.identifier).collect()
    }

    #[test]
    fn filters_by_type_and_level() {
        let rows: &[(Option<&str>, Option<ScopeLevel>, &str, bool)] = &[
            (Some("pipeline"), None, "core_pipeline_create", true),
            (Some("PIPELINE"), None, "core_secret_edit", false),
            (None, Some(ScopeLevel::Project), "sei_seiteams_view", true),
            (None, Some(ScopeLevel::Project), "core_account_view", false),
            (
                Some("ACCOUNT"),
                Some(ScopeLevel::Account),
                "core_account_edit",
                true,
            ),
            (
                Some("API"),
                Some(ScopeLevel::Organization),
                "API_READ",
                true,
            ),
            (Some("API"), Some(ScopeLevel::Project), "API_READ", false),
        ];
        for (ty, level, id, present) in rows {
            let f = Filters {
                resource_type: ty.map(str::to_owned),
                level: *level,
            };
            assert_eq!(
                ids(&f).iter().any(|i| i == id),
                *present,
                "{ty:?} {level:?} {id}"
            );
        }
        let all = Filters {
            resource_type: None,
            level: None,
        };
        assert_eq!(select(&all).len(), catalogue().len());
    }
}
