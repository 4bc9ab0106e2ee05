//! Rule 8 (lists and creates), explanations (rule 7) and the admin escalation test.

use super::*;

#[test]
fn rule8_lists_and_creates() {
    let sc = "acme/eng/web";
    let team_a = policy(vec![custom_grant(
        &[
            "sei_seiteams_view",
            "sei_seiteams_edit",
            "sei_seiteams_create",
        ],
        sc,
        &[(Excl, sc)],
        vec![filter("SEI_TEAM", &["team-a"], None)],
        false,
    )]);
    assert!(allowed(&team_a, "sei_seiteams_view", sc, "SEI_TEAM", None));
    assert!(allowed(
        &team_a,
        "sei_seiteams_edit",
        sc,
        "SEI_TEAM",
        Some("team-a")
    ));
    assert!(!allowed(
        &team_a,
        "sei_seiteams_edit",
        sc,
        "SEI_TEAM",
        Some("team-b")
    ));
    assert!(!allowed(
        &team_a,
        "sei_seiteams_create",
        sc,
        "SEI_TEAM",
        None
    ));
    let ids = allowed_ids(
        &team_a,
        perm("sei_seiteams_view"),
        &s(sc),
        "SEI_TEAM",
        None,
        &[],
    );
    assert_eq!(ids.header_value().as_deref(), Some("team-a"));
    let all = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        sc,
    )]);
    assert_eq!(
        allowed_ids(
            &all,
            perm("sei_seiteams_view"),
            &s(sc),
            "SEI_TEAM",
            None,
            &[]
        ),
        AllowedIds::All
    );
    let nobody = policy(vec![]);
    assert_eq!(
        allowed_ids(
            &nobody,
            perm("sei_seiteams_view"),
            &s(sc),
            "SEI_TEAM",
            None,
            &[]
        ),
        AllowedIds::Denied
    );
    // Attribute filters contribute the registry's matching resources; both filters intersect.
    let registry = vec![
        RegistryEntry {
            identifier: "t1".into(),
            attributes: [("team".into(), "bravo".into())].into(),
        },
        RegistryEntry {
            identifier: "t2".into(),
            attributes: [("team".into(), "alpha".into())].into(),
        },
        RegistryEntry {
            identifier: "t3".into(),
            attributes: [("team".into(), "bravo".into())].into(),
        },
    ];
    let attr = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        sc,
        &[(Excl, sc)],
        vec![filter("SEI_TEAM", &[], Some(("team", &["bravo"])))],
        false,
    )]);
    assert_eq!(
        allowed_ids(
            &attr,
            perm("sei_seiteams_view"),
            &s(sc),
            "SEI_TEAM",
            None,
            &registry
        )
        .header_value()
        .as_deref(),
        Some("t1,t3")
    );
    let both = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        sc,
        &[(Excl, sc)],
        vec![filter(
            "SEI_TEAM",
            &["t3", "t2"],
            Some(("team", &["bravo"])),
        )],
        false,
    )]);
    assert_eq!(
        allowed_ids(
            &both,
            perm("sei_seiteams_view"),
            &s(sc),
            "SEI_TEAM",
            None,
            &registry
        )
        .header_value()
        .as_deref(),
        Some("t3")
    );
    // A covering group whose filters name nothing yields an empty header, not a deny.
    let empty = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        sc,
        &[(Excl, sc)],
        vec![filter("SEI_TEAM", &[], Some(("team", &["zulu"])))],
        false,
    )]);
    assert_eq!(
        allowed_ids(
            &empty,
            perm("sei_seiteams_view"),
            &s(sc),
            "SEI_TEAM",
            None,
            &registry
        ),
        AllowedIds::Some(Default::default())
    );
}

