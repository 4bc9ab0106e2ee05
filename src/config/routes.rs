//! Compiles route rules (shipped packs plus `[[routes]]`) into the precompiled route table,
//! and matches a request against it once ([`RouteTable::claim`] → [`Matched`]).
//!
//! Validation at start-up (DESIGN §3): unknown upstream, unknown permission, a permission of
//! another resource type or not available at the route's scope level, a `resource` or
//! attribute naming no path parameter, overlapping rules, and rules that claim scopegate's
//! own paths are errors naming the rule and its file. Each rule's upstream is resolved to
//! its index in `[upstreams]` (name order) here, so a request never looks a name up. Pure:
//! packs are embedded text.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Config, ConfigError, RouteConfig};
use crate::policy::permission::{catalogue, PermissionId};
use crate::policy::route::{
    normalize_path, scopegate_reserved, ParamRanges, Params, PathError, RouteError, RouteMatch,
    Router, Template,
};
use crate::policy::ScopeLevel;

/// The shipped packs, embedded at build time.
pub const PACKS: &[(&str, &str)] = &[
    ("default", include_str!("../../static/routes/default.toml")),
    ("portal", include_str!("../../static/routes/portal.toml")),
];

/// What a route checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credential needed.
    Public,
    /// A valid credential, no permission.
    Authenticated,
    /// A permission on a resource (or the type, when `resource_param` is `None`).
    Permission {
        permission: PermissionId,
        resource_type: String,
        resource_param: Option<String>,
        list: bool,
    },
}

/// An attribute value taken from a path parameter or written literally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeSource {
    Param(String),
    Literal(String),
}

/// One compiled rule.
#[derive(Clone, Debug)]
pub struct Route {
    /// Position in the table; indexes per-route metrics.
    pub index: usize,
    /// `GET /v1/…` for logs and metrics.
    pub label: String,
    pub methods: Vec<String>,
    pub template: String,
    /// The compiled template (parameter names for [`Matched::params`]).
    pub pattern: Template,
    pub upstream: String,
    /// Position of `upstream` among the configured upstreams in name order (the order of
    /// `Config::upstreams`), resolved at compile time.
    pub upstream_index: usize,
    pub access: Access,
    /// Level the route checks at: project with `{project}`, organization with `{org}`.
    pub level: ScopeLevel,
    pub pass_authorization: bool,
    pub attributes: Vec<(String, AttributeSource)>,
    pub description: String,
    /// Where the rule came from: `pack default` or the config file.
    pub origin: String,
    /// Report-only (`mode = "report"` or a pack in `gateway.report_packs`): the decision is
    /// made, logged and counted, and the request forwarded even when it is a deny, with
    /// `X-Scopegate-Shadow-Decision` (DESIGN §4.8).
    pub report: bool,
}

/// The precompiled table.
pub struct RouteTable {
    router: Router<usize>,
    routes: Vec<Arc<Route>>,
}

impl std::fmt::Debug for RouteTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteTable")
            .field("routes", &self.routes.len())
            .finish()
    }
}

/// The answer of [`RouteTable::find`].
pub enum Found<'a> {
    Route {
        route: &'a Arc<Route>,
        params: Params<'a>,
    },
    /// The path matches a rule that does not list the method.
    MethodNotListed,
    NotFound,
}

/// A request matched to its one rule: the normalized path it was matched on and the rule's
/// parameters as ranges of that path. Only [`RouteTable::claim`] makes one, so a stage
/// holding a `Matched` was handed the request's only match.
#[derive(Debug)]
pub struct Matched {
    path: String,
    route: Arc<Route>,
    ranges: ParamRanges,
}

impl Matched {
    /// The normalized path: what was matched, authorized and is forwarded.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn route(&self) -> &Route {
        &self.route
    }

    pub fn params(&self) -> Params<'_> {
        self.ranges.params(&self.route.pattern, &self.path)
    }
}

