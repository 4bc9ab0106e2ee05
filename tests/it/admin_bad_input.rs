//! Input that schemathesis found the server mishandling against its OpenAPI document (issue
//! 13, `scripts/schemathesis.sh`): each case now answers a 4xx per DESIGN §4.5 or succeeds as
//! the document promises, never a 5xx; and every 405 carries `Allow` (RFC 9110) listing the
//! methods the document gives its path.

use serde_json::{json, Value};

use super::harness::TestApp;

/// `/v1/orgs/{org}/roles/{role}` with every parameter filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[actix_web::test]
async fn every_405_lists_the_methods_the_document_gives_its_path() {
    let app = TestApp::start().await;
    let doc = app
        .call("GET", "/api-docs/openapi.json", None, None)
        .await
        .body;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let documented: Vec<String> = ["get", "put", "post", "delete", "patch"]
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_uppercase())
            .collect();
        let other = ["PATCH", "PUT", "POST", "DELETE", "GET"]
            .into_iter()
            .find(|m| !documented.iter().any(|d| d == m))
            .expect("a method the path does not take");
        // The NG API answers in its own error shape; it and the ACL are also under /gateway.
        let ng = item
            .as_object()
            .into_iter()
            .flat_map(|ops| ops.values())
            .any(|op| {
                op["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "Harness NG API"))
            });
        let mut urls = vec![concrete(path)];
        if path.starts_with("/ng/") || path.starts_with("/authz/") {
            urls.push(format!("/gateway{}", concrete(path)));
        }
        for url in urls {
            let got = app.admin(other, &url, None).await;
            assert_eq!(got.status, 405, "{other} {url}: {}", got.body);
            assert_eq!(
                got.header("allow"),
                Some(documented.join(", ").as_str()),
                "{other} {url}"
            );
            assert_eq!(
                got.body["code"], "METHOD_NOT_ALLOWED",
                "{other} {url}: {}",
                got.body
            );
            if ng {
                assert_eq!(got.body["status"], "ERROR", "{other} {url}: {}", got.body);
            }
            checked += 1;
        }
    }
    assert!(checked >= 90, "{checked} paths checked");
    let console = app.admin("POST", "/console/", None).await;
    assert_eq!(console.status, 405);
    assert_eq!(console.header("allow"), Some("GET"));
}

#[actix_web::test]
async fn paging_and_time_bounds_at_the_ends_of_the_integer_range_answer_200() {
    let app = TestApp::start().await;
    let events = app
        .admin(
            "GET",
            "/v1/audit-events?page=9223372036854775806&limit=30&from=-9223372036854775808&to=9223372036854775807",
            None,
        )
        .await;
    assert_eq!(events.status, 200, "{}", events.body);
    assert_eq!(events.body, json!([]));
    let split = app
        .admin(
            "GET",
            "/v1/settings/permission-splits/PIPELINE/preview?since=-9223372036854775807",
            None,
        )
        .await;
    assert_eq!(split.status, 200, "{}", split.body);
    let preview = app
        .admin(
            "POST",
            "/v1/policy/preview",
            Some(json!({"changes": [{"method": "PUT", "path": "/v1/settings/permission-splits", "body": {"resource_type": "PIPELINE", "phase": "migration"}}], "since": i64::MIN})),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
}

#[actix_web::test]
async fn a_body_is_a_json_object_and_integers_may_carry_a_zero_fraction() {
    let app = TestApp::start().await;
    let user = json!({"identifier": "alice", "email": "alice@acme.test", "name": "Alice"});
    assert_eq!(app.admin("POST", "/v1/users", Some(user)).await.status, 201);
    // serde reads a struct from an array too: `[null, null]` used to update nothing, 200.
    for body in [json!([null, null]), json!("x"), json!(3)] {
        let got = app
            .admin("PUT", "/v1/users/alice", Some(body.clone()))
            .await;
        assert_eq!(got.status, 400, "{body}: {}", got.body);
        assert_eq!(got.body["code"], "INVALID_REQUEST");
    }
    // JSON Schema's `integer` includes 4102444800000.0; the document says integer.
    let token = app
        .admin(
            "POST",
            "/v1/users/alice/tokens",
            Some(json!({"identifier": "t1", "name": "T", "valid_to": 4102444800000.0})),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
    assert_eq!(token.body["valid_to"], 4102444800000i64);
    let fraction = app
        .admin(
            "POST",
            "/v1/users/alice/tokens/t1/rotate",
            Some(json!({"grace_seconds": 1.5})),
        )
        .await;
    assert_eq!(fraction.status, 400, "{}", fraction.body);
}

#[actix_web::test]
async fn names_and_emails_are_counted_in_characters_as_the_document_counts_them() {
    let app = TestApp::start().await;
    let org = |name: String| json!({"org": {"identifier": "acc", "name": name}});
    let long: Value = org("é".repeat(257));
    assert_eq!(app.admin("POST", "/v1/orgs", Some(long)).await.status, 400);
    let fits = app
        .admin("POST", "/v1/orgs", Some(org("é".repeat(256))))
        .await;
    assert_eq!(fits.status, 201, "{}", fits.body);
    let email = format!("{}@x.io", "é".repeat(249));
    let user = json!({"identifier": "eve", "email": email, "name": "Eve"});
    let created = app.admin("POST", "/v1/users", Some(user)).await;
    assert_eq!(created.status, 201, "{}", created.body);
}
