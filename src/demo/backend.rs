//! A sample analytics backend: answers every request with a small JSON document describing
//! what it received (method, path, query, the identity headers scopegate set, the body
//! size), so the demo and the tests can see exactly what crossed the gateway.
//! Reading the body to count it also makes the backend a streaming sink for large uploads.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;
use serde_json::{json, Map, Value};

/// The headers a backend cares about, as received.
fn seen_headers(req: &HttpRequest) -> Map<String, Value> {
    req.headers()
        .iter()
        .filter(|(n, _)| {
            let n = n.as_str();
            n.starts_with("x-scopegate-")
                || n.starts_with("x-forwarded-")
                || matches!(
                    n,
                    "forwarded"
                        | "x-real-ip"
                        | "authorization"
                        | "x-api-key"
                        | "host"
                        | "content-type"
                )
        })
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                Value::String(v.to_str().unwrap_or("<binary>").to_owned()),
            )
        })
        .collect()
}

async fn answer(req: HttpRequest, mut body: web::Payload, name: web::Data<String>) -> HttpResponse {
    let mut received: u64 = 0;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => received += bytes.len() as u64,
            Err(e) => return HttpResponse::BadRequest().json(json!({"error": e.to_string()})),
        }
    }
    let allowed: Vec<&str> = req
        .headers()
        .get("x-scopegate-allowed-ids")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            if v.is_empty() {
                Vec::new()
            } else {
                v.split(',').collect()
            }
        })
        .unwrap_or_default();
    HttpResponse::Ok().json(json!({
        "backend": name.as_str(),
        "method": req.method().as_str(),
        "path": req.path(),
        "query": req.query_string(),
        "received_bytes": received,
        "principal": req.headers().get("x-scopegate-principal").and_then(|v| v.to_str().ok()),
        "allowed_ids": allowed,
        "headers": seen_headers(&req),
    }))
}

/// Starts a sample backend named `name` on `addr` (port 0: any free port).
pub fn start(name: &str, addr: SocketAddr) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let name = web::Data::new(name.to_owned());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(name.clone())
            .default_service(web::to(answer))
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?;
    let bound = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("no address bound"))?;
    let running = server.run();
    let handle = running.handle();
    actix_web::rt::spawn(running);
    Ok((bound, handle))
}
