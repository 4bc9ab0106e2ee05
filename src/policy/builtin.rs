//! Built-in (managed, read-only) roles, with permission sets taken from the seed tables.
//!
//! Every disagreement between seeds and how it was resolved is written next to the rows
//! below and rendered into `docs/ROLES.md` by [`crate::policy::roles_doc`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::ids::Identifier;
use super::permission::{catalogue, Module, Permission, PermissionSet};
use super::role::Role;
use super::scope::{ScopeLevel, ScopeLevels};
use super::split::complete_pairs;

use ScopeLevel::{Account, Organization, Project};

const CRUD: [&str; 4] = ["view", "create", "edit", "delete"];

/// How a built-in role's permissions are chosen.
enum Source {
    /// Listed identifiers; `sei_x_*` expands to the four CRUD actions.
    Listed(&'static [&'static str]),
    /// Every catalogue permission passing the predicate.
    Rule(fn(&Permission) -> bool),
}

/// One built-in role definition.
pub struct BuiltinDef {
    pub identifier: &'static str,
    pub name: &'static str,
    pub levels: &'static [ScopeLevel],
    pub description: &'static str,
    source: Source,
}

fn is_view(p: &Permission) -> bool {
    p.is_list_action()
}

fn below_account(p: &Permission) -> bool {
    (p.available_at(Organization) || p.available_at(Project))
        && p.identifier != "CROSS_ORGANIZATION_ACCESS"
}

