//! Users, user groups with their members, and service accounts.

use diesel::prelude::*;

use super::columns::scope_cols;
use super::error::{StorageError, StorageResult};
use super::pool::DbConnection;
use super::schema::{service_accounts, user_group_members, user_groups, users};
use crate::policy::Scope;

/// A user of an account. `password_hash` is an argon2id PHC string, never shown.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, PartialEq, Eq)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct User {
    pub account: String,
    pub identifier: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub organization: Option<String>,
    pub disabled: bool,
    pub created: i64,
    pub updated: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("account", &self.account)
            .field("identifier", &self.identifier)
            .field("email", &self.email)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("organization", &self.organization)
            .field("disabled", &self.disabled)
            .finish()
    }
}

impl User {
    pub fn find(
        conn: &mut DbConnection,
        account: &str,
        identifier: &str,
    ) -> StorageResult<Option<User>> {
        Ok(users::table
            .find((account, identifier))
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn find_by_email(
        conn: &mut DbConnection,
        account: &str,
        email: &str,
    ) -> StorageResult<Option<User>> {
        Ok(users::table
            .filter(
                users::account
                    .eq(account)
                    .and(users::email.eq(email.to_lowercase())),
            )
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    /// Inserts the user; the email is stored lower-cased (lookups are case-insensitive).
    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        let row = User {
            email: self.email.to_lowercase(),
            ..self.clone()
        };
        diesel::insert_into(users::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!(
                        "a user with identifier `{}` or email `{}` already exists",
                        self.identifier, self.email
                    )
                })
            })?;
        Ok(())
    }

    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        let row = User {
            email: self.email.to_lowercase(),
            ..self.clone()
        };
        diesel::update(users::table.find((&self.account, &self.identifier)))
            .set(&row)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("email `{}` is taken", self.email)
                })
            })?;
        Ok(())
    }

    pub fn list(conn: &mut DbConnection, account: &str) -> StorageResult<Vec<User>> {
        Ok(users::table
            .filter(users::account.eq(account))
            .order(users::identifier)
            .select(User::as_select())
            .load(conn)?)
    }

    /// Deletes the user and its group memberships.
    pub fn delete(
        conn: &mut DbConnection,
        account: &str,
        identifier: &str,
    ) -> StorageResult<usize> {
        diesel::delete(
            user_group_members::table.filter(
                user_group_members::account
                    .eq(account)
                    .and(user_group_members::user_identifier.eq(identifier)),
            ),
        )
        .execute(conn)?;
        Ok(diesel::delete(users::table.find((account, identifier))).execute(conn)?)
    }
}

/// A user group defined at a scope.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = user_groups)]
pub struct UserGroup {
    pub account: String,
    pub org: String,
    pub project: String,
    pub identifier: String,
    pub name: String,
    pub description: String,
    pub created: i64,
    pub updated: i64,
}

/// One membership row.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = user_group_members)]
pub struct Membership {
    pub account: String,
    pub org: String,
    pub project: String,
    pub group_identifier: String,
    pub user_identifier: String,
}

