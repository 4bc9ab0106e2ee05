//! The audit log: `GET /v1/audit-events` (needs `core_audit_view` at the account), newest
//! first, paged in SQL with the Harness list headers. Filters (all optional, combined with
//! AND): `principal` (identifier), `action`, `resource_type`, `outcome` (`allowed` or
//! `denied`), `request_id` (the id a response carried: a 403's `request_id`), `from` and
//! `to` (inclusive, epoch milliseconds); `page` and `limit` follow the
//! list rules (limit 1–100, page ≥ 0). `before` and `after` are answered as JSON when they
//! were stored as JSON.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::audit;
use super::context::Caller;
use super::list::{page_response, ListQuery};
use super::{resource, AdminState};
use crate::storage::audit::{AuditEvent, AuditFilter};
use crate::web::ApiError;

/// Who acted.
#[derive(Serialize, ToSchema)]
pub struct AuditPrincipal {
    /// `USER`, `SERVICE_ACCOUNT`; empty for unauthenticated requests.
    #[serde(rename = "type")]
    pub principal_type: String,
    pub identifier: String,
}

/// One audit event.
#[derive(Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: i64,
    /// Epoch milliseconds.
    pub at: i64,
    pub account: String,
    pub org: Option<String>,
    pub project: Option<String>,
    pub principal: AuditPrincipal,
    /// `role.create`, `permission_split.update`, `gateway.request`, …
    pub action: String,
    pub resource_type: String,
    pub resource_identifier: String,
    /// `allowed` or `denied`.
    pub outcome: String,
    pub reason: String,
    pub request_id: String,
    /// The state before the change (JSON when stored as JSON).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The state after the change (JSON when stored as JSON).
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn json_or_text(s: Option<String>) -> Option<Value> {
    s.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn out(e: AuditEvent) -> AuditEventOut {
    AuditEventOut {
        id: e.id,
        at: e.at,
        account: e.account,
        org: non_empty(e.org),
        project: non_empty(e.project),
        principal: AuditPrincipal {
            principal_type: e.principal_type,
            identifier: e.principal_identifier,
        },
        action: e.action,
        resource_type: e.resource_type,
        resource_identifier: e.resource_identifier,
        outcome: e.outcome,
        reason: e.reason,
        request_id: e.request_id,
        before: json_or_text(e.before),
        after: json_or_text(e.after),
    }
}

/// Reads the filters from the list query; `from`/`to` must be integers.
fn filter_of(q: &ListQuery) -> Result<AuditFilter, ApiError> {
    let text = |key: &str| {
        q.params
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let millis = |key: &str| -> Result<Option<i64>, ApiError> {
        text(key)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::invalid(format!(
                        "`{key}` must be an integer (epoch milliseconds), got `{v}`"
                    ))
                })
            })
            .transpose()
    };
    let f = AuditFilter {
        principal: text("principal"),
        action: text("action"),
        resource_type: text("resource_type"),
        outcome: text("outcome").map(|o| o.to_ascii_lowercase()),
        request_id: text("request_id"),
        from: millis("from")?,
        to: millis("to")?,
    };
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if from > to {
            return Err(ApiError::invalid(format!(
                "`from` ({from}) is after `to` ({to})"
            )));
        }
    }
    Ok(f)
}

#[utoipa::path(get, path = "/v1/audit-events", tag = "Audit",
    params(
        ("principal" = Option<String>, Query, description = "Identifier of the acting principal"),
        ("action" = Option<String>, Query, description = "e.g. role.create"),
        ("resource_type" = Option<String>, Query),
        ("outcome" = Option<String>, Query, description = "allowed or denied"),
        ("request_id" = Option<String>, Query, description = "The request id of the event (a 403's `request_id`, the `X-Request-Id` header)"),
        ("from" = Option<i64>, Query, description = "Earliest time, epoch milliseconds (inclusive)"),
        ("to" = Option<i64>, Query, description = "Latest time, epoch milliseconds (inclusive)"),
        ("page" = Option<i64>, Query),
        ("limit" = Option<i64>, Query)
    ),
    responses((status = 200, body = [AuditEventOut]), (status = 400), (status = 403)))]
pub async fn list_audit_events(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let filter = filter_of(&q)?;
    caller
        .require("core_audit_view", &caller.account_scope(), "AUDIT", None)
        .await?;
    let account = caller.account().to_string();
    let (page, limit) = (q.page, q.limit);
    let (rows, total) = audit::read(&state, move |c| {
        Ok(AuditEvent::list(c, &account, &filter, page, limit)?)
    })
    .await?;
    let events: Vec<AuditEventOut> = rows.into_iter().map(out).collect();
    Ok(page_response(&events, total, page, limit))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/audit-events").route(web::get().to(list_audit_events)));
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_audit_events),
    components(schemas(AuditEventOut, AuditPrincipal))
)]
pub struct AuditEventsApi;
