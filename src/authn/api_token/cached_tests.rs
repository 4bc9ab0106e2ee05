//! The gateway's synchronous fast path (`Authenticator::authenticate_cached`) agrees with
//! `authenticate`: it answers only from a current cache entry, refuses what a hit refuses,
//! and hands everything else (first use, epoch change, bearer tokens) to the async path.

use crate::authn::test_support::*;
use crate::authn::AuthnError;

#[tokio::test]
async fn the_cached_answer_agrees_with_authenticate() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let soon = f.token(
        crate::policy::role::PrincipalType::User,
        "acme",
        "alice",
        "soon",
        Some(NOW + 1_000),
        None,
    );
    let credential = key(&pat);
    assert!(
        f.auth.authenticate_cached(&credential, None, NOW).is_none(),
        "first use"
    );
    let full = f.auth.authenticate(&credential, None, NOW).await.unwrap();
    let hits = f.auth.stats().hits;
    let fast = f.auth.authenticate_cached(&credential, Some("acme"), NOW);
    assert_eq!(fast.map(Result::unwrap), Some(full));
    assert_eq!(f.auth.stats().hits, hits + 1, "counted as a hit");
    let other_account = f.auth.authenticate_cached(&credential, Some("beta"), NOW);
    assert!(matches!(
        other_account,
        Some(Err(AuthnError::Unauthorized(_)))
    ));
    f.auth.authenticate(&key(&soon), None, NOW).await.unwrap();
    let expired = f.auth.authenticate_cached(&key(&soon), None, NOW + 1_000);
    assert!(matches!(expired, Some(Err(AuthnError::Unauthorized(_)))));
    f.bump_credentials("acme");
    assert!(
        f.auth.authenticate_cached(&credential, None, NOW).is_none(),
        "an epoch change needs the database"
    );
    f.auth.authenticate(&credential, None, NOW).await.unwrap();
    assert!(f.auth.authenticate_cached(&credential, None, NOW).is_some());
    assert!(f
        .auth
        .authenticate_cached(&bearer("a.b.c"), None, NOW)
        .is_none());
}
