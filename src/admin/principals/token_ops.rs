//! The token operations behind [`super::tokens`]' handlers, shared by user and
//! service-account owners (DESIGN §1 "Credential restrictions", §4.3, §4.4).
//!
//! Who may: a user for itself (no permission needed); another user's tokens need
//! `core_user_manage` at the account (issuing one is impersonation, audited with issuer and
//! owner) or `core_user_view` to list them; service-account tokens need
//! `core_serviceaccount_manageapikey` at the account's scope (listing: that or
//! `core_serviceaccount_view`). Every new or rotated value passes the no-escalation guard:
//! a token for anyone else counts the owner's whole grant set as gained, and a restricted
//! credential hands out only values restricted at least as tightly as itself (a new token
//! defaults to the caller's restriction ∩ what the owner holds; a rotated one keeps the old
//! value's restriction ∩ the caller's). A requested permission subset must name catalogue
//! permissions its owner holds. The token value appears only in the answer of create and
//! rotate, never in an audit row or log.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::common::{is_self, path_param, validate_name};
use super::service_accounts::find_sa;
use super::token_dto::{TokenCreate, TokenIssued, TokenOut, TokenRotate};
use super::users::find_user;
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::context::{authz_unavailable, Caller};
use crate::admin::list::ListQuery;
use crate::admin::scope::path_scope;
use crate::admin::AdminState;
use crate::authn::{issue_api_token, rotate_api_token};
use crate::authz::AuthzError;
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::Identifier;
use crate::storage::columns::from_json;
use crate::storage::guard::TokenGrant;
use crate::storage::tokens::ApiToken;
use crate::storage::DbConnection;
use crate::web::ApiError;

/// The longest grace time of a rotation: 30 days.
pub const MAX_GRACE_SECONDS: i64 = 30 * 24 * 3600;

/// What the caller wants to do with an owner's tokens.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Read,
    Write,
}

/// The owner named by `/v1/users/{user}/…`.
pub fn user_owner(req: &HttpRequest, caller: &Caller) -> Result<Principal, ApiError> {
    Ok(Principal {
        principal_type: PrincipalType::User,
        identifier: Identifier::new(&path_param(req, "user"))?,
        scope: caller.account_scope(),
    })
}

/// The owner named by `…/service-accounts/{sa}/…` at the path's scope.
pub fn sa_owner(req: &HttpRequest, caller: &Caller) -> Result<Principal, ApiError> {
    Ok(Principal {
        principal_type: PrincipalType::ServiceAccount,
        identifier: Identifier::new(&path_param(req, "sa"))?,
        scope: path_scope(req, caller)?,
    })
}

/// Authorizes `access` to `owner`'s tokens; `Ok(true)` when it is impersonation (a user
/// issuing or changing another user's token).
async fn authorize(caller: &Caller, owner: &Principal, access: Access) -> Result<bool, ApiError> {
    let id = owner.identifier.as_str();
    match owner.principal_type {
        PrincipalType::User if is_self(caller, id) => Ok(false),
        PrincipalType::User => {
            let perm = match access {
                Access::Read => "core_user_view",
                Access::Write => "core_user_manage",
            };
            caller.require(perm, &owner.scope, "USER", Some(id)).await?;
            Ok(access == Access::Write)
        }
        _ => {
            let manage = "core_serviceaccount_manageapikey";
            if access == Access::Read
                && caller
                    .holds(
                        "core_serviceaccount_view",
                        &owner.scope,
                        "SERVICEACCOUNT",
                        Some(id),
                    )
                    .await?
            {
                return Ok(false);
            }
            caller
                .require(manage, &owner.scope, "SERVICEACCOUNT", Some(id))
                .await?;
            Ok(false)
        }
    }
}

/// 404 naming the owner (or its organization or project) when it does not exist.
fn ensure_owner(conn: &mut DbConnection, owner: &Principal) -> Result<(), ApiError> {
    match owner.principal_type {
        PrincipalType::User => {
            find_user(conn, owner.account().as_str(), owner.identifier.as_str()).map(|_| ())
        }
        _ => find_sa(conn, &owner.scope, owner.identifier.as_str()).map(|_| ()),
    }
}

fn audit_id(owner: &Principal, token: &str) -> String {
    format!("{owner}/{token}")
}

pub(super) fn token_out(row: &ApiToken) -> Result<TokenOut, ApiError> {
    let permissions = row
        .permissions
        .as_deref()
        .map(|p| from_json::<Vec<String>>(p, "token permissions"))
        .transpose()?;
    Ok(TokenOut {
        identifier: row.identifier.clone(),
        name: row.name.clone(),
        valid_to: row.valid_to,
        permissions,
        created: row.created,
        issued_by: row.issued_by.clone(),
    })
}

