//! L0, pure policy: scopes, the permission catalogue, roles, resource groups, assignments,
//! split phases, the decision engine and route-table matching.
//!
//! May import: std and small data crates (serde, toml). Must never do I/O, read a clock,
//! or know about actix or diesel; time and data are passed in by the layers above.

pub mod builtin;
pub mod engine;
pub mod error;
pub mod ids;
pub mod permission;
pub mod resource_group;
pub mod role;
pub mod roles_doc;
pub mod route;
pub mod scope;
pub mod split;

pub use error::PolicyError;
pub use ids::Identifier;
pub use scope::{Scope, ScopeLevel, ScopeLevels};
