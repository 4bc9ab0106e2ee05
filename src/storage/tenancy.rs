//! Accounts, organizations and projects.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::columns::{from_json, tags_to_json};
use super::error::{StorageError, StorageResult};
use super::pool::DbConnection;
use super::schema::{accounts, organizations, projects};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub identifier: String,
    pub name: String,
    pub created: i64,
    pub updated: i64,
}

impl Account {
    pub fn find(conn: &mut DbConnection, identifier: &str) -> StorageResult<Option<Account>> {
        Ok(accounts::table
            .find(identifier)
            .select(Account::as_select())
            .first(conn)
            .optional()?)
    }

    /// Creates the account unless it exists; returns whether it was created.
    pub fn ensure(
        conn: &mut DbConnection,
        identifier: &str,
        name: &str,
        now: i64,
    ) -> StorageResult<bool> {
        if Self::find(conn, identifier)?.is_some() {
            return Ok(false);
        }
        diesel::insert_into(accounts::table)
            .values(Account {
                identifier: identifier.to_owned(),
                name: name.to_owned(),
                created: now,
                updated: now,
            })
            .execute(conn)?;
        Ok(true)
    }
}

/// An organization of an account.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub account: String,
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub tags: String,
    pub created: i64,
    pub updated: i64,
}

impl Organization {
    pub fn tags(&self) -> BTreeMap<String, String> {
        from_json(&self.tags, "organization tags").unwrap_or_default()
    }

    pub fn new(
        account: &str,
        identifier: &str,
        name: &str,
        description: &str,
        tags: &BTreeMap<String, String>,
        now: i64,
    ) -> Self {
        Self {
            account: account.to_owned(),
            identifier: identifier.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            tags: tags_to_json(tags),
            created: now,
            updated: now,
        }
    }

    pub fn find(
        conn: &mut DbConnection,
        account: &str,
        identifier: &str,
    ) -> StorageResult<Option<Organization>> {
        Ok(organizations::table
            .find((account, identifier))
            .select(Organization::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::insert_into(organizations::table)
            .values(self)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("organization `{}` already exists", self.identifier)
                })
            })?;
        Ok(())
    }

    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::update(organizations::table.find((&self.account, &self.identifier)))
            .set(self)
            .execute(conn)?;
        Ok(())
    }

    pub fn list(conn: &mut DbConnection, account: &str) -> StorageResult<Vec<Organization>> {
        Ok(organizations::table
            .filter(organizations::account.eq(account))
            .order(organizations::identifier)
            .select(Organization::as_select())
            .load(conn)?)
    }

    /// Deletes the organization row (the caller removes what lives inside it).
    pub fn delete(
        conn: &mut DbConnection,
        account: &str,
        identifier: &str,
    ) -> StorageResult<usize> {
        Ok(diesel::delete(organizations::table.find((account, identifier))).execute(conn)?)
    }
}

/// A project of an organization.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = projects)]
pub struct Project {
    pub account: String,
    pub org: String,
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub tags: String,
    pub created: i64,
    pub updated: i64,
}

impl Project {
    pub fn tags(&self) -> BTreeMap<String, String> {
        from_json(&self.tags, "project tags").unwrap_or_default()
    }

    pub fn new(
        account: &str,
        org: &str,
        identifier: &str,
        name: &str,
        description: &str,
        tags: &BTreeMap<String, String>,
        now: i64,
    ) -> Self {
        Self {
            account: account.to_owned(),
            org: org.to_owned(),
            identifier: identifier.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            tags: tags_to_json(tags),
            created: now,
            updated: now,
        }
    }

    pub fn find(
        conn: &mut DbConnection,
        account: &str,
        org: &str,
        identifier: &str,
    ) -> StorageResult<Option<Project>> {
        Ok(projects::table
            .find((account, org, identifier))
            .select(Project::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::insert_into(projects::table)
            .values(self)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("project `{}` already exists", self.identifier)
                })
            })?;
        Ok(())
    }

    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::update(projects::table.find((&self.account, &self.org, &self.identifier)))
            .set(self)
            .execute(conn)?;
        Ok(())
    }

    pub fn list(conn: &mut DbConnection, account: &str, org: &str) -> StorageResult<Vec<Project>> {
        Ok(projects::table
            .filter(projects::account.eq(account).and(projects::org.eq(org)))
            .order(projects::identifier)
            .select(Project::as_select())
            .load(conn)?)
    }

    pub fn delete(
        conn: &mut DbConnection,
        account: &str,
        org: &str,
        identifier: &str,
    ) -> StorageResult<usize> {
        Ok(diesel::delete(projects::table.find((account, org, identifier))).execute(conn)?)
    }
}

/// Deletes everything defined inside an organization or project scope (the scope and
/// below): projects, roles, groups, assignments, user groups, service accounts, their
/// tokens and registered resources. Returns the number of rows removed.
pub fn delete_scope_contents(
    conn: &mut DbConnection,
    scope: &crate::policy::Scope,
) -> StorageResult<usize> {
    use super::schema::{
        api_tokens, resource_groups, resources, role_assignments, role_permissions, roles,
        service_accounts, user_group_members, user_groups,
    };
    let account = scope.account.as_str();
    let Some(org) = scope.org.as_ref().map(|o| o.as_str()) else {
        return Err(StorageError::Conflict(
            "an account's contents are not deleted this way".into(),
        ));
    };
    let project = scope.project.as_ref().map(|p| p.as_str());
    let mut n = 0;
    macro_rules! wipe {
        ($table:ident, $acc:ident, $org:ident, $proj:ident) => {{
            let q = $table::table
                .filter($table::$acc.eq(account))
                .filter($table::$org.eq(org));
            n += match project {
                Some(p) => diesel::delete(q.filter($table::$proj.eq(p))).execute(conn)?,
                None => diesel::delete(q).execute(conn)?,
            };
        }};
    }
    wipe!(role_assignments, account, org, project);
    wipe!(role_permissions, account, org, project);
    wipe!(roles, account, org, project);
    wipe!(resource_groups, account, org, project);
    wipe!(user_group_members, account, org, project);
    wipe!(user_groups, account, org, project);
    wipe!(api_tokens, account, owner_org, owner_project);
    wipe!(service_accounts, account, org, project);
    wipe!(resources, account, org, project);
    match project {
        Some(p) => n += diesel::delete(projects::table.find((account, org, p))).execute(conn)?,
        None => {
            n += diesel::delete(
                projects::table
                    .filter(projects::account.eq(account))
                    .filter(projects::org.eq(org)),
            )
            .execute(conn)?;
            n += diesel::delete(organizations::table.find((account, org))).execute(conn)?;
        }
    }
    Ok(n)
}
