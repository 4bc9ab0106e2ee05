//! `TestApp`: the real scopegate app on a free loopback port, with a fresh SQLite database,
//! the four sample backends as real upstreams, both route packs, an account `acme`
//! bootstrapped with an admin token, and helpers for real HTTP calls.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::web;
use scopegate::app::{self, State};
use scopegate::authn::issue_api_token;
use scopegate::config::{Config, UpstreamConfig};
use scopegate::gateway::now_ms;
use scopegate::policy::role::{PrincipalRef, PrincipalType, RoleAssignment};
use scopegate::policy::{Identifier, Scope, ScopeLevel};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::epochs::Epochs;
use scopegate::storage::guard::{NewAssignment, Permit};
use scopegate::storage::principals::User;
use scopegate::storage::Db;
use serde_json::Value;

pub const ACCOUNT: &str = "acme";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

#[allow(dead_code)]
pub struct TestApp {
    pub url: String,
    /// The operational listener when `server.ops_listen` is set.
    pub ops_url: Option<String>,
    pub admin_token: String,
    pub db: Db,
    pub state: web::Data<State>,
    pub backends: Vec<(String, SocketAddr, ServerHandle)>,
    pub handle: ServerHandle,
    pub client: awc::Client,
    pub dir: tempfile::TempDir,
}

