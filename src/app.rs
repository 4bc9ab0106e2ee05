//! L4 (rank 7) wiring: builds the state from the config (database, migrations, route
//! table, authenticator, caches), starts the HTTP server(s): the gateway's entry in front
//! of actix-web's `App` (operational endpoints, admin API), with the edge settings of
//! `app::middleware`, and the background tasks (epoch poller, deny-audit writer).

pub mod bootstrap;
#[cfg(test)]
mod entry_tests;
pub mod middleware;
pub mod ops;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use actix_service::IntoServiceFactory;
use actix_web::{web, App, HttpServer};
use thiserror::Error;

use self::middleware::{Cors, EdgeSettings};
use crate::admin::AdminState;
use crate::authn::epochs::EpochWatch;
use crate::authn::{Authenticator, AuthnSettings};
use crate::authz::Authz;
use crate::config::Config;
use crate::gateway::audit::DenyAudit;
use crate::gateway::decisions::DecisionLog;
use crate::gateway::entry::Entry;
use crate::gateway::proxy::Upstream;
use crate::gateway::{now_ms, Gateway};
use crate::storage::Db;
use crate::web::client::TrustedProxies;
use crate::web::metrics::Metrics;

#[derive(Debug, Error)]
pub enum AppError {
    /// Bad configuration (exit code 2).
    #[error("{0}")]
    Config(String),
    /// Anything else at start-up (exit code 1).
    #[error("{0}")]
    Startup(String),
}

/// Everything handlers share.
pub struct State {
    pub config: Config,
    pub db: Db,
    pub gateway: Arc<Gateway>,
    pub admin: web::Data<AdminState>,
}

