//! JSON Web Tokens: scopegate's own HS256 login tokens, and the claims scopegate reads
//! from any verified token (own or external, see `jwks.rs`).
//!
//! Owns: issuing own tokens (`{iss: "scopegate", sub, acc, iat, nbf, exp}`), verifying
//! them with `jsonwebtoken` (HS256 only: `alg: none` does not even parse and any other
//! algorithm, such as an RS256 header or an HMAC made with an RSA public key, is refused),
//! the time rules (`exp` required, `exp`/`nbf` with a leeway of [`LEEWAY_SECONDS`], against
//! the `now` passed in rather than the library's clock), the `scope` claim as a
//! [`PermissionSet`] restriction, and the forms of `sub`. Must never log a token; errors
//! carry the library's reason only.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::error::AuthnError;
use crate::policy::ids::is_valid_identifier;
use crate::policy::permission::{catalogue, PermissionSet};

/// `iss` of scopegate's own tokens.
pub const OWN_ISSUER: &str = "scopegate";
/// Clock skew tolerated on `exp` and `nbf` (DESIGN §4.3 allows at most 60 s).
pub const LEEWAY_SECONDS: i64 = 30;
/// Longer bearer values are refused before any parsing.
pub const MAX_JWT_LEN: usize = 16 * 1024;

#[derive(Serialize)]
struct OwnClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    acc: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Issues an own HS256 token for `user` of `account`, valid `ttl_seconds` from `now_s`.
/// Returns the token and its expiry in epoch milliseconds.
pub fn issue(
    secret: &[u8],
    account: &str,
    user: &str,
    ttl_seconds: u64,
    now_s: i64,
) -> Result<(String, i64), AuthnError> {
    let exp = now_s.saturating_add(i64::try_from(ttl_seconds).unwrap_or(i64::MAX / 2000));
    let claims = OwnClaims {
        iss: OWN_ISSUER,
        sub: user,
        acc: account,
        iat: now_s,
        nbf: now_s,
        exp,
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| AuthnError::Unavailable(format!("jwt signing failed: {e}")))?;
    Ok((token, exp.saturating_mul(1000)))
}

/// What scopegate reads from a verified token.
#[derive(Deserialize, Debug, Clone)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    /// The account of an own token.
    #[serde(default)]
    pub acc: Option<String>,
    pub exp: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    #[serde(default)]
    scope: Option<ScopeClaim>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
enum ScopeClaim {
    Text(String),
    List(Vec<String>),
}

impl Claims {
    /// The `scope` claim as a restriction: `None` without the claim; unknown identifiers
    /// are dropped, so a claim naming nothing known means "no permissions".
    pub fn restriction(&self) -> Option<PermissionSet> {
        match &self.scope {
            None => None,
            Some(ScopeClaim::Text(text)) => Some(scope_restriction(text)),
            Some(ScopeClaim::List(items)) => Some(scope_restriction(&items.join(" "))),
        }
    }
}

/// A space-separated list of permission identifiers as a set (unknown ones dropped).
pub fn scope_restriction(scope: &str) -> PermissionSet {
    let c = catalogue();
    let mut set = PermissionSet::EMPTY;
    for id in scope.split_ascii_whitespace().filter_map(|p| c.get(p)) {
        set.insert(id);
    }
    set
}

/// Refuses a token past `exp` or before `nbf` at `now_s`, with the leeway.
pub fn check_times(claims: &Claims, now_s: i64) -> Result<(), AuthnError> {
    if claims.exp.saturating_add(LEEWAY_SECONDS) < now_s {
        return Err(AuthnError::unauthorized("jwt: expired"));
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf > now_s.saturating_add(LEEWAY_SECONDS))
    {
        return Err(AuthnError::unauthorized("jwt: not yet valid (nbf)"));
    }
    Ok(())
}

/// The library checks for one algorithm, issuer and required claims; times are ours.
pub(crate) fn validation(alg: Algorithm, issuer: &str, audience: Option<&str>) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[issuer]);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.leeway = 0;
    match audience {
        Some(aud) => {
            v.set_audience(&[aud]);
            v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        }
        None => {
            v.validate_aud = false;
            v.set_required_spec_claims(&["exp", "iss", "sub"]);
        }
    }
    v
}

/// Verifies an own token (HS256 with `key`) and its times.
pub fn verify_own(token: &str, key: &DecodingKey, now_s: i64) -> Result<Claims, AuthnError> {
    let data =
        jsonwebtoken::decode::<Claims>(token, key, &validation(Algorithm::HS256, OWN_ISSUER, None))
            .map_err(|e| describe(&e))?;
    check_times(&data.claims, now_s)?;
    Ok(data.claims)
}

/// The `iss` of an unverified token, to pick the key that will verify it. Nothing else of
/// an unverified token is trusted.
pub fn peek_issuer(token: &str) -> Result<String, AuthnError> {
    #[derive(Deserialize)]
    struct Iss {
        iss: Option<String>,
    }
    if token.len() > MAX_JWT_LEN {
        return Err(AuthnError::unauthorized("jwt: too long"));
    }
    let peek =
        jsonwebtoken::dangerous::insecure_decode_claims::<Iss>(token).map_err(|e| describe(&e))?;
    peek.iss
        .ok_or_else(|| AuthnError::unauthorized("jwt: no `iss` claim"))
}

