//! `PUT /v1/users/{user}/password` `{password, current_password?}` (DESIGN §4.4): a user
//! sets its own password by proving the current one, or a caller with `core_user_manage`
//! at the account sets anyone's. The check of the current password happens before any
//! write; a wrong one is a 403 `ACCESS_DENIED` ("current password is wrong"), recorded
//! like every refused write. Wrong proofs are throttled like logins, per (user, client
//! address): past `auth.login_max_failures` the answer is 429 until the backoff ends. argon2 runs in the blocking pool; no password, hash or part of
//! one is ever answered, logged or written to the audit row.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::common::{hash_password, is_self, path_param};
use super::users::{find_user, user_out, UserOut};
use crate::admin::audit::{self, Audited, Bump, WriteMeta};
use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::admin::login::client_ip;
use crate::admin::AdminState;
use crate::authn::password;
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::Identifier;
use crate::storage::guard::PasswordSet;
use crate::storage::principals::User;
use crate::web::{now_ms, ApiError};

/// `PUT /v1/users/{user}/password`. No `Debug`: it holds secrets.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The new password, 8 to 1024 characters.
    pub password: String,
    /// Required when changing your own password without `core_user_manage`.
    #[serde(default)]
    pub current_password: Option<String>,
}

/// Does `current` match the stored password of `user` (false when none is set)?
async fn current_matches(
    state: &AdminState,
    caller: &Caller,
    user: &str,
    current: String,
) -> Result<bool, ApiError> {
    let (account, id) = (caller.account().to_string(), user.to_owned());
    let stored = audit::read(state, move |c| {
        Ok(find_user(c, &account, &id)?.password_hash)
    })
    .await?;
    let Some(stored) = stored else {
        return Ok(false);
    };
    tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .map_err(ApiError::internal)
}

#[utoipa::path(put, path = "/v1/users/{user}/password", tag = "Users", params(("user" = String, Path)), request_body = PasswordChange, responses((status = 200, description = "The entity as written", body = UserOut), (status = 400, description = "INVALID_REQUEST: malformed body, field, parameter or reference"), (status = 403, description = "ACCESS_DENIED: a permission is missing (named in the body)"), (status = 404, description = "NOT_FOUND: the entity, its organization or project, or a referenced entity does not exist"), (status = 429, description = "TOO_MANY_REQUESTS: wrong current passwords throttled (see Retry-After)")))]
pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AdminState>,
    caller: Caller,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let user = path_param(&req, "user");
    let change = body.0;
    password::validate_password(&change.password)?;
    let scope = caller.account_scope();
    let meta = WriteMeta::new("user.password", &scope, "USER", &user, Bump::Credentials);
    let manage = caller
        .require("core_user_manage", &scope, "USER", Some(&user))
        .await;
    let how = match (manage, change.current_password) {
        (Ok(()), _) => "core_user_manage",
        (Err(_), Some(current)) if is_self(&caller, &user) => {
            let throttle = state.authn.password_throttle();
            let (key, client) = (
                format!("password-change:{}:{user}", caller.account()),
                client_ip(&req, &state),
            );
            throttle.check(&key, client, now_ms())?;
            if !current_matches(&state, &caller, &user, current).await? {
                throttle.record_failure(&key, client, now_ms());
                let e = ApiError::denied("current password is wrong", None, None);
                return Err(audit::denied(&state, &caller, meta, e).await);
            }
            throttle.record_success(&key, client);
            "current password"
        }
        (Err(_), None) if is_self(&caller, &user) => {
            let e = ApiError::denied(
                "send `current_password` to change your own password",
                None,
                None,
            );
            return Err(audit::denied(&state, &caller, meta, e).await);
        }
        (Err(e), _) => return Err(audit::denied(&state, &caller, meta, e).await),
    };
    let proven = how == "current password";
    let hashed = hash_password(change.password).await?;
    let target = Principal {
        principal_type: PrincipalType::User,
        identifier: Identifier::new(&user)?,
        scope: caller.account_scope(),
    };
    let acting = caller.acting();
    let account = caller.account().to_string();
    let updated = audit::write(&state, &caller, meta, move |c, now| {
        let had = find_user(c, &account, &user)?.password_hash.is_some();
        let permit = acting.admit(
            c,
            PasswordSet {
                user: target,
                proven,
            },
        )?;
        User::set_password(c, permit, &hashed, now)?;
        let u = find_user(c, &account, &user)?;
        Ok(Audited::new(
            user_out(&u),
            Some(json!({"password_set": had})),
            Some(json!({"password_set": true, "authorized_by": how})),
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// The OpenAPI path of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(set_password), components(schemas(PasswordChange)))]
pub struct PasswordApi;
