//! The main listener's entry as the server runs it (`gateway::entry::Entry` in front of the
//! `App`), called directly: every request is matched against the route table exactly once,
//! whichever way it goes (gateway stages, admin API, or nobody's path).

use actix_service::IntoServiceFactory;
use actix_web::dev::{AppConfig, Service, ServiceFactory};
use actix_web::test::TestRequest;

use super::{build_state, edge_settings, main_app};
use crate::config::{Config, RouteTable, UpstreamConfig};
use crate::gateway::entry::Entry;
use crate::gateway::now_ms;

#[actix_web::test]
async fn every_request_is_matched_against_the_route_table_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::parse(None, "test", &[]).unwrap();
    config.database.url = format!("sqlite://{}/sg.db", dir.path().display());
    for name in ["insights", "profiles", "teams"] {
        // Nothing listens there: forwarded requests answer 502.
        config.upstreams.insert(
            name.into(),
            UpstreamConfig::Url("http://127.0.0.1:9".into()),
        );
    }
    let state = build_state(config.clone(), "test.toml", &|_| None)
        .await
        .unwrap();
    let token = super::bootstrap::bootstrap(&state.db, "acme", "admin@acme.test", now_ms())
        .unwrap()
        .token;
    let entry = Entry::new(
        state.gateway.clone(),
        edge_settings(&config),
        main_app(state.clone(), true).into_factory(),
    );
    let service = entry.new_service(AppConfig::default()).await.unwrap();
    let cases: &[(&str, &str, bool, u16, usize)] = &[
        // method, path, with token, status, route lookups
        ("GET", "/v1/integrations/github", true, 502, 1),
        ("GET", "/v1/integrations/github", false, 401, 1),
        ("TRACE", "/v1/integrations/github", true, 404, 1),
        ("GET", "/v1/roles", true, 200, 1),
        ("GET", "/healthz", false, 200, 1),
        ("GET", "/nowhere/at/all", false, 404, 1),
        ("GET", "/v1/integrations/%2e%2e/x", true, 400, 0),
    ];
    for (method, path, with_token, status, lookups) in cases {
        let mut req = TestRequest::with_uri(path)
            .method(method.parse().unwrap())
            .peer_addr("127.0.0.1:40000".parse().unwrap());
        if *with_token {
            req = req.insert_header(("x-api-key", token.as_str()));
        }
        let before = RouteTable::lookups_on_this_thread();
        let answer = service.call(req.to_request()).await.unwrap();
        assert_eq!(answer.status().as_u16(), *status, "{method} {path}");
        assert!(
            answer.headers().contains_key("x-request-id"),
            "{method} {path}"
        );
        assert_eq!(
            RouteTable::lookups_on_this_thread() - before,
            *lookups,
            "{method} {path}: route lookups"
        );
    }
}
