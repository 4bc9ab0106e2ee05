//! The OpenAPI 3.1 document (`/api-docs/openapi.json`) and Swagger UI (`/swagger-ui/`,
//! served offline from utoipa-swagger-ui's vendored bundle, with its spec-validator badge
//! off: under any host name but localhost Swagger UI would otherwise send the document's
//! URL to validator.swagger.io, DESIGN §4.9). Each handler module derives
//! its own `OpenApi` part; they are merged here, and every path of a scoped collection
//! (`/v1/roles`…) gains its organization and project variants.

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

/// The tag of the NG API's paths (`admin::ng`).
const NG_TAG: &str = "Harness NG API";

/// Collections that exist at account, organization and project level.
const SCOPED: &[&str] = &[
    "roles",
    "resource-groups",
    "role-assignments",
    "user-groups",
    "service-accounts",
    "resources",
];

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

/// The description of an answer by status code (DESIGN §4.5).
fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "400" => "Invalid request (`INVALID_REQUEST`)",
        "401" => "Missing or invalid credentials (`UNAUTHORIZED`)",
        "403" => "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)",
        "404" => "A scope or reference does not exist (`NOT_FOUND`)",
        "405" => "Method not allowed on this path (`METHOD_NOT_ALLOWED`)",
        "409" => "Conflict (`CONFLICT`)",
        "413" => "Body larger than `gateway.max_admin_body_bytes` (`PAYLOAD_TOO_LARGE`)",
        "415" => "Body is not JSON (`UNSUPPORTED_MEDIA_TYPE`)",
        "429" => "Too many failed logins (`TOO_MANY_REQUESTS`)",
        "503" => "Database unavailable (`UNAVAILABLE`)",
        _ => "See the error codes of the API description",
    }
}

/// Declares every `{name}` of the path as a path parameter of the operation.
fn declare_path_params(op: &mut serde_json::Map<String, Value>, names: &[String]) {
    let list = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Some(list) = list.as_array_mut() {
        for (i, name) in names.iter().enumerate() {
            let declared = list.iter().any(|p| {
                p.get("in") == Some(&json!("path")) && p.get("name") == Some(&json!(name))
            });
            if !declared {
                list.insert(i.min(list.len()), path_param(name));
            }
        }
    }
}

/// Operation ids must be unique: a repeated one gets the path appended.
fn unique_operation_id(
    op: &mut serde_json::Map<String, Value>,
    path: &str,
    seen: &mut std::collections::HashMap<String, usize>,
) {
    let Some(id) = op
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    let n = seen.entry(id.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        let suffix: String = path
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        op.insert("operationId".into(), Value::String(format!("{id}{suffix}")));
    }
}

/// Every response gets a description, and every error response the `Error` schema; every
/// operation documents 401 and 503, which any authenticated endpoint can answer.
fn complete_responses(doc: &mut Value) {
    let components = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(schemas) = components
        .and_then(|c| c.as_object_mut())
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
    {
        if let Some(s) = schemas.as_object_mut() {
            s.insert(
                "Error".into(),
                json!({
                    "type": "object",
                    "required": ["code", "message", "request_id"],
                    "properties": {
                        "code": {"type": "string", "enum": ["INVALID_REQUEST", "UNAUTHORIZED", "ACCESS_DENIED", "NOT_FOUND", "METHOD_NOT_ALLOWED", "CONFLICT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "REQUEST_HEADER_FIELDS_TOO_LARGE", "TOO_MANY_REQUESTS", "INTERNAL", "UPSTREAM_UNAVAILABLE", "UNAVAILABLE", "UPSTREAM_TIMEOUT"]},
                        "message": {"type": "string"},
                        "request_id": {"type": "string"},
                        "permission": {"type": ["string", "null"], "description": "ACCESS_DENIED only: the missing permission (null for managed entities)"},
                        "resource": {"type": ["string", "null"], "description": "ACCESS_DENIED only: the resource it was missing on"}
                    }
                }),
            );
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut seen_ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (path, item) in paths.iter_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        let names: Vec<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        for (method, op) in ops.iter_mut() {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            if let Some(o) = op.as_object_mut() {
                declare_path_params(o, &names);
                unique_operation_id(o, path, &mut seen_ids);
            }
            let ng = op
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t == NG_TAG));
            let Some(responses) = op
                .as_object_mut()
                .map(|o| o.entry("responses").or_insert_with(|| json!({})))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for extra in ["401", "503"] {
                responses
                    .entry(extra.to_owned())
                    .or_insert_with(|| json!({}));
            }
            // The NG API (DESIGN §4.10) answers its errors in Harness's shape.
            let error = if ng { "NgErrorBody" } else { "Error" };
            for (status, response) in responses.iter_mut() {
                let Some(r) = response.as_object_mut() else {
                    continue;
                };
                r.entry("description")
                    .or_insert_with(|| Value::String(status_description(status).to_owned()));
                if status.starts_with('4') || status.starts_with('5') {
                    r.entry("content").or_insert_with(|| json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{error}")}}}));
                }
            }
        }
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
    complete_responses(&mut value);
    value
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
