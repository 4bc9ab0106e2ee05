//! The demo account: account `demo` with organizations `eng` and `sales`, projects
//! `eng/web` and `sales/crm`, one user per built-in role (home organization `eng`) with one
//! API token (random, new at every start) and a password each, and for every role one
//! request it may make (200) and one it may not (403). The examples are data so that a test
//! can replay every one of them.
//!
//! Passwords are documented ones, `demo-<user>` (`demo-account-admin`), so that the README,
//! the console's sign-in and the OpenAPI login example work as written; a demo listening
//! beyond loopback gets random ones instead ([`Passwords`]).
//!
//! The users' assignments are ordinary (not managed) so that an admin can try removing or
//! disabling one in the console; the last-admin rule still keeps `account-admin`'s.

use std::collections::BTreeMap;

use crate::authn::issue_api_token;
use crate::authn::password;
use crate::policy::builtin::builtin_roles;
use crate::policy::role::{Principal, PrincipalRef, PrincipalType, RoleAssignment};
use crate::policy::{Identifier, Scope, ScopeLevel};
use crate::storage::assignments::Assignments;
use crate::storage::epochs::Epochs;
use crate::storage::guard::{NewAssignment, Permit, TokenGrant};
use crate::storage::principals::User;
use crate::storage::tenancy::{Account, Organization, Project};
use crate::storage::{DbConnection, StorageError};

pub const ACCOUNT: &str = "demo";

