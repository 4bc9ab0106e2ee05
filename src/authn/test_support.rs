//! Shared set-up of the authn unit tests: a migrated SQLite database in a temporary
//! folder, users and service accounts inserted with the storage repositories, an
//! [`Authenticator`] over them, and the fixture keys of `tests/fixtures/authn/`.

use std::path::PathBuf;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tempfile::TempDir;

use super::{Authenticator, AuthnSettings, Credential, EpochWatch};
use crate::config::IssuerConfig;
use crate::policy::permission::PermissionSet;
use crate::policy::role::PrincipalType;
use crate::policy::Scope;
use crate::storage::epochs::EpochKind;
use crate::storage::guard::{Permit, TokenGrant};
use crate::storage::principals::{ServiceAccount, User};
use crate::storage::tokens::ApiToken;
use crate::storage::Db;

/// A fixed "now" (2027-01-15): tests pass time in, nothing reads the clock.
pub const NOW: i64 = 1_800_000_000_000;
pub const NOW_S: i64 = NOW / 1000;
pub const HS256_SECRET: &[u8] = b"an hs256 test secret of >= 32 bytes";
pub const PASSWORD: &str = "correct horse battery staple";
pub const IDP: &str = "https://idp.example";

pub struct Fixture {
    pub db: Db,
    pub watch: Arc<EpochWatch>,
    pub auth: Authenticator,
    pub _dir: TempDir,
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/authn")
        .join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).expect("fixture")
}

pub fn issuer(jwks_file: PathBuf, accounts: &[&str]) -> IssuerConfig {
    IssuerConfig {
        issuer: IDP.into(),
        audience: "scopegate".into(),
        jwks_file,
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
        subject: None,
    }
}

/// Accounts of the default test issuer: more than one, so `Harness-Account` chooses.
pub const ISSUER_ACCOUNTS: &[&str] = &["acme", "globex"];

/// A system permit for a token of `owner` (tests write without a principal).
pub fn grant(
    owner_type: PrincipalType,
    scope: &Scope,
    owner: &str,
    permissions: Option<&PermissionSet>,
) -> Permit<TokenGrant> {
    Permit::system(TokenGrant {
        owner: crate::policy::role::Principal {
            principal_type: owner_type,
            identifier: crate::policy::Identifier::new(owner)
                .unwrap_or_else(|_| crate::policy::Identifier::new("invalid_owner").expect("id")),
            scope: scope.clone(),
        },
        restriction: permissions.copied(),
    })
}

pub fn settings() -> AuthnSettings {
    AuthnSettings {
        hs256_secret: Some(HS256_SECRET.to_vec()),
        jwt_ttl_seconds: 3600,
        issuers: vec![issuer(fixture_path("jwks.json"), ISSUER_ACCOUNTS)],
        login_max_failures: 3,
        cache_ttl_seconds: 300,
    }
}

/// A fresh database with users `alice` (password [`PASSWORD`]), `bob` (no password) in
/// `acme`, `carol` in `beta`, and service accounts `ci` (account) and `deployer`
/// (`acme/eng`).
pub fn fixture() -> Fixture {
    fixture_with(settings())
}

pub fn fixture_with(settings: AuthnSettings) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&format!("sqlite://{}/sg.db", dir.path().display()), 4).expect("open");
    db.migrate().expect("migrate");
    add_user(&db, "acme", "alice", "alice@example.com", Some(PASSWORD));
    add_user(&db, "acme", "bob", "bob@example.com", None);
    add_user(&db, "beta", "carol", "carol@example.com", None);
    add_service_account(&db, "acme", "ci");
    add_service_account(&db, "acme/eng", "deployer");
    let watch = Arc::new(EpochWatch::new());
    let auth = Authenticator::new(db.clone(), watch.clone(), settings).expect("authenticator");
    Fixture {
        db,
        watch,
        auth,
        _dir: dir,
    }
}

