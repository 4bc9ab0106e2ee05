//! `explain`: the decision plus its reason, for admins (rule 7).
//!
//! For an allow: the granting assignment, role, group and scope. For a deny: the missing
//! permission and the assignments that came closest, each with what it lacked.

use serde::Serialize;

use super::{
    check, effective_scope, group_selects, ownership_ok, precheck, role_gives, Decision, DenyCause,
    Grant, PrincipalPolicy, Reach, Request,
};
use crate::policy::permission::{catalogue, Module};

/// Which assignment granted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrantInfo {
    pub assignment: String,
    pub role: String,
    pub resource_group: String,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_user_group: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit_visibility: bool,
}

/// An assignment that did not grant, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearMiss {
    pub assignment: String,
    pub role: String,
    pub resource_group: String,
    pub scope: String,
    pub why: String,
}

/// The full answer of `explain`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub permitted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_by: Option<GrantInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_permission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_misses: Option<Vec<NearMiss>>,
    /// One sentence for logs and the 403 body.
    pub reason: String,
}

const MAX_NEAR_MISSES: usize = 5;

fn info(grant: &Grant, implicit: bool) -> GrantInfo {
    GrantInfo {
        assignment: grant.assignment.to_string(),
        role: grant.role.to_string(),
        resource_group: grant.group.identifier.to_string(),
        scope: grant.assignment_scope.to_string(),
        via_user_group: grant.via_group.as_ref().map(|g| g.to_string()),
        implicit_visibility: implicit,
    }
}

/// What kept one grant from granting; empty when nothing did.
fn failures(policy: &PrincipalPolicy, grant: &Grant, request: &Request) -> Vec<&'static str> {
    let perm = catalogue().permission(request.permission);
    let resource = &request.resource;
    let alt = policy.splits.create_alternative(request.permission);
    let cross_org = perm.module == Module::Portal && policy.has_cross_org(request.restriction);
    let reach = Reach::of(perm, resource.identifier);
    let mut why = Vec::new();
    if grant.disabled {
        why.push("the assignment is disabled");
    }
    if !role_gives(grant, request.permission, alt, None) {
        why.push("the role does not hold the permission");
    } else if !role_gives(grant, request.permission, alt, request.restriction) {
        why.push("the credential's permission subset excludes the permission");
    }
    match effective_scope(grant, resource.scope, cross_org) {
        None => why.push("the assignment's scope does not contain the resource's scope"),
        Some(scope) => {
            if !grant.group.covers_scope(&scope) {
                why.push("the resource group does not include the resource's scope");
            } else if !group_selects(&grant.group, &scope, resource, reach) {
                why.push(if resource.identifier.is_some() {
                    "the resource group does not select the resource"
                } else {
                    "the resource group does not select every resource of the type"
                });
            }
        }
    }
    if !ownership_ok(policy, perm, resource.scope, cross_org) {
        why.push("the resource belongs to an organization that is not the caller's (CROSS_ORGANIZATION_ACCESS missing)");
    }
    why
}

/// Explains one request. The `permitted` answer always equals `check`'s.
pub fn explain(policy: &PrincipalPolicy, request: &Request) -> Explanation {
    let perm = catalogue().permission(request.permission);
    let decision = check(policy, request);
    if let Decision::Allowed { grant, implicit } = decision {
        let g = &policy.grants[grant];
        let reason = if implicit {
            format!(
                "`{}` is visible because assignment `{}` includes a scope inside it",
                perm.identifier, g.assignment
            )
        } else {
            format!(
                "granted by assignment `{}` (role `{}`, resource group `{}`, scope `{}`)",
                g.assignment, g.role, g.group.identifier, g.assignment_scope
            )
        };
        return Explanation {
            permitted: true,
            granted_by: Some(info(g, implicit)),
            missing_permission: None,
            near_misses: None,
            reason,
        };
    }
    let resource = &request.resource;
    let cause = precheck(policy, perm, resource);
    let reason = match cause {
        Some(DenyCause::Disabled) => format!("principal `{}` is disabled", policy.principal),
        Some(DenyCause::NotAvailableAtScope) => format!(
            "permission `{}` is not available at the {} level",
            perm.identifier,
            resource.scope.level()
        ),
        Some(DenyCause::ResourceTypeMismatch) => format!(
            "permission `{}` acts on `{}`, not `{}`",
            perm.identifier, perm.resource_type, resource.resource_type
        ),
        Some(DenyCause::OtherAccount) => "the resource belongs to another account".to_owned(),
        _ => format!(
            "no assignment grants `{}` on this resource",
            perm.identifier
        ),
    };
    let considered = if cause == Some(DenyCause::Disabled) {
        &[][..]
    } else {
        &policy.grants[..]
    };
    let mut scored: Vec<(usize, NearMiss)> = considered
        .iter()
        .map(|g| {
            let why = failures(policy, g, request);
            let miss = NearMiss {
                assignment: g.assignment.to_string(),
                role: g.role.to_string(),
                resource_group: g.group.identifier.to_string(),
                scope: g.assignment_scope.to_string(),
                why: why.join("; "),
            };
            (why.len(), miss)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.assignment.cmp(&b.1.assignment))
    });
    let near_misses = scored
        .into_iter()
        .take(MAX_NEAR_MISSES)
        .map(|(_, m)| m)
        .collect();
    Explanation {
        permitted: false,
        granted_by: None,
        missing_permission: Some(perm.identifier.clone()),
        near_misses: Some(near_misses),
        reason,
    }
}
