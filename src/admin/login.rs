//! `POST /v1/auth/login` `{email, password, account?}` → 200 `{token, expires_at}`
//! (DESIGN §4.3): scopegate's own HS256 JWT, usable as `Authorization: Bearer` on the
//! gateway and the admin API. No credential is needed. The account comes from
//! `Harness-Account` or the `account` field (one of them is required; both must agree).
//! Failed logins are throttled per (email, client address), the address being the TCP peer
//! or, behind a trusted proxy (`gateway.trusted_proxies`), the nearest untrusted
//! `X-Forwarded-For` entry: a throttled attempt answers 429 with `Retry-After`, a wrong one
//! 401 `invalid credentials` whatever the cause. The password is never logged or kept.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::JsonBody;
use super::{resource, AdminState};
use crate::authn::requested_account;
use crate::web::client::TrustedProxies;
use crate::web::now_ms;
use crate::web::ApiError;

/// `POST /v1/auth/login`. No `Debug`: it holds the password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The account, when no `Harness-Account` header is sent.
    #[serde(default)]
    pub account: Option<String>,
}

/// A login token. No `Debug`: it holds the token.
#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    /// An HS256 JWT for `Authorization: Bearer`.
    pub token: String,
    /// Expiry, epoch milliseconds.
    pub expires_at: i64,
}

/// The account of the login: the header's, the body's, or 400.
fn account_of(req: &HttpRequest, field: Option<String>) -> Result<String, ApiError> {
    let pairs: Vec<(&str, &[u8])> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let header = requested_account(&pairs).map_err(|e| match e {
        crate::authn::AuthnError::DuplicateAccountHeader => {
            ApiError::invalid("Harness-Account must appear at most once")
        }
        other => ApiError::invalid(other.to_string()),
    })?;
    match (header, field) {
        (Some(h), Some(f)) if h != f => Err(ApiError::invalid(format!(
            "`account` `{f}` differs from Harness-Account `{h}`"
        ))),
        (Some(h), _) => Ok(h),
        (None, Some(f)) => Ok(f),
        (None, None) => Err(ApiError::invalid(
            "the account is required: send Harness-Account or an `account` field",
        )),
    }
}

/// The client address the throttle keys on.
pub(super) fn client_ip(req: &HttpRequest, state: &AdminState) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let chain: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let chain = (!chain.is_empty()).then(|| chain.join(", "));
    TrustedProxies::parse(&state.config.gateway.trusted_proxies).client_ip(peer, chain.as_deref())
}

#[utoipa::path(post, path = "/v1/auth/login", tag = "Authentication", request_body = LoginRequest, security(()), params(("Harness-Account" = Option<String>, Header)), responses((status = 200, description = "A login token (HS256 JWT)", body = LoginAnswer), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 401, description = "UNAUTHORIZED: invalid credentials"), (status = 429, description = "TOO_MANY_REQUESTS: failed logins throttled (see Retry-After)")))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AdminState>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let f = body.0;
    let account = account_of(&req, f.account)?;
    let client = client_ip(&req, &state);
    let email = f.email.trim().to_lowercase();
    let issued = state
        .authn
        .login(&account, &email, &f.password, client, now_ms())
        .await?;
    Ok(HttpResponse::Ok().json(LoginAnswer {
        token: issued.token,
        expires_at: issued.expires_at_ms,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/auth/login").route(web::post().to(login)));
}

/// The OpenAPI path of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(login), components(schemas(LoginRequest, LoginAnswer)))]
pub struct LoginApi;
