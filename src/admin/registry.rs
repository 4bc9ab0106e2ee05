//! The resource registry (DESIGN §1 "Resources and attributes", §4.4):
//! `GET …/resources/{type}` lists, `GET|PUT|DELETE …/resources/{type}/{id}` with
//! `{"attributes": {"team": "bravo"}}`, at the account, organization and project paths.
//!
//! Reading an entry needs a `view`/`read` permission of its type on that resource (with its
//! registry attributes) or `core_resourcegroup_view` at its scope; writing needs an
//! `edit`/`write` permission of the type on the resource *as it is before the change* or
//! `core_resourcegroup_edit` at its scope. A type's permissions are checked at the
//! resource's own scope (decision rule 1: not available there → not granted). A write does
//! not bump the policy epoch: the registry's change log reaches other replicas within a
//! second, and this replica drops the resource's cached attributes at once. If the entry
//! changes between the check and the write, the write is a 409 (retry).

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use super::body::JsonBody;
use super::context::Caller;
use super::list::{ListQuery, Listed};
use super::principals::common::EntityScope;
use super::scope::path_param;
use super::scope::{ensure_exists, path_scope};
use super::{resources, scoped, AdminState};
use crate::policy::permission::catalogue;
use crate::policy::resource_group::Attributes;
use crate::policy::{Identifier, Scope};
use crate::storage::registry::{RegisteredResource, Registry};
use crate::storage::{DbConnection, Stamped};
use crate::web::ApiError;

const MAX_ATTRIBUTES: usize = 64;
const MAX_ATTRIBUTE_NAME: usize = 128;
const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// `PUT …/resources/{type}/{id}`: the resource's whole attribute map (string values).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceAttributes {
    pub attributes: BTreeMap<String, String>,
}

/// A registry entry as answered.
#[derive(Serialize, ToSchema)]
pub struct RegistryEntryOut {
    pub resource_type: String,
    pub identifier: String,
    pub attributes: BTreeMap<String, String>,
    pub scope: EntityScope,
    pub created: i64,
    pub updated: i64,
}

