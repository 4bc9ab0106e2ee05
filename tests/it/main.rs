//! The one integration test binary: real SQLite files, PostgreSQL when
//! `SCOPEGATE_TEST_DATABASE_URL` is set, the real `scopegate` binary.

mod admin_access;
mod admin_orgs;
mod admin_principals;
mod admin_principals_login;
mod admin_principals_registry;
mod admin_principals_tokens;
mod admin_rbac;
mod admin_rbac_assignments;
mod admin_rbac_escalation;
mod admin_rbac_seed;
mod cache;
mod cli;
mod docs;
mod gateway;
mod gateway_edge;
mod harness;
mod jwt_http;
mod layers;
mod openapi;
mod override_headers;
mod raw;
mod replicas;
mod storage;
mod support;
mod tls_ops;
