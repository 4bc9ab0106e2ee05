//! L3 (rank 6) the gateway: actix's default service for every path that is not scopegate's
//! own. Small ordered stages (DESIGN §5, oathkeeper's pipeline): normalize the path →
//! match exactly one rule → authenticate → authorize → rewrite headers → forward → log.
//! A failing stage ends the request with the JSON error of §4.5; nothing unmatched,
//! unauthenticated or denied is ever forwarded.
//!
//! May import everything below it (policy, config, storage, authn, authz, web). Must
//! never import admin or app. The hot path of a repeat caller touches no database and
//! runs no argon2: credential cache → cached grants → precompiled route → pure decision.

pub mod audit;
pub mod decisions;
pub mod headers;
pub mod proxy;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};

use self::audit::DenyAudit;
use self::decisions::{Decision, DecisionLog};
use self::headers::{outgoing, Edge, Identity};
use self::proxy::{forward, prefetch, Clients, Upstream};
use crate::authn::credential::{extract, requested_account};
use crate::authn::{Authenticated, Authenticator, AuthnError};
use crate::authz::decide::Question;
use crate::authz::{Authz, AuthzError};
use crate::config::{Access, AttributeSource, Found, Route, RouteTable};
use crate::policy::engine::AllowedIds;
use crate::policy::permission::catalogue;
use crate::policy::resource_group::Attributes;
use crate::policy::route::{normalize_path, Params, PathError};
use crate::policy::{Identifier, Scope};
use crate::storage::audit::NewAuditEvent;
use crate::storage::columns::scope_cols;
use crate::web::client::TrustedProxies;
use crate::web::metrics::{Metrics, Outcome};
use crate::web::request_id::{self, RequestId};
use crate::web::{access_log, current_request_id, ApiError};

/// Everything the gateway needs, shared by all workers.
pub struct Gateway {
    pub routes: Arc<RouteTable>,
    pub authn: Arc<Authenticator>,
    pub authz: Arc<Authz>,
    pub upstreams: HashMap<String, Upstream>,
    pub trusted: TrustedProxies,
    pub metrics: Arc<Metrics>,
    pub audit: Arc<DenyAudit>,
    /// What the gateway decided, counted for what-if previews (DESIGN §4.8).
    pub decisions: Arc<DecisionLog>,
    pub tls: bool,
}

impl Gateway {
    /// Is this request the gateway's (an unsafe path, or one the route table matches)?
    /// Route rules never overlap scopegate's own paths (checked at start-up), so such a
    /// request can skip actix's router.
    /// Returns the normalization result for [`handle_normalized`], so it is done once.
    pub fn claims(&self, method: &str, raw_path: &str) -> Option<Result<String, PathError>> {
        match normalize_path(raw_path) {
            Err(e) => Some(Err(e)),
            Ok(path) => {
                (!matches!(self.routes.find(method, &path), Found::NotFound)).then_some(Ok(path))
            }
        }
    }
}

/// What the access log line says about one request.
struct Trace {
    request_id: RequestId,
    route: Option<usize>,
    principal: Option<crate::policy::role::Principal>,
    upstream_status: Option<u16>,
}

type Stage<T> = Result<T, (ApiError, Outcome)>;

fn fail(error: ApiError, outcome: Outcome) -> (ApiError, Outcome) {
    (error, outcome)
}

pub use crate::web::now_ms;

/// The default service: one request through all stages, then metrics and the log line.
pub async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    gw: web::Data<Gateway>,
    clients: web::Data<Clients>,
) -> HttpResponse {
    let normalized = normalize_path(req.uri().path());
    handle_normalized(req, payload, gw, clients, normalized).await
}

/// [`handle`] for a request whose path was already normalized (by [`Gateway::claims`]).
pub async fn handle_normalized(
    req: HttpRequest,
    payload: web::Payload,
    gw: web::Data<Gateway>,
    clients: web::Data<Clients>,
    normalized: Result<String, PathError>,
) -> HttpResponse {
    let started = Instant::now();
    let mut trace = Trace {
        request_id: request_id::current(),
        route: None,
        principal: None,
        upstream_status: None,
    };
    let (response, outcome) = match pipeline(
        &req, normalized, payload, &gw, &clients, &mut trace, started,
    )
    .await
    {
        Ok(done) => done,
        Err((error, outcome)) => (error.response(), outcome),
    };
    gw.metrics.route(trace.route).inc(outcome);
    access_log::record(&access_log::Entry {
        request_id: trace.request_id.as_str(),
        method: req.method().as_str(),
        path: req.path(),
        route: trace
            .route
            .and_then(|i| gw.routes.routes().get(i))
            .map(|r| r.label.as_str())
            .unwrap_or("-"),
        principal: trace.principal.as_ref(),
        outcome: outcome.as_str(),
        status: response.status().as_u16(),
        upstream_status: trace.upstream_status.unwrap_or(0),
        latency_us: started.elapsed().as_micros() as u64,
    });
    response
}

