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

mod common;

use std::sync::Barrier;

use common::{Browser, Env, PIN, call, notification, refusal};
use serde_json::{Value, json};
use uaf_phone::{Notification, Phone, PhoneError};

const TTL: u64 = 120;
/// Every node's AppID, and the phones' facet: the nodes are one site.
const APP_ID: &str = "https://login.example.test/facets.json";
const FACET: &str = "https://login.example.test";

/// `nodes` servers over one SQLite file, one site: the AppID and the phones' facet are the
/// site's; no rate limits.
fn site(name: &str, nodes: usize) -> Env {
    Env::builder(name)
        .nodes(nodes)
        .ttl(TTL)
        .limits_off()
        .facet(FACET)
        .config(|c| c.app_id = Some(String::from(APP_ID)))
        .build()
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
        assert_eq!(b.state(), "approved", "round {round}: {answers:?}");
        let done = b.complete();
        assert_eq!(done.status, 200, "round {round}: {done:?}");
        assert_eq!(done.body["username"], "alice");
    }
}

#[test]
fn a_duplicate_approval_at_the_same_moment_never_spoils_the_sign_in_on_one_node() {
    let env = site("duplicate-one-node", 1);
    duplicate_approvals(&env, 25, 4);
}

#[test]
fn a_duplicate_approval_at_the_same_moment_never_spoils_the_sign_in_on_two_nodes() {
    let env = site("duplicate-two-nodes", 2);
    duplicate_approvals(&env, 25, 4);
}

#[test]
fn a_replay_after_the_approval_is_refused_and_changes_nothing() {
    let env = site("replay-after", 1);
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    let response = phone.sign(&n, PIN).unwrap();
    phone.send_response(&b.attempt, &response).unwrap();
    assert_eq!(
        refusal(phone.send_response(&b.attempt, &response)),
        (409, String::from("this sign-in is no longer waiting"))
    );
    assert_eq!(b.state(), "approved");
    assert_eq!(b.complete().status, 200);
}

// ---------------------------------------------------------------------------------------------
// Number matching bound by transaction confirmation
// ---------------------------------------------------------------------------------------------

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like \
                            Gecko) Chrome/131.0.0.0 Safari/537.36";

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
    let env = site("shown-text", 1);
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
    let env = site("numbers", 1);
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
    let env = site("bound", 1);
    let mut phone = env.enroll("alice");
    let a = Browser::start(&env, "alice");
    let b = Browser::start(&env, "alice");
    assert_ne!(a.match_code, b.match_code);
    let (na, nb) = (notification(&phone, &a), notification(&phone, &b));

    // A response for attempt A, submitted for attempt B: refused, nothing used.
    let for_a = phone.sign(&na, PIN).unwrap();
    assert_eq!(
        refusal(phone.send_response(&b.attempt, &for_a)),
        (
            400,
            String::from("the response does not answer this sign-in")
        )
    );
    // A's text signed with another number (B's, or any other): refused, nothing used.
    for wrong in [b.match_code.clone(), other_number(&a.match_code)] {
        let signed = phone.sign_typed(&na, &wrong, PIN).unwrap();
        assert_eq!(
            refusal(phone.send_response(&a.attempt, &signed)),
            (
                403,
                String::from("the confirmed text or number is not this sign-in's")
            )
        );
    }
    // B's number typed for A's text is not B's approval either.
    let crossed = phone.sign_typed(&na, &b.match_code, PIN).unwrap();
    assert_eq!(
        refusal(phone.send_response(&b.attempt, &crossed)).0,
        400,
        "A's challenge never answers B"
    );
    assert_eq!(a.state(), "pending");
    assert_eq!(b.state(), "pending");

    // The right number approves A only; B still waits.
    phone.send_response(&a.attempt, &for_a).unwrap();
    assert_eq!(a.state(), "approved");
    assert_eq!(b.state(), "pending");
    phone.approve_typed(&nb, &b.match_code, PIN).unwrap();
    assert_eq!(b.state(), "approved");
}

#[test]
fn a_wrong_number_is_refused_on_the_phone_and_reported() {
    let env = site("wrong-number", 1);
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    let wrong = other_number(&b.match_code);
    assert!(matches!(
        phone.approve_typed(&n, &wrong, PIN),
        Err(PhoneError::WrongNumber { reported: true })
    ));
    // Nothing was signed or used; the page says what happened.
    let s = b.status();
    assert_eq!(s.body["state"], "pending", "{s:?}");
    assert_eq!(s.body["report"], "wrong-number", "{s:?}");
    // The right number still approves.
    phone
        .approve_typed(&n, &format!(" {} ", b.match_code), PIN)
        .unwrap();
    let s = b.status();
    assert_eq!(s.body["state"], "approved");
    assert!(s.body.get("report").is_none(), "{s:?}");
}

