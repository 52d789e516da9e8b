//! One sign-in attempt, one answer, everywhere: the rules of an attempt's life over real HTTP
//! on loopback (docs/server.md, "Phone sign-in", "One attempt's states"). Duplicate approvals
//! racing on one node and on two nodes of one SQLite file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use serde_json::{Value, json};
use uaf_phone::{Enrollment, Notification, Phone, PhoneError};
use uaf_server::{
    Limits, Server, ServerConfig, ServerHandle, SqliteDatabase, create_invite, unix_now,
};

const PIN: &str = "1234";
const TTL: u64 = 120;
/// Every node's AppID, and the phones' facet: the nodes are one site.
const APP_ID: &str = "https://login.example.test/facets.json";
const FACET: &str = "https://login.example.test";

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-attempt-flow-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Servers (nodes) on free loopback ports over one SQLite file, the phone model's metadata and
/// one clock the test moves.
struct Env {
    nodes: Vec<ServerHandle>,
    /// Where phones talk: the node, or a round-robin proxy over the nodes.
    phone_url: String,
    db: SqliteDatabase,
    clock: Arc<AtomicU64>,
}

impl Env {
    fn new(name: &str) -> Env {
        Env::with(name, 1, |_| {})
    }

    fn with(name: &str, nodes: usize, tune: impl Fn(&mut ServerConfig)) -> Env {
        let dir = temp(name);
        uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
        let clock = Arc::new(AtomicU64::new(unix_now()));
        let nodes = (0..nodes)
            .map(|_| {
                let mut c = ServerConfig::default();
                c.listen = "127.0.0.1:0".parse().unwrap();
                c.database = dir.join("server.db");
                c.metadata = Some(dir.join("metadata"));
                c.challenge_ttl_secs = TTL;
                c.app_id = Some(String::from(APP_ID));
                c.limits = Limits::off();
                let ticks = Arc::clone(&clock);
                c.clock = Arc::new(move || ticks.load(Ordering::SeqCst));
                tune(&mut c);
                Server::spawn(c).unwrap()
            })
            .collect::<Vec<_>>();
        let phone_url = if nodes.len() == 1 {
            nodes[0].base_url()
        } else {
            round_robin(nodes.iter().map(ServerHandle::local_addr).collect())
        };
        let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
        Env {
            nodes,
            phone_url,
            db,
            clock,
        }
    }

    /// The first node's base URL.
    fn url(&self) -> String {
        self.node(0)
    }

    fn node(&self, i: usize) -> String {
        self.nodes[i % self.nodes.len()].base_url()
    }

    fn now(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    fn advance(&self, secs: u64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    fn enroll(&self, user: &str) -> Phone {
        let code = create_invite(&self.db, user, self.now()).unwrap().code;
        let mut e = Enrollment::new(&self.phone_url, user, &code, PIN);
        e.facet = Some(String::from(FACET));
        Phone::enroll(&e).unwrap()
    }
}

/// A loopback HTTP/1.1 proxy that sends each request to the next of `backends` in turn (one
/// request per connection): one phone talking to every node. Returns its base URL.
fn round_robin(backends: Vec<SocketAddr>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let next = AtomicUsize::new(0);
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let backend = backends[next.fetch_add(1, Ordering::SeqCst) % backends.len()];
            std::thread::spawn(move || {
                let _ = relay(conn, backend);
            });
        }
    });
    format!("http://{addr}")
}

/// Reads one request from `client`, sends it to `backend` with `Connection: close`, and copies
/// the whole answer back.
fn relay(client: TcpStream, backend: SocketAddr) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") || lower.starts_with("keep-alive:") {
            continue;
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut upstream = TcpStream::connect(backend)?;
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(b"Connection: close\r\n\r\n")?;
    upstream.write_all(&body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    let mut client = client;
    client.write_all(&answer)?;
    client.flush()?;
    client.shutdown(std::net::Shutdown::Both)
}

/// One HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    set_cookies: Vec<String>,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|c| {
            let (k, rest) = c.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or("").to_owned())
        })
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

