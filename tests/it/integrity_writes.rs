//! Admin-plane integrity for the writes that hand out access indirectly (issue 12, found
//! unchecked by `cargo mutants` on the guard): enabling a disabled role assignment hands
//! its role out again, and moving a user's home organization extends its portal grants
//! to the new organization. Each is refused (403 naming what the writer lacks, audited,
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
