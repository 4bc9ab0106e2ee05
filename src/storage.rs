//! L1 storage: diesel schema, row types, repositories that return policy types, the pool
//! and embedded migrations, for SQLite (embedded default) and PostgreSQL.
//!
//! May import: `policy`. Must never import authn, authz, gateway, admin or app, and never
//! hand diesel types to the layers above: repositories take a `&mut DbConnection` and
//! return policy types or small plain structs.

pub mod assignments;
pub mod audit;
pub mod columns;
pub mod epochs;
pub mod error;
pub mod grants;
pub mod guard;
pub mod last_admin;
pub mod migrate;
pub mod pool;
pub mod principals;
pub mod registry;
pub mod resource_groups;
pub mod roles;
pub mod schema;
pub mod splits;
pub mod tenancy;
pub mod tokens;

use diesel::Connection;

pub use error::{StorageError, StorageResult};
pub use pool::{DbConnection, DbPool};

/// The database handle shared by the layers above: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
}

impl Db {
    /// Opens the pool for `url` (`sqlite://PATH` or `postgres://…`).
    pub fn open(url: &str, pool_size: u32) -> StorageResult<Self> {
        Ok(Self {
            pool: pool::open_pool(url, pool_size)?,
        })
    }

    /// A pooled connection (blocking; call from a blocking context).
    pub fn conn(&self) -> StorageResult<pool::PooledDb> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` in one transaction: everything it writes commits together or not at all.
    ///
    /// On SQLite the transaction takes the write lock first (a no-op write), so that a
    /// read-then-write transaction waits for a concurrent writer (`busy_timeout`) instead of
    /// failing at once with "database is locked", as a deferred transaction would.
    pub fn transaction<T, F>(&self, f: F) -> StorageResult<T>
    where
        F: FnOnce(&mut DbConnection) -> StorageResult<T>,
    {
        let mut pooled = self.conn()?;
        let conn: &mut DbConnection = &mut pooled;
        conn.transaction(|c| {
            if let DbConnection::Sqlite(s) = c {
                use diesel::connection::SimpleConnection;
                s.batch_execute("UPDATE epochs SET policy = policy WHERE 0")?;
            }
            f(c)
        })
    }

    /// Applies pending migrations.
    pub fn migrate(&self) -> StorageResult<Vec<String>> {
        migrate::run_pending(&mut *self.conn()?)
    }

    /// Migrations not yet applied (serve refuses to start on a stale schema).
    pub fn pending_migrations(&self) -> StorageResult<Vec<String>> {
        migrate::pending(&mut *self.conn()?)
    }

    /// Cheap liveness probe for /readyz.
    pub fn ping(&self) -> StorageResult<()> {
        use diesel::connection::SimpleConnection;
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }
}

/// A stored value with its creation and last-update times (epoch milliseconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Stamped<T> {
    pub value: T,
    pub created: i64,
    pub updated: i64,
}
