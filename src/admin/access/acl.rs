//! `POST /authz/api/acl` in Harness's ACL shape (DESIGN §4.4).
//!
//! Without `principal` the caller asks about itself, within its credential's restriction;
//! asking about another user or service account needs `core_role_view` at the account
//! ([`super::subject`]). Every item is decided through the one decision path (`authz`'s
//! `check`: the registry's attributes for the resource unless the item gives its own, a
//! disabled principal permitted nothing), exactly as the gateway decides. An item naming an
//! unknown permission or resource type, a permission not available at its scope level,
//! another account or an invalid scope is answered `permitted: false`; a malformed item (no
//! `permission` or `resourceScope`) makes the whole request a 400. Unknown body fields are
//! ignored (Harness clients send extras).

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::subject::{item_scope, subject, AclPrincipalOut, PrincipalIn, ResourceScopeIn};
use crate::admin::body::JsonBody;
use crate::admin::context::{authz_unavailable, Caller};
use crate::admin::AdminState;
use crate::authz::decide::Question;
use crate::authz::{Authz, AuthzError};
use crate::policy::engine::PrincipalPolicy;
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::{Identifier, Scope};
use crate::web::{current_request_id, ApiError};

/// Most items one ACL request may carry.
pub const MAX_ACL_ITEMS: usize = 1_000;

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

/// Decides every item for one loaded policy, in order, through the one decision path.
/// The handler and `benches/acl.rs` both call this.
pub async fn evaluate(
    authz: &Authz,
    policy: &PrincipalPolicy,
    restriction: Option<&PermissionSet>,
    account: &Identifier,
    items: &[AclItem],
) -> Result<Vec<bool>, AuthzError> {
    let c = catalogue();
    let mut memo = ScopeMemo { last: None };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(permission) = c.get(&item.permission) else {
            out.push(false);
            continue;
        };
        let resource_type = match item.resource_type.as_deref() {
            Some(t) if !c.has_resource_type(t) => {
                out.push(false);
                continue;
            }
            Some(t) => t,
            None => c.permission(permission).resource_type.as_str(),
        };
        let Some(scope) = memo.get(account, &item.resource_scope) else {
            out.push(false);
            continue;
        };
        let question = Question {
            permission,
            scope,
            resource_type,
            identifier: item
                .resource_identifier
                .as_deref()
                .filter(|s| !s.is_empty()),
            given: item.resource_attributes.as_ref(),
        };
        out.push(
            authz
                .check(policy, restriction, &question)
                .await?
                .is_allowed(),
        );
    }
    Ok(out)
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
    let permitted = evaluate(
        &state.authz,
        &who.policy.policy,
        who.restriction.as_ref(),
        who.principal.account(),
        &request.permissions,
    )
    .await
    .map_err(authz_unavailable)?;
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
