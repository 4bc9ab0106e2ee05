//! Scopes (account ⊃ organization ⊃ project) and scope levels.
//!
//! A [`Scope`] is written `account`, `account/org` or `account/org/project`. Every entity
//! lives in exactly one scope; resources are usable from the scopes below theirs.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::PolicyError;
use super::ids::Identifier;

/// The three levels of the hierarchy, ordered from the top.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeLevel {
    Account,
    Organization,
    Project,
}

impl ScopeLevel {
    pub const ALL: [ScopeLevel; 3] = [Self::Account, Self::Organization, Self::Project];

    /// Accepts any case and the short form `org`.
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        match value.to_ascii_lowercase().as_str() {
            "account" => Ok(Self::Account),
            "organization" | "org" => Ok(Self::Organization),
            "project" => Ok(Self::Project),
            _ => Err(PolicyError::InvalidScopeLevel(value.to_owned())),
        }
    }

    /// Lower-case name used in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Organization => "organization",
            Self::Project => "project",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::Account => 1,
            Self::Organization => 2,
            Self::Project => 4,
        }
    }
}

impl fmt::Display for ScopeLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scope levels (where a permission is available, where a role may be used).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScopeLevels(u8);

impl ScopeLevels {
    pub const NONE: ScopeLevels = ScopeLevels(0);
    pub const ALL: ScopeLevels = ScopeLevels(7);

    pub fn of(levels: &[ScopeLevel]) -> Self {
        Self(levels.iter().fold(0, |acc, l| acc | l.bit()))
    }

    /// `level` and every level below it: what a role created at `level` may be used at.
    pub fn from_level_down(level: ScopeLevel) -> Self {
        Self::of(
            &ScopeLevel::ALL
                .into_iter()
                .filter(|l| *l >= level)
                .collect::<Vec<_>>(),
        )
    }

    pub fn contains(self, level: ScopeLevel) -> bool {
        self.0 & level.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = ScopeLevel> {
        ScopeLevel::ALL
            .into_iter()
            .filter(move |l| self.contains(*l))
    }

    pub fn to_vec(self) -> Vec<ScopeLevel> {
        self.iter().collect()
    }
}

impl fmt::Debug for ScopeLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for ScopeLevels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_vec().serialize(s)
    }
}

/// A place in the hierarchy. Invariant: `project` is only set when `org` is.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub account: Identifier,
    pub org: Option<Identifier>,
    pub project: Option<Identifier>,
}

impl Scope {
    pub fn account(account: Identifier) -> Self {
        Self {
            account,
            org: None,
            project: None,
        }
    }

    pub fn org(account: Identifier, org: Identifier) -> Self {
        Self {
            account,
            org: Some(org),
            project: None,
        }
    }

    pub fn project(account: Identifier, org: Identifier, project: Identifier) -> Self {
        Self {
            account,
            org: Some(org),
            project: Some(project),
        }
    }

    /// Builds a scope from optional parts, rejecting a project without an organization.
    pub fn from_parts(
        account: &str,
        org: Option<&str>,
        project: Option<&str>,
    ) -> Result<Self, PolicyError> {
        let account = Identifier::new(account)?;
        match (org, project) {
            (None, None) => Ok(Self::account(account)),
            (Some(o), None) => Ok(Self::org(account, Identifier::new(o)?)),
            (Some(o), Some(p)) => Ok(Self::project(
                account,
                Identifier::new(o)?,
                Identifier::new(p)?,
            )),
            (None, Some(p)) => Err(PolicyError::InvalidScope(format!("{account}//{p}"))),
        }
    }

