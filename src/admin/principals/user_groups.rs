//! User groups at any scope (DESIGN §1 "Principals", §4.4): `GET|POST …/user-groups`,
//! `GET|PUT|DELETE …/user-groups/{group}` at the account, organization and project paths.
//! Body `{identifier, name, description?, users}`; answer adds the scope, times and
//! `harness_managed: false`. Permissions at the group's scope: `core_usergroup_view` to
//! read (type-level for lists, else 403), `core_usergroup_manage` to write. A new member
//! gains every grant of the group's assignments, so a member list that adds anyone passes
//! the no-escalation guard; removing members or deleting the group keeps the last working
//! admin. Membership changes bump the policy epoch; deleting a group removes its
//! memberships and the role assignments naming it.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::common::{
    path_param, same_identifier, validate_description, validate_name, EntityScope,
};
use crate::admin::audit::{self, refuse_unless, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::list::{ListQuery, Listed};
use crate::admin::scope::{ensure_exists, path_scope};
use crate::admin::{resources, scoped, AdminState};
use crate::policy::role::PrincipalType;
use crate::policy::{Identifier, Scope};
use crate::storage::columns::scope_cols;
use crate::storage::guard::Members;
use crate::storage::last_admin::{delete_assignments_naming, ensure_admin_remains, Leaving};
use crate::storage::principals::{Membership, User, UserGroup};
use crate::storage::DbConnection;
use crate::web::ApiError;

/// A user group as sent by clients (`POST`, and `PUT` with the same body).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserGroupFields {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Identifiers of the member users (account users; each must exist).
    #[serde(default)]
    pub users: Vec<String>,
}

/// A user group as answered.
#[derive(Serialize, ToSchema)]
pub struct UserGroupOut {
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub users: Vec<String>,
    pub scope: EntityScope,
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

impl Listed for UserGroupOut {
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

fn group_out(g: &UserGroup, scope: &Scope, users: Vec<String>) -> UserGroupOut {
    UserGroupOut {
        identifier: g.identifier.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        users,
        scope: EntityScope::from(scope),
        created: g.created,
        updated: g.updated,
        harness_managed: false,
    }
}

fn summary(g: &UserGroup, users: &[String]) -> serde_json::Value {
    json!({"identifier": g.identifier, "name": g.name, "description": g.description,
           "users": users})
}

/// Checks the fields; answers the sorted, deduplicated member list.
fn validate(f: &UserGroupFields) -> Result<Vec<String>, ApiError> {
    Identifier::new(&f.identifier)?;
    validate_name(&f.name)?;
    validate_description(f.description.as_deref().unwrap_or(""))?;
    for u in &f.users {
        Identifier::new(u)?;
    }
    let mut users = f.users.clone();
    users.sort();
    users.dedup();
    Ok(users)
}

/// 404 naming the first member (in the order given) that is not a user of the account.
fn ensure_users(conn: &mut DbConnection, account: &str, given: &[String]) -> Result<(), ApiError> {
    for u in given {
        if User::find(conn, account, u)?.is_none() {
            return Err(ApiError::not_found(format!("user `{u}` not found")));
        }
    }
    Ok(())
}

fn find_group(conn: &mut DbConnection, scope: &Scope, group: &str) -> Result<UserGroup, ApiError> {
    ensure_exists(conn, scope)?;
    UserGroup::find(conn, scope, group)?
        .ok_or_else(|| ApiError::not_found(format!("user group `{group}` not found in `{scope}`")))
}

#[utoipa::path(get, path = "/v1/user-groups", tag = "User groups", responses((status = 200, description = "One page (headers X-Total-Elements, X-Page-Number, X-Page-Size)", body = [UserGroupOut]), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")), params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query), ("search_term" = Option<String>, Query), ("sort" = Option<String>, Query), ("order" = Option<String>, Query)))]
pub async fn list_groups(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::from_request(&req)?;
    let scope = path_scope(&req, &caller)?;
    caller
        .require("core_usergroup_view", &scope, "USERGROUP", None)
        .await?;
    let s = scope.clone();
    let (groups, members) = audit::read(&state, move |c| {
        ensure_exists(c, &s)?;
        Ok((UserGroup::list(c, &s)?, Membership::at_scope(c, &s)?))
    })
    .await?;
    let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in members {
        by_group
            .entry(m.group_identifier)
            .or_default()
            .push(m.user_identifier);
    }
    let groups = caller
        .visible(groups, "core_usergroup_view", &scope, "USERGROUP", |g| {
            &g.identifier
        })
        .await?;
    let visible = groups
        .iter()
        .map(|g| {
            let users = by_group.remove(&g.identifier).unwrap_or_default();
            group_out(g, &scope, users)
        })
        .collect();
    Ok(q.respond(visible))
}

#[utoipa::path(post, path = "/v1/user-groups", tag = "User groups", request_body = UserGroupFields, responses((status = 201, description = "Created", body = UserGroupOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn create_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<UserGroupFields>,
) -> Result<HttpResponse, ApiError> {
    let f = body.0;
    let users = validate(&f)?;
    let scope = path_scope(&req, &caller)?;
    let meta = WriteMeta::new(
        "user_group.create",
        &scope,
        "USERGROUP",
        &f.identifier,
        Bump::Policy,
    );
    let allowed = caller
        .require("core_usergroup_manage", &scope, "USERGROUP", None)
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let created = audit::write(&state, &caller, meta, move |c, now| {
        ensure_exists(c, &scope)?;
        ensure_users(c, scope.account.as_str(), &f.users)?;
        let (account, org, project) = scope_cols(&scope);
        let g = UserGroup {
            account,
            org,
            project,
            identifier: f.identifier,
            name: f.name,
            description: f.description.unwrap_or_default(),
            created: now,
            updated: now,
        };
        g.insert(c)?;
        let members = Members {
            scope: scope.clone(),
            group: g.identifier.clone(),
            users: users.clone(),
        };
        let permit = acting.admit(c, members)?;
        UserGroup::set_members(c, permit)?;
        let after = summary(&g, &users);
        Ok(Audited::new(
            group_out(&g, &scope, users),
            None,
            Some(after),
        ))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/v1/user-groups/{group}", tag = "User groups", params(("group" = String, Path)), responses((status = 200, description = "The entity", body = UserGroupOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist")))]
