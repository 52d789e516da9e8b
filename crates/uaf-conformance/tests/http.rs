//! The server suite against real HTTP/1.1 servers on loopback: a correct one (`uaf_rp::Service`
//! behind the FIDO conformance server API, in both status-code modes) must pass every case;
//! deliberately broken ones must make the suite fail; and the command line's exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use uaf_conformance::http::{
    CaseResult, Group, ServerOptions, ServerSuite, Summary, Verdict, metadata, write_metadata,
};
use uaf_metadata::{MetadataEntry, MetadataIndex};
use uaf_proto::id::Aaid;
use uaf_proto::message::{DecodeOptions, RegistrationRequest, Transaction};
use uaf_rp::store::{CredentialStore, MemoryCredentialStore, MemoryPendingStore};
use uaf_rp::{
    DeregistrationTarget, PendingAuthentication, PendingRegistration, RelyingParty,
    RelyingPartyBuilder, Service, StatusCodeMode,
};

type Svc = Service<
    MetadataIndex,
    MemoryCredentialStore,
    MemoryPendingStore<PendingRegistration>,
    MemoryPendingStore<PendingAuthentication>,
>;

/// How the test server behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    /// The relying party as it is.
    Correct,
    /// Answers 1200 to every `/respond`.
    AcceptEverything,
    /// Hands out the same registration request (same challenge) again for a user.
    RepeatChallenge,
    /// Drops `policy.disallowed` from registration requests (P-10).
    NoDisallowed,
}

struct State {
    service: Mutex<Svc>,
    rng: Mutex<ChaCha20Rng>,
    mode: StatusCodeMode,
    behaviour: Behaviour,
    issued: Mutex<BTreeMap<String, String>>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "uaf-conformance-http-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The metadata the server loads: what `server-metadata` writes, read back from the files.
fn load_metadata(dir: &Path) -> MetadataIndex {
    let files = write_metadata(dir).unwrap();
    let mut index = MetadataIndex::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        index
            .insert(MetadataEntry::from_json(&text).unwrap())
            .unwrap();
    }
    index
}

/// A server on 127.0.0.1 (port chosen by the system); returns its base URL.
fn start(mode: StatusCodeMode, behaviour: Behaviour, name: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app_id = format!("https://127.0.0.1:{port}/facets.json");
    let config = RelyingPartyBuilder::new(app_id)
        .status_codes(mode)
        .build()
        .unwrap();
    let rp = RelyingParty::new(config, load_metadata(&temp(name)));
    let state = Arc::new(State {
        service: Mutex::new(Service::new(
            rp,
            MemoryCredentialStore::new(),
            MemoryPendingStore::new(),
            MemoryPendingStore::new(),
        )),
        rng: Mutex::new(ChaCha20Rng::seed_from_u64(u64::from(port))),
        mode,
        behaviour,
        issued: Mutex::new(BTreeMap::new()),
    });
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let state = Arc::clone(&state);
            std::thread::spawn(move || serve(stream, &state));
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// One HTTP/1.1 exchange (minimal parsing: request line, Content-Length, body), then close.
fn serve(stream: TcpStream, state: &State) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.is_empty() {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (code, answer) = match (method, path) {
        ("POST", "/get") => (200, get(state, &body)),
        ("POST", "/respond") => (200, respond(state, &body)),
        _ => (404, json!({"error": "not found"})),
    };
    let text = answer.to_string();
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        if code == 200 { "OK" } else { "Not Found" },
        text.len()
    );
    let _ = stream.flush();
}

fn status(code: u16) -> Value {
    json!({ "statusCode": code })
}

/// `/get`: `{op, context}` → `{statusCode, uafRequest}`.
fn get(state: &State, body: &[u8]) -> Value {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return status(1400);
    };
    let op = v["op"].as_str().unwrap_or("");
    let Some(ctx) = v["context"]
        .as_str()
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
    else {
        return status(1400);
    };
    let Some(user) = ctx["username"].as_str() else {
        return status(1400);
    };
    let svc = state.service.lock().unwrap();
    let mut rng = state.rng.lock().unwrap();
    let made = match op {
        "Reg" => {
            if state.behaviour == Behaviour::RepeatChallenge {
                if let Some(old) = state.issued.lock().unwrap().get(user) {
                    return json!({"statusCode": 1200, "uafRequest": old});
                }
            }
            svc.start_registration(user, now(), &mut *rng)
                .map(|text| match state.behaviour {
                    Behaviour::RepeatChallenge => {
                        state
                            .issued
                            .lock()
                            .unwrap()
                            .insert(user.to_owned(), text.clone());
                        text
                    }
                    Behaviour::NoDisallowed => {
                        let mut all =
                            RegistrationRequest::parse_array(&text, &DecodeOptions::new()).unwrap();
                        for r in &mut all {
                            r.policy.disallowed.clear();
                        }
                        RegistrationRequest::array_to_json(&all)
                    }
                    _ => text,
                })
        }
        "Auth" => {
            let tx = match ctx["transaction"].as_str() {
                Some(t) => match Transaction::text(t) {
                    Ok(t) => vec![t],
                    Err(_) => return status(1400),
                },
                None => Vec::new(),
            };
            svc.start_authentication(Some(user), tx, now(), &mut *rng)
        }
        "Dereg" => {
            let target = if ctx["deregisterAll"].as_bool() == Some(true) {
                DeregistrationTarget::All
            } else if let Some(a) = ctx["deregisterAAID"].as_str() {
                match Aaid::parse(a) {
                    Ok(aaid) => DeregistrationTarget::Aaid(aaid),
                    Err(_) => return status(1400),
                }
            } else {
                match svc.credentials().list_by_user(user).unwrap().first() {
                    Some(r) => DeregistrationTarget::Key {
                        aaid: r.aaid,
                        key_id: r.key_id.clone(),
                    },
                    None => return status(1400),
                }
            };
            svc.deregister(user, &target)
        }
        _ => return status(1400),
    };
    match made {
        Ok(text) => json!({"statusCode": 1200, "uafRequest": text}),
        Err(e) => status(e.status(state.mode).value()),
    }
}

