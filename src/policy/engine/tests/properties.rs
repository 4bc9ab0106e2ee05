//! Property tests of the engine: adding access never removes it, disabled and empty
//! grants never grant.

use proptest::prelude::*;

use super::*;

fn arb_grant() -> impl Strategy<Value = Grant> {
    let roles = prop::sample::select(vec![
        "_sei_admin",
        "_sei_viewer",
        "_sei_team_manager",
        "Basic_User",
        "_project_viewer",
    ]);
    let scopes = prop::sample::select(vec!["acme", "acme/eng", "acme/eng/web", "acme/sales"]);
    let ids = prop::sample::subsequence(vec!["t1", "t2", "t3"], 0..3);
    (
        roles,
        scopes,
        ids,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(role, scope, ids, all, incl, disabled)| {
            let mut g = custom_grant(
                &[],
                scope,
                &[(if incl { Incl } else { Excl }, scope)],
                vec![filter("SEI_TEAM", &ids, None)],
                false,
            );
            if all {
                g.group = Arc::new(ResourceGroup {
                    resource_filters: vec![],
                    include_all_resources: true,
                    ..(*g.group).clone()
                });
            }
            g.permissions = builtin_role(role).unwrap().permissions;
            g.role = id(role);
            g.disabled = disabled;
            g
        })
}

fn arb_question() -> impl Strategy<Value = (&'static str, &'static str, Option<&'static str>)> {
    (
        prop::sample::select(vec![
            "sei_seiteams_view",
            "sei_seiteams_edit",
            "sei_seiteams_create",
        ]),
        prop::sample::select(vec!["acme/eng/web", "acme/sales/x", "acme/eng/api"]),
        prop::sample::select(vec![Some("t1"), Some("t2"), Some("t9"), None]),
    )
}

proptest! {
    #[test]
    fn adding_an_assignment_never_removes_access(grants in prop::collection::vec(arb_grant(), 0..6), extra in arb_grant(), q in arb_question()) {
        let before = policy(grants.clone());
        let mut more = grants;
        more.push(extra);
        let after = policy(more);
        if allowed(&before, q.0, q.1, "SEI_TEAM", q.2) {
            prop_assert!(allowed(&after, q.0, q.1, "SEI_TEAM", q.2));
        }
    }

    #[test]
    fn a_disabled_assignment_never_grants(mut grant in arb_grant(), q in arb_question()) {
        grant.disabled = true;
        prop_assert!(!allowed(&policy(vec![grant]), q.0, q.1, "SEI_TEAM", q.2));
    }

    #[test]
    fn an_empty_group_grants_nothing(mut grant in arb_grant(), q in arb_question()) {
        let g = ResourceGroup { resource_filters: vec![], include_all_resources: false, ..(*grant.group).clone() };
        grant.group = Arc::new(g);
        prop_assert!(!allowed(&policy(vec![grant.clone()]), q.0, q.1, "SEI_TEAM", q.2));
        let no_scope = ResourceGroup { included_scopes: vec![], include_all_resources: true, ..(*grant.group).clone() };
        grant.group = Arc::new(no_scope);
        prop_assert!(!allowed(&policy(vec![grant]), q.0, q.1, "SEI_TEAM", q.2));
    }
}
