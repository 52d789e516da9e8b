//! The server over real HTTP on loopback, judged by our conformance runner
//! (`uaf_conformance::http::ServerSuite`): every case passes in both status-code modes, with
//! the data in a SQLite file; the envelope errors, the facet list, the health check, a path
//! prefix, a restart on the same database, and the `uaf-server` binary itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uaf_conformance::http::{
    CaseResult, ServerOptions, ServerSuite, Summary, Verdict, write_metadata,
};
use uaf_proto::message::TrustedFacetList;
use uaf_server::{Server, ServerConfig, ServerHandle, StatusCodeMode};

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-server-api-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A config on a free loopback port with the simulated models' metadata and a file database
/// in `dir`.
fn config(dir: &Path, mode: StatusCodeMode) -> ServerConfig {
    let metadata = dir.join("metadata");
    write_metadata(&metadata).unwrap();
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.metadata = Some(metadata);
    c.database = dir.join("uaf.db");
    c.status_codes = mode;
    c.conformance_api = true;
    c.conformance_api_token = Some(String::from(TOKEN));
    c
}

/// The conformance API's token in these tests.
const TOKEN: &str = "conformance-test-token-0123456789";

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

/// Every case passes but the two channel-binding ones, which the suite skips (the runner
/// cannot know the TLS channel the server sees).
fn assert_all_pass(results: &[CaseResult], plan_len: usize) {
    assert_eq!(results.len(), plan_len);
    assert_eq!(failed(results), Vec::<String>::new());
    let skipped: Vec<&str> = results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Skip(_)))
        .map(|r| r.case.id.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "client-fault/reg/channel-binding-mismatch",
            "client-fault/auth/channel-binding-mismatch"
        ]
    );
    let s = Summary::of(results);
    assert_eq!(s.passed, plan_len - 2);
    assert!(s.all_passed());
}

/// Registrations stored in the database file, read with a connection of our own.
fn stored_users(db: &Path) -> Vec<(String, u32)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT username, sign_counter FROM registrations ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build(),
    )
}

