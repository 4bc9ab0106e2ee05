//! Service accounts at any scope (DESIGN §1 "Principals", §4.4): `GET|POST
//! …/service-accounts`, `GET|PUT|DELETE …/service-accounts/{sa}` at the account,
//! organization and project paths. Permissions `core_serviceaccount_view|edit|delete` are
//! account-only in the catalogue, so [`Caller::require`] checks them at the account for a
//! service account anywhere below it (lists need `core_serviceaccount_view` type-level,
//! else 403). Disabling stops its tokens like a revocation and keeps the last working
//! admin; enabling gives its grants back, so it passes the no-escalation guard; deleting
//! removes its tokens and the role assignments naming it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::common::{
    normalize_email, path_param, same_identifier, validate_description, validate_name, EntityScope,
};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::{ListQuery, Listed};
use crate::admin::scope::{ensure_exists, path_scope};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::{Identifier, Scope};
use crate::storage::columns::scope_cols;
use crate::storage::guard::EnablePrincipal;
use crate::storage::last_admin::{delete_assignments_naming, ensure_admin_remains, Leaving};
use crate::storage::principals::ServiceAccount;
use crate::storage::tokens::ApiToken;
use crate::storage::DbConnection;
use crate::web::ApiError;

/// `POST …/service-accounts`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountCreate {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PUT …/service-accounts/{sa}`: every field optional.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountUpdate {
    /// May repeat the path's identifier (a different one is a 400).
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// A service account as answered.
#[derive(Serialize, ToSchema)]
pub struct ServiceAccountOut {
    pub identifier: String,
    pub name: String,
    pub email: Option<String>,
    pub description: String,
    pub disabled: bool,
    pub scope: EntityScope,
    pub created: i64,
    pub updated: i64,
}

impl Listed for ServiceAccountOut {
    fn identifier(&self) -> &str {
        &self.identifier
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn updated(&self) -> i64 {
        self.updated
    }
}

fn sa_out(sa: &ServiceAccount, scope: &Scope) -> ServiceAccountOut {
    ServiceAccountOut {
        identifier: sa.identifier.clone(),
        name: sa.name.clone(),
        email: (!sa.email.is_empty()).then(|| sa.email.clone()),
        description: sa.description.clone(),
        disabled: sa.disabled,
        scope: EntityScope::from(scope),
        created: sa.created,
        updated: sa.updated,
    }
}

fn summary(sa: &ServiceAccount) -> serde_json::Value {
    json!({"identifier": sa.identifier, "name": sa.name, "email": sa.email,
           "description": sa.description, "disabled": sa.disabled})
}

/// The service account `sa` at `scope` (which must exist), or 404 naming it.
pub(super) fn find_sa(
    conn: &mut DbConnection,
    scope: &Scope,
    sa: &str,
) -> Result<ServiceAccount, ApiError> {
    ensure_exists(conn, scope)?;
    ServiceAccount::find(conn, scope, sa)?.ok_or_else(|| {
        ApiError::not_found(format!("service account `{sa}` not found in `{scope}`"))
    })
}

#[utoipa::path(get, path = "/v1/service-accounts", tag = "Service accounts", responses((status = 200, description = "One page (headers X-Total-Elements, X-Page-Number, X-Page-Size)", body = [ServiceAccountOut]), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_sas(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let scope = path_scope(&req, &caller)?;
    caller
        .require("core_serviceaccount_view", &scope, "SERVICEACCOUNT", None)
        .await?;
    let s = scope.clone();
    let sas = audit::read(&state, move |c| {
        ensure_exists(c, &s)?;
        Ok(ServiceAccount::list(c, &s)?)
    })
    .await?;
    let sas = caller
        .visible(
            sas,
            "core_serviceaccount_view",
            &scope,
            "SERVICEACCOUNT",
            |sa| &sa.identifier,
        )
        .await?;
    let visible = sas.iter().map(|sa| sa_out(sa, &scope)).collect();
    Ok(q.respond(visible))
}

