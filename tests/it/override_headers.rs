//! DESIGN §4.6: no header that a framework, proxy or URL-rewrite module reads as the
//! original or overriding method, URL, path, prefix or host reaches a backend. Every entry
//! of `gateway::headers::OVERRIDE_HEADERS` is sent in three spellings through the gateway
//! to a real loopback backend that answers with every header it received.

use std::net::SocketAddr;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use scopegate::config::{RouteConfig, UpstreamConfig};
use scopegate::gateway::headers::{OverrideHeader, OVERRIDE_HEADERS};
use serde_json::Value;

use super::harness::TestApp;
use super::raw::{get, raw};

/// Answers every request with the `[name, value]` pairs of all the headers it received.
fn start_header_echo() -> SocketAddr {
    let server = HttpServer::new(|| {
        App::new().default_service(web::to(|req: HttpRequest| async move {
            let seen: Vec<(String, String)> = req
                .headers()
                .iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (n.as_str().to_owned(), value)
                })
                .collect();
            HttpResponse::Ok().json(seen)
        }))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    addr
}

/// `x-http-method-override` → `X-Http-Method-Override`.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The three spellings of an entry: `Title-Case`, `UPPER-CASE` and `lower_snake` (a
/// family such as `x-original-` stands for a member nobody listed, `x-original-probe`).
fn spellings(entry: &OverrideHeader) -> [String; 3] {
    let name = match entry.family {
        true => format!("{}probe", entry.name),
        false => entry.name.to_owned(),
    };
    [
        title_case(&name),
        name.to_ascii_uppercase(),
        name.replace('-', "_"),
    ]
}

/// Forwarding headers that the gateway sets itself: present, with the gateway's values.
const SET_BY_GATEWAY: &[&str] = &["x-forwarded-host", "x-forwarded-proto", "x-forwarded-for"];

/// `-` and `_` are the same character to the frameworks that read these headers.
fn fold(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

#[actix_web::test]
async fn no_override_header_reaches_a_backend_in_any_spelling() {
    let echo = start_header_echo();
    let app = TestApp::start_with(move |c| {
        c.upstreams
            .insert("echo".into(), UpstreamConfig::Url(format!("http://{echo}")));
        c.routes.push(RouteConfig {
            methods: vec!["GET".into()],
            path: "/t/headers".into(),
            upstream: "echo".into(),
            public: true,
            ..Default::default()
        });
    })
    .await;
    assert!(OVERRIDE_HEADERS.len() >= 20, "the table is the whole list");
    for entry in OVERRIDE_HEADERS {
        let names = spellings(entry);
        let mut headers: Vec<(&str, &str)> = names
            .iter()
            .zip(["DELETE", "/admin", "evil.example"])
            .map(|(n, v)| (n.as_str(), v))
            .collect();
        headers.push(("X-Probe", "still-forwarded"));
        let (status, text) = raw(&app.url, &get("/t/headers", &headers)).await;
        assert_eq!(status, 200, "{}: {text}", entry.name);
        let body = &text[text.find("\r\n\r\n").expect("a head") + 4..];
        let seen: Vec<(String, String)> = match serde_json::from_str::<Value>(body) {
            Ok(v) => serde_json::from_value(v).expect("pairs"),
            Err(e) => panic!(
                "{}: the backend's answer is not JSON ({e}): {text}",
                entry.name
            ),
        };
        assert!(
            seen.iter()
                .any(|(n, v)| n == "x-probe" && v == "still-forwarded"),
            "{}: other headers still reach the backend: {seen:?}",
            entry.name
        );
        for name in names
            .iter()
            .filter(|n| !SET_BY_GATEWAY.contains(&fold(n).as_str()))
        {
            assert!(
                seen.iter().all(|(n, _)| fold(n) != fold(name)),
                "{name} reached the backend ({}): {seen:?}",
                entry.read_by
            );
        }
        for (n, v) in &seen {
            assert!(
                !matches!(v.as_str(), "DELETE" | "/admin" | "evil.example"),
                "{n}: {v} reached the backend while sending {}",
                entry.name
            );
        }
    }
}
