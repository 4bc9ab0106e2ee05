//! The gateway's side of the decision log (DESIGN §4.8): every decision is counted in
//! memory, per account and hour, by (principal, credential, permission, resource, outcome);
//! a writer task takes the counts every second and adds them to `storage::decisions` in one
//! transaction. The hot path is a short uncontended lock on the worker thread's shard, a
//! fast hash and a table lookup (no allocation once a kind of decision has been seen; see
//! `decisions/record` in benches/gateway.rs). Kinds beyond the bound, and batches the
//! database refuses, are dropped and counted in `/metrics`; a request never waits on the
//! database.
//!
//! May import policy, storage, authn and web. Owns no decision: it records what the
//! gateway decided.

use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::authn::{Authenticated, CredentialVia};
use crate::policy::permission::{catalogue, PermissionId, PermissionSet};
use crate::policy::resource_group::Attributes;
use crate::policy::role::Principal;
use crate::policy::Scope;
use crate::storage::columns::scope_cols;
use crate::storage::decisions::{DecisionRow, Decisions, HOUR_MS};
use crate::storage::Db;
use crate::web::metrics::Metrics;

/// The credential a decision was made for, as a preview must restrict it again.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Credential {
    Token(Arc<str>),
    Jwt(Option<PermissionSet>),
}

/// The same, borrowed from the request (no reference count touched on the hot path).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum CredentialRef<'a> {
    Token(&'a str),
    Jwt(Option<&'a PermissionSet>),
}

impl<'a> CredentialRef<'a> {
    fn of(who: &'a Authenticated) -> Self {
        match &who.via {
            CredentialVia::ApiToken { token_id } => CredentialRef::Token(token_id),
            _ => CredentialRef::Jwt(who.restriction.as_ref()),
        }
    }

    fn owned(self) -> Credential {
        match self {
            CredentialRef::Token(id) => Credential::Token(Arc::from(id)),
            CredentialRef::Jwt(set) => Credential::Jwt(set.copied()),
        }
    }

    fn is(self, owned: &Credential) -> bool {
        match (self, owned) {
            (CredentialRef::Token(a), Credential::Token(b)) => a == &**b,
            (CredentialRef::Jwt(a), Credential::Jwt(b)) => a == b.as_ref(),
            _ => false,
        }
    }
}

impl Credential {
    fn stored(&self) -> String {
        match self {
            Credential::Token(id) => format!("token:{id}"),
            Credential::Jwt(None) => "jwt".to_owned(),
            Credential::Jwt(Some(set)) => format!("jwt:{}", catalogue().identifiers(set).join(" ")),
        }
    }
}

/// One decision as the gateway made it.
pub struct Decision<'a> {
    pub who: &'a Authenticated,
    pub permission: PermissionId,
    pub scope: &'a Scope,
    pub resource_type: &'a str,
    pub identifier: Option<&'a str>,
    /// The route's own attributes, if it gives any.
    pub attributes: Option<&'a Attributes>,
    pub allowed: bool,
}

struct Entry {
    hash: u64,
    hour: i64,
    principal: Principal,
    credential: Credential,
    permission: PermissionId,
    scope: Scope,
    resource_type: String,
    identifier: Option<String>,
    attributes: String,
    allowed: bool,
    count: i64,
    last_seen: i64,
}

impl Entry {
    fn is(&self, d: &Decision, credential: CredentialRef, hour: i64) -> bool {
        self.hour == hour
            && self.allowed == d.allowed
            && self.permission == d.permission
            && self.identifier.as_deref() == d.identifier
            && self.resource_type == d.resource_type
            && self.principal == d.who.principal
            && &self.scope == d.scope
            && credential.is(&self.credential)
    }

    fn row(&self) -> DecisionRow {
        let (account, org, project) = scope_cols(&self.scope);
        let (_, principal_org, principal_project) = scope_cols(&self.principal.scope);
        DecisionRow {
            account,
            hour: self.hour,
            principal_type: self.principal.principal_type.as_str().to_owned(),
            principal_identifier: self.principal.identifier.to_string(),
            principal_org,
            principal_project,
            credential: self.credential.stored(),
            permission: catalogue().permission(self.permission).identifier.clone(),
            org,
            project,
            resource_type: self.resource_type.clone(),
            resource_identifier: self.identifier.clone().unwrap_or_default(),
            outcome: if self.allowed { "allowed" } else { "denied" }.to_owned(),
            attributes: self.attributes.clone(),
            count: self.count,
            last_seen: self.last_seen,
        }
    }
}

type Shard = HashTable<Entry>;

/// Distinct kinds of decision one shard keeps between two writes.
const SHARD_CAPACITY: usize = 50_000;

