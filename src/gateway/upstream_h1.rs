//! A lean HTTP/1.1 client for plain-`http://` upstreams: the gateway's forwarder for
//! requests whose body is in hand (none, or prefetched whole). A request is written as
//! bytes straight from the outgoing header map in one write; the answer's head is parsed
//! with `httparse` into the header map the client gets; small bodies of known length are
//! read whole, anything else (large, `chunked`, delimited by close) is streamed by
//! [`body::Reader`]. Kept-alive connections wait in a per-worker, per-upstream pool.
//! awc (with its request builder, pool and codec) cost about a quarter of the gateway's CPU
//! per request; this path does the same exchange with far fewer steps (docs/PERFORMANCE.md).
//! `https://` upstreams and streamed request bodies still go through awc.
//!
//! Must never reuse a connection whose answer was not read to its end or that holds unread
//! bytes, never send a request on a connection that was closed, follow no redirects, and
//! retry only idempotent requests, only on a reused connection that answered nothing.

mod body;
mod chunked;

use std::cell::RefCell;
use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use actix_web::body::{BodyStream, BoxBody, SizedStream};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use self::body::{Delimiters, Framing, Reader};
use super::headers::forward_response_header;
use super::proxy::Outgoing;

/// The largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Headers accepted in a response head (the parser's slots live on the stack).
const MAX_HEADERS: usize = 64;
/// A pooled connection idle for longer is closed instead of reused (upstreams close idle
/// connections after a while, nginx after 75 s by default).
const MAX_IDLE: Duration = Duration::from_secs(15);
/// Idle connections kept per upstream and worker.
const MAX_POOLED: usize = 1024;

/// A kept-alive connection.
pub(super) struct Conn {
    io: TcpStream,
    /// Bytes read and not consumed yet.
    buf: BytesMut,
    idle_since: Instant,
}

/// One upstream's connections on one worker.
pub struct Pool {
    /// `host:port` to connect to.
    address: String,
    /// The upstream's base path (`""` or `/prefix`), put before every request path.
    prefix: String,
    connect_timeout: Duration,
    idle: RefCell<Vec<Conn>>,
}

/// Why an exchange failed: the caller answers 504 when it timed out, else 502.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub timed_out: bool,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            timed_out: false,
        }
    }
}

/// What the upstream answered: status, the headers that go back to the client, and the
/// body to pass on.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: BoxBody,
}

impl Pool {
    /// A pool for a plain `http://` base URL; `None` for anything else (awc serves those).
    pub fn for_base(base: &str, connect_timeout: Duration) -> Option<Rc<Pool>> {
        let uri: awc::http::Uri = base.parse().ok()?;
        if uri.scheme_str() != Some("http") {
            return None;
        }
        let host = uri.host()?;
        let port = uri.port_u16().unwrap_or(80);
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Some(Rc::new(Pool {
            address: format!("{host}:{port}"),
            prefix,
            connect_timeout,
            idle: RefCell::new(Vec::new()),
        }))
    }

    /// An idle connection that is still open and holds no stray bytes, if any.
    async fn pooled(&self, now: Instant) -> Option<Conn> {
        loop {
            let mut conn = self.idle.borrow_mut().pop()?;
            if now.saturating_duration_since(conn.idle_since) > MAX_IDLE {
                continue;
            }
            // A connection the upstream closed (or wrote to) is readable: never reuse it.
            // An open, quiet one answers Pending at once, without a system call when tokio
            // already knows it is drained.
            let mut probe = [0u8; 1];
            let open = poll_fn(|cx| {
                let mut read = ReadBuf::new(&mut probe);
                Poll::Ready(Pin::new(&mut conn.io).poll_read(cx, &mut read).is_pending())
            })
            .await;
            if open && conn.buf.is_empty() {
                return Some(conn);
            }
        }
    }

    async fn connect(&self) -> Result<Conn, Failure> {
        let io = match tokio::time::timeout(self.connect_timeout, TcpStream::connect(&self.address))
            .await
        {
            Ok(Ok(io)) => io,
            Ok(Err(e)) => return Err(Failure::new(format!("connect: {e}"))),
            Err(_) => {
                return Err(Failure {
                    message: "connect: timed out".to_owned(),
                    timed_out: true,
                })
            }
        };
        io.set_nodelay(true)
            .map_err(|e| Failure::new(format!("connect: {e}")))?;
        Ok(Conn {
            io,
            buf: BytesMut::with_capacity(8 * 1024),
            idle_since: Instant::now(),
        })
    }

    /// Puts a connection whose exchange ended cleanly back for the next request.
    pub(super) fn release(&self, mut conn: Conn, now: Instant) {
        let mut idle = self.idle.borrow_mut();
        if idle.len() < MAX_POOLED && conn.buf.is_empty() {
            conn.idle_since = now;
            idle.push(conn);
        }
    }
}

/// `method` may be sent again when a reused connection turns out closed.
fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// The request as bytes: request line, the outgoing headers, `Host`, the body's length.
fn encode(
    pool: &Pool,
    out: &Outgoing<'_>,
    host: Option<&HeaderValue>,
    body: Option<&Bytes>,
) -> Vec<u8> {
    let mut w = Vec::with_capacity(512 + body.map_or(0, Bytes::len));
    w.extend_from_slice(out.method.as_str().as_bytes());
    w.push(b' ');
    w.extend_from_slice(pool.prefix.as_bytes());
    w.extend_from_slice(out.path.as_bytes());
    if !out.query.is_empty() {
        w.push(b'?');
        w.extend_from_slice(out.query.as_bytes());
    }
    w.extend_from_slice(b" HTTP/1.1\r\n");
    out.headers.write_into(&mut w);
    // The client's `Host` is never forwarded: the upstream's own is sent.
    if let Some(host) = host {
        w.extend_from_slice(b"host: ");
        w.extend_from_slice(host.as_bytes());
        w.extend_from_slice(b"\r\n");
    }
    if let Some(body) = body {
        w.extend_from_slice(b"content-length: ");
        w.extend_from_slice(body.len().to_string().as_bytes());
        w.extend_from_slice(b"\r\n\r\n");
        w.extend_from_slice(body);
    } else {
        w.extend_from_slice(b"\r\n");
    }
    w
}

