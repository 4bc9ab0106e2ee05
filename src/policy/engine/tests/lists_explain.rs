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
