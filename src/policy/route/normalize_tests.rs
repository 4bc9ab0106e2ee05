//! Tests of [`normalize_path`](super::normalize_path): one row per rule, regressions named
//! after the traversal and smuggling classes they guard against, and property tests that
//! the output is a fixpoint free of traversal and encoded separators.

use proptest::prelude::*;

use super::*;

fn ok(raw: &str, expected: &str) {
    assert_eq!(
        normalize_path(raw).as_deref(),
        Ok(expected),
        "input {raw:?}"
    );
}

fn err(raw: &str, expected: PathError) {
    assert_eq!(normalize_path(raw), Err(expected), "input {raw:?}");
}

fn s(text: &str) -> String {
    text.to_owned()
}

#[test]
fn one_row_per_rule() {
    // rule 1: absolute
    err("", PathError::NotAbsolute);
    err("v1/teams", PathError::NotAbsolute);
    ok("/", "/");
    // rule 2: percent-encoding
    ok("/v1/%74eam%5F%7e%2D", "/v1/team_~-");
    err("/v1/%2e", PathError::EncodedDot(s("%2e")));
    err("/v1/a%2Fb", PathError::EncodedSlash(s("%2F")));
    err("/v1/a%5cb", PathError::Backslash(s("%5c")));
    err("/v1/a%00", PathError::ControlCharacter(s("%00")));
    err("/v1/a%0d%0a", PathError::ControlCharacter(s("%0D")));
    err("/v1/%7F", PathError::ControlCharacter(s("%7F")));
    err("/v1/a%252e", PathError::EncodedPercent(s("%25")));
    err("/v1/a%3b", PathError::MatrixParameter(s("%3b")));
    ok("/v1/a%20b%c3%a9%21", "/v1/a%20b%C3%A9%21");
    err("/v1/a%", PathError::BadPercentEncoding(s("%")));
    err("/v1/a%4", PathError::BadPercentEncoding(s("%4")));
    err("/v1/a%zz", PathError::BadPercentEncoding(s("%zz")));
    err("/v1/%\u{e9}", PathError::BadPercentEncoding(s("%%C3%A9")));
    err("/v1/%ff", PathError::NotUtf8(s("%FF")));
    err("/v1/%c3", PathError::NotUtf8(s("%C3")));
    err("/v1/%c3%41", PathError::NotUtf8(s("%C3")));
    err("/v1/%c3\u{e9}", PathError::NotUtf8(s("%C3%C3")));
    // rule 3: raw characters
    err("/v1/a\u{0}", PathError::ControlCharacter(s("%00")));
    err("/v1/a\tb", PathError::ControlCharacter(s("%09")));
    err("/v1/a\u{7f}", PathError::ControlCharacter(s("%7F")));
    err("/v1/a\\b", PathError::Backslash(s("\\")));
    err("/v1/a;b", PathError::MatrixParameter(s(";")));
    ok("/v1/caf\u{e9}", "/v1/caf%C3%A9");
    ok(
        "/v1/a b\"<>[]^`{|}#?",
        "/v1/a%20b%22%3C%3E%5B%5D%5E%60%7B%7C%7D%23%3F",
    );
    ok("/v1/a.b-c_d~e!$&'()*+,=:@", "/v1/a.b-c_d~e!$&'()*+,=:@");
    // rule 4: dot segments
    err("/v1/.", PathError::DotSegment(s(".")));
    err("/v1/../admin", PathError::DotSegment(s("..")));
    err("/v1/admin.", PathError::TrailingDot(s("admin.")));
    err("/v1/...", PathError::TrailingDot(s("...")));
    ok("/v1/.well-known/a..b", "/v1/.well-known/a..b");
    // rule 5: empty segments
    err("//v1", PathError::DoubleSlash);
    err("/v1//teams", PathError::DoubleSlash);
    err("/v1/teams//", PathError::DoubleSlash);
    ok("/v1/teams/", "/v1/teams");
    // rule 6: case
    ok("/V1/Teams/%4a", "/V1/Teams/J");
}

