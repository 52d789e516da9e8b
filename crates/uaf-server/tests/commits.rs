//! Commits per sign-in, counted: every durable write costs a group-commit wait (SQLite: one
//! sync of the log shared by concurrent commits; PostgreSQL: a commit round trip), so the
//! number of commits of each call is what its latency is made of. A server runs in-process on
//! loopback over an SQLite file with group commit, and every call of a phone sign-in, of a
//! conformance authentication and of the password sign-ins is counted by the database's own
//! counter ([`SqliteDatabase::group_commit_stats`]): a phone sign-in is 3 commits (start,
//! approval, collection; reads — the phone's list in each of its forms, the page's status,
//! `api/me` — write nothing), a conformance authentication 1 + 1, a password sign-in 1 (with
//! a second step: 1 for the password, 1 for the phone's approval, 1 for the completion).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

mod common;

use std::net::SocketAddr;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uaf_metadata::MetadataIndex;
use uaf_phone::{Enrollment, Notification, Phone, PushEvent};
use uaf_server::store::{AccountRow, AccountStore, ActivityOutcome, ActivityStore, AttemptStore};
use uaf_server::{Limits, PasswordHashing, PhoneSignIn, SqliteDatabase, unix_now};
use uaf_signin_api::path;

const PIN: &str = "1234";
const TOKEN: &str = "commits-test-token-0123456789";
const PASSWORD: &str = "correct horse battery";

/// A phone sign-in server on loopback over a database file with group commit, and that
/// database's handle (the server's own: the same counter).
struct Env {
    base: String,
    db: SqliteDatabase,
    signin: PhoneSignIn,
    runtime: tokio::runtime::Runtime,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("uaf-commits-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
        let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
        assert!(
            db.group_commit(),
            "the default: full durability, group commit"
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let signin = PhoneSignIn::builder(format!("https://{addr}/facets.json"))
            .metadata(MetadataIndex::load_dir(dir.join("metadata")).unwrap())
            .limits(Limits::off())
            .conformance_api(true)
            .conformance_api_token(TOKEN)
            .build(db.clone())
            .unwrap();
        let app = signin
            .router::<()>()
            .into_make_service_with_connect_info::<SocketAddr>();
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Env {
            base: format!("http://{addr}"),
            db,
            signin,
            runtime,
        }
    }

    fn url(&self, p: &str) -> String {
        format!("{}/{p}", self.base)
    }

    /// The commits made so far (changes only: a write that changed nothing is not one).
    fn commits(&self) -> u64 {
        self.db.group_commit_stats().unwrap().commits
    }

    /// Runs `call`, asserting that it made exactly `expected` commits.
    fn counted<T>(&self, what: &str, expected: u64, call: impl FnOnce() -> T) -> T {
        let before = self.commits();
        let out = call();
        let made = self.commits() - before;
        assert_eq!(made, expected, "commits of {what}");
        out
    }

    fn enroll(&self, user: &str) -> Phone {
        let code = self.signin.create_invite(user).unwrap().code;
        Phone::enroll(&Enrollment::new(&self.base, user, &code, PIN)).unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // The server's tasks end with the runtime.
        let rt = std::mem::replace(
            &mut self.runtime,
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        );
        rt.shutdown_background();
    }
}

/// `(status, body, Set-Cookie name=value pairs)` of a request (cleared cookies left out), by
/// the shared harness's [`common::call`]; the conformance API's calls carry its token.
fn call(
    method: &str,
    url: &str,
    body: Option<&Value>,
    cookies: &[&str],
) -> (u16, Value, Vec<String>) {
    let cookie = cookies.join("; ");
    let bearer = format!("Bearer {TOKEN}");
    let mut headers = Vec::new();
    if !cookie.is_empty() {
        headers.push(("Cookie", cookie.as_str()));
    }
    if method != "GET" && (url.ends_with("/get") || url.ends_with("/respond")) {
        headers.push(("Authorization", bearer.as_str()));
    }
    let a = common::call(method, url, body, &headers);
    let set = a
        .set_cookies
        .iter()
        .map(|c| c.split(';').next().unwrap().to_owned())
        .filter(|c| !c.ends_with('='))
        .collect();
    (a.status, a.body, set)
}

/// The cookie `name=value` among `cookies`.
fn cookie<'a>(cookies: &'a [String], name: &str) -> &'a str {
    cookies
        .iter()
        .find(|c| c.strip_prefix(name).is_some_and(|r| r.starts_with('=')))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
}

