//! Embedded migrations, one tree per backend (`migrations/sqlite`, `migrations/postgres`).

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::error::{StorageError, StorageResult};
use super::pool::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies pending migrations; returns the names of those applied.
pub fn run_pending(conn: &mut DbConnection) -> StorageResult<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConnection::Pg(c) => c
            .run_pending_migrations(POSTGRES)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    applied.map_err(|e| StorageError::Migration(e.to_string()))
}

/// Names of migrations not yet applied.
pub fn pending(conn: &mut DbConnection) -> StorageResult<Vec<String>> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Pg(c) => c
            .pending_migrations(POSTGRES)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
    };
    pending.map_err(|e| StorageError::Migration(e.to_string()))
}
