//! The main listener's edge rules, applied to every request by `gateway::entry::Entry`
//! (which also gives each request its id): the header size limit (431) and CORS
//! (preflights answered here, never forwarded; allowed origins echoed on answers).
//!
//! Must never route, authenticate or touch a request body.

use actix_web::dev::RequestHead;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::HttpResponse;

use crate::gateway::entry::Edge;
use crate::web::{ApiError, ErrorCode};

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

/// Settings the edge rules need.
#[derive(Clone, Debug)]
pub struct EdgeSettings {
    pub cors: Cors,
    pub max_header_bytes: usize,
}

const ALLOWED_HEADERS: &str =
    "authorization, x-api-key, content-type, harness-account, x-request-id";
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum()
}

impl Edge for EdgeSettings {
    /// Answers before routing when the request must not go further.
    fn early(&self, head: &RequestHead) -> Option<HttpResponse> {
        if header_bytes(&head.headers) > self.max_header_bytes {
            return Some(
                ApiError::new(
                    ErrorCode::RequestHeaderFieldsTooLarge,
                    "request headers are too large",
                )
                .response(),
            );
        }
        let origin = head.headers.get(header::ORIGIN)?.to_str().ok()?;
        let preflight = head.method == Method::OPTIONS
            && head
                .headers
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if !preflight {
            return None;
        }
        if !self.cors.allows(origin) {
            return Some(
                ApiError::denied(format!("origin `{origin}` is not allowed"), None, None)
                    .response(),
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

    /// Echoes an allowed origin.
    fn finish(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
        if let Some(o) = origin.filter(|o| o.to_str().is_ok_and(|o| self.cors.allows(o))) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}
