//! The authorization stage of the gateway: the scope a route's path names, the cached
//! policy of the caller, the decision through the one decision path (`authz::decide`: the
//! registry's attributes when a grant filters the type by attribute, the route's own
//! attributes over them, then the engine), the decision log's count and, on deny, the 403
//! that names permission and resource plus its audit entry (queued, written off the
//! request path) and log line.
//!
//! On a report-only route (DESIGN §4.8) a deny is counted (`would_deny`), logged with its
//! reason and turned into a shadow decision: the request goes on, the backend told
//! `X-Scopegate-Shadow-Decision: deny`.
//!
//! Must never do I/O itself beyond the authz caches (which load on a miss), never forward,
//! and never answer anything but allow (with the list header), a shadow decision or a
//! refusal.

use super::decisions::Decision;
use super::{fail, now_ms, Gateway, Stage};
use crate::authn::Authenticated;
use crate::authz::decide::Question;
use crate::authz::{Authz, AuthzError};
use crate::config::{Access, AttributeSource, Route};
use crate::policy::engine::{AllowedIds, PrincipalPolicy};
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

/// What the authorize stage lets through: the list header, and on report-only routes the
/// decision the backend is told about.
#[derive(Debug, Default)]
pub(super) struct Authorized {
    /// `X-Scopegate-Allowed-Ids` on list routes (none on a shadow deny).
    pub allowed_ids: Option<String>,
    /// `Some(allowed)` on a report-only route: `X-Scopegate-Shadow-Decision`.
    pub shadow: Option<bool>,
}

/// Decides a permission route through the one decision path (`authz::decide` and the
/// engine); returns the `X-Scopegate-Allowed-Ids` value for lists and, on a report-only
/// route, the shadow decision instead of a refusal. The cache answers a
/// repeat caller and a decision that needs no registry read without awaiting; a miss (a
/// first request, a policy epoch change) and registry lookups are boxed, so the request's
/// future stays small. Every decision is counted in the decision log.
pub(super) async fn authorize(
    gw: &Gateway,
    route: &Route,
    params: &Params<'_>,
    who: &Authenticated,
    request_id: &RequestId,
) -> Stage<Authorized> {
    let Access::Permission {
        permission,
        resource_type,
        resource_param,
        list,
    } = &route.access
    else {
        return Ok(Authorized::default());
    };
    let scope =
        route_scope(who.principal.account(), params).map_err(|e| fail(e, Outcome::BadRequest))?;
    let cached = match gw.authz.acting_now(&who.principal) {
        Some(hit) => hit,
        None => Box::pin(gw.authz.policy(&who.principal)).await,
    };
    let cached = cached.map_err(|e| match e {
        AuthzError::UnknownPrincipal(_) | AuthzError::Disabled(_) => {
            fail(ApiError::unauthorized(), Outcome::Unauthenticated)
        }
        AuthzError::Unavailable(_) => unavailable(),
    })?;
    let policy = &cached.policy;
    let restriction = who.restriction.as_ref();
    let given = route_attributes(route, params);
    let question = Question {
        permission: *permission,
        scope: &scope,
        resource_type,
        identifier: if *list {
            None
        } else {
            resource_param.as_deref().and_then(|p| params.get(p))
        },
        given: given.as_ref(),
    };
    if *list {
        let ids =
            match Authz::allowed_ids_now(policy, restriction, *permission, &scope, resource_type) {
                Some(ids) => ids,
                None => Box::pin(gw.authz.allowed_ids(
                    policy,
                    restriction,
                    *permission,
                    &scope,
                    resource_type,
                ))
                .await
                .map_err(|_| unavailable())?,
            };
        record(gw, who, &question, ids != AllowedIds::Denied);
        return match ids {
            AllowedIds::Denied if route.report => {
                Ok(Box::pin(shadow_deny(gw, route, who, &question, policy)).await)
            }
            AllowedIds::Denied => {
                Err(Box::pin(deny(gw, request_id, route, who, &question, policy)).await)
            }
            ids => Ok(Authorized {
                allowed_ids: ids.header_value(),
                shadow: route.report.then_some(true),
            }),
        };
    }
    let decision = match Authz::check_now(policy, restriction, &question) {
        Some(d) => d,
        None => Box::pin(gw.authz.check(policy, restriction, &question))
            .await
            .map_err(|_| unavailable())?,
    };
    record(gw, who, &question, decision.is_allowed());
    if decision.is_allowed() {
        Ok(Authorized {
            allowed_ids: None,
            shadow: route.report.then_some(true),
        })
    } else if route.report {
        Ok(Box::pin(shadow_deny(gw, route, who, &question, policy)).await)
    } else {
        Err(Box::pin(deny(gw, request_id, route, who, &question, policy)).await)
    }
}

