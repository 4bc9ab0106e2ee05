//! L1 storage: diesel schema, row types, repositories that return policy types, the pool
//! and embedded migrations, for SQLite (embedded default) and PostgreSQL.
//!
//! May import: `policy`. Must never import authn, authz, gateway, admin or app, and never
//! hand diesel types to the layers above: repositories take a `&mut DbConnection` and
//! return policy types or small plain structs.

pub mod assignments;
pub mod audit;
pub mod columns;
pub mod decisions;
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

use std::sync::{Arc, Mutex, MutexGuard};

use diesel::Connection;

pub use error::{StorageError, StorageResult};
pub use pool::{DbConnection, DbPool};

/// The database handle shared by the layers above: a pool, or (for a policy preview) one
/// connection held inside a transaction that is always rolled back.
#[derive(Clone)]
pub struct Db {
    source: Source,
}

#[derive(Clone)]
enum Source {
    Pool(DbPool),
    /// A preview's connection, inside its open outer transaction.
    Pinned(Arc<Mutex<pool::PooledDb>>),
}

/// A connection checked out of a [`Db`]: pooled, or the preview's pinned one.
pub enum DbConn<'a> {
    Pooled(pool::PooledDb),
    Pinned(MutexGuard<'a, pool::PooledDb>),
}

impl std::ops::Deref for DbConn<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        match self {
            DbConn::Pooled(c) => c,
            DbConn::Pinned(c) => c,
        }
    }
}

impl std::ops::DerefMut for DbConn<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        match self {
            DbConn::Pooled(c) => c,
            DbConn::Pinned(c) => c,
        }
    }
}

/// A transaction that is never committed: every write made through [`PreviewDb::db`] (as
/// savepoints inside it) disappears when the preview is dropped. A connection still in a
/// transaction is never handed out by the pool again (diesel reports it broken), so a failed
/// rollback cannot leak a half-open transaction.
pub struct PreviewDb {
    conn: Arc<Mutex<pool::PooledDb>>,
}

impl PreviewDb {
    /// The database as the preview's writes and reads see it.
    pub fn db(&self) -> Db {
        Db {
            source: Source::Pinned(self.conn.clone()),
        }
    }
}

impl Drop for PreviewDb {
    fn drop(&mut self) {
        use diesel::connection::TransactionManager;
        let mut guard = match self.conn.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let conn: &mut DbConnection = &mut guard;
        let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
    }
}

impl Db {
    /// Opens the pool for `url` (`sqlite://PATH` or `postgres://…`).
    pub fn open(url: &str, pool_size: u32) -> StorageResult<Self> {
        Ok(Self {
            source: Source::Pool(pool::open_pool(url, pool_size)?),
        })
    }

    /// A connection (blocking; call from a blocking context).
    pub fn conn(&self) -> StorageResult<DbConn<'_>> {
        match &self.source {
            Source::Pool(pool) => Ok(DbConn::Pooled(pool.get()?)),
            Source::Pinned(conn) => conn
                .lock()
                .map(DbConn::Pinned)
                .map_err(|_| StorageError::Unavailable("preview connection poisoned".into())),
        }
    }

    /// Is this a preview's database (writes are rolled back, caches must not move)?
    pub fn is_preview(&self) -> bool {
        matches!(self.source, Source::Pinned(_))
    }

    /// Opens a preview: one connection inside a transaction that is rolled back when the
    /// returned value is dropped (blocking; call from a blocking context).
    pub fn preview(&self) -> StorageResult<PreviewDb> {
        use diesel::connection::TransactionManager;
        let Source::Pool(pool) = &self.source else {
            return Err(StorageError::Conflict("a preview cannot nest".into()));
        };
        let mut pooled = pool.get()?;
        let conn: &mut DbConnection = &mut pooled;
        <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?;
        // Take SQLite's write lock now, as `transaction` does: a deferred transaction that
        // read first and writes later fails at once with "database is locked" when another
        // writer committed in between (issue 13: a 500 under concurrent writes).
        if let DbConnection::Sqlite(s) = conn {
            use diesel::connection::SimpleConnection;
            if let Err(e) = s.batch_execute("UPDATE epochs SET policy = policy WHERE 0") {
                let _ =
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
                return Err(e.into());
            }
        }
        Ok(PreviewDb {
            conn: Arc::new(Mutex::new(pooled)),
        })
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