/// A parsed response head: status, how its body is delimited, and the headers that go
/// back to the client (hop-by-hop ones, `Content-Length` and those named in `Connection`
/// are left out as they are parsed: `gateway::headers::forward_response_header` decides).
struct Head {
    status: StatusCode,
    http11: bool,
    delimiters: Delimiters,
    headers: HeaderMap,
}

/// Parses a complete head at the start of `buf` (removing it), `None` when more bytes are
/// needed. Header values are slices of the head's bytes (no copy).
fn parse_head(buf: &mut BytesMut) -> Result<Option<Head>, Failure> {
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut slots,
    );
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(Failure::new("response head too large"))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(Failure::new(format!("malformed response head: {e}"))),
    };
    let status = response
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| Failure::new("malformed status"))?;
    let http11 = response.version == Some(1);
    let mut delimiters = Delimiters::default();
    for h in response.headers.iter() {
        delimiters.see(h.name.as_bytes(), h.value);
    }
    let base = buf.as_ptr() as usize;
    let mut kept = Vec::with_capacity(response.headers.len());
    for h in response.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| Failure::new("malformed header name"))?;
        if forward_response_header(name.as_str(), &delimiters.listed) {
            let start = (h.value.as_ptr() as usize).saturating_sub(base);
            kept.push((name, start..start + h.value.len()));
        }
    }
    let head = buf.split_to(len).freeze();
    let mut headers = HeaderMap::with_capacity(kept.len());
    for (name, span) in kept {
        let value = head
            .get(span.clone())
            .map(|_| head.slice(span))
            .and_then(|v| HeaderValue::from_maybe_shared(v).ok())
            .ok_or_else(|| Failure::new("malformed header value"))?;
        headers.append(name, value);
    }
    Ok(Some(Head {
        status,
        http11,
        delimiters,
        headers,
    }))
}

/// Sends the request and reads the answer's head (and a small body) on one connection.
async fn exchange_on(
    conn: &mut Conn,
    request: &[u8],
    head_only: bool,
) -> Result<(Head, Framing), Failure> {
    conn.io
        .write_all(request)
        .await
        .map_err(|e| Failure::new(format!("write: {e}")))?;
    let head = loop {
        if let Some(head) = parse_head(&mut conn.buf)? {
            if head.status.is_informational() {
                if head.status == StatusCode::SWITCHING_PROTOCOLS {
                    return Err(Failure::new("upstream switched protocols"));
                }
                continue; // 100 Continue and friends: the final answer follows
            }
            break head;
        }
        let n = conn
            .io
            .read_buf(&mut conn.buf)
            .await
            .map_err(|e| Failure::new(format!("read: {e}")))?;
        if n == 0 {
            return Err(Failure::new("closed before answering"));
        }
    };
    let framing = Framing::of(head.status, head.http11, head_only, &head.delimiters)?;
    Ok((head, framing))
}

/// One exchange with the upstream: the head within the caller's deadline, then the body as
/// described in the module documentation. `now`: when the exchange started.
pub async fn exchange(
    pool: &Rc<Pool>,
    out: &Outgoing<'_>,
    host: Option<&HeaderValue>,
    body: Option<Bytes>,
    now: Instant,
) -> Result<Answer, Failure> {
    let request = encode(pool, out, host, body.as_ref());
    let head_only = out.method == Method::HEAD;
    let (mut conn, reused) = match pool.pooled(now).await {
        Some(conn) => (conn, true),
        None => (pool.connect().await?, false),
    };
    let (head, framing) = match exchange_on(&mut conn, &request, head_only).await {
        Ok(done) => done,
        // The upstream closed a kept-alive connection under us: once more on a new one.
        Err(_) if reused && conn.buf.is_empty() && idempotent(&out.method) => {
            conn = pool.connect().await?;
            exchange_on(&mut conn, &request, head_only).await?
        }
        Err(e) => return Err(e),
    };
    let body = match framing {
        Framing::Empty { reuse } => {
            if reuse {
                pool.release(conn, now);
            }
            BoxBody::new(())
        }
        Framing::Length { length, reuse } if length <= super::proxy::PREFETCH_BYTES as u64 => {
            let length = length as usize;
            while conn.buf.len() < length {
                let n = conn
                    .io
                    .read_buf(&mut conn.buf)
                    .await
                    .map_err(|e| Failure::new(format!("read body: {e}")))?;
                if n == 0 {
                    return Err(Failure::new("closed within the body"));
                }
            }
            let bytes = conn.buf.split_to(length).freeze();
            if reuse {
                pool.release(conn, now);
            }
            BoxBody::new(bytes)
        }
        Framing::Length { length, reuse } => BoxBody::new(SizedStream::new(
            length,
            Reader::new(pool.clone(), conn, framing, reuse),
        )),
        Framing::Chunked { reuse } | Framing::UntilClose { reuse } => BoxBody::new(
            BodyStream::new(Reader::new(pool.clone(), conn, framing, reuse)),
        ),
    };
    Ok(Answer {
        status: head.status,
        headers: head.headers,
        body,
    })
}

#[cfg(test)]
#[path = "upstream_h1_tests.rs"]
mod tests;
