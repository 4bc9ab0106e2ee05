//! API tokens: one row per issued value, found by the server-generated token id. Only a
//! digest of the secret is stored (`sha256$<hex>`; older releases wrote argon2id PHC
//! strings, which authentication re-stores as digests); `Debug` never prints it. Must never
//! hold or log a secret itself.

use diesel::prelude::*;

use super::columns::scope_cols;
use super::error::{StorageError, StorageResult};
use super::pool::DbConnection;
use super::schema::api_tokens as t;
use crate::policy::role::PrincipalType;
use crate::policy::Scope;

#[derive(Queryable, Selectable, Insertable, Clone, PartialEq, Eq)]
#[diesel(table_name = t)]
pub struct ApiToken {
    /// Server-generated, part of the token value, changes on rotation.
    pub token_id: String,
    pub account: String,
    pub owner_type: String,
    pub owner_org: String,
    pub owner_project: String,
    pub owner_identifier: String,
    /// The identifier given at creation; stays the same across rotations.
    pub identifier: String,
    pub name: String,
    pub secret_hash: String,
    /// JSON array of permission identifiers, when the token carries a subset.
    pub permissions: Option<String>,
    pub valid_to: Option<i64>,
    /// Set on a value replaced by rotation: it works until then.
    pub grace_until: Option<i64>,
    /// Who issued it (`USER:alice`); differs from the owner for impersonation.
    pub issued_by: String,
    pub created: i64,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("token_id", &self.token_id)
            .field("account", &self.account)
            .field(
                "owner",
                &format_args!("{}:{}", self.owner_type, self.owner_identifier),
            )
            .field("identifier", &self.identifier)
            .field("secret_hash", &"<redacted>")
            .field("valid_to", &self.valid_to)
            .field("grace_until", &self.grace_until)
            .finish()
    }
}

impl ApiToken {
    pub fn owner_type(&self) -> StorageResult<PrincipalType> {
        PrincipalType::parse(&self.owner_type).map_err(|e| StorageError::Corrupt(e.to_string()))
    }

    pub fn find_by_id(conn: &mut DbConnection, token_id: &str) -> StorageResult<Option<ApiToken>> {
        Ok(t::table
            .find(token_id)
            .select(ApiToken::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn insert(&self, conn: &mut DbConnection) -> StorageResult<()> {
        diesel::insert_into(t::table).values(self).execute(conn)?;
        Ok(())
    }

    /// The rows (current value first, then values in their grace time) of one logical token.
    pub fn find_logical(
        conn: &mut DbConnection,
        owner_type: PrincipalType,
        owner_scope: &Scope,
        owner: &str,
        identifier: &str,
    ) -> StorageResult<Vec<ApiToken>> {
        let (a, o, p) = scope_cols(owner_scope);
        let mut rows: Vec<ApiToken> = t::table
            .filter(
                t::account
                    .eq(a)
                    .and(t::owner_type.eq(owner_type.as_str()))
                    .and(t::owner_org.eq(o))
                    .and(t::owner_project.eq(p))
                    .and(t::owner_identifier.eq(owner))
                    .and(t::identifier.eq(identifier)),
            )
            .select(ApiToken::as_select())
            .load(conn)?;
        rows.sort_by_key(|r| (r.grace_until.is_some(), -r.created));
        Ok(rows)
    }

    /// Current tokens (not superseded) of one owner.
    pub fn list_for_owner(
        conn: &mut DbConnection,
        owner_type: PrincipalType,
        owner_scope: &Scope,
        owner: &str,
    ) -> StorageResult<Vec<ApiToken>> {
        let (a, o, p) = scope_cols(owner_scope);
        Ok(t::table
            .filter(
                t::account
                    .eq(a)
                    .and(t::owner_type.eq(owner_type.as_str()))
                    .and(t::owner_org.eq(o))
                    .and(t::owner_project.eq(p))
                    .and(t::owner_identifier.eq(owner))
                    .and(t::grace_until.is_null()),
            )
            .order(t::identifier)
            .select(ApiToken::as_select())
            .load(conn)?)
    }

    /// Replaces the stored hash of one value when it still is `old` (compare-and-set, so
    /// a concurrent rotation or re-store is never overwritten); true when a row changed.
    pub fn replace_secret_hash(
        conn: &mut DbConnection,
        token_id: &str,
        old: &str,
        new: &str,
    ) -> StorageResult<bool> {
        let changed =
            diesel::update(t::table.filter(t::token_id.eq(token_id).and(t::secret_hash.eq(old))))
                .set(t::secret_hash.eq(new))
                .execute(conn)?;
        Ok(changed > 0)
    }

    /// Marks a value as superseded: it keeps working until `until`.
    pub fn supersede(conn: &mut DbConnection, token_id: &str, until: i64) -> StorageResult<()> {
        diesel::update(t::table.find(token_id))
            .set(t::grace_until.eq(Some(until)))
            .execute(conn)?;
        Ok(())
    }

    /// Deletes the values that were rotated out and whose grace time ended before `now`
    /// (they no longer authenticate; this only keeps the table small).
    pub fn delete_superseded(conn: &mut DbConnection, now: i64) -> StorageResult<usize> {
        Ok(diesel::delete(t::table.filter(t::grace_until.lt(now))).execute(conn)?)
    }

    /// Deletes every value of one logical token (revocation).
    pub fn delete_logical(
        conn: &mut DbConnection,
        owner_type: PrincipalType,
        owner_scope: &Scope,
        owner: &str,
        identifier: &str,
    ) -> StorageResult<usize> {
        let ids: Vec<String> =
            Self::find_logical(conn, owner_type, owner_scope, owner, identifier)?
                .into_iter()
                .map(|r| r.token_id)
                .collect();
        Ok(diesel::delete(t::table.filter(t::token_id.eq_any(ids))).execute(conn)?)
    }

    /// Deletes all tokens of an owner (the owner is being deleted).
    pub fn delete_for_owner(
        conn: &mut DbConnection,
        owner_type: PrincipalType,
        owner_scope: &Scope,
        owner: &str,
    ) -> StorageResult<usize> {
        let (a, o, p) = scope_cols(owner_scope);
        Ok(diesel::delete(
            t::table.filter(
                t::account
                    .eq(a)
                    .and(t::owner_type.eq(owner_type.as_str()))
                    .and(t::owner_org.eq(o))
                    .and(t::owner_project.eq(p))
                    .and(t::owner_identifier.eq(owner)),
            ),
        )
        .execute(conn)?)
    }
}
