//! Authenticating an `x-api-key` value: the credential cache, then one indexed read and a
//! SHA-256 digest compared in constant time (DESIGN §4.3, §6).
//!
//! Owns the caches of the API-token path:
//! - `hits`: SHA-256 of the whole value → the verified principal with the credentials
//!   epoch, expiry and stored hash it was verified against. A hit whose epoch is current
//!   and whose token has not expired answers without the database. After an epoch change
//!   the row is re-read by token id (still there, same secret, owner enabled) and the entry
//!   refreshed.
//! - `unknown_ids`: token ids that have no row, so a flood of one unknown id costs one query.
//! - `failures`: wrong secrets per token id in a 60-second window; after
//!   [`MAX_FAILURES_PER_ID`] the id is refused before any read (cached holders are
//!   unaffected).
//! - `verifying`: one argon2 verification at a time per presented value, used only for
//!   rows that still hold an argon2id hash from an older release. Such a row is verified
//!   once and re-stored as a digest in a small compare-and-set write ([`secret`]), so argon2
//!   runs at most once per token after an upgrade, on any replica.
//!
//! Must never run argon2 before the shape, account, row, owner and expiry checks pass,
//! never cache anything but a successful verification, and never log the value (reasons
//! name the token id at most).

mod digest_key;
pub(super) mod secret;

#[cfg(test)]
mod cached_tests;
#[cfg(test)]
mod digest_tests;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use self::digest_key::DigestKey;
use self::secret::Stored;
use super::error::AuthnError;
use super::lookup;
use super::token::{cache_key, TokenValue, MAX_TOKEN_LEN};
use super::{Authenticated, Authenticator, Credential, CredentialVia};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::Identifier;
use crate::storage::tokens::ApiToken;

/// Wrong secrets tolerated per token id per minute.
pub const MAX_FAILURES_PER_ID: u32 = 20;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
const MAX_CACHED_TOKENS: u64 = 200_000;
const MAX_UNKNOWN_IDS: u64 = 100_000;

/// A verified token value.
pub(super) struct CachedToken {
    authenticated: Authenticated,
    account: Identifier,
    token_id: Arc<str>,
    /// The row's `secret_hash` this value was verified against.
    secret_hash: String,
    /// SHA-256 of the verified secret: a re-check also accepts the row once it holds
    /// this digest (another replica re-stored an argon2 hash meanwhile).
    digest: [u8; 32],
    valid_to: Option<i64>,
    grace_until: Option<i64>,
    epoch: u64,
}

pub(super) struct TokenCaches {
    hits: Cache<[u8; 32], Arc<CachedToken>, DigestKey>,
    unknown_ids: Cache<String, ()>,
    failures: Cache<String, Arc<AtomicU32>>,
    /// One argon2 verification per presented value at a time (legacy rows only).
    verifying: Cache<[u8; 32], Arc<tokio::sync::Mutex<()>>>,
}

impl TokenCaches {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            hits: Cache::builder()
                .max_capacity(MAX_CACHED_TOKENS)
                .time_to_live(ttl)
                .build_with_hasher(DigestKey),
            unknown_ids: Cache::builder()
                .max_capacity(MAX_UNKNOWN_IDS)
                .time_to_live(ttl)
                .build(),
            failures: Cache::builder()
                .max_capacity(MAX_UNKNOWN_IDS)
                .time_to_live(FAILURE_WINDOW)
                .build(),
            verifying: Cache::builder()
                .max_capacity(MAX_UNKNOWN_IDS)
                .time_to_idle(FAILURE_WINDOW)
                .build(),
        }
    }
}

/// Refuses a value past `valid_to` or past the grace time of a rotation.
fn live_at(
    valid_to: Option<i64>,
    grace_until: Option<i64>,
    now_ms: i64,
) -> Result<(), &'static str> {
    if valid_to.is_some_and(|t| now_ms >= t) {
        return Err("expired (valid_to)");
    }
    if grace_until.is_some_and(|t| now_ms >= t) {
        return Err("rotated and past its grace time");
    }
    Ok(())
}

/// The token's permission subset: a JSON array of identifiers (unknown ones dropped).
fn restriction_of(row: &ApiToken) -> Result<Option<PermissionSet>, AuthnError> {
    let Some(text) = &row.permissions else {
        return Ok(None);
    };
    let ids: Vec<String> = serde_json::from_str(text).map_err(|_| {
        AuthnError::unauthorized(format!(
            "api token `{}`: stored permissions are corrupt",
            row.token_id
        ))
    })?;
    let c = catalogue();
    let mut set = PermissionSet::EMPTY;
    for id in ids.iter().filter_map(|i| c.get(i)) {
        set.insert(id);
    }
    Ok(Some(set))
}