fn call(method: &str, url: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Answer {
    let a = agent();
    let mut r = if method == "GET" {
        let mut req = a.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.call().unwrap()
    } else {
        let mut req = a.post(url).header("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send(body.map_or_else(|| String::from("{}"), Value::to_string))
            .unwrap()
    };
    let set_cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        set_cookies,
    }
}

/// A browser that started a sign-in: the attempt and its browser secret cookie.
struct Browser {
    attempt: String,
    match_code: String,
    cookie: String,
}

impl Browser {
    fn start(env: &Env, user: &str) -> Browser {
        let a = call(
            "POST",
            &format!("{}/api/signin/start", env.url()),
            Some(&json!({ "username": user })),
            &[],
        );
        assert_eq!(a.status, 200, "{a:?}");
        Browser {
            attempt: a.body["attempt"].as_str().unwrap().to_owned(),
            match_code: a.body["matchCode"].as_str().unwrap().to_owned(),
            cookie: format!("uaf_signin={}", a.cookie("uaf_signin").unwrap()),
        }
    }

    fn status(&self, env: &Env) -> Answer {
        call(
            "GET",
            &format!("{}/api/signin/{}", env.url(), self.attempt),
            None,
            &[("Cookie", &self.cookie)],
        )
    }

    fn state(&self, env: &Env) -> String {
        let a = self.status(env);
        assert_eq!(a.status, 200, "{a:?}");
        a.body["state"].as_str().unwrap().to_owned()
    }

    fn complete(&self, env: &Env) -> Answer {
        call(
            "POST",
            &format!("{}/api/signin/{}/complete", env.url(), self.attempt),
            None,
            &[("Cookie", &self.cookie)],
        )
    }
}

/// The phone's notification for `b`.
fn notification(phone: &Phone, b: &Browser) -> Notification {
    phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == b.attempt)
        .expect("the phone sees the sign-in")
}

