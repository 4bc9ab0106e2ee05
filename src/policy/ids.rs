//! Validated identifiers: accounts, organizations, projects, roles, groups, principals.
//!
//! One type, [`Identifier`], shared by every entity: an `Arc<str>` that is known to match
//! Harness's pattern plus `-` (`^[a-zA-Z_][0-9a-zA-Z_$-]{0,127}$`). Cloning is a reference
//! count bump, so identifiers can be copied into cached grants and decisions freely.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::PolicyError;

/// An identifier that passed validation.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(Arc<str>);

impl Identifier {
    /// Validates `value` and wraps it.
    pub fn new(value: &str) -> Result<Self, PolicyError> {
        if is_valid_identifier(value) {
            Ok(Self(Arc::from(value)))
        } else {
            Err(PolicyError::InvalidIdentifier(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Cheap equality first by pointer, then by content.
    pub fn same(&self, other: &Identifier) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

/// `^[a-zA-Z_][0-9a-zA-Z_$-]{0,127}$` without a regex engine.
pub fn is_valid_identifier(value: &str) -> bool {
    let bytes = value.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {}
        _ => return false,
    }
    bytes.len() <= 128
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-'))
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl AsRef<str> for Identifier {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Identifier {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Identifier {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Identifier::new(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_reads_as_its_text() {
        let id = Identifier::new("team_a").unwrap();
        let as_ref: &str = id.as_ref();
        assert_eq!(as_ref, "team_a");
        let mut by_id = std::collections::HashSet::new();
        by_id.insert(id.clone());
        assert!(by_id.contains("team_a"), "looked up by &str through Borrow");
        assert_eq!(format!("{id:?}"), "\"team_a\"");
    }

    #[test]
    fn identifier_pattern() {
        let long_ok = format!("a{}", "b".repeat(127));
        let too_long = format!("a{}", "b".repeat(128));
        let cases: &[(&str, bool)] = &[
            ("team-bravo", true),
            ("_account_admin", true),
            ("Global_Admin", true),
            ("a$b", true),
            ("x", true),
            (&long_ok, true),
            (&too_long, false),
            ("", false),
            ("1abc", false),
            ("-abc", false),
            ("a.b", false),
            ("a/b", false),
            ("a b", false),
            ("é", false),
        ];
        for (value, ok) in cases {
            assert_eq!(is_valid_identifier(value), *ok, "{value:?}");
            assert_eq!(Identifier::new(value).is_ok(), *ok, "{value:?}");
        }
    }
}
