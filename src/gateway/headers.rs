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

use std::io::Write;
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

/// Where the backend's request headers go: a header map (awc) or the request's bytes
/// (the lean client writes them straight into its buffer).
pub trait HeaderSink {
    fn put(&mut self, name: &HeaderName, value: &HeaderValue);
    /// A value made of `parts`, which hold no CR, LF or other control bytes.
    fn put_parts(&mut self, name: &HeaderName, parts: &[&[u8]]);
}

impl HeaderSink for HeaderMap {
    fn put(&mut self, name: &HeaderName, value: &HeaderValue) {
        self.append(name.clone(), value.clone());
    }

    fn put_parts(&mut self, name: &HeaderName, parts: &[&[u8]]) {
        let value = bytes::Bytes::from(parts.concat());
        if let Ok(value) = HeaderValue::from_maybe_shared(value) {
            self.append(name.clone(), value);
        }
    }
}

/// `name: value\r\n` lines of an HTTP/1.1 request.
impl HeaderSink for Vec<u8> {
    fn put(&mut self, name: &HeaderName, value: &HeaderValue) {
        self.put_parts(name, &[value.as_bytes()]);
    }

    fn put_parts(&mut self, name: &HeaderName, parts: &[&[u8]]) {
        self.extend_from_slice(name.as_str().as_bytes());
        self.extend_from_slice(b": ");
        for part in parts {
            self.extend_from_slice(part);
        }
        self.extend_from_slice(b"\r\n");
    }
}

/// The headers the backend receives, written on demand into a [`HeaderSink`]: the client's
/// safe headers, then the identity and forwarding headers the gateway sets. Nothing is
/// formatted or copied until then, and nothing allocated when the sink is a byte buffer.
pub struct OutgoingHeaders<'a> {
    client: &'a HeaderMap,
    pass_authorization: bool,
    request_id: &'a RequestId,
    principal: Option<&'a Principal>,
    allowed_ids: Option<String>,
    peer: IpAddr,
    client_ip: IpAddr,
    /// The trusted client's `X-Forwarded-For` chain, extended with the peer.
    chain: Option<&'a str>,
    proto: &'a [u8],
    host: Option<&'a HeaderValue>,
}

impl OutgoingHeaders<'_> {
    /// About how many headers [`Self::write_into`] writes (to size a map).
    pub fn len_hint(&self) -> usize {
        self.client.len() + GATEWAY_HEADERS
    }

    pub fn write_into<S: HeaderSink>(&self, sink: &mut S) {
        let listed = connection_listed(self.client);
        for (name, value) in self.client.iter() {
            if forward_request_header(name.as_str(), self.pass_authorization, &listed) {
                sink.put(name, value);
            }
        }
        sink.put(&REQUEST_ID, self.request_id.header());
        if let Some(principal) = self.principal {
            // Principal's Display is the one `TYPE:id` format, written on the stack.
            let mut text = [0u8; 256];
            let mut cursor = std::io::Cursor::new(&mut text[..]);
            if write!(cursor, "{principal}").is_ok() {
                let len = cursor.position() as usize;
                sink.put_parts(&PRINCIPAL, &[&text[..len]]);
            }
            sink.put_parts(&ACCOUNT, &[principal.account().as_str().as_bytes()]);
        }
        if let Some(ids) = &self.allowed_ids {
            sink.put_parts(&ALLOWED_IDS, &[ids.as_bytes()]);
        }
        let (mut client_buf, mut peer_buf) = ([0u8; 48], [0u8; 48]);
        let client_ip = ip_text(self.client_ip, &mut client_buf);
        match self.chain {
            Some(chain) => {
                let peer = ip_text(self.peer, &mut peer_buf);
                sink.put_parts(&X_FORWARDED_FOR, &[chain.as_bytes(), b", ", peer]);
            }
            None if self.client_ip == self.peer => sink.put_parts(&X_FORWARDED_FOR, &[client_ip]),
            None => sink.put_parts(&X_FORWARDED_FOR, &[ip_text(self.peer, &mut peer_buf)]),
        }
        sink.put_parts(&X_FORWARDED_PROTO, &[self.proto]);
        if let Some(host) = self.host {
            sink.put(&X_FORWARDED_HOST, host);
        }
        sink.put_parts(&X_REAL_IP, &[client_ip]);
        let (open, close): (&[u8], &[u8]) = if self.client_ip.is_ipv6() {
            (b"\"[", b"]\"")
        } else {
            (b"", b"")
        };
        let host_parts: [&[u8]; 3] = match self.host {
            Some(h) => [b";host=\"", h.as_bytes(), b"\""],
            None => [b"", b"", b""],
        };
        sink.put_parts(
            &header::FORWARDED,
            &[
                b"for=",
                open,
                client_ip,
                close,
                b";proto=",
                self.proto,
                host_parts[0],
                host_parts[1],
                host_parts[2],
            ],
        );
    }
}

