//! The one error type of the authentication layer, [`AuthnError`].
//!
//! Owns: what can go wrong between a presented credential and a principal, and the
//! internal reason of a refusal ([`AuthnError::reason`]) for the log. Must never carry a
//! secret or a whole token in any variant: the reason names at most a token id. `Display`
//! of [`AuthnError::Unauthorized`] is the generic "invalid credentials" of DESIGN §4.3, so the
//! HTTP layer can show it as is.

use thiserror::Error;

use crate::storage::StorageError;

#[derive(Debug, Error)]
pub enum AuthnError {
    /// A credential was presented and is not valid. The string is the precise internal
    /// reason (for the log, never for the client).
    #[error("invalid credentials")]
    Unauthorized(String),
    /// `x-api-key` together with `Authorization`, or either header twice.
    #[error("only one credential per request: `x-api-key` or `Authorization`, once")]
    TwoCredentials,
    /// `Harness-Account` given more than once.
    #[error("`Harness-Account` is given more than once")]
    DuplicateAccountHeader,
    /// Too many failed logins for this (email, client address).
    #[error("too many failed logins, retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Login needs scopegate's own HS256 secret, and none is configured.
    #[error("login is disabled: no JWT secret is configured")]
    LoginDisabled,
    /// The database (or a blocking task) failed: the caller cannot be judged, answer 503.
    #[error("authentication is unavailable")]
    Unavailable(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidInput(String),
    /// Start-up configuration (secret length, JWKS files).
    #[error("authentication config: {0}")]
    Config(String),
}

impl AuthnError {
    /// A refusal with its internal reason.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::Unauthorized(reason.into())
    }

    /// The precise cause for the log: the internal reason of a refusal or an outage, the
    /// message otherwise. Never contains a secret.
    pub fn reason(&self) -> String {
        match self {
            Self::Unauthorized(reason) | Self::Unavailable(reason) => reason.clone(),
            other => other.to_string(),
        }
    }
}

/// Client-supplied text for a reason or message: at most 64 characters, quoted, with
/// control characters escaped (no log injection).
pub fn untrusted(text: &str) -> String {
    let cut: String = text.chars().take(64).collect();
    format!("{cut:?}")
}

impl From<StorageError> for AuthnError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound { .. } => Self::NotFound(e.to_string()),
            StorageError::Conflict(message) => Self::Conflict(message),
            StorageError::Invalid(policy) => Self::InvalidInput(policy.to_string()),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_shows_nothing_of_its_reason() {
        let e = AuthnError::unauthorized("api token: wrong secret for id `abc`");
        assert_eq!(e.to_string(), "invalid credentials");
        assert_eq!(e.reason(), "api token: wrong secret for id `abc`");
        let t = AuthnError::Throttled {
            retry_after_secs: 20,
        };
        assert_eq!(t.reason(), "too many failed logins, retry in 20 s");
        assert_eq!(untrusted("a\nb"), "\"a\\nb\"");
        assert_eq!(untrusted(&"x".repeat(100)).len(), 66);
    }

    #[test]
    fn storage_errors_map_to_outage_or_client_errors() {
        let cases: Vec<(StorageError, &str)> = vec![
            (StorageError::Unavailable("down".into()), "unavailable"),
            (StorageError::Corrupt("x".into()), "unavailable"),
            (StorageError::not_found("user", "bob"), "not_found"),
            (StorageError::Conflict("dup".into()), "conflict"),
        ];
        for (input, expected) in cases {
            let got = match AuthnError::from(input) {
                AuthnError::Unavailable(_) => "unavailable",
                AuthnError::NotFound(_) => "not_found",
                AuthnError::Conflict(_) => "conflict",
                _ => "other",
            };
            assert_eq!(got, expected);
        }
    }
}
