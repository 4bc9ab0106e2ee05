//! The rules issue 12 moved into the engine: a disabled principal, scope grants that need a
//! group selecting something, implicit visibility for lists, the permissions held at a
//! scope, and the no-escalation comparison. One table per rule.

use std::sync::Arc;

use super::*;

fn allowed_ids_of(p: &PrincipalPolicy, permission: &str, scope: &str, ty: &str) -> AllowedIds {
    allowed_ids(p, perm(permission), &s(scope), ty, None, &[])
}

fn held(p: &PrincipalPolicy, scope: &str) -> Vec<String> {
    let mut ids = catalogue().identifiers(&held_at(p, &s(scope), None));
    ids.sort();
    ids
}

#[test]
fn a_disabled_principal_is_permitted_nothing() {
    let admin = builtin_grant(
        "_account_admin",
        "_all_resources_including_child_scopes",
        "acme",
    );
    let p = policy(vec![admin]).with_disabled(true);
    assert!(!allowed(&p, "core_role_view", "acme", "ROLE", Some("r")));
    assert!(!allowed(
        &p,
        "core_account_view",
        "acme",
        "ACCOUNT",
        Some("acme")
    ));
    assert_eq!(
        allowed_ids_of(&p, "core_role_view", "acme", "ROLE"),
        AllowedIds::Denied
    );
    assert!(held_at(&p, &s("acme"), None).is_empty());
    assert!(p.all_permissions().is_empty());
    let sc = s("acme");
    let req = Request {
        permission: perm("core_role_view"),
        resource: Resource {
            scope: &sc,
            resource_type: "ROLE",
            identifier: None,
            attributes: &Attributes::new(),
        },
        restriction: None,
    };
    let why = explain(&p, &req);
    assert!(why.reason.contains("disabled"), "{}", why.reason);
    assert_eq!(why.near_misses, Some(Vec::new()));
    let group = builtin_group("_all_resources_including_child_scopes", &sc).unwrap();
    assert!(!holds_on_group(
        &p,
        None,
        perm("core_role_view"),
        &group,
        &sc
    ));
    assert!(!holds_type_wide(&p, None, perm("core_role_view"), &sc));
    assert!(!policy(vec![]).with_disabled(false).disabled);
}

#[test]
fn scope_grants_come_only_from_groups_that_select_something_there() {
    let basic = builtin_grant(
        "Basic_User",
        "_all_resources_including_child_scopes",
        "acme/eng",
    );
    let global = |included: &[(ScopeFilter, &str)], filters: Vec<ResourceFilter>, all: bool| {
        let mut g = custom_grant(
            &["CROSS_ORGANIZATION_ACCESS"],
            "acme/eng",
            included,
            filters,
            all,
        );
        g.assignment = id("cross");
        g
    };
    let cases: Vec<(&str, Grant, bool)> = vec![
        (
            "all resources of the org",
            global(&[(Incl, "acme/eng")], vec![], true),
            true,
        ),
        (
            "a filter at the org",
            global(&[(Excl, "acme/eng")], vec![filter("API", &[], None)], false),
            true,
        ),
        ("no included scope", global(&[], vec![], true), false),
        (
            "no resources",
            global(&[(Incl, "acme/eng")], vec![], false),
            false,
        ),
        (
            "only a project below",
            global(&[(Excl, "acme/eng/web")], vec![], true),
            false,
        ),
    ];
    for (what, grant, widens) in cases {
        let p = PrincipalPolicy::new(
            user("gus"),
            Some(id("eng")),
            vec![basic.clone(), grant.clone()],
            SplitPhases::default(),
        );
        assert_eq!(p.has_cross_org(None), widens, "{what}");
        assert_eq!(
            allowed(&p, "API_READ", "acme/sales", "API", Some("checkout")),
            widens,
            "{what}"
        );
        let mut off = grant;
        off.disabled = true;
        let p = PrincipalPolicy::new(
            user("gus"),
            Some(id("eng")),
            vec![basic.clone(), off],
            SplitPhases::default(),
        );
        assert!(!p.has_cross_org(None), "{what}, disabled");
    }
}

