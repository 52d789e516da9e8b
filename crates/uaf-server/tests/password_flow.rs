//! Passwords and two-step verification over real HTTP on loopback: password sign-in (one
//! factor), no enumeration (same answer, same cost for a wrong password and an unknown user),
//! the password rate limits, two-step verification by a verification code (a used step
//! refused) and by the phone, the two-step switch, accounts made with an invite, the activity
//! record, and the operator's `uaf-server user …` commands run as a process.
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

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Answer, Browser, Env, PIN, call, notification, temp};
use serde_json::{Value, json};
use uaf_phone::Phone;
use uaf_server::store::{AccountRow, ActivityOutcome, SignInMethod, system_clock};
use uaf_server::{
    Backend, Limits, PasswordHashing, Server, ServerConfig, SqliteDatabase, create_invite, unix_now,
};
use uaf_totp::Totp;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "The user name or password is not right.";

/// A server with a clock the test moves (on a whole number of 30-second steps: the codes'
/// windows are where the test says) and 127.0.0.1 as a trusted proxy (so that
/// `X-Forwarded-For` plays other client addresses); `limits` changes the rate limits.
fn site(name: &str, limits: impl Fn(&mut Limits) + 'static) -> Env {
    Env::builder(name)
        .clock_start(unix_now() / 30 * 30)
        .ttl(120)
        .config(move |c| {
            c.limits.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
            limits(&mut c.limits);
        })
        .build()
}

impl Env {
    /// An account with `PASSWORD`, hashed with the server's (default) parameters.
    fn add_user(&self, user: &str) {
        let hash = PasswordHashing::default().hash(PASSWORD).unwrap();
        let accounts = self.db.stores(300, system_clock()).accounts;
        let row = AccountRow::new(user.into(), Some(hash.clone()), self.now());
        if !accounts.create_account(&row).unwrap() {
            assert!(accounts.set_password_hash(user, &hash).unwrap());
        }
    }

    fn secret(&self, user: &str) -> Vec<u8> {
        let accounts = self.db.stores(300, system_clock()).accounts;
        accounts
            .account(user)
            .unwrap()
            .unwrap()
            .code_secret
            .unwrap()
    }

    fn code(&self, user: &str) -> String {
        Totp::DEFAULT
            .generate(&self.secret(user), self.now())
            .unwrap()
            .to_string()
    }

    fn activity(&self, user: &str) -> Vec<(SignInMethod, ActivityOutcome)> {
        let a = self.db.stores(300, system_clock()).activity;
        a.recent_activity(user, 50)
            .unwrap()
            .into_iter()
            .map(|r| (r.method, r.outcome))
            .collect()
    }

    fn password_signin(&self, user: &str, password: &str, from: &str) -> Answer {
        call(
            "POST",
            &self.at("api/password/signin"),
            Some(&json!({ "username": user, "password": password })),
            &[("X-Forwarded-For", from), ("User-Agent", "TestBrowser/1.0")],
        )
    }
}

fn me(env: &Env, session: &str) -> Answer {
    call("GET", &env.at("api/me"), None, &[("Cookie", session)])
}

fn two_step(env: &Env, session: &str, enabled: bool) -> Answer {
    call(
        "POST",
        &env.at("api/account/two-step"),
        Some(&json!({ "enabled": enabled })),
        &[("Cookie", session)],
    )
}

/// A phone sign-in of `user` approved by `phone`: the session cookie.
fn phone_signin(env: &Env, phone: &mut Phone, user: &str) -> String {
    let b = Browser::start(env, user);
    phone.approve(&notification(phone, &b), PIN).unwrap();
    let done = b.complete();
    assert_eq!(done.status, 200, "{done:?}");
    done.cookie_pair("uaf_session").unwrap()
}

