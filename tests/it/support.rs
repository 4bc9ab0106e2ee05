//! Shared helpers: throw-away databases on both backends.

use scopegate::storage::Db;

/// A migrated SQLite database in a temporary folder (kept alive by the returned guard).
pub fn sqlite_db() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/sg.db", dir.path().display());
    let db = Db::open(&url, 4).expect("open sqlite");
    db.migrate().expect("migrate sqlite");
    (db, dir)
}

/// A migrated PostgreSQL database, when the test cluster is configured. Every caller gets
/// its own schema so tests can run in parallel.
pub fn postgres_db(name: &str) -> Option<Db> {
    let base = std::env::var("SCOPEGATE_TEST_DATABASE_URL").ok()?;
    let admin = Db::open(&base, 1).expect("open postgres");
    {
        use diesel::connection::SimpleConnection;
        let mut c = admin.conn().expect("postgres connection");
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name};"
        ))
        .expect("schema");
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{name}");
    let db = Db::open(&url, 4).expect("open postgres schema");
    db.migrate().expect("migrate postgres");
    Some(db)
}

/// Runs `f` against SQLite, and against PostgreSQL when available.
pub fn on_each_backend(name: &str, f: impl Fn(&Db)) {
    let (db, _dir) = sqlite_db();
    f(&db);
    match postgres_db(name) {
        Some(pg) => f(&pg),
        None => eprintln!("{name}: SCOPEGATE_TEST_DATABASE_URL not set, PostgreSQL skipped"),
    }
}
