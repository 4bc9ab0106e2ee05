//! One test per seed table: SEI 2.0 (003), API portal (002), Account Admin/Viewer and SEI 1.0 (004).

use super::*;

/// Seed 003: SEI 2.0 roles × resource × action. `None` in a column means the seed gives no access.
#[test]
fn seed003_sei2_role_table() {
    struct Row {
        role: &'static str,
        prefix: &'static str,
        scope: &'static str,
        actions: &'static [&'static str],
    }
    const ALL: &[&str] = &["view", "create", "edit", "delete"];
    let rows = [
        Row {
            role: "_sei_admin",
            prefix: "sei_seidatasettings",
            scope: "acme",
            actions: ALL,
        },
        Row {
            role: "_sei_admin",
            prefix: "sei_seidatasettings",
            scope: "acme/eng/web",
            actions: ALL,
        },
        Row {
            role: "_sei_admin",
            prefix: "sei_seidevelopers",
            scope: "acme/eng/web",
            actions: ALL,
        },
        Row {
            role: "_sei_admin",
            prefix: "sei_seiintegrations",
            scope: "acme",
            actions: ALL,
        },
        Row {
            role: "_sei_admin",
            prefix: "sei_seiteams",
            scope: "acme/eng/web",
            actions: ALL,
        },
        Row {
            role: "_sei_admin",
            prefix: "sei_seiinsights",
            scope: "acme/eng/web",
            actions: &["view"],
        },
        Row {
            role: "_sei_admin",
            prefix: "sei_seiprofiles",
            scope: "acme",
            actions: ALL,
        },
        Row {
            role: "_sei_team_manager",
            prefix: "sei_seidevelopers",
            scope: "acme/eng/web",
            actions: &["view", "edit"],
        },
        Row {
            role: "_sei_team_manager",
            prefix: "sei_seiteams",
            scope: "acme/eng/web",
            actions: &["view", "edit"],
        },
        Row {
            role: "_sei_team_manager",
            prefix: "sei_seiinsights",
            scope: "acme/eng/web",
            actions: &["view"],
        },
        Row {
            role: "_sei_team_manager",
            prefix: "sei_seiintegrations",
            scope: "acme",
            actions: &["view"],
        },
        Row {
            role: "_sei_team_manager",
            prefix: "sei_seiprofiles",
            scope: "acme/eng/web",
            actions: &["view"],
        },
        Row {
            role: "_sei_viewer",
            prefix: "sei_seidevelopers",
            scope: "acme/eng/web",
            actions: &["view"],
        },
        Row {
            role: "_sei_viewer",
            prefix: "sei_seiteams",
            scope: "acme/eng/web",
            actions: &["view"],
        },
        Row {
            role: "_sei_viewer",
            prefix: "sei_seiinsights",
            scope: "acme/eng/web",
            actions: &["view"],
        },
        Row {
            role: "_sei_viewer",
            prefix: "sei_seiintegrations",
            scope: "acme",
            actions: &["view"],
        },
        Row {
            role: "_sei_viewer",
            prefix: "sei_seiprofiles",
            scope: "acme/eng/web",
            actions: &["view"],
        },
    ];
    for row in rows {
        let p = policy(vec![builtin_grant(
            row.role,
            "_all_resources_including_child_scopes",
            "acme",
        )]);
        for action in ALL {
            let permission = format!("{}_{action}", row.prefix);
            let Some(pid) = catalogue().get(&permission) else {
                continue;
            };
            if !catalogue()
                .permission(pid)
                .available_at(s(row.scope).level())
            {
                continue;
            }
            let ident = if *action == "create" {
                None
            } else {
                Some("r1")
            };
            let expected = row.actions.contains(action);
            assert_eq!(
                allowed(&p, &permission, row.scope, &ty_of(&permission), ident),
                expected,
                "{} {permission} at {}",
                row.role,
                row.scope
            );
        }
    }
}

