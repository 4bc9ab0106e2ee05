//! How lower-layer errors become admin API answers (one mapping, used by every handler).

use crate::authn::AuthnError;
use crate::policy::PolicyError;
use crate::storage::StorageError;
use crate::web::{ApiError, ErrorCode};

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StorageError::Conflict(m) => ApiError::conflict(m),
            StorageError::Invalid(p) => ApiError::invalid(p.to_string()),
            StorageError::Escalation {
                ref permission,
                ref resource,
                ..
            } => {
                let (permission, resource) = (permission.clone(), resource.clone());
                ApiError::denied(e.to_string(), Some(permission), Some(resource))
            }
            StorageError::Unavailable(m) => {
                tracing::warn!(error = %m, "database unavailable");
                ApiError::unavailable("database unavailable")
            }
            StorageError::Aborted(inner) => match inner.downcast::<ApiError>() {
                Ok(api) => *api,
                Err(other) => ApiError::internal(other),
            },
            other => ApiError::internal(other),
        }
    }
}

impl From<PolicyError> for ApiError {
    fn from(e: PolicyError) -> Self {
        ApiError::invalid(e.to_string())
    }
}

impl From<AuthnError> for ApiError {
    fn from(e: AuthnError) -> Self {
        match e {
            AuthnError::NotFound(m) => ApiError::not_found(m),
            AuthnError::InvalidInput(m) => ApiError::invalid(m),
            AuthnError::Conflict(m) => ApiError::conflict(m),
            AuthnError::Unavailable(_) => ApiError::unavailable("database unavailable"),
            AuthnError::Throttled { retry_after_secs } => ApiError::new(
                ErrorCode::TooManyRequests,
                "too many failed logins; retry later",
            )
            .with_retry_after(retry_after_secs),
            AuthnError::LoginDisabled => {
                ApiError::not_found("login is not enabled: set auth.jwt_hs256_secret_env")
            }
            other => {
                tracing::info!(reason = %other.reason(), "credential rejected");
                ApiError::unauthorized()
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// Aborts a transaction with an API error; `From<StorageError>` unwraps it again.
pub fn abort(e: ApiError) -> StorageError {
    StorageError::Aborted(Box::new(e))
}
