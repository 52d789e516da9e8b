//! What `--durability` and `--group-commit` promise, checked on the real binary:
//! - the flags parse (and refuse what they do not know) and take effect (the database says so
//!   when it opens);
//! - **kill -9 under load with group commit**: phones sign in concurrently (start, approve,
//!   collect the session) while the server is killed with SIGKILL; afterwards nothing the
//!   server acknowledged is lost (every approved attempt still approved or consumed, its
//!   challenge gone, every session there), no challenge can be used twice (every acknowledged
//!   response is refused when replayed to a restarted server), and no counter went back (the
//!   stored value is at least the last acknowledged one, and every phone signs in again).
//!
//! No timing is asserted: the kill comes after a number of acknowledged approvals, whenever
//! that is.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{agent, temp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uaf_phone::{Enrollment, Notification, Phone};
use uaf_proto::assertion::AuthAssertion;
use uaf_proto::b64::Base64Policy;
use uaf_proto::message::{AuthenticationResponse, DecodeOptions};
use uaf_server::store::{AttemptState, Backend as _, SqliteDatabase};
use uaf_server::{create_invite, unix_now};
use uaf_signin_api::path;

const PIN: &str = "1234";
const TOKEN: &str = "durability-test-token-0123456789";
/// Phones (and client threads) signing in at once.
const PHONES: usize = 6;
/// The server is killed once this many approvals were acknowledged.
const KILL_AFTER: usize = 24;

/// The server binary, killed (SIGKILL) and reaped on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `uaf-server` with `args`; returns it, its base URL and the log lines read until it
/// listened (the rest of the log is drained in the background).
fn start(args: &[&str], db: &Path, env: &[(&str, &str)]) -> (Proc, String, Vec<String>) {
    start_on("127.0.0.1:0", args, db, env)
}

/// [`start`] on `listen`.
fn start_on(
    listen: &str,
    args: &[&str],
    db: &Path,
    env: &[(&str, &str)],
) -> (Proc, String, Vec<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uaf-server"));
    cmd.args(["--listen", listen, "--database"])
        .arg(db)
        .args(args)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = Proc(cmd.spawn().unwrap());
    let stderr = child.0.stderr.take().unwrap();
    let (base, log) = until_listening(stderr);
    (child, base, log)
}

fn until_listening(stderr: ChildStderr) -> (String, Vec<String>) {
    let mut lines = BufReader::new(stderr).lines();
    let mut log = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the server exited before listening: {log:?}"))
            .unwrap();
        log.push(line.clone());
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    // Keep draining so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    (base, log)
}

/// The "SQLite database open" log line's fields: durability and group commit.
fn opened_with(log: &[String]) -> (String, String) {
    let field = logged("SQLite database open", log);
    (field("durability"), field("group_commit"))
}

/// The `blocking_threads` and `password_hashes_at_once` of the "worker pools" line.
fn pools(log: &[String]) -> (usize, u32) {
    let field = logged("worker pools", log);
    (
        field("blocking_threads").parse().unwrap(),
        field("password_hashes_at_once").parse().unwrap(),
    )
}

/// The fields (`name=value`) of the first line of `log` that contains `message`.
fn logged<'a>(message: &str, log: &'a [String]) -> impl Fn(&str) -> String + 'a {
    let line = log
        .iter()
        .find(|l| l.contains(message))
        .unwrap_or_else(|| panic!("no {message:?} line in {log:?}"));
    move |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            .to_owned()
    }
}

