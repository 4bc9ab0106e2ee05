//! Route-table matching (DESIGN §3): request-path normalization, path templates, the
//! compiled segment-trie router, and the paths reserved for scopegate itself.
//!
//! L0, pure: may import std, `thiserror` and the rest of `policy`; must never do I/O, read
//! a clock, or know about actix, diesel or the shape of a route rule beyond its template
//! and methods (the rule type is the caller's `T`). The shipped route packs
//! (`static/routes/*.toml`) are parsed by the config layer; their tests live here.

mod error;
mod normalize;
#[cfg(test)]
mod pack_tests;
mod reserved;
mod router;
mod template;

pub use error::{PathError, RouteError};
pub use normalize::normalize_path;
pub use reserved::{scopegate_reserved, Reserved};
pub use router::{is_token, ParamRanges, Params, RouteMatch, Router};
pub use template::{Segment, Template, MAX_PARAMS, MAX_SEGMENTS};
