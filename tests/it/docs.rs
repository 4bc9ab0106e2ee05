//! Generated documents stay identical to the code that generates them.

#[test]
fn roles_md_matches_the_code() {
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ROLES.md"))
        .expect("docs/ROLES.md");
    let generated = scopegate::policy::roles_doc::roles_markdown();
    assert!(
        on_disk == generated,
        "docs/ROLES.md is stale: run `cargo run -- roles --markdown > docs/ROLES.md`"
    );
}

#[test]
fn routes_md_matches_the_packs() {
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ROUTES.md"))
        .expect("docs/ROUTES.md");
    let generated = scopegate::config::routes_markdown();
    assert!(!generated.contains("does not compile"), "{generated}");
    assert!(
        on_disk == generated,
        "docs/ROUTES.md is stale: run `cargo run -- routes --markdown > docs/ROUTES.md`"
    );
}
