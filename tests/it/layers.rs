//! The layering rules of docs/ARCHITECTURE.md, checked on every source file:
//! - a module imports only from modules of a lower rank (or from itself), whether it names
//!   them as `crate::x`, in a grouped `use crate::{x, y::z}`, or through `super::` paths;
//! - the "must never" rules of the table: no I/O, clock, actix or diesel in `policy`; no
//!   files or environment in `config`; no actix or HTTP client below the web layer; no
//!   diesel above `storage`;
//! - no admin-API or gateway module hands out a guard permit of its own
//!   (`Permit::system` is for bootstrap, the demo seed and tests);
//! - the admin API's modules import each other without cycles.
//!
//! The scanner itself is tested on made-up sources at the bottom, so a rule that stops
//! matching fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module name -> rank. Equal ranks of different modules may not import each other.
const RANKS: &[(&str, u8)] = &[
    ("policy", 0),
    ("config", 1),
    ("storage", 2),
    ("authn", 3),
    ("authz", 4),
    ("web", 5),
    ("gateway", 6),
    ("admin", 6),
    ("demo", 6),
    ("app", 7),
];

/// What a module must never use: (modules it applies to, forbidden text, why).
const NEVER: &[(&[&str], &str, &str)] = &[
    (&["policy"], "std::fs", "policy does no I/O"),
    (&["policy"], "std::net", "policy does no I/O"),
    (&["policy"], "std::env", "policy does no I/O"),
    (&["policy"], "tokio", "policy does no I/O"),
    (
        &["policy"],
        "SystemTime::now",
        "policy reads no clock (time is passed in)",
    ),
    (
        &["policy"],
        "Instant::now",
        "policy reads no clock (time is passed in)",
    ),
    (
        &["policy", "config", "storage", "authn", "authz"],
        "actix",
        "only the web layers know actix",
    ),
    (
        &["policy", "config", "storage", "authn", "authz"],
        "awc",
        "only the gateway forwards",
    ),
    (&["policy", "config"], "diesel", "only storage knows diesel"),
    (
        &["config"],
        "std::fs",
        "config reads no files (the CLI hands them in)",
    ),
    (
        &["config"],
        "std::env",
        "config reads no environment (the CLI hands it in)",
    ),
    (
        &["authn", "authz", "web", "gateway", "admin", "demo", "app"],
        "diesel",
        "storage hands no diesel types upward",
    ),
    (
        &["gateway", "admin"],
        "Permit::system",
        "a handler's write passes the no-escalation guard",
    ),
];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`admin/rbac/roles.rs` -> `[admin, rbac, roles]`).
fn module_path(rel: &Path) -> Vec<String> {
    rel.components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .filter(|c| c != "lib" && c != "main")
        .collect()
}

/// Test code is not held to the rules (fixtures build what handlers may not).
fn is_test_file(rel: &Path) -> bool {
    let text = rel.to_string_lossy();
    text.ends_with("_tests.rs")
        || text.ends_with("test_support.rs")
        || text.contains("/tests/")
        || text.ends_with("/tests.rs")
}

/// The source without comments and without a trailing `#[cfg(test)] mod tests` block.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The top-level modules a file refers to: `crate::x`, `crate::{x, y}` and `super::` paths
/// resolved against the file's own module path.
fn references(module: &[String], code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + 7..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        out.insert(ident_at(&group[k..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident_at(after));
        }
        rest = after;
    }
    let mut rest = code;
    while let Some(i) = rest.find("super::") {
        let preceded = i >= 7 && &rest[i - 7..i] == "super::";
        let mut after = &rest[i..];
        if !preceded {
            let mut depth = 0;
            while let Some(next) = after.strip_prefix("super::") {
                depth += 1;
                after = next;
            }
            // `mod.rs`-free layout: `super` of `a/b/c` is `a/b`.
            if module.len() > depth {
                let base = &module[..module.len() - depth];
                let target = if base.is_empty() {
                    ident_at(after)
                } else {
                    base[0].clone()
                };
                out.insert(target);
            } else if module.len() == depth {
                out.insert(ident_at(after));
            }
        }
        rest = &rest[i + 7..];
    }
    out
}

/// Violations of the rank rule and of the "must never" table in one file.
fn violations(rel: &Path, text: &str) -> Vec<String> {
    let module = module_path(rel);
    let Some(first) = module.first() else {
        return Vec::new();
    };
    let Some(own) = rank(first) else {
        return Vec::new();
    };
    let code = code_of(text);
    let mut out = Vec::new();
    for name in references(&module, &code) {
        if let Some(r) = rank(&name) {
            if &name != first && r >= own {
                out.push(format!("{}: `{first}` imports `{name}`", rel.display()));
            }
        }
    }
    for (modules, needle, why) in NEVER {
        if modules.contains(&first.as_str()) && code.contains(needle) {
            out.push(format!("{}: `{needle}` in `{first}`: {why}", rel.display()));
        }
    }
    out
}

