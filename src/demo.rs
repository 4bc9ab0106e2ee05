//! `scopegate demo`: everything embedded. Starts four sample backends in-process
//! (insights, profiles, teams, portal), a fresh SQLite database under `./.scopegate/`, both
//! route packs, a generated JWT secret, the seeded demo account, and prints a banner (the
//! first thing on stdout: the console and Swagger UI addresses, the users with their
//! passwords and tokens, ready-to-paste `curl` lines that show their status). Its logs go to
//! `./.scopegate/scopegate.log`, or to stderr with `--verbose`. The sample backends are
//! also the tests' real upstreams.
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

/// Where the demo's log lines go.
pub enum LogPlace<'a> {
    File(&'a str),
    Stderr,
}

/// True when `listen` (`host:port`) only accepts connections from this machine: then the
/// demo users get their documented passwords.
pub fn loopback_only(listen: &str) -> bool {
    if let Ok(addr) = listen.parse::<SocketAddr>() {
        return addr.ip().is_loopback();
    }
    listen
        .rsplit_once(':')
        .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost"))
}

/// A `curl` line that shows the answer's status after its body.
fn curl(method: &str, token: &str, url: &str) -> String {
    let verb = if method == "GET" {
        String::new()
    } else {
        format!("-X {method} ")
    };
    format!("curl -s -w ' -> %{{http_code}}\\n' {verb}-H 'x-api-key: {token}' {url}")
}

/// The text printed when the demo is up: first thing on stdout (logs go elsewhere).
pub fn banner(
    listen: &str,
    db_path: &str,
    log: LogPlace<'_>,
    passwords: seed::Passwords,
    backends: &[(String, SocketAddr, actix_web::dev::ServerHandle)],
    users: &[seed::DemoUser],
    examples: &[seed::Example],
) -> String {
    let base = format!("http://{listen}");
    let mut out = format!(
        "scopegate demo is running on {base}  (account `{}`)\n\n",
        seed::ACCOUNT
    );
    out.push_str(&format!(
        "  Access console  {base}/console/     sign in with a token, or an email and password below\n"
    ));
    out.push_str(&format!(
        "  Swagger UI      {base}/swagger-ui/  Authorize with a token below (api_key)\n"
    ));
    out.push_str(&match log {
        LogPlace::File(path) => {
            format!("  Logs            {path}  (--verbose: on stderr instead)\n")
        }
        LogPlace::Stderr => "  Logs            on stderr (--verbose)\n".to_owned(),
    });
    out.push_str(&format!(
        "  Database        SQLite {db_path}, new at every start\n"
    ));
    out.push_str("  Backends        ");
    out.push_str(
        &backends
            .iter()
            .map(|(n, a, _)| format!("{n} http://{a}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(match passwords {
        seed::Passwords::Documented => {
            "\n\nOne user per built-in role (password demo-<user>; tokens are new at every start):\n"
        }
        seed::Passwords::Random => {
            "\n\nOne user per built-in role (listening beyond loopback: passwords and tokens are random, new at every start):\n"
        }
    });
    let width = users.iter().map(|u| u.password.len()).max().unwrap_or(8);
    out.push_str(&format!(
        "  {:<24} {:<34} {:<width$} {}\n",
        "ROLE", "EMAIL", "PASSWORD", "API TOKEN"
    ));
    for u in users {
        out.push_str(&format!(
            "  {:<24} {:<34} {:<width$} {}\n",
            u.role, u.email, u.password, u.token
        ));
    }
    out.push_str(
        "\nTry them: for each role one allowed request (200) and one denied (403: the body names \
         the missing permission,\nand its request_id explains the deny in the console's Why view):\n",
    );
    for e in examples {
        let Some(u) = users.iter().find(|u| u.role == e.role) else {
            continue;
        };
        let verdict = if e.expect == 200 {
            "allowed -> 200"
        } else {
            "denied -> 403"
        };
        out.push_str(&format!(
            "  # {} ({verdict})\n  {}\n",
            e.role,
            curl(e.method, &u.token, &format!("{base}{}", e.path))
        ));
    }
    out.push_str("  # Account Admin holds every permission, so it has no denied example.\n");
    if let (Some(admin), Some(viewer)) = (
        users.first(),
        users.iter().find(|u| u.role == "_account_viewer"),
    ) {
        out.push_str(&format!(
            "\nWhat if? Preview removing the Account Viewer's assignment before making the change \
             (its requests above are\nlogged within a second and come back as newly denied; nothing is written):\n  \
             # preview (-> 200)\n  \
             curl -s -w ' -> %{{http_code}}\\n' -X POST -H 'x-api-key: {}' -H 'content-type: application/json' \
             -d '{{\"changes\":[{{\"method\":\"DELETE\",\"path\":\"/v1/role-assignments/demo-{}\"}}]}}' \
             {base}/v1/policy/preview\n",
            admin.token, viewer.user
        ));
    }
    if let Some(u) = users.first() {
        out.push_str(&format!(
            "\nLog in with a password (answers a JWT for `Authorization: Bearer`):\n  \
             curl -s -w ' -> %{{http_code}}\\n' -H 'content-type: application/json' \
             -d '{{\"email\":\"{}\",\"password\":\"{}\",\"account\":\"{}\"}}' {base}/v1/auth/login\n",
            u.email,
            u.password,
            seed::ACCOUNT
        ));
    }
    out.push_str("\nCtrl-C stops the demo.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::loopback_only;

    #[test]
    fn documented_passwords_only_on_loopback() {
        for (listen, loopback) in [
            ("127.0.0.1:8080", true),
            ("[::1]:8080", true),
            ("localhost:8080", true),
            ("0.0.0.0:8080", false),
            ("[::]:8080", false),
            ("10.0.0.5:8080", false),
            ("demo.example:8080", false),
        ] {
            assert_eq!(loopback_only(listen), loopback, "{listen}");
        }
    }
}
