//! Phone sign-in over real HTTP on loopback, without a browser: the operator's invite, the
//! phone's enrolment (`uaf_phone::Phone`), the browser side by hand (a cookie jar of one
//! cookie), the phone's approval, the session; and every refusal the flow promises.
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

use common::{Answer, Browser, Env, PIN, call, notification, refused};
use serde_json::json;
use uaf_phone::{Enrollment, Phone, PhoneError};
use uaf_server::{INVITE_TTL_SECS, ServerConfig};

const TTL: u64 = 120;

/// A server with challenges of `TTL` seconds and a clock the test moves.
fn site(name: &str) -> Env {
    Env::builder(name).ttl(TTL).build()
}

fn me(env: &Env, cookie: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    call("GET", &format!("{}/api/me", env.url()), None, &headers)
}

#[test]
fn invite_enrol_sign_in_with_the_phone_and_sign_out() {
    let env = site("happy");
    let mut phone = env.enroll("alice");
    let state = env.dir.join("alice.json");
    phone.save(&state).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The state keeps no PIN and no invite code.
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(!text.contains("\"1234\""));

    let b = Browser::start(&env, "alice");
    assert_eq!(b.match_code.len(), 2);
    assert_eq!(b.state(), "pending");
    let n = notification(&phone, &b);
    assert_eq!(n.username, "alice");
    assert_eq!(n.match_code, b.match_code);
    // The phone never shows the number: the person types it from the page.
    assert!(n.prompt().starts_with("Sign in to 127.0.0.1:"));
    assert!(n.prompt().contains(" as alice ("));
    // (The digits of the site's port and the address may form the number by chance.)
    let rest = n.prompt().replace(&n.site, "").replace("127.0.0.1", "");
    assert!(!rest.contains(&b.match_code), "{}", n.prompt());
    assert!(n.site.starts_with("127.0.0.1:"));
    // Before the approval there is nothing to collect.
    assert_eq!(b.complete().status, 409);

    phone.approve(&n, PIN).unwrap();
    assert_eq!(b.state(), "approved");
    assert!(phone.pending().unwrap().is_empty());

    let done = b.complete();
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(done.body["username"], "alice");
    let line = done.cookie_line("uaf_session");
    assert!(line.contains("HttpOnly"), "{line}");
    assert!(line.contains("SameSite=Strict"), "{line}");
    assert!(line.contains("Path=/"), "{line}");
    // The browser secret is cleared.
    assert!(done.cookie_line("uaf_signin").contains("Max-Age=0"));
    let session = format!("uaf_session={}", done.cookie("uaf_session").unwrap());

    let who = me(&env, Some(&session));
    assert_eq!(who.status, 200, "{who:?}");
    assert_eq!(who.body["username"], "alice");
    assert_eq!(
        who.body["factors"],
        json!(["possession", "user-verification"])
    );
    assert_eq!(who.body["method"], "uaf-phone");
    assert_eq!(me(&env, None).status, 401);
    assert_eq!(
        me(&env, Some(&format!("uaf_session={}", "A".repeat(43)))).status,
        401
    );

    // Sign out: the session is gone.
    let out = call(
        "POST",
        &format!("{}/api/signout", env.url()),
        None,
        &[("Cookie", &session)],
    );
    assert_eq!(out.status, 200);
    assert_eq!(out.body["signedOut"], true);
    assert_eq!(me(&env, Some(&session)).status, 401);

    // The phone restored from its state file signs in again (same key, unlocked by the PIN).
    drop(phone);
    let mut phone = Phone::load(&state, PIN).unwrap();
    let b2 = Browser::start(&env, "alice");
    let n2 = notification(&phone, &b2);
    phone.approve(&n2, PIN).unwrap();
    let done2 = b2.complete();
    assert_eq!(done2.status, 200, "{done2:?}");
    let session2 = format!("uaf_session={}", done2.cookie("uaf_session").unwrap());
    assert_eq!(me(&env, Some(&session2)).body["username"], "alice");
}

