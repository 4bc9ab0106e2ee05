//! Own (HS256) JWTs end to end: login-style tokens, every refusal DESIGN §4.3 names
//! (tampering, `alg: none`, algorithm confusion, `acc`, `exp`, `nbf`), the verified-claims
//! cache, and the validation of the authenticator's settings.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

use super::test_support::*;
use super::{jwt, AuthnSettings, CredentialVia};

#[tokio::test]
async fn own_tokens_authenticate_and_bind_their_account() {
    let f = fixture();
    let (token, _) = jwt::issue(HS256_SECRET, "acme", "alice", 600, NOW_S).unwrap();
    let a = f
        .auth
        .authenticate(&bearer(&token), None, NOW)
        .await
        .unwrap();
    assert_eq!(a.principal.to_string(), "USER:alice");
    assert_eq!(a.via, CredentialVia::OwnJwt);
    assert_eq!(a.restriction, None);
    f.auth
        .authenticate(&bearer(&token), Some("acme"), NOW)
        .await
        .unwrap();
    let reason = refusal(
        f.auth
            .authenticate(&bearer(&token), Some("beta"), NOW)
            .await,
    );
    assert!(reason.contains("account differs"), "{reason}");
}

#[tokio::test]
async fn own_token_refusals() {
    let f = fixture();
    let good = own(&own_claims());
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let payload = URL_SAFE_NO_PAD.encode(with(own_claims(), json!({"sub": "bob"})).to_string());
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let alg_none = {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(own_claims().to_string());
        format!("{header}.{payload}.")
    };
    let rsa_public_as_hmac = sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(&fixture_bytes("rsa1_public.pem")),
        &own_claims(),
    );
    let rs256_own = sign(
        Algorithm::RS256,
        Some("rsa-1"),
        &rsa("rsa1_private.pem"),
        &own_claims(),
    );
    let cases: Vec<(String, &str)> = vec![
        (tampered, "invalid signature"),
        (alg_none, "unknown variant `none`"),
        (rsa_public_as_hmac, "invalid signature"),
        (rs256_own, "algorithm not accepted"),
        (
            own(&with(own_claims(), json!({"acc": "beta"}))),
            "no known user",
        ),
        (
            own(&with(own_claims(), json!({"acc": null}))),
            "no valid `acc`",
        ),
        (own(&with(own_claims(), json!({"exp": null}))), "exp"),
        (
            own(&with(own_claims(), json!({"exp": NOW_S - 31}))),
            "expired",
        ),
        (
            own(&with(own_claims(), json!({"nbf": NOW_S + 31}))),
            "not yet valid",
        ),
        (
            own(&with(own_claims(), json!({"sub": "nobody"}))),
            "no known user",
        ),
        (
            own(&with(own_claims(), json!({"sub": "USER:"}))),
            "no valid principal",
        ),
        ("not-a-jwt".to_owned(), "jwt: "),
    ];
    for (token, reason) in cases {
        let got = refusal(f.auth.authenticate(&bearer(&token), None, NOW).await);
        assert!(got.contains(reason), "{reason}: {got}");
    }
}

#[tokio::test]
async fn cached_jwts_recheck_expiry_and_the_owner() {
    let f = fixture();
    let token = own(&own_claims());
    f.auth
        .authenticate(&bearer(&token), None, NOW)
        .await
        .unwrap();
    let start = std::time::Instant::now();
    for _ in 0..10_000 {
        f.auth
            .authenticate(&bearer(&token), None, NOW)
            .await
            .unwrap();
    }
    println!(
        "jwt cache hit: {:?} (debug build)",
        start.elapsed() / 10_000
    );
    assert_eq!(f.auth.stats().hits, 10_000);
    let reason = refusal(
        f.auth
            .authenticate(&bearer(&token), None, NOW + 631_000)
            .await,
    );
    assert!(reason.contains("expired"), "{reason}");
    f.auth
        .authenticate(&bearer(&token), None, NOW)
        .await
        .unwrap();
    f.set_user_disabled("acme", "alice", true);
    f.auth
        .authenticate(&bearer(&token), None, NOW)
        .await
        .unwrap();
    f.bump_credentials("acme");
    let reason = refusal(f.auth.authenticate(&bearer(&token), None, NOW).await);
    assert!(reason.contains("disabled"), "{reason}");
}

#[test]
fn settings_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let db =
        crate::storage::Db::open(&format!("sqlite://{}/x.db", dir.path().display()), 1).unwrap();
    let watch = std::sync::Arc::new(super::EpochWatch::new());
    let cases = [
        AuthnSettings {
            hs256_secret: Some(vec![7; 31]),
            ..settings()
        },
        AuthnSettings {
            issuers: vec![issuer(fixture_path("missing.json"), ISSUER_ACCOUNTS)],
            ..settings()
        },
        AuthnSettings {
            issuers: vec![crate::config::IssuerConfig {
                issuer: "scopegate".into(),
                ..issuer(fixture_path("jwks.json"), ISSUER_ACCOUNTS)
            }],
            ..settings()
        },
    ];
    for s in cases {
        let err = super::Authenticator::new(db.clone(), watch.clone(), s).unwrap_err();
        assert!(matches!(err, super::AuthnError::Config(_)), "{err:?}");
    }
    let debug = format!("{:?}", settings());
    assert!(!debug.contains("hs256 test secret"), "{debug}");
}
