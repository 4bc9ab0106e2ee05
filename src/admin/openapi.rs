//! The OpenAPI 3.1 document (`/api-docs/openapi.json`) and Swagger UI (`/swagger-ui/`,
//! served offline from utoipa-swagger-ui's vendored bundle, with its spec-validator badge
//! off: under any host name but localhost Swagger UI would otherwise send the document's
//! URL to validator.swagger.io, DESIGN §4.9). Each handler module derives
//! its own `OpenApi` part; they are merged here, and every path of a scoped collection
//! (`/v1/roles`…) gains its organization and project variants. Then, once for every module:
//! [`responses`] lists every status an operation can answer with its error body,
//! [`constraints`] writes what the server accepts into parameters and bodies, and
//! [`examples`] adds the request examples that run as they are against the demo.

mod constraints;
mod examples;
mod responses;

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "scopegate admin API", description = "Harness v1 compatible administration of scopegate: organizations, projects, roles, resource groups, role assignments, principals, tokens, the resource registry, access checks and the audit log. Every error is `{code, message, request_id}`. The paths tagged \"Harness NG API\" are Harness's NG API over the same entities (scope in the query, Harness's envelope and pages, errors as `{status: ERROR, code, message, correlationId}`), also served under the `/gateway` prefix.", version = "1"),
    modifiers(&Security),
    security(("api_key" = []), ("bearer" = []))
)]
struct Base;

/// Collections that exist at account, organization and project level.
const SCOPED: &[&str] = &[
    "roles",
    "resource-groups",
    "role-assignments",
    "user-groups",
    "service-accounts",
    "resources",
];

/// A path parameter as the document declares it (its schema is set by `constraints`).
fn path_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
}

/// Adds `/v1/orgs/{org}/…` and `/v1/orgs/{org}/projects/{project}/…` copies of every
/// account-level path of a scoped collection.
fn add_scoped_variants(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut extra = Vec::new();
    for (path, item) in paths.iter() {
        let Some(tail) = path.strip_prefix("/v1/") else {
            continue;
        };
        if !SCOPED
            .iter()
            .any(|s| tail == *s || tail.starts_with(&format!("{s}/")))
        {
            continue;
        }
        for (prefix, params) in [
            ("/v1/orgs/{org}/", vec!["org"]),
            ("/v1/orgs/{org}/projects/{project}/", vec!["org", "project"]),
        ] {
            let mut copy = item.clone();
            if let Some(ops) = copy.as_object_mut() {
                for (_, op) in ops.iter_mut() {
                    if let Some(op) = op.as_object_mut() {
                        if let Some(id) = op
                            .get("operationId")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                        {
                            op.insert(
                                "operationId".into(),
                                Value::String(format!("{id}_{}", params.join("_"))),
                            );
                        }
                        let list = op
                            .entry("parameters")
                            .or_insert_with(|| Value::Array(Vec::new()));
                        if let Some(list) = list.as_array_mut() {
                            for (i, p) in params.iter().enumerate() {
                                list.insert(i, path_param(p));
                            }
                        }
                    }
                }
            }
            extra.push((format!("{prefix}{tail}"), copy));
        }
    }
    for (path, item) in extra {
        paths.insert(path, item);
    }
}

/// The merged document of every admin module.
pub fn document() -> Value {
    let mut doc = Base::openapi();
    doc.merge(super::orgs::OrgsApi::openapi());
    for part in super::openapi_parts() {
        doc.merge(part);
    }
    let mut value = serde_json::to_value(&doc).unwrap_or_else(|_| json!({}));
    add_scoped_variants(&mut value);
    responses::complete(&mut value);
    constraints::apply(&mut value);
    examples::apply(&mut value);
    value
}

/// `GET, POST`: the methods the document lists for an actix path pattern (`{name}` and
/// `{name:regex}` parameters alike; the `/gateway` copies of the NG paths as the NG paths).
/// Paths outside the document are the console's pages, which answer GET only.
pub fn allowed_methods(pattern: &str) -> &'static str {
    static METHODS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
        let doc = document();
        let mut out = HashMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let methods: Vec<String> = ["get", "put", "post", "delete", "patch"]
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_uppercase())
                .collect();
            out.insert(path_shape(path), methods.join(", "));
        }
        out
    });
    let pattern = pattern
        .strip_prefix(crate::admin::ng::GATEWAY_PREFIX)
        .filter(|rest| rest.starts_with("/ng/") || rest.starts_with("/authz/"))
        .unwrap_or(pattern);
    METHODS
        .get(&path_shape(pattern))
        .map(String::as_str)
        .unwrap_or("GET")
}

/// `/v1/orgs/{org}/roles/{role:.+}` → `/v1/orgs/{}/roles/{}`.
fn path_shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string_pretty(&document()).unwrap_or_default());

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}

async fn swagger_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/swagger-ui/"))
        .finish()
}

/// Swagger UI's settings: the one document, no outside validator, the Authorize dialog
/// offering the document's `api_key` (`x-api-key`) and `bearer` schemes.
fn swagger_config() -> utoipa_swagger_ui::Config<'static> {
    utoipa_swagger_ui::Config::from("/api-docs/openapi.json")
        .validator_url("none")
        .display_request_duration(true)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-docs/openapi.json", web::get().to(openapi_json))
        .route("/swagger-ui", web::get().to(swagger_redirect))
        .service(utoipa_swagger_ui::SwaggerUi::new("/swagger-ui/{_:.*}").config(swagger_config()));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use utoipa::OpenApi;

    /// utoipa names a schema after its Rust type; two types of one name in different
    /// modules would silently replace each other in the merged document.
    #[test]
    fn no_two_parts_define_one_schema_name_differently() {
        let mut parts = vec![
            super::Base::openapi(),
            super::super::orgs::OrgsApi::openapi(),
        ];
        parts.extend(super::super::openapi_parts());
        let mut seen: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        let mut clashes = Vec::new();
        for part in parts {
            let Some(components) = part.components else {
                continue;
            };
            for (name, schema) in components.schemas {
                let schema = serde_json::to_value(schema).unwrap();
                match seen.get(&name) {
                    Some(other) if *other != schema => clashes.push(name),
                    _ => {
                        seen.insert(name, schema);
                    }
                }
            }
        }
        assert!(clashes.is_empty(), "schemas defined twice: {clashes:?}");
    }
}