fn authz_error(owner: &Principal, e: AuthzError) -> ApiError {
    match e {
        AuthzError::UnknownPrincipal(_) => ApiError::not_found(format!(
            "{} `{}` not found",
            owner.principal_type, owner.identifier
        )),
        other => authz_unavailable(other),
    }
}

/// The permission subset a new token carries (`None`: the owner's, unrestricted): the
/// requested one (which must name permissions the owner holds, else 400), else the
/// calling credential's restriction ∩ what the owner holds. Whether the caller may hand
/// that out is the guard's question, inside the write.
async fn token_permissions(
    state: &AdminState,
    caller: &Caller,
    owner: &Principal,
    requested: Option<PermissionSet>,
) -> Result<Option<PermissionSet>, ApiError> {
    let inherited = caller.restriction().copied();
    if requested.is_none() && inherited.is_none() {
        return Ok(None);
    }
    let held = state
        .authz
        .load_fresh(owner)
        .await
        .map_err(|e| authz_error(owner, e))?
        .policy
        .clone()
        .with_disabled(false)
        .all_permissions();
    let Some(set) = requested else {
        return Ok(inherited.map(|r| r.intersection(&held)));
    };
    if let Some(p) = set.difference(&held).iter().next() {
        return Err(ApiError::invalid(format!(
            "permission `{}` exceeds what {owner} holds",
            catalogue().permission(p).identifier
        )));
    }
    Ok(Some(set))
}

/// Validates a create body: identifier, name, known permissions (a past `valid_to` is
/// refused by `issue_api_token`, in the write).
fn validate(f: &TokenCreate) -> Result<Option<PermissionSet>, ApiError> {
    Identifier::new(&f.identifier)?;
    validate_name(&f.name)?;
    Ok(f.permissions
        .as_deref()
        .map(|p| catalogue().set_of(p))
        .transpose()?)
}

pub async fn list(
    req: &HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    owner: Principal,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(req)?;
    authorize(&caller, &owner, Access::Read).await?;
    let rows = audit::read(&state, move |c| {
        ensure_owner(c, &owner)?;
        Ok(ApiToken::list_for_owner(
            c,
            owner.principal_type,
            &owner.scope,
            owner.identifier.as_str(),
        )?)
    })
    .await?;
    let out = rows.iter().map(token_out).collect::<Result<Vec<_>, _>>()?;
    Ok(q.respond(out))
}

pub async fn create(
    state: web::Data<AdminState>,
    caller: Caller,
    owner: Principal,
    f: TokenCreate,
) -> Result<HttpResponse, ApiError> {
    let requested = validate(&f)?;
    let id = audit_id(&owner, &f.identifier);
    let meta = WriteMeta::new("token.create", &owner.scope, "TOKEN", &id, Bump::None);
    let impersonation = match authorize(&caller, &owner, Access::Write).await {
        Ok(i) => i,
        Err(e) => return Err(audit::denied(&state, &caller, meta, e).await),
    };
    let o = owner.clone();
    audit::read(&state, move |c| ensure_owner(c, &o)).await?;
    let permissions = token_permissions(&state, &caller, &owner, requested).await?;
    let issued_by = caller.principal_text();
    let acting = caller.acting();
    let issued = audit::write(&state, &caller, meta, move |c, now| {
        let grant = TokenGrant {
            owner: owner.clone(),
            restriction: permissions,
        };
        let permit = acting.admit(c, grant)?;
        let (row, value) = issue_api_token(
            c,
            permit,
            &f.identifier,
            &f.name,
            f.valid_to,
            &issued_by,
            now,
        )
        .map_err(ApiError::from)?;
        let meta = token_out(&row)?;
        let after = json!({"identifier": row.identifier, "name": row.name,
            "owner": owner.to_string(), "owner_scope": owner.scope.to_string(),
            "issued_by": issued_by, "impersonation": impersonation,
            "valid_to": row.valid_to, "permissions": meta.permissions});
        let out = TokenIssued {
            identifier: meta.identifier,
            name: meta.name,
            token: value,
            valid_to: meta.valid_to,
            permissions: meta.permissions,
            grace_until: None,
        };
        Ok(Audited::new(out, None, Some(after)))
    })
    .await?;
    Ok(HttpResponse::Created().json(issued))
}

