//! Throttling of failed logins per (email, client address).
//!
//! Owns: the failure counts and lockouts of `POST /v1/auth/login`. Failures count within a
//! 60-second window; once `max_failures` are reached every further attempt is refused with
//! [`AuthnError::Throttled`] *without checking the password*, for a delay that starts at
//! 10 s and doubles with each further failure, capped at 300 s. The window ends after a
//! quiet minute (no failure and no lockout). Keys are (lower-cased email, client address),
//! so an attacker hammering one address cannot lock the same user out from elsewhere; an
//! IPv6 client is keyed by its /64, the block a single host usually controls.
//! Bounded memory (moka). Must never see a password, and never read a clock: `now_ms` is
//! passed in.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moka::sync::Cache;

use super::error::AuthnError;

/// Failures count within this window.
pub const WINDOW_MS: i64 = 60_000;
/// The first lockout; each further failure doubles it.
pub const BASE_DELAY_SECS: u64 = 10;
/// The longest lockout.
pub const MAX_DELAY_SECS: u64 = 300;
const MAX_TRACKED: u64 = 100_000;

#[derive(Default)]
struct Attempts {
    failures: u32,
    last_failure_ms: i64,
    locked_until_ms: i64,
}

/// Failed-login bookkeeping shared by all workers.
pub struct LoginThrottle {
    max_failures: u32,
    entries: Cache<(String, IpAddr), Arc<Mutex<Attempts>>>,
}

impl LoginThrottle {
    /// `max_failures` failures per window are allowed (at least 1).
    pub fn new(max_failures: u32) -> Self {
        Self {
            max_failures: max_failures.max(1),
            entries: Cache::builder()
                .max_capacity(MAX_TRACKED)
                // Longer than the longest lockout plus a window; expiry is only for memory,
                // the rules use `now_ms`.
                .time_to_idle(Duration::from_secs(MAX_DELAY_SECS + 120))
                .build(),
        }
    }

    /// Refuses the attempt while (email, address) is locked out.
    pub fn check(&self, email: &str, ip: IpAddr, now_ms: i64) -> Result<(), AuthnError> {
        let Some(entry) = self.entries.get(&key(email, ip)) else {
            return Ok(());
        };
        let attempts = entry.lock().unwrap_or_else(|p| p.into_inner());
        if now_ms < attempts.locked_until_ms {
            let wait_ms = attempts.locked_until_ms - now_ms;
            let retry_after_secs = u64::try_from(wait_ms).unwrap_or(1).div_ceil(1000).max(1);
            return Err(AuthnError::Throttled { retry_after_secs });
        }
        Ok(())
    }

    /// Counts a failed attempt (wrong password, unknown email, disabled user).
    pub fn record_failure(&self, email: &str, ip: IpAddr, now_ms: i64) {
        let entry = self
            .entries
            .get_with(key(email, ip), || Arc::new(Mutex::new(Attempts::default())));
        let mut a = entry.lock().unwrap_or_else(|p| p.into_inner());
        if a.failures > 0 && now_ms >= a.last_failure_ms.max(a.locked_until_ms) + WINDOW_MS {
            *a = Attempts::default();
        }
        a.failures = a.failures.saturating_add(1);
        a.last_failure_ms = now_ms;
        if a.failures >= self.max_failures {
            let extra = (a.failures - self.max_failures).min(16);
            let delay_secs = (BASE_DELAY_SECS << extra).min(MAX_DELAY_SECS);
            a.locked_until_ms = now_ms + i64::try_from(delay_secs * 1000).unwrap_or(i64::MAX);
        }
    }

    /// A successful login forgets the failures of (email, address).
    pub fn record_success(&self, email: &str, ip: IpAddr) {
        self.entries.invalidate(&key(email, ip));
    }
}

fn key(email: &str, ip: IpAddr) -> (String, IpAddr) {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::from(segments)
            }
        },
        v4 => v4,
    };
    (email.trim().to_lowercase(), ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn retry_after(t: &LoginThrottle, email: &str, addr: &str, now: i64) -> Option<u64> {
        match t.check(email, ip(addr), now) {
            Ok(()) => None,
            Err(AuthnError::Throttled { retry_after_secs }) => Some(retry_after_secs),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn locks_after_max_failures_with_doubling_delays() {
        let t = LoginThrottle::new(3);
        let a = "10.0.0.1";
        for i in 0..2 {
            t.record_failure("Bob@Example.com", ip(a), 1_000 + i);
            assert_eq!(retry_after(&t, "bob@example.com", a, 1_000 + i), None);
        }
        t.record_failure("bob@example.com", ip(a), 2_000);
        assert_eq!(retry_after(&t, "BOB@example.com", a, 2_000), Some(10));
        assert_eq!(retry_after(&t, "bob@example.com", a, 11_500), Some(1));
        assert_eq!(retry_after(&t, "bob@example.com", a, 12_000), None);
        t.record_failure("bob@example.com", ip(a), 12_000);
        assert_eq!(retry_after(&t, "bob@example.com", a, 12_000), Some(20));
        t.record_failure("bob@example.com", ip(a), 40_000);
        assert_eq!(retry_after(&t, "bob@example.com", a, 40_000), Some(40));
        for n in 0..10 {
            t.record_failure("bob@example.com", ip(a), 100_000 + n);
        }
        assert_eq!(
            retry_after(&t, "bob@example.com", a, 100_009),
            Some(MAX_DELAY_SECS)
        );
    }

    #[test]
    fn other_addresses_and_emails_are_not_locked() {
        let t = LoginThrottle::new(2);
        t.record_failure("bob@example.com", ip("10.0.0.1"), 0);
        t.record_failure("bob@example.com", ip("10.0.0.1"), 1);
        assert!(retry_after(&t, "bob@example.com", "10.0.0.1", 2).is_some());
        assert_eq!(retry_after(&t, "bob@example.com", "10.0.0.2", 2), None);
        assert_eq!(retry_after(&t, "eve@example.com", "10.0.0.1", 2), None);
    }

    #[test]
    fn ipv6_hosts_share_their_64_block() {
        let t = LoginThrottle::new(1);
        t.record_failure("bob@example.com", ip("2001:db8:1:2::1"), 0);
        assert!(retry_after(&t, "bob@example.com", "2001:db8:1:2::ffff", 1).is_some());
        assert_eq!(
            retry_after(&t, "bob@example.com", "2001:db8:1:3::1", 1),
            None
        );
        t.record_failure("eve@example.com", ip("::ffff:10.0.0.9"), 0);
        assert!(retry_after(&t, "eve@example.com", "10.0.0.9", 1).is_some());
    }

    #[test]
    fn a_quiet_minute_resets_and_success_clears() {
        let t = LoginThrottle::new(2);
        t.record_failure("bob@example.com", ip("10.0.0.1"), 0);
        t.record_failure("bob@example.com", ip("10.0.0.1"), 61_000);
        assert_eq!(retry_after(&t, "bob@example.com", "10.0.0.1", 61_000), None);
        t.record_failure("bob@example.com", ip("10.0.0.1"), 62_000);
        assert!(retry_after(&t, "bob@example.com", "10.0.0.1", 62_000).is_some());
        t.record_success("bob@example.com", ip("10.0.0.1"));
        assert_eq!(retry_after(&t, "bob@example.com", "10.0.0.1", 62_000), None);
    }
}
