//! API tokens end to end on a real SQLite database: issue, authenticate, cache, revoke,
//! rotate, disable, and the cases that must never reach argon2 (how secrets are stored,
//! and rows of older releases: `api_token/digest_tests.rs`).

use std::time::Instant;

use super::test_support::*;
use super::{AuthnError, CredentialVia, TokenValue};
use crate::policy::permission::catalogue;
use crate::policy::role::PrincipalType;
use crate::policy::Scope;

#[tokio::test]
async fn valid_pat_and_sat() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let a = f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    assert_eq!(a.principal.to_string(), "USER:alice");
    assert_eq!(a.principal.scope, Scope::parse("acme").unwrap());
    assert_eq!(a.restriction, None);
    let id = TokenValue::parse(&pat).unwrap().token_id;
    assert_eq!(
        a.via,
        CredentialVia::ApiToken {
            token_id: id.into()
        }
    );

    let sat = f.token(
        PrincipalType::ServiceAccount,
        "acme/eng",
        "deployer",
        "ci",
        None,
        None,
    );
    assert!(sat.starts_with("sat.acme."));
    let s = f
        .auth
        .authenticate(&key(&sat), Some("acme"), NOW)
        .await
        .unwrap();
    assert_eq!(s.principal.to_string(), "SERVICE_ACCOUNT:deployer");
    assert_eq!(s.principal.scope, Scope::parse("acme/eng").unwrap());
}

#[tokio::test]
async fn unknown_ids_and_bad_shapes_never_reach_argon2() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let unknown = TokenValue::generate(super::TokenKind::Pat, &"acme".parse().unwrap()).to_string();
    let wrong_prefix = pat.replacen("pat.", "sat.", 1);
    let bad_prefix = pat.replacen("pat.", "xat.", 1);
    let before = f.auth.argon2_runs();
    let cases = [
        (unknown.as_str(), "unknown token id"),
        (unknown.as_str(), "unknown token id (negative cache)"),
        (
            wrong_prefix.as_str(),
            "prefix does not match the owner type",
        ),
        (bad_prefix.as_str(), "unknown prefix"),
        ("pat.acme.short", "not four dot-separated parts"),
    ];
    for (value, reason) in cases {
        let got = refusal(f.auth.authenticate(&key(value), None, NOW).await);
        assert!(got.ends_with(reason), "{value}: {got}");
    }
    assert_eq!(f.auth.argon2_runs(), before);
}

#[tokio::test]
async fn accounts_must_match() {
    let f = fixture();
    let carol = f.token(PrincipalType::User, "beta", "carol", "t", None, None);
    let before = f.auth.argon2_runs();
    // A beta token used against acme.
    let reason = refusal(f.auth.authenticate(&key(&carol), Some("acme"), NOW).await);
    assert!(
        reason.ends_with("account differs from Harness-Account"),
        "{reason}"
    );
    // A beta token whose account part was edited to acme: the row says beta.
    let edited = carol.replacen(".beta.", ".acme.", 1);
    let reason = refusal(f.auth.authenticate(&key(&edited), None, NOW).await);
    assert!(
        reason.ends_with("account differs from the token's row"),
        "{reason}"
    );
    assert_eq!(f.auth.argon2_runs(), before);
    // Correct, then cached: a mismatch on a hit is refused too.
    f.auth
        .authenticate(&key(&carol), Some("beta"), NOW)
        .await
        .unwrap();
    let reason = refusal(f.auth.authenticate(&key(&carol), Some("acme"), NOW).await);
    assert!(reason.contains("Harness-Account"), "{reason}");
}

