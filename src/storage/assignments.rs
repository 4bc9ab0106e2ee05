//! Role assignments, indexed by principal so that loading one principal's grants costs the
//! same with a thousand or a million assignments in the table.

use diesel::prelude::*;

use super::columns::{ident, level_from_text, level_to_text, scope_cols, scope_from};
use super::error::{StorageError, StorageResult};
use super::guard::{EnableAssignment, NewAssignment, Permit};
use super::pool::DbConnection;
use super::schema::role_assignments as ra;
use crate::policy::role::{PrincipalRef, PrincipalType, RoleAssignment};
use crate::policy::{Scope, ScopeLevel};

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = ra)]
struct AssignmentRow {
    account: String,
    org: String,
    project: String,
    identifier: String,
    role_identifier: String,
    role_scope_level: String,
    resource_group_identifier: String,
    principal_type: String,
    principal_identifier: String,
    principal_scope_level: String,
    principal_org: String,
    principal_project: String,
    disabled: bool,
    managed: bool,
    created: i64,
    updated: i64,
}

fn row_of(a: &RoleAssignment) -> StorageResult<AssignmentRow> {
    let (account, org, project) = scope_cols(&a.scope);
    let pscope = a.principal_scope().ok_or_else(|| {
        StorageError::Conflict(format!(
            "principal level {} lies below the assignment's scope",
            a.principal.scope_level
        ))
    })?;
    let (_, principal_org, principal_project) = scope_cols(&pscope);
    Ok(AssignmentRow {
        account,
        org,
        project,
        identifier: a.identifier.to_string(),
        role_identifier: a.role.to_string(),
        role_scope_level: level_to_text(a.role_scope_level),
        resource_group_identifier: a.resource_group.to_string(),
        principal_type: a.principal.principal_type.as_str().to_owned(),
        principal_identifier: a.principal.identifier.to_string(),
        principal_scope_level: a.principal.scope_level.as_str().to_owned(),
        principal_org,
        principal_project,
        disabled: a.disabled,
        managed: a.managed,
        created: a.created,
        updated: a.updated,
    })
}

fn assignment_of(row: AssignmentRow) -> StorageResult<RoleAssignment> {
    let corrupt = |e: crate::policy::PolicyError| StorageError::Corrupt(e.to_string());
    Ok(RoleAssignment {
        identifier: ident(&row.identifier)?,
        scope: scope_from(&row.account, &row.org, &row.project)?,
        role: ident(&row.role_identifier)?,
        role_scope_level: level_from_text(&row.role_scope_level)?,
        resource_group: ident(&row.resource_group_identifier)?,
        principal: PrincipalRef {
            principal_type: PrincipalType::parse(&row.principal_type).map_err(corrupt)?,
            identifier: ident(&row.principal_identifier)?,
            scope_level: ScopeLevel::parse(&row.principal_scope_level).map_err(corrupt)?,
        },
        disabled: row.disabled,
        managed: row.managed,
        created: row.created,
        updated: row.updated,
    })
}

fn load(rows: Vec<AssignmentRow>) -> StorageResult<Vec<RoleAssignment>> {
    rows.into_iter().map(assignment_of).collect()
}

/// Repository of role assignments.
pub struct Assignments;

