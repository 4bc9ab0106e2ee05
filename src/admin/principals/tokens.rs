//! API tokens of users and service accounts (DESIGN §4.3, §4.4):
//! `GET|POST /v1/users/{user}/tokens`, `DELETE /v1/users/{user}/tokens/{token}`,
//! `POST /v1/users/{user}/tokens/{token}/rotate`, and the same under
//! `…/service-accounts/{sa}/tokens` at the account, organization and project paths.
//! `{token}` is the identifier given at creation. The value is answered once, by create
//! and rotate; lists and revocations answer metadata only. The rules of who may do what
//! live in [`super::token_ops`], the shapes in [`super::token_dto`].

use actix_web::{web, HttpRequest, HttpResponse};

use super::common::OptionalJsonBody;
use super::token_dto::{TokenCreate, TokenIssued, TokenOut, TokenRotate};
use super::token_ops::{self as ops, sa_owner, user_owner};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::{resource, resources, scoped, AdminState};
use crate::web::ApiError;

#[utoipa::path(get, path = "/v1/users/{user}/tokens", tag = "Tokens", params(("user" = String, Path), ("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)), responses((status = 200, description = "One page (headers X-Total-Elements, X-Page-Number, X-Page-Size)", body = [TokenOut]), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn list_user_tokens(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let owner = user_owner(&req, &caller)?;
    ops::list(&req, state, caller, owner).await
}

#[utoipa::path(post, path = "/v1/users/{user}/tokens", tag = "Tokens", params(("user" = String, Path)), request_body = TokenCreate, responses((status = 201, description = "Created; a token value is shown only in this answer", body = TokenIssued), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn create_user_token(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<TokenCreate>,
) -> Result<HttpResponse, ApiError> {
    let owner = user_owner(&req, &caller)?;
    ops::create(state, caller, owner, body.0).await
}

#[utoipa::path(delete, path = "/v1/users/{user}/tokens/{token}", tag = "Tokens", params(("user" = String, Path), ("token" = String, Path)), responses((status = 200, description = "The deleted or revoked entity", body = TokenOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn revoke_user_token(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let owner = user_owner(&req, &caller)?;
    ops::revoke(&req, state, caller, owner).await
}

#[utoipa::path(post, path = "/v1/users/{user}/tokens/{token}/rotate", tag = "Tokens", params(("user" = String, Path), ("token" = String, Path)), request_body = TokenRotate, responses((status = 201, description = "Created; a token value is shown only in this answer", body = TokenIssued), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn rotate_user_token(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: OptionalJsonBody<TokenRotate>,
) -> Result<HttpResponse, ApiError> {
    let owner = user_owner(&req, &caller)?;
    ops::rotate(&req, state, caller, owner, body.0).await
}

#[utoipa::path(get, path = "/v1/service-accounts/{sa}/tokens", tag = "Tokens", params(("sa" = String, Path), ("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)), responses((status = 200, description = "One page (headers X-Total-Elements, X-Page-Number, X-Page-Size)", body = [TokenOut]), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn list_sa_tokens(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let owner = sa_owner(&req, &caller)?;
    ops::list(&req, state, caller, owner).await
}

#[utoipa::path(post, path = "/v1/service-accounts/{sa}/tokens", tag = "Tokens", params(("sa" = String, Path)), request_body = TokenCreate, responses((status = 201, description = "Created; a token value is shown only in this answer", body = TokenIssued), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn create_sa_token(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<TokenCreate>,
) -> Result<HttpResponse, ApiError> {
    let owner = sa_owner(&req, &caller)?;
    ops::create(state, caller, owner, body.0).await
}

#[utoipa::path(delete, path = "/v1/service-accounts/{sa}/tokens/{token}", tag = "Tokens", params(("sa" = String, Path), ("token" = String, Path)), responses((status = 200, description = "The deleted or revoked entity", body = TokenOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn revoke_sa_token(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let owner = sa_owner(&req, &caller)?;
    ops::revoke(&req, state, caller, owner).await
}

#[utoipa::path(post, path = "/v1/service-accounts/{sa}/tokens/{token}/rotate", tag = "Tokens", params(("sa" = String, Path), ("token" = String, Path)), request_body = TokenRotate, responses((status = 201, description = "Created; a token value is shown only in this answer", body = TokenIssued), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn rotate_sa_token(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: OptionalJsonBody<TokenRotate>,
) -> Result<HttpResponse, ApiError> {
    let owner = sa_owner(&req, &caller)?;
    ops::rotate(&req, state, caller, owner, body.0).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/users/{user}/tokens")
            .route(web::get().to(list_user_tokens))
            .route(web::post().to(create_user_token)),
    )
    .service(resource("/v1/users/{user}/tokens/{token}").route(web::delete().to(revoke_user_token)))
    .service(
        resource("/v1/users/{user}/tokens/{token}/rotate").route(web::post().to(rotate_user_token)),
    )
    .service(
        resources(scoped("service-accounts/{sa}/tokens"))
            .route(web::get().to(list_sa_tokens))
            .route(web::post().to(create_sa_token)),
    )
    .service(
        resources(scoped("service-accounts/{sa}/tokens/{token}"))
            .route(web::delete().to(revoke_sa_token)),
    )
    .service(
        resources(scoped("service-accounts/{sa}/tokens/{token}/rotate"))
            .route(web::post().to(rotate_sa_token)),
    );
}

/// The OpenAPI paths of this module (organization and project variants of the
/// service-account paths are added by `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_user_tokens,
        create_user_token,
        revoke_user_token,
        rotate_user_token,
        list_sa_tokens,
        create_sa_token,
        revoke_sa_token,
        rotate_sa_token
    ),
    components(schemas(TokenCreate, TokenRotate, TokenIssued, TokenOut))
)]
pub struct TokensApi;
