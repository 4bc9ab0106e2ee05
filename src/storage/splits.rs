//! Per-account permission-split phases and the record of roles a migration changed.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::columns::{from_json, to_json};
use super::error::StorageResult;
use super::pool::DbConnection;
use super::schema::permission_splits as ps;
use crate::policy::split::{pair_index, split_pairs, SplitPhase, SplitPhases};

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

    /// Stores a pair's state (validation of the move is the caller's).
    pub fn save(conn: &mut DbConnection, account: &str, state: &SplitState) -> StorageResult<()> {
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
