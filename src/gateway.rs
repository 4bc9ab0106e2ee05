//! L3 (rank 6) the gateway: every request of the main listener enters through
//! [`entry::Entry`], which matches it against the route table once; a request the table
//! claims runs the gateway's small ordered stages (DESIGN §5, oathkeeper's pipeline):
//! match (done by the entry) → authenticate → authorize → [decision log] → rewrite headers
//! → forward → count and log. A failing stage ends the request with the JSON error of §4.5;
//! nothing unmatched, unauthenticated or denied is ever forwarded. Everything else (admin
//! API, operational endpoints, unknown paths) goes on to actix-web's router.
//!
//! May import everything below it (policy, config, storage, authn, authz, web). Must
//! never import admin or app, and never match a request a second time. The hot path of a
//! repeat caller touches no database and runs no argon2: credential cache → cached grants →
//! precompiled route → pure decision.

pub mod audit;
mod authorize;
pub mod deadline;
pub mod decisions;
pub mod entry;
pub mod headers;
pub mod proxy;
mod upstream_h1;

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_http::Request;
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, RequestHead, Response};
use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use self::audit::DenyAudit;
use self::headers::{outgoing, Edge, Identity};
use self::proxy::{forward, prefetch, Clients, RequestBody, Upstream};
use crate::authn::credential::{
    extract, requested_account, ACCOUNT_HEADER, API_KEY_HEADER, AUTHORIZATION_HEADER,
};
use crate::authn::AuthnError;
use crate::config::{Access, Claim, RouteTable};
use crate::policy::role::Principal;
use crate::policy::route::normalize_path;
use crate::web::client::TrustedProxies;
use crate::web::metrics::{Metrics, Outcome};
use crate::web::request_id::{self, RequestId};
use crate::web::{access_log, ApiError};

pub use crate::web::now_ms;

/// Everything the gateway needs, shared by all workers.
pub struct Gateway {
    pub routes: Arc<RouteTable>,
    pub authn: Arc<crate::authn::Authenticator>,
    pub authz: Arc<crate::authz::Authz>,
    /// Indexed by `Route::upstream_index` (the configured upstreams in name order).
    pub upstreams: Vec<Upstream>,
    pub trusted: TrustedProxies,
    pub metrics: Arc<Metrics>,
    pub audit: Arc<DenyAudit>,
    /// What the gateway decided, counted for what-if previews (DESIGN §4.8).
    pub decisions: Arc<decisions::DecisionLog>,
    pub tls: bool,
}

/// What the access log line says about one request.
struct Trace {
    request_id: RequestId,
    route: Option<usize>,
    principal: Option<Principal>,
    upstream_status: Option<u16>,
}

type Stage<T> = Result<T, (ApiError, Outcome)>;

fn fail(error: ApiError, outcome: Outcome) -> (ApiError, Outcome) {
    (error, outcome)
}