/// A library error as a refusal with its reason.
pub(crate) fn describe(e: &jsonwebtoken::errors::Error) -> AuthnError {
    let reason = match e.kind() {
        ErrorKind::InvalidSignature => "invalid signature".to_owned(),
        ErrorKind::InvalidAlgorithm => "algorithm not accepted for this key".to_owned(),
        ErrorKind::MissingRequiredClaim(c) => format!("missing `{c}` claim"),
        ErrorKind::InvalidIssuer => "wrong `iss`".to_owned(),
        ErrorKind::InvalidAudience => "wrong `aud`".to_owned(),
        _ => e.to_string(),
    };
    AuthnError::unauthorized(format!("jwt: {reason}"))
}

/// Who `sub` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    User(String),
    UserEmail(String),
    /// An account-level service account.
    ServiceAccount(String),
}

/// `USER:<id>`, `SERVICE_ACCOUNT:<id>`, else a user identifier (or an email for issuers
/// configured with `subject = "email"`).
pub fn parse_subject(sub: &str, by_email: bool) -> Result<Subject, AuthnError> {
    let bad = || AuthnError::unauthorized("jwt: `sub` names no valid principal");
    if let Some(id) = sub.strip_prefix("USER:") {
        return is_valid_identifier(id)
            .then(|| Subject::User(id.to_owned()))
            .ok_or_else(bad);
    }
    if let Some(id) = sub.strip_prefix("SERVICE_ACCOUNT:") {
        return is_valid_identifier(id)
            .then(|| Subject::ServiceAccount(id.to_owned()))
            .ok_or_else(bad);
    }
    if by_email {
        let plausible = sub.len() <= 320 && sub.contains('@') && !sub.contains(char::is_whitespace);
        return plausible
            .then(|| Subject::UserEmail(sub.to_owned()))
            .ok_or_else(bad);
    }
    is_valid_identifier(sub)
        .then(|| Subject::User(sub.to_owned()))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_800_000_000;

    fn key() -> DecodingKey {
        DecodingKey::from_secret(SECRET)
    }

    #[test]
    fn issued_tokens_verify_and_carry_their_claims() {
        let (token, exp_ms) = issue(SECRET, "acme", "alice", 3600, NOW).unwrap();
        assert_eq!(exp_ms, (NOW + 3600) * 1000);
        let claims = verify_own(&token, &key(), NOW).unwrap();
        assert_eq!(
            (claims.iss.as_str(), claims.sub.as_str()),
            ("scopegate", "alice")
        );
        assert_eq!(claims.acc.as_deref(), Some("acme"));
        assert!(claims.restriction().is_none());
        assert_eq!(peek_issuer(&token).unwrap(), "scopegate");
    }

    #[test]
    fn time_rules_use_the_leeway() {
        let (token, _) = issue(SECRET, "acme", "alice", 60, NOW).unwrap();
        let cases = [
            (NOW - LEEWAY_SECONDS, true),
            (NOW - LEEWAY_SECONDS - 1, false),
            (NOW + 60 + LEEWAY_SECONDS, true),
            (NOW + 60 + LEEWAY_SECONDS + 1, false),
        ];
        for (now, ok) in cases {
            assert_eq!(verify_own(&token, &key(), now).is_ok(), ok, "now {now}");
        }
    }

    #[test]
    fn another_secret_fails() {
        let (token, _) = issue(b"another secret of thirty-two bytes", "a", "b", 60, NOW).unwrap();
        let err = verify_own(&token, &key(), NOW).unwrap_err();
        assert_eq!(err.reason(), "jwt: invalid signature");
    }

    #[test]
    fn scope_claims_become_restrictions() {
        let c = catalogue();
        let set = scope_restriction("core_role_view  sei_seiteams_edit nope");
        assert_eq!(set.len(), 2);
        assert!(set.contains(c.get("core_role_view").unwrap()));
        assert!(set.contains(c.get("sei_seiteams_edit").unwrap()));
        assert!(scope_restriction("openid profile").is_empty());
    }

    #[test]
    fn subjects() {
        let cases: Vec<(&str, bool, Option<Subject>)> = vec![
            ("alice", false, Some(Subject::User("alice".into()))),
            ("USER:alice", true, Some(Subject::User("alice".into()))),
            (
                "SERVICE_ACCOUNT:ci-bot",
                false,
                Some(Subject::ServiceAccount("ci-bot".into())),
            ),
            (
                "alice@example.com",
                true,
                Some(Subject::UserEmail("alice@example.com".into())),
            ),
            ("alice@example.com", false, None),
            ("USER:", false, None),
            ("GROUP:x", false, None),
            ("", false, None),
        ];
        for (sub, by_email, expected) in cases {
            assert_eq!(parse_subject(sub, by_email).ok(), expected, "{sub}");
        }
    }
}
