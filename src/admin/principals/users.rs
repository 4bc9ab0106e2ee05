//! Users of an account (DESIGN §1 "Principals", §4.4): `GET|POST /v1/users`,
//! `GET|PUT|DELETE /v1/users/{user}`; the password endpoint lives in [`super::password`].
//! Permissions at the account: `core_user_invite` to create, `core_user_view` to read (the
//! list needs it type-level, else 403; a user may always read itself by identifier),
//! `core_user_manage` to change or delete. A new home organization and lifting `disabled`
//! pass the no-escalation guard; disabling or deleting keeps the last working admin.
//! Passwords are stored as argon2id hashes and never answered or logged.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::common::{
    hash_password, is_self, normalize_email, nullable, path_param, same_identifier, validate_name,
};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::{ListQuery, Listed};
use crate::admin::{resource, AdminState};
use crate::authn::password;
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::{Identifier, Scope};
use crate::storage::guard::{EnablePrincipal, HomeOrg};
use crate::storage::last_admin::{delete_assignments_naming, ensure_admin_remains, Leaving};
use crate::storage::principals::User;
use crate::storage::tenancy::Organization;
use crate::storage::tokens::ApiToken;
use crate::storage::DbConnection;
use crate::web::ApiError;

/// `POST /v1/users`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub identifier: String,
    pub email: String,
    pub name: String,
    /// Enables login; 8 to 1024 characters. Stored as an argon2id hash only.
    #[serde(default)]
    pub password: Option<String>,
    /// The home organization (portal model); must exist.
    #[serde(default)]
    pub organization: Option<String>,
}

/// `PUT /v1/users/{user}`: every field optional; `organization: null` clears it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// May repeat the path's identifier (a different one is a 400).
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization: Option<Option<String>>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// A user as answered (never its password or hash).
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub identifier: String,
    pub email: String,
    pub name: String,
    pub organization: Option<String>,
    pub disabled: bool,
    pub created: i64,
    pub updated: i64,
}

impl Listed for UserOut {
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

pub(super) fn user_out(u: &User) -> UserOut {
    UserOut {
        identifier: u.identifier.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        organization: u.organization.clone(),
        disabled: u.disabled,
        created: u.created,
        updated: u.updated,
    }
}

fn summary(u: &User) -> serde_json::Value {
    json!({"identifier": u.identifier, "email": u.email, "name": u.name,
           "organization": u.organization, "disabled": u.disabled})
}

/// The user `user` of `account`, or 404 naming it.
pub(super) fn find_user(
    conn: &mut DbConnection,
    account: &str,
    user: &str,
) -> Result<User, ApiError> {
    User::find(conn, account, user)?
        .ok_or_else(|| ApiError::not_found(format!("user `{user}` not found")))
}

fn ensure_org(conn: &mut DbConnection, account: &str, org: &str) -> Result<(), ApiError> {
    match Organization::find(conn, account, org)? {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!(
            "organization `{org}` not found"
        ))),
    }
}

#[utoipa::path(get, path = "/v1/users", tag = "Users", responses((status = 200, description = "One page (headers X-Total-Elements, X-Page-Number, X-Page-Size)", body = [UserOut])), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let scope = caller.account_scope();
    caller
        .require("core_user_view", &scope, "USER", None)
        .await?;
    let account = caller.account().to_string();
    let users = audit::read(&state, move |c| Ok(User::list(c, &account)?)).await?;
    let mut visible = Vec::with_capacity(users.len());
    for u in &users {
        if is_self(&caller, &u.identifier)
            || caller
                .holds("core_user_view", &scope, "USER", Some(&u.identifier))
                .await?
        {
            visible.push(user_out(u));
        }
    }
    Ok(q.respond(visible))
}

