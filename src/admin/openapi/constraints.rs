//! What the server accepts, written into the OpenAPI document once for every module: the
//! identifier pattern (DESIGN §4.4), list paging and sorting bounds, the enumerations (scope
//! levels, principal types, resource types and permissions of the catalogue, split phases,
//! scope filters) in the spellings the server takes (any case where it takes any case),
//! and the lengths and formats of names, descriptions, emails and passwords. Parameters get
//! theirs by name (and, for `{type}`, by path); request bodies by schema and property, so a
//! constraint sits here beside the others instead of in a hundred annotations.
//!
//! Each pattern describes exactly the strings the handler's check lets through, in a regex
//! dialect that ECMA-262, Python and Rust's `regex` read alike (the unit tests compare
//! them with the server's own validators). Pure: no I/O.

use serde_json::{json, Map, Value};

use crate::policy::permission::catalogue;
use crate::policy::split::split_pairs;

/// DESIGN §4.4's identifier pattern (`policy::ids`).
pub const IDENTIFIER: &str = "^[a-zA-Z_][0-9a-zA-Z_$-]{0,127}$";

/// What Rust's `char::is_whitespace` (Unicode White_Space) matches, as a class body: what
/// `str::trim` removes.
const WHITESPACE: &str =
    "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

/// Whitespace and control characters (Rust's `char::is_control`), as a class body.
const BLANK_OR_CONTROL: &str =
    "\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

/// A pattern matching `words` in any letter case (`[oO][fF][fF]`), whole.
pub fn any_case(words: &[&str]) -> String {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                    } else if c.is_ascii_alphanumeric() || c == '_' {
                        c.to_string()
                    } else {
                        format!("\\{c}")
                    }
                })
                .collect()
        })
        .collect();
    format!("^(?:{})$", alternatives.join("|"))
}

/// A string that holds something besides whitespace (`trim()` leaves something).
pub fn not_blank() -> String {
    format!("[^{WHITESPACE}]")
}

/// An email address as `principals::common::normalize_email` takes it: one `@`, no
/// whitespace or control characters, a dotted domain whose labels are not empty and do not
/// start or end with `-`.
pub fn email() -> String {
    let c = format!("@{BLANK_OR_CONTROL}");
    let label = format!("[^{c}.-](?:[^{c}.]*[^{c}.-])?");
    format!("^[^{c}]+@{label}(?:\\.{label})+$")
}

/// A query value that the NG API reads as absent when empty or blank.
fn blank_or(pattern: &str) -> String {
    let inner = pattern.trim_start_matches('^').trim_end_matches('$');
    format!("^(?:{inner}|[{WHITESPACE}]*)$")
}

const LEVELS: &[&str] = &["account", "organization", "org", "project"];
const PRINCIPAL_TYPES: &[&str] = &["USER", "USER_GROUP", "SERVICE_ACCOUNT"];
const CHECKABLE_TYPES: &[&str] = &["USER", "SERVICE_ACCOUNT"];
const SCOPE_FILTERS: &[&str] = &["INCLUDING_CHILD_SCOPES", "EXCLUDING_CHILD_SCOPES"];

fn string(pattern: String) -> Value {
    json!({"type": "string", "pattern": pattern})
}

fn identifier() -> Value {
    string(IDENTIFIER.to_owned())
}

fn level() -> Value {
    string(any_case(LEVELS))
}

fn resource_types_any_case() -> String {
    let types: Vec<&str> = catalogue()
        .resource_types()
        .iter()
        .map(String::as_str)
        .collect();
    any_case(&types)
}

fn split_types_any_case() -> String {
    let types: Vec<&str> = split_pairs().iter().map(|p| p.resource_type).collect();
    any_case(&types)
}

fn permission_ref() -> Value {
    json!({"$ref": "#/components/schemas/PermissionIdentifier"})
}

fn resource_type_ref() -> Value {
    json!({"$ref": "#/components/schemas/ResourceType"})
}

