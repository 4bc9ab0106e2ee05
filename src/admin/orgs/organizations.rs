//! The shape-free core of organizations: list, get, create, update, delete in the caller's
//! account, each checked with `core_organization_*` at the account and audited
//! (`organization.*`). The v1 shape (`admin::orgs`) and the NG shape (`admin::ng::orgs`)
//! answer what these return.

use serde_json::json;

use super::dto::{validate, OrgFields};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::context::Caller;
use crate::admin::AdminState;
use crate::policy::{Identifier, Scope};
use crate::storage::columns::tags_to_json;
use crate::storage::tenancy::{delete_scope_contents, Organization};
use crate::web::ApiError;

const KIND: &str = "ORGANIZATION";

fn not_found(org: &str) -> ApiError {
    ApiError::not_found(format!("organization `{org}` not found"))
}

/// The organizations the caller may view; 403 without `core_organization_view`.
pub async fn list(state: &AdminState, caller: &Caller) -> Result<Vec<Organization>, ApiError> {
    let account = caller.account().to_string();
    let scope = caller.account_scope();
    caller
        .require("core_organization_view", &scope, KIND, None)
        .await?;
    let orgs = audit::read(state, move |c| Ok(Organization::list(c, &account)?)).await?;
    caller
        .visible(orgs, "core_organization_view", &scope, KIND, |o| {
            &o.identifier
        })
        .await
}

pub async fn get(
    state: &AdminState,
    caller: &Caller,
    org: String,
) -> Result<Organization, ApiError> {
    caller
        .require(
            "core_organization_view",
            &caller.account_scope(),
            KIND,
            Some(&org),
        )
        .await?;
    let account = caller.account().to_string();
    audit::read(state, move |c| {
        Organization::find(c, &account, &org)?.ok_or_else(|| not_found(&org))
    })
    .await
}

pub async fn create(
    state: &AdminState,
    caller: &Caller,
    fields: OrgFields,
) -> Result<Organization, ApiError> {
    validate(&fields)?;
    let scope = caller.account_scope();
    let meta = WriteMeta::new(
        "organization.create",
        &scope,
        KIND,
        &fields.identifier,
        Bump::None,
    );
    let allowed = caller
        .require("core_organization_create", &scope, KIND, None)
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    audit::write(state, caller, meta, move |c, now| {
        let org = Organization::new(
            &account,
            &fields.identifier,
            &fields.name,
            fields.description.as_deref().unwrap_or(""),
            &fields.tags.unwrap_or_default(),
            now,
        );
        org.insert(c)?;
        let after = json!({"identifier": org.identifier, "name": org.name});
        Ok(Audited::new(org, None, Some(after)))
    })
    .await
}

/// Replaces name, description and tags of `org` (the fields may repeat its identifier).
pub async fn update(
    state: &AdminState,
    caller: &Caller,
    org: String,
    fields: OrgFields,
) -> Result<Organization, ApiError> {
    validate(&fields)?;
    crate::admin::scope::same_identifier(&fields.identifier, &org)?;
    let scope = caller.account_scope();
    let meta = WriteMeta::new("organization.update", &scope, KIND, &org, Bump::None);
    let allowed = caller
        .require("core_organization_edit", &scope, KIND, Some(&org))
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    audit::write(state, caller, meta, move |c, now| {
        let mut o = Organization::find(c, &account, &org)?.ok_or_else(|| not_found(&org))?;
        let before = json!({"name": o.name, "description": o.description});
        o.name = fields.name;
        o.description = fields.description.unwrap_or_default();
        o.tags = tags_to_json(&fields.tags.unwrap_or_default());
        o.updated = now;
        o.update(c)?;
        let after = json!({"name": o.name, "description": o.description});
        Ok(Audited::new(o, Some(before), Some(after)))
    })
    .await
}

/// Deletes `org` with everything inside it.
pub async fn delete(
    state: &AdminState,
    caller: &Caller,
    org: String,
) -> Result<Organization, ApiError> {
    let scope = caller.account_scope();
    let meta = WriteMeta::new("organization.delete", &scope, KIND, &org, Bump::Both);
    let allowed = caller
        .require("core_organization_delete", &scope, KIND, Some(&org))
        .await;
    refuse_unless(state, caller, &meta, allowed).await?;
    let account = caller.account().clone();
    audit::write(state, caller, meta, move |c, _| {
        let o = Organization::find(c, account.as_str(), &org)?.ok_or_else(|| not_found(&org))?;
        let org_id = Identifier::new(&org)?;
        let removed = delete_scope_contents(c, &Scope::org(account.clone(), org_id))?;
        let before = json!({"identifier": o.identifier, "rows_removed": removed});
        Ok(Audited::new(o, Some(before), None))
    })
    .await
}
