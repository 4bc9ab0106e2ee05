//! Users, user groups with their members, and service accounts.

use diesel::prelude::*;

use super::columns::scope_cols;
use super::error::{StorageError, StorageResult};
use super::guard::{EnablePrincipal, HomeOrg, Members, PasswordSet, Permit};
use super::pool::DbConnection;
use super::schema::{service_accounts, user_group_members, user_groups, users};
use crate::policy::Scope;

/// A user of an account. `password_hash` is an argon2id PHC string, never shown.
#[derive(Queryable, Selectable, Insertable, Clone, PartialEq, Eq)]
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

    /// Writes the user's name and email (what changes nobody's access); the home
    /// organization, the password and `disabled` have their own guarded writes.
    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::update(users::table.find((&self.account, &self.identifier)))
            .set((
                users::name.eq(&self.name),
                users::email.eq(self.email.to_lowercase()),
                users::updated.eq(self.updated),
            ))
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("email `{}` is taken", self.email)
                })
            })?;
        Ok(())
    }

    /// Sets a user's home organization as the guard admitted.
    pub fn set_organization(
        conn: &mut DbConnection,
        permit: Permit<HomeOrg>,
        now: i64,
    ) -> StorageResult<()> {
        let w = permit.into_write();
        diesel::update(users::table.find((w.user.account().as_str(), w.user.identifier.as_str())))
            .set((
                users::organization.eq(w.organization),
                users::updated.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Stores a new argon2id password hash as the guard admitted.
    pub fn set_password(
        conn: &mut DbConnection,
        permit: Permit<PasswordSet>,
        hash: &str,
        now: i64,
    ) -> StorageResult<()> {
        let u = &permit.write().user;
        diesel::update(users::table.find((u.account().as_str(), u.identifier.as_str())))
            .set((users::password_hash.eq(hash), users::updated.eq(now)))
            .execute(conn)?;
        Ok(())
    }

    /// Disables a user (its credentials stop working like revoked ones).
    pub fn disable(
        conn: &mut DbConnection,
        account: &str,
        identifier: &str,
        now: i64,
    ) -> StorageResult<()> {
        diesel::update(users::table.find((account, identifier)))
            .set((users::disabled.eq(true), users::updated.eq(now)))
            .execute(conn)?;
        Ok(())
    }

    /// Enables a user as the guard admitted.
    pub fn enable(
        conn: &mut DbConnection,
        permit: Permit<EnablePrincipal>,
        now: i64,
    ) -> StorageResult<()> {
        let p = &permit.write().principal;
        diesel::update(users::table.find((p.account().as_str(), p.identifier.as_str())))
            .set((users::disabled.eq(false), users::updated.eq(now)))
            .execute(conn)?;
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

    /// Replaces a group's member list as the guard admitted.
    pub fn set_members(conn: &mut DbConnection, permit: Permit<Members>) -> StorageResult<()> {
        let w = permit.into_write();
        let (account, org, project) = scope_cols(&w.scope);
        diesel::delete(
            user_group_members::table.filter(
                user_group_members::account
                    .eq(&account)
                    .and(user_group_members::org.eq(&org))
                    .and(user_group_members::project.eq(&project))
                    .and(user_group_members::group_identifier.eq(&w.group)),
            ),
        )
        .execute(conn)?;
        let mut unique: Vec<&String> = w.users.iter().collect();
        unique.sort();
        unique.dedup();
        let rows: Vec<Membership> = unique
            .into_iter()
            .map(|u| Membership {
                account: account.clone(),
                org: org.clone(),
                project: project.clone(),
                group_identifier: w.group.clone(),
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
#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
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

    /// Writes name, email and description (`disabled` has its own writes).
    pub fn update(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::update(service_accounts::table.find((
            &self.account,
            &self.org,
            &self.project,
            &self.identifier,
        )))
        .set((
            service_accounts::name.eq(&self.name),
            service_accounts::email.eq(&self.email),
            service_accounts::description.eq(&self.description),
            service_accounts::updated.eq(self.updated),
        ))
        .execute(conn)?;
        Ok(())
    }

    /// Sets `disabled` on a service account; enabling needs the guard's permit.
    fn set_disabled(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
        disabled: bool,
        now: i64,
    ) -> StorageResult<()> {
        let (a, o, p) = scope_cols(scope);
        diesel::update(service_accounts::table.find((a, o, p, identifier)))
            .set((
                service_accounts::disabled.eq(disabled),
                service_accounts::updated.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Disables a service account (its tokens stop working like revoked ones).
    pub fn disable(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
        now: i64,
    ) -> StorageResult<()> {
        Self::set_disabled(conn, scope, identifier, true, now)
    }

    /// Enables a service account as the guard admitted.
    pub fn enable(
        conn: &mut DbConnection,
        permit: Permit<EnablePrincipal>,
        now: i64,
    ) -> StorageResult<()> {
        let p = &permit.write().principal;
        Self::set_disabled(conn, &p.scope, p.identifier.as_str(), false, now)
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