/// Schemas every constraint below may refer to: the catalogue's permission identifiers and
/// resource types.
fn shared_schemas() -> Vec<(&'static str, Value)> {
    let permissions: Vec<&str> = catalogue()
        .all()
        .iter()
        .map(|p| p.identifier.as_str())
        .collect();
    let part = || json!({"type": ["string", "null"], "pattern": blank_or(IDENTIFIER)});
    vec![
        (
            "ExplainResourceScope",
            json!({
                "type": "object",
                "description": "Where the explained resource lives: the caller's account (absent or blank: that account), an organization, a project (with its organization).",
                "properties": {"accountIdentifier": part(), "orgIdentifier": part(), "projectIdentifier": part()}
            }),
        ),
        (
            "PermissionIdentifier",
            json!({"type": "string", "description": "A permission of the catalogue (`GET /v1/permissions`).", "enum": permissions}),
        ),
        (
            "ResourceType",
            json!({"type": "string", "description": "A resource type of the catalogue, upper case.", "enum": catalogue().resource_types()}),
        ),
    ]
}

/// The schema of a parameter, by where it is and what it is called; `None` leaves it as
/// the annotation wrote it.
fn parameter_schema(path: &str, location: &str, name: &str) -> Option<Value> {
    let id_like = |v: Value| Some(v);
    match (location, name) {
        ("path", "type") if path.contains("/principals/") => {
            id_like(string(any_case(CHECKABLE_TYPES)))
        }
        ("path", "type") => id_like(resource_type_ref()),
        ("path", "resource_type") => id_like(string(split_types_any_case())),
        ("path", _) => id_like(identifier()),
        ("query", "page") => {
            Some(json!({"type": "integer", "minimum": 0, "maximum": i64::MAX, "default": 0}))
        }
        ("query", "limit") => {
            Some(json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 30}))
        }
        ("query", "pageIndex") => {
            Some(json!({"type": "integer", "minimum": 0, "maximum": i64::MAX, "default": 0}))
        }
        ("query", "pageSize") => {
            Some(json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 50}))
        }
        ("query", "sort") => Some(string(any_case(&[
            "identifier",
            "name",
            "created",
            "updated",
        ]))),
        ("query", "order") => Some(string(any_case(&["ASC", "DESC"]))),
        ("query", "sortOrders") => Some(string(sort_orders())),
        ("query", "accountIdentifier")
            if path.starts_with("/ng/") || path.starts_with("/authz/") =>
        {
            None
        }
        ("query", "orgIdentifier" | "projectIdentifier") => Some(string(blank_or(IDENTIFIER))),
        ("query", "scope_level") => Some(string(blank_or(&any_case(LEVELS)))),
        ("query", "scope") => Some(string(format!(
            "^[{WHITESPACE}]*{id}(?:/{id}){{0,2}}[{WHITESPACE}]*$",
            id = IDENTIFIER.trim_start_matches('^').trim_end_matches('$')
        ))),
        ("query", "from" | "to" | "since") => {
            Some(json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}))
        }
        _ => None,
    }
}

/// A registry entry's attributes (`registry::validate_attributes`): at most 64, names of 1 to
/// 128 characters that are not all blank, values of at most 1024; no control characters.
fn attributes() -> Value {
    let control = "\\u0000-\\u001F\\u007F-\\u009F";
    json!({
        "maxProperties": 64,
        "propertyNames": {"minLength": 1, "maxLength": 128, "pattern": format!("^[^{control}]*[^{BLANK_OR_CONTROL}][^{control}]*$")},
        "additionalProperties": {"type": "string", "maxLength": 1024, "pattern": format!("^[^{control}]*$")}
    })
}

/// `sortOrders` as `field[,ASC|DESC]` (blanks around each part allowed).
fn sort_orders() -> String {
    let ws = format!("[{WHITESPACE}]*");
    let field = any_case(&[
        "identifier",
        "name",
        "createdAt",
        "created",
        "lastModifiedAt",
        "lastModified",
        "updated",
    ]);
    let order = any_case(&["ASC", "DESC"]);
    let inner = |p: &str| p.trim_start_matches('^').trim_end_matches('$').to_owned();
    format!("^{ws}{}{ws}(?:,{ws}{}{ws})?$", inner(&field), inner(&order))
}

