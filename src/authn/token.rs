//! API token values: `pat.<account>.<tokenId>.<secret>` (user) and `sat.…` (service account).
//!
//! Owns: the shape of a token value, parsing it (a wrong prefix or shape is refused here,
//! before any database query), generating new ones from the OS-seeded CSPRNG, and the cache
//! key of a presented value. Must never print a secret: `Debug` redacts it and errors name
//! no part of the value; `Display` writes the whole value and is used exactly once, to show
//! a new token to its owner.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::error::AuthnError;
use crate::policy::ids::is_valid_identifier;
use crate::policy::role::PrincipalType;
use crate::policy::Identifier;

/// Length of a token id: 12 random bytes in base64url without padding.
pub const TOKEN_ID_LEN: usize = 16;
/// Length of a secret: 32 random bytes (256 bits) in base64url without padding.
pub const SECRET_LEN: usize = 43;
const TOKEN_ID_BYTES: usize = 12;
const SECRET_BYTES: usize = 32;
/// `pat` + account (≤ 128) + token id + secret + three dots.
pub const MAX_TOKEN_LEN: usize = 3 + 128 + TOKEN_ID_LEN + SECRET_LEN + 3;

/// Whose token it is, written as the value's prefix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TokenKind {
    /// `pat`: a user's personal access token.
    Pat,
    /// `sat`: a service account token.
    Sat,
}

impl TokenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Pat => "pat",
            Self::Sat => "sat",
        }
    }

    /// The owner type a token of this kind must have.
    pub fn owner_type(self) -> PrincipalType {
        match self {
            Self::Pat => PrincipalType::User,
            Self::Sat => PrincipalType::ServiceAccount,
        }
    }

    /// The kind of token an owner gets; user groups own no tokens.
    pub fn for_owner(owner: PrincipalType) -> Option<Self> {
        match owner {
            PrincipalType::User => Some(Self::Pat),
            PrincipalType::ServiceAccount => Some(Self::Sat),
            PrincipalType::UserGroup => None,
        }
    }
}

/// A parsed or freshly generated token value.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenValue {
    pub kind: TokenKind,
    pub account: String,
    pub token_id: String,
    secret: String,
}

impl TokenValue {
    /// Parses a presented value. Only the shape is checked: no database, no argon2.
    pub fn parse(presented: &str) -> Result<TokenValue, AuthnError> {
        if presented.len() > MAX_TOKEN_LEN {
            return Err(AuthnError::unauthorized("api token: too long"));
        }
        let mut parts = presented.split('.');
        let (Some(prefix), Some(account), Some(token_id), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(AuthnError::unauthorized(
                "api token: not four dot-separated parts",
            ));
        };
        let kind = match prefix {
            "pat" => TokenKind::Pat,
            "sat" => TokenKind::Sat,
            _ => return Err(AuthnError::unauthorized("api token: unknown prefix")),
        };
        if !is_valid_identifier(account) {
            return Err(AuthnError::unauthorized("api token: invalid account"));
        }
        if !is_b64url(token_id, TOKEN_ID_LEN) {
            return Err(AuthnError::unauthorized("api token: malformed token id"));
        }
        if !is_b64url(secret, SECRET_LEN) {
            return Err(AuthnError::unauthorized(format!(
                "api token `{token_id}`: malformed secret"
            )));
        }
        Ok(TokenValue {
            kind,
            account: account.to_owned(),
            token_id: token_id.to_owned(),
            secret: secret.to_owned(),
        })
    }

    /// A new value with a random token id and a 256-bit random secret.
    pub fn generate(kind: TokenKind, account: &Identifier) -> TokenValue {
        TokenValue {
            kind,
            account: account.to_string(),
            token_id: random_b64url::<TOKEN_ID_BYTES>(),
            secret: random_b64url::<SECRET_BYTES>(),
        }
    }

    /// The secret part, to hash or verify. Never log it.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// The whole value, `pat.<account>.<tokenId>.<secret>`: shown once, to the owner.
impl fmt::Display for TokenValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.kind.prefix(),
            self.account,
            self.token_id,
            self.secret
        )
    }
}

