//! Middleware for every request: the request id (task-local, echoed as `x-request-id`),
//! the header size limit (431), and CORS (preflights answered here, never forwarded).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse};

use crate::web::{ApiError, ErrorCode, RequestId};

/// Allowed browser origins (`gateway.cors_allowed_origins`).
#[derive(Clone, Debug, Default)]
pub struct Cors {
    pub origins: Vec<String>,
}

impl Cors {
    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin || o == "*")
    }
}

/// Settings the middleware needs.
#[derive(Clone, Debug)]
pub struct EdgeSettings {
    pub cors: Cors,
    pub max_header_bytes: usize,
}

const ALLOWED_HEADERS: &str =
    "authorization, x-api-key, content-type, harness-account, x-request-id";
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

fn header_bytes(req: &ServiceRequest) -> usize {
    req.headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum()
}

/// Answers before routing when the request must not go further.
fn early_answer(req: &ServiceRequest, edge: &EdgeSettings) -> Option<HttpResponse> {
    if header_bytes(req) > edge.max_header_bytes {
        return Some(
            ApiError::new(
                ErrorCode::RequestHeaderFieldsTooLarge,
                "request headers are too large",
            )
            .response(),
        );
    }
    let origin = req.headers().get(header::ORIGIN)?.to_str().ok()?;
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !preflight {
        return None;
    }
    if !edge.cors.allows(origin) {
        return Some(
            ApiError::denied(format!("origin `{origin}` is not allowed"), None, None).response(),
        );
    }
    let mut answer = HttpResponse::build(StatusCode::NO_CONTENT);
    answer
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .insert_header((header::VARY, "Origin"));
    Some(answer.finish())
}

/// What the middleware learned before the request went on.
pub struct Prepared {
    pub request_id: RequestId,
    /// An answer that ends the request here (header limit, preflight).
    pub early: Option<HttpResponse>,
    origin: Option<HeaderValue>,
}

/// Before routing: request id, header limit, CORS preflight.
pub fn prepare(req: &ServiceRequest, settings: &EdgeSettings) -> Prepared {
    Prepared {
        request_id: RequestId::from_client(req.headers().get("x-request-id")),
        early: early_answer(req, settings),
        origin: req.headers().get(header::ORIGIN).cloned(),
    }
}

/// After the handler: echo the request id, add CORS headers for an allowed origin.
pub fn finish<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, Error>,
    request_id: &RequestId,
    origin: Option<HeaderValue>,
    settings: &EdgeSettings,
) -> Result<ServiceResponse<BoxBody>, Error> {
    result.map(|res| {
        let mut res = res.map_into_boxed_body();
        res.headers_mut().insert(
            header::HeaderName::from_static("x-request-id"),
            request_id.header().clone(),
        );
        if let Some(o) = origin.filter(|o| o.to_str().is_ok_and(|o| settings.cors.allows(o))) {
            res.headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            res.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        res
    })
}

impl Prepared {
    pub fn take_origin(&mut self) -> Option<HeaderValue> {
        self.origin.take()
    }
}