/// Reads the HS256 secret from the variable `auth.jwt_hs256_secret_env` names.
fn hs256_secret(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Vec<u8>>, AppError> {
    let Some(var) = &config.auth.jwt_hs256_secret_env else {
        return Ok(None);
    };
    match env(var) {
        Some(s) if s.len() >= 32 => Ok(Some(s.into_bytes())),
        Some(_) => Err(AppError::Config(format!(
            "auth.jwt_hs256_secret_env: `{var}` must hold at least 32 bytes"
        ))),
        None => Err(AppError::Config(format!(
            "auth.jwt_hs256_secret_env: environment variable `{var}` is not set"
        ))),
    }
}

/// Opens the database (migrating when allowed) and builds the shared state.
pub async fn build_state(
    config: Config,
    origin: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<web::Data<State>, AppError> {
    let routes = Arc::new(
        config
            .compile_routes(origin)
            .map_err(|e| AppError::Config(e.to_string()))?,
    );
    for route in routes.report_routes() {
        tracing::warn!(
            route = %route.label,
            origin = %route.origin,
            "report-only route: its denies are logged and counted (would_deny) but forwarded"
        );
    }
    let secret = hs256_secret(&config, env)?;
    let db = Db::open(&config.database.url, config.database.pool_size)
        .map_err(|e| AppError::Startup(e.to_string()))?;
    let auto = config.database.auto_migrate;
    let db2 = db.clone();
    let pending = tokio::task::spawn_blocking(move || {
        if auto {
            db2.migrate().map(|_| Vec::new())
        } else {
            db2.pending_migrations()
        }
    })
    .await
    .map_err(|e| AppError::Startup(e.to_string()))?
    .map_err(|e| AppError::Startup(format!("database: {e}")))?;
    if !pending.is_empty() {
        return Err(AppError::Startup(format!(
            "database has pending migrations ({}); run `scopegate migrate`",
            pending.join(", ")
        )));
    }
    let labels: Vec<String> = routes.routes().iter().map(|r| r.label.clone()).collect();
    let metrics = Arc::new(Metrics::new(&labels).map_err(|e| AppError::Startup(e.to_string()))?);
    let watch = Arc::new(EpochWatch::new());
    let settings = AuthnSettings {
        hs256_secret: secret,
        jwt_ttl_seconds: config.auth.jwt_ttl_seconds,
        issuers: config.auth.issuers.clone(),
        login_max_failures: config.auth.login_max_failures,
        cache_ttl_seconds: config.cache.ttl_seconds,
    };
    let authn = Arc::new(
        Authenticator::new(db.clone(), watch.clone(), settings)
            .map_err(|e| AppError::Config(e.to_string()))?,
    );
    let authz = Arc::new(Authz::new(
        db.clone(),
        watch,
        config.cache.ttl_seconds,
        config.cache.stale_seconds,
    ));
    authz
        .poll_once(0, now_ms())
        .await
        .map_err(|e| AppError::Startup(format!("database: {e}")))?;
    let gateway = Arc::new(Gateway {
        routes,
        authn,
        authz,
        upstreams: Upstream::from_config(&config, &metrics).map_err(AppError::Config)?,
        trusted: TrustedProxies::parse(&config.gateway.trusted_proxies),
        audit: Arc::new(DenyAudit::new(10_000, metrics.clone())),
        decisions: Arc::new(DecisionLog::new(metrics.clone(), now_ms())),
        metrics,
        tls: config.server.tls_cert_file.is_some(),
    });
    let admin = web::Data::new(AdminState {
        config: config.clone(),
        db: db.clone(),
        authn: gateway.authn.clone(),
        authz: gateway.authz.clone(),
        routes: gateway.routes.clone(),
    });
    Ok(web::Data::new(State {
        config,
        db,
        gateway,
        admin,
    }))
}

/// Starts the background tasks on the current runtime.
pub fn spawn_background(state: &web::Data<State>) {
    let authz = state.gateway.authz.clone();
    tokio::spawn(authz.run_poller(Duration::from_millis(250), now_ms));
    tokio::spawn(
        state
            .gateway
            .audit
            .clone()
            .run_writer(state.db.clone(), Duration::from_millis(200)),
    );
    let retention = Duration::from_secs(state.config.audit.decision_retention_hours * 3600);
    tokio::spawn(state.gateway.decisions.clone().run_writer(
        state.db.clone(),
        Duration::from_secs(1),
        retention,
        now_ms,
    ));
}

/// actix-web's part of the main listener: ops endpoints (unless moved), the admin API, and
/// `gateway::unmatched` for paths nobody serves. Requests for the route table never reach
/// it: `gateway::entry::Entry` serves them first (see [`start`]).
fn main_app(
    state: web::Data<State>,
    with_ops: bool,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let gw = web::Data::from(state.gateway.clone());
    let mut app = App::new()
        .app_data(state.clone())
        .app_data(state.admin.clone())
        .app_data(gw);
    if with_ops {
        app = app
            .route("/healthz", web::get().to(ops::healthz))
            .route("/readyz", web::get().to(ops::readyz))
            .route("/metrics", web::get().to(ops::metrics));
    }
    app.configure(crate::admin::configure)
        .default_service(web::to(crate::gateway::unmatched))
}

/// The edge settings of the main listener (request limits and CORS).
fn edge_settings(config: &Config) -> Arc<EdgeSettings> {
    Arc::new(EdgeSettings {
        cors: Cors {
            origins: config.gateway.cors_allowed_origins.clone(),
        },
        max_header_bytes: config.server.max_header_bytes,
    })
}

fn ops_app(
    state: web::Data<State>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
}

/// Bound servers, not yet awaited: addresses are known (port 0 picks a free one).
pub struct Running {
    pub addrs: Vec<std::net::SocketAddr>,
    pub ops_addrs: Vec<std::net::SocketAddr>,
    pub handle: actix_web::dev::ServerHandle,
    servers: Vec<actix_web::dev::Server>,
}

impl Running {
    /// Serves until SIGINT/SIGTERM (or `handle.stop`).
    pub async fn wait(self) -> Result<(), AppError> {
        let results = futures_util::future::join_all(self.servers).await;
        results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map(|_| ())
            .map_err(|e| AppError::Startup(e.to_string()))
    }
}

/// Blocking threads per worker: the database calls (at most `database.pool_size` can run
/// at once) and argon2 (one per core). More threads than that only wait for a connection;
/// each new thread also gets a fresh allocator heap, and a restart storm of 300 callers
/// spent a third of its CPU zeroing 300 of them (tokio's default allows 512).
fn blocking_threads(config: &Config) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    config.database.pool_size as usize + cores
}

/// Binds the listener(s) and starts the background tasks.
pub fn start(state: web::Data<State>) -> Result<Running, AppError> {
    let config = state.config.clone();
    spawn_background(&state);
    let with_ops = config.server.ops_listen.is_none();
    let s = state.clone();
    let edge = edge_settings(&config);
    let mut server = HttpServer::new(move || {
        Entry::new(
            s.gateway.clone(),
            edge.clone(),
            main_app(s.clone(), with_ops).into_factory(),
        )
    })
    .client_request_timeout(Duration::from_secs(30))
    .worker_max_blocking_threads(blocking_threads(&config))
    .shutdown_timeout(10);
    if config.server.workers > 0 {
        server = server.workers(config.server.workers);
    }
    let listen = config.server.listen.clone();
    server = match (&config.server.tls_cert_file, &config.server.tls_key_file) {
        (Some(cert), Some(key)) => {
            let tls = tls::server_config(cert, key)?;
            server.bind_rustls_0_23(&listen, tls)
        }
        _ => server.bind(&listen),
    }
    .map_err(|e| AppError::Startup(format!("server.listen `{listen}`: {e}")))?;
    let addrs = server.addrs();
    tracing::info!(listen = ?addrs, routes = state.gateway.routes.routes().len(), "scopegate listening");
    let main = server.run();
    let handle = main.handle();
    let mut servers = vec![main];
    let mut ops_addrs = Vec::new();
    if let Some(ops) = &config.server.ops_listen {
        let s = state.clone();
        let ops_server = HttpServer::new(move || ops_app(s.clone()))
            .workers(1)
            .bind(ops)
            .map_err(|e| AppError::Startup(format!("server.ops_listen `{ops}`: {e}")))?;
        ops_addrs = ops_server.addrs();
        tracing::info!(ops_listen = ?ops_addrs, "operational endpoints listening");
        servers.push(ops_server.run());
    }
    Ok(Running {
        addrs,
        ops_addrs,
        handle,
        servers,
    })
}

/// Runs the server(s) until SIGINT/SIGTERM; background tasks run on the same runtime.
pub async fn run(state: web::Data<State>) -> Result<(), AppError> {
    start(state)?.wait().await
}

/// Logs to stdout (`text` or `json`) through the batching writer; keep the guard alive
/// (dropping it flushes the last lines).
pub fn init_tracing(json: bool) -> crate::web::logbuf::BatchLogGuard {
    init_tracing_to(json, crate::web::logbuf::LogSink::Stdout)
}

/// Like [`init_tracing`], writing to `sink` (the demo logs to a file or stderr).
pub fn init_tracing_to(
    json: bool,
    sink: crate::web::logbuf::LogSink,
) -> crate::web::logbuf::BatchLogGuard {
    use tracing_subscriber::EnvFilter;
    let (writer, guard) = crate::web::logbuf::BatchLog::start_to(sink);
    crate::web::access_log::install(writer.clone(), json);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false);
    if json {
        let _ = builder.json().flatten_event(true).try_init();
    } else {
        let _ = builder.try_init();
    }
    guard
}
