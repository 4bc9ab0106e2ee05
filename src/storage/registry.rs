//! The resource registry (attributes of resources, for attribute filters) and the change
//! log replicas poll to drop cached attributes.

use diesel::prelude::*;

use super::columns::{from_json, scope_cols, to_json};
use super::error::StorageResult;
use super::pool::DbConnection;
use super::schema::{resource_changes as rc, resources as rs};
use super::Stamped;
use crate::policy::resource_group::Attributes;
use crate::policy::Scope;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rs)]
struct ResourceRow {
    account: String,
    org: String,
    project: String,
    resource_type: String,
    identifier: String,
    attributes: String,
    created: i64,
    updated: i64,
}

#[derive(Insertable)]
#[diesel(table_name = rc)]
struct NewChange {
    account: String,
    org: String,
    project: String,
    resource_type: String,
    identifier: String,
    at: i64,
}

/// A registry change seen by the poller.
#[derive(Queryable, Selectable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = rc)]
pub struct ResourceChange {
    pub seq: i64,
    pub account: String,
    pub org: String,
    pub project: String,
    pub resource_type: String,
    pub identifier: String,
    pub at: i64,
}

/// One registered resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredResource {
    pub resource_type: String,
    pub identifier: String,
    pub attributes: Attributes,
}

/// Repository of the resource registry.
pub struct Registry;

impl Registry {
    pub fn find(
        conn: &mut DbConnection,
        scope: &Scope,
        resource_type: &str,
        identifier: &str,
    ) -> StorageResult<Option<Stamped<RegisteredResource>>> {
        let (a, o, p) = scope_cols(scope);
        let row: Option<ResourceRow> = rs::table
            .find((a, o, p, resource_type, identifier))
            .select(ResourceRow::as_select())
            .first(conn)
            .optional()?;
        row.map(|r| {
            Ok(Stamped {
                value: RegisteredResource {
                    resource_type: r.resource_type,
                    identifier: r.identifier,
                    attributes: from_json(&r.attributes, "attributes")?,
                },
                created: r.created,
                updated: r.updated,
            })
        })
        .transpose()
    }

    /// Resources of one type at exactly `scope`.
    pub fn list(
        conn: &mut DbConnection,
        scope: &Scope,
        resource_type: &str,
    ) -> StorageResult<Vec<Stamped<RegisteredResource>>> {
        let (a, o, p) = scope_cols(scope);
        let rows: Vec<ResourceRow> = rs::table
            .filter(
                rs::account
                    .eq(a)
                    .and(rs::org.eq(o))
                    .and(rs::project.eq(p))
                    .and(rs::resource_type.eq(resource_type)),
            )
            .order(rs::identifier)
            .select(ResourceRow::as_select())
            .load(conn)?;
        rows.into_iter()
            .map(|r| {
                Ok(Stamped {
                    value: RegisteredResource {
                        resource_type: r.resource_type,
                        identifier: r.identifier,
                        attributes: from_json(&r.attributes, "attributes")?,
                    },
                    created: r.created,
                    updated: r.updated,
                })
            })
            .collect()
    }

    /// Inserts or replaces a resource's attributes and records the change.
    pub fn upsert(
        conn: &mut DbConnection,
        scope: &Scope,
        resource_type: &str,
        identifier: &str,
        attributes: &Attributes,
        now: i64,
    ) -> StorageResult<()> {
        let (a, o, p) = scope_cols(scope);
        let n = diesel::update(rs::table.find((&a, &o, &p, resource_type, identifier)))
            .set((rs::attributes.eq(to_json(attributes)), rs::updated.eq(now)))
            .execute(conn)?;
        if n == 0 {
            diesel::insert_into(rs::table)
                .values(ResourceRow {
                    account: a.clone(),
                    org: o.clone(),
                    project: p.clone(),
                    resource_type: resource_type.to_owned(),
                    identifier: identifier.to_owned(),
                    attributes: to_json(attributes),
                    created: now,
                    updated: now,
                })
                .execute(conn)?;
        }
        Self::record_change(conn, scope, resource_type, identifier, now)
    }

    pub fn delete(
        conn: &mut DbConnection,
        scope: &Scope,
        resource_type: &str,
        identifier: &str,
        now: i64,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(scope);
        let n =
            diesel::delete(rs::table.find((a, o, p, resource_type, identifier))).execute(conn)?;
        Self::record_change(conn, scope, resource_type, identifier, now)?;
        Ok(n)
    }

    fn record_change(
        conn: &mut DbConnection,
        scope: &Scope,
        resource_type: &str,
        identifier: &str,
        now: i64,
    ) -> StorageResult<()> {
        let (account, org, project) = scope_cols(scope);
        diesel::insert_into(rc::table)
            .values(NewChange {
                account,
                org,
                project,
                resource_type: resource_type.to_owned(),
                identifier: identifier.to_owned(),
                at: now,
            })
            .execute(conn)?;
        Ok(())
    }

    /// Changes after `seq`, oldest first.
    pub fn changes_since(conn: &mut DbConnection, seq: i64) -> StorageResult<Vec<ResourceChange>> {
        Ok(rc::table
            .filter(rc::seq.gt(seq))
            .order(rc::seq)
            .limit(10_000)
            .select(ResourceChange::as_select())
            .load(conn)?)
    }

    /// The newest change's sequence number (0 when none).
    pub fn last_seq(conn: &mut DbConnection) -> StorageResult<i64> {
        Ok(rc::table
            .select(diesel::dsl::max(rc::seq))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0))
    }

    /// Drops change rows older than `before` (they have been seen by every live replica).
    pub fn prune_changes(conn: &mut DbConnection, before: i64) -> StorageResult<usize> {
        Ok(diesel::delete(rc::table.filter(rc::at.lt(before))).execute(conn)?)
    }
}
