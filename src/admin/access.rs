//! Access questions in Harness's ACL shape: `POST /authz/api/acl`, and the shared parts of
//! `POST /v1/access/explain` ([`super::access_explain`]) and
//! `GET /v1/principals/{type}/{id}/permissions` ([`super::access_effective`]): who is asked
//! about ([`subject`]) and how a wire item becomes an engine request.
//!
//! Without `principal` the caller asks about itself, within its credential's restriction.
//! Asking about another user or service account needs `core_role_view` at the account and
//! answers with that principal's own (freshly loaded) policy; a disabled principal is
//! denied everything. Items are decided in memory by [`evaluate`], a pure function over one
//! loaded policy: no I/O per item. An item naming an unknown permission or resource type, a
//! permission not available at its scope level, another account or an invalid scope is
//! answered `permitted: false`; a malformed item (no `permission` or `resourceScope`) makes
//! the whole request a 400. Unknown body fields are ignored (Harness clients send extras).

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::JsonBody;
use super::context::Caller;
use super::{resource, AdminState};
use crate::authz::{AuthzError, CachedPolicy};
use crate::policy::engine::{check, PrincipalPolicy, Request, Resource};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::resource_group::Attributes;
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::{Identifier, Scope, ScopeLevel};
use crate::web::{current_request_id, ApiError};

/// Most items one ACL request may carry.
pub const MAX_ACL_ITEMS: usize = 1_000;

static NO_ATTRIBUTES: Attributes = BTreeMap::new();

/// The principal asked about: `{identifier, type, scopeLevel?}` or Harness's older
/// `{principalIdentifier, principalType}`.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalIn {
    /// Also accepted as `principalIdentifier`.
    #[serde(default, alias = "principalIdentifier")]
    pub identifier: Option<String>,
    /// `USER` or `SERVICE_ACCOUNT` (any case); also accepted as `principalType`.
    #[serde(default, rename = "type", alias = "principalType")]
    pub principal_type: Option<String>,
    /// Service accounts: the level they live at (`account`, `organization`, `project`),
    /// taken from the first item's scope. Also accepted as `scope_level`.
    #[serde(default, alias = "scope_level")]
    pub scope_level: Option<String>,
}

/// Where a checked resource lives.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceScopeIn {
    /// Defaults to the caller's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_identifier: Option<String>,
}

/// One permission check of an ACL request.
#[derive(Deserialize, ToSchema, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AclItem {
    pub resource_scope: ResourceScopeIn,
    /// Upper case (`PIPELINE`); defaults to the permission's own resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// Omitted or empty: a type-level check (list, create).
    #[serde(default)]
    pub resource_identifier: Option<String>,
    #[serde(default)]
    pub resource_attributes: Option<BTreeMap<String, String>>,
    pub permission: String,
}

/// `POST /authz/api/acl`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AclRequest {
    #[serde(default)]
    pub principal: Option<PrincipalIn>,
    /// At most 1,000 items.
    pub permissions: Vec<AclItem>,
}

/// The principal an answer is about, with Harness's older spellings too.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AclPrincipalOut {
    pub identifier: String,
    #[serde(rename = "type")]
    pub principal_type: String,
    pub principal_identifier: String,
    #[serde(rename = "principalType")]
    pub principal_type_alias: String,
}

/// One answered item.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessControlOut {
    pub permission: String,
    pub resource_scope: ResourceScopeIn,
    pub resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_attributes: Option<BTreeMap<String, String>>,
    pub permitted: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AclData {
    pub principal: AclPrincipalOut,
    pub access_control_list: Vec<AccessControlOut>,
}

/// Harness's `ResponseDTO` envelope.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AclResponse {
    /// Always `SUCCESS`.
    pub status: String,
    pub data: AclData,
    #[schema(value_type = Option<Object>)]
    pub meta_data: Option<serde_json::Value>,
    /// The request id.
    pub correlation_id: String,
}

impl AclPrincipalOut {
    pub fn of(p: &Principal) -> Self {
        Self {
            identifier: p.identifier.to_string(),
            principal_type: p.principal_type.as_str().to_owned(),
            principal_identifier: p.identifier.to_string(),
            principal_type_alias: p.principal_type.as_str().to_owned(),
        }
    }
}

