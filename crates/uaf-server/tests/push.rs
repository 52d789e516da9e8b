//! Push over real HTTP on loopback: the phone's stream (`phone/events`, Server-Sent Events)
//! gets new sign-ins without polling and withdrawals when a sign-in stops waiting (declined,
//! answered by another phone, superseded, expired), resumes by its cursor (`Last-Event-ID`)
//! without losing or repeating a sign-in; the long poll; the page's stream; the caps, the
//! authentication and the bounds of streams; shutdown closes them.
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

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Browser, Env, PIN, refused};
use serde_json::{Value, json};
use uaf_phone::{Phone, PhoneError, PushEvent, PushStream};
use uaf_server::ServerConfig;
use uaf_signin_api::{SignInState, StreamReady, Withdrawal};

/// How long a test waits for something pushed (far more than it takes).
const PATIENCE: Duration = Duration::from_secs(10);

/// A server with no rate limits and the system clock (expiry is real time here); `tune`
/// changes its configuration.
fn site(name: &str, tune: impl Fn(&mut ServerConfig) + 'static) -> Env {
    Env::builder(name)
        .system_clock()
        .limits_off()
        .config(tune)
        .build()
}

/// An agent for streams: no overall timeout, 20 seconds a read.
fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_per_read(Some(Duration::from_secs(20)))
            .build(),
    )
}

/// A stream read in a thread: its events arrive on a channel (`None`: the stream ended).
struct Listener {
    events: mpsc::Receiver<Result<Option<PushEvent>, String>>,
    cursor: mpsc::Receiver<Option<String>>,
}

impl Listener {
    fn open(phone: &Phone, cursor: Option<&str>) -> Listener {
        Listener::of(ch(phone).stream(cursor).unwrap())
    }

    fn of(mut stream: PushStream) -> Listener {
        let (tx, events) = mpsc::channel();
        let (ctx, cursor) = mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let e = stream.next_event();
                let _ = ctx.send(stream.cursor().map(str::to_owned));
                let end = !matches!(e, Ok(Some(_)));
                if tx.send(e.map_err(|e| e.to_string())).is_err() || end {
                    return;
                }
            }
        });
        Listener { events, cursor }
    }

    /// The next event (panics after `PATIENCE`), and the stream's cursor after it.
    fn next(&self) -> (Option<PushEvent>, Option<String>) {
        let e = self
            .events
            .recv_timeout(PATIENCE)
            .expect("an event in time")
            .expect("a readable stream");
        (e, self.cursor.recv().unwrap())
    }

    fn event(&self) -> PushEvent {
        self.next().0.expect("the stream goes on")
    }

    /// Nothing arrives within `wait`.
    fn quiet(&self, wait: Duration) {
        match self.events.recv_timeout(wait) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            other => panic!("expected nothing, got {other:?}"),
        }
    }
}

/// The phone's (only) account's way to its server.
fn ch(phone: &Phone) -> uaf_phone::Channel {
    phone.channels().into_iter().next().unwrap()
}

fn attempt_of(e: PushEvent) -> String {
    match e {
        PushEvent::Attempt(n) => n.attempt,
        other => panic!("expected an attempt, got {other:?}"),
    }
}

fn withdrawn(attempt: &str, state: SignInState) -> PushEvent {
    PushEvent::Withdrawn(Withdrawal {
        attempt: attempt.to_owned(),
        state,
    })
}

fn ready(pending: usize) -> PushEvent {
    PushEvent::Ready(StreamReady { pending })
}

