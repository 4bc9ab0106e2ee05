//! What-if previews (DESIGN §4.8): `POST /v1/policy/preview` and
//! `GET /v1/settings/permission-splits/{resource_type}/preview`.
//!
//! The changes run as the caller's own writes would: each one is sent, with the caller's
//! own credential, through the admin API's real write handlers (same permissions, same
//! no-escalation guard, same validation), but on a database that is a preview: one
//! connection inside a transaction that is always rolled back (`storage::PreviewDb`), so
//! nothing is written and no cache or epoch moves. The first change that fails answers
//! its own 4xx (naming its index) and nothing is previewed. Then every decision-log row
//! since `since` is decided again through the one decision path on that database
//! (`authz::whatif`), and the flips are answered. Needs `core_audit_view` at the account
//! besides what the changes need.

use std::sync::Arc;

use actix_service::IntoServiceFactory;
use actix_web::body::to_bytes;
use actix_web::dev::{AppConfig, Service, ServiceFactory};
use actix_web::http::{header, Method};
use actix_web::{web, App, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::body::JsonBody;
use super::context::{authz_unavailable, Caller};
use super::scope::path_param;
use super::{resource, AdminState};
use crate::authn::epochs::EpochWatch;
use crate::authz::whatif::{Flip, WhatIf};
use crate::authz::Authz;
use crate::policy::split::{pair_index, split_pairs};
use crate::storage::decisions::HOUR_MS;
use crate::web::{now_ms, ApiError};

/// Most changes one preview may carry.
pub const MAX_CHANGES: usize = 100;

/// One admin write to preview.
#[derive(Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct ChangeIn {
    /// `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// An admin API path of the caller's account, e.g. `/v1/role-assignments/viewer_alice`.
    pub path: String,
    /// The JSON body the write takes, if any.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub body: Option<Value>,
}

/// `POST /v1/policy/preview`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// 1 to 100 changes, applied in order.
    pub changes: Vec<ChangeIn>,
    /// Decisions logged since this time (epoch milliseconds); default: the retention window.
    #[serde(default, deserialize_with = "crate::admin::body::integer")]
    pub since: Option<i64>,
}

/// How one change answered inside the preview.
#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// Requests whose outcome the changes flip.
#[derive(Serialize, ToSchema)]
pub struct FlipOut {
    /// `USER:alice`.
    pub principal: String,
    pub permission: String,
    /// `SEI_TEAM/team-a in acme/eng/web`.
    pub resource: String,
    pub requests: i64,
    pub last_seen: i64,
}

/// The answer of a preview.
#[derive(Serialize, ToSchema)]
pub struct PreviewResponse {
    /// Decision-log rows decided again.
    pub evaluated: usize,
    /// Requests those rows stand for.
    pub requests: i64,
    pub changes: Vec<ChangeOut>,
    /// By requests, descending; at most 1000.
    pub newly_denied: Vec<FlipOut>,
    pub newly_allowed: Vec<FlipOut>,
    pub truncated: bool,
}

fn flips(list: Vec<Flip>) -> Vec<FlipOut> {
    list.into_iter()
        .map(|f| FlipOut {
            principal: f.principal,
            permission: f.permission,
            resource: f.resource,
            requests: f.requests,
            last_seen: f.last_seen,
        })
        .collect()
}

/// Paths of reads, sessions and previews: not writes a preview can make.
const NOT_WRITES: &[&str] = &[
    "/v1/policy",
    "/v1/auth",
    "/v1/access",
    "/v1/principals",
    "/v1/audit-events",
    "/v1/permissions",
];

