//! Operational endpoints (DESIGN §4.7): `/healthz` (process up), `/readyz` (database
//! reachable, routes compiled), `/metrics` (Prometheus text).

use std::sync::atomic::Ordering;

use actix_web::{web, HttpResponse};

use super::State;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<State>) -> HttpResponse {
    let db = state.db.clone();
    let db_ok = tokio::task::spawn_blocking(move || db.ping().is_ok())
        .await
        .unwrap_or(false);
    let routes = state.gateway.routes.routes().len();
    let body =
        serde_json::json!({"database": if db_ok { "ok" } else { "unreachable" }, "routes": routes});
    if db_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

pub async fn metrics(state: web::Data<State>) -> HttpResponse {
    let authz = &state.gateway.authz.stats;
    let authn = state.gateway.authn.stats();
    let extra = [
        (
            "scopegate_argon2_verifications_total",
            "argon2id verifications (token secrets and passwords)",
            state.gateway.authn.argon2_runs(),
        ),
        (
            "scopegate_credential_cache_hits_total",
            "credentials answered from the cache",
            authn.hits,
        ),
        (
            "scopegate_credential_cache_misses_total",
            "credentials that needed the database",
            authn.misses,
        ),
        (
            "scopegate_policy_cache_hits_total",
            "policy decisions from cached grants",
            authz.policy_hits.load(Ordering::Relaxed),
        ),
        (
            "scopegate_policy_cache_misses_total",
            "policy loads needed",
            authz.policy_misses.load(Ordering::Relaxed),
        ),
        (
            "scopegate_policy_db_loads_total",
            "grant loads from the database",
            authz.db_loads.load(Ordering::Relaxed),
        ),
    ];
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.gateway.metrics.render(&extra))
}
