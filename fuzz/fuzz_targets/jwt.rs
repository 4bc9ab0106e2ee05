//! JWT header and claims parsing (`authn::jwt`, DESIGN §4.3): scopegate's own HS256 tokens
//! built from fuzzed header and claims JSON and signed with the real key (so the claims
//! are parsed after the signature is accepted), plus arbitrary token text.
//!
//! Invariants: nothing panics; a token is accepted only with `alg: HS256` in its header
//! (never `none`, never another algorithm), `iss = "scopegate"`, an integer `exp` and a
//! `sub`, and only while `exp` (with the leeway) has not passed and `nbf` has; the accepted
//! claims' `scope` restriction and `sub` forms are computed without panicking.
#![no_main]

use arbitrary::Arbitrary;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use libfuzzer_sys::fuzz_target;
use scopegate::authn::jwt::{check_times, parse_subject, peek_issuer, verify_own, LEEWAY_SECONDS};
use serde_json::{json, Map, Value};

const SECRET: &[u8] = b"fuzz-secret-fuzz-secret-fuzz-0123";

#[derive(Arbitrary, Debug)]
enum Scalar {
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Null,
    List(Vec<String>),
}

impl Scalar {
    fn json(&self) -> Value {
        match self {
            Self::Int(i) => json!(i),
            Self::Float(f) => json!(f),
            Self::Text(s) => json!(s),
            Self::Bool(b) => json!(b),
            Self::Null => Value::Null,
            Self::List(l) => json!(l),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Part {
    /// Well-formed fields, some of them fuzzed.
    Fields(Vec<(Key, Scalar)>),
    /// Any text as the segment's JSON.
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Key {
    Alg,
    Typ,
    Kid,
    Iss,
    Sub,
    Acc,
    Exp,
    Nbf,
    Iat,
    Aud,
    Scope,
    Other,
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Self::Alg => "alg",
            Self::Typ => "typ",
            Self::Kid => "kid",
            Self::Iss => "iss",
            Self::Sub => "sub",
            Self::Acc => "acc",
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Aud => "aud",
            Self::Scope => "scope",
            Self::Other => "x",
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    header: Part,
    claims: Part,
    /// Start from `{"alg":"HS256"}` / `{"iss":"scopegate","sub":"alice","exp":now+60}`.
    defaults: bool,
    signed: bool,
    now: i64,
    raw: String,
}

fn segment(part: &Part, base: Map<String, Value>) -> String {
    let text = match part {
        Part::Raw(s) => s.clone(),
        Part::Fields(fields) => {
            let mut map = base;
            for (k, v) in fields.iter().take(12) {
                map.insert(k.name().to_owned(), v.json());
            }
            Value::Object(map).to_string()
        }
    };
    URL_SAFE_NO_PAD.encode(text)
}

fn check(token: &str, now: i64) {
    let _ = peek_issuer(token);
    let header = jsonwebtoken::decode_header(token);
    let key = DecodingKey::from_secret(SECRET);
    if let Ok(claims) = verify_own(token, &key, now) {
        let header = header.expect("an accepted token has a header");
        assert_eq!(header.alg, Algorithm::HS256, "only HS256 is accepted");
        assert_eq!(claims.iss, "scopegate");
        assert!(check_times(&claims, now).is_ok());
        assert!(
            claims.exp.saturating_add(LEEWAY_SECONDS) >= now,
            "expired token accepted"
        );
        if let Some(nbf) = claims.nbf {
            assert!(
                nbf <= now.saturating_add(LEEWAY_SECONDS),
                "token before nbf accepted"
            );
        }
        let _ = claims.restriction();
        let _ = parse_subject(&claims.sub, false);
        let _ = parse_subject(&claims.sub, true);
    }
}

fuzz_target!(|input: Input| {
    let now = input.now.rem_euclid(4_000_000_000);
    let (header_base, claims_base) = if input.defaults {
        let mut h = Map::new();
        h.insert("alg".into(), json!("HS256"));
        let mut c = Map::new();
        c.insert("iss".into(), json!("scopegate"));
        c.insert("sub".into(), json!("alice"));
        c.insert("exp".into(), json!(now + 60));
        (h, c)
    } else {
        (Map::new(), Map::new())
    };
    let message = format!(
        "{}.{}",
        segment(&input.header, header_base),
        segment(&input.claims, claims_base)
    );
    let signature = if input.signed {
        jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(SECRET),
            Algorithm::HS256,
        )
        .expect("HMAC signing")
    } else {
        URL_SAFE_NO_PAD.encode(input.raw.as_bytes())
    };
    check(&format!("{message}.{signature}"), now);
    check(&input.raw, now);
});
