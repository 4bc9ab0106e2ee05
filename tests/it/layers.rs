//! The layering rule of docs/ARCHITECTURE.md: a module imports only from modules of a lower
//! layer (or from itself). This test reads every source file and fails on a violation.

use std::path::Path;

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

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel
            .components()
            .next()
            .expect("component")
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = rank(&first) else { continue };
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                let after = &rest[i + 7..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if let Some(r) = rank(&name) {
                    if name != first && r >= own {
                        violations.push(format!(
                            "{}:{}: `{first}` imports `{name}`",
                            rel.display(),
                            n + 1
                        ));
                    }
                }
                rest = after;
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
    assert!(files.len() > 10, "the scan found the sources");
}
