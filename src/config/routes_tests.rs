//! Route compilation and matching: the shipped packs together, start-up errors naming
//! rule and file, overlaps, upstream indexes, and the one lookup of a request (`claim`).

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

#[test]
fn upstreams_are_resolved_to_their_index_in_name_order() {
    let c = config(&format!(
        "[gateway]\nroute_packs = [\"default\", \"portal\"]\n{UPSTREAMS}"
    ));
    let table = c.compile_routes("test.toml").unwrap();
    let names: Vec<&String> = c.upstreams.keys().collect();
    assert_eq!(names, ["insights", "portal", "profiles", "teams"]);
    for route in table.routes() {
        assert_eq!(
            names[route.upstream_index], &route.upstream,
            "{}",
            route.label
        );
    }
}

#[test]
fn a_claim_is_one_lookup_carrying_its_match() {
    let c = config(&format!(
        "[gateway]\nroute_packs = [\"default\"]\n{UPSTREAMS}"
    ));
    let table = c.compile_routes("test.toml").unwrap();
    let before = RouteTable::lookups_on_this_thread();
    let Claim::Route(matched) = table.claim("PUT", "/v1/orgs/eng/projects/web/teams/team%2Da/")
    else {
        panic!("team route");
    };
    assert_eq!(RouteTable::lookups_on_this_thread() - before, 1);
    assert_eq!(matched.path(), "/v1/orgs/eng/projects/web/teams/team-a");
    assert_eq!(
        matched.route().template,
        "/v1/orgs/{org}/projects/{project}/teams/{team}"
    );
    let params: Vec<_> = matched.params().iter().collect();
    assert_eq!(
        params,
        [("org", "eng"), ("project", "web"), ("team", "team-a")]
    );
    let cases = [
        (
            "DELETE",
            "/v1/orgs/eng/projects/web/teams/team-a/x/y",
            "not found",
        ),
        (
            "delete",
            "/v1/orgs/eng/projects/web/teams/team-a",
            "method not listed",
        ),
        ("GET", "/v1/orgs/eng/../x", "unsafe"),
        ("GET", "/v1/roles", "not found"),
    ];
    for (method, path, expected) in cases {
        let got = match table.claim(method, path) {
            Claim::Route(_) => "route",
            Claim::MethodNotListed(_) => "method not listed",
            Claim::Unsafe(_) => "unsafe",
            Claim::NotFound => "not found",
        };
        assert_eq!(got, expected, "{method} {path}");
    }
}
