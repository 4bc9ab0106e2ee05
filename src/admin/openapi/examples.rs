//! The request examples of the document (DESIGN §4.9: each succeeds when executed as is
//! against `scopegate demo`, which `tests/it/openapi_examples.rs` checks). They are data,
//! `examples.json` beside this file, one entry per operation: `method`, `path` (or `scoped`
//! with `tail` for the account, organization and project variants), path and query `params`,
//! the `body`, and `body_by_level` {"1": organization body, "2": project body} where the
//! variants differ. `{org}` and `{project}` are the demo's `eng` and `web` unless `params`
//! says otherwise. Pure: no I/O.

use serde_json::{json, Value};

const EXAMPLES: &str = include_str!("examples.json");

/// The demo's organization and project, the default of every `{org}` and `{project}`.
const SCOPE_PARAMS: [(&str, &str); 2] = [("org", "eng"), ("project", "web")];

const SCOPES: [&str; 3] = ["/v1", "/v1/orgs/{org}", "/v1/orgs/{org}/projects/{project}"];

/// Writes every example into `doc`'s operations; an entry naming an operation the document
/// lacks is skipped (the unit test below keeps the file and the document in step).
pub fn apply(doc: &mut Value) -> Vec<String> {
    let entries: Vec<Value> = serde_json::from_str(EXAMPLES).unwrap_or_default();
    let mut missing = Vec::new();
    for e in &entries {
        let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
        let method = text("method");
        let paths: Vec<String> = if e.get("scoped").and_then(Value::as_bool) == Some(true) {
            SCOPES
                .iter()
                .map(|s| format!("{s}{}", text("tail")))
                .collect()
        } else {
            vec![text("path").to_owned()]
        };
        let params = e.get("params").cloned().unwrap_or_else(|| json!({}));
        for (level, path) in paths.iter().enumerate() {
            let Some(op) = doc
                .get_mut("paths")
                .and_then(|p| p.get_mut(path.as_str()))
                .and_then(|i| i.get_mut(method))
            else {
                missing.push(format!("{} {path}", method.to_uppercase()));
                continue;
            };
            if let Some(body) = e.get("body") {
                let body = e
                    .pointer(&format!("/body_by_level/{level}"))
                    .unwrap_or(body)
                    .clone();
                if let Some(media) = op.pointer_mut("/requestBody/content/application~1json") {
                    if let Some(m) = media.as_object_mut() {
                        m.insert("example".into(), body);
                    }
                }
            }
            set_parameter_examples(op, &params);
        }
    }
    default_scope_examples(doc);
    missing
}

/// Every `{org}` and `{project}` without an example gets the demo's (Swagger UI pre-fills
/// them, and the lists at organization and project level run as they are).
fn default_scope_examples(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|i| i.values_mut())
    {
        let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        for p in list
            .iter_mut()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let value = SCOPE_PARAMS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v);
            if let (Some(value), Some(obj)) = (value, p.as_object_mut()) {
                obj.entry("example").or_insert_with(|| json!(value));
            }
        }
    }
}

fn set_parameter_examples(op: &mut Value, params: &Value) {
    let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in list.iter_mut() {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let in_path = p.get("in").and_then(Value::as_str) == Some("path");
        let value = params.get(name).cloned().or_else(|| {
            SCOPE_PARAMS
                .iter()
                .find(|(n, _)| *n == name && in_path)
                .map(|(_, v)| json!(v))
        });
        if let (Some(value), Some(obj)) = (value, p.as_object_mut()) {
            obj.insert("example".into(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every entry names an operation of the document.
    #[test]
    fn every_example_names_an_operation() {
        let mut doc = super::super::document();
        let missing = super::apply(&mut doc);
        assert!(
            missing.is_empty(),
            "examples for unknown operations: {missing:?}"
        );
    }
}