/// `/respond`: `{uafResponse, context}` → `{statusCode}`.
fn respond(state: &State, body: &[u8]) -> Value {
    if state.behaviour == Behaviour::AcceptEverything {
        return status(1200);
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return status(1400);
    };
    let Some(response) = v["uafResponse"].as_str() else {
        return status(1400);
    };
    let op = serde_json::from_str::<Value>(response)
        .ok()
        .and_then(|r| r[0]["header"]["op"].as_str().map(str::to_owned));
    let svc = state.service.lock().unwrap();
    let result = if op.as_deref() == Some("Auth") {
        svc.finish_authentication(response, now()).map(|_| ())
    } else {
        svc.finish_registration(response, now()).map(|_| ())
    };
    match result {
        Ok(()) => status(1200),
        Err(e) => status(e.status(state.mode).value()),
    }
}

fn options(seed: u64) -> ServerOptions {
    let mut o = ServerOptions::default();
    o.seed = Some(seed);
    o
}

fn failed(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail(_)))
        .map(CaseResult::line)
        .collect()
}

fn skipped(results: &[CaseResult]) -> Vec<&str> {
    results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Skip(_)))
        .map(|r| r.case.id.as_str())
        .collect()
}

/// Every case passes but the two channel-binding ones, which are skipped with a reason.
fn assert_all_pass(results: &[CaseResult], plan_len: usize) {
    assert_eq!(results.len(), plan_len);
    assert_eq!(failed(results), Vec::<String>::new());
    assert_eq!(
        skipped(results),
        [
            "client-fault/reg/channel-binding-mismatch",
            "client-fault/auth/channel-binding-mismatch"
        ]
    );
    let s = Summary::of(results);
    assert_eq!(s.passed, plan_len - 2);
    assert!(s.all_passed());
}

#[test]
fn a_correct_server_passes_every_case_in_conformance_mode() {
    let base = start(
        StatusCodeMode::Conformance,
        Behaviour::Correct,
        "conformance",
    );
    let suite = ServerSuite::new(options(11));
    let results = suite.run(&base).unwrap();
    assert_all_pass(&results, suite.plan().len());
    // Every group ran.
    for g in [Group::RequestShape, Group::Positive, Group::Negative] {
        assert!(results.iter().any(|r| r.case.group == g && r.passed()));
    }
}

#[test]
fn a_correct_server_in_specific_mode_passes_with_specific_status() {
    let base = start(StatusCodeMode::Specific, Behaviour::Correct, "specific");
    let mut o = options(12);
    o.specific_status = true;
    let suite = ServerSuite::new(o);
    let results = suite.run(&base).unwrap();
    assert_all_pass(&results, suite.plan().len());
}

#[test]
fn the_status_mode_matters() {
    // A conformance-mode server (1498 for everything) judged with specific expectations:
    // the replay wants 1491.
    let base = start(StatusCodeMode::Conformance, Behaviour::Correct, "mismatch");
    let mut o = options(13);
    o.specific_status = true;
    o.only = Some(String::from("replay"));
    let results = ServerSuite::new(o).run(&base).unwrap();
    let f = failed(&results);
    assert!(
        f.iter()
            .any(|l| l.contains("reg/replay") && l.contains("answered 1498; expected 1491")),
        "{f:?}"
    );
}

