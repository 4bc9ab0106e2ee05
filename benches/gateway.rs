//! Criterion benchmarks of the gateway's per-request stages other than authentication and
//! the decision (those are in `policy` and the `authn` unit tests), so that each stage
//! of DESIGN §6 has a number of its own:
//! - `route/normalize_and_match`: path normalization plus the precompiled route lookup
//!   on the default pack; `route/claim`: the same as the entry does it, keeping the match
//!   (owned path, rule, parameter ranges) for the stages;
//! - `headers/request_map` and `headers/request_bytes`: the request headers the backend
//!   receives (client headers filtered, identity and forwarding headers set), for a
//!   typical API-token request, written into a header map (awc, `https://` upstreams) and
//!   into request bytes (the lean client of plain `http://` upstreams);
//! - `headers/response`: the backend's response headers filtered for the client, in place;
//! - `metrics/request`: what one allowed request records (route counter, decision and
//!   upstream latency histograms);
//! - `access_log/{text,json}`: formatting one access line.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::test::TestRequest;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use scopegate::config::{Claim, Config, Found};
use scopegate::gateway::headers::{keep_response_headers, outgoing, Edge, Identity};
use scopegate::policy::role::{Principal, PrincipalType};
use scopegate::policy::route::normalize_path;
use scopegate::policy::{Identifier, Scope};
use scopegate::web::access_log::{write_line, Entry};
use scopegate::web::client::TrustedProxies;
use scopegate::web::metrics::{Metrics, Outcome};
use scopegate::web::request_id::RequestId;

/// The allocator the product uses (`main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONFIG: &str = r#"
[upstreams]
insights = "http://127.0.0.1:9"
profiles = "http://127.0.0.1:9"
teams = "http://127.0.0.1:9"
[gateway]
route_packs = ["default"]
"#;

const PATH: &str = "/v1/integrations/github";

fn alice() -> Principal {
    Principal {
        principal_type: PrincipalType::User,
        identifier: Identifier::new("alice").expect("identifier"),
        scope: Scope::parse("bench").expect("scope"),
    }
}

fn route_stage(c: &mut Criterion) {
    let config = Config::parse(Some(CONFIG), "bench.toml", &[]).expect("config");
    let table = config.compile_routes("bench.toml").expect("routes");
    c.bench_function("route/normalize_and_match", |b| {
        b.iter(|| {
            let path = normalize_path(black_box(PATH)).expect("safe path");
            let found = matches!(table.find("GET", &path), Found::Route { .. });
            black_box((path, found))
        })
    });
    c.bench_function("route/claim", |b| {
        b.iter(|| {
            black_box(matches!(
                table.claim("GET", black_box(PATH)),
                Claim::Route(_)
            ))
        })
    });
}

fn header_stages(c: &mut Criterion) {
    let req = TestRequest::get()
        .uri(&format!("{PATH}?page=2"))
        .peer_addr("10.1.2.3:50000".parse().expect("address"))
        .insert_header(("host", "gateway.example.com"))
        .insert_header((
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) dashboard/3.1",
        ))
        .insert_header(("accept", "application/json"))
        .insert_header(("accept-encoding", "gzip, deflate, br"))
        .insert_header((
            "x-api-key",
            "pat.bench.0123456789abcdef.c2VjcmV0c2VjcmV0c2VjcmV0",
        ))
        .insert_header(("x-request-id", "4f1c2d9e-3a57-4b8e-9c11-0d2f6a7b8c9d"))
        .insert_header(("x-scopegate-principal", "USER:spoofed"))
        .to_http_request();
    let trusted = TrustedProxies::parse(&[]);
    let request_id = RequestId::from_client(req.headers().get("x-request-id"));
    let principal = alice();
    c.bench_function("headers/request_map", |b| {
        b.iter(|| {
            let out = outgoing(
                black_box(req.head()),
                Edge {
                    trusted: &trusted,
                    tls: false,
                },
                false,
                PATH,
                Identity {
                    request_id: &request_id,
                    principal: Some(&principal),
                    allowed_ids: None,
                    shadow: None,
                },
            );
            let mut map = HeaderMap::with_capacity(out.headers.len_hint());
            out.headers.write_into(&mut map);
            black_box(map.len())
        })
    });
    let mut buf = Vec::with_capacity(1024);
    c.bench_function("headers/request_bytes", |b| {
        b.iter(|| {
            let out = outgoing(
                black_box(req.head()),
                Edge {
                    trusted: &trusted,
                    tls: false,
                },
                false,
                PATH,
                Identity {
                    request_id: &request_id,
                    principal: Some(&principal),
                    allowed_ids: None,
                    shadow: None,
                },
            );
            buf.clear();
            out.headers.write_into(&mut buf);
            black_box(buf.len())
        })
    });

    let mut upstream = HeaderMap::new();
    for (name, value) in [
        ("server", "nginx/1.22.1"),
        ("date", "Mon, 23 Nov 2026 16:06:13 GMT"),
        ("content-type", "application/json"),
        ("content-length", "27"),
        ("connection", "keep-alive"),
        ("cache-control", "no-store"),
    ] {
        upstream.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    c.bench_function("headers/response", |b| {
        b.iter_batched(
            || upstream.clone(),
            |mut headers| {
                keep_response_headers(black_box(&mut headers));
                headers
            },
            BatchSize::SmallInput,
        )
    });
}

fn metrics_stage(c: &mut Criterion) {
    let labels: Vec<String> = (0..100).map(|i| format!("route {i}")).collect();
    let metrics = Metrics::new(&labels).expect("metrics");
    let upstream = metrics.upstream("integrations");
    c.bench_function("metrics/request", |b| {
        b.iter(|| {
            metrics.route(Some(black_box(42))).inc(Outcome::Allowed);
            metrics.decision_seconds.observe(black_box(0.000_004));
            upstream.latency.observe(black_box(0.000_180));
        })
    });
}

fn access_log_stage(c: &mut Criterion) {
    let principal = alice();
    let entry = Entry {
        request_id: "4f1c2d9e-3a57-4b8e-9c11-0d2f6a7b8c9d",
        method: "GET",
        path: PATH,
        route: "GET /v1/integrations/{integration}",
        principal: Some(&principal),
        outcome: "allowed",
        status: 200,
        upstream_status: 200,
        latency_us: 412,
    };
    let mut out = Vec::with_capacity(64 * 1024);
    for (name, json) in [("access_log/text", false), ("access_log/json", true)] {
        c.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or(Duration::ZERO);
                write_line(&mut out, json, now, black_box(&entry));
                black_box(out.len())
            })
        });
    }
}

criterion_group!(
    stages,
    route_stage,
    header_stages,
    metrics_stage,
    access_log_stage
);
criterion_main!(stages);