/// What the route table says about a raw request path (see [`RouteTable::claim`]).
#[derive(Debug)]
pub enum Claim {
    /// Exactly one rule matches.
    Route(Matched),
    /// The normalized path matches a rule that does not list the method (a 404, never a
    /// fallback to another rule).
    MethodNotListed(String),
    /// The path cannot be normalized safely (a 400).
    Unsafe(PathError),
    /// No rule's template matches the path: not the gateway's request.
    NotFound,
}

#[cfg(test)]
thread_local! {
    /// Route lookups made on this thread, for the test that a request is matched once.
    static LOOKUPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    routes: Vec<RouteConfig>,
}

fn param_of(value: &str) -> Option<&str> {
    value.strip_prefix('{').and_then(|v| v.strip_suffix('}'))
}

impl RouteTable {
    pub fn routes(&self) -> &[Arc<Route>] {
        &self.routes
    }

    /// The report-only rules that decide a permission (what start-up warns about).
    pub fn report_routes(&self) -> impl Iterator<Item = &Route> {
        self.routes
            .iter()
            .map(|r| &**r)
            .filter(|r| r.report && matches!(r.access, Access::Permission { .. }))
    }

    /// Route lookups ([`RouteTable::find`]) made on this thread so far (tests only).
    #[cfg(test)]
    pub fn lookups_on_this_thread() -> usize {
        LOOKUPS.with(std::cell::Cell::get)
    }

    /// Normalizes a raw request path and matches it: the one route lookup of a request.
    pub fn claim(&self, method: &str, raw_path: &str) -> Claim {
        let path = match normalize_path(raw_path) {
            Ok(path) => path,
            Err(e) => return Claim::Unsafe(e),
        };
        let (route, ranges) = match self.find(method, &path) {
            Found::Route { route, params } => (route.clone(), params.ranges(&path)),
            Found::MethodNotListed => return Claim::MethodNotListed(path),
            Found::NotFound => return Claim::NotFound,
        };
        Claim::Route(Matched {
            path,
            route,
            ranges,
        })
    }

    /// Matches an already-normalized path.
    pub fn find<'a>(&'a self, method: &str, path: &'a str) -> Found<'a> {
        #[cfg(test)]
        LOOKUPS.with(|n| n.set(n.get() + 1));
        match self.router.at(method, path) {
            RouteMatch::Found { value, params, .. } => Found::Route {
                route: &self.routes[*value],
                params,
            },
            RouteMatch::MethodNotListed { .. } => Found::MethodNotListed,
            RouteMatch::NotFound => Found::NotFound,
        }
    }
}

fn compile_one(
    index: usize,
    rule: &RouteConfig,
    origin: &str,
    config: &Config,
) -> Result<(Template, Route), String> {
    let template = Template::parse(&rule.path).map_err(|e| e.to_string())?;
    let upstream_index = config
        .upstreams
        .keys()
        .position(|name| *name == rule.upstream)
        .ok_or_else(|| format!("unknown upstream `{}` (not in [upstreams])", rule.upstream))?;
    let level = if template.has_param("project") {
        ScopeLevel::Project
    } else if template.has_param("org") {
        ScopeLevel::Organization
    } else {
        ScopeLevel::Account
    };
    let access = match (rule.public, rule.authenticated, &rule.permission) {
        (true, false, None) => Access::Public,
        (false, true, None) => Access::Authenticated,
        (false, false, Some(p)) => {
            let c = catalogue();
            let id = c
                .get(p)
                .ok_or_else(|| format!("unknown permission `{p}`"))?;
            let perm = c.permission(id);
            let ty = rule
                .resource_type
                .clone()
                .unwrap_or_else(|| perm.resource_type.clone());
            if ty != perm.resource_type {
                return Err(format!(
                    "permission `{p}` acts on `{}`, not `{ty}`",
                    perm.resource_type
                ));
            }
            if !perm.available_at(level) {
                return Err(format!(
                    "permission `{p}` is not available at the {level} level of this path"
                ));
            }
            let resource_param = match &rule.resource {
                None => None,
                Some(r) => {
                    let name = param_of(r).ok_or_else(|| {
                        format!("resource `{r}` must be a path parameter like `{{name}}`")
                    })?;
                    if !template.has_param(name) {
                        return Err(format!("resource `{r}` names no parameter of the path"));
                    }
                    Some(name.to_owned())
                }
            };
            let list = resource_param.is_none() && perm.is_list_action();
            Access::Permission {
                permission: id,
                resource_type: ty,
                resource_param,
                list,
            }
        }
        (true, true, _) => return Err("`public` and `authenticated` exclude each other".into()),
        (true, _, Some(_)) | (_, true, Some(_)) => {
            return Err("a public or authenticated-only route names no permission".into())
        }
        (false, false, None) => {
            return Err(
                "a route needs `permission`, `public = true` or `authenticated = true`".into(),
            )
        }
    };
    let mut attributes = Vec::new();
    for (name, value) in &rule.attributes {
        let source = match param_of(value) {
            Some(p) if template.has_param(p) => AttributeSource::Param(p.to_owned()),
            Some(p) => {
                return Err(format!(
                    "attribute `{name}` names no parameter `{{{p}}}` of the path"
                ))
            }
            None => AttributeSource::Literal(value.clone()),
        };
        attributes.push((name.clone(), source));
    }
    let route = Route {
        index,
        label: format!("{} {}", rule.methods.join(","), rule.path),
        methods: rule.methods.clone(),
        template: rule.path.clone(),
        pattern: template.clone(),
        upstream: rule.upstream.clone(),
        upstream_index,
        access,
        level,
        pass_authorization: rule.pass_authorization,
        attributes,
        description: rule.description.clone().unwrap_or_default(),
        origin: origin.to_owned(),
        report: rule.mode.as_deref() == Some("report"),
    };
    Ok((template, route))
}

