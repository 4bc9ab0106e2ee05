//! What the role, resource-group and role-assignment handlers share: the `scope` object of
//! answers, scope-level lists, the managed-entity refusal, the identifier rules, counts, and
//! the split migration of written roles (DESIGN §1 "Staged create/edit splits").
//!
//! Imports policy, storage and the admin plumbing; no handler lives here.

use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::list::ListQuery;
use crate::policy::permission::PermissionSet;
use crate::policy::split::{add_create_for_edit, split_pairs, SplitPhase};
use crate::policy::{Scope, ScopeLevel, ScopeLevels};
use crate::storage::splits::Splits;
use crate::storage::DbConnection;
use crate::web::ApiError;

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

/// In the `migration` phase of a split pair, a role that gets edit gets create too.
pub fn migrate_splits(
    conn: &mut DbConnection,
    scope: &Scope,
    permissions: &PermissionSet,
) -> Result<PermissionSet, ApiError> {
    let phases = Splits::phases(conn, scope.account.as_str())?;
    let mut out = *permissions;
    for pair in 0..split_pairs().len() {
        if phases.get(pair) == SplitPhase::Migration {
            out = add_create_for_edit(&out, pair);
        }
    }
    Ok(out)
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
