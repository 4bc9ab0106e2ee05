//! The permission catalogue (shipped data, `static/permissions.toml`) and permission sets.
//!
//! The catalogue is embedded at build time and parsed once. Each permission gets a dense
//! [`PermissionId`]; a [`PermissionSet`] is a fixed 512-bit set over those ids, so role and
//! token permission sets are `Copy` and a membership test is one shift and mask.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::error::PolicyError;
use super::scope::{ScopeLevel, ScopeLevels};

const CATALOGUE_TOML: &str = include_str!("../../static/permissions.toml");
const WORDS: usize = 8;
/// Upper bound on the catalogue size; a unit test keeps the shipped file below it.
pub const MAX_PERMISSIONS: usize = WORDS * 64;

/// Index of a permission in the catalogue.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct PermissionId(u16);

impl PermissionId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The module a permission belongs to decides special rules (portal ownership).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Module {
    Core,
    Sei,
    Portal,
    Other,
}

/// One catalogue entry.
#[derive(Debug, Clone)]
pub struct Permission {
    pub id: PermissionId,
    pub identifier: String,
    pub name: String,
    pub module: Module,
    pub module_name: String,
    pub resource_type: String,
    pub action: String,
    pub scopes: ScopeLevels,
    pub status: String,
    pub description: String,
}

impl Permission {
    /// `view` and `*_READ` permissions allow listing a type (decision rule 8).
    pub fn is_list_action(&self) -> bool {
        self.action == "view" || self.action == "read"
    }

    pub fn available_at(&self, level: ScopeLevel) -> bool {
        self.scopes.contains(level)
    }
}

#[derive(Deserialize)]
struct RawCatalogue {
    permission: Vec<RawPermission>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPermission {
    identifier: String,
    name: String,
    module: String,
    resource_type: String,
    action: String,
    scopes: Vec<String>,
    status: String,
    description: String,
}

/// All permissions scopegate knows, with lookups by identifier and resource type.
pub struct Catalogue {
    permissions: Vec<Permission>,
    by_identifier: HashMap<String, PermissionId>,
    resource_types: Vec<String>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::parse(CATALOGUE_TOML).expect("static/permissions.toml is valid (unit-tested)")
});

/// The shipped catalogue.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

impl Catalogue {
    /// Parses catalogue TOML; public for tests of the shipped data.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.permission.len() > MAX_PERMISSIONS {
            return Err(format!(
                "{} permissions exceed {MAX_PERMISSIONS}",
                raw.permission.len()
            ));
        }
        let mut permissions = Vec::with_capacity(raw.permission.len());
        let mut by_identifier = HashMap::new();
        for (i, p) in raw.permission.into_iter().enumerate() {
            let id = PermissionId(i as u16);
            if by_identifier.insert(p.identifier.clone(), id).is_some() {
                return Err(format!("duplicate permission `{}`", p.identifier));
            }
            let levels = p
                .scopes
                .iter()
                .map(|s| ScopeLevel::parse(s).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            let module = match p.module.as_str() {
                "core" => Module::Core,
                "sei" => Module::Sei,
                "portal" => Module::Portal,
                _ => Module::Other,
            };
            permissions.push(Permission {
                id,
                identifier: p.identifier,
                name: p.name,
                module,
                module_name: p.module,
                resource_type: p.resource_type,
                action: p.action,
                scopes: ScopeLevels::of(&levels),
                status: p.status,
                description: p.description,
            });
        }
        let mut resource_types: Vec<String> = permissions
            .iter()
            .map(|p| p.resource_type.clone())
            .collect();
        resource_types.sort();
        resource_types.dedup();
        Ok(Self {
            permissions,
            by_identifier,
            resource_types,
        })
    }

    pub fn get(&self, identifier: &str) -> Option<PermissionId> {
        self.by_identifier.get(identifier).copied()
    }

    /// Looks up an identifier or fails with a typed error naming it.
    pub fn require(&self, identifier: &str) -> Result<PermissionId, PolicyError> {
        self.get(identifier)
            .ok_or_else(|| PolicyError::UnknownPermission(identifier.to_owned()))
    }

    pub fn permission(&self, id: PermissionId) -> &Permission {
        &self.permissions[id.index()]
    }

    pub fn all(&self) -> &[Permission] {
        &self.permissions
    }

    pub fn len(&self) -> usize {
        self.permissions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.permissions.is_empty()
    }

    pub fn resource_types(&self) -> &[String] {
        &self.resource_types
    }

    pub fn has_resource_type(&self, resource_type: &str) -> bool {
        self.resource_types
            .binary_search_by(|t| t.as_str().cmp(resource_type))
            .is_ok()
    }

    /// The permission `<module>_<resource>_<action>` sharing `id`'s prefix with another action.
    pub fn sibling(&self, id: PermissionId, action: &str) -> Option<PermissionId> {
        let identifier = &self.permission(id).identifier;
        let (prefix, _) = identifier.rsplit_once('_')?;
        self.get(&format!("{prefix}_{action}"))
    }

    /// Parses a list of identifiers into a set, failing on the first unknown one.
    pub fn set_of<S: AsRef<str>>(&self, identifiers: &[S]) -> Result<PermissionSet, PolicyError> {
        let mut set = PermissionSet::EMPTY;
        for i in identifiers {
            set.insert(self.require(i.as_ref())?);
        }
        Ok(set)
    }

    /// Identifiers of a set, in catalogue order.
    pub fn identifiers(&self, set: &PermissionSet) -> Vec<String> {
        set.iter()
            .map(|id| self.permission(id).identifier.clone())
            .collect()
    }
}

