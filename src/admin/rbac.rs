//! Roles, resource groups and role assignments at account, organization and project scope
//! (Harness v1 shapes). Every write that changes what someone may do (a new or enabled
//! assignment, a role or group change that widens assignments in use) is admitted by the
//! no-escalation guard inside its transaction; the storage write takes the guard's permit.

pub mod assignment_body;
pub mod assignments;
pub mod common;
pub mod resource_groups;
pub mod roles;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    roles::configure(cfg);
    resource_groups::configure(cfg);
    assignments::configure(cfg);
}