/// `(schema, property, constraint)`: the constraint's keys replace the property's (for an
/// array, `items` describes each element).
fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let id = || json!({"pattern": IDENTIFIER});
    let ids = || json!({"items": identifier()});
    let name = || json!({"minLength": 1, "maxLength": 256, "pattern": not_blank()});
    let description = || json!({"maxLength": 1024});
    let email = || json!({"maxLength": 254, "pattern": email()});
    let password = || json!({"minLength": 8, "maxLength": 1024});
    let levels = || json!({"items": level(), "minItems": 1});
    let level = || json!({"pattern": any_case(LEVELS)});
    let principal_type = || json!({"pattern": any_case(PRINCIPAL_TYPES)});
    let scope_filter = || json!({"pattern": any_case(SCOPE_FILTERS)});
    let permissions = || json!({"items": permission_ref()});
    let any_type = || json!({"pattern": resource_types_any_case()});
    let mut rules = vec![
        ("OrgFields", "identifier", id()),
        ("OrgFields", "name", name()),
        ("NgOrgDto", "identifier", id()),
        ("NgOrgDto", "name", name()),
        ("RoleRequest", "identifier", id()),
        ("RoleRequest", "name", name()),
        ("RoleRequest", "permissions", permissions()),
        ("RoleRequest", "allowed_scope_levels", levels()),
        ("NgRoleDto", "identifier", id()),
        ("NgRoleDto", "name", name()),
        ("NgRoleDto", "permissions", permissions()),
        ("NgRoleDto", "allowedScopeLevels", levels()),
        ("ResourceGroupRequest", "identifier", id()),
        ("ResourceGroupRequest", "name", name()),
        ("ResourceGroupRequest", "allowed_scope_levels", levels()),
        ("IncludedScopeBody", "filter", scope_filter()),
        ("IncludedScopeBody", "account", id()),
        ("IncludedScopeBody", "org", id()),
        ("IncludedScopeBody", "project", id()),
        ("ResourceFilterBody", "resource_type", any_type()),
        ("ResourceFilterBody", "identifiers", ids()),
        ("NgResourceGroupDto", "identifier", id()),
        ("NgResourceGroupDto", "name", name()),
        ("NgResourceGroupDto", "allowedScopeLevels", levels()),
        ("NgIncludedScope", "filter", scope_filter()),
        ("NgIncludedScope", "accountIdentifier", id()),
        ("NgIncludedScope", "orgIdentifier", id()),
        ("NgIncludedScope", "projectIdentifier", id()),
        ("NgResourceSelector", "resourceType", any_type()),
        ("NgResourceSelector", "identifiers", ids()),
        ("RoleAssignmentRequest", "identifier", id()),
        ("RoleAssignmentRequest", "resource_group", id()),
        ("RoleAssignmentRequest", "role", id()),
        ("RoleReferenceBody", "identifier", id()),
        ("RoleReferenceBody", "scope_level", level()),
        ("PrincipalBody", "identifier", id()),
        ("PrincipalBody", "type", principal_type()),
        ("PrincipalBody", "scope_level", level()),
        ("NgRoleAssignmentDto", "identifier", id()),
        ("NgRoleAssignmentDto", "resourceGroupIdentifier", id()),
        ("NgRoleAssignmentDto", "roleIdentifier", id()),
        ("NgRoleReference", "identifier", id()),
        ("NgRoleReference", "scopeLevel", level()),
        ("NgPrincipal", "identifier", id()),
        ("NgPrincipal", "type", principal_type()),
        ("NgPrincipal", "scopeLevel", level()),
        ("UserCreate", "identifier", id()),
        ("UserCreate", "name", name()),
        ("UserCreate", "email", email()),
        ("UserCreate", "password", password()),
        ("UserCreate", "organization", id()),
        ("UserUpdate", "identifier", id()),
        ("UserUpdate", "name", name()),
        ("UserUpdate", "email", email()),
        ("UserUpdate", "organization", id()),
        ("PasswordChange", "password", password()),
        ("UserGroupFields", "identifier", id()),
        ("UserGroupFields", "name", name()),
        ("UserGroupFields", "description", description()),
        ("UserGroupFields", "users", ids()),
        ("ServiceAccountCreate", "identifier", id()),
        ("ServiceAccountCreate", "name", name()),
        ("ServiceAccountCreate", "email", email()),
        ("ServiceAccountCreate", "description", description()),
        ("ServiceAccountUpdate", "identifier", id()),
        ("ServiceAccountUpdate", "name", name()),
        ("ServiceAccountUpdate", "email", email()),
        ("ServiceAccountUpdate", "description", description()),
        ("TokenCreate", "identifier", id()),
        ("TokenCreate", "name", name()),
        ("TokenCreate", "permissions", permissions()),
        (
            "TokenRotate",
            "grace_seconds",
            json!({"minimum": 0, "maximum": 2_592_000}),
        ),
        ("LoginRequest", "account", id()),
        (
            "SplitRequest",
            "resource_type",
            json!({"pattern": split_types_any_case()}),
        ),
        (
            "SplitRequest",
            "phase",
            json!({"pattern": any_case(&["off", "migration", "enforced"])}),
        ),
        ("ExplainRequest", "permission", permission_ref()),
        ("ExplainRequest", "resourceType", resource_type_ref()),
        ("PrincipalIn", "identifier", id()),
        (
            "PrincipalIn",
            "type",
            json!({"pattern": any_case(CHECKABLE_TYPES)}),
        ),
        ("PrincipalIn", "scopeLevel", level()),
        // The ACL answers `permitted: false` for a scope it cannot read; explain refuses it.
        (
            "ExplainRequest",
            "resourceScope",
            json!({"$ref": "#/components/schemas/ExplainResourceScope"}),
        ),
        ("AclRequest", "permissions", json!({"maxItems": 1000})),
        // Required although optional in Rust (`REQUIRED`), so never null.
        ("LoginRequest", "account", json!({"type": "string"})),
        (
            "NgAttributeFilter",
            "attributeName",
            json!({"type": "string", "minLength": 1}),
        ),
        (
            "NgAttributeFilter",
            "attributeValues",
            json!({"type": "array", "minItems": 1}),
        ),
        ("ResourceAttributes", "attributes", attributes()),
        ("NgRoleAssignmentDto", "resourceGroupIdentifier", id()),
        (
            "TokenCreate",
            "valid_to",
            json!({"minimum": i64::MIN, "maximum": i64::MAX}),
        ),
        (
            "PreviewRequest",
            "since",
            json!({"minimum": i64::MIN, "maximum": i64::MAX}),
        ),
        (
            "PreviewRequest",
            "changes",
            json!({"minItems": 1, "maxItems": 100}),
        ),
        (
            "NgRoleAssignmentFilter",
            "principalTypeFilter",
            json!({"items": string(any_case(PRINCIPAL_TYPES))}),
        ),
        (
            "NgRoleAssignmentFilter",
            "principalScopeLevelFilter",
            json!({"items": string(any_case(LEVELS))}),
        ),
        (
            "NgRoleAssignmentFilter",
            "roleScopeLevelFilter",
            json!({"items": string(any_case(LEVELS))}),
        ),
        ("NgPrincipalFilter", "type", principal_type()),
        ("NgPrincipalFilter", "scopeLevel", level()),
        (
            "NgRoleAssignmentFilter",
            "scopeFilters",
            json!({"description": "Not supported (filter one scope at a time through the query): absent, null or empty.", "maxItems": 0}),
        ),
        (
            "ChangeIn",
            "method",
            json!({"pattern": any_case(&["POST", "PUT", "DELETE"])}),
        ),
    ];
    for scope in ["BodyScope"] {
        for field in [
            "accountIdentifier",
            "orgIdentifier",
            "projectIdentifier",
            "account_identifier",
            "org_identifier",
            "project_identifier",
        ] {
            rules.push((scope, field, id()));
        }
    }
    rules
}

