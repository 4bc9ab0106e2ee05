//! External identity providers: their JWKS files and the verification of their tokens.
//!
//! Owns: one [`ExternalIssuer`] per `[[auth.issuers]]` entry: the issuer's public keys
//! (RSA → RS256, EC P-256 → ES256; other key types are skipped with a warning), found by
//! `kid`; the check of `iss`, `aud`, `exp`, `nbf` and the algorithm (the key decides it:
//! an HS256 header on an RSA key is refused, so an RSA public key can never serve as an
//! HMAC secret). The JWKS file is read at start-up (a missing or empty file is a config
//! error) and re-read when its modification time or size changes, looked at no more than
//! once per second; a bad new file keeps the old keys and logs a warning. Each successful
//! reload bumps a generation so cached tokens of the old keys are verified again. Must
//! never fetch keys over the network or trust anything of a token before its signature.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::error::{untrusted, AuthnError};
use super::jwt::{check_times, describe, validation, Claims};
use crate::config::IssuerConfig;
use crate::policy::Identifier;

/// The file is looked at no more often than this.
const RECHECK_MS: i64 = 1000;
const MAX_JWKS_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

struct IssuerKey {
    key: DecodingKey,
    alg: Algorithm,
}

struct KeySet {
    stamp: FileStamp,
    generation: u64,
    keys: HashMap<String, IssuerKey>,
}

/// One configured external issuer with its current keys.
pub struct ExternalIssuer {
    pub issuer: Arc<str>,
    pub audience: String,
    /// The accounts this issuer's tokens may act for (never empty).
    pub accounts: Vec<Identifier>,
    /// `sub` is an email rather than a user identifier.
    pub by_email: bool,
    path: PathBuf,
    keys: ArcSwap<KeySet>,
    last_check_ms: AtomicI64,
}

impl ExternalIssuer {
    /// Validates the config entry and loads its JWKS file.
    pub fn new(config: &IssuerConfig) -> Result<Self, AuthnError> {
        let what = |m: String| AuthnError::Config(format!("issuer `{}`: {m}", config.issuer));
        let accounts = config
            .accounts
            .iter()
            .map(|a| Identifier::new(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| what(e.to_string()))?;
        if accounts.is_empty() {
            return Err(what("`accounts` must list at least one account".to_owned()));
        }
        let by_email = match config.subject.as_deref() {
            None | Some("identifier") => false,
            Some("email") => true,
            Some(other) => {
                return Err(what(format!(
                    "subject `{other}`: expected `identifier` or `email`"
                )))
            }
        };
        if config.issuer.is_empty() || config.audience.is_empty() {
            return Err(what("issuer and audience must not be empty".to_owned()));
        }
        let (stamp, keys) = load(&config.jwks_file).map_err(what)?;
        Ok(Self {
            issuer: Arc::from(config.issuer.as_str()),
            audience: config.audience.clone(),
            accounts,
            by_email,
            path: config.jwks_file.clone(),
            keys: ArcSwap::from_pointee(KeySet {
                stamp,
                generation: 0,
                keys,
            }),
            last_check_ms: AtomicI64::new(i64::MIN),
        })
    }

    /// Re-reads the JWKS file if it changed; looks at most once per [`RECHECK_MS`].
    pub fn refresh(&self, now_ms: i64) {
        let last = self.last_check_ms.load(Ordering::Acquire);
        if now_ms.saturating_sub(last) < RECHECK_MS
            || self
                .last_check_ms
                .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        let current = self.keys.load();
        match stamp_of(&self.path) {
            Ok(stamp) if stamp == current.stamp => {}
            Ok(_) => match load(&self.path) {
                Ok((stamp, keys)) => {
                    tracing::info!(issuer = %self.issuer, keys = keys.len(), "JWKS reloaded");
                    self.keys.store(Arc::new(KeySet {
                        stamp,
                        generation: current.generation + 1,
                        keys,
                    }));
                }
                Err(e) => {
                    tracing::warn!(issuer = %self.issuer, error = %e, "JWKS reload failed, keeping the old keys");
                }
            },
            Err(e) => {
                tracing::warn!(issuer = %self.issuer, error = %e, "JWKS file unreadable, keeping the old keys");
            }
        }
    }

    /// Changes each time new keys are loaded.
    pub fn generation(&self) -> u64 {
        self.keys.load().generation
    }

    /// Verifies `token` (signed with the key named by `kid`) and its times at `now_s`.
    pub fn verify(&self, token: &str, kid: Option<&str>, now_s: i64) -> Result<Claims, AuthnError> {
        let kid = kid.ok_or_else(|| AuthnError::unauthorized("jwt: no `kid` in the header"))?;
        let keys = self.keys.load();
        let key = keys.keys.get(kid).ok_or_else(|| {
            AuthnError::unauthorized(format!(
                "jwt: unknown kid {} for `{}`",
                untrusted(kid),
                self.issuer
            ))
        })?;
        let v = validation(key.alg, &self.issuer, Some(&self.audience));
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &v).map_err(|e| describe(&e))?;
        check_times(&data.claims, now_s)?;
        Ok(data.claims)
    }
}

