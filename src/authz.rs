//! L2 (rank 4) authorization state: the per-principal policy cache (moka) in front of
//! storage, the resource-registry caches, the poller that keeps them in step with the
//! database across replicas (per-account epochs, the registry change log), and the one
//! decision path ([`decide`]) that the gateway, the ACL, explain, effective permissions and
//! the admin API's own checks all use.
//!
//! May import policy, storage and authn (for the epoch watch). Must never import the
//! gateway, admin or app layers, nor actix. A cache hit touches no database and no lock
//! held across an await.

pub mod decide;
pub mod whatif;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use thiserror::Error;

use crate::authn::epochs::EpochWatch;
use crate::policy::engine::{PrincipalPolicy, RegistryEntry};
use crate::policy::resource_group::Attributes;
use crate::policy::role::Principal;
use crate::policy::Scope;
use crate::storage::epochs::{EpochKind, Epochs};
use crate::storage::grants::load_principal;
use crate::storage::registry::Registry;
use crate::storage::tokens::ApiToken;
use crate::storage::{Db, StorageError};

#[derive(Debug, Error)]
pub enum AuthzError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("principal `{0}` does not exist")]
    UnknownPrincipal(String),
    /// The acting principal is disabled: its credentials stop working like revoked ones.
    #[error("principal `{0}` is disabled")]
    Disabled(String),
}

impl From<StorageError> for AuthzError {
    fn from(e: StorageError) -> Self {
        AuthzError::Unavailable(e.to_string())
    }
}

/// A principal's compiled policy (which carries `disabled`) as cached, with the epoch it
/// was loaded at.
#[derive(Debug)]
pub struct CachedPolicy {
    pub epoch: u64,
    pub policy: PrincipalPolicy,
}

/// A disabled principal cannot act: its credentials stop working like revoked ones.
fn acting(
    principal: &Principal,
    cached: Arc<CachedPolicy>,
) -> Result<Arc<CachedPolicy>, AuthzError> {
    if cached.policy.disabled {
        return Err(AuthzError::Disabled(principal.to_string()));
    }
    Ok(cached)
}

/// Counters exported in /metrics.
#[derive(Debug, Default)]
pub struct AuthzStats {
    pub policy_hits: AtomicU64,
    pub policy_misses: AtomicU64,
    pub db_loads: AtomicU64,
}

type ResourceKey = (Scope, String, String);
type ListingKey = (Scope, String);

/// The authorization cache. Cheap to share (`Arc<Authz>`).
pub struct Authz {
    db: Db,
    watch: Arc<EpochWatch>,
    policies: Cache<Principal, Arc<CachedPolicy>>,
    attributes: Cache<ResourceKey, Arc<Attributes>>,
    listings: Cache<ListingKey, Arc<Vec<RegistryEntry>>>,
    stale_seconds: u64,
    pub stats: AuthzStats,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuthzError> + Send + 'static,
) -> Result<T, AuthzError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthzError::Unavailable(e.to_string()))?
}

impl Authz {
    pub fn new(db: Db, watch: Arc<EpochWatch>, ttl_seconds: u64, stale_seconds: u64) -> Self {
        let ttl = Duration::from_secs(ttl_seconds.max(1));
        Self {
            db,
            watch,
            policies: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            attributes: Cache::builder()
                .max_capacity(200_000)
                .time_to_live(ttl)
                .build(),
            listings: Cache::builder()
                .max_capacity(20_000)
                .time_to_live(ttl)
                .build(),
            stale_seconds,
            stats: AuthzStats::default(),
        }
    }

    pub fn watch(&self) -> &Arc<EpochWatch> {
        &self.watch
    }

    /// True when the last successful epoch read is older than `cache.stale_seconds`:
    /// every caller then gets 503 until the database answers again.
    pub fn is_stale(&self, now_ms: i64) -> bool {
        self.watch.is_stale(now_ms, self.stale_seconds)
    }

    /// The cached policy when it is current (no I/O).
    pub fn cached_policy(&self, principal: &Principal) -> Option<Arc<CachedPolicy>> {
        let epoch = self.watch.policy(principal.account().as_str());
        self.policies.get(principal).filter(|c| c.epoch == epoch)
    }

    /// The policy of a principal that is acting (the gateway's and the admin API's
    /// caller): from the cache when current, else loaded from the database;
    /// [`AuthzError::Disabled`] when the principal is disabled.
    pub async fn policy(&self, principal: &Principal) -> Result<Arc<CachedPolicy>, AuthzError> {
        if let Some(hit) = self.acting_now(principal) {
            return hit;
        }
        self.stats.policy_misses.fetch_add(1, Ordering::Relaxed);
        // Read the epoch before loading: a write racing the load makes the entry stale.
        let epoch = self.watch.policy(principal.account().as_str());
        let cached = self.load(principal.clone(), epoch).await?;
        self.policies.insert(principal.clone(), cached.clone());
        acting(principal, cached)
    }

    /// [`Authz::policy`] answered from the cache without awaiting; `None` on a miss (the
    /// gateway's hot path awaits only then).
    pub fn acting_now(
        &self,
        principal: &Principal,
    ) -> Option<Result<Arc<CachedPolicy>, AuthzError>> {
        let hit = self.cached_policy(principal)?;
        self.stats.policy_hits.fetch_add(1, Ordering::Relaxed);
        Some(acting(principal, hit))
    }