#[test]
fn a_password_alone_signs_in_with_one_factor_and_is_recorded() {
    let env = site("one-factor", |_| {});
    env.add_user("alice");
    let a = env.password_signin("alice", PASSWORD, "192.0.2.10");
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["next"], "signed-in");
    assert_eq!(a.body["session"]["method"], "password");
    assert_eq!(a.body["session"]["factors"], json!(["knowledge"]));
    let line = a
        .set_cookies
        .iter()
        .find(|c| c.starts_with("uaf_session="))
        .unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Strict"),
        "{line}"
    );
    let session = a.cookie_pair("uaf_session").unwrap();
    let who = me(&env, &session);
    assert_eq!(who.status, 200);
    assert_eq!(who.body["username"], "alice");
    assert_eq!(who.body["factors"], json!(["knowledge"]));
    assert_eq!(who.body["method"], "password");
    // Signed out: the session is gone.
    let out = call(
        "POST",
        &env.at("api/signout"),
        None,
        &[("Cookie", &session)],
    );
    assert_eq!(out.body["signedOut"], true);
    assert_eq!(me(&env, &session).status, 401);
    // The record: who, how, from where, with what.
    let rows = env
        .db
        .stores(300, system_clock())
        .activity
        .recent_activity("alice", 5)
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, ActivityOutcome::SignedIn);
    assert_eq!(rows[0].method, SignInMethod::Password);
    assert_eq!(rows[0].client_ip, "192.0.2.10");
    assert_eq!(rows[0].user_agent, "TestBrowser/1.0");
    // Malformed requests are told apart from wrong passwords (they reveal nothing).
    assert_eq!(env.password_signin("", PASSWORD, "192.0.2.10").status, 400);
    assert_eq!(env.password_signin("alice", "", "192.0.2.10").status, 400);
}

#[test]
fn a_wrong_password_and_an_unknown_user_answer_alike() {
    let env = site("enumeration", |l| {
        l.password_per_account = uaf_server::Rate::OFF;
        l.password_per_address = uaf_server::Rate::OFF;
    });
    env.add_user("alice");
    // A phone-only account (no password) answers the same too.
    env.enroll("bob");
    let wrong = env.password_signin("alice", "not the password", "192.0.2.1");
    let unknown = env.password_signin("nobody", "not the password", "192.0.2.1");
    let phone_only = env.password_signin("bob", "not the password", "192.0.2.1");
    for a in [&wrong, &unknown, &phone_only] {
        assert_eq!(a.status, 401, "{a:?}");
        assert_eq!(a.text, wrong.text);
        assert!(a.set_cookies.is_empty(), "{a:?}");
    }
    assert_eq!(wrong.body["error"], WRONG);
    // The same argon2 work: an unknown user is verified against a dummy hash of the same
    // parameters, by the same call (no timing is asserted here, the machine is shared; the
    // dummy's parameters are checked in `password::tests`).
    assert_eq!(
        env.activity("nobody").first(),
        Some(&(SignInMethod::Password, ActivityOutcome::WrongPassword))
    );
}

#[test]
fn password_guesses_are_throttled_per_account_and_per_address() {
    let env = site("throttle", |l| {
        l.password_per_account = "3/600".parse().unwrap();
        l.password_per_address = "5/600".parse().unwrap();
    });
    env.add_user("alice");
    for from in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        assert_eq!(
            env.password_signin("alice", "guess guess", from).status,
            401
        );
    }
    // A fourth guess for alice, from any address (the right password included), waits.
    let a = env.password_signin("alice", PASSWORD, "198.51.100.9");
    assert_eq!(a.status, 429, "{a:?}");
    assert!(a.retry_after.is_some());
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("password-per-account")
    );
    assert_eq!(
        env.activity("alice").first(),
        Some(&(SignInMethod::Password, ActivityOutcome::Throttled))
    );
    // One address spraying many accounts: stopped after its 5.
    for user in ["u1", "u2", "u3", "u4", "u5"] {
        assert_eq!(
            env.password_signin(user, "guess guess", "203.0.113.7")
                .status,
            401
        );
    }
    let a = env.password_signin("u6", "guess guess", "203.0.113.7");
    assert_eq!(a.status, 429);
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("password-per-address")
    );
    // Another address is not affected.
    assert_eq!(
        env.password_signin("u6", "guess guess", "203.0.113.8")
            .status,
        401
    );
}

