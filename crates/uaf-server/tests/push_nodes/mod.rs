//! Push across nodes (a module of `tests/postgres.rs`, run by `scripts/postgres-test.sh`): a
//! change made on node B reaches a phone and a page connected to node A through PostgreSQL's
//! `LISTEN/NOTIFY`, within seconds — far sooner than the streams' 30-second re-check, so the
//! feed is what delivers it.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uaf_phone::{Enrollment, Phone, PushEvent};
use uaf_server::{create_invite, unix_now};
use uaf_signin_api::{SignInState, StreamReady, Withdrawal};

use super::{Schema, call, cookie_value, node, temp};

/// Far less than the streams' re-check (30 s): only a notification arrives this soon.
const PATIENCE: Duration = Duration::from_secs(10);

fn events(phone: &Phone) -> mpsc::Receiver<PushEvent> {
    let mut stream = phone
        .channels()
        .into_iter()
        .next()
        .unwrap()
        .stream(None)
        .unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Ok(Some(e)) = stream.next_event() {
            if tx.send(e).is_err() {
                return;
            }
        }
    });
    rx
}

fn page_states(url: &str, cookie: &str) -> mpsc::Receiver<String> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_per_read(Some(Duration::from_secs(40)))
            .build(),
    );
    let r = agent.get(url).header("Cookie", cookie).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Box<dyn Read + Send> = Box::new(r.into_body().into_reader());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(body).lines() {
            let Ok(line) = line else { return };
            if let Some(d) = line.strip_prefix("data: ") {
                let v: Value = serde_json::from_str(d).unwrap();
                if tx.send(v["state"].as_str().unwrap().to_owned()).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn a_change_on_node_b_reaches_the_phone_and_the_page_on_node_a() {
    let schema = Schema::new("push");
    let dir = temp("push");
    let metadata = dir.join("metadata");
    uaf_phone::write_metadata(&metadata).unwrap();
    let app_id = "https://login.example.test/facets.json";
    let a = node(&schema, app_id, &metadata);
    let b = node(&schema, app_id, &metadata);
    let operator = uaf_server::store::open(&schema.url, 1).unwrap();
    let enrol = |base: &str| {
        let code = create_invite(&*operator, "alice", unix_now()).unwrap().code;
        let mut e = Enrollment::new(base, "alice", &code, "1234");
        e.facet = Some(String::from("https://login.example.test"));
        Phone::enroll(&e).unwrap()
    };
    // The phone listens on A; a second phone of the account talks to B.
    let on_a = enrol(&a.base_url());
    let mut on_b = enrol(&b.base_url());
    let pushed = events(&on_a);
    let next = || pushed.recv_timeout(PATIENCE).expect("pushed in time");
    assert_eq!(next(), PushEvent::Ready(StreamReady { pending: 0 }));

    // A sign-in started on B reaches the phone on A.
    let started = Instant::now();
    let (status, body, set) = call(
        "POST",
        &format!("{}/api/signin/start", b.base_url()),
        Some(&json!({ "username": "alice" })),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let attempt = body["attempt"].as_str().unwrap().to_owned();
    match next() {
        PushEvent::Attempt(n) => assert_eq!(n.attempt, attempt),
        other => panic!("{other:?}"),
    }
    eprintln!("node B start → phone on node A: {:?}", started.elapsed());
    // The page watches it on A.
    let browser = format!("uaf_signin={}", cookie_value(&set, "uaf_signin"));
    let page = page_states(
        &format!("{}/api/signin/{attempt}/events", a.base_url()),
        &browser,
    );
    assert_eq!(page.recv_timeout(PATIENCE).unwrap(), "pending");

    // Approved through B: withdrawn from the phone on A, and the page on A is told.
    let n = on_b
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .unwrap();
    on_b.approve(&n, "1234").unwrap();
    assert_eq!(
        next(),
        PushEvent::Withdrawn(Withdrawal {
            attempt: attempt.clone(),
            state: SignInState::Approved
        })
    );
    assert_eq!(page.recv_timeout(PATIENCE).unwrap(), "approved");

    // Declined through B: the same.
    let (_, body, _) = call(
        "POST",
        &format!("{}/api/signin/start", a.base_url()),
        Some(&json!({ "username": "alice" })),
        None,
    );
    let second = body["attempt"].as_str().unwrap().to_owned();
    match next() {
        PushEvent::Attempt(n) => assert_eq!(n.attempt, second),
        other => panic!("{other:?}"),
    }
    on_b.decline_attempt(&second).unwrap();
    assert_eq!(
        next(),
        PushEvent::Withdrawn(Withdrawal {
            attempt: second,
            state: SignInState::Declined
        })
    );
}
