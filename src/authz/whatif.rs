//! What-if (DESIGN §4.8): every decision-log row since a time, decided again through the
//! one decision path, and the flips (newly denied, newly allowed) with their request
//! counts. Run on an `Authz` whose database is a preview (a transaction holding the
//! previewed changes, rolled back afterwards), so the answer is the changed policy's and no
//! cache of the serving `Authz` moves.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::decide::Question;
use super::{Authz, AuthzError, CachedPolicy};
use crate::policy::permission::{catalogue, PermissionSet};
use crate::policy::resource_group::Attributes;
use crate::policy::role::{Principal, PrincipalType};
use crate::policy::Identifier;
use crate::storage::columns::{from_json, scope_from};
use crate::storage::decisions::{DecisionRow, Decisions};
use crate::storage::tokens::ApiToken;

/// Most entries each list of an answer carries.
pub const MAX_FLIPS: usize = 1000;

/// Requests whose outcome flips, grouped by principal, permission and resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flip {
    /// `USER:alice`.
    pub principal: String,
    pub permission: String,
    /// `SEI_TEAM/team-a in acme/eng/web`, or `SEI_TEAM in acme/eng/web` type-level.
    pub resource: String,
    pub requests: i64,
    pub last_seen: i64,
}

/// The answer of a preview.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WhatIf {
    /// Decision-log rows decided again.
    pub evaluated: usize,
    /// Requests they stand for.
    pub requests: i64,
    pub newly_denied: Vec<Flip>,
    pub newly_allowed: Vec<Flip>,
    /// A list was cut at [`MAX_FLIPS`].
    pub truncated: bool,
}

/// Whom a row's credential restricts, as it is now (`Err`: the credential is gone, so its
/// requests would be refused).
type Restriction = Result<Option<PermissionSet>, ()>;

impl Authz {
    /// Decides every row of `account` since `since` (epoch ms) again and reports the flips.
    pub async fn what_if(&self, account: &str, since: i64) -> Result<WhatIf, AuthzError> {
        let db = self.db.clone();
        let acct = account.to_owned();
        let rows =
            super::blocking(move || Ok(Decisions::since(&mut *db.conn()?, &acct, since)?)).await?;
        let mut policies: HashMap<Principal, Option<Arc<CachedPolicy>>> = HashMap::new();
        let mut credentials: HashMap<String, Restriction> = HashMap::new();
        let mut out = WhatIf::default();
        let mut denied: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
        let mut allowed: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
        for row in &rows {
            out.evaluated += 1;
            out.requests += row.count;
            let was = row.outcome == "allowed";
            let Some(now) = self
                .decide_again(row, &mut policies, &mut credentials)
                .await?
            else {
                continue;
            };
            if now == was {
                continue;
            }
            let key = (
                format!("{}:{}", row.principal_type, row.principal_identifier),
                row.permission.clone(),
                resource_text(row),
            );
            let into = if was { &mut denied } else { &mut allowed };
            let e = into.entry(key).or_insert((0, 0));
            e.0 += row.count;
            e.1 = e.1.max(row.last_seen);
        }
        out.newly_denied = sorted(denied, &mut out.truncated);
        out.newly_allowed = sorted(allowed, &mut out.truncated);
        Ok(out)
    }

    /// The row's decision under the policy as it is now; `None` for a row that names what
    /// the catalogue no longer has.
    async fn decide_again(
        &self,
        row: &DecisionRow,
        policies: &mut HashMap<Principal, Option<Arc<CachedPolicy>>>,
        credentials: &mut HashMap<String, Restriction>,
    ) -> Result<Option<bool>, AuthzError> {
        let c = catalogue();
        let (Some(permission), Some(principal), Ok(scope)) = (
            c.get(&row.permission),
            principal_of(row),
            scope_from(&row.account, &row.org, &row.project),
        ) else {
            return Ok(None);
        };
        if !policies.contains_key(&principal) {
            let loaded = match self.load_fresh(&principal).await {
                Ok(p) => Some(p),
                Err(AuthzError::UnknownPrincipal(_)) => None,
                Err(e) => return Err(e),
            };
            policies.insert(principal.clone(), loaded);
        }
        let Some(Some(policy)) = policies.get(&principal) else {
            return Ok(Some(false));
        };
        if !credentials.contains_key(&row.credential) {
            let r = self.restriction_of(&row.credential).await?;
            credentials.insert(row.credential.clone(), r);
        }
        let Some(Ok(restriction)) = credentials.get(&row.credential) else {
            return Ok(Some(false));
        };
        let given: Option<Attributes> = (!row.attributes.is_empty())
            .then(|| serde_json::from_str(&row.attributes).ok())
            .flatten();
        let question = Question {
            permission,
            scope: &scope,
            resource_type: &row.resource_type,
            identifier: (!row.resource_identifier.is_empty()).then_some(&*row.resource_identifier),
            given: given.as_ref(),
        };
        let decision = self
            .check(&policy.policy, restriction.as_ref(), &question)
            .await?;
        Ok(Some(decision.is_allowed()))
    }

    /// A stored credential's restriction as it is now.
    async fn restriction_of(&self, credential: &str) -> Result<Restriction, AuthzError> {
        if credential.is_empty() || credential == "jwt" {
            return Ok(Ok(None));
        }
        if let Some(scope) = credential.strip_prefix("jwt:") {
            let ids: Vec<String> = scope.split(' ').map(str::to_owned).collect();
            return Ok(catalogue().set_of(&ids).map(Some).map_err(|_| ()));
        }
        let Some(token_id) = credential.strip_prefix("token:") else {
            return Ok(Err(()));
        };
        let db = self.db.clone();
        let id = token_id.to_owned();
        let row = super::blocking(move || Ok(ApiToken::find_by_id(&mut *db.conn()?, &id)?)).await?;
        let Some(row) = row else { return Ok(Err(())) };
        Ok(match row.permissions.as_deref() {
            None => Ok(None),
            Some(json) => from_json::<Vec<String>>(json, "token permissions")
                .ok()
                .and_then(|ids| catalogue().set_of(&ids).ok())
                .map(Some)
                .ok_or(()),
        })
    }
}

fn principal_of(row: &DecisionRow) -> Option<Principal> {
    Some(Principal {
        principal_type: PrincipalType::parse(&row.principal_type).ok()?,
        identifier: Identifier::new(&row.principal_identifier).ok()?,
        scope: scope_from(&row.account, &row.principal_org, &row.principal_project).ok()?,
    })
}

fn resource_text(row: &DecisionRow) -> String {
    let scope = [&row.account, &row.org, &row.project]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("/");
    if row.resource_identifier.is_empty() {
        format!("{} in {scope}", row.resource_type)
    } else {
        format!(
            "{}/{} in {scope}",
            row.resource_type, row.resource_identifier
        )
    }
}

/// By requests, descending (ties by principal, permission, resource); at most
/// [`MAX_FLIPS`], noting a cut.
fn sorted(map: BTreeMap<(String, String, String), (i64, i64)>, truncated: &mut bool) -> Vec<Flip> {
    let mut list: Vec<Flip> = map
        .into_iter()
        .map(
            |((principal, permission, resource), (requests, last_seen))| Flip {
                principal,
                permission,
                resource,
                requests,
                last_seen,
            },
        )
        .collect();
    list.sort_by_key(|f| std::cmp::Reverse(f.requests));
    if list.len() > MAX_FLIPS {
        list.truncate(MAX_FLIPS);
        *truncated = true;
    }
    list
}
