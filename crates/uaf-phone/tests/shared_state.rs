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

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uaf_phone::Phone;
use uaf_server::{Server, ServerConfig, ServerHandle, SqliteDatabase, create_invite, unix_now};

const PIN: &str = "1234";
const BIN: &str = env!("CARGO_BIN_EXE_uaf-phone");

struct Site {
    dir: PathBuf,
    _server: ServerHandle,
    url: String,
}

impl Site {
    fn new(name: &str) -> Site {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("uaf-phone-shared-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
        let mut c = ServerConfig::default();
        c.listen = "127.0.0.1:0".parse().unwrap();
        c.database = dir.join("server.db");
        c.metadata = Some(dir.join("metadata"));
        let server = Server::spawn(c).unwrap();
        let url = format!("http://{}", server.local_addr());
        Site {
            dir,
            _server: server,
            url,
        }
    }

    fn invite(&self, user: &str) -> String {
        let db = SqliteDatabase::open(self.dir.join("server.db")).unwrap();
        create_invite(&db, user, unix_now()).unwrap().code
    }

    fn state(&self) -> PathBuf {
        self.dir.join("phone.json")
    }

    /// `uaf-phone enroll` of `user`, a process of its own; its standard output.
    fn enroll(&self, user: &str) -> String {
        let code = self.invite(user);
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

    /// A browser's sign-in for `user`: its attempt and cookie.
    fn sign_in(&self, user: &str) -> (String, String) {
        let mut r = agent()
            .post(format!("{}/api/signin/start", self.url))
            .header("Content-Type", "application/json")
            .send(json!({ "username": user }).to_string())
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("uaf_signin="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        (body["attempt"].as_str().unwrap().to_owned(), cookie)
    }

    fn sign_in_state(&self, (attempt, cookie): &(String, String)) -> String {
        let mut r = agent()
            .get(format!("{}/api/signin/{attempt}", self.url))
            .header("Cookie", cookie)
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        body["state"].as_str().unwrap().to_owned()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build(),
    )
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
    assert_eq!(site.sign_in_state(&bobs), "approved");

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
    assert_eq!(site.sign_in_state(&alices), "approved");

    // Another enrolment after it: carol served, the file holds alice and carol (nothing
    // the wait wrote meanwhile, the PIN count reset of its approvals included, lost them).
    site.enroll("carol");
    wait.expect(|l| l == format!("now also serving carol at {}", site.url));
    let carols = site.sign_in("carol");
    wait.expect(|l| l.contains(" as carol"));
    wait.expect(|l| l == "approved");
    assert_eq!(site.sign_in_state(&carols), "approved");
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
