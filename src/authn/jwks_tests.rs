//! External JWTs end to end: RS256 and ES256 tokens verified against the fixture JWKS
//! files, issuer, audience, time, `kid` and algorithm refusals, the account and subject
//! rules of an issuer, and the reload of a replaced JWKS file.

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};

use super::test_support::*;
use super::{AuthnSettings, CredentialVia};
use crate::policy::permission::catalogue;

#[tokio::test]
async fn rs256_and_es256_tokens_verify_against_the_jwks() {
    let f = fixture();
    let rs = sign(
        Algorithm::RS256,
        Some("rsa-1"),
        &rsa("rsa1_private.pem"),
        &idp_claims(),
    );
    let es = sign(Algorithm::ES256, Some("ec-1"), &ec(), &idp_claims());
    for token in [rs, es] {
        let a = f
            .auth
            .authenticate(&bearer(&token), Some("acme"), NOW)
            .await
            .unwrap();
        assert_eq!(a.principal.to_string(), "USER:alice");
        assert_eq!(a.via, CredentialVia::ExternalJwt { issuer: IDP.into() });
    }
}

#[tokio::test]
async fn external_token_refusals() {
    let f = fixture();
    let rs = |claims: Value| {
        sign(
            Algorithm::RS256,
            Some("rsa-1"),
            &rsa("rsa1_private.pem"),
            &claims,
        )
    };
    let confused = sign(
        Algorithm::HS256,
        Some("rsa-1"),
        &EncodingKey::from_secret(&fixture_bytes("rsa1_public.pem")),
        &idp_claims(),
    );
    let cases: Vec<(String, &str)> = vec![
        (confused, "algorithm not accepted"),
        (
            rs(with(idp_claims(), json!({"aud": "other"}))),
            "wrong `aud`",
        ),
        (
            rs(with(idp_claims(), json!({"aud": null}))),
            "missing `aud`",
        ),
        (
            rs(with(idp_claims(), json!({"iss": "https://evil.example"}))),
            "unknown issuer",
        ),
        (
            rs(with(idp_claims(), json!({"exp": NOW_S - 60}))),
            "expired",
        ),
        (
            rs(with(idp_claims(), json!({"nbf": NOW_S + 60}))),
            "not yet valid",
        ),
        (rs(with(idp_claims(), json!({"exp": null}))), "exp"),
        (
            sign(
                Algorithm::RS256,
                Some("rsa-9"),
                &rsa("rsa1_private.pem"),
                &idp_claims(),
            ),
            "unknown kid",
        ),
        (
            sign(
                Algorithm::RS256,
                None,
                &rsa("rsa1_private.pem"),
                &idp_claims(),
            ),
            "no `kid`",
        ),
        (
            sign(
                Algorithm::RS256,
                Some("rsa-1"),
                &rsa("rsa2_private.pem"),
                &idp_claims(),
            ),
            "invalid signature",
        ),
        (
            sign(Algorithm::ES256, Some("rsa-1"), &ec(), &idp_claims()),
            "algorithm not accepted",
        ),
    ];
    for (token, reason) in cases {
        let got = refusal(
            f.auth
                .authenticate(&bearer(&token), Some("acme"), NOW)
                .await,
        );
        assert!(got.contains(reason), "{reason}: {got}");
    }
    let good = rs(idp_claims());
    let got = refusal(f.auth.authenticate(&bearer(&good), None, NOW).await);
    assert!(got.contains("Harness-Account is required"), "{got}");
}

#[tokio::test]
async fn issuer_account_subject_forms_and_scope() {
    let jwks = fixture_path("jwks.json");
    let mut settings = AuthnSettings {
        issuers: vec![issuer(jwks.clone(), &["acme"])],
        ..settings()
    };
    settings.issuers[0].subject = Some("email".into());
    let f = fixture_with(settings);
    let rs = |claims: Value| {
        sign(
            Algorithm::RS256,
            Some("rsa-1"),
            &rsa("rsa1_private.pem"),
            &claims,
        )
    };
    let by_email = rs(with(
        idp_claims(),
        json!({"sub": "alice@example.com", "scope": "sei_seiteams_view nope"}),
    ));
    let a = f
        .auth
        .authenticate(&bearer(&by_email), None, NOW)
        .await
        .unwrap();
    assert_eq!(a.principal.to_string(), "USER:alice");
    let c = catalogue();
    assert_eq!(
        a.restriction,
        Some(c.set_of(&["sei_seiteams_view"]).unwrap())
    );
    let sa = rs(with(
        idp_claims(),
        json!({"sub": "SERVICE_ACCOUNT:ci", "scope": "openid"}),
    ));
    let s = f
        .auth
        .authenticate(&bearer(&sa), Some("acme"), NOW)
        .await
        .unwrap();
    assert_eq!(s.principal.to_string(), "SERVICE_ACCOUNT:ci");
    assert_eq!(
        s.restriction.map(|r| r.is_empty()),
        Some(true),
        "unknown scopes: no permissions"
    );
    let reason = refusal(f.auth.authenticate(&bearer(&sa), Some("beta"), NOW).await);
    assert!(reason.contains("account differs"), "{reason}");
    let org_sa = rs(with(
        idp_claims(),
        json!({"sub": "SERVICE_ACCOUNT:deployer"}),
    ));
    let reason = refusal(f.auth.authenticate(&bearer(&org_sa), None, NOW).await);
    assert!(reason.contains("no known service account"), "{reason}");
}

#[tokio::test]
async fn a_replaced_jwks_file_is_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idp.json");
    std::fs::copy(fixture_path("jwks.json"), &path).unwrap();
    let f = fixture_with(AuthnSettings {
        issuers: vec![issuer(path.clone(), ISSUER_ACCOUNTS)],
        ..settings()
    });
    let old = sign(
        Algorithm::RS256,
        Some("rsa-1"),
        &rsa("rsa1_private.pem"),
        &idp_claims(),
    );
    let new = sign(
        Algorithm::RS256,
        Some("rsa-2"),
        &rsa("rsa2_private.pem"),
        &idp_claims(),
    );
    f.auth
        .authenticate(&bearer(&old), Some("acme"), NOW)
        .await
        .unwrap();
    let reason = refusal(f.auth.authenticate(&bearer(&new), Some("acme"), NOW).await);
    assert!(reason.contains("unknown kid \"rsa-2\""), "{reason}");

    std::fs::copy(fixture_path("jwks_rotated.json"), &path).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    // Within the same second the file is not looked at again.
    refusal(
        f.auth
            .authenticate(&bearer(&new), Some("acme"), NOW + 500)
            .await,
    );
    let a = f
        .auth
        .authenticate(&bearer(&new), Some("acme"), NOW + 1_500)
        .await
        .unwrap();
    assert_eq!(a.principal.to_string(), "USER:alice");
    let reason = refusal(
        f.auth
            .authenticate(&bearer(&old), Some("acme"), NOW + 1_500)
            .await,
    );
    assert!(
        reason.contains("unknown kid \"rsa-1\""),
        "cached old-key tokens re-verify: {reason}"
    );

    std::fs::write(&path, "{not json").unwrap();
    let later = later + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    f.auth
        .authenticate(&bearer(&new), Some("acme"), NOW + 3_000)
        .await
        .unwrap();
}