    /// Loads a principal's policy without caching it, disabled or not (the subject of an
    /// ACL, explain or effective-permissions question; the engine permits a disabled
    /// principal nothing).
    pub async fn load_fresh(&self, principal: &Principal) -> Result<Arc<CachedPolicy>, AuthzError> {
        let epoch = self.watch.policy(principal.account().as_str());
        self.load(principal.clone(), epoch).await
    }

    async fn load(
        &self,
        principal: Principal,
        epoch: u64,
    ) -> Result<Arc<CachedPolicy>, AuthzError> {
        self.stats.db_loads.fetch_add(1, Ordering::Relaxed);
        let db = self.db.clone();
        blocking(move || {
            let mut conn = db.conn()?;
            let policy = load_principal(&mut conn, &principal)?
                .ok_or_else(|| AuthzError::UnknownPrincipal(principal.to_string()))?;
            Ok(Arc::new(CachedPolicy { epoch, policy }))
        })
        .await
    }

    /// A resource's registry attributes (empty when unregistered).
    pub async fn attributes(
        &self,
        scope: &Scope,
        resource_type: &str,
        identifier: &str,
    ) -> Result<Arc<Attributes>, AuthzError> {
        let key = (
            scope.clone(),
            resource_type.to_owned(),
            identifier.to_owned(),
        );
        if let Some(hit) = self.attributes.get(&key) {
            return Ok(hit);
        }
        let db = self.db.clone();
        let k = key.clone();
        let attrs = blocking(move || {
            let mut conn = db.conn()?;
            Ok(Registry::find(&mut conn, &k.0, &k.1, &k.2)?
                .map(|r| r.value.attributes)
                .unwrap_or_default())
        })
        .await?;
        let attrs = Arc::new(attrs);
        self.attributes.insert(key, attrs.clone());
        Ok(attrs)
    }

    /// The registry's resources of a type at a scope (for attribute filters on lists).
    pub async fn listing(
        &self,
        scope: &Scope,
        resource_type: &str,
    ) -> Result<Arc<Vec<RegistryEntry>>, AuthzError> {
        let key = (scope.clone(), resource_type.to_owned());
        if let Some(hit) = self.listings.get(&key) {
            return Ok(hit);
        }
        let db = self.db.clone();
        let k = key.clone();
        let entries = blocking(move || {
            let mut conn = db.conn()?;
            Ok(Registry::list(&mut conn, &k.0, &k.1)?
                .into_iter()
                .map(|r| RegistryEntry {
                    identifier: r.value.identifier,
                    attributes: r.value.attributes,
                })
                .collect::<Vec<_>>())
        })
        .await?;
        let entries = Arc::new(entries);
        self.listings.insert(key, entries.clone());
        Ok(entries)
    }

    /// A policy or credential write on this replica: visible here at once.
    pub fn note_write(&self, account: &str, kind: EpochKind) {
        self.watch.bump_local(account, kind);
    }

    /// A registry write on this replica: drop the resource's cached attributes at once.
    pub fn note_resource_write(&self, scope: &Scope, resource_type: &str, identifier: &str) {
        self.attributes.invalidate(&(
            scope.clone(),
            resource_type.to_owned(),
            identifier.to_owned(),
        ));
        self.listings
            .invalidate(&(scope.clone(), resource_type.to_owned()));
    }

    /// One poll: epochs of every account, registry changes since `last_seq`.
    pub async fn poll_once(&self, last_seq: i64, now_ms: i64) -> Result<i64, AuthzError> {
        let db = self.db.clone();
        let (epochs, changes) = blocking(move || {
            let mut conn = db.conn()?;
            Ok((
                Epochs::all(&mut conn)?,
                Registry::changes_since(&mut conn, last_seq)?,
            ))
        })
        .await?;
        let mut next = last_seq;
        for c in &changes {
            if let Ok(scope) = crate::storage::columns::scope_from(&c.account, &c.org, &c.project) {
                self.note_resource_write(&scope, &c.resource_type, &c.identifier);
            }
            next = next.max(c.seq);
        }
        let snapshot = epochs
            .into_iter()
            .map(|e| (e.account, (e.policy as u64, e.credentials as u64)))
            .collect();
        self.watch.replace(snapshot, now_ms);
        Ok(next)
    }

    /// The newest registry change at start-up (changes before it need no invalidation).
    pub async fn registry_cursor(&self) -> Result<i64, AuthzError> {
        let db = self.db.clone();
        blocking(move || Ok(Registry::last_seq(&mut *db.conn()?)?)).await
    }

    /// Polls every `interval` until the process ends; errors keep the previous state (the
    /// watch goes stale after `cache.stale_seconds`).
    pub async fn run_poller(self: Arc<Self>, interval: Duration, now_ms: fn() -> i64) {
        let mut cursor = self.registry_cursor().await.unwrap_or(0);
        let mut failing = false;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut since_prune = 0u32;
        loop {
            ticker.tick().await;
            match self.poll_once(cursor, now_ms()).await {
                Ok(next) => {
                    if failing {
                        tracing::info!("database reachable again");
                    }
                    failing = false;
                    cursor = next;
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "epoch poll failed; cached callers are served until cache.stale_seconds");
                    }
                    failing = true;
                }
            }
            since_prune += 1;
            if since_prune >= 2400 {
                since_prune = 0;
                let db = self.db.clone();
                let now = now_ms();
                let _ = blocking(move || {
                    let conn = &mut *db.conn()?;
                    Registry::prune_changes(conn, now - 3_600_000)?;
                    ApiToken::delete_superseded(conn, now)?;
                    Ok(())
                })
                .await;
            }
        }
    }
}
