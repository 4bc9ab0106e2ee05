//! Path templates of route rules: `/v1/orgs/{org}/projects/{project}/teams/{team}`.
//!
//! Owns [`Template`] and its [`Segment`]s: parsing and validation at start-up, and the
//! shape comparisons the router and the reserved-path check rely on. Pure: no I/O. A
//! template must never accept a literal that a request path could not carry after
//! [`normalize_path`](super::normalize_path), or a rule could be unreachable or, worse,
//! reachable under a spelling the backend reads differently.

use std::fmt;
use std::str::FromStr;

use super::error::RouteError;
use super::normalize::normalize_path;

/// Most parameters a template may have; [`Params`](super::Params) keeps them inline.
pub const MAX_PARAMS: usize = 8;
/// Most segments a template may have (bounds the depth of the router's trie).
pub const MAX_SEGMENTS: usize = 32;

/// One `/`-separated piece of a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Matches exactly this text (case-sensitive), already in normalized form.
    Literal(Box<str>),
    /// `{name}`: matches any one non-empty segment.
    Param(Box<str>),
}

impl Segment {
    pub fn is_param(&self) -> bool {
        matches!(self, Self::Param(_))
    }

    /// Some concrete segment matches both (equal literals, or a parameter on either side).
    pub fn compatible(&self, other: &Segment) -> bool {
        match (self, other) {
            (Self::Literal(a), Self::Literal(b)) => a == b,
            _ => true,
        }
    }

    /// Same literal, or parameters on both sides whatever their names.
    pub fn same_shape(&self, other: &Segment) -> bool {
        match (self, other) {
            (Self::Literal(a), Self::Literal(b)) => a == b,
            (Self::Param(_), Self::Param(_)) => true,
            _ => false,
        }
    }
}

/// A validated path template. `Display` gives back the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    text: Box<str>,
    segments: Box<[Segment]>,
    params: Box<[Box<str>]>,
}

impl Template {
    /// Parses and validates a template: it starts with `/`; each segment is a literal that
    /// is already normalized and has no braces, or a whole-segment parameter `{name}` with
    /// `name` matching `^[a-zA-Z_][0-9a-zA-Z_]*$`, unique in the template; no empty segment
    /// and no trailing slash (except the root `/`).
    pub fn parse(path: &str) -> Result<Template, RouteError> {
        let text = || path.to_owned();
        let rest = path
            .strip_prefix('/')
            .ok_or_else(|| RouteError::TemplateNotAbsolute(text()))?;
        let mut segments = Vec::new();
        let mut params: Vec<Box<str>> = Vec::new();
        if !rest.is_empty() {
            let mut raws = rest.split('/').peekable();
            while let Some(raw) = raws.next() {
                if raw.is_empty() {
                    return Err(match raws.peek() {
                        None => RouteError::TemplateTrailingSlash(text()),
                        Some(_) => RouteError::EmptySegment(text()),
                    });
                }
                segments.push(parse_segment(path, raw, &mut params)?);
            }
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(RouteError::TooManySegments {
                template: text(),
                count: segments.len(),
                limit: MAX_SEGMENTS,
            });
        }
        if params.len() > MAX_PARAMS {
            return Err(RouteError::TooManyParams {
                template: text(),
                count: params.len(),
                limit: MAX_PARAMS,
            });
        }
        Ok(Template {
            text: path.into(),
            segments: segments.into(),
            params: params.into(),
        })
    }

    /// The template text, as parsed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Parameter names in path order.
    pub fn params(&self) -> &[Box<str>] {
        &self.params
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|p| **p == *name)
    }

    /// Same literals and parameters at the same positions, whatever the parameter names.
    pub fn same_shape(&self, other: &Template) -> bool {
        self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(other.segments.iter())
                .all(|(a, b)| a.same_shape(b))
    }
}

fn parse_segment(
    template: &str,
    raw: &str,
    params: &mut Vec<Box<str>>,
) -> Result<Segment, RouteError> {
    if let Some(name) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if !is_param_name(name) {
            return Err(RouteError::InvalidParamName {
                template: template.to_owned(),
                name: name.to_owned(),
            });
        }
        if params.iter().any(|p| **p == *name) {
            return Err(RouteError::DuplicateParam {
                template: template.to_owned(),
                name: name.to_owned(),
            });
        }
        params.push(name.into());
        return Ok(Segment::Param(name.into()));
    }
    if raw.contains(['{', '}']) {
        return Err(RouteError::InvalidSegment {
            template: template.to_owned(),
            segment: raw.to_owned(),
        });
    }
    let alone = format!("/{raw}");
    match normalize_path(&alone) {
        Ok(normalized) if normalized == alone => Ok(Segment::Literal(raw.into())),
        Ok(normalized) => Err(RouteError::NotNormalized {
            template: template.to_owned(),
            segment: raw.to_owned(),
            normalized: normalized.trim_start_matches('/').to_owned(),
        }),
        Err(source) => Err(RouteError::UnsafeLiteral {
            template: template.to_owned(),
            segment: raw.to_owned(),
            source,
        }),
    }
}

