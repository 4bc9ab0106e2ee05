//! Tests of [`Router`](super::Router): precedence with backtracking, methods, overlaps,
//! and a property test against a slow reference matcher.

use proptest::prelude::*;

use super::*;

fn t(text: &str) -> Template {
    Template::parse(text).unwrap()
}

fn methods(list: &[&str]) -> Vec<String> {
    list.iter().map(|m| (*m).to_owned()).collect()
}

fn router(rules: &[(&str, &[&str], &'static str)]) -> Router<&'static str> {
    let mut router = Router::new();
    for (path, list, value) in rules {
        router.insert(t(path), &methods(list), *value).unwrap();
    }
    router
}

/// `Found` as `Some(value)`, `MethodNotListed` as `Some("405")`, `NotFound` as `None`.
fn answer(router: &Router<&'static str>, method: &str, path: &str) -> Option<&'static str> {
    match router.at(method, path) {
        RouteMatch::Found { value, .. } => Some(*value),
        RouteMatch::MethodNotListed { .. } => Some("405"),
        RouteMatch::NotFound => None,
    }
}

#[test]
fn precedence_literal_beats_parameter_with_backtracking() {
    let r = router(&[
        ("/a/{x}/c", &["GET"], "first"),
        ("/a/b/{y}", &["GET"], "second"),
        ("/insights/{insight}", &["GET"], "item"),
        ("/insights/categories", &["GET"], "categories"),
        ("/p/{x}/q/r", &["GET"], "param-then-literals"),
        ("/p/l/{y}/s", &["GET"], "literal-then-param"),
    ]);
    for (path, expected) in [
        ("/a/b/c", Some("second")),
        ("/a/b/d", Some("second")),
        ("/a/z/c", Some("first")),
        ("/a/z/d", None),
        ("/a/b", None),
        ("/insights/categories", Some("categories")),
        ("/insights/x", Some("item")),
        ("/p/l/q/r", Some("param-then-literals")),
        ("/p/l/q/s", Some("literal-then-param")),
        ("/p/l/x/r", None),
    ] {
        assert_eq!(answer(&r, "GET", path), expected, "{path}");
    }
}

#[test]
fn best_template_decides_without_method_fallback() {
    let r = router(&[
        ("/teams/{team}", &["GET", "DELETE"], "item"),
        ("/teams/all", &["GET"], "all"),
    ]);
    assert_eq!(answer(&r, "GET", "/teams/all"), Some("all"));
    assert_eq!(answer(&r, "DELETE", "/teams/all"), Some("405"));
    assert_eq!(answer(&r, "DELETE", "/teams/x"), Some("item"));
    assert_eq!(answer(&r, "POST", "/teams/x"), Some("405"));
    match r.at("POST", "/teams/all") {
        RouteMatch::MethodNotListed { template } => assert_eq!(template.as_str(), "/teams/all"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn methods_and_literals_are_case_sensitive() {
    let r = router(&[
        ("/v1/teams", &["GET"], "lower"),
        ("/v1/Teams", &["delete"], "upper"),
    ]);
    assert_eq!(answer(&r, "GET", "/v1/teams"), Some("lower"));
    assert_eq!(answer(&r, "get", "/v1/teams"), Some("405"));
    assert_eq!(answer(&r, "delete", "/v1/Teams"), Some("upper"));
    assert_eq!(answer(&r, "DELETE", "/v1/Teams"), Some("405"));
    assert_eq!(answer(&r, "GET", "/V1/teams"), None);
}

#[test]
fn root_and_unnormalized_paths() {
    let r = router(&[("/", &["GET"], "root"), ("/{x}", &["GET"], "one")]);
    assert_eq!(answer(&r, "GET", "/"), Some("root"));
    assert_eq!(answer(&r, "GET", "/a"), Some("one"));
    assert_eq!(answer(&r, "GET", ""), None);
    assert_eq!(answer(&r, "GET", "a"), None);
    assert_eq!(answer(&r, "GET", "//"), None);
    assert_eq!(answer(&r, "GET", "/a/"), None);
}

#[test]
fn params_are_named_by_the_matched_rule() {
    let r = router(&[
        ("/orgs/{org}/teams/{team}", &["GET"], "get"),
        ("/orgs/{o}/teams/{id}", &["DELETE"], "delete"),
    ]);
    let RouteMatch::Found { params, value, .. } = r.at("GET", "/orgs/acme/teams/bravo") else {
        panic!("no match");
    };
    assert_eq!(*value, "get");
    assert_eq!(
        (params.get("org"), params.get("team")),
        (Some("acme"), Some("bravo"))
    );
    assert_eq!(params.get("id"), None);
    let pairs: Vec<_> = params.iter().collect();
    assert_eq!(pairs, [("org", "acme"), ("team", "bravo")]);
    let RouteMatch::Found { params, .. } = r.at("DELETE", "/orgs/acme/teams/bravo") else {
        panic!("no match");
    };
    assert_eq!(
        (params.get("o"), params.get("id"), params.len()),
        (Some("acme"), Some("bravo"), 2)
    );
}

#[test]
fn params_survive_as_ranges_of_the_matched_path() {
    let r = router(&[("/orgs/{org}/teams/{team}", &["GET"], "get")]);
    let path = String::from("/orgs/acme/teams/bravo");
    let RouteMatch::Found {
        params, template, ..
    } = r.at("GET", &path)
    else {
        panic!("no match");
    };
    let ranges = params.ranges(&path);
    let template = template.clone();
    let owned = path.clone();
    drop(path);
    let again = ranges.params(&template, &owned);
    let pairs: Vec<_> = again.iter().collect();
    assert_eq!(pairs, [("org", "acme"), ("team", "bravo")]);
    // Values that are not part of the path given come back empty, never out of bounds.
    let foreign = params_of_other_string(&r);
    assert_eq!(foreign.params(&template, "/x").get("org"), Some(""));
}

fn params_of_other_string(r: &Router<&'static str>) -> super::ParamRanges {
    let other = String::from("/orgs/zeta/teams/omega");
    let RouteMatch::Found { params, .. } = r.at("GET", &other) else {
        panic!("no match");
    };
    params.ranges("/orgs/acme/teams/bravo")
}

#[test]
fn overlap_needs_same_shape_and_a_common_method() {
    let mut r = router(&[("/v1/teams/{team}", &["GET", "PUT"], "a")]);
    let e = r
        .insert(t("/v1/teams/{id}"), &methods(&["DELETE", "PUT"]), "b")
        .unwrap_err();
    assert_eq!(
        e,
        RouteError::Overlap {
            existing: "/v1/teams/{team}".into(),
            new: "/v1/teams/{id}".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "route `/v1/teams/{id}` overlaps route `/v1/teams/{team}`: same path shape and a common method"
    );
    assert_eq!(r.len(), 1, "a refused rule leaves the table unchanged");
    r.insert(t("/v1/teams/{id}"), &methods(&["DELETE"]), "c")
        .unwrap();
    r.insert(t("/v1/teams/all"), &methods(&["GET"]), "d")
        .unwrap();
    r.insert(t("/v1/teams/{team}/x"), &methods(&["GET"]), "e")
        .unwrap();
    r.insert(t("/v1/teams/{team}"), &methods(&["get"]), "f")
        .unwrap();
    assert_eq!(r.len(), 5);
    assert_eq!(answer(&r, "DELETE", "/v1/teams/x"), Some("c"));
    assert_eq!(answer(&r, "get", "/v1/teams/x"), Some("f"));
}

#[test]
fn methods_are_validated() {
    let mut r: Router<()> = Router::new();
    let tmpl = t("/x");
    assert_eq!(
        r.insert(tmpl.clone(), &[], ()),
        Err(RouteError::NoMethods("/x".into()))
    );
    for bad in ["", "GET POST", "GE(T", "G\u{e9}T", "GET/"] {
        let e = r.insert(tmpl.clone(), &methods(&[bad]), ()).unwrap_err();
        assert_eq!(
            e,
            RouteError::InvalidMethod {
                template: "/x".into(),
                method: bad.into()
            }
        );
    }
    let e = r
        .insert(tmpl.clone(), &methods(&["GET", "GET"]), ())
        .unwrap_err();
    assert_eq!(
        e,
        RouteError::DuplicateMethod {
            template: "/x".into(),
            method: "GET".into()
        }
    );
    r.insert(tmpl, &methods(&["PROPFIND", "x!#$%&'*+-.^_`|~9"]), ())
        .unwrap();
    assert!(r.is_empty() || r.len() == 1);
}

// ---- property test against a slow reference -------------------------------------------

const LITERALS: &[&str] = &["a", "b", "c"];
const METHODS: &[&str] = &["GET", "POST", "get"];

/// A rule: per segment `None` for a parameter or `Some(literal index)`, a methods mask, and
/// whether its parameters are named `x0, x1, …` or `y0, y1, …`.
type Rule = (Vec<Option<usize>>, u8, bool);

fn rule() -> impl Strategy<Value = Rule> {
    let segment = prop::option::weighted(0.6, 0..LITERALS.len());
    (prop::collection::vec(segment, 0..4), 1u8..8, any::<bool>())
}

fn template_text(rule: &Rule) -> String {
    let (segments, _, named_x) = rule;
    let name = if *named_x { "x" } else { "y" };
    let parts: Vec<String> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Some(l) => LITERALS[*l].to_owned(),
            None => format!("{{{name}{i}}}"),
        })
        .collect();
    format!("/{}", parts.join("/"))
}

fn rule_methods(mask: u8) -> Vec<String> {
    (0..METHODS.len())
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| METHODS[i].to_owned())
        .collect()
}

/// Every inserted rule whose template matches, the best by segment kind (literal < param,
/// compared lexicographically), then the method among the rules with that best key.
fn reference(rules: &[(Rule, usize)], method: &str, path: &[&str]) -> Option<usize> {
    let matching = rules.iter().filter(|((segs, _, _), _)| {
        segs.len() == path.len()
            && segs
                .iter()
                .zip(path)
                .all(|(s, p)| s.is_none_or(|l| LITERALS[l] == *p))
    });
    let key = |segs: &Vec<Option<usize>>| segs.iter().map(|s| s.is_none()).collect::<Vec<_>>();
    let best = matching.clone().map(|((segs, _, _), _)| key(segs)).min()?;
    let found = matching
        .filter(|((segs, _, _), _)| key(segs) == best)
        .find(|((_, mask, _), _)| rule_methods(*mask).iter().any(|m| m == method));
    Some(found.map_or(usize::MAX, |(_, id)| *id))
}

proptest! {
    #[test]
    fn at_agrees_with_a_slow_reference(
        rules in prop::collection::vec(rule(), 0..12),
        path in prop::collection::vec(prop::sample::select(&["a", "b", "c", "d"][..]), 0..4),
        method in prop::sample::select(METHODS),
    ) {
        let mut router = Router::new();
        let mut inserted = Vec::new();
        for (id, rule) in rules.iter().enumerate() {
            let template = t(&template_text(rule));
            match router.insert(template, &rule_methods(rule.1), id) {
                Ok(()) => inserted.push((rule.clone(), id)),
                Err(RouteError::Overlap { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
        let text = format!("/{}", path.join("/"));
        let expected = reference(&inserted, method, &path);
        let got = match router.at(method, &text) {
            RouteMatch::Found { value, params, template } => {
                let rule = &rules[*value].0;
                let params_ok = rule.iter().zip(&path).enumerate().all(|(i, (s, p))| {
                    s.is_some() || params.get(&template.params()[params_index(rule, i)]) == Some(*p)
                });
                prop_assert!(params_ok, "params {params:?} for {text}");
                prop_assert_eq!(params.len(), template.params().len());
                Some(*value)
            }
            RouteMatch::MethodNotListed { .. } => Some(usize::MAX),
            RouteMatch::NotFound => None,
        };
        prop_assert_eq!(got, expected, "{} {}", method, text);
    }
}

/// Index among the parameters of the parameter at segment `i`.
fn params_index(rule: &[Option<usize>], i: usize) -> usize {
    rule[..i].iter().filter(|s| s.is_none()).count()
}
