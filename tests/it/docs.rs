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
