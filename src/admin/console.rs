//! The access console (DESIGN §4.9): `GET /console/…` serves the files of `static/console/`,
//! embedded in the binary at build time (plain HTML, CSS and JavaScript modules, no build
//! step). `GET /console` redirects to `/console/`.
//!
//! Owns the file table, content types, validators (`ETag`, `If-None-Match` → 304) and the
//! headers every console answer carries: a `Content-Security-Policy` that allows only this
//! origin, `nosniff`, no referrer, no framing. The console talks to the public admin API
//! only, like any other client; this module must never give it a private endpoint, read
//! the file system at run time, or serve a path that is not in the table.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use sha2::{Digest, Sha256};

use super::resource;
use crate::web::ApiError;

/// Only this origin, no inline script or style, no plugins, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

macro_rules! files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../static/console/", $path)))),*]
    };
}

/// Every file of `static/console/`, by its path below `/console/` (a test checks that the
/// folder holds no file missing here).
pub const FILES: &[(&str, &[u8])] = files!(
    "index.html",
    "console.css",
    "app.js",
    "api.js",
    "ui.js",
    "scope.js",
    "views/who.js",
    "views/why.js",
    "views/whatif.js",
    "views/policy.js",
    "views/policy_forms.js",
    "views/audit.js",
);

/// One embedded file with what its answer needs.
struct Asset {
    path: &'static str,
    body: &'static [u8],
    content_type: &'static str,
    etag: String,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(path, body)| {
            let digest = Sha256::digest(body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            Asset {
                path,
                body,
                content_type: content_type(path),
                etag: format!("\"{hex}\""),
            }
        })
        .collect()
});

/// The headers of every console answer.
fn secured(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    builder
}

/// True when the request's `If-None-Match` names `etag` (or `*`).
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == etag || tag == "*" || tag.strip_prefix("W/") == Some(etag))
}

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        let mut answer =
            ApiError::not_found(format!("no console file `/console/{path}`")).response();
        answer.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(CSP),
        );
        return answer;
    };
    if not_modified(req, &asset.etag) {
        return secured(HttpResponse::NotModified())
            .insert_header((header::ETAG, asset.etag.as_str()))
            .finish();
    }
    secured(HttpResponse::Ok())
        .content_type(asset.content_type)
        .insert_header((header::ETAG, asset.etag.as_str()))
        .body(asset.body)
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

async fn file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &path)
}

async fn redirect() -> HttpResponse {
    secured(HttpResponse::MovedPermanently())
        .insert_header((header::LOCATION, "/console/"))
        .finish()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/console").route(web::get().to(redirect)))
        .service(resource("/console/").route(web::get().to(index)))
        .service(resource("/console/{path:.+}").route(web::get().to(file)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_known_content_type() {
        for (path, _) in FILES {
            assert_ne!(
                content_type(path),
                "application/octet-stream",
                "{path}: add its type"
            );
        }
    }

    #[test]
    fn the_policy_allows_only_this_origin() {
        for directive in CSP.split(';').map(str::trim) {
            let mut words = directive.split_whitespace();
            let name = words.next().unwrap_or_default();
            for source in words {
                assert!(
                    ["'self'", "'none'", "data:"].contains(&source),
                    "{name} allows {source}"
                );
                assert!(
                    source != "data:" || name == "img-src",
                    "data: only for images"
                );
            }
        }
    }
}
