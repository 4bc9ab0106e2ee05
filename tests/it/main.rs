//! The one integration test binary: real SQLite files, PostgreSQL when
//! `SCOPEGATE_TEST_DATABASE_URL` is set, the real `scopegate` binary.

mod cli;
mod docs;
mod layers;
mod storage;
mod support;
