//! Effective permissions: `GET /v1/principals/{type}/{id}/permissions?scope=acct[/org[/project]]`
//! → `{"principal", "scope", "permissions": [...], "routes": [{"method", "path"}]}`.
//!
//! `permissions` are the sorted identifiers the principal holds at that scope, from the
//! engine's `held_at`: each permission it may use on some resource of its type there (so
//! every permission an allowed gateway request at that scope uses is listed; a group
//! limited to some teams still yields its role's team permissions). Split pairs, organization
//! ownership, CROSS_ORGANIZATION_ACCESS, implicit visibility, a disabled principal and the
//! caller's own credential restriction (when asking about itself) are the engine's rules,
//! not this handler's. `routes` are the entries of the loaded route table those permissions
//! open at the scope's level, plus the credential-only routes; one entry per method.
//!
//! Callers may ask about themselves; asking about others needs `core_role_view`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::subject::resolve;
use crate::admin::audit;
use crate::admin::context::Caller;
use crate::admin::scope::ensure_exists;
use crate::admin::AdminState;
use crate::config::{Access, RouteTable};
use crate::policy::engine::held_at;
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::PrincipalType;
use crate::policy::{Scope, ScopeLevel};
use crate::web::ApiError;

/// `{identifier, type}`.
#[derive(Serialize, ToSchema)]
pub struct EffectivePrincipal {
    pub identifier: String,
    #[serde(rename = "type")]
    pub principal_type: String,
}

/// A route of the loaded route table.
#[derive(Serialize, ToSchema, PartialEq, Eq, Debug)]
pub struct RouteOut {
    pub method: String,
    /// The rule's path template, `/v1/orgs/{org}/projects/{project}/insights`.
    pub path: String,
}

/// The answer.
#[derive(Serialize, ToSchema)]
pub struct EffectivePermissions {
    pub principal: EffectivePrincipal,
    /// `acme`, `acme/eng` or `acme/eng/web`.
    pub scope: String,
    pub permissions: Vec<String>,
    pub routes: Vec<RouteOut>,
}

/// The routes `held` opens at `level`, plus credential-only routes; one entry per method.
pub fn routes_opened(table: &RouteTable, held: &PermissionSet, level: ScopeLevel) -> Vec<RouteOut> {
    table
        .routes()
        .iter()
        .filter(|r| match &r.access {
            Access::Authenticated => true,
            Access::Permission { permission, .. } => r.level == level && held.contains(*permission),
            Access::Public => false,
        })
        .flat_map(|r| {
            r.methods.iter().map(|m| RouteOut {
                method: m.clone(),
                path: r.template.clone(),
            })
        })
        .collect()
}

fn query_scope(req: &HttpRequest) -> Result<String, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs
        .into_iter()
        .find(|(k, v)| k == "scope" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .ok_or_else(|| {
            ApiError::invalid("`scope` is required: `acct`, `acct/org` or `acct/org/project`")
        })
}

#[utoipa::path(get, path = "/v1/principals/{type}/{id}/permissions", tag = "Access",
    params(
        ("type" = String, Path, description = "user or service_account (any case)"),
        ("id" = String, Path, description = "The principal's identifier"),
        ("scope" = String, Query, description = "acct, acct/org or acct/org/project")
    ),
    responses((status = 200, body = EffectivePermissions), (status = 400), (status = 403), (status = 404)))]
pub async fn effective_permissions(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let info = req.match_info();
    let (kind, id) = (
        info.get("type").unwrap_or_default(),
        info.get("id").unwrap_or_default().to_owned(),
    );
    let kind = PrincipalType::parse(kind).map_err(|_| {
        ApiError::invalid(format!(
            "unknown principal type `{kind}`: use user or service_account"
        ))
    })?;
    let text = query_scope(&req)?;
    let scope = Scope::parse(&text).map_err(|e| ApiError::invalid(e.to_string()))?;
    if !scope.account.same(caller.account()) {
        return Err(ApiError::invalid(format!(
            "scope `{scope}` is not in your account `{}`",
            caller.account()
        )));
    }
    let who = resolve(&state, &caller, kind, &id, None, Some(&scope)).await?;
    let s = scope.clone();
    audit::read(&state, move |c| ensure_exists(c, &s)).await?;
    let held = held_at(&who.policy.policy, &scope, who.restriction.as_ref());
    let mut permissions = catalogue().identifiers(&held);
    permissions.sort();
    let routes = routes_opened(&state.routes, &held, scope.level());
    Ok(HttpResponse::Ok().json(EffectivePermissions {
        principal: EffectivePrincipal {
            identifier: who.principal.identifier.to_string(),
            principal_type: who.principal.principal_type.as_str().to_owned(),
        },
        scope: scope.to_string(),
        permissions,
        routes,
    }))
}