#[test]
fn the_phone_is_pushed_new_sign_ins_and_withdrawals() {
    let env = site("withdrawals", |_| {});
    let phone = env.enroll("alice");
    let mut other_phone = env.enroll("alice");
    let bobs = env.enroll("bob");
    let bob = Listener::open(&bobs, None);
    assert_eq!(bob.event(), ready(0));

    let s = Listener::open(&phone, None);
    assert_eq!(s.event(), ready(0));
    // A new sign-in arrives without polling.
    let a = Browser::start(&env, "alice");
    let n = match s.event() {
        PushEvent::Attempt(n) => n,
        other => panic!("{other:?}"),
    };
    assert_eq!(n.attempt, a.attempt);
    assert_eq!(n.username, "alice");
    // Declined on this phone: withdrawn.
    phone.decline(&n).unwrap();
    assert_eq!(s.event(), withdrawn(&a.attempt, SignInState::Declined));
    // Approved by the other phone of the account: withdrawn here as approved.
    let b = Browser::start(&env, "alice");
    assert_eq!(attempt_of(s.event()), b.attempt);
    let nb = other_phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|x| x.attempt == b.attempt)
        .unwrap();
    other_phone.approve(&nb, PIN).unwrap();
    assert_eq!(s.event(), withdrawn(&b.attempt, SignInState::Approved));
    // Superseded by a fourth pending start (3 per user): the oldest is withdrawn as failed.
    let c: Vec<Browser> = (0..3).map(|_| Browser::start(&env, "alice")).collect();
    for x in &c {
        assert_eq!(attempt_of(s.event()), x.attempt);
    }
    let d = Browser::start(&env, "alice");
    let mut got = vec![s.event(), s.event()];
    got.sort_by_key(|e| matches!(e, PushEvent::Attempt(_)));
    // (Within one second the order of attempts is not defined: one of the three.)
    match &got[0] {
        PushEvent::Withdrawn(w) => {
            assert_eq!(w.state, SignInState::Failed);
            assert!(c.iter().any(|x| x.attempt == w.attempt), "{w:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(attempt_of(got.remove(1)), d.attempt);
    // Bob's phone heard of none of it.
    bob.quiet(Duration::from_millis(300));
    // The page collects the approved one: nothing more for the phone (it was withdrawn).
    let done = agent()
        .post(&format!("{}/api/signin/{}/complete", env.url(), b.attempt))
        .header("Content-Type", "application/json")
        .header("Cookie", &b.cookie)
        .send("{}")
        .unwrap();
    assert_eq!(done.status().as_u16(), 200);
    s.quiet(Duration::from_millis(300));
}

#[test]
fn expiry_is_pushed_to_the_phone_and_the_page() {
    // A 2-second lifetime and the default 30-second re-check: only the expiry timers can tell.
    let env = site("expiry", |c| c.challenge_ttl_secs = 2);
    let phone = env.enroll("alice");
    let s = Listener::open(&phone, None);
    assert_eq!(s.event(), ready(0));
    let a = Browser::start(&env, "alice");
    let page = PageStream::open(&env, &a.attempt, &a.cookie);
    assert_eq!(page.next_state(), Some(String::from("pending")));
    assert_eq!(attempt_of(s.event()), a.attempt);
    let started = Instant::now();
    assert_eq!(s.event(), withdrawn(&a.attempt, SignInState::Expired));
    assert_eq!(page.next_state(), Some(String::from("expired")));
    // The page's stream ends after a state that is not pending.
    assert_eq!(page.next_state(), None);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(6),
        "withdrawn after {waited:?}"
    );
}

#[test]
fn a_reconnected_stream_resumes_from_its_cursor() {
    // (The test's dropped listeners keep reading until the stream ends: room for them.)
    let env = site("resume", |c| c.limits.streams_per_device = 10);
    let phone = env.enroll("alice");
    let s = Listener::open(&phone, None);
    assert_eq!(s.next(), (Some(ready(0)), Some(String::from("-"))));
    let a = Browser::start(&env, "alice");
    let (e, cursor) = s.next();
    assert_eq!(attempt_of(e.unwrap()), a.attempt);
    let cursor = cursor.unwrap();
    assert_eq!(cursor, a.attempt);
    drop(s);

    // While the phone is away: a is declined (by the web… here by its own token), b starts.
    let na = phone.pending().unwrap().into_iter().next().unwrap();
    phone.decline(&na).unwrap();
    let b = Browser::start(&env, "alice");

    // Reconnected with the cursor: a's withdrawal, then b, then ready; a never twice.
    let s = Listener::open(&phone, Some(&cursor));
    assert_eq!(
        s.next(),
        (
            Some(withdrawn(&a.attempt, SignInState::Declined)),
            Some(String::from("-"))
        )
    );
    let (e, cursor) = s.next();
    assert_eq!(attempt_of(e.unwrap()), b.attempt);
    assert_eq!(cursor.as_deref(), Some(b.attempt.as_str()));
    assert_eq!(s.event(), ready(1));
    drop(s);

    // Reconnected again with the new cursor: nothing is new, nothing is shown twice.
    let s = Listener::open(&phone, cursor.as_deref());
    assert_eq!(s.event(), ready(1));
    s.quiet(Duration::from_millis(300));
    drop(s);

    // Without a cursor (a phone that lost it): the whole pending list, once.
    let s = Listener::open(&phone, None);
    assert_eq!(attempt_of(s.event()), b.attempt);
    assert_eq!(s.event(), ready(1));

    // A made-up cursor (another account's or unknown ids) reads as expired, reveals nothing.
    let bob = env.enroll("bob");
    let s = Listener::open(&bob, Some(&b.attempt));
    assert_eq!(s.event(), withdrawn(&b.attempt, SignInState::Expired));
    assert_eq!(s.event(), ready(0));
    let junk = Listener::open(&bob, Some("not.a.cursor"));
    assert_eq!(junk.event(), ready(0));
}

#[test]
fn the_long_poll_answers_at_a_change_or_at_its_bound() {
    let env = site("long-poll", |c| c.limits.long_poll_max_secs = 2);
    let phone = env.enroll("alice");
    // Without `wait`: at once, with the cursor of the list.
    let now = ch(&phone).wait_notifications(None, 0).unwrap();
    assert!(now.notifications.is_empty());
    assert_eq!(now.cursor, "-");
    // Nothing changes: answered at the server's bound (2 s), not the 30 asked for.
    let t = Instant::now();
    let same = ch(&phone)
        .wait_notifications(Some(&now.cursor), 30)
        .unwrap();
    let waited = t.elapsed();
    assert!(same.notifications.is_empty() && same.cursor == "-");
    assert!(waited >= Duration::from_millis(1900), "{waited:?}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    // A change while waiting: answered with it.
    let url = env.url();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let env_url = url;
        let r = agent()
            .post(&format!("{env_url}/api/signin/start"))
            .header("Content-Type", "application/json")
            .send(json!({ "username": "alice" }).to_string())
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    });
    let changed = ch(&phone).wait_notifications(Some("-"), 2).unwrap();
    starter.join().unwrap();
    assert_eq!(changed.notifications.len(), 1);
    let a = changed.notifications[0].attempt.clone();
    assert_eq!(changed.cursor, a);
    // Declined meanwhile: the next poll from that cursor says so at once.
    phone.decline_attempt(&a).unwrap();
    let after = ch(&phone)
        .wait_notifications(Some(&changed.cursor), 2)
        .unwrap();
    assert!(after.notifications.is_empty());
    assert_eq!(
        after.withdrawn,
        vec![Withdrawal {
            attempt: a,
            state: SignInState::Declined
        }]
    );
    // A query that is not since/wait: 400.
    let r = agent()
        .get(&format!("{}/phone/notifications?wait=soon", env.url()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[test]
fn streams_need_a_device_token_and_are_capped() {
    let env = site("caps", |c| {
        c.limits.streams_per_device = 2;
        c.limits.stream_heartbeat_secs = 1;
    });
    let phone = env.enroll("alice");
    for path in ["phone/events", "phone/notifications?since=-&wait=1"] {
        let url = format!("{}/{path}", env.url());
        let r = agent().get(&url).call().unwrap();
        assert_eq!(r.status().as_u16(), 401, "{path}");
        let wrong = format!("Bearer {}", "A".repeat(43));
        let r = agent()
            .get(&url)
            .header("Authorization", &wrong)
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "{path}");
    }
    let one = ch(&phone).stream(None).unwrap();
    let two = ch(&phone).stream(None).unwrap();
    assert_eq!(refused(ch(&phone).stream(None)), 429);
    // The long poll counts too.
    assert_eq!(refused(ch(&phone).wait_notifications(None, 1)), 429);
    // Without `wait` it is a plain read: not counted.
    assert!(ch(&phone).wait_notifications(None, 0).is_ok());
    // A stream the phone drops gives its slot back (seen at the next heartbeat).
    drop(one);
    let deadline = Instant::now() + PATIENCE;
    let three = loop {
        match ch(&phone).stream(None) {
            Ok(s) => break s,
            Err(PhoneError::Refused { status: 429, .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("{e:?}"),
        }
    };
    drop((two, three));
}

#[test]
fn a_stream_outlives_the_idle_timeout_and_ends_at_its_lifetime() {
    let env = site("lifetime", |c| {
        c.idle_timeout_secs = 1;
        c.limits.stream_max_secs = 3;
        c.limits.stream_heartbeat_secs = 10;
    });
    let phone = env.enroll("alice");
    let t = Instant::now();
    let s = Listener::open(&phone, None);
    assert_eq!(s.event(), ready(0));
    // Past the idle timeout (nothing received from the phone), the stream still delivers.
    std::thread::sleep(Duration::from_millis(1800));
    let a = Browser::start(&env, "alice");
    assert_eq!(attempt_of(s.event()), a.attempt);
    // At its lifetime the server ends it.
    assert_eq!(s.next().0, None);
    let lived = t.elapsed();
    assert!(lived >= Duration::from_millis(2900), "{lived:?}");
    assert!(lived < Duration::from_secs(9), "{lived:?}");
}

#[test]
fn shutdown_closes_the_streams_at_once() {
    let env = site("shutdown", |c| c.shutdown_timeout_secs = 30);
    let phone = env.enroll("alice");
    let s = Listener::open(&phone, None);
    assert_eq!(s.event(), ready(0));
    let a = Browser::start(&env, "alice");
    let page = PageStream::open(&env, &a.attempt, &a.cookie);
    assert_eq!(page.next_state(), Some(String::from("pending")));
    let t = Instant::now();
    let Env { mut nodes, db, .. } = env;
    nodes.remove(0).shutdown().unwrap();
    let took = t.elapsed();
    drop(db);
    // Not the 30 s of the shutdown timeout: the streams ended with the shutdown.
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");
    assert_eq!(attempt_of(s.event()), a.attempt);
    assert_eq!(s.next().0, None);
    assert_eq!(page.next_state(), None);
}

/// The page's stream, read by hand (`text/event-stream`): its `state` events.
struct PageStream {
    states: mpsc::Receiver<Option<String>>,
}

impl PageStream {
    fn get(env: &Env, attempt: &str, cookie: Option<&str>) -> ureq::http::Response<ureq::Body> {
        let mut req = agent()
            .get(&format!("{}/api/signin/{attempt}/events", env.url()))
            .header("Accept", "text/event-stream");
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.call().unwrap()
    }

    fn open(env: &Env, attempt: &str, cookie: &str) -> PageStream {
        let r = PageStream::get(env, attempt, Some(cookie));
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.headers().get("content-type").unwrap(),
            "text/event-stream"
        );
        let body: Box<dyn Read + Send> = Box::new(r.into_body().into_reader());
        let (tx, states) = mpsc::channel();
        std::thread::spawn(move || {
            let mut name = String::new();
            for line in BufReader::new(body).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_owned();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    if name == "state" {
                        let v: Value = serde_json::from_str(d).unwrap();
                        let _ = tx.send(Some(v["state"].as_str().unwrap().to_owned()));
                    }
                }
            }
            let _ = tx.send(None);
        });
        PageStream { states }
    }

    fn next_state(&self) -> Option<String> {
        self.states.recv_timeout(PATIENCE).expect("a state in time")
    }
}

#[test]
fn the_page_is_pushed_its_attempts_state() {
    let env = site("page", |_| {});
    let mut phone = env.enroll("alice");
    let a = Browser::start(&env, "alice");
    let other = Browser::start(&env, "alice");
    // Only with this attempt's browser secret: none, another attempt's, made up: 404.
    assert_eq!(
        PageStream::get(&env, &a.attempt, None).status().as_u16(),
        404
    );
    assert_eq!(
        PageStream::get(&env, &a.attempt, Some(&other.cookie))
            .status()
            .as_u16(),
        404
    );
    let fake = format!("uaf_signin={}", "B".repeat(43));
    assert_eq!(
        PageStream::get(&env, &a.attempt, Some(&fake))
            .status()
            .as_u16(),
        404
    );

    let page = PageStream::open(&env, &a.attempt, &a.cookie);
    assert_eq!(page.next_state(), Some(String::from("pending")));
    // Another attempt of the account changing wakes the stream, which sends nothing new.
    let n_other = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == other.attempt)
        .unwrap();
    phone.decline(&n_other).unwrap();
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == a.attempt)
        .unwrap();
    phone.approve(&n, PIN).unwrap();
    assert_eq!(page.next_state(), Some(String::from("approved")));
    assert_eq!(
        page.next_state(),
        None,
        "ends after a state that is not pending"
    );
    // A stream opened now says where the attempt is, and ends.
    let late = PageStream::open(&env, &a.attempt, &a.cookie);
    assert_eq!(late.next_state(), Some(String::from("approved")));
    assert_eq!(late.next_state(), None);
}

