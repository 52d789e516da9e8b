//! A sign-in nobody answered goes into the account's recent activity: over real HTTP on
//! loopback, a phone sign-in left unanswered expires (the test clock moved past it), the
//! server's expiry sweep records it once, and the account page lists it with the browser and
//! address that started it; the sign-ins that were answered (approved, declined) are not
//! recorded as expired; a password sign-in's second step left unanswered is recorded the same
//! way (docs/server.md, "Activity").
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

use std::time::{Duration, Instant};

use common::{Browser, Env, PIN, call, notification, refused};
use serde_json::{Value, json};
use uaf_phone::Phone;
use uaf_server::PasswordHashing;
use uaf_server::store::{AccountRow, Backend as _, system_clock};

const TTL: u64 = 120;
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                      Gecko) Chrome/131.0.0.0 Safari/537.36";

/// One node, a test clock, a sweep every second.
fn site(name: &str, sweep_secs: u64) -> Env {
    Env::builder(name)
        .ttl(TTL)
        .limits_off()
        .config(move |c| c.limits.expiry_sweep_secs = sweep_secs)
        .build()
}

/// Approves `b`'s sign-in with `phone`.
fn approve(phone: &mut Phone, b: &Browser) {
    let n = notification(phone, b);
    phone.approve(&n, PIN).unwrap();
}

/// Signs `user` in with `phone` from a browser that says it is `user_agent`: the session
/// cookie (`uaf_session=…`).
fn sign_in(env: &Env, phone: &mut Phone, user: &str, user_agent: &str) -> String {
    let b = Browser::start_as(env, user, user_agent);
    approve(phone, &b);
    let done = b.complete();
    assert_eq!(done.status, 200, "{done:?}");
    done.cookie_pair("uaf_session").unwrap()
}

/// The account page's recent activity.
fn activity(env: &Env, session: &str) -> Vec<Value> {
    let a = call("GET", &env.at("api/account"), None, &[("Cookie", session)]);
    assert_eq!(a.status, 200, "{a:?}");
    a.body["activity"].as_array().unwrap().clone()
}

fn expired(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["outcome"] == "expired")
        .cloned()
        .collect()
}

