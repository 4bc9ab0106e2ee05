//! The `scopegate` binary: exit codes, config errors, `migrate`, `check`, `roles`, the demo's
//! first run (banner first, logs elsewhere, curl lines that show their status).

use std::process::Command;

use super::demo_process::{free_port, start_demo, start_demo_on, KillOnDrop};
use super::support::{command_runs, tool_missing};

fn scopegate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scopegate"))
}

#[test]
fn unknown_config_key_exits_2_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[database]\nurl = \"sqlite://x.db\"\nbogus = 1\n").unwrap();
    let out = scopegate()
        .args(["migrate", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("bogus"), "{err}");
    let out = scopegate().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn migrate_then_check_explains_a_deny() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sg.db", dir.path().display());
    let out = scopegate()
        .arg("migrate")
        .env("SCOPEGATE_DATABASE__URL", &url)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let db = scopegate::storage::Db::open(&url, 1).unwrap();
        let mut c = db.conn().unwrap();
        scopegate::storage::tenancy::Account::ensure(&mut c, "acme", "Acme", 1).unwrap();
        scopegate::storage::principals::User {
            account: "acme".into(),
            identifier: "alice".into(),
            email: "a@x".into(),
            name: "A".into(),
            password_hash: None,
            organization: None,
            disabled: false,
            created: 1,
            updated: 1,
        }
        .insert(&mut c)
        .unwrap();
    }
    let out = scopegate()
        .args([
            "check",
            "--principal",
            "USER:alice",
            "--permission",
            "sei_seiteams_edit",
            "--resource",
            "acme/eng/web:SEI_TEAM/team-a",
        ])
        .env("SCOPEGATE_DATABASE__URL", &url)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["permitted"], false);
    assert_eq!(answer["missing_permission"], "sei_seiteams_edit");
    let out = scopegate()
        .args([
            "check",
            "--principal",
            "USER:alice",
            "--permission",
            "no_such_perm",
            "--resource",
            "acme:ACCOUNT/acme",
        ])
        .env("SCOPEGATE_DATABASE__URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_perm"));
}

#[test]
fn roles_markdown_prints_the_matrix() {
    let out = scopegate().args(["roles", "--markdown"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("| `_sei_team_manager` |") && text.contains("CROSS_ORGANIZATION_ACCESS"));
}

#[test]
fn bootstrap_is_idempotent_and_prints_one_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sg.db", dir.path().display());
    let run = || {
        let out = scopegate()
            .args([
                "bootstrap",
                "--account",
                "acme",
                "--admin-email",
                "Admin@Acme.test",
            ])
            .env("SCOPEGATE_DATABASE__URL", &url)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text.trim().lines().count(),
            1,
            "stdout holds one JSON object and nothing else: {text}"
        );
        serde_json::from_str::<serde_json::Value>(text.trim()).unwrap()
    };
    let first = run();
    let second = run();
    assert_eq!(first["account"], "acme");
    assert_eq!(first["user"], second["user"], "the same admin user");
    assert!(first["token"].as_str().unwrap().starts_with("pat.acme."));
    assert_ne!(first["token"], second["token"], "a new token each time");
    let out = scopegate()
        .args(["bootstrap", "--account", "1bad", "--admin-email", "a@b.c"])
        .env("SCOPEGATE_DATABASE__URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serve_refuses_a_missing_or_short_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sg.toml");
    let db = format!("sqlite://{}/sg.db", dir.path().display());
    std::fs::write(&file, format!("[server]\nlisten = \"127.0.0.1:0\"\n[database]\nurl = \"{db}\"\n[auth]\njwt_hs256_secret_env = \"SG_TEST_JWT\"\n[gateway]\nroute_packs = []\n")).unwrap();
    let missing = scopegate()
        .args(["serve", "--config"])
        .arg(&file)
        .env_remove("SG_TEST_JWT")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("SG_TEST_JWT"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let short = scopegate()
        .args(["serve", "--config"])
        .arg(&file)
        .env("SG_TEST_JWT", "too-short")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("32 bytes"));
}

