//! Strict JSON request bodies for the admin API (DESIGN §4.5, §7): `Content-Type` absent or
//! `application/json` (charset UTF-8 only, else 415), at most `gateway.max_admin_body_bytes`
//! (413), at most 64 levels of nesting (400), syntax errors named by line and column, type
//! errors and unknown fields named by their path (400).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::AdminState;
use crate::web::{ApiError, ErrorCode};

const MAX_DEPTH: usize = 64;

/// A parsed JSON body.
pub struct JsonBody<T>(pub T);

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::new(ErrorCode::UnsupportedMediaType, "unreadable Content-Type"))?;
    let mut parts = text.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("").to_ascii_lowercase();
    if mime != "application/json" {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("Content-Type `{mime}` is not supported: send application/json"),
        ));
    }
    for param in parts {
        if let Some((k, v)) = param.split_once('=') {
            if k.trim().eq_ignore_ascii_case("charset")
                && !v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    format!("charset `{}` is not supported: send UTF-8", v.trim()),
                ));
            }
        }
    }
    Ok(())
}

/// Nesting depth of a JSON text, ignoring brackets inside strings.
pub fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses `bytes` as `T` with the errors of the contract. The whole body must be one JSON
/// value: anything but whitespace after it is a syntax error, as in any JSON parser.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if nesting_depth(bytes) > MAX_DEPTH {
        return Err(ApiError::invalid(format!(
            "JSON nests deeper than {MAX_DEPTH} levels"
        )));
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ApiError::invalid("a JSON body is required")),
        // Every admin body is an object; serde would also read a struct from an array.
        Some(b'{') => {}
        Some(_) => return Err(ApiError::invalid("the body must be a JSON object")),
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let path = e.path().to_string();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                syntax_error(inner)
            }
            _ if path == "." || path.is_empty() => {
                ApiError::invalid(format!("invalid body: {}", strip_position(inner)))
            }
            _ => ApiError::invalid(format!("invalid field `{path}`: {}", strip_position(inner))),
        }
    })?;
    de.end().map_err(|e| syntax_error(&e))?;
    Ok(value)
}

/// Reads an optional integer field that JSON may also spell as a number with a zero
/// fraction (`5.0`, `1e3`): JSON Schema's `integer`, which the document promises. Use with
/// `#[serde(default, deserialize_with = "…")]`.
pub fn integer<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        // `i64::MAX as f64` rounds up to 2^63, which does not fit: keep strictly below it.
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
            Ok(Some(f as i64))
        }
        _ => Err(D::Error::custom(format!(
            "invalid value: {n}, expected an integer"
        ))),
    }
}

fn syntax_error(e: &serde_json::Error) -> ApiError {
    ApiError::invalid(format!(
        "invalid JSON at line {}, column {}: {}",
        e.line(),
        e.column(),
        strip_position(e)
    ))
}