#[test]
fn invite_codes_are_checked_single_use_and_expire() {
    let env = site("invites");
    let enroll = |user: &str, code: &str| {
        Phone::enroll(&Enrollment::new(&env.url(), user, code, PIN)).map(|_| ())
    };
    // A made-up code.
    assert_eq!(refused(enroll("alice", "AAAAAAAAAA")), 403);
    // Bob's code does not enrol alice.
    let bobs = env.invite("bob");
    assert_eq!(refused(enroll("alice", &bobs)), 403);
    // Used once; then refused.
    let code = env.invite("alice");
    enroll("alice", &code).unwrap();
    assert_eq!(refused(enroll("alice", &code)), 403);
    // Lower case and dashes are the same code (bob's code was only checked, not consumed).
    let typed = format!("{}-{}", &bobs[..5], &bobs[5..]).to_lowercase();
    enroll("bob", &typed).unwrap();
    // Expired after 15 minutes.
    let late = env.invite("carol");
    env.advance(INVITE_TTL_SECS + 1);
    assert_eq!(refused(enroll("carol", &late)), 403);
    // The start alone never consumes: a fresh code survives a start.
    let fresh = env.invite("dave");
    let start = call(
        "POST",
        &format!("{}/phone/enroll/start", env.url()),
        Some(&json!({ "username": "dave", "code": fresh })),
        &[],
    );
    assert_eq!(start.status, 200);
    assert!(
        start.body["uafRequest"]
            .as_str()
            .unwrap()
            .contains("\"Reg\"")
    );
    enroll("dave", &fresh).unwrap();
}

#[test]
fn the_device_token_is_required_and_checked() {
    let env = site("bearer");
    let _phone = env.enroll("alice");
    let url = format!("{}/phone/notifications", env.url());
    assert_eq!(call("GET", &url, None, &[]).status, 401);
    let wrong = format!("Bearer {}", "A".repeat(43));
    assert_eq!(
        call("GET", &url, None, &[("Authorization", &wrong)]).status,
        401
    );
    assert_eq!(
        call("GET", &url, None, &[("Authorization", "Bearer short")]).status,
        401
    );
    let b = Browser::start(&env, "alice");
    for path in ["respond", "decline"] {
        let a = call(
            "POST",
            &format!("{}/phone/{path}", env.url()),
            Some(&json!({ "attempt": b.attempt, "uafResponse": "[]" })),
            &[("Authorization", &wrong)],
        );
        assert_eq!(a.status, 401, "{path}");
    }
    assert_eq!(b.state(), "pending");
}

#[test]
fn bobs_phone_cannot_approve_or_decline_alices_sign_in() {
    let env = site("bob");
    let mut alice = env.enroll("alice");
    let mut bob = env.enroll("bob");
    let a = Browser::start(&env, "alice");
    // Bob's phone does not see it.
    assert!(
        bob.pending()
            .unwrap()
            .iter()
            .all(|n| n.attempt != a.attempt)
    );
    // Bob signs his own sign-in and sends that for alice's attempt.
    let b = Browser::start(&env, "bob");
    let nb = notification(&bob, &b);
    let response = bob.sign(&nb, PIN).unwrap();
    assert_eq!(refused(bob.send_response(&a.attempt, &response)), 404);
    assert_eq!(refused(bob.decline_attempt(&a.attempt)), 404);
    // Bob's phone cannot even sign alice's request (it has no key for alice).
    let na = notification(&alice, &a);
    assert!(bob.sign(&na, PIN).is_err());
    // Alice's attempt is untouched; her phone approves it.
    assert_eq!(a.state(), "pending");
    alice.approve(&na, PIN).unwrap();
    assert_eq!(a.state(), "approved");
    assert_eq!(a.complete().body["username"], "alice");
    // Bob's own response still answers his own sign-in.
    bob.send_response(&b.attempt, &response).unwrap();
    assert_eq!(b.complete().body["username"], "bob");
}

