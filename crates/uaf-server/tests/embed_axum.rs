//! The embedding example (`examples/embed_axum.rs`) served on loopback: an app of its own
//! with phone sign-in under `/auth/`, its own user table deciding who may enrol and sign in,
//! a real phone (`uaf_phone::Phone`) approving, and the app's handlers reading the identity
//! from the session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

#[allow(dead_code)]
#[path = "../examples/embed_axum.rs"]
mod example;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use uaf_metadata::MetadataIndex;
use uaf_phone::{Enrollment, Phone};
use uaf_server::{InviteError, PhoneSignIn, SqliteDatabase};

/// `(status, body, Set-Cookie values)` of one request.
fn call(method: &str, url: &str, cookie: Option<&str>) -> (u16, String, Vec<String>) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build(),
    );
    let mut r = if method == "GET" {
        let mut req = agent.get(url);
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.call().unwrap()
    } else {
        let mut req = agent.post(url).header("Content-Type", "application/json");
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.send("{\"username\":\"alice\"}").unwrap()
    };
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .filter(|c| !c.ends_with('='))
        .collect();
    (
        r.status().as_u16(),
        r.body_mut().read_to_string().unwrap(),
        cookies,
    )
}

#[test]
fn an_embedding_app_signs_in_with_a_phone_under_its_own_prefix() {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("uaf-embed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let users = example::Users {
        names: ["alice"].into_iter().map(String::from).collect(),
        signed_in: Arc::default(),
    };
    let log = Arc::clone(&users.signed_in);
    let signin = PhoneSignIn::builder(format!("https://{addr}/auth/facets.json"))
        .prefix("auth")
        .metadata(MetadataIndex::load_dir(dir.join("metadata")).unwrap())
        .accounts(users)
        .build(SqliteDatabase::open(":memory:").unwrap())
        .unwrap();
    assert_eq!(signin.prefix(), "/auth/");
    // The app's user table decides who may get an invite.
    assert!(matches!(
        signin.create_invite("mallory"),
        Err(InviteError::NotAllowed)
    ));
    let code = signin.create_invite("alice").unwrap().code;
    runtime.spawn(async move {
        axum::serve(listener, example::app(signin)).await.unwrap();
    });
    let base = format!("http://{addr}");

    // The app's own pages, before signing in.
    assert_eq!(
        call("GET", &format!("{base}/"), None).1,
        "not signed in: /auth/"
    );
    let (status, body, _) = call("GET", &format!("{base}/private"), None);
    assert_eq!(
        (status, body.as_str()),
        (401, "{\"error\":\"not signed in\"}")
    );
    // Phone sign-in's routes are under /auth/ only.
    assert_eq!(
        call("GET", &format!("{base}/auth/facets.json"), None).0,
        200
    );
    assert_eq!(call("GET", &format!("{base}/facets.json"), None).0, 404);

    // The phone enrols at {base}/auth; the browser starts, the phone approves, the browser
    // completes.
    let mut phone = Phone::enroll(&Enrollment::new(
        &format!("{base}/auth"),
        "alice",
        &code,
        "1234",
    ))
    .unwrap();
    let (status, _, cookies) = call("POST", &format!("{base}/auth/api/signin/start"), None);
    assert_eq!(status, 200);
    let browser = cookies[0].clone();
    let pending = phone.pending().unwrap();
    assert_eq!(pending.len(), 1);
    phone.approve(&pending[0], "1234").unwrap();
    let attempt = &pending[0].attempt;
    let (status, _, cookies) = call(
        "POST",
        &format!("{base}/auth/api/signin/{attempt}/complete"),
        Some(&browser),
    );
    assert_eq!(status, 200);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("uaf_session="))
        .unwrap()
        .clone();

    // The app reads the identity from the session, and was told of the sign-in.
    assert_eq!(
        call("GET", &format!("{base}/private"), Some(&session)),
        (200, String::from("the private page of alice"), Vec::new())
    );
    assert_eq!(
        call("GET", &format!("{base}/"), Some(&session)).1,
        "hello, alice"
    );
    assert_eq!(*log.lock().unwrap(), vec![String::from("alice")]);
    // A made-up session is nobody.
    let fake = format!("uaf_session={}", "A".repeat(43));
    assert_eq!(call("GET", &format!("{base}/private"), Some(&fake)).0, 401);
    runtime.shutdown_background();
}

/// An application whose answer the test switches: `1` may sign in, `0` may not, `2` the
/// lookup fails.
#[derive(Clone, Default)]
struct Switch(Arc<std::sync::atomic::AtomicU8>);

impl uaf_server::Accounts for Switch {
    fn may_sign_in(&self, _username: &str) -> Result<bool, uaf_server::AccountsError> {
        match self.0.load(std::sync::atomic::Ordering::SeqCst) {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(uaf_server::AccountsError::new("the user table is down")),
        }
    }
}

impl Switch {
    fn set(&self, v: u8) {
        self.0.store(v, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn the_applications_accounts_decide_enrolment_sign_in_and_session() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-embed-switch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let switch = Switch::default();
    switch.set(1);
    let signin = PhoneSignIn::builder(format!("https://{addr}/facets.json"))
        .metadata(MetadataIndex::load_dir(dir.join("metadata")).unwrap())
        .accounts(switch.clone())
        .build(SqliteDatabase::open(":memory:").unwrap())
        .unwrap();
    let first = signin.create_invite("alice").unwrap().code;
    let router: axum::Router = signin.router();
    runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });
    let base = format!("http://{addr}");

    // Enrolment: refused while the account may not sign in (the invite stays usable), and
    // a failing lookup is a server error.
    let enroll = |code: &str| Phone::enroll(&Enrollment::new(&base, "alice", code, "1234"));
    switch.set(0);
    assert!(matches!(
        enroll(&first),
        Err(uaf_phone::PhoneError::Refused { status: 403, .. })
    ));
    switch.set(2);
    assert!(matches!(
        enroll(&first),
        Err(uaf_phone::PhoneError::Refused { status: 500, .. })
    ));
    assert!(matches!(
        signin.create_invite("alice"),
        Err(InviteError::Accounts(_))
    ));
    switch.set(1);
    let mut phone = enroll(&first).unwrap();

    // A sign-in started while the account may not sign in looks like any other, but no
    // phone is asked.
    switch.set(0);
    let (status, body, _) = call("POST", &format!("{base}/api/signin/start"), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"matchCode\""), "{body}");
    assert!(phone.pending().unwrap().is_empty());

    // Approved while allowed, then refused at completion: no session.
    switch.set(1);
    let (_, _, cookies) = call("POST", &format!("{base}/api/signin/start"), None);
    let pending = phone.pending().unwrap();
    assert_eq!(pending.len(), 1);
    phone.approve(&pending[0], "1234").unwrap();
    switch.set(0);
    let complete = format!("{base}/api/signin/{}/complete", pending[0].attempt);
    let (status, body, set) = call("POST", &complete, Some(&cookies[0]));
    assert_eq!(
        (status, body.as_str()),
        (403, "{\"error\":\"this account may not sign in\"}")
    );
    assert!(set.is_empty(), "{set:?}");
    // Allowed again: the same approved attempt completes.
    switch.set(1);
    let (status, _, set) = call("POST", &complete, Some(&cookies[0]));
    assert_eq!(status, 200);
    assert!(set.iter().any(|c| c.starts_with("uaf_session=")), "{set:?}");
    runtime.shutdown_background();
}