/// `^[a-zA-Z_][0-9a-zA-Z_]*$` without a regex engine.
fn is_param_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Template {
    type Err = RouteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(path: &str) -> RouteError {
        match Template::parse(path) {
            Ok(t) => panic!("{path:?} parsed as {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn parses_literals_and_params() {
        let t = Template::parse("/v1/orgs/{org}/projects/{project}/teams/{team}").unwrap();
        assert_eq!(
            t.to_string(),
            "/v1/orgs/{org}/projects/{project}/teams/{team}"
        );
        let names: Vec<&str> = t.params().iter().map(|p| &**p).collect();
        assert_eq!(names, ["org", "project", "team"]);
        assert_eq!(t.segments().len(), 7);
        assert_eq!(t.segments()[0], Segment::Literal("v1".into()));
        assert_eq!(t.segments()[2], Segment::Param("org".into()));
        assert!(t.has_param("team") && !t.has_param("Team"));
    }

    #[test]
    fn root_is_a_template_without_segments() {
        let t = Template::parse("/").unwrap();
        assert!(t.segments().is_empty());
        assert_eq!(t.to_string(), "/");
    }

    #[test]
    fn one_row_per_rule() {
        let s = |x: &str| x.to_owned();
        assert_eq!(err(""), RouteError::TemplateNotAbsolute(s("")));
        assert_eq!(
            err("v1/teams"),
            RouteError::TemplateNotAbsolute(s("v1/teams"))
        );
        assert_eq!(
            err("/v1/teams/"),
            RouteError::TemplateTrailingSlash(s("/v1/teams/"))
        );
        assert_eq!(err("/v1//teams"), RouteError::EmptySegment(s("/v1//teams")));
        assert_eq!(
            err("/v1//teams/"),
            RouteError::EmptySegment(s("/v1//teams/"))
        );
        assert_eq!(err("//"), RouteError::EmptySegment(s("//")));
        let segment = |seg: &str| RouteError::InvalidSegment {
            template: format!("/v1/{seg}"),
            segment: s(seg),
        };
        assert_eq!(err("/v1/a{b}"), segment("a{b}"));
        assert_eq!(err("/v1/{a}b"), segment("{a}b"));
        assert_eq!(err("/v1/{a"), segment("{a"));
        assert_eq!(err("/v1/}"), segment("}"));
        for bad in ["", "1a", "a-b", "a b", "{a}", "é"] {
            assert_eq!(
                err(&format!("/v1/{{{bad}}}")),
                RouteError::InvalidParamName {
                    template: format!("/v1/{{{bad}}}"),
                    name: s(bad)
                },
            );
        }
        assert_eq!(
            err("/v1/{a}/x/{a}"),
            RouteError::DuplicateParam {
                template: s("/v1/{a}/x/{a}"),
                name: s("a")
            },
        );
        assert!(
            matches!(err("/v1/%41"), RouteError::NotNormalized { normalized, .. } if normalized == "A")
        );
        assert!(
            matches!(err("/v1/caf\u{e9}"), RouteError::NotNormalized { normalized, .. } if normalized == "caf%C3%A9")
        );
        assert!(matches!(err("/v1/.."), RouteError::UnsafeLiteral { .. }));
        assert!(matches!(err("/v1/a;b"), RouteError::UnsafeLiteral { .. }));
        assert!(matches!(err("/v1/a%2Fb"), RouteError::UnsafeLiteral { .. }));
        assert!(matches!(err("/admin."), RouteError::UnsafeLiteral { .. }));
        let many = "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}";
        assert!(matches!(
            err(many),
            RouteError::TooManyParams { count: 9, .. }
        ));
        let deep = "/a".repeat(MAX_SEGMENTS + 1);
        assert!(matches!(err(&deep), RouteError::TooManySegments { .. }));
    }

    #[test]
    fn valid_names_and_literals() {
        for ok in [
            "/_",
            "/{_x1}",
            "/{A}",
            "/v1/configuration-settings",
            "/a.b/c~d/%C3%A9",
        ] {
            assert_eq!(Template::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn shapes_ignore_param_names() {
        let a = Template::parse("/v1/teams/{team}").unwrap();
        let b = Template::parse("/v1/teams/{id}").unwrap();
        let c = Template::parse("/v1/teams/all").unwrap();
        assert!(a.same_shape(&b));
        assert!(!a.same_shape(&c));
        assert!(a.segments()[2].compatible(&c.segments()[2]));
        assert!(!Segment::Literal("a".into()).compatible(&Segment::Literal("b".into())));
    }

    #[test]
    fn messages_name_the_input() {
        let e = err("/v1/teams/");
        assert_eq!(
            e.to_string(),
            "template `/v1/teams/` ends with `/`: write it without the trailing slash"
        );
    }
}
