//! The access log: one line per gateway request, in the shape tracing-subscriber gives
//! every other line (`text`, or `json` with `--log-format json`), but written straight
//! into the batched log buffer. Formatting it through tracing's field visitors cost about
//! a quarter of the gateway's throughput (measured with `benches/load.sh`); this writer
//! appends bytes under the buffer's lock and allocates nothing.
//!
//! The target `scopegate::access` obeys `RUST_LOG` like any other (e.g.
//! `RUST_LOG=info,scopegate::access=off`). Without [`install`] (library use, tests) the
//! line goes through `tracing` as an ordinary event.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::logbuf::BatchLog;
use crate::policy::role::Principal;

/// The log target of access lines.
pub const TARGET: &str = "scopegate::access";

struct Sink {
    log: BatchLog,
    json: bool,
}

static SINK: OnceLock<Sink> = OnceLock::new();

/// Sends access lines to `log` from now on (called once, when logging starts).
pub fn install(log: BatchLog, json: bool) {
    let _ = SINK.set(Sink { log, json });
}

/// What one access line says.
pub struct Entry<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub route: &'a str,
    pub principal: Option<&'a Principal>,
    pub outcome: &'a str,
    pub status: u16,
    pub upstream_status: u16,
    pub latency_us: u64,
}

/// Writes the line (or hands it to tracing when no sink is installed).
pub fn record(entry: &Entry<'_>) {
    if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        return;
    }
    let Some(sink) = SINK.get() else {
        tracing::info!(
            target: TARGET,
            request_id = entry.request_id,
            method = entry.method,
            path = entry.path,
            route = entry.route,
            principal = %PrincipalText(entry.principal),
            outcome = entry.outcome,
            status = entry.status,
            upstream_status = entry.upstream_status,
            latency_us = entry.latency_us,
        );
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    sink.log
        .append_with(|out| write_line(out, sink.json, now, entry));
}

/// Appends the line for `entry` at `now` (time since the Unix epoch) to `out`.
pub fn write_line(out: &mut Vec<u8>, json: bool, now: std::time::Duration, entry: &Entry<'_>) {
    if json {
        json_line(out, now, entry)
    } else {
        text_line(out, now, entry)
    }
}

struct PrincipalText<'a>(Option<&'a Principal>);

impl std::fmt::Display for PrincipalText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(p) => p.fmt(f),
            None => f.write_str("-"),
        }
    }
}

fn principal(out: &mut Vec<u8>, p: Option<&Principal>) {
    match p {
        Some(p) => {
            out.extend_from_slice(p.principal_type.as_str().as_bytes());
            out.push(b':');
            out.extend_from_slice(p.identifier.as_str().as_bytes());
        }
        None => out.push(b'-'),
    }
}

/// `2026-11-23T15:04:05.123456Z  INFO scopegate::access: request_id=… latency_us=…`
fn text_line(out: &mut Vec<u8>, now: std::time::Duration, e: &Entry<'_>) {
    timestamp(out, now);
    out.extend_from_slice(b"  INFO scopegate::access: request_id=");
    out.extend_from_slice(e.request_id.as_bytes());
    out.extend_from_slice(b" method=");
    out.extend_from_slice(e.method.as_bytes());
    out.extend_from_slice(b" path=");
    out.extend_from_slice(e.path.as_bytes());
    out.extend_from_slice(b" route=\"");
    out.extend_from_slice(e.route.as_bytes());
    out.extend_from_slice(b"\" principal=");
    principal(out, e.principal);
    out.extend_from_slice(b" outcome=\"");
    out.extend_from_slice(e.outcome.as_bytes());
    out.extend_from_slice(b"\" status=");
    decimal(out, e.status.into());
    out.extend_from_slice(b" upstream_status=");
    decimal(out, e.upstream_status.into());
    out.extend_from_slice(b" latency_us=");
    decimal(out, e.latency_us);
    out.push(b'\n');
}

/// The same fields as tracing-subscriber's flattened JSON events.
fn json_line(out: &mut Vec<u8>, now: std::time::Duration, e: &Entry<'_>) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    timestamp(out, now);
    out.extend_from_slice(b"\",\"level\":\"INFO\",\"request_id\":");
    json_str(out, e.request_id);
    out.extend_from_slice(b",\"method\":");
    json_str(out, e.method);
    out.extend_from_slice(b",\"path\":");
    json_str(out, e.path);
    out.extend_from_slice(b",\"route\":");
    json_str(out, e.route);
    out.extend_from_slice(b",\"principal\":\"");
    let start = out.len();
    principal(out, e.principal);
    // Identifiers are `[A-Za-z0-9_.@-]`; escape anyway should that ever change.
    if out[start..]
        .iter()
        .any(|&b| b == b'"' || b == b'\\' || b < 0x20)
    {
        let raw = String::from_utf8_lossy(&out[start..]).into_owned();
        out.truncate(start);
        escape_into(out, &raw);
    }
    out.extend_from_slice(b"\",\"outcome\":");
    json_str(out, e.outcome);
    out.extend_from_slice(b",\"status\":");
    decimal(out, e.status.into());
    out.extend_from_slice(b",\"upstream_status\":");
    decimal(out, e.upstream_status.into());
    out.extend_from_slice(b",\"latency_us\":");
    decimal(out, e.latency_us);
    out.extend_from_slice(b",\"target\":\"scopegate::access\"}\n");
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s);
    out.push(b'"');
}