/// A deny on a report-only route: counted and logged with the reason the 403 would give,
/// and let through as a shadow deny. No deny audit entry: nothing was refused. When the
/// reason cannot be worked out (policy store down) the line says so; the request still
/// goes on, as report mode promises.
async fn shadow_deny(
    gw: &Gateway,
    route: &Route,
    who: &Authenticated,
    question: &Question<'_>,
    policy: &PrincipalPolicy,
) -> Authorized {
    gw.metrics.would_deny.inc();
    let perm = &catalogue().permission(question.permission).identifier;
    let reason = match gw
        .authz
        .explain(policy, who.restriction.as_ref(), question)
        .await
    {
        Ok(why) => why.reason,
        Err(_) => "policy store unavailable".to_owned(),
    };
    tracing::info!(
        principal = %who.principal,
        permission = %perm,
        resource = %resource_text(question),
        route = %route.label,
        reason = %reason,
        "would deny (report-only route): forwarded"
    );
    Authorized {
        allowed_ids: None,
        shadow: Some(false),
    }
}

/// `SEI_TEAM/team-a in acme/eng/web`, or the type alone for lists.
fn resource_text(q: &Question<'_>) -> String {
    match q.identifier {
        Some(id) => format!("{}/{id} in {}", q.resource_type, q.scope),
        None => format!("{} in {}", q.resource_type, q.scope),
    }
}

/// Counts the decision in the decision log (the hot path's part of what-if).
fn record(gw: &Gateway, who: &Authenticated, q: &Question<'_>, allowed: bool) {
    gw.decisions.record(&Decision {
        who,
        permission: q.permission,
        scope: q.scope,
        resource_type: q.resource_type,
        identifier: q.identifier,
        attributes: q.given,
        allowed,
    });
}

fn unavailable() -> (ApiError, Outcome) {
    fail(
        ApiError::unavailable("policy store unavailable"),
        Outcome::Unavailable,
    )
}

/// The attributes a route gives its resource (`attributes = { team = "{team}" }`), if any.
fn route_attributes(route: &Route, params: &Params<'_>) -> Option<Attributes> {
    if route.attributes.is_empty() {
        return None;
    }
    Some(
        route
            .attributes
            .iter()
            .map(|(name, source)| {
                let value = match source {
                    AttributeSource::Param(p) => params.get(p).unwrap_or_default().to_owned(),
                    AttributeSource::Literal(v) => v.clone(),
                };
                (name.clone(), value)
            })
            .collect(),
    )
}

/// Builds the 403 (with the reason from the one decision path), queues the audit entry
/// (off the request path) and logs the reason.
async fn deny(
    gw: &Gateway,
    request_id: &RequestId,
    route: &Route,
    who: &Authenticated,
    question: &Question<'_>,
    policy: &PrincipalPolicy,
) -> (ApiError, Outcome) {
    let perm = &catalogue().permission(question.permission).identifier;
    let why = match gw
        .authz
        .explain(policy, who.restriction.as_ref(), question)
        .await
    {
        Ok(why) => why,
        Err(_) => return unavailable(),
    };
    let (scope, resource_type, identifier) =
        (question.scope, question.resource_type, question.identifier);
    let resource = resource_text(question);
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