/// The scope an item names, or why it names none (another account, a bad identifier, a
/// project without an organization). A missing `accountIdentifier` means `account`.
pub fn item_scope(account: &Identifier, rs: &ResourceScopeIn) -> Result<Scope, String> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    if let Some(a) = given(&rs.account_identifier) {
        if a != account.as_str() {
            return Err(format!("account `{a}` is not the account `{account}`"));
        }
    }
    let part = |v: &str| Identifier::new(v).map_err(|e| e.to_string());
    match (given(&rs.org_identifier), given(&rs.project_identifier)) {
        (None, None) => Ok(Scope::account(account.clone())),
        (Some(o), None) => Ok(Scope::org(account.clone(), part(o)?)),
        (Some(o), Some(p)) => Ok(Scope::project(account.clone(), part(o)?, part(p)?)),
        (None, Some(p)) => Err(format!("project `{p}` needs an `orgIdentifier`")),
    }
}

/// Remembers the last parsed scope: ACL requests usually repeat one scope many times.
struct ScopeMemo<'a> {
    last: Option<(&'a ResourceScopeIn, Option<Scope>)>,
}

impl<'a> ScopeMemo<'a> {
    fn get(&mut self, account: &Identifier, rs: &'a ResourceScopeIn) -> Option<&Scope> {
        let hit = matches!(&self.last, Some((prev, _)) if *prev == rs);
        if !hit {
            self.last = Some((rs, item_scope(account, rs).ok()));
        }
        self.last.as_ref().and_then(|(_, s)| s.as_ref())
    }
}

/// Decides every item against one loaded policy, in order. Pure and allocation-light: the
/// handler and `benches/acl.rs` both call this.
pub fn evaluate(
    policy: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    account: &Identifier,
    items: &[AclItem],
) -> Vec<bool> {
    let c = catalogue();
    let mut memo = ScopeMemo { last: None };
    items
        .iter()
        .map(|item| {
            let Some(permission) = c.get(&item.permission) else {
                return false;
            };
            let resource_type = match item.resource_type.as_deref() {
                Some(t) if !c.has_resource_type(t) => return false,
                Some(t) => t,
                None => c.permission(permission).resource_type.as_str(),
            };
            let Some(scope) = memo.get(account, &item.resource_scope) else {
                return false;
            };
            let request = Request {
                permission,
                resource: Resource {
                    scope,
                    resource_type,
                    identifier: item
                        .resource_identifier
                        .as_deref()
                        .filter(|s| !s.is_empty()),
                    attributes: item.resource_attributes.as_ref().unwrap_or(&NO_ATTRIBUTES),
                },
                restriction,
            };
            check(policy, &request).is_allowed()
        })
        .collect()
}

/// Who a question is about, with the policy to answer it from.
pub struct Subject {
    pub principal: Principal,
    pub policy: Arc<CachedPolicy>,
    /// The caller's credential restriction when the caller asks about itself.
    pub restriction: Option<PermissionSet>,
}

impl Subject {
    pub fn disabled(&self) -> bool {
        self.policy.disabled
    }
}

fn caller_subject(caller: &Caller) -> Subject {
    Subject {
        principal: caller.who.principal.clone(),
        policy: caller.policy.clone(),
        restriction: caller.restriction().copied(),
    }
}

/// Scopes where a principal may live, nearest to the account first.
fn candidate_scopes(
    kind: PrincipalType,
    level: Option<ScopeLevel>,
    account: &Identifier,
    anchor: Option<&Scope>,
) -> Result<Vec<Scope>, ApiError> {
    let account_scope = Scope::account(account.clone());
    if kind == PrincipalType::User {
        return Ok(vec![account_scope]);
    }
    match level {
        Some(ScopeLevel::Account) => Ok(vec![account_scope]),
        Some(l) => anchor
            .and_then(|a| a.at_level(l))
            .map(|s| vec![s])
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "principal `scopeLevel` `{l}` needs a resource scope at that level"
                ))
            }),
        None => {
            let mut out = vec![account_scope];
            if let Some(a) = anchor {
                for l in [ScopeLevel::Organization, ScopeLevel::Project] {
                    out.extend(a.at_level(l));
                }
            }
            Ok(out)
        }
    }
}

/// Resolves the principal of a question. `anchor` is the scope the question is about (it
/// places service accounts that live below the account).
pub async fn subject(
    state: &AdminState,
    caller: &Caller,
    given: Option<&PrincipalIn>,
    anchor: Option<&Scope>,
) -> Result<Subject, ApiError> {
    let Some(p) = given else {
        return Ok(caller_subject(caller));
    };
    let (Some(id), Some(kind)) = (p.identifier.as_deref(), p.principal_type.as_deref()) else {
        return Err(ApiError::invalid(
            "`principal` needs `identifier` and `type` (or `principalIdentifier` and `principalType`)",
        ));
    };
    let kind = PrincipalType::parse(kind).map_err(|_| {
        ApiError::invalid(format!(
            "unsupported principal type `{kind}`: use USER or SERVICE_ACCOUNT"
        ))
    })?;
    let level = p
        .scope_level
        .as_deref()
        .map(ScopeLevel::parse)
        .transpose()?;
    resolve(state, caller, kind, id, level, anchor).await
}

