//! Phone sign-in latency with push, on loopback (a benchmark, not a test: it reports, it never
//! asserts). An in-process `uaf-server` (SQLite file, durability `full`), one phone enrolled
//! by invite holding its push stream (`GET phone/events`), and a browser; for each of N
//! sign-ins:
//!
//! - **click → prompt**: from the browser's `POST api/signin/start` to the phone's stream
//!   delivering the sign-in;
//! - **approve → signed in**: from the phone sending its signed approval (`POST
//!   phone/respond`; signing on the phone is the person's time, not counted) to the page,
//!   which holds the attempt's stream (`GET api/signin/{id}/events`), hearing `approved` and
//!   getting its session (`POST api/signin/{id}/complete` answered).
//!
//! Prints p50, p90, p99 and max of each over the N sign-ins (after 10 warm-up rounds); with a
//! second number M, then the same over M sign-ins with the phone and the page polling every
//! second, as before push (the baseline, in the same run).
//!
//! ```sh
//! cargo run -p uaf-server --example push_latency -- 200 20
//! CARGO_TARGET_DIR=target/release-bench cargo run --release -p uaf-server --example push_latency -- 200
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::as_conversions,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uaf_phone::{Enrollment, KdfParams, Phone, PushEvent};
use uaf_server::{Limits, Server, ServerConfig, SqliteDatabase, create_invite, unix_now};

const WARM_UP: usize = 10;

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_per_read(Some(Duration::from_secs(30)))
            .build(),
    )
}

/// The browser: starts a sign-in, returns the attempt and its cookie.
fn start(agent: &ureq::Agent, base: &str) -> (String, String) {
    let mut r = agent
        .post(&format!("{base}/api/signin/start"))
        .header("Content-Type", "application/json")
        .send(json!({ "username": "alice" }).to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("uaf_signin="))
        .unwrap();
    let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    (
        body["attempt"].as_str().unwrap().to_owned(),
        cookie.split(';').next().unwrap().to_owned(),
    )
}

/// The page: holds the attempt's stream; at `approved` completes the sign-in and reports when
/// the session arrived.
fn page(base: String, attempt: String, cookie: String) -> mpsc::Receiver<Instant> {
    let (tx, rx) = mpsc::channel();
    let (opened_tx, opened) = mpsc::channel();
    std::thread::spawn(move || {
        let agent = agent();
        let r = agent
            .get(&format!("{base}/api/signin/{attempt}/events"))
            .header("Cookie", &cookie)
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let body: Box<dyn Read + Send> = Box::new(r.into_body().into_reader());
        let mut lines = BufReader::new(body).lines();
        let mut signalled = false;
        while let Some(Ok(line)) = lines.next() {
            let Some(data) = line.strip_prefix("data: ") else {
                continue;
            };
            let v: Value = serde_json::from_str(data).unwrap();
            match v["state"].as_str().unwrap() {
                "pending" if !signalled => {
                    signalled = true;
                    opened_tx.send(()).unwrap();
                }
                "approved" => {
                    let done = agent
                        .post(&format!("{base}/api/signin/{attempt}/complete"))
                        .header("Content-Type", "application/json")
                        .header("Cookie", &cookie)
                        .send("{}")
                        .unwrap();
                    assert_eq!(done.status().as_u16(), 200);
                    tx.send(Instant::now()).unwrap();
                    return;
                }
                other => panic!("the page saw {other}"),
            }
        }
        panic!("the page's stream ended early");
    });
    opened.recv_timeout(Duration::from_secs(30)).unwrap();
    rx
}

/// The page of the baseline: polls `GET api/signin/{id}` every second (as before push); at
/// `approved` completes the sign-in and reports when the session arrived.
fn page_polling(base: String, attempt: String, cookie: String) -> mpsc::Receiver<Instant> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let agent = agent();
        loop {
            std::thread::sleep(POLL);
            let mut r = agent
                .get(&format!("{base}/api/signin/{attempt}"))
                .header("Cookie", &cookie)
                .call()
                .unwrap();
            let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
            if v["state"] == "approved" {
                let done = agent
                    .post(&format!("{base}/api/signin/{attempt}/complete"))
                    .header("Content-Type", "application/json")
                    .header("Cookie", &cookie)
                    .send("{}")
                    .unwrap();
                assert_eq!(done.status().as_u16(), 200);
                tx.send(Instant::now()).unwrap();
                return;
            }
        }
    });
    rx
}

