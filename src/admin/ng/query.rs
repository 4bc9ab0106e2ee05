//! What an NG request names besides its path: the scope in the query
//! (`accountIdentifier`, `orgIdentifier`, `projectIdentifier`), the scope fields a body may
//! repeat, and Harness's paging (`pageIndex`, `pageSize`, `searchTerm`, `sortOrders`) over
//! the same search and sort as v1's lists (`admin::list`).

use std::collections::HashMap;

use actix_web::HttpRequest;
use serde::Deserialize;
use utoipa::ToSchema;

use super::shape::Paged;
use crate::admin::context::Caller;
use crate::admin::list::{ListQuery, Listed, Sort};
use crate::policy::Scope;
use crate::web::ApiError;

/// The query parameters of a request (a repeated one keeps every value).
fn query_pairs(req: &HttpRequest) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    for (k, v) in pairs {
        out.entry(k).or_default().push(v);
    }
    out
}

/// The one value of `key`; empty counts as absent, a repeated key is a 400.
fn single<'a>(
    pairs: &'a HashMap<String, Vec<String>>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match pairs.get(key).map(Vec::as_slice) {
        None | Some([]) => Ok(None),
        Some([one]) => Ok(Some(one.as_str()).filter(|v| !v.trim().is_empty())),
        Some(_) => Err(ApiError::invalid(format!(
            "query parameter `{key}` appears more than once"
        ))),
    }
}

/// Whether a request must name its account in `accountIdentifier`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// Every write and list (Harness requires it everywhere).
    Required,
    /// Reads of one item: absent means the credential's account (`harness-platform-sdk`
    /// 1.1.0's `organizations.get` sends none).
    Optional,
}

/// The scope named by the query, in the caller's account: 400 when `accountIdentifier` is
/// required and missing, when `projectIdentifier` comes without `orgIdentifier` or an
/// identifier is malformed; 401 (as for a `Harness-Account` header) when it names another
/// account than the credential acts for.
pub fn query_scope(
    req: &HttpRequest,
    caller: &Caller,
    account: Account,
) -> Result<Scope, ApiError> {
    let pairs = query_pairs(req);
    let named = single(&pairs, "accountIdentifier")?;
    match named {
        None if account == Account::Required => {
            return Err(ApiError::invalid(
                "query parameter `accountIdentifier` is required",
            ))
        }
        Some(a) if a != caller.account().as_str() => {
            tracing::info!(requested = %a, "NG request names another account than its credential");
            return Err(ApiError::unauthorized());
        }
        _ => {}
    }
    let org = single(&pairs, "orgIdentifier")?;
    let project = single(&pairs, "projectIdentifier")?;
    if project.is_some() && org.is_none() {
        return Err(ApiError::invalid(
            "query parameter `projectIdentifier` needs `orgIdentifier`",
        ));
    }
    Ok(Scope::from_parts(caller.account().as_str(), org, project)?)
}

/// The scope fields a body may carry (Harness's DTOs repeat them; `harness-platform-sdk`
/// also sends the snake-case spelling in wrapped bodies). Each one given must match the
/// query's scope.
#[derive(Deserialize, ToSchema, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct BodyScope {
    #[serde(default)]
    pub account_identifier: Option<String>,
    #[serde(default)]
    pub org_identifier: Option<String>,
    #[serde(default)]
    pub project_identifier: Option<String>,
    /// Same as `accountIdentifier`.
    #[serde(default, rename = "account_identifier")]
    pub account_identifier_snake: Option<String>,
    /// Same as `orgIdentifier`.
    #[serde(default, rename = "org_identifier")]
    pub org_identifier_snake: Option<String>,
    /// Same as `projectIdentifier`.
    #[serde(default, rename = "project_identifier")]
    pub project_identifier_snake: Option<String>,
}

