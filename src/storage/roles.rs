//! Custom roles and their permissions. Built-in roles live in code (`policy::builtin`).

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::columns::{
    from_json, ident, levels_from_text, levels_to_text, scope_cols, scope_from, tags_to_json,
};
use super::error::{StorageError, StorageResult};
use super::guard::{NewRole, Permit, RoleEdit};
use super::pool::DbConnection;
use super::schema::{role_permissions, roles};
use super::Stamped;
use crate::policy::builtin::builtin_role;
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::{Role, RoleAssignment};
use crate::policy::{Scope, ScopeLevel};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug)]
#[diesel(table_name = roles)]
struct RoleRow {
    account: String,
    org: String,
    project: String,
    identifier: String,
    name: String,
    description: String,
    tags: String,
    allowed_scope_levels: String,
    created: i64,
    updated: i64,
}

#[derive(Insertable)]
#[diesel(table_name = role_permissions)]
struct NewRolePermission<'a> {
    account: &'a str,
    org: &'a str,
    project: &'a str,
    role_identifier: &'a str,
    permission: &'a str,
}

fn row_of(role: &Role, scope: &Scope, created: i64, updated: i64) -> RoleRow {
    let (account, org, project) = scope_cols(scope);
    RoleRow {
        account,
        org,
        project,
        identifier: role.identifier.to_string(),
        name: role.name.clone(),
        description: role.description.clone(),
        tags: tags_to_json(&role.tags),
        allowed_scope_levels: levels_to_text(role.allowed_scope_levels),
        created,
        updated,
    }
}

fn role_of(row: RoleRow, permissions: Vec<String>) -> StorageResult<Stamped<Role>> {
    let c = catalogue();
    let mut set = PermissionSet::EMPTY;
    for p in &permissions {
        // A permission dropped from the catalogue grants nothing; keep loading the role.
        if let Some(id) = c.get(p) {
            set.insert(id);
        }
    }
    let tags: BTreeMap<String, String> = from_json(&row.tags, "role tags")?;
    Ok(Stamped {
        value: Role {
            identifier: ident(&row.identifier)?,
            name: row.name,
            scope: Some(scope_from(&row.account, &row.org, &row.project)?),
            permissions: set,
            allowed_scope_levels: levels_from_text(&row.allowed_scope_levels)?,
            description: row.description,
            tags,
            managed: false,
        },
        created: row.created,
        updated: row.updated,
    })
}

fn load_permissions(conn: &mut DbConnection, row: &RoleRow) -> StorageResult<Vec<String>> {
    Ok(role_permissions::table
        .filter(
            role_permissions::account
                .eq(&row.account)
                .and(role_permissions::org.eq(&row.org))
                .and(role_permissions::project.eq(&row.project))
                .and(role_permissions::role_identifier.eq(&row.identifier)),
        )
        .select(role_permissions::permission)
        .load(conn)?)
}

