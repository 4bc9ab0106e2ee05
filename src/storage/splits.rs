//! Per-account permission-split phases, the record of roles a migration changed, and the
//! guarded move that runs the migration step.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::columns::{from_json, to_json};
use super::error::{StorageError, StorageResult};
use super::guard::{Permit, SplitMove};
use super::pool::DbConnection;
use super::roles::Roles;
use super::schema::permission_splits as ps;
use crate::policy::permission::catalogue;
use crate::policy::split::{add_create_for_edit, pair_index, split_pairs, SplitPhase, SplitPhases};

/// A role the migration phase gave the create permission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedRole {
    pub role: String,
    pub scope: String,
}

/// One pair's stored state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitState {
    pub resource_type: String,
    pub phase: SplitPhase,
    pub roles_changed: Vec<ChangedRole>,
    pub updated: i64,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ps)]
struct SplitRow {
    account: String,
    resource_type: String,
    phase: String,
    roles_changed: String,
    updated: i64,
}

/// Repository of split settings.
pub struct Splits;

impl Splits {
    /// Every known pair's state for `account` (`off` when never set).
    pub fn states(conn: &mut DbConnection, account: &str) -> StorageResult<Vec<SplitState>> {
        let rows: Vec<SplitRow> = ps::table
            .filter(ps::account.eq(account))
            .select(SplitRow::as_select())
            .load(conn)?;
        split_pairs()
            .iter()
            .map(|pair| {
                let row = rows.iter().find(|r| r.resource_type == pair.resource_type);
                Ok(SplitState {
                    resource_type: pair.resource_type.to_owned(),
                    phase: match row {
                        Some(r) => SplitPhase::parse(&r.phase)?,
                        None => SplitPhase::Off,
                    },
                    roles_changed: match row {
                        Some(r) => from_json(&r.roles_changed, "roles_changed")?,
                        None => Vec::new(),
                    },
                    updated: row.map(|r| r.updated).unwrap_or(0),
                })
            })
            .collect()
    }

    pub fn phases(conn: &mut DbConnection, account: &str) -> StorageResult<SplitPhases> {
        let mut phases = SplitPhases::default();
        for s in Self::states(conn, account)? {
            phases.set(pair_index(&s.resource_type)?, s.phase);
        }
        Ok(phases)
    }

    /// One pair's state.
    pub fn state(conn: &mut DbConnection, account: &str, pair: usize) -> StorageResult<SplitState> {
        let resource_type = split_pairs()
            .get(pair)
            .map(|p| p.resource_type)
            .ok_or_else(|| StorageError::not_found("permission split", pair))?;
        Self::states(conn, account)?
            .into_iter()
            .find(|s| s.resource_type == resource_type)
            .ok_or_else(|| StorageError::not_found("permission split", resource_type))
    }

    /// Moves a pair to the admitted phase (the caller checked it is a forward move).
    /// Leaving `off` runs the migration step once: every custom role of the account
    /// holding edit gains create, and those roles are recorded.
    pub fn advance(
        conn: &mut DbConnection,
        permit: Permit<SplitMove>,
        now: i64,
    ) -> StorageResult<SplitState> {
        let w = permit.into_write();
        let account = w.account.as_str();
        let mut state = Self::state(conn, account, w.pair)?;
        if state.phase == SplitPhase::Off && w.to > SplitPhase::Off {
            state.roles_changed = migrate_roles(conn, account, w.pair, now)?;
        }
        state.phase = w.to;
        state.updated = now;
        Self::save(conn, account, &state)?;
        Ok(state)
    }

    fn save(conn: &mut DbConnection, account: &str, state: &SplitState) -> StorageResult<()> {
        let row = SplitRow {
            account: account.to_owned(),
            resource_type: state.resource_type.clone(),
            phase: state.phase.as_str().to_owned(),
            roles_changed: to_json(&state.roles_changed),
            updated: state.updated,
        };
        let n = diesel::update(ps::table.find((account, &state.resource_type)))
            .set(&row)
            .execute(conn)?;
        if n == 0 {
            diesel::insert_into(ps::table).values(&row).execute(conn)?;
        }
        Ok(())
    }
}

/// The migration step: every custom role of the account holding edit gains create.
fn migrate_roles(
    conn: &mut DbConnection,
    account: &str,
    pair: usize,
    now: i64,
) -> StorageResult<Vec<ChangedRole>> {
    let p = &split_pairs()[pair];
    let edit = &catalogue().permission(p.edit).identifier;
    let mut changed = Vec::new();
    for stamped in Roles::holding(conn, account, edit)? {
        let mut role = stamped.value;
        let widened = add_create_for_edit(&role.permissions, pair);
        if widened == role.permissions {
            continue;
        }
        role.permissions = widened;
        Roles::rewrite(conn, &role, stamped.created, now)?;
        changed.push(ChangedRole {
            role: role.identifier.to_string(),
            scope: role
                .scope
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        });
    }
    changed.sort_by(|a, b| (&a.scope, &a.role).cmp(&(&b.scope, &b.role)));
    Ok(changed)
}