/// The interval of the polling baseline (what the phone and the page did before push).
const POLL: Duration = Duration::from_millis(1000);

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let at = |p: f64| v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1];
    println!(
        "{name:<24} p50 {:>7.2} ms   p90 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   (n = {})",
        millis(at(0.50)),
        millis(at(0.90)),
        millis(at(0.99)),
        millis(*v.last().unwrap()),
        v.len()
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(200, |a| a.parse().expect("the number of sign-ins"));
    // The baseline in the same run: sign-ins with the phone and the page polling every
    // second, as before push (0: none).
    let baseline: usize = std::env::args()
        .nth(2)
        .map_or(0, |a| a.parse().expect("the number of polled sign-ins"));
    let dir = std::env::temp_dir().join(format!("uaf-push-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = dir.join("server.db");
    c.metadata = Some(dir.join("metadata"));
    c.limits = Limits::off();
    let server = Server::spawn(c).unwrap();
    let base = server.base_url();
    let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
    let code = create_invite(&db, "alice", unix_now()).unwrap().code;
    let mut e = Enrollment::new(&base, "alice", &code, "1234");
    // The phone's PIN derivation is not what is measured: the cheapest parameters.
    e.kdf = KdfParams::new(8, 1, 1).unwrap();
    let mut phone = Phone::enroll(&e).unwrap();

    let channel = phone.channels().into_iter().next().unwrap();
    let mut stream = channel.stream(None).unwrap();
    let (tx, prompts) = mpsc::channel();
    std::thread::spawn(move || {
        while let Ok(Some(e)) = stream.next_event() {
            if let PushEvent::Attempt(n) = e {
                tx.send((Instant::now(), n)).unwrap();
            }
        }
    });

    let browser = agent();
    let mut click_to_prompt = Vec::with_capacity(rounds);
    let mut approve_to_signed_in = Vec::with_capacity(rounds);
    for round in 0..rounds + WARM_UP {
        let clicked = Instant::now();
        let (attempt, cookie) = start(&browser, &base);
        let signed_in = page(base.clone(), attempt.clone(), cookie);
        let (prompted, n) = prompts.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(n.attempt, attempt);
        let response = phone.sign(&n, "1234").unwrap();
        let approved = Instant::now();
        phone.send_response(&n.attempt, &response).unwrap();
        let done = signed_in.recv_timeout(Duration::from_secs(30)).unwrap();
        if round >= WARM_UP {
            click_to_prompt.push(prompted - clicked);
            approve_to_signed_in.push(done - approved);
        }
    }
    println!(
        "phone sign-in over loopback with push ({} build), {rounds} sign-ins:",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    report("click → prompt", click_to_prompt);
    report("approve → signed in", approve_to_signed_in);

    if baseline > 0 {
        // The phone polls every second (the stream's prompts are ignored from here).
        let (tx, polled) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            loop {
                std::thread::sleep(POLL);
                for n in channel.wait_notifications(None, 0).unwrap().notifications {
                    if seen.insert(n.attempt.clone()) && tx.send((Instant::now(), n)).is_err() {
                        return;
                    }
                }
            }
        });
        let mut click_to_prompt = Vec::with_capacity(baseline);
        let mut approve_to_signed_in = Vec::with_capacity(baseline);
        for _ in 0..baseline {
            // A person clicks at any moment of the phone's polling interval.
            let mut r = [0u8; 2];
            getrandom::fill(&mut r).unwrap();
            std::thread::sleep(Duration::from_millis(
                u64::from(u16::from_le_bytes(r)) % 1000,
            ));
            let clicked = Instant::now();
            let (attempt, cookie) = start(&browser, &base);
            let signed_in = page_polling(base.clone(), attempt.clone(), cookie);
            let (prompted, n) = polled.recv_timeout(Duration::from_secs(30)).unwrap();
            assert_eq!(n.attempt, attempt);
            let response = phone.sign(&n, "1234").unwrap();
            let approved = Instant::now();
            phone.send_response(&n.attempt, &response).unwrap();
            let done = signed_in.recv_timeout(Duration::from_secs(30)).unwrap();
            click_to_prompt.push(prompted - clicked);
            approve_to_signed_in.push(done - approved);
        }
        println!("the same with the phone and the page polling every second (the baseline):");
        report("click → prompt", click_to_prompt);
        report("approve → signed in", approve_to_signed_in);
    }
    server.shutdown().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