#[test]
fn organizations_of_a_principal_and_its_permissions() {
    let mut off = builtin_grant(
        "Basic_User",
        "_all_resources_including_child_scopes",
        "acme/sales",
    );
    off.disabled = true;
    let on = builtin_grant(
        "_sei_viewer",
        "_all_resources_including_child_scopes",
        "acme/eng",
    );
    let p = PrincipalPolicy::new(
        user("o"),
        Some(id("hq")),
        vec![off, on],
        SplitPhases::default(),
    );
    let orgs: Vec<&str> = p.own_orgs().iter().map(|o| o.as_str()).collect();
    assert_eq!(
        orgs,
        ["hq", "eng"],
        "home first, then enabled org-scoped assignments"
    );
    let all = p.all_permissions();
    assert!(all.contains(perm("sei_seiteams_view")));
    assert!(
        !all.contains(perm("API_READ")),
        "a disabled grant gives nothing"
    );
    let project = builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        "acme/eng/web",
    );
    let p = PrincipalPolicy::new(user("o"), None, vec![project], SplitPhases::default());
    assert!(
        p.own_orgs().is_empty(),
        "a project assignment is not an organization's"
    );
}

#[test]
fn implicit_visibility_is_for_the_three_scope_views_only() {
    let p = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        "acme/eng/web",
    )]);
    let rows: &[(&str, &str, &str, Option<&str>, bool)] = &[
        ("core_account_view", "acme", "ACCOUNT", Some("acme"), true),
        (
            "core_account_view",
            "acme",
            "ACCOUNT",
            Some("globex"),
            false,
        ),
        (
            "core_organization_view",
            "acme",
            "ORGANIZATION",
            Some("eng"),
            true,
        ),
        ("core_organization_view", "acme", "ORGANIZATION", None, true),
        (
            "core_organization_view",
            "acme",
            "ORGANIZATION",
            Some("sales"),
            false,
        ),
        (
            "core_organization_view",
            "acme/eng",
            "ORGANIZATION",
            Some("eng"),
            false,
        ),
        (
            "core_project_view",
            "acme/eng",
            "PROJECT",
            Some("web"),
            true,
        ),
        ("core_project_view", "acme/eng", "PROJECT", None, true),
        ("core_project_view", "acme/sales", "PROJECT", None, false),
        (
            "core_project_view",
            "acme/eng",
            "PROJECT",
            Some("bad id!"),
            false,
        ),
        (
            "core_project_view",
            "acme/eng/web",
            "PROJECT",
            Some("web"),
            false,
        ),
        (
            "core_project_edit",
            "acme/eng",
            "PROJECT",
            Some("web"),
            false,
        ),
    ];
    for (permission, scope, ty, ident, expected) in rows {
        assert_eq!(
            allowed(&p, permission, scope, ty, *ident),
            *expected,
            "{permission} {ty}/{ident:?} in {scope}"
        );
    }
    let restricted = catalogue()
        .set_of(&["sei_seiteams_view".to_owned()])
        .unwrap();
    assert!(!allowed_with(
        &p,
        "core_project_view",
        "acme/eng",
        "PROJECT",
        Some("web"),
        &Attributes::new(),
        Some(&restricted)
    ));
    // Lists reveal the visible scopes by identifier; an including ancestor reveals all.
    let ids = |v: &[&str]| AllowedIds::Some(v.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        allowed_ids_of(&p, "core_organization_view", "acme", "ORGANIZATION"),
        ids(&["eng"])
    );
    assert_eq!(
        allowed_ids_of(&p, "core_project_view", "acme/eng", "PROJECT"),
        ids(&["web"])
    );
    assert_eq!(
        allowed_ids_of(&p, "core_project_view", "acme/sales", "PROJECT"),
        AllowedIds::Denied
    );
    assert_eq!(
        allowed_ids_of(&p, "core_account_view", "acme", "ACCOUNT"),
        ids(&["acme"])
    );
    let org = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_resources_including_child_scopes",
        "acme/eng",
    )]);
    assert_eq!(
        allowed_ids_of(&org, "core_project_view", "acme/eng", "PROJECT"),
        AllowedIds::All
    );
    let excluding = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        "acme/eng",
        &[(Excl, "acme/eng")],
        vec![],
        true,
    )]);
    assert_eq!(
        allowed_ids_of(&excluding, "core_project_view", "acme/eng", "PROJECT"),
        AllowedIds::Denied
    );
}