fn value(cookie: &str) -> &str {
    cookie.split_once('=').unwrap().1
}

#[test]
fn a_phone_sign_in_is_three_commits_and_reads_write_nothing() {
    let env = Env::new("phone");
    let mut phone = env.enroll("alice");

    // 1. The browser starts: the challenge and the attempt, one commit.
    let (status, started, cookies) = env.counted("POST api/signin/start", 1, || {
        call(
            "POST",
            &env.url(path::SIGNIN_START),
            Some(&json!({ "username": "alice" })),
            &[],
        )
    });
    assert_eq!(status, 200, "{started}");
    let attempt = started["attempt"].as_str().unwrap().to_owned();
    let browser = cookie(&cookies, "uaf_signin").to_owned();

    // 2. The phone reads its list, as a plain read, a long poll and a push stream: no write.
    let pending: Vec<Notification> =
        env.counted("GET phone/notifications", 0, || phone.pending().unwrap());
    let n = pending.into_iter().find(|n| n.attempt == attempt).unwrap();
    let channel = &phone.channels()[0];
    let polled = env.counted("GET phone/notifications?since&wait (long poll)", 0, || {
        channel.wait_notifications(None, 1).unwrap()
    });
    assert_eq!(polled.notifications.len(), 1);
    env.counted("GET phone/events (push stream)", 0, || {
        let mut stream = channel.stream(None).unwrap();
        loop {
            match stream.next_event().unwrap() {
                Some(PushEvent::Ready(_)) | None => break,
                Some(_) => {}
            }
        }
    });

    // 3. The phone approves: challenge taken, counter advanced, attempt approved, phone
    // marked used — one commit.
    let response = phone.sign(&n, PIN).unwrap();
    env.counted("POST phone/respond", 1, || {
        phone.send_response(&attempt, &response).unwrap();
    });

    // 4. The page polls its status: no write.
    let status_url = env.url(&path::SIGNIN_STATUS.replace("{id}", &attempt));
    let (status, state, _) = env.counted("GET api/signin/{id}", 0, || {
        call("GET", &status_url, None, &[&browser])
    });
    assert_eq!((status, state["state"].as_str()), (200, Some("approved")));

    // 5. The browser collects its session: the attempt consumed, the session, the activity
    // row and the known browser — one commit.
    let complete = env.url(&path::SIGNIN_COMPLETE.replace("{id}", &attempt));
    let (status, session, cookies) = env.counted("POST api/signin/{id}/complete", 1, || {
        call("POST", &complete, None, &[&browser])
    });
    assert_eq!(status, 200, "{session}");
    let session_cookie = cookie(&cookies, "uaf_session").to_owned();
    // What that commit holds: the record, and the browser whose cookie was set.
    let known = cookie(&cookies, "uaf_known");
    let hash = Sha256::digest(value(known).as_bytes());
    assert!(env.db.known_browser(&hash, "alice", 0).unwrap());
    let activity = env.db.recent_activity("alice", 10).unwrap();
    assert_eq!(activity.len(), 1, "{activity:?}");
    assert_eq!(activity[0].outcome, ActivityOutcome::SignedIn);

    // 6. The page reads who is signed in: no write.
    let (status, me, _) = env.counted("GET api/me", 0, || {
        call("GET", &env.url(path::ME), None, &[&session_cookie])
    });
    assert_eq!((status, me["username"].as_str()), (200, Some("alice")));

    // A second collection writes nothing (not even a record).
    let (status, _, _) = env.counted("POST api/signin/{id}/complete again", 0, || {
        call("POST", &complete, None, &[&browser])
    });
    assert_eq!(status, 409);
    assert_eq!(env.db.recent_activity("alice", 10).unwrap().len(), 1);
}

#[test]
fn a_conformance_authentication_is_one_commit_per_call() {
    let env = Env::new("conformance");
    let mut phone = env.enroll("alice");
    let context = json!({ "username": "alice" }).to_string();
    let (status, got, _) = env.counted("POST get (Auth)", 1, || {
        call(
            "POST",
            &env.url(path::CONFORMANCE_GET),
            Some(&json!({ "op": "Auth", "context": context })),
            &[],
        )
    });
    assert_eq!(
        (status, got["statusCode"].as_u64()),
        (200, Some(1200)),
        "{got}"
    );
    let n = Notification {
        attempt: String::new(),
        uaf_request: got["uafRequest"].as_str().unwrap().to_owned(),
        site: String::new(),
        username: String::from("alice"),
        match_code: String::new(),
        created_at: 0,
        expires_at: 0,
        context: None,
    };
    let response = phone.sign(&n, PIN).unwrap();
    let (status, answered, _) = env.counted("POST respond", 1, || {
        call(
            "POST",
            &env.url(path::CONFORMANCE_RESPOND),
            Some(&json!({ "uafResponse": response, "context": context })),
            &[],
        )
    });
    assert_eq!(
        (status, answered["statusCode"].as_u64()),
        (200, Some(1200)),
        "{answered}"
    );
}