/// Alice with a password, a phone (so verification codes) and two-step verification turned
/// on through the API by a phone session. Returns her phone.
fn two_step_alice(env: &Env) -> Phone {
    env.add_user("alice");
    let mut phone = env.enroll("alice");
    let session = phone_signin(env, &mut phone, "alice");
    let before = call(
        "GET",
        &env.at("api/account/two-step"),
        None,
        &[("Cookie", &session)],
    );
    assert_eq!(
        before.body,
        json!({ "enabled": false, "codesAvailable": true })
    );
    let on = two_step(env, &session, true);
    assert_eq!(on.status, 200, "{on:?}");
    assert_eq!(on.body, json!({ "enabled": true, "codesAvailable": true }));
    phone
}

/// A password sign-in that must ask for a second step: the attempt and its browser cookie.
fn second_step(env: &Env, user: &str) -> (String, String, Answer) {
    let a = env.password_signin(user, PASSWORD, "192.0.2.20");
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["next"], "second-step", "{a:?}");
    assert!(a.cookie_pair("uaf_session").is_none());
    let attempt = a.body["attempt"].as_str().unwrap().to_owned();
    let browser = a.cookie_pair("uaf_signin").unwrap();
    (attempt, browser, a)
}

fn send_code(env: &Env, attempt: &str, browser: &str, code: &str) -> Answer {
    call(
        "POST",
        &env.at(&format!("api/password/{attempt}/code")),
        Some(&json!({ "code": code })),
        &[("Cookie", browser), ("X-Forwarded-For", "192.0.2.20")],
    )
}

#[test]
fn two_step_by_a_verification_code_and_a_used_code_is_refused() {
    let env = site("code", |_| {});
    let phone = two_step_alice(&env);
    let (attempt, browser, a) = second_step(&env, "alice");
    assert_eq!(a.body["phone"], true);
    assert_eq!(a.body["code"], true);
    // The phone app shows the code the server expects (the secret came in its enrolment
    // answer).
    let right = env.code("alice");
    let account = uaf_phone::AccountRef::new(&env.server().base_url(), "alice");
    let shown = phone.verification_code_at(&account, env.now()).unwrap();
    assert_eq!(shown.code, right);
    // A wrong code, a malformed one, no browser cookie: refused.
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let w = send_code(&env, &attempt, &browser, &wrong);
    assert_eq!(w.status, 401, "{w:?}");
    assert_eq!(send_code(&env, &attempt, &browser, "12ab56").status, 401);
    assert_eq!(
        send_code(&env, &attempt, "uaf_signin=x", &right).status,
        404
    );
    // The right code: signed in with two factors.
    let ok = send_code(&env, &attempt, &browser, &right);
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["method"], "password+code");
    assert_eq!(ok.body["factors"], json!(["knowledge", "possession"]));
    let session = ok.cookie_pair("uaf_session").unwrap();
    assert_eq!(me(&env, &session).body["method"], "password+code");
    // The attempt is used up.
    assert_eq!(send_code(&env, &attempt, &browser, &right).status, 409);

    // The same code again, on a new second step in the same 30 s: refused (replay).
    let (attempt2, browser2, _) = second_step(&env, "alice");
    let replay = send_code(&env, &attempt2, &browser2, &right);
    assert_eq!(replay.status, 401, "{replay:?}");
    // The next step's code is accepted.
    env.advance(30);
    let next = env.code("alice");
    assert_ne!(next, right);
    assert_eq!(send_code(&env, &attempt2, &browser2, &next).status, 200);
    // A code typed on a phone sign-in's attempt (no password given): not a second step.
    let start = call(
        "POST",
        &env.at("api/signin/start"),
        Some(&json!({ "username": "alice" })),
        &[],
    );
    let phone_attempt = start.body["attempt"].as_str().unwrap().to_owned();
    env.advance(30);
    let c = send_code(
        &env,
        &phone_attempt,
        &start.cookie_pair("uaf_signin").unwrap(),
        &env.code("alice"),
    );
    assert_eq!(c.status, 404, "{c:?}");
    let outcomes: Vec<ActivityOutcome> = env.activity("alice").into_iter().map(|r| r.1).collect();
    assert!(
        outcomes.contains(&ActivityOutcome::WrongCode),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&ActivityOutcome::SecondStep),
        "{outcomes:?}"
    );
}

