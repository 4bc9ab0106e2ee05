//! Admin API JSON bodies (`admin::body::parse`, DESIGN §4.4/§4.5): the nesting limit, the
//! line and column of syntax errors, unknown and mistyped fields named by their path, for
//! any JSON value and for a few request bodies.
//!
//! Invariants: nothing panics; every refusal is a 400 `INVALID_REQUEST`; the depth counted
//! on the raw bytes is never below the depth of the parsed value; a body is accepted exactly when
//! serde_json accepts it, it is a JSON object (not blank, its first non-blank byte `{`) and
//! nests at most 64 levels; anything else is refused as "must be a JSON object"; a syntax
//! error in an object names serde_json's line and column; a field error carries serde_json's whole
//! explanation (only the position suffix removed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopegate::admin::body::{nesting_depth, parse};
use scopegate::web::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

// The request bodies of a few endpoints (CI's fuzz smoke builds this, so a move shows).
use scopegate::admin::access::acl::AclRequest;
use scopegate::admin::orgs::OrgRequest;
use scopegate::admin::rbac::assignment_body::RoleAssignmentRequest;
use scopegate::admin::rbac::resource_groups::ResourceGroupRequest;
use scopegate::admin::rbac::roles::RoleRequest;

const MAX_DEPTH: usize = 64;

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// serde_json's message without its ` at line L column C` suffix.
fn bare(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

fn check<T: DeserializeOwned>(bytes: &[u8], depth_ok: bool, blank: bool) {
    let ours = parse::<T>(bytes);
    let theirs = serde_json::from_slice::<T>(bytes);
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    match (&ours, &theirs) {
        (Ok(_), Ok(_)) => assert!(depth_ok && !blank && object),
        (Ok(_), Err(e)) => panic!("accepted what serde_json refuses: {e}"),
        (Err(err), _) => {
            assert!(
                matches!(err.code, ErrorCode::InvalidRequest),
                "{}",
                err.message
            );
            if depth_ok && !blank && !object {
                assert!(err.message.contains("JSON object"), "{}", err.message);
                return;
            }
            match &theirs {
                Ok(_) => assert!(!depth_ok || blank, "refused a good body: {}", err.message),
                Err(e) if depth_ok && !blank => {
                    if e.is_syntax() || e.is_eof() {
                        let at = format!("line {}, column {}", e.line(), e.column());
                        assert!(err.message.contains(&at), "{} lacks {at}", err.message);
                    } else {
                        let why = bare(e);
                        assert!(
                            err.message.contains(&why),
                            "{:?} lacks serde_json's {why:?}",
                            err.message
                        );
                    }
                }
                Err(_) => {}
            }
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    let counted = nesting_depth(bytes);
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        // At least the parsed depth (never a way around the limit); more only when a
        // repeated key's deeper value was replaced by a later, shallower one.
        assert!(
            counted >= depth(&v),
            "nesting_depth {counted} is below the parsed depth {}",
            depth(&v)
        );
    }
    let depth_ok = counted <= MAX_DEPTH;
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    if !depth_ok {
        let err = parse::<Value>(bytes).expect_err("too deep is refused");
        assert!(err.message.contains("64"), "{}", err.message);
    }
    check::<Value>(bytes, depth_ok, blank);
    check::<AclRequest>(bytes, depth_ok, blank);
    check::<OrgRequest>(bytes, depth_ok, blank);
    check::<RoleRequest>(bytes, depth_ok, blank);
    check::<ResourceGroupRequest>(bytes, depth_ok, blank);
    check::<RoleAssignmentRequest>(bytes, depth_ok, blank);
});
