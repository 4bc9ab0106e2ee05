//! Storage on real SQLite (and PostgreSQL when `SCOPEGATE_TEST_DATABASE_URL` is set).

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;
use scopegate::policy::builtin::builtin_role;
use scopegate::policy::engine::{check, Request, Resource};
use scopegate::policy::permission::catalogue;
use scopegate::policy::resource_group::{
    AttributeFilter, Attributes, IncludedScope, ResourceFilter, ResourceGroup, ScopeFilter,
};
use scopegate::policy::role::{Principal, PrincipalRef, PrincipalType, Role, RoleAssignment};
use scopegate::policy::split::{pair_index, SplitPhase};
use scopegate::policy::{Identifier, Scope, ScopeLevel, ScopeLevels};
use scopegate::storage::assignments::Assignments;
use scopegate::storage::audit::{AuditEvent, AuditFilter, NewAuditEvent};
use scopegate::storage::epochs::{EpochKind, Epochs};
use scopegate::storage::grants::load_principal;
use scopegate::storage::guard::{Members, NewAssignment, NewRole, Permit, SplitMove};
use scopegate::storage::principals::{ServiceAccount, User, UserGroup};
use scopegate::storage::registry::Registry;
use scopegate::storage::resource_groups::ResourceGroups;
use scopegate::storage::roles::Roles;
use scopegate::storage::splits::Splits;
use scopegate::storage::tenancy::{Account, Organization, Project};
use scopegate::storage::{Db, DbConnection, StorageError};

use super::support::{on_each_backend, sqlite_db};

fn s(v: &str) -> Scope {
    Scope::parse(v).unwrap()
}