#[test]
fn two_step_by_the_phone_and_a_phone_sign_in_never_asks_a_second_step() {
    let env = site("phone-step", |_| {});
    let mut phone = two_step_alice(&env);
    let (attempt, browser, a) = second_step(&env, "alice");
    let complete = |cookie: &str| {
        call(
            "POST",
            &env.at(&format!("api/password/{attempt}/complete")),
            None,
            &[("Cookie", cookie)],
        )
    };
    // Not approved yet.
    assert_eq!(complete(&browser).status, 409);
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .unwrap();
    assert_eq!(n.match_code, a.body["matchCode"].as_str().unwrap());
    phone.approve(&n, PIN).unwrap();
    let status = call(
        "GET",
        &env.at(&format!("api/signin/{attempt}")),
        None,
        &[("Cookie", &browser)],
    );
    assert_eq!(status.body["state"], "approved");
    assert_eq!(complete("uaf_signin=nope").status, 404);
    let done = complete(&browser);
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(done.body["method"], "password+phone");
    assert_eq!(
        done.body["factors"],
        json!(["knowledge", "possession", "user-verification"])
    );
    assert_eq!(complete(&browser).status, 409, "used once");
    // A phone sign-in with two-step on: the approval is the session, no second step.
    let session = phone_signin(&env, &mut phone, "alice");
    assert_eq!(me(&env, &session).body["method"], "uaf-phone");
    assert_eq!(
        env.activity("alice")[..2],
        [
            (SignInMethod::Phone, ActivityOutcome::SignedIn),
            (SignInMethod::PasswordPhone, ActivityOutcome::SignedIn)
        ]
    );
    // A decline on the phone is recorded too.
    let (attempt, _, _) = second_step(&env, "alice");
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .unwrap();
    phone.decline(&n).unwrap();
    assert_eq!(
        env.activity("alice")[0],
        (SignInMethod::Phone, ActivityOutcome::Declined)
    );
}

fn signin_status(env: &Env, attempt: &str, browser: &str) -> Answer {
    call(
        "GET",
        &env.at(&format!("api/signin/{attempt}")),
        None,
        &[("Cookie", browser)],
    )
}

/// The phone's request of `attempt`, if it is asked.
fn asked(phone: &Phone, attempt: &str) -> Option<uaf_phone::Notification> {
    phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
}

