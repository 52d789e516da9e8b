//! The sign-in page in a real headless Chromium, driven through chromedriver with the W3C
//! WebDriver JSON protocol (spoken with ureq): type the user name, "Use an app instead",
//! the phone (`uaf_phone::Phone`, in a thread) approves or declines, the page shows the
//! outcome. Needs chromium and chromedriver: run `scripts/browser-test.sh` (it installs them
//! on Debian when missing). `CHROME_BIN` and `CHROMEDRIVER` name the binaries.
//!
//! This file holds the shared driver (`Driver`, `Browser`) and the first tests; each further
//! part of the page has its own module beside it (`mod NAME;` below, `use super::*;` inside).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

mod password;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// One module per part of the page.
mod push;

use serde_json::{Value, json};
use uaf_phone::{Enrollment, Phone};
use uaf_server::{Server, ServerConfig, ServerHandle, SqliteDatabase, create_invite, unix_now};

mod account;
mod attempt;
mod layout;

const PIN: &str = "1234";
/// The WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn binary(env: &str, candidates: &[&str]) -> String {
    if let Ok(p) = std::env::var(env) {
        return p;
    }
    for c in candidates {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = Path::new(dir).join(c);
            if p.exists() {
                return p.display().to_string();
            }
        }
    }
    panic!("{env} is not set and none of {candidates:?} is installed: run scripts/browser-test.sh");
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build(),
    )
}

/// chromedriver on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let exe = binary("CHROMEDRIVER", &["chromedriver"]);
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut r) = agent().get(&format!("{url}/status")).call() {
                let v: Value =
                    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                if v["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver is not ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session (a headless Chromium with a fresh profile).
struct Browser<'d> {
    driver: &'d Driver,
    session: String,
}

impl<'d> Browser<'d> {
    fn open(driver: &'d Driver, profile: &Path) -> Browser<'d> {
        let chrome = binary(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chrome,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage",
                        format!("--user-data-dir={}", profile.display()),
                    ],
                },
            }},
        });
        let v = Self::raw(driver, "POST", "/session", Some(&caps));
        let session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        Browser { driver, session }
    }

    fn raw(driver: &Driver, method: &str, path: &str, body: Option<&Value>) -> Value {
        let url = format!("{}{path}", driver.url);
        let a = agent();
        let mut r = match method {
            "GET" => a.get(&url).call().unwrap(),
            "DELETE" => a.delete(&url).call().unwrap(),
            _ => a
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.map_or_else(|| String::from("{}"), Value::to_string))
                .unwrap(),
        };
        let status = r.status().as_u16();
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        Self::raw(
            self.driver,
            method,
            &format!("/session/{}{path}", self.session),
            body,
        )
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(&json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {v}"))
            .to_owned()
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(&json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(&json!({})));
    }

    /// The rendered text of `css` (empty when hidden).
    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn enabled(&self, css: &str) -> bool {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/enabled"), None) == true
    }

    /// The rendered text of `css` read by a script (empty when hidden or absent): unlike an
    /// element reference, it survives the page being replaced (a redirect) meanwhile.
    fn visible_text(&self, css: &str) -> String {
        let js = format!(
            "const e = document.querySelector({}); \
             return e && e.checkVisibility() ? e.innerText.trim() : ''",
            Value::from(css)
        );
        self.script(&js).as_str().unwrap_or_default().to_owned()
    }

    /// Waits until `css` shows text `pred` accepts; returns it.
    fn wait_text(&self, css: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = self.visible_text(css);
            if pred(&t) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {what} (last: {t:?}; status: {:?})",
                self.visible_text("#status")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": js, "args": [] })),
        )
    }

    fn cookies(&self) -> Vec<Value> {
        self.cmd("GET", "/cookie", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.driver.url, self.session);
        let _ = agent().delete(&url).call();
    }
}

/// A server with a file database and the phone model's metadata; alice's phone enrolled.
fn server_and_phone(dir: &Path) -> (ServerHandle, Phone) {
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = dir.join("server.db");
    c.metadata = Some(dir.join("metadata"));
    let server = Server::spawn(c).unwrap();
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let code = create_invite(&db, "alice", unix_now()).unwrap().code;
    let phone = Phone::enroll(&Enrollment::new(&server.base_url(), "alice", &code, PIN)).unwrap();
    (server, phone)
}

/// In a thread: waits for the phone's notification, checks its match code, approves or
/// declines it.
fn phone_answers(mut phone: Phone, approve: bool) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(n) = phone.pending().unwrap().into_iter().next() {
                if approve {
                    phone.approve(&n, PIN).unwrap();
                } else {
                    phone.decline(&n).unwrap();
                }
                return n.match_code;
            }
            assert!(
                Instant::now() < deadline,
                "no notification reached the phone"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    })
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn signing_in_with_the_phone_in_a_real_browser() {
    let dir = temp("approve");
    let (server, phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    assert_eq!(b.script("return document.title"), "Sign in");
    // Both ways are offered; the app first (nothing remembered yet).
    assert!(b.enabled("#use-password"));
    assert!(b.enabled("#use-app"));

    b.type_into("#username", "alice");
    let answered = phone_answers(phone, true);
    b.click("#use-app");
    let shown = b.wait_text("#match-code", "a match code", |t| t.len() == 2);
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    // The phone showed the same code as the page.
    assert_eq!(answered.join().unwrap(), shown);
    assert!(
        b.text("#factors")
            .contains("possession and user-verification")
    );

    // The session cookie is HttpOnly and SameSite=Strict: scripts cannot read it.
    let cookies = b.cookies();
    let session = cookies
        .iter()
        .find(|c| c["name"] == "uaf_session")
        .unwrap_or_else(|| panic!("no session cookie in {cookies:?}"));
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Strict");
    let visible = b.script("return document.cookie");
    assert!(
        !visible.as_str().unwrap().contains("uaf_session"),
        "{visible}"
    );

    // A reload keeps the session; signing out ends it.
    b.go(&format!("{}/signin", server.base_url()));
    b.wait_text("#signed-in", "the signed-in user", |t| {
        t == "Signed in as alice"
    });
    b.click("#signout");
    b.wait_text("#status", "signed out", |t| t == "Signed out.");
    assert!(b.cookies().iter().all(|c| c["name"] != "uaf_session"));
    drop(b);
    server.shutdown().unwrap();
}

#[test]
#[ignore = "needs chromium and chromedriver: scripts/browser-test.sh"]
fn a_sign_in_declined_on_the_phone_is_shown_as_declined() {
    let dir = temp("decline");
    let (server, phone) = server_and_phone(&dir);
    let driver = Driver::start();
    let b = Browser::open(&driver, &dir.join("profile"));
    b.go(&format!("{}/", server.base_url()));
    b.type_into("#username", "alice");
    let answered = phone_answers(phone, false);
    b.click("#use-app");
    b.wait_text("#status", "the refusal", |t| t.contains("declined"));
    answered.join().unwrap();
    assert!(b.cookies().iter().all(|c| c["name"] != "uaf_session"));
    // The form is back.
    assert!(b.text("#signed-in").is_empty());
    assert!(!b.text("#use-app").is_empty());
    drop(b);
    server.shutdown().unwrap();
}