/// A response as the tests look at it.
pub struct Answer {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// With `SCOPEGATE_TEST_DATABASE_URL` set (CI starts a server), every TestApp gets its own
/// new PostgreSQL database, so the whole HTTP suite runs on PostgreSQL; else SQLite.
fn fresh_postgres_database() -> Option<String> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let base = std::env::var("SCOPEGATE_TEST_DATABASE_URL").ok()?;
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("sg_app_{}_{n}", std::process::id());
    let mut admin = diesel::pg::PgConnection::establish(&base).expect("connect postgres");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .expect("drop");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create");
    Some(format!(
        "{}/{name}",
        base.rsplit_once('/').expect("database url").0
    ))
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    /// Starts with a config changed by `tweak` (applied after the test defaults).
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let backends = scopegate::demo::start_backends().expect("backends");
        let mut config = Config::parse(None, "test", &[]).expect("defaults");
        config.server.listen = "127.0.0.1:0".into();
        config.server.workers = 1;
        config.database.url = match fresh_postgres_database() {
            Some(url) => url,
            None => format!("sqlite://{}/sg.db", dir.path().display()),
        };
        config.database.pool_size = 4;
        config.gateway.route_packs = vec!["default".into(), "portal".into()];
        config.auth.jwt_hs256_secret_env = Some("TEST_JWT_SECRET".into());
        for (name, addr, _) in &backends {
            config
                .upstreams
                .insert(name.clone(), UpstreamConfig::Url(format!("http://{addr}")));
        }
        tweak(&mut config);
        let env = |name: &str| (name == "TEST_JWT_SECRET").then(|| JWT_SECRET.to_owned());
        let state = app::build_state(config, "test.toml", &env)
            .await
            .expect("state");
        let db = state.db.clone();
        let d2 = db.clone();
        let boot = tokio::task::spawn_blocking(move || {
            app::bootstrap::bootstrap(&d2, ACCOUNT, "admin@acme.test", now_ms()).expect("bootstrap")
        })
        .await
        .expect("join");
        let running = app::start(state.clone()).expect("start");
        let url = format!("http://{}", running.addrs[0]);
        let ops_url = running.ops_addrs.first().map(|a| format!("http://{a}"));
        let handle = running.handle.clone();
        actix_web::rt::spawn(running.wait());
        let app = TestApp {
            url,
            ops_url,
            admin_token: boot.token,
            db,
            state,
            backends,
            handle,
            client: awc::Client::builder().disable_redirects().finish(),
            dir,
        };
        app.refresh().await;
        app
    }

    /// Makes this replica see direct database writes at once (as the poller would).
    pub async fn refresh(&self) {
        self.state
            .gateway
            .authz
            .poll_once(0, now_ms())
            .await
            .expect("poll");
    }

    /// Sends a request with an optional API token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        self.send(
            method,
            path,
            token.map(|t| ("x-api-key", t.to_owned())),
            body,
        )
        .await
    }

    /// The admin's call.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let token = self.admin_token.clone();
        self.call(method, path, Some(&token), body).await
    }

    /// Sends with one custom credential header.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        credential: Option<(&str, String)>,
        body: Option<Value>,
    ) -> Answer {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.url, path));
        if let Some((name, value)) = credential {
            req = req.insert_header((name, value));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await.expect("send"),
            None => req.send().await.expect("send"),
        };
        let bytes = res.body().limit(64 * 1024 * 1024).await.expect("body");
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body,
        }
    }

    /// Creates a user (home organization `home_org`) holding `role` on `group` at `scope`,
    /// with one API token, straight in the database. Returns the token.
    pub async fn user_with_role(
        &self,
        user: &str,
        home_org: Option<&str>,
        grants: &[(&str, &str, &str)],
    ) -> String {
        let db = self.db.clone();
        let (user, home_org) = (user.to_owned(), home_org.map(str::to_owned));
        let grants: Vec<(String, String, String)> = grants
            .iter()
            .map(|(r, g, s)| (r.to_string(), g.to_string(), s.to_string()))
            .collect();
        let token = tokio::task::spawn_blocking(move || {
            db.transaction(|c| {
                let now = now_ms();
                User {
                    account: ACCOUNT.into(),
                    identifier: user.clone(),
                    email: format!("{user}@acme.test"),
                    name: user.clone(),
                    password_hash: None,
                    organization: home_org,
                    disabled: false,
                    created: now,
                    updated: now,
                }
                .insert(c)?;
                for (i, (role, group, scope)) in grants.iter().enumerate() {
                    Assignments::insert(
                        c,
                        Permit::system(NewAssignment(RoleAssignment {
                            identifier: Identifier::new(&format!("t_{user}_{i}"))?,
                            scope: Scope::parse(scope)?,
                            role: Identifier::new(role)?,
                            role_scope_level: None,
                            resource_group: Identifier::new(group)?,
                            principal: PrincipalRef {
                                principal_type: PrincipalType::User,
                                identifier: Identifier::new(&user)?,
                                scope_level: ScopeLevel::Account,
                            },
                            disabled: false,
                            managed: false,
                            created: now,
                            updated: now,
                        })),
                    )?;
                }
                let owner = scopegate::policy::role::Principal {
                    principal_type: PrincipalType::User,
                    identifier: Identifier::new(&user)?,
                    scope: Scope::parse(ACCOUNT)?,
                };
                let grant = scopegate::storage::guard::TokenGrant {
                    owner,
                    restriction: None,
                };
                let (_, token) = issue_api_token(
                    c,
                    Permit::system(grant),
                    "t",
                    "test token",
                    None,
                    "test",
                    now,
                )
                .map_err(|e| scopegate::storage::StorageError::Conflict(e.to_string()))?;
                Epochs::bump_both(c, ACCOUNT)?;
                Ok(token)
            })
        })
        .await
        .expect("join")
        .expect("seed user");
        self.refresh().await;
        token
    }

    /// Creates the organizations and projects used across tests: eng/web, eng/api, sales/crm.
    pub async fn seed_scopes(&self) {
        for (path, body) in [
            (
                "/v1/orgs",
                serde_json::json!({"org": {"identifier": "eng", "name": "Engineering"}}),
            ),
            (
                "/v1/orgs",
                serde_json::json!({"org": {"identifier": "sales", "name": "Sales"}}),
            ),
            (
                "/v1/orgs/eng/projects",
                serde_json::json!({"project": {"identifier": "web", "name": "Web"}}),
            ),
            (
                "/v1/orgs/eng/projects",
                serde_json::json!({"project": {"identifier": "api", "name": "API"}}),
            ),
            (
                "/v1/orgs/sales/projects",
                serde_json::json!({"project": {"identifier": "crm", "name": "CRM"}}),
            ),
        ] {
            let a = self.admin("POST", path, Some(body)).await;
            assert_eq!(a.status, 201, "{path}: {}", a.body);
        }
    }
}
