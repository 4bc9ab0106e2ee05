//! Gateway edge cases with raw sockets and misbehaving upstreams: streaming large bodies,
//! upstreams down, slow or resetting, unframeable requests, header limits, CORS.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use bytes::Bytes;
use futures_util::stream;
use scopegate::config::{RouteConfig, UpstreamConfig, UpstreamTable};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use super::harness::TestApp;
use super::raw::{get, raw};

const BIG: u64 = 50 * 1024 * 1024;

/// A backend that answers every request with `BIG` bytes, streamed in 64 KiB chunks.
fn start_big_backend() -> SocketAddr {
    let server = HttpServer::new(|| {
        App::new().default_service(web::to(|| async {
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            let chunks = stream::iter(
                (0..BIG / (64 * 1024)).map(move |_| Ok::<_, actix_web::Error>(chunk.clone())),
            );
            HttpResponse::Ok().no_chunking(BIG).streaming(chunks)
        }))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    addr
}

/// Accepts connections and never answers.
async fn start_silent_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    actix_web::rt::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    addr
}

/// Accepts, reads the request head, and closes the connection without an answer.
async fn start_resetting_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    actix_web::rt::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            drop(s);
        }
    });
    addr
}

fn public_route(path: &str, upstream: &str) -> RouteConfig {
    RouteConfig {
        methods: vec!["GET".into(), "POST".into()],
        path: path.into(),
        upstream: upstream.into(),
        public: true,
        ..Default::default()
    }
}

async fn edge_app() -> TestApp {
    let big = start_big_backend();
    let silent = start_silent_backend().await;
    let resetting = start_resetting_backend().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    TestApp::start_with(move |c| {
        let table = |addr: SocketAddr, timeout: u64| {
            UpstreamConfig::Table(UpstreamTable {
                url: format!("http://{addr}"),
                connect_timeout_ms: Some(300),
                timeout_ms: Some(timeout),
                ca_file: None,
            })
        };
        c.upstreams
            .insert("big".into(), UpstreamConfig::Url(format!("http://{big}")));
        c.upstreams.insert("silent".into(), table(silent, 400));
        c.upstreams
            .insert("resetting".into(), table(resetting, 2000));
        c.upstreams.insert("down".into(), table(closed, 2000));
        c.routes.push(public_route("/t/big", "big"));
        c.routes.push(public_route("/t/silent", "silent"));
        c.routes.push(public_route("/t/resetting", "resetting"));
        c.routes.push(public_route("/t/down", "down"));
        c.routes.push(public_route("/t/echo", "teams"));
        c.server.max_header_bytes = 4096;
        c.gateway.cors_allowed_origins = vec!["https://dash.example".into()];
    })
    .await
}

#[actix_web::test]
async fn large_bodies_stream_both_ways() {
    let app = edge_app().await;
    let upload = stream::iter(
        (0..BIG / (1024 * 1024))
            .map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'y'; 1024 * 1024]))),
    );
    let mut res = app
        .client
        .post(format!("{}/t/echo", app.url))
        .timeout(Duration::from_secs(60))
        .send_stream(upload)
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["received_bytes"], BIG,
        "the backend received all 50 MB"
    );
    let mut res = app
        .client
        .get(format!("{}/t/big", app.url))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(BIG.to_string().as_str())
    );
    let body = res.body().limit(BIG as usize + 1).await.unwrap();
    assert_eq!(body.len() as u64, BIG);
}

#[actix_web::test]
async fn broken_upstreams_answer_json_within_their_timeouts() {
    let app = edge_app().await;
    let started = Instant::now();
    let silent = app.call("GET", "/t/silent", None, None).await;
    assert_eq!(
        (silent.status, silent.body["code"].as_str()),
        (504, Some("UPSTREAM_TIMEOUT"))
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    let down = app.call("GET", "/t/down", None, None).await;
    assert_eq!(
        (down.status, down.body["code"].as_str()),
        (502, Some("UPSTREAM_UNAVAILABLE"))
    );
    let reset = app.call("GET", "/t/resetting", None, None).await;
    assert_eq!(
        (reset.status, reset.body["code"].as_str()),
        (502, Some("UPSTREAM_UNAVAILABLE"))
    );
    assert_eq!(
        app.call("GET", "/t/echo", None, None).await.status,
        200,
        "other upstreams keep working"
    );
    let metrics = app
        .call("GET", "/metrics", None, None)
        .await
        .body
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        metrics.contains(r#"scopegate_upstream_errors_total{kind="timeout",upstream="silent"} 1"#),
        "{metrics}"
    );
}

#[actix_web::test]
async fn unframeable_requests_are_refused_and_nothing_is_forwarded() {
    let app = edge_app().await;
    let smuggle = "POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nDELETE /t/echo HTTP/1.1\r\nHost: x\r\n\r\n";
    let two_lengths =
        "POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde";
    let gzip_te = "POST /t/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc";
    let bad_chunk = "POST /t/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n";
    for request in [smuggle, two_lengths, gzip_te, bad_chunk] {
        let (status, text) = raw(&app.url, request).await;
        assert_eq!(status, 400, "expected 400 for {request:?}: {text}");
        assert!(
            !text.contains("\"backend\""),
            "nothing may be forwarded: {text}"
        );
        assert_eq!(
            text.matches("HTTP/1.1 ").count(),
            1,
            "one answer, then the connection closes: {text}"
        );
    }
}

#[actix_web::test]
async fn header_limits_cors_and_method_overrides() {
    let app = edge_app().await;
    let big_header = "a".repeat(5000);
    let (status, _) = raw(&app.url, &get("/t/echo", &[("x-filler", &big_header)])).await;
    assert!(status == 431 || status == 400, "got {status}");
    let preflight = "OPTIONS /t/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://dash.example\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n";
    let (status, text) = raw(&app.url, preflight).await;
    assert_eq!(status, 204, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("access-control-allow-origin: https://dash.example"),
        "{text}"
    );
    let other = preflight.replace("https://dash.example", "https://evil.example");
    let (status, text) = raw(&app.url, &other).await;
    assert_eq!(status, 403);
    assert!(
        !text
            .to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{text}"
    );
    let (status, text) = raw(
        &app.url,
        &get("/t/echo", &[("Origin", "https://dash.example")]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(text
        .to_ascii_lowercase()
        .contains("access-control-allow-origin: https://dash.example"));
    let (status, text) = raw(
        &app.url,
        &get(
            "/t/echo",
            &[
                ("X-HTTP-Method-Override", "DELETE"),
                ("X_HTTP_Method_Override", "DELETE"),
                ("X-Rewrite-URL", "/x"),
            ],
        ),
    )
    .await;
    assert_eq!(status, 200);
    let body: serde_json::Value =
        serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["method"], "GET");
    assert!(
        !text.to_ascii_lowercase().contains("method-override"),
        "{text}"
    );
}