/// Paths a policy preview never runs (`admin::preview`): reads, sessions and previews.
const NOT_WRITES: &[&str] = &[
    "/v1/policy",
    "/v1/auth",
    "/v1/access",
    "/v1/principals",
    "/v1/audit-events",
    "/v1/permissions",
];

/// A preview change is one admin write of the document: for each method and body, the paths
/// that take it (path parameters filled in, `{type}` a catalogue resource type).
fn preview_changes(doc: &Value) -> Value {
    let segment = IDENTIFIER.trim_start_matches('^').trim_end_matches('$');
    // The registry takes a catalogue type as written (upper case).
    let types = catalogue().resource_types().join("|");
    let types = format!("(?:{types})");
    let mut groups: Vec<((String, Value), Vec<String>)> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        if !path.starts_with("/v1/") || NOT_WRITES.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        let regex: Vec<String> = path
            .split('/')
            .map(|s| match s {
                "{type}" => types.clone(),
                s if s.starts_with('{') => segment.to_owned(),
                s => s.replace('.', "\\."),
            })
            .collect();
        let regex = regex.join("/");
        for method in ["post", "put", "delete"] {
            let Some(op) = item.get(method) else {
                continue;
            };
            // A write without a body ignores one.
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let key = (method.to_uppercase(), body);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, paths)) => paths.push(regex.clone()),
                None => groups.push((key, vec![regex.clone()])),
            }
        }
    }
    let alternatives: Vec<Value> = groups
        .into_iter()
        .map(|((method, body), paths)| {
            let mut required = vec!["method", "path"];
            if body.get("$ref").is_some() {
                required.push("body");
            }
            json!({
                "required": required,
                "properties": {
                    "method": {"type": "string", "pattern": any_case(&[method.as_str()])},
                    "path": {"type": "string", "pattern": format!("^(?:{})$", paths.join("|"))},
                    "body": body
                }
            })
        })
        .collect();
    json!({"anyOf": alternatives})
}

