//! Operations keys of DESIGN §4.2 end to end: TLS on the listener, `https://` upstreams
//! (with a private CA through `ca_file`, refused without it), `server.ops_listen`, and
//! `database.auto_migrate = false`.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use scopegate::config::{Config, UpstreamConfig, UpstreamTable};

use crate::harness::TestApp;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// A TLS client trusting only the test CA.
fn client_trusting_test_ca() -> awc::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(fixture("ca.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .finish()
}

fn server_tls() -> rustls::ServerConfig {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs =
        rustls_pemfile::certs(&mut std::fs::read(fixture("localhost.pem")).unwrap().as_slice())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
    let key = rustls_pemfile::private_key(
        &mut std::fs::read(fixture("localhost_key.pem"))
            .unwrap()
            .as_slice(),
    )
    .unwrap()
    .unwrap();
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

/// A backend that answers every request over TLS with what it saw.
fn start_tls_backend() -> (u16, actix_web::dev::ServerHandle) {
    async fn echo(req: HttpRequest) -> HttpResponse {
        HttpResponse::Ok().json(serde_json::json!({
            "tls_backend": true,
            "path": req.path(),
            "principal": req.headers().get("x-scopegate-principal").and_then(|v| v.to_str().ok()),
        }))
    }
    let server = HttpServer::new(|| App::new().default_service(web::to(echo)))
        .workers(1)
        .bind_rustls_0_23("127.0.0.1:0", server_tls())
        .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (port, handle)
}

#[actix_web::test]
async fn the_listener_speaks_tls_with_the_configured_certificate() {
    let app = TestApp::start_with(|c| {
        c.server.tls_cert_file = Some(fixture("localhost.pem"));
        c.server.tls_key_file = Some(fixture("localhost_key.pem"));
    })
    .await;
    let https = app.url.replace("http://", "https://");
    let client = client_trusting_test_ca();
    let mut res = client
        .get(format!("{https}/v1/integrations/github"))
        .insert_header(("x-api-key", app.admin_token.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["headers"]["x-forwarded-proto"], "https", "{body}");
    let ready = client.get(format!("{https}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = awc::Client::default()
        .get(format!("{}/healthz", app.url))
        .send()
        .await;
    assert!(
        plain.is_err(),
        "plain HTTP must not be served on a TLS listener"
    );
}

#[actix_web::test]
async fn https_upstreams_are_verified_against_their_ca_file() {
    let (port, _backend) = start_tls_backend();
    let upstream = |ca: Option<PathBuf>| {
        UpstreamConfig::Table(UpstreamTable {
            url: format!("https://localhost:{port}"),
            connect_timeout_ms: Some(2000),
            timeout_ms: Some(5000),
            ca_file: ca,
        })
    };
    let trusted = TestApp::start_with(|c: &mut Config| {
        c.upstreams
            .insert("teams".into(), upstream(Some(fixture("ca.pem"))));
    })
    .await;
    let res = trusted.admin("GET", "/v1/integrations/github", None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["tls_backend"], true);
    assert_eq!(res.body["path"], "/v1/integrations/github");
    assert!(res.body["principal"]
        .as_str()
        .is_some_and(|p| p.starts_with("USER:")));

    // Without the CA the certificate is not trusted: 502, nothing served.
    let untrusted = TestApp::start_with(|c: &mut Config| {
        c.upstreams.insert("teams".into(), upstream(None));
    })
    .await;
    let res = untrusted
        .admin("GET", "/v1/integrations/github", None)
        .await;
    assert_eq!(res.status, 502, "{}", res.body);
    assert_eq!(res.body["code"], "UPSTREAM_UNAVAILABLE");
}

#[actix_web::test]
async fn ops_listen_moves_metrics_and_health_to_their_own_address() {
    let app = TestApp::start_with(|c| c.server.ops_listen = Some("127.0.0.1:0".into())).await;
    let ops = app.ops_url.clone().expect("ops listener");
    let client = awc::Client::default();
    for path in ["/healthz", "/readyz", "/metrics"] {
        let res = client.get(format!("{ops}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path} on the ops address");
    }
    let mut metrics = client.get(format!("{ops}/metrics")).send().await.unwrap();
    let text = metrics.body().await.unwrap();
    assert!(String::from_utf8_lossy(&text).contains("scopegate_requests_total"));
    for path in ["/metrics", "/healthz"] {
        let res = app.call("GET", path, None, None).await;
        assert_eq!(res.status, 404, "{path} is not served on the main address");
        assert_eq!(res.body["code"], "NOT_FOUND");
    }
}

#[actix_web::test]
async fn auto_migrate_off_refuses_a_database_with_pending_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::parse(None, "test", &[]).unwrap();
    config.database.url = format!("sqlite://{}/sg.db", dir.path().display());
    config.database.auto_migrate = false;
    config.gateway.route_packs = vec![];
    let env = |_: &str| None;
    let err = match scopegate::app::build_state(config.clone(), "test.toml", &env).await {
        Ok(_) => panic!("a fresh database has pending migrations"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("pending migrations") && err.contains("scopegate migrate"),
        "{err}"
    );
    let db = scopegate::storage::Db::open(&config.database.url, 2).unwrap();
    let tables_before = db.pending_migrations().unwrap();
    assert!(
        !tables_before.is_empty(),
        "nothing was applied by the refusal"
    );
    db.migrate().unwrap();
    assert!(scopegate::app::build_state(config, "test.toml", &env)
        .await
        .is_ok());
}
