//! Route templates and the segment-trie router (`policy::route::{Template, Router}`,
//! DESIGN §3), checked against a naive reference matcher.
//!
//! The input is a small route table (templates over a few literals and parameters, each
//! with some methods), a request method and a raw path. The path is normalized first, as
//! the gateway does, and the router's answer must equal the reference's: among the
//! inserted templates that match the path, the one with a literal at the first position
//! where they differ wins (DESIGN §3 precedence); then the rule of that shape listing the
//! method is `Found` (with parameters equal to the path's segments), else
//! `MethodNotListed`; no matching template is `NotFound`. Raw template text must parse or
//! be refused without panicking, and a parsed template must print as it was written.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scopegate::policy::route::{normalize_path, RouteMatch, Router, Segment, Template};

const LITERALS: &[&str] = &[
    "v1", "orgs", "teams", "a", "b", "x.y", "%C3%A9", "~u", "count",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "get", "PATCH"];

#[derive(Arbitrary, Debug)]
enum Seg {
    Literal(u8),
    Param,
}

#[derive(Arbitrary, Debug)]
struct Rule {
    segments: Vec<Seg>,
    /// Bit i lists `METHODS[i]`.
    methods: u8,
}

#[derive(Arbitrary, Debug)]
enum PathPart {
    /// One of `LITERALS`.
    Known(u8),
    /// Any text, normalized with the rest.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    rules: Vec<Rule>,
    method: u8,
    path: Vec<PathPart>,
    raw_templates: Vec<String>,
}

fn template_text(rule: &Rule) -> String {
    let mut text = String::new();
    let mut params = 0;
    for seg in &rule.segments {
        text.push('/');
        match seg {
            Seg::Literal(i) => text.push_str(LITERALS[usize::from(*i) % LITERALS.len()]),
            Seg::Param => {
                text.push_str(&format!("{{p{params}}}"));
                params += 1;
            }
        }
    }
    if text.is_empty() {
        text.push('/');
    }
    text
}

fn methods_of(mask: u8) -> Vec<String> {
    (0..METHODS.len())
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| METHODS[i].to_owned())
        .collect()
}

/// Does `template` match the normalized `path` (segment by segment)?
fn matches(template: &Template, segments: &[&str]) -> bool {
    template.segments().len() == segments.len()
        && template
            .segments()
            .iter()
            .zip(segments)
            .all(|(t, s)| match t {
                Segment::Literal(l) => **l == **s,
                Segment::Param(_) => !s.is_empty(),
            })
}

/// DESIGN §3 precedence: at the first differing position a literal beats a parameter.
fn shape_key(template: &Template) -> Vec<bool> {
    template.segments().iter().map(|s| !s.is_param()).collect()
}

fuzz_target!(|input: Input| {
    for text in input.raw_templates.iter().take(8) {
        if let Ok(t) = Template::parse(text) {
            assert_eq!(t.to_string(), *text, "a template prints as written");
            assert_eq!(Template::parse(&t.to_string()).as_ref(), Ok(&t));
            for seg in t.segments() {
                if let Segment::Literal(l) = seg {
                    let alone = format!("/{l}");
                    assert_eq!(
                        normalize_path(&alone).as_deref(),
                        Ok(alone.as_str()),
                        "{text:?}: literal {l:?} is not in normalized form"
                    );
                }
            }
        }
    }

    let mut router = Router::new();
    let mut inserted: Vec<(Template, Vec<String>, usize)> = Vec::new();
    for (index, rule) in input.rules.iter().take(16).enumerate() {
        let text = template_text(rule);
        let Ok(template) = Template::parse(&text) else {
            continue; // too many segments or parameters
        };
        let methods = methods_of(rule.methods);
        let clash = inserted
            .iter()
            .any(|(t, m, _)| t.same_shape(&template) && m.iter().any(|x| methods.contains(x)));
        let result = router.insert(template.clone(), &methods, index);
        if methods.is_empty() {
            assert!(result.is_err(), "{text}: a rule without methods is refused");
            continue;
        }
        assert_eq!(
            result.is_err(),
            clash,
            "{text} {methods:?}: overlap detection"
        );
        if result.is_ok() {
            inserted.push((template, methods, index));
        }
    }
    assert_eq!(router.len(), inserted.len());

    let mut raw = String::new();
    for part in input.path.iter().take(12) {
        raw.push('/');
        match part {
            PathPart::Known(i) => raw.push_str(LITERALS[usize::from(*i) % LITERALS.len()]),
            PathPart::Raw(s) => raw.push_str(s),
        }
    }
    if raw.is_empty() {
        raw.push('/');
    }
    let Ok(path) = normalize_path(&raw) else {
        return;
    };
    let method = METHODS[usize::from(input.method) % METHODS.len()];
    let segments: Vec<&str> = match path.strip_prefix('/') {
        Some("") | None => Vec::new(),
        Some(rest) => rest.split('/').collect(),
    };

    let best = inserted
        .iter()
        .filter(|(t, _, _)| matches(t, &segments))
        .map(|(t, _, _)| shape_key(t))
        .max();
    let answer = router.at(method, &path);
    match (&best, answer) {
        (None, RouteMatch::NotFound) => {}
        (
            Some(shape),
            RouteMatch::Found {
                value,
                params,
                template,
            },
        ) => {
            assert_eq!(shape_key(template), *shape, "{path}: not the best template");
            let (t, methods, _) = inserted
                .iter()
                .find(|(_, _, index)| index == value)
                .expect("the found rule was inserted");
            assert_eq!(t, template, "{path}: the rule's own template");
            assert!(
                methods.iter().any(|m| m == method),
                "{path}: method not listed"
            );
            assert!(matches(t, &segments));
            let expected: Vec<(&str, &str)> = t
                .segments()
                .iter()
                .zip(&segments)
                .filter_map(|(seg, s)| match seg {
                    Segment::Param(name) => Some((&**name, *s)),
                    Segment::Literal(_) => None,
                })
                .collect();
            let got: Vec<(&str, &str)> = params.iter().collect();
            assert_eq!(got, expected, "{path}: parameters");
        }
        (Some(shape), RouteMatch::MethodNotListed { template }) => {
            assert_eq!(shape_key(template), *shape, "{path}: not the best template");
            assert!(
                inserted
                    .iter()
                    .filter(|(t, _, _)| t.same_shape(template))
                    .all(|(_, m, _)| m.iter().all(|x| x != method)),
                "{path} {method}: a rule of the best shape lists the method"
            );
        }
        (best, other) => panic!("{path} {method}: router {other:?}, reference {best:?}"),
    }
});