/// The definitions, in the order the roles are listed.
pub const BUILTIN_ROLES: &[BuiltinDef] = &[
    BuiltinDef {
        identifier: "_account_admin",
        name: "Account Admin",
        levels: &[Account],
        description: "Every permission of the catalogue, SEI, portal and CROSS_ORGANIZATION_ACCESS included (seed 004 column Account Admin: CRUD on everything).",
        source: Source::Rule(|_| true),
    },
    BuiltinDef {
        identifier: "_account_viewer",
        name: "Account Viewer",
        levels: &[Account],
        description: "Every view and read permission of the catalogue (seed 004 column Account Viewer: View on everything).",
        source: Source::Rule(is_view),
    },
    BuiltinDef {
        identifier: "_organization_admin",
        name: "Organization Admin",
        levels: &[Organization],
        description: "Every permission available at organization or project level, except CROSS_ORGANIZATION_ACCESS.",
        source: Source::Rule(below_account),
    },
    BuiltinDef {
        identifier: "_organization_viewer",
        name: "Organization Viewer",
        levels: &[Organization],
        description: "Every view and read permission available at organization or project level.",
        source: Source::Rule(|p| is_view(p) && below_account(p)),
    },
    BuiltinDef {
        identifier: "_project_admin",
        name: "Project Admin",
        levels: &[Project],
        description: "Every permission available at project level.",
        source: Source::Rule(|p| p.available_at(Project)),
    },
    BuiltinDef {
        identifier: "_project_viewer",
        name: "Project Viewer",
        levels: &[Project],
        description: "Every view and read permission available at project level.",
        source: Source::Rule(|p| is_view(p) && p.available_at(Project)),
    },
    BuiltinDef {
        identifier: "_sei_admin",
        name: "SEI Admin",
        levels: &[Account, Organization, Project],
        description: "Full control over SEI configuration and data (seed 003), collections, configuration settings, projects and platform users, groups and roles (seed 004).",
        source: Source::Listed(&[
            "sei_seidatasettings_*", "sei_seidevelopers_*", "sei_seiintegrations_*", "sei_seiteams_*",
            "sei_seiprofiles_*", "sei_seiinsights_view", "sei_seiinsightscategory_view",
            "sei_seicollections_*", "sei_seiconfigurationsettings_*",
            "core_project_view", "core_project_create", "core_project_edit", "core_project_delete",
            "core_connector_view", "core_connector_edit", "core_connector_delete",
            "core_audit_view", "core_serviceaccount_manageapikey",
            "core_role_view", "core_role_edit", "core_role_delete",
            "core_user_view", "core_user_manage", "core_user_invite",
            "core_usergroup_view", "core_usergroup_manage",
            "core_resourcegroup_view", "core_resourcegroup_edit", "core_resourcegroup_delete",
        ]),
    },
    BuiltinDef {
        identifier: "_sei_team_manager",
        name: "SEI Team Manager",
        levels: &[Account, Organization, Project],
        description: "Manages teams and developer records in a project; reads insights, integrations and profiles (seed 003).",
        source: Source::Listed(&[
            "sei_seidevelopers_view", "sei_seidevelopers_edit", "sei_seiteams_view", "sei_seiteams_edit",
            "sei_seiinsights_view", "sei_seiinsightscategory_view", "sei_seiintegrations_view",
            "sei_seiprofiles_view",
        ]),
    },
    BuiltinDef {
        identifier: "_sei_viewer",
        name: "SEI Viewer",
        levels: &[Account, Organization, Project],
        description: "Read-only access to SEI dashboards and data (seed 003), connector mappings and roles (seed 004).",
        source: Source::Listed(&[
            "sei_seidevelopers_view", "sei_seiteams_view", "sei_seiinsights_view",
            "sei_seiinsightscategory_view", "sei_seiintegrations_view", "sei_seiprofiles_view",
            "core_connector_view", "core_role_view",
        ]),
    },
    BuiltinDef {
        identifier: "_sei_collections_admin",
        name: "SEI Collection Admin",
        levels: &[Account, Project],
        description: "Views and updates collections, views insights, projects and roles (seed 004).",
        source: Source::Listed(&[
            "sei_seicollections_view", "sei_seicollections_edit", "sei_seiinsights_view",
            "sei_seiinsightscategory_view", "core_project_view", "core_role_view",
        ]),
    },
    BuiltinDef {
        identifier: "Global_Admin",
        name: "Global_Admin",
        levels: &[Account, Organization],
        description: "Every API-portal permission of seed 002, and the scope grant CROSS_ORGANIZATION_ACCESS.",
        source: Source::Rule(|p| p.module == Module::Portal),
    },
    BuiltinDef {
        identifier: "Admin",
        name: "Admin",
        levels: &[Account, Organization],
        description: "The API-portal permissions seed 002 gives to Admin.",
        source: Source::Listed(&[
            "ENVIRONMENT_READ", "API_READ", "API_WRITE", "USER_READ", "USER_WRITE", "APPLICATION_READ",
            "APPLICATION_WRITE", "JOBS_READ", "PLAN_READ", "GIT_CREDENTIALS_READ", "SUBSCRIPTIONS_READ",
            "SUBSCRIPTIONS_WRITE", "METRICS_READ", "ORGANIZATION_READ", "ORGANIZATION_WRITE",
            "USER_INVITATION", "APPROVAL_REQUEST_READ", "APPROVAL_REQUEST_WRITE", "AUDIT_LOG_READ",
            "RULE_SETS_READ", "PLAN_ASSIGN_APIS",
        ]),
    },
    BuiltinDef {
        identifier: "Basic_User",
        name: "Basic_User",
        levels: &[Account, Organization],
        description: "The API-portal permissions seed 002 gives to Basic_User.",
        source: Source::Listed(&[
            "ENVIRONMENT_READ", "API_READ", "API_WRITE", "APPLICATION_READ", "APPLICATION_WRITE",
            "JOBS_READ", "PLAN_READ", "GIT_CREDENTIALS_READ", "SUBSCRIPTIONS_READ", "SUBSCRIPTIONS_WRITE",
            "METRICS_READ", "ORGANIZATION_READ", "RULE_SETS_READ",
        ]),
    },
];

