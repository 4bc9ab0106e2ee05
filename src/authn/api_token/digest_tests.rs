//! API-token secrets as stored (DESIGN §4.3): new rows hold a SHA-256 digest and no argon2
//! hash, wrong secrets of the right length fail by a constant-time digest comparison, and
//! rows that older releases wrote with argon2id still verify, once, and are re-stored as
//! digests (also when two replicas do it at the same time).

use super::secret::{self, Stored};
use crate::authn::test_support::*;
use crate::authn::{Authenticator, TokenValue};
use crate::storage::tokens::ApiToken;

/// The stored hash of a token value's row.
fn stored_hash(f: &Fixture, value: &str) -> String {
    let id = TokenValue::parse(value).unwrap().token_id;
    let mut conn = f.db.conn().unwrap();
    ApiToken::find_by_id(&mut conn, &id)
        .unwrap()
        .unwrap()
        .secret_hash
}

/// Rewrites a token's row as older releases wrote it: an argon2id hash of the secret.
fn make_legacy(f: &Fixture, value: &str) -> String {
    let v = TokenValue::parse(value).unwrap();
    let phc = crate::authn::password::hash(v.secret()).unwrap();
    let mut conn = f.db.conn().unwrap();
    let current = secret::stored_form(v.secret());
    assert!(ApiToken::replace_secret_hash(&mut conn, &v.token_id, &current, &phc).unwrap());
    phc
}

/// `value` with its last secret character changed: same length, same shape.
fn wrong_secret(value: &str) -> String {
    let mut wrong = value.to_owned();
    let last = if wrong.ends_with('A') { "B" } else { "A" };
    wrong.replace_range(wrong.len() - 1.., last);
    wrong
}

#[tokio::test]
async fn new_tokens_store_a_sha256_digest_and_no_argon2_hash() {
    let f = fixture();
    let before = f.auth.argon2_runs();
    let pat = f.pat("alice", "laptop");
    let stored = stored_hash(&f, &pat);
    assert!(!stored.contains("argon2"), "{stored}");
    let secret_part = TokenValue::parse(&pat).unwrap().secret().to_owned();
    assert_eq!(stored, secret::stored_form(&secret_part));
    assert!(!stored.contains(&secret_part));
    assert_eq!(
        Stored::parse(&stored),
        Stored::Digest(secret::digest(&secret_part))
    );
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    assert_eq!(
        f.auth.argon2_runs(),
        before,
        "issuing and verifying run no argon2"
    );
}

/// A wrong secret of the right length is compared digest to digest with `subtle` (no early
/// exit: `secret::tests` asserts the comparison's type), runs no argon2, and fails.
#[tokio::test]
async fn a_wrong_secret_of_the_right_length_fails_without_argon2() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let wrong = wrong_secret(&pat);
    assert_eq!(wrong.len(), pat.len());
    let before = f.auth.argon2_runs();
    let reason = refusal(f.auth.authenticate(&key(&wrong), None, NOW).await);
    assert!(reason.ends_with("wrong secret"), "{reason}");
    assert!(!reason.contains(TokenValue::parse(&wrong).unwrap().secret()));
    assert_eq!(f.auth.argon2_runs(), before);
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
}

/// Rows written by older releases hold an argon2id hash: the value still works, argon2 runs
/// once, and the row is re-stored as a digest, so a restarted gateway (a new authenticator
/// over the same database) verifies it without argon2.
#[tokio::test]
async fn an_argon2_row_verifies_once_and_is_restored_as_a_digest() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let phc = make_legacy(&f, &pat);
    assert!(phc.starts_with("$argon2id$"));
    let wrong = wrong_secret(&pat);
    let before = f.auth.argon2_runs();
    let reason = refusal(f.auth.authenticate(&key(&wrong), None, NOW).await);
    assert!(reason.ends_with("wrong secret"), "{reason}");
    assert_eq!(
        stored_hash(&f, &pat),
        phc,
        "a wrong secret re-stores nothing"
    );
    let who = f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    assert_eq!(who.principal.to_string(), "USER:alice");
    assert_eq!(f.auth.argon2_runs(), before + 2);
    let secret_part = TokenValue::parse(&pat).unwrap().secret().to_owned();
    assert_eq!(stored_hash(&f, &pat), secret::stored_form(&secret_part));

    let restarted = Authenticator::new(f.db.clone(), f.watch.clone(), settings()).unwrap();
    restarted.authenticate(&key(&pat), None, NOW).await.unwrap();
    assert_eq!(restarted.argon2_runs(), 0);
    // The first authenticator's entry survives the epoch change: the row now holds the
    // digest of the secret it verified.
    f.bump_credentials("acme");
    f.auth.authenticate(&key(&pat), None, NOW).await.unwrap();
    assert_eq!(f.auth.argon2_runs(), before + 2);
}

/// Two replicas verify the same legacy value at once: whichever re-stores it second finds
/// the row changed and writes nothing, and its cached entry still passes the re-check after
/// an epoch change (the row holds the digest of the secret it verified).
#[tokio::test]
async fn two_replicas_restoring_one_legacy_row_both_keep_working() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    make_legacy(&f, &pat);
    let other = Authenticator::new(f.db.clone(), f.watch.clone(), settings()).unwrap();
    let credential = key(&pat);
    let (a, b) = tokio::join!(
        f.auth.authenticate(&credential, None, NOW),
        other.authenticate(&credential, None, NOW)
    );
    a.unwrap();
    b.unwrap();
    assert!(stored_hash(&f, &pat).starts_with(secret::DIGEST_PREFIX));
    f.bump_credentials("acme");
    f.auth.authenticate(&credential, None, NOW).await.unwrap();
    other.authenticate(&credential, None, NOW).await.unwrap();
}

#[tokio::test]
async fn unreadable_stored_hashes_verify_nothing() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    let v = TokenValue::parse(&pat).unwrap();
    {
        let mut conn = f.db.conn().unwrap();
        let current = secret::stored_form(v.secret());
        ApiToken::replace_secret_hash(&mut conn, &v.token_id, &current, "md5$00").unwrap();
    }
    let reason = refusal(f.auth.authenticate(&key(&pat), None, NOW).await);
    assert!(
        reason.ends_with("stored secret hash is unreadable"),
        "{reason}"
    );
}

/// A hot legacy token (argon2id row) on many connections at once: one of them verifies it,
/// the others wait for that answer instead of each running argon2 (which stalled the
/// gateway for hundreds of milliseconds under load).
#[tokio::test]
async fn concurrent_misses_of_one_legacy_token_run_argon2_once() {
    let f = fixture();
    let pat = f.pat("alice", "laptop");
    make_legacy(&f, &pat);
    let credential = key(&pat);
    let before = f.auth.argon2_runs();
    let calls = (0..16).map(|_| f.auth.authenticate(&credential, None, NOW));
    for who in futures_util::future::join_all(calls).await {
        assert_eq!(who.unwrap().principal.to_string(), "USER:alice");
    }
    assert_eq!(f.auth.argon2_runs(), before + 1);
    let stats = f.auth.stats();
    assert_eq!(
        (stats.hits, stats.misses),
        (0, 16),
        "one lookup counted per call"
    );
}
