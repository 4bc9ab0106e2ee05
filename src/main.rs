//! L4: the `scopegate` command line. Parses arguments, loads the config file and
//! environment, and hands over to the library. Exit codes: 0 ok, 2 usage or config error,
//! 1 other failure (`check` also exits 1 when the decision is a deny).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use scopegate::app::{self, AppError};
use scopegate::authn::epochs::EpochWatch;
use scopegate::authz::decide::Question;
use scopegate::authz::{Authz, AuthzError};
use scopegate::config::Config;
use scopegate::policy::permission::catalogue;
use scopegate::policy::resource_group::Attributes;
use scopegate::policy::role::{Principal, PrincipalType};
use scopegate::policy::{roles_doc, Identifier, Scope};
use scopegate::storage::Db;
use scopegate::web::logbuf::LogSink;
use scopegate::{demo, gateway};

#[derive(Parser)]
#[command(
    name = "scopegate",
    version,
    about = "Permission gateway for analytics portals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Answer one access decision with its reason (exit 0 permitted, 1 denied).
    Check {
        #[arg(long)]
        config: Option<PathBuf>,
        /// `USER:alice`, or `SERVICE_ACCOUNT:bot` (account level) / `SERVICE_ACCOUNT:bot@acme/eng`.
        #[arg(long)]
        principal: String,
        /// A permission identifier, e.g. `sei_seiteams_edit`.
        #[arg(long)]
        permission: String,
        /// `<scope>:<TYPE>[/<identifier>]`, e.g. `acme/eng/web:SEI_TEAM/team-a`.
        #[arg(long)]
        resource: String,
        /// Resource attributes for attribute filters, `name=value` (repeatable).
        #[arg(long = "attribute")]
        attributes: Vec<String>,
    },
    /// Run the gateway.
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
        /// `text` (default) or `json` log lines.
        #[arg(long, default_value = "text")]
        log_format: String,
    },
    /// Run everything embedded: SQLite under ./.scopegate/, sample backends, demo users.
    Demo {
        #[arg(long, default_value = "text")]
        log_format: String,
        /// Log to stderr instead of ./.scopegate/scopegate.log.
        #[arg(long)]
        verbose: bool,
    },
    /// Create an account (idempotent), an admin user and a token; prints one JSON object.
    Bootstrap {
        #[arg(long)]
        account: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the shipped route packs.
    Routes {
        /// Print docs/ROUTES.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the built-in roles.
    Roles {
        /// Print docs/ROLES.md (the role × permission matrix).
        #[arg(long)]
        markdown: bool,
    },
}

/// mimalloc: measurably faster than the system allocator on the proxy path (DESIGN §6).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn failure(message: impl ToString) -> Failure {
    Failure {
        code: 1,
        message: message.to_string(),
    }
}

/// Loads `--config FILE`, else `scopegate.toml` when present, else built-in defaults.
fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    let default = Path::new("scopegate.toml");
    let chosen = path.or_else(|| default.exists().then_some(default));
    let env: Vec<(String, String)> = std::env::vars().collect();
    let (text, origin) = match chosen {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| usage(format!("{}: {e}", p.display())))?;
            (Some(text), p.display().to_string())
        }
        None => (None, "built-in defaults".to_owned()),
    };
    Config::parse(text.as_deref(), &origin, &env).map_err(|e| usage(e.to_string()))
}

fn open_db(config: &Config) -> Result<Db, Failure> {
    Db::open(&config.database.url, config.database.pool_size).map_err(failure)
}

fn parse_principal(text: &str, account: &Identifier) -> Result<Principal, Failure> {
    let (kind, rest) = text
        .split_once(':')
        .ok_or_else(|| usage(format!("principal `{text}`: expected TYPE:identifier")))?;
    let principal_type = PrincipalType::parse(kind).map_err(|e| usage(e.to_string()))?;
    let (id, scope) = match rest.split_once('@') {
        Some((id, scope)) => (id, Scope::parse(scope).map_err(|e| usage(e.to_string()))?),
        None => (rest, Scope::account(account.clone())),
    };
    let identifier = Identifier::new(id).map_err(|e| usage(e.to_string()))?;
    Ok(Principal {
        principal_type,
        identifier,
        scope,
    })
}