/// 400 naming the change when it cannot be a write of this account's admin API.
fn check_change(i: usize, c: &ChangeIn) -> Result<Method, ApiError> {
    let bad = |why: String| ApiError::invalid(format!("change {i}: {why}"));
    let method = match c.method.to_ascii_uppercase().as_str() {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        _ => {
            return Err(bad(format!(
                "unknown method `{}`: use POST, PUT or DELETE",
                c.method
            )))
        }
    };
    let path = c.path.split('?').next().unwrap_or_default();
    if !path.starts_with("/v1/") || NOT_WRITES.iter().any(|p| path.starts_with(p)) {
        return Err(bad(format!(
            "`{}` is not an admin write path of this account",
            c.path
        )));
    }
    if c.body.as_ref().is_some_and(|b| !b.is_object()) {
        return Err(bad("`body` must be a JSON object".into()));
    }
    Ok(method)
}

/// The default retention window's start.
fn default_since(state: &AdminState, now: i64) -> i64 {
    let hours = state.config.audit.decision_retention_hours as i64;
    now - hours.saturating_mul(HOUR_MS)
}

#[utoipa::path(post, path = "/v1/policy/preview", tag = "Policy preview",
    request_body = PreviewRequest,
    responses((status = 200, body = PreviewResponse, description = "Flips of the logged decisions; nothing written"),
        (status = 400, description = "INVALID_REQUEST: a change that is not an admin write of this account, an unknown method, a malformed body, more than 100 changes (the message names the change's index)"),
        (status = 403, description = "ACCESS_DENIED: `core_audit_view`, or what a change needs (named in the body)"),
        (status = 404, description = "NOT_FOUND: a change names something that does not exist"),
        (status = 409, description = "CONFLICT: a change conflicts (e.g. the last account admin)")))]
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<PreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    if request.changes.is_empty() || request.changes.len() > MAX_CHANGES {
        return Err(ApiError::invalid(format!(
            "`changes` must hold 1 to {MAX_CHANGES} changes, got {}",
            request.changes.len()
        )));
    }
    let since = request
        .since
        .unwrap_or_else(|| default_since(&state, now_ms()));
    let answer = run(&req, &state, &caller, request.changes, since).await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(get, path = "/v1/settings/permission-splits/{resource_type}/preview", tag = "Policy preview",
    params(("resource_type" = String, Path, description = "The pair's resource type, any case (`PIPELINE`)"),
        ("since" = Option<i64>, Query, description = "Epoch milliseconds; default: the retention window")),
    responses((status = 200, body = PreviewResponse, description = "What moving the pair to `enforced` would flip; nothing written"),
        (status = 400, description = "INVALID_REQUEST"), (status = 403, description = "ACCESS_DENIED"),
        (status = 404, description = "NOT_FOUND: no such split pair")))]
pub async fn split_preview(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let ty = path_param(&req, "resource_type");
    let pair = pair_index(&ty).map_err(|_| {
        ApiError::not_found(format!("no permission split for resource type `{ty}`"))
    })?;
    let since = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "since")
        .map(|(_, v)| {
            v.parse::<i64>().map_err(|_| {
                ApiError::invalid(format!("`since` must be epoch milliseconds, got `{v}`"))
            })
        })
        .transpose()?
        .unwrap_or_else(|| default_since(&state, now_ms()));
    let change = ChangeIn {
        method: "PUT".into(),
        path: "/v1/settings/permission-splits".into(),
        body: Some(
            json!({"resource_type": split_pairs()[pair].resource_type, "phase": "enforced"}),
        ),
    };
    let answer = run(&req, &state, &caller, vec![change], since).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Applies the changes on a preview database and decides the logged decisions again.
async fn run(
    req: &HttpRequest,
    state: &AdminState,
    caller: &Caller,
    changes: Vec<ChangeIn>,
    since: i64,
) -> Result<PreviewResponse, ApiError> {
    caller
        .require("core_audit_view", &caller.account_scope(), "AUDIT", None)
        .await?;
    let methods = changes
        .iter()
        .enumerate()
        .map(|(i, c)| check_change(i, c))
        .collect::<Result<Vec<_>, _>>()?;
    let db = state.db.clone();
    let preview = tokio::task::spawn_blocking(move || db.preview())
        .await
        .map_err(ApiError::internal)??;
    let result = apply_and_decide(req, state, caller, &preview, changes, methods, since).await;
    // The rollback is a database call: off the async workers.
    let _ = tokio::task::spawn_blocking(move || drop(preview)).await;
    result
}