#[test]
fn a_second_step_shows_the_phones_reports_and_its_cancel_withdraws_the_phones_request() {
    let env = site("step-report", |_| {});
    let mut phone = two_step_alice(&env);
    let (attempt, browser, a) = second_step(&env, "alice");
    assert_eq!(a.body["expiresAt"], env.now() + 120, "{a:?}");
    // A wrong number typed on the phone: the page's status says so (the step still waits).
    let n = asked(&phone, &attempt).unwrap();
    let right = a.body["matchCode"].as_str().unwrap();
    let wrong = if right == "42" { "43" } else { "42" };
    assert!(matches!(
        phone.approve_typed(&n, wrong, PIN),
        Err(uaf_phone::PhoneError::WrongNumber { reported: true })
    ));
    let s = signin_status(&env, &attempt, &browser);
    assert_eq!(
        (
            s.status,
            s.body["state"].as_str(),
            s.body["report"].as_str(),
            s.body["expiresAt"].as_u64()
        ),
        (
            200,
            Some("pending"),
            Some("wrong-number"),
            Some(env.now() + 120)
        ),
        "{s:?}"
    );
    // Cancel on the page: cancelled at the server, the phone's request withdrawn.
    let c = call(
        "POST",
        &env.at(&format!("api/signin/{attempt}/cancel")),
        None,
        &[("Cookie", &browser)],
    );
    assert_eq!(
        (c.status, c.body["state"].as_str()),
        (200, Some("cancelled")),
        "{c:?}"
    );
    assert!(
        asked(&phone, &attempt).is_none(),
        "withdrawn from the phone"
    );
    assert!(matches!(
        phone.approve_typed(&n, right, PIN),
        Err(uaf_phone::PhoneError::NotWaiting)
    ));
    assert_eq!(
        signin_status(&env, &attempt, &browser).body["state"],
        "cancelled"
    );
    // Neither the code nor a completion finishes a cancelled step.
    let code = send_code(&env, &attempt, &browser, &env.code("alice"));
    assert_eq!(
        (code.status, code.body["state"].as_str()),
        (409, Some("cancelled")),
        "{code:?}"
    );
    let done = call(
        "POST",
        &env.at(&format!("api/password/{attempt}/complete")),
        None,
        &[("Cookie", &browser)],
    );
    assert_eq!(done.status, 409, "{done:?}");
    assert!(done.cookie_pair("uaf_session").is_none());
}

#[test]
fn after_its_not_me_a_second_step_asks_the_phone_only_from_a_known_browser() {
    let env = site("step-known", |_| {});
    let phone = two_step_alice(&env);
    // A two-factor password sign-in (password and code) makes this browser known.
    let (attempt, browser, _) = second_step(&env, "alice");
    let ok = send_code(&env, &attempt, &browser, &env.code("alice"));
    assert_eq!(ok.status, 200, "{ok:?}");
    let known = ok
        .cookie_pair("uaf_known")
        .expect("the browser is made known");
    // Someone with the password: the phone says "it's not me".
    let (theirs, _, _) = second_step(&env, "alice");
    phone.deny(&asked(&phone, &theirs).unwrap()).unwrap();
    // Paused: a second step from an unknown browser asks no phone (and says so); its code
    // still works.
    let (unknown, unknown_browser, u) = second_step(&env, "alice");
    assert_eq!(
        (&u.body["phone"], &u.body["code"]),
        (&json!(false), &json!(true))
    );
    assert!(asked(&phone, &unknown).is_none(), "no phone is asked");
    env.advance(30);
    assert_eq!(
        send_code(&env, &unknown, &unknown_browser, &env.code("alice")).status,
        200
    );
    // From the known browser the phone is asked, as for a phone sign-in.
    let k = call(
        "POST",
        &env.at("api/password/signin"),
        Some(&json!({ "username": "alice", "password": PASSWORD })),
        &[("Cookie", &known), ("X-Forwarded-For", "192.0.2.20")],
    );
    assert_eq!((k.status, &k.body["phone"]), (200, &json!(true)), "{k:?}");
    assert!(asked(&phone, k.body["attempt"].as_str().unwrap()).is_some());
}

#[test]
fn the_two_step_switch_needs_codes_to_turn_on_and_two_factors_to_turn_off() {
    let env = site("switch", |_| {});
    env.add_user("alice");
    assert_eq!(
        call("GET", &env.at("api/account/two-step"), None, &[]).status,
        401
    );
    let a = env.password_signin("alice", PASSWORD, "192.0.2.1");
    let password_session = a.cookie_pair("uaf_session").unwrap();
    // No phone yet: no codes, cannot turn on.
    let r = two_step(&env, &password_session, true);
    assert_eq!(r.status, 409, "{r:?}");
    let mut phone = env.enroll("alice");
    let r = two_step(&env, &password_session, true);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["enabled"], true);
    // A password-only session (made before) cannot turn it off.
    assert_eq!(two_step(&env, &password_session, false).status, 403);
    // A phone session can.
    let phone_session = phone_signin(&env, &mut phone, "alice");
    let off = two_step(&env, &phone_session, false);
    assert_eq!(off.status, 200, "{off:?}");
    assert_eq!(
        off.body,
        json!({ "enabled": false, "codesAvailable": true })
    );
    // Off: a password signs in directly again.
    assert_eq!(
        env.password_signin("alice", PASSWORD, "192.0.2.1").body["next"],
        "signed-in"
    );
}

