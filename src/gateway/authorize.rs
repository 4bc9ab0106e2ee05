//! The authorization stage of the gateway: the scope a route's path names, the cached
//! policy of the caller, the pure decision (`policy::engine::check`, or `allowed_ids` for a
//! list route) and, on deny, the 403 that names permission and resource plus its audit
//! entry (queued, written off the request path) and log line.
//!
//! Must never do I/O itself beyond the authz caches (which load on a miss), never forward,
//! and never answer anything but allow (with the list header) or a refusal.

use std::sync::atomic::Ordering;

use super::{fail, now_ms, Gateway, Stage};
use crate::authn::Authenticated;
use crate::authz::AuthzError;
use crate::config::{Access, AttributeSource, Route};
use crate::policy::engine::{allowed_ids, check, explain, AllowedIds, Request, Resource};
use crate::policy::permission::catalogue;
use crate::policy::resource_group::Attributes;
use crate::policy::route::Params;
use crate::policy::{Identifier, Scope};
use crate::storage::audit::NewAuditEvent;
use crate::storage::columns::scope_cols;
use crate::web::metrics::Outcome;
use crate::web::{ApiError, RequestId};

/// The scope named by the path: the caller's account plus `{org}` and `{project}`.
fn route_scope(account: &Identifier, params: &Params<'_>) -> Result<Scope, ApiError> {
    let part = |name: &str| {
        params
            .get(name)
            .map(|v| Identifier::new(v).map_err(|e| ApiError::invalid(e.to_string())))
            .transpose()
    };
    let (org, project) = (part("org")?, part("project")?);
    Ok(match (org, project) {
        (Some(o), Some(p)) => Scope::project(account.clone(), o, p),
        (Some(o), None) => Scope::org(account.clone(), o),
        _ => Scope::account(account.clone()),
    })
}

/// Decides a permission route; returns the `X-Scopegate-Allowed-Ids` value for lists.
/// The cache answers a repeat caller without awaiting; a miss (a first request, a policy
/// epoch change) and registry lookups are boxed, so the request's future stays small.
pub(super) async fn authorize(
    gw: &Gateway,
    route: &Route,
    params: &Params<'_>,
    who: &Authenticated,
    request_id: &RequestId,
) -> Stage<Option<String>> {
    let Access::Permission {
        permission,
        resource_type,
        resource_param,
        list,
    } = &route.access
    else {
        return Ok(None);
    };
    let scope =
        route_scope(who.principal.account(), params).map_err(|e| fail(e, Outcome::BadRequest))?;
    let cached = match gw.authz.cached_policy(&who.principal) {
        Some(hit) => {
            gw.authz.stats.policy_hits.fetch_add(1, Ordering::Relaxed);
            Ok(hit)
        }
        None => Box::pin(gw.authz.policy(&who.principal)).await,
    };
    let cached = cached.map_err(|e| match e {
        AuthzError::UnknownPrincipal(_) => fail(ApiError::unauthorized(), Outcome::Unauthenticated),
        AuthzError::Unavailable(_) => fail(
            ApiError::unavailable("policy store unavailable"),
            Outcome::Unavailable,
        ),
    })?;
    if cached.disabled {
        return Err(fail(ApiError::unauthorized(), Outcome::Unauthenticated));
    }
    let policy = &cached.policy;
    let restriction = who.restriction.as_ref();
    let needs_registry = policy.grants.iter().any(|g| {
        g.group
            .resource_filters
            .iter()
            .any(|f| &f.resource_type == resource_type && f.attribute.is_some())
    });
    let unavailable = |_| {
        fail(
            ApiError::unavailable("policy store unavailable"),
            Outcome::Unavailable,
        )
    };
    if *list {
        let listing = if needs_registry {
            Some(
                Box::pin(gw.authz.listing(&scope, resource_type))
                    .await
                    .map_err(unavailable)?,
            )
        } else {
            None
        };
        let registry = listing.as_deref().map(Vec::as_slice).unwrap_or(&[]);
        return match allowed_ids(
            policy,
            *permission,
            &scope,
            resource_type,
            restriction,
            registry,
        ) {
            AllowedIds::Denied => Err(deny(
                gw,
                request_id,
                route,
                who,
                &scope,
                resource_type,
                None,
                &Attributes::new(),
                policy,
            )),
            ids => Ok(ids.header_value()),
        };
    }
    let identifier = resource_param.as_deref().and_then(|p| params.get(p));
    let mut attributes = Attributes::new();
    if let (true, Some(id)) = (needs_registry, identifier) {
        attributes = (*Box::pin(gw.authz.attributes(&scope, resource_type, id))
            .await
            .map_err(unavailable)?)
        .clone();
    }
    for (name, source) in &route.attributes {
        let value = match source {
            AttributeSource::Param(p) => params.get(p).unwrap_or_default().to_owned(),
            AttributeSource::Literal(v) => v.clone(),
        };
        attributes.insert(name.clone(), value);
    }
    let request = Request {
        permission: *permission,
        resource: Resource {
            scope: &scope,
            resource_type,
            identifier,
            attributes: &attributes,
        },
        restriction,
    };
    if check(policy, &request).is_allowed() {
        Ok(None)
    } else {
        Err(deny(
            gw,
            request_id,
            route,
            who,
            &scope,
            resource_type,
            identifier,
            &attributes,
            policy,
        ))
    }
}

/// Builds the 403, queues the audit entry (off the request path) and logs the reason.
#[allow(clippy::too_many_arguments)]
fn deny(
    gw: &Gateway,
    request_id: &RequestId,
    route: &Route,
    who: &Authenticated,
    scope: &Scope,
    resource_type: &str,
    identifier: Option<&str>,
    attributes: &Attributes,
    policy: &crate::policy::engine::PrincipalPolicy,
) -> (ApiError, Outcome) {
    let Access::Permission { permission, .. } = &route.access else {
        return fail(ApiError::unauthorized(), Outcome::Denied);
    };
    let perm = &catalogue().permission(*permission).identifier;
    let request = Request {
        permission: *permission,
        resource: Resource {
            scope,
            resource_type,
            identifier,
            attributes,
        },
        restriction: who.restriction.as_ref(),
    };
    let why = explain(policy, &request);
    let resource = match identifier {
        Some(id) => format!("{resource_type}/{id} in {scope}"),
        None => format!("{resource_type} in {scope}"),
    };
    let (account, org, project) = scope_cols(scope);
    gw.audit.push(NewAuditEvent {
        at: now_ms(),
        account,
        org,
        project,
        principal_type: who.principal.principal_type.as_str().to_owned(),
        principal_identifier: who.principal.identifier.to_string(),
        action: "gateway.request".into(),
        resource_type: resource_type.to_owned(),
        resource_identifier: identifier.unwrap_or_default().to_owned(),
        outcome: "denied".into(),
        reason: why.reason.clone(),
        request_id: request_id.as_str().to_owned(),
        before: None,
        after: serde_json::to_string(&serde_json::json!({"route": route.label, "permission": perm, "near_misses": why.near_misses})).ok(),
    });
    tracing::info!(principal = %who.principal, permission = %perm, resource = %resource, reason = %why.reason, "access denied");
    let message = format!(
        "`{}` lacks permission `{perm}` on {resource}",
        who.principal
    );
    fail(
        ApiError::denied(message, Some(perm.clone()), Some(resource)),
        Outcome::Denied,
    )
}