#[test]
fn a_declined_sign_in_cannot_be_completed_or_approved() {
    let env = site("declined");
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    phone.decline(&n).unwrap();
    assert_eq!(b.state(), "declined");
    let c = b.complete();
    assert_eq!(c.status, 409);
    assert_eq!(c.body["state"], "declined");
    assert!(c.cookie("uaf_session").is_none());
    // The phone re-checks before the PIN and signs nothing; a signature sent anyway is
    // refused by the server.
    assert!(matches!(
        phone.approve(&n, PIN),
        Err(PhoneError::NotWaiting)
    ));
    let response = phone.sign(&n, PIN).unwrap();
    assert_eq!(refused(phone.send_response(&n.attempt, &response)), 409);
    assert_eq!(refused(phone.decline(&n)), 409);
}

#[test]
fn completing_needs_this_browsers_cookie_and_happens_once() {
    let env = site("cookies");
    let mut phone = env.enroll("alice");
    let first = Browser::start(&env, "alice");
    let other = Browser::start(&env, "alice");
    phone.approve(&notification(&phone, &first), PIN).unwrap();
    // No cookie, another attempt's cookie, a made-up cookie: unknown.
    assert_eq!(first.complete_with(None).status, 404);
    assert_eq!(first.complete_with(Some(&other.cookie)).status, 404);
    let fake = format!("uaf_signin={}", "B".repeat(43));
    assert_eq!(first.complete_with(Some(&fake)).status, 404);
    // The status is private to the browser too.
    let peek = call(
        "GET",
        &format!("{}/api/signin/{}", env.url(), first.attempt),
        None,
        &[("Cookie", &other.cookie)],
    );
    assert_eq!(peek.status, 404);
    // A cross-site form post cannot send JSON: refused before anything is read.
    let form = call(
        "POST",
        &format!("{}/api/signin/{}/complete", env.url(), first.attempt),
        None,
        &[
            ("Cookie", &first.cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
    );
    assert_eq!(form.status, 415);
    // The right cookie, once.
    assert_eq!(first.complete().status, 200);
    let again = first.complete();
    assert_eq!(again.status, 409);
    assert!(again.cookie("uaf_session").is_none());
    assert_eq!(first.state(), "consumed");
    // The other attempt is still waiting.
    assert_eq!(other.state(), "pending");
}

#[test]
fn the_phones_response_cannot_be_replayed() {
    let env = site("replay");
    let mut phone = env.enroll("alice");
    let a = Browser::start(&env, "alice");
    let response = phone.sign(&notification(&phone, &a), PIN).unwrap();
    phone.send_response(&a.attempt, &response).unwrap();
    // Again for the same attempt: no longer waiting.
    assert_eq!(refused(phone.send_response(&a.attempt, &response)), 409);
    // For a new attempt: it answers another challenge.
    let b = Browser::start(&env, "alice");
    assert_eq!(refused(phone.send_response(&b.attempt, &response)), 400);
    assert_eq!(b.state(), "pending");
    // The new attempt is still approvable by a fresh signature.
    phone.approve(&notification(&phone, &b), PIN).unwrap();
    assert_eq!(b.complete().status, 200);
}

#[test]
fn a_wrong_pin_signs_nothing() {
    let env = site("pin");
    let mut phone = env.enroll("alice");
    let b = Browser::start(&env, "alice");
    let n = notification(&phone, &b);
    assert!(matches!(
        phone.approve(&n, "9999"),
        Err(PhoneError::WrongPin { .. })
    ));
    assert_eq!(b.state(), "pending");
    phone.approve(&n, PIN).unwrap();
    assert_eq!(b.state(), "approved");
}

#[test]
fn sign_ins_expire() {
    let env = site("expiry");
    let mut phone = env.enroll("alice");
    // Waiting: expires, the phone stops seeing it, approving is refused.
    let waiting = Browser::start(&env, "alice");
    let n = notification(&phone, &waiting);
    // Approved but not collected in time.
    let approved = Browser::start(&env, "alice");
    phone
        .approve(&notification(&phone, &approved), PIN)
        .unwrap();
    env.advance(TTL + 1);
    assert_eq!(waiting.state(), "expired");
    assert_eq!(approved.state(), "expired");
    assert!(phone.pending().unwrap().is_empty());
    assert!(matches!(
        phone.approve(&n, PIN),
        Err(PhoneError::NotWaiting)
    ));
    let response = phone.sign(&n, PIN).unwrap();
    assert_eq!(refused(phone.send_response(&n.attempt, &response)), 410);
    assert_eq!(waiting.complete().status, 409);
    assert_eq!(approved.complete().status, 409);

    // Sessions expire too.
    let b = Browser::start(&env, "alice");
    phone.approve(&notification(&phone, &b), PIN).unwrap();
    let done = b.complete();
    let session = format!("uaf_session={}", done.cookie("uaf_session").unwrap());
    assert_eq!(me(&env, Some(&session)).status, 200);
    env.advance(ServerConfig::default().session_ttl_secs + 1);
    assert_eq!(me(&env, Some(&session)).status, 401);
}

#[test]
fn an_unknown_user_looks_like_a_known_one_from_the_browser() {
    let env = site("unknown");
    let _phone = env.enroll("alice");
    let start = |user: &str| {
        call(
            "POST",
            &format!("{}/api/signin/start", env.url()),
            Some(&json!({ "username": user })),
            &[],
        )
    };
    let known = start("alice");
    let unknown = start("mallory");
    assert_eq!(known.status, unknown.status);
    let keys = |a: &Answer| {
        let mut k: Vec<String> = a.body.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&known), keys(&unknown));
    for a in [&known, &unknown] {
        assert_eq!(a.body["attempt"].as_str().unwrap().len(), 43);
        assert_eq!(a.body["matchCode"].as_str().unwrap().len(), 2);
        assert_eq!(a.body["pollMillis"], 1000);
    }
    // The same cookie attributes (only the value differs).
    let shape = |a: &Answer| {
        let line = a.cookie_line("uaf_signin");
        line.split_once(';').unwrap().1.to_owned()
    };
    assert_eq!(shape(&known), shape(&unknown));
    // Both wait; the unknown one until it expires.
    let mallory = Browser {
        url: env.url(),
        attempt: unknown.body["attempt"].as_str().unwrap().to_owned(),
        match_code: String::new(),
        cookie: format!("uaf_signin={}", unknown.cookie("uaf_signin").unwrap()),
    };
    assert_eq!(mallory.state(), "pending");
    env.advance(TTL + 1);
    assert_eq!(mallory.state(), "expired");
    // A user name that is not one: refused for everyone alike.
    assert_eq!(start("").status, 400);
}

#[test]
fn an_approval_signed_by_another_phones_key_is_refused_before_anything_is_used() {
    use uaf_server::store::Backend as _;
    let env = site("other-key");
    let first = env.enroll("alice");
    let mut second = env.enroll("alice");
    let a = Browser::start(&env, "alice");
    let counters = || -> Vec<(String, u32)> {
        let mut c: Vec<(String, u32)> = env
            .db
            .stores(TTL, uaf_server::store::system_clock())
            .credentials
            .list_by_user("alice")
            .unwrap()
            .into_iter()
            .map(|r| (uaf_proto::b64::encode(r.key_id.as_bytes()), r.sign_counter))
            .collect();
        c.sort();
        c
    };
    let before = counters();
    assert_eq!(before.len(), 2);
    // The second phone signs alice's sign-in; the first phone sends that signature with its
    // own device token: uaf-rp refuses the key (AUTH-15) before the challenge is taken.
    let response = second.sign(&notification(&second, &a), PIN).unwrap();
    match first.send_response(&a.attempt, &response) {
        Err(PhoneError::Refused { status, message }) => {
            assert_eq!(status, 403, "{message}");
            assert_eq!(message, "the key that signed is not this phone's");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.state(), "pending");
    assert_eq!(counters(), before);
    // The challenge is untouched: the very same response, sent by the phone whose key signed
    // it, approves the attempt.
    second.send_response(&a.attempt, &response).unwrap();
    assert_eq!(a.state(), "approved");
    assert_eq!(a.complete().body["username"], "alice");
    // And now it is used: a replay answers 409.
    assert_eq!(refused(second.send_response(&a.attempt, &response)), 409);
}