/// Checks a row and its owner (everything but the secret) and builds the cache entry.
fn entry_for(
    row: ApiToken,
    owner: lookup::Usable,
    digest: [u8; 32],
    epoch: u64,
    now_ms: i64,
) -> Result<CachedToken, AuthnError> {
    let why = |r: &str| AuthnError::unauthorized(format!("api token `{}`: {r}", row.token_id));
    live_at(row.valid_to, row.grace_until, now_ms).map_err(why)?;
    let principal = owner.map_err(why)?;
    let restriction = restriction_of(&row)?;
    let token_id: Arc<str> = Arc::from(row.token_id.as_str());
    Ok(CachedToken {
        account: principal.account().clone(),
        authenticated: Authenticated {
            principal,
            restriction,
            via: CredentialVia::ApiToken {
                token_id: token_id.clone(),
            },
        },
        token_id,
        secret_hash: row.secret_hash,
        digest,
        valid_to: row.valid_to,
        grace_until: row.grace_until,
        epoch,
    })
}

impl Authenticator {
    /// The answer for a credential whose cache entry is current, without awaiting: the
    /// gateway's hot path calls this first and keeps the (larger) async path for the rest.
    /// `None`: not an API token, or it needs the database (a miss, an epoch change);
    /// [`Authenticator::authenticate`] then gives the answer.
    pub fn authenticate_cached(
        &self,
        credential: &Credential,
        requested: Option<&str>,
        now_ms: i64,
    ) -> Option<Result<Authenticated, AuthnError>> {
        let Credential::ApiKey(presented) = credential else {
            return None;
        };
        if presented.len() > MAX_TOKEN_LEN {
            return None;
        }
        let key = cache_key(presented);
        let hit = self.tokens.hits.get(&key)?;
        if self.watch.credentials(hit.account.as_str()) != hit.epoch {
            return None;
        }
        let refuse =
            |r: &str| AuthnError::unauthorized(format!("api token `{}`: {r}", hit.token_id));
        if requested.is_some_and(|r| r != hit.account.as_str()) {
            return Some(Err(refuse("account differs from Harness-Account")));
        }
        if let Err(why) = live_at(hit.valid_to, hit.grace_until, now_ms) {
            self.tokens.hits.invalidate(&key);
            return Some(Err(refuse(why)));
        }
        self.count(true);
        Some(Ok(hit.authenticated.clone()))
    }

    pub(super) async fn authenticate_api_token(
        &self,
        presented: &str,
        requested: Option<&str>,
        now_ms: i64,
    ) -> Result<Authenticated, AuthnError> {
        if presented.len() > MAX_TOKEN_LEN {
            return Err(AuthnError::unauthorized("api token: too long"));
        }
        let key = cache_key(presented);
        if let Some(hit) = self.tokens.hits.get(&key) {
            return self.api_token_hit(key, &hit, requested, now_ms, true).await;
        }
        self.count(false);
        let value = TokenValue::parse(presented)?;
        let refuse =
            |r: &str| AuthnError::unauthorized(format!("api token `{}`: {r}", value.token_id));
        if requested.is_some_and(|r| r != value.account) {
            return Err(refuse("account differs from Harness-Account"));
        }
        if self.tokens.unknown_ids.contains_key(&value.token_id) {
            return Err(refuse("unknown token id (negative cache)"));
        }
        let failures = self.tokens.failures.get(&value.token_id);
        if failures.is_some_and(|f| f.load(Ordering::Relaxed) >= MAX_FAILURES_PER_ID) {
            return Err(refuse("too many wrong secrets for this id, refused unread"));
        }
        let epoch = self.watch.credentials(&value.account);
        let id = value.token_id.clone();
        let Some((row, owner)) = self
            .blocking_db(move |c| lookup::load_token(c, &id))
            .await?
        else {
            self.tokens.unknown_ids.insert(value.token_id.clone(), ());
            return Err(refuse("unknown token id"));
        };
        if row.owner_type != value.kind.owner_type().as_str() {
            return Err(refuse("prefix does not match the owner type"));
        }
        if row.account != value.account {
            return Err(refuse("account differs from the token's row"));
        }
        let digest = secret::digest(value.secret());
        let mut entry = entry_for(row, owner, digest, epoch, now_ms)?;
        let verified = match Stored::parse(&entry.secret_hash) {
            Stored::Digest(stored) => bool::from(secret::matches(&digest, &stored)),
            Stored::Argon2(_) => {
                // A hot legacy token arrives on many connections at once: the first
                // verifies it, the others wait and find its answer in the cache.
                let turn = self
                    .tokens
                    .verifying
                    .get_with(key, || Arc::new(tokio::sync::Mutex::new(())));
                let _turn = turn.lock().await;
                if let Some(hit) = self.tokens.hits.get(&key) {
                    return self
                        .api_token_hit(key, &hit, requested, now_ms, false)
                        .await;
                }
                self.verify_legacy(&value, &mut entry).await?
            }
            Stored::Unreadable => return Err(refuse("stored secret hash is unreadable")),
        };
        if !verified {
            self.tokens
                .failures
                .get_with(value.token_id.clone(), || Arc::new(AtomicU32::new(0)))
                .fetch_add(1, Ordering::Relaxed);
            return Err(refuse("wrong secret"));
        }
        let authenticated = entry.authenticated.clone();
        self.tokens.hits.insert(key, Arc::new(entry));
        Ok(authenticated)
    }