/// POSTs `body` (raw text) to `url`: HTTP status and the JSON answer.
fn post(url: &str, body: &str) -> (u16, Value) {
    let mut r = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

fn get_op(base: &str, op: &str, context: &Value) -> Value {
    let (http, v) = post(
        &format!("{base}/get"),
        &json!({"op": op, "context": context.to_string()}).to_string(),
    );
    assert_eq!(http, 200, "{v}");
    v
}

#[test]
fn the_suite_passes_in_conformance_mode_with_a_file_database() {
    let dir = temp("conformance");
    let server = Server::spawn(config(&dir, StatusCodeMode::Conformance)).unwrap();
    let mut o = options(21);
    o.username_prefix = String::from("conf-");
    let suite = ServerSuite::new(o);
    let results = suite.run(&server.conformance_url().unwrap()).unwrap();
    assert_all_pass(&results, suite.plan().len());

    // What was accepted is in the file: every stored key belongs to the run's users, and
    // authentications moved counters.
    let users = stored_users(&dir.join("uaf.db"));
    assert!(users.len() >= 10, "{users:?}");
    assert!(users.iter().all(|(u, _)| u.starts_with("conf-")));
    assert!(users.iter().any(|(_, c)| *c > 0), "{users:?}");

    // Restart on the same database: a stored user can still be asked to authenticate.
    let user = users[0].0.clone();
    server.shutdown().unwrap();
    let server = Server::spawn(config(&dir, StatusCodeMode::Conformance)).unwrap();
    let v = get_op(
        &server.conformance_url().unwrap(),
        "Auth",
        &json!({"username": user}),
    );
    assert_eq!(v["statusCode"], 1200, "{v}");
    let request: Value = serde_json::from_str(v["uafRequest"].as_str().unwrap()).unwrap();
    assert_eq!(request[0]["header"]["op"], "Auth");
    // A user who never registered has no key to authenticate with.
    let v = get_op(
        &server.conformance_url().unwrap(),
        "Auth",
        &json!({"username": "nobody"}),
    );
    assert_ne!(v["statusCode"], 1200, "{v}");
}

#[test]
fn the_suite_passes_in_specific_mode() {
    let dir = temp("specific");
    let server = Server::spawn(config(&dir, StatusCodeMode::Specific)).unwrap();
    let mut o = options(22);
    o.specific_status = true;
    let suite = ServerSuite::new(o);
    let results = suite.run(&server.conformance_url().unwrap()).unwrap();
    assert_all_pass(&results, suite.plan().len());
}

#[test]
fn the_status_mode_is_the_servers() {
    // A conformance-mode server judged with specific expectations: a replay answers 1498,
    // not 1491, so the replay cases fail.
    let dir = temp("mode");
    let server = Server::spawn(config(&dir, StatusCodeMode::Conformance)).unwrap();
    let mut o = options(23);
    o.specific_status = true;
    o.only = Some(String::from("replay"));
    let results = ServerSuite::new(o)
        .run(&server.conformance_url().unwrap())
        .unwrap();
    let f = failed(&results);
    assert!(
        f.iter()
            .any(|l| l.contains("reg/replay") && l.contains("answered 1498; expected 1491")),
        "{f:?}"
    );
}

#[test]
fn envelopes_facets_health_and_prefix() {
    let dir = temp("envelope");
    let mut c = config(&dir, StatusCodeMode::Specific);
    c.prefix = String::from("uaf");
    c.facets = vec![
        String::from("https://127.0.0.1"),
        String::from("android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM"),
    ];
    let server: ServerHandle = Server::spawn(c).unwrap();
    let base = server.base_url();
    assert!(base.ends_with("/uaf"), "{base}");
    let api = server.conformance_url().unwrap();
    assert_eq!(api, format!("{base}/conformance/{TOKEN}"));
    // Without the token (or with a wrong one): 401, in the path or as a bearer token.
    for url in [
        format!("{base}/get"),
        format!("{base}/conformance/{}/get", TOKEN.replace('0', "1")),
        format!("{base}/conformance/short/respond"),
    ] {
        let (http, _) = post(&url, "{\"op\":\"Reg\"}");
        assert_eq!(http, 401, "{url}");
    }
    let with = |token: &str| {
        agent()
            .post(&format!("{base}/get"))
            .header("Authorization", &format!("Bearer {token}"))
            .content_type("application/json")
            .send(r#"{"op":"Reg","context":"{\"username\":\"zoe\"}"}"#)
            .unwrap()
    };
    let mut ok = with(TOKEN);
    assert_eq!(ok.status().as_u16(), 200);
    let v: Value = serde_json::from_str(&ok.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["statusCode"], 1200, "the bearer token opens /get");
    assert_eq!(
        with("conformance-test-token-0123456780").status().as_u16(),
        401
    );
    let origin = format!("http://{}", server.local_addr());
    assert_eq!(
        server.app_id(),
        format!("https://{}/uaf/facets.json", server.local_addr())
    );

    // Not the envelope: HTTP 400 (with a UAF status all the same).
    for body in ["not json", "[1,2]", "{\"op\":\"Nope\"}", "{\"op\":7}"] {
        let (http, v) = post(&format!("{api}/get"), body);
        assert_eq!(http, 400, "{body}: {v}");
        assert_eq!(v["statusCode"], 1400);
    }
    for body in ["", "{}", "{\"uafResponse\":5}"] {
        let (http, v) = post(&format!("{api}/respond"), body);
        assert_eq!(http, 400, "{body}: {v}");
    }
    // The envelope with a bad context: HTTP 200, UAF 1400.
    for ctx in ["not json", "{\"username\":5}", "{}", "[\"alice\"]"] {
        let (http, v) = post(
            &format!("{api}/get"),
            &json!({"op": "Reg", "context": ctx}).to_string(),
        );
        assert_eq!((http, v["statusCode"].as_u64()), (200, Some(1400)), "{ctx}");
    }
    let (http, v) = post(&format!("{api}/get"), "{\"context\":\"{}\"}");
    assert_eq!((http, v["statusCode"].as_u64()), (200, Some(1400)));
    // A response that is not a UAF message: HTTP 200 with the rejection inside.
    let (http, v) = post(&format!("{api}/respond"), "{\"uafResponse\":\"[]\"}");
    assert_eq!(http, 200);
    assert!(v["statusCode"].as_u64().unwrap() >= 1400, "{v}");

    // A registration request through the prefix.
    let v = get_op(&api, "Reg", &json!({"username": "alice"}));
    assert_eq!(v["statusCode"], 1200);
    assert_eq!(v["op"], "Reg");
    assert_eq!(v["lifetimeMillis"], 300_000);
    let request: Value = serde_json::from_str(v["uafRequest"].as_str().unwrap()).unwrap();
    assert_eq!(request[0]["header"]["appID"], server.app_id());
    assert_eq!(request[0]["username"], "alice");
    // Authentication for anyone (no username): no keys named in the policy.
    let v = get_op(&api, "Auth", &json!({}));
    assert_eq!(v["statusCode"], 1200, "{v}");
    // Nothing to deregister yet.
    let v = get_op(&api, "Dereg", &json!({"username": "alice"}));
    assert_ne!(v["statusCode"], 1200, "{v}");

    // The facet list, with its content type, as the facets configured (normalised).
    let mut r = agent().get(&format!("{base}/facets.json")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        TrustedFacetList::CONTENT_TYPE
    );
    let list = TrustedFacetList::parse(&r.body_mut().read_to_string().unwrap()).unwrap();
    let v10 = list.select(uaf_proto::message::Version::new(1, 0)).unwrap();
    assert_eq!(
        v10.ids,
        [
            "https://127.0.0.1",
            "android:apk-key-hash:hoG2zCMzhpGCNnLFceBuVpPfDqM"
        ]
    );
    assert!(v10.facet_ids().rejected.is_empty());
    assert_eq!(list.trusted_facets.len(), 2);

    let mut r = agent().get(&format!("{base}/healthz")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.body_mut().read_to_string().unwrap().contains("ok"));
    // Outside the prefix: nothing.
    let r = agent().get(&format!("{origin}/healthz")).call().unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // The suite's request-shape cases through the prefix.
    let mut o = options(24);
    o.specific_status = true;
    o.facet = Some(String::from("https://127.0.0.1"));
    o.only = Some(String::from("-Req-"));
    let results = ServerSuite::new(o).run(&api).unwrap();
    assert_eq!(results.len(), 12);
    assert_eq!(failed(&results), Vec::<String>::new());
}

/// The conformance API is unauthenticated, so it is served only when asked for: without
/// `conformance_api` `/get` and `/respond` do not exist (404) and nothing can be registered or
/// deregistered through them, while the facet list and the health check are served.
#[test]
fn the_conformance_api_is_off_unless_asked_for() {
    let dir = temp("no-api");
    let mut c = config(&dir, StatusCodeMode::Conformance);
    c.conformance_api = false;
    let server = Server::spawn(c).unwrap();
    let base = server.base_url();
    for endpoint in ["get", "respond"] {
        let r = agent()
            .post(&format!("{base}/{endpoint}"))
            .header("Content-Type", "application/json")
            .send(r#"{"op":"Reg","context":"{\"username\":\"mallory\"}"}"#)
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{endpoint}");
    }
    let health = agent().get(&format!("{base}/healthz")).call().unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let facets = agent().get(&format!("{base}/facets.json")).call().unwrap();
    assert_eq!(facets.status().as_u16(), 200);
    drop(server);
    assert!(stored_users(&dir.join("uaf.db")).is_empty());
}

#[test]
fn a_bad_configuration_does_not_start() {
    let dir = temp("bad");
    let mut c = config(&dir, StatusCodeMode::Conformance);
    c.facets = vec![String::from("http://insecure.example.com")];
    assert!(matches!(
        Server::spawn(c),
        Err(uaf_server::ServerError::Config(_))
    ));
    let mut c = config(&dir, StatusCodeMode::Conformance);
    c.metadata = Some(dir.join("missing"));
    assert!(matches!(
        Server::spawn(c),
        Err(uaf_server::ServerError::Metadata(_))
    ));
    let mut c = config(&dir, StatusCodeMode::Conformance);
    c.database = dir.join("no-such-dir").join("x.db");
    assert!(matches!(
        Server::spawn(c),
        Err(uaf_server::ServerError::Store(_))
    ));
    // The conformance API without its token, or with a weak one: refused, saying why.
    for token in [None, Some(""), Some("short"), Some("has a space in it!!")] {
        let mut c = config(&dir, StatusCodeMode::Conformance);
        c.conformance_api_token = token.map(String::from);
        match Server::spawn(c) {
            Err(uaf_server::ServerError::Config(m)) => {
                assert!(m.contains("conformance API"), "{m}");
            }
            other => panic!("{token:?}: {other:?}"),
        }
    }
}

/// The child process, killed if the test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_serves_the_suite_and_stops_on_sigterm() {
    let dir = temp("cli");
    let metadata = dir.join("metadata");
    write_metadata(&metadata).unwrap();
    let db = dir.join("cli.db");
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_uaf-server"))
            .args(["--listen", "127.0.0.1:0", "--metadata"])
            .arg(&metadata)
            .arg("--database")
            .arg(&db)
            .args(["--status-codes", "specific", "--conformance-api"])
            .args(["--conformance-api-token", TOKEN])
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );

    // The address chosen is in the "listening on" log line.
    let stderr = child.0.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server exited before listening")
            .unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match agent().get(&format!("{base}/healthz")).call() {
            Ok(r) if r.status().as_u16() == 200 => break,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("no health: {other:?}"),
        }
    }

    let mut o = options(25);
    o.specific_status = true;
    let suite = ServerSuite::new(o);
    let results = suite.run(&format!("{base}/conformance/{TOKEN}")).unwrap();
    assert_all_pass(&results, suite.plan().len());
    assert!(!stored_users(&db).is_empty());

    // SIGTERM: a graceful stop, exit status 0.
    #[cfg(unix)]
    {
        let pid = child.0.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let exit = loop {
            if let Some(s) = child.0.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(exit.success(), "{exit:?}");
        let log = drain.join().unwrap();
        assert!(log.iter().any(|l| l.contains("shutting down")), "{log:?}");
    }
    #[cfg(not(unix))]
    drop(drain);
}

#[test]
fn the_binary_rejects_bad_arguments() {
    let o = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args(["--status-codes", "loud"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8(o.stdout).unwrap();
    for flag in [
        "--listen",
        "--app-id",
        "--facet",
        "--metadata",
        "--status-codes",
        "--database",
        "--conformance-api",
        "--conformance-api-token",
        "--signin-limit-per-address",
        "--trusted-proxy",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
    // A metadata directory that does not exist: exit 1 with the reason.
    let dir = temp("cli-bad");
    let o = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args(["--listen", "127.0.0.1:0", "--database"])
        .arg(dir.join("x.db"))
        .arg("--metadata")
        .arg(dir.join("missing"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("metadata"));
}

#[test]
fn the_binary_prints_its_version() {
    for flag in ["--version", "-V"] {
        let o = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
            .arg(flag)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{flag}");
        assert_eq!(
            String::from_utf8(o.stdout).unwrap(),
            format!("uaf-server {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}
