//! The OpenAPI document as served at `/api-docs/openapi.json`: OpenAPI 3.1, every admin path
//! of DESIGN §4.4 (scoped variants included) and of the NG API (§4.10) with its methods, the `api_key` and `bearer`
//! security schemes, unchanged against `tests/snapshots/openapi.json` (regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test --test it openapi`), and valid for the external
//! `openapi-spec-validator`. Also: Swagger UI answers offline at `/swagger-ui/` with its
//! outside spec validator turned off (its behaviour in a real browser is tested by
//! `console_browser`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::harness::TestApp;
use super::support::{command_runs, python_module, tool_missing};

/// Paths whose organization and project variants must exist too (DESIGN §4.4).
fn scoped(path: &str) -> [String; 3] {
    let tail = path.strip_prefix("/v1/").expect("/v1 path");
    [
        path.to_owned(),
        format!("/v1/orgs/{{org}}/{tail}"),
        format!("/v1/orgs/{{org}}/projects/{{project}}/{tail}"),
    ]
}

/// `(method, path)` pairs the contract names; `{}` stands for any parameter name.
fn expected() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut add = |methods: &[&'static str], paths: &[String]| {
        for p in paths {
            for m in methods {
                out.push((*m, p.clone()));
            }
        }
    };
    for collection in ["roles", "resource-groups", "role-assignments"] {
        add(&["get", "post"], &scoped(&format!("/v1/{collection}")));
        add(
            &["get", "delete"],
            &scoped(&format!("/v1/{collection}/{{}}")),
        );
    }
    add(&["put"], &scoped("/v1/roles/{}"));
    add(&["put"], &scoped("/v1/resource-groups/{}"));
    add(&["put"], &scoped("/v1/role-assignments/{}"));
    add(&["get"], &scoped("/v1/roles/count"));
    add(&["get"], &scoped("/v1/role-assignments/count"));
    add(
        &["get", "post"],
        &["/v1/orgs".into(), "/v1/orgs/{}/projects".into()],
    );
    add(
        &["get", "put", "delete"],
        &["/v1/orgs/{}".into(), "/v1/orgs/{}/projects/{}".into()],
    );
    add(&["post"], &["/v1/users".into()]);
    add(
        &["put"],
        &["/v1/users/{}".into(), "/v1/users/{}/password".into()],
    );
    add(&["post"], &scoped("/v1/user-groups"));
    add(&["post"], &scoped("/v1/service-accounts"));
    add(&["put"], &scoped("/v1/service-accounts/{}"));
    let mut token_paths = vec!["/v1/users/{}".to_owned()];
    token_paths.extend(scoped("/v1/service-accounts/{}"));
    for owner in token_paths {
        add(&["post"], &[format!("{owner}/tokens")]);
        add(&["delete"], &[format!("{owner}/tokens/{{}}")]);
        add(&["post"], &[format!("{owner}/tokens/{{}}/rotate")]);
    }
    add(&["get"], &scoped("/v1/resources/{}"));
    add(&["get", "put", "delete"], &scoped("/v1/resources/{}/{}"));
    add(&["get"], &["/v1/permissions".into()]);
    add(
        &["post"],
        &["/authz/api/acl".into(), "/v1/access/explain".into()],
    );
    add(&["get"], &["/v1/principals/{}/{}/permissions".into()]);
    add(&["get", "put"], &["/v1/settings/permission-splits".into()]);
    add(&["get"], &["/v1/audit-events".into()]);
    // Harness's NG API (DESIGN §4.10), listed once (also served under `/gateway`).
    for collection in [
        "/ng/api/organizations",
        "/ng/api/projects",
        "/authz/api/roles",
        "/authz/api/v2/resourcegroup",
        "/authz/api/roleassignments",
    ] {
        add(&["get", "post"], &[collection.into()]);
        add(&["get", "put", "delete"], &[format!("{collection}/{{}}")]);
    }
    add(&["post"], &["/authz/api/roleassignments/filter".into()]);
    out
}

/// `/v1/orgs/{org}/roles/{role}` → `/v1/orgs/{}/roles/{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn served(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            out.insert((method.clone(), shape(path)));
        }
    }
    out
}

/// JSON pointers where `a` and `b` differ (at most `max`).
fn differences(a: &Value, b: &Value, at: String, out: &mut Vec<String>, max: usize) {
    if out.len() >= max || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(l), Some(r)) => differences(l, r, p, out, max),
                    (Some(_), None) => out.push(format!("{p} (only in the served document)")),
                    (None, _) => out.push(format!("{p} (only in the snapshot)")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                differences(l, r, format!("{at}/{i}"), out, max);
            }
        }
        _ => out.push(at),
    }
}

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

