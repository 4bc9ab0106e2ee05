//! Errors of the pure policy layer: bad identifiers, scopes, permissions and groups.
//!
//! Every variant names the offending input in backticks so that the admin API can pass
//! the message through unchanged as a 400 answer.

use thiserror::Error;

/// What can be wrong with policy input. Nothing in this layer performs I/O, so every
/// error here is a validation error of data handed in by a caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("invalid identifier `{0}`: must match ^[a-zA-Z_][0-9a-zA-Z_$-]{{0,127}}$")]
    InvalidIdentifier(String),
    #[error("invalid scope `{0}`: expected `account`, `account/org` or `account/org/project`")]
    InvalidScope(String),
    #[error("invalid scope level `{0}`: expected account, organization (org) or project")]
    InvalidScopeLevel(String),
    #[error("unknown permission `{0}`")]
    UnknownPermission(String),
    #[error("unknown resource type `{0}`")]
    UnknownResourceType(String),
    #[error("permission `{permission}` is not available at the {level} level")]
    PermissionNotAvailable { permission: String, level: String },
    #[error("included scope `{included}` lies outside the resource group's scope `{group}`")]
    IncludedScopeOutside { included: String, group: String },
    #[error("included scope `{0}` names a different account")]
    IncludedScopeOtherAccount(String),
    #[error("`include_all_resources` cannot be combined with `resource_filter`")]
    AllResourcesWithFilters,
    #[error(
        "resource filter for `{0}` has `attribute_values` without `attribute_name` or the reverse"
    )]
    IncompleteAttributeFilter(String),
    #[error("invalid filter `{0}`: expected INCLUDING_CHILD_SCOPES or EXCLUDING_CHILD_SCOPES")]
    InvalidScopeFilter(String),
    #[error("invalid principal type `{0}`: expected USER, USER_GROUP or SERVICE_ACCOUNT")]
    InvalidPrincipalType(String),
    #[error("role `{role}` cannot be used at the {level} level")]
    RoleNotAllowedAtLevel { role: String, level: String },
    #[error("invalid split phase `{0}`: expected off, migration or enforced")]
    InvalidSplitPhase(String),
    #[error("split phase for `{resource_type}` cannot go back from {from} to {to}")]
    SplitPhaseBackwards {
        resource_type: String,
        from: String,
        to: String,
    },
    #[error("no permission split is defined for resource type `{0}`")]
    UnknownSplit(String),
}