#[test]
fn page_streams_are_capped_per_attempt() {
    let env = site("page-cap", |_| {});
    let _phone = env.enroll("alice");
    let a = Browser::start(&env, "alice");
    let one = PageStream::open(&env, &a.attempt, &a.cookie);
    let two = PageStream::open(&env, &a.attempt, &a.cookie);
    assert_eq!(one.next_state(), Some(String::from("pending")));
    assert_eq!(two.next_state(), Some(String::from("pending")));
    let third = PageStream::get(&env, &a.attempt, Some(&a.cookie));
    assert_eq!(third.status().as_u16(), 429);
    assert!(third.headers().get("retry-after").is_some());
}

#[test]
fn the_wait_loop_is_pushed_sign_ins_and_falls_back_when_the_stream_is_refused() {
    use uaf_phone::{WaitEvent, WaitOptions, Waiter};
    let env = site("waiter", |c| c.limits.streams_per_device = 1);
    let mut phone = env.enroll("alice");
    let signed_in = |w: &mut Waiter, phone: &mut Phone| match w.next(phone, PATIENCE) {
        Some(WaitEvent::SignIn { notification, .. }) => notification.attempt,
        other => panic!("{other:?}"),
    };
    // The push transport: a sign-in arrives through the stream.
    let mut w = Waiter::start(&phone, WaitOptions::pushed(Duration::from_millis(200))).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let a = Browser::start(&env, "alice");
    assert_eq!(signed_in(&mut w, &mut phone), a.attempt);
    // Its withdrawal too, with the state it went to.
    let c = Browser::start(&env, "alice");
    assert_eq!(signed_in(&mut w, &mut phone), c.attempt);
    phone.decline_attempt(&c.attempt).unwrap();
    match w.next(&mut phone, PATIENCE) {
        Some(WaitEvent::Withdrawn { attempt, state, .. }) => {
            assert_eq!(attempt, c.attempt);
            assert_eq!(state, Some(SignInState::Declined));
        }
        other => panic!("{other:?}"),
    }
    // A second loop of the same phone finds the one stream slot taken (the stream and the
    // long poll answer 429): it falls back, retries, and still gets the next sign-in.
    let mut second =
        Waiter::start(&phone, WaitOptions::pushed(Duration::from_millis(200))).unwrap();
    let b = Browser::start(&env, "alice");
    assert_eq!(signed_in(&mut w, &mut phone), b.attempt);
    let deadline = Instant::now() + PATIENCE;
    let mut got = Vec::new();
    while got.len() < 2 && Instant::now() < deadline {
        if let Some(WaitEvent::SignIn { notification, .. }) =
            second.next(&mut phone, Duration::from_millis(500))
        {
            got.push(notification.attempt);
        }
    }
    got.sort();
    let mut want = vec![a.attempt.clone(), b.attempt.clone()];
    want.sort();
    assert_eq!(got, want, "each sign-in once, through the fallback");
}

