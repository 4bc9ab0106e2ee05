//! The one decision path. The gateway, the ACL, explain, effective permissions and the
//! admin API's own permission checks all ask their questions here: the resource's registry
//! attributes are gathered when some grant of the principal filters that type by attribute
//! (attributes given with the question, a route's or an ACL item's, override the
//! registry's), then the engine decides. No caller re-implements a rule.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{Authz, AuthzError};
use crate::policy::engine::{
    allowed_ids, check, explain, AllowedIds, Decision, Explanation, PrincipalPolicy, Request,
    Resource,
};
use crate::policy::permission::{PermissionId, PermissionSet};
use crate::policy::resource_group::Attributes;
use crate::policy::Scope;

static NO_ATTRIBUTES: Attributes = BTreeMap::new();

/// One access question about a resource (no identifier: a type-level question).
#[derive(Clone, Copy, Debug)]
pub struct Question<'a> {
    pub permission: PermissionId,
    pub scope: &'a Scope,
    pub resource_type: &'a str,
    pub identifier: Option<&'a str>,
    /// Attributes given with the question; they override the registry's.
    pub given: Option<&'a Attributes>,
}

impl Authz {
    /// The attributes a decision uses when no registry read is needed (no identifier, or
    /// no grant of the principal filters the type by attribute); `None` otherwise.
    fn attributes_now<'a>(policy: &PrincipalPolicy, q: &Question<'a>) -> Option<&'a Attributes> {
        let given = q.given.unwrap_or(&NO_ATTRIBUTES);
        if q.identifier.is_none() || !policy.filters_attributes_of(q.resource_type) {
            return Some(given);
        }
        None
    }

    /// The attributes a decision on the question's resource uses.
    pub async fn attributes_for<'a>(
        &self,
        policy: &PrincipalPolicy,
        q: &Question<'a>,
    ) -> Result<Cow<'a, Attributes>, AuthzError> {
        if let Some(now) = Self::attributes_now(policy, q) {
            return Ok(Cow::Borrowed(now));
        }
        let (given, id) = (
            q.given.unwrap_or(&NO_ATTRIBUTES),
            q.identifier.unwrap_or_default(),
        );
        let stored = self.attributes(q.scope, q.resource_type, id).await?;
        let mut merged = (*stored).clone();
        merged.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(Cow::Owned(merged))
    }

    /// [`Authz::check`] without awaiting, when the decision needs no registry read; `None`
    /// otherwise (the gateway's hot path awaits only then).
    pub fn check_now(
        policy: &PrincipalPolicy,
        restriction: Option<&PermissionSet>,
        q: &Question<'_>,
    ) -> Option<Decision> {
        let attributes = Self::attributes_now(policy, q)?;
        Some(check(policy, &request(q, attributes, restriction)))
    }

    /// [`Authz::allowed_ids`] without awaiting, when no grant filters the type by
    /// attribute; `None` otherwise.
    pub fn allowed_ids_now(
        policy: &PrincipalPolicy,
        restriction: Option<&PermissionSet>,
        permission: PermissionId,
        scope: &Scope,
        resource_type: &str,
    ) -> Option<AllowedIds> {
        (!policy.filters_attributes_of(resource_type))
            .then(|| allowed_ids(policy, permission, scope, resource_type, restriction, &[]))
    }

    /// Decides one question for `policy` acting within `restriction`.
    pub async fn check(
        &self,
        policy: &PrincipalPolicy,
        restriction: Option<&PermissionSet>,
        q: &Question<'_>,
    ) -> Result<Decision, AuthzError> {
        if let Some(now) = Self::check_now(policy, restriction, q) {
            return Ok(now);
        }
        let attributes = self.attributes_for(policy, q).await?;
        Ok(check(policy, &request(q, &attributes, restriction)))
    }

    /// Decides one question with its reason (the 403 body, the audit log, explain).
    pub async fn explain(
        &self,
        policy: &PrincipalPolicy,
        restriction: Option<&PermissionSet>,
        q: &Question<'_>,
    ) -> Result<Explanation, AuthzError> {
        let attributes = self.attributes_for(policy, q).await?;
        Ok(explain(policy, &request(q, &attributes, restriction)))
    }

    /// The identifiers of a type at a scope that a list may return (rule 8), with the
    /// registry's resources there when some grant filters the type by attribute.
    pub async fn allowed_ids(
        &self,
        policy: &PrincipalPolicy,
        restriction: Option<&PermissionSet>,
        permission: PermissionId,
        scope: &Scope,
        resource_type: &str,
    ) -> Result<AllowedIds, AuthzError> {
        if let Some(now) =
            Self::allowed_ids_now(policy, restriction, permission, scope, resource_type)
        {
            return Ok(now);
        }
        let listing = self.listing(scope, resource_type).await?;
        Ok(allowed_ids(
            policy,
            permission,
            scope,
            resource_type,
            restriction,
            &listing,
        ))
    }
}

fn request<'a>(
    q: &Question<'a>,
    attributes: &'a Attributes,
    restriction: Option<&'a PermissionSet>,
) -> Request<'a> {
    Request {
        permission: q.permission,
        resource: Resource {
            scope: q.scope,
            resource_type: q.resource_type,
            identifier: q.identifier,
            attributes,
        },
        restriction,
    }
}
