//! Raw HTTP/1.1 over a TCP socket, for requests a client library would tidy up.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `request` verbatim and returns the status code and the whole answer text
/// (read until the server closes or 2 s pass).
pub async fn raw(base_url: &str, request: &str) -> (u16, String) {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let head = &text[..head_end].to_ascii_lowercase();
                        let length = head.lines().find_map(|l| {
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        });
                        if let Some(len) = length {
                            if buf.len() >= head_end + 4 + len {
                                break;
                            }
                        }
                    }
                }
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A GET with the given raw target and headers.
pub fn get(target: &str, headers: &[(&str, &str)]) -> String {
    let mut r = format!("GET {target} HTTP/1.1\r\nHost: scopegate.test\r\n");
    for (n, v) in headers {
        r.push_str(&format!("{n}: {v}\r\n"));
    }
    r.push_str("Connection: close\r\n\r\n");
    r
}