impl UserGroup {
    pub fn find(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<UserGroup>> {
        let (a, o, p) = scope_cols(scope);
        Ok(user_groups::table
            .find((a, o, p, identifier))
            .select(UserGroup::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::insert_into(user_groups::table)
            .values(self)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("user group `{}` already exists", self.identifier)
                })
            })?;
        Ok(())
    }

    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::update(user_groups::table.find((
            &self.account,
            &self.org,
            &self.project,
            &self.identifier,
        )))
        .set(self)
        .execute(conn)?;
        Ok(())
    }

    pub fn list(conn: &mut DbConnection, scope: &Scope) -> StorageResult<Vec<UserGroup>> {
        let (a, o, p) = scope_cols(scope);
        Ok(user_groups::table
            .filter(
                user_groups::account
                    .eq(a)
                    .and(user_groups::org.eq(o))
                    .and(user_groups::project.eq(p)),
            )
            .order(user_groups::identifier)
            .select(UserGroup::as_select())
            .load(conn)?)
    }

    pub fn members(&self, conn: &mut DbConnection) -> StorageResult<Vec<String>> {
        Ok(user_group_members::table
            .filter(
                user_group_members::account
                    .eq(&self.account)
                    .and(user_group_members::org.eq(&self.org))
                    .and(user_group_members::project.eq(&self.project))
                    .and(user_group_members::group_identifier.eq(&self.identifier)),
            )
            .order(user_group_members::user_identifier)
            .select(user_group_members::user_identifier)
            .load(conn)?)
    }

    /// Replaces the member list.
    pub fn set_members(&self, conn: &mut DbConnection, members: &[String]) -> StorageResult<()> {
        diesel::delete(
            user_group_members::table.filter(
                user_group_members::account
                    .eq(&self.account)
                    .and(user_group_members::org.eq(&self.org))
                    .and(user_group_members::project.eq(&self.project))
                    .and(user_group_members::group_identifier.eq(&self.identifier)),
            ),
        )
        .execute(conn)?;
        let mut unique: Vec<&String> = members.iter().collect();
        unique.sort();
        unique.dedup();
        let rows: Vec<Membership> = unique
            .into_iter()
            .map(|u| Membership {
                account: self.account.clone(),
                org: self.org.clone(),
                project: self.project.clone(),
                group_identifier: self.identifier.clone(),
                user_identifier: u.clone(),
            })
            .collect();
        for row in rows {
            diesel::insert_into(user_group_members::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }

    /// Groups (anywhere in the account) that `user` belongs to.
    pub fn memberships_of(
        conn: &mut DbConnection,
        account: &str,
        user: &str,
    ) -> StorageResult<Vec<Membership>> {
        Ok(user_group_members::table
            .filter(
                user_group_members::account
                    .eq(account)
                    .and(user_group_members::user_identifier.eq(user)),
            )
            .select(Membership::as_select())
            .load(conn)?)
    }

    pub fn delete(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        diesel::delete(
            user_group_members::table.filter(
                user_group_members::account
                    .eq(&a)
                    .and(user_group_members::org.eq(&o))
                    .and(user_group_members::project.eq(&p))
                    .and(user_group_members::group_identifier.eq(identifier)),
            ),
        )
        .execute(conn)?;
        Ok(diesel::delete(user_groups::table.find((a, o, p, identifier))).execute(conn)?)
    }
}

/// A service account defined at a scope.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = service_accounts)]
pub struct ServiceAccount {
    pub account: String,
    pub org: String,
    pub project: String,
    pub identifier: String,
    pub name: String,
    pub email: String,
    pub description: String,
    pub disabled: bool,
    pub created: i64,
    pub updated: i64,
}

impl ServiceAccount {
    pub fn find(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<ServiceAccount>> {
        let (a, o, p) = scope_cols(scope);
        Ok(service_accounts::table
            .find((a, o, p, identifier))
            .select(ServiceAccount::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::insert_into(service_accounts::table)
            .values(self)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("service account `{}` already exists", self.identifier)
                })
            })?;
        Ok(())
    }

    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::update(service_accounts::table.find((
            &self.account,
            &self.org,
            &self.project,
            &self.identifier,
        )))
        .set(self)
        .execute(conn)?;
        Ok(())
    }

    pub fn list(conn: &mut DbConnection, scope: &Scope) -> StorageResult<Vec<ServiceAccount>> {
        let (a, o, p) = scope_cols(scope);
        Ok(service_accounts::table
            .filter(
                service_accounts::account
                    .eq(a)
                    .and(service_accounts::org.eq(o))
                    .and(service_accounts::project.eq(p)),
            )
            .order(service_accounts::identifier)
            .select(ServiceAccount::as_select())
            .load(conn)?)
    }

    pub fn delete(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        Ok(diesel::delete(service_accounts::table.find((a, o, p, identifier))).execute(conn)?)
    }
}

impl Membership {
    /// Every membership row of the user groups defined at exactly `scope` (one query, for
    /// listing groups with their members).
    pub fn at_scope(conn: &mut DbConnection, scope: &Scope) -> StorageResult<Vec<Membership>> {
        let (a, o, p) = scope_cols(scope);
        Ok(user_group_members::table
            .filter(
                user_group_members::account
                    .eq(a)
                    .and(user_group_members::org.eq(o))
                    .and(user_group_members::project.eq(p)),
            )
            .order((
                user_group_members::group_identifier,
                user_group_members::user_identifier,
            ))
            .select(Membership::as_select())
            .load(conn)?)
    }
}