#[test]
fn the_third_wrong_number_ends_the_attempt() {
    let env = site("wrong-numbers", 1);
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    let wrong = other_number(&b.match_code);
    for _ in 0..2 {
        assert!(matches!(
            phone.approve_typed(&n, &wrong, PIN),
            Err(PhoneError::WrongNumber { reported: true })
        ));
        assert_eq!(b.state(), "pending");
    }
    assert!(matches!(
        phone.approve_typed(&n, &wrong, PIN),
        Err(PhoneError::WrongNumber { reported: true })
    ));
    let s = b.status();
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

#[test]
fn cancel_on_the_page_withdraws_the_attempt_from_every_phone() {
    let env = site("cancel", 1);
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
    assert_eq!(b.state(), "pending");

    let c = b.cancel();
    assert_eq!(
        (c.status, c.body["state"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(b.state(), "cancelled");
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
        refusal(first.send_response(&b.attempt, &response)),
        (409, String::from("this sign-in is no longer waiting"))
    );
    let again = b.cancel();
    assert_eq!(again.status, 409, "{again:?}");
    assert_eq!(again.body["state"], "cancelled");
    assert_eq!(b.complete().status, 409);
}

#[test]
fn the_first_phones_answer_withdraws_it_from_the_others() {
    let env = site("two-phones", 1);
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
    assert_eq!(b.state(), "approved");
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
    let env = site("wrong-pin", 1);
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    assert!(matches!(
        phone.approve_typed(&n, &b.match_code, "9999"),
        Err(PhoneError::WrongPin { .. })
    ));
    let s = b.status();
    assert_eq!(
        (s.body["state"].as_str(), s.body["report"].as_str()),
        (Some("pending"), Some("wrong-pin"))
    );
    let expires = s.body["expiresAt"].as_u64().unwrap();
    assert!(expires >= env.now() && expires <= env.now() + TTL, "{s:?}");
    phone.approve_typed(&n, &b.match_code, PIN).unwrap();
    assert_eq!(b.state(), "approved");
}

#[test]
fn reports_need_the_accounts_phone_and_a_pending_attempt() {
    let env = site("report-rules", 1);
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
    assert_eq!(b.state(), "pending");
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
    assert_eq!(b.state(), "pending");
    // Expired: refused with 410, nothing recorded.
    env.advance(TTL + 1);
    assert!(matches!(
        alice.report(&n, uaf_phone::ReportKind::WrongPin),
        Err(PhoneError::Refused { status: 410, .. })
    ));
    assert_eq!(b.state(), "expired");
}

#[test]
fn not_me_ends_the_attempt_records_it_and_pauses_new_phone_sign_ins() {
    use uaf_server::store::{ActivityOutcome, ActivityStore as _};
    let env = site("not-me", 1);
    let mut phone = env.enroll("alice");
    // A browser that signed in to alice before: it stays known.
    let mine = Browser::start(&env, "alice");
    phone.approve(&notification(&phone, &mine), PIN).unwrap();
    let done = mine.complete();
    assert_eq!(done.status, 200);
    let known = format!("uaf_known={}", done.cookie("uaf_known").unwrap());

    // Someone else starts a sign-in; the phone says "it's not me".
    let theirs = Browser::start_as(&env, "alice", CHROME_LINUX);
    phone.deny(&notification(&phone, &theirs)).unwrap();
    let s = theirs.status();
    assert_eq!(
        (s.body["state"].as_str(), s.body["report"].as_str()),
        (Some("denied"), Some("not-me"))
    );
    assert_eq!(theirs.complete().status, 409);
    assert!(phone.pending().unwrap().is_empty());
    // The security event is in the account's activity.
    let events = env.db.recent_activity("alice", 10).unwrap();
    let denied = events
        .iter()
        .find(|e| e.outcome == ActivityOutcome::DeniedNotMe)
        .expect("the denial is recorded");
    // (The browser's own `User-Agent` text, kept with the attempt: the page reads it.)
    assert_eq!(
        (denied.client_ip.as_str(), denied.user_agent.as_str()),
        ("127.0.0.1", CHROME_LINUX)
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