thread_local! {
    static THREAD_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

fn thread_slot() -> usize {
    THREAD_SLOT.with(|s| {
        if s.get() == usize::MAX {
            s.set(NEXT_SLOT.fetch_add(1, Ordering::Relaxed));
        }
        s.get()
    })
}

/// The in-memory half of the decision log; cheap to share (`Arc<DecisionLog>`).
pub struct DecisionLog {
    shards: Box<[Mutex<Shard>]>,
    hasher: FixedState,
    /// A coarse wall clock (epoch ms) the writer task advances; no clock read per request.
    now_ms: AtomicI64,
    metrics: Arc<Metrics>,
    dropped: AtomicU64,
}

impl DecisionLog {
    pub fn new(metrics: Arc<Metrics>, now_ms: i64) -> Self {
        Self {
            shards: (0..16).map(|_| Mutex::new(HashTable::new())).collect(),
            hasher: FixedState::default(),
            now_ms: AtomicI64::new(now_ms),
            metrics,
            dropped: AtomicU64::new(0),
        }
    }

    fn hash(&self, d: &Decision, credential: CredentialRef, hour: i64) -> u64 {
        let mut h = self.hasher.build_hasher();
        hour.hash(&mut h);
        d.allowed.hash(&mut h);
        d.permission.hash(&mut h);
        d.identifier.hash(&mut h);
        d.resource_type.hash(&mut h);
        d.who.principal.hash(&mut h);
        d.scope.hash(&mut h);
        credential.hash(&mut h);
        h.finish()
    }

    /// Counts one decision (the hot path).
    pub fn record(&self, d: &Decision) {
        let now = self.now_ms.load(Ordering::Relaxed);
        let hour = now - now.rem_euclid(HOUR_MS);
        let credential = CredentialRef::of(d.who);
        let hash = self.hash(d, credential, hour);
        let shard = &self.shards[thread_slot() % self.shards.len()];
        let Ok(mut table) = shard.lock() else { return };
        if let Some(e) = table.find_mut(hash, |e| e.hash == hash && e.is(d, credential, hour)) {
            e.count += 1;
            e.last_seen = now;
            return;
        }
        if table.len() >= SHARD_CAPACITY {
            drop(table);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            self.metrics.decisions_dropped.inc();
            return;
        }
        let entry = Entry {
            hash,
            hour,
            principal: d.who.principal.clone(),
            credential: credential.owned(),
            permission: d.permission,
            scope: d.scope.clone(),
            resource_type: d.resource_type.to_owned(),
            identifier: d.identifier.map(str::to_owned),
            attributes: d
                .attributes
                .filter(|a| !a.is_empty())
                .and_then(|a| serde_json::to_string(a).ok())
                .unwrap_or_default(),
            allowed: d.allowed,
            count: 1,
            last_seen: now,
        };
        table.insert_unique(hash, entry, |e| e.hash);
    }

    /// Kinds of decision dropped because a shard was full (also in `/metrics`).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Advances the coarse clock.
    pub fn tick(&self, now_ms: i64) {
        self.now_ms.store(now_ms, Ordering::Relaxed);
    }

    /// Takes everything counted so far, as rows.
    pub fn take(&self) -> Vec<DecisionRow> {
        let mut rows = Vec::new();
        for shard in self.shards.iter() {
            let taken = match shard.lock() {
                Ok(mut table) => std::mem::take(&mut *table),
                Err(_) => continue,
            };
            rows.extend(taken.iter().map(Entry::row));
        }
        rows
    }

    /// Writes the counts every `interval` (and advances the clock every 100 ms); a batch the
    /// database refuses is dropped and counted: the log is best effort, like the deny audit.
    /// Every ten minutes it also deletes the hours older than `retention`.
    pub async fn run_writer(
        self: Arc<Self>,
        db: Db,
        interval: Duration,
        retention: Duration,
        now_ms: fn() -> i64,
    ) {
        let mut ticker = tokio::time::interval(Duration::from_millis(100));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let ticks_per_write = (interval.as_millis() / 100).max(1);
        let mut n = 0u128;
        loop {
            ticker.tick().await;
            let now = now_ms();
            self.tick(now);
            n += 1;
            if n % ticks_per_write == 0 {
                self.flush(&db).await;
            }
            if n % 6000 == 1 {
                let db = db.clone();
                let before = now - retention.as_millis() as i64;
                let _ = tokio::task::spawn_blocking(move || {
                    db.transaction(|c| Decisions::prune(c, before))
                })
                .await;
            }
        }
    }

    /// Writes what was counted so far (the writer's step; tests call it directly).
    pub async fn flush(&self, db: &Db) {
        let rows = self.take();
        if rows.is_empty() {
            return;
        }
        let n: u64 = rows.iter().map(|r| r.count as u64).sum();
        let db = db.clone();
        let written =
            tokio::task::spawn_blocking(move || db.transaction(|c| Decisions::record(c, &rows)))
                .await;
        match written {
            Ok(Ok(())) => self.metrics.decisions_logged.inc_by(n),
            _ => {
                self.metrics.decisions_dropped.inc_by(n);
                tracing::warn!(dropped = n, "decision log batch could not be written");
            }
        }
    }
}
