//! Table-driven tests of every decision rule of DESIGN §2.

use super::*;

#[test]
fn rule1_unknown_level_and_type_mismatch_deny() {
    let p = policy(vec![builtin_grant(
        "_account_admin",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    // sei_seiteams_edit exists only at project level.
    assert!(!allowed(
        &p,
        "sei_seiteams_edit",
        "acme",
        "SEI_TEAM",
        Some("t")
    ));
    assert!(allowed(
        &p,
        "sei_seiteams_edit",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t")
    ));
    // core_account_edit is account-only.
    assert!(!allowed(
        &p,
        "core_account_edit",
        "acme/eng",
        "ACCOUNT",
        Some("acme")
    ));
    // Permission on another resource type.
    assert!(!allowed(
        &p,
        "sei_seiteams_view",
        "acme/eng/web",
        "SEI_PROFILE",
        Some("t")
    ));
    // Another account.
    assert!(!allowed(
        &p,
        "sei_seiteams_view",
        "other/eng/web",
        "SEI_TEAM",
        Some("t")
    ));
}

#[test]
fn rule2_scope_inheritance_goes_down_never_up_or_sideways() {
    let acct = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    let proj = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        "acme/eng/web",
    )]);
    let rows = [
        (&acct, "sei_seiteams_view", "acme/eng/web", "SEI_TEAM", true),
        (
            &acct,
            "sei_seiintegrations_view",
            "acme",
            "SEI_INTEGRATION",
            true,
        ),
        (&proj, "sei_seiteams_view", "acme/eng/web", "SEI_TEAM", true),
        (
            &proj,
            "sei_seiteams_view",
            "acme/eng/api",
            "SEI_TEAM",
            false,
        ),
        // An account-level integration is not read through a project assignment.
        (
            &proj,
            "sei_seiintegrations_view",
            "acme",
            "SEI_INTEGRATION",
            false,
        ),
        (
            &proj,
            "sei_seiintegrations_view",
            "acme/eng/web",
            "SEI_INTEGRATION",
            true,
        ),
    ];
    for (p, permission, scope, ty, expected) in rows {
        assert_eq!(
            allowed(p, permission, scope, ty, Some("x")),
            expected,
            "{permission} at {scope}"
        );
    }
}

#[test]
fn rule3_including_and_excluding_child_scopes() {
    let inc = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        "acme",
        &[(Incl, "acme/eng")],
        vec![],
        true,
    )]);
    let exc = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        "acme",
        &[(Excl, "acme/eng")],
        vec![],
        true,
    )]);
    assert!(allowed(
        &inc,
        "sei_seiteams_view",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t")
    ));
    assert!(!allowed(
        &inc,
        "sei_seiteams_view",
        "acme/sales/web",
        "SEI_TEAM",
        Some("t")
    ));
    assert!(!allowed(
        &exc,
        "sei_seiteams_view",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t")
    ));
}

#[test]
fn rule3_identifier_and_attribute_filters() {
    let bravo: Attributes = [("team".to_owned(), "bravo".to_owned())].into();
    let alpha: Attributes = [("team".to_owned(), "alpha".to_owned())].into();
    let both = policy(vec![custom_grant(
        &["sei_seiprofiles_view"],
        "acme/eng/web",
        &[(Excl, "acme/eng/web")],
        vec![filter(
            "SEI_PROFILE",
            &["team-bravo-profile"],
            Some(("team", &["bravo"])),
        )],
        false,
    )]);
    let sc = "acme/eng/web";
    assert!(allowed_with(
        &both,
        "sei_seiprofiles_view",
        sc,
        "SEI_PROFILE",
        Some("team-bravo-profile"),
        &bravo,
        None
    ));
    assert!(!allowed_with(
        &both,
        "sei_seiprofiles_view",
        sc,
        "SEI_PROFILE",
        Some("team-bravo-profile"),
        &alpha,
        None
    ));
    assert!(!allowed_with(
        &both,
        "sei_seiprofiles_view",
        sc,
        "SEI_PROFILE",
        Some("other"),
        &bravo,
        None
    ));
    let by_attr = policy(vec![custom_grant(
        &["sei_seiteams_edit"],
        sc,
        &[(Excl, sc)],
        vec![filter("SEI_TEAM", &[], Some(("team", &["bravo"])))],
        false,
    )]);
    assert!(allowed_with(
        &by_attr,
        "sei_seiteams_edit",
        sc,
        "SEI_TEAM",
        Some("any"),
        &bravo,
        None
    ));
    assert!(!allowed_with(
        &by_attr,
        "sei_seiteams_edit",
        sc,
        "SEI_TEAM",
        Some("any"),
        &alpha,
        None
    ));
}

