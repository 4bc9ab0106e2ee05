//! What an admin path names: its scope (`{org}`, `{project}` in the caller's account, and
//! the check that it exists) and its other parameters, and the rule that an update body
//! may repeat the path's identifier.

use actix_web::HttpRequest;

use super::context::Caller;
use crate::policy::{Scope, ScopeLevel};
use crate::storage::tenancy::{Organization, Project};
use crate::storage::DbConnection;
use crate::web::ApiError;

/// A path parameter of the matched route (empty when absent).
pub fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

/// An update body may repeat the path's identifier (Harness's clients send it): equal is
/// fine, different is a 400.
pub fn same_identifier(body: &str, path: &str) -> Result<(), ApiError> {
    if body != path {
        return Err(ApiError::invalid(format!(
            "identifier `{body}` in the body differs from `{path}` in the URL"
        )));
    }
    Ok(())
}

/// The scope of the request path, in the caller's account.
pub fn path_scope(req: &HttpRequest, caller: &Caller) -> Result<Scope, ApiError> {
    let info = req.match_info();
    Scope::from_parts(
        caller.account().as_str(),
        info.get("org"),
        info.get("project"),
    )
    .map_err(|e| ApiError::invalid(e.to_string()))
}

/// 404 naming the organization or project when the scope does not exist.
pub fn ensure_exists(conn: &mut DbConnection, scope: &Scope) -> Result<(), ApiError> {
    let account = scope.account.as_str();
    if let Some(org) = &scope.org {
        if Organization::find(conn, account, org.as_str())?.is_none() {
            return Err(ApiError::not_found(format!(
                "organization `{org}` not found"
            )));
        }
    }
    if let (Some(org), Some(project)) = (&scope.org, &scope.project) {
        if Project::find(conn, account, org.as_str(), project.as_str())?.is_none() {
            return Err(ApiError::not_found(format!(
                "project `{project}` not found in organization `{org}`"
            )));
        }
    }
    Ok(())
}

/// The scope's level as written in answers.
pub fn level_name(scope: &Scope) -> &'static str {
    match scope.level() {
        ScopeLevel::Account => "account",
        ScopeLevel::Organization => "organization",
        ScopeLevel::Project => "project",
    }
}