/// One demo user with its email, password and token value (printed by the banner).
#[derive(Clone, Debug)]
pub struct DemoUser {
    pub role: String,
    pub user: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

/// One request to show: who sends it and what it should answer.
#[derive(Clone, Debug)]
pub struct Example {
    pub role: String,
    pub method: &'static str,
    pub path: &'static str,
    pub expect: u16,
}

/// A request in the demo plan: method and path.
type Call = (&'static str, &'static str);

/// Where each role is assigned (role, scope, group), and its allowed and denied example.
const PLAN: &[(&str, &str, &str, Call, Call)] = &[
    (
        "_account_admin",
        "demo",
        "_all_resources_including_child_scopes",
        ("DELETE", "/v1/orgs/sales/projects/crm/teams/team-z"),
        ("", ""),
    ),
    (
        "_account_viewer",
        "demo",
        "_all_resources_including_child_scopes",
        ("GET", "/v1/orgs/sales/projects/crm/teams"),
        ("PUT", "/v1/orgs/eng/projects/web/teams/team-a"),
    ),
    (
        "_organization_admin",
        "demo/eng",
        "_all_resources_including_child_scopes",
        ("PUT", "/v1/orgs/eng/projects/web/teams/team-a"),
        ("GET", "/v1/orgs/sales/projects/crm/teams"),
    ),
    (
        "_organization_viewer",
        "demo/eng",
        "_all_resources_including_child_scopes",
        ("GET", "/v1/orgs/eng/projects/web/insights"),
        ("PUT", "/v1/orgs/eng/projects/web/teams/team-a"),
    ),
    (
        "_project_admin",
        "demo/eng/web",
        "_all_project_level_resources",
        ("DELETE", "/v1/orgs/eng/projects/web/teams/team-a"),
        ("GET", "/v1/profiles"),
    ),
    (
        "_project_viewer",
        "demo/eng/web",
        "_all_project_level_resources",
        ("GET", "/v1/orgs/eng/projects/web/teams/team-a"),
        ("POST", "/v1/orgs/eng/projects/web/teams"),
    ),
    (
        "_sei_admin",
        "demo",
        "_all_resources_including_child_scopes",
        ("POST", "/v1/profiles"),
        ("POST", "/v1/orgs/eng/projects/web/insights"),
    ),
    (
        "_sei_team_manager",
        "demo",
        "_all_resources_including_child_scopes",
        ("PUT", "/v1/orgs/eng/projects/web/teams/team-a"),
        ("DELETE", "/v1/orgs/eng/projects/web/teams/team-a"),
    ),
    (
        "_sei_viewer",
        "demo",
        "_all_resources_including_child_scopes",
        ("GET", "/v1/integrations"),
        ("PUT", "/v1/orgs/eng/projects/web/teams/team-a"),
    ),
    (
        "_sei_collections_admin",
        "demo",
        "_all_resources_including_child_scopes",
        ("PUT", "/v1/orgs/eng/projects/web/collections/c1"),
        ("DELETE", "/v1/orgs/eng/projects/web/collections/c1"),
    ),
    (
        "Global_Admin",
        "demo",
        "_all_resources_including_child_scopes",
        ("GET", "/v1/orgs/sales/apis/crm-api"),
        ("GET", "/v1/orgs/eng/projects/web/teams"),
    ),
    (
        "Admin",
        "demo",
        "_all_resources_including_child_scopes",
        ("GET", "/v1/orgs/eng/apis/payments"),
        ("POST", "/v1/orgs/eng/discovery"),
    ),
    (
        "Basic_User",
        "demo",
        "_all_resources_including_child_scopes",
        ("GET", "/v1/orgs/eng/apis/payments/metrics"),
        ("GET", "/v1/orgs/sales/apis/crm-api"),
    ),
];

fn user_name(role: &str) -> String {
    role.trim_start_matches('_')
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// How the demo users' passwords are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passwords {
    /// `demo-<user>`: known to the docs and the OpenAPI login example (loopback only).
    Documented,
    /// New random ones at every start (a demo reachable from other machines).
    Random,
}

impl Passwords {
    fn for_user(self, user: &str) -> String {
        match self {
            Self::Documented => format!("demo-{user}"),
            Self::Random => generate_password(),
        }
    }
}

/// Twelve random characters of an alphabet without look-alikes (no `0/o`, `1/l`): about
/// 61 bits, typed by hand from the banner.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    rand::random::<[u8; 12]>()
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn id(v: &str) -> Result<Identifier, StorageError> {
    Ok(Identifier::new(v)?)
}

/// Seeds the demo account into an empty database with documented passwords; returns users
/// and examples.
pub fn seed(
    conn: &mut DbConnection,
    now: i64,
) -> Result<(Vec<DemoUser>, Vec<Example>), StorageError> {
    seed_with(conn, now, Passwords::Documented)
}

/// [`seed`] with the passwords chosen by `passwords`.
pub fn seed_with(
    conn: &mut DbConnection,
    now: i64,
    passwords: Passwords,
) -> Result<(Vec<DemoUser>, Vec<Example>), StorageError> {
    let none = BTreeMap::new();
    Account::ensure(conn, ACCOUNT, "Demo", now)?;
    for (org, name) in [("eng", "Engineering"), ("sales", "Sales")] {
        Organization::new(ACCOUNT, org, name, "", &none, now).insert(conn)?;
    }
    Project::new(ACCOUNT, "eng", "web", "Web", "", &none, now).insert(conn)?;
    Project::new(ACCOUNT, "sales", "crm", "CRM", "", &none, now).insert(conn)?;
    let mut users = Vec::new();
    let mut examples = Vec::new();
    for (role, scope, group, allowed, denied) in PLAN {
        debug_assert!(builtin_roles()
            .iter()
            .any(|r| r.identifier.as_str() == *role));
        let user = user_name(role);
        let email = format!("{user}@demo.local");
        let secret = passwords.for_user(&user);
        let hash = password::hash(&secret).map_err(|e| StorageError::Unavailable(e.to_string()))?;
        User {
            account: ACCOUNT.into(),
            identifier: user.clone(),
            email: email.clone(),
            name: format!("Demo {role}"),
            password_hash: Some(hash),
            organization: Some("eng".into()),
            disabled: false,
            created: now,
            updated: now,
        }
        .insert(conn)?;
        let scope = Scope::parse(scope)?;
        Assignments::insert(
            conn,
            Permit::system(NewAssignment(RoleAssignment {
                identifier: id(&format!("demo-{user}"))?,
                scope,
                role: id(role)?,
                role_scope_level: None,
                resource_group: id(group)?,
                principal: PrincipalRef {
                    principal_type: PrincipalType::User,
                    identifier: id(&user)?,
                    scope_level: ScopeLevel::Account,
                },
                disabled: false,
                managed: false,
                created: now,
                updated: now,
            })),
        )?;
        let account_scope = Scope::parse(ACCOUNT)?;
        let grant = TokenGrant {
            owner: Principal {
                principal_type: PrincipalType::User,
                identifier: id(&user)?,
                scope: account_scope,
            },
            restriction: None,
        };
        let (_, token) = issue_api_token(
            conn,
            Permit::system(grant),
            "demo-token",
            "Demo token",
            None,
            "scopegate demo",
            now,
        )
        .map_err(|e| StorageError::Conflict(e.to_string()))?;
        users.push(DemoUser {
            role: role.to_string(),
            user,
            email,
            password: secret,
            token,
        });
        examples.push(Example {
            role: role.to_string(),
            method: allowed.0,
            path: allowed.1,
            expect: 200,
        });
        if !denied.0.is_empty() {
            examples.push(Example {
                role: role.to_string(),
                method: denied.0,
                path: denied.1,
                expect: 403,
            });
        }
    }
    Epochs::bump_both(conn, ACCOUNT)?;
    Ok((users, examples))
}
