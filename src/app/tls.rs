//! TLS for the listener (`server.tls_cert_file` / `tls_key_file`) with rustls and the ring
//! provider; without them TLS ends at a load balancer in front.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::AppError;

/// Loads a certificate chain and private key (PEM) into a rustls server config.
pub fn server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, AppError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let open = |p: &Path| {
        File::open(p)
            .map(BufReader::new)
            .map_err(|e| AppError::Config(format!("server.tls: `{}`: {e}", p.display())))
    };
    let certs = rustls_pemfile::certs(&mut open(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::Config(format!("server.tls_cert_file: {e}")))?;
    if certs.is_empty() {
        return Err(AppError::Config(format!(
            "server.tls_cert_file: no certificate in `{}`",
            cert.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut open(key)?)
        .map_err(|e| AppError::Config(format!("server.tls_key_file: {e}")))?
        .ok_or_else(|| {
            AppError::Config(format!(
                "server.tls_key_file: no private key in `{}`",
                key.display()
            ))
        })?;
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| AppError::Config(format!("server.tls: {e}")))
}