/// Resolves `kind:id` (self, or another principal for holders of `core_role_view`).
pub async fn resolve(
    state: &AdminState,
    caller: &Caller,
    kind: PrincipalType,
    id: &str,
    level: Option<ScopeLevel>,
    anchor: Option<&Scope>,
) -> Result<Subject, ApiError> {
    if kind == PrincipalType::UserGroup {
        return Err(ApiError::invalid(
            "USER_GROUP principals cannot be checked: ask about one of the group's users",
        ));
    }
    let identifier = Identifier::new(id)?;
    let candidates = candidate_scopes(kind, level, caller.account(), anchor)?;
    let me = &caller.who.principal;
    if me.principal_type == kind && me.identifier == identifier && candidates.contains(&me.scope) {
        return Ok(caller_subject(caller));
    }
    caller.require("core_role_view", &caller.account_scope(), "ROLE", None)?;
    for scope in candidates {
        let principal = Principal {
            principal_type: kind,
            identifier: identifier.clone(),
            scope,
        };
        match state.authz.load_fresh(&principal).await {
            Ok(policy) => {
                return Ok(Subject {
                    principal,
                    policy,
                    restriction: None,
                })
            }
            Err(AuthzError::UnknownPrincipal(_)) => continue,
            Err(AuthzError::Unavailable(_)) => {
                return Err(ApiError::unavailable("policy store unavailable"))
            }
        }
    }
    Err(ApiError::not_found(format!(
        "principal `{kind}:{id}` not found in account `{}`",
        caller.account()
    )))
}

#[utoipa::path(post, path = "/authz/api/acl", tag = "Access",
    request_body = AclRequest,
    responses((status = 200, body = AclResponse), (status = 400), (status = 403), (status = 404)))]
pub async fn acl(
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<AclRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    if request.permissions.len() > MAX_ACL_ITEMS {
        return Err(ApiError::invalid(format!(
            "{} permission checks exceed the limit of {MAX_ACL_ITEMS} per request",
            request.permissions.len()
        )));
    }
    let anchor = request
        .permissions
        .iter()
        .find_map(|i| item_scope(caller.account(), &i.resource_scope).ok());
    let who = subject(&state, &caller, request.principal.as_ref(), anchor.as_ref()).await?;
    let permitted = if who.disabled() {
        vec![false; request.permissions.len()]
    } else {
        evaluate(
            &who.policy.policy,
            who.restriction.as_ref(),
            who.principal.account(),
            &request.permissions,
        )
    };
    let c = catalogue();
    let list = request
        .permissions
        .into_iter()
        .zip(permitted)
        .map(|(item, permitted)| AccessControlOut {
            resource_type: item.resource_type.unwrap_or_else(|| {
                c.get(&item.permission)
                    .map(|p| c.permission(p).resource_type.clone())
                    .unwrap_or_default()
            }),
            permission: item.permission,
            resource_scope: item.resource_scope,
            resource_identifier: item.resource_identifier,
            resource_attributes: item.resource_attributes,
            permitted,
        })
        .collect();
    Ok(HttpResponse::Ok().json(AclResponse {
        status: "SUCCESS".into(),
        data: AclData {
            principal: AclPrincipalOut::of(&who.principal),
            access_control_list: list,
        },
        meta_data: None,
        correlation_id: current_request_id(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/authz/api/acl").route(web::post().to(acl)));
    super::access_explain::configure(cfg);
    super::access_effective::configure(cfg);
}

/// The OpenAPI paths of the access endpoints (ACL, explain, effective permissions).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        acl,
        super::access_explain::explain,
        super::access_effective::effective_permissions
    ),
    components(schemas(
        AclRequest,
        AclItem,
        PrincipalIn,
        ResourceScopeIn,
        AclResponse,
        AclData,
        AccessControlOut,
        AclPrincipalOut,
        super::access_explain::ExplainRequest,
        super::access_explain::ExplainResponse,
        super::access_explain::GrantedBy,
        super::access_explain::NearMissOut,
        super::access_effective::EffectivePermissions,
        super::access_effective::EffectivePrincipal,
        super::access_effective::RouteOut
    ))
)]
pub struct AccessApi;
