//! Resource groups in the NG shape (Harness's v2 API): `GET|POST
//! /authz/api/v2/resourcegroup`, `GET|PUT|DELETE /authz/api/v2/resourcegroup/{identifier}`,
//! bodies `{"resourceGroup": {…, "includedScopes", "resourceFilter": {"resources",
//! "includeAllResources"}}}`, over the core of `admin::rbac::resource_groups`.
//!
//! The mapping is exact: an included scope is `{filter, accountIdentifier,
//! orgIdentifier?, projectIdentifier?}`; a resource selector `{resourceType, identifiers?,
//! attributeFilter?: {attributeName, attributeValues}}` is one `resource_filter` entry.
//! Selectors and included scopes refuse unknown fields (400): ignoring a restriction
//! scopegate cannot represent would widen the group.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::query::{query_scope, Account, BodyScope, Paging};
use super::shape::{envelope, page, DeletedEnvelope, Ng, NgResult};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::rbac::common::level_names;
use crate::admin::rbac::resource_groups::{
    self, IncludedScopeBody, ResourceFilterBody, ResourceGroupRequest,
};
use crate::admin::scope::path_param;
use crate::admin::AdminState;
use crate::policy::resource_group::ResourceGroup;
use crate::policy::Scope;
use crate::storage::Stamped;
use crate::web::ApiError;

/// One included scope.
#[derive(Deserialize, Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NgIncludedScope {
    /// `INCLUDING_CHILD_SCOPES` or `EXCLUDING_CHILD_SCOPES`.
    pub filter: String,
    #[serde(default, alias = "account_identifier")]
    pub account_identifier: Option<String>,
    #[serde(default, alias = "org_identifier")]
    pub org_identifier: Option<String>,
    #[serde(default, alias = "project_identifier")]
    pub project_identifier: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NgAttributeFilter {
    #[serde(default, alias = "attribute_name")]
    pub attribute_name: Option<String>,
    #[serde(default, alias = "attribute_values")]
    pub attribute_values: Option<Vec<String>>,
}

/// One resource selector: no identifiers and no attribute filter selects every resource of
/// the type; both must match when both are given.
#[derive(Deserialize, Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NgResourceSelector {
    #[serde(alias = "resource_type")]
    pub resource_type: String,
    #[serde(default)]
    pub identifiers: Option<Vec<String>>,
    #[serde(
        default,
        alias = "attribute_filter",
        skip_serializing_if = "Option::is_none"
    )]
    pub attribute_filter: Option<NgAttributeFilter>,
}

#[derive(Deserialize, Serialize, ToSchema, Debug, Clone, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NgResourceFilter {
    #[serde(default)]
    pub resources: Option<Vec<NgResourceSelector>>,
    #[serde(default, alias = "include_all_resources")]
    pub include_all_resources: Option<bool>,
}

/// Harness's `ResourceGroupV2` as sent. Top-level unknown fields are ignored.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NgResourceGroupDto {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub description: Option<String>,
    /// At or below the query's level; absent: the scope's own level (on PUT: unchanged).
    #[serde(default, alias = "allowed_scope_levels")]
    pub allowed_scope_levels: Option<Vec<String>>,
    /// None: the group grants nothing.
    #[serde(default, alias = "included_scopes")]
    pub included_scopes: Option<Vec<NgIncludedScope>>,
    #[serde(default, alias = "resource_filter")]
    pub resource_filter: Option<NgResourceFilter>,
    #[serde(flatten)]
    pub scope: BodyScope,
}

/// `{"resourceGroup": {…}}` (POST and PUT).
#[derive(Deserialize, ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NgResourceGroupRequest {
    #[serde(alias = "resource_group")]
    pub resource_group: NgResourceGroupDto,
}

fn selector(s: NgResourceSelector) -> ResourceFilterBody {
    let (name, values) = match s.attribute_filter {
        None => (None, None),
        Some(a) => (
            Some(a.attribute_name.unwrap_or_default()),
            Some(a.attribute_values.unwrap_or_default()),
        ),
    };
    ResourceFilterBody {
        resource_type: s.resource_type,
        identifiers: s.identifiers,
        attribute_name: name,
        attribute_values: values,
    }
}

impl NgResourceGroupRequest {
    /// The core's input, once the body's scope fields agree with the query's.
    fn into_request(self, scope: &Scope) -> Result<ResourceGroupRequest, ApiError> {
        let g = self.resource_group;
        g.scope.check(scope)?;
        let filter = g.resource_filter.unwrap_or_default();
        Ok(ResourceGroupRequest {
            identifier: g.identifier,
            name: g.name,
            color: g.color,
            tags: g.tags,
            description: g.description,
            included_scope: g.included_scopes.map(|list| {
                list.into_iter()
                    .map(|i| IncludedScopeBody {
                        filter: i.filter,
                        account: i.account_identifier,
                        org: i.org_identifier,
                        project: i.project_identifier,
                    })
                    .collect()
            }),
            resource_filter: filter
                .resources
                .map(|list| list.into_iter().map(selector).collect()),
            include_all_resources: filter.include_all_resources,
            allowed_scope_levels: g.allowed_scope_levels,
        })
    }
}

