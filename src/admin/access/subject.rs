//! Who an access question is about and where its resource lives, shared by the ACL,
//! explain and effective permissions: the principal spellings Harness's clients send, the
//! `resourceScope` object, and [`subject`], which answers with the caller itself (within
//! its credential's restriction) or, for holders of `core_role_view` at the account,
//! another user or service account's freshly loaded policy.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::context::{authz_unavailable, Caller};
use crate::admin::AdminState;
use crate::authz::{AuthzError, CachedPolicy};
use crate::policy::permission::PermissionSet;
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::{Identifier, Scope, ScopeLevel};
use crate::web::ApiError;

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

/// Who a question is about, with the policy to answer it from.
pub struct Subject {
    pub principal: Principal,
    pub policy: Arc<CachedPolicy>,
    /// The caller's credential restriction when the caller asks about itself.
    pub restriction: Option<PermissionSet>,
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

/// Resolves `kind:id` (self, or another principal for holders of `core_role_view`, loaded
/// fresh whether disabled or not: the engine permits a disabled principal nothing).
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
    caller
        .require("core_role_view", &caller.account_scope(), "ROLE", None)
        .await?;
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
            Err(e) => return Err(authz_unavailable(e)),
        }
    }
    Err(ApiError::not_found(format!(
        "principal `{kind}:{id}` not found in account `{}`",
        caller.account()
    )))
}