impl BodyScope {
    /// 400 when the body names another scope than the query's (absent or empty: none).
    pub fn check(&self, scope: &Scope) -> Result<(), ApiError> {
        let wanted = [
            ("accountIdentifier", Some(scope.account.as_str())),
            ("orgIdentifier", scope.org.as_ref().map(|o| o.as_str())),
            (
                "projectIdentifier",
                scope.project.as_ref().map(|p| p.as_str()),
            ),
        ];
        let given = [
            [&self.account_identifier, &self.account_identifier_snake],
            [&self.org_identifier, &self.org_identifier_snake],
            [&self.project_identifier, &self.project_identifier_snake],
        ];
        for ((field, query), values) in wanted.iter().zip(given) {
            for value in values.iter().filter_map(|v| v.as_deref()) {
                if !value.is_empty() && Some(value) != *query {
                    return Err(ApiError::invalid(format!(
                        "`{field}` `{value}` in the body differs from the query's scope `{scope}`"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Harness's paging: `pageIndex` (default 0), `pageSize` (default 50, at most 100),
/// `searchTerm` (identifier or name), `sortOrders` (`field[,ASC|DESC]` or Harness's
/// `{"fieldName", "orderType"}`; fields `identifier`, `name`, `createdAt`,
/// `lastModifiedAt`).
pub struct Paging(ListQuery);

fn sort_field(name: &str) -> Option<Sort> {
    match name.to_ascii_lowercase().as_str() {
        "identifier" => Some(Sort::Identifier),
        "name" => Some(Sort::Name),
        "createdat" | "created" => Some(Sort::Created),
        "lastmodifiedat" | "lastmodified" | "updated" => Some(Sort::Updated),
        _ => None,
    }
}

/// `(sort, descending)` of one `sortOrders` value.
fn sort_order(raw: &str) -> Result<(Sort, bool), ApiError> {
    let (field, order) = match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v) if v.is_object() => (
            v["fieldName"].as_str().unwrap_or_default().to_owned(),
            v["orderType"].as_str().unwrap_or("ASC").to_owned(),
        ),
        _ => match raw.split_once(',') {
            Some((f, o)) => (f.trim().to_owned(), o.trim().to_owned()),
            None => (raw.trim().to_owned(), "ASC".to_owned()),
        },
    };
    let sort = sort_field(&field).ok_or_else(|| {
        ApiError::invalid(format!(
            "unknown `sortOrders` field `{field}`: use identifier, name, createdAt or lastModifiedAt"
        ))
    })?;
    match order.to_ascii_uppercase().as_str() {
        "ASC" => Ok((sort, false)),
        "DESC" => Ok((sort, true)),
        other => Err(ApiError::invalid(format!(
            "unknown `sortOrders` order `{other}`: use ASC or DESC"
        ))),
    }
}

impl Paging {
    pub fn from_request(req: &HttpRequest) -> Result<Self, ApiError> {
        let pairs = query_pairs(req);
        let number = |key: &str, default: i64| -> Result<i64, ApiError> {
            match single(&pairs, key)? {
                None => Ok(default),
                Some(v) => v.trim().parse::<i64>().map_err(|_| {
                    ApiError::invalid(format!("`{key}` must be an integer, got `{v}`"))
                }),
            }
        };
        let (page, limit) = (number("pageIndex", 0)?, number("pageSize", 50)?);
        if page < 0 {
            return Err(ApiError::invalid("`pageIndex` must not be negative"));
        }
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("`pageSize` must be between 1 and 100"));
        }
        let (sort, descending) = match pairs.get("sortOrders").and_then(|v| v.first()) {
            None => (Sort::Identifier, false),
            Some(raw) => sort_order(raw)?,
        };
        Ok(Self(ListQuery {
            page,
            limit,
            search_term: single(&pairs, "searchTerm")?.map(str::to_owned),
            sort,
            descending,
            params: HashMap::new(),
        }))
    }

    /// Searches, sorts and pages the core's items, then shapes the page's.
    pub fn page<T: Listed, U>(&self, items: Vec<T>, shape: impl Fn(T) -> U) -> Paged<U> {
        let (page, total) = self.0.select(items);
        Paged {
            content: page.into_iter().map(shape).collect(),
            total: total as i64,
            index: self.0.page,
            size: self.0.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_orders_take_both_spellings() {
        for (raw, sort, desc) in [
            ("name", Sort::Name, false),
            ("name,DESC", Sort::Name, true),
            ("lastModifiedAt,asc", Sort::Updated, false),
            (
                r#"{"fieldName":"createdAt","orderType":"DESC"}"#,
                Sort::Created,
                true,
            ),
        ] {
            assert_eq!(sort_order(raw).unwrap(), (sort, desc), "{raw}");
        }
        for bad in ["color", "name,UP", r#"{"fieldName":"x"}"#] {
            assert!(sort_order(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_body_may_repeat_the_query_scope_but_not_name_another() {
        let scope = Scope::parse("acme/eng").unwrap();
        let body = |a: Option<&str>, o: Option<&str>, p: Option<&str>| BodyScope {
            account_identifier: a.map(str::to_owned),
            org_identifier_snake: o.map(str::to_owned),
            project_identifier: p.map(str::to_owned),
            ..BodyScope::default()
        };
        for (b, ok) in [
            (body(None, None, None), true),
            (body(Some("acme"), Some("eng"), None), true),
            (body(Some(""), Some(""), Some("")), true),
            (body(Some("other"), None, None), false),
            (body(None, Some("sales"), None), false),
            (body(None, None, Some("web")), false),
        ] {
            assert_eq!(b.check(&scope).is_ok(), ok, "{b:?}");
        }
    }
}
