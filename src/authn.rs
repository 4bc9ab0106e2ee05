//! Authentication, rank 3 in docs/ARCHITECTURE.md: credentials → principals (DESIGN §4.3,
//! §6, §7).
//!
//! [`Authenticator::authenticate`] turns the request's one credential (see
//! [`credential::extract`]) into an [`Authenticated`] principal with the credential's
//! permission restriction, or a refusal: [`AuthnError::Unauthorized`] with an internal
//! reason for the log, [`AuthnError::Unavailable`] when the database cannot answer (503).
//! Repeat callers are served from caches without the database or argon2; revocation and
//! disabling reach the caches through the credentials epoch of [`EpochWatch`]. Staleness
//! (DESIGN §7: 503 once the last epoch poll is older than `cache.stale_seconds`) is the
//! caller's check, with [`EpochWatch::is_stale`], before it calls in.
//!
//! May import: `policy`, `config`, `storage`. Must never import authz, gateway, admin or
//! app, know actix types, log a secret or a whole token (a token id at most), or run
//! argon2 on an async worker (it runs in `spawn_blocking`, one permit per core).

pub mod credential;
pub mod epochs;
pub mod error;
pub mod jwks;
pub mod jwt;
pub mod login;
pub mod lookup;
pub mod password;
pub mod token;

mod api_token;
mod bearer;
mod issue;

#[cfg(test)]
mod api_token_tests;
#[cfg(test)]
mod jwks_tests;
#[cfg(test)]
mod jwt_tests;
#[cfg(test)]
mod login_tests;
#[cfg(test)]
mod test_support;

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use moka::sync::Cache;
use tokio::sync::Semaphore;

pub use credential::{extract, requested_account, Credential};
pub use epochs::EpochWatch;
pub use error::AuthnError;
pub use issue::{issue_api_token, rotate_api_token};
pub use token::{cache_key, TokenKind, TokenValue};

use crate::config::IssuerConfig;
use crate::policy::permission::PermissionSet;
use crate::policy::role::Principal;
use crate::policy::Identifier;
use crate::storage::principals::User;
use crate::storage::{Db, DbConnection, StorageResult};

/// The shortest HS256 secret accepted (256 bits).
pub const MIN_HS256_SECRET_BYTES: usize = 32;
const MAX_CACHED_JWTS: u64 = 100_000;

/// What the authenticator needs from the config (the CLI reads the secret from the env).
#[derive(Clone, Default)]
pub struct AuthnSettings {
    /// scopegate's own JWT secret (≥ 32 bytes); login is disabled without it.
    pub hs256_secret: Option<Vec<u8>>,
    pub jwt_ttl_seconds: u64,
    pub issuers: Vec<IssuerConfig>,
    pub login_max_failures: u32,
    pub cache_ttl_seconds: u64,
}

impl fmt::Debug for AuthnSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthnSettings")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwt_ttl_seconds", &self.jwt_ttl_seconds)
            .field("issuers", &self.issuers)
            .field("login_max_failures", &self.login_max_failures)
            .field("cache_ttl_seconds", &self.cache_ttl_seconds)
            .finish()
    }
}

/// How the caller proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialVia {
    ApiToken { token_id: Arc<str> },
    OwnJwt,
    ExternalJwt { issuer: Arc<str> },
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq)]
pub struct Authenticated {
    pub principal: Principal,
    /// The credential's permission subset (token `permissions`, JWT `scope`); `None`: the
    /// owner's permissions, unrestricted.
    pub restriction: Option<PermissionSet>,
    pub via: CredentialVia,
}

/// The answer of a successful login.
#[derive(Clone)]
pub struct LoginToken {
    pub token: String,
    pub expires_at_ms: i64,
}

impl fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginToken")
            .field("token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// Counters for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthnStats {
    /// Credentials answered from a cache, without the database or argon2.
    pub hits: u64,
    /// Credentials that needed the database (first use, or a re-check after an epoch change).
    pub misses: u64,
}

struct Hs256 {
    secret: Vec<u8>,
    decoding: DecodingKey,
}

/// Credentials → principals, with the caches that keep argon2 and the database off the
/// hot path. One per process, shared by every worker.
pub struct Authenticator {
    db: Db,
    watch: Arc<EpochWatch>,
    hs256: Option<Hs256>,
    jwt_ttl_seconds: u64,
    issuers: Vec<jwks::ExternalIssuer>,
    tokens: api_token::TokenCaches,
    jwts: Cache<[u8; 32], Arc<bearer::CachedJwt>>,
    throttle: login::LoginThrottle,
    argon2_permits: Arc<Semaphore>,
    argon2_runs: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("hs256", &self.hs256.as_ref().map(|_| "<redacted>"))
            .field("issuers", &self.issuers)
            .field("argon2_runs", &self.argon2_runs())
            .finish()
    }
}

/// argon2 runs of this process (every verification, real or dummy), for `/metrics`.
pub fn argon2_verifications() -> u64 {
    password::verifications()
}