pub fn add_user(db: &Db, account: &str, id: &str, email: &str, password: Option<&str>) {
    let user = User {
        account: account.into(),
        identifier: id.into(),
        email: email.into(),
        name: id.into(),
        password_hash: password.map(|p| super::password::hash(p).expect("hash")),
        organization: None,
        disabled: false,
        created: NOW,
        updated: NOW,
    };
    user.insert(&mut db.conn().expect("conn"))
        .expect("insert user");
}

pub fn add_service_account(db: &Db, scope: &str, id: &str) {
    let s = Scope::parse(scope).expect("scope");
    let sa = ServiceAccount {
        account: s.account.to_string(),
        org: s.org.as_ref().map(|o| o.to_string()).unwrap_or_default(),
        project: s
            .project
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        identifier: id.into(),
        name: id.into(),
        email: String::new(),
        description: String::new(),
        disabled: false,
        created: NOW,
        updated: NOW,
    };
    sa.insert(&mut db.conn().expect("conn")).expect("insert sa");
}

impl Fixture {
    /// Issues a token and returns its value.
    pub fn token(
        &self,
        owner_type: PrincipalType,
        scope: &str,
        owner: &str,
        identifier: &str,
        valid_to: Option<i64>,
        permissions: Option<&PermissionSet>,
    ) -> String {
        let mut conn = self.db.conn().expect("conn");
        let scope = Scope::parse(scope).expect("scope");
        let (_, value) = super::issue_api_token(
            &mut conn,
            grant(owner_type, &scope, owner, permissions),
            identifier,
            "test token",
            valid_to,
            "USER:admin",
            NOW,
        )
        .expect("issue");
        value
    }

    pub fn pat(&self, owner: &str, identifier: &str) -> String {
        self.token(PrincipalType::User, "acme", owner, identifier, None, None)
    }

    pub fn set_user_disabled(&self, account: &str, id: &str, disabled: bool) {
        let mut conn = self.db.conn().expect("conn");
        if disabled {
            User::disable(&mut conn, account, id, NOW).expect("disable");
        } else {
            let principal = crate::policy::role::Principal {
                principal_type: PrincipalType::User,
                identifier: crate::policy::Identifier::new(id).expect("id"),
                scope: Scope::parse(account).expect("scope"),
            };
            let enable = crate::storage::guard::EnablePrincipal { principal };
            User::enable(&mut conn, Permit::system(enable), NOW).expect("enable");
        }
    }

    pub fn revoke(&self, owner_type: PrincipalType, scope: &str, owner: &str, identifier: &str) {
        let mut conn = self.db.conn().expect("conn");
        let scope = Scope::parse(scope).expect("scope");
        ApiToken::delete_logical(&mut conn, owner_type, &scope, owner, identifier).expect("delete");
    }

    /// What the admin layer does after a credential write.
    pub fn bump_credentials(&self, account: &str) {
        self.watch.bump_local(account, EpochKind::Credentials);
    }
}

pub fn key(value: &str) -> Credential {
    Credential::ApiKey(value.to_owned())
}

pub fn bearer(token: &str) -> Credential {
    Credential::Bearer(token.to_owned())
}

/// The internal reason of a refusal (panics on success or another error kind).
pub fn refusal<T: std::fmt::Debug>(result: Result<T, super::AuthnError>) -> String {
    match result {
        Err(super::AuthnError::Unauthorized(reason)) => reason,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

// JWT signing with the fixture keys.

pub fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

pub fn rsa(name: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture_bytes(name)).expect("rsa key")
}

pub fn ec() -> EncodingKey {
    EncodingKey::from_ec_pem(&fixture_bytes("ec1_private.pem")).expect("ec key")
}

pub fn own(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(HS256_SECRET),
        claims,
    )
}

pub fn own_claims() -> Value {
    json!({"iss": "scopegate", "sub": "alice", "acc": "acme", "iat": NOW_S, "nbf": NOW_S, "exp": NOW_S + 600})
}

pub fn idp_claims() -> Value {
    json!({"iss": IDP, "aud": "scopegate", "sub": "alice", "iat": NOW_S, "nbf": NOW_S, "exp": NOW_S + 600})
}

pub fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            base.as_object_mut().expect("object").remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}