#[test]
fn modules_keep_their_layers_and_must_nevers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        if is_test_file(rel) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read");
        found.extend(violations(rel, &text));
    }
    assert!(
        found.is_empty(),
        "layering violations:\n{}",
        found.join("\n")
    );
    assert!(files.len() > 50, "the scan found the sources");
}

/// Sibling modules of `admin` (`admin/x.rs` and `admin/x/…` form `x`) and whom they import.
fn admin_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src.join("admin"), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let module = module_path(rel);
        let code = code_of(&std::fs::read_to_string(&file).expect("read"));
        let from = module[1].clone();
        let entry = graph.entry(from.clone()).or_default();
        let mut rest = code.as_str();
        while let Some(i) = rest.find("admin::") {
            let name = ident_at(&rest[i + 7..]);
            if name != from && !name.is_empty() {
                entry.insert(name);
            }
            rest = &rest[i + 7..];
        }
        if module.len() == 2 {
            // `admin/x.rs`: `super::y` is a sibling.
            let mut rest = code.as_str();
            while let Some(i) = rest.find("super::") {
                let name = ident_at(&rest[i + 7..]);
                if name != from && !name.is_empty() && name != "super" {
                    entry.insert(name);
                }
                rest = &rest[i + 7..];
            }
        }
    }
    graph
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_owned());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|k| visit(k, graph, &mut Vec::new(), &mut done))
}

#[test]
fn admin_modules_import_each_other_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = admin_graph(&src);
    assert!(graph.contains_key("rbac") && graph.contains_key("principals"));
    if let Some(c) = cycle(&graph) {
        panic!("admin import cycle: {}", c.join(" -> "));
    }
    for grouped in ["access", "ng", "orgs", "principals", "rbac"] {
        let mut files = Vec::new();
        rust_files(&src.join("admin").join(grouped), &mut files);
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in &files {
            let name = file.file_stem().unwrap().to_string_lossy().to_string();
            let code = code_of(&std::fs::read_to_string(file).unwrap());
            let deps = g.entry(name.clone()).or_default();
            for other in &files {
                let o = other.file_stem().unwrap().to_string_lossy().to_string();
                if o != name
                    && (code.contains(&format!("super::{o}::"))
                        || code.contains(&format!("super::{o};"))
                        || code.contains(&format!("{grouped}::{o}::")))
                {
                    deps.insert(o);
                }
            }
        }
        if let Some(c) = cycle(&g) {
            panic!("import cycle in admin::{grouped}: {}", c.join(" -> "));
        }
    }
}

#[test]
fn the_scanner_sees_each_kind_of_import_and_rule() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "storage/x.rs",
            "use crate::gateway::proxy;",
            &["`storage` imports `gateway`"],
        ),
        (
            "storage/x.rs",
            "use crate::{policy::Scope, admin::AdminState};",
            &["`storage` imports `admin`"],
        ),
        (
            "storage/x.rs",
            "use crate::{\n    policy,\n    web::{now_ms, ApiError},\n};",
            &["`storage` imports `web`"],
        ),
        (
            "gateway.rs",
            "use super::admin::AdminState;",
            &["`gateway` imports `admin`"],
        ),
        (
            "admin/rbac/roles.rs",
            "use super::super::super::gateway::x;",
            &["`admin` imports `gateway`"],
        ),
        (
            "admin/rbac/roles.rs",
            "use super::common::x; use crate::admin::audit;",
            &[],
        ),
        (
            "policy/engine.rs",
            "let t = std::time::SystemTime::now();",
            &["policy reads no clock"],
        ),
        ("policy/x.rs", "use std::fs::read;", &["policy does no I/O"]),
        (
            "config.rs",
            "let v = std::env::var(\"X\");",
            &["config reads no environment"],
        ),
        (
            "authz.rs",
            "use actix_web::web;",
            &["only the web layers know actix"],
        ),
        (
            "admin/error.rs",
            "diesel::result::Error::NotFound",
            &["storage hands no diesel types upward"],
        ),
        (
            "admin/x.rs",
            "Assignments::insert(c, Permit::system(w))",
            &["passes the no-escalation guard"],
        ),
        (
            "policy/x.rs",
            "// std::fs is mentioned in a comment only",
            &[],
        ),
        (
            "policy/x.rs",
            "fn a() {}\n#[cfg(test)]\nmod tests {\n use std::fs;\n}",
            &[],
        ),
    ];
    for (file, code, expected) in cases {
        let found = violations(Path::new(file), code);
        assert_eq!(found.len(), expected.len(), "{file}: {code:?} -> {found:?}");
        for (f, e) in found.iter().zip(expected.iter()) {
            assert!(f.contains(e), "{file}: {f} should say {e}");
        }
    }
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("a".into());
    assert!(cycle(&g).is_some(), "a cycle is found");
}
