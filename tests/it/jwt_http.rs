//! JWTs over real HTTP: scopegate's own login tokens and an external RS256/ES256 issuer
//! (keys from a JWKS file), through the gateway and the admin API.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scopegate::config::IssuerConfig;
use serde_json::{json, Value};

use super::harness::{TestApp, ACCOUNT, JWT_SECRET};

const ISSUER: &str = "https://idp.test";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/authn");

fn key(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

fn now() -> i64 {
    scopegate::gateway::now_ms() / 1000
}

fn claims(sub: &str, aud: &str, iss: &str, exp_in: i64, nbf_in: i64) -> Value {
    json!({"sub": sub, "aud": aud, "iss": iss, "iat": now(), "nbf": now() + nbf_in, "exp": now() + exp_in})
}

async fn app_with_issuer() -> TestApp {
    TestApp::start_with(|c| {
        c.auth.issuers.push(IssuerConfig {
            issuer: ISSUER.into(),
            audience: "scopegate".into(),
            jwks_file: format!("{FIXTURES}/jwks.json").into(),
            accounts: vec![ACCOUNT.into()],
            subject: None,
        });
    })
    .await
}

async fn bearer(app: &TestApp, jwt: &str) -> u16 {
    app.send(
        "GET",
        "/v1/integrations",
        Some(("authorization", format!("Bearer {jwt}"))),
        None,
    )
    .await
    .status
}

#[actix_web::test]
async fn external_issuer_tokens_are_checked_strictly() {
    let app = app_with_issuer().await;
    app.user_with_role(
        "ext",
        None,
        &[(
            "_sei_viewer",
            "_all_resources_including_child_scopes",
            ACCOUNT,
        )],
    )
    .await;
    let rsa = EncodingKey::from_rsa_pem(&key("rsa1_private.pem")).unwrap();
    let good = sign(
        Algorithm::RS256,
        Some("rsa-1"),
        &rsa,
        &claims("ext", "scopegate", ISSUER, 300, 0),
    );
    assert_eq!(
        bearer(&app, &good).await,
        200,
        "RS256 verified against the JWKS file"
    );
    let cases = [
        (
            "wrong audience",
            sign(
                Algorithm::RS256,
                Some("rsa-1"),
                &rsa,
                &claims("ext", "other", ISSUER, 300, 0),
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::RS256,
                Some("rsa-1"),
                &rsa,
                &claims("ext", "scopegate", "https://evil.test", 300, 0),
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::RS256,
                Some("rsa-1"),
                &rsa,
                &claims("ext", "scopegate", ISSUER, -300, -600),
            ),
        ),
        (
            "not yet valid",
            sign(
                Algorithm::RS256,
                Some("rsa-1"),
                &rsa,
                &claims("ext", "scopegate", ISSUER, 900, 600),
            ),
        ),
        (
            "unknown kid",
            sign(
                Algorithm::RS256,
                Some("nope"),
                &rsa,
                &claims("ext", "scopegate", ISSUER, 300, 0),
            ),
        ),
        (
            "unknown user",
            sign(
                Algorithm::RS256,
                Some("rsa-1"),
                &rsa,
                &claims("ghost", "scopegate", ISSUER, 300, 0),
            ),
        ),
        (
            "RSA public key used as an HS256 secret",
            sign(
                Algorithm::HS256,
                Some("rsa-1"),
                &EncodingKey::from_secret(&key("rsa1_public.pem")),
                &claims("ext", "scopegate", ISSUER, 300, 0),
            ),
        ),
    ];
    for (what, jwt) in cases {
        assert_eq!(bearer(&app, &jwt).await, 401, "{what}");
    }
    let none = format!(
        "{}.{}.",
        base64url(r#"{"alg":"none","typ":"JWT"}"#),
        base64url(&claims("ext", "scopegate", ISSUER, 300, 0).to_string())
    );
    assert_eq!(bearer(&app, &none).await, 401, "alg none");
    let scoped = sign(
        Algorithm::RS256,
        Some("rsa-1"),
        &rsa,
        &json!({"sub": "ext", "aud": "scopegate", "iss": ISSUER, "exp": now() + 300, "scope": "sei_seiteams_view"}),
    );
    assert_eq!(
        bearer(&app, &scoped).await,
        403,
        "the scope claim restricts permissions"
    );
}

fn base64url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[actix_web::test]
async fn login_tokens_work_and_tampering_fails() {
    let app = TestApp::start().await;
    let created = app.admin("POST", "/v1/users", Some(json!({"identifier": "lena", "email": "lena@acme.test", "name": "Lena", "password": "correct horse battery"}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let assign = app
        .admin(
            "POST",
            "/v1/role-assignments",
            Some(json!({"identifier": "lena_viewer", "resource_group": "_all_resources_including_child_scopes", "role": "_sei_viewer", "principal": {"identifier": "lena", "type": "USER", "scope_level": "account"}})),
        )
        .await;
    assert_eq!(assign.status, 201, "{}", assign.body);
    let login = app
        .send(
            "POST",
            "/v1/auth/login",
            Some(("harness-account", ACCOUNT.into())),
            Some(json!({"email": "LENA@acme.test", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    let jwt = login.body["token"].as_str().unwrap().to_owned();
    assert!(login.body["expires_at"].as_i64().unwrap() > scopegate::gateway::now_ms());
    assert_eq!(bearer(&app, &jwt).await, 200);
    // A tampered payload keeps the signature of another: rejected.
    let parts: Vec<&str> = jwt.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64url(
            &json!({"sub": "admin", "acc": ACCOUNT, "iss": "scopegate", "exp": now() + 300})
                .to_string()
        ),
        parts[2]
    );
    assert_eq!(bearer(&app, &tampered).await, 401);
    // A token for another account is refused on this one.
    let other = sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        &json!({"sub": "lena", "acc": "other", "iss": "scopegate", "exp": now() + 300}),
    );
    assert_eq!(bearer(&app, &other).await, 401);
    let no_exp = sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        &json!({"sub": "lena", "acc": ACCOUNT, "iss": "scopegate"}),
    );
    assert_eq!(bearer(&app, &no_exp).await, 401, "a JWT without exp");
    let wrong = app
        .send(
            "POST",
            "/v1/auth/login",
            Some(("harness-account", ACCOUNT.into())),
            Some(json!({"email": "lena@acme.test", "password": "wrong password!"})),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.body["message"].as_str()),
        (401, Some("invalid credentials"))
    );
}

#[actix_web::test]
async fn external_issuers_act_only_for_their_accounts() {
    let app = app_with_issuer().await;
    let grant = [(
        "_sei_admin",
        "_all_resources_including_child_scopes",
        ACCOUNT,
    )];
    app.user_with_role("ext", None, &grant).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let now = scopegate::gateway::now_ms();
        scopegate::app::bootstrap::bootstrap(&db, "globex", "ext@globex.test", now)
            .expect("second account");
    })
    .await
    .unwrap();
    app.refresh().await;
    let rsa = EncodingKey::from_rsa_pem(&key("rsa1_private.pem")).unwrap();
    let token = |extra: Value| {
        let mut c = claims("ext", "scopegate", ISSUER, 300, 0);
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sign(Algorithm::RS256, Some("rsa-1"), &rsa, &c)
    };
    let send = |jwt: String, account: Option<&'static str>| {
        let app = &app;
        async move {
            let method = actix_web::http::Method::GET;
            let mut req = app
                .client
                .request(method, format!("{}/v1/integrations", app.url))
                .insert_header(("authorization", format!("Bearer {jwt}")));
            if let Some(a) = account {
                req = req.insert_header(("Harness-Account", a));
            }
            req.send().await.expect("send").status().as_u16()
        }
    };
    assert_eq!(
        send(token(json!({})), None).await,
        200,
        "the issuer's one account"
    );
    assert_eq!(send(token(json!({"acc": ACCOUNT})), None).await, 200);
    let refused = [
        (
            "acc names an account the issuer is not bound to",
            token(json!({"acc": "globex"})),
            None,
        ),
        (
            "Harness-Account the issuer is not bound to",
            token(json!({})),
            Some("globex"),
        ),
        (
            "acc differs from Harness-Account",
            token(json!({"acc": ACCOUNT})),
            Some("globex"),
        ),
        (
            "acc is not an identifier",
            token(json!({"acc": "not an id"})),
            None,
        ),
    ];
    for (what, jwt, account) in refused {
        assert_eq!(send(jwt, account).await, 401, "{what}");
    }
    // A `scope` claim restricts what the credential may hand out.
    let scoped = token(json!({"scope": "sei_seiteams_view core_user_view"}));
    let minted = app
        .send(
            "POST",
            "/v1/users/ext/tokens",
            Some(("authorization", format!("Bearer {scoped}"))),
            Some(json!({"identifier": "from_jwt", "name": "from jwt"})),
        )
        .await;
    assert_eq!(minted.status, 201, "{}", minted.body);
    assert_eq!(
        minted.body["permissions"],
        json!(["core_user_view", "sei_seiteams_view"])
    );
}
