//! Paths that belong to scopegate itself (admin API, DESIGN §4.4; operational endpoints,
//! §4.7; the access console, §4.9; Harness's NG API, §4.10, also under `/gateway`) and the
//! test that a route rule stays clear of them.
//!
//! Owns [`Reserved`], its overlap rule (used by
//! [`Router::check_reserved`](super::Router::check_reserved)), and [`scopegate_reserved`],
//! the list the route table is checked against at start-up. Pure data: no I/O, no actix; it
//! must never depend on the admin handlers themselves (they live in a higher layer), so
//! this list is kept in step with §4.4 by hand and by the route-pack tests.

use std::fmt;

use super::error::RouteError;
use super::template::Template;

/// A path, or a whole subtree, that route rules may not claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    /// Exactly this template (`/v1/orgs/{org}`).
    Exact(Template),
    /// This template and everything below it (`/swagger-ui`, `/swagger-ui/index.html`).
    Prefix(Template),
}

impl Reserved {
    pub fn exact(template: &str) -> Result<Self, RouteError> {
        Template::parse(template).map(Self::Exact)
    }

    pub fn prefix(template: &str) -> Result<Self, RouteError> {
        Template::parse(template).map(Self::Prefix)
    }

    pub fn template(&self) -> &Template {
        match self {
            Self::Exact(t) | Self::Prefix(t) => t,
        }
    }

    /// Some concrete path matches both `route` and this entry, ignoring precedence: at every
    /// position of the reserved template the segments are equal literals or one is a
    /// parameter; an exact entry also needs the same length, a prefix entry a route at least
    /// as long.
    pub fn overlaps(&self, route: &Template) -> bool {
        let (mine, theirs) = (route.segments(), self.template().segments());
        let long_enough = match self {
            Self::Exact(_) => mine.len() == theirs.len(),
            Self::Prefix(_) => mine.len() >= theirs.len(),
        };
        long_enough && mine.iter().zip(theirs).all(|(a, b)| a.compatible(b))
    }
}

/// `Exact` shows the template, `Prefix` the template followed by `/**`.
impl fmt::Display for Reserved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(t) => write!(f, "{t}"),
            Self::Prefix(t) if t.segments().is_empty() => f.write_str("/**"),
            Self::Prefix(t) => write!(f, "{t}/**"),
        }
    }
}

/// Collections of the admin API that exist at the account, organization and project level
/// (`/v1/roles`, `/v1/orgs/{org}/roles`, `/v1/orgs/{org}/projects/{project}/roles`), each
/// reserved with everything below it.
const SCOPED_COLLECTIONS: &[&str] = &[
    "roles",
    "resource-groups",
    "role-assignments",
    "users",
    "user-groups",
    "service-accounts",
    "resources",
];

/// Account-level admin and operational subtrees.
const PREFIXES: &[&str] = &[
    "/v1/permissions",
    "/v1/settings",
    "/v1/audit-events",
    "/v1/access",
    "/v1/principals",
    "/v1/auth",
    "/v1/policy",
    "/authz",
    "/ng/api",
    "/gateway/ng/api",
    "/gateway/authz/api",
    "/api-docs",
    "/swagger-ui",
    "/console",
    "/healthz",
    "/readyz",
    "/metrics",
];

/// Organization and project items and collections (their sub-collections are listed above).
const EXACT: &[&str] = &[
    "/v1/orgs",
    "/v1/orgs/{org}",
    "/v1/orgs/{org}/projects",
    "/v1/orgs/{org}/projects/{project}",
];