/// Writes every constraint into `doc`: shared schemas, parameters, request bodies.
pub fn apply(doc: &mut Value) {
    let changes = preview_changes(doc);
    if let Some(change) = doc.pointer_mut("/components/schemas/ChangeIn") {
        merge(
            change,
            json!({"allOf": [changes], "description": "One admin write of this account: a method, an admin API path the method takes (not a read, login, access check or preview), and the JSON body that write takes (none for DELETE)."}),
        );
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in shared_schemas() {
            schemas.insert(name.to_owned(), schema);
        }
        for (schema, property, rule) in body_rules() {
            if let Some(target) = schemas
                .get_mut(schema)
                .and_then(|s| property_of(s, property))
            {
                merge(target, rule);
            }
        }
        for (schema, names) in REQUIRED {
            if let Some(required) = schemas
                .get_mut(*schema)
                .and_then(Value::as_object_mut)
                .map(|o| o.entry("required").or_insert_with(|| json!([])))
                .and_then(Value::as_array_mut)
            {
                required.extend(names.iter().map(|n| json!(n)));
            }
        }
        for (schema, rule) in object_rules() {
            if let Some(all) = schemas
                .get_mut(schema)
                .and_then(Value::as_object_mut)
                .map(|o| o.entry("allOf").or_insert_with(|| json!([])))
                .and_then(Value::as_array_mut)
            {
                all.push(rule);
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                continue;
            };
            for p in params.iter_mut() {
                constrain_parameter(path, p);
            }
        }
    }
}

/// A property of an object schema, also inside its `allOf` parts (a `#[serde(flatten)]`
/// struct is rendered as `allOf`).
fn property_of<'a>(schema: &'a mut Value, property: &str) -> Option<&'a mut Value> {
    if schema.pointer(&format!("/properties/{property}")).is_some() {
        return schema.pointer_mut(&format!("/properties/{property}"));
    }
    schema
        .get_mut("allOf")?
        .as_array_mut()?
        .iter_mut()
        .find_map(|part| part.get_mut("properties")?.get_mut(property))
}

