//! Staged create/edit permission splits (DESIGN §1, seed 001):
//! `GET /v1/settings/permission-splits` (needs `core_account_view`) lists every pair of the
//! caller's account with its phase and the roles its migration changed;
//! `PUT /v1/settings/permission-splits {"resource_type", "phase"}` (needs
//! `core_account_edit`) moves one pair forward.
//!
//! Phases only move forward (`off` → `migration` → `enforced`; backwards is a 400 naming
//! both phases; the same phase again is a 200 that writes nothing). Entering `migration`
//! gives the create permission to every custom role of the account that holds edit, once,
//! and records those roles. Jumping from `off` straight to `enforced` runs that migration
//! step first, so no role silently loses the ability to create. The move passes the
//! no-escalation guard (the roles' assignments gain create). The change, the role updates,
//! the audit row and the policy epoch bump commit in one transaction.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use super::body::JsonBody;
use super::context::{Acting, Caller};
use super::{resource, AdminState};
use crate::policy::permission::catalogue;
use crate::policy::split::{pair_index, split_pairs, SplitPhase};
use crate::policy::Identifier;
use crate::storage::guard::SplitMove;
use crate::storage::splits::{SplitState, Splits};
use crate::storage::DbConnection;
use crate::web::ApiError;

/// A role the migration phase gave the create permission.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct ChangedRoleOut {
    /// The role's identifier.
    pub role: String,
    /// Where the role is defined: `acme`, `acme/eng`, `acme/eng/web`.
    pub scope: String,
}

/// One split pair of the account.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct SplitOut {
    /// `PIPELINE`, `TEMPLATE` or `SECRET`.
    pub resource_type: String,
    /// The edit half: `core_pipeline_edit`.
    pub edit: String,
    /// The create half: `core_pipeline_create`.
    pub create: String,
    /// `off`, `migration` or `enforced`.
    pub phase: String,
    /// The custom roles that gained the create permission when the pair entered migration.
    pub roles_changed: Vec<ChangedRoleOut>,
}

/// `PUT /v1/settings/permission-splits`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// The pair's resource type, any case (`pipeline`, `PIPELINE`).
    pub resource_type: String,
    /// `off`, `migration` or `enforced` (any case); only forward moves are allowed.
    pub phase: String,
}

fn out(state: &SplitState) -> Result<SplitOut, ApiError> {
    let pair = &split_pairs()[pair_index(&state.resource_type)?];
    let c = catalogue();
    Ok(SplitOut {
        resource_type: pair.resource_type.to_owned(),
        edit: c.permission(pair.edit).identifier.clone(),
        create: c.permission(pair.create).identifier.clone(),
        phase: state.phase.as_str().to_owned(),
        roles_changed: state
            .roles_changed
            .iter()
            .map(|r| ChangedRoleOut {
                role: r.role.clone(),
                scope: r.scope.clone(),
            })
            .collect(),
    })
}

fn state_of(conn: &mut DbConnection, account: &str, pair: usize) -> Result<SplitState, ApiError> {
    Ok(Splits::state(conn, account, pair)?)
}

/// Applies a move inside the write transaction (re-validated there against races); the
/// no-escalation guard admits it (leaving `off` gives create to the roles holding edit).
fn apply_move(
    conn: &mut DbConnection,
    acting: &Acting,
    account: &Identifier,
    pair: usize,
    next: SplitPhase,
    now: i64,
) -> Result<Audited<SplitOut>, ApiError> {
    let before = state_of(conn, account.as_str(), pair)?.phase;
    let resource_type = split_pairs()[pair].resource_type;
    if !before.can_move_to(next) {
        return Err(backwards(resource_type, before, next));
    }
    let permit = acting.admit(
        conn,
        SplitMove {
            account: account.clone(),
            pair,
            to: next,
        },
    )?;
    let state = Splits::advance(conn, permit, now)?;
    let answer = out(&state)?;
    let after = json!({"phase": next.as_str(), "roles_changed": &state.roles_changed});
    Ok(Audited::new(
        answer,
        Some(json!({"phase": before.as_str()})),
        Some(after),
    ))
}

fn backwards(resource_type: &str, from: SplitPhase, to: SplitPhase) -> ApiError {
    ApiError::invalid(format!(
        "the `{resource_type}` split cannot move back from `{from}` to `{to}`: phases only move forward (off, migration, enforced)"
    ))
}

fn unknown_split(resource_type: &str) -> ApiError {
    let known: Vec<&str> = split_pairs().iter().map(|p| p.resource_type).collect();
    ApiError::not_found(format!(
        "no permission split for resource type `{resource_type}` (known: {})",
        known.join(", ")
    ))
}

#[utoipa::path(get, path = "/v1/settings/permission-splits", tag = "Settings",
    responses((status = 200, body = [SplitOut]), (status = 401), (status = 403)))]
pub async fn list_splits(
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    caller
        .require(
            "core_account_view",
            &caller.account_scope(),
            "ACCOUNT",
            None,
        )
        .await?;
    let account = caller.account().to_string();
    let states = audit::read(&state, move |c| Ok(Splits::states(c, &account)?)).await?;
    let answer = states.iter().map(out).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(put, path = "/v1/settings/permission-splits", tag = "Settings",
    request_body = SplitRequest,
    responses((status = 200, body = SplitOut), (status = 400), (status = 403), (status = 404)))]
pub async fn update_split(
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<SplitRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    let next = SplitPhase::parse(&request.phase).map_err(|_| {
        ApiError::invalid(format!(
            "unknown phase `{}`: use off, migration or enforced",
            request.phase
        ))
    })?;
    let pair =
        pair_index(&request.resource_type).map_err(|_| unknown_split(&request.resource_type))?;
    let resource_type = split_pairs()[pair].resource_type;
    let scope = caller.account_scope();
    let meta = WriteMeta::new(
        "permission_split.update",
        &scope,
        "PERMISSION_SPLIT",
        resource_type,
        Bump::Policy,
    );
    let allowed = caller
        .require("core_account_edit", &scope, "ACCOUNT", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().clone();
    let a = account.to_string();
    let current = audit::read(&state, move |c| state_of(c, &a, pair)).await?;
    if current.phase == next {
        return Ok(HttpResponse::Ok().json(out(&current)?));
    }
    if !current.phase.can_move_to(next) {
        return Err(backwards(resource_type, current.phase, next));
    }
    let acting = caller.acting();
    let moved = audit::write(&state, &caller, meta, move |c, now| {
        apply_move(c, &acting, &account, pair, next, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(moved))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/settings/permission-splits")
            .route(web::get().to(list_splits))
            .route(web::put().to(update_split)),
    );
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_splits, update_split),
    components(schemas(SplitOut, SplitRequest, ChangedRoleOut))
)]
pub struct SplitsApi;