/// Runs one request that the route table claimed through all stages, counts it, writes
/// its access line and adds the entry's headers. Called by [`entry::Entry`] with the
/// request's only match. One async function for the whole request (stages that would
/// await something large box it): each nested future would be one more copy of its state
/// per request.
pub(crate) async fn serve<E: entry::Edge>(
    gw: Arc<Gateway>,
    clients: Rc<Clients>,
    edge: Arc<E>,
    mut req: Request,
    claim: Claim,
    request_id: RequestId,
    origin: Option<HeaderValue>,
) -> Result<Response<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let mut trace = Trace {
        request_id,
        route: None,
        principal: None,
        upstream_status: None,
    };
    let payload = req.take_payload();
    let head = req.head();
    let (response, outcome) =
        match pipeline(head, claim, payload, &gw, &clients, &mut trace, started).await {
            Ok(done) => done,
            Err((mut error, outcome)) => {
                // No task-local request id on this path: the error carries the trace's.
                error.request_id = trace.request_id.as_str().to_owned();
                (error.response(), outcome)
            }
        };
    finish(&gw, &trace, head, &response, outcome, started);
    Ok(entry::finish(
        &*edge,
        &trace.request_id,
        origin.as_ref(),
        response.into(),
    ))
}
/// Counts the request and writes its access line.
fn finish(
    gw: &Gateway,
    trace: &Trace,
    head: &RequestHead,
    response: &HttpResponse,
    outcome: Outcome,
    started: Instant,
) {
    gw.metrics.route(trace.route).inc(outcome);
    access_log::record(&access_log::Entry {
        request_id: trace.request_id.as_str(),
        method: head.method.as_str(),
        path: head.uri.path(),
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
}

/// actix-web's default service: a request that neither the route table (the entry asked
/// it already) nor scopegate's own routes match. Answers the gateway's 404 without
/// matching again.
pub async fn unmatched(req: HttpRequest, gw: web::Data<Gateway>) -> HttpResponse {
    let started = Instant::now();
    let trace = Trace {
        request_id: request_id::current(),
        route: None,
        principal: None,
        upstream_status: None,
    };
    let path = normalize_path(req.path());
    let path = path.as_deref().unwrap_or(req.path());
    let response = ApiError::not_found(format!("no route for {} {path}", req.method())).response();
    finish(
        &gw,
        &trace,
        req.head(),
        &response,
        Outcome::NotFound,
        started,
    );
    response
}

async fn pipeline(
    head: &RequestHead,
    claim: Claim,
    payload: Payload,
    gw: &Gateway,
    clients: &Clients,
    trace: &mut Trace,
    started: Instant,
) -> Stage<(HttpResponse, Outcome)> {
    let method = head.method.as_str();
    let matched = match claim {
        Claim::Route(matched) => matched,
        Claim::Unsafe(e) => {
            return Err(fail(
                ApiError::invalid(format!("unsafe path: {e}")),
                Outcome::BadRequest,
            ))
        }
        Claim::MethodNotListed(path) => {
            return Err(fail(
                ApiError::not_found(format!("no route for {method} {path}")),
                Outcome::NotFound,
            ))
        }
        Claim::NotFound => {
            return Err(fail(
                ApiError::not_found(format!("no route for {method} {}", head.uri.path())),
                Outcome::NotFound,
            ))
        }
    };
    let (route, params) = (matched.route(), matched.params());
    trace.route = Some(route.index);
    let (credential, account) = credential_headers(&head.headers, |pairs| {
        Ok((extract(pairs)?, requested_account(pairs)?))
    })
    .map_err(|e| authn_failure(e, trace))?;
    let caller = match (&route.access, credential) {
        (Access::Public, _) => None,
        (_, None) => return Err(fail(ApiError::unauthorized(), Outcome::Unauthenticated)),
        (_, Some(c)) => {
            let now = now_ms();
            let account = account.as_deref();
            let who = match gw.authn.authenticate_cached(&c, account, now) {
                Some(answer) => answer,
                None => Box::pin(gw.authn.authenticate(&c, account, now)).await,
            }
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
    let mut authorized = authorize::Authorized::default();
    if let (Access::Permission { .. }, Some(who)) = (&route.access, &caller) {
        authorized = authorize::authorize(gw, route, &params, who, &trace.request_id).await?;
    }
    let decided = Instant::now();
    gw.metrics
        .decision_seconds
        .observe(decided.duration_since(started).as_secs_f64());
    let Some(upstream) = gw.upstreams.get(route.upstream_index) else {
        return Err(fail(
            ApiError::internal("route names a missing upstream"),
            Outcome::UpstreamError,
        ));
    };
    let out = outgoing(
        head,
        Edge {
            trusted: &gw.trusted,
            tls: gw.tls,
        },
        route.pass_authorization,
        matched.path(),
        Identity {
            request_id: &trace.request_id,
            principal: caller.as_ref().map(|who| &who.principal),
            allowed_ids: authorized.allowed_ids,
            shadow: authorized.shadow,
        },
    );
    let body = if !out.has_body {
        RequestBody::Empty
    } else {
        match prefetch(&out, payload).await {
            Ok(body) => body,
            Err(mut e) => {
                e.request_id = trace.request_id.as_str().to_owned();
                let mut response = e.response();
                response
                    .head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
                return Ok((response, Outcome::BadRequest));
            }
        }
    };
    let (response, status) = forward(clients, route.upstream_index, upstream, out, body, decided)
        .await
        .map_err(|e| fail(e, Outcome::UpstreamError))?;
    trace.upstream_status = Some(status.as_u16());
    let outcome = match (&caller, authorized.shadow) {
        (_, Some(false)) => Outcome::WouldDeny,
        (Some(_), _) => Outcome::Allowed,
        (None, _) => Outcome::Public,
    };
    Ok((response, outcome))
}

/// Runs `f` over the request's credential and account headers as `(name, value)` pairs,
/// kept on the stack (a request carries one or two of them).
fn credential_headers<T>(
    headers: &HeaderMap,
    f: impl FnOnce(&[(&str, &[u8])]) -> Result<T, AuthnError>,
) -> Result<T, AuthnError> {
    const ROOM: usize = 4;
    let mut pairs: [(&str, &[u8]); ROOM] = [("", &[]); ROOM];
    let mut len = 0;
    for (name, value) in headers.iter() {
        let name = name.as_str();
        if name == API_KEY_HEADER || name == AUTHORIZATION_HEADER || name == ACCOUNT_HEADER {
            if len == ROOM {
                // More than a well-formed request has: let the checks see all of them.
                let all: Vec<(&str, &[u8])> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_bytes()))
                    .collect();
                return f(&all);
            }
            pairs[len] = (name, value.as_bytes());
            len += 1;
        }
    }
    f(&pairs[..len])
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
