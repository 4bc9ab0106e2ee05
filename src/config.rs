//! L0 configuration: the typed schema of DESIGN §4.2, TOML parsing, `SCOPEGATE_<SECTION>__<KEY>`
//! environment overrides, and validation.
//!
//! Pure: the caller hands in the file's text and the environment; nothing here reads
//! files or variables. Unknown keys are errors that name the file and the key.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use thiserror::Error;

mod routes;
mod routes_doc;

pub use routes::{Access, AttributeSource, Claim, Found, Matched, Route, RouteTable, PACKS};
pub use routes_doc::routes_markdown;

/// A configuration error; the CLI exits with code 2 on these.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{origin}: invalid TOML: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: key `{key}`: {message}")]
    Key {
        origin: String,
        key: String,
        message: String,
    },
    #[error("environment variable `{var}`: {message}")]
    Env { var: String, message: String },
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    pub workers: usize,
    pub max_header_bytes: usize,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    pub ops_listen: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            workers: 0,
            max_header_bytes: 32 * 1024,
            tls_cert_file: None,
            tls_key_file: None,
            ops_listen: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub auto_migrate: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://./.scopegate/scopegate.db".into(),
            pool_size: 8,
            auto_migrate: true,
        }
    }
}

/// An upstream: a base URL, or a table with per-upstream timeouts and, for `https://`
/// upstreams signed by a private CA, that CA's certificates (`ca_file`, PEM; the public
/// web roots stay trusted too).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum UpstreamConfig {
    Url(String),
    Table(UpstreamTable),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpstreamTable {
    pub url: String,
    pub connect_timeout_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub ca_file: Option<PathBuf>,
}

impl UpstreamConfig {
    pub fn url(&self) -> &str {
        match self {
            Self::Url(u) => u,
            Self::Table(t) => &t.url,
        }
    }

    pub fn ca_file(&self) -> Option<&std::path::Path> {
        match self {
            Self::Url(_) => None,
            Self::Table(t) => t.ca_file.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    pub issuer: String,
    pub audience: String,
    pub jwks_file: PathBuf,
    /// The accounts this issuer's tokens may act for (required, at least one): a token
    /// acts in its `acc` claim's account, else the requested `Harness-Account`, else the
    /// only listed account.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Which user field `sub` names: `identifier` (default) or `email`.
    #[serde(default)]
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Name of the environment variable holding the HS256 secret; login is off without it.
    pub jwt_hs256_secret_env: Option<String>,
    pub jwt_ttl_seconds: u64,
    pub login_max_failures: u32,
    pub issuers: Vec<IssuerConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_hs256_secret_env: None,
            jwt_ttl_seconds: 3600,
            login_max_failures: 5,
            issuers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    pub ttl_seconds: u64,
    pub stale_seconds: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ttl_seconds: 300,
            stale_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    pub route_packs: Vec<String>,
    pub trusted_proxies: Vec<String>,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    pub max_admin_body_bytes: usize,
    pub cors_allowed_origins: Vec<String>,
    /// Packs whose routes run in report-only mode (DESIGN §4.8).
    pub report_packs: Vec<String>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            route_packs: vec!["default".into()],
            trusted_proxies: Vec::new(),
            connect_timeout_ms: 2000,
            timeout_ms: 30_000,
            max_admin_body_bytes: 1024 * 1024,
            cors_allowed_origins: Vec::new(),
            report_packs: Vec::new(),
        }
    }
}

/// One `[[routes]]` entry (also the format of the shipped packs).
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    pub methods: Vec<String>,
    pub path: String,
    pub upstream: String,
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub authenticated: bool,
    #[serde(default)]
    pub pass_authorization: bool,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `enforce` (default) or `report`: decide, log and count, but forward even a deny
    /// (DESIGN §4.8).
    #[serde(default)]
    pub mode: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub upstreams: BTreeMap<String, UpstreamConfig>,
    pub auth: AuthConfig,
    pub cache: CacheConfig,
    pub gateway: GatewayConfig,
    pub audit: AuditConfig,
    pub routes: Vec<RouteConfig>,
}

