//! Resource groups: which scopes and which resources an assignment reaches.
//!
//! A group includes scopes (with or without their children) and selects resources by type,
//! by identifier, by attribute, or all. Selection is pure and allocation-free.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::PolicyError;
use super::ids::Identifier;
use super::permission::catalogue;
use super::scope::{Scope, ScopeLevel, ScopeLevels};

/// Attribute values of one resource (`team = "bravo"`).
pub type Attributes = BTreeMap<String, String>;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScopeFilter {
    IncludingChildScopes,
    ExcludingChildScopes,
}

impl ScopeFilter {
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        match value.to_ascii_uppercase().as_str() {
            "INCLUDING_CHILD_SCOPES" => Ok(Self::IncludingChildScopes),
            "EXCLUDING_CHILD_SCOPES" => Ok(Self::ExcludingChildScopes),
            _ => Err(PolicyError::InvalidScopeFilter(value.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncludingChildScopes => "INCLUDING_CHILD_SCOPES",
            Self::ExcludingChildScopes => "EXCLUDING_CHILD_SCOPES",
        }
    }
}

/// One `included_scope` entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IncludedScope {
    pub filter: ScopeFilter,
    pub scope: Scope,
}

impl IncludedScope {
    /// Does this entry reach resources living at `scope`?
    pub fn covers(&self, scope: &Scope) -> bool {
        match self.filter {
            ScopeFilter::ExcludingChildScopes => self.scope.same(scope),
            ScopeFilter::IncludingChildScopes => self.scope.contains(scope),
        }
    }

    /// Does this entry reach everything `other` reaches?
    pub fn covers_entry(&self, other: &IncludedScope) -> bool {
        match (self.filter, other.filter) {
            (ScopeFilter::IncludingChildScopes, _) => self.scope.contains(&other.scope),
            (ScopeFilter::ExcludingChildScopes, ScopeFilter::ExcludingChildScopes) => {
                self.scope.same(&other.scope)
            }
            (ScopeFilter::ExcludingChildScopes, ScopeFilter::IncludingChildScopes) => false,
        }
    }

    /// Scope levels this entry reaches.
    pub fn levels(&self) -> ScopeLevels {
        match self.filter {
            ScopeFilter::ExcludingChildScopes => ScopeLevels::of(&[self.scope.level()]),
            ScopeFilter::IncludingChildScopes => ScopeLevels::from_level_down(self.scope.level()),
        }
    }
}

/// An attribute condition: the resource's attribute `name` has one of `values`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AttributeFilter {
    pub name: String,
    pub values: Vec<String>,
}

impl AttributeFilter {
    pub fn matches(&self, attributes: &Attributes) -> bool {
        attributes
            .get(&self.name)
            .is_some_and(|v| self.values.iter().any(|x| x == v))
    }
}

/// One `resource_filter` entry. Neither identifiers nor attribute: every resource of the type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResourceFilter {
    pub resource_type: String,
    pub identifiers: Vec<String>,
    pub attribute: Option<AttributeFilter>,
}

impl ResourceFilter {
    /// Selects every resource of its type.
    pub fn is_type_wide(&self) -> bool {
        self.identifiers.is_empty() && self.attribute.is_none()
    }

    /// Matches one concrete resource (both conditions when both are given).
    pub fn matches(&self, identifier: &str, attributes: &Attributes) -> bool {
        (self.identifiers.is_empty() || self.identifiers.iter().any(|i| i == identifier))
            && self
                .attribute
                .as_ref()
                .is_none_or(|a| a.matches(attributes))
    }

    /// Everything `other` selects is selected by `self` (conservative: may say no).
    pub fn covers(&self, other: &ResourceFilter) -> bool {
        if self.resource_type != other.resource_type {
            return false;
        }
        let ids_ok = self.identifiers.is_empty()
            || (!other.identifiers.is_empty()
                && other
                    .identifiers
                    .iter()
                    .all(|i| self.identifiers.contains(i)));
        let attr_ok = match (&self.attribute, &other.attribute) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a.name == b.name && b.values.iter().all(|v| a.values.contains(v)),
        };
        ids_ok && attr_ok
    }
}

