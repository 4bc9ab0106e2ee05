//! What the role, resource-group and role-assignment handlers share: the `scope` object of
//! answers, scope-level lists, the managed-entity refusal, the escalation refusal, and the
//! write wrapper that records a refusal found inside the write transaction.
//!
//! Imports policy, storage and the admin plumbing; no handler lives here.

use actix_web::HttpRequest;
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Audited, WriteMeta};
use super::context::Caller;
use super::list::ListQuery;
use super::AdminState;
use crate::policy::permission::{catalogue, PermissionId};
use crate::policy::{Scope, ScopeLevel, ScopeLevels};
use crate::storage::DbConnection;
use crate::web::{ApiError, ErrorCode};

/// Where a role or resource group is defined (`null` for absent levels; all `null` for a
/// built-in role, which belongs to no account).
#[derive(Serialize, ToSchema, Clone, Debug, Default)]
pub struct ScopeOut {
    pub account: Option<String>,
    pub org: Option<String>,
    pub project: Option<String>,
}

impl ScopeOut {
    pub fn of(scope: Option<&Scope>) -> Self {
        match scope {
            None => Self::default(),
            Some(s) => Self {
                account: Some(s.account.to_string()),
                org: s.org.as_ref().map(|o| o.to_string()),
                project: s.project.as_ref().map(|p| p.to_string()),
            },
        }
    }
}

/// A path parameter (`{role}`, `{group}`, `{assignment}`).
pub fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

/// Lower-case level names, as answers spell them.
pub fn level_names(levels: ScopeLevels) -> Vec<String> {
    levels.iter().map(|l| l.as_str().to_owned()).collect()
}

/// Parses `allowed_scope_levels` (any case, `org`) for an entity defined at `scope`: every
/// level must lie at or below the entity's own; absent means `default`.
pub fn parse_levels(
    input: Option<&[String]>,
    scope: &Scope,
    default: ScopeLevels,
) -> Result<ScopeLevels, ApiError> {
    let Some(input) = input else {
        return Ok(default);
    };
    if input.is_empty() {
        return Err(ApiError::invalid(
            "`allowed_scope_levels` must name at least one level",
        ));
    }
    let mut levels = Vec::with_capacity(input.len());
    for raw in input {
        let level = ScopeLevel::parse(raw)?;
        if level < scope.level() {
            return Err(ApiError::invalid(format!(
                "allowed scope level `{raw}` lies above the {} level of `{scope}`",
                scope.level()
            )));
        }
        levels.push(level);
    }
    Ok(ScopeLevels::of(&levels))
}

/// `name` is 1 to 256 characters.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 256 {
        return Err(ApiError::invalid("`name` must be 1 to 256 characters"));
    }
    Ok(())
}

/// The 403 for a write to a built-in or managed entity (`permission: null`).
pub fn managed_denied(kind: &str, identifier: &str, scope: &Scope) -> ApiError {
    ApiError::denied(
        format!("{kind} `{identifier}` is managed by scopegate and cannot be changed or deleted"),
        None,
        Some(format!("{kind} `{identifier}` in {scope}")),
    )
}

/// The 403 of the escalation rule, naming the permission the writer does not hold.
pub fn escalation_denied(writer: &str, permission: PermissionId, target: String) -> ApiError {
    let perm = &catalogue().permission(permission).identifier;
    ApiError::denied(
        format!(
            "`{writer}` cannot hand out permission `{perm}` on {target}: it does not hold it there itself"
        ),
        Some(perm.clone()),
        Some(target),
    )
}

/// [`audit::write`], except that a refusal (403) found inside the transaction, where the
/// stored state is known, is recorded as a denied attempt like one found before it.
pub async fn write_checked<T, F>(
    state: &AdminState,
    caller: &Caller,
    meta: WriteMeta,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, i64) -> Result<Audited<T>, ApiError> + Send + 'static,
{
    match audit::write(state, caller, meta.clone(), f).await {
        Err(e) if e.code == ErrorCode::AccessDenied => {
            Err(audit::denied(state, caller, meta, e).await)
        }
        other => other,
    }
}

/// Refuses with [`audit::denied`] when `check` fails.
pub async fn guard(
    state: &AdminState,
    caller: &Caller,
    meta: &WriteMeta,
    check: Result<(), ApiError>,
) -> Result<(), ApiError> {
    match check {
        Ok(()) => Ok(()),
        Err(e) => Err(audit::denied(state, caller, meta.clone(), e).await),
    }
}

/// The identifier `count` names the count endpoint of roles and role assignments.
pub fn not_reserved(identifier: &str, kind: &str) -> Result<(), ApiError> {
    if identifier == "count" {
        return Err(ApiError::invalid(format!(
            "`count` is reserved and cannot identify a {kind}"
        )));
    }
    Ok(())
}

/// The number a `…/count` endpoint answers: the items the list would show (search term
/// applied, no paging).
pub fn count_matching<'a>(q: &ListQuery, items: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    match &q.search_term {
        None => items.count(),
        Some(term) => {
            let term = term.to_lowercase();
            items
                .filter(|(id, name)| {
                    id.to_lowercase().contains(&term) || name.to_lowercase().contains(&term)
                })
                .count()
        }
    }
}
