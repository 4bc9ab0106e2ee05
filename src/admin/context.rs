//! Who is calling the admin API and what they may do: the [`Caller`] extractor
//! (authenticate, load the caller's cached policy) and the permission guard.
//!
//! A handler cannot reach storage for a protected operation without first calling
//! [`Caller::require`] (or one of the escalation checks), which answers 403 naming the
//! missing permission and resource.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::AdminState;
use crate::authn::credential::{extract, requested_account};
use crate::authn::{Authenticated, AuthnError};
use crate::authz::{AuthzError, CachedPolicy};
use crate::policy::engine::{check, Request, Resource};
use crate::policy::permission::{catalogue, PermissionId, PermissionSet};
use crate::policy::resource_group::Attributes;
use crate::policy::{Identifier, Scope};
use crate::web::now_ms;
use crate::web::ApiError;

/// An authenticated admin caller with its policy.
pub struct Caller {
    pub who: Authenticated,
    pub policy: Arc<CachedPolicy>,
}

fn authn_error(e: AuthnError) -> ApiError {
    match e {
        AuthnError::TwoCredentials => {
            ApiError::invalid("send exactly one credential: x-api-key or Authorization")
        }
        AuthnError::DuplicateAccountHeader => {
            ApiError::invalid("Harness-Account must appear at most once")
        }
        AuthnError::Unavailable(_) => ApiError::unavailable("authentication store unavailable"),
        AuthnError::InvalidInput(m) => ApiError::invalid(m),
        other => {
            tracing::info!(reason = %other.reason(), "admin authentication failed");
            ApiError::unauthorized()
        }
    }
}

/// Authenticates the request's one credential and loads the caller's policy.
pub async fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AdminState>>()
        .ok_or_else(|| ApiError::internal("state missing"))?;
    let pairs: Vec<(&str, &[u8])> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let credential = extract(&pairs)
        .map_err(authn_error)?
        .ok_or_else(ApiError::unauthorized)?;
    let account = requested_account(&pairs).map_err(authn_error)?;
    let now = now_ms();
    let who = state
        .authn
        .authenticate(&credential, account.as_deref(), now)
        .await
        .map_err(authn_error)?;
    if state.authz.is_stale(now) {
        return Err(ApiError::unavailable("policy store unavailable"));
    }
    let policy = state
        .authz
        .policy(&who.principal)
        .await
        .map_err(|e| match e {
            AuthzError::UnknownPrincipal(_) => ApiError::unauthorized(),
            AuthzError::Unavailable(_) => ApiError::unavailable("policy store unavailable"),
        })?;
    if policy.disabled {
        return Err(ApiError::unauthorized());
    }
    Ok(Caller { who, policy })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

/// The scope in which `permission` is checked for an entity at `scope`: the scope itself,
/// or the nearest ancestor level where the permission is available (DESIGN §1).
pub fn check_scope(permission: PermissionId, scope: &Scope) -> Scope {
    let perm = catalogue().permission(permission);
    let mut at = scope.clone();
    while !perm.available_at(at.level()) {
        match at.parent() {
            Some(p) => at = p,
            None => break,
        }
    }
    at
}

impl Caller {
    pub fn account(&self) -> &Identifier {
        self.who.principal.account()
    }

    /// `USER:alice`, for audit rows.
    pub fn principal_text(&self) -> String {
        self.who.principal.to_string()
    }

    pub fn restriction(&self) -> Option<&PermissionSet> {
        self.who.restriction.as_ref()
    }

    /// Does the caller hold `permission` on the resource (without answering)?
    pub fn holds(
        &self,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: Option<&str>,
    ) -> bool {
        let Some(id) = catalogue().get(permission) else {
            return false;
        };
        let at = check_scope(id, scope);
        let attrs = Attributes::new();
        let request = Request {
            permission: id,
            resource: Resource {
                scope: &at,
                resource_type,
                identifier,
                attributes: &attrs,
            },
            restriction: self.restriction(),
        };
        check(&self.policy.policy, &request).is_allowed()
    }

    /// 403 unless the caller holds `permission` on the resource at (or above) `scope`.
    pub fn require(
        &self,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.holds(permission, scope, resource_type, identifier) {
            return Ok(());
        }
        let at = catalogue()
            .get(permission)
            .map(|id| check_scope(id, scope))
            .unwrap_or_else(|| scope.clone());
        let resource = match identifier {
            Some(i) => format!("{resource_type}/{i} in {at}"),
            None => format!("{resource_type} in {at}"),
        };
        Err(ApiError::denied(
            format!(
                "`{}` lacks permission `{permission}` on {resource}",
                self.who.principal
            ),
            Some(permission.to_owned()),
            Some(resource),
        ))
    }

    /// The caller's account scope.
    pub fn account_scope(&self) -> Scope {
        Scope::account(self.account().clone())
    }
}
