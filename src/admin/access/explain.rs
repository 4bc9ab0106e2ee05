//! `POST /v1/access/explain`: one ACL item's fields at the top level plus the optional
//! `principal` (same shapes and permission rule as the ACL, see [`super::acl`]) →
//! `{"permitted": true, "granted_by": {…}}` or `{"permitted": false, "missing_permission",
//! "near_misses": [{…, "why"}]}` from the one decision path (`authz`'s `explain`, the
//! registry's attributes included, DESIGN §2 rule 7): `permitted` is what the gateway and
//! the ACL answer for the same request.
//!
//! Unlike the ACL this is a single question, so an unknown permission, resource type or an
//! unusable scope is a 400 rather than a quiet `false`.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::subject::{item_scope, subject, AclPrincipalOut, PrincipalIn, ResourceScopeIn};
use crate::admin::body::JsonBody;
use crate::admin::context::{authz_unavailable, Caller};
use crate::admin::AdminState;
use crate::authz::decide::Question;
use crate::policy::engine::Explanation;
use crate::policy::permission::catalogue;
use crate::web::ApiError;

/// The question: an ACL item at the top level plus the optional principal.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExplainRequest {
    #[serde(default)]
    pub principal: Option<PrincipalIn>,
    pub resource_scope: ResourceScopeIn,
    /// Defaults to the permission's own resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub resource_identifier: Option<String>,
    #[serde(default)]
    pub resource_attributes: Option<BTreeMap<String, String>>,
    pub permission: String,
}

/// The assignment that granted.
#[derive(Serialize, ToSchema)]
pub struct GrantedBy {
    pub assignment: String,
    pub role: String,
    pub resource_group: String,
    /// The assignment's scope.
    pub scope: String,
    /// The user group the assignment names, when the grant came through one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_user_group: Option<String>,
    /// True when the grant is implicit visibility of a scope (DESIGN §2 rule 5).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit_visibility: bool,
}

/// An assignment that came close, and what it lacked.
#[derive(Serialize, ToSchema)]
pub struct NearMissOut {
    pub assignment: String,
    pub role: String,
    pub resource_group: String,
    pub scope: String,
    pub why: String,
}

/// The answer.
#[derive(Serialize, ToSchema)]
pub struct ExplainResponse {
    pub permitted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_by: Option<GrantedBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_permission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_misses: Option<Vec<NearMissOut>>,
    /// One sentence, as logged.
    pub reason: String,
    pub principal: AclPrincipalOut,
}

fn answer(e: Explanation, principal: AclPrincipalOut) -> ExplainResponse {
    ExplainResponse {
        permitted: e.permitted,
        granted_by: e.granted_by.map(|g| GrantedBy {
            assignment: g.assignment,
            role: g.role,
            resource_group: g.resource_group,
            scope: g.scope,
            via_user_group: g.via_user_group,
            implicit_visibility: g.implicit_visibility,
        }),
        missing_permission: e.missing_permission,
        near_misses: e.near_misses.map(|list| {
            list.into_iter()
                .map(|m| NearMissOut {
                    assignment: m.assignment,
                    role: m.role,
                    resource_group: m.resource_group,
                    scope: m.scope,
                    why: m.why,
                })
                .collect()
        }),
        reason: e.reason,
        principal,
    }
}

#[utoipa::path(post, path = "/v1/access/explain", tag = "Access",
    request_body = ExplainRequest,
    responses((status = 200, body = ExplainResponse), (status = 400), (status = 403), (status = 404)))]
pub async fn explain(
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ExplainRequest>,
) -> Result<HttpResponse, ApiError> {
    let q = body.0;
    let c = catalogue();
    let permission = c
        .get(&q.permission)
        .ok_or_else(|| ApiError::invalid(format!("unknown permission `{}`", q.permission)))?;
    let perm = c.permission(permission);
    let resource_type = q.resource_type.as_deref().unwrap_or(&perm.resource_type);
    if !c.has_resource_type(resource_type) {
        return Err(ApiError::invalid(format!(
            "unknown resource type `{resource_type}`"
        )));
    }
    let scope = item_scope(caller.account(), &q.resource_scope)
        .map_err(|m| ApiError::invalid(format!("invalid `resourceScope`: {m}")))?;
    let who = subject(&state, &caller, q.principal.as_ref(), Some(&scope)).await?;
    let principal = AclPrincipalOut::of(&who.principal);
    let question = Question {
        permission,
        scope: &scope,
        resource_type,
        identifier: q.resource_identifier.as_deref().filter(|s| !s.is_empty()),
        given: q.resource_attributes.as_ref(),
    };
    let explanation = state
        .authz
        .explain(&who.policy.policy, who.restriction.as_ref(), &question)
        .await
        .map_err(authz_unavailable)?;
    Ok(HttpResponse::Ok().json(answer(explanation, principal)))
}