#[test]
fn a_removed_phone_loses_its_stream() {
    let env = site("removed", |_| {});
    let mut phone = env.enroll("alice");
    let mut other = env.enroll("alice");
    let s = Listener::open(&phone, None);
    assert_eq!(s.event(), ready(0));
    let other_s = Listener::open(&other, None);
    assert_eq!(other_s.event(), ready(0));
    // The phone removes itself: its stream ends at once (the token is checked at each read,
    // and the removal wakes the account's streams); the other phone's goes on.
    let account = phone.accounts()[0].account.clone();
    phone.remove(&account, false).unwrap();
    assert_eq!(s.next().0, None);
    let a = Browser::start(&env, "alice");
    assert_eq!(attempt_of(other_s.event()), a.attempt);
    drop(other_s);
    let account = other.accounts()[0].account.clone();
    other.remove(&account, false).unwrap();
}

#[test]
fn cancel_on_the_page_withdraws_the_prompt_from_every_phone() {
    let env = site("cancel", |_| {});
    let phone = env.enroll("alice");
    let other = env.enroll("alice");
    let s = Listener::open(&phone, None);
    let t = Listener::open(&other, None);
    assert_eq!(s.event(), ready(0));
    assert_eq!(t.event(), ready(0));
    let a = Browser::start(&env, "alice");
    assert_eq!(attempt_of(s.event()), a.attempt);
    assert_eq!(attempt_of(t.event()), a.attempt);
    let page = PageStream::open(&env, &a.attempt, &a.cookie);
    assert_eq!(page.next_state(), Some(String::from("pending")));
    let r = agent()
        .post(&format!("{}/api/signin/{}/cancel", env.url(), a.attempt))
        .header("Content-Type", "application/json")
        .header("Cookie", &a.cookie)
        .send("{}")
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(s.event(), withdrawn(&a.attempt, SignInState::Cancelled));
    assert_eq!(t.event(), withdrawn(&a.attempt, SignInState::Cancelled));
    assert_eq!(page.next_state(), Some(String::from("cancelled")));
    assert_eq!(page.next_state(), None);
}