#[test]
fn disabled_assignments_and_user_groups() {
    let mut g = builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        "acme/eng/web",
    );
    g.disabled = true;
    let p = policy(vec![g.clone()]);
    assert!(!allowed(
        &p,
        "sei_seiteams_view",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t")
    ));
    let mut via = g;
    via.disabled = false;
    via.via_group = Some(id("devs"));
    let p = policy(vec![via]);
    let sc = s("acme/eng/web");
    let none = Attributes::new();
    let req = Request {
        permission: perm("sei_seiteams_view"),
        resource: Resource {
            scope: &sc,
            resource_type: "SEI_TEAM",
            identifier: Some("t"),
            attributes: &none,
        },
        restriction: None,
    };
    let e = explain(&p, &req);
    assert!(e.permitted);
    assert_eq!(
        e.granted_by.unwrap().via_user_group.as_deref(),
        Some("devs")
    );
}

#[test]
fn rule5_implicit_visibility_of_enclosing_scopes() {
    let p = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        "acme/eng/web",
    )]);
    assert!(allowed(
        &p,
        "core_project_view",
        "acme/eng",
        "PROJECT",
        Some("web")
    ));
    assert!(allowed(
        &p,
        "core_organization_view",
        "acme",
        "ORGANIZATION",
        Some("eng")
    ));
    assert!(allowed(
        &p,
        "core_account_view",
        "acme",
        "ACCOUNT",
        Some("acme")
    ));
    assert!(!allowed(
        &p,
        "core_project_view",
        "acme/eng",
        "PROJECT",
        Some("api")
    ));
    assert!(!allowed(
        &p,
        "core_organization_view",
        "acme",
        "ORGANIZATION",
        Some("sales")
    ));
    // Visibility is not edit.
    assert!(!allowed(
        &p,
        "core_project_edit",
        "acme/eng",
        "PROJECT",
        Some("web")
    ));
}

#[test]
fn rule4_portal_ownership_and_cross_organization_access() {
    let basic = PrincipalPolicy::new(
        user("bob"),
        Some(id("eng")),
        vec![builtin_grant(
            "Basic_User",
            "_all_resources_including_child_scopes",
            "acme",
        )],
        SplitPhases::default(),
    );
    let global = PrincipalPolicy::new(
        user("gina"),
        Some(id("eng")),
        vec![builtin_grant(
            "Global_Admin",
            "_all_resources_including_child_scopes",
            "acme",
        )],
        SplitPhases::default(),
    );
    assert!(allowed(
        &basic,
        "API_READ",
        "acme/eng",
        "API",
        Some("payments")
    ));
    assert!(!allowed(
        &basic,
        "API_READ",
        "acme/sales",
        "API",
        Some("crm")
    ));
    assert!(allowed(
        &global,
        "API_READ",
        "acme/eng",
        "API",
        Some("payments")
    ));
    assert!(allowed(
        &global,
        "API_READ",
        "acme/sales",
        "API",
        Some("crm")
    ));
    assert!(!allowed(
        &global,
        "API_READ",
        "other/sales",
        "API",
        Some("crm")
    ));
    // An org-scoped assignment makes that org the caller's; CROSS_ORGANIZATION_ACCESS widens it.
    let org_basic = PrincipalPolicy::new(
        user("olga"),
        None,
        vec![builtin_grant(
            "Basic_User",
            "_all_resources_including_child_scopes",
            "acme/sales",
        )],
        SplitPhases::default(),
    );
    assert!(allowed(
        &org_basic,
        "API_READ",
        "acme/sales",
        "API",
        Some("crm")
    ));
    assert!(!allowed(
        &org_basic,
        "API_READ",
        "acme/eng",
        "API",
        Some("payments")
    ));
    let org_global = PrincipalPolicy::new(
        user("greg"),
        None,
        vec![builtin_grant(
            "Global_Admin",
            "_all_resources_including_child_scopes",
            "acme/sales",
        )],
        SplitPhases::default(),
    );
    assert!(allowed(
        &org_global,
        "API_READ",
        "acme/eng",
        "API",
        Some("payments")
    ));
    // The widening never applies to core or SEI permissions.
    let mixed = PrincipalPolicy::new(
        user("max"),
        None,
        vec![
            builtin_grant(
                "Global_Admin",
                "_all_resources_including_child_scopes",
                "acme/sales",
            ),
            builtin_grant(
                "_organization_admin",
                "_all_resources_including_child_scopes",
                "acme/sales",
            ),
        ],
        SplitPhases::default(),
    );
    assert!(allowed(
        &mixed,
        "core_role_view",
        "acme/sales",
        "ROLE",
        Some("r")
    ));
    assert!(!allowed(
        &mixed,
        "core_role_view",
        "acme/eng",
        "ROLE",
        Some("r")
    ));
    assert!(!allowed(
        &mixed,
        "sei_seiteams_view",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t")
    ));
}

