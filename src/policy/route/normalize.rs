//! Request-path normalization: the one canonical spelling of a path that is both matched
//! against the route table and forwarded to the backend, so the gateway and the backend can
//! never disagree about which resource a request names.
//!
//! Owns [`normalize_path`]. Pure: no I/O, no allocation beyond the output string. It must
//! never return a path that a backend could read differently from the router (traversal,
//! encoded separators, parameters hidden in a segment): anything ambiguous is refused with
//! a [`PathError`] (the gateway answers 400) instead of being repaired.
//!
//! Input is the raw, still percent-encoded path of the request target without the query.
//! Rules, in the order they apply:
//! 1. **Absolute.** The path must start with `/`; an empty path is refused (`NotAbsolute`).
//! 2. **Percent-encoding.** `%` must be followed by two hex digits (`BadPercentEncoding`).
//!    An encoded unreserved character (ALPHA, DIGIT, `-`, `_`, `~`) is decoded (`%41` → `A`).
//!    Refused: an encoded dot `%2E` (`EncodedDot`), slash `%2F` (`EncodedSlash`), backslash
//!    `%5C` (`Backslash`), percent `%25`, i.e. double encoding (`EncodedPercent`), semicolon
//!    `%3B` (`MatrixParameter`) and control characters `%00`–`%1F`, `%7F`
//!    (`ControlCharacter`). Every other escape stays encoded, with upper-case hex
//!    (`%c3%a9` → `%C3%A9`); the bytes of consecutive escapes must decode to UTF-8
//!    (`NotUtf8`).
//! 3. **Raw characters.** Refused: control characters (below 0x20 and 0x7F,
//!    `ControlCharacter`), `\` (`Backslash`) and `;` (`MatrixParameter`). Kept: unreserved
//!    characters, `.`, the sub-delimiters `! $ & ' ( ) * + , =`, `:` and `@`. Every other
//!    character (space, `"`, `<`, `>`, `[`, `]`, `^`, `` ` ``, `{`, `|`, `}`, `#`, `?` and
//!    all non-ASCII, which arrives as UTF-8) is percent-encoded with upper-case hex, so the
//!    output is plain ASCII and has one spelling (`é` and `%C3%A9` are the same path).
//! 4. **Dot segments.** A segment `.` or `..` is refused (`DotSegment`), and so is a segment
//!    ending with a dot such as `/admin.` (`TrailingDot`), which some servers strip.
//! 5. **Empty segments.** `//` anywhere is refused (`DoubleSlash`), except that one trailing
//!    slash is removed (`/v1/teams/` → `/v1/teams`); the root `/` stays `/`.
//! 6. **Case** is preserved, in segments and in what the escapes stand for; matching is
//!    case-sensitive.
//!
//! The output is a fixpoint: normalizing it again gives it back unchanged.

use super::error::PathError;

/// Normalizes a raw request path (see the module documentation for the rules).
pub fn normalize_path(raw: &str) -> Result<String, PathError> {
    let rest = raw.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
    let mut out = String::with_capacity(raw.len() + 8);
    if rest.is_empty() {
        out.push('/');
        return Ok(out);
    }
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        if segment.is_empty() {
            if segments.peek().is_none() {
                break; // the single trailing slash
            }
            return Err(PathError::DoubleSlash);
        }
        out.push('/');
        let start = out.len();
        push_segment(segment, &mut out)?;
        check_dots(&out[start..])?;
    }
    Ok(out)
}

/// Appends one raw segment to `out` in normalized form.
fn push_segment(segment: &str, out: &mut String) -> Result<(), PathError> {
    let bytes = segment.as_bytes();
    let mut pending = Utf8Run::default();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let decoded = match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => (hi << 4) | lo,
                _ => return Err(PathError::BadPercentEncoding(fragment(segment, i))),
            };
            let escape = || format!("%{}", segment.get(i + 1..i + 3).unwrap_or_default());
            match decoded {
                b'.' => return Err(PathError::EncodedDot(escape())),
                b'/' => return Err(PathError::EncodedSlash(escape())),
                b'\\' => return Err(PathError::Backslash(escape())),
                b'%' => return Err(PathError::EncodedPercent(escape())),
                b';' => return Err(PathError::MatrixParameter(escape())),
                _ if is_control(decoded) => {
                    return Err(PathError::ControlCharacter(encoded(decoded)))
                }
                _ if is_unreserved(decoded) => {
                    pending.finish()?;
                    out.push(char::from(decoded));
                }
                _ => {
                    pending.push(decoded)?;
                    push_encoded(out, decoded);
                }
            }
            i += 3;
        } else {
            match byte {
                _ if is_control(byte) => return Err(PathError::ControlCharacter(encoded(byte))),
                b'\\' => return Err(PathError::Backslash("\\".to_owned())),
                b';' => return Err(PathError::MatrixParameter(";".to_owned())),
                _ if is_kept_raw(byte) => {
                    pending.finish()?;
                    out.push(char::from(byte));
                }
                _ => {
                    pending.push(byte)?;
                    push_encoded(out, byte);
                }
            }
            i += 1;
        }
    }
    pending.finish()
}

/// Rule 4 on a segment that is already in normalized form.
fn check_dots(segment: &str) -> Result<(), PathError> {
    if segment == "." || segment == ".." {
        Err(PathError::DotSegment(segment.to_owned()))
    } else if segment.ends_with('.') {
        Err(PathError::TrailingDot(segment.to_owned()))
    } else {
        Ok(())
    }
}

/// Bytes that are written as `%XX`, collected until they form whole UTF-8 characters. An
/// ASCII byte ends the run, so a character split by one is refused.
#[derive(Default)]
struct Utf8Run {
    bytes: [u8; 4],
    len: usize,
}

impl Utf8Run {
    fn push(&mut self, byte: u8) -> Result<(), PathError> {
        if byte.is_ascii() {
            self.finish()?;
            return Ok(());
        }
        let Some(slot) = self.bytes.get_mut(self.len) else {
            return Err(self.error());
        };
        *slot = byte;
        self.len += 1;
        match std::str::from_utf8(&self.bytes[..self.len]) {
            Ok(_) => self.len = 0,
            Err(e) if e.error_len().is_none() => {} // an incomplete character so far
            Err(_) => return Err(self.error()),
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), PathError> {
        if self.len == 0 {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn error(&self) -> PathError {
        PathError::NotUtf8(self.bytes[..self.len].iter().map(|b| encoded(*b)).collect())
    }
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    let byte = *byte?;
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7F
}

/// RFC 3986 unreserved characters except `.`, which is never decoded from `%2E`.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'~')
}

/// Raw characters kept as they are: RFC 3986 `pchar` without `;` and `%`.
fn is_kept_raw(byte: u8) -> bool {
    is_unreserved(byte)
        || matches!(
            byte,
            b'.' | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b'='
                | b':'
                | b'@'
        )
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn push_encoded(out: &mut String, byte: u8) {
    out.push('%');
    out.push(char::from(HEX_UPPER[usize::from(byte >> 4)]));
    out.push(char::from(HEX_UPPER[usize::from(byte & 0x0F)]));
}

fn encoded(byte: u8) -> String {
    let mut out = String::with_capacity(3);
    push_encoded(&mut out, byte);
    out
}

/// The malformed escape at `at` (the `%` and up to two characters), printable.
fn fragment(segment: &str, at: usize) -> String {
    let mut out = String::new();
    for c in segment.get(at..).unwrap_or_default().chars().take(3) {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                push_encoded(&mut out, byte);
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
