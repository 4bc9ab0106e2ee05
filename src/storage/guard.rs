//! The one no-escalation guard (DESIGN §4.4): every write that changes what some principal
//! may do is admitted here or not at all.
//!
//! [`admit`] works out what a write gives ([`Gives::gains`]: to whom, which permissions,
//! on what, at which scope), reading the stored policy on the write's own connection inside
//! its transaction, and compares that with what the writer holds within its credential's
//! restriction (the engine's [`first_lack`]). It hands back a [`Permit`] wrapping exactly the
//! write it checked; the storage functions that make such writes take the permit by value
//! (lldap's capability pattern), so a write path that skips the guard does not compile.
//! [`Permit::system`] exists for writes no principal makes (bootstrap, the demo seed, test
//! fixtures); no admin-API handler may call it (`tests/it/layers.rs` checks).
//!
//! May import policy and the rest of storage; never a higher layer.

mod writes;

pub use writes::{
    EnableAssignment, EnablePrincipal, GroupEdit, HomeOrg, Members, NewAssignment, NewRole,
    PasswordSet, RoleEdit, SplitMove, TokenGrant,
};

use super::error::{StorageError, StorageResult};
use super::pool::DbConnection;
use crate::policy::engine::{first_lack, Gain, PrincipalPolicy};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::role::Principal;

/// Who writes: the principal, its compiled policy and its credential's restriction.
#[derive(Clone, Copy, Debug)]
pub struct Writer<'a> {
    pub principal: &'a Principal,
    pub policy: &'a PrincipalPolicy,
    pub restriction: Option<&'a PermissionSet>,
}

/// Proof that a write passed the guard, wrapping the write it was issued for.
#[must_use = "a permit exists to be handed to the storage write it admits"]
#[derive(Debug)]
pub struct Permit<W> {
    write: W,
}

impl<W> Permit<W> {
    /// The admitted write.
    pub fn write(&self) -> &W {
        &self.write
    }

    /// Consumes the permit for the write.
    pub fn into_write(self) -> W {
        self.write
    }

    /// A permit for a write that scopegate makes itself (bootstrap, the demo's seed, test
    /// fixtures), which no principal's grants limit. Never for an admin-API write.
    pub fn system(write: W) -> Self {
        Self { write }
    }
}

/// A write that can change what some principal may do.
pub trait Gives {
    /// What the write gives, worked out from the stored policy on the write's connection.
    fn gains(&self, conn: &mut DbConnection, writer: &Writer) -> StorageResult<Vec<Gain>>;
}

/// Admits `write` when it gives nothing the writer lacks; otherwise
/// [`StorageError::Escalation`] naming the first permission and resource lacked.
pub fn admit<W: Gives>(
    conn: &mut DbConnection,
    writer: &Writer,
    write: W,
) -> StorageResult<Permit<W>> {
    let gains = write.gains(conn, writer)?;
    match first_lack(writer.policy, writer.restriction, &gains) {
        None => Ok(Permit { write }),
        Some(lack) => Err(StorageError::Escalation {
            writer: writer.principal.to_string(),
            permission: catalogue().permission(lack.permission).identifier.clone(),
            resource: lack.target,
        }),
    }
}
