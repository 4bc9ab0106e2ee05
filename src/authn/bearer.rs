//! Authenticating an `Authorization: Bearer` JWT: the verified-claims cache, then
//! signature and claims (`jwt.rs` for own tokens, `jwks.rs` for external issuers), then the
//! principal in the database.
//!
//! Owns: which account a token acts in (own tokens: `acc`, which must equal a requested
//! `Harness-Account`; external tokens: `acc` when present, else the requested
//! `Harness-Account`, else the issuer's only account, always one of the issuer's
//! `accounts`; a token naming an account its issuer is not bound to is refused), and the
//! cache keyed by SHA-256 of the token. A hit re-checks `exp`
//! (with leeway), a reloaded JWKS (verify again) and the credentials epoch (on change the
//! principal must still exist and be enabled). Must never trust a claim before the
//! signature is verified, or log the token.

use std::sync::Arc;

use super::error::{untrusted, AuthnError};
use super::jwt::{parse_subject, peek_issuer, verify_own, LEEWAY_SECONDS, MAX_JWT_LEN, OWN_ISSUER};
use super::lookup;
use super::token::cache_key;
use super::{Authenticated, Authenticator, CredentialVia};
use crate::policy::Identifier;

/// Verified claims of one token, as a principal.
pub(super) struct CachedJwt {
    authenticated: Authenticated,
    account: Identifier,
    /// The account came from `Harness-Account`: the entry serves only that account.
    account_from_request: bool,
    exp_s: i64,
    epoch: u64,
    /// External tokens: the issuer's index and its key generation at verification.
    issuer: Option<(usize, u64)>,
}

/// What a cache hit decided.
enum Hit {
    Answer(Result<Authenticated, AuthnError>),
    VerifyAgain,
}

impl Authenticator {
    pub(super) async fn authenticate_jwt(
        &self,
        token: &str,
        requested: Option<&str>,
        now_ms: i64,
    ) -> Result<Authenticated, AuthnError> {
        if token.len() > MAX_JWT_LEN {
            return Err(AuthnError::unauthorized("jwt: too long"));
        }
        let key = cache_key(token);
        if let Some(hit) = self.jwts.get(&key) {
            if let Hit::Answer(answer) = self.jwt_hit(key, &hit, requested, now_ms).await {
                return answer;
            }
        }
        self.count(false);
        let now_s = now_ms.div_euclid(1000);
        let iss = peek_issuer(token)?;
        let (claims, issuer) = if iss == OWN_ISSUER {
            let hs256 = self.hs256.as_ref().ok_or_else(|| {
                AuthnError::unauthorized("jwt: own tokens need a configured secret")
            })?;
            (verify_own(token, &hs256.decoding, now_s)?, None)
        } else {
            let (index, issuer) = self
                .issuers
                .iter()
                .enumerate()
                .find(|(_, i)| *i.issuer == *iss)
                .ok_or_else(|| {
                    AuthnError::unauthorized(format!("jwt: unknown issuer {}", untrusted(&iss)))
                })?;
            issuer.refresh(now_ms);
            let generation = issuer.generation();
            let header =
                jsonwebtoken::decode_header(token).map_err(|e| super::jwt::describe(&e))?;
            let claims = issuer.verify(token, header.kid.as_deref(), now_s)?;
            (claims, Some((index, generation)))
        };
        let external = issuer.and_then(|(i, _)| self.issuers.get(i));
        let claimed = claims
            .acc
            .as_deref()
            .map(|a| {
                Identifier::new(a).map_err(|_| AuthnError::unauthorized("jwt: invalid `acc` claim"))
            })
            .transpose()?;
        let (account, account_from_request) = match external {
            None => (
                claimed.ok_or_else(|| AuthnError::unauthorized("jwt: no valid `acc` claim"))?,
                false,
            ),
            Some(i) => external_account(&i.accounts, claimed, requested)?,
        };
        if requested.is_some_and(|r| r != account.as_str()) {
            return Err(AuthnError::unauthorized(
                "jwt: account differs from Harness-Account",
            ));
        }
        let subject = parse_subject(&claims.sub, external.is_some_and(|i| i.by_email))?;
        let epoch = self.watch.credentials(account.as_str());
        let acct = account.clone();
        let principal = self
            .blocking_db(move |c| lookup::resolve_subject(c, &acct, &subject))
            .await?
            .map_err(|why| AuthnError::unauthorized(format!("jwt: {why}")))?;
        let via = match external {
            None => CredentialVia::OwnJwt,
            Some(i) => CredentialVia::ExternalJwt {
                issuer: i.issuer.clone(),
            },
        };
        let authenticated = Authenticated {
            principal,
            restriction: claims.restriction(),
            via,
        };
        let entry = CachedJwt {
            authenticated: authenticated.clone(),
            account,
            account_from_request,
            exp_s: claims.exp,
            epoch,
            issuer,
        };
        self.jwts.insert(key, Arc::new(entry));
        Ok(authenticated)
    }