/// Polls the account page until it lists `n` expired sign-ins (the sweep runs in the
/// background), within 30 s.
fn wait_for_expired(env: &Env, session: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events = activity(env, session);
        if expired(&events).len() >= n || Instant::now() > deadline {
            return events;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_unanswered_phone_sign_in_is_listed_once_with_its_browser_and_address() {
    let env = site("unanswered", 1);
    let mut phone = env.enroll("alice");
    let session = sign_in(&env, &mut phone, "alice", CHROME);

    // Unanswered: someone started it from Firefox; the phone was shown it.
    let started_at = env.now();
    let stranger = Browser::start_as(&env, "alice", FIREFOX);
    let shown = notification(&phone, &stranger);
    // Answered: approved (and never collected), and declined.
    let approved = Browser::start_as(&env, "alice", CHROME);
    approve(&mut phone, &approved);
    let declined = Browser::start_as(&env, "alice", CHROME);
    phone.decline(&notification(&phone, &declined)).unwrap();
    // Not yet expired: nothing is recorded.
    assert!(expired(&activity(&env, &session)).is_empty());

    env.advance(TTL + 1);
    assert_eq!(stranger.state(), "expired");
    let events = wait_for_expired(&env, &session, 1);
    let found = expired(&events);
    assert_eq!(found.len(), 1, "the unanswered one alone: {events:?}");
    let e = &found[0];
    assert_eq!(e["at"].as_u64().unwrap(), started_at, "when it was started");
    assert_eq!(e["method"], "phone");
    assert_eq!(e["outcomeDescription"], "Expired — not answered");
    assert_eq!(e["signedIn"], false);
    assert_eq!(e["browser"], "Firefox 128 on Linux");
    assert_eq!(e["clientIp"], "127.0.0.1");
    assert_eq!(
        e["detail"],
        "nobody answered it on a phone before it expired"
    );
    // The page still reads it as expired, and the phone no longer shows it.
    assert_eq!(stranger.state(), "expired");
    assert!(phone.pending().unwrap().is_empty());
    assert_eq!(
        approved.state(),
        "expired",
        "approved, but collected too late"
    );
    // A late answer from the phone hears "expired" (410), as before the sweep stored it.
    let late = phone.sign(&shown, PIN).unwrap();
    assert_eq!(refused(phone.send_response(&stranger.attempt, &late)), 410);
    assert_eq!(refused(phone.decline(&shown)), 410);
    assert_eq!(
        refused(phone.report(&shown, uaf_phone::ReportKind::WrongPin)),
        410
    );

    // Later sweeps record it no more (one more sign-in, then its sweep, for a bound).
    env.advance(5);
    let newer = Browser::start_as(&env, "alice", FIREFOX);
    env.advance(TTL + 1);
    let events = wait_for_expired(&env, &session, 2);
    let found = expired(&events);
    assert_eq!(found.len(), 2, "{events:?}");
    assert!(
        found[0]["at"].as_u64().unwrap() > started_at,
        "newest first"
    );
    assert_eq!(newer.state(), "expired");
    assert_eq!(
        events.iter().filter(|e| e["outcome"] == "declined").count(),
        1
    );
}

#[test]
fn without_the_sweep_nothing_is_recorded() {
    let env = site("unswept", 0);
    let mut phone = env.enroll("alice");
    let session = sign_in(&env, &mut phone, "alice", CHROME);
    let stranger = Browser::start_as(&env, "alice", FIREFOX);
    env.advance(TTL + 1);
    assert_eq!(stranger.state(), "expired");
    // The sweep every second would have recorded it by now (the test above waits for it).
    std::thread::sleep(Duration::from_millis(2500));
    assert!(expired(&activity(&env, &session)).is_empty());
}

#[test]
fn an_unanswered_second_step_is_listed_with_its_browser_and_address() {
    const PASSWORD: &str = "correct horse battery";
    let env = site("second-step", 1);
    let hash = PasswordHashing::default().hash(PASSWORD).unwrap();
    let accounts = env.db.stores(300, system_clock()).accounts;
    let row = AccountRow::new(String::from("alice"), Some(hash), env.now());
    assert!(accounts.create_account(&row).unwrap());
    let mut phone = env.enroll("alice");
    let session = sign_in(&env, &mut phone, "alice", CHROME);
    let on = call(
        "POST",
        &env.at("api/account/two-step"),
        Some(&json!({ "enabled": true })),
        &[("Cookie", &session)],
    );
    assert_eq!(on.status, 200, "{on:?}");

    // The right password from Firefox: a second step is asked, and nobody answers it.
    let started_at = env.now();
    let a = call(
        "POST",
        &env.at("api/password/signin"),
        Some(&json!({ "username": "alice", "password": PASSWORD })),
        &[("User-Agent", FIREFOX)],
    );
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["next"], "second-step", "{a:?}");
    assert_eq!(phone.pending().unwrap().len(), 1, "the phone is asked");

    env.advance(TTL + 1);
    let events = wait_for_expired(&env, &session, 1);
    let found = expired(&events);
    assert_eq!(found.len(), 1, "{events:?}");
    let e = &found[0];
    assert_eq!(e["at"].as_u64().unwrap(), started_at);
    assert_eq!(e["method"], "password+phone");
    assert_eq!(e["outcomeDescription"], "Expired — not answered");
    assert_eq!(e["browser"], "Firefox 128 on Linux");
    assert_eq!(e["clientIp"], "127.0.0.1");
    assert_eq!(
        e["detail"],
        "the password was right, but the second step was not completed before it expired"
    );
    // The password's own record stays beside it.
    assert_eq!(
        events
            .iter()
            .filter(|e| e["outcome"] == "second-step")
            .count(),
        1
    );
}
