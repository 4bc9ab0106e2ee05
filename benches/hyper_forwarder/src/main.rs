//! Baseline for `benches/load.sh`: the least a forwarder on hyper 1.x does, server and
//! client both hyper's HTTP/1 connection API, one thread, a pool of idle upstream
//! connections, small answers read whole. No authentication, policy, header rewriting,
//! metrics or log line. It shows what a different Rust HTTP stack than scopegate's
//! (actix-web + awc) could reach on the same machine.
//!
//!   cargo run --release --manifest-path benches/hyper_forwarder/Cargo.toml -- \
//!       127.0.0.1:19106 127.0.0.1:19101

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Sender = SendRequest<Full<Bytes>>;

/// Idle upstream connections of this (only) thread.
#[derive(Clone, Default)]
struct Pool(Rc<RefCell<Vec<Sender>>>);

impl Pool {
    async fn take(&self, upstream: &str) -> std::io::Result<Sender> {
        loop {
            let idle = self.0.borrow_mut().pop();
            let Some(mut sender) = idle else { break };
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        let stream = TcpStream::connect(upstream).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::task::spawn_local(connection);
        Ok(sender)
    }
}

fn bad_gateway() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
}

async fn forward(
    req: Request<Incoming>,
    pool: Pool,
    upstream: &'static str,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let Ok(mut sender) = pool.take(upstream).await else {
        return Ok(bad_gateway());
    };
    let mut out = Request::builder()
        .method(req.method())
        .uri(req.uri().clone());
    for (name, value) in req.headers() {
        out = out.header(name, value);
    }
    let Ok(out) = out.body(Full::new(Bytes::new())) else {
        return Ok(bad_gateway());
    };
    let answer = sender.send_request(out).await;
    pool.0.borrow_mut().push(sender);
    let Ok(answer) = answer else {
        return Ok(bad_gateway());
    };
    let (head, body) = answer.into_parts();
    match body.collect().await {
        Ok(body) => Ok(Response::from_parts(head, Full::new(body.to_bytes()))),
        Err(_) => Ok(bad_gateway()),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:19106".into());
    let upstream: &'static str = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:19101".into())
        .leak();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio::task::LocalSet::new().block_on(&runtime, async move {
        let pool = Pool::default();
        let listener = TcpListener::bind(listen).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let pool = pool.clone();
            tokio::task::spawn_local(async move {
                let service =
                    hyper::service::service_fn(move |req| forward(req, pool.clone(), upstream));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
