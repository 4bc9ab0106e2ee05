//! The `chunked` transfer coding of an upstream's response body (RFC 9112 §7.1), decoded
//! incrementally: bytes go in as they arrive, data comes out, and the decoder says when the
//! body (last chunk and trailer section) has ended.
//!
//! Pure: no I/O. Must never accept a chunk size that overflows, a line longer than
//! [`MAX_LINE`], or anything but CRLF after a chunk's data; trailers are read and dropped.

use bytes::{Buf, Bytes, BytesMut};

/// The longest chunk-size line or trailer line accepted.
pub const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line (`1a;ext=1\r\n`).
    Size,
    /// This many data bytes of the current chunk remain.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines after the last chunk, up to an empty line.
    Trailers,
    Done,
}

/// An incremental decoder.
#[derive(Debug)]
pub struct Chunked {
    state: State,
}

/// A malformed chunked body.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

impl Default for Chunked {
    fn default() -> Self {
        Self { state: State::Size }
    }
}

/// Removes one CRLF-terminated line from the front of `buf`, without its CRLF.
fn line(buf: &mut BytesMut) -> Result<Option<BytesMut>, Malformed> {
    match buf.windows(2).position(|w| w == b"\r\n") {
        Some(end) => {
            let mut line = buf.split_to(end + 2);
            line.truncate(end);
            Ok(Some(line))
        }
        None if buf.len() > MAX_LINE => Err(Malformed("chunk line too long")),
        None => Ok(None),
    }
}

fn chunk_size(line: &[u8]) -> Result<u64, Malformed> {
    let digits = line.split(|b| *b == b';').next().unwrap_or_default();
    let digits = digits.trim_ascii();
    if digits.is_empty() {
        return Err(Malformed("empty chunk size"));
    }
    let mut size: u64 = 0;
    for b in digits {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(Malformed("invalid chunk size")),
        };
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(d)))
            .ok_or(Malformed("chunk size overflows"))?;
    }
    Ok(size)
}

impl Chunked {
    /// Whether the last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes what `buf` holds: the data found (possibly empty; call again after more bytes
    /// arrive), leaving in `buf` what is not consumed yet. After the end, `buf` keeps any
    /// bytes that follow the body.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, Malformed> {
        loop {
            match self.state {
                State::Size => {
                    let Some(line) = line(buf)? else {
                        return Ok(None);
                    };
                    let size = chunk_size(&line)?;
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::Data(size)
                    };
                }
                State::Data(remaining) => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    let data = buf.split_to(take).freeze();
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                    return Ok(Some(data));
                }
                State::DataEnd => {
                    if buf.len() < 2 {
                        return Ok(None);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(Malformed("missing CRLF after chunk data"));
                    }
                    buf.advance(2);
                    self.state = State::Size;
                }
                State::Trailers => {
                    let Some(line) = line(buf)? else {
                        return Ok(None);
                    };
                    if line.is_empty() {
                        self.state = State::Done;
                    }
                }
                State::Done => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns the data and what followed the body.
    fn decode_all(input: &[u8], step: usize) -> Result<(Vec<u8>, Vec<u8>), Malformed> {
        let mut decoder = Chunked::default();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in input.chunks(step.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(data) = decoder.decode(&mut buf)? {
                out.extend_from_slice(&data);
            }
        }
        if !decoder.is_done() {
            return Err(Malformed("incomplete"));
        }
        Ok((out, buf.to_vec()))
    }

    #[test]
    fn chunked_bodies_decode_whatever_the_read_sizes() {
        type Case = (
            &'static [u8],
            Result<(&'static [u8], &'static [u8]), &'static str>,
        );
        let cases: &[Case] = &[
            (b"5\r\nhello\r\n0\r\n\r\n", Ok((b"hello", b""))),
            (
                b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT",
                Ok((b"hello world", b"NEXT")),
            ),
            (
                b"A;name=value\r\n0123456789\r\n0\r\n\r\n",
                Ok((b"0123456789", b"")),
            ),
            (b"1\r\nx\r\n0\r\nx-trailer: 1\r\n\r\n", Ok((b"x", b""))),
            (b"0\r\n\r\n", Ok((b"", b""))),
            (b"g\r\nx\r\n0\r\n\r\n", Err("invalid chunk size")),
            (b"\r\nx\r\n", Err("empty chunk size")),
            (
                b"1\r\nxy\r\n0\r\n\r\n",
                Err("missing CRLF after chunk data"),
            ),
            (b"ffffffffffffffffff\r\n", Err("chunk size overflows")),
            (b"5\r\nhel", Err("incomplete")),
        ];
        for (input, expected) in cases {
            for step in [1, 2, 3, 7, 1024] {
                let got = decode_all(input, step);
                match (expected, &got) {
                    (Ok((data, rest)), Ok((d, r))) => {
                        assert_eq!((d.as_slice(), r.as_slice()), (*data, *rest), "{input:?}")
                    }
                    (Err(why), Err(Malformed(w))) => assert_eq!(why, w, "{input:?}"),
                    _ => panic!("{input:?} step {step}: {got:?}"),
                }
            }
        }
        let long = vec![b'1'; MAX_LINE + 1];
        assert_eq!(
            decode_all(&long, 4096),
            Err(Malformed("chunk line too long"))
        );
    }
}
