//! Shared helpers: throw-away databases on both backends, and what a test does when an
//! outside tool it needs is missing ([`tool_missing`]: fail under `SCOPEGATE_REQUIRE_TOOLS=1`,
//! else a notice on the uncaptured stderr).

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
        None => postgres_missing(name),
    }
}

/// Is `SCOPEGATE_REQUIRE_POSTGRES=1` set (`.ci/run` sets it for its PostgreSQL pass)?
pub fn postgres_required() -> bool {
    std::env::var("SCOPEGATE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A test's PostgreSQL part cannot run (`SCOPEGATE_TEST_DATABASE_URL` unset): a failure
/// under `SCOPEGATE_REQUIRE_POSTGRES=1`, else a notice on the uncaptured stderr.
pub fn postgres_missing(test: &str) {
    assert!(
        !postgres_required(),
        "{test}: SCOPEGATE_TEST_DATABASE_URL is not set but SCOPEGATE_REQUIRE_POSTGRES=1 requires PostgreSQL"
    );
    loud(&format!(
        "{test}: SKIPPED on PostgreSQL, SCOPEGATE_TEST_DATABASE_URL is not set"
    ));
}

/// Is `SCOPEGATE_REQUIRE_TOOLS=1` set (CI sets it in `.ci/run`)?
pub fn tools_required() -> bool {
    std::env::var("SCOPEGATE_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Writes `text` on the process's own stderr. libtest captures `eprintln!` (shown only for
/// failed tests), so a notice written that way would let a skipped check look like a pass.
pub fn loud(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(format!("\n*** {text}\n").as_bytes());
    let _ = err.flush();
}

/// An outside tool that `test` needs is missing: with `SCOPEGATE_REQUIRE_TOOLS=1` the test
/// fails; otherwise the skip is announced on stderr (uncaptured) and the caller returns.
pub fn tool_missing(test: &str, why: &str) {
    assert!(
        !tools_required(),
        "{test}: {why} (SCOPEGATE_REQUIRE_TOOLS=1 requires it)"
    );
    loud(&format!("{test}: SKIPPED, {why}"));
}

/// Does `python3 -c "import <module>"` succeed?
pub fn python_module(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Does `program --version` run?
pub fn command_runs(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
