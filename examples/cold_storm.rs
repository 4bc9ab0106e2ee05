//! The client side of `benches/storm.sh`: a cold-start storm against a freshly started
//! gateway. Every token of the file but the last belongs to a cold caller: each opens its
//! own connection and sends its first request at the same moment. The last token is a warm
//! caller: served once first, it then sends requests one after another on a kept-alive
//! connection, in a thread of its own, and times each. Prints one JSON object: when the
//! last cold request was served, cold latency percentiles, statuses, and the warm caller's
//! latencies before and during the storm.
//!
//! Written in Rust (plain sockets, one current-thread runtime) so that the client's own
//! cost stays small next to what it measures: a Python client took tens of milliseconds
//! just to open 300 connections on this 2-core machine.
//!
//!   cargo run --release --example cold_storm -- 127.0.0.1:19203 /v1/integrations/github tokens.txt

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn request(host: &str, path: &str, token: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nx-api-key: {token}\r\nAccept: application/json\r\n\r\n"
    )
    .into_bytes()
}

/// Status and total length of one response at the start of `buf`, once complete.
fn parse(buf: &[u8]) -> Option<(u16, usize)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    (buf.len() >= head_end + length).then_some((status, head_end + length))
}

fn blocking_exchange(sock: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> std::io::Result<u16> {
    sock.write_all(req)?;
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some((status, used)) = parse(buf) {
            buf.drain(..used);
            return Ok(status);
        }
        let n = sock.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// (start, latency, status) of each warm request until `stop`.
fn warm(
    addr: String,
    req: Vec<u8>,
    stop: Arc<AtomicBool>,
    ready: std::sync::mpsc::Sender<()>,
) -> Vec<(Instant, Duration, u16)> {
    let mut sock = TcpStream::connect(&addr).expect("warm connect");
    sock.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::new();
    blocking_exchange(&mut sock, &req, &mut buf).expect("warm first request");
    let _ = ready.send(());
    let mut out = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let t0 = Instant::now();
        let status = blocking_exchange(&mut sock, &req, &mut buf).expect("warm request");
        out.push((t0, t0.elapsed(), status));
        std::thread::sleep(Duration::from_millis(2));
    }
    out
}

async fn cold(addr: String, req: Vec<u8>) -> std::io::Result<(Instant, Instant, u16)> {
    let t0 = Instant::now();
    let mut sock = tokio::net::TcpStream::connect(&addr).await?;
    sock.set_nodelay(true)?;
    sock.write_all(&req).await?;
    let mut buf = Vec::with_capacity(1024);
    loop {
        if let Some((status, _)) = parse(&buf) {
            return Ok((t0, Instant::now(), status));
        }
        if sock.read_buf(&mut buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn pct(sorted: &[Duration], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let i = ((p / 100.0) * last as f64).round() as usize;
    sorted.get(i.min(last)).map(|d| ms(*d))
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(path), Some(file)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: cold_storm ADDR PATH TOKENS_FILE");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(file)?;
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    let Some(warm_token) = tokens.pop() else {
        eprintln!("no tokens");
        std::process::exit(2);
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let warm_thread = {
        let (addr, req, stop) = (
            addr.clone(),
            request(&addr, &path, warm_token),
            stop.clone(),
        );
        std::thread::spawn(move || warm(addr, req, stop, ready_tx))
    };
    ready_rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| std::io::Error::other("warm caller never answered"))?;
    std::thread::sleep(Duration::from_millis(300)); // a baseline of warm requests
    let requests: Vec<Vec<u8>> = tokens.iter().map(|t| request(&addr, &path, t)).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let start = Instant::now();
    let results = runtime.block_on(async {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|req| tokio::spawn(cold(addr.clone(), req)))
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.map_err(std::io::Error::other).and_then(|r| r));
        }
        results
    });
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    let timings = warm_thread
        .join()
        .map_err(|_| std::io::Error::other("warm caller panicked"))?;

    let served: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| format!("\"{e}\"")))
        .take(3)
        .collect();
    let end = served.iter().map(|r| r.1).max().unwrap_or(start);
    let mut lat: Vec<Duration> = served.iter().map(|r| r.1 - r.0).collect();
    lat.sort();
    let mut statuses = std::collections::BTreeMap::new();
    for r in &served {
        *statuses.entry(r.2).or_insert(0u32) += 1;
    }
    let mut before: Vec<Duration> = timings
        .iter()
        .filter(|t| t.0 + t.1 < start)
        .map(|t| t.1)
        .collect();
    let mut during: Vec<Duration> = timings
        .iter()
        .filter(|t| t.0 < end && t.0 + t.1 > start)
        .map(|t| t.1)
        .collect();
    before.sort();
    during.sort();
    let num = |v: Option<f64>| v.map_or("null".to_owned(), |v| v.to_string());
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(s, n)| format!("\"{s}\": {n}"))
        .collect();
    println!(
        "{{\"clients\": {}, \"all_served_ms\": {}, \"cold_p50_ms\": {}, \"cold_p99_ms\": {}, \
         \"cold_max_ms\": {}, \"statuses\": {{{}}}, \"errors\": [{}], \"warm_before_p50_ms\": {}, \
         \"warm_during_n\": {}, \"warm_during_p50_ms\": {}, \"warm_during_p99_ms\": {}, \
         \"warm_during_max_ms\": {}}}",
        tokens.len(),
        ms(end - start),
        num(pct(&lat, 50.0)),
        num(pct(&lat, 99.0)),
        num(pct(&lat, 100.0)),
        statuses.join(", "),
        errors.join(", "),
        num(pct(&before, 50.0)),
        during.len(),
        num(pct(&during, 50.0)),
        num(pct(&during, 99.0)),
        num(pct(&during, 100.0)),
    );
    Ok(())
}
