//! Which request and response headers cross the gateway (DESIGN §4.6).
//!
//! Removed from requests: hop-by-hop headers (and those named in `Connection`), the
//! client's credentials (unless the route passes `Authorization`), every `X-Scopegate-*`
//! header, every header of [`OVERRIDE_HEADERS`] (the one table of headers that frameworks,
//! proxies and URL-rewrite modules read as the original or overriding method, URL, path,
//! prefix or host), all in any case and with `_` read as `-`, and forwarding headers
//! (replaced by the gateway's own). `Host` is replaced by the upstream's and
//! `Content-Length` is set again from the streamed body.
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

/// One entry of [`OVERRIDE_HEADERS`].
#[derive(Clone, Copy, Debug)]
pub struct OverrideHeader {
    /// Canonical spelling (lower case, `-`); for a family, the start every member shares.
    pub name: &'static str,
    /// The entry is a family (`x-original-`): every header whose name starts with `name`.
    pub family: bool,
    /// Who reads it, and as what: the reason it may never reach a backend.
    pub read_by: &'static str,
}

impl OverrideHeader {
    /// Does the canonical header name `n` fall under this entry?
    pub fn matches(&self, n: &str) -> bool {
        if self.family {
            n.starts_with(self.name)
        } else {
            n == self.name
        }
    }
}

/// Declares [`OVERRIDE_HEADERS`] and [`is_override_header`] from one list, so the table
/// and the lookup cannot drift apart; the lookup compiles to a `match` on the name
/// (a few nanoseconds per header, as cheap as the seven-name list it replaced).
macro_rules! override_headers {
    (
        exact { $( $name:literal => $read_by:literal, )* }
        families { $( $stem:literal => $family_read_by:literal, )* }
    ) => {
        /// DESIGN §4.6: every request header that a common web framework, proxy or
        /// URL-rewrite module reads as the request's original or overriding method, URL,
        /// path, prefix, scheme, port or host. A client's copy is removed whatever its case
        /// and with `_` read as `-`, so a backend (or a proxy between the gateway and the
        /// backend) can never act on another request than the one the gateway authorized.
        /// `X-Forwarded-For`, `-Proto`, `-Host`, `Forwarded` and `X-Real-IP` are then set
        /// by the gateway itself ([`outgoing`]).
        ///
        /// Each entry names who reads the header; the families (last) also catch members
        /// nobody has listed yet. `tests/it/override_headers.rs` sends every entry in three
        /// spellings and checks that none reaches a backend.
        pub const OVERRIDE_HEADERS: &[OverrideHeader] = &[
            $( OverrideHeader { name: $name, family: false, read_by: $read_by }, )*
            $( OverrideHeader { name: $stem, family: true, read_by: $family_read_by }, )*
        ];

        /// Is the canonical header name `n` one of [`OVERRIDE_HEADERS`]?
        pub fn is_override_header(n: &str) -> bool {
            matches!(n, $( $name )|*) $( || n.starts_with($stem) )*
        }
    };
}