    async fn jwt_hit(
        &self,
        key: [u8; 32],
        hit: &CachedJwt,
        requested: Option<&str>,
        now_ms: i64,
    ) -> Hit {
        let refuse = |r: &str| Hit::Answer(Err(AuthnError::unauthorized(format!("jwt: {r}"))));
        let same_account = requested.is_none_or(|r| r == hit.account.as_str());
        if hit.account_from_request {
            if requested.is_none() || !same_account {
                return Hit::VerifyAgain;
            }
        } else if !same_account {
            return refuse("account differs from Harness-Account");
        }
        if hit.exp_s.saturating_add(LEEWAY_SECONDS) < now_ms.div_euclid(1000) {
            self.jwts.invalidate(&key);
            return refuse("expired");
        }
        if let Some((index, generation)) = hit.issuer {
            let Some(issuer) = self.issuers.get(index) else {
                return Hit::VerifyAgain;
            };
            issuer.refresh(now_ms);
            if issuer.generation() != generation {
                self.jwts.invalidate(&key);
                return Hit::VerifyAgain;
            }
        }
        let epoch = self.watch.credentials(hit.account.as_str());
        if epoch == hit.epoch {
            self.count(true);
            return Hit::Answer(Ok(hit.authenticated.clone()));
        }
        self.count(false);
        let principal = hit.authenticated.principal.clone();
        match self
            .blocking_db(move |c| lookup::status(c, &principal))
            .await
        {
            Err(e) => Hit::Answer(Err(e)),
            Ok(Err(why)) => {
                self.jwts.invalidate(&key);
                refuse(why)
            }
            Ok(Ok(())) => {
                let refreshed = CachedJwt {
                    authenticated: hit.authenticated.clone(),
                    account: hit.account.clone(),
                    account_from_request: hit.account_from_request,
                    exp_s: hit.exp_s,
                    epoch,
                    issuer: hit.issuer,
                };
                self.jwts.insert(key, Arc::new(refreshed));
                Hit::Answer(Ok(hit.authenticated.clone()))
            }
        }
    }
}

/// The account an external issuer's token acts in: its `acc` claim, else the requested
/// `Harness-Account`, else the issuer's only account; in every case one the issuer is
/// bound to (`auth.issuers[].accounts`). `true` when the request chose it.
fn external_account(
    accounts: &[Identifier],
    claimed: Option<Identifier>,
    requested: Option<&str>,
) -> Result<(Identifier, bool), AuthnError> {
    let (account, from_request) = match (claimed, requested, accounts) {
        (Some(acc), _, _) => (acc, false),
        (None, _, [only]) => (only.clone(), false),
        (None, Some(r), _) => (
            Identifier::new(r)
                .map_err(|_| AuthnError::unauthorized("jwt: invalid Harness-Account"))?,
            true,
        ),
        (None, None, _) => {
            return Err(AuthnError::unauthorized(
                "jwt: the issuer serves several accounts; Harness-Account is required",
            ))
        }
    };
    if !accounts.iter().any(|a| a.same(&account)) {
        return Err(AuthnError::unauthorized(format!(
            "jwt: the issuer is not bound to account `{account}`"
        )));
    }
    Ok((account, from_request))
}
