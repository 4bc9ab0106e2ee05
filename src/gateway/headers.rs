//! Which request and response headers cross the gateway (DESIGN §4.6).
//!
//! Removed from requests: hop-by-hop headers (and those named in `Connection`), the
//! client's credentials (unless the route passes `Authorization`), every `X-Scopegate-*`
//! header in any case and with `_` read as `-`, method-override and path-rewrite headers,
//! and forwarding headers (replaced by the gateway's own). `Host` is replaced by the
//! upstream's and `Content-Length` is set again from the streamed body.
//!
//! [`outgoing`] builds the request the backend receives: those headers plus the identity
//! headers and the forwarding headers the gateway sets itself.

use std::net::IpAddr;

use actix_web::dev::RequestHead;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::proxy::Outgoing;
use crate::policy::role::Principal;
use crate::web::client::TrustedProxies;
use crate::web::request_id::RequestId;

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

/// How many headers [`outgoing`] adds at most.
const GATEWAY_HEADERS: usize = 9;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-scopegate-request-id");
const PRINCIPAL: HeaderName = HeaderName::from_static("x-scopegate-principal");
const ACCOUNT: HeaderName = HeaderName::from_static("x-scopegate-account");
const ALLOWED_IDS: HeaderName = HeaderName::from_static("x-scopegate-allowed-ids");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

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

/// The client headers that are forwarded, in order, in a map with room for the
/// gateway's own.
pub fn request_headers_to_forward(headers: &HeaderMap, pass_authorization: bool) -> HeaderMap {
    let listed = connection_listed(headers);
    let mut kept = HeaderMap::with_capacity(headers.len() + GATEWAY_HEADERS);
    for (name, value) in headers.iter() {
        if forward_request_header(name.as_str(), pass_authorization, &listed) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
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

/// [`response_headers_to_return`] in place: the backend's map, minus what does not go back
/// to the client (no copy of the headers that stay).
pub fn keep_response_headers(headers: &mut HeaderMap) {
    let listed = connection_listed(headers);
    headers.retain(|name, _| forward_response_header(name.as_str(), &listed));
}

/// Who the gateway says is calling: the identity headers' values.
pub struct Identity<'a> {
    pub request_id: &'a RequestId,
    /// `None` on public routes.
    pub principal: Option<&'a Principal>,
    /// `X-Scopegate-Allowed-Ids` on list routes.
    pub allowed_ids: Option<String>,
}

/// How clients reach the listener, for the forwarding headers.
#[derive(Clone, Copy)]
pub struct Edge<'a> {
    pub trusted: &'a TrustedProxies,
    /// The listener speaks TLS (`X-Forwarded-Proto: https`).
    pub tls: bool,
}

fn value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text).ok()
}

/// A header value that takes the string's buffer (no copy).
fn owned(text: String) -> Option<HeaderValue> {
    HeaderValue::from_maybe_shared(bytes::Bytes::from(text)).ok()
}

/// The request the backend receives: the client's safe headers plus identity and
/// forwarding headers set by the gateway. Values are shared rather than copied where the
/// request already holds them (request id, `Host`); the peer address is formatted once.
pub fn outgoing<'a>(
    req: &'a RequestHead,
    edge: Edge<'_>,
    pass_authorization: bool,
    path: &'a str,
    identity: Identity<'_>,
) -> Outgoing<'a> {
    let mut headers = request_headers_to_forward(&req.headers, pass_authorization);
    let mut set = |name: HeaderName, v: Option<HeaderValue>| {
        if let Some(v) = v {
            headers.append(name, v);
        }
    };
    set(REQUEST_ID, Some(identity.request_id.header().clone()));
    if let Some(principal) = identity.principal {
        // Principal's Display is the one `TYPE:id` format; its buffer becomes the value.
        set(PRINCIPAL, owned(principal.to_string()));
        set(ACCOUNT, value(principal.account().as_str()));
    }
    if let Some(ids) = identity.allowed_ids {
        set(ALLOWED_IDS, owned(ids));
    }
    let peer: IpAddr = req
        .peer_addr
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let trusted_peer = edge.trusted.trusts(peer);
    let client_xff = req
        .headers
        .get(&X_FORWARDED_FOR)
        .and_then(|v| v.to_str().ok());
    let client_ip = edge.trusted.client_ip(peer, client_xff);
    let client_ip_text = client_ip.to_string();
    let client_ip_value = value(&client_ip_text);
    let xff = match (trusted_peer, client_xff) {
        (true, Some(chain)) => value(&format!("{chain}, {peer}")),
        _ if client_ip == peer => client_ip_value.clone(),
        _ => value(&peer.to_string()),
    };
    let client_proto = req
        .headers
        .get(&X_FORWARDED_PROTO)
        .filter(|_| trusted_peer)
        .filter(|v| matches!(v.as_bytes(), b"http" | b"https"));
    let proto = match client_proto {
        Some(p) => p.clone(),
        None => HeaderValue::from_static(if edge.tls { "https" } else { "http" }),
    };
    let host = req
        .headers
        .get(header::HOST)
        .filter(|h| !h.is_empty() && h.to_str().is_ok());
    let mut forwarded = String::with_capacity(64 + host.map_or(0, HeaderValue::len));
    forwarded.push_str("for=");
    if client_ip.is_ipv6() {
        forwarded.push_str("\"[");
        forwarded.push_str(&client_ip_text);
        forwarded.push_str("]\"");
    } else {
        forwarded.push_str(&client_ip_text);
    }
    forwarded.push_str(";proto=");
    forwarded.push_str(proto.to_str().unwrap_or("http"));
    if let Some(h) = host.and_then(|h| h.to_str().ok()) {
        forwarded.push_str(";host=\"");
        forwarded.push_str(h);
        forwarded.push('"');
    }
    set(X_FORWARDED_FOR, xff);
    set(X_FORWARDED_PROTO, Some(proto));
    set(X_FORWARDED_HOST, host.cloned());
    set(X_REAL_IP, client_ip_value);
    set(header::FORWARDED, owned(forwarded));
    let content_length = req
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = req.headers.contains_key(header::TRANSFER_ENCODING);
    Outgoing {
        method: req.method.clone(),
        path,
        query: req.uri.query().unwrap_or_default(),
        headers,
        content_length,
        has_body: chunked || content_length.is_some_and(|l| l > 0),
    }
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
