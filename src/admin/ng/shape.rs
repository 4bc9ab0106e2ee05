//! What every answer of the NG API shares (DESIGN §4.10): the `{"status": "SUCCESS",
//! "data", "metaData", "correlationId"}` envelope, Harness's page object, and the error
//! body `{"status": "ERROR", "code", "message", "correlationId"}`.
//!
//! Errors are converted here, once: handlers, and the extractors they share with v1 (through
//! [`Ng`]), produce the ordinary [`ApiError`], and [`NgError`] answers it in the NG body with
//! the same HTTP status and code. Imports the admin plumbing; no handler lives here.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::policy::Scope;
use crate::web::{ApiError, ErrorCode};

/// An [`ApiError`] answered in the NG error body.
#[derive(Debug)]
pub struct NgError(pub ApiError);

pub type NgResult = Result<HttpResponse, NgError>;

impl From<ApiError> for NgError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl std::fmt::Display for NgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Harness's failure body; `permission` and `resource` as in §4.5 on `ACCESS_DENIED`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgErrorBody {
    /// Always `ERROR`.
    pub status: String,
    /// The code of DESIGN §4.5 (`INVALID_REQUEST`, `ACCESS_DENIED`, `NOT_FOUND`, …).
    pub code: String,
    pub message: String,
    /// The request id.
    pub correlation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Option<String>>,
}

impl ResponseError for NgError {
    fn status_code(&self) -> StatusCode {
        self.0.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let e = &self.0;
        let body = NgErrorBody {
            status: "ERROR".into(),
            code: json!(e.code).as_str().unwrap_or("INTERNAL").to_owned(),
            message: e.message.clone(),
            correlation_id: e.request_id.clone(),
            permission: e.permission.clone(),
            resource: e.resource.clone(),
        };
        let mut builder = HttpResponse::build(e.code.status());
        if let Some(s) = e.retry_after {
            builder.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        builder.json(body)
    }
}

/// Runs an extractor shared with v1 (`Caller`, `JsonBody`) and answers its refusal in the NG
/// body.
pub struct Ng<T>(pub T);

impl<T> FromRequest for Ng<T>
where
    T: FromRequest<Error = ApiError> + 'static,
    T::Future: 'static,
{
    type Error = NgError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, NgError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let inner = T::from_request(req, payload);
        Box::pin(async move { inner.await.map(Ng).map_err(NgError) })
    }
}

/// The JSON 405 of the NG paths, with `Allow`.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let res = NgError(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this path",
    ))
    .error_response();
    crate::admin::with_allow(&req, res)
}

/// Declares an envelope type `{"status": "SUCCESS", "data": <data>, "metaData": null,
/// "correlationId"}` (one named type per payload, so the OpenAPI document names each).
macro_rules! envelope {
    ($name:ident, $data:ty) => {
        #[doc = concat!("Harness's `ResponseDTO` around `", stringify!($data), "`.")]
        #[derive(serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// Always `SUCCESS`.
            pub status: String,
            pub data: $data,
            #[schema(value_type = Option<Object>)]
            pub meta_data: Option<serde_json::Value>,
            /// The request id.
            pub correlation_id: String,
        }

        impl $name {
            /// 200 with `data` in the envelope.
            pub fn answer(data: $data) -> actix_web::HttpResponse {
                actix_web::HttpResponse::Ok().json(Self {
                    status: "SUCCESS".into(),
                    data,
                    meta_data: None,
                    correlation_id: $crate::web::current_request_id(),
                })
            }
        }
    };
}
pub(crate) use envelope;

/// Declares a page type (Harness's `PageResponse`) of `$item`.
macro_rules! page {
    ($name:ident, $item:ty) => {
        #[doc = concat!("Harness's `PageResponse` of `", stringify!($item), "`.")]
        #[derive(serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub total_pages: i64,
            pub total_items: i64,
            pub page_item_count: i64,
            pub page_size: i64,
            pub content: Vec<$item>,
            pub page_index: i64,
            pub empty: bool,
        }

        impl From<$crate::admin::ng::shape::Paged<$item>> for $name {
            fn from(p: $crate::admin::ng::shape::Paged<$item>) -> Self {
                Self {
                    total_pages: p.total_pages(),
                    total_items: p.total,
                    page_item_count: p.content.len() as i64,
                    page_size: p.size,
                    empty: p.content.is_empty(),
                    content: p.content,
                    page_index: p.index,
                }
            }
        }
    };
}
pub(crate) use page;

/// Where an entity lives, as Harness spells it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NgScope {
    pub account_identifier: String,
    pub org_identifier: Option<String>,
    pub project_identifier: Option<String>,
}

impl NgScope {
    pub fn of(scope: &Scope) -> Self {
        Self {
            account_identifier: scope.account.to_string(),
            org_identifier: scope.org.as_ref().map(|o| o.to_string()),
            project_identifier: scope.project.as_ref().map(|p| p.to_string()),
        }
    }
}

envelope!(DeletedEnvelope, bool);

/// One page of shaped items, before it takes its named page type.
pub struct Paged<T> {
    pub content: Vec<T>,
    pub total: i64,
    pub index: i64,
    pub size: i64,
}

impl<T> Paged<T> {
    pub fn total_pages(&self) -> i64 {
        if self.size <= 0 {
            return 0;
        }
        (self.total + self.size - 1) / self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_pages_round_up() {
        for (total, size, pages) in [(0, 50, 0), (1, 50, 1), (50, 50, 1), (51, 50, 2)] {
            let p: Paged<()> = Paged {
                content: vec![],
                total,
                index: 0,
                size,
            };
            assert_eq!(p.total_pages(), pages, "{total}/{size}");
        }
    }
}
