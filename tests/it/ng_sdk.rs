//! Harness's own Python SDK (`harness-platform-sdk` 1.x, unchanged) against a real server:
//! `tests/client/harness_sdk_test.py` calls every method of its organizations, projects,
//! roles, resource groups and role assignments clients (DESIGN §4.10). Without the package:
//! a failure under `SCOPEGATE_REQUIRE_TOOLS=1`, otherwise a notice on stderr.

use std::process::Command;
use std::time::Instant;

use serde_json::json;

use super::harness::{TestApp, ACCOUNT};
use super::support::{loud, python_module, tool_missing};

#[actix_web::test]
async fn ng_sdk_harness_platform_sdk_drives_every_call() {
    if !python_module("harness_platform_sdk") {
        return tool_missing(
            "ng_sdk: harness-platform-sdk test",
            "harness-platform-sdk is not installed (python3 -m pip install 'harness-platform-sdk>=1.1,<2')",
        );
    }
    let app = TestApp::start().await;
    app.seed_scopes().await;
    let user = json!({"identifier": "sdk_user", "email": "sdk@acme.test", "name": "SDK user"});
    assert_eq!(app.admin("POST", "/v1/users", Some(user)).await.status, 201);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/client/harness_sdk_test.py"
    );
    let (url, token) = (app.url.clone(), app.admin_token.clone());
    let started = Instant::now();
    // The script calls this server: run it off the test's runtime thread.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .args([&url, &token, ACCOUNT])
            .output()
            .expect("run python3")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "harness-platform-sdk failed against the NG API:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if std::env::var_os("SCOPEGATE_NG_SDK_TIMING").is_some() {
        loud(&format!(
            "ng_sdk: {} ({:.2?} including python start-up)",
            stdout.lines().last().unwrap_or_default(),
            started.elapsed()
        ));
    }
}