#[tokio::test]
async fn expired_tokens_fail_cached_or_not() {
    let f = fixture();
    let soon = f.token(
        PrincipalType::User,
        "acme",
        "alice",
        "soon",
        Some(NOW + 1_000),
        None,
    );
    let gone = f.token(
        PrincipalType::User,
        "acme",
        "alice",
        "gone",
        Some(NOW + 1_000),
        None,
    );
    f.auth.authenticate(&key(&soon), None, NOW).await.unwrap();
    let runs = f.auth.argon2_runs();
    let reason = refusal(f.auth.authenticate(&key(&soon), None, NOW + 1_000).await);
    assert!(reason.ends_with("expired (valid_to)"), "{reason}");
    let reason = refusal(f.auth.authenticate(&key(&gone), None, NOW + 5_000).await);
    assert!(reason.ends_with("expired (valid_to)"), "{reason}");
    assert_eq!(
        f.auth.argon2_runs(),
        runs,
        "expiry is checked before argon2"
    );
}

#[tokio::test]
async fn revocation_reaches_the_cache_through_the_epoch() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    let runs = f.auth.argon2_runs();
    f.revoke(PrincipalType::User, "acme", "alice", "laptop");
    // Until the epoch moves, the cache answers (DESIGN: within one second, via the poller).
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    f.bump_credentials("acme");
    let reason = refusal(f.auth.authenticate(&key(&pat), None, NOW).await);
    assert!(reason.ends_with("revoked (row deleted)"), "{reason}");
    let reason = refusal(f.auth.authenticate(&key(&pat), None, NOW).await);
    assert!(reason.ends_with("unknown token id"), "{reason}");
    assert_eq!(f.auth.argon2_runs(), runs);
}

#[tokio::test]
async fn rotation_keeps_the_old_value_for_its_grace_time() {
    let f = fixture();
    let old = f.pat("alice", "laptop");
    f.auth.authenticate(&key(&old), None, NOW).await.unwrap();
    let (row, new) = {
        let mut conn = f.db.conn().unwrap();
        let scope = Scope::parse("acme").unwrap();
        super::rotate_api_token(
            &mut conn,
            grant(PrincipalType::User, &scope, "alice", None),
            "laptop",
            60,
            NOW,
        )
        .unwrap()
    };
    f.bump_credentials("acme");
    assert_eq!(row.identifier, "laptop");
    assert_ne!(
        TokenValue::parse(&new).unwrap().token_id,
        TokenValue::parse(&old).unwrap().token_id
    );
    let runs = f.auth.argon2_runs();
    f.auth
        .authenticate(&key(&old), None, NOW + 1_000)
        .await
        .unwrap();
    assert_eq!(
        f.auth.argon2_runs(),
        runs,
        "the re-check after the epoch change skips argon2"
    );
    f.auth
        .authenticate(&key(&new), None, NOW + 1_000)
        .await
        .unwrap();
    let reason = refusal(f.auth.authenticate(&key(&old), None, NOW + 60_000).await);
    assert!(
        reason.ends_with("rotated and past its grace time"),
        "{reason}"
    );
    f.auth
        .authenticate(&key(&new), None, NOW + 60_000)
        .await
        .unwrap();
}

#[tokio::test]
async fn disabled_owners_fail_after_the_epoch_bump() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    f.set_user_disabled("acme", "alice", true);
    f.bump_credentials("acme");
    let runs = f.auth.argon2_runs();
    let reason = refusal(f.auth.authenticate(&key(&pat), None, NOW).await);
    assert!(reason.ends_with("principal is disabled"), "{reason}");
    let reason = refusal(f.auth.authenticate(&key(&pat), None, NOW).await);
    assert!(
        reason.ends_with("principal is disabled"),
        "uncached too: {reason}"
    );
    assert_eq!(f.auth.argon2_runs(), runs);
    f.set_user_disabled("acme", "alice", false);
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
}

#[tokio::test]
async fn subset_tokens_carry_their_restriction() {
    let f = fixture();
    let set = catalogue()
        .set_of(&["sei_seiinsights_view", "core_project_view"])
        .unwrap();
    let value = f.token(PrincipalType::User, "acme", "alice", "ro", None, Some(&set));
    let a = f.auth.authenticate(&key(&value), None, NOW).await.unwrap();
    assert_eq!(a.restriction, Some(set));
}

