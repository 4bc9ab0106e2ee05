//! The one integration test binary: real SQLite files, PostgreSQL when
//! `SCOPEGATE_TEST_DATABASE_URL` is set, the real `scopegate` binary.

mod admin_orgs;
mod cli;
mod docs;
mod gateway;
mod gateway_edge;
mod harness;
mod layers;
mod raw;
mod storage;
mod support;
