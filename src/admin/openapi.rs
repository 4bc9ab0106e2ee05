//! The OpenAPI 3.1 document (`/api-docs/openapi.json`) and Swagger UI (`/swagger-ui/`,
//! served offline from utoipa-swagger-ui's vendored bundle). Each handler module derives
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
    info(title = "scopegate admin API", description = "Harness v1 compatible administration of scopegate: organizations, projects, roles, resource groups, role assignments, principals, tokens, the resource registry, access checks and the audit log. Every error is `{code, message, request_id}`.", version = "1"),
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-docs/openapi.json", web::get().to(openapi_json))
        .route("/swagger-ui", web::get().to(swagger_redirect))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/swagger-ui/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api-docs/openapi.json")),
        );
}