/// A resource group with its selection rules.
#[derive(Clone, PartialEq, Debug)]
pub struct ResourceGroup {
    pub identifier: Identifier,
    pub name: String,
    /// Where the group is defined (for a built-in: the scope it is used at).
    pub scope: Scope,
    pub included_scopes: Vec<IncludedScope>,
    pub resource_filters: Vec<ResourceFilter>,
    pub include_all_resources: bool,
    pub allowed_scope_levels: ScopeLevels,
    pub managed: bool,
    pub description: String,
    pub color: String,
    pub tags: BTreeMap<String, String>,
}

impl ResourceGroup {
    /// Checks the group's invariants (section 1 "Resource groups").
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.include_all_resources && !self.resource_filters.is_empty() {
            return Err(PolicyError::AllResourcesWithFilters);
        }
        for inc in &self.included_scopes {
            if !self.scope.account.same(&inc.scope.account) {
                return Err(PolicyError::IncludedScopeOtherAccount(
                    inc.scope.to_string(),
                ));
            }
            if !self.scope.contains(&inc.scope) {
                return Err(PolicyError::IncludedScopeOutside {
                    included: inc.scope.to_string(),
                    group: self.scope.to_string(),
                });
            }
        }
        for f in &self.resource_filters {
            if !catalogue().has_resource_type(&f.resource_type) {
                return Err(PolicyError::UnknownResourceType(f.resource_type.clone()));
            }
            if let Some(a) = &f.attribute {
                if a.name.is_empty() || a.values.is_empty() {
                    return Err(PolicyError::IncompleteAttributeFilter(
                        f.resource_type.clone(),
                    ));
                }
            }
            for id in &f.identifiers {
                Identifier::new(id)?;
            }
        }
        Ok(())
    }

    /// Some included scope reaches `scope`.
    pub fn covers_scope(&self, scope: &Scope) -> bool {
        self.included_scopes.iter().any(|i| i.covers(scope))
    }

    /// Selects one concrete resource at a scope the group covers.
    pub fn selects(
        &self,
        scope: &Scope,
        resource_type: &str,
        id: &str,
        attrs: &Attributes,
    ) -> bool {
        self.covers_scope(scope)
            && (self.include_all_resources
                || self
                    .resource_filters
                    .iter()
                    .any(|f| f.resource_type == resource_type && f.matches(id, attrs)))
    }

    /// Selects every resource of a type at `scope` (what a create needs).
    pub fn selects_all_of_type(&self, scope: &Scope, resource_type: &str) -> bool {
        self.covers_scope(scope)
            && (self.include_all_resources
                || self
                    .resource_filters
                    .iter()
                    .any(|f| f.resource_type == resource_type && f.is_type_wide()))
    }

    /// Selects at least some resources of a type at `scope` (what a list needs).
    pub fn touches_type(&self, scope: &Scope, resource_type: &str) -> bool {
        self.covers_scope(scope)
            && (self.include_all_resources
                || self
                    .resource_filters
                    .iter()
                    .any(|f| f.resource_type == resource_type))
    }

    /// Grants nothing: no scope, or no resources.
    pub fn is_empty(&self) -> bool {
        self.included_scopes.is_empty()
            || (!self.include_all_resources && self.resource_filters.is_empty())
    }

    /// Everything `other` selects, `self` selects too (conservative).
    pub fn covers_group(&self, other: &ResourceGroup) -> bool {
        if other.is_empty() {
            return true;
        }
        let scopes_ok = other
            .included_scopes
            .iter()
            .all(|o| self.included_scopes.iter().any(|s| s.covers_entry(o)));
        let resources_ok = self.include_all_resources
            || (!other.include_all_resources
                && other
                    .resource_filters
                    .iter()
                    .all(|o| self.resource_filters.iter().any(|s| s.covers(o))));
        scopes_ok && resources_ok
    }

    /// The part of the group inside `scope`: included scopes inside it kept, an including
    /// ancestor cut down to `scope` itself with its children, others dropped.
    pub fn within(&self, scope: &Scope) -> ResourceGroup {
        let included_scopes = self
            .included_scopes
            .iter()
            .filter_map(|inc| {
                if scope.contains(&inc.scope) {
                    Some(inc.clone())
                } else if inc.covers(scope) {
                    Some(IncludedScope {
                        filter: ScopeFilter::IncludingChildScopes,
                        scope: scope.clone(),
                    })
                } else {
                    None
                }
            })
            .collect();
        ResourceGroup {
            included_scopes,
            ..self.clone()
        }
    }

    /// Levels reached by the included scopes.
    pub fn reached_levels(&self) -> ScopeLevels {
        let levels: Vec<ScopeLevel> = self
            .included_scopes
            .iter()
            .flat_map(|i| i.levels().iter().collect::<Vec<_>>())
            .collect();
        ScopeLevels::of(&levels)
    }
}