impl fmt::Debug for TokenValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenValue")
            .field("kind", &self.kind)
            .field("account", &self.account)
            .field("token_id", &self.token_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The credential cache key of a presented value: SHA-256 of the whole string.
pub fn cache_key(presented: &str) -> [u8; 32] {
    Sha256::digest(presented.as_bytes()).into()
}

fn is_b64url(value: &str, len: usize) -> bool {
    value.len() == len
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn random_b64url<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    // ThreadRng is a ChaCha CSPRNG seeded and periodically reseeded from the OS.
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Identifier {
        Identifier::new("acme").unwrap()
    }

    #[test]
    fn generated_values_round_trip() {
        for kind in [TokenKind::Pat, TokenKind::Sat] {
            let v = TokenValue::generate(kind, &acme());
            assert_eq!(v.token_id.len(), TOKEN_ID_LEN);
            assert_eq!(v.secret().len(), SECRET_LEN);
            let text = v.to_string();
            assert!(text.starts_with(&format!("{}.acme.", kind.prefix())));
            assert_eq!(TokenValue::parse(&text).unwrap(), v);
        }
        let a = TokenValue::generate(TokenKind::Pat, &acme());
        let b = TokenValue::generate(TokenKind::Pat, &acme());
        assert_ne!(a.token_id, b.token_id);
        assert_ne!(a.secret(), b.secret());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let v = TokenValue::generate(TokenKind::Sat, &acme());
        let debug = format!("{v:?}");
        assert!(!debug.contains(v.secret()), "{debug}");
        assert!(debug.contains(&v.token_id) && debug.contains("<redacted>"));
    }

    #[test]
    fn malformed_values_are_refused() {
        let good = TokenValue::generate(TokenKind::Pat, &acme()).to_string();
        let (id, secret) = {
            let v = TokenValue::parse(&good).unwrap();
            (v.token_id.clone(), v.secret().to_owned())
        };
        let cases: Vec<(String, &str)> = vec![
            (format!("xat.acme.{id}.{secret}"), "unknown prefix"),
            (format!("PAT.acme.{id}.{secret}"), "unknown prefix"),
            (format!("pat.acme.{id}"), "not four"),
            (format!("pat.acme.{id}.{secret}.x"), "not four"),
            (format!("pat.1acme.{id}.{secret}"), "invalid account"),
            (format!("pat..{id}.{secret}"), "invalid account"),
            (
                format!("pat.acme.{}.{secret}", &id[1..]),
                "malformed token id",
            ),
            (
                format!("pat.acme.{}+.{secret}", &id[1..]),
                "malformed token id",
            ),
            (
                format!("pat.acme.{id}.{}", &secret[1..]),
                "malformed secret",
            ),
            (
                format!("pat.acme.{id}.{}=", &secret[1..]),
                "malformed secret",
            ),
            ("x".repeat(MAX_TOKEN_LEN + 1), "too long"),
            (String::new(), "not four"),
        ];
        for (value, reason) in cases {
            let err = TokenValue::parse(&value).unwrap_err();
            assert!(err.reason().contains(reason), "{value:?}: {}", err.reason());
            assert!(!err.reason().contains(&secret[1..]), "no secret in reasons");
        }
    }

    #[test]
    fn cache_key_is_sha256_of_the_whole_value() {
        let k = cache_key("abc");
        assert_eq!(
            k[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256(\"abc\") starts ba7816bf"
        );
        assert_ne!(cache_key("pat.a.b.c"), cache_key("pat.a.b.d"));
    }

    #[test]
    fn kinds_match_owner_types() {
        assert_eq!(TokenKind::Pat.owner_type(), PrincipalType::User);
        assert_eq!(
            TokenKind::for_owner(PrincipalType::ServiceAccount),
            Some(TokenKind::Sat)
        );
        assert_eq!(TokenKind::for_owner(PrincipalType::UserGroup), None);
    }
}
