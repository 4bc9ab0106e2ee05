//! API-token values and the one-credential rule (`authn::TokenValue::parse`,
//! `authn::credential::{extract, requested_account}`, DESIGN §4.3).
//!
//! Invariants: parsing never panics; an accepted value prints back exactly as presented
//! (so the cache key and the stored id describe the same credential), has the `pat`/`sat`
//! prefix, a valid account identifier, a 16-character token id and a 43-character secret;
//! `Debug` and every refusal reason leave the secret out. Header extraction never panics,
//! refuses two credentials, and hands over exactly the presented token text.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scopegate::authn::credential::{extract, requested_account, Credential};
use scopegate::authn::token::{TokenValue, SECRET_LEN, TOKEN_ID_LEN};
use scopegate::policy::ids::is_valid_identifier;

#[derive(Arbitrary, Debug)]
enum Name {
    ApiKey,
    Authorization,
    Account,
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    value: String,
    headers: Vec<(Name, Vec<u8>)>,
}

fuzz_target!(|input: Input| {
    check_value(&input.value);

    let names: Vec<String> = input
        .headers
        .iter()
        .take(6)
        .map(|(n, _)| match n {
            Name::ApiKey => "X-Api-Key".to_owned(),
            Name::Authorization => "authorization".to_owned(),
            Name::Account => "Harness-Account".to_owned(),
            Name::Other(s) => s.clone(),
        })
        .collect();
    let headers: Vec<(&str, &[u8])> = names
        .iter()
        .zip(input.headers.iter())
        .map(|(n, (_, v))| (n.as_str(), v.as_slice()))
        .collect();
    let credentials = headers
        .iter()
        .filter(|(n, _)| {
            n.eq_ignore_ascii_case("x-api-key") || n.eq_ignore_ascii_case("authorization")
        })
        .count();
    match extract(&headers) {
        Ok(None) => assert_eq!(credentials, 0),
        Ok(Some(c)) => {
            assert_eq!(credentials, 1, "one credential only");
            let (text, debug) = match &c {
                Credential::ApiKey(t) => (t, "ApiKey(<redacted>)"),
                Credential::Bearer(t) => (t, "Bearer(<redacted>)"),
            };
            assert!(!text.is_empty() && text.bytes().all(|b| (0x20..0x7f).contains(&b)));
            assert!(!text.starts_with(' ') && !text.ends_with(' '));
            assert_eq!(format!("{c:?}"), debug, "Debug is redacted");
            if let Credential::ApiKey(t) = &c {
                check_value(t);
            }
        }
        Err(_) => assert!(credentials >= 1),
    }
    if let Ok(Some(account)) = requested_account(&headers) {
        assert!(is_valid_identifier(&account));
    }
});

fn check_value(value: &str) {
    match TokenValue::parse(value) {
        Ok(t) => {
            assert_eq!(t.to_string(), value, "a parsed value prints as presented");
            assert!(value.starts_with("pat.") || value.starts_with("sat."));
            assert!(is_valid_identifier(&t.account));
            assert_eq!(t.token_id.len(), TOKEN_ID_LEN);
            assert_eq!(t.secret().len(), SECRET_LEN);
            assert!(
                !format!("{t:?}").contains(t.secret()),
                "Debug shows the secret"
            );
        }
        Err(e) => {
            // No 43-character piece of the value (a secret) may appear in the reason.
            let reason = e.reason();
            for secret in value.split('.').filter(|p| p.len() >= SECRET_LEN) {
                assert!(!reason.contains(secret), "reason {reason:?} shows a secret");
            }
        }
    }
}