/// Where two seeds disagreed, and what scopegate does. Rendered into docs/ROLES.md.
pub const RESOLUTIONS: &[(&str, &str)] = &[
    ("Insights for SEI Admin", "Seed 004 gives SEI Admin CRUD on Insights; seed 003 (SEI 2.0, newer) gives View only. 003 wins: `_sei_admin` holds `sei_seiinsights_view` and `sei_seiinsightscategory_view`; creating and deleting insights needs Account Admin or a custom role."),
    ("Integrations for SEI Viewer", "Seed 004 says No access; seed 003 says View. 003 wins: `_sei_viewer` holds `sei_seiintegrations_view`."),
    ("Contributors (developers) for SEI Viewer", "Seed 004 says No access to Contributors; seed 003 says View on developer records. 003 wins: `sei_seidevelopers_view`."),
    ("Profiles for SEI Viewer", "Seed 004 says No access; seed 003 says View (project read-through). 003 wins: `sei_seiprofiles_view`, which is available at account and project level."),
    ("Levels of SEI Team Manager and SEI Viewer", "Seed 003 calls them project-level roles, but their Integrations row is account-scoped and access is always checked at the resource's own scope. So both may be assigned at account, organization or project level; assign at account with a group that covers the account to read account-level integrations."),
    ("Levels of SEI Admin", "Seed 004 lists SEI Admin at account level only; seed 003 says account and project. Both hold; organization is allowed too so an org-level assignment can cover that org's projects."),
    ("Data settings", "Seed 003 treats developer records and integrations as one resource 'Data settings' but gives SEI Team Manager edit on developers and view on integrations. scopegate adds `sei_seidevelopers_*` (SEI_DEVELOPER) and `sei_seiintegrations_*` (SEI_INTEGRATION) in Harness's pattern and keeps Harness's `sei_seidatasettings_*` (SEI_DATA_SETTINGS) for the remaining data settings; SEI Admin holds all three."),
    ("Insight categories", "Harness has only `sei_seiinsightscategory_view`; the default route pack needs create, edit and delete, so scopegate adds them in the same pattern. Seed 003 gives every SEI role view on insights; categories follow insights."),
    ("Seed 004 rows without a seed 003 counterpart", "Projects -> `core_project_*`; Collections -> `sei_seicollections_*`; Connector Mapping -> `core_connector_view|edit|delete`; Tables and Propels and Customize -> `sei_seiconfigurationsettings_*`; Activity Logs -> `core_audit_view`; API Keys -> `core_serviceaccount_manageapikey`; Roles Manage/Assign -> `core_role_*` plus `core_user_manage` and `core_usergroup_manage` (assigning needs them), and SEI Admin's platform CRUD on users, resource groups and user groups -> `core_user_*`, `core_usergroup_*`, `core_resourcegroup_*`."),
    ("Split pairs in built-in roles", "A built-in role that holds one half of a seed 001 pair holds both, so moving a split phase never changes a built-in role."),
    ("CROSS_ORGANIZATION_ACCESS", "Seed 002 gives it to Global_Admin automatically; Account Admin holds it because it holds the whole catalogue. Organization and project admin roles do not, so an org admin's portal permissions stay within its own organizations."),
];

fn expand(identifiers: &[&str]) -> Vec<String> {
    identifiers
        .iter()
        .flat_map(|i| match i.strip_suffix('*') {
            Some(prefix) => CRUD.iter().map(|a| format!("{prefix}{a}")).collect(),
            None => vec![i.to_string()],
        })
        .collect()
}

fn build(def: &BuiltinDef) -> Role {
    let c = catalogue();
    let permissions = match &def.source {
        Source::Listed(ids) => c
            .set_of(&expand(ids))
            .expect("built-in role permissions are in the catalogue (unit-tested)"),
        Source::Rule(keep) => {
            let mut set = PermissionSet::EMPTY;
            c.all()
                .iter()
                .filter(|p| keep(p))
                .for_each(|p| set.insert(p.id));
            set
        }
    };
    Role {
        identifier: Identifier::new(def.identifier).expect("built-in identifiers are valid"),
        name: def.name.to_owned(),
        scope: None,
        permissions: complete_pairs(&permissions),
        allowed_scope_levels: ScopeLevels::of(def.levels),
        description: def.description.to_owned(),
        tags: BTreeMap::new(),
        managed: true,
    }
}

static ROLES: LazyLock<Vec<Role>> = LazyLock::new(|| BUILTIN_ROLES.iter().map(build).collect());

/// All built-in roles.
pub fn builtin_roles() -> &'static [Role] {
    &ROLES
}

/// One built-in role by identifier.
pub fn builtin_role(identifier: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.identifier.as_str() == identifier)
}