#[test]
fn a_password_sign_in_and_each_of_its_two_steps_are_one_commit() {
    let env = Env::new("password");
    let mut phone = env.enroll("alice");
    let hash = PasswordHashing::default().hash(PASSWORD).unwrap();
    for user in ["alice", "bob"] {
        let account = AccountRow::new(user.into(), Some(hash.clone()), unix_now());
        if !env.db.create_account(&account).unwrap() {
            assert!(env.db.set_password_hash(user, &hash).unwrap());
        }
    }
    let signin = env.url(path::PASSWORD_SIGNIN);

    // A password alone: the session and its record, one commit.
    let (status, answer, _) = env.counted("POST api/password/signin (one factor)", 1, || {
        call(
            "POST",
            &signin,
            Some(&json!({ "username": "bob", "password": PASSWORD })),
            &[],
        )
    });
    assert_eq!(
        (status, answer["next"].as_str()),
        (200, Some("signed-in")),
        "{answer}"
    );
    assert_eq!(env.db.recent_activity("bob", 10).unwrap().len(), 1);

    // A password and the phone: the right password (the challenge, the attempt, its record as
    // a second step and the activity) is one commit, and so is the second step's completion.
    assert!(env.db.set_two_step("alice", true).unwrap());
    let (status, answer, cookies) = env.counted("POST api/password/signin (two-step)", 1, || {
        call(
            "POST",
            &signin,
            Some(&json!({ "username": "alice", "password": PASSWORD })),
            &[],
        )
    });
    assert_eq!(
        (status, answer["next"].as_str()),
        (200, Some("second-step")),
        "{answer}"
    );
    let attempt = answer["attempt"].as_str().unwrap().to_owned();
    let browser = cookie(&cookies, "uaf_signin").to_owned();
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .unwrap();
    env.counted("POST phone/respond (second step)", 1, || {
        phone.approve(&n, PIN).unwrap();
    });
    let records = env.db.recent_activity("alice", 10).unwrap().len();
    let complete = env.url(&path::PASSWORD_COMPLETE.replace("{id}", &attempt));
    let (status, session, cookies) = env.counted("POST api/password/{id}/complete", 1, || {
        call("POST", &complete, None, &[&browser])
    });
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["method"].as_str(), Some("password+phone"));
    let known = cookie(&cookies, "uaf_known");
    let hash = Sha256::digest(value(known).as_bytes());
    assert!(env.db.known_browser(&hash, "alice", 0).unwrap());
    assert_eq!(
        env.db.recent_activity("alice", 10).unwrap().len(),
        records + 1
    );
}

#[test]
fn a_decline_and_a_denial_are_one_commit_each() {
    let env = Env::new("endings");
    let phone = env.enroll("alice");
    let start = || {
        let (status, started, _) = call(
            "POST",
            &env.url(path::SIGNIN_START),
            Some(&json!({ "username": "alice" })),
            &[],
        );
        assert_eq!(status, 200, "{started}");
        let attempt = started["attempt"].as_str().unwrap().to_owned();
        phone
            .pending()
            .unwrap()
            .into_iter()
            .find(|n| n.attempt == attempt)
            .unwrap()
    };
    // Declined: the attempt and the activity row, one commit.
    let n = start();
    env.counted("POST phone/decline", 1, || phone.decline(&n).unwrap());
    let activity = env.db.recent_activity("alice", 10).unwrap();
    assert_eq!(activity[0].outcome, ActivityOutcome::Declined);
    // "It's not me": the attempt, the security event and the pause, one commit.
    let n = start();
    env.counted("POST phone/report not-me", 1, || phone.deny(&n).unwrap());
    let activity = env.db.recent_activity("alice", 10).unwrap();
    assert_eq!(activity[0].outcome, ActivityOutcome::DeniedNotMe);
    assert!(env.db.paused_until("alice").unwrap().unwrap() > unix_now());
    // Denied again (no longer pending): nothing is written.
    env.counted("POST phone/report not-me again", 0, || {
        assert!(phone.deny(&n).is_err());
    });
}
