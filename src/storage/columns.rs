//! How policy values map to columns: scopes as (account, org, project) with '' for none,
//! JSON text for small nested values, comma lists for scope levels.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{StorageError, StorageResult};
use crate::policy::{Identifier, Scope, ScopeLevel, ScopeLevels};

/// The three scope columns of a scope.
pub fn scope_cols(scope: &Scope) -> (String, String, String) {
    (
        scope.account.to_string(),
        scope
            .org
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_default(),
        scope
            .project
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
    )
}

/// Reads a scope back from its columns.
pub fn scope_from(account: &str, org: &str, project: &str) -> StorageResult<Scope> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let (o, p) = (opt(org), opt(project));
    Scope::from_parts(account, o.as_deref(), p.as_deref())
        .map_err(|e| StorageError::Corrupt(format!("scope {account}/{org}/{project}: {e}")))
}

pub fn ident(value: &str) -> StorageResult<Identifier> {
    Identifier::new(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> StorageResult<T> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt(format!("{what}: {e}")))
}

pub fn tags_to_json(tags: &BTreeMap<String, String>) -> String {
    to_json(tags)
}

pub fn levels_to_text(levels: ScopeLevels) -> String {
    levels
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn levels_from_text(text: &str) -> StorageResult<ScopeLevels> {
    let levels = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(ScopeLevel::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    Ok(ScopeLevels::of(&levels))
}

pub fn level_to_text(level: Option<ScopeLevel>) -> String {
    level.map(|l| l.as_str().to_owned()).unwrap_or_default()
}

pub fn level_from_text(text: &str) -> StorageResult<Option<ScopeLevel>> {
    if text.is_empty() {
        return Ok(None);
    }
    ScopeLevel::parse(text)
        .map(Some)
        .map_err(|e| StorageError::Corrupt(e.to_string()))
}
