//! Admin-plane integrity for the writes that hand out access indirectly (issue 12, found
//! unchecked by `cargo mutants` on the guard): enabling a disabled role assignment hands
//! its role out again, enabling a disabled user hands its grants back, moving a split pair
//! out of `off` gives create to every role holding edit, and moving a user's home
//! organization extends its portal grants to the new organization. Each is refused (403 naming what the writer lacks, audited,
//! nothing written) unless the writer holds what the write gives.

use serde_json::json;

use super::admin_rbac::has_audit;
use super::harness::TestApp;
use super::integrity::{assign, assignment, refused, role, ALL};

#[actix_web::test]
async fn enabling_an_assignment_gives_nothing_its_writer_lacks() {
    let app = TestApp::start().await;
    role(
        &app,
        "ra_mgr",
        &[
            "core_user_manage",
            "core_user_view",
            "core_role_view",
            "core_resourcegroup_view",
        ],
    )
    .await;
    let ram = app.user_with_role("ram", None, &[]).await;
    app.user_with_role("peg", None, &[]).await;
    let path = "/v1/role-assignments";
    assign(
        &app,
        path,
        assignment("ram_mgr", "ra_mgr", ALL, "USER", "ram"),
    )
    .await;
    let dormant = assignment("dormant", "_account_admin", ALL, "USER", "ram");
    let peer = assignment("peer", "ra_mgr", ALL, "USER", "peg");
    for body in [&dormant, &peer] {
        assign(&app, path, body.clone()).await;
        let id = body["identifier"].as_str().unwrap();
        let mut off = body.clone();
        off["disabled"] = json!(true);
        let a = app.admin("PUT", &format!("{path}/{id}"), Some(off)).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    let mut on = dormant.clone();
    on["disabled"] = json!(false);
    let a = app
        .call("PUT", &format!("{path}/dormant"), Some(&ram), Some(on))
        .await;
    let lacked = refused(&a);
    assert!(
        !["core_user_manage", "core_user_view"].contains(&lacked.as_str()),
        "names a permission of the admin role the writer lacks: {}",
        a.body
    );
    assert!(has_audit(
        &app,
        "role_assignment.update",
        "denied",
        "dormant"
    ));
    let stored = app.admin("GET", &format!("{path}/dormant"), None).await;
    assert_eq!(
        stored.body["role-assignment"]["disabled"], true,
        "nothing written: {}",
        stored.body
    );
    let audit = app.call("GET", "/v1/audit-events", Some(&ram), None).await;
    assert_eq!(audit.status, 403, "still no admin: {}", audit.body);

    // An assignment of a role the writer holds on the same group may be enabled.
    let mut on = peer.clone();
    on["disabled"] = json!(false);
    let a = app
        .call("PUT", &format!("{path}/peer"), Some(&ram), Some(on))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["role-assignment"]["disabled"], false, "{}", a.body);
}

#[actix_web::test]
async fn a_home_organization_extends_portal_grants_only_for_a_writer_who_holds_them() {
    let app = TestApp::start().await;
    app.seed_scopes().await;
    role(&app, "api_reader", &["API_READ"]).await;
    role(&app, "ug_view", &["core_usergroup_view"]).await;
    role(&app, "u_mgr", &["core_user_manage", "core_user_view"]).await;
    let um = app.user_with_role("um", None, &[]).await;
    // peg reads APIs account-wide, so only in its own organizations (no scope grant);
    // pia too, and already owns sales through an assignment there.
    app.user_with_role("peg", Some("eng"), &[]).await;
    app.user_with_role("pia", Some("eng"), &[]).await;
    let path = "/v1/role-assignments";
    for (id, role, who) in [
        ("um_mgr", "u_mgr", "um"),
        ("peg_api", "api_reader", "peg"),
        ("pia_api", "api_reader", "pia"),
    ] {
        assign(&app, path, assignment(id, role, ALL, "USER", who)).await;
    }
    let pia_sales = assignment("pia_ug", "ug_view", ALL, "USER", "pia");
    assign(&app, "/v1/orgs/sales/role-assignments", pia_sales).await;
    let to_sales = json!({"organization": "sales"});

    let a = app
        .call("PUT", "/v1/users/peg", Some(&um), Some(to_sales.clone()))
        .await;
    assert_eq!(refused(&a), "API_READ", "{}", a.body);
    assert!(
        a.body["resource"].as_str().unwrap().contains("sales"),
        "{}",
        a.body
    );
    assert!(has_audit(&app, "user.update", "denied", "peg"));
    let peg = app.admin("GET", "/v1/users/peg", None).await;
    assert_eq!(
        peg.body["organization"], "eng",
        "nothing written: {}",
        peg.body
    );

    // Moving into an organization the user already owns gives nothing new.
    let a = app
        .call("PUT", "/v1/users/pia", Some(&um), Some(to_sales.clone()))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["organization"], "sales", "{}", a.body);

    // A writer who holds the portal permission there may move peg.
    let a = app.admin("PUT", "/v1/users/peg", Some(to_sales)).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[actix_web::test]