/// The banner comes first on stdout and names the console and Swagger UI; every user has a
/// password and a token; logs go to `./.scopegate/scopegate.log`, not stdout.
#[test]
fn demo_prints_its_banner_first_and_logs_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path(), &[], std::process::Stdio::null());
    let base = demo.base();
    assert!(
        demo.banner[0].starts_with(&format!("scopegate demo is running on {base}")),
        "the banner is the first thing on stdout: {:?}",
        demo.banner[0]
    );
    let text = demo.banner.join("\n");
    for needle in [
        format!("{base}/console/"),
        format!("{base}/swagger-ui/"),
        "./.scopegate/scopegate.log".to_owned(),
    ] {
        assert!(text.contains(&needle), "the banner names {needle}:\n{text}");
    }
    let users = demo.users();
    assert_eq!(users.len(), 13, "one user per built-in role");
    for u in &users {
        let user = u.email.strip_suffix("@demo.local").expect("a demo email");
        assert_eq!(u.password, format!("demo-{user}"), "documented on loopback");
        assert!(u.token.starts_with("pat.demo."), "{u:?}");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        demo.stdout.try_recv().is_err(),
        "nothing but the banner on stdout"
    );
    let log = std::fs::read_to_string(dir.path().join(".scopegate/scopegate.log")).unwrap();
    assert!(log.contains("scopegate listening"), "{log}");
    assert!(
        dir.path().join(".scopegate/demo.db").exists(),
        "SQLite under ./.scopegate/"
    );
}

/// Every printed `curl` line answers the status its comment claims (the line prints it with
/// `-w`), and the printed login line signs in with a printed password.
#[test]
fn demo_curl_lines_show_the_status_they_claim() {
    if !command_runs("curl") {
        return tool_missing("cli: demo curl lines", "curl is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path(), &[], std::process::Stdio::null());
    let mut checked = 0;
    let mut claim = None;
    for line in &demo.banner {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix("# ") {
            claim = comment
                .split_once("-> ")
                .map(|(_, status)| status.trim_end_matches(')').to_owned());
            continue;
        }
        let is_login = line.contains("/v1/auth/login");
        if !line.starts_with("curl ") {
            continue;
        }
        assert!(line.contains("-w ' -> %{http_code}\\n'"), "{line}");
        let want = if is_login {
            "200".to_owned()
        } else {
            claim.take().expect("a comment names the status")
        };
        let is_preview = line.contains("/v1/policy/preview");
        if is_preview {
            // The decision log is written every second.
            std::thread::sleep(std::time::Duration::from_millis(1500));
        }
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        if is_preview {
            assert!(
                printed.contains("USER:account-viewer"),
                "the preview shows a flip: {printed}"
            );
        }
        assert!(
            printed.trim_end().ends_with(&format!(" -> {want}")),
            "{line}\nprinted: {printed}"
        );
        if is_login {
            assert!(printed.contains("\"token\""), "{printed}");
        }
        checked += 1;
    }
    assert_eq!(
        checked, 27,
        "25 role examples, the preview and the login line"
    );
}

/// Reachable from other machines, the demo does not hand out documented passwords.
#[test]
fn demo_beyond_loopback_gets_random_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo_on("0.0.0.0", dir.path(), &[], std::process::Stdio::null());
    let users = demo.users();
    assert_eq!(users.len(), 13);
    for u in &users {
        assert!(!u.password.starts_with("demo-"), "{u:?}");
        assert_eq!(u.password.len(), 12, "{u:?}");
    }
}

#[test]
fn demo_verbose_logs_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path(), &["--verbose"], std::process::Stdio::piped());
    assert!(demo.banner[0].starts_with("scopegate demo is running on"));
    assert!(demo
        .banner
        .iter()
        .any(|l| l.contains("on stderr (--verbose)")));
    let stderr = demo.stderr.as_ref().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = false;
    while !seen && std::time::Instant::now() < deadline {
        if let Ok(line) = stderr.recv_timeout(std::time::Duration::from_millis(200)) {
            seen = line.contains("scopegate listening");
        }
    }
    assert!(seen, "the log lines arrive on stderr");
    let log = dir.path().join(".scopegate/scopegate.log");
    assert!(!log.exists(), "no log file with --verbose");
}

