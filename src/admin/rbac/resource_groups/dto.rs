//! Resource-group bodies: the request (Harness v1 fields plus `allowed_scope_levels`; also
//! the input every shape converts into), its validation into a [`ResourceGroup`], and the
//! flat v1 answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::admin::list::Listed;
use crate::admin::rbac::common::{check_name, level_names, parse_levels, ScopeOut};
use crate::policy::resource_group::{
    AttributeFilter, IncludedScope, ResourceFilter, ResourceGroup, ScopeFilter,
};
use crate::policy::{Identifier, Scope, ScopeLevels};
use crate::storage::Stamped;
use crate::web::ApiError;

/// One `included_scope` entry. `account` defaults to the group's account.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct IncludedScopeBody {
    /// `INCLUDING_CHILD_SCOPES` or `EXCLUDING_CHILD_SCOPES`.
    pub filter: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
}

/// One `resource_filter` entry: neither identifiers nor attribute selects every resource
/// of the type; both must match when both are given.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct ResourceFilterBody {
    /// Upper case (`SEI_TEAM`); any case is accepted.
    pub resource_type: String,
    #[serde(default)]
    pub identifiers: Option<Vec<String>>,
    #[serde(default)]
    pub attribute_name: Option<String>,
    #[serde(default)]
    pub attribute_values: Option<Vec<String>>,
}

/// A resource group as clients send it (POST and PUT).
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroupRequest {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub description: Option<String>,
    /// Scopes inside the group's own; none: the group grants nothing.
    #[serde(default)]
    pub included_scope: Option<Vec<IncludedScopeBody>>,
    #[serde(default)]
    pub resource_filter: Option<Vec<ResourceFilterBody>>,
    #[serde(default)]
    pub include_all_resources: Option<bool>,
    /// At or below the group's level; default: the group's own level (on PUT: unchanged).
    #[serde(default)]
    pub allowed_scope_levels: Option<Vec<String>>,
}

/// A resource group as answered.
#[derive(Serialize, ToSchema)]
pub struct ResourceGroupResponse {
    pub identifier: String,
    pub name: String,
    pub color: String,
    pub tags: BTreeMap<String, String>,
    pub description: String,
    pub included_scope: Vec<IncludedScopeBody>,
    pub resource_filter: Vec<ResourceFilterBody>,
    pub include_all_resources: bool,
    pub allowed_scope_levels: Vec<String>,
    pub scope: ScopeOut,
    /// Epoch milliseconds (0 for a built-in group).
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

/// Lists search, sort and page the stored groups themselves, whatever shape answers them.
impl Listed for Stamped<ResourceGroup> {
    fn identifier(&self) -> &str {
        self.value.identifier.as_str()
    }
    fn name(&self) -> &str {
        &self.value.name
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

/// The v1 answer for a stored group.
pub fn stamped_out(g: &Stamped<ResourceGroup>) -> ResourceGroupResponse {
    group_out(&g.value, g.created, g.updated)
}

pub fn group_out(g: &ResourceGroup, created: i64, updated: i64) -> ResourceGroupResponse {
    ResourceGroupResponse {
        identifier: g.identifier.to_string(),
        name: g.name.clone(),
        color: g.color.clone(),
        tags: g.tags.clone(),
        description: g.description.clone(),
        included_scope: g
            .included_scopes
            .iter()
            .map(|i| {
                let s = ScopeOut::of(Some(&i.scope));
                IncludedScopeBody {
                    filter: i.filter.as_str().to_owned(),
                    account: s.account,
                    org: s.org,
                    project: s.project,
                }
            })
            .collect(),
        resource_filter: g
            .resource_filters
            .iter()
            .map(|f| ResourceFilterBody {
                resource_type: f.resource_type.clone(),
                identifiers: Some(f.identifiers.clone()),
                attribute_name: f.attribute.as_ref().map(|a| a.name.clone()),
                attribute_values: Some(
                    f.attribute
                        .as_ref()
                        .map(|a| a.values.clone())
                        .unwrap_or_default(),
                ),
            })
            .collect(),
        include_all_resources: g.include_all_resources,
        allowed_scope_levels: level_names(g.allowed_scope_levels),
        scope: ScopeOut::of(Some(&g.scope)),
        created,
        updated,
        harness_managed: g.managed,
    }
}

pub fn summary(g: &ResourceGroup) -> serde_json::Value {
    let out = group_out(g, 0, 0);
    json!({
        "identifier": out.identifier,
        "included_scope": out.included_scope,
        "resource_filter": out.resource_filter,
        "include_all_resources": out.include_all_resources,
    })
}

fn included(body: IncludedScopeBody, group: &Scope) -> Result<IncludedScope, ApiError> {
    let account = body
        .account
        .unwrap_or_else(|| group.account.as_str().to_owned());
    Ok(IncludedScope {
        filter: ScopeFilter::parse(&body.filter)?,
        scope: Scope::from_parts(&account, body.org.as_deref(), body.project.as_deref())?,
    })
}

fn filter(body: ResourceFilterBody) -> ResourceFilter {
    let values = body.attribute_values.unwrap_or_default();
    let attribute =
        (body.attribute_name.is_some() || !values.is_empty()).then(|| AttributeFilter {
            name: body.attribute_name.unwrap_or_default(),
            values,
        });
    ResourceFilter {
        resource_type: body.resource_type.to_ascii_uppercase(),
        identifiers: body.identifiers.unwrap_or_default(),
        attribute,
    }
}

/// Checks the body and builds the group it describes (levels: `None` = take `default`).
pub fn build(
    body: ResourceGroupRequest,
    scope: &Scope,
    default: ScopeLevels,
) -> Result<ResourceGroup, ApiError> {
    let identifier = Identifier::new(&body.identifier)?;
    check_name(&body.name)?;
    let included_scopes = body
        .included_scope
        .unwrap_or_default()
        .into_iter()
        .map(|i| included(i, scope))
        .collect::<Result<Vec<_>, _>>()?;
    let group = ResourceGroup {
        identifier,
        name: body.name,
        scope: scope.clone(),
        included_scopes,
        resource_filters: body
            .resource_filter
            .unwrap_or_default()
            .into_iter()
            .map(filter)
            .collect(),
        include_all_resources: body.include_all_resources.unwrap_or(false),
        allowed_scope_levels: parse_levels(body.allowed_scope_levels.as_deref(), scope, default)?,
        managed: false,
        description: body.description.unwrap_or_default(),
        color: body.color.unwrap_or_default(),
        tags: body.tags.unwrap_or_default(),
    };
    group.validate()?;
    Ok(group)
}