fn escape_into(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
            _ => out.push(b),
        }
    }
}

fn decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut v = n;
    for d in digits[20 - width..].iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&digits[20 - width..]);
}

thread_local! {
    /// The formatted `YYYY-MM-DDTHH:MM:SS.` of the last second seen on this thread.
    static SECOND: RefCell<(u64, [u8; 20])> = const { RefCell::new((u64::MAX, [0; 20])) };
}

/// RFC 3339 UTC with microseconds, as tracing-subscriber writes it.
fn timestamp(out: &mut Vec<u8>, now: std::time::Duration) {
    let secs = now.as_secs();
    SECOND.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != secs {
            let mut buf = Vec::with_capacity(20);
            let (y, m, d) = civil_from_days((secs / 86_400) as i64);
            let rem = secs % 86_400;
            padded(&mut buf, y as u64, 4);
            buf.push(b'-');
            padded(&mut buf, m, 2);
            buf.push(b'-');
            padded(&mut buf, d, 2);
            buf.push(b'T');
            padded(&mut buf, rem / 3600, 2);
            buf.push(b':');
            padded(&mut buf, rem / 60 % 60, 2);
            buf.push(b':');
            padded(&mut buf, rem % 60, 2);
            buf.push(b'.');
            cached.1.copy_from_slice(&buf);
            cached.0 = secs;
        }
        out.extend_from_slice(&cached.1);
    });
    padded(out, u64::from(now.subsec_micros()), 6);
    out.push(b'Z');
}

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::role::PrincipalType;
    use crate::policy::{Identifier, Scope};
    use std::time::Duration;

    fn entry<'a>(p: Option<&'a Principal>, path: &'a str) -> Entry<'a> {
        Entry {
            request_id: "ab12-7",
            method: "GET",
            path,
            route: "GET /v1/teams/{team}",
            principal: p,
            outcome: "allowed",
            status: 200,
            upstream_status: 200,
            latency_us: 1234,
        }
    }

    fn alice() -> Principal {
        let acme = Identifier::new("acme").unwrap();
        Principal {
            principal_type: PrincipalType::User,
            identifier: Identifier::new("alice").unwrap(),
            scope: Scope::account(acme),
        }
    }

    #[test]
    fn timestamps_match_rfc3339() {
        let mut out = Vec::new();
        // 2026-11-23T15:04:05.000042Z
        timestamp(&mut out, Duration::new(1_795_446_245, 42_000));
        assert_eq!(out, b"2026-11-23T15:04:05.000042Z");
        out.clear();
        timestamp(&mut out, Duration::new(951_782_400, 0)); // leap day
        assert_eq!(out, b"2000-02-29T00:00:00.000000Z");
        out.clear();
        timestamp(&mut out, Duration::ZERO);
        assert_eq!(out, b"1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn text_line_has_the_tracing_shape() {
        let p = alice();
        let mut out = Vec::new();
        text_line(
            &mut out,
            Duration::new(1_795_446_245, 0),
            &entry(Some(&p), "/v1/teams/a"),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-11-23T15:04:05.000000Z  INFO scopegate::access: request_id=ab12-7 method=GET \
             path=/v1/teams/a route=\"GET /v1/teams/{team}\" principal=USER:alice \
             outcome=\"allowed\" status=200 upstream_status=200 latency_us=1234\n"
        );
    }

    #[test]
    fn json_line_is_valid_json_even_for_odd_paths() {
        let mut out = Vec::new();
        let odd = "/v1/\"quoted\"\\back\u{1}";
        json_line(&mut out, Duration::new(5, 0), &entry(None, odd));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["path"], odd);
        assert_eq!(v["principal"], "-");
        assert_eq!(v["status"], 200);
        assert_eq!(v["latency_us"], 1234);
        assert_eq!(v["target"], TARGET);
        assert_eq!(v["timestamp"], "1970-01-01T00:00:05.000000Z");
        assert!(out.ends_with(b"}\n"));
    }

    #[test]
    fn decimals() {
        for n in [0u64, 7, 10, 65_535, u64::MAX] {
            let mut out = Vec::new();
            decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