/// serde_json's message without the ` at line L column C` it appends (the position is
/// given separately); text from the body that merely looks like a position stays.
fn strip_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&suffix) {
        Some(bare) => bare.to_owned(),
        None => message,
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AdminState>>()
            .map(|s| s.config.gateway.max_admin_body_bytes)
            .unwrap_or(1 << 20);
        let content_type = check_content_type(req);
        let mut payload = payload.take();
        Box::pin(async move {
            content_type?;
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|e| ApiError::invalid(format!("unreadable body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        format!("request body exceeds {limit} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(JsonBody)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Thing {
        name: String,
        count: Option<u32>,
    }

    #[test]
    fn errors_name_line_column_and_fields() {
        let comment = b"{\n  \"name\": \"x\", // a comment\n  \"count\": 1\n}";
        let e = parse::<Thing>(comment).unwrap_err();
        assert!(
            e.message.contains("line 2") && e.message.contains("column"),
            "{}",
            e.message
        );
        let e = parse::<Thing>(br#"{"name": "x", "bogus": 1}"#).unwrap_err();
        assert!(e.message.contains("bogus"), "{}", e.message);
        let e = parse::<Thing>(br#"{"name": 3}"#).unwrap_err();
        assert!(e.message.contains("`name`"), "{}", e.message);
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert!(parse::<serde_json::Value>(deep.as_bytes())
            .unwrap_err()
            .message
            .contains("64"));
        assert_eq!(nesting_depth(br#"{"a": "[[[[", "b": [1]}"#), 2);
        assert!(parse::<Thing>(br#"{"name": "ok"}"#).is_ok());
    }

    #[test]
    fn a_body_is_an_object_not_an_array_serde_would_read_as_a_struct() {
        let e = parse::<Thing>(br#"["x", 1]"#).unwrap_err();
        assert!(e.message.contains("JSON object"), "{}", e.message);
        assert!(parse::<Thing>(b"  \n {\"name\": \"x\"}").is_ok());
        // Found by the admin_body fuzz target: text that is no JSON at all and starts with
        // something other than `{` is refused by the same rule, for any body type.
        for body in [&b"\\u0000"[..], b"1", b"\"x\"", b"null"] {
            let e = parse::<serde_json::Value>(body).unwrap_err();
            assert!(e.message.contains("JSON object"), "{}", e.message);
        }
    }

    #[derive(serde::Deserialize, Debug)]
    struct Stamp {
        #[serde(default, deserialize_with = "integer")]
        at: Option<i64>,
    }

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        for (text, want) in [
            (r#"{"at": 5}"#, Some(5)),
            (r#"{"at": 5.0}"#, Some(5)),
            (r#"{"at": 1e3}"#, Some(1000)),
            (r#"{"at": -2.0}"#, Some(-2)),
            (r#"{"at": null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(parse::<Stamp>(text.as_bytes()).unwrap().at, want, "{text}");
        }
        for text in [r#"{"at": 5.5}"#, r#"{"at": 1e300}"#, r#"{"at": "5"}"#] {
            assert!(parse::<Stamp>(text.as_bytes()).is_err(), "{text}");
        }
    }

    /// The position suffix serde_json appends is removed exactly; a field name that only
    /// looks like one stays whole (the message used to be cut at the first ` at line `).
    #[test]
    fn field_errors_keep_text_that_looks_like_a_position() {
        let e = parse::<Thing>(br#"{"name": "x", "a at line 1 column 2": 1}"#).unwrap_err();
        assert!(
            e.message
                .contains("unknown field `a at line 1 column 2`, expected"),
            "{}",
            e.message
        );
        assert!(!e.message.ends_with("column 41"), "{}", e.message);
    }

    /// Found by `fuzz/fuzz_targets/admin_body.rs`: text after the JSON value was ignored,
    /// so `{…} {…}` or `[]]]` passed as a valid body.
    #[test]
    fn one_value_per_body() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (br#"{"name": "x"}"#, None),
            (b"{\"name\": \"x\"}  \r\n\t", None),
            (br#"{"name": "x"} {"name": "y"}"#, Some("line 1, column 15")),
            (br#"{"name": "x"}}"#, Some("line 1, column 14")),
            (
                b"{\"name\": \"x\"}\n// trailing comment",
                Some("line 2, column 1"),
            ),
        ];
        for (body, error) in cases {
            let got = parse::<Thing>(body).err().map(|e| e.message);
            match (error, &got) {
                (None, None) => {}
                (Some(at), Some(message)) => assert!(
                    message.contains(at) && message.contains("trailing characters"),
                    "{}: {message}",
                    String::from_utf8_lossy(body)
                ),
                _ => panic!("{}: {got:?}", String::from_utf8_lossy(body)),
            }
        }
        let deep_then_junk = format!("{}{}", "[".repeat(8), "]".repeat(58));
        assert!(parse::<serde_json::Value>(deep_then_junk.as_bytes()).is_err());
    }
}