#[test]
fn an_invite_lets_the_person_choose_the_password_once() {
    let env = site("create", |_| {});
    let code = create_invite(&env.db, "carol", env.now()).unwrap().code;
    let create = |user: &str, code: &str, password: &str| {
        call(
            "POST",
            &env.at("api/account/create"),
            Some(&json!({ "username": user, "code": code, "password": password })),
            &[],
        )
    };
    assert_eq!(create("carol", &code, "short").status, 400);
    assert_eq!(
        create("dave", &code, PASSWORD).status,
        403,
        "another user's code"
    );
    assert_eq!(create("carol", "AAAAAAAAAA", PASSWORD).status, 403);
    let made = create("carol", &code, PASSWORD);
    assert_eq!(made.status, 200, "{made:?}");
    assert_eq!(made.body["session"]["method"], "password");
    assert!(made.cookie_pair("uaf_session").is_some());
    assert_eq!(create("carol", &code, PASSWORD).status, 403, "used once");
    assert_eq!(
        env.password_signin("carol", PASSWORD, "192.0.2.1").status,
        200
    );
    // An account with a password is not re-made by a new invite.
    let again = create_invite(&env.db, "carol", env.now()).unwrap().code;
    assert_eq!(create("carol", &again, "another password").status, 409);
}

#[test]
fn the_first_enrolment_makes_the_code_secret_and_later_phones_share_it() {
    let env = site("secret", |_| {});
    env.enroll("alice");
    let first = env.secret("alice");
    assert_eq!(first.len(), 20);
    env.enroll("alice");
    assert_eq!(env.secret("alice"), first);
    let a = env
        .db
        .stores(300, system_clock())
        .accounts
        .account("alice")
        .unwrap()
        .unwrap();
    assert_eq!(a.password_hash, None, "a phone-only account");
}

// ---------------------------------------------------------------------------------------------
// The operator's commands, run as the real binary
// ---------------------------------------------------------------------------------------------