impl Listed for RegistryEntryOut {
    fn identifier(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.identifier
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

fn entry_out(e: &Stamped<RegisteredResource>, scope: &Scope) -> RegistryEntryOut {
    RegistryEntryOut {
        resource_type: e.value.resource_type.clone(),
        identifier: e.value.identifier.clone(),
        attributes: e.value.attributes.clone(),
        scope: EntityScope::from(scope),
        created: e.created,
        updated: e.updated,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Read,
    Write,
}

/// The `{type}` of the path, which must be a catalogue resource type.
fn type_of(req: &HttpRequest) -> Result<String, ApiError> {
    let ty = path_param(req, "type");
    if !catalogue().has_resource_type(&ty) {
        return Err(ApiError::invalid(format!("unknown resource type `{ty}`")));
    }
    Ok(ty)
}

fn validate_attributes(attributes: &Attributes) -> Result<(), ApiError> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(ApiError::invalid(format!(
            "at most {MAX_ATTRIBUTES} attributes per resource"
        )));
    }
    for (name, value) in attributes {
        let bad_name = name.trim().is_empty()
            || name.chars().count() > MAX_ATTRIBUTE_NAME
            || name.chars().any(char::is_control);
        if bad_name {
            return Err(ApiError::invalid(format!(
                "attribute name `{name}` must be 1 to {MAX_ATTRIBUTE_NAME} printable characters"
            )));
        }
        if value.chars().count() > MAX_ATTRIBUTE_VALUE || value.chars().any(char::is_control) {
            return Err(ApiError::invalid(format!(
                "attribute `{name}` must be at most {MAX_ATTRIBUTE_VALUE} printable characters"
            )));
        }
    }
    Ok(())
}

/// 403 unless the caller may read or write this resource with these attributes (the
/// type's view or edit permissions on it, or `core_resourcegroup_view|edit` at its scope).
async fn may(
    caller: &Caller,
    mode: Mode,
    scope: &Scope,
    resource_type: &str,
    id: &str,
    attributes: &Attributes,
) -> Result<(), ApiError> {
    let (actions, fallback) = match mode {
        Mode::Read => (["view", "read"], "core_resourcegroup_view"),
        Mode::Write => (["edit", "write"], "core_resourcegroup_edit"),
    };
    let own: Vec<_> = catalogue()
        .all()
        .iter()
        .filter(|p| p.resource_type == resource_type && actions.contains(&p.action.as_str()))
        .collect();
    for p in &own {
        if caller
            .holds_with(
                &p.identifier,
                scope,
                resource_type,
                Some(id),
                Some(attributes),
            )
            .await?
        {
            return Ok(());
        }
    }
    if caller.holds(fallback, scope, "RESOURCEGROUP", None).await? {
        return Ok(());
    }
    let missing = own.first().map_or(fallback, |p| p.identifier.as_str());
    let resource = format!("{resource_type}/{id} in {scope}");
    Err(ApiError::denied(
        format!(
            "`{}` lacks permission `{missing}` (or `{fallback}`) on {resource}",
            caller.who.principal
        ),
        Some(missing.to_owned()),
        Some(resource),
    ))
}

/// 403 unless the caller may list the type here: some view permission of the type, or
/// `core_resourcegroup_view`, as a type-level check (DESIGN §4.4: lists answer 403, not
/// `[]`).
async fn may_list(caller: &Caller, scope: &Scope, resource_type: &str) -> Result<(), ApiError> {
    let views = catalogue().all().iter().filter(|p| {
        p.resource_type == resource_type && ["view", "read"].contains(&p.action.as_str())
    });
    for p in views {
        if caller
            .holds(&p.identifier, scope, resource_type, None)
            .await?
        {
            return Ok(());
        }
    }
    caller
        .require("core_resourcegroup_view", scope, "RESOURCEGROUP", None)
        .await
}

/// The entry (the scope must exist), or `None`.
fn current(
    conn: &mut DbConnection,
    scope: &Scope,
    resource_type: &str,
    id: &str,
) -> Result<Option<Stamped<RegisteredResource>>, ApiError> {
    ensure_exists(conn, scope)?;
    Ok(Registry::find(conn, scope, resource_type, id)?)
}

fn not_found(resource_type: &str, id: &str, scope: &Scope) -> ApiError {
    ApiError::not_found(format!(
        "resource `{resource_type}/{id}` not found in `{scope}`"
    ))
}

/// What an item path names: scope, type, identifier.
fn item_of(req: &HttpRequest, caller: &Caller) -> Result<(Scope, String, String), ApiError> {
    let ty = type_of(req)?;
    let id = path_param(req, "id");
    Identifier::new(&id)?;
    Ok((path_scope(req, caller)?, ty, id))
}

/// Reads the entry as the check sees it (`None`: absent, checked with no attributes).
async fn checked_state(
    state: &AdminState,
    scope: &Scope,
    resource_type: &str,
    id: &str,
) -> Result<Option<Stamped<RegisteredResource>>, ApiError> {
    let (s, t, i) = (scope.clone(), resource_type.to_owned(), id.to_owned());
    audit::read(state, move |c| current(c, &s, &t, &i)).await
}

/// 409 when the entry changed since the permission check saw `seen`.
fn unchanged(
    now: &Option<Stamped<RegisteredResource>>,
    seen: &Option<Attributes>,
) -> Result<(), ApiError> {
    if now.as_ref().map(|e| &e.value.attributes) != seen.as_ref() {
        return Err(ApiError::conflict(
            "the resource changed while this request was checked; retry",
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/v1/resources/{type}", tag = "Resource registry", params(("type" = String, Path), ("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)), responses((status = 200, description = "One page (headers X-Total-Elements, X-Page-Number, X-Page-Size)", body = [RegistryEntryOut]), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn list_resources(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let ty = type_of(&req)?;
    let scope = path_scope(&req, &caller)?;
    may_list(&caller, &scope, &ty).await?;
    let (s, t) = (scope.clone(), ty.clone());
    let entries = audit::read(&state, move |c| {
        ensure_exists(c, &s)?;
        Ok(Registry::list(c, &s, &t)?)
    })
    .await?;
    let mut visible = Vec::with_capacity(entries.len());
    for e in &entries {
        let v = &e.value;
        if may(
            &caller,
            Mode::Read,
            &scope,
            &ty,
            &v.identifier,
            &v.attributes,
        )
        .await
        .is_ok()
        {
            visible.push(entry_out(e, &scope));
        }
    }
    Ok(q.respond(visible))
}

#[utoipa::path(get, path = "/v1/resources/{type}/{id}", tag = "Resource registry", params(("type" = String, Path), ("id" = String, Path)), responses((status = 200, description = "The entity", body = RegistryEntryOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn get_resource(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (scope, ty, id) = item_of(&req, &caller)?;
    let found = checked_state(&state, &scope, &ty, &id).await?;
    let attrs = found
        .as_ref()
        .map(|e| e.value.attributes.clone())
        .unwrap_or_default();
    may(&caller, Mode::Read, &scope, &ty, &id, &attrs).await?;
    let found = found.ok_or_else(|| not_found(&ty, &id, &scope))?;
    Ok(HttpResponse::Ok().json(entry_out(&found, &scope)))
}

#[utoipa::path(put, path = "/v1/resources/{type}/{id}", tag = "Resource registry", params(("type" = String, Path), ("id" = String, Path)), request_body = ResourceAttributes, responses((status = 200, description = "The entity as written", body = RegistryEntryOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn put_resource(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ResourceAttributes>,
) -> Result<HttpResponse, ApiError> {
    let (scope, ty, id) = item_of(&req, &caller)?;
    let attributes = body.0.attributes;
    validate_attributes(&attributes)?;
    let meta = WriteMeta::new("resource.upsert", &scope, &ty, &id, Bump::None);
    let seen = checked_state(&state, &scope, &ty, &id)
        .await?
        .map(|e| e.value.attributes);
    let before = seen.clone().unwrap_or_default();
    let allowed = may(&caller, Mode::Write, &scope, &ty, &id, &before).await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let (s, t, i) = (scope.clone(), ty.clone(), id.clone());
    let written = audit::write(&state, &caller, meta, move |c, now| {
        unchanged(&current(c, &s, &t, &i)?, &seen)?;
        Registry::upsert(c, &s, &t, &i, &attributes, now)?;
        let entry = Registry::find(c, &s, &t, &i)?.ok_or_else(|| not_found(&t, &i, &s))?;
        Ok(Audited::new(
            entry_out(&entry, &s),
            seen.map(|a| json!({"attributes": a})),
            Some(json!({"attributes": attributes})),
        ))
    })
    .await?;
    if !state.db.is_preview() {
        state.authz.note_resource_write(&scope, &ty, &id);
    }
    Ok(HttpResponse::Ok().json(written))
}

#[utoipa::path(delete, path = "/v1/resources/{type}/{id}", tag = "Resource registry", params(("type" = String, Path), ("id" = String, Path)), responses((status = 200, description = "The deleted or revoked entity", body = RegistryEntryOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn delete_resource(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (scope, ty, id) = item_of(&req, &caller)?;
    let meta = WriteMeta::new("resource.delete", &scope, &ty, &id, Bump::None);
    let seen = checked_state(&state, &scope, &ty, &id)
        .await?
        .map(|e| e.value.attributes);
    let before = seen.clone().unwrap_or_default();
    let allowed = may(&caller, Mode::Write, &scope, &ty, &id, &before).await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    if seen.is_none() {
        return Err(not_found(&ty, &id, &scope));
    }
    let (s, t, i) = (scope.clone(), ty.clone(), id.clone());
    let deleted = audit::write(&state, &caller, meta, move |c, now| {
        let entry = current(c, &s, &t, &i)?;
        unchanged(&entry, &seen)?;
        let entry = entry.ok_or_else(|| not_found(&t, &i, &s))?;
        Registry::delete(c, &s, &t, &i, now)?;
        Ok(Audited::new(
            entry_out(&entry, &s),
            Some(json!({"attributes": entry.value.attributes})),
            None,
        ))
    })
    .await?;
    if !state.db.is_preview() {
        state.authz.note_resource_write(&scope, &ty, &id);
    }
    Ok(HttpResponse::Ok().json(deleted))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resources(scoped("resources/{type}")).route(web::get().to(list_resources)))
        .service(
            resources(scoped("resources/{type}/{id}"))
                .route(web::get().to(get_resource))
                .route(web::put().to(put_resource))
                .route(web::delete().to(delete_resource)),
        );
}

