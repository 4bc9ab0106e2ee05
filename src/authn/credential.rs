//! Finding the one credential of a request in its raw headers.
//!
//! Owns: DESIGN §4.3's "one credential per request": `x-api-key` or `Authorization: Bearer`,
//! each at most once, never both; and the `Harness-Account` header. Works on raw
//! `(name, value)` pairs so it knows no HTTP framework. Must never read cookies or the
//! query string, and never print a credential (`Debug` of [`Credential`] is redacted).

use std::fmt;

use super::error::AuthnError;
use crate::policy::ids::is_valid_identifier;

/// The header names this module reads (lower case).
pub const API_KEY_HEADER: &str = "x-api-key";
pub const AUTHORIZATION_HEADER: &str = "authorization";
pub const ACCOUNT_HEADER: &str = "harness-account";

/// A credential as presented, not yet checked.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// `x-api-key: pat.…` or `sat.…`.
    ApiKey(String),
    /// `Authorization: Bearer <jwt>`.
    Bearer(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// The request's credential: `Ok(None)` when it has none, `Err` when it has one that is
/// malformed or more than one.
pub fn extract(headers: &[(&str, &[u8])]) -> Result<Option<Credential>, AuthnError> {
    let mut api_key: Option<&[u8]> = None;
    let mut authorization: Option<&[u8]> = None;
    for (name, value) in headers {
        let slot = if name.eq_ignore_ascii_case(API_KEY_HEADER) {
            &mut api_key
        } else if name.eq_ignore_ascii_case(AUTHORIZATION_HEADER) {
            &mut authorization
        } else {
            continue;
        };
        if slot.replace(value).is_some() {
            return Err(AuthnError::TwoCredentials);
        }
    }
    match (api_key, authorization) {
        (Some(_), Some(_)) => Err(AuthnError::TwoCredentials),
        (Some(value), None) => Ok(Some(Credential::ApiKey(
            token_text(value, "x-api-key")?.to_owned(),
        ))),
        (None, Some(value)) => {
            let text = token_text(value, "authorization")?;
            let (scheme, rest) = text.split_once(' ').ok_or_else(|| {
                AuthnError::unauthorized("authorization: expected `Bearer <token>`")
            })?;
            if !scheme.eq_ignore_ascii_case("bearer") {
                return Err(AuthnError::unauthorized(
                    "authorization: only the Bearer scheme is accepted",
                ));
            }
            let token = rest.trim_start_matches(' ');
            if token.is_empty() || token.contains(' ') {
                return Err(AuthnError::unauthorized(
                    "authorization: expected `Bearer <token>`",
                ));
            }
            Ok(Some(Credential::Bearer(token.to_owned())))
        }
        (None, None) => Ok(None),
    }
}

/// The account the request names in `Harness-Account`, if any.
pub fn requested_account(headers: &[(&str, &[u8])]) -> Result<Option<String>, AuthnError> {
    let mut found: Option<&[u8]> = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case(ACCOUNT_HEADER) && found.replace(value).is_some() {
            return Err(AuthnError::DuplicateAccountHeader);
        }
    }
    let Some(value) = found else {
        return Ok(None);
    };
    match std::str::from_utf8(value) {
        Ok(text) if is_valid_identifier(text.trim()) => Ok(Some(text.trim().to_owned())),
        _ => Err(AuthnError::InvalidInput(
            "`Harness-Account` is not a valid account identifier".to_owned(),
        )),
    }
}

/// A header value as visible ASCII text without surrounding blanks.
fn token_text<'a>(value: &'a [u8], header: &str) -> Result<&'a str, AuthnError> {
    let text = std::str::from_utf8(value)
        .map_err(|_| AuthnError::unauthorized(format!("{header}: not UTF-8")))?
        .trim_matches(|c| c == ' ' || c == '\t');
    if text.is_empty() {
        return Err(AuthnError::unauthorized(format!("{header}: empty")));
    }
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(AuthnError::unauthorized(format!(
            "{header}: control or non-ASCII characters"
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outcome = Result<Option<Credential>, &'static str>;

    fn run(headers: &[(&str, &str)]) -> Outcome {
        let raw: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
        extract(&raw).map_err(|e| match e {
            AuthnError::TwoCredentials => "two",
            AuthnError::Unauthorized(_) => "unauthorized",
            _ => "other",
        })
    }

    #[test]
    fn one_credential_per_request() {
        let key = || Ok(Some(Credential::ApiKey("pat.a.b.c".into())));
        let bearer = || Ok(Some(Credential::Bearer("e.y.j".into())));
        let cases: Vec<(Vec<(&str, &str)>, Outcome)> = vec![
            (vec![], Ok(None)),
            (vec![("cookie", "x-api-key=pat.a.b.c")], Ok(None)),
            (vec![("x-api-key", "pat.a.b.c")], key()),
            (vec![("X-API-KEY", " pat.a.b.c ")], key()),
            (vec![("authorization", "Bearer e.y.j")], bearer()),
            (vec![("Authorization", "bearer   e.y.j")], bearer()),
            (vec![("authorization", "BEARER e.y.j")], bearer()),
            (
                vec![
                    ("x-api-key", "pat.a.b.c"),
                    ("authorization", "Bearer e.y.j"),
                ],
                Err("two"),
            ),
            (
                vec![("x-api-key", "pat.a.b.c"), ("X-Api-Key", "pat.a.b.c")],
                Err("two"),
            ),
            (
                vec![("authorization", "Bearer a"), ("authorization", "Bearer b")],
                Err("two"),
            ),
            (
                vec![("authorization", "Basic dXNlcjpwYXNz")],
                Err("unauthorized"),
            ),
            (vec![("authorization", "Bearer")], Err("unauthorized")),
            (vec![("authorization", "Bearer ")], Err("unauthorized")),
            (vec![("authorization", "Bearer a b")], Err("unauthorized")),
            (vec![("x-api-key", "")], Err("unauthorized")),
            (vec![("x-api-key", "pat\u{7f}")], Err("unauthorized")),
        ];
        for (headers, expected) in cases {
            assert_eq!(run(&headers), expected, "{headers:?}");
        }
    }

    #[test]
    fn non_utf8_values_are_refused() {
        let raw: [(&str, &[u8]); 1] = [("x-api-key", &[0xff, 0xfe])];
        assert!(matches!(extract(&raw), Err(AuthnError::Unauthorized(_))));
    }

    #[test]
    fn debug_redacts() {
        let c = Credential::ApiKey("pat.acme.id.supersecret".into());
        assert_eq!(format!("{c:?}"), "ApiKey(<redacted>)");
    }

    #[test]
    fn harness_account_header() {
        let run = |headers: &[(&str, &str)]| {
            let raw: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
            requested_account(&raw)
        };
        assert_eq!(run(&[]).unwrap(), None);
        assert_eq!(
            run(&[("Harness-Account", "acme")]).unwrap(),
            Some("acme".into())
        );
        assert!(matches!(
            run(&[("harness-account", "acme"), ("HARNESS-ACCOUNT", "acme")]),
            Err(AuthnError::DuplicateAccountHeader)
        ));
        assert!(matches!(
            run(&[("harness-account", "not/valid")]),
            Err(AuthnError::InvalidInput(_))
        ));
    }
}
