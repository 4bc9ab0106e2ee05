//! Every answer an operation can give, in the document (DESIGN §4.5): each operation lists
//! the statuses its handler, its extractors (`Caller`: 400 for two credentials or a repeated
//! `Harness-Account`, 401, 503; `JsonBody`: 400, 413, 415) and the decision path (403) can
//! produce, each error with the error body (`Error`, or `NgErrorBody` on the NG paths). Path
//! parameters are declared and operation ids made unique here too. Pure: no I/O.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// The tag of the NG API's paths (`admin::ng`).
pub const NG_TAG: &str = "Harness NG API";

/// The description of an answer by status code (DESIGN §4.5).
fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "400" => "Invalid request (`INVALID_REQUEST`): a malformed parameter or body, a rule the body breaks, or two credentials",
        "401" => "Missing or invalid credentials (`UNAUTHORIZED`)",
        "403" => "Missing permission, escalation, or a managed entity (`ACCESS_DENIED`)",
        "404" => "A scope or reference does not exist (`NOT_FOUND`)",
        "405" => "Method not allowed on this path (`METHOD_NOT_ALLOWED`)",
        "409" => "Conflict (`CONFLICT`)",
        "413" => "Body larger than `gateway.max_admin_body_bytes` (`PAYLOAD_TOO_LARGE`)",
        "415" => "Body is not JSON (`UNSUPPORTED_MEDIA_TYPE`)",
        "429" => "Too many failed logins (`TOO_MANY_REQUESTS`)",
        "500" => "Internal error (`INTERNAL`, no details)",
        "503" => "Database unavailable (`UNAVAILABLE`)",
        _ => "See the error codes of the API description",
    }
}

/// The error body of DESIGN §4.5.
fn error_schema() -> Value {
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
    })
}

/// The statuses `op` (at `method path`) can answer besides those its annotation lists.
fn statuses(method: &str, path: &str, op: &Map<String, Value>) -> Vec<&'static str> {
    let login = path == "/v1/auth/login";
    let body = op.contains_key("requestBody");
    let names_something = path.contains('{')
        || body
        || op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter().any(|p| {
                    matches!(
                        p.get("name").and_then(Value::as_str),
                        Some("orgIdentifier" | "projectIdentifier" | "scope")
                    )
                })
            });
    let mut out = vec!["400", "401", "500", "503"];
    if !login {
        out.push("403");
    }
    if names_something && !login {
        out.push("404");
    }
    if matches!(method, "post" | "put" | "delete") && !login {
        out.push("409");
    }
    if body {
        out.extend(["413", "415"]);
    }
    if login {
        out.push("429");
    }
    out
}

/// The error body of an answer. The NG API (DESIGN §4.10) answers its errors in Harness's
/// shape; a request refused before it reaches the NG API (a path that cannot be normalized
/// safely) gets the common one.
fn error_body(ng: bool, status: &str) -> Value {
    let reference = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    match (ng, status) {
        (false, _) => reference("Error"),
        (true, "400") => json!({"anyOf": [reference("NgErrorBody"), reference("Error")]}),
        (true, _) => reference("NgErrorBody"),
    }
}

/// Declares every `{name}` of the path as a path parameter of the operation.
fn declare_path_params(op: &mut Map<String, Value>, names: &[String]) {
    let list = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Some(list) = list.as_array_mut() {
        for (i, name) in names.iter().enumerate() {
            let declared = list.iter().any(|p| {
                p.get("in") == Some(&json!("path")) && p.get("name") == Some(&json!(name))
            });
            if !declared {
                list.insert(i.min(list.len()), super::path_param(name));
            }
        }
    }
}

/// Operation ids must be unique: a repeated one gets the path appended.
fn unique_operation_id(op: &mut Map<String, Value>, path: &str, seen: &mut HashMap<String, usize>) {
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

/// Completes every operation: path parameters, a unique id, and every status it can answer
/// with its description and error body.
pub fn complete(doc: &mut Value) {
    if let Some(schemas) = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    {
        schemas.insert("Error".into(), error_schema());
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut seen_ids = HashMap::new();
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
            let Some(o) = op.as_object_mut() else {
                continue;
            };
            declare_path_params(o, &names);
            unique_operation_id(o, path, &mut seen_ids);
            complete_operation(method, path, o);
        }
    }
}

fn complete_operation(method: &str, path: &str, op: &mut Map<String, Value>) {
    let ng = op
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == NG_TAG));
    let extra = statuses(method, path, op);
    let Some(responses) = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    else {
        return;
    };
    for status in extra {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| json!({}));
    }
    for (status, response) in responses.iter_mut() {
        let Some(r) = response.as_object_mut() else {
            continue;
        };
        r.entry("description")
            .or_insert_with(|| Value::String(status_description(status).to_owned()));
        if status.starts_with('4') || status.starts_with('5') {
            r.entry("content")
                .or_insert_with(|| json!({"application/json": {"schema": error_body(ng, status)}}));
        }
        if matches!(status.as_str(), "429" | "503") {
            r.entry("headers").or_insert_with(|| {
                json!({"Retry-After": {"description": "Seconds to wait before trying again (when known)", "schema": {"type": "integer"}}})
            });
        }
    }
}
