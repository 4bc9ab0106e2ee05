//! Staged create/edit permission splits (seed 001).
//!
//! Per account and split pair: `off` (create is satisfied by edit), `migration` (roles with
//! edit gain create; create is still satisfied by edit), `enforced` (independent). Phases
//! move forward only.

use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;

use super::error::PolicyError;
use super::permission::{catalogue, PermissionId, PermissionSet};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitPhase {
    #[default]
    Off,
    Migration,
    Enforced,
}

impl SplitPhase {
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        match value.to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "migration" => Ok(Self::Migration),
            "enforced" => Ok(Self::Enforced),
            _ => Err(PolicyError::InvalidSplitPhase(value.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Migration => "migration",
            Self::Enforced => "enforced",
        }
    }

    /// Moving from `self` to `next` is allowed (forward or staying put).
    pub fn can_move_to(self, next: SplitPhase) -> bool {
        next >= self
    }
}

impl fmt::Display for SplitPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A create/edit pair over one resource type.
#[derive(Debug)]
pub struct SplitPair {
    pub resource_type: &'static str,
    pub edit: PermissionId,
    pub create: PermissionId,
}

const PAIRS: [(&str, &str, &str); 3] = [
    ("PIPELINE", "core_pipeline_edit", "core_pipeline_create"),
    ("TEMPLATE", "core_template_edit", "core_template_create"),
    ("SECRET", "core_secret_edit", "core_secret_create"),
];

static SPLIT_PAIRS: LazyLock<Vec<SplitPair>> = LazyLock::new(|| {
    let c = catalogue();
    PAIRS
        .iter()
        .map(|(ty, edit, create)| SplitPair {
            resource_type: ty,
            edit: c
                .get(edit)
                .expect("split edit permission in catalogue (unit-tested)"),
            create: c
                .get(create)
                .expect("split create permission in catalogue (unit-tested)"),
        })
        .collect()
});

/// The split pairs scopegate knows.
pub fn split_pairs() -> &'static [SplitPair] {
    &SPLIT_PAIRS
}

/// Index of the pair for a resource type.
pub fn pair_index(resource_type: &str) -> Result<usize, PolicyError> {
    split_pairs()
        .iter()
        .position(|p| p.resource_type.eq_ignore_ascii_case(resource_type))
        .ok_or_else(|| PolicyError::UnknownSplit(resource_type.to_owned()))
}

/// One account's phases, one per pair.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SplitPhases([SplitPhase; PAIRS.len()]);

impl SplitPhases {
    pub fn get(&self, pair: usize) -> SplitPhase {
        self.0[pair]
    }

    pub fn set(&mut self, pair: usize, phase: SplitPhase) {
        self.0[pair] = phase;
    }

    /// When `permission` is the create half of a pair that is not enforced, the edit half
    /// also satisfies a check for it.
    #[inline]
    pub fn create_alternative(&self, permission: PermissionId) -> Option<PermissionId> {
        split_pairs()
            .iter()
            .enumerate()
            .find(|(_, p)| p.create == permission)
            .filter(|(i, _)| self.0[*i] != SplitPhase::Enforced)
            .map(|(_, p)| p.edit)
    }
}

/// Adds the missing half of every pair of which `set` holds one half (built-in roles).
pub fn complete_pairs(set: &PermissionSet) -> PermissionSet {
    let mut out = *set;
    for p in split_pairs() {
        if set.contains(p.edit) || set.contains(p.create) {
            out.insert(p.edit);
            out.insert(p.create);
        }
    }
    out
}

/// Adds create to a set holding edit, for the pair `pair` (the migration phase).
pub fn add_create_for_edit(set: &PermissionSet, pair: usize) -> PermissionSet {
    let p = &split_pairs()[pair];
    let mut out = *set;
    if set.contains(p.edit) {
        out.insert(p.create);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_move_forward_only() {
        use SplitPhase::*;
        let rows = [
            (Off, Migration, true),
            (Migration, Enforced, true),
            (Off, Enforced, true),
            (Enforced, Migration, false),
            (Migration, Off, false),
            (Enforced, Enforced, true),
        ];
        for (from, to, ok) in rows {
            assert_eq!(from.can_move_to(to), ok, "{from} -> {to}");
        }
        assert_eq!(SplitPhase::parse("MIGRATION").unwrap(), Migration);
        assert!(SplitPhase::parse("on").is_err());
    }

    #[test]
    fn create_is_satisfied_by_edit_until_enforced() {
        let c = catalogue();
        let create = c.get("core_pipeline_create").unwrap();
        let edit = c.get("core_pipeline_edit").unwrap();
        let pair = pair_index("pipeline").unwrap();
        let mut phases = SplitPhases::default();
        assert_eq!(phases.create_alternative(create), Some(edit));
        phases.set(pair, SplitPhase::Migration);
        assert_eq!(phases.create_alternative(create), Some(edit));
        phases.set(pair, SplitPhase::Enforced);
        assert_eq!(phases.create_alternative(create), None);
        assert_eq!(phases.create_alternative(edit), None);
    }

    #[test]
    fn pairs_complete_and_migrate() {
        let c = catalogue();
        let only_edit = c.set_of(&["core_secret_edit"]).unwrap();
        let both = c
            .set_of(&["core_secret_edit", "core_secret_create"])
            .unwrap();
        assert_eq!(complete_pairs(&only_edit), both);
        assert_eq!(
            add_create_for_edit(&only_edit, pair_index("SECRET").unwrap()),
            both
        );
        assert_eq!(
            add_create_for_edit(&only_edit, pair_index("PIPELINE").unwrap()),
            only_edit
        );
    }
}
