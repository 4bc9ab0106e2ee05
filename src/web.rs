//! L3 (rank 5) HTTP plumbing shared by the gateway and the admin API: the one JSON error
//! shape (DESIGN §4.5), request ids, client addresses behind trusted proxies, the
//! Prometheus metrics registry, the batched log writer and the access log line.
//!
//! May import policy, config, storage, authn, authz and actix. Must never import the
//! gateway, admin or app layers.

pub mod access_log;
pub mod client;
pub mod error;
pub mod logbuf;
pub mod metrics;
pub mod request_id;

pub use error::{ApiError, ErrorCode};
pub use request_id::{current_request_id, RequestId};

/// Wall-clock time in epoch milliseconds (the layers below take time as an argument).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