impl Assignments {
    /// Inserts an assignment the guard admitted.
    pub fn insert(conn: &mut DbConnection, permit: Permit<NewAssignment>) -> StorageResult<()> {
        let a = &permit.write().0;
        diesel::insert_into(ra::table)
            .values(row_of(a)?)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("role assignment `{}` already exists", a.identifier)
                })
            })?;
        Ok(())
    }

    pub fn find(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<RoleAssignment>> {
        let (a, o, p) = scope_cols(scope);
        ra::table
            .find((a, o, p, identifier))
            .select(AssignmentRow::as_select())
            .first(conn)
            .optional()?
            .map(assignment_of)
            .transpose()
    }

    /// Assignments defined at exactly `scope`.
    pub fn list(conn: &mut DbConnection, scope: &Scope) -> StorageResult<Vec<RoleAssignment>> {
        let (a, o, p) = scope_cols(scope);
        load(
            ra::table
                .filter(ra::account.eq(a).and(ra::org.eq(o)).and(ra::project.eq(p)))
                .order(ra::identifier)
                .select(AssignmentRow::as_select())
                .load(conn)?,
        )
    }

    /// Disables an assignment (narrowing needs no permit; the last-admin rule is the
    /// caller's, see `last_admin`).
    pub fn disable(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
        now: i64,
    ) -> StorageResult<usize> {
        Self::set_disabled(conn, scope, identifier, true, now)
    }

    /// Enables an assignment the guard admitted.
    pub fn enable(
        conn: &mut DbConnection,
        permit: Permit<EnableAssignment>,
        now: i64,
    ) -> StorageResult<usize> {
        let w = permit.into_write();
        Self::set_disabled(conn, &w.scope, &w.identifier, false, now)
    }

    fn set_disabled(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
        disabled: bool,
        now: i64,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        Ok(diesel::update(ra::table.find((a, o, p, identifier)))
            .set((ra::disabled.eq(disabled), ra::updated.eq(now)))
            .execute(conn)?)
    }

    pub fn delete(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        Ok(diesel::delete(ra::table.find((a, o, p, identifier))).execute(conn)?)
    }

    /// Every assignment naming principals of `principal_type` with these identifiers
    /// (one indexed query; the caller filters by the principal's exact scope).
    pub fn of_principals(
        conn: &mut DbConnection,
        account: &str,
        principal_type: PrincipalType,
        identifiers: &[String],
    ) -> StorageResult<Vec<RoleAssignment>> {
        if identifiers.is_empty() {
            return Ok(Vec::new());
        }
        load(
            ra::table
                .filter(
                    ra::account
                        .eq(account)
                        .and(ra::principal_type.eq(principal_type.as_str()))
                        .and(ra::principal_identifier.eq_any(identifiers)),
                )
                .select(AssignmentRow::as_select())
                .load(conn)?,
        )
    }

    /// Assignments using the custom role `role` defined at `role_scope`.
    pub fn using_role(
        conn: &mut DbConnection,
        role_scope: &Scope,
        role: &str,
    ) -> StorageResult<Vec<RoleAssignment>> {
        let rows: Vec<AssignmentRow> = ra::table
            .filter(
                ra::account
                    .eq(role_scope.account.as_str())
                    .and(ra::role_identifier.eq(role)),
            )
            .select(AssignmentRow::as_select())
            .load(conn)?;
        Ok(load(rows)?
            .into_iter()
            .filter(|a| a.role_scope().as_ref() == Some(role_scope))
            .collect())
    }

    /// Assignments at `scope` using the custom group `group` (groups come from the
    /// assignment's own scope).
    pub fn using_group(
        conn: &mut DbConnection,
        scope: &Scope,
        group: &str,
    ) -> StorageResult<Vec<RoleAssignment>> {
        let (a, o, p) = scope_cols(scope);
        load(
            ra::table
                .filter(
                    ra::account
                        .eq(a)
                        .and(ra::org.eq(o))
                        .and(ra::project.eq(p))
                        .and(ra::resource_group_identifier.eq(group)),
                )
                .select(AssignmentRow::as_select())
                .load(conn)?,
        )
    }

    /// Assignments naming one principal (for deleting the principal).
    pub fn naming(
        conn: &mut DbConnection,
        principal_scope: &Scope,
        principal_type: PrincipalType,
        identifier: &str,
    ) -> StorageResult<Vec<RoleAssignment>> {
        let (a, o, p) = scope_cols(principal_scope);
        load(
            ra::table
                .filter(
                    ra::account
                        .eq(a)
                        .and(ra::principal_type.eq(principal_type.as_str()))
                        .and(ra::principal_identifier.eq(identifier))
                        .and(ra::principal_org.eq(o))
                        .and(ra::principal_project.eq(p)),
                )
                .select(AssignmentRow::as_select())
                .load(conn)?,
        )
    }

    /// Enabled account admins: `_account_admin` on `_all_resources_including_child_scopes`
    /// at the account scope (the last one cannot be removed).
    pub fn account_admins(
        conn: &mut DbConnection,
        account: &str,
    ) -> StorageResult<Vec<RoleAssignment>> {
        load(
            ra::table
                .filter(
                    ra::account
                        .eq(account)
                        .and(ra::org.eq(""))
                        .and(ra::role_identifier.eq("_account_admin"))
                        .and(ra::role_scope_level.eq(""))
                        .and(
                            ra::resource_group_identifier
                                .eq("_all_resources_including_child_scopes"),
                        )
                        .and(ra::disabled.eq(false)),
                )
                .select(AssignmentRow::as_select())
                .load(conn)?,
        )
    }

    /// Deletes every assignment inside `scope` (the scope itself and below).
    pub fn delete_within(conn: &mut DbConnection, scope: &Scope) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        let q = ra::table.filter(ra::account.eq(a));
        Ok(match scope.level() {
            ScopeLevel::Account => diesel::delete(q).execute(conn)?,
            ScopeLevel::Organization => diesel::delete(q.filter(ra::org.eq(o))).execute(conn)?,
            ScopeLevel::Project => {
                diesel::delete(q.filter(ra::org.eq(o)).filter(ra::project.eq(p))).execute(conn)?
            }
        })
    }
}
