//! Which request and response headers cross the gateway (DESIGN §4.6).
//!
//! Removed from requests: hop-by-hop headers (and those named in `Connection`), the
//! client's credentials (unless the route passes `Authorization`), every `X-Scopegate-*`
//! header in any case and with `_` read as `-`, method-override and path-rewrite headers,
//! and forwarding headers (replaced by the gateway's own). `Host` is replaced by the
//! upstream's and `Content-Length` is set again from the streamed body.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Headers that would make a backend act on another method or path than the authorized one.
const OVERRIDES: &[&str] = &[
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-url",
    "x-rewrite-url",
    "x-forwarded-prefix",
    "x-forwarded-path",
];

/// Forwarding headers the gateway sets itself.
const FORWARDING: &[&str] = &[
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
    "x-real-ip",
];

/// A header name lower-cased with `_` read as `-` (`X_Scopegate_Principal` → `x-scopegate-principal`).
fn canonical(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b == b'_' || b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase().replace('_', "-"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("connection")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Does this client header go to the backend?
pub fn forward_request_header(name: &str, pass_authorization: bool, listed: &[String]) -> bool {
    let n = canonical(name);
    let n = n.as_ref();
    !(HOP_BY_HOP.contains(&n)
        || listed.iter().any(|l| l == n)
        || n == "host"
        || n == "content-length"
        || n == "x-api-key"
        || (n == "authorization" && !pass_authorization)
        || n.starts_with("x-scopegate-")
        || OVERRIDES.contains(&n)
        || FORWARDING.contains(&n))
}

/// The client headers that are forwarded, in order.
pub fn request_headers_to_forward(
    headers: &HeaderMap,
    pass_authorization: bool,
) -> Vec<(HeaderName, HeaderValue)> {
    let listed = connection_listed(headers);
    headers
        .iter()
        .filter(|(n, _)| forward_request_header(n.as_str(), pass_authorization, &listed))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect()
}

/// Does this backend response header go back to the client?
pub fn forward_response_header(name: &str, listed: &[String]) -> bool {
    let n = name;
    !(HOP_BY_HOP.contains(&n) || listed.iter().any(|l| l == n) || n == "content-length")
}

/// The backend response headers that are returned to the client.
pub fn response_headers_to_return(headers: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
    let listed = connection_listed(headers);
    headers
        .iter()
        .filter(|(n, _)| forward_response_header(n.as_str(), &listed))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripped_request_headers() {
        let listed = vec!["x-secret-hop".to_owned()];
        let dropped = [
            "X-Scopegate-Principal",
            "x-scopegate-anything",
            "X_Scopegate_Principal",
            "x_SCOPEGATE_account",
            "x-api-key",
            "Authorization",
            "X-HTTP-Method-Override",
            "x_http_method_override",
            "X-Original-URL",
            "X-Rewrite-URL",
            "X-Forwarded-Prefix",
            "X-Forwarded-For",
            "Forwarded",
            "X-Real-IP",
            "Connection",
            "Transfer-Encoding",
            "Upgrade",
            "x-secret-hop",
            "Host",
            "content-length",
        ];
        for name in dropped {
            assert!(
                !forward_request_header(name, false, &listed),
                "{name} must be dropped"
            );
        }
        for name in ["content-type", "accept", "x-custom", "cookie"] {
            assert!(
                forward_request_header(name, false, &listed),
                "{name} passes"
            );
        }
        assert!(forward_request_header("authorization", true, &listed));
    }
}