fn write_permissions(
    conn: &mut DbConnection,
    row: &RoleRow,
    set: &PermissionSet,
) -> StorageResult<()> {
    diesel::delete(
        role_permissions::table.filter(
            role_permissions::account
                .eq(&row.account)
                .and(role_permissions::org.eq(&row.org))
                .and(role_permissions::project.eq(&row.project))
                .and(role_permissions::role_identifier.eq(&row.identifier)),
        ),
    )
    .execute(conn)?;
    for id in catalogue().identifiers(set) {
        diesel::insert_into(role_permissions::table)
            .values(NewRolePermission {
                account: &row.account,
                org: &row.org,
                project: &row.project,
                role_identifier: &row.identifier,
                permission: &id,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Repository of custom roles.
pub struct Roles;

impl Roles {
    /// A custom role defined exactly at `scope`.
    pub fn find(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<Stamped<Role>>> {
        let (a, o, p) = scope_cols(scope);
        let Some(row) = roles::table
            .find((a, o, p, identifier))
            .select(RoleRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let perms = load_permissions(conn, &row)?;
        role_of(row, perms).map(Some)
    }

    /// The role an assignment at `scope` may use: built-in, or custom at `scope` or an
    /// ancestor (nearest first). Returns the role and the level it is defined at.
    pub fn resolve(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<(Role, Option<ScopeLevel>)>> {
        if let Some(r) = builtin_role(identifier) {
            return Ok(Some((r.clone(), None)));
        }
        let mut at = Some(scope.clone());
        while let Some(s) = at {
            if let Some(r) = Self::find(conn, &s, identifier)? {
                return Ok(Some((r.value, Some(s.level()))));
            }
            at = s.parent();
        }
        Ok(None)
    }

    /// Inserts a custom role (`role.scope` must be set).
    /// Inserts a custom role the guard admitted.
    pub fn insert(conn: &mut DbConnection, permit: Permit<NewRole>, now: i64) -> StorageResult<()> {
        let role = &permit.write().0;
        let scope = role
            .scope
            .as_ref()
            .ok_or_else(|| StorageError::Conflict("built-in roles are not stored".into()))?;
        let row = row_of(role, scope, now, now);
        diesel::insert_into(roles::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("role `{}` already exists", role.identifier)
                })
            })?;
        write_permissions(conn, &row, &role.permissions)
    }

    /// Replaces a custom role's fields and permissions as the guard admitted; keeps
    /// `created`.
    pub fn update(
        conn: &mut DbConnection,
        permit: Permit<RoleEdit>,
        now: i64,
    ) -> StorageResult<()> {
        let edit = permit.write();
        Self::rewrite(conn, &edit.role, edit.created, now)
    }

    /// Rewrites a stored role (the guarded `update`, and a split move's migration step).
    pub(super) fn rewrite(
        conn: &mut DbConnection,
        role: &Role,
        created: i64,
        now: i64,
    ) -> StorageResult<()> {
        let scope = role
            .scope
            .as_ref()
            .ok_or_else(|| StorageError::Conflict("built-in roles are not stored".into()))?;
        let row = row_of(role, scope, created, now);
        diesel::update(roles::table.find((&row.account, &row.org, &row.project, &row.identifier)))
            .set(&row)
            .execute(conn)?;
        write_permissions(conn, &row, &role.permissions)
    }

    /// The permissions of an assignment's role (`None`: the role no longer exists).
    pub fn of_assignment(
        conn: &mut DbConnection,
        a: &RoleAssignment,
    ) -> StorageResult<Option<PermissionSet>> {
        Ok(match a.role_scope() {
            None => builtin_role(a.role.as_str()).map(|r| r.permissions),
            Some(s) => Self::find(conn, &s, a.role.as_str())?.map(|r| r.value.permissions),
        })
    }

    /// Custom roles defined at exactly `scope`.
    pub fn list(conn: &mut DbConnection, scope: &Scope) -> StorageResult<Vec<Stamped<Role>>> {
        let (a, o, p) = scope_cols(scope);
        let rows: Vec<RoleRow> = roles::table
            .filter(
                roles::account
                    .eq(a)
                    .and(roles::org.eq(o))
                    .and(roles::project.eq(p)),
            )
            .order(roles::identifier)
            .select(RoleRow::as_select())
            .load(conn)?;
        rows.into_iter()
            .map(|row| {
                let perms = load_permissions(conn, &row)?;
                role_of(row, perms)
            })
            .collect()
    }

    /// Every custom role of the account holding `permission` (the split migration).
    pub fn holding(
        conn: &mut DbConnection,
        account: &str,
        permission: &str,
    ) -> StorageResult<Vec<Stamped<Role>>> {
        let keys: Vec<(String, String, String)> = role_permissions::table
            .filter(
                role_permissions::account
                    .eq(account)
                    .and(role_permissions::permission.eq(permission)),
            )
            .select((
                role_permissions::org,
                role_permissions::project,
                role_permissions::role_identifier,
            ))
            .load(conn)?;
        let mut out = Vec::new();
        for (org, project, identifier) in keys {
            let scope = scope_from(account, &org, &project)?;
            if let Some(r) = Self::find(conn, &scope, &identifier)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    pub fn delete(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        diesel::delete(
            role_permissions::table.filter(
                role_permissions::account
                    .eq(&a)
                    .and(role_permissions::org.eq(&o))
                    .and(role_permissions::project.eq(&p))
                    .and(role_permissions::role_identifier.eq(identifier)),
            ),
        )
        .execute(conn)?;
        Ok(diesel::delete(roles::table.find((a, o, p, identifier))).execute(conn)?)
    }
}