#[test]
fn credential_restriction_intersects_owner_permissions() {
    let p = policy(vec![builtin_grant(
        "_sei_admin",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    let subset = catalogue().set_of(&["sei_seiteams_view"]).unwrap();
    let none = Attributes::new();
    assert!(allowed_with(
        &p,
        "sei_seiteams_view",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t"),
        &none,
        Some(&subset)
    ));
    assert!(!allowed_with(
        &p,
        "sei_seiteams_edit",
        "acme/eng/web",
        "SEI_TEAM",
        Some("t"),
        &none,
        Some(&subset)
    ));
    // A restriction never adds what the owner lacks.
    let more = catalogue().set_of(&["core_account_edit"]).unwrap();
    assert!(!allowed_with(
        &p,
        "core_account_edit",
        "acme",
        "ACCOUNT",
        Some("acme"),
        &none,
        Some(&more)
    ));
    // CROSS_ORGANIZATION_ACCESS outside the subset does not widen.
    let g = PrincipalPolicy::new(
        user("gina"),
        Some(id("eng")),
        vec![builtin_grant(
            "Global_Admin",
            "_all_resources_including_child_scopes",
            "acme",
        )],
        SplitPhases::default(),
    );
    let api_only = catalogue().set_of(&["API_READ"]).unwrap();
    assert!(!allowed_with(
        &g,
        "API_READ",
        "acme/sales",
        "API",
        Some("crm"),
        &none,
        Some(&api_only)
    ));
    assert!(allowed_with(
        &g,
        "API_READ",
        "acme/eng",
        "API",
        Some("payments"),
        &none,
        Some(&api_only)
    ));
}

#[test]
fn seed001_split_phases() {
    let edit_only = custom_grant(
        &["core_pipeline_edit"],
        "acme",
        &[(Incl, "acme")],
        vec![],
        true,
    );
    let pair = pair_index("PIPELINE").unwrap();
    let mut p = policy(vec![edit_only]);
    let create =
        |p: &PrincipalPolicy| allowed(p, "core_pipeline_create", "acme/eng/web", "PIPELINE", None);
    let edit = |p: &PrincipalPolicy| {
        allowed(
            p,
            "core_pipeline_edit",
            "acme/eng/web",
            "PIPELINE",
            Some("build"),
        )
    };
    // Before the flags: edit creates and edits.
    assert!(create(&p) && edit(&p));
    // During migration: still.
    p.splits.set(pair, SplitPhase::Migration);
    assert!(create(&p) && edit(&p));
    // Enforced: automation that only has edit can no longer create.
    p.splits.set(pair, SplitPhase::Enforced);
    assert!(!create(&p) && edit(&p));
    // Other pairs are independent.
    let secrets = policy(vec![custom_grant(
        &["core_secret_edit"],
        "acme",
        &[(Incl, "acme")],
        vec![],
        true,
    )]);
    assert!(allowed(
        &secrets,
        "core_secret_create",
        "acme/eng",
        "SECRET",
        None
    ));
    // A token subset holding edit also creates while the split is not enforced.
    let owner = policy(vec![custom_grant(
        &["core_template_edit", "core_template_create"],
        "acme",
        &[(Incl, "acme")],
        vec![],
        true,
    )]);
    let subset = catalogue().set_of(&["core_template_edit"]).unwrap();
    assert!(allowed_with(
        &owner,
        "core_template_create",
        "acme",
        "TEMPLATE",
        None,
        &Attributes::new(),
        Some(&subset)
    ));
    // Create-only cannot edit in any phase.
    let create_only = policy(vec![custom_grant(
        &["core_pipeline_create"],
        "acme",
        &[(Incl, "acme")],
        vec![],
        true,
    )]);
    assert!(!allowed(
        &create_only,
        "core_pipeline_edit",
        "acme",
        "PIPELINE",
        Some("p")
    ));
}
