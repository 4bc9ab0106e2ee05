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
    /// The attributes a decision on the question's resource uses.
    pub async fn attributes_for<'a>(
        &self,
        policy: &PrincipalPolicy,
        q: &Question<'a>,
    ) -> Result<Cow<'a, Attributes>, AuthzError> {
        let given = q.given.unwrap_or(&NO_ATTRIBUTES);
        let Some(id) = q.identifier else {
            return Ok(Cow::Borrowed(given));
        };
        if !policy.filters_attributes_of(q.resource_type) {
            return Ok(Cow::Borrowed(given));
        }
        let stored = self.attributes(q.scope, q.resource_type, id).await?;
        let mut merged = (*stored).clone();
        merged.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(Cow::Owned(merged))
    }

    /// Decides one question for `policy` acting within `restriction`.
    pub async fn check(
        &self,
        policy: &PrincipalPolicy,
        restriction: Option<&PermissionSet>,
        q: &Question<'_>,
    ) -> Result<Decision, AuthzError> {
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
        let listing = if policy.filters_attributes_of(resource_type) {
            Some(self.listing(scope, resource_type).await?)
        } else {
            None
        };
        let registry = listing.as_deref().map(Vec::as_slice).unwrap_or(&[]);
        Ok(allowed_ids(
            policy,
            permission,
            scope,
            resource_type,
            restriction,
            registry,
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
