//! `POST /v1/auth/login` over real HTTP: the JWT works as `Authorization: Bearer` on the
//! gateway and the admin API; wrong passwords and unknown emails are the same 401; failed
//! logins are throttled per (email, client address), and another address behind a trusted
//! proxy is not.

use serde_json::{json, Value};

use super::admin_principals::{message, send_raw};
use super::harness::{Answer, TestApp};

/// Extra request headers.
type Headers = Vec<(&'static str, String)>;

const PASSWORD: &str = "correct horse battery";

async fn login(app: &TestApp, headers: &[(&str, String)], body: Value) -> Answer {
    let bytes = serde_json::to_vec(&body).unwrap();
    send_raw(app, "POST", "/v1/auth/login", headers, Some(&bytes)).await
}

/// A user `lena` with SEI Viewer on everything and a password set by the admin.
async fn lena(app: &TestApp) {
    app.user_with_role(
        "lena",
        None,
        &[(
            "_sei_viewer",
            "_all_resources_including_child_scopes",
            "acme",
        )],
    )
    .await;
    let set = app
        .admin(
            "PUT",
            "/v1/users/lena/password",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
}

#[actix_web::test]
async fn login_issues_a_bearer_token_for_gateway_and_admin_api() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    lena(&app).await;
    let ok = login(
        &app,
        &[],
        json!({"email": "Lena@Acme.test", "password": PASSWORD, "account": "acme"}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let jwt = ok.body["token"].as_str().unwrap().to_owned();
    let expires = ok.body["expires_at"].as_i64().unwrap();
    assert!(
        expires > scopegate::gateway::now_ms() + 3_000_000,
        "{expires}"
    );
    let bearer = |path: &str| {
        let path = path.to_owned();
        let jwt = jwt.clone();
        let app = &app;
        async move {
            app.send(
                "GET",
                &path,
                Some(("authorization", format!("Bearer {jwt}"))),
                None,
            )
            .await
        }
    };
    let gw = bearer("/v1/orgs/eng/projects/web/insights").await;
    assert_eq!(gw.status, 200, "{}", gw.body);
    assert_eq!(
        gw.body["headers"]["x-scopegate-principal"], "USER:lena",
        "{}",
        gw.body
    );
    let me = bearer("/v1/users/lena").await;
    assert_eq!(
        (me.status, me.body["identifier"].as_str()),
        (200, Some("lena"))
    );
    let other = bearer("/v1/users/admin").await;
    assert_eq!(other.status, 403, "the JWT carries lena's permissions only");
    let by_header = login(
        &app,
        &[("harness-account", "acme".into())],
        json!({"email": "lena@acme.test", "password": PASSWORD}),
    )
    .await;
    assert_eq!(by_header.status, 200, "{}", by_header.body);
    let cases: Vec<(Headers, Value, u16, &str)> = vec![
        (
            vec![],
            json!({"email": "lena@acme.test", "password": PASSWORD}),
            400,
            "account",
        ),
        (
            vec![("harness-account", "other".into())],
            json!({"email": "lena@acme.test", "password": PASSWORD, "account": "acme"}),
            400,
            "differs",
        ),
        (
            vec![],
            json!({"email": "lena@acme.test", "password": "wrong password", "account": "acme"}),
            401,
            "invalid credentials",
        ),
        (
            vec![],
            json!({"email": "ghost@acme.test", "password": PASSWORD, "account": "acme"}),
            401,
            "invalid credentials",
        ),
        (
            vec![],
            json!({"email": "lena@acme.test", "password": PASSWORD, "account": "elsewhere"}),
            401,
            "invalid credentials",
        ),
        (
            vec![],
            json!({"email": "lena@acme.test", "password": PASSWORD, "account": "acme", "otp": 1}),
            400,
            "otp",
        ),
    ];
    for (headers, body, status, needle) in cases {
        let a = login(&app, &headers, body.clone()).await;
        assert_eq!(a.status, status, "{body}: {}", a.body);
        assert!(message(&a).contains(needle), "{body}: {}", a.body);
    }
    // The user changes its own password with the current one; the old one stops working.
    let changed = app
        .send(
            "PUT",
            "/v1/users/lena/password",
            Some(("authorization", format!("Bearer {jwt}"))),
            Some(json!({"password": "a brand new secret", "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let old = login(
        &app,
        &[],
        json!({"email": "lena@acme.test", "password": PASSWORD, "account": "acme"}),
    )
    .await;
    assert_eq!(old.status, 401);
    let new = login(
        &app,
        &[],
        json!({"email": "lena@acme.test", "password": "a brand new secret", "account": "acme"}),
    )
    .await;
    assert_eq!(new.status, 200);
}

#[actix_web::test]
async fn failed_logins_are_throttled_per_email_and_address() {
    let app = TestApp::start_with(|c| {
        c.auth.login_max_failures = 3;
        c.gateway.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await;
    lena(&app).await;
    let wrong = json!({"email": "lena@acme.test", "password": "wrong password", "account": "acme"});
    let right = json!({"email": "lena@acme.test", "password": PASSWORD, "account": "acme"});
    for _ in 0..3 {
        assert_eq!(login(&app, &[], wrong.clone()).await.status, 401);
    }
    let throttled = login(&app, &[], right.clone()).await;
    assert_eq!(
        (throttled.status, throttled.body["code"].as_str()),
        (429, Some("TOO_MANY_REQUESTS")),
        "even the right password waits: {}",
        throttled.body
    );
    let retry: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    let elsewhere = login(
        &app,
        &[("x-forwarded-for", "203.0.113.7".into())],
        right.clone(),
    )
    .await;
    assert_eq!(
        elsewhere.status, 200,
        "another client address: {}",
        elsewhere.body
    );
    let again = login(&app, &[], right).await;
    assert_eq!(again.status, 429, "the throttled address still waits");
}

/// Proving the current password to change it is throttled like a login: a stolen session
/// cannot guess the password at full speed.
#[actix_web::test]
async fn wrong_current_passwords_are_throttled() {
    let app = TestApp::start_with(|c| c.auth.login_max_failures = 3).await;
    lena(&app).await;
    let logged_in = login(
        &app,
        &[],
        json!({"email": "lena@acme.test", "password": PASSWORD, "account": "acme"}),
    )
    .await;
    let jwt = logged_in.body["token"].as_str().expect("token").to_owned();
    let change = |current: &'static str| {
        app.send(
            "PUT",
            "/v1/users/lena/password",
            Some(("authorization", format!("Bearer {jwt}"))),
            Some(json!({"password": "a brand new secret", "current_password": current})),
        )
    };
    for _ in 0..3 {
        let wrong = change("wrong guess").await;
        assert_eq!(wrong.status, 403, "{}", wrong.body);
    }
    let throttled = change(PASSWORD).await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    assert_eq!(throttled.body["code"], "TOO_MANY_REQUESTS");
    assert!(throttled.header("retry-after").is_some());
    // Nothing was changed: the old password still logs in.
    let old = login(
        &app,
        &[],
        json!({"email": "lena@acme.test", "password": PASSWORD, "account": "acme"}),
    )
    .await;
    assert_eq!(old.status, 200, "{}", old.body);
}
