//! How an upstream answer's body is delimited (RFC 9112 §6.3), and [`Reader`], the stream
//! that passes a body on as it arrives and gives the connection back to its pool when the
//! body ended cleanly and the connection may be kept.
//!
//! Must never give back a connection before its body's last byte was read, nor one that
//! holds bytes beyond it.

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::error::PayloadError;
use actix_web::http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::http::StatusCode;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::io::{AsyncRead, ReadBuf};

use super::chunked::Chunked;
use super::{Conn, Failure, Pool};
use crate::gateway::headers::forward_response_header;

/// Bytes read from the upstream at a time while streaming.
const READ_CHUNK: usize = 16 * 1024;

/// How the body ends, and whether the connection may serve another request after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (HEAD, 204, 304).
    Empty { reuse: bool },
    /// `Content-Length` bytes.
    Length { length: u64, reuse: bool },
    /// `Transfer-Encoding: chunked`.
    Chunked { reuse: bool },
    /// Everything until the upstream closes (never reused).
    UntilClose { reuse: bool },
}

/// What a response head says about delimiting its body, gathered from its raw headers.
#[derive(Debug)]
pub struct Delimiters {
    /// `Connection: close`.
    close: bool,
    /// Header names listed in `Connection` (lower case), which are hop-by-hop.
    pub listed: Vec<String>,
    /// `Transfer-Encoding` present, and whether its last coding is `chunked`.
    codings: Option<bool>,
    /// `Content-Length` values agree (`Err` when they do not, or one is malformed).
    length: Result<Option<u64>, &'static str>,
}

impl Default for Delimiters {
    fn default() -> Self {
        Self {
            close: false,
            listed: Vec::new(),
            codings: None,
            length: Ok(None),
        }
    }
}

fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|b| *b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
}

impl Delimiters {
    /// Takes one raw header into account.
    pub fn see(&mut self, name: &[u8], value: &[u8]) {
        if name.eq_ignore_ascii_case(CONNECTION.as_str().as_bytes()) {
            for token in tokens(value) {
                if token.eq_ignore_ascii_case(b"close") {
                    self.close = true;
                    continue;
                }
                let token = String::from_utf8_lossy(token).to_ascii_lowercase();
                // `keep-alive` (what most upstreams send) is hop-by-hop already: no need to
                // remember it, and no allocation on the common path.
                if forward_response_header(&token, &[]) {
                    self.listed.push(token);
                }
            }
        } else if name.eq_ignore_ascii_case(TRANSFER_ENCODING.as_str().as_bytes()) {
            let last = tokens(value).last();
            let chunked = last.is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"));
            // A later header's codings come after this one's.
            self.codings = Some(match (self.codings, last) {
                (Some(before), None) => before,
                _ => chunked,
            });
        } else if name.eq_ignore_ascii_case(CONTENT_LENGTH.as_str().as_bytes()) {
            let parsed = std::str::from_utf8(value)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u64>().ok());
            self.length = match (self.length, parsed) {
                (Err(e), _) => Err(e),
                (_, None) => Err("invalid content-length"),
                (Ok(Some(a)), Some(b)) if a != b => Err("conflicting content-length values"),
                (Ok(_), Some(b)) => Ok(Some(b)),
            };
        }
    }
}

impl Framing {
    /// The framing of an answer with this status and version, delimited as `d` says.
    pub fn of(
        status: StatusCode,
        http11: bool,
        head_only: bool,
        d: &Delimiters,
    ) -> Result<Framing, Failure> {
        let reuse = http11 && !d.close;
        if head_only || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
            return Ok(Framing::Empty { reuse });
        }
        if let Some(chunked) = d.codings {
            // A length beside a transfer coding is ignored, and such a connection not kept.
            let reuse = reuse && matches!(d.length, Ok(None));
            return Ok(if chunked {
                Framing::Chunked { reuse }
            } else {
                Framing::UntilClose { reuse: false }
            });
        }
        Ok(match d.length.map_err(Failure::new)? {
            Some(0) => Framing::Empty { reuse },
            Some(length) => Framing::Length { length, reuse },
            None => Framing::UntilClose { reuse: false },
        })
    }
}

/// A body being passed on; holds its connection until the end.
pub struct Reader {
    pool: Rc<Pool>,
    conn: Option<Conn>,
    framing: Framing,
    /// Body bytes still expected (`Length`).
    remaining: u64,
    chunked: Chunked,
    reuse: bool,
}

impl Reader {
    pub fn new(pool: Rc<Pool>, conn: Conn, framing: Framing, reuse: bool) -> Reader {
        let remaining = match framing {
            Framing::Length { length, .. } => length,
            _ => 0,
        };
        Reader {
            pool,
            conn: Some(conn),
            framing,
            remaining,
            chunked: Chunked::default(),
            reuse,
        }
    }

    /// The body ended: give the connection back when it may be kept.
    fn end(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.reuse {
                self.pool.release(conn, Instant::now());
            }
        }
    }

    /// Data already in the buffer, if the framing lets some out now.
    fn take(&mut self) -> Result<Option<Bytes>, PayloadError> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(None);
        };
        let buf: &mut BytesMut = &mut conn.buf;
        match self.framing {
            Framing::Length { .. } => {
                if buf.is_empty() {
                    return Ok(None);
                }
                let take = usize::try_from(self.remaining)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                self.remaining -= take as u64;
                Ok(Some(buf.split_to(take).freeze()))
            }
            Framing::Chunked { .. } => self.chunked.decode(buf).map_err(|e| {
                PayloadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e.0))
            }),
            Framing::UntilClose { .. } => Ok((!buf.is_empty()).then(|| buf.split().freeze())),
            Framing::Empty { .. } => Ok(None),
        }
    }

    fn finished(&self) -> bool {
        match self.framing {
            Framing::Length { .. } => self.remaining == 0,
            Framing::Chunked { .. } => self.chunked.is_done(),
            Framing::UntilClose { .. } => false,
            Framing::Empty { .. } => true,
        }
    }
}

impl Stream for Reader {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.finished() {
                this.end();
                return Poll::Ready(None);
            }
            match this.take() {
                Ok(Some(data)) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                Ok(_) => {}
                Err(e) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(e)));
                }
            }
            if this.finished() {
                continue;
            }
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            // Streamed bodies only (large ones): zeroing the read space is cheap next to them.
            let before = conn.buf.len();
            conn.buf.resize(before + READ_CHUNK, 0);
            let read = {
                let mut read = ReadBuf::new(&mut conn.buf[before..]);
                match Pin::new(&mut conn.io).poll_read(cx, &mut read) {
                    Poll::Pending => Err(None),
                    Poll::Ready(Err(e)) => Err(Some(e)),
                    Poll::Ready(Ok(())) => Ok(read.filled().len()),
                }
            };
            conn.buf.truncate(before + *read.as_ref().unwrap_or(&0));
            let read = match read {
                Err(None) => return Poll::Pending,
                Err(Some(e)) => Err(e),
                Ok(n) => Ok(n),
            };
            match read {
                Ok(0) => {
                    // The upstream closed: the end of an `UntilClose` body, else a cut.
                    let cut = !matches!(this.framing, Framing::UntilClose { .. });
                    this.conn = None;
                    return Poll::Ready(cut.then_some(Err(PayloadError::Incomplete(None))));
                }
                Ok(_) => {}
                Err(e) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(PayloadError::Io(e))));
                }
            }
        }
    }
}