fn run_check(
    config: Option<PathBuf>,
    principal: &str,
    permission: &str,
    resource: &str,
    attributes: &[String],
) -> Result<bool, Failure> {
    let config = load_config(config.as_deref())?;
    let (scope_text, rest) = resource.split_once(':').ok_or_else(|| {
        usage(format!(
            "resource `{resource}`: expected <scope>:<TYPE>[/<identifier>]"
        ))
    })?;
    let scope = Scope::parse(scope_text).map_err(|e| usage(e.to_string()))?;
    let (resource_type, identifier) = match rest.split_once('/') {
        Some((t, i)) => (t, Some(i)),
        None => (rest, None),
    };
    let mut attrs = Attributes::new();
    for a in attributes {
        let (k, v) = a
            .split_once('=')
            .ok_or_else(|| usage(format!("attribute `{a}`: expected name=value")))?;
        attrs.insert(k.to_owned(), v.to_owned());
    }
    let permission_id = catalogue()
        .require(permission)
        .map_err(|e| usage(e.to_string()))?;
    let principal = parse_principal(principal, &scope.account)?;
    let db = open_db(&config)?;
    // The same decision path as the gateway: registry attributes, then the engine.
    let authz = Authz::new(db, Arc::new(EpochWatch::new()), 1, 1);
    let question = Question {
        permission: permission_id,
        scope: &scope,
        resource_type,
        identifier,
        given: Some(&attrs),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failure)?;
    let answer = runtime.block_on(async {
        let policy = authz.load_fresh(&principal).await.map_err(|e| match e {
            AuthzError::UnknownPrincipal(_) => failure(format!(
                "principal `{principal}` not found in account `{}`",
                scope.account
            )),
            other => failure(other),
        })?;
        authz
            .explain(&policy.policy, None, &question)
            .await
            .map_err(failure)
    })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&answer).map_err(failure)?
    );
    Ok(answer.permitted)
}

fn app_failure(e: AppError) -> Failure {
    match e {
        AppError::Config(m) => usage(m),
        AppError::Startup(m) => failure(m),
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn run_serve(config: Option<PathBuf>, log_format: &str) -> Result<ExitCode, Failure> {
    let origin = config
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "scopegate.toml".into());
    let config = load_config(config.as_deref())?;
    let _guard = app::init_tracing(log_format == "json");
    actix_web::rt::System::new().block_on(async move {
        let state = app::build_state(config, &origin, &env_var)
            .await
            .map_err(app_failure)?;
        app::run(state).await.map_err(app_failure)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_demo(log_format: &str, verbose: bool) -> Result<ExitCode, Failure> {
    let base = load_config(None)?;
    let dir = std::path::Path::new(".scopegate");
    std::fs::create_dir_all(dir).map_err(failure)?;
    let log_path = "./.scopegate/scopegate.log";
    let (sink, log) = if verbose {
        (LogSink::Stderr, demo::LogPlace::Stderr)
    } else {
        let file =
            std::fs::File::create(log_path).map_err(|e| failure(format!("{log_path}: {e}")))?;
        (LogSink::File(file), demo::LogPlace::File(log_path))
    };
    let _guard = app::init_tracing_to(log_format == "json", sink);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("demo.db{suffix}")));
    }
    let db_path = "./.scopegate/demo.db";
    let secret = demo::generate_secret();
    actix_web::rt::System::new().block_on(async move {
        let backends = demo::start_backends().map_err(failure)?;
        let config = demo::demo_config(base, &backends, db_path);
        let passwords = if demo::loopback_only(&config.server.listen) {
            demo::seed::Passwords::Documented
        } else {
            demo::seed::Passwords::Random
        };
        let env = move |name: &str| (name == "SCOPEGATE_DEMO_JWT_SECRET").then(|| secret.clone());
        let state = app::build_state(config, "scopegate demo", &env)
            .await
            .map_err(app_failure)?;
        let db = state.db.clone();
        let (users, examples) = tokio::task::spawn_blocking(move || {
            db.transaction(|c| demo::seed::seed_with(c, gateway::now_ms(), passwords))
        })
        .await
        .map_err(failure)?
        .map_err(failure)?;
        state
            .gateway
            .authz
            .poll_once(0, gateway::now_ms())
            .await
            .map_err(failure)?;
        // Bound before the banner: the addresses it prints answer (port 0 picks one).
        let running = app::start(state).map_err(app_failure)?;
        let listen = running
            .addrs
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let text = demo::banner(
            &listen, db_path, log, passwords, &backends, &users, &examples,
        );
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(failure)?;
        drop(stdout);
        running.wait().await.map_err(app_failure)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Serve { config, log_format } => run_serve(config, &log_format),
        Command::Demo {
            log_format,
            verbose,
        } => run_demo(&log_format, verbose),
        Command::Bootstrap {
            account,
            admin_email,
            config,
        } => {
            let config = load_config(config.as_deref())?;
            let db = open_db(&config)?;
            db.migrate().map_err(failure)?;
            let done = app::bootstrap::bootstrap(&db, &account, &admin_email, gateway::now_ms())
                .map_err(app_failure)?;
            println!("{}", serde_json::to_string(&done).map_err(failure)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { config } => {
            let config = load_config(config.as_deref())?;
            let applied = open_db(&config)?.migrate().map_err(failure)?;
            if applied.is_empty() {
                eprintln!("database is up to date");
            }
            for m in applied {
                eprintln!("applied {m}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            config,
            principal,
            permission,
            resource,
            attributes,
        } => {
            let permitted = run_check(config, &principal, &permission, &resource, &attributes)?;
            Ok(if permitted {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Routes { markdown: _ } => {
            print!("{}", scopegate::config::routes_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Roles { markdown } => {
            if markdown {
                print!("{}", roles_doc::roles_markdown());
            } else {
                for r in scopegate::policy::builtin::builtin_roles() {
                    println!(
                        "{}\t{}\t{} permissions",
                        r.identifier,
                        r.name,
                        r.permissions.len()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("scopegate: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
