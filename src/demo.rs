//! `scopegate demo`: everything embedded. Starts four sample backends in-process
//! (insights, profiles, teams, portal), a fresh SQLite database under `./.scopegate/`, both
//! route packs, a generated JWT secret, the seeded demo account, and prints ready-to-paste
//! `curl` lines. Also used by the tests as real upstreams.
//!
//! Rank 6: may import app-independent layers below it; the runner in `app` wires it.

pub mod backend;
pub mod seed;

use std::net::SocketAddr;

use crate::config::{Config, UpstreamConfig};

/// The sample backends' names, one per upstream of the shipped packs.
pub const BACKENDS: [&str; 4] = ["insights", "profiles", "teams", "portal"];

/// Starts the sample backends on free loopback ports; returns name → address.
pub fn start_backends() -> std::io::Result<Vec<(String, SocketAddr, actix_web::dev::ServerHandle)>>
{
    BACKENDS
        .iter()
        .map(|name| {
            let (addr, handle) = backend::start(name, SocketAddr::from(([127, 0, 0, 1], 0)))?;
            Ok((name.to_string(), addr, handle))
        })
        .collect()
}

/// The demo's configuration: built-in defaults and env overrides, then the demo's own
/// database, upstreams, packs and JWT secret variable.
pub fn demo_config(
    base: Config,
    backends: &[(String, SocketAddr, actix_web::dev::ServerHandle)],
    db_path: &str,
) -> Config {
    let mut config = base;
    config.database.url = format!("sqlite://{db_path}");
    config.database.auto_migrate = true;
    config.gateway.route_packs = vec!["default".into(), "portal".into()];
    for (name, addr, _) in backends {
        config
            .upstreams
            .insert(name.clone(), UpstreamConfig::Url(format!("http://{addr}")));
    }
    config.auth.jwt_hs256_secret_env = Some("SCOPEGATE_DEMO_JWT_SECRET".into());
    config
}

/// A fresh random secret for the demo's login tokens.
pub fn generate_secret() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 48]>())
}

/// The text printed when the demo is up.
pub fn banner(
    listen: &str,
    db_path: &str,
    backends: &[(String, SocketAddr, actix_web::dev::ServerHandle)],
    users: &[seed::DemoUser],
    examples: &[seed::Example],
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "scopegate demo is running on http://{listen}  (SQLite: {db_path}, account `{}`)\n",
        seed::ACCOUNT
    ));
    out.push_str("sample backends: ");
    out.push_str(
        &backends
            .iter()
            .map(|(n, a, _)| format!("{n} http://{a}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(&format!(
        "\nSwagger UI: http://{listen}/swagger-ui/\n\nOne user and API token per built-in role:\n"
    ));
    for u in users {
        out.push_str(&format!(
            "  {:<24} user {:<22} {}\n",
            u.role, u.user, u.token
        ));
    }
    out.push_str("\nTry them (each role: one allowed request, one denied):\n");
    for e in examples {
        let Some(u) = users.iter().find(|u| u.role == e.role) else {
            continue;
        };
        let verdict = if e.expect == 200 {
            "allowed, 200"
        } else {
            "denied, 403"
        };
        out.push_str(&format!(
            "  # {} ({verdict})\n  curl -s -X {} -H 'x-api-key: {}' http://{listen}{}\n",
            e.role, e.method, u.token, e.path
        ));
    }
    out.push_str("  # Account Admin holds every permission, so it has no denied example.\n\nCtrl-C stops the demo.\n");
    out
}