impl std::fmt::Debug for ExternalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalIssuer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("accounts", &self.accounts)
            .field("jwks_file", &self.path)
            .field("keys", &self.keys.load().keys.len())
            .finish()
    }
}

fn stamp_of(path: &Path) -> Result<FileStamp, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
    Ok(FileStamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// Reads a JWKS file into its usable keys (at least one).
fn load(path: &Path) -> Result<(FileStamp, HashMap<String, IssuerKey>), String> {
    let stamp = stamp_of(path)?;
    if stamp.len > MAX_JWKS_BYTES {
        return Err(format!("`{}` is larger than 1 MiB", path.display()));
    }
    let text = std::fs::read(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| format!("`{}` is not JSON: {e}", path.display()))?;
    let entries = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| format!("`{}` has no `keys` array", path.display()))?;
    let mut keys = HashMap::new();
    for entry in entries {
        match key_of(entry) {
            Ok((kid, key)) => {
                keys.insert(kid, key);
            }
            Err(why) => tracing::warn!(file = %path.display(), "JWKS key skipped: {why}"),
        }
    }
    if keys.is_empty() {
        return Err(format!(
            "`{}` holds no usable RS256 or ES256 key",
            path.display()
        ));
    }
    Ok((stamp, keys))
}

fn key_of(entry: &serde_json::Value) -> Result<(String, IssuerKey), String> {
    let jwk: Jwk = serde_json::from_value(entry.clone()).map_err(|e| e.to_string())?;
    let kid = jwk.common.key_id.clone().ok_or("no `kid`")?;
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return Err(format!("`{kid}` is not a signing key"));
    }
    let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256))
            if p.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        _ => return Err(format!("`{kid}`: only RSA/RS256 and EC P-256/ES256 keys")),
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("`{kid}`: {e}"))?;
    Ok((kid, IssuerKey { key, alg }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(file: &str) -> IssuerConfig {
        IssuerConfig {
            issuer: "https://idp.example".into(),
            audience: "scopegate".into(),
            jwks_file: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/authn")
                .join(file),
            accounts: vec!["acme".into()],
            subject: None,
        }
    }

    #[test]
    fn fixture_keys_load() {
        let issuer = ExternalIssuer::new(&config("jwks.json")).unwrap();
        let keys = issuer.keys.load();
        assert_eq!(keys.keys["rsa-1"].alg, Algorithm::RS256);
        assert_eq!(keys.keys["ec-1"].alg, Algorithm::ES256);
    }

    #[test]
    fn bad_configs_are_refused() {
        let missing = config("nope.json");
        assert!(matches!(
            ExternalIssuer::new(&missing),
            Err(AuthnError::Config(_))
        ));
        let not_jwks = config("rsa1_public.pem");
        assert!(ExternalIssuer::new(&not_jwks).is_err());
        let mut subject = config("jwks.json");
        subject.subject = Some("uid".into());
        assert!(ExternalIssuer::new(&subject).is_err());
    }

    #[test]
    fn unusable_keys_are_skipped() {
        let cases = [
            serde_json::json!({"kty": "oct", "kid": "h", "k": "c2VjcmV0"}),
            serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
            serde_json::json!({"kty": "RSA", "kid": "r", "alg": "RS512", "n": "AQAB", "e": "AQAB"}),
            serde_json::json!({"kty": "RSA", "kid": "r", "use": "enc", "n": "AQAB", "e": "AQAB"}),
        ];
        for case in cases {
            assert!(key_of(&case).is_err(), "{case}");
        }
    }
}