/// Seed 002: every portal permission × Global_Admin, Admin, Basic_User.
#[test]
fn seed002_portal_table() {
    let table: &[(&str, &[&str])] = &[
        ("ENVIRONMENT_READ", &["Global_Admin", "Admin", "Basic_User"]),
        ("ENVIRONMENT_WRITE", &["Global_Admin"]),
        ("API_READ", &["Global_Admin", "Admin", "Basic_User"]),
        ("API_WRITE", &["Global_Admin", "Admin", "Basic_User"]),
        ("USER_READ", &["Global_Admin", "Admin"]),
        ("USER_WRITE", &["Global_Admin", "Admin"]),
        ("APPLICATION_READ", &["Global_Admin", "Admin", "Basic_User"]),
        (
            "APPLICATION_WRITE",
            &["Global_Admin", "Admin", "Basic_User"],
        ),
        ("JOBS_READ", &["Global_Admin", "Admin", "Basic_User"]),
        ("PLAN_READ", &["Global_Admin", "Admin", "Basic_User"]),
        ("PLAN_WRITE", &["Global_Admin"]),
        (
            "GIT_CREDENTIALS_READ",
            &["Global_Admin", "Admin", "Basic_User"],
        ),
        ("GIT_CREDENTIALS_WRITE", &["Global_Admin"]),
        (
            "SUBSCRIPTIONS_READ",
            &["Global_Admin", "Admin", "Basic_User"],
        ),
        (
            "SUBSCRIPTIONS_WRITE",
            &["Global_Admin", "Admin", "Basic_User"],
        ),
        ("CONFIGURATION_READ", &["Global_Admin"]),
        ("CONFIGURATION_WRITE", &["Global_Admin"]),
        ("METRICS_READ", &["Global_Admin", "Admin", "Basic_User"]),
        (
            "ORGANIZATION_READ",
            &["Global_Admin", "Admin", "Basic_User"],
        ),
        ("ORGANIZATION_WRITE", &["Global_Admin", "Admin"]),
        ("DISCOVERY", &["Global_Admin"]),
        ("USER_INVITATION", &["Global_Admin", "Admin"]),
        ("APPROVAL_REQUEST_READ", &["Global_Admin", "Admin"]),
        ("APPROVAL_REQUEST_WRITE", &["Global_Admin", "Admin"]),
        ("AUDIT_LOG_READ", &["Global_Admin", "Admin"]),
        ("RULE_SETS_READ", &["Global_Admin", "Admin", "Basic_User"]),
        ("RULE_SETS_WRITE", &["Global_Admin"]),
        ("DEV_PORTAL_READ", &["Global_Admin"]),
        ("DEV_PORTAL_WRITE", &["Global_Admin"]),
        ("PLAN_ASSIGN_APIS", &["Global_Admin", "Admin"]),
        ("ACCESS_TENANT_DATA", &["Global_Admin"]),
        ("CROSS_ORGANIZATION_ACCESS", &["Global_Admin"]),
    ];
    let portal_count = catalogue()
        .all()
        .iter()
        .filter(|p| p.module == Module::Portal)
        .count();
    assert_eq!(
        table.len(),
        portal_count,
        "the table covers every portal permission"
    );
    for role in ["Global_Admin", "Admin", "Basic_User"] {
        let p = PrincipalPolicy::new(
            user("u"),
            Some(id("eng")),
            vec![builtin_grant(
                role,
                "_all_resources_including_child_scopes",
                "acme",
            )],
            SplitPhases::default(),
        );
        for (permission, holders) in table {
            let expected = holders.contains(&role);
            assert_eq!(
                allowed(&p, permission, "acme/eng", &ty_of(permission), Some("r1")),
                expected,
                "{role} {permission}"
            );
        }
    }
}

