//! Forwarding to an upstream with a pooled keep-alive client (one `awc::Client` per
//! upstream per worker): method, authorized path, query, streamed bodies both ways,
//! timeouts, and the 502/504 answers of DESIGN §4.5.
//!
//! The client follows no redirects and adds no default headers. The overall timeout
//! covers the wait for the response head; an accepted response body is streamed as it
//! comes.

use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{BodyStream, BoxBody, SizedStream};
use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, HeaderValue, HOST};
use actix_web::http::{Method, StatusCode};
use actix_web::HttpResponse;
use awc::error::{ConnectError, SendRequestError};
use bytes::Bytes;
use futures_util::future::{select, Either};
use futures_util::StreamExt;

use super::deadline::{Deadline, Deadlines};
use super::headers::{keep_response_headers, OutgoingHeaders};
use super::upstream_h1 as h1;
use crate::config::{Config, UpstreamConfig};
use crate::web::metrics::{Metrics, UpstreamMetrics};
use crate::web::{ApiError, ErrorCode};

/// One upstream's settings, shared by all workers.
pub struct Upstream {
    pub name: String,
    /// Scheme, authority and optional base path, without a trailing slash.
    pub base: String,
    /// The `Host` header sent upstream (what awc would write for `base`), made once.
    pub host: Option<HeaderValue>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub metrics: UpstreamMetrics,
    /// TLS settings when the upstream has its own CA (`ca_file`); else awc's defaults
    /// (the public web roots).
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Upstream {
    /// Every configured upstream with its effective timeouts and TLS roots, in name order:
    /// the order `Route::upstream_index` counts in.
    pub fn from_config(config: &Config, metrics: &Metrics) -> Result<Vec<Upstream>, String> {
        config
            .upstreams
            .iter()
            .map(|(name, up)| {
                let tls = match up.ca_file() {
                    Some(path) => Some(Arc::new(
                        tls_with_ca(path).map_err(|e| format!("upstreams.{name}.ca_file: {e}"))?,
                    )),
                    None => None,
                };
                let (connect, total) = match up {
                    UpstreamConfig::Url(_) => (None, None),
                    UpstreamConfig::Table(t) => (t.connect_timeout_ms, t.timeout_ms),
                };
                let base = up.url().trim_end_matches('/').to_owned();
                let upstream = Upstream {
                    name: name.clone(),
                    host: host_header(&base),
                    base,
                    connect_timeout: Duration::from_millis(
                        connect.unwrap_or(config.gateway.connect_timeout_ms),
                    ),
                    timeout: Duration::from_millis(total.unwrap_or(config.gateway.timeout_ms)),
                    metrics: metrics.upstream(name),
                    tls,
                };
                Ok(upstream)
            })
            .collect()
    }

    /// A pooled client for this upstream (built once per worker).
    pub fn client(&self) -> awc::Client {
        let mut connector = awc::Connector::new().timeout(self.connect_timeout).limit(0);
        if let Some(tls) = &self.tls {
            connector = connector.rustls_0_23(tls.clone());
        }
        awc::Client::builder()
            .disable_redirects()
            .no_default_headers()
            .connector(connector)
            .disable_timeout()
            .finish()
    }
}

/// `host` or `host:port` of a base URL, as awc writes it when the request has no `Host`.
fn host_header(base: &str) -> Option<HeaderValue> {
    let uri: awc::http::Uri = base.parse().ok()?;
    let host = uri.host()?;
    let text = match uri.port_u16() {
        None | Some(80) | Some(443) => host.to_owned(),
        Some(port) => format!("{host}:{port}"),
    };
    HeaderValue::from_str(&text).ok()
}

/// A TLS client config trusting the public web roots plus the certificates in `ca_file`.
fn tls_with_ca(ca_file: &Path) -> Result<rustls::ClientConfig, String> {
    let pem = std::fs::read(ca_file).map_err(|e| format!("`{}`: {e}", ca_file.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut added = 0;
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| format!("`{}`: {e}", ca_file.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("`{}`: {e}", ca_file.display()))?;
        added += 1;
    }
    if added == 0 {
        return Err(format!("no certificate in `{}`", ca_file.display()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Per-worker clients, one per upstream, in the order of [`Upstream::from_config`], and the
/// worker's upstream deadlines.
pub struct Clients {
    clients: Vec<awc::Client>,
    /// The lean client's pools, for plain `http://` upstreams.
    h1: Vec<Option<Rc<h1::Pool>>>,
    deadlines: Rc<Deadlines>,
}

impl Clients {
    /// One pooled client per upstream, for one worker.
    pub fn for_worker(upstreams: &[Upstream]) -> Clients {
        Clients {
            clients: upstreams.iter().map(Upstream::client).collect(),
            h1: upstreams
                .iter()
                .map(|u| h1::Pool::for_base(&u.base, u.connect_timeout))
                .collect(),
            deadlines: Deadlines::new(),
        }
    }

    pub fn get(&self, index: usize) -> Option<&awc::Client> {
        self.clients.get(index)
    }

    /// A deadline on this worker (see `gateway::deadline`).
    pub fn deadline(&self, at: Instant) -> Deadline {
        self.deadlines.start(at)
    }
}

/// What the proxy sends.
pub struct Outgoing<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: OutgoingHeaders<'a>,
    pub content_length: Option<u64>,
    pub has_body: bool,
}

/// Bodies up to this size are read completely before the upstream is contacted: a body
/// that cannot be decoded (a malformed chunk) is refused with nothing forwarded, and small
/// bodies go out in one write.
pub const PREFETCH_BYTES: usize = 64 * 1024;

/// The request body as it will be sent.
pub enum RequestBody {
    Empty,
    /// Read completely.
    Full(Bytes),
    /// The first bytes, then the rest of the stream.
    Stream {
        prefix: Bytes,
        rest: Payload,
        length: Option<u64>,
    },
}

/// Reads up to [`PREFETCH_BYTES`] of the body; a decoding error is the client's fault.
pub async fn prefetch(out: &Outgoing<'_>, mut payload: Payload) -> Result<RequestBody, ApiError> {
    if !out.has_body {
        return Ok(RequestBody::Empty);
    }
    let mut prefix = bytes::BytesMut::new();
    while prefix.len() < PREFETCH_BYTES {
        match payload.next().await {
            Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
            Some(Err(e)) => return Err(ApiError::invalid(format!("malformed request body: {e}"))),
            None => return Ok(RequestBody::Full(prefix.freeze())),
        }
    }
    Ok(RequestBody::Stream {
        prefix: prefix.freeze(),
        rest: payload,
        length: out.content_length,
    })
}

/// Sends the request and streams the answer back; upstream failures become JSON errors.
/// One deadline covers the response head and a small body; it is polled beside each step
/// rather than wrapping them, so no step's future is moved into another.
/// `started`: when the exchange begins (the upstream latency is measured from it, and the
/// deadline is `started` + the upstream's timeout). Plain `http://` upstreams with the body
/// in hand go through the lean client (`gateway::upstream_h1`), the rest through awc.
pub async fn forward(
    clients: &Clients,
    index: usize,
    upstream: &Upstream,
    out: Outgoing<'_>,
    body: RequestBody,
    started: Instant,
) -> Result<(HttpResponse, StatusCode), ApiError> {
    let mut deadline = clients.deadline(started + upstream.timeout);
    let pool = clients.h1.get(index).and_then(Option::as_ref);
    let client = clients.get(index);
    match (pool, client, body) {
        (Some(pool), _, RequestBody::Empty) => {
            forward_h1(pool, upstream, out, None, deadline, started).await
        }
        (Some(pool), _, RequestBody::Full(bytes)) => {
            forward_h1(pool, upstream, out, Some(bytes), deadline, started).await
        }
        (_, Some(client), body) => {
            forward_awc(client, upstream, out, body, &mut deadline, started).await
        }
        (_, None, _) => Err(ApiError::internal("no client for upstream")),
    }
}

async fn forward_h1(
    pool: &Rc<h1::Pool>,
    upstream: &Upstream,
    out: Outgoing<'_>,
    body: Option<Bytes>,
    mut deadline: Deadline,
    started: Instant,
) -> Result<(HttpResponse, StatusCode), ApiError> {
    let exchange = std::pin::pin!(h1::exchange(
        pool,
        &out,
        upstream.host.as_ref(),
        body,
        started
    ));
    let answer = match select(exchange, &mut deadline).await {
        Either::Left((Ok(answer), _)) => answer,
        Either::Left((Err(failure), _)) if failure.timed_out => {
            return Err(timeout_error(upstream))
        }
        Either::Left((Err(failure), _)) => {
            upstream.metrics.refused.inc();
            tracing::warn!(upstream = %upstream.name, error = %failure.message, "upstream unavailable");
            return Err(ApiError::new(
                ErrorCode::UpstreamUnavailable,
                format!("upstream `{}` is unavailable", upstream.name),
            ));
        }
        Either::Right(_) => return Err(timeout_error(upstream)),
    };
    upstream
        .metrics
        .latency
        .observe(started.elapsed().as_secs_f64());
    // The lean client kept only what goes back to the client.
    let mut response = HttpResponse::with_body(answer.status, answer.body);
    *response.headers_mut() = answer.headers;
    Ok((response, answer.status))
}

async fn forward_awc(
    client: &awc::Client,
    upstream: &Upstream,
    out: Outgoing<'_>,
    body: RequestBody,
    deadline: &mut Deadline,
    started: Instant,
) -> Result<(HttpResponse, StatusCode), ApiError> {
    let mut url = String::with_capacity(upstream.base.len() + out.path.len() + out.query.len() + 1);
    url.push_str(&upstream.base);
    url.push_str(out.path);
    if !out.query.is_empty() {
        url.push('?');
        url.push_str(out.query);
    }
    let mut headers = HeaderMap::with_capacity(out.headers.len_hint());
    out.headers.write_into(&mut headers);
    if let Some(host) = &upstream.host {
        headers.insert(HOST, host.clone());
    }
    let mut request = client.request(out.method, url);
    *request.headers_mut() = headers;
    let sending = match body {
        RequestBody::Empty => request.send(),
        RequestBody::Full(bytes) => request.send_body(bytes),
        RequestBody::Stream {
            prefix,
            rest,
            length,
        } => {
            let chained = futures_util::stream::once(async move {
                Ok::<_, actix_web::error::PayloadError>(prefix)
            })
            .chain(rest);
            match length {
                Some(len) => request.send_body(SizedStream::new(len, chained)),
                None => request.send_body(BodyStream::new(chained)),
            }
        }
    };
    let sent = match select(sending, &mut *deadline).await {
        Either::Left((sent, _)) => sent,
        Either::Right(_) => return Err(timeout_error(upstream)),
    };
    let response = sent.map_err(|e| send_error(upstream, e))?;
    upstream
        .metrics
        .latency
        .observe(started.elapsed().as_secs_f64());
    let status = response.status();
    let mut headers = HeaderMap::new();
    let mut response = response.map_body(|head, payload| {
        headers = std::mem::take(&mut head.headers);
        payload
    });
    let length = headers
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    keep_response_headers(&mut headers);
    let body_allowed = !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED);
    let body = match (body_allowed, length) {
        (false, _) => BoxBody::new(()),
        // Small answers of known length are read whole and written in one go (cheaper
        // than streaming them chunk by chunk); larger or unsized ones are streamed.
        (true, Some(len)) if len as usize <= PREFETCH_BYTES => {
            let reading = response.body().limit(PREFETCH_BYTES);
            match select(reading, &mut *deadline).await {
                Either::Left((Ok(bytes), _)) => BoxBody::new(bytes),
                Either::Left((Err(e), _)) => {
                    upstream.metrics.refused.inc();
                    tracing::warn!(upstream = %upstream.name, error = %e, "upstream body unreadable");
                    return Err(ApiError::new(
                        ErrorCode::UpstreamUnavailable,
                        format!("upstream `{}` is unavailable", upstream.name),
                    ));
                }
                Either::Right(_) => return Err(timeout_error(upstream)),
            }
        }
        (true, Some(len)) => BoxBody::new(SizedStream::new(len, response)),
        (true, None) => BoxBody::new(BodyStream::new(response)),
    };
    let mut answer = HttpResponse::with_body(status, body);
    *answer.headers_mut() = headers;
    Ok((answer, status))
}

fn timeout_error(upstream: &Upstream) -> ApiError {
    upstream.metrics.timeout.inc();
    ApiError::new(
        ErrorCode::UpstreamTimeout,
        format!(
            "upstream `{}` did not answer within {} ms",
            upstream.name,
            upstream.timeout.as_millis()
        ),
    )
}

fn send_error(upstream: &Upstream, error: SendRequestError) -> ApiError {
    match error {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            timeout_error(upstream)
        }
        other => {
            upstream.metrics.refused.inc();
            tracing::warn!(upstream = %upstream.name, error = %other, "upstream unavailable");
            ApiError::new(
                ErrorCode::UpstreamUnavailable,
                format!("upstream `{}` is unavailable", upstream.name),
            )
        }
    }
}
