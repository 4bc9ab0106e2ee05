//! How an API-token secret is stored and checked (DESIGN §4.3).
//!
//! Owns the stored form of a secret in `api_tokens.secret_hash`: `sha256$<64 hex digits>`,
//! the SHA-256 digest of the 256-bit random secret, compared in constant time. A secret of
//! that entropy gains nothing from a slow hash, and argon2's ~17 ms per verification made
//! every restart a storm. Values issued by older releases hold an argon2id PHC string
//! (`$argon2id$…`); [`Stored::parse`] recognises them so the caller can verify them once
//! with argon2 and re-store them as a digest.
//!
//! Pure: no I/O, no clock. Must never log, return or compare a secret other than through
//! its digest, and never compare digests with an early exit.

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The prefix of the digest form.
pub const DIGEST_PREFIX: &str = "sha256$";

/// The SHA-256 digest of a presented or generated secret.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// What `secret_hash` holds for a new secret: `sha256$<hex>`.
pub fn stored_form(secret: &str) -> String {
    stored_form_of(&digest(secret))
}

/// The stored form of an already computed digest.
pub fn stored_form_of(digest: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(DIGEST_PREFIX.len() + 64);
    out.push_str(DIGEST_PREFIX);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// A stored `secret_hash`, as read from its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored<'a> {
    /// `sha256$<hex>`: compare digests.
    Digest([u8; 32]),
    /// An argon2id PHC string written by an older release: verify once, then re-store.
    Argon2(&'a str),
    /// Neither: verifies nothing.
    Unreadable,
}

impl<'a> Stored<'a> {
    pub fn parse(stored: &'a str) -> Stored<'a> {
        if let Some(hex) = stored.strip_prefix(DIGEST_PREFIX) {
            return decode_hex(hex).map_or(Stored::Unreadable, Stored::Digest);
        }
        if stored.starts_with("$argon2") {
            return Stored::Argon2(stored);
        }
        Stored::Unreadable
    }
}

fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Whether `presented` (a digest of the presented secret) equals `stored`: every byte is
/// compared whatever the first difference (`subtle`), and both sides always have 32 bytes,
/// so the time taken says nothing about how much of a wrong secret was right.
pub fn matches(presented: &[u8; 32], stored: &[u8; 32]) -> Choice {
    presented.ct_eq(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip_and_are_recognised() {
        let form = stored_form("s3cret");
        assert_eq!(form.len(), DIGEST_PREFIX.len() + 64);
        assert_eq!(Stored::parse(&form), Stored::Digest(digest("s3cret")));
        let cases = [
            ("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "argon2"),
            ("sha256$abc", "unreadable"),
            (&form.to_uppercase()[..], "unreadable"),
            ("", "unreadable"),
            ("plain", "unreadable"),
        ];
        for (stored, kind) in cases {
            let got = match Stored::parse(stored) {
                Stored::Digest(_) => "digest",
                Stored::Argon2(_) => "argon2",
                Stored::Unreadable => "unreadable",
            };
            assert_eq!(got, kind, "{stored}");
        }
    }

    #[test]
    fn digests_compare_in_constant_time_by_type() {
        let right = digest("a");
        let mut first = right;
        first[0] ^= 1;
        let mut last = right;
        last[31] ^= 1;
        // `Choice` is subtle's constant-time boolean: the comparison has no early exit.
        let verdicts: [Choice; 3] = [
            matches(&right, &right),
            matches(&first, &right),
            matches(&last, &right),
        ];
        let verdicts: Vec<bool> = verdicts.iter().map(|c| bool::from(*c)).collect();
        assert_eq!(verdicts, [true, false, false]);
    }
}
