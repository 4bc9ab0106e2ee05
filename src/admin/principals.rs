//! Users, user groups, service accounts, passwords and API tokens. Writes that change what
//! someone may do (group membership, a home organization, enabling a principal, another
//! user's password, a token for anyone) are admitted by the no-escalation guard; removing
//! or disabling a principal keeps the account's last working admin (`storage::last_admin`).

pub mod common;
pub mod password;
pub mod service_accounts;
pub mod token_dto;
pub mod token_ops;
pub mod tokens;
pub mod user_groups;
pub mod users;

use actix_web::web;

use super::resource;

pub fn configure(cfg: &mut web::ServiceConfig) {
    users::configure(cfg);
    cfg.service(resource("/v1/users/{user}/password").route(web::put().to(password::set_password)));
    user_groups::configure(cfg);
    service_accounts::configure(cfg);
    tokens::configure(cfg);
}
