//! The lean upstream client against scripted loopback servers: what is sent, every way an
//! answer's body can be delimited, when connections are kept, and the retry of an
//! idempotent request on a kept connection the upstream had closed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::body::to_bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::gateway::headers::{Edge, Identity};
use crate::web::client::TrustedProxies;
use crate::web::request_id::RequestId;

/// A server whose connections are handled by `script(connection number, stream)`; counts
/// connections.
async fn server<F, Fut>(script: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let script = script.clone();
            tokio::spawn(async move { script(n, stream).await });
        }
    });
    (format!("http://{addr}"), count)
}

/// Reads one request head (and a body of its content-length) from `stream`.
async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return Some(data);
            }
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    }
}

/// Answers every request on a connection with `answer`.
fn answering(
    answer: &'static [u8],
) -> impl Fn(usize, TcpStream) -> futures_util::future::BoxFuture<'static, ()> {
    move |_, mut stream| {
        Box::pin(async move {
            while read_request(&mut stream).await.is_some() {
                if stream.write_all(answer).await.is_err() {
                    return;
                }
            }
        })
    }
}

/// A client request as the gateway would forward it.
fn client_request(
    method: Method,
    uri: &str,
    extra: &[(&'static str, &'static str)],
) -> actix_web::HttpRequest {
    let mut req = actix_web::test::TestRequest::default()
        .method(method)
        .uri(uri)
        .peer_addr("10.1.2.3:5000".parse().unwrap())
        .insert_header(("x-request-id", "id-1"));
    for header in extra {
        req = req.insert_header(*header);
    }
    req.to_http_request()
}

/// Sends `req` as the gateway would (its request id, no principal) and returns the answer.
async fn send(
    pool: &Rc<Pool>,
    req: &actix_web::HttpRequest,
    host: Option<&HeaderValue>,
    body: Option<Bytes>,
) -> Result<Answer, Failure> {
    let id = RequestId::from_client(req.headers().get("x-request-id"));
    let trusted = TrustedProxies::parse(&[]);
    let out = crate::gateway::headers::outgoing(
        req.head(),
        Edge {
            trusted: &trusted,
            tls: false,
        },
        false,
        req.path(),
        Identity {
            request_id: &id,
            principal: None,
            allowed_ids: None,
            shadow: None,
        },
    );
    exchange(pool, &out, host, body, Instant::now()).await
}

fn pool_for(base: &str) -> Rc<Pool> {
    Pool::for_base(base, Duration::from_secs(2)).unwrap()
}

async fn get(pool: &Rc<Pool>, path: &str) -> Result<(u16, Bytes), Failure> {
    let answer = send(pool, &client_request(Method::GET, path, &[]), None, None).await?;
    let body = to_bytes(answer.body)
        .await
        .map_err(|_| Failure::new("body"))?;
    Ok((answer.status.as_u16(), body))
}

#[tokio::test]
async fn requests_are_written_whole_with_prefix_host_and_length() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let (base, _) = server(move |_, mut stream| {
        let log = log.clone();
        async move {
            if let Some(request) = read_request(&mut stream).await {
                log.lock().unwrap().push(request);
                let _ = stream
                    .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nx-up: 1\r\n\r\nok")
                    .await;
            }
        }
    })
    .await;
    let pool = pool_for(&format!("{base}/base/"));
    let req = client_request(
        Method::POST,
        "/v1/things?page=2&x=%20",
        &[
            ("accept", "*/*"),
            ("x-api-key", "secret"),
            ("host", "gw.example"),
        ],
    );
    let host = HeaderValue::from_static("upstream.example:8080");
    let answer = send(
        &pool,
        &req,
        Some(&host),
        Some(Bytes::from_static(b"{\"a\":1}")),
    )
    .await
    .unwrap();
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.headers.get("x-up").unwrap(), "1");
    assert_eq!(to_bytes(answer.body).await.unwrap(), "ok");
    let request = String::from_utf8(seen.lock().unwrap().remove(0)).unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let mut lines: Vec<&str> = head.lines().collect();
    assert_eq!(
        lines.remove(0),
        "POST /base/v1/things?page=2&x=%20 HTTP/1.1"
    );
    lines.sort();
    assert_eq!(
        lines,
        [
            "accept: */*",
            "content-length: 7",
            "forwarded: for=10.1.2.3;proto=http;host=\"gw.example\"",
            "host: upstream.example:8080",
            "x-forwarded-for: 10.1.2.3",
            "x-forwarded-host: gw.example",
            "x-forwarded-proto: http",
            "x-real-ip: 10.1.2.3",
            "x-request-id: id-1",
            "x-scopegate-request-id: id-1",
        ]
    );
    assert_eq!(body, "{\"a\":1}");
}