/// scopegate's own paths (DESIGN §4.4 and §4.7): a route rule overlapping any of them is
/// refused at start-up.
pub fn scopegate_reserved() -> Vec<Reserved> {
    let scopes = ["/v1", "/v1/orgs/{org}", "/v1/orgs/{org}/projects/{project}"];
    let scoped = scopes.iter().flat_map(|scope| {
        SCOPED_COLLECTIONS
            .iter()
            .map(move |c| Reserved::prefix(&format!("{scope}/{c}")))
    });
    let listed = PREFIXES.iter().map(|p| Reserved::prefix(p));
    let exact = EXACT.iter().map(|e| Reserved::exact(e));
    // Every entry is a constant template covered by a unit test, so none is dropped.
    scoped
        .chain(listed)
        .chain(exact)
        .filter_map(Result::ok)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::route::Router;

    fn t(text: &str) -> Template {
        Template::parse(text).unwrap()
    }

    #[test]
    fn every_reserved_entry_parses() {
        let count = SCOPED_COLLECTIONS.len() * 3 + PREFIXES.len() + EXACT.len();
        assert_eq!(scopegate_reserved().len(), count);
    }

    #[test]
    fn exact_entries_conflict_on_compatible_paths_of_equal_length() {
        let reserved = [Reserved::exact("/v1/roles/{role}").unwrap()];
        for (route, conflict) in [
            ("/v1/roles/{role}", true),
            ("/v1/roles/{id}", true),
            ("/v1/roles/count", true),
            ("/v1/{kind}/{id}", true),
            ("/{a}/{b}/{c}", true),
            ("/v1/roles", false),
            ("/v1/roles/{role}/extra", false),
            ("/v1/teams/{team}", false),
            ("/v2/roles/{role}", false),
            ("/V1/roles/{role}", false),
        ] {
            let answer = Router::<()>::check_reserved(&t(route), &reserved);
            assert_eq!(answer.is_err(), conflict, "{route}");
        }
    }

    #[test]
    fn prefix_entries_conflict_below_the_prefix() {
        let reserved = [Reserved::prefix("/swagger-ui").unwrap()];
        for (route, conflict) in [
            ("/swagger-ui", true),
            ("/swagger-ui/index.html", true),
            ("/{any}/x", true),
            ("/swagger", false),
            ("/", false),
            ("/v1/swagger-ui", false),
        ] {
            let answer = Router::<()>::check_reserved(&t(route), &reserved);
            assert_eq!(answer.is_err(), conflict, "{route}");
        }
    }

    #[test]
    fn the_error_names_both() {
        let reserved = [Reserved::prefix("/v1/orgs/{org}/roles").unwrap()];
        let e = Router::<()>::check_reserved(&t("/v1/orgs/{o}/roles/{r}/x"), &reserved);
        assert_eq!(
            e.unwrap_err().to_string(),
            "route `/v1/orgs/{o}/roles/{r}/x` overlaps scopegate's own path \
             `/v1/orgs/{org}/roles/**`"
        );
    }

    #[test]
    fn scopegate_paths_are_reserved() {
        let reserved = scopegate_reserved();
        for route in [
            "/v1/orgs",
            "/v1/orgs/{org}",
            "/v1/orgs/{org}/projects/{project}",
            "/v1/orgs/{org}/projects/{project}/roles/{role}",
            "/v1/orgs/{org}/resource-groups",
            "/v1/users/{user}/tokens",
            "/v1/service-accounts/{sa}/tokens/{id}/rotate",
            "/v1/roles/count",
            "/v1/access/explain",
            "/authz/api/acl",
            "/authz/api/roles/{id}",
            "/authz/api/v2/resourcegroup",
            "/authz/api/roleassignments/filter",
            "/ng/api/organizations",
            "/ng/api/projects/{project}",
            "/gateway/ng/api/organizations/{org}",
            "/gateway/authz/api/acl",
            "/gateway/authz/api/roleassignments",
            "/{any}/api/organizations",
            "/api-docs/openapi.json",
            "/console",
            "/console/views/who.js",
            "/healthz",
            "/metrics",
        ] {
            assert!(
                Router::<()>::check_reserved(&t(route), &reserved).is_err(),
                "{route}"
            );
        }
        for route in [
            "/v1/orgs/{org}/apis",
            "/v1/teams",
            "/v1/tenant",
            "/",
            "/ng",
            "/ng/ui/{page}",
            "/gateway",
            "/gateway/pipeline/api/pipelines",
        ] {
            assert!(
                Router::<()>::check_reserved(&t(route), &reserved).is_ok(),
                "{route}"
            );
        }
    }
}