#[test]
fn permissions_held_at_a_scope() {
    let team_a = custom_grant(
        &["sei_seiteams_view", "sei_seiteams_edit"],
        "acme/eng/web",
        &[(Excl, "acme/eng/web")],
        vec![filter("SEI_TEAM", &["team-a"], None)],
        false,
    );
    let p = policy(vec![team_a]);
    let at_web = held(&p, "acme/eng/web");
    assert!(
        at_web.contains(&"sei_seiteams_edit".to_owned()),
        "a group of some teams still holds team permissions"
    );
    assert!(!at_web.contains(&"sei_seiinsights_view".to_owned()));
    assert_eq!(
        held(&p, "acme/eng"),
        ["core_project_view"],
        "only the visibility of its project"
    );
    assert_eq!(held(&p, "acme/sales"), Vec::<String>::new());
    assert_eq!(
        held(&p, "acme"),
        ["core_account_view", "core_organization_view"]
    );
    let restricted = catalogue()
        .set_of(&["sei_seiteams_view".to_owned()])
        .unwrap();
    let within = catalogue().identifiers(&held_at(&p, &s("acme/eng/web"), Some(&restricted)));
    assert_eq!(within, ["sei_seiteams_view"]);
}

#[test]
fn the_first_lack_of_a_write() {
    let all = "_all_resources_including_child_scopes";
    let writer = policy(vec![builtin_grant("_sei_admin", all, "acme")]);
    let group = Arc::new(builtin_group(all, &s("acme")).unwrap());
    let grant = |role: &str| Gain::Grant {
        permissions: builtin_role(role).unwrap().permissions,
        group: group.clone(),
        at: s("acme"),
        target: format!("{role} target"),
    };
    assert_eq!(first_lack(&writer, None, &[grant("_sei_viewer")]), None);
    let lack = first_lack(
        &writer,
        None,
        &[grant("_sei_viewer"), grant("_account_admin")],
    )
    .expect("lacks");
    assert_eq!(lack.target, "_account_admin target");
    assert!(!builtin_role("_sei_admin")
        .unwrap()
        .permissions
        .contains(lack.permission));
    let define = |p: &[&str], at: &str| Gain::Definition {
        permissions: catalogue()
            .set_of(&p.iter().map(|x| x.to_string()).collect::<Vec<_>>())
            .unwrap(),
        at: s(at),
        target: "role".into(),
    };
    assert_eq!(
        first_lack(&writer, None, &[define(&["sei_seiteams_view"], "acme/eng")]),
        None
    );
    assert!(first_lack(&writer, None, &[define(&["core_account_edit"], "acme")]).is_some());
    let narrow = catalogue()
        .set_of(&["sei_seiteams_view".to_owned()])
        .unwrap();
    let owner_holds = builtin_role("_sei_admin").unwrap().permissions;
    let credential = |restriction| Gain::Credential {
        restriction,
        owner_holds,
        target: "token".into(),
    };
    assert_eq!(
        first_lack(&writer, None, &[credential(None)]),
        None,
        "an unrestricted writer"
    );
    assert!(
        first_lack(&writer, Some(&narrow), &[credential(None)]).is_some(),
        "wider than the writer's credential"
    );
    assert_eq!(
        first_lack(&writer, Some(&narrow), &[credential(Some(narrow))]),
        None
    );
    assert!(
        first_lack(&writer, Some(&narrow), &[grant("_sei_viewer")]).is_some(),
        "a restricted writer holds less"
    );
    assert_eq!(first_lack(&writer, None, &[]), None);
}

#[test]
fn a_group_within_a_scope() {
    let g = custom_grant(
        &[],
        "acme",
        &[(Incl, "acme"), (Excl, "acme/sales"), (Excl, "acme/eng/web")],
        vec![],
        true,
    )
    .group;
    let within = g.within(&s("acme/eng"));
    let kept: Vec<(ScopeFilter, String)> = within
        .included_scopes
        .iter()
        .map(|i| (i.filter, i.scope.to_string()))
        .collect();
    assert_eq!(
        kept,
        [
            (Incl, "acme/eng".to_owned()),
            (Excl, "acme/eng/web".to_owned())
        ]
    );
    assert!(g
        .within(&s("acme/eng/api"))
        .covers_scope(&s("acme/eng/api")));
}

#[test]
fn only_an_attribute_filter_makes_a_decision_need_registry_attributes() {
    let by_attribute = custom_grant(
        &["sei_seiteams_view"],
        "acme",
        &[(Incl, "acme")],
        vec![filter("SEI_TEAM", &[], Some(("team", &["bravo"])))],
        false,
    );
    let by_identifier = custom_grant(
        &["core_role_view"],
        "acme",
        &[(Incl, "acme")],
        vec![filter("ROLE", &["r1"], None)],
        false,
    );
    let p = policy(vec![by_attribute, by_identifier]);
    assert!(p.filters_attributes_of("SEI_TEAM"));
    assert!(!p.filters_attributes_of("ROLE"), "an identifier filter");
    assert!(!p.filters_attributes_of("PROFILE"), "no filter of the type");
    assert!(!policy(Vec::new()).filters_attributes_of("SEI_TEAM"));
}