impl Authenticator {
    /// Validates the settings (secret length, issuers and their JWKS files) and builds
    /// empty caches.
    pub fn new(
        db: Db,
        watch: Arc<EpochWatch>,
        settings: AuthnSettings,
    ) -> Result<Self, AuthnError> {
        let hs256 = match settings.hs256_secret {
            Some(secret) if secret.len() < MIN_HS256_SECRET_BYTES => {
                return Err(AuthnError::Config(format!(
                    "the JWT secret has {} bytes, at least {MIN_HS256_SECRET_BYTES} are required",
                    secret.len()
                )))
            }
            Some(secret) => Some(Hs256 {
                decoding: DecodingKey::from_secret(&secret),
                secret,
            }),
            None => None,
        };
        let issuers = settings
            .issuers
            .iter()
            .map(jwks::ExternalIssuer::new)
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(i) = issuers.iter().find(|i| &*i.issuer == jwt::OWN_ISSUER) {
            return Err(AuthnError::Config(format!(
                "issuer `{}` is scopegate's own",
                i.issuer
            )));
        }
        let ttl = Duration::from_secs(settings.cache_ttl_seconds.max(1));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            db,
            watch,
            hs256,
            jwt_ttl_seconds: settings.jwt_ttl_seconds,
            issuers,
            tokens: api_token::TokenCaches::new(ttl),
            jwts: Cache::builder()
                .max_capacity(MAX_CACHED_JWTS)
                .time_to_live(ttl)
                .build(),
            throttle: login::LoginThrottle::new(settings.login_max_failures),
            argon2_permits: Arc::new(Semaphore::new(cores)),
            argon2_runs: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    /// The epochs this authenticator compares its caches with.
    pub fn watch(&self) -> &Arc<EpochWatch> {
        &self.watch
    }

    /// Whether `POST /v1/auth/login` can issue tokens.
    pub fn login_enabled(&self) -> bool {
        self.hs256.is_some()
    }

    /// argon2 runs made by this authenticator (the process-wide count is
    /// [`argon2_verifications`]).
    pub fn argon2_runs(&self) -> u64 {
        self.argon2_runs.load(Ordering::Relaxed)
    }

    /// Cache hits and misses so far.
    pub fn stats(&self) -> AuthnStats {
        AuthnStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Authenticates one credential, for `requested_account` (`Harness-Account`) if given.
    pub async fn authenticate(
        &self,
        credential: &Credential,
        requested_account: Option<&str>,
        now_ms: i64,
    ) -> Result<Authenticated, AuthnError> {
        match credential {
            Credential::ApiKey(value) => {
                self.authenticate_api_token(value, requested_account, now_ms)
                    .await
            }
            Credential::Bearer(token) => {
                self.authenticate_jwt(token, requested_account, now_ms)
                    .await
            }
        }
    }

    /// The throttle of failed password proofs, per (key, client address): logins, and
    /// users proving their current password to change it.
    pub fn password_throttle(&self) -> &login::LoginThrottle {
        &self.throttle
    }

    /// Checks an email and password of `account` and issues an own JWT.
    pub async fn login(
        &self,
        account: &str,
        email: &str,
        password: &str,
        client_ip: IpAddr,
        now_ms: i64,
    ) -> Result<LoginToken, AuthnError> {
        let Some(hs256) = &self.hs256 else {
            return Err(AuthnError::LoginDisabled);
        };
        let account = Identifier::new(account).map_err(|_| {
            AuthnError::InvalidInput(format!("invalid account {}", error::untrusted(account)))
        })?;
        self.throttle.check(email, client_ip, now_ms)?;
        let fail = |why: &str| {
            self.throttle.record_failure(email, client_ip, now_ms);
            Err(AuthnError::unauthorized(format!(
                "login of {}: {why}",
                error::untrusted(email)
            )))
        };
        if password.is_empty() || password.chars().count() > password::MAX_PASSWORD_CHARS {
            return fail("password of impossible length");
        }
        let (acct, mail) = (account.clone(), email.to_owned());
        let user = self
            .blocking_db(move |c| User::find_by_email(c, acct.as_str(), &mail))
            .await?;
        let (user, stored) = match user {
            Some(u) if !u.disabled && u.password_hash.is_some() => {
                let hash = u.password_hash.clone();
                (Some(u), hash)
            }
            other => (other, None),
        };
        let verified = self.argon2(password.to_owned(), stored).await?;
        let user = match user {
            None => return fail("unknown email"),
            Some(u) if u.disabled => return fail("user is disabled"),
            Some(u) if u.password_hash.is_none() => return fail("user has no password"),
            Some(_) if !verified => return fail("wrong password"),
            Some(u) => u,
        };
        self.throttle.record_success(email, client_ip);
        let (token, expires_at_ms) = jwt::issue(
            &hs256.secret,
            account.as_str(),
            &user.identifier,
            self.jwt_ttl_seconds,
            now_ms.div_euclid(1000),
        )?;
        Ok(LoginToken {
            token,
            expires_at_ms,
        })
    }

    /// Runs `f` on a pooled connection in the blocking pool; database errors → Unavailable.
    async fn blocking_db<T, F>(&self, f: F) -> Result<T, AuthnError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> StorageResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.conn()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AuthnError::Unavailable(format!("database task failed: {e}")))?
        .map_err(|e| AuthnError::Unavailable(e.to_string()))
    }

    /// One argon2 verification of `secret` against `phc` (a dummy of the same cost when
    /// `None`), in the blocking pool, at most one per core at a time.
    async fn argon2(&self, secret: String, phc: Option<String>) -> Result<bool, AuthnError> {
        let permit = self
            .argon2_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AuthnError::Unavailable("argon2 semaphore closed".to_owned()))?;
        self.argon2_runs.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match phc {
                Some(phc) => password::verify(&secret, &phc),
                None => {
                    password::dummy_verify(&secret);
                    false
                }
            }
        })
        .await
        .map_err(|e| AuthnError::Unavailable(format!("argon2 task failed: {e}")))
    }
}
