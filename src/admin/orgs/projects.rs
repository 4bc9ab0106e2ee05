//! The shape-free core of projects: list, get, create, update, delete within one
//! organization of the caller's account, each checked with `core_project_*` at the
//! organization and audited (`project.*`). The v1 shape (`admin::orgs`) and the NG shape
//! (`admin::ng::orgs`) answer what these return.

use serde_json::json;

use super::dto::{validate, OrgFields};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::context::Caller;
use crate::admin::scope::{ensure_exists, same_identifier};
use crate::admin::AdminState;
use crate::policy::{Identifier, Scope};
use crate::storage::columns::tags_to_json;
use crate::storage::tenancy::{delete_scope_contents, Project};
use crate::web::ApiError;

const KIND: &str = "PROJECT";

fn not_found(org: &str, project: &str) -> ApiError {
    ApiError::not_found(format!(
        "project `{project}` not found in organization `{org}`"
    ))
}

fn org_scope(caller: &Caller, org: &str) -> Result<Scope, ApiError> {
    Ok(Scope::org(caller.account().clone(), Identifier::new(org)?))
}

/// The projects of `org` the caller may view; 403 without `core_project_view` there.
pub async fn list(
    state: &AdminState,
    caller: &Caller,
    org: String,
) -> Result<Vec<Project>, ApiError> {
    let scope = org_scope(caller, &org)?;
    caller
        .require("core_project_view", &scope, KIND, None)
        .await?;
    let account = caller.account().to_string();
    let s = scope.clone();
    let projects = audit::read(state, move |c| {
        ensure_exists(c, &s)?;
        Ok(Project::list(c, &account, &org)?)
    })
    .await?;
    caller
        .visible(projects, "core_project_view", &scope, KIND, |p| {
            &p.identifier
        })
        .await
}

pub async fn get(
    state: &AdminState,
    caller: &Caller,
    org: String,
    project: String,
) -> Result<Project, ApiError> {
    let scope = org_scope(caller, &org)?;
    caller
        .require("core_project_view", &scope, KIND, Some(&project))
        .await?;
    let account = caller.account().to_string();
    audit::read(state, move |c| {
        Project::find(c, &account, &org, &project)?.ok_or_else(|| not_found(&org, &project))
    })
    .await
}

/// Creates a project in `org`; `fields.org`, when given, must name `org`.
pub async fn create(
    state: &AdminState,
    caller: &Caller,
    org: String,
    fields: OrgFields,
) -> Result<Project, ApiError> {
    validate(&fields)?;
    if fields.org.as_ref().is_some_and(|o| *o != org) {
        return Err(ApiError::invalid(format!(
            "`org` in the body differs from `{org}` in the URL"
        )));
    }
    let scope = org_scope(caller, &org)?;
    let meta = WriteMeta::new(
        "project.create",
        &scope,
        KIND,
        &fields.identifier,
        Bump::None,
    );
    let allowed = caller
        .require("core_project_create", &scope, KIND, None)
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    audit::write(state, caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        let p = Project::new(
            &account,
            &org,
            &fields.identifier,
            &fields.name,
            fields.description.as_deref().unwrap_or(""),
            &fields.tags.unwrap_or_default(),
            now,
        );
        p.insert(c)?;
        let after = json!({"identifier": p.identifier, "name": p.name});
        Ok(Audited::new(p, None, Some(after)))
    })
    .await
}

/// Replaces name, description and tags of a project (the fields may repeat its identifier).
pub async fn update(
    state: &AdminState,
    caller: &Caller,
    org: String,
    project: String,
    fields: OrgFields,
) -> Result<Project, ApiError> {
    validate(&fields)?;
    same_identifier(&fields.identifier, &project)?;
    let scope = org_scope(caller, &org)?;
    let meta = WriteMeta::new("project.update", &scope, KIND, &project, Bump::None);
    let allowed = caller
        .require("core_project_edit", &scope, KIND, Some(&project))
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    audit::write(state, caller, meta, move |c, now| {
        let mut p =
            Project::find(c, &account, &org, &project)?.ok_or_else(|| not_found(&org, &project))?;
        let before = json!({"name": p.name, "description": p.description});
        p.name = fields.name;
        p.description = fields.description.unwrap_or_default();
        p.tags = tags_to_json(&fields.tags.unwrap_or_default());
        p.updated = now;
        p.update(c)?;
        let after = json!({"name": p.name, "description": p.description});
        Ok(Audited::new(p, Some(before), Some(after)))
    })
    .await
}

/// Deletes a project with everything inside it.
pub async fn delete(
    state: &AdminState,
    caller: &Caller,
    org: String,
    project: String,
) -> Result<Project, ApiError> {
    let scope = org_scope(caller, &org)?;
    let meta = WriteMeta::new("project.delete", &scope, KIND, &project, Bump::Both);
    let allowed = caller
        .require("core_project_delete", &scope, KIND, Some(&project))
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let account = caller.account().clone();
    audit::write(state, caller, meta, move |c, _| {
        let p = Project::find(c, account.as_str(), &org, &project)?
            .ok_or_else(|| not_found(&org, &project))?;
        let inside = Scope::project(
            account.clone(),
            Identifier::new(&org)?,
            Identifier::new(&project)?,
        );
        let removed = delete_scope_contents(c, &inside)?;
        let before = json!({"identifier": p.identifier, "rows_removed": removed});
        Ok(Audited::new(p, Some(before), None))
    })
    .await
}
