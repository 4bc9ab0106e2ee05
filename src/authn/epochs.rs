//! [`EpochWatch`]: this replica's view of every account's policy and credentials epochs.
//!
//! Owns: the in-memory counters that cached credentials and grants are compared with, and
//! the time of the last successful poll of the `epochs` table. Reads are lock-free (one
//! `ArcSwap` load and a hash lookup) because every request makes one. The poller (the app
//! layer) calls [`EpochWatch::replace`] after each successful read; a write on this replica
//! calls [`EpochWatch::bump_local`] so its effect is visible here at once. Counters never go
//! backwards. Must never do I/O or read a clock: time is passed in.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use arc_swap::ArcSwap;

use crate::storage::epochs::EpochKind;

/// `last_ok_ms` before the first successful poll.
const NEVER: i64 = 0;

/// Per-account `(policy, credentials)` counters plus the last successful poll time.
pub struct EpochWatch {
    counters: ArcSwap<HashMap<String, (u64, u64)>>,
    last_ok_ms: AtomicI64,
}

impl EpochWatch {
    pub fn new() -> Self {
        Self {
            counters: ArcSwap::from_pointee(HashMap::new()),
            last_ok_ms: AtomicI64::new(NEVER),
        }
    }

    /// The policy epoch of `account` (0 when never bumped).
    #[inline]
    pub fn policy(&self, account: &str) -> u64 {
        self.counters.load().get(account).map_or(0, |c| c.0)
    }

    /// The credentials epoch of `account` (0 when never bumped).
    #[inline]
    pub fn credentials(&self, account: &str) -> u64 {
        self.counters.load().get(account).map_or(0, |c| c.1)
    }

    /// Installs a snapshot read from the database at `now_ms`. Each counter becomes the
    /// larger of the snapshot's and the current one, so a local bump that the poll has not
    /// seen yet is kept, and accounts missing from the snapshot keep their counters.
    pub fn replace(&self, snapshot: HashMap<String, (u64, u64)>, now_ms: i64) {
        self.counters.rcu(|current| {
            let mut next = snapshot.clone();
            for (account, (policy, credentials)) in current.iter() {
                let entry = next.entry(account.clone()).or_insert((0, 0));
                entry.0 = entry.0.max(*policy);
                entry.1 = entry.1.max(*credentials);
            }
            next
        });
        self.last_ok_ms.fetch_max(now_ms, Ordering::AcqRel);
    }

    /// A write on this replica bumped `kind` of `account`: make it visible here now.
    pub fn bump_local(&self, account: &str, kind: EpochKind) {
        self.counters.rcu(|current| {
            let mut next = HashMap::clone(current);
            let entry = next.entry(account.to_owned()).or_insert((0, 0));
            match kind {
                EpochKind::Policy => entry.0 += 1,
                EpochKind::Credentials => entry.1 += 1,
            }
            next
        });
    }

    /// Epoch milliseconds of the last successful poll, 0 before the first one.
    pub fn last_ok_ms(&self) -> i64 {
        self.last_ok_ms.load(Ordering::Acquire)
    }

    /// True when the last successful poll is older than `stale_seconds` at `now_ms`, or when
    /// there never was one: cached callers must then get 503 (DESIGN §7).
    pub fn is_stale(&self, now_ms: i64, stale_seconds: u64) -> bool {
        let last = self.last_ok_ms();
        if last == NEVER {
            return true;
        }
        let limit = i64::try_from(stale_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
        now_ms.saturating_sub(last) > limit
    }
}

impl Default for EpochWatch {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for EpochWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EpochWatch")
            .field("accounts", &self.counters.load().len())
            .field("last_ok_ms", &self.last_ok_ms())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(rows: &[(&str, u64, u64)]) -> HashMap<String, (u64, u64)> {
        rows.iter()
            .map(|(a, p, c)| (a.to_string(), (*p, *c)))
            .collect()
    }

    #[test]
    fn unknown_accounts_read_zero() {
        let w = EpochWatch::new();
        assert_eq!((w.policy("acme"), w.credentials("acme")), (0, 0));
    }

    #[test]
    fn replace_never_goes_backwards() {
        let w = EpochWatch::new();
        w.replace(snapshot(&[("acme", 3, 5), ("beta", 1, 1)]), 1_000);
        w.replace(snapshot(&[("acme", 2, 7)]), 2_000);
        assert_eq!((w.policy("acme"), w.credentials("acme")), (3, 7));
        assert_eq!((w.policy("beta"), w.credentials("beta")), (1, 1));
        assert_eq!(w.last_ok_ms(), 2_000);
        w.replace(snapshot(&[]), 1_500);
        assert_eq!(
            w.last_ok_ms(),
            2_000,
            "an older poll does not move the clock back"
        );
    }

    #[test]
    fn local_bumps_are_visible_and_kept_by_an_older_poll() {
        let w = EpochWatch::new();
        w.replace(snapshot(&[("acme", 1, 1)]), 1_000);
        w.bump_local("acme", EpochKind::Credentials);
        w.bump_local("new", EpochKind::Policy);
        assert_eq!(w.credentials("acme"), 2);
        assert_eq!(w.policy("new"), 1);
        w.replace(snapshot(&[("acme", 1, 1)]), 2_000);
        assert_eq!(w.credentials("acme"), 2);
    }

    #[test]
    fn staleness() {
        let w = EpochWatch::new();
        assert!(w.is_stale(10_000, 30), "never polled is stale");
        w.replace(HashMap::new(), 10_000);
        let cases = [(10_000, false), (40_000, false), (40_001, true)];
        for (now, stale) in cases {
            assert_eq!(w.is_stale(now, 30), stale, "now {now}");
        }
    }
}
