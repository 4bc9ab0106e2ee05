//! Request ids: taken from a well-formed client `X-Request-Id`, else generated (a random
//! per-process prefix and a counter: unique, cheap, no syscall per request). The id of the
//! request being served is kept in a task-local so that errors can carry it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

/// The id of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT: RequestId;
}

static PREFIX: LazyLock<String> = LazyLock::new(|| format!("{:08x}", rand::random::<u32>()));
static COUNTER: AtomicU64 = AtomicU64::new(1);

impl RequestId {
    /// The client's id when it is 1–128 characters of `[A-Za-z0-9._-]`, else a new one.
    pub fn from_client(header: Option<&[u8]>) -> Self {
        match header {
            Some(v)
                if !v.is_empty()
                    && v.len() <= 128
                    && v.iter()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
            {
                RequestId(String::from_utf8_lossy(v).into_owned())
            }
            _ => Self::generate(),
        }
    }

    pub fn generate() -> Self {
        RequestId(format!(
            "{}-{:x}",
            *PREFIX,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// Runs `fut` with this id as the current request id.
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }
}

/// The id of the request being served, or a fresh one outside a request.
pub fn current_request_id() -> String {
    CURRENT
        .try_with(|r| r.0.clone())
        .unwrap_or_else(|_| RequestId::generate().0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_only_when_safe() {
        assert_eq!(
            RequestId::from_client(Some(b"abc-123.x_y")).0,
            "abc-123.x_y"
        );
        for bad in [&b""[..], b"a b", b"a\r\nx: y", &[b'a'; 129]] {
            assert_ne!(RequestId::from_client(Some(bad)).0.as_bytes(), bad);
        }
        assert_ne!(RequestId::generate(), RequestId::generate());
    }
}
