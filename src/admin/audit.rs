//! Audited admin writes: the change, its audit row and the epoch bump commit in one
//! transaction (DESIGN §7), then this replica's caches learn of it at once. Refused write
//! attempts are recorded too, in their own small transaction: those refused before the
//! write ([`refuse_unless`], [`denied`]) and those the no-escalation guard or another
//! check refuses inside it (a 403 out of [`write`]).

use serde_json::Value;

use super::context::Caller;
use super::error::abort;
use super::AdminState;
use crate::policy::Scope;
use crate::storage::audit::NewAuditEvent;
use crate::storage::columns::scope_cols;
use crate::storage::epochs::{EpochKind, Epochs};
use crate::storage::DbConnection;
use crate::web::now_ms;
use crate::web::{current_request_id, ApiError, ErrorCode};

/// Which caches a write invalidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bump {
    None,
    Policy,
    Credentials,
    Both,
}

/// What a write records.
#[derive(Clone, Debug)]
pub struct WriteMeta {
    /// `role.create`, `role_assignment.delete`, …
    pub action: String,
    pub scope: Scope,
    pub resource_type: String,
    pub identifier: String,
    pub bump: Bump,
}

impl WriteMeta {
    pub fn new(
        action: &str,
        scope: &Scope,
        resource_type: &str,
        identifier: &str,
        bump: Bump,
    ) -> Self {
        Self {
            action: action.into(),
            scope: scope.clone(),
            resource_type: resource_type.into(),
            identifier: identifier.into(),
            bump,
        }
    }
}

/// A write's result with the before/after summaries for the audit row.
pub struct Audited<T> {
    pub value: T,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<T> Audited<T> {
    pub fn new(value: T, before: Option<Value>, after: Option<Value>) -> Self {
        Self {
            value,
            before,
            after,
        }
    }
}

fn event(
    meta: &WriteMeta,
    caller: &str,
    caller_type: &str,
    outcome: &str,
    reason: String,
    request_id: String,
    now: i64,
) -> NewAuditEvent {
    let (account, org, project) = scope_cols(&meta.scope);
    NewAuditEvent {
        at: now,
        account,
        org,
        project,
        principal_type: caller_type.to_owned(),
        principal_identifier: caller.to_owned(),
        action: meta.action.clone(),
        resource_type: meta.resource_type.clone(),
        resource_identifier: meta.identifier.clone(),
        outcome: outcome.to_owned(),
        reason,
        request_id,
        before: None,
        after: None,
    }
}

/// Runs `f` in one transaction with its audit row and epoch bump; a refusal (403) found
/// inside it, where the stored state is known, is recorded as a denied attempt.
pub async fn write<T, F>(
    state: &AdminState,
    caller: &Caller,
    meta: WriteMeta,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, i64) -> Result<Audited<T>, ApiError> + Send + 'static,
{
    match commit(state, caller, meta.clone(), f).await {
        Err(e) if e.code == ErrorCode::AccessDenied => Err(denied(state, caller, meta, e).await),
        other => other,
    }
}

/// Records and answers the refusal when `check` failed (a check made before the write).
pub async fn refuse_unless(
    state: &AdminState,
    caller: &Caller,
    meta: &WriteMeta,
    check: Result<(), ApiError>,
) -> Result<(), ApiError> {
    match check {
        Ok(()) => Ok(()),
        Err(e) => Err(denied(state, caller, meta.clone(), e).await),
    }
}

async fn commit<T, F>(
    state: &AdminState,
    caller: &Caller,
    meta: WriteMeta,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, i64) -> Result<Audited<T>, ApiError> + Send + 'static,
{
    let db = state.db.clone();
    let request_id = current_request_id();
    let who = caller.who.principal.identifier.to_string();
    let who_type = caller.who.principal.principal_type.as_str().to_owned();
    let reason = match &caller.who.via {
        crate::authn::CredentialVia::ApiToken { token_id } => format!("api token {token_id}"),
        other => format!("{other:?}"),
    };
    let m = meta.clone();
    let result = tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            let now = now_ms();
            let done = f(c, now).map_err(abort)?;
            let mut row = event(&m, &who, &who_type, "allowed", reason, request_id, now);
            row.before = done.before.map(|v| v.to_string());
            row.after = done.after.map(|v| v.to_string());
            row.insert(c)?;
            let account = m.scope.account.as_str();
            match m.bump {
                Bump::None => {}
                Bump::Policy => Epochs::bump(c, account, EpochKind::Policy)?,
                Bump::Credentials => Epochs::bump(c, account, EpochKind::Credentials)?,
                Bump::Both => Epochs::bump_both(c, account)?,
            }
            Ok(done.value)
        })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::from)?;
    let account = meta.scope.account.as_str();
    if state.db.is_preview() {
        // A preview's writes are rolled back: no cache may learn of them.
        return Ok(result);
    }
    match meta.bump {
        Bump::None => {}
        Bump::Policy => state.authz.note_write(account, EpochKind::Policy),
        Bump::Credentials => state.authz.note_write(account, EpochKind::Credentials),
        Bump::Both => {
            state.authz.note_write(account, EpochKind::Policy);
            state.authz.note_write(account, EpochKind::Credentials);
        }
    }
    Ok(result)
}

/// Records a refused write attempt (best effort) and hands the error back.
pub async fn denied(
    state: &AdminState,
    caller: &Caller,
    meta: WriteMeta,
    error: ApiError,
) -> ApiError {
    let db = state.db.clone();
    let row = event(
        &meta,
        caller.who.principal.identifier.as_str(),
        caller.who.principal.principal_type.as_str(),
        "denied",
        error.message.clone(),
        current_request_id(),
        now_ms(),
    );
    let _ = tokio::task::spawn_blocking(move || db.transaction(|c| row.insert(c))).await;
    error
}

/// Runs a read-only closure on a pooled connection off the async runtime.
pub async fn read<T, F>(state: &AdminState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let db = state.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.conn().map_err(ApiError::from)?;
        f(&mut conn)
    })
    .await
    .map_err(ApiError::internal)?
}