/// Properties an object must have although the Rust type takes them as optional: without
/// `Harness-Account` a login names its account (the document asks for it always); an NG
/// attribute filter names an attribute and a value. (A `principal` asked about needs its
/// identifier and type too, but Harness's older spelling `principalIdentifier` and
/// `principalType` satisfies that, which the document describes in words.)
const REQUIRED: &[(&str, &[&str])] = &[
    ("LoginRequest", &["account"]),
    ("NgAttributeFilter", &["attributeName", "attributeValues"]),
];

/// Rules between the fields of one object, added to the object schema itself (`allOf`).
fn object_rules() -> Vec<(&'static str, Value)> {
    let absent_or_empty = json!({"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]});
    vec![
        // An attribute filter names an attribute and at least one value, or neither is given.
        (
            "ResourceFilterBody",
            json!({"anyOf": [
                {"properties": {"attribute_name": {"type": "null"}, "attribute_values": absent_or_empty}},
                {"required": ["attribute_name", "attribute_values"], "properties": {"attribute_name": {"type": "string", "minLength": 1}, "attribute_values": {"type": "array", "minItems": 1}}}
            ]}),
        ),
        // The role is named by `role` or `role_reference` (both: the same role).
        (
            "RoleAssignmentRequest",
            json!({"anyOf": [
                {"required": ["role"], "properties": {"role": {"not": {"type": "null"}}}},
                {"required": ["role_reference"], "properties": {"role_reference": {"not": {"type": "null"}}}}
            ]}),
        ),
        (
            "NgRoleAssignmentDto",
            json!({"anyOf": [
                {"required": ["roleIdentifier"], "properties": {"roleIdentifier": {"not": {"type": "null"}}}},
                {"required": ["roleReference"], "properties": {"roleReference": {"not": {"type": "null"}}}}
            ]}),
        ),
        // Managed assignments are created by scopegate only.
        (
            "RoleAssignmentRequest",
            json!({"anyOf": [{"properties": {"managed": {"enum": [false, null]}}}]}),
        ),
        (
            "NgRoleAssignmentDto",
            json!({"anyOf": [{"properties": {"managed": {"enum": [false, null]}}}]}),
        ),
        // A resource group takes all resources or filters, not both.
        (
            "ResourceGroupRequest",
            json!({"anyOf": [
                {"properties": {"include_all_resources": {"enum": [false, null]}}},
                {"properties": {"resource_filter": absent_or_empty}}
            ]}),
        ),
        (
            "NgResourceFilter",
            json!({"anyOf": [
                {"properties": {"includeAllResources": {"enum": [false, null]}}},
                {"properties": {"resources": absent_or_empty}}
            ]}),
        ),
    ]
}

fn constrain_parameter(path: &str, p: &mut Value) {
    let text = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (location, name) = (text("in"), text("name"));
    let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
    let schema = match (location.as_str(), name.as_str()) {
        ("query", "accountIdentifier") if required => Some(identifier()),
        ("query", "accountIdentifier") => Some(string(blank_or(IDENTIFIER))),
        ("query", "orgIdentifier") if required => Some(identifier()),
        ("header", "Harness-Account") => Some(identifier()),
        _ => parameter_schema(path, &location, &name),
    };
    if let (Some(schema), Some(obj)) = (schema, p.as_object_mut()) {
        obj.insert("schema".into(), schema);
    }
}

/// Replaces `target`'s keys with `rule`'s. A nullable property (`type: [string, null]`)
/// keeps taking `null`: a `$ref` rule becomes `anyOf` [ref, null].
fn merge(target: &mut Value, rule: Value) {
    let nullable = target
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == "null"));
    let Some(obj) = target.as_object_mut() else {
        return;
    };
    let Value::Object(rule) = rule else {
        return;
    };
    if rule.contains_key("$ref") {
        let description = obj.remove("description");
        obj.clear();
        let mut m = Map::new();
        if nullable {
            m.insert(
                "anyOf".into(),
                json!([Value::Object(rule), {"type": "null"}]),
            );
        } else {
            m = rule;
        }
        if let Some(d) = description {
            m.insert("description".into(), d);
        }
        *obj = m;
        return;
    }
    for (k, v) in rule {
        obj.insert(k, v);
    }
}