/// Harness's `ResourceGroupV2` as answered.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgResourceGroup {
    pub account_identifier: String,
    pub org_identifier: Option<String>,
    pub project_identifier: Option<String>,
    pub identifier: String,
    pub name: String,
    pub color: String,
    pub tags: BTreeMap<String, String>,
    pub description: String,
    pub allowed_scope_levels: Vec<String>,
    pub included_scopes: Vec<NgIncludedScope>,
    pub resource_filter: NgResourceFilter,
}

/// Harness's `ResourceGroupV2Response`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgResourceGroupItem {
    pub resource_group: NgResourceGroup,
    /// Epoch milliseconds (0 for a built-in group).
    pub created_at: i64,
    pub last_modified_at: i64,
    pub harness_managed: bool,
}

fn item(g: Stamped<ResourceGroup>) -> NgResourceGroupItem {
    let v = g.value;
    let text = |i: &Option<crate::policy::Identifier>| i.as_ref().map(|x| x.to_string());
    NgResourceGroupItem {
        resource_group: NgResourceGroup {
            account_identifier: v.scope.account.to_string(),
            org_identifier: text(&v.scope.org),
            project_identifier: text(&v.scope.project),
            identifier: v.identifier.to_string(),
            allowed_scope_levels: level_names(v.allowed_scope_levels),
            included_scopes: v
                .included_scopes
                .iter()
                .map(|i| NgIncludedScope {
                    filter: i.filter.as_str().to_owned(),
                    account_identifier: Some(i.scope.account.to_string()),
                    org_identifier: text(&i.scope.org),
                    project_identifier: text(&i.scope.project),
                })
                .collect(),
            resource_filter: NgResourceFilter {
                resources: Some(
                    v.resource_filters
                        .iter()
                        .map(|f| NgResourceSelector {
                            resource_type: f.resource_type.clone(),
                            identifiers: Some(f.identifiers.clone()),
                            attribute_filter: f.attribute.as_ref().map(|a| NgAttributeFilter {
                                attribute_name: Some(a.name.clone()),
                                attribute_values: Some(a.values.clone()),
                            }),
                        })
                        .collect(),
                ),
                include_all_resources: Some(v.include_all_resources),
            },
            name: v.name,
            color: v.color,
            tags: v.tags,
            description: v.description,
        },
        created_at: g.created,
        last_modified_at: g.updated,
        harness_managed: v.managed,
    }
}

envelope!(NgResourceGroupEnvelope, NgResourceGroupItem);
page!(NgResourceGroupPage, NgResourceGroupItem);
envelope!(NgResourceGroupPageEnvelope, NgResourceGroupPage);

#[utoipa::path(get, path = "/authz/api/v2/resourcegroup", tag = "Harness NG API",
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query), ("pageIndex" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("searchTerm" = Option<String>, Query), ("sortOrders" = Option<String>, Query)),
    responses((status = 200, body = NgResourceGroupPageEnvelope, description = "The groups of the scope the caller may view (built-ins included)"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_list_resource_groups(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let paging = Paging::from_request(&req)?;
    let listed = resource_groups::list(&state, &caller.0, &scope).await?;
    Ok(NgResourceGroupPageEnvelope::answer(
        paging.page(listed, item).into(),
    ))
}

#[utoipa::path(post, path = "/authz/api/v2/resourcegroup", tag = "Harness NG API", request_body = NgResourceGroupRequest,
    params(("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgResourceGroupEnvelope, description = "The created group"), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn ng_create_resource_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgResourceGroupRequest>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let request = body.0 .0.into_request(&scope)?;
    let created = resource_groups::create(&state, &caller.0, scope, request).await?;
    Ok(NgResourceGroupEnvelope::answer(item(created)))
}

#[utoipa::path(get, path = "/authz/api/v2/resourcegroup/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = Option<String>, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgResourceGroupEnvelope, description = "The group"), (status = 403), (status = 404)))]
pub async fn ng_get_resource_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Optional)?;
    let id = path_param(&req, "identifier");
    let found = resource_groups::get(&state, &caller.0, scope, id).await?;
    Ok(NgResourceGroupEnvelope::answer(item(found)))
}

#[utoipa::path(put, path = "/authz/api/v2/resourcegroup/{identifier}", tag = "Harness NG API", request_body = NgResourceGroupRequest,
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = NgResourceGroupEnvelope, description = "The updated group"), (status = 400), (status = 403), (status = 404)))]
pub async fn ng_update_resource_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
    body: Ng<JsonBody<NgResourceGroupRequest>>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let request = body.0 .0.into_request(&scope)?;
    let id = path_param(&req, "identifier");
    let updated = resource_groups::update(&state, &caller.0, scope, id, request).await?;
    Ok(NgResourceGroupEnvelope::answer(item(updated)))
}

#[utoipa::path(delete, path = "/authz/api/v2/resourcegroup/{identifier}", tag = "Harness NG API",
    params(("identifier" = String, Path), ("accountIdentifier" = String, Query), ("orgIdentifier" = Option<String>, Query), ("projectIdentifier" = Option<String>, Query)),
    responses((status = 200, body = DeletedEnvelope, description = "`data: true`, as Harness answers; the group's assignments are deleted too"), (status = 403), (status = 404)))]
pub async fn ng_delete_resource_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Ng<Caller>,
) -> NgResult {
    let scope = query_scope(&req, &caller.0, Account::Required)?;
    let id = path_param(&req, "identifier");
    resource_groups::delete(&state, &caller.0, scope, id).await?;
    Ok(DeletedEnvelope::answer(true))
}
