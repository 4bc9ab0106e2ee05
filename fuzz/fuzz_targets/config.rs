//! Configuration parsing (DESIGN §4.2) through the entry the CLI uses: the file's TOML
//! text plus `SCOPEGATE_<SECTION>__<KEY>` environment pairs into `Config::parse`, then the
//! route table compiled from the packs and `[[routes]]` (`Config::compile_routes`).
//!
//! Invariants: nothing panics; every refusal names where it comes from: a key error names
//! the file and the key (never just the root), an environment error names the variable, a syntax error
//! names the file and the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopegate::config::{Config, ConfigError};

const ORIGIN: &str = "fuzz.toml";

// The input is the file's text, then NUL-separated `NAME=VALUE` environment pairs; a file
// part of exactly `-` means "no file" (built-in defaults). Seeds in `corpus/config` and
// the names in `dict/config.dict` keep the fuzzer on real keys.
fuzz_target!(|data: &str| {
    let mut parts = data.split('\0');
    let file = parts.next().filter(|f| *f != "-");
    let env: Vec<(String, String)> = parts
        .take(8)
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect();
    match Config::parse(file, ORIGIN, &env) {
        Ok(config) => {
            if let Err(e) = config.compile_routes(ORIGIN) {
                check_error(&e);
            }
        }
        Err(e) => check_error(&e),
    }
});

fn check_error(e: &ConfigError) {
    let text = e.to_string();
    match e {
        ConfigError::Syntax { origin, .. } => {
            assert!(!origin.is_empty());
            assert!(
                text.contains("line "),
                "a syntax error names the line: {text}"
            );
        }
        ConfigError::Key { origin, key, .. } => {
            assert!(!origin.is_empty());
            // The key as TOML writes it: never empty, and `.` (the whole document) never,
            // since a key named `.` is quoted.
            assert!(
                !key.is_empty() && key != ".",
                "a key error names the key: {text}"
            );
        }
        ConfigError::Env { var, .. } => assert!(!var.is_empty()),
    }
}