/// An address as text, IPv4 without the formatting machinery.
fn ip_text(ip: IpAddr, buf: &mut [u8; 48]) -> &[u8] {
    match ip {
        IpAddr::V4(v4) => {
            let mut len = 0;
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    buf[len] = b'.';
                    len += 1;
                }
                let digits = [octet / 100, octet / 10 % 10, octet % 10];
                let skip = if octet >= 100 {
                    0
                } else if octet >= 10 {
                    1
                } else {
                    2
                };
                for d in &digits[skip..] {
                    buf[len] = b'0' + d;
                    len += 1;
                }
            }
            &buf[..len]
        }
        IpAddr::V6(_) => {
            let mut cursor = std::io::Cursor::new(&mut buf[..]);
            let len = match write!(cursor, "{ip}") {
                Ok(()) => cursor.position() as usize,
                Err(_) => 0,
            };
            &buf[..len]
        }
    }
}

/// The request the backend receives: method, authorized path, query, and its headers (the
/// client's safe ones plus identity and forwarding headers, see [`OutgoingHeaders`]).
pub fn outgoing<'a>(
    req: &'a RequestHead,
    edge: Edge<'_>,
    pass_authorization: bool,
    path: &'a str,
    identity: Identity<'a>,
) -> Outgoing<'a> {
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
    let client_proto = req
        .headers
        .get(&X_FORWARDED_PROTO)
        .filter(|_| trusted_peer)
        .filter(|v| matches!(v.as_bytes(), b"http" | b"https"));
    let proto: &[u8] = match client_proto {
        Some(p) => p.as_bytes(),
        None if edge.tls => b"https",
        None => b"http",
    };
    let host = req
        .headers
        .get(header::HOST)
        .filter(|h| !h.is_empty() && h.to_str().is_ok());
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
        headers: OutgoingHeaders {
            client: &req.headers,
            pass_authorization,
            request_id: identity.request_id,
            principal: identity.principal,
            allowed_ids: identity.allowed_ids,
            peer,
            client_ip,
            chain: client_xff.filter(|_| trusted_peer),
            proto,
            host,
        },
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

    #[test]
    fn both_sinks_receive_the_same_headers() {
        use crate::policy::role::PrincipalType;
        use crate::policy::{Identifier, Scope};
        let principal = Principal {
            principal_type: PrincipalType::User,
            identifier: Identifier::new("alice").unwrap(),
            scope: Scope::parse("acme").unwrap(),
        };
        let id = RequestId::from_client(None);
        for (peer, trusted, xff) in [
            ("10.0.0.7:1", vec![], None),
            ("[2001:db8::1]:1", vec![], None),
            (
                "10.0.0.7:1",
                vec!["10.0.0.0/8".to_owned()],
                Some("203.0.113.9, 10.0.0.3"),
            ),
        ] {
            let mut req = actix_web::test::TestRequest::get()
                .uri("/v1/x?y=1")
                .peer_addr(peer.parse().unwrap())
                .insert_header(("host", "gw.example"))
                .insert_header(("accept", "*/*"))
                .insert_header(("x-scopegate-principal", "USER:mallory"));
            if let Some(xff) = xff {
                req = req.insert_header(("x-forwarded-for", xff));
            }
            let req = req.to_http_request();
            let trusted = TrustedProxies::parse(&trusted);
            let out = outgoing(
                req.head(),
                Edge {
                    trusted: &trusted,
                    tls: true,
                },
                false,
                "/v1/x",
                Identity {
                    request_id: &id,
                    principal: Some(&principal),
                    allowed_ids: Some("a,b".to_owned()),
                },
            );
            let mut map = HeaderMap::new();
            out.headers.write_into(&mut map);
            let mut bytes = Vec::new();
            out.headers.write_into(&mut bytes);
            let from_map: Vec<String> = map
                .iter()
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect();
            let text = String::from_utf8(bytes).unwrap();
            let mut from_bytes: Vec<String> = text.lines().map(str::to_owned).collect();
            let mut sorted_map = from_map.clone();
            sorted_map.sort();
            from_bytes.sort();
            assert_eq!(sorted_map, from_bytes, "{peer}");
            assert!(from_map.contains(&"x-scopegate-principal: USER:alice".to_owned()));
            assert!(!text.contains("mallory"));
        }
    }
}