fn id(v: &str) -> Identifier {
    Identifier::new(v).unwrap()
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Tables and column names of src/storage/schema.rs, read from the file.
fn schema_rs_tables() -> Vec<(String, Vec<String>)> {
    let text = include_str!("../../src/storage/schema.rs");
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{').filter(|l| l.contains('(')) {
            current = Some((
                rest.split_whitespace().next().unwrap().to_owned(),
                Vec::new(),
            ));
        } else if let (Some((_, cols)), Some((name, _))) =
            (current.as_mut(), line.split_once(" -> "))
        {
            cols.push(name.to_owned());
        } else if line == "}" {
            if let Some(t) = current.take() {
                out.push(t);
            }
        }
    }
    out
}

#[test]
fn both_migration_trees_match_schema_rs() {
    on_each_backend("schema_check", |db| {
        let mut conn = db.conn().unwrap();
        let tables = schema_rs_tables();
        assert_eq!(tables.len(), 18);
        for (table, expected) in tables {
            let cols: Vec<Column> = match &mut *conn {
                DbConnection::Sqlite(c) => diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")).load(c).unwrap(),
                DbConnection::Pg(c) => diesel::sql_query(format!(
                    "SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '{table}' AND table_schema = current_schema() ORDER BY ordinal_position"
                ))
                .load(c)
                .unwrap(),
            };
            let got: Vec<String> = cols.into_iter().map(|c| c.name).collect();
            assert_eq!(got, expected, "table {table}");
        }
    });
}

fn seed(conn: &mut DbConnection) {
    Account::ensure(conn, "acme", "Acme", 1).unwrap();
    Organization::new("acme", "eng", "Engineering", "", &BTreeMap::new(), 1)
        .insert(conn)
        .unwrap();
    Project::new("acme", "eng", "web", "Web", "", &BTreeMap::new(), 1)
        .insert(conn)
        .unwrap();
    User {
        account: "acme".into(),
        identifier: "alice".into(),
        email: "alice@acme.test".into(),
        name: "Alice".into(),
        password_hash: None,
        organization: Some("eng".into()),
        disabled: false,
        created: 1,
        updated: 1,
    }
    .insert(conn)
    .unwrap();
}

fn assignment(
    identifier: &str,
    scope: &str,
    (role, role_level): (&str, Option<ScopeLevel>),
    group: &str,
    (ptype, principal, plevel): (PrincipalType, &str, ScopeLevel),
) -> RoleAssignment {
    RoleAssignment {
        identifier: id(identifier),
        scope: s(scope),
        role: id(role),
        role_scope_level: role_level,
        resource_group: id(group),
        principal: PrincipalRef {
            principal_type: ptype,
            identifier: id(principal),
            scope_level: plevel,
        },
        disabled: false,
        managed: false,
        created: 1,
        updated: 1,
    }
}

fn allowed(
    db: &Db,
    principal: &Principal,
    permission: &str,
    scope: &str,
    ty: &str,
    ident: Option<&str>,
) -> bool {
    let mut conn = db.conn().unwrap();
    let loaded = load_principal(&mut conn, principal)
        .unwrap()
        .expect("principal exists");
    let sc = s(scope);
    let attrs = Attributes::new();
    let req = Request {
        permission: catalogue().get(permission).unwrap(),
        resource: Resource {
            scope: &sc,
            resource_type: ty,
            identifier: ident,
            attributes: &attrs,
        },
        restriction: None,
    };
    check(&loaded, &req).is_allowed()
}

#[test]
fn grants_load_through_direct_and_group_assignments() {
    on_each_backend("grants_load", |db| {
        db.transaction(|c| {
            seed(c);
            let group = UserGroup {
                account: "acme".into(),
                org: "eng".into(),
                project: "".into(),
                identifier: "devs".into(),
                name: "Devs".into(),
                description: "".into(),
                created: 1,
                updated: 1,
            };
            group.insert(c)?;
            UserGroup::set_members(
                c,
                Permit::system(Members {
                    scope: s("acme/eng"),
                    group: "devs".into(),
                    users: vec!["alice".into(), "alice".into()],
                }),
            )?;
            let role = Role {
                identifier: id("team_editor"),
                name: "Team editor".into(),
                scope: Some(s("acme/eng")),
                permissions: catalogue()
                    .set_of(&["sei_seiteams_view", "sei_seiteams_edit"])
                    .unwrap(),
                allowed_scope_levels: ScopeLevels::from_level_down(ScopeLevel::Organization),
                description: "".into(),
                tags: BTreeMap::new(),
                managed: false,
            };
            Roles::insert(c, Permit::system(NewRole(role.clone())), 1)?;
            let rg = ResourceGroup {
                identifier: id("team-a"),
                name: "Team A".into(),
                scope: s("acme/eng/web"),
                included_scopes: vec![IncludedScope {
                    filter: ScopeFilter::ExcludingChildScopes,
                    scope: s("acme/eng/web"),
                }],
                resource_filters: vec![ResourceFilter {
                    resource_type: "SEI_TEAM".into(),
                    identifiers: vec!["team-a".into()],
                    attribute: Some(AttributeFilter {
                        name: "team".into(),
                        values: vec!["a".into()],
                    }),
                }],
                include_all_resources: false,
                allowed_scope_levels: ScopeLevels::of(&[ScopeLevel::Project]),
                managed: false,
                description: "".into(),
                color: "#fff".into(),
                tags: BTreeMap::new(),
            };
            rg.validate()?;
            ResourceGroups::insert(c, &rg, 1)?;
            assert_eq!(
                ResourceGroups::find(c, &s("acme/eng/web"), "team-a")?
                    .unwrap()
                    .value,
                rg
            );
            Assignments::insert(
                c,
                Permit::system(NewAssignment(assignment(
                    "via_group",
                    "acme/eng/web",
                    ("team_editor", Some(ScopeLevel::Organization)),
                    "_all_project_level_resources",
                    (PrincipalType::UserGroup, "devs", ScopeLevel::Organization),
                ))),
            )?;
            Assignments::insert(
                c,
                Permit::system(NewAssignment(assignment(
                    "direct",
                    "acme",
                    ("_sei_viewer", None),
                    "_all_resources_including_child_scopes",
                    (PrincipalType::User, "alice", ScopeLevel::Account),
                ))),
            )?;
            Epochs::bump(c, "acme", EpochKind::Policy)
        })
        .unwrap();
        let alice = Principal {
            principal_type: PrincipalType::User,
            identifier: id("alice"),
            scope: s("acme"),
        };
        assert!(allowed(
            db,
            &alice,
            "sei_seiteams_edit",
            "acme/eng/web",
            "SEI_TEAM",
            Some("t")
        ));
        assert!(allowed(
            db,
            &alice,
            "sei_seiintegrations_view",
            "acme",
            "SEI_INTEGRATION",
            Some("gh")
        ));
        assert!(!allowed(
            db,
            &alice,
            "sei_seiteams_delete",
            "acme/eng/web",
            "SEI_TEAM",
            Some("t")
        ));
        let mut conn = db.conn().unwrap();
        let loaded = load_principal(&mut conn, &alice).unwrap().unwrap();
        assert_eq!(loaded.grants.len(), 2);
        assert_eq!(loaded.home_org.as_ref().map(|o| o.as_str()), Some("eng"));
        assert!(loaded
            .grants
            .iter()
            .any(|g| g.via_group.as_ref().is_some_and(|v| v.as_str() == "devs")));
        // Disabling the assignment removes the grant; nothing else changes.
        Assignments::disable(&mut conn, &s("acme/eng/web"), "via_group", 2).unwrap();
        drop(conn);
        assert!(!allowed(
            db,
            &alice,
            "sei_seiteams_edit",
            "acme/eng/web",
            "SEI_TEAM",
            Some("t")
        ));
        let mut conn = db.conn().unwrap();
        assert_eq!(Epochs::of(&mut conn, "acme").unwrap().policy, 1);
        // Unknown principals load as None.
        let ghost = Principal {
            principal_type: PrincipalType::User,
            identifier: id("ghost"),
            scope: s("acme"),
        };
        assert!(load_principal(&mut conn, &ghost).unwrap().is_none());
    });
}

#[test]
fn failed_transactions_write_nothing() {
    on_each_backend("rollback", |db| {
        db.transaction(|c| {
            seed(c);
            Ok(())
        })
        .unwrap();
        let err = db
            .transaction(|c| {
                Organization::new("acme", "sales", "Sales", "", &BTreeMap::new(), 2).insert(c)?;
                Organization::new("acme", "eng", "Again", "", &BTreeMap::new(), 2).insert(c)
            })
            .unwrap_err();
        assert!(
            matches!(err, StorageError::Conflict(ref m) if m.contains("`eng`")),
            "{err}"
        );
        let mut conn = db.conn().unwrap();
        assert!(
            Organization::find(&mut conn, "acme", "sales")
                .unwrap()
                .is_none(),
            "rolled back"
        );
        assert_eq!(
            Organization::find(&mut conn, "acme", "eng")
                .unwrap()
                .unwrap()
                .name,
            "Engineering"
        );
    });
}

#[test]
fn registry_splits_audit_tokens_and_service_accounts() {
    on_each_backend("misc_repos", |db| {
        let mut conn = db.conn().unwrap();
        seed(&mut conn);
        let sc = s("acme/eng/web");
        let attrs: Attributes = [("team".to_owned(), "bravo".to_owned())].into();
        let before = Registry::last_seq(&mut conn).unwrap();
        Registry::upsert(&mut conn, &sc, "SEI_TEAM", "t1", &attrs, 5).unwrap();
        Registry::upsert(&mut conn, &sc, "SEI_TEAM", "t1", &attrs, 6).unwrap();
        let listed = Registry::list(&mut conn, &sc, "SEI_TEAM").unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].created, listed[0].updated), (5, 6));
        assert_eq!(Registry::changes_since(&mut conn, before).unwrap().len(), 2);

        for to in [SplitPhase::Migration, SplitPhase::Enforced] {
            let pair = pair_index("PIPELINE").unwrap();
            let account = id("acme");
            Splits::advance(
                &mut conn,
                Permit::system(SplitMove { account, pair, to }),
                7,
            )
            .unwrap();
        }
        let states = Splits::states(&mut conn, "acme").unwrap();
        assert_eq!(states.len(), 3);
        assert_eq!(
            states
                .iter()
                .find(|s| s.resource_type == "PIPELINE")
                .unwrap()
                .phase,
            SplitPhase::Enforced
        );
        assert_eq!(
            states
                .iter()
                .find(|s| s.resource_type == "SECRET")
                .unwrap()
                .phase,
            SplitPhase::Off
        );

        for (i, outcome) in ["allowed", "denied", "denied"].iter().enumerate() {
            NewAuditEvent {
                at: 10 + i as i64,
                account: "acme".into(),
                principal_identifier: "alice".into(),
                action: "role.create".into(),
                outcome: outcome.to_string(),
                ..Default::default()
            }
            .insert(&mut conn)
            .unwrap();
        }
        let (page, total) = AuditEvent::list(
            &mut conn,
            "acme",
            &AuditFilter {
                outcome: Some("denied".into()),
                ..Default::default()
            },
            0,
            1,
        )
        .unwrap();
        assert_eq!((page.len(), total), (1, 2));
        assert_eq!(page[0].at, 12, "newest first");

        let sa = ServiceAccount {
            account: "acme".into(),
            org: "eng".into(),
            project: "".into(),
            identifier: "bot".into(),
            name: "Bot".into(),
            email: "".into(),
            description: "".into(),
            disabled: false,
            created: 1,
            updated: 1,
        };
        sa.insert(&mut conn).unwrap();
        assert!(matches!(
            sa.insert(&mut conn),
            Err(StorageError::Conflict(_))
        ));
        let bot = Principal {
            principal_type: PrincipalType::ServiceAccount,
            identifier: id("bot"),
            scope: s("acme/eng"),
        };
        Assignments::insert(
            &mut conn,
            Permit::system(NewAssignment(assignment(
                "bot_admin",
                "acme/eng",
                ("_organization_admin", None),
                "_all_resources_including_child_scopes",
                (
                    PrincipalType::ServiceAccount,
                    "bot",
                    ScopeLevel::Organization,
                ),
            ))),
        )
        .unwrap();
        drop(conn);
        assert!(allowed(
            db,
            &bot,
            "core_pipeline_edit",
            "acme/eng/web",
            "PIPELINE",
            Some("p")
        ));
        assert!(builtin_role("_organization_admin").is_some());
    });
}