/// Starts `serve` with `config` (TOML) and `args`; stdout lines arrive on the receiver.
fn serve_with_output(
    dir: &std::path::Path,
    config: &str,
    args: &[&str],
) -> (KillOnDrop, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let file = dir.join("sg.toml");
    std::fs::write(&file, config).unwrap();
    let mut child = scopegate()
        .args(["serve", "--config"])
        .arg(&file)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (KillOnDrop(child), rx)
}

/// Sends one HTTP/1.1 request and returns the status line.
fn http_get(port: u16, path: &str, headers: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_owned)
}

#[test]
fn serve_writes_one_json_access_line_per_request_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let db = format!("sqlite://{}/sg.db", dir.path().display());
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{db}\"\n\
         [upstreams]\ninsights = \"http://127.0.0.1:9\"\nprofiles = \"http://127.0.0.1:9\"\n\
         teams = \"http://127.0.0.1:9\"\n[gateway]\nroute_packs = [\"default\"]\n"
    );
    let (child, rx) = serve_with_output(dir.path(), &config, &["--log-format", "json"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while http_get(port, "/healthz", "").is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let secret = "pat.acme.tok1.c2VjcmV0LW5vdC10by1iZS1sb2dnZWQ";
    let status = http_get(
        port,
        "/v1/insights/status?x=1",
        "X-Request-Id: trace-me-42\r\n",
    );
    assert!(
        status.is_some_and(|s| s.contains(" 502 ")),
        "upstream is down"
    );
    let denied = http_get(port, "/v1/collections", &format!("x-api-key: {secret}\r\n"));
    assert!(
        denied.as_deref().is_some_and(|s| s.contains(" 401 ")),
        "{denied:?}"
    );
    let mut lines = Vec::new();
    let mut access = Vec::new();
    while access.len() < 2 && std::time::Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            let v: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("every line is JSON ({e}): {line}"));
            if v["target"] == "scopegate::access" {
                access.push(v);
            }
            lines.push(line);
        }
    }
    drop(child);
    assert_eq!(access.len(), 2, "one access line per request: {lines:#?}");
    let first = &access[0];
    assert_eq!(first["request_id"], "trace-me-42");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/v1/insights/status");
    assert_eq!(first["route"], "GET /v1/insights/status");
    assert_eq!(first["outcome"], "upstream_error");
    assert_eq!(first["status"], 502);
    assert_eq!(first["principal"], "-");
    assert!(first["latency_us"].is_u64() && first["timestamp"].is_string());
    assert_eq!(access[1]["status"], 401);
    assert!(
        lines.iter().all(|l| !l.contains("c2VjcmV0")),
        "no secret in the log: {lines:#?}"
    );
}

#[test]
fn serve_refuses_an_issuer_bound_to_no_account() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sg.toml");
    let db = format!("sqlite://{}/sg.db", dir.path().display());
    let jwks = format!(
        "{}/tests/fixtures/authn/jwks.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::write(&file, format!("[database]\nurl = \"{db}\"\n[[auth.issuers]]\nissuer = \"https://idp.unbound\"\naudience = \"scopegate\"\njwks_file = \"{jwks}\"\n")).unwrap();
    let out = scopegate()
        .args(["serve", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("https://idp.unbound") && err.contains("auth.issuers[0].accounts"),
        "{err}"
    );
}
