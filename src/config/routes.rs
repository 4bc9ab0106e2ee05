//! Compiles route rules (shipped packs plus `[[routes]]`) into the precompiled route table.
//!
//! Validation at start-up (DESIGN §3): unknown upstream, unknown permission, a permission of
//! another resource type or not available at the route's scope level, a `resource` or
//! attribute naming no path parameter, overlapping rules, and rules that claim scopegate's
//! own paths are errors naming the rule and its file. Pure: packs are embedded text.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Config, ConfigError, RouteConfig};
use crate::policy::permission::{catalogue, PermissionId};
use crate::policy::route::{scopegate_reserved, RouteError, RouteMatch, Router, Template};
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
    pub upstream: String,
    pub access: Access,
    /// Level the route checks at: project with `{project}`, organization with `{org}`.
    pub level: ScopeLevel,
    pub pass_authorization: bool,
    pub attributes: Vec<(String, AttributeSource)>,
    pub description: String,
    /// Where the rule came from: `pack default` or the config file.
    pub origin: String,
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
        params: crate::policy::route::Params<'a>,
    },
    /// The path matches a rule that does not list the method.
    MethodNotListed,
    NotFound,
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

    /// Matches an already-normalized path.
    pub fn find<'a>(&'a self, method: &str, path: &'a str) -> Found<'a> {
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
    if !config.upstreams.contains_key(&rule.upstream) {
        return Err(format!(
            "unknown upstream `{}` (not in [upstreams])",
            rule.upstream
        ));
    }
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
        upstream: rule.upstream.clone(),
        access,
        level,
        pass_authorization: rule.pass_authorization,
        attributes,
        description: rule.description.clone().unwrap_or_default(),
        origin: origin.to_owned(),
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
            rules.extend(
                pack.routes
                    .into_iter()
                    .map(|r| (r, format!("static/routes/{name}.toml"))),
            );
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
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(Some(text), "test.toml", &[]).unwrap()
    }

    const UPSTREAMS: &str = "[upstreams]\ninsights = \"http://127.0.0.1:1\"\nprofiles = \"http://127.0.0.1:2\"\nteams = \"http://127.0.0.1:3\"\nportal = \"http://127.0.0.1:4\"\n";

    #[test]
    fn shipped_packs_compile_together() {
        let c = config(&format!(
            "[gateway]\nroute_packs = [\"default\", \"portal\"]\n{UPSTREAMS}"
        ));
        let table = c.compile_routes("test.toml").unwrap();
        assert!(table.routes().len() > 100);
        match table.find("GET", "/v1/orgs/eng/projects/web/insights/categories") {
            Found::Route { route, .. } => assert_eq!(
                route.template,
                "/v1/orgs/{org}/projects/{project}/insights/categories"
            ),
            _ => panic!("literal beats parameter"),
        }
        match table.find("PUT", "/v1/orgs/eng/projects/web/teams/team-a") {
            Found::Route { route, params } => {
                assert_eq!(params.get("team"), Some("team-a"));
                assert_eq!(
                    route.attributes,
                    vec![("team".to_owned(), AttributeSource::Param("team".into()))]
                );
            }
            _ => panic!("team route"),
        }
        assert!(matches!(
            table.find("delete", "/v1/orgs/eng/projects/web/teams/team-a"),
            Found::MethodNotListed
        ));
        assert!(matches!(table.find("GET", "/nowhere"), Found::NotFound));
    }

    #[test]
    fn start_up_errors_name_rule_and_file() {
        let cases: &[(&str, &str)] = &[
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/x\"\nupstream=\"nope\"\npublic=true", "unknown upstream `nope`"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/x\"\nupstream=\"teams\"\npermission=\"nope\"", "unknown permission `nope`"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/v1/orgs/{org}/projects/{project}/x\"\nupstream=\"teams\"\npermission=\"sei_seiteams_view\"\nresource_type=\"SEI_PROFILE\"", "acts on `SEI_TEAM`"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/x\"\nupstream=\"teams\"\npermission=\"sei_seiteams_view\"", "not available at the account level"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/v1/orgs/{org}/projects/{project}/x\"\nupstream=\"teams\"\npermission=\"sei_seiteams_view\"\nresource=\"{team}\"", "names no parameter"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/v1/roles/{r}\"\nupstream=\"teams\"\npublic=true", "/v1/roles"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/healthz\"\nupstream=\"teams\"\npublic=true", "healthz"),
            ("[[routes]]\nmethods=[\"GET\"]\npath=\"/x\"\nupstream=\"teams\"", "needs `permission`"),
        ];
        for (rules, needle) in cases {
            let c = config(&format!("[gateway]\nroute_packs = []\n{UPSTREAMS}{rules}"));
            let err = c.compile_routes("my.toml").unwrap_err().to_string();
            assert!(
                err.contains(needle) && err.contains("my.toml"),
                "{needle}: {err}"
            );
        }
    }

    #[test]
    fn overlapping_rules_are_refused_naming_both_files() {
        let c = config(&format!(
            "{UPSTREAMS}[[routes]]\nmethods=[\"GET\",\"POST\"]\npath=\"/v1/orgs/{{o}}/projects/{{p}}/teams\"\nupstream=\"teams\"\nauthenticated=true\n"
        ));
        let err = c.compile_routes("my.toml").unwrap_err().to_string();
        assert!(
            err.contains("static/routes/default.toml")
                && err.contains("my.toml")
                && err.contains("overlaps"),
            "{err}"
        );
        let unknown_pack = config(&format!("[gateway]\nroute_packs = [\"nope\"]\n{UPSTREAMS}"));
        assert!(unknown_pack
            .compile_routes("my.toml")
            .unwrap_err()
            .to_string()
            .contains("nope"));
    }
}