fn uaf_server(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (bool, String, String) {
    uaf_server_in(Path::new(env!("CARGO_TARGET_TMPDIR")), args, stdin, env)
}

/// Runs `uaf-server ARGS` in directory `cwd` with `stdin`; its success, stdout, stderr.
fn uaf_server_in(
    cwd: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uaf-server"));
    cmd.current_dir(cwd);
    cmd.args(args)
        .env_remove("UAF_SERVER_DATABASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn operator_user_commands_run_as_a_process() {
    let dir = temp("cli");
    let db_path = dir.join("server.db");
    let db = db_path.to_str().unwrap();
    // Neither --database nor UAF_SERVER_DATABASE, and no ./uaf-server.db: refused, and none
    // is made in the current directory.
    let (ok, _, err) = uaf_server_in(&dir, &["invite", "alice"], "", &[]);
    assert!(!ok);
    assert!(
        err.contains("no database at uaf-server.db (the default)"),
        "{err}"
    );
    let (ok, _, _) = uaf_server_in(&dir, &["user", "list"], "", &[]);
    assert!(!ok);
    assert!(!dir.join("uaf-server.db").exists());
    // A database named explicitly is made, and the command says so.
    let (ok, _, err) = uaf_server(&["--database", db, "user", "list"], "", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("creating a new database at {db}")),
        "{err}"
    );
    assert!(db_path.exists());

    // Add, from stdin; the env var names the database as the flag does.
    let (ok, out, err) = uaf_server(
        &["user", "add", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[("UAF_SERVER_DATABASE", db)],
    );
    assert!(ok, "{err}");
    assert!(out.is_empty());
    assert!(err.contains(&format!("database: {db} (sqlite)")), "{err}");
    assert!(err.contains("added \"alice\""), "{err}");
    // Twice: refused. A short password: refused. No terminal and no --password-stdin: refused.
    let (ok, _, err) = uaf_server(
        &["--database", db, "user", "add", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = uaf_server(
        &["--database", db, "user", "add", "bob", "--password-stdin"],
        "short\n",
        &[],
    );
    assert!(!ok && err.contains("at least 8"), "{err}");
    let (ok, _, err) = uaf_server(&["--database", db, "user", "add", "bob"], "", &[]);
    assert!(!ok && err.contains("--password-stdin"), "{err}");

    // The password works on a server over that database (hashed with cheap parameters by
    // flag: the stored hash carries them).
    let (ok, _, err) = uaf_server(
        &[
            "--database",
            db,
            "--argon2-memory-kib",
            "64",
            "--argon2-iterations",
            "1",
            "user",
            "add",
            "bob",
            "--password-stdin",
        ],
        "bobs password\r\n",
        &[],
    );
    assert!(ok, "{err}");
    let accounts = SqliteDatabase::open(&db_path)
        .unwrap()
        .stores(300, system_clock())
        .accounts;
    let bob = accounts.account("bob").unwrap().unwrap();
    let hash = bob.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
    assert!(PasswordHashing::verify("bobs password", &hash).unwrap());
    let alice = accounts.account("alice").unwrap().unwrap();
    assert!(
        alice
            .password_hash
            .unwrap()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );

    let (ok, out, _) = uaf_server(&["--database", db, "user", "list"], "", &[]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("alice\tpassword\tone-step\tno-codes\t20"),
        "{out}"
    );
    assert!(lines[1].starts_with("bob\tpassword"), "{out}");
    assert!(!out.contains("argon2"), "no hash in the listing");

    // Reset: the new password verifies, the old one does not.
    let (ok, _, err) = uaf_server(
        &[
            "--database",
            db,
            "user",
            "reset-password",
            "alice",
            "--password-stdin",
        ],
        "a new password\n",
        &[],
    );
    assert!(ok, "{err}");
    let hash = accounts
        .account("alice")
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    assert!(PasswordHashing::verify("a new password", &hash).unwrap());
    assert!(!PasswordHashing::verify(PASSWORD, &hash).unwrap());
    let (ok, _, err) = uaf_server(
        &[
            "--database",
            db,
            "user",
            "reset-password",
            "nobody",
            "--password-stdin",
        ],
        "a new password\n",
        &[],
    );
    assert!(!ok && err.contains("no user \"nobody\""), "{err}");

    // Invite: the code on stdout, the database named.
    let (ok, out, err) = uaf_server(&["--database", db, "invite", "carol"], "", &[]);
    assert!(ok, "{err}");
    assert_eq!(out.trim().len(), 10, "{out}");
    assert!(err.contains(db), "{err}");

    // Remove.
    let (ok, _, err) = uaf_server(&["--database", db, "user", "remove", "bob"], "", &[]);
    assert!(ok && err.contains("removed \"bob\""), "{err}");
    assert_eq!(accounts.account("bob").unwrap(), None);
    let (ok, _, err) = uaf_server(&["--database", db, "user", "remove", "bob"], "", &[]);
    assert!(!ok && err.contains("no user"), "{err}");
    // `:memory:` is no operator's database.
    let (ok, _, err) = uaf_server(&["--database", ":memory:", "user", "list"], "", &[]);
    assert!(!ok && err.contains(":memory:"), "{err}");
}

#[test]
fn a_phone_answer_that_does_not_verify_is_recorded_as_failed() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let env = site("failed", |_| {});
    let mut phone = env.enroll("alice");
    let start = call(
        "POST",
        &env.at("api/signin/start"),
        Some(&json!({ "username": "alice" })),
        &[],
    );
    let attempt = start.body["attempt"].as_str().unwrap().to_owned();
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .unwrap();
    // A signed answer whose signature (the last bytes of the assertion) is damaged.
    let signed = phone.sign(&n, PIN).unwrap();
    let mut message: Value = serde_json::from_str(&signed).unwrap();
    let assertion = message[0]["assertions"][0]["assertion"].as_str().unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(assertion).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    message[0]["assertions"][0]["assertion"] = json!(URL_SAFE_NO_PAD.encode(&bytes));
    assert!(phone.send_response(&attempt, &message.to_string()).is_err());
    let rows = env
        .db
        .stores(300, system_clock())
        .activity
        .recent_activity("alice", 5)
        .unwrap();
    assert_eq!(
        (rows[0].method, rows[0].outcome),
        (SignInMethod::Phone, ActivityOutcome::Failed)
    );
    assert_eq!(rows[0].detail, "the phone's answer did not verify");
}

#[test]
fn bad_argon2_parameters_stop_the_start() {
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = ":memory:".into();
    c.password_hashing.iterations = 0;
    match Server::spawn(c) {
        Err(uaf_server::ServerError::Config(e)) => assert!(e.contains("argon2"), "{e}"),
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("a server started with t = 0"),
    }
}

#[test]
fn a_hash_of_older_parameters_is_upgraded_at_the_next_sign_in() {
    let env = site("rehash", |_| {});
    let server = PasswordHashing::default();
    let mut older = PasswordHashing::default();
    older.memory_kib = 1024;
    older.iterations = 1;
    let old = older.hash(PASSWORD).unwrap();
    assert!(server.needs_rehash(&old));
    let accounts = env.db.stores(300, system_clock()).accounts;
    assert!(
        accounts
            .create_account(&AccountRow::new(
                "alice".into(),
                Some(old.clone()),
                env.now()
            ))
            .unwrap()
    );
    let stored = || {
        accounts
            .account("alice")
            .unwrap()
            .unwrap()
            .password_hash
            .unwrap()
    };
    // A wrong password changes nothing.
    assert_eq!(
        env.password_signin("alice", "wrong password", "192.0.2.1")
            .status,
        401
    );
    assert_eq!(stored(), old);
    // The right one signs in and leaves a hash of the server's parameters behind.
    let a = env.password_signin("alice", PASSWORD, "192.0.2.1");
    assert_eq!(a.status, 200, "{a:?}");
    let new = stored();
    assert_ne!(new, old);
    assert!(!server.needs_rehash(&new), "{new}");
    assert!(
        new.contains(&format!(
            "m={},t={},p={}",
            server.memory_kib, server.iterations, server.parallelism
        )),
        "{new}"
    );
    assert!(PasswordHashing::verify(PASSWORD, &new).unwrap());
    // The next sign-in verifies with it and does not rehash again.
    assert_eq!(
        env.password_signin("alice", PASSWORD, "192.0.2.1").status,
        200
    );
    assert_eq!(stored(), new);
}

#[test]
fn password_checks_beyond_the_hash_slots_wait_their_turn() {
    // One hash at a time: four sign-ins at once still all get their answer (they queue).
    let env = site("hash-slots", |l| l.password_hashes_at_once = 1);
    for user in ["ann", "ben", "cat", "dan"] {
        env.add_user(user);
    }
    let answers: Vec<u16> = std::thread::scope(|s| {
        let env = &env;
        let all: Vec<_> = ["ann", "ben", "cat", "dan"]
            .into_iter()
            .map(|user| s.spawn(move || env.password_signin(user, PASSWORD, "192.0.2.30").status))
            .collect();
        all.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers, vec![200; 4]);
    // A wrong password takes a slot too, and is still only a wrong password.
    assert_eq!(
        env.password_signin("ann", "not it at all", "192.0.2.30")
            .status,
        401
    );
}