#[test]
fn sqlite_folder_is_created_and_urls_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/deeper/sg.db", dir.path().display());
    let db = Db::open(&url, 1).unwrap();
    assert!(!db.migrate().unwrap().is_empty());
    assert!(
        db.migrate().unwrap().is_empty(),
        "second run applies nothing"
    );
    assert!(matches!(
        Db::open("mysql://x", 1),
        Err(StorageError::UnsupportedUrl(_))
    ));
    let (db, _d) = sqlite_db();
    db.ping().unwrap();
}

#[test]
fn rotated_token_values_are_deleted_once_their_grace_time_ended() {
    use scopegate::storage::tokens::ApiToken;
    on_each_backend("token_prune", |db| {
        let row = |token_id: &str, grace_until: Option<i64>| ApiToken {
            token_id: token_id.into(),
            account: "acme".into(),
            owner_type: "USER".into(),
            owner_org: String::new(),
            owner_project: String::new(),
            owner_identifier: "alice".into(),
            identifier: "ci".into(),
            name: "CI".into(),
            secret_hash: "$argon2id$not-a-real-hash".into(),
            permissions: None,
            valid_to: None,
            grace_until,
            issued_by: "USER:alice".into(),
            created: 1,
        };
        db.transaction(|c| {
            seed(c);
            row("current", None).insert(c)?;
            row("in_grace", Some(2_000)).insert(c)?;
            row("ended", Some(999)).insert(c)
        })
        .unwrap();
        let deleted = db
            .transaction(|c| ApiToken::delete_superseded(c, 1_000))
            .unwrap();
        assert_eq!(deleted, 1);
        let mut conn = db.conn().unwrap();
        assert!(ApiToken::find_by_id(&mut conn, "ended").unwrap().is_none());
        for kept in ["current", "in_grace"] {
            assert!(
                ApiToken::find_by_id(&mut conn, kept).unwrap().is_some(),
                "{kept}"
            );
        }
    });
}
