//! Issuing and rotating API tokens.
//!
//! Owns: creating a token row (server-generated token id, SHA-256 digest of a fresh 256-bit
//! secret, optional permission subset) and rotation (a new row for the same logical token;
//! the old value keeps working until its grace time). Both take the no-escalation guard's
//! `Permit<TokenGrant>` (owner and restriction come from it) and run on the caller's
//! connection, inside the caller's transaction: the caller checks who may issue, bumps the
//! credentials epoch and writes the audit event. A rotated value is restricted to the old
//! value's restriction ∩ the permit's, so rotation never widens a token. Must never store or
//! log the secret; the value is returned once, to be shown once.

use super::api_token::secret;
use super::error::AuthnError;
use super::token::{TokenKind, TokenValue};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::PrincipalType;
use crate::policy::{Identifier, Scope, ScopeLevel};
use crate::storage::columns::{from_json, scope_cols, to_json};
use crate::storage::guard::{Permit, TokenGrant};
use crate::storage::principals::{ServiceAccount, User};
use crate::storage::tokens::ApiToken;
use crate::storage::DbConnection;

/// Inserts a new token for the permit's owner, restricted as the permit says, and returns
/// its row and its value (shown once).
pub fn issue_api_token(
    conn: &mut DbConnection,
    permit: Permit<TokenGrant>,
    identifier: &str,
    name: &str,
    valid_to: Option<i64>,
    issued_by: &str,
    now_ms: i64,
) -> Result<(ApiToken, String), AuthnError> {
    let grant = permit.into_write();
    let (owner_type, owner_scope, owner) = (
        grant.owner.principal_type,
        &grant.owner.scope,
        grant.owner.identifier.as_str(),
    );
    let permissions = grant.restriction.as_ref();
    let kind = check_owner(conn, owner_type, owner_scope, owner)?;
    Identifier::new(identifier).map_err(|e| AuthnError::InvalidInput(e.to_string()))?;
    if valid_to.is_some_and(|t| t <= now_ms) {
        return Err(AuthnError::InvalidInput(
            "`valid_to` is in the past".to_owned(),
        ));
    }
    if !ApiToken::find_logical(conn, owner_type, owner_scope, owner, identifier)?.is_empty() {
        return Err(AuthnError::Conflict(format!(
            "token `{identifier}` of {owner_type}:{owner} already exists"
        )));
    }
    let permissions = permissions.map(|set| to_json(&catalogue().identifiers(set)));
    new_row(
        conn,
        kind,
        owner_scope,
        owner,
        identifier,
        name,
        valid_to,
        permissions,
        issued_by,
        now_ms,
    )
}

/// Replaces the current value of a logical token by a new one (new token id, same
/// identifier, name and `valid_to`; permissions: the old ones ∩ the permit's restriction);
/// the old value works for `grace_seconds`.
pub fn rotate_api_token(
    conn: &mut DbConnection,
    permit: Permit<TokenGrant>,
    identifier: &str,
    grace_seconds: i64,
    now_ms: i64,
) -> Result<(ApiToken, String), AuthnError> {
    let grant = permit.into_write();
    let (owner_type, owner_scope, owner) = (
        grant.owner.principal_type,
        &grant.owner.scope,
        grant.owner.identifier.as_str(),
    );
    if grace_seconds < 0 {
        return Err(AuthnError::InvalidInput(
            "`grace_seconds` must not be negative".to_owned(),
        ));
    }
    let kind = check_owner(conn, owner_type, owner_scope, owner)?;
    let rows = ApiToken::find_logical(conn, owner_type, owner_scope, owner, identifier)?;
    let current = rows
        .into_iter()
        .find(|r| r.grace_until.is_none())
        .ok_or_else(|| AuthnError::NotFound(format!("token `{identifier}` not found")))?;
    let grace_ms = grace_seconds.saturating_mul(1000);
    let grace_until = match current.valid_to {
        Some(v) => now_ms.saturating_add(grace_ms).min(v),
        None => now_ms.saturating_add(grace_ms),
    };
    let permissions = narrowed(current.permissions.as_deref(), grant.restriction.as_ref())?;
    ApiToken::supersede(conn, &current.token_id, grace_until)?;
    new_row(
        conn,
        kind,
        owner_scope,
        owner,
        identifier,
        &current.name,
        current.valid_to,
        permissions,
        &current.issued_by,
        now_ms,
    )
}

/// The stored restriction (JSON list) ∩ `also`, as stored JSON (`None`: unrestricted).
fn narrowed(
    stored: Option<&str>,
    also: Option<&PermissionSet>,
) -> Result<Option<String>, AuthnError> {
    let c = catalogue();
    let old = stored
        .map(|json| {
            let ids: Vec<String> = from_json(json, "token permissions")?;
            c.set_of(&ids)
                .map_err(|e| AuthnError::Unavailable(format!("stored token permissions: {e}")))
        })
        .transpose()?;
    let set = match (old, also) {
        (None, None) => return Ok(None),
        (Some(s), None) => s,
        (None, Some(a)) => *a,
        (Some(s), Some(a)) => s.intersection(a),
    };
    Ok(Some(to_json(&c.identifiers(&set))))
}

/// The owner must exist at `owner_scope` (users at account level) and may own tokens.
fn check_owner(
    conn: &mut DbConnection,
    owner_type: PrincipalType,
    owner_scope: &Scope,
    owner: &str,
) -> Result<TokenKind, AuthnError> {
    let kind = TokenKind::for_owner(owner_type)
        .ok_or_else(|| AuthnError::InvalidInput(format!("a {owner_type} cannot own API tokens")))?;
    let exists = match owner_type {
        PrincipalType::User => {
            if owner_scope.level() != ScopeLevel::Account {
                return Err(AuthnError::InvalidInput(
                    "users live at account scope".to_owned(),
                ));
            }
            User::find(conn, owner_scope.account.as_str(), owner)?.is_some()
        }
        _ => ServiceAccount::find(conn, owner_scope, owner)?.is_some(),
    };
    if !exists {
        return Err(AuthnError::NotFound(format!(
            "{owner_type} `{owner}` not found in `{owner_scope}`"
        )));
    }
    Ok(kind)
}

#[allow(clippy::too_many_arguments)]
fn new_row(
    conn: &mut DbConnection,
    kind: TokenKind,
    owner_scope: &Scope,
    owner: &str,
    identifier: &str,
    name: &str,
    valid_to: Option<i64>,
    permissions: Option<String>,
    issued_by: &str,
    now_ms: i64,
) -> Result<(ApiToken, String), AuthnError> {
    let value = TokenValue::generate(kind, &owner_scope.account);
    let (account, org, project) = scope_cols(owner_scope);
    let row = ApiToken {
        token_id: value.token_id.clone(),
        account,
        owner_type: kind.owner_type().as_str().to_owned(),
        owner_org: org,
        owner_project: project,
        owner_identifier: owner.to_owned(),
        identifier: identifier.to_owned(),
        name: name.to_owned(),
        secret_hash: secret::stored_form(value.secret()),
        permissions,
        valid_to,
        grace_until: None,
        issued_by: issued_by.to_owned(),
        created: now_ms,
    };
    row.insert(conn)?;
    Ok((row, value.to_string()))
}