/// The OpenAPI paths of this module (organization and project variants are added by
/// `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_resources, get_resource, put_resource, delete_resource),
    components(schemas(ResourceAttributes, RegistryEntryOut, EntityScope))
)]
pub struct RegistryApi;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_limits() {
        let one = |k: &str, v: &str| -> Attributes { [(k.to_owned(), v.to_owned())].into() };
        assert!(validate_attributes(&one("team", "bravo")).is_ok());
        assert!(validate_attributes(&one("team", "")).is_ok());
        assert!(validate_attributes(&one(" ", "x")).is_err());
        assert!(validate_attributes(&one("team", "a\nb")).is_err());
        assert!(validate_attributes(&one(&"n".repeat(129), "x")).is_err());
        assert!(validate_attributes(&one("team", &"v".repeat(1025))).is_err());
        let many: Attributes = (0..65).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        assert!(validate_attributes(&many).is_err());
    }

    #[test]
    fn concurrent_changes_conflict() {
        let entry = |team: &str| {
            Some(Stamped {
                value: RegisteredResource {
                    resource_type: "SEI_TEAM".into(),
                    identifier: "t".into(),
                    attributes: [("team".to_owned(), team.to_owned())].into(),
                },
                created: 1,
                updated: 1,
            })
        };
        let seen = |team: &str| Some([("team".to_owned(), team.to_owned())].into());
        assert!(unchanged(&entry("a"), &seen("a")).is_ok());
        assert!(unchanged(&entry("a"), &seen("b")).is_err());
        assert!(unchanged(&None, &None).is_ok());
        assert!(unchanged(&entry("a"), &None).is_err());
        assert!(unchanged(&None, &seen("a")).is_err());
    }
}