pub async fn get_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let group = path_param(&req, "group");
    let scope = path_scope(&req, &caller)?;
    caller
        .require("core_usergroup_view", &scope, "USERGROUP", Some(&group))
        .await?;
    let s = scope.clone();
    let (g, users) = audit::read(&state, move |c| {
        let g = find_group(c, &s, &group)?;
        let users = g.members(c)?;
        Ok((g, users))
    })
    .await?;
    Ok(HttpResponse::Ok().json(group_out(&g, &scope, users)))
}

#[utoipa::path(put, path = "/v1/user-groups/{group}", tag = "User groups", params(("group" = String, Path)), request_body = UserGroupFields, responses((status = 200, description = "The entity as written", body = UserGroupOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn update_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<UserGroupFields>,
) -> Result<HttpResponse, ApiError> {
    let group = path_param(&req, "group");
    let f = body.0;
    let users = validate(&f)?;
    same_identifier(&f.identifier, &group)?;
    let scope = path_scope(&req, &caller)?;
    let meta = WriteMeta::new(
        "user_group.update",
        &scope,
        "USERGROUP",
        &group,
        Bump::Policy,
    );
    let allowed = caller
        .require("core_usergroup_manage", &scope, "USERGROUP", Some(&group))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let acting = caller.acting();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let mut g = find_group(c, &scope, &group)?;
        ensure_users(c, scope.account.as_str(), &f.users)?;
        let before = summary(&g, &g.members(c)?);
        ensure_admin_remains(
            c,
            scope.account.as_str(),
            Leaving::Members(&scope, &group, &users),
        )?;
        g.name = f.name;
        g.description = f.description.unwrap_or_default();
        g.updated = now;
        g.update(c)?;
        let members = Members {
            scope: scope.clone(),
            group: group.clone(),
            users: users.clone(),
        };
        let permit = acting.admit(c, members)?;
        UserGroup::set_members(c, permit)?;
        let after = summary(&g, &users);
        Ok(Audited::new(
            group_out(&g, &scope, users),
            Some(before),
            Some(after),
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(delete, path = "/v1/user-groups/{group}", tag = "User groups", params(("group" = String, Path)), responses((status = 200, description = "The deleted or revoked entity", body = UserGroupOut), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 409, description = "CONFLICT: duplicate, concurrent change, or the last account admin")))]
pub async fn delete_group(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let group = path_param(&req, "group");
    let scope = path_scope(&req, &caller)?;
    let meta = WriteMeta::new("user_group.delete", &scope, "USERGROUP", &group, Bump::Both);
    let allowed = caller
        .require("core_usergroup_manage", &scope, "USERGROUP", Some(&group))
        .await;
    refuse_unless(&state, &caller, &meta, allowed).await?;
    let deleted = audit::write(&state, &caller, meta, move |c, _| {
        let g = find_group(c, &scope, &group)?;
        let users = g.members(c)?;
        ensure_admin_remains(c, scope.account.as_str(), Leaving::Group(&scope, &group))?;
        let assignments = delete_assignments_naming(c, &scope, PrincipalType::UserGroup, &group)?;
        UserGroup::delete(c, &scope, &group)?;
        let mut before = summary(&g, &users);
        before["assignments_removed"] = json!(assignments);
        Ok(Audited::new(
            group_out(&g, &scope, users),
            Some(before),
            None,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(deleted))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resources(scoped("user-groups"))
            .route(web::get().to(list_groups))
            .route(web::post().to(create_group)),
    )
    .service(
        resources(scoped("user-groups/{group}"))
            .route(web::get().to(get_group))
            .route(web::put().to(update_group))
            .route(web::delete().to(delete_group)),
    );
}

/// The OpenAPI paths of this module (organization and project variants are added by
/// `openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_groups, create_group, get_group, update_group, delete_group),
    components(schemas(UserGroupFields, UserGroupOut, EntityScope))
)]
pub struct UserGroupsApi;
