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
use actix_web::http::header::{HeaderMap, CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::http::StatusCode;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::io::{AsyncRead, ReadBuf};

use super::chunked::Chunked;
use super::{Conn, Failure, Pool};

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

impl Framing {
    /// The framing of an answer with this status, version and headers.
    pub fn of(
        status: StatusCode,
        http11: bool,
        head_only: bool,
        headers: &HeaderMap,
    ) -> Result<Framing, Failure> {
        let close = headers.get_all(CONNECTION).any(|v| {
            v.as_bytes()
                .split(|b| *b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
        });
        let reuse = http11 && !close;
        if head_only || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
            return Ok(Framing::Empty { reuse });
        }
        let mut codings = headers.get_all(TRANSFER_ENCODING).peekable();
        if codings.peek().is_some() {
            let last = codings
                .flat_map(|v| v.as_bytes().split(|b| *b == b','))
                .map(<[u8]>::trim_ascii)
                .filter(|t| !t.is_empty())
                .last();
            // A length beside a transfer coding is ignored, and such a connection not kept.
            let reuse = reuse && !headers.contains_key(CONTENT_LENGTH);
            return Ok(match last {
                Some(t) if t.eq_ignore_ascii_case(b"chunked") => Framing::Chunked { reuse },
                _ => Framing::UntilClose { reuse: false },
            });
        }
        let mut length: Option<u64> = None;
        for value in headers.get_all(CONTENT_LENGTH) {
            let parsed = std::str::from_utf8(value.as_bytes())
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| Failure("invalid content-length".to_owned()))?;
            if length.is_some_and(|l| l != parsed) {
                return Err(Failure("conflicting content-length values".to_owned()));
            }
            length = Some(parsed);
        }
        Ok(match length {
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