override_headers! {
    exact {
        // The method.
        "x-http-method-override" =>
            "Rack::MethodOverride (Rails, Sinatra), Symfony Request::getMethod (Laravel), \
             ASP.NET Core HttpMethodOverrideMiddleware, Jersey HttpMethodOverrideFilter, \
             gorilla/handlers HTTPMethodOverrideHandler, Express method-override: the method",
        "x-http-method" =>
            "OData and Microsoft REST services (SharePoint, WCF Data Services), Express \
             method-override as commonly configured: the method of a tunnelled POST",
        "x-method-override" =>
            "Express method-override as commonly configured, IBM Maximo/TRIRIGA REST \
             (`x-method-override: PATCH`): the method of a tunnelled POST",
        "x-original-method" =>
            "nginx auth_request / ingress-nginx external auth: the original method, read by \
             auth services (Authelia, ingress external-auth servers)",
        "x-forwarded-method" =>
            "Traefik ForwardAuth, Caddy forward_auth, APISIX forward-auth: the original \
             method, read by auth services (Authelia, authentik, oauth2-proxy)",
        // The URL or path.
        "x-original-url" =>
            "IIS URL Rewrite (HTTP_X_ORIGINAL_URL), Symfony HttpFoundation before \
             CVE-2018-14773, Zend Framework / Laminas request-URI detection, ingress-nginx \
             external auth: the request URL",
        "x-rewrite-url" =>
            "Helicon ISAPI_Rewrite, Symfony HttpFoundation before CVE-2018-14773, Zend \
             Framework 1: the request URL",
        "x-original-uri" =>
            "nginx auth_request (the documented `proxy_set_header X-Original-URI \
             $request_uri`), authentik's nginx outpost: the original URI",
        "x-forwarded-uri" =>
            "Traefik ForwardAuth, Caddy forward_auth, APISIX forward-auth: the original URI, \
             read by Authelia, authentik, oauth2-proxy",
        "x-forwarded-path" =>
            "Kong (sets it upstream, keeps it from trusted_ips): the original path",
        "x-envoy-original-path" =>
            "Envoy (set on prefix_rewrite/regex_rewrite), read by apps behind Envoy as the \
             path the client asked for",
        "x-replaced-path" =>
            "Traefik ReplacePath / ReplacePathRegex: the path before the rewrite",
        "path-info" =>
            "gunicorn forwarder_headers (`PATH_INFO`, default list): the WSGI PATH_INFO",
        // The prefix (mount point) the path is read under.
        "x-forwarded-prefix" =>
            "Spring ForwardedHeaderFilter, ASP.NET Core ForwardedHeaders, Symfony trusted \
             headers, Werkzeug ProxyFix, set by Traefik StripPrefix and Kong: the path prefix",
        "script-name" =>
            "gunicorn (`SCRIPT_NAME` header, forwarder_headers): the WSGI SCRIPT_NAME, which \
             shifts PATH_INFO (gunicorn issue 2650)",
        "x-script-name" =>
            "pgAdmin 4, Flask `ReverseProxied` recipe: the WSGI SCRIPT_NAME",
        "x-original-prefix" =>
            "ASP.NET Core ForwardedHeaders (stores the path base it replaced): the prefix",
        // The host or port.
        "x-forwarded-host" =>
            "Django, Rails/Rack, Symfony, Spring, ASP.NET Core, Werkzeug: the host (set by \
             the gateway after removing the client's)",
        "x-forwarded-server" =>
            "Jetty ForwardedRequestCustomizer, set by Apache mod_proxy: the host",
        "x-forwarded-port" =>
            "Rack, Django USE_X_FORWARDED_PORT, Spring, Jetty, Werkzeug ProxyFix, Kong: the \
             port of the original URL",
        "x-original-host" =>
            "ASP.NET Core ForwardedHeaders (stores the host it replaced), Azure Application \
             Gateway: the original host",
        "x-envoy-original-dst-host" =>
            "Envoy ORIGINAL_DST clusters with use_http_header: the upstream address to \
             connect to",
        // The scheme of the original URL.
        "x-forwarded-proto" =>
            "every framework above: the scheme (set by the gateway after removing the \
             client's)",
        "x-forwarded-scheme" => "Rack, ingress-nginx: the scheme",
        "x-forwarded-ssl" => "Rack, Spring (`on` means https): the scheme",
        "x-forwarded-protocol" =>
            "the `original-url` npm package (Elastic APM Node agent): the scheme",
        "x-url-scheme" => "the `original-url` npm package: the scheme",
        "front-end-https" =>
            "Microsoft ISA/Exchange front ends, the `original-url` npm package: the scheme",
        "x-proxied-https" => "Jetty ForwardedRequestCustomizer: the scheme",
        "x-original-proto" =>
            "ASP.NET Core ForwardedHeaders (stores the scheme it replaced): the scheme",
    }
    families {
        "x-forwarded-" =>
            "the X-Forwarded-* convention of proxies (Traefik, Kong, Caddy, APISIX, \
             ingress-nginx): each member describes the original request and only a proxy \
             may set it",
        "x-original-" =>
            "the X-Original-* convention (nginx auth_request, IIS, ASP.NET Core, \
             ingress-nginx, HAProxy `X-Original-To`): each member describes the original \
             request",
        "x-envoy-original-" =>
            "Envoy's x-envoy-original-* headers: each describes the original request",
    }
}

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
const SHADOW_DECISION: HeaderName = HeaderName::from_static("x-scopegate-shadow-decision");
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
        || is_override_header(n)
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
    /// `X-Scopegate-Shadow-Decision: allow|deny` on report-only routes.
    pub shadow: Option<bool>,
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
    shadow: Option<bool>,
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
        if let Some(allowed) = self.shadow {
            let value: &[u8] = if allowed { b"allow" } else { b"deny" };
            sink.put_parts(&SHADOW_DECISION, &[value]);
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
            shadow: identity.shadow,
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
        for name in [
            "content-type",
            "accept",
            "x-custom",
            "cookie",
            "x-forwarder",
            "x-originals",
            "script",
            "x-request-id",
        ] {
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
                .insert_header(("x-scopegate-principal", "USER:mallory"))
                .insert_header(("x-scopegate-shadow-decision", "allow"));
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
                    shadow: Some(false),
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
            // The gateway's shadow decision replaces the client's.
            assert!(from_map.contains(&"x-scopegate-shadow-decision: deny".to_owned()));
            assert!(!text.contains("shadow-decision: allow"));
        }
    }

    #[test]
    fn override_table_entries_are_canonical_and_unique() {
        for (i, h) in OVERRIDE_HEADERS.iter().enumerate() {
            assert!(
                !h.name.is_empty() && h.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{} is not canonical",
                h.name
            );
            assert_eq!(
                h.family,
                h.name.ends_with('-'),
                "{}: only families end in `-`",
                h.name
            );
            assert!(!h.read_by.is_empty(), "{} names who reads it", h.name);
            assert!(
                OVERRIDE_HEADERS[..i].iter().all(|o| o.name != h.name),
                "{} is listed twice",
                h.name
            );
        }
    }

    #[test]
    fn the_lookup_agrees_with_the_table() {
        let mut names: Vec<String> = OVERRIDE_HEADERS
            .iter()
            .flat_map(|h| {
                [
                    h.name.to_owned(),
                    format!("{}x", h.name),
                    format!("x{}", h.name),
                ]
            })
            .collect();
        names.extend(
            [
                "",
                "x",
                "x-",
                "x-original",
                "x-forwarded",
                "accept",
                "x-api-key",
                "path-inf",
            ]
            .map(String::from),
        );
        for n in &names {
            let listed = OVERRIDE_HEADERS.iter().any(|h| h.matches(n));
            assert_eq!(is_override_header(n), listed, "{n:?}");
        }
    }

    #[test]
    fn override_headers_are_dropped_in_every_spelling() {
        for h in OVERRIDE_HEADERS {
            let name = match h.family {
                true => format!("{}anything", h.name),
                false => h.name.to_owned(),
            };
            for spelling in [
                name.clone(),
                name.to_ascii_uppercase(),
                name.replace('-', "_"),
            ] {
                assert!(
                    !forward_request_header(&spelling, false, &[]),
                    "{spelling} must be dropped ({})",
                    h.read_by
                );
            }
        }
    }
}