pub async fn revoke(
    req: &HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    owner: Principal,
) -> Result<HttpResponse, ApiError> {
    let token = path_param(req, "token");
    let id = audit_id(&owner, &token);
    let meta = WriteMeta::new(
        "token.revoke",
        &owner.scope,
        "TOKEN",
        &id,
        Bump::Credentials,
    );
    let allowed = authorize(&caller, &owner, Access::Write).await.map(|_| ());
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let revoked = audit::write(&state, &caller, meta, move |c, _| {
        ensure_owner(c, &owner)?;
        let (ty, scope, who) = (
            owner.principal_type,
            &owner.scope,
            owner.identifier.as_str(),
        );
        let rows = ApiToken::find_logical(c, ty, scope, who, &token)?;
        let current = rows
            .first()
            .ok_or_else(|| ApiError::not_found(format!("token `{token}` of {owner} not found")))?;
        let out = token_out(current)?;
        let values = ApiToken::delete_logical(c, ty, scope, who, &token)?;
        let before = json!({"identifier": token, "owner": owner.to_string(),
                            "values_revoked": values});
        Ok(Audited::new(out, Some(before), None))
    })
    .await?;
    Ok(HttpResponse::Ok().json(revoked))
}

fn grace_seconds(body: &TokenRotate) -> Result<i64, ApiError> {
    let grace = body.grace_seconds.unwrap_or(0);
    if !(0..=MAX_GRACE_SECONDS).contains(&grace) {
        return Err(ApiError::invalid(format!(
            "`grace_seconds` must be between 0 and {MAX_GRACE_SECONDS} (30 days)"
        )));
    }
    Ok(grace)
}

pub async fn rotate(
    req: &HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    owner: Principal,
    body: TokenRotate,
) -> Result<HttpResponse, ApiError> {
    let token = path_param(req, "token");
    let grace = grace_seconds(&body)?;
    let id = audit_id(&owner, &token);
    let meta = WriteMeta::new(
        "token.rotate",
        &owner.scope,
        "TOKEN",
        &id,
        Bump::Credentials,
    );
    let allowed = authorize(&caller, &owner, Access::Write).await.map(|_| ());
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let rotated = audit::write(&state, &caller, meta, move |c, now| {
        ensure_owner(c, &owner)?;
        let (ty, scope, who) = (
            owner.principal_type,
            &owner.scope,
            owner.identifier.as_str(),
        );
        let previous = ApiToken::find_logical(c, ty, scope, who, &token)?
            .into_iter()
            .find(|r| r.grace_until.is_none())
            .ok_or_else(|| ApiError::not_found(format!("token `{token}` of {owner} not found")))?;
        // The new value keeps the old one's restriction ∩ the calling credential's.
        let grant = TokenGrant {
            owner: owner.clone(),
            restriction: acting.restriction().copied(),
        };
        let permit = acting.admit(c, grant)?;
        let (row, value) =
            rotate_api_token(c, permit, &token, grace, now).map_err(ApiError::from)?;
        let grace_until = ApiToken::find_by_id(c, &previous.token_id)?.and_then(|r| r.grace_until);
        let meta = token_out(&row)?;
        let after = json!({"identifier": token, "owner": owner.to_string(),
                           "grace_seconds": grace, "previous_valid_until": grace_until});
        let out = TokenIssued {
            identifier: meta.identifier,
            name: meta.name,
            token: value,
            valid_to: meta.valid_to,
            permissions: meta.permissions,
            grace_until,
        };
        Ok(Audited::new(out, None, Some(after)))
    })
    .await?;
    Ok(HttpResponse::Created().json(rotated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Scope;

    #[test]
    fn grace_is_bounded() {
        let g = |s: Option<i64>| grace_seconds(&TokenRotate { grace_seconds: s });
        assert_eq!(g(None).unwrap(), 0);
        assert_eq!(g(Some(2)).unwrap(), 2);
        assert_eq!(g(Some(MAX_GRACE_SECONDS)).unwrap(), MAX_GRACE_SECONDS);
        assert!(g(Some(MAX_GRACE_SECONDS + 1)).is_err());
        assert!(g(Some(-1)).is_err());
    }

    #[test]
    fn audit_ids_name_owner_and_token() {
        let owner = Principal {
            principal_type: PrincipalType::ServiceAccount,
            identifier: Identifier::new("ci").unwrap(),
            scope: Scope::parse("acme/eng").unwrap(),
        };
        assert_eq!(audit_id(&owner, "deploy"), "SERVICE_ACCOUNT:ci/deploy");
    }
}