#[test]
fn an_account_only_group_reveals_no_organization_or_project() {
    let p = policy(vec![custom_grant(
        &["sei_seiteams_view"],
        "acme",
        &[(Excl, "acme")],
        vec![],
        true,
    )]);
    assert!(allowed(&p, "core_account_view", "acme", "ACCOUNT", None));
    assert!(!allowed(
        &p,
        "core_organization_view",
        "acme",
        "ORGANIZATION",
        None
    ));
    assert!(!allowed(
        &p,
        "core_project_view",
        "acme/eng",
        "PROJECT",
        None
    ));
}

#[test]
fn holding_a_permission_on_a_group() {
    let group = |scope: &str, included: &[(ScopeFilter, &str)], all: bool| {
        custom_grant(&[], scope, included, vec![], all).group
    };
    let nothing = policy(Vec::new());
    let view = perm("core_role_view");
    // A target that selects nothing widens nothing, whoever hands it out.
    let empty = group("acme", &[(Incl, "acme")], false);
    assert!(empty.is_empty());
    assert!(holds_on_group(&nothing, None, view, &empty, &s("acme")));
    // Nor does one whose scopes the permission does not exist at.
    let project = group("acme/eng/web", &[(Excl, "acme/eng/web")], true);
    assert!(holds_on_group(
        &nothing,
        None,
        perm("core_account_edit"),
        &project,
        &s("acme/eng/web")
    ));
    assert!(!holds_on_group(
        &nothing,
        None,
        view,
        &project,
        &s("acme/eng/web")
    ));

    // Portal permissions reach past the writer's own organizations only with the scope grant.
    let api = perm("API_READ");
    let eng = group("acme/eng", &[(Incl, "acme/eng")], true);
    let sales = group("acme/sales", &[(Incl, "acme/sales")], true);
    let writer = |perms: &[&str]| {
        PrincipalPolicy::new(
            user("gus"),
            Some(id("eng")),
            vec![custom_grant(perms, "acme", &[(Incl, "acme")], vec![], true)],
            SplitPhases::default(),
        )
    };
    let plain = writer(&["API_READ"]);
    assert!(!plain.has_cross_org(None));
    assert!(holds_on_group(&plain, None, api, &eng, &s("acme/eng")));
    assert!(!holds_on_group(&plain, None, api, &sales, &s("acme/sales")));
    let cross = writer(&["API_READ", "CROSS_ORGANIZATION_ACCESS"]);
    assert!(cross.has_cross_org(None));
    assert!(holds_on_group(&cross, None, api, &sales, &s("acme/sales")));
}

#[test]
fn lists_at_another_organization_widen_for_portal_permissions_only() {
    let crossing = policy(vec![custom_grant(
        &[
            "core_usergroup_view",
            "API_READ",
            "CROSS_ORGANIZATION_ACCESS",
        ],
        "acme/eng",
        &[(Incl, "acme/eng")],
        vec![],
        true,
    )]);
    assert!(crossing.has_cross_org(None));
    assert_eq!(
        allowed_ids_of(&crossing, "core_usergroup_view", "acme/eng", "USERGROUP"),
        AllowedIds::All
    );
    assert_eq!(
        allowed_ids_of(&crossing, "core_usergroup_view", "acme/sales", "USERGROUP"),
        AllowedIds::Denied
    );
    assert_eq!(
        allowed_ids_of(&crossing, "API_READ", "acme/sales", "API"),
        AllowedIds::All
    );
}

#[test]
fn implicit_visibility_in_lists_follows_the_credential_restriction() {
    let p = policy(vec![builtin_grant(
        "_sei_viewer",
        "_all_project_level_resources",
        "acme/eng/web",
    )]);
    let list = |only: &str| {
        let restriction = catalogue().set_of(&[only.to_owned()]).unwrap();
        allowed_ids(
            &p,
            perm("core_project_view"),
            &s("acme/eng"),
            "PROJECT",
            Some(&restriction),
            &[],
        )
    };
    let web = AllowedIds::Some(["web".to_owned()].into_iter().collect());
    assert_eq!(list("core_project_view"), web);
    assert_eq!(list("sei_seiteams_view"), AllowedIds::Denied);
}
