//! Audit events: admin writes (in the writer's transaction) and gateway denies (batched).

use diesel::prelude::*;

use super::error::StorageResult;
use super::pool::DbConnection;
use super::schema::audit_events as ae;

/// A stored audit event.
#[derive(Queryable, Selectable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = ae)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub account: String,
    pub org: String,
    pub project: String,
    pub principal_type: String,
    pub principal_identifier: String,
    pub action: String,
    pub resource_type: String,
    pub resource_identifier: String,
    pub outcome: String,
    pub reason: String,
    pub request_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An event to record.
#[derive(Insertable, Clone, Debug, Default, PartialEq, Eq)]
#[diesel(table_name = ae)]
pub struct NewAuditEvent {
    pub at: i64,
    pub account: String,
    pub org: String,
    pub project: String,
    pub principal_type: String,
    pub principal_identifier: String,
    pub action: String,
    pub resource_type: String,
    pub resource_identifier: String,
    pub outcome: String,
    pub reason: String,
    pub request_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Filters of `GET /v1/audit-events` (all optional, combined with AND).
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub outcome: Option<String>,
    /// The request id the event was recorded under (`X-Request-Id`, the error body's
    /// `request_id`).
    pub request_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl NewAuditEvent {
    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::insert_into(ae::table).values(self).execute(conn)?;
        Ok(())
    }

    /// Writes a batch in one transaction-friendly statement per row.
    pub fn insert_all(conn: &mut DbConnection, events: &[NewAuditEvent]) -> StorageResult<()> {
        for e in events {
            e.insert(conn)?;
        }
        Ok(())
    }
}

impl AuditEvent {
    /// Newest first; returns the page and the total number of matching events.
    pub fn list(
        conn: &mut DbConnection,
        account: &str,
        f: &AuditFilter,
        page: i64,
        limit: i64,
    ) -> StorageResult<(Vec<AuditEvent>, i64)> {
        let query = || {
            let mut q = ae::table
                .filter(ae::account.eq(account.to_owned()))
                .into_boxed();
            if let Some(p) = &f.principal {
                q = q.filter(ae::principal_identifier.eq(p.clone()));
            }
            if let Some(a) = &f.action {
                q = q.filter(ae::action.eq(a.clone()));
            }
            if let Some(t) = &f.resource_type {
                q = q.filter(ae::resource_type.eq(t.clone()));
            }
            if let Some(o) = &f.outcome {
                q = q.filter(ae::outcome.eq(o.clone()));
            }
            if let Some(r) = &f.request_id {
                q = q.filter(ae::request_id.eq(r.clone()));
            }
            if let Some(from) = f.from {
                q = q.filter(ae::at.ge(from));
            }
            if let Some(to) = f.to {
                q = q.filter(ae::at.le(to));
            }
            q
        };
        let total: i64 = query().count().get_result(conn)?;
        let rows = query()
            .order(ae::id.desc())
            .offset(page.saturating_mul(limit))
            .limit(limit)
            .select(AuditEvent::as_select())
            .load(conn)?;
        Ok((rows, total))
    }
}
