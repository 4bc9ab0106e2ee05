//! Errors of route-table matching: [`PathError`] for request paths that cannot be
//! normalized safely (the gateway answers 400) and [`RouteError`] for route rules that are
//! refused at start-up (bad templates, bad methods, overlaps, reserved paths).
//!
//! Pure data: no I/O. Messages are lowercase without a final period and name user input in
//! backticks; request-path fragments are shown escaped (`%0A`, never a raw control
//! character), so a message can go to a log line or an error body unchanged.

use thiserror::Error;

/// Why a request path was refused by [`normalize_path`](super::normalize_path). Each
/// variant names the rule that was broken; the payload is the offending fragment as
/// printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PathError {
    #[error("path must start with `/`")]
    NotAbsolute,
    #[error("malformed percent-encoding `{0}`: `%` must be followed by two hex digits")]
    BadPercentEncoding(String),
    #[error("percent-encoded bytes `{0}` are not valid utf-8")]
    NotUtf8(String),
    #[error("encoded dot `{0}` is not allowed in a path")]
    EncodedDot(String),
    #[error("encoded slash `{0}` is not allowed in a path")]
    EncodedSlash(String),
    #[error("encoded percent `{0}` is not allowed in a path (double encoding)")]
    EncodedPercent(String),
    #[error("backslash `{0}` is not allowed in a path")]
    Backslash(String),
    #[error("semicolon `{0}` is not allowed in a path (matrix parameters)")]
    MatrixParameter(String),
    #[error("control character `{0}` is not allowed in a path")]
    ControlCharacter(String),
    #[error("dot segment `{0}` is not allowed in a path")]
    DotSegment(String),
    #[error("segment `{0}` ends with a dot")]
    TrailingDot(String),
    #[error("empty segment (`//`) is not allowed in a path")]
    DoubleSlash,
}

/// Why a route rule (template, methods, placement in the table) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteError {
    #[error("template `{0}` must start with `/`")]
    TemplateNotAbsolute(String),
    #[error("template `{0}` ends with `/`: write it without the trailing slash")]
    TemplateTrailingSlash(String),
    #[error("template `{0}` has an empty segment (`//`)")]
    EmptySegment(String),
    #[error("template `{template}` has {count} segments, more than the limit of {limit}")]
    TooManySegments {
        template: String,
        count: usize,
        limit: usize,
    },
    #[error(
        "segment `{segment}` of template `{template}` mixes braces with text: a parameter \
         is a whole segment `{{name}}`"
    )]
    InvalidSegment { template: String, segment: String },
    #[error(
        "parameter `{name}` of template `{template}` is not a valid name: must match \
         ^[a-zA-Z_][0-9a-zA-Z_]*$"
    )]
    InvalidParamName { template: String, name: String },
    #[error("parameter `{name}` appears more than once in template `{template}`")]
    DuplicateParam { template: String, name: String },
    #[error("template `{template}` has {count} parameters, more than the limit of {limit}")]
    TooManyParams {
        template: String,
        count: usize,
        limit: usize,
    },
    #[error(
        "segment `{segment}` of template `{template}` would be refused in a request: {source}"
    )]
    UnsafeLiteral {
        template: String,
        segment: String,
        source: PathError,
    },
    #[error(
        "segment `{segment}` of template `{template}` is not in normalized form: write \
         `{normalized}`"
    )]
    NotNormalized {
        template: String,
        segment: String,
        normalized: String,
    },
    #[error("route `{0}` lists no methods")]
    NoMethods(String),
    #[error("invalid method `{method}` in route `{template}`: must be a non-empty http token")]
    InvalidMethod { template: String, method: String },
    #[error("method `{method}` is listed twice in route `{template}`")]
    DuplicateMethod { template: String, method: String },
    #[error("route `{new}` overlaps route `{existing}`: same path shape and a common method")]
    Overlap { existing: String, new: String },
    #[error("route `{route}` overlaps scopegate's own path `{reserved}`")]
    Reserved { route: String, reserved: String },
}