async fn apply_and_decide(
    req: &HttpRequest,
    state: &AdminState,
    caller: &Caller,
    preview: &crate::storage::PreviewDb,
    changes: Vec<ChangeIn>,
    methods: Vec<Method>,
    since: i64,
) -> Result<PreviewResponse, ApiError> {
    let inner = web::Data::new(AdminState {
        config: state.config.clone(),
        db: preview.db(),
        authn: state.authn.clone(),
        authz: state.authz.clone(),
        routes: state.routes.clone(),
    });
    let app = App::new()
        .app_data(inner)
        .configure(super::configure_policy_writes)
        .default_service(web::to(not_a_write))
        .into_factory()
        .new_service(AppConfig::default())
        .await
        .map_err(|_| ApiError::internal("preview service could not start"))?;
    let mut done = Vec::with_capacity(changes.len());
    for (i, (change, method)) in changes.into_iter().zip(methods).enumerate() {
        let mut inner_req = actix_web::test::TestRequest::default()
            .method(method)
            .uri(&change.path);
        for name in ["x-api-key", "authorization", "harness-account"] {
            for value in req.headers().get_all(name) {
                inner_req = inner_req.insert_header((name, value.clone()));
            }
        }
        if let Some(body) = &change.body {
            inner_req = inner_req
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body.to_string());
        }
        let response = match app.call(inner_req.to_request()).await {
            Ok(r) => r.into_parts().1,
            Err(e) => e.error_response(),
        };
        let status = response.status();
        if !status.is_success() {
            let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
            return Err(change_error(i, &change, status.as_u16(), &bytes));
        }
        done.push(ChangeOut {
            method: change.method.to_ascii_uppercase(),
            path: change.path,
            status: status.as_u16(),
        });
    }
    let authz = Authz::new(preview.db(), Arc::new(EpochWatch::new()), 60, 30);
    let flipped: WhatIf = authz
        .what_if(caller.account().as_str(), since)
        .await
        .map_err(authz_unavailable)?;
    Ok(PreviewResponse {
        evaluated: flipped.evaluated,
        requests: flipped.requests,
        changes: done,
        newly_denied: flips(flipped.newly_denied),
        newly_allowed: flips(flipped.newly_allowed),
        truncated: flipped.truncated,
    })
}

/// The failing change's own error, its message naming the change.
fn change_error(i: usize, change: &ChangeIn, status: u16, body: &[u8]) -> ApiError {
    let mut e: ApiError = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            let code = serde_json::from_value(v.get("code")?.clone()).ok()?;
            let mut e = ApiError::new(code, v.get("message")?.as_str()?.to_owned());
            if v.get("permission").is_some() || v.get("resource").is_some() {
                let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
                e = ApiError::denied(e.message, text("permission"), text("resource"));
            }
            Some(e)
        })
        .unwrap_or_else(|| ApiError::invalid(format!("answered {status}")));
    if status == 404 && e.message.is_empty() {
        e = ApiError::invalid("not an admin write path of this account");
    }
    e.message = format!(
        "change {i} ({} {}): {}",
        change.method, change.path, e.message
    );
    e
}

async fn not_a_write() -> HttpResponse {
    ApiError::invalid("not an admin write path of this account").response()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/policy/preview").route(web::post().to(preview)))
        .service(
            resource("/v1/settings/permission-splits/{resource_type}/preview")
                .route(web::get().to(split_preview)),
        );
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(preview, split_preview),
    components(schemas(PreviewRequest, ChangeIn, PreviewResponse, ChangeOut, FlipOut))
)]
pub struct PreviewApi;
