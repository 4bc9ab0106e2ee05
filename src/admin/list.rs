//! Harness v1 list semantics: `page` (default 0), `limit` (default 30, max 100),
//! `search_term`, `sort` (identifier|name|created|updated), `order` (ASC|DESC, any case);
//! unknown parameters ignored; a JSON array body with `X-Total-Elements`, `X-Page-Number`
//! and `X-Page-Size` headers.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::web::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Identifier,
    Name,
    Created,
    Updated,
}

/// A validated list query.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub page: i64,
    pub limit: i64,
    pub search_term: Option<String>,
    pub sort: Sort,
    pub descending: bool,
    /// Every query parameter, for endpoint-specific filters.
    pub params: HashMap<String, String>,
}

/// What a listed item exposes for searching and sorting.
pub trait Listed {
    fn identifier(&self) -> &str;
    fn name(&self) -> &str;
    fn created(&self) -> i64;
    fn updated(&self) -> i64;
}

fn query_pairs(req: &HttpRequest) -> HashMap<String, String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

impl ListQuery {
    pub fn from_request(req: &HttpRequest) -> Result<Self, ApiError> {
        let params = query_pairs(req);
        let number = |key: &str, default: i64| -> Result<i64, ApiError> {
            match params.get(key) {
                None => Ok(default),
                Some(v) => v.trim().parse::<i64>().map_err(|_| {
                    ApiError::invalid(format!("`{key}` must be an integer, got `{v}`"))
                }),
            }
        };
        let page = number("page", 0)?;
        let limit = number("limit", 30)?;
        if page < 0 {
            return Err(ApiError::invalid("`page` must not be negative"));
        }
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("`limit` must be between 1 and 100"));
        }
        let sort = match params
            .get("sort")
            .map(|s| s.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("identifier") => Sort::Identifier,
            Some("name") => Sort::Name,
            Some("created") => Sort::Created,
            Some("updated") => Sort::Updated,
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "unknown `sort` `{other}`: use identifier, name, created or updated"
                )))
            }
        };
        let descending = match params
            .get("order")
            .map(|s| s.to_ascii_uppercase())
            .as_deref()
        {
            None | Some("ASC") => false,
            Some("DESC") => true,
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "unknown `order` `{other}`: use ASC or DESC"
                )))
            }
        };
        let search_term = params.get("search_term").filter(|s| !s.is_empty()).cloned();
        Ok(Self {
            page,
            limit,
            search_term,
            sort,
            descending,
            params,
        })
    }

    /// Filters by search term, sorts and pages: the page's items and the number that matched
    /// (what every list shape, v1 or NG, is built from).
    pub fn select<T: Listed>(&self, mut items: Vec<T>) -> (Vec<T>, usize) {
        if let Some(term) = &self.search_term {
            let term = term.to_lowercase();
            items.retain(|i| {
                i.identifier().to_lowercase().contains(&term)
                    || i.name().to_lowercase().contains(&term)
            });
        }
        items.sort_by(|a, b| {
            let ord = match self.sort {
                Sort::Identifier => a.identifier().cmp(b.identifier()),
                Sort::Name => a
                    .name()
                    .cmp(b.name())
                    .then_with(|| a.identifier().cmp(b.identifier())),
                Sort::Created => a
                    .created()
                    .cmp(&b.created())
                    .then_with(|| a.identifier().cmp(b.identifier())),
                Sort::Updated => a
                    .updated()
                    .cmp(&b.updated())
                    .then_with(|| a.identifier().cmp(b.identifier())),
            };
            if self.descending {
                ord.reverse()
            } else {
                ord
            }
        });
        let total = items.len();
        let start = usize::try_from(self.page.saturating_mul(self.limit)).unwrap_or(usize::MAX);
        let page = items
            .into_iter()
            .skip(start)
            .take(usize::try_from(self.limit).unwrap_or(0))
            .collect();
        (page, total)
    }

    /// Filters by search term, sorts, pages, and answers with the list headers.
    pub fn respond<T: Serialize + Listed>(&self, items: Vec<T>) -> HttpResponse {
        self.respond_with(items, |i| i)
    }

    /// [`ListQuery::respond`] for items that are shaped only after selection.
    pub fn respond_with<T: Listed, U: Serialize>(
        &self,
        items: Vec<T>,
        shape: impl Fn(T) -> U,
    ) -> HttpResponse {
        let (page, total) = self.select(items);
        let page: Vec<U> = page.into_iter().map(shape).collect();
        page_response(&page, total as i64, self.page, self.limit)
    }
}

/// A JSON array with the Harness list headers.
pub fn page_response<T: Serialize>(page: &[T], total: i64, number: i64, size: i64) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("X-Total-Elements", total.to_string()))
        .insert_header(("X-Page-Number", number.to_string()))
        .insert_header(("X-Page-Size", size.to_string()))
        .json(page)
}
