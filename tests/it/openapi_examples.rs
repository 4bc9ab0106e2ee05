//! Every request example of the OpenAPI document succeeds when executed as is against the
//! demo (DESIGN §4.9): `tests/client/openapi_examples.py` reads the served document from a
//! real `scopegate demo` and sends each example with the Account Admin's token, as Swagger
//! UI's "Try it out" would. Needs python3 (standard library only); while the document has
//! no example yet the script says so and the notice is repeated on stderr.

use std::path::Path;
use std::process::{Command, Stdio};

use super::demo_process::start_demo;
use super::support::{command_runs, loud, tool_missing};

#[test]
fn every_openapi_request_example_succeeds_against_the_demo() {
    if !command_runs("python3") {
        return tool_missing("openapi_examples", "python3 is not installed");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = start_demo(dir.path(), &[], Stdio::null());
    let admin = demo
        .users()
        .into_iter()
        .find(|u| u.role == "_account_admin")
        .expect("the Account Admin");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client/openapi_examples.py");
    let out = Command::new("python3")
        .arg(script)
        .args([demo.base(), admin.token])
        .output()
        .expect("run python3");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    for line in stderr.lines().filter(|l| l.starts_with("PENDING:")) {
        loud(&format!("openapi_examples: {line}"));
    }
    assert!(
        out.status.success(),
        "OpenAPI request examples failed against the demo:\n{stdout}\n{stderr}"
    );
}
