//! The access console's server side (DESIGN §4.9): every file of `static/console/` is served
//! from the binary with its content type, the console's CSP and a validator; nothing in the
//! files names another host; `GET /v1/audit-events?request_id=` finds a deny by the id its
//! 403 carried. The console in a real browser is `console_browser`.

use std::path::{Path, PathBuf};

use scopegate::admin::console::{CSP, FILES};
use scopegate::gateway::now_ms;

use super::harness::TestApp;

fn console_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("static/console")
}

/// Paths below `static/console/`, `/`-separated.
fn files_on_disk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("static/console") {
        let entry = entry.expect("entry");
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().expect("type").is_dir() {
            files_on_disk(&entry.path(), &format!("{name}/"), out);
        } else {
            out.push(name);
        }
    }
}

#[test]
fn every_console_file_is_embedded() {
    let mut on_disk = Vec::new();
    files_on_disk(&console_dir(), "", &mut on_disk);
    on_disk.sort();
    let mut embedded: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
    embedded.sort();
    assert_eq!(
        on_disk, embedded,
        "static/console/ and admin::console::FILES list the same files"
    );
}

/// No URL with a scheme or a protocol-relative one: the console loads and calls only itself.
#[test]
fn console_files_name_no_other_host() {
    for (path, body) in FILES {
        let text = std::str::from_utf8(body).expect("utf-8");
        for needle in ["://", "\"//", "'//", "(//", "`//"] {
            assert!(!text.contains(needle), "{path} contains `{needle}`");
        }
    }
}

#[actix_web::test]
async fn console_files_are_served_with_their_type_policy_and_validator() {
    let app = TestApp::start().await;
    let redirect = app.call("GET", "/console", None, None).await;
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/console/"));
    let index = app.call("GET", "/console/", None, None).await;
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    for (path, body) in FILES {
        let url = format!("{}/console/{path}", app.url);
        let mut res = app.client.get(&url).send().await.expect("get");
        assert_eq!(res.status(), 200, "{path}");
        let h = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let want = match path.rsplit_once('.').map(|(_, e)| e) {
            Some("html") => "text/html; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            other => panic!("{path}: unexpected extension {other:?}"),
        };
        assert_eq!(h("content-type").as_deref(), Some(want), "{path}");
        assert_eq!(h("content-security-policy").as_deref(), Some(CSP), "{path}");
        assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
        let etag = h("etag").expect("etag");
        let served = res.body().limit(1 << 20).await.expect("body");
        assert_eq!(&served[..], *body, "{path} is the embedded file");
        let again = app
            .client
            .get(&url)
            .insert_header(("if-none-match", etag.as_str()))
            .send()
            .await
            .expect("get");
        assert_eq!(again.status(), 304, "{path} revalidates");
    }
    let missing = app.call("GET", "/console/nope.js", None, None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["code"], "NOT_FOUND");
    let escape = app.call("GET", "/console/../Cargo.toml", None, None).await;
    assert_ne!(escape.status, 200);
    let wrong_method = app.call("POST", "/console/", None, None).await;
    assert_eq!(wrong_method.status, 405);
}

/// A gateway deny is found by the request id of its 403, and only it; an admin write by the
/// `X-Request-Id` of its answer.
#[actix_web::test]
async fn audit_events_are_found_by_request_id() {
    let app = TestApp::start().await;
    let db = app.db.clone();
    let (users, _) = tokio::task::spawn_blocking(move || {
        db.transaction(|c| scopegate::demo::seed::seed(c, now_ms()))
            .expect("seed")
    })
    .await
    .expect("join");
    app.refresh().await;
    let token = |role: &str| {
        users
            .iter()
            .find(|u| u.role == role)
            .map(|u| u.token.clone())
            .expect("demo user")
    };
    let (viewer, admin) = (token("_account_viewer"), token("_account_admin"));
    let mut ids = Vec::new();
    for _ in 0..2 {
        let denied = app
            .call(
                "PUT",
                "/v1/orgs/eng/projects/web/teams/team-a",
                Some(&viewer),
                None,
            )
            .await;
        assert_eq!(denied.status, 403);
        ids.push(denied.body["request_id"].as_str().expect("id").to_owned());
    }
    let mut found = serde_json::Value::Null;
    for _ in 0..50 {
        let got = app
            .call(
                "GET",
                &format!("/v1/audit-events?request_id={}", ids[0]),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(got.status, 200, "{}", got.body);
        if got.body.as_array().is_some_and(|a| !a.is_empty()) {
            found = got.body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let events = found.as_array().expect("the deny was audited within 5 s");
    assert_eq!(events.len(), 1, "{found}");
    let e = &events[0];
    assert_eq!(e["request_id"], ids[0].as_str());
    assert_eq!(e["action"], "gateway.request");
    assert_eq!(e["outcome"], "denied");
    assert_eq!(e["principal"]["identifier"], "account-viewer");
    assert_eq!(e["after"]["permission"], "sei_seiteams_edit");
    let none = app
        .call(
            "GET",
            "/v1/audit-events?request_id=no-such-id",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(none.body, serde_json::json!([]));
    let write = app
        .call(
            "POST",
            "/v1/roles",
            Some(&admin),
            Some(serde_json::json!({"identifier": "by-id", "name": "By id", "permissions": ["core_project_view"]})),
        )
        .await;
    assert_eq!(write.status, 201, "{}", write.body);
    let rid = write
        .header("x-request-id")
        .expect("x-request-id")
        .to_owned();
    let got = app
        .call(
            "GET",
            &format!("/v1/audit-events?request_id={rid}"),
            Some(&admin),
            None,
        )
        .await;
    let events = got.body.as_array().expect("array");
    assert_eq!(events.len(), 1, "{}", got.body);
    assert_eq!(events[0]["action"], "role.create");
}
