//! Errors of the storage layer.

use thiserror::Error;

use crate::policy::PolicyError;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("unsupported database url `{0}`: expected sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{kind} `{identifier}` not found")]
    NotFound {
        kind: &'static str,
        identifier: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Invalid(#[from] PolicyError),
    /// A caller above storage ended its transaction with its own error (rolled back); the
    /// caller takes it back out with a downcast.
    #[error("transaction aborted: {0}")]
    Aborted(Box<dyn std::error::Error + Send + Sync>),
    /// The no-escalation guard refused a write: it would give what the writer lacks.
    #[error("`{writer}` cannot give permission `{permission}` on {resource}: it does not hold it there itself")]
    Escalation {
        writer: String,
        permission: String,
        resource: String,
    },
}

impl StorageError {
    pub fn not_found(kind: &'static str, identifier: impl ToString) -> Self {
        Self::NotFound {
            kind,
            identifier: identifier.to_string(),
        }
    }

    /// Maps a unique-constraint violation to a conflict with a readable message.
    pub fn conflict_on_duplicate(
        err: diesel::result::Error,
        what: impl FnOnce() -> String,
    ) -> Self {
        match err {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => Self::Conflict(what()),
            other => Self::Query(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

pub type StorageResult<T> = Result<T, StorageError>;