fn compare_with_snapshot(doc: &Value) {
    let path = snapshot_path();
    let pretty = format!("{}\n", serde_json::to_string_pretty(doc).expect("json"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, pretty).expect("write snapshot");
        eprintln!("openapi: snapshot written to {}", path.display());
        return;
    }
    let hint = "if the change is intended, regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test it openapi`";
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; {hint}", path.display()));
    let snapshot: Value = serde_json::from_str(&text).expect("snapshot is JSON");
    if &snapshot != doc {
        let actual = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("openapi.actual.json");
        std::fs::write(&actual, pretty).expect("write actual");
        let mut diffs = Vec::new();
        differences(doc, &snapshot, String::new(), &mut diffs, 25);
        panic!(
            "the OpenAPI document differs from {} at:\n  {}\nserved document: {} (diff -u the two files); {hint}",
            path.display(),
            diffs.join("\n  "),
            actual.display()
        );
    }
}

/// Runs `python3 -m openapi_spec_validator`; without the module: a failure under
/// `SCOPEGATE_REQUIRE_TOOLS=1`, otherwise a notice on stderr.
fn validate_externally(doc: &Value) {
    if !python_module("openapi_spec_validator") {
        return tool_missing(
            "openapi: external validation",
            "openapi-spec-validator is not installed (python3 -m pip install openapi-spec-validator)",
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(doc).expect("json")).expect("write");
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("run validator");
    assert!(
        out.status.success(),
        "openapi-spec-validator rejected the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[actix_web::test]
async fn openapi_document_is_complete_stable_and_valid() {
    let app = TestApp::start().await;
    let got = app.call("GET", "/api-docs/openapi.json", None, None).await;
    assert_eq!(got.status, 200);
    let doc = got.body;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["type"], "apiKey");
    assert_eq!(schemes["api_key"]["in"], "header");
    assert_eq!(schemes["api_key"]["name"], "x-api-key");
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let security = doc["security"].as_array().expect("global security");
    for name in ["api_key", "bearer"] {
        assert!(security.iter().any(|s| s.get(name).is_some()), "{name}");
    }
    let served = served(&doc);
    let missing: Vec<String> = expected()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), shape(&p)))
        .filter(|k| !served.contains(k))
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "admin paths of DESIGN §4.4 and §4.10 missing from the OpenAPI document:\n  {}",
        missing.join("\n  ")
    );
    compare_with_snapshot(&doc);
    validate_externally(&doc);
}

#[actix_web::test]
async fn openapi_swagger_ui_is_served_offline() {
    let app = TestApp::start().await;
    let page = app.call("GET", "/swagger-ui/", None, None).await;
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    assert!(page.body.as_str().is_some_and(|b| b.contains("swagger")));
    let redirect = app.call("GET", "/swagger-ui", None, None).await;
    assert!(
        matches!(redirect.status, 301 | 302 | 307 | 308),
        "{}",
        redirect.status
    );
    assert_eq!(redirect.header("location"), Some("/swagger-ui/"));
    // Swagger UI sends the document's URL to validator.swagger.io unless told not to (under
    // any host name but localhost): the browser suite checks that no request leaves.
    let mut init = app
        .client
        .get(format!("{}/swagger-ui/swagger-initializer.js", app.url))
        .send()
        .await
        .expect("initializer");
    let text = init.body().await.expect("body");
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains(r#""validatorUrl": "none""#), "{text}");
}

/// Harness compatibility with a generated client (DESIGN §4.4): openapi-python-client
/// builds a client from the document the server serves, and tests/client/harness_client.py
/// drives the admin API with it; every answer must parse into the generated models.
/// Without the generator: a failure under `SCOPEGATE_REQUIRE_TOOLS=1`, otherwise a notice on
/// stderr.
#[actix_web::test]
async fn a_generated_client_drives_the_admin_api() {
    if !command_runs("openapi-python-client") {
        return tool_missing(
            "openapi: generated-client test",
            "openapi-python-client is not installed (python3 -m pip install openapi-python-client)",
        );
    }
    let app = TestApp::start().await;
    let mut res = app
        .client
        .get(format!("{}/api-docs/openapi.json", app.url))
        .send()
        .await
        .expect("document");
    let doc = res.body().limit(4 << 20).await.expect("body");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("openapi.json"), &doc).expect("write");
    let generated = Command::new("openapi-python-client")
        .args(["generate", "--path", "openapi.json", "--meta", "none"])
        .args(["--output-path", "sg_client"])
        .current_dir(dir.path())
        .output()
        .expect("run generator");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/client/harness_client.py"
    );
    let (url, token) = (app.url.clone(), app.admin_token.clone());
    let dir_path = dir.path().to_owned();
    // The script calls this server: run it off the test's runtime thread.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .args([&url, &token, crate::harness::ACCOUNT])
            .env("PYTHONPATH", &dir_path)
            .output()
            .expect("run python3")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "generated client failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