#[test]
fn explain_names_missing_permission_and_near_misses() {
    let p = policy(vec![
        builtin_grant(
            "_sei_viewer",
            "_all_project_level_resources",
            "acme/eng/web",
        ),
        builtin_grant(
            "_sei_team_manager",
            "_all_project_level_resources",
            "acme/eng/api",
        ),
    ]);
    let sc = s("acme/eng/web");
    let none = Attributes::new();
    let req = Request {
        permission: perm("sei_seiteams_edit"),
        resource: Resource {
            scope: &sc,
            resource_type: "SEI_TEAM",
            identifier: Some("t"),
            attributes: &none,
        },
        restriction: None,
    };
    let e = explain(&p, &req);
    assert!(!e.permitted);
    assert_eq!(e.missing_permission.as_deref(), Some("sei_seiteams_edit"));
    let misses = e.near_misses.unwrap();
    assert_eq!(misses.len(), 2);
    assert!(misses
        .iter()
        .any(|m| m.role == "_sei_viewer" && m.why.contains("role does not hold")));
    assert!(misses
        .iter()
        .any(|m| m.role == "_sei_team_manager" && m.why.contains("scope")));
}

#[test]
fn escalation_needs_every_permission_on_the_whole_group() {
    let sc = s("acme/eng/web");
    let writer = policy(vec![custom_grant(
        &["sei_seiteams_view", "sei_seiteams_edit"],
        "acme/eng/web",
        &[(Excl, "acme/eng/web")],
        vec![filter("SEI_TEAM", &["team-a"], None)],
        false,
    )]);
    let target_a = custom_grant(
        &[],
        "acme/eng/web",
        &[(Excl, "acme/eng/web")],
        vec![filter("SEI_TEAM", &["team-a"], None)],
        false,
    )
    .group;
    let target_all = builtin_group("_all_project_level_resources", &sc).unwrap();
    assert!(holds_on_group(
        &writer,
        None,
        perm("sei_seiteams_edit"),
        &target_a,
        &sc
    ));
    assert!(!holds_on_group(
        &writer,
        None,
        perm("sei_seiteams_edit"),
        &target_all,
        &sc
    ));
    assert!(!holds_on_group(
        &writer,
        None,
        perm("sei_seiteams_delete"),
        &target_a,
        &sc
    ));
    let admin = policy(vec![builtin_grant(
        "_account_admin",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    assert!(holds_on_group(
        &admin,
        None,
        perm("sei_seiteams_delete"),
        &target_all,
        &sc
    ));
    assert!(holds_type_wide(
        &admin,
        None,
        perm("core_account_edit"),
        &s("acme")
    ));
    assert!(!holds_type_wide(
        &writer,
        None,
        perm("sei_seiteams_delete"),
        &sc
    ));
}

fn explained(
    p: &PrincipalPolicy,
    permission: &str,
    scope: &str,
    ty: &str,
    ident: Option<&str>,
    restriction: Option<&PermissionSet>,
) -> Explanation {
    let sc = s(scope);
    let none = Attributes::new();
    let req = Request {
        permission: perm(permission),
        resource: Resource {
            scope: &sc,
            resource_type: ty,
            identifier: ident,
            attributes: &none,
        },
        restriction,
    };
    explain(p, &req)
}

/// The one near miss of a single-grant policy, and the deny's reason.
fn why_one(
    p: &PrincipalPolicy,
    permission: &str,
    scope: &str,
    ty: &str,
    ident: Option<&str>,
    restriction: Option<&PermissionSet>,
) -> (String, String) {
    let e = explained(p, permission, scope, ty, ident, restriction);
    assert!(!e.permitted, "{permission} in {scope}");
    let misses = e.near_misses.expect("a deny lists near misses");
    assert_eq!(misses.len(), 1, "{permission} in {scope}: {misses:?}");
    (e.reason, misses[0].why.clone())
}

#[test]
fn explain_says_why_each_grant_fell_short() {
    let web = "acme/eng/web";
    let teams = |ids: &[&str]| {
        policy(vec![custom_grant(
            &["sei_seiteams_edit"],
            web,
            &[(Excl, web)],
            vec![filter("SEI_TEAM", ids, None)],
            false,
        )])
    };
    let (_, why) = why_one(
        &teams(&["a"]),
        "sei_seiteams_edit",
        web,
        "SEI_TEAM",
        Some("b"),
        None,
    );
    assert_eq!(why, "the resource group does not select the resource");
    let (_, why) = why_one(
        &teams(&["a"]),
        "sei_seiteams_edit",
        web,
        "SEI_TEAM",
        None,
        None,
    );
    assert_eq!(
        why,
        "the resource group does not select every resource of the type"
    );

    let restricted = catalogue()
        .set_of(&["sei_seiteams_view".to_owned()])
        .unwrap();
    let (_, why) = why_one(
        &teams(&["a"]),
        "sei_seiteams_edit",
        web,
        "SEI_TEAM",
        Some("a"),
        Some(&restricted),
    );
    assert_eq!(
        why,
        "the credential's permission subset excludes the permission"
    );

    let eng_only = policy(vec![custom_grant(
        &["core_usergroup_view"],
        "acme",
        &[(Incl, "acme/eng")],
        vec![],
        true,
    )]);
    let (reason, why) = why_one(
        &eng_only,
        "core_usergroup_view",
        "acme/sales",
        "USERGROUP",
        Some("g"),
        None,
    );
    assert_eq!(
        reason,
        "no assignment grants `core_usergroup_view` on this resource"
    );
    assert_eq!(
        why,
        "the resource group does not include the resource's scope"
    );

    // The scope grant widens portal permissions only: a core permission at another
    // organization stays outside the assignment's scope.
    let crossing = policy(vec![custom_grant(
        &["core_usergroup_view", "CROSS_ORGANIZATION_ACCESS"],
        "acme/eng",
        &[(Incl, "acme/eng")],
        vec![],
        true,
    )]);
    assert!(crossing.has_cross_org(None));
    let (_, why) = why_one(
        &crossing,
        "core_usergroup_view",
        "acme/sales",
        "USERGROUP",
        Some("g"),
        None,
    );
    assert_eq!(
        why,
        "the assignment's scope does not contain the resource's scope"
    );

    // A portal resource of an organization that is not the caller's.
    let portal = PrincipalPolicy::new(
        user("gus"),
        Some(id("eng")),
        vec![custom_grant(
            &["API_READ"],
            "acme",
            &[(Incl, "acme")],
            vec![],
            true,
        )],
        SplitPhases::default(),
    );
    let (_, why) = why_one(&portal, "API_READ", "acme/sales", "API", Some("x"), None);
    assert_eq!(
        why,
        "the resource belongs to an organization that is not the caller's (CROSS_ORGANIZATION_ACCESS missing)"
    );
}

#[test]
fn explain_names_the_rule_a_request_broke_before_any_grant() {
    let admin = policy(vec![builtin_grant(
        "_account_admin",
        "_all_resources_including_child_scopes",
        "acme",
    )]);
    let reason = |permission: &str, scope: &str, ty: &str| {
        let e = explained(&admin, permission, scope, ty, Some("x"), None);
        assert!(!e.permitted);
        // Within the account the admin's grant fails on nothing of its own: no near miss.
        if scope.starts_with("acme/") {
            assert_eq!(e.near_misses.as_deref(), Some(&[][..]), "{}", e.reason);
        }
        e.reason
    };
    assert_eq!(
        reason("core_account_edit", "acme/eng/web", "ACCOUNT"),
        "permission `core_account_edit` is not available at the project level"
    );
    assert_eq!(
        reason("sei_seiteams_view", "acme/eng/web", "ROLE"),
        "permission `sei_seiteams_view` acts on `SEI_TEAM`, not `ROLE`"
    );
    assert_eq!(
        reason("sei_seiteams_view", "globex/eng/web", "SEI_TEAM"),
        "the resource belongs to another account"
    );
}