    /// Parses `account`, `account/org` or `account/org/project`.
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        let parts: Vec<&str> = value.split('/').collect();
        let bad = || PolicyError::InvalidScope(value.to_owned());
        match parts.as_slice() {
            [a] => Self::from_parts(a, None, None),
            [a, o] => Self::from_parts(a, Some(o), None),
            [a, o, p] => Self::from_parts(a, Some(o), Some(p)),
            _ => Err(bad()),
        }
        .map_err(|_| bad())
    }

    pub fn level(&self) -> ScopeLevel {
        match (&self.org, &self.project) {
            (None, _) => ScopeLevel::Account,
            (Some(_), None) => ScopeLevel::Organization,
            (Some(_), Some(_)) => ScopeLevel::Project,
        }
    }

    /// The enclosing scope, `None` for an account.
    pub fn parent(&self) -> Option<Scope> {
        match self.level() {
            ScopeLevel::Account => None,
            ScopeLevel::Organization => Some(Scope::account(self.account.clone())),
            ScopeLevel::Project => Some(Scope {
                project: None,
                ..self.clone()
            }),
        }
    }

    /// This scope cut down to `level` (which must not lie below this scope's own level).
    pub fn at_level(&self, level: ScopeLevel) -> Option<Scope> {
        if level > self.level() {
            return None;
        }
        Some(match level {
            ScopeLevel::Account => Scope::account(self.account.clone()),
            ScopeLevel::Organization => Scope {
                project: None,
                ..self.clone()
            },
            ScopeLevel::Project => self.clone(),
        })
    }

    /// True when `self` is `other` or one of its ancestors.
    pub fn contains(&self, other: &Scope) -> bool {
        if !self.account.same(&other.account) {
            return false;
        }
        match (&self.org, &other.org) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) if !a.same(b) => false,
            _ => match (&self.project, &other.project) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => a.same(b),
            },
        }
    }

    /// True when `self` is a strict ancestor of `other`.
    pub fn strictly_contains(&self, other: &Scope) -> bool {
        self.level() < other.level() && self.contains(other)
    }

    /// Equality with pointer fast paths; the hot path compares scopes a lot.
    pub fn same(&self, other: &Scope) -> bool {
        self.level() == other.level() && self.contains(other)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.account.as_str())?;
        if let Some(o) = &self.org {
            write!(f, "/{o}")?;
        }
        if let Some(p) = &self.project {
            write!(f, "/{p}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({self})")
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Scope {
        Scope::parse(v).unwrap()
    }

    #[test]
    fn parse_and_display_round_trip() {
        for v in ["acme", "acme/eng", "acme/eng/web"] {
            assert_eq!(s(v).to_string(), v);
        }
        for bad in ["", "a/b/c/d", "a//c", "1a", "a/b c"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn containment_rules() {
        let cases = [
            ("acme", "acme", true),
            ("acme", "acme/eng", true),
            ("acme", "acme/eng/web", true),
            ("acme/eng", "acme/eng/web", true),
            ("acme/eng", "acme", false),
            ("acme/eng", "acme/sales", false),
            ("acme/eng/web", "acme/eng/api", false),
            ("acme/eng/web", "acme/eng", false),
            ("other", "acme/eng", false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(s(a).contains(&s(b)), expected, "{a} contains {b}");
        }
        assert!(s("acme").strictly_contains(&s("acme/eng")));
        assert!(!s("acme/eng").strictly_contains(&s("acme/eng")));
    }

    #[test]
    fn levels_and_parents() {
        assert_eq!(s("acme/eng/web").level(), ScopeLevel::Project);
        assert_eq!(s("acme/eng/web").parent(), Some(s("acme/eng")));
        assert_eq!(s("acme").parent(), None);
        assert_eq!(
            s("acme/eng/web").at_level(ScopeLevel::Account),
            Some(s("acme"))
        );
        assert_eq!(s("acme").at_level(ScopeLevel::Project), None);
        assert_eq!(ScopeLevel::parse("Org").unwrap(), ScopeLevel::Organization);
        assert_eq!(ScopeLevel::parse("ACCOUNT").unwrap(), ScopeLevel::Account);
        assert!(ScopeLevel::parse("team").is_err());
        assert_eq!(
            ScopeLevels::from_level_down(ScopeLevel::Organization).to_vec(),
            vec![ScopeLevel::Organization, ScopeLevel::Project]
        );
    }
}