impl Config {
    /// The rules of the configured packs followed by `[[routes]]`, with their origins.
    pub fn route_rules(
        &self,
        config_origin: &str,
    ) -> Result<Vec<(RouteConfig, String)>, ConfigError> {
        let mut rules = Vec::new();
        for name in &self.gateway.route_packs {
            let (_, text) =
                PACKS
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| ConfigError::Key {
                        origin: config_origin.into(),
                        key: "gateway.route_packs".into(),
                        message: format!("unknown route pack `{name}` (shipped: default, portal)"),
                    })?;
            let pack: PackFile = toml::from_str(text).map_err(|e| ConfigError::Syntax {
                origin: format!("route pack `{name}`"),
                message: e.to_string(),
            })?;
            let report = self.gateway.report_packs.contains(name);
            rules.extend(pack.routes.into_iter().map(|mut r| {
                if report {
                    r.mode = Some("report".into());
                }
                (r, format!("static/routes/{name}.toml"))
            }));
        }
        rules.extend(
            self.routes
                .iter()
                .cloned()
                .map(|r| (r, config_origin.to_owned())),
        );
        Ok(rules)
    }

    /// Compiles the route table or explains, naming rule and file, why it cannot.
    pub fn compile_routes(&self, config_origin: &str) -> Result<RouteTable, ConfigError> {
        let reserved = scopegate_reserved();
        let mut router = Router::new();
        let mut routes = Vec::new();
        let mut origins: BTreeMap<String, String> = BTreeMap::new();
        for (index, (rule, origin)) in self.route_rules(config_origin)?.into_iter().enumerate() {
            let fail = |message: String| ConfigError::Key {
                origin: origin.clone(),
                key: format!("routes `{} {}`", rule.methods.join(","), rule.path),
                message,
            };
            let (template, route) = compile_one(index, &rule, &origin, self).map_err(fail)?;
            Router::<usize>::check_reserved(&template, &reserved)
                .map_err(|e| fail(e.to_string()))?;
            router.insert(template.clone(), &rule.methods, index).map_err(|e| match e {
                RouteError::Overlap { existing, new } => fail(format!(
                    "overlaps rule `{existing}` from {} (the new rule is `{new}`): two rules would match one request",
                    origins.get(&existing).map(String::as_str).unwrap_or("the same file")
                )),
                other => fail(other.to_string()),
            })?;
            origins
                .entry(template.to_string())
                .or_insert(origin.clone());
            routes.push(Arc::new(route));
        }
        Ok(RouteTable { router, routes })
    }
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;