async fn enabling_a_user_gives_back_grants_its_writer_must_hold() {
    let app = TestApp::start().await;
    role(&app, "u_mgr", &["core_user_manage", "core_user_view"]).await;
    let um = app.user_with_role("um", None, &[]).await;
    app.user_with_role("dora", None, &[]).await;
    app.user_with_role("pat", None, &[]).await;
    let path = "/v1/role-assignments";
    assign(&app, path, assignment("um_mgr", "u_mgr", ALL, "USER", "um")).await;
    assign(
        &app,
        path,
        assignment("dora_admin", "_account_admin", ALL, "USER", "dora"),
    )
    .await;
    let off = json!({"disabled": true});
    let on = json!({"disabled": false});
    for who in ["dora", "pat"] {
        let a = app
            .admin("PUT", &format!("/v1/users/{who}"), Some(off.clone()))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    let a = app
        .call("PUT", "/v1/users/dora", Some(&um), Some(on.clone()))
        .await;
    let lacked = refused(&a);
    assert!(
        !["core_user_manage", "core_user_view"].contains(&lacked.as_str()),
        "{}",
        a.body
    );
    assert!(has_audit(&app, "user.update", "denied", "dora"));
    let dora = app.admin("GET", "/v1/users/dora", None).await;
    assert_eq!(
        dora.body["disabled"], true,
        "nothing written: {}",
        dora.body
    );

    // A user whose grants the writer holds (none) may be enabled.
    let a = app.call("PUT", "/v1/users/pat", Some(&um), Some(on)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["disabled"], false, "{}", a.body);
}

#[actix_web::test]
async fn leaving_split_phase_off_needs_the_create_permission_it_hands_out() {
    let app = TestApp::start().await;
    role(&app, "pipeline_editor", &["core_pipeline_edit"]).await;
    role(
        &app,
        "acct_edit",
        &["core_account_edit", "core_account_view"],
    )
    .await;
    role(
        &app,
        "acct_pipelines",
        &[
            "core_account_edit",
            "core_account_view",
            "core_pipeline_create",
        ],
    )
    .await;
    let ed = app.user_with_role("ed", None, &[]).await;
    let cy = app.user_with_role("cy", None, &[]).await;
    app.user_with_role("pat", None, &[]).await;
    let path = "/v1/role-assignments";
    for (id, role, who) in [
        ("ed_acct", "acct_edit", "ed"),
        ("cy_acct", "acct_pipelines", "cy"),
        ("pat_pipes", "pipeline_editor", "pat"),
    ] {
        assign(&app, path, assignment(id, role, ALL, "USER", who)).await;
    }
    let splits = "/v1/settings/permission-splits";
    let to = |ty: &str, phase: &str| json!({"resource_type": ty, "phase": phase});

    let a = app
        .call("PUT", splits, Some(&ed), Some(to("PIPELINE", "migration")))
        .await;
    assert_eq!(refused(&a), "core_pipeline_create", "{}", a.body);
    assert!(
        a.body["resource"].as_str().unwrap().contains("pat_pipes"),
        "{}",
        a.body
    );
    assert!(has_audit(
        &app,
        "permission_split.update",
        "denied",
        "PIPELINE"
    ));
    let list = app.admin("GET", splits, None).await;
    assert_eq!(
        list.body[0]["phase"], "off",
        "nothing written: {}",
        list.body
    );

    // No role holds template edit: leaving `off` hands nothing out.
    let a = app
        .call("PUT", splits, Some(&ed), Some(to("TEMPLATE", "migration")))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    // A writer holding the create permission may move the pair; past `off` nothing is
    // handed out any more.
    let a = app
        .call("PUT", splits, Some(&cy), Some(to("PIPELINE", "migration")))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body["roles_changed"],
        json!([{"role": "pipeline_editor", "scope": "acme"}])
    );
    let a = app
        .call("PUT", splits, Some(&ed), Some(to("PIPELINE", "enforced")))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}
