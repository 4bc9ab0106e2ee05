//! The hasher of the credential cache, whose keys are SHA-256 digests of presented values
//! already (`authn::token::cache_key`). Pure; must never be used for keys that an
//! attacker can choose freely without that digest in between.

/// Hashes the credential cache's keys, which are SHA-256 digests already: their first
/// eight bytes are as good a hash as any, and cheaper than SipHash over 32 (moka's default).
#[derive(Clone, Copy, Default)]
pub struct DigestKey;

impl std::hash::BuildHasher for DigestKey {
    type Hasher = DigestKeyHasher;
    fn build_hasher(&self) -> DigestKeyHasher {
        DigestKeyHasher(0)
    }
}

/// See [`DigestKey`]: folds the bytes it is given into a `u64`, eight at a time.
#[derive(Default)]
pub struct DigestKeyHasher(u64);

impl std::hash::Hasher for DigestKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }
}
