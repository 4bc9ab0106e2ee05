//! Request-path normalization (`policy::route::normalize_path`, DESIGN §4.6 "the normalized
//! path that was authorized"). Invariants on every accepted path: it normalizes to itself,
//! it is plain ASCII starting with `/`, and it contains no `.`/`..` segment, no segment
//! ending in `.`, no `//`, no encoded separator (`%2F`, `%5C`), no encoded dot, percent or
//! semicolon, no raw `\` or `;`, no control character raw or encoded, and every escape is
//! `%` plus two upper-case hex digits standing for a character that is not unreserved.
//! Refusals are errors, never panics, and their message is printable ASCII.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopegate::policy::route::normalize_path;

fuzz_target!(|raw: &str| {
    match normalize_path(raw) {
        Ok(out) => check_normalized(raw, &out),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.bytes().all(|b| (0x20..0x7f).contains(&b)),
                "{raw:?}: message {message:?} is not printable ASCII"
            );
        }
    }
});

fn hex_upper(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn check_normalized(raw: &str, out: &str) {
    assert_eq!(
        normalize_path(out).as_deref(),
        Ok(out),
        "{raw:?} → {out:?} is not a fixpoint"
    );
    assert!(out.starts_with('/'), "{raw:?} → {out:?}: not absolute");
    assert!(out.is_ascii(), "{raw:?} → {out:?}: not ASCII");
    assert!(!out.contains("//"), "{raw:?} → {out:?}: `//`");
    assert!(
        out == "/" || !out.ends_with('/'),
        "{raw:?} → {out:?}: trailing slash"
    );
    for segment in out.split('/').skip(1) {
        assert!(
            segment != "." && segment != ".." && !segment.ends_with('.'),
            "{raw:?} → {out:?}: dot segment {segment:?}"
        );
    }
    let bytes = out.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        assert!(
            b > 0x20 && b != 0x7f && b != b'\\' && b != b';',
            "{raw:?} → {out:?}: raw byte {b:#04x}"
        );
        if b == b'%' {
            let (hi, lo) = match (
                bytes.get(i + 1).copied().and_then(hex_upper),
                bytes.get(i + 2).copied().and_then(hex_upper),
            ) {
                (Some(hi), Some(lo)) => (hi, lo),
                _ => panic!("{raw:?} → {out:?}: escape at {i} is not %XX upper-case"),
            };
            let decoded = (hi << 4) | lo;
            assert!(
                !(decoded < 0x20 || decoded == 0x7f),
                "{raw:?} → {out:?}: encoded control character"
            );
            assert!(
                !matches!(decoded, b'/' | b'\\' | b'.' | b'%' | b';'),
                "{raw:?} → {out:?}: encoded `{}`",
                char::from(decoded)
            );
            assert!(
                !(decoded.is_ascii_alphanumeric() || matches!(decoded, b'-' | b'_' | b'~')),
                "{raw:?} → {out:?}: unreserved `{}` left encoded",
                char::from(decoded)
            );
            i += 3;
        } else {
            i += 1;
        }
    }
}
