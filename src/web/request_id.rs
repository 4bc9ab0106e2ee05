//! Request ids: taken from a well-formed client `X-Request-Id`, else generated (a random
//! per-process prefix and a counter: unique, cheap, no syscall per request). The id of the
//! request being served is kept in a task-local so that errors can carry it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use actix_web::http::header::HeaderValue;

/// The id of one request, kept as the header value it is sent as (cloning it is a
/// reference-count increment, so echoing and forwarding it allocates nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

tokio::task_local! {
    static CURRENT: RequestId;
}

static PREFIX: LazyLock<String> = LazyLock::new(|| format!("{:08x}", rand::random::<u32>()));
static COUNTER: AtomicU64 = AtomicU64::new(1);

impl RequestId {
    /// The client's id when it is 1–128 characters of `[A-Za-z0-9._-]`, else a new one.
    pub fn from_client(header: Option<&HeaderValue>) -> Self {
        match header {
            Some(v)
                if !v.is_empty()
                    && v.len() <= 128
                    && v.as_bytes()
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
            {
                RequestId(v.clone())
            }
            _ => Self::generate(),
        }
    }

    pub fn generate() -> Self {
        let text = format!("{}-{:x}", *PREFIX, COUNTER.fetch_add(1, Ordering::Relaxed));
        // Hex digits and `-` only: always a valid header value.
        RequestId(
            HeaderValue::from_maybe_shared(bytes::Bytes::from(text))
                .unwrap_or(HeaderValue::from_static("invalid")),
        )
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked above).
        self.0.to_str().unwrap_or_default()
    }

    pub fn header(&self) -> &HeaderValue {
        &self.0
    }

    /// Runs `fut` with this id as the current request id.
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }
}

/// The id of the request being served, or a fresh one outside a request.
pub fn current_request_id() -> String {
    current().as_str().to_owned()
}

/// The current request id as a header value (no copy).
pub fn current() -> RequestId {
    CURRENT
        .try_with(RequestId::clone)
        .unwrap_or_else(|_| RequestId::generate())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_only_when_safe() {
        let header = |v: &[u8]| HeaderValue::from_bytes(v).unwrap();
        assert_eq!(
            RequestId::from_client(Some(&header(b"abc-123.x_y"))).as_str(),
            "abc-123.x_y"
        );
        for bad in [&b""[..], b"a b", b"a\tb", b"caf\xc3\xa9", &[b'a'; 129]] {
            assert_ne!(
                RequestId::from_client(Some(&header(bad)))
                    .as_str()
                    .as_bytes(),
                bad
            );
        }
        let generated = RequestId::generate();
        let (prefix, counter) = generated.as_str().split_once('-').unwrap();
        assert_eq!(prefix.len(), 8);
        assert!(u64::from_str_radix(counter, 16).is_ok());
        assert_ne!(RequestId::generate(), RequestId::generate());
    }
}