#[utoipa::path(post, path = "/v1/users", tag = "Users", request_body = UserCreate, responses((status = 201, description = "Created", body = UserOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn create_user(
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<UserCreate>,
) -> Result<HttpResponse, ApiError> {
    let f = body.0;
    Identifier::new(&f.identifier)?;
    validate_name(&f.name)?;
    let email = normalize_email(&f.email)?;
    if let Some(org) = &f.organization {
        Identifier::new(org)?;
    }
    if let Some(p) = &f.password {
        password::validate_password(p)?;
    }
    let scope = caller.account_scope();
    let meta = WriteMeta::new("user.create", &scope, "USER", &f.identifier, Bump::None);
    let allowed = caller
        .require("core_user_invite", &scope, "USER", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let hash = match f.password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let account = caller.account().to_string();
    let created = audit::write(&state, &caller, meta, move |c, now| {
        if let Some(org) = &f.organization {
            ensure_org(c, &account, org)?;
        }
        let user = User {
            account,
            identifier: f.identifier,
            email,
            name: f.name,
            password_hash: hash,
            organization: f.organization,
            disabled: false,
            created: now,
            updated: now,
        };
        user.insert(c)?;
        let mut after = summary(&user);
        after["password_set"] = json!(user.password_hash.is_some());
        Ok(Audited::new(user_out(&user), None, Some(after)))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/users/{user}", tag = "Users", params(("user" = String, Path)), responses((status = 200, description = "The entity", body = UserOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn get_user(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let user = path_param(&req, "user");
    if !is_self(&caller, &user) {
        caller
            .require(
                "core_user_view",
                &caller.account_scope(),
                "USER",
                Some(&user),
            )
            .await?;
    }
    let account = caller.account().to_string();
    let found = audit::read(&state, move |c| find_user(c, &account, &user)).await?;
    Ok(HttpResponse::Ok().json(user_out(&found)))
}

/// What an update invalidates: `disabled` reaches credentials and the cached policies
/// (which carry the flag), the home organization reaches policies (portal ownership).
fn update_bump(f: &UserUpdate) -> Bump {
    match (f.disabled.is_some(), f.organization.is_some()) {
        (true, _) => Bump::Both,
        (false, true) => Bump::Policy,
        (false, false) => Bump::None,
    }
}

#[utoipa::path(put, path = "/v1/users/{user}", tag = "Users", params(("user" = String, Path)), request_body = UserUpdate, responses((status = 200, description = "The entity as written", body = UserOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<UserUpdate>,
) -> Result<HttpResponse, ApiError> {
    let user = path_param(&req, "user");
    let f = body.0;
    if let Some(id) = &f.identifier {
        same_identifier(id, &user)?;
    }
    if let Some(name) = &f.name {
        validate_name(name)?;
    }
    let email = f.email.as_deref().map(normalize_email).transpose()?;
    if let Some(Some(org)) = &f.organization {
        Identifier::new(org)?;
    }
    let scope = caller.account_scope();
    let meta = WriteMeta::new("user.update", &scope, "USER", &user, update_bump(&f));
    let allowed = caller
        .require("core_user_manage", &scope, "USER", Some(&user))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let account = caller.account().to_string();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let mut u = find_user(c, &account, &user)?;
        let before = summary(&u);
        let principal = Principal {
            principal_type: PrincipalType::User,
            identifier: Identifier::new(&user)?,
            scope: Scope::account(Identifier::new(&account)?),
        };
        match f.disabled {
            Some(true) if !u.disabled => {
                ensure_admin_remains(c, &account, Leaving::User(&user))?;
                User::disable(c, &account, &user, now)?;
            }
            Some(false) if u.disabled => {
                let enable = EnablePrincipal {
                    principal: principal.clone(),
                };
                let permit = acting.admit(c, enable)?;
                User::enable(c, permit, now)?;
            }
            _ => {}
        }
        if let Some(org) = f.organization.filter(|o| *o != u.organization) {
            if let Some(o) = &org {
                ensure_org(c, &account, o)?;
            }
            let home = HomeOrg {
                user: principal,
                organization: org.clone(),
            };
            let permit = acting.admit(c, home)?;
            User::set_organization(c, permit, now)?;
            u.organization = org;
        }
        u.name = f.name.unwrap_or(u.name);
        u.email = email.unwrap_or(u.email);
        u.disabled = f.disabled.unwrap_or(u.disabled);
        u.updated = now;
        u.update(c)?;
        Ok(Audited::new(user_out(&u), Some(before), Some(summary(&u))))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/users/{user}", tag = "Users", params(("user" = String, Path)), responses((status = 200, description = "The deleted or revoked entity", body = UserOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn delete_user(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let user = path_param(&req, "user");
    let scope = caller.account_scope();
    let meta = WriteMeta::new("user.delete", &scope, "USER", &user, Bump::Both);
    let allowed = caller
        .require("core_user_manage", &scope, "USER", Some(&user))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let account = caller.account().to_string();
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let u = find_user(c, &account, &user)?;
        ensure_admin_remains(c, &account, Leaving::User(&user))?;
        let tokens = ApiToken::delete_for_owner(c, PrincipalType::User, &scope, &user)?;
        let assignments = delete_assignments_naming(c, &scope, PrincipalType::User, &user)?;
        User::delete(c, &account, &user)?;
        let mut before = summary(&u);
        before["tokens_removed"] = json!(tokens);
        before["assignments_removed"] = json!(assignments);
        Ok(Audited::new(user_out(&u), Some(before), None))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/users")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user)),
    )
    .service(
        resource("/v1/users/{user}")
            .route(web::get().to(get_user))
            .route(web::put().to(update_user))
            .route(web::delete().to(delete_user)),
    );
}

/// The OpenAPI paths of this module (and of the password endpoint).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_users, create_user, get_user, update_user, delete_user),
    components(schemas(UserCreate, UserUpdate, UserOut))
)]
pub struct UsersApi;