#[allow(dead_code)]
fn refused(r: Result<(), PhoneError>) -> (u16, String) {
    match r {
        Err(PhoneError::Refused { status, message }) => (status, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Sends one signed approval `copies` times at the same moment (threads released by one
/// barrier), through the phone's connection (with two nodes, each copy to the next node);
/// returns each copy's outcome: 200, or the refusal's status and message.
fn send_at_once(phone: &Phone, attempt: &str, response: &str, copies: usize) -> Vec<(u16, String)> {
    let barrier = Barrier::new(copies);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..copies)
            .map(|_| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    match phone.send_response(attempt, response) {
                        Ok(()) => (200, String::new()),
                        Err(PhoneError::Refused { status, message }) => (status, message),
                        Err(e) => panic!("{e}"),
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Rounds of: a sign-in, one approval signed once and sent `copies` times at once. Every
/// round the attempt ends approved and the browser signs in: a copy that finds the challenge
/// taken never fails the attempt, and learns the outcome of the copy that took it.
fn duplicate_approvals(env: &Env, rounds: usize, copies: usize) {
    let mut phone = env.enroll("alice");
    for round in 0..rounds {
        let b = Browser::start(env, "alice");
        let n = notification(&phone, &b);
        assert_eq!(n.match_code, b.match_code);
        let response = phone.sign(&n, PIN).unwrap();
        let answers = send_at_once(&phone, &b.attempt, &response, copies);
        for (status, message) in &answers {
            match status {
                200 => {}
                // A copy that arrived after the winner moved the attempt (a late replay), or
                // one that waited longer than the winner took: refused, the attempt stays
                // the winner's.
                409 => assert!(
                    message == "this sign-in is no longer waiting"
                        || message == "this sign-in is being answered by another request",
                    "round {round}: {answers:?}"
                ),
                _ => panic!("round {round}: {answers:?}"),
            }
        }
        assert!(
            answers.iter().any(|(s, _)| *s == 200),
            "round {round}: {answers:?}"
        );
        assert_eq!(b.state(env), "approved", "round {round}: {answers:?}");
        let done = b.complete(env);
        assert_eq!(done.status, 200, "round {round}: {done:?}");
        assert_eq!(done.body["username"], "alice");
    }
}

#[test]
fn a_duplicate_approval_at_the_same_moment_never_spoils_the_sign_in_on_one_node() {
    let env = Env::new("duplicate-one-node");
    duplicate_approvals(&env, 25, 4);
}

#[test]
fn a_duplicate_approval_at_the_same_moment_never_spoils_the_sign_in_on_two_nodes() {
    let env = Env::with("duplicate-two-nodes", 2, |_| {});
    duplicate_approvals(&env, 25, 4);
}

#[test]
fn a_replay_after_the_approval_is_refused_and_changes_nothing() {
    let env = Env::new("replay-after");
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    let response = phone.sign(&n, PIN).unwrap();
    phone.send_response(&b.attempt, &response).unwrap();
    assert_eq!(
        refused(phone.send_response(&b.attempt, &response)),
        (409, String::from("this sign-in is no longer waiting"))
    );
    assert_eq!(b.state(&env), "approved");
    assert_eq!(b.complete(&env).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Number matching bound by transaction confirmation
// ---------------------------------------------------------------------------------------------

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like \
                            Gecko) Chrome/131.0.0.0 Safari/537.36";

impl Browser {
    fn start_as(env: &Env, user: &str, user_agent: &str) -> Browser {
        let a = call(
            "POST",
            &format!("{}/api/signin/start", env.url()),
            Some(&json!({ "username": user })),
            &[("User-Agent", user_agent)],
        );
        assert_eq!(a.status, 200, "{a:?}");
        Browser {
            attempt: a.body["attempt"].as_str().unwrap().to_owned(),
            match_code: a.body["matchCode"].as_str().unwrap().to_owned(),
            cookie: format!("uaf_signin={}", a.cookie("uaf_signin").unwrap()),
        }
    }
}

/// A number other than `n`'s (two digits, not `00`).
fn other_number(n: &str) -> String {
    if n == "42" {
        String::from("43")
    } else {
        String::from("42")
    }
}

#[test]
fn the_phone_model_declares_a_text_display() {
    let statement: Value = serde_json::from_str(&uaf_phone::metadata_statement().unwrap()).unwrap();
    assert_eq!(statement["tcDisplay"], 1);
    assert_eq!(statement["tcDisplayContentType"], "text/plain");
}

#[test]
fn the_phone_shows_the_sign_ins_text_without_the_number() {
    let env = Env::new("shown-text");
    let phone = env.enroll("alice");
    let b = Browser::start_as(&env, "alice", CHROME_LINUX);
    let n = notification(&phone, &b);
    let text = Phone::shown_text(&n).unwrap().unwrap();
    let minute = text
        .split(" at ")
        .nth(1)
        .and_then(|t| t.strip_suffix("? Type the number from the page."))
        .unwrap();
    assert_eq!(
        text,
        format!(
            "Sign in to login.example.test as alice from Chrome on Linux (127.0.0.1) at \
             {minute}? Type the number from the page."
        )
    );
    assert!(minute.ends_with(" UTC") && minute.len() == 20, "{minute}");
    // The digits of the time and the address may happen to form the number: look elsewhere.
    let rest = text.replace(minute, "").replace("127.0.0.1", "");
    assert!(!rest.contains(&b.match_code), "{text}");
    let context = n.context.clone().unwrap();
    assert_eq!(
        (context.browser.as_str(), context.address.as_str()),
        ("Chrome on Linux", "127.0.0.1")
    );
    assert_eq!(
        n.prompt(),
        "Sign in to login.example.test as alice (Chrome on Linux, 127.0.0.1)"
    );
}

#[test]
fn numbers_are_never_00_and_never_another_pending_attempts() {
    let env = Env::new("numbers");
    let phone = env.enroll("alice");
    for _ in 0..40 {
        let started: Vec<Browser> = (0..3).map(|_| Browser::start(&env, "alice")).collect();
        let mut shown: Vec<String> = phone
            .pending()
            .unwrap()
            .into_iter()
            .map(|n| n.match_code)
            .collect();
        assert_eq!(shown.len(), 3);
        assert!(shown.iter().all(|n| n.len() == 2 && n != "00"), "{shown:?}");
        shown.sort();
        shown.dedup();
        assert_eq!(shown.len(), 3, "two pending attempts share a number");
        for b in &started {
            assert_ne!(b.match_code, "00");
        }
    }
}

#[test]
fn an_approval_binds_its_attempt_and_its_number() {
    let env = Env::new("bound");
    let mut phone = env.enroll("alice");
    let a = Browser::start(&env, "alice");
    let b = Browser::start(&env, "alice");
    assert_ne!(a.match_code, b.match_code);
    let (na, nb) = (notification(&phone, &a), notification(&phone, &b));

    // A response for attempt A, submitted for attempt B: refused, nothing used.
    let for_a = phone.sign(&na, PIN).unwrap();
    assert_eq!(
        refused(phone.send_response(&b.attempt, &for_a)),
        (
            400,
            String::from("the response does not answer this sign-in")
        )
    );
    // A's text signed with another number (B's, or any other): refused, nothing used.
    for wrong in [b.match_code.clone(), other_number(&a.match_code)] {
        let signed = phone.sign_typed(&na, &wrong, PIN).unwrap();
        assert_eq!(
            refused(phone.send_response(&a.attempt, &signed)),
            (
                403,
                String::from("the confirmed text or number is not this sign-in's")
            )
        );
    }
    // B's number typed for A's text is not B's approval either.
    let crossed = phone.sign_typed(&na, &b.match_code, PIN).unwrap();
    assert_eq!(
        refused(phone.send_response(&b.attempt, &crossed)).0,
        400,
        "A's challenge never answers B"
    );
    assert_eq!(a.state(&env), "pending");
    assert_eq!(b.state(&env), "pending");

    // The right number approves A only; B still waits.
    phone.send_response(&a.attempt, &for_a).unwrap();
    assert_eq!(a.state(&env), "approved");
    assert_eq!(b.state(&env), "pending");
    phone.approve_typed(&nb, &b.match_code, PIN).unwrap();
    assert_eq!(b.state(&env), "approved");
}

#[test]
fn a_wrong_number_is_refused_on_the_phone_and_reported() {
    let env = Env::new("wrong-number");
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    let wrong = other_number(&b.match_code);
    assert!(matches!(
        phone.approve_typed(&n, &wrong, PIN),
        Err(PhoneError::WrongNumber { reported: true })
    ));
    // Nothing was signed or used; the page says what happened.
    let s = b.status(&env);
    assert_eq!(s.body["state"], "pending", "{s:?}");
    assert_eq!(s.body["report"], "wrong-number", "{s:?}");
    // The right number still approves.
    phone
        .approve_typed(&n, &format!(" {} ", b.match_code), PIN)
        .unwrap();
    let s = b.status(&env);
    assert_eq!(s.body["state"], "approved");
    assert!(s.body.get("report").is_none(), "{s:?}");
}

#[test]
fn the_third_wrong_number_ends_the_attempt() {
    let env = Env::new("wrong-numbers");
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    let wrong = other_number(&b.match_code);
    for _ in 0..2 {
        assert!(matches!(
            phone.approve_typed(&n, &wrong, PIN),
            Err(PhoneError::WrongNumber { reported: true })
        ));
        assert_eq!(b.state(&env), "pending");
    }
    assert!(matches!(
        phone.approve_typed(&n, &wrong, PIN),
        Err(PhoneError::WrongNumber { reported: true })
    ));
    let s = b.status(&env);
    assert_eq!(
        (s.body["state"].as_str(), s.body["report"].as_str()),
        (Some("failed"), Some("wrong-number"))
    );
    assert!(phone.pending().unwrap().is_empty());
    assert!(matches!(
        phone.approve_typed(&n, &b.match_code, PIN),
        Err(PhoneError::NotWaiting)
    ));
}

// ---------------------------------------------------------------------------------------------
// One attempt, one answer: cancel, two phones, re-check before the PIN, wrong PIN, "not me"
// ---------------------------------------------------------------------------------------------

impl Browser {
    fn cancel(&self, env: &Env) -> Answer {
        call(
            "POST",
            &format!("{}/api/signin/{}/cancel", env.url(), self.attempt),
            None,
            &[("Cookie", &self.cookie)],
        )
    }
}

#[test]
fn cancel_on_the_page_withdraws_the_attempt_from_every_phone() {
    let env = Env::new("cancel");
    let mut first = env.enroll("alice");
    let second = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&first, &b);
    assert!(
        second
            .pending()
            .unwrap()
            .iter()
            .any(|x| x.attempt == b.attempt)
    );
    // Without this browser's cookie: refused as unknown, nothing changes.
    let other = call(
        "POST",
        &format!("{}/api/signin/{}/cancel", env.url(), b.attempt),
        None,
        &[("Cookie", &format!("uaf_signin={}", "A".repeat(43)))],
    );
    assert_eq!(other.status, 404, "{other:?}");
    assert_eq!(b.state(&env), "pending");

    let c = b.cancel(&env);
    assert_eq!(
        (c.status, c.body["state"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(b.state(&env), "cancelled");
    for phone in [&first, &second] {
        assert!(
            phone.pending().unwrap().is_empty(),
            "withdrawn from every phone"
        );
    }
    // The phone re-checks before the PIN: nothing is signed.
    assert!(matches!(
        first.approve(&n, PIN),
        Err(PhoneError::NotWaiting)
    ));
    // A signature sent anyway is refused; so is a second cancel (with the state).
    let response = first.sign(&n, PIN).unwrap();
    assert_eq!(
        refused(first.send_response(&b.attempt, &response)),
        (409, String::from("this sign-in is no longer waiting"))
    );
    let again = b.cancel(&env);
    assert_eq!(again.status, 409, "{again:?}");
    assert_eq!(again.body["state"], "cancelled");
    assert_eq!(b.complete(&env).status, 409);
}

#[test]
fn the_first_phones_answer_withdraws_it_from_the_others() {
    let env = Env::new("two-phones");
    let mut first = env.enroll("alice");
    let mut second = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let (n1, n2) = (notification(&first, &b), notification(&second, &b));
    first.approve(&n1, PIN).unwrap();
    assert!(second.pending().unwrap().is_empty());
    assert!(matches!(
        second.approve(&n2, PIN),
        Err(PhoneError::NotWaiting)
    ));
    assert!(matches!(
        second.deny(&n2),
        Err(PhoneError::Refused { status: 409, .. })
    ));
    assert_eq!(b.state(&env), "approved");
    // Newest first on the phone, each with its context.
    let older = Browser::start(&env, "alice");
    // Times are whole seconds: within one second the order is not defined.
    env.advance(1);
    let newer = Browser::start_as(&env, "alice", CHROME_LINUX);
    let list = second.pending().unwrap();
    assert_eq!(
        list.iter().map(|n| n.attempt.as_str()).collect::<Vec<_>>(),
        [newer.attempt.as_str(), older.attempt.as_str()]
    );
    assert_eq!(
        list[0].context.as_ref().map(|c| c.browser.as_str()),
        Some("Chrome on Linux")
    );
}

#[test]
fn a_wrong_pin_is_reported_and_the_person_may_try_again() {
    let env = Env::new("wrong-pin");
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    assert!(matches!(
        phone.approve_typed(&n, &b.match_code, "9999"),
        Err(PhoneError::WrongPin { .. })
    ));
    let s = b.status(&env);
    assert_eq!(
        (s.body["state"].as_str(), s.body["report"].as_str()),
        (Some("pending"), Some("wrong-pin"))
    );
    let expires = s.body["expiresAt"].as_u64().unwrap();
    assert!(expires >= env.now() && expires <= env.now() + TTL, "{s:?}");
    phone.approve_typed(&n, &b.match_code, PIN).unwrap();
    assert_eq!(b.state(&env), "approved");
}

#[test]
fn reports_need_the_accounts_phone_and_a_pending_attempt() {
    let env = Env::new("report-rules");
    let alice = env.enroll("alice");
    let bob = env.enroll("bob");
    let b = Browser::start(&env, "alice");
    let n = notification(&alice, &b);
    // Bob's phone cannot report on alice's attempt: it looks unknown.
    let r = bob.report(
        &Notification {
            username: String::from("bob"),
            ..n.clone()
        },
        uaf_phone::ReportKind::NotMe,
    );
    assert!(
        matches!(r, Err(PhoneError::Refused { status: 404, .. })),
        "{r:?}"
    );
    assert_eq!(b.state(&env), "pending");
    // Without a device token: 401.
    let anon = call(
        "POST",
        &format!("{}/phone/report", env.url()),
        Some(&json!({"attempt": b.attempt, "kind": "not-me"})),
        &[],
    );
    assert_eq!(anon.status, 401);
    // An unknown kind: refused by the typed body (422), before anything else.
    let odd = call(
        "POST",
        &format!("{}/phone/report", env.url()),
        Some(&json!({"attempt": b.attempt, "kind": "maybe"})),
        &[],
    );
    assert_eq!(odd.status, 422, "{odd:?}");
    assert_eq!(b.state(&env), "pending");
    // Expired: refused with 410, nothing recorded.
    env.advance(TTL + 1);
    assert!(matches!(
        alice.report(&n, uaf_phone::ReportKind::WrongPin),
        Err(PhoneError::Refused { status: 410, .. })
    ));
    assert_eq!(b.state(&env), "expired");
}

#[test]
fn not_me_ends_the_attempt_records_it_and_pauses_new_phone_sign_ins() {
    use uaf_server::store::{ActivityOutcome, ActivityStore as _};
    let env = Env::new("not-me");
    let mut phone = env.enroll("alice");
    // A browser that signed in to alice before: it stays known.
    let mine = Browser::start(&env, "alice");
    phone.approve(&notification(&phone, &mine), PIN).unwrap();
    let done = mine.complete(&env);
    assert_eq!(done.status, 200);
    let known = format!("uaf_known={}", done.cookie("uaf_known").unwrap());

    // Someone else starts a sign-in; the phone says "it's not me".
    let theirs = Browser::start_as(&env, "alice", CHROME_LINUX);
    phone.deny(&notification(&phone, &theirs)).unwrap();
    let s = theirs.status(&env);
    assert_eq!(
        (s.body["state"].as_str(), s.body["report"].as_str()),
        (Some("denied"), Some("not-me"))
    );
    assert_eq!(theirs.complete(&env).status, 409);
    assert!(phone.pending().unwrap().is_empty());
    // The security event is in the account's activity.
    let events = env.db.recent_activity("alice", 10).unwrap();
    let denied = events
        .iter()
        .find(|e| e.outcome == ActivityOutcome::DeniedNotMe)
        .expect("the denial is recorded");
    assert_eq!(
        (denied.client_ip.as_str(), denied.user_agent.as_str()),
        ("127.0.0.1", "Chrome on Linux")
    );

    // New phone sign-ins of alice are paused: refused, and no phone is asked.
    let start = |cookie: Option<&str>| {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        call(
            "POST",
            &format!("{}/api/signin/start", env.url()),
            Some(&json!({"username": "alice"})),
            &headers,
        )
    };
    let paused = start(None);
    assert_eq!(paused.status, 403, "{paused:?}");
    assert!(
        paused.body["error"]
            .as_str()
            .unwrap()
            .starts_with("phone sign-in for this account is paused"),
        "{paused:?}"
    );
    assert!(phone.pending().unwrap().is_empty());
    // Other accounts are not paused.
    let _bob = env.enroll("bob");
    assert_eq!(
        call(
            "POST",
            &format!("{}/api/signin/start", env.url()),
            Some(&json!({"username": "bob"})),
            &[]
        )
        .status,
        200
    );
    // The browser that signed in before is not paused.
    let again = start(Some(&known));
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(phone.pending().unwrap().len(), 1);
    // After the pause (15 minutes by default), everyone may start again.
    env.advance(15 * 60 + 1);
    assert_eq!(start(None).status, 200);
}