#[test]
fn cve_2026_33494_traversal_past_a_public_prefix() {
    err("/public/../admin", PathError::DotSegment(s("..")));
    err("/public/%2e%2e/admin", PathError::EncodedDot(s("%2e")));
    err("/public/.%2e/admin", PathError::EncodedDot(s("%2e")));
}

#[test]
fn encoded_traversal() {
    err("/public/%2e%2e%2fadmin", PathError::EncodedDot(s("%2e")));
    err("/public/..%2fadmin", PathError::EncodedSlash(s("%2f")));
}

#[test]
fn double_encoded_traversal() {
    err(
        "/public/%252e%252e/admin",
        PathError::EncodedPercent(s("%25")),
    );
    err("/public/%252fadmin", PathError::EncodedPercent(s("%25")));
}

#[test]
fn double_slash() {
    err("//admin", PathError::DoubleSlash);
}

#[test]
fn trailing_dot() {
    err("/admin.", PathError::TrailingDot(s("admin.")));
}

#[test]
fn matrix_parameters() {
    err("/admin;jsessionid=x", PathError::MatrixParameter(s(";")));
}

#[test]
fn backslash_traversal() {
    err("/public\\..\\admin", PathError::Backslash(s("\\")));
}

#[test]
fn nul_byte() {
    err("/admin%00.json", PathError::ControlCharacter(s("%00")));
}

#[test]
fn messages_are_lowercase_and_name_the_input() {
    let e = normalize_path("/a%0a").unwrap_err();
    assert_eq!(
        e.to_string(),
        "control character `%0A` is not allowed in a path"
    );
    let e = normalize_path("/a/..").unwrap_err();
    assert_eq!(e.to_string(), "dot segment `..` is not allowed in a path");
}

const TOKENS: &[&str] = &[
    "/",
    "/",
    "/",
    "a",
    "B",
    "z9",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2F",
    "%2f",
    "%5C",
    "%5c",
    "%00",
    "%0a",
    "%25",
    "%3B",
    "%3b",
    "%41",
    "%7e",
    "%c3%a9",
    "%C3",
    "%A9",
    "%e2%82%ac",
    "%zz",
    "%",
    "%4",
    ";",
    "\\",
    "\u{0}",
    "\n",
    "\u{7f}",
    "\u{e9}",
    "\u{20ac}",
    " ",
    "~",
    "-",
    "_",
    "{",
    "}",
    "?",
    "#",
    "!",
    "=",
    "@",
    ":",
    "%20",
    "%21",
];

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..14).prop_map(|t| t.concat())
}

fn check_output(out: &str) {
    assert_eq!(normalize_path(out).as_deref(), Ok(out), "not a fixpoint");
    assert!(out.starts_with('/'));
    assert!(out.is_ascii());
    assert!(!out.contains("//"));
    assert!(out == "/" || !out.ends_with('/'));
    for bad in [
        "%2F", "%2f", "%5C", "%5c", "%2E", "%2e", "%25", "%3B", "\\", "\0", ";",
    ] {
        assert!(!out.contains(bad), "{out:?} contains {bad:?}");
    }
    assert!(!out.bytes().any(|b| b < 0x20 || b == 0x7F));
    assert!(out
        .split('/')
        .all(|seg| seg != "." && seg != ".." && !seg.ends_with('.')));
}

proptest! {
    #[test]
    fn output_is_a_safe_fixpoint_on_tricky_tokens(raw in tokens(), rooted in any::<bool>()) {
        let raw = if rooted { format!("/{raw}") } else { raw };
        if let Ok(out) = normalize_path(&raw) {
            check_output(&out);
        }
    }

    #[test]
    fn output_is_a_safe_fixpoint_on_any_string(raw in "/\\PC{0,40}") {
        if let Ok(out) = normalize_path(&raw) {
            check_output(&out);
        }
    }
}