    /// Verifies a secret against the argon2id hash an older release stored and, when it
    /// matches, re-stores the row as a digest (only if the row still holds that hash). A
    /// failed write is logged and changes nothing else: the next verification retries it.
    async fn verify_legacy(
        &self,
        value: &TokenValue,
        entry: &mut CachedToken,
    ) -> Result<bool, AuthnError> {
        let verified = self
            .argon2(value.secret().to_owned(), Some(entry.secret_hash.clone()))
            .await?;
        if !verified {
            return Ok(false);
        }
        let (id, old, new) = (
            value.token_id.clone(),
            entry.secret_hash.clone(),
            secret::stored_form_of(&entry.digest),
        );
        let stored = new.clone();
        match self
            .blocking_db(move |c| ApiToken::replace_secret_hash(c, &id, &old, &stored))
            .await
        {
            Ok(true) => {
                tracing::info!(token_id = %value.token_id, "api token: argon2id hash re-stored as a SHA-256 digest");
                entry.secret_hash = new;
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(token_id = %value.token_id, error = %e, "api token: could not re-store the argon2id hash as a digest");
            }
        }
        Ok(true)
    }

    /// A cached value: current epoch → answer at once; else re-check the row.
    /// `count`: record the lookup as a cache hit or miss.
    async fn api_token_hit(
        &self,
        key: [u8; 32],
        hit: &CachedToken,
        requested: Option<&str>,
        now_ms: i64,
        count: bool,
    ) -> Result<Authenticated, AuthnError> {
        let refuse =
            |r: &str| AuthnError::unauthorized(format!("api token `{}`: {r}", hit.token_id));
        if requested.is_some_and(|r| r != hit.account.as_str()) {
            return Err(refuse("account differs from Harness-Account"));
        }
        if let Err(why) = live_at(hit.valid_to, hit.grace_until, now_ms) {
            self.tokens.hits.invalidate(&key);
            return Err(refuse(why));
        }
        let epoch = self.watch.credentials(hit.account.as_str());
        if epoch == hit.epoch {
            if count {
                self.count(true);
            }
            return Ok(hit.authenticated.clone());
        }
        if count {
            self.count(false);
        }
        let id = hit.token_id.to_string();
        let found = self
            .blocking_db(move |c| lookup::load_token(c, &id))
            .await?;
        let checked = match found {
            None => Err(refuse("revoked (row deleted)")),
            Some((row, _)) if !holds_verified_secret(&row.secret_hash, hit) => {
                Err(refuse("row no longer holds the verified hash"))
            }
            Some((row, owner)) => entry_for(row, owner, hit.digest, epoch, now_ms),
        };
        match checked {
            Ok(entry) => {
                let authenticated = entry.authenticated.clone();
                self.tokens.hits.insert(key, Arc::new(entry));
                Ok(authenticated)
            }
            Err(e) => {
                self.tokens.hits.invalidate(&key);
                Err(e)
            }
        }
    }
}

/// The row still holds what the cached value was verified against: the same stored hash,
/// or the digest of the same secret (a legacy hash re-stored meanwhile, maybe elsewhere).
fn holds_verified_secret(stored: &str, hit: &CachedToken) -> bool {
    stored == hit.secret_hash
        || matches!(Stored::parse(stored), Stored::Digest(d) if bool::from(secret::matches(&hit.digest, &d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_grace() {
        let cases = [
            (None, None, 5, true),
            (Some(10), None, 9, true),
            (Some(10), None, 10, false),
            (None, Some(10), 9, true),
            (None, Some(10), 10, false),
            (Some(100), Some(10), 50, false),
        ];
        for (valid_to, grace, now, ok) in cases {
            assert_eq!(
                live_at(valid_to, grace, now).is_ok(),
                ok,
                "{valid_to:?} {grace:?} {now}"
            );
        }
    }
}