/// Identifiers of the built-in groups, in the order they are listed.
pub const BUILTIN_GROUPS: [&str; 4] = [
    "_all_resources_including_child_scopes",
    "_all_account_level_resources",
    "_all_organization_level_resources",
    "_all_project_level_resources",
];

/// Is `identifier` reserved for a built-in group?
pub fn is_builtin_group(identifier: &str) -> bool {
    BUILTIN_GROUPS.contains(&identifier)
}

/// The built-in group `identifier` as seen from `scope`, if it exists there.
pub fn builtin_group(identifier: &str, scope: &Scope) -> Option<ResourceGroup> {
    use ScopeLevel::*;
    let level = scope.level();
    let (name, filter, levels) = match identifier {
        "_all_resources_including_child_scopes" if level != Project => (
            "All Resources Including Child Scopes",
            ScopeFilter::IncludingChildScopes,
            ScopeLevels::of(&[Account, Organization]),
        ),
        "_all_account_level_resources" if level == Account => (
            "All Account Level Resources",
            ScopeFilter::ExcludingChildScopes,
            ScopeLevels::of(&[Account]),
        ),
        "_all_organization_level_resources" if level == Organization => (
            "All Organization Level Resources",
            ScopeFilter::ExcludingChildScopes,
            ScopeLevels::of(&[Organization]),
        ),
        "_all_project_level_resources" if level == Project => (
            "All Project Level Resources",
            ScopeFilter::ExcludingChildScopes,
            ScopeLevels::of(&[Project]),
        ),
        _ => return None,
    };
    Some(ResourceGroup {
        identifier: Identifier::new(identifier).ok()?,
        name: name.to_owned(),
        scope: scope.clone(),
        included_scopes: vec![IncludedScope {
            filter,
            scope: scope.clone(),
        }],
        resource_filters: Vec::new(),
        include_all_resources: true,
        allowed_scope_levels: levels,
        managed: true,
        description: format!("Built-in group: {name}"),
        color: "#0063F7".to_owned(),
        tags: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Scope {
        Scope::parse(v).unwrap()
    }

    fn group(
        scopes: &[(ScopeFilter, &str)],
        filters: Vec<ResourceFilter>,
        all: bool,
    ) -> ResourceGroup {
        let mut g = builtin_group("_all_account_level_resources", &s("acme")).unwrap();
        g.identifier = Identifier::new("g").unwrap();
        g.included_scopes = scopes
            .iter()
            .map(|(f, sc)| IncludedScope {
                filter: *f,
                scope: s(sc),
            })
            .collect();
        g.resource_filters = filters;
        g.include_all_resources = all;
        g
    }

    fn filter(ty: &str, ids: &[&str], attr: Option<(&str, &[&str])>) -> ResourceFilter {
        ResourceFilter {
            resource_type: ty.to_owned(),
            identifiers: ids.iter().map(|s| s.to_string()).collect(),
            attribute: attr.map(|(n, v)| AttributeFilter {
                name: n.to_owned(),
                values: v.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    #[test]
    fn including_and_excluding_child_scopes() {
        use ScopeFilter::*;
        let inc = group(&[(IncludingChildScopes, "acme/eng")], vec![], true);
        let exc = group(&[(ExcludingChildScopes, "acme/eng")], vec![], true);
        let none = Attributes::new();
        let cases = [
            (&inc, "acme/eng", true),
            (&inc, "acme/eng/web", true),
            (&inc, "acme", false),
            (&inc, "acme/sales", false),
            (&exc, "acme/eng", true),
            (&exc, "acme/eng/web", false),
        ];
        for (g, scope, expected) in cases {
            assert_eq!(
                g.selects(&s(scope), "SEI_TEAM", "t", &none),
                expected,
                "{scope}"
            );
        }
    }

    #[test]
    fn identifier_and_attribute_filters_both_must_match() {
        use ScopeFilter::*;
        let g = group(
            &[(ExcludingChildScopes, "acme/eng/web")],
            vec![filter(
                "SEI_PROFILE",
                &["team-bravo-profile"],
                Some(("team", &["bravo"])),
            )],
            false,
        );
        let bravo: Attributes = [("team".to_owned(), "bravo".to_owned())].into();
        let alpha: Attributes = [("team".to_owned(), "alpha".to_owned())].into();
        let sc = s("acme/eng/web");
        assert!(g.selects(&sc, "SEI_PROFILE", "team-bravo-profile", &bravo));
        assert!(!g.selects(&sc, "SEI_PROFILE", "team-bravo-profile", &alpha));
        assert!(!g.selects(&sc, "SEI_PROFILE", "other", &bravo));
        assert!(!g.selects(&sc, "SEI_TEAM", "team-bravo-profile", &bravo));
        assert!(g.touches_type(&sc, "SEI_PROFILE"));
        assert!(!g.selects_all_of_type(&sc, "SEI_PROFILE"));
    }

    #[test]
    fn validation_rejects_bad_groups() {
        use ScopeFilter::*;
        let mut g = group(
            &[(IncludingChildScopes, "acme/eng")],
            vec![filter("SEI_TEAM", &[], None)],
            true,
        );
        assert_eq!(g.validate(), Err(PolicyError::AllResourcesWithFilters));
        g.include_all_resources = false;
        g.scope = s("acme/sales");
        assert!(matches!(
            g.validate(),
            Err(PolicyError::IncludedScopeOutside { .. })
        ));
        g.scope = s("acme");
        assert!(g.validate().is_ok());
        g.resource_filters = vec![filter("NOPE", &[], None)];
        assert!(matches!(
            g.validate(),
            Err(PolicyError::UnknownResourceType(_))
        ));
    }

    #[test]
    fn empty_groups_select_nothing() {
        use ScopeFilter::*;
        let none = Attributes::new();
        let no_scope = group(&[], vec![], true);
        let no_resources = group(&[(IncludingChildScopes, "acme")], vec![], false);
        for g in [no_scope, no_resources] {
            assert!(g.is_empty());
            assert!(!g.selects(&s("acme"), "SEI_TEAM", "t", &none));
            assert!(!g.touches_type(&s("acme"), "SEI_TEAM"));
        }
    }

    #[test]
    fn group_coverage_is_conservative() {
        use ScopeFilter::*;
        let all = group(&[(IncludingChildScopes, "acme")], vec![], true);
        let teams_a = group(
            &[(ExcludingChildScopes, "acme/eng/web")],
            vec![filter("SEI_TEAM", &["a"], None)],
            false,
        );
        let teams_ab = group(
            &[(IncludingChildScopes, "acme/eng")],
            vec![filter("SEI_TEAM", &["a", "b"], None)],
            false,
        );
        assert!(all.covers_group(&teams_a));
        assert!(teams_ab.covers_group(&teams_a));
        assert!(!teams_a.covers_group(&teams_ab));
        assert!(!teams_ab.covers_group(&all));
    }

    #[test]
    fn builtin_groups_exist_where_harness_has_them() {
        assert!(builtin_group("_all_resources_including_child_scopes", &s("acme")).is_some());
        assert!(builtin_group("_all_resources_including_child_scopes", &s("acme/eng")).is_some());
        assert!(
            builtin_group("_all_resources_including_child_scopes", &s("acme/eng/web")).is_none()
        );
        assert!(builtin_group("_all_project_level_resources", &s("acme/eng/web")).is_some());
        assert!(builtin_group("_all_project_level_resources", &s("acme")).is_none());
    }
}
