//! Organization and project bodies in Harness v1's wrapped shape (`{"org": {…}}`,
//! `{"project": {…}}`), the inner fields every shape converts into ([`OrgFields`]), their
//! validation, and the v1 answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::list::Listed;
use crate::policy::Identifier;
use crate::storage::tenancy::{Organization, Project};
use crate::web::ApiError;

/// An organization or project as sent by clients.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OrgFields {
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    /// Projects only: the organization (must equal the URL's when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Accepted for Harness compatibility (projects), not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Accepted for Harness compatibility (projects), not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<String>>,
}

/// `{"org": {…}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgRequest {
    pub org: OrgFields,
}

/// `{"project": {…}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRequest {
    pub project: OrgFields,
}

/// The wrapped answer for an organization.
#[derive(Serialize, ToSchema)]
pub struct OrgResponse {
    pub org: OrgOut,
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

/// The wrapped answer for a project.
#[derive(Serialize, ToSchema)]
pub struct ProjectResponse {
    pub project: OrgOut,
    pub created: i64,
    pub updated: i64,
    pub harness_managed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

pub fn org_out(o: &Organization) -> OrgResponse {
    OrgResponse {
        org: OrgOut {
            identifier: o.identifier.clone(),
            name: o.name.clone(),
            description: o.description.clone(),
            tags: o.tags(),
            org: None,
        },
        created: o.created,
        updated: o.updated,
        harness_managed: false,
    }
}

pub fn project_out(p: &Project) -> ProjectResponse {
    ProjectResponse {
        project: OrgOut {
            identifier: p.identifier.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            tags: p.tags(),
            org: Some(p.org.clone()),
        },
        created: p.created,
        updated: p.updated,
        harness_managed: false,
    }
}

/// Lists search, sort and page the stored rows themselves, whatever shape answers them.
impl Listed for Organization {
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

impl Listed for Project {
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

/// Checks the fields every shape sends: a valid identifier and a name of 1 to 256 characters.
pub fn validate(fields: &OrgFields) -> Result<(), ApiError> {
    Identifier::new(&fields.identifier)?;
    if fields.name.trim().is_empty() || fields.name.chars().count() > 256 {
        return Err(ApiError::invalid("`name` must be 1 to 256 characters"));
    }
    Ok(())
}
