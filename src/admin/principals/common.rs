//! Pieces shared by the principal, password, token and registry modules of the admin API:
//! the `scope` object of answers, input rules (names, emails, descriptions), the
//! `null`-versus-absent reader of PUT bodies, an optional JSON body, and hashing a new
//! password off the async workers.
//!
//! Owns no endpoint. May import what the admin layer may; must never touch storage.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

pub use crate::admin::scope::{path_param, same_identifier};

use crate::admin::body::JsonBody;
use crate::admin::context::Caller;
use crate::authn::password;
use crate::policy::role::PrincipalType;
use crate::policy::Scope;
use crate::web::ApiError;

/// Longest accepted email address (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;
/// Longest accepted name.
const MAX_NAME: usize = 256;
/// Longest accepted description.
const MAX_DESCRIPTION: usize = 1024;

/// Where an entity lives, as answers spell it: `{account, org, project}` (`null` above
/// the entity's level).
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct EntityScope {
    pub account: String,
    pub org: Option<String>,
    pub project: Option<String>,
}

impl From<&Scope> for EntityScope {
    fn from(scope: &Scope) -> Self {
        Self {
            account: scope.account.to_string(),
            org: scope.org.as_ref().map(|o| o.to_string()),
            project: scope.project.as_ref().map(|p| p.to_string()),
        }
    }
}

/// argon2id hash of a new password, off the async workers.
pub async fn hash_password(secret: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// Whether the caller is this user itself.
pub fn is_self(caller: &Caller, user: &str) -> bool {
    let p = &caller.who.principal;
    p.principal_type == PrincipalType::User && p.identifier.as_str() == user
}

/// `name` must be 1 to 256 characters and not blank.
pub fn validate_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid("`name` must be 1 to 256 characters"));
    }
    Ok(())
}

/// `description` is at most 1024 characters.
pub fn validate_description(description: &str) -> Result<(), ApiError> {
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(ApiError::invalid(
            "`description` must be at most 1024 characters",
        ));
    }
    Ok(())
}

/// An email address that looks like one (`local@domain.tld`, no spaces, at most 254
/// characters), trimmed and lower-cased: the form stored and looked up at login.
pub fn normalize_email(email: &str) -> Result<String, ApiError> {
    let trimmed = email.trim();
    let too_long = trimmed.chars().count() > MAX_EMAIL;
    let email = trimmed.to_lowercase();
    let bad = || ApiError::invalid(format!("`email` `{email}` is not an email address"));
    if too_long || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    if local.is_empty() || domain.contains('@') || !domain.contains('.') || !labels_ok {
        return Err(bad());
    }
    Ok(email)
}

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value, for PUT
/// bodies where `null` clears the field. Use with `#[serde(default, deserialize_with)]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A JSON body that may be left out entirely (no `Content-Length`, or 0, and no
/// `Transfer-Encoding`): then `T::default()`. A body that is present gets every rule of
/// [`JsonBody`] (media type, size, depth, unknown fields).
pub struct OptionalJsonBody<T>(pub T);

fn has_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != "0")
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !has_body(req) {
            return Box::pin(async { Ok(OptionalJsonBody(T::default())) });
        }
        let inner = JsonBody::<T>::from_request(req, payload);
        Box::pin(async move { inner.await.map(|b| OptionalJsonBody(b.0)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_that_look_like_emails() {
        let cases: &[(&str, Option<&str>)] = &[
            ("bob@acme.test", Some("bob@acme.test")),
            ("  Bob@Acme.Test ", Some("bob@acme.test")),
            ("a.b+c@x.y.z", Some("a.b+c@x.y.z")),
            ("bob", None),
            ("bob@", None),
            ("@acme.test", None),
            ("bob@acme", None),
            ("bob@@acme.test", None),
            ("bo b@acme.test", None),
            ("bob@acme..test", None),
            ("bob@-acme.test", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize_email(input).ok().as_deref(),
                *expected,
                "{input:?}"
            );
        }
        assert!(normalize_email(&format!("{}@x.io", "a".repeat(250))).is_err());
        // The limit counts characters, as the document's `maxLength` does.
        assert!(normalize_email(&format!("{}@x.io", "é".repeat(249))).is_ok());
    }

    #[test]
    fn names_and_descriptions() {
        assert!(validate_name("Bob").is_ok());
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"n".repeat(257)).is_err());
        assert!(validate_description("").is_ok());
        assert!(validate_description(&"d".repeat(1025)).is_err());
    }

    #[derive(Deserialize)]
    struct Put {
        #[serde(default, deserialize_with = "nullable")]
        organization: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let read = |s: &str| serde_json::from_str::<Put>(s).unwrap().organization;
        assert_eq!(read("{}"), None);
        assert_eq!(read(r#"{"organization": null}"#), Some(None));
        assert_eq!(read(r#"{"organization": "eng"}"#), Some(Some("eng".into())));
    }

    #[test]
    fn scope_out_spells_missing_levels_as_null() {
        let s = Scope::parse("acme/eng").unwrap();
        let v = serde_json::to_value(EntityScope::from(&s)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"account": "acme", "org": "eng", "project": null})
        );
    }
}