#[test]
fn a_server_accepting_everything_fails_every_negative() {
    let base = start(
        StatusCodeMode::Conformance,
        Behaviour::AcceptEverything,
        "accept",
    );
    let results = ServerSuite::new(options(14)).run(&base).unwrap();
    let mut negatives = 0;
    for r in &results {
        let id = r.case.id.as_str();
        if id.contains("channel-binding") {
            assert!(matches!(r.verdict, Verdict::Skip(_)), "{}", r.line());
        } else if r.case.group == Group::Negative || id.ends_with("/replay") {
            // The setup of authentication faults fails first (nothing was stored); the
            // registration faults and replays are accepted.
            let Verdict::Fail(d) = &r.verdict else {
                panic!("must fail: {}", r.line());
            };
            negatives += 1;
            if id.starts_with("fault/") && r.case.fido_test == "Server-Reg-Resp-6" {
                assert!(d.contains("accepted (1200); expected 1498"), "{}", r.line());
            }
        } else if id.starts_with("reg/")
            || ["Server-Reg-Req-1", "Server-Reg-Req-2", "Server-Reg-Req-3"].contains(&id)
        {
            // Registrations "succeed"; a request of a user with no keys stored does not.
            assert!(r.passed(), "{}", r.line());
        }
    }
    // Every authenticator fault, every client fault but the skipped channel binding (for Reg
    // and Auth), and the two replays.
    assert_eq!(
        negatives,
        uaf_authenticator::Fault::ALL.len() + 2 * (uaf_client::ClientFault::ALL.len() - 1) + 2
    );
    // P-10 notices that nothing was stored.
    let p10 = results
        .iter()
        .find(|r| r.case.id == "Server-Reg-Req-4")
        .unwrap();
    assert!(matches!(&p10.verdict, Verdict::Fail(d) if d.contains("disallowed")));
    assert!(!Summary::of(&results).all_passed());
}

#[test]
fn a_server_repeating_its_challenge_fails_reg_req_2() {
    let base = start(
        StatusCodeMode::Conformance,
        Behaviour::RepeatChallenge,
        "repeat",
    );
    let mut o = options(15);
    o.only = Some(String::from("Server-Reg-Req"));
    let results = ServerSuite::new(o).run(&base).unwrap();
    let f = failed(&results);
    assert!(
        f.iter()
            .any(|l| l.starts_with("FAIL  Server-Reg-Req-2") && l.contains("issued twice")),
        "{f:?}"
    );
    let r1 = results
        .iter()
        .find(|r| r.case.id == "Server-Reg-Req-1")
        .unwrap();
    assert!(r1.passed());
}

#[test]
fn a_server_without_p10_disallowed_fails_reg_req_4() {
    let base = start(StatusCodeMode::Conformance, Behaviour::NoDisallowed, "p10");
    let mut o = options(16);
    o.only = Some(String::from("Server-Reg-Req"));
    let results = ServerSuite::new(o).run(&base).unwrap();
    assert_eq!(
        failed(&results)
            .iter()
            .map(|l| l.split("  ").nth(1).unwrap().to_owned())
            .collect::<Vec<_>>(),
        ["Server-Reg-Req-4"]
    );
}

#[test]
fn metadata_is_deterministic_and_complete() {
    let a = temp("meta-a");
    let b = temp("meta-b");
    let fa = write_metadata(&a).unwrap();
    let fb = write_metadata(&b).unwrap();
    assert_eq!(fa.len(), metadata().unwrap().len());
    assert_eq!(fa.len(), 27);
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
    // Basic full models carry their root; surrogate ones none.
    for m in metadata().unwrap() {
        let v: Value = serde_json::from_str(&m.statement).unwrap();
        let roots = v["attestationRootCertificates"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(
            roots == 0,
            m.description.contains("surrogate"),
            "{}",
            m.aaid
        );
    }
}

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uaf-conformance"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_server_exit_codes() {
    let base = start(StatusCodeMode::Conformance, Behaviour::Correct, "cli");
    let o = bin(&["server", "--url", &base]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed, 2 skipped"), "{last}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("PASS  Server-Reg-Req-1  "))
    );

    // JSON lines, a subset.
    let o = bin(&[
        "server",
        "--url",
        &base,
        "--json",
        "--only",
        "fault/counter",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|v| v["result"] == "pass"));

    // A broken server: exit 1.
    let broken = start(
        StatusCodeMode::Conformance,
        Behaviour::AcceptEverything,
        "cli-broken",
    );
    let o = bin(&["server", "--url", &broken, "--only", "fault/krd-missing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("0 passed, 1 failed")
    );

    // Nobody listening: exit 2.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = bin(&["server", "--url", &format!("http://127.0.0.1:{closed}")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr).unwrap().contains("unreachable"));

    // Usage errors: exit 2.
    assert_eq!(bin(&["server"]).status.code(), Some(2));
    assert_eq!(
        bin(&["server", "--url", &base, "--bogus"]).status.code(),
        Some(2)
    );
    assert_eq!(bin(&["server", "--url", "ftp://x"]).status.code(), Some(2));
}

#[test]
fn cli_server_metadata_writes_one_file_per_aaid() {
    let dir = temp("cli-meta");
    let o = bin(&["server-metadata", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 27);
    assert!(names.contains(&String::from("F1D5-F000.json")));
    assert_eq!(bin(&["server-metadata"]).status.code(), Some(2));
}
