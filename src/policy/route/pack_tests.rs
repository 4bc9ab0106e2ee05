//! Tests of the shipped route packs (`static/routes/default.toml`, `portal.toml`): every
//! template parses, parameter references exist, permissions exist at the route's scope
//! with the rule's resource type, nothing overlaps scopegate's own paths, and each pack,
//! and both together, load into one router.
//!
//! The rule struct here is local on purpose: it mirrors the pack format only as far as
//! these checks need; the config layer owns the real one.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::*;
use crate::policy::permission::{catalogue, Module};
use crate::policy::scope::ScopeLevel;

const DEFAULT: &str = include_str!("../../../static/routes/default.toml");
const PORTAL: &str = include_str!("../../../static/routes/portal.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pack {
    routes: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    methods: Vec<String>,
    path: String,
    upstream: String,
    permission: Option<String>,
    resource_type: Option<String>,
    resource: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    authenticated: bool,
    #[serde(default)]
    pass_authorization: bool,
    description: String,
}

fn load(name: &str, text: &str) -> Vec<(String, Rule, Template)> {
    let pack: Pack = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!pack.routes.is_empty(), "{name} is empty");
    pack.routes
        .into_iter()
        .map(|rule| {
            let template = Template::parse(&rule.path).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name.to_owned(), rule, template)
        })
        .collect()
}

fn packs() -> [Vec<(String, Rule, Template)>; 2] {
    [load("default.toml", DEFAULT), load("portal.toml", PORTAL)]
}

fn level(template: &Template) -> ScopeLevel {
    if template.has_param("project") {
        ScopeLevel::Project
    } else if template.has_param("org") {
        ScopeLevel::Organization
    } else {
        ScopeLevel::Account
    }
}

/// `{name}` to `name`.
fn param_ref(value: &str) -> Option<&str> {
    value.strip_prefix('{')?.strip_suffix('}')
}

#[test]
fn each_pack_and_both_together_load_into_one_router() {
    let [default, portal] = packs();
    for rules in [&default, &portal] {
        let mut router = Router::new();
        for (pack, rule, template) in rules {
            let r = router.insert(template.clone(), &rule.methods, ());
            r.unwrap_or_else(|e| panic!("{pack}: {e}"));
        }
    }
    let mut router = Router::new();
    for (pack, rule, template) in default.iter().chain(&portal) {
        let r = router.insert(
            template.clone(),
            &rule.methods,
            (pack.as_str(), rule.path.as_str()),
        );
        r.unwrap_or_else(|e| panic!("{pack}: {e}"));
    }
    assert_eq!(router.len(), default.len() + portal.len());
    let found = |method: &str, path: &str| match router.at(method, path) {
        RouteMatch::Found { value, .. } => Some(value.1),
        _ => None,
    };
    let categories = "/v1/orgs/o/projects/p/insights/categories";
    assert_eq!(
        found("GET", categories),
        Some("/v1/orgs/{org}/projects/{project}/insights/categories")
    );
    assert!(matches!(
        router.at("DELETE", "/v1/insights/status"),
        RouteMatch::MethodNotListed { .. }
    ));
    assert!(matches!(
        router.at("GET", "/v1/orgs/o/roles"),
        RouteMatch::NotFound
    ));
}

#[test]
fn no_rule_overlaps_scopegate_paths() {
    let reserved = scopegate_reserved();
    for (pack, _, template) in packs().iter().flatten() {
        Router::<()>::check_reserved(template, &reserved).unwrap_or_else(|e| panic!("{pack}: {e}"));
    }
}

#[test]
fn parameter_references_exist_in_the_path() {
    for (pack, rule, template) in packs().iter().flatten() {
        let refs = rule.resource.iter().chain(rule.attributes.values());
        for value in refs {
            let name =
                param_ref(value).unwrap_or_else(|| panic!("{pack}: `{value}` is not `{{param}}`"));
            assert!(
                template.has_param(name),
                "{pack}: `{value}` is not a parameter of `{template}`"
            );
        }
    }
}

#[test]
fn scope_parameters_sit_where_the_scope_is() {
    for (pack, _, template) in packs().iter().flatten() {
        let path = template.as_str();
        let ok = match level(template) {
            ScopeLevel::Project => path.starts_with("/v1/orgs/{org}/projects/{project}/"),
            ScopeLevel::Organization => path.starts_with("/v1/orgs/{org}/"),
            ScopeLevel::Account => !path.starts_with("/v1/orgs/"),
        };
        assert!(ok, "{pack}: `{path}` puts its scope parameters elsewhere");
    }
}

#[test]
fn permissions_exist_at_the_route_scope_with_the_rule_type() {
    for (pack, rule, template) in packs().iter().flatten() {
        let open = rule.public || rule.authenticated;
        assert!(
            !(rule.public && rule.authenticated),
            "{pack}: `{template}` is both"
        );
        assert!(
            !rule.pass_authorization,
            "{pack}: `{template}` passes the client's credential"
        );
        if open {
            let checked = rule.permission.is_some() || rule.resource_type.is_some();
            let resource = rule.resource.is_some() || !rule.attributes.is_empty();
            assert!(
                !checked && !resource,
                "{pack}: open route `{template}` names a check"
            );
            continue;
        }
        let (Some(identifier), Some(resource_type)) = (&rule.permission, &rule.resource_type)
        else {
            panic!("{pack}: `{template}` needs a permission and a resource type");
        };
        let catalogue = catalogue();
        let id = catalogue
            .get(identifier)
            .unwrap_or_else(|| panic!("{pack}: `{identifier}`"));
        let permission = catalogue.permission(id);
        assert_eq!(
            &permission.resource_type, resource_type,
            "{pack}: `{template}`"
        );
        let level = level(template);
        assert!(
            permission.available_at(level),
            "{pack}: `{identifier}` at {level} (`{template}`)"
        );
        let reading = matches!(permission.action.as_str(), "view" | "read");
        for method in &rule.methods {
            let safe = method == "GET";
            let ok = if safe {
                reading || permission.action == "access"
            } else {
                !reading
            };
            assert!(ok, "{pack}: {method} `{template}` checks `{identifier}`");
        }
    }
}

#[test]
fn upstreams_and_descriptions() {
    let [default, portal] = packs();
    for (rules, upstreams) in [
        (&default, &["insights", "profiles", "teams"][..]),
        (&portal, &["portal"]),
    ] {
        for (pack, rule, template) in rules {
            assert!(
                upstreams.contains(&rule.upstream.as_str()),
                "{pack}: `{template}`"
            );
            let d = &rule.description;
            let sentence = d.ends_with('.') && !d[..d.len() - 1].contains(". ") && d.len() <= 100;
            assert!(sentence, "{pack}: `{template}` description `{d}`");
        }
    }
}

#[test]
fn packs_cover_every_sei_and_portal_permission() {
    let [default, portal] = packs();
    let used = |rules: &[(String, Rule, Template)]| -> BTreeSet<String> {
        rules
            .iter()
            .filter_map(|(_, r, _)| r.permission.clone())
            .collect()
    };
    let of = |module: Module| -> BTreeSet<String> {
        let all = catalogue().all().iter().filter(|p| p.module == module);
        all.map(|p| p.identifier.clone())
            .filter(|i| i != "CROSS_ORGANIZATION_ACCESS")
            .collect()
    };
    assert_eq!(used(&default), of(Module::Sei));
    assert_eq!(used(&portal), of(Module::Portal));
}
