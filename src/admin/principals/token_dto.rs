//! The bodies and answers of the token endpoints ([`super::tokens`]); the token value
//! appears only in [`TokenIssued`], the answer of create and rotate.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::list::Listed;

/// `POST …/tokens`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    pub identifier: String,
    pub name: String,
    /// Expiry, epoch milliseconds; must lie in the future. Absent: no expiry.
    #[serde(default, deserialize_with = "crate::admin::body::integer")]
    pub valid_to: Option<i64>,
    /// A subset of the owner's permissions; absent: the owner's permissions.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

/// `POST …/tokens/{token}/rotate` (the body may be left out).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TokenRotate {
    /// How long the old value keeps working, 0 (default) to 2592000 (30 days).
    #[serde(default, deserialize_with = "crate::admin::body::integer")]
    pub grace_seconds: Option<i64>,
}

/// The answer of create and rotate: the only place a token value is ever shown. No
/// `Debug`: it holds the secret.
#[derive(Serialize, ToSchema)]
pub struct TokenIssued {
    pub identifier: String,
    pub name: String,
    /// `pat.<account>.<tokenId>.<secret>` or `sat.…`; shown once.
    pub token: String,
    pub valid_to: Option<i64>,
    pub permissions: Option<Vec<String>>,
    /// Rotation only: when the previous value stops working (epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_until: Option<i64>,
}

/// A token's metadata (lists, revocation).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub identifier: String,
    pub name: String,
    pub valid_to: Option<i64>,
    pub permissions: Option<Vec<String>>,
    pub created: i64,
    /// `USER:alice`: differs from the owner when an admin issued it.
    pub issued_by: String,
}

impl Listed for TokenOut {
    fn identifier(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.created
    }
}
