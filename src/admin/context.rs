//! Who is calling the admin API and what they may do: the [`Caller`] extractor
//! (authenticate, load the caller's cached policy), its permission checks (asked through
//! the one decision path, `authz::decide`), and the writer the no-escalation guard
//! compares writes with.
//!
//! A handler cannot reach storage for a protected operation without first calling
//! [`Caller::require`], which answers 403 naming the missing permission and resource; a
//! write that changes what someone may do needs the guard's permit ([`Acting::admit`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::AdminState;
use crate::authn::credential::{extract, requested_account};
use crate::authn::{Authenticated, AuthnError};
use crate::authz::decide::Question;
use crate::authz::{Authz, AuthzError, CachedPolicy};
use crate::policy::permission::{catalogue, PermissionId, PermissionSet};
use crate::policy::resource_group::Attributes;
use crate::policy::role::Principal;
use crate::policy::{Identifier, Scope};
use crate::storage::guard::{self, Gives, Permit, Writer};
use crate::storage::DbConnection;
use crate::web::now_ms;
use crate::web::ApiError;

/// An authenticated admin caller with its policy.
pub struct Caller {
    pub who: Authenticated,
    pub policy: Arc<CachedPolicy>,
    authz: Arc<Authz>,
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

/// The answer for a policy-store failure while deciding.
pub fn authz_unavailable(e: AuthzError) -> ApiError {
    match e {
        AuthzError::UnknownPrincipal(_) | AuthzError::Disabled(_) => ApiError::unauthorized(),
        AuthzError::Unavailable(_) => ApiError::unavailable("policy store unavailable"),
    }
}

/// Authenticates the request's one credential and loads the caller's policy (a disabled
/// caller is refused by `authz`, like a revoked credential).
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
        .map_err(authz_unavailable)?;
    Ok(Caller {
        who,
        policy,
        authz: state.authz.clone(),
    })
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

/// `RESOURCE_TYPE/id in scope` or `RESOURCE_TYPE in scope`, as refusals name a resource.
pub fn resource_text(resource_type: &str, identifier: Option<&str>, scope: &Scope) -> String {
    match identifier {
        Some(i) => format!("{resource_type}/{i} in {scope}"),
        None => format!("{resource_type} in {scope}"),
    }
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

    /// Does the caller hold `permission` on the resource (with the given attributes, which
    /// override the registry's)? A type-level question when `identifier` is `None`: for a
    /// view permission, what a list needs (some resource of the type there).
    pub async fn holds_with(
        &self,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: Option<&str>,
        given: Option<&Attributes>,
    ) -> Result<bool, ApiError> {
        let Some(id) = catalogue().get(permission) else {
            return Ok(false);
        };
        let at = check_scope(id, scope);
        let question = Question {
            permission: id,
            scope: &at,
            resource_type,
            identifier,
            given,
        };
        let decision = self
            .authz
            .check(&self.policy.policy, self.restriction(), &question)
            .await
            .map_err(authz_unavailable)?;
        Ok(decision.is_allowed())
    }

    /// [`Caller::holds_with`] with the registry's attributes only.
    pub async fn holds(
        &self,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: Option<&str>,
    ) -> Result<bool, ApiError> {
        self.holds_with(permission, scope, resource_type, identifier, None)
            .await
    }

    /// 403 unless the caller holds `permission` on the resource at (or above) `scope`.
    /// With `identifier: None` and a view permission this is the type-level check every
    /// admin list and count makes first (DESIGN §4.4: Harness answers 403, not `[]`).
    pub async fn require(
        &self,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: Option<&str>,
    ) -> Result<(), ApiError> {
        if self
            .holds(permission, scope, resource_type, identifier)
            .await?
        {
            return Ok(());
        }
        Err(self.lacks(permission, scope, resource_type, identifier))
    }

    /// The 403 naming what the caller lacks.
    pub fn lacks(
        &self,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: Option<&str>,
    ) -> ApiError {
        let at = catalogue()
            .get(permission)
            .map(|id| check_scope(id, scope))
            .unwrap_or_else(|| scope.clone());
        let resource = resource_text(resource_type, identifier, &at);
        ApiError::denied(
            format!(
                "`{}` lacks permission `{permission}` on {resource}",
                self.who.principal
            ),
            Some(permission.to_owned()),
            Some(resource),
        )
    }

    /// Keeps the items the caller may view (`permission` on each one's identifier).
    pub async fn visible<T>(
        &self,
        items: Vec<T>,
        permission: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: impl Fn(&T) -> &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if self
                .holds(permission, scope, resource_type, Some(identifier(&item)))
                .await?
            {
                out.push(item);
            }
        }
        Ok(out)
    }

    /// The caller's account scope.
    pub fn account_scope(&self) -> Scope {
        Scope::account(self.account().clone())
    }

    /// The caller as the no-escalation guard sees it, movable into a write.
    pub fn acting(&self) -> Acting {
        Acting {
            principal: self.who.principal.clone(),
            policy: self.policy.clone(),
            restriction: self.who.restriction,
        }
    }
}

/// The writing caller, owned so it can move into a write's transaction.
#[derive(Clone)]
pub struct Acting {
    pub principal: Principal,
    policy: Arc<CachedPolicy>,
    restriction: Option<PermissionSet>,
}

impl Acting {
    fn writer(&self) -> Writer<'_> {
        Writer {
            principal: &self.principal,
            policy: &self.policy.policy,
            restriction: self.restriction.as_ref(),
        }
    }

    /// The no-escalation guard: the permit for `write`, or a 403 naming the first
    /// permission and resource the writer lacks.
    pub fn admit<W: Gives>(
        &self,
        conn: &mut DbConnection,
        write: W,
    ) -> Result<Permit<W>, ApiError> {
        Ok(guard::admit(conn, &self.writer(), write)?)
    }

    /// The writer's credential restriction.
    pub fn restriction(&self) -> Option<&PermissionSet> {
        self.restriction.as_ref()
    }
}