/// Seed 004: Account Admin CRUD everything, Account Viewer view everything; SEI 1.0 rows.
#[test]
fn seed004_account_admin_viewer_and_sei1_roles() {
    let admin = policy(vec![builtin_grant(
        "_account_admin",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    let viewer = policy(vec![builtin_grant(
        "_account_viewer",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    for p in catalogue().all() {
        let level = p.scopes.iter().next().unwrap();
        let scope = match level {
            ScopeLevel::Account => "acme",
            ScopeLevel::Organization => "acme/eng",
            ScopeLevel::Project => "acme/eng/web",
        };
        assert!(
            allowed(&admin, &p.identifier, scope, &p.resource_type, Some("r1")),
            "admin {}",
            p.identifier
        );
        assert_eq!(
            allowed(&viewer, &p.identifier, scope, &p.resource_type, Some("r1")),
            p.is_list_action(),
            "viewer {}",
            p.identifier
        );
    }
    let rows: &[(&str, &str, &str, bool)] = &[
        (
            "_sei_collections_admin",
            "sei_seicollections_view",
            "acme/eng/web",
            true,
        ),
        (
            "_sei_collections_admin",
            "sei_seicollections_edit",
            "acme/eng/web",
            true,
        ),
        (
            "_sei_collections_admin",
            "sei_seicollections_delete",
            "acme/eng/web",
            false,
        ),
        (
            "_sei_collections_admin",
            "core_project_view",
            "acme/eng",
            true,
        ),
        (
            "_sei_collections_admin",
            "sei_seiconfigurationsettings_view",
            "acme",
            false,
        ),
        ("_sei_collections_admin", "core_role_view", "acme", true),
        (
            "_sei_viewer",
            "sei_seicollections_view",
            "acme/eng/web",
            false,
        ),
        ("_sei_viewer", "core_connector_view", "acme", true),
        // Seed 004 says "no access" to projects; rule 5 still lets a viewer see the projects
        // its group includes, so "no access" is tested on edit.
        ("_sei_viewer", "core_project_edit", "acme/eng", false),
        (
            "_sei_admin",
            "sei_seicollections_delete",
            "acme/eng/web",
            true,
        ),
        (
            "_sei_admin",
            "sei_seiconfigurationsettings_edit",
            "acme",
            true,
        ),
        ("_sei_admin", "core_audit_view", "acme", true),
        ("_sei_admin", "core_role_edit", "acme", true),
        ("_sei_admin", "core_account_edit", "acme", false),
    ];
    for (role, permission, scope, expected) in rows {
        let p = policy(vec![builtin_grant(
            role,
            "_all_resources_including_child_scopes",
            "acme",
        )]);
        // core_project_view on a project the group covers: explicit, not implicit visibility.
        assert_eq!(
            allowed(&p, permission, scope, &ty_of(permission), Some("r1")),
            *expected,
            "{role} {permission}"
        );
    }
}

#[test]
fn builtin_roles_hold_both_halves_of_splits() {
    for role in crate::policy::builtin::builtin_roles() {
        for pair in crate::policy::split::split_pairs() {
            assert_eq!(
                role.permissions.contains(pair.edit),
                role.permissions.contains(pair.create),
                "{}",
                role.identifier
            );
        }
    }
    assert!(builtin_role("_project_admin")
        .unwrap()
        .permissions
        .contains(perm("core_secret_create")));
    assert!(builtin_role("Global_Admin")
        .unwrap()
        .permissions
        .contains(perm("CROSS_ORGANIZATION_ACCESS")));
    assert!(!builtin_role("_organization_admin")
        .unwrap()
        .permissions
        .contains(perm("CROSS_ORGANIZATION_ACCESS")));
}

/// The rule-defined viewer roles hold exactly what their rule says, and every built-in
/// role of DESIGN §1 is there (a loop over the roles must not pass on an empty list).
#[test]
fn rule_defined_viewer_roles_hold_exactly_their_rule() {
    use crate::policy::scope::ScopeLevel::{Organization, Project};
    let ids: Vec<&str> = crate::policy::builtin::builtin_roles()
        .iter()
        .map(|r| r.identifier.as_str())
        .collect();
    for expected in [
        "_account_admin",
        "_account_viewer",
        "_organization_admin",
        "_organization_viewer",
        "_project_admin",
        "_project_viewer",
        "_sei_admin",
        "_sei_team_manager",
        "_sei_viewer",
        "_sei_collections_admin",
        "Global_Admin",
        "Admin",
        "Basic_User",
    ] {
        assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
    }
    let holds = |role: &str| builtin_role(role).unwrap().permissions;
    let (org_viewer, project_viewer) = (holds("_organization_viewer"), holds("_project_viewer"));
    for p in catalogue().all() {
        let view = p.is_list_action();
        let below_account = p.available_at(Organization) || p.available_at(Project);
        assert_eq!(
            org_viewer.contains(p.id),
            view && below_account && p.identifier != "CROSS_ORGANIZATION_ACCESS",
            "_organization_viewer and {}",
            p.identifier
        );
        assert_eq!(
            project_viewer.contains(p.id),
            view && p.available_at(Project),
            "_project_viewer and {}",
            p.identifier
        );
    }
}
