//! The decision log (DESIGN §4.8): per account and hour, one row per (principal,
//! credential, permission, resource, outcome) with a count and the last time seen. The
//! gateway aggregates in memory and hands batches to [`Decisions::record`]; previews read
//! [`Decisions::since`]; the poller prunes with [`Decisions::prune`].
//!
//! Upserts are update-then-insert inside the caller's transaction (no `ON CONFLICT`
//! through the multi-backend connection).

use diesel::prelude::*;

use super::error::StorageResult;
use super::pool::DbConnection;
use super::schema::decision_log as dl;

/// One hour's bucket of one kind of decision.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = dl)]
pub struct DecisionRow {
    pub account: String,
    /// The hour's start, epoch milliseconds.
    pub hour: i64,
    pub principal_type: String,
    pub principal_identifier: String,
    pub principal_org: String,
    pub principal_project: String,
    /// `token:<id>`, `jwt`, `jwt:<scope>`, or `` for none.
    pub credential: String,
    pub permission: String,
    pub org: String,
    pub project: String,
    pub resource_type: String,
    /// `` for a type-level decision (a list or a create).
    pub resource_identifier: String,
    /// `allowed` or `denied`.
    pub outcome: String,
    /// The attributes the route gave the resource (JSON object), or ``.
    pub attributes: String,
    pub count: i64,
    pub last_seen: i64,
}

/// One hour in epoch milliseconds.
pub const HOUR_MS: i64 = 3_600_000;

/// Repository of the decision log.
pub struct Decisions;

impl Decisions {
    /// Adds a batch: each row's count to its stored bucket (created when new), last seen the
    /// later of the two.
    pub fn record(conn: &mut DbConnection, rows: &[DecisionRow]) -> StorageResult<()> {
        for r in rows {
            let key = dl::table.find((
                &r.account,
                r.hour,
                &r.principal_type,
                &r.principal_identifier,
                &r.principal_org,
                &r.principal_project,
                &r.credential,
                &r.permission,
                &r.org,
                &r.project,
                &r.resource_type,
                &r.resource_identifier,
                &r.outcome,
            ));
            let stored: Option<(i64, i64)> = key
                .select((dl::count, dl::last_seen))
                .first(conn)
                .optional()?;
            match stored {
                Some((count, last)) => {
                    diesel::update(key)
                        .set((
                            dl::count.eq(count.saturating_add(r.count)),
                            dl::last_seen.eq(last.max(r.last_seen)),
                            dl::attributes.eq(&r.attributes),
                        ))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(dl::table).values(r).execute(conn)?;
                }
            }
        }
        Ok(())
    }

    /// The account's rows whose hour ends after `since` (epoch milliseconds).
    pub fn since(
        conn: &mut DbConnection,
        account: &str,
        since: i64,
    ) -> StorageResult<Vec<DecisionRow>> {
        Ok(dl::table
            .filter(
                dl::account
                    .eq(account)
                    .and(dl::hour.gt(since.saturating_sub(HOUR_MS))),
            )
            .select(DecisionRow::as_select())
            .load(conn)?)
    }

    /// Deletes the hours that ended before `before` (epoch milliseconds).
    pub fn prune(conn: &mut DbConnection, before: i64) -> StorageResult<usize> {
        Ok(
            diesel::delete(dl::table.filter(dl::hour.le(before.saturating_sub(HOUR_MS))))
                .execute(conn)?,
        )
    }
}