#[tokio::test]
async fn bodies_of_every_framing_arrive_whole() {
    let big = "x".repeat(200_000);
    let big_answer: &'static [u8] = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{big}",
            big.len()
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    let cases: Vec<(&'static [u8], Bytes, usize)> = vec![
        // answer, body, connections for three requests (1: kept alive)
        (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", Bytes::from_static(b"hello"), 1),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", Bytes::from_static(b"hello"), 1),
        (big_answer, Bytes::from(big.clone()), 1),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi", Bytes::from_static(b"hi"), 1),
        (b"HTTP/1.1 204 No Content\r\n\r\n", Bytes::new(), 1),
        (b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nhi", Bytes::from_static(b"hi"), 3),
        (b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi", Bytes::from_static(b"hi"), 3),
    ];
    for (answer, body, connections) in cases {
        let (base, count) = server(answering(answer)).await;
        let pool = pool_for(&base);
        for _ in 0..3 {
            let (status, got) = get(&pool, "/x").await.unwrap();
            assert!(status == 200 || status == 204, "{status}");
            assert_eq!(
                got,
                body,
                "{:?}",
                String::from_utf8_lossy(&answer[..answer.len().min(60)])
            );
        }
        assert_eq!(
            count.load(Ordering::SeqCst),
            connections,
            "{:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(60)])
        );
    }
}

#[tokio::test]
async fn bodies_delimited_by_close_and_broken_answers() {
    let (base, count) = server(|_, mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
                .await;
        }
    })
    .await;
    let pool = pool_for(&base);
    for _ in 0..2 {
        assert_eq!(get(&pool, "/x").await.unwrap().1, "until the end");
    }
    assert_eq!(count.load(Ordering::SeqCst), 2, "never kept");
    let broken: &[&'static [u8]] = &[
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nhi",
        b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\nhi",
        b"NOT HTTP\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ];
    for answer in broken {
        let (base, _) = server(answering(answer)).await;
        assert!(
            get(&pool_for(&base), "/x").await.is_err(),
            "{:?}",
            String::from_utf8_lossy(answer)
        );
    }
    // Cut short: the stream ends in an error, not a short body passed off as whole.
    let (base, _) = server(|_, mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nabc")
                .await;
        }
    })
    .await;
    let answer = send(
        &pool_for(&base),
        &client_request(Method::GET, "/x", &[]),
        None,
        None,
    )
    .await
    .unwrap();
    assert!(to_bytes(answer.body).await.is_err());
}

#[tokio::test]
async fn a_kept_connection_closed_by_the_upstream_is_not_reused() {
    // Each connection answers one request, then closes without saying so.
    let (base, count) = server(|_, mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                .await;
        }
    })
    .await;
    let pool = pool_for(&base);
    assert_eq!(get(&pool, "/1").await.unwrap().1, "ok");
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The closed connection is noticed in the pool (or retried): the GET succeeds.
    assert_eq!(get(&pool, "/2").await.unwrap().1, "ok");
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let refused = pool.idle.borrow().len();
    assert!(refused <= 1);
}

#[tokio::test]
async fn hop_by_hop_and_length_headers_stay_behind() {
    let (base, _) = server(answering(
        b"HTTP/1.1 200 OK\r\nconnection: keep-alive, x-secret\r\nkeep-alive: timeout=5\r\n\
          x-secret: 1\r\ncontent-length: 2\r\nx-kept: yes\r\nserver: up\r\n\r\nok",
    ))
    .await;
    let answer = send(
        &pool_for(&base),
        &client_request(Method::GET, "/x", &[]),
        None,
        None,
    )
    .await
    .unwrap();
    let mut names: Vec<&str> = answer.headers.keys().map(|n| n.as_str()).collect();
    names.sort();
    assert_eq!(names, ["server", "x-kept"]);
}
