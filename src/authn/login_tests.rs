//! Login end to end: password checks, equal cost for unknown emails, throttling per
//! (email, client address), and the one-credential rule at the authn level.

use std::net::IpAddr;

use super::test_support::*;
use super::{extract, requested_account, AuthnError, AuthnSettings, CredentialVia};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[tokio::test]
async fn login_issues_a_token_that_authenticates() {
    let f = fixture();
    let login = f
        .auth
        .login("acme", "alice@example.com", PASSWORD, ip("10.0.0.1"), NOW)
        .await
        .unwrap();
    assert_eq!(login.expires_at_ms, NOW + 3_600_000);
    assert!(!format!("{login:?}").contains(&login.token));
    let a = f
        .auth
        .authenticate(&bearer(&login.token), Some("acme"), NOW)
        .await
        .unwrap();
    assert_eq!(a.principal.to_string(), "USER:alice");
    assert_eq!(a.via, CredentialVia::OwnJwt);
}

#[tokio::test]
async fn wrong_password_unknown_email_and_no_password_cost_one_verification_each() {
    let f = fixture();
    let cases = [
        ("alice@example.com", "wrong password!", "wrong password"),
        ("nobody@example.com", PASSWORD, "unknown email"),
        ("bob@example.com", PASSWORD, "user has no password"),
        ("carol@example.com", PASSWORD, "unknown email"),
    ];
    for (email, password, reason) in cases {
        let before = f.auth.argon2_runs();
        let got = refusal(
            f.auth
                .login("acme", email, password, ip("10.0.0.1"), NOW)
                .await,
        );
        assert!(got.ends_with(reason), "{email}: {got}");
        assert!(!got.contains(password));
        assert_eq!(f.auth.argon2_runs(), before + 1, "{email}");
    }
    f.set_user_disabled("acme", "alice", true);
    let got = refusal(
        f.auth
            .login("acme", "alice@example.com", PASSWORD, ip("10.0.0.9"), NOW)
            .await,
    );
    assert!(got.ends_with("user is disabled"), "{got}");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_email_and_address() {
    let f = fixture();
    let (attacker, user) = (ip("203.0.113.7"), ip("198.51.100.2"));
    for i in 0..3 {
        let r = f
            .auth
            .login(
                "acme",
                "alice@example.com",
                "guess-guess",
                attacker,
                NOW + i,
            )
            .await;
        refusal(r);
    }
    let runs = f.auth.argon2_runs();
    for password in ["guess-guess", PASSWORD] {
        let r = f
            .auth
            .login("acme", "ALICE@example.com", password, attacker, NOW + 10)
            .await;
        match r {
            Err(AuthnError::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 10),
            other => panic!("expected Throttled, got {other:?}"),
        }
    }
    assert_eq!(
        f.auth.argon2_runs(),
        runs,
        "throttled attempts never check the password"
    );
    f.auth
        .login("acme", "alice@example.com", PASSWORD, user, NOW + 10)
        .await
        .expect("another address is not locked out");
    f.auth
        .login(
            "acme",
            "alice@example.com",
            PASSWORD,
            attacker,
            NOW + 11_000,
        )
        .await
        .expect("the lockout ends");
}

#[tokio::test]
async fn login_needs_the_secret_and_a_valid_account() {
    let f = fixture_with(AuthnSettings {
        hs256_secret: None,
        ..settings()
    });
    let r = f
        .auth
        .login("acme", "alice@example.com", PASSWORD, ip("10.0.0.1"), NOW)
        .await;
    assert!(matches!(r, Err(AuthnError::LoginDisabled)), "{r:?}");
    assert!(!f.auth.login_enabled());
    let f = fixture();
    let r = f
        .auth
        .login("not/an/account", "a@b.c", PASSWORD, ip("10.0.0.1"), NOW)
        .await;
    assert!(matches!(r, Err(AuthnError::InvalidInput(_))), "{r:?}");
}

#[test]
fn one_credential_and_one_account_header() {
    let two: [(&str, &[u8]); 2] = [("x-api-key", b"pat.a.b.c"), ("Authorization", b"Bearer x")];
    assert!(matches!(extract(&two), Err(AuthnError::TwoCredentials)));
    let twice: [(&str, &[u8]); 2] = [("Harness-Account", b"acme"), ("harness-account", b"beta")];
    assert!(matches!(
        requested_account(&twice),
        Err(AuthnError::DuplicateAccountHeader)
    ));
}