/// `[audit]`: how long the decision log keeps what the gateway decided (for what-if
/// previews, DESIGN §4.8).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    pub decision_retention_hours: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            decision_retention_hours: 168,
        }
    }
}

const ENV_PREFIX: &str = "SCOPEGATE_";

/// Parses an override value as a TOML value when it parses, else as a string.
fn env_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

/// Applies `SCOPEGATE_<SECTION>__<KEY>=value` pairs to a TOML table.
fn apply_env(table: &mut toml::Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    for (var, raw) in env {
        let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let Some((section, key)) = rest.split_once("__") else {
            continue;
        };
        if section.is_empty() || key.is_empty() || key.contains("__") {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: "expected SCOPEGATE_<SECTION>__<KEY>".into(),
            });
        }
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        let entry = table
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(section_table) = entry else {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: format!("`{section}` is not a table"),
            });
        };
        section_table.insert(key, env_value(raw));
    }
    Ok(())
}

/// A key's path as it would be written in TOML: bare keys as they are, any other key
/// quoted (a key named `.` reads `"."`, an empty one `""`), array positions as `[i]`.
/// serde_path_to_error's own rendering writes such keys bare, so an error on the key `.`
/// read as one about the whole document (found by the `config` fuzz target).
fn key_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if bare {
                    out.push_str(key);
                } else {
                    out.push_str(&toml::Value::String(key.clone()).to_string());
                }
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// A TOML syntax error with the line and column it was found at (1-based, counting
/// characters), so the operator can find it in the file.
fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let Some(span) = e.span() else {
        return e.message().to_owned();
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{} at line {line}, column {column}", e.message())
}

