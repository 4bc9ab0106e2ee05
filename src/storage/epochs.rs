//! Per-account policy and credential epochs: every policy write bumps `policy`, every
//! credential write bumps `credentials`, in the same transaction as the write. Replicas poll
//! [`Epochs::all`] to drop stale cache entries.

use diesel::prelude::*;

use super::error::StorageResult;
use super::pool::DbConnection;
use super::schema::epochs;

/// Which counter a write bumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochKind {
    Policy,
    Credentials,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = epochs)]
pub struct Epochs {
    pub account: String,
    pub policy: i64,
    pub credentials: i64,
}

impl Epochs {
    /// Increments one counter of `account` (creating the row at 1).
    pub fn bump(conn: &mut DbConnection, account: &str, kind: EpochKind) -> StorageResult<()> {
        let updated = match kind {
            EpochKind::Policy => diesel::update(epochs::table.find(account))
                .set(epochs::policy.eq(epochs::policy + 1))
                .execute(conn)?,
            EpochKind::Credentials => diesel::update(epochs::table.find(account))
                .set(epochs::credentials.eq(epochs::credentials + 1))
                .execute(conn)?,
        };
        if updated == 0 {
            let (p, c) = match kind {
                EpochKind::Policy => (1, 0),
                EpochKind::Credentials => (0, 1),
            };
            diesel::insert_into(epochs::table)
                .values(Epochs {
                    account: account.to_owned(),
                    policy: p,
                    credentials: c,
                })
                .execute(conn)?;
        }
        Ok(())
    }

    /// Bumps both counters (deleting a principal touches policy and credentials).
    pub fn bump_both(conn: &mut DbConnection, account: &str) -> StorageResult<()> {
        Self::bump(conn, account, EpochKind::Policy)?;
        Self::bump(conn, account, EpochKind::Credentials)
    }

    /// Every account's counters.
    pub fn all(conn: &mut DbConnection) -> StorageResult<Vec<Epochs>> {
        Ok(epochs::table.select(Epochs::as_select()).load(conn)?)
    }

    pub fn of(conn: &mut DbConnection, account: &str) -> StorageResult<Epochs> {
        Ok(epochs::table
            .find(account)
            .select(Epochs::as_select())
            .first(conn)
            .optional()?
            .unwrap_or(Epochs {
                account: account.to_owned(),
                policy: 0,
                credentials: 0,
            }))
    }
}