#[tokio::test]
async fn cache_hits_skip_argon2_and_the_database() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let before = f.auth.argon2_runs();
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    let credential = key(&pat);
    let start = Instant::now();
    for _ in 0..10_000 {
        f.auth
            .authenticate(&credential, Some("acme"), NOW)
            .await
            .unwrap();
    }
    let per_hit = start.elapsed() / 10_000;
    assert_eq!(f.auth.argon2_runs(), before);
    assert_eq!(f.auth.stats().hits, 10_000);
    println!("api token cache hit: {per_hit:?} (debug build)");
}

/// A hot token whose cache entry just expired is presented by many connections at once:
/// each costs one indexed read and a digest, never argon2.
#[tokio::test]
async fn concurrent_misses_of_one_token_run_no_argon2() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let credential = key(&pat);
    let before = f.auth.argon2_runs();
    let calls = (0..16).map(|_| f.auth.authenticate(&credential, None, NOW));
    for who in futures_util::future::join_all(calls).await {
        assert_eq!(who.unwrap().principal.to_string(), "USER:alice");
    }
    assert_eq!(f.auth.argon2_runs(), before);
}

#[tokio::test]
async fn repeated_wrong_secrets_lock_the_id_without_a_read() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let mut wrong = pat.clone();
    let last = if wrong.ends_with('A') { "B" } else { "A" };
    wrong.replace_range(wrong.len() - 1.., last);
    for _ in 0..super::api_token::MAX_FAILURES_PER_ID {
        refusal(f.auth.authenticate(&key(&wrong), None, NOW).await);
    }
    let reason = refusal(f.auth.authenticate(&key(&pat), None, NOW).await);
    assert!(reason.contains("refused unread"), "{reason}");
}

#[tokio::test]
async fn database_errors_are_unavailable() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    {
        use diesel::connection::SimpleConnection;
        f.db.conn()
            .unwrap()
            .batch_execute("DROP TABLE api_tokens")
            .unwrap();
    }
    let err = f
        .auth
        .authenticate(&key(&pat), None, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthnError::Unavailable(_)), "{err:?}");
}

#[test]
fn issuing_checks_owner_identifier_and_duplicates() {
    let f = fixture();
    let mut conn = f.db.conn().unwrap();
    let acme = Scope::parse("acme").unwrap();
    let issue = |conn: &mut crate::storage::DbConnection,
                 t,
                 scope: &Scope,
                 owner: &str,
                 id: &str,
                 valid_to| {
        super::issue_api_token(
            conn,
            grant(t, scope, owner, None),
            id,
            "n",
            valid_to,
            "USER:admin",
            NOW,
        )
    };
    let user = PrincipalType::User;
    assert!(issue(&mut conn, user, &acme, "alice", "one", None).is_ok());
    let cases: Vec<(Result<_, AuthnError>, &str)> = vec![
        (
            issue(&mut conn, user, &acme, "alice", "one", None),
            "conflict",
        ),
        (
            issue(&mut conn, user, &acme, "nobody", "one", None),
            "not_found",
        ),
        (
            issue(&mut conn, user, &acme, "alice", "bad id", None),
            "invalid",
        ),
        (
            issue(&mut conn, user, &acme, "alice", "two", Some(NOW)),
            "invalid",
        ),
        (
            issue(
                &mut conn,
                user,
                &Scope::parse("acme/eng").unwrap(),
                "alice",
                "x",
                None,
            ),
            "invalid",
        ),
        (
            issue(&mut conn, PrincipalType::UserGroup, &acme, "g", "x", None),
            "invalid",
        ),
        (
            super::rotate_api_token(&mut conn, grant(user, &acme, "alice", None), "nope", 0, NOW),
            "not_found",
        ),
        (
            super::rotate_api_token(&mut conn, grant(user, &acme, "alice", None), "one", -1, NOW),
            "invalid",
        ),
    ];
    for (i, (result, expected)) in cases.into_iter().enumerate() {
        let got = match result {
            Err(AuthnError::Conflict(_)) => "conflict",
            Err(AuthnError::NotFound(_)) => "not_found",
            Err(AuthnError::InvalidInput(_)) => "invalid",
            other => panic!("case {i}: {other:?}"),
        };
        assert_eq!(got, expected, "case {i}");
    }
}