/// A set of catalogue permissions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet([u64; WORDS]);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet([0; WORDS]);

    /// Every permission of the catalogue.
    pub fn all() -> Self {
        let mut set = Self::EMPTY;
        for p in catalogue().all() {
            set.insert(p.id);
        }
        set
    }

    pub fn insert(&mut self, id: PermissionId) {
        self.0[id.index() / 64] |= 1 << (id.index() % 64);
    }

    pub fn remove(&mut self, id: PermissionId) {
        self.0[id.index() / 64] &= !(1 << (id.index() % 64));
    }

    #[inline]
    pub fn contains(&self, id: PermissionId) -> bool {
        self.0[id.index() / 64] & (1 << (id.index() % 64)) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn union(&self, other: &PermissionSet) -> PermissionSet {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(other.0.iter()) {
            *a |= b;
        }
        out
    }

    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(other.0.iter()) {
            *a &= b;
        }
        out
    }

    pub fn difference(&self, other: &PermissionSet) -> PermissionSet {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(other.0.iter()) {
            *a &= !b;
        }
        out
    }

    pub fn is_subset(&self, other: &PermissionSet) -> bool {
        self.0.iter().zip(other.0.iter()).all(|(a, b)| a & !b == 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = PermissionId> + '_ {
        (0..MAX_PERMISSIONS)
            .filter(|i| self.0[i / 64] & (1 << (i % 64)) != 0)
            .map(|i| PermissionId(i as u16))
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = catalogue();
        f.debug_set()
            .entries(self.iter().map(|id| &c.permission(id).identifier))
            .finish()
    }
}

impl Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Permission", 7)?;
        st.serialize_field("identifier", &self.identifier)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("resource_type", &self.resource_type)?;
        st.serialize_field("action", &self.action)?;
        st.serialize_field("allowed_scope_levels", &self.scopes)?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("description", &self.description)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue_parses_and_fits() {
        let c = catalogue();
        assert!(
            c.len() > 200 && c.len() <= MAX_PERMISSIONS,
            "{} permissions",
            c.len()
        );
        for p in c.all() {
            assert!(!p.scopes.is_empty(), "{} has no scope level", p.identifier);
            assert!(
                !p.resource_type.is_empty() && p.resource_type == p.resource_type.to_uppercase()
            );
        }
    }

    #[test]
    fn scope_levels_follow_seed_000() {
        let c = catalogue();
        let levels = |id: &str| c.permission(c.get(id).unwrap()).scopes.to_vec();
        use ScopeLevel::*;
        let cases: &[(&str, &[ScopeLevel])] = &[
            ("core_account_view", &[Account]),
            ("core_account_edit", &[Account]),
            ("core_setting_view", &[Account, Organization, Project]),
            ("core_dashboards_view", &[Account, Organization]),
            ("core_organization_create", &[Account, Organization]),
            ("core_serviceaccount_view", &[Account]),
            (
                "core_serviceaccount_manageapikey",
                &[Account, Organization, Project],
            ),
            ("core_secret_view", &[Account]),
            ("core_secret_edit", &[Account, Organization, Project]),
            ("core_secret_create", &[Account, Organization, Project]),
            ("ccm_perspective_view", &[Account]),
            ("core_authsetting_view", &[Account]),
            ("API_READ", &[Account, Organization]),
            ("CROSS_ORGANIZATION_ACCESS", &[Account, Organization]),
            ("sei_seiteams_edit", &[Project]),
            ("sei_seiprofiles_view", &[Account, Project]),
            ("sei_seiprofiles_edit", &[Account]),
            ("sei_seiintegrations_view", &[Account, Project]),
        ];
        for (id, expected) in cases {
            assert_eq!(levels(id), expected.to_vec(), "{id}");
        }
    }

    #[test]
    fn portal_types_follow_design() {
        let c = catalogue();
        let ty = |id: &str| c.permission(c.get(id).unwrap()).resource_type.clone();
        assert_eq!(ty("API_READ"), "API");
        assert_eq!(ty("APPLICATION_WRITE"), "APPLICATION");
        assert_eq!(ty("METRICS_READ"), "METRICS");
        assert_eq!(
            c.permission(c.get("API_READ").unwrap()).module,
            Module::Portal
        );
    }

    #[test]
    fn set_operations() {
        let c = catalogue();
        let a = c.set_of(&["core_role_view", "core_role_edit"]).unwrap();
        let b = c.set_of(&["core_role_edit"]).unwrap();
        assert!(b.is_subset(&a) && !a.is_subset(&b));
        assert_eq!(a.intersection(&b), b);
        assert_eq!(a.difference(&b).len(), 1);
        assert_eq!(a.union(&b), a);
        assert!(matches!(
            c.set_of(&["nope"]),
            Err(PolicyError::UnknownPermission(_))
        ));
        assert_eq!(PermissionSet::all().len(), c.len());
    }
}