#[utoipa::path(post, path = "/v1/service-accounts", tag = "Service accounts", request_body = ServiceAccountCreate, responses((status = 201, description = "Created", body = ServiceAccountOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn create_sa(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ServiceAccountCreate>,
) -> Result<HttpResponse, ApiError> {
    let f = body.0;
    Identifier::new(&f.identifier)?;
    validate_name(&f.name)?;
    validate_description(f.description.as_deref().unwrap_or(""))?;
    let email = f.email.as_deref().map(normalize_email).transpose()?;
    let scope = path_scope(&req, &caller)?;
    let meta = WriteMeta::new(
        "service_account.create",
        &scope,
        "SERVICEACCOUNT",
        &f.identifier,
        Bump::None,
    );
    let allowed = caller
        .require("core_serviceaccount_edit", &scope, "SERVICEACCOUNT", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let created = audit::write(&state, &caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        let (account, org, project) = scope_cols(&scope);
        let sa = ServiceAccount {
            account,
            org,
            project,
            identifier: f.identifier,
            name: f.name,
            email: email.unwrap_or_default(),
            description: f.description.unwrap_or_default(),
            disabled: false,
            created: now,
            updated: now,
        };
        sa.insert(c)?;
        Ok(Audited::new(sa_out(&sa, &scope), None, Some(summary(&sa))))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/service-accounts/{sa}", tag = "Service accounts", params(("sa" = String, Path)), responses((status = 200, description = "The entity", body = ServiceAccountOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn get_sa(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let sa = path_param(&req, "sa");
    let scope = path_scope(&req, &caller)?;
    caller
        .require(
            "core_serviceaccount_view",
            &scope,
            "SERVICEACCOUNT",
            Some(&sa),
        )
        .await?;
    let s = scope.clone();
    let found = audit::read(&state, move |c| find_sa(c, &s, &sa)).await?;
    Ok(HttpResponse::Ok().json(sa_out(&found, &scope)))
}

#[utoipa::path(put, path = "/v1/service-accounts/{sa}", tag = "Service accounts", params(("sa" = String, Path)), request_body = ServiceAccountUpdate, responses((status = 200, description = "The entity as written", body = ServiceAccountOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn update_sa(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<ServiceAccountUpdate>,
) -> Result<HttpResponse, ApiError> {
    let sa = path_param(&req, "sa");
    let f = body.0;
    if let Some(id) = &f.identifier {
        same_identifier(id, &sa)?;
    }
    if let Some(name) = &f.name {
        validate_name(name)?;
    }
    validate_description(f.description.as_deref().unwrap_or(""))?;
    let email = f.email.as_deref().map(normalize_email).transpose()?;
    let scope = path_scope(&req, &caller)?;
    // `disabled` reaches the credential caches and the cached policies (they carry it).
    let bump = if f.disabled.is_some() {
        Bump::Both
    } else {
        Bump::None
    };
    let meta = WriteMeta::new(
        "service_account.update",
        &scope,
        "SERVICEACCOUNT",
        &sa,
        bump,
    );
    let allowed = caller
        .require(
            "core_serviceaccount_edit",
            &scope,
            "SERVICEACCOUNT",
            Some(&sa),
        )
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let mut found = find_sa(c, &scope, &sa)?;
        let before = summary(&found);
        match f.disabled {
            Some(true) if !found.disabled => {
                ensure_admin_remains(
                    c,
                    scope.account.as_str(),
                    Leaving::ServiceAccount(&scope, &sa),
                )?;
                ServiceAccount::disable(c, &scope, &sa, now)?;
            }
            Some(false) if found.disabled => {
                let principal = Principal {
                    principal_type: PrincipalType::ServiceAccount,
                    identifier: Identifier::new(&sa)?,
                    scope: scope.clone(),
                };
                let permit = acting.admit(c, EnablePrincipal { principal })?;
                ServiceAccount::enable(c, permit, now)?;
            }
            _ => {}
        }
        found.name = f.name.unwrap_or(found.name);
        found.email = email.unwrap_or(found.email);
        found.description = f.description.unwrap_or(found.description);
        found.disabled = f.disabled.unwrap_or(found.disabled);
        found.updated = now;
        found.update(c)?;
        Ok(Audited::new(
            sa_out(&found, &scope),
            Some(before),
            Some(summary(&found)),
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/service-accounts/{sa}", tag = "Service accounts", params(("sa" = String, Path)), responses((status = 200, description = "The deleted or revoked entity", body = ServiceAccountOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn delete_sa(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let sa = path_param(&req, "sa");
    let scope = path_scope(&req, &caller)?;
    let meta = WriteMeta::new(
        "service_account.delete",
        &scope,
        "SERVICEACCOUNT",
        &sa,
        Bump::Both,
    );
    let allowed = caller
        .require(
            "core_serviceaccount_delete",
            &scope,
            "SERVICEACCOUNT",
            Some(&sa),
        )
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let found = find_sa(c, &scope, &sa)?;
        ensure_admin_remains(
            c,
            scope.account.as_str(),
            Leaving::ServiceAccount(&scope, &sa),
        )?;
        let tokens = ApiToken::delete_for_owner(c, PrincipalType::ServiceAccount, &scope, &sa)?;
        let assignments = delete_assignments_naming(c, &scope, PrincipalType::ServiceAccount, &sa)?;
        ServiceAccount::delete(c, &scope, &sa)?;
        let mut before = summary(&found);
        before["tokens_removed"] = json!(tokens);
        before["assignments_removed"] = json!(assignments);
        Ok(Audited::new(sa_out(&found, &scope), Some(before), None))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resources(scoped("service-accounts"))
            .route(web::get().to(list_sas))
            .route(web::post().to(create_sa)),
    )
    .service(
        resources(scoped("service-accounts/{sa}"))
            .route(web::get().to(get_sa))
            .route(web::put().to(update_sa))
            .route(web::delete().to(delete_sa)),
    );
}

/// The OpenAPI paths of this module (organization and project variants are added by
/// `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_sas, create_sa, get_sa, update_sa, delete_sa),
    components(schemas(
        ServiceAccountCreate,
        ServiceAccountUpdate,
        ServiceAccountOut,
        EntityScope
    ))
)]
pub struct ServiceAccountsApi;