impl Config {
    /// Parses `text` (the file's content, `None` for built-in defaults) named `origin` in
    /// errors, then applies the environment overrides found in `env`, then validates.
    pub fn parse(
        text: Option<&str>,
        origin: &str,
        env: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = match text {
            Some(t) => toml::from_str(t).map_err(|e| ConfigError::Syntax {
                origin: origin.into(),
                message: syntax_message(t, &e),
            })?,
            None => toml::Table::new(),
        };
        apply_env(&mut table, env)?;
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                ConfigError::Key {
                    origin: origin.into(),
                    key: key_path(e.path()),
                    message: e.inner().to_string(),
                }
            })?;
        config.validate(origin)?;
        Ok(config)
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let key_err = |key: &str, message: String| ConfigError::Key {
            origin: origin.into(),
            key: key.into(),
            message,
        };
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(key_err(
                "server.listen",
                format!(
                    "`{}` is not an address like 127.0.0.1:8080",
                    self.server.listen
                ),
            ));
        }
        if let Some(ops) = &self.server.ops_listen {
            if ops.parse::<std::net::SocketAddr>().is_err() {
                return Err(key_err(
                    "server.ops_listen",
                    format!("`{ops}` is not an address"),
                ));
            }
        }
        if self.server.tls_cert_file.is_some() != self.server.tls_key_file.is_some() {
            return Err(key_err(
                "server.tls_cert_file",
                "tls_cert_file and tls_key_file go together".into(),
            ));
        }
        for (i, r) in self.routes.iter().enumerate() {
            if let Some(mode) = r
                .mode
                .as_deref()
                .filter(|m| !["enforce", "report"].contains(m))
            {
                return Err(key_err(
                    &format!("routes[{i}].mode"),
                    format!("`{mode}`: expected `enforce` or `report`"),
                ));
            }
        }
        if let Some(p) = self
            .gateway
            .report_packs
            .iter()
            .find(|p| !self.gateway.route_packs.contains(p))
        {
            return Err(key_err(
                "gateway.report_packs",
                format!("pack `{p}` is not loaded: list it in gateway.route_packs too"),
            ));
        }
        for (i, issuer) in self.auth.issuers.iter().enumerate() {
            let key = format!("auth.issuers[{i}].accounts");
            if issuer.accounts.is_empty() {
                return Err(key_err(
                    &key,
                    format!(
                        "issuer `{}` must list the accounts it may act for, e.g. accounts = [\"acme\"]",
                        issuer.issuer
                    ),
                ));
            }
            if let Some(bad) = issuer
                .accounts
                .iter()
                .find(|a| crate::policy::Identifier::new(a).is_err())
            {
                return Err(key_err(
                    &key,
                    format!(
                        "issuer `{}`: `{bad}` is not an account identifier",
                        issuer.issuer
                    ),
                ));
            }
        }
        if self.server.max_header_bytes < 1024 {
            return Err(key_err(
                "server.max_header_bytes",
                "must be at least 1024".into(),
            ));
        }
        if !(self.database.url.starts_with("sqlite://")
            || self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://"))
        {
            return Err(key_err(
                "database.url",
                "expected sqlite://PATH or postgres://…".into(),
            ));
        }
        for (name, up) in &self.upstreams {
            let url = up.url();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(key_err(
                    &format!("upstreams.{name}"),
                    format!("`{url}` is not an http:// or https:// URL"),
                ));
            }
            if up.ca_file().is_some() && !url.starts_with("https://") {
                return Err(key_err(
                    &format!("upstreams.{name}.ca_file"),
                    "only https:// upstreams take a ca_file".into(),
                ));
            }
        }
        for cidr in &self.gateway.trusted_proxies {
            if cidr.parse::<ipnet::IpNet>().is_err() && cidr.parse::<std::net::IpAddr>().is_err() {
                return Err(key_err(
                    "gateway.trusted_proxies",
                    format!("`{cidr}` is not a CIDR or address"),
                ));
            }
        }
        if self.cache.ttl_seconds == 0 {
            return Err(key_err("cache.ttl_seconds", "must be positive".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_without_a_file() {
        let c = Config::parse(None, "built-in defaults", &[]).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.gateway.route_packs, vec!["default"]);
        assert_eq!(c.cache.stale_seconds, 30);
    }

    #[test]
    fn full_schema_parses() {
        let text = r#"
[server]
listen = "0.0.0.0:9000"
workers = 2
max_header_bytes = 16384
ops_listen = "127.0.0.1:9090"
[database]
url = "postgres://u:p@localhost/db"
pool_size = 4
auto_migrate = false
[upstreams]
insights = "http://127.0.0.1:9101"
teams = { url = "https://teams.internal", connect_timeout_ms = 500, timeout_ms = 5000 }
[auth]
jwt_hs256_secret_env = "SCOPEGATE_JWT_SECRET"
jwt_ttl_seconds = 600
login_max_failures = 3
[[auth.issuers]]
issuer = "https://idp.example"
audience = "scopegate"
jwks_file = "/etc/scopegate/jwks.json"
accounts = ["acme"]
[cache]
ttl_seconds = 60
stale_seconds = 10
[gateway]
route_packs = ["default", "portal"]
trusted_proxies = ["10.0.0.0/8"]
cors_allowed_origins = ["https://dash.example"]
[[routes]]
upstream = "teams"
methods = ["PUT"]
path = "/v1/x/{team}"
permission = "sei_seiteams_edit"
resource_type = "SEI_TEAM"
resource = "{team}"
attributes = { team = "{team}" }
"#;
        let c = Config::parse(Some(text), "scopegate.toml", &[]).unwrap();
        assert_eq!(
            c.upstreams["teams"],
            UpstreamConfig::Table(UpstreamTable {
                url: "https://teams.internal".into(),
                connect_timeout_ms: Some(500),
                timeout_ms: Some(5000),
                ca_file: None,
            })
        );
        assert_eq!(c.routes[0].attributes["team"], "{team}");
        assert_eq!(c.auth.issuers.len(), 1);
    }

    #[test]
    fn unknown_keys_name_file_and_key() {
        let err = Config::parse(
            Some("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n"),
            "my.toml",
            &[],
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("my.toml") && msg.contains("lisen"), "{msg}");
        let err = Config::parse(Some("[nope]\nx = 1\n"), "my.toml", &[]).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        let err =
            Config::parse(Some("[server]\nworkers = \"many\"\n"), "my.toml", &[]).unwrap_err();
        assert!(err.to_string().contains("server.workers"), "{err}");
    }

    /// Found by `fuzz/fuzz_targets/config.rs`: a table named `"."` was reported as key `.`,
    /// which reads as the whole document; keys that are not bare are quoted as in TOML.
    #[test]
    fn keys_that_are_not_bare_are_quoted() {
        let key = |text: &str| match Config::parse(Some(text), "f.toml", &[]).unwrap_err() {
            ConfigError::Key { key, .. } => key,
            other => panic!("not a key error: {other}"),
        };
        assert_eq!(key("[\".\"]\n"), "\".\"");
        assert_eq!(key("[\"\"]\n"), "\"\"");
        assert_eq!(key("[server]\n\"a b\" = 1\n"), "server.\"a b\"");
        assert_eq!(key("[server]\nlisen = 1\n"), "server.lisen");
        let err = Config::parse(Some("[[routes]]\nnope = 1\n"), "f.toml", &[]).unwrap_err();
        assert!(err.to_string().contains("routes[0].nope"), "{err}");
    }

    /// Found by `fuzz/fuzz_targets/config.rs`: a syntax error named neither key nor line
    /// (`fuzz.toml: invalid TOML: unclosed table, expected `]``).
    #[test]
    fn syntax_errors_name_the_line_and_column() {
        for (text, at) in [
            ("[server\n", "line 1, column 8"),
            ("[server]\nlisten = \n", "line 2, column 10"),
            ("[server]\n\nworkers = 1 2\n", "line 3, column 11"),
            ("# é\n[cache]\nttl_seconds = é\n", "line 3, column 15"),
        ] {
            let err = Config::parse(Some(text), "my.toml", &[]).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with("my.toml: invalid TOML: ") && msg.ends_with(at),
                "{text:?}: {msg}"
            );
        }
    }

    #[test]
    fn env_overrides_parse_as_toml_values() {
        let e = env(&[
            ("SCOPEGATE_SERVER__WORKERS", "4"),
            ("SCOPEGATE_GATEWAY__ROUTE_PACKS", r#"["default","portal"]"#),
            ("SCOPEGATE_DATABASE__URL", "sqlite://./x.db"),
            ("SCOPEGATE_JWT_SECRET", "not-an-override"),
            ("OTHER", "ignored"),
        ]);
        let c = Config::parse(None, "built-in defaults", &e).unwrap();
        assert_eq!(c.server.workers, 4);
        assert_eq!(c.gateway.route_packs, vec!["default", "portal"]);
        assert_eq!(c.database.url, "sqlite://./x.db");
        let bad = env(&[("SCOPEGATE_SERVER__NOPE", "1")]);
        assert!(Config::parse(None, "built-in defaults", &bad)
            .unwrap_err()
            .to_string()
            .contains("nope"));
    }

    #[test]
    fn validation_errors() {
        for (text, key) in [
            ("[server]\nlisten = \"nowhere\"", "server.listen"),
            ("[database]\nurl = \"mysql://x\"", "database.url"),
            ("[upstreams]\nx = \"ftp://a\"", "upstreams.x"),
            (
                "[upstreams]\nx = { url = \"http://a\", ca_file = \"/etc/hosts\" }",
                "upstreams.x.ca_file",
            ),
            (
                "[[auth.issuers]]\nissuer = \"https://idp\"\naudience = \"a\"\njwks_file = \"j.json\"",
                "auth.issuers[0].accounts",
            ),
            (
                "[[auth.issuers]]\nissuer = \"https://idp\"\naudience = \"a\"\njwks_file = \"j.json\"\naccounts = [\"no spaces allowed\"]",
                "auth.issuers[0].accounts",
            ),
            (
                "[gateway]\ntrusted_proxies = [\"10.0.0.0/99\"]",
                "gateway.trusted_proxies",
            ),
            (
                "[gateway]\nroute_packs = [\"default\"]\nreport_packs = [\"portal\"]",
                "gateway.report_packs",
            ),
            (
                "[[routes]]\nmethods = [\"GET\"]\npath = \"/x\"\nupstream = \"a\"\nmode = \"shadow\"",
                "routes[0].mode",
            ),
        ] {
            let err = Config::parse(Some(text), "f.toml", &[]).unwrap_err();
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
    }
}
