//! argon2id hashing of user passwords, and verification of the argon2id hashes that
//! older releases stored for API-token secrets (today's are SHA-256 digests, see
//! `authn::api_token::secret`; a legacy hash is verified once and then re-stored).
//!
//! Parameters (deliberate): **argon2id, version 0x13, m = 19456 KiB (19 MiB), t = 2
//! passes, p = 1 lane, 32-byte output, 16-byte random salt**: OWASP's Password Storage
//! Cheat Sheet's first argon2id configuration. That costs one verification roughly 20–40 ms
//! of one core and 19 MiB on current x86-64 (the `#[ignore]`d test
//! `one_verification_takes` prints the number for this machine: run
//! `cargo test --release --lib authn::password -- --ignored --nocapture`). Passwords are
//! low-entropy, so the slow hash is what protects them; the gateway's hot path never
//! meets it (logins and password changes only, plus a legacy token's first use), always
//! behind a semaphore of one permit per core, and [`ARGON2_VERIFICATIONS`] counts every run
//! for `/metrics`.
//!
//! Owns: hashing, verification (argon2's verifier compares in constant time), a dummy
//! verification of the same cost (timing equaliser for unknown emails) and the minimal
//! password rule (8..=1024 characters). Must never log or return a secret, and never run
//! on an async worker thread of the gateway (callers use `spawn_blocking`).

use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use super::error::AuthnError;

/// Memory cost in KiB.
pub const M_COST_KIB: u32 = 19_456;
/// Number of passes.
pub const T_COST: u32 = 2;
/// Degree of parallelism (lanes).
pub const P_COST: u32 = 1;
/// Passwords shorter than this are refused when set.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer passwords are refused (they would only cost hashing time).
pub const MAX_PASSWORD_CHARS: usize = 1024;

const PARAMS: Params = match Params::new(M_COST_KIB, T_COST, P_COST, Some(32)) {
    Ok(p) => p,
    Err(_) => panic!("invalid argon2 parameters"),
};
/// A stored hash asking for more than this is refused rather than computed (a corrupt or
/// hostile row must not make one verification allocate gigabytes).
const MAX_STORED_M_COST_KIB: u32 = 4 * M_COST_KIB;
const MAX_STORED_T_COST: u32 = 8;
const DUMMY_SALT: &[u8; 16] = b"scopegate-dummy!";

/// argon2 verifications run by this process (real and dummy), for `/metrics`.
pub static ARGON2_VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

/// Hashes `secret` with a fresh random salt into a PHC string (`$argon2id$v=19$m=19456,…`).
pub fn hash(secret: &str) -> Result<String, AuthnError> {
    hasher()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthnError::Unavailable(format!("argon2 hashing failed: {e}")))
}

/// True when `secret` matches the PHC string `phc`. A malformed or over-expensive stored
/// hash verifies nothing.
pub fn verify(secret: &str, phc: &str) -> bool {
    ARGON2_VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    match Params::try_from(&parsed) {
        Ok(p) if p.m_cost() <= MAX_STORED_M_COST_KIB && p.t_cost() <= MAX_STORED_T_COST => {}
        _ => return false,
    }
    hasher().verify_password(secret.as_bytes(), &parsed).is_ok()
}

/// Costs what [`verify`] costs with the current parameters, and matches nothing: run it
/// where no stored hash exists (unknown email, user without password) so that the answer
/// takes as long as a wrong password.
pub fn dummy_verify(secret: &str) {
    ARGON2_VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
    let mut out = [0u8; 32];
    let _ = hasher().hash_password_into(secret.as_bytes(), DUMMY_SALT, &mut out);
    std::hint::black_box(out);
}

/// The process-wide count of argon2 runs.
pub fn verifications() -> u64 {
    ARGON2_VERIFICATIONS.load(Ordering::Relaxed)
}

/// The minimal password rule: 8 to 1024 characters.
pub fn validate_password(password: &str) -> Result<(), AuthnError> {
    let chars = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(AuthnError::InvalidInput(format!(
            "a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let before = verifications();
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
        assert!(verifications() >= before + 2);
        assert_ne!(hash("same").unwrap(), hash("same").unwrap(), "salted");
    }

    #[test]
    fn bad_or_expensive_stored_hashes_verify_nothing() {
        assert!(!verify("x", "not a phc string"));
        assert!(!verify("x", ""));
        let greedy = "$argon2id$v=19$m=4194304,t=2,p=1$c2NvcGVnYXRlc2FsdA$\
                      AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(!verify("x", greedy));
    }

    #[test]
    fn dummy_verify_counts() {
        let before = verifications();
        dummy_verify("whatever");
        assert!(verifications() > before);
    }

    #[test]
    fn password_rule() {
        let cases: Vec<(String, bool)> = vec![
            ("1234567".into(), false),
            ("12345678".into(), true),
            ("é".repeat(8), true),
            ("a".repeat(1024), true),
            ("a".repeat(1025), false),
            (String::new(), false),
        ];
        for (password, ok) in cases {
            assert_eq!(
                validate_password(&password).is_ok(),
                ok,
                "{}",
                password.len()
            );
        }
    }

    /// Prints the cost of one verification (and of the dummy) with the shipped parameters,
    /// interleaved so that both see the same machine load.
    #[test]
    #[ignore = "timing report; run with --release --ignored --nocapture"]
    fn one_verification_takes() {
        let phc = hash("correct horse battery staple").unwrap();
        let (mut real, mut dummy) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let start = std::time::Instant::now();
            assert!(verify("correct horse battery staple", &phc));
            real.push(start.elapsed());
            let start = std::time::Instant::now();
            dummy_verify("correct horse battery staple");
            dummy.push(start.elapsed());
        }
        real.sort();
        dummy.sort();
        println!(
            "argon2id m={M_COST_KIB} KiB t={T_COST} p={P_COST}: verify median {:?} (min {:?}), \
             dummy median {:?} (min {:?})",
            real[10], real[0], dummy[10], dummy[0]
        );
    }
}
