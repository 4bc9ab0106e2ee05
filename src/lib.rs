//! scopegate: a permission gateway for analytics portals.
//!
//! Layers (a layer imports only from layers below it; `tests/it/layers.rs` enforces it):
//! - L0 [`policy`], [`config`]: pure model, decision engine, route matching, typed config.
//! - L1 `storage`: diesel repositories returning policy types.
//! - L2 `authn`, `authz`: credentials to principals; cached compiled grants.
//! - L3 `gateway`, `admin`: the proxy path and the admin API.
//! - L4 `app` and the binary: wiring, server, CLI.

pub mod admin;
pub mod app;
pub mod authn;
pub mod authz;
pub mod config;
pub mod demo;
pub mod gateway;
pub mod policy;
pub mod storage;
pub mod web;
