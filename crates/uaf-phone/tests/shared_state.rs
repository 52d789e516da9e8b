//! One state file, several `uaf-phone` processes, a real loopback server: `uaf-phone wait`
//! runs while `uaf-phone enroll` adds an account and `uaf-phone remove` removes one, each a
//! process of its own; the running wait serves the new account (and answers its sign-in) and
//! stops serving the removed one, and no process's change is lost from the file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

// The loopback harness of uaf-server's tests (its dependencies are this crate's too).
#[path = "../../uaf-server/tests/common/mod.rs"]
mod common;

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{Browser, Env, PIN};
use uaf_phone::Phone;

const BIN: &str = env!("CARGO_BIN_EXE_uaf-phone");

/// A server (the system clock) and the phone's state file, in the test's folder.
struct Site {
    env: Env,
    url: String,
}

impl Site {
    fn new(name: &str) -> Site {
        let env = Env::builder(name).system_clock().build();
        let url = env.url();
        Site { env, url }
    }

    fn state(&self) -> PathBuf {
        self.env.dir.join("phone.json")
    }

    /// `uaf-phone enroll` of `user`, a process of its own; its standard output.
    fn enroll(&self, user: &str) -> String {
        let code = self.env.invite(user);
        let state = self.state();
        let out = Command::new(BIN)
            .args([
                "enroll", "--server", &self.url, "--user", user, "--code", &code,
            ])
            .args([
                "--pin",
                PIN,
                "--kdf-memory-kib",
                "64",
                "--kdf-iterations",
                "1",
            ])
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// A browser's sign-in for `user`.
    fn sign_in(&self, user: &str) -> Browser {
        Browser::start(&self.env, user)
    }
}

/// A running `uaf-phone wait`: its output lines (standard output and error) as they come.
struct Wait {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Wait {
    fn start(state: &Path) -> Wait {
        let mut child = Command::new(BIN)
            .args(["wait", "--pin", PIN, "--approve", "--interval-ms", "100"])
            .args(["--max-backoff-ms", "400"])
            .arg("--state")
            .arg(state)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let streams: [Box<dyn std::io::Read + Send>; 2] = [Box::new(out), Box::new(err)];
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream).lines() {
                    let Ok(line) = line else { return };
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        Wait {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most a minute) for a line that `want` accepts; panics with every line seen.
    fn expect(&mut self, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(e) => panic!("{e}: no such line; seen: {:#?}", self.seen),
            }
        }
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn accounts_in(state: &Path) -> Vec<String> {
    let mut names: Vec<String> = Phone::load(state, PIN)
        .unwrap()
        .accounts()
        .into_iter()
        .map(|a| a.account.username)
        .collect();
    names.sort();
    names
}

#[test]
fn a_running_wait_serves_accounts_enrolled_and_drops_accounts_removed_by_other_processes() {
    let site = Site::new("wait");
    let state = site.state();
    site.enroll("alice");
    let mut wait = Wait::start(&state);
    let alice = format!("alice at {}", site.url);
    let bob = format!("bob at {}", site.url);
    wait.expect(|l| l == format!("uaf-phone: waiting for sign-ins to {alice}"));

    // `uaf-phone enroll` while the wait runs: the account lands in the file, the wait
    // serves it and answers its sign-in.
    let out = site.enroll("bob");
    assert!(out.contains("2 account(s)"), "{out}");
    wait.expect(|l| l == format!("now also serving {bob}"));
    let bobs = site.sign_in("bob");
    wait.expect(|l| l.starts_with(&format!("[{}] ", site.url)) && l.contains(" as bob"));
    wait.expect(|l| l == "approved");
    assert_eq!(bobs.state(), "approved");

    // `uaf-phone remove` while the wait runs: the wait stops serving bob; alice still
    // served, and her sign-in answered.
    let out = Command::new(BIN)
        .args(["remove", "bob", "--pin", PIN, "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    wait.expect(|l| l == format!("no longer serving {bob}"));
    assert_eq!(accounts_in(&state), ["alice"]);
    let alices = site.sign_in("alice");
    wait.expect(|l| l.contains(" as alice"));
    wait.expect(|l| l == "approved");
    assert_eq!(alices.state(), "approved");

    // Another enrolment after it: carol served, the file holds alice and carol (nothing
    // the wait wrote meanwhile, the PIN count reset of its approvals included, lost them).
    site.enroll("carol");
    wait.expect(|l| l == format!("now also serving carol at {}", site.url));
    let carols = site.sign_in("carol");
    wait.expect(|l| l.contains(" as carol"));
    wait.expect(|l| l == "approved");
    assert_eq!(carols.state(), "approved");
    assert_eq!(accounts_in(&state), ["alice", "carol"]);
    // Nothing unexpected was said.
    assert!(
        !wait
            .seen
            .iter()
            .any(|l| l.contains("not applied") || l.contains("phone state")),
        "{:#?}",
        wait.seen
    );
}
