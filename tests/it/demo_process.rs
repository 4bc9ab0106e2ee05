//! The real `scopegate demo` binary as a child process: started in a temporary folder on a
//! free port, its banner read from stdout, its users (email, password, token) parsed from
//! the banner's table. Used by the CLI's demo tests and the browser suite.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// A child process that is killed when the test ends, failed assertions included.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A demo user as the banner prints it.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

/// A running demo: the process, its address, and the banner it printed.
pub struct Demo {
    /// Killed when the demo is dropped.
    pub _process: KillOnDrop,
    pub port: u16,
    pub banner: Vec<String>,
    /// Further stdout lines (there should be none: logs go elsewhere).
    pub stdout: Receiver<String>,
    /// stderr lines, when it was piped.
    pub stderr: Option<Receiver<String>>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Lines of `reader` on a channel, read by a thread.
pub fn lines_of(reader: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Starts `scopegate demo ARGS` in `dir` on loopback and waits (at most a minute) for its
/// whole banner.
pub fn start_demo(dir: &Path, args: &[&str], stderr: Stdio) -> Demo {
    start_demo_on("127.0.0.1", dir, args, stderr)
}

/// [`start_demo`] listening on `host`.
pub fn start_demo_on(host: &str, dir: &Path, args: &[&str], stderr: Stdio) -> Demo {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .arg("demo")
        .args(args)
        .env("SCOPEGATE_SERVER__LISTEN", format!("{host}:{port}"))
        .env_remove("RUST_LOG")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn scopegate demo");
    let stdout = lines_of(child.stdout.take().expect("stdout"));
    let stderr = child.stderr.take().map(lines_of);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut banner = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = stdout.recv_timeout(Duration::from_millis(200)) {
            let done = line.starts_with("Ctrl-C stops the demo");
            banner.push(line);
            if done {
                break;
            }
        }
    }
    let demo = Demo {
        _process: KillOnDrop(child),
        port,
        banner,
        stdout,
        stderr,
    };
    assert!(
        demo.banner
            .last()
            .is_some_and(|l| l.starts_with("Ctrl-C stops the demo")),
        "the demo printed its whole banner within a minute:\n{}",
        demo.banner.join("\n")
    );
    demo
}

impl Demo {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The users table: the rows after the `ROLE EMAIL PASSWORD API TOKEN` heading.
    pub fn users(&self) -> Vec<DemoLogin> {
        self.banner
            .iter()
            .skip_while(|l| !l.trim_start().starts_with("ROLE "))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(cols.len(), 4, "role, email, password, token: {l}");
                DemoLogin {
                    role: cols[0].into(),
                    email: cols[1].into(),
                    password: cols[2].into(),
                    token: cols[3].into(),
                }
            })
            .collect()
    }
}