#[test]
fn the_pool_flags_parse_and_take_effect() {
    let dir = temp("pools");
    let cpus = std::thread::available_parallelism().unwrap().get();
    let (server, _, log) = start(&[], &dir.join("default.db"), &[]);
    assert_eq!(pools(&log), (8 * cpus, u32::try_from(cpus).unwrap()));
    drop(server);
    let args = ["--blocking-threads", "3", "--password-hashes-at-once", "2"];
    let (server, _, log) = start(&args, &dir.join("set.db"), &[]);
    assert_eq!(pools(&log), (3, 2));
    drop(server);
    let env = [
        ("UAF_SERVER_BLOCKING_THREADS", "5"),
        ("UAF_SERVER_PASSWORD_HASHES_AT_ONCE", "1"),
    ];
    let (server, _, log) = start(&[], &dir.join("env.db"), &env);
    assert_eq!(pools(&log), (5, 1));
    drop(server);
    for bad in [
        ["--blocking-threads", "0"],
        ["--password-hashes-at-once", "0"],
        ["--blocking-threads", "many"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_durability_and_group_commit_flags_parse_and_take_effect() {
    let dir = temp("flags");
    /// Arguments, environment, and the (durability, group commit) the database opens with.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], (&'a str, &'a str));
    let cases: [Case<'_>; 5] = [
        (&[], &[], ("full", "true")),
        (&["--group-commit", "off"], &[], ("full", "false")),
        (
            &["--durability", "full", "--group-commit", "on"],
            &[],
            ("full", "true"),
        ),
        // Nothing to sync with normal: no group sync.
        (&["--durability", "normal"], &[], ("normal", "false")),
        (
            &[],
            &[("UAF_SERVER_GROUP_COMMIT", "off")],
            ("full", "false"),
        ),
    ];
    for (i, (args, env, (durability, group))) in cases.into_iter().enumerate() {
        let (server, _, log) = start(args, &dir.join(format!("flags-{i}.db")), env);
        assert_eq!(
            opened_with(&log),
            (durability.to_owned(), group.to_owned()),
            "{args:?} {env:?}"
        );
        drop(server);
    }
    for bad in [["--group-commit", "maybe"], ["--durability", "off"]] {
        let o = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8(o.stderr).unwrap();
        assert!(stderr.contains(bad[0]), "{stderr}");
    }
    let help = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--durability") && help.contains("--group-commit"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A POST with a JSON body; `None` when the server did not answer (it was killed).
fn post(
    a: &ureq::Agent,
    url: &str,
    body: &Value,
    cookie: Option<&str>,
) -> Option<(u16, Value, Vec<String>)> {
    let mut req = a.post(url).header("Content-Type", "application/json");
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    answer(req.send(body.to_string()))
}

fn answer(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Option<(u16, Value, Vec<String>)> {
    let mut r = r.ok()?;
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().ok()?;
    Some((
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        cookies,
    ))
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| {
        let (k, rest) = c.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_owned())
    })
}

/// The `serverData` and the sign counter of a phone's response.
fn challenge_and_counter(response: &str) -> (String, u32) {
    let r = AuthenticationResponse::parse_array(response, &DecodeOptions::new()).unwrap();
    let bytes = r.assertions[0]
        .decode_assertion(Base64Policy::default())
        .unwrap();
    let a = AuthAssertion::parse(&bytes).unwrap();
    (r.header.server_data.unwrap(), a.signed_data.sign_counter)
}

/// What the server acknowledged before it was killed.
#[derive(Default)]
struct Acknowledged {
    /// Approved: (user, attempt id, response text, serverData, counter).
    approvals: Vec<(String, String, String, String, u32)>,
    /// Collected: (attempt id, session cookie value).
    sessions: Vec<(String, String)>,
}

/// At most `rounds` sign-ins of one phone, until the server stops answering (or `stop`):
/// start (the browser), the phone's approval, the browser collecting its session. Only
/// answers received are recorded as acknowledged.
fn sign_in_until_killed(
    base: &str,
    mut phone: Phone,
    ack: &Mutex<Acknowledged>,
    approvals: &AtomicUsize,
    stop: &AtomicBool,
    rounds: usize,
) -> Phone {
    let a = agent();
    let url = |p: &str| format!("{base}/{p}");
    let user = phone.username().to_owned();
    for _ in 0..rounds {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Some((200, started, cookies)) = post(
            &a,
            &url(path::SIGNIN_START),
            &json!({ "username": user }),
            None,
        ) else {
            break;
        };
        let attempt = started["attempt"].as_str().unwrap().to_owned();
        let browser = format!(
            "uaf_signin={}",
            cookie_value(&cookies, "uaf_signin").unwrap()
        );
        let Ok(pending) = phone.pending() else { break };
        let n: Notification = pending.into_iter().find(|n| n.attempt == attempt).unwrap();
        let response = phone.sign(&n, PIN).unwrap();
        if phone.send_response(&attempt, &response).is_err() {
            break;
        }
        let (server_data, counter) = challenge_and_counter(&response);
        ack.lock().unwrap().approvals.push((
            user.clone(),
            attempt.clone(),
            response,
            server_data,
            counter,
        ));
        approvals.fetch_add(1, Ordering::SeqCst);
        let complete = url(&path::SIGNIN_COMPLETE.replace("{id}", &attempt));
        let Some((200, _, cookies)) = post(&a, &complete, &json!({}), Some(&browser)) else {
            break;
        };
        let session = cookie_value(&cookies, "uaf_session").unwrap();
        ack.lock().unwrap().sessions.push((attempt, session));
    }
    phone
}

#[test]
fn kill_9_under_load_with_group_commit_loses_nothing_acknowledged() {
    let dir = temp("kill");
    let metadata = dir.join("metadata");
    uaf_phone::write_metadata(&metadata).unwrap();
    let db_path = dir.join("server.db");
    let meta = metadata.to_str().unwrap();
    let args = [
        "--metadata",
        meta,
        "--durability",
        "full",
        "--group-commit",
        "on",
        "--conformance-api",
        "--conformance-api-token",
        TOKEN,
        "--status-codes",
        "specific",
        "--signin-limit-per-address",
        "off",
        "--signin-limit-per-user",
        "off",
        "--enroll-limit-per-address",
        "off",
        "--enroll-limit-per-account",
        "off",
    ];
    let (server, base, log) = start(&args, &db_path, &[]);
    assert_eq!(opened_with(&log), ("full".into(), "true".into()));

    // Phones enrolled by invite (made in the database as `uaf-server invite` does).
    let phones: Vec<Phone> = {
        let db = SqliteDatabase::open(&db_path).unwrap();
        (0..PHONES)
            .map(|i| {
                let user = format!("user{i}");
                let code = create_invite(&db, &user, unix_now()).unwrap().code;
                Phone::enroll(&Enrollment::new(&base, &user, &code, PIN)).unwrap()
            })
            .collect()
    };

    // Sign-ins on every phone at once; SIGKILL once enough approvals were acknowledged.
    let ack = Mutex::new(Acknowledged::default());
    let approvals = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut server = Some(server);
    let phones: Vec<Phone> = std::thread::scope(|s| {
        let workers: Vec<_> = phones
            .into_iter()
            .map(|p| {
                let (base, ack, approvals, stop) = (&base, &ack, &approvals, &stop);
                s.spawn(move || sign_in_until_killed(base, p, ack, approvals, stop, usize::MAX))
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(120);
        while approvals.load(Ordering::SeqCst) < KILL_AFTER && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // kill -9, in the middle of the load.
        drop(server.take());
        stop.store(true, Ordering::SeqCst);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let ack = ack.into_inner().unwrap();
    assert!(
        ack.approvals.len() >= KILL_AFTER,
        "only {} approvals acknowledged before the deadline",
        ack.approvals.len()
    );

    // What is on disk (SQLite recovers the log when the file is opened again).
    let db = SqliteDatabase::open(&db_path).unwrap();
    let stores = db.stores(300, Arc::new(unix_now));
    let raw = rusqlite::Connection::open(&db_path).unwrap();
    let pending_rows = |server_data: &str| -> i64 {
        raw.query_row(
            "SELECT COUNT(*) FROM pending WHERE challenge = ?1",
            [server_data.as_bytes()],
            |r| r.get(0),
        )
        .unwrap()
    };
    let mut last_counter: HashMap<String, u32> = HashMap::new();
    for (user, attempt, _, server_data, counter) in &ack.approvals {
        let state = stores.sign_in.attempt(attempt).unwrap().unwrap().state;
        assert!(
            matches!(state, AttemptState::Approved | AttemptState::Consumed),
            "an acknowledged approval is {state:?}"
        );
        assert_eq!(
            pending_rows(server_data),
            0,
            "an acknowledged take is undone"
        );
        let c = last_counter.entry(user.clone()).or_default();
        *c = (*c).max(*counter);
    }
    for (attempt, session) in &ack.sessions {
        let state = stores.sign_in.attempt(attempt).unwrap().unwrap().state;
        assert_eq!(state, AttemptState::Consumed);
        let hash = Sha256::digest(session.as_bytes());
        let row = stores.sign_in.session(&hash).unwrap();
        assert!(row.is_some(), "an acknowledged session is lost");
    }
    for (user, counter) in &last_counter {
        let stored = stores.credentials.list_by_user(user).unwrap()[0].sign_counter;
        assert!(
            stored >= *counter,
            "{user}: counter {stored} < acknowledged {counter}"
        );
    }
    drop((stores, db, raw));

    // Restarted on the same file (and address: the phones keep it): no acknowledged response
    // is accepted again (the conformance API takes any response for its challenge), and
    // every phone signs in again.
    let listen = base.trim_start_matches("http://").to_owned();
    let (_server, base, _) = start_on(&listen, &args, &db_path, &[]);
    let a = agent();
    let respond = format!("{base}/conformance/{TOKEN}/{}", path::CONFORMANCE_RESPOND);
    for (user, _, response, _, _) in &ack.approvals {
        let context = json!({ "username": user }).to_string();
        let (status, body, _) = post(
            &a,
            &respond,
            &json!({ "uafResponse": response, "context": context }),
            None,
        )
        .unwrap();
        assert_eq!(status, 200);
        assert_eq!(
            body["statusCode"], 1491,
            "a used challenge accepted again: {body}"
        );
    }
    let ack2 = Mutex::new(Acknowledged::default());
    let approvals = AtomicUsize::new(0);
    let never = AtomicBool::new(false);
    for phone in phones {
        // One sign-in each.
        sign_in_until_killed(&base, phone, &ack2, &approvals, &never, 1);
    }
    assert_eq!(
        approvals.load(Ordering::SeqCst),
        PHONES,
        "every phone signs in again"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