async fn pipeline(
    req: &HttpRequest,
    normalized: Result<String, PathError>,
    payload: web::Payload,
    gw: &Gateway,
    clients: &Clients,
    trace: &mut Trace,
    started: Instant,
) -> Stage<(HttpResponse, Outcome)> {
    let path = normalized.map_err(|e| {
        fail(
            ApiError::invalid(format!("unsafe path: {e}")),
            Outcome::BadRequest,
        )
    })?;
    let method = req.method().as_str();
    let (route, params) = match gw.routes.find(method, &path) {
        Found::Route { route, params } => (route, params),
        Found::MethodNotListed | Found::NotFound => {
            return Err(fail(
                ApiError::not_found(format!("no route for {method} {path}")),
                Outcome::NotFound,
            ));
        }
    };
    trace.route = Some(route.index);
    let pairs: Vec<(&str, &[u8])> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let credential = extract(&pairs).map_err(|e| authn_failure(e, trace))?;
    let account = requested_account(&pairs).map_err(|e| authn_failure(e, trace))?;
    let caller = match (&route.access, credential) {
        (Access::Public, _) => None,
        (_, None) => return Err(fail(ApiError::unauthorized(), Outcome::Unauthenticated)),
        (_, Some(c)) => {
            let now = now_ms();
            let who = gw
                .authn
                .authenticate(&c, account.as_deref(), now)
                .await
                .map_err(|e| authn_failure(e, trace))?;
            if gw.authz.is_stale(now) {
                return Err(fail(
                    ApiError::unavailable("policy store unavailable"),
                    Outcome::Unavailable,
                ));
            }
            trace.principal = Some(who.principal.clone());
            Some(who)
        }
    };
    let mut allowed_header = None;
    if let (Access::Permission { .. }, Some(who)) = (&route.access, &caller) {
        allowed_header = authorize(gw, route, &params, who).await?;
    }
    let decided = started.elapsed();
    gw.metrics.decision_seconds.observe(decided.as_secs_f64());
    let upstream = gw.upstreams.get(&route.upstream).ok_or_else(|| {
        fail(
            ApiError::internal("route names a missing upstream"),
            Outcome::UpstreamError,
        )
    })?;
    let client = clients.0.get(&route.upstream).ok_or_else(|| {
        fail(
            ApiError::internal("no client for upstream"),
            Outcome::UpstreamError,
        )
    })?;
    let out = outgoing(
        req,
        Edge {
            trusted: &gw.trusted,
            tls: gw.tls,
        },
        route.pass_authorization,
        &path,
        Identity {
            request_id: &trace.request_id,
            principal: caller.as_ref().map(|who| &who.principal),
            allowed_ids: allowed_header,
        },
    );
    let body = match prefetch(&out, payload).await {
        Ok(body) => body,
        Err(e) => {
            let mut response = e.response();
            response
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            return Ok((response, Outcome::BadRequest));
        }
    };
    let (response, status) = forward(client, upstream, out, body)
        .await
        .map_err(|e| fail(e, Outcome::UpstreamError))?;
    trace.upstream_status = Some(status.as_u16());
    let outcome = if caller.is_some() {
        Outcome::Allowed
    } else {
        Outcome::Public
    };
    Ok((response, outcome))
}

fn authn_failure(error: AuthnError, trace: &Trace) -> (ApiError, Outcome) {
    match error {
        AuthnError::TwoCredentials => fail(
            ApiError::invalid("send exactly one credential: x-api-key or Authorization"),
            Outcome::BadRequest,
        ),
        AuthnError::DuplicateAccountHeader => fail(
            ApiError::invalid("Harness-Account must appear at most once"),
            Outcome::BadRequest,
        ),
        AuthnError::Unavailable(cause) => {
            tracing::warn!(error = %cause, "authentication store unavailable");
            fail(
                ApiError::unavailable("authentication store unavailable"),
                Outcome::Unavailable,
            )
        }
        AuthnError::InvalidInput(msg) => fail(ApiError::invalid(msg), Outcome::BadRequest),
        other => {
            tracing::info!(reason = %other.reason(), route = ?trace.route, "authentication failed");
            fail(ApiError::unauthorized(), Outcome::Unauthenticated)
        }
    }
}

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

/// Decides a permission route through the one decision path (`authz::decide`); returns
/// the `X-Scopegate-Allowed-Ids` value for lists.
async fn authorize(
    gw: &Gateway,
    route: &Route,
    params: &Params<'_>,
    who: &Authenticated,
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
    let cached = gw.authz.policy(&who.principal).await.map_err(|e| match e {
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
        let ids = gw
            .authz
            .allowed_ids(policy, restriction, *permission, &scope, resource_type)
            .await
            .map_err(|_| unavailable())?;
        record(gw, who, &question, ids != AllowedIds::Denied);
        return match ids {
            AllowedIds::Denied => Err(deny(gw, route, who, &question, policy).await),
            ids => Ok(ids.header_value()),
        };
    }
    let decision = gw
        .authz
        .check(policy, restriction, &question)
        .await
        .map_err(|_| unavailable())?;
    record(gw, who, &question, decision.is_allowed());
    if decision.is_allowed() {
        Ok(None)
    } else {
        Err(deny(gw, route, who, &question, policy).await)
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

/// Builds the 403, queues the audit entry (off the request path) and logs the reason.
async fn deny(
    gw: &Gateway,
    route: &Route,
    who: &Authenticated,
    question: &Question<'_>,
    policy: &crate::policy::engine::PrincipalPolicy,
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
        request_id: current_request_id(),
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
