//! Custom resource groups. Included scopes and resource filters are small value lists kept
//! as JSON text in their row; built-in groups live in code (`policy::resource_group`).

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::columns::{
    from_json, ident, levels_from_text, levels_to_text, scope_cols, scope_from, tags_to_json,
    to_json,
};
use super::error::{StorageError, StorageResult};
use super::guard::{GroupEdit, Permit};
use super::pool::DbConnection;
use super::schema::resource_groups;
use super::Stamped;
use crate::policy::resource_group::{
    builtin_group, AttributeFilter, IncludedScope, ResourceFilter, ResourceGroup, ScopeFilter,
};
use crate::policy::Scope;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug)]
#[diesel(table_name = resource_groups)]
struct GroupRow {
    account: String,
    org: String,
    project: String,
    identifier: String,
    name: String,
    description: String,
    color: String,
    tags: String,
    included_scopes: String,
    resource_filters: String,
    include_all_resources: bool,
    allowed_scope_levels: String,
    created: i64,
    updated: i64,
}

#[derive(Serialize, Deserialize)]
struct StoredScope {
    filter: ScopeFilter,
    scope: String,
}

#[derive(Serialize, Deserialize)]
struct StoredFilter {
    resource_type: String,
    #[serde(default)]
    identifiers: Vec<String>,
    #[serde(default)]
    attribute_name: Option<String>,
    #[serde(default)]
    attribute_values: Vec<String>,
}

fn row_of(g: &ResourceGroup, created: i64, updated: i64) -> GroupRow {
    let (account, org, project) = scope_cols(&g.scope);
    let scopes: Vec<StoredScope> = g
        .included_scopes
        .iter()
        .map(|i| StoredScope {
            filter: i.filter,
            scope: i.scope.to_string(),
        })
        .collect();
    let filters: Vec<StoredFilter> = g
        .resource_filters
        .iter()
        .map(|f| StoredFilter {
            resource_type: f.resource_type.clone(),
            identifiers: f.identifiers.clone(),
            attribute_name: f.attribute.as_ref().map(|a| a.name.clone()),
            attribute_values: f
                .attribute
                .as_ref()
                .map(|a| a.values.clone())
                .unwrap_or_default(),
        })
        .collect();
    GroupRow {
        account,
        org,
        project,
        identifier: g.identifier.to_string(),
        name: g.name.clone(),
        description: g.description.clone(),
        color: g.color.clone(),
        tags: tags_to_json(&g.tags),
        included_scopes: to_json(&scopes),
        resource_filters: to_json(&filters),
        include_all_resources: g.include_all_resources,
        allowed_scope_levels: levels_to_text(g.allowed_scope_levels),
        created,
        updated,
    }
}

fn group_of(row: GroupRow) -> StorageResult<Stamped<ResourceGroup>> {
    let scopes: Vec<StoredScope> = from_json(&row.included_scopes, "included scopes")?;
    let filters: Vec<StoredFilter> = from_json(&row.resource_filters, "resource filters")?;
    let tags: BTreeMap<String, String> = from_json(&row.tags, "resource group tags")?;
    let included_scopes = scopes
        .into_iter()
        .map(|s| {
            Ok(IncludedScope {
                filter: s.filter,
                scope: Scope::parse(&s.scope).map_err(|e| StorageError::Corrupt(e.to_string()))?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    let resource_filters = filters
        .into_iter()
        .map(|f| ResourceFilter {
            resource_type: f.resource_type,
            identifiers: f.identifiers,
            attribute: f.attribute_name.map(|name| AttributeFilter {
                name,
                values: f.attribute_values,
            }),
        })
        .collect();
    Ok(Stamped {
        value: ResourceGroup {
            identifier: ident(&row.identifier)?,
            name: row.name,
            scope: scope_from(&row.account, &row.org, &row.project)?,
            included_scopes,
            resource_filters,
            include_all_resources: row.include_all_resources,
            allowed_scope_levels: levels_from_text(&row.allowed_scope_levels)?,
            managed: false,
            description: row.description,
            color: row.color,
            tags,
        },
        created: row.created,
        updated: row.updated,
    })
}

/// Repository of custom resource groups.
pub struct ResourceGroups;

impl ResourceGroups {
    pub fn find(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<Stamped<ResourceGroup>>> {
        let (a, o, p) = scope_cols(scope);
        let row = resource_groups::table
            .find((a, o, p, identifier))
            .select(GroupRow::as_select())
            .first(conn)
            .optional()?;
        row.map(group_of).transpose()
    }

    /// The group an assignment at `scope` uses: built-in, or custom at exactly `scope`.
    pub fn resolve(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<Option<ResourceGroup>> {
        if let Some(g) = builtin_group(identifier, scope) {
            return Ok(Some(g));
        }
        Ok(Self::find(conn, scope, identifier)?.map(|s| s.value))
    }

    pub fn insert(conn: &mut DbConnection, group: &ResourceGroup, now: i64) -> StorageResult<()> {
        diesel::insert_into(resource_groups::table)
            .values(row_of(group, now, now))
            .execute(conn)
            .map_err(|e| {
                StorageError::conflict_on_duplicate(e, || {
                    format!("resource group `{}` already exists", group.identifier)
                })
            })?;
        Ok(())
    }

    /// Replaces a custom group as the guard admitted; keeps `created`.
    pub fn update(
        conn: &mut DbConnection,
        permit: Permit<GroupEdit>,
        now: i64,
    ) -> StorageResult<()> {
        let edit = permit.write();
        let row = row_of(&edit.group, edit.created, now);
        diesel::update(resource_groups::table.find((
            &row.account,
            &row.org,
            &row.project,
            &row.identifier,
        )))
        .set(&row)
        .execute(conn)?;
        Ok(())
    }

    pub fn list(
        conn: &mut DbConnection,
        scope: &Scope,
    ) -> StorageResult<Vec<Stamped<ResourceGroup>>> {
        let (a, o, p) = scope_cols(scope);
        resource_groups::table
            .filter(
                resource_groups::account
                    .eq(a)
                    .and(resource_groups::org.eq(o))
                    .and(resource_groups::project.eq(p)),
            )
            .order(resource_groups::identifier)
            .select(GroupRow::as_select())
            .load(conn)?
            .into_iter()
            .map(group_of)
            .collect()
    }

    pub fn delete(
        conn: &mut DbConnection,
        scope: &Scope,
        identifier: &str,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        Ok(diesel::delete(resource_groups::table.find((a, o, p, identifier))).execute(conn)?)
    }
}
