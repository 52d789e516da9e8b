//! The hostile-client suite (issue 13): the real `uaf-server` binary on loopback, attacked as
//! an anonymous internet client would. `scripts/hostile-test.sh` runs every test here
//! (`--include-ignored --test-threads=1`); the `#[ignore]`d ones need a low `ulimit -n`, a
//! flood of hundreds of connections or long waits. Each test prints what it measured
//! (`docs/server.md`, "Under attack").
//!
//! Timing is asserted only against generous bounds: "closed within the timeout + margin".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::as_conversions
)]

#[path = "../../uaf-metadata/tests/blob_support/mod.rs"]
mod blob_support;

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use blob_support::EcKey;
use common::temp;
use rcgen::{ExtendedKeyUsagePurpose, Issuer, SanType};
use serde_json::{Value, json};
use uaf_phone::{Enrollment, Phone};

/// Margin added to every timeout before a test calls it broken.
const MARGIN: Duration = Duration::from_secs(5);

/// The server binary, started by `sh` (so that `ulimit -n` can be lowered first), its
/// address read from its log.
struct ServerProc {
    child: Child,
    addr: SocketAddr,
    scheme: &'static str,
    log: mpsc::Receiver<String>,
    lines: Vec<String>,
    dir: PathBuf,
}

impl ServerProc {
    /// `uaf-server --listen 127.0.0.1:0 --database DIR/server.db ARGS…`, under `ulimit -n
    /// nofile` when given.
    fn start(name: &str, nofile: Option<u32>, args: &[&str]) -> ServerProc {
        let dir = temp(name);
        ServerProc::start_in(dir, nofile, args)
    }

    // The child is killed and waited for by `Drop`.
    #[allow(clippy::zombie_processes)]
    fn start_in(dir: PathBuf, nofile: Option<u32>, args: &[&str]) -> ServerProc {
        let bin = env!("CARGO_BIN_EXE_uaf-server");
        let mut script = String::new();
        if let Some(n) = nofile {
            script.push_str(&format!("ulimit -n {n} || exit 99; "));
        }
        script.push_str("exec \"$@\"");
        let db = dir.join("server.db");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .arg("sh")
            .arg(bin)
            .args(["--listen", "127.0.0.1:0", "--database"])
            .arg(&db)
            .args(args)
            .env("RUST_LOG", "uaf_server=debug,info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("the server did not start: {lines:#?}"));
            if let Some(rest) = line.split("listening on ").nth(1) {
                let (scheme, rest) = rest.split_once("://").unwrap();
                let addr = rest.split('/').next().unwrap().parse().unwrap();
                let scheme = if scheme == "https" { "https" } else { "http" };
                lines.push(line);
                return ServerProc {
                    child,
                    addr,
                    scheme,
                    log: rx,
                    lines,
                    dir,
                };
            }
            lines.push(line);
        }
    }

    fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log lines so far.
    fn log(&mut self) -> &[String] {
        while let Ok(l) = self.log.try_recv() {
            self.lines.push(l);
        }
        &self.lines
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// A line of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
    fn status_kib(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/PID/status"))
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain-HTTP request on a fresh connection: the status and the body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer 413 and close before the whole body is written.
    let _ = s.write_all(body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// Waits until `s` is closed by the server (EOF or reset) and returns how long that took, or
/// `None` when it is still open after `limit`.
fn closed_within(s: &mut TcpStream, start: Instant, limit: Duration) -> Option<Duration> {
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.saturating_sub(start.elapsed());
        if left.is_zero() {
            return None;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {} // an answer (408/400); keep reading until the close
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(_) => return Some(start.elapsed()),
        }
    }
}

fn healthz_ok(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

/// Polls healthz until it answers 200 or `limit` passes; how long it took.
fn healthz_within(addr: SocketAddr, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if healthz_ok(addr) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// 1. File-descriptor exhaustion
// ---------------------------------------------------------------------------------------------

/// Under `ulimit -n 64` and a connection cap above it, 300 idle connections exhaust the
/// server's descriptors: accept fails with EMFILE, the server logs it, backs off and stays
/// up; once the connections close it answers again.
#[test]
#[ignore = "starts the server under a low ulimit -n and opens hundreds of connections: scripts/hostile-test.sh"]
fn emfile_does_not_kill_the_server_and_it_answers_afterwards() {
    let mut server = ServerProc::start(
        "emfile",
        Some(64),
        &["--max-connections", "10000", "--header-timeout", "60"],
    );
    assert!(healthz_ok(server.addr));
    let mut held = Vec::new();
    for _ in 0..300 {
        match TcpStream::connect_timeout(&server.addr, Duration::from_secs(2)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    // Let the server's accept loop run into EMFILE.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15)
        && !server.log().iter().any(|l| l.contains("accept failed"))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let emfile_lines = server
        .log()
        .iter()
        .filter(|l| l.contains("accept failed"))
        .count();
    let first = server
        .log()
        .iter()
        .find(|l| l.contains("accept failed"))
        .cloned()
        .unwrap_or_default();
    assert!(
        emfile_lines > 0,
        "no accept error logged: {:#?}",
        server.log()
    );
    assert!(
        first.contains("Too many open files") || first.contains("os error 24"),
        "{first}"
    );
    assert!(server.alive(), "the server exited at EMFILE");
    drop(held);
    let recovered = healthz_within(server.addr, Duration::from_secs(30))
        .expect("the server answers again once the connections closed");
    assert!(server.alive());
    println!(
        "MEASURED emfile: ulimit -n 64, 300 client connections held; {emfile_lines} accept \
         errors logged (first: {first:?}); process alive; healthz 200 {recovered:?} after the \
         connections closed"
    );
}

/// With `--max-connections 8`, connections beyond the cap are closed at once (never queued),
/// and the server answers once the held ones close.
#[test]
fn connections_over_the_cap_are_closed_at_once() {
    let mut server = ServerProc::start(
        "cap",
        None,
        &["--max-connections", "8", "--header-timeout", "60"],
    );
    let held: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut closed = 0;
    let mut slowest = Duration::ZERO;
    for _ in 0..16 {
        let mut s = TcpStream::connect(server.addr).unwrap();
        let start = Instant::now();
        let took = closed_within(&mut s, start, MARGIN).expect("over the cap: closed at once");
        slowest = slowest.max(took);
        closed += 1;
    }
    assert!(
        server
            .log()
            .iter()
            .any(|l| l.contains("connection cap reached")),
        "{:#?}",
        server.log()
    );
    drop(held);
    let recovered = healthz_within(server.addr, Duration::from_secs(10)).expect("answers again");
    println!(
        "MEASURED cap: --max-connections 8 held; {closed}/16 extra connections closed by the \
         server, slowest after {slowest:?}; healthz 200 {recovered:?} after the held ones closed"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Timeouts
// ---------------------------------------------------------------------------------------------

/// Partial headers, bodies shorter than their Content-Length and idle keep-alive connections
/// are closed within their timeouts (2 s, 2 s, 4 s here), and an idle connection is not
/// closed by the header timeout.
#[test]
fn slow_headers_short_bodies_and_idle_connections_are_closed_within_the_timeouts() {
    let server = ServerProc::start(
        "timeouts",
        None,
        &[
            "--header-timeout",
            "2",
            "--body-timeout",
            "2",
            "--idle-timeout",
            "4",
        ],
    );
    let n = 20;
    let mut partial: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"POST /api/signin/start HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    let start = Instant::now();
    let mut short: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(
                b"POST /api/signin/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 1000\r\n\r\n{\"username\":",
            )
            .unwrap();
            s
        })
        .collect();
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let idle_start = Instant::now();

    let limit = Duration::from_secs(2) + MARGIN;
    let header_times: Vec<Duration> = partial
        .iter_mut()
        .map(|s| closed_within(s, start, limit).expect("partial headers: closed in time"))
        .collect();
    let body_times: Vec<Duration> = short
        .iter_mut()
        .map(|s| closed_within(s, start, limit).expect("short body: closed in time"))
        .collect();
    let idle_time = closed_within(&mut idle, idle_start, Duration::from_secs(4) + MARGIN)
        .expect("idle keep-alive: closed in time");
    assert!(
        idle_time >= Duration::from_secs(3),
        "an idle connection closed after {idle_time:?}, before its 4 s idle timeout"
    );
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    println!(
        "MEASURED timeouts: {n} partial-header connections closed after ≤ {:?} (header \
         timeout 2 s); {n} short-body connections closed after ≤ {:?} (body timeout 2 s); an \
         idle keep-alive connection closed after {idle_time:?} (idle timeout 4 s)",
        max(&header_times),
        max(&body_times)
    );
    assert!(healthz_ok(server.addr));
}

// ---------------------------------------------------------------------------------------------
// 3. Body limits and memory under a flood
// ---------------------------------------------------------------------------------------------

/// Each endpoint refuses a body beyond its limit with 413, and takes one within it.
#[test]
fn oversized_bodies_are_refused_with_413_per_endpoint() {
    let token = "hostile-test-token-0123456789";
    let server = ServerProc::start(
        "bodies",
        None,
        &["--conformance-api", "--conformance-api-token", token],
    );
    let conformance_get = format!("/conformance/{token}/get");
    let conformance_respond = format!("/conformance/{token}/respond");
    let small = uaf_server::SMALL_BODY_LIMIT;
    let large = uaf_server::UAF_RESPONSE_BODY_LIMIT;
    let filler = |n: usize| {
        // A JSON string of exactly n bytes: {"username":"aaaa…"}.
        let mut v = b"{\"username\":\"".to_vec();
        v.resize(n - 2, b'a');
        v.extend_from_slice(b"\"}");
        v
    };
    let mut rows = Vec::new();
    for (path, limit) in [
        ("/api/signin/start", small),
        ("/phone/enroll/start", small),
        ("/phone/enroll/finish", large),
        ("/phone/respond", large),
        (conformance_get.as_str(), small),
        (conformance_respond.as_str(), large),
    ] {
        let (over, body) = http(server.addr, "POST", path, &filler(limit + 1));
        assert_eq!(over, 413, "{path}: {body}");
        let (within, body) = http(server.addr, "POST", path, &filler(limit));
        assert_ne!(within, 413, "{path}: {body}");
        let shown = path.replace(token, "TOKEN");
        rows.push(format!(
            "{shown}: {limit} B → {within}, {} B → 413",
            limit + 1
        ));
    }
    // Far beyond: refused without reading megabytes.
    let (status, _) = http(
        server.addr,
        "POST",
        "/api/signin/start",
        &filler(2 * 1024 * 1024),
    );
    assert_eq!(status, 413);
    println!("MEASURED body limits: {}", rows.join("; "));
}

/// 500 connections each announce a 2 MB body to the endpoint with the largest limit, send
/// just under 64 KiB of it and stall: the server's peak RSS stays under the bound stated in
/// docs/server.md for its connection cap.
#[test]
#[ignore = "a flood of 500 connections with 32 MB in flight: scripts/hostile-test.sh"]
fn a_concurrent_body_flood_stays_under_the_memory_bound() {
    let cap: u64 = 512;
    let server = ServerProc::start(
        "flood",
        None,
        &[
            "--max-connections",
            &cap.to_string(),
            "--header-timeout",
            "60",
            "--body-timeout",
            "60",
        ],
    );
    assert!(healthz_ok(server.addr));
    let idle_rss = server.status_kib("VmRSS");
    let chunk = vec![b'a'; uaf_server::UAF_RESPONSE_BODY_LIMIT - 1024];
    let mut held = Vec::new();
    for _ in 0..500 {
        let Ok(mut s) = TcpStream::connect(server.addr) else {
            break;
        };
        s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let head = "POST /phone/enroll/finish HTTP/1.1\r\nHost: x\r\nContent-Type: \
                    application/json\r\nContent-Length: 2097152\r\n\r\n{\"x\":\"";
        if s.write_all(head.as_bytes()).is_err() || s.write_all(&chunk).is_err() {
            continue;
        }
        held.push(s);
    }
    // Let the server read what was sent.
    std::thread::sleep(Duration::from_secs(3));
    let flood_rss = server.status_kib("VmRSS");
    let peak = server.status_kib("VmHWM");
    let bound_kib = uaf_server::memory_bound_bytes(usize::try_from(cap).unwrap()) as u64 / 1024;
    println!(
        "MEASURED flood: {} connections × {} B of a 2 MB body held open (cap {cap}); RSS idle \
         {idle_rss} KiB, under the flood {flood_rss} KiB, peak (VmHWM) {peak} KiB; documented \
         bound {bound_kib} KiB",
        held.len(),
        chunk.len() + 6
    );
    assert!(held.len() >= 400, "only {} connections held", held.len());
    assert!(
        peak < bound_kib,
        "peak RSS {peak} KiB over the bound {bound_kib} KiB"
    );
    drop(held);
    assert!(healthz_within(server.addr, Duration::from_secs(10)).is_some());
}

// ---------------------------------------------------------------------------------------------
// 4. Shutdown with a slow client
// ---------------------------------------------------------------------------------------------

/// SIGTERM with a client stuck half-way through a body (body timeout 120 s): the process
/// exits within the shutdown deadline (3 s here) + margin, with status 0.
#[test]
fn sigterm_with_a_slow_client_exits_within_the_deadline() {
    let mut server = ServerProc::start(
        "sigterm",
        None,
        &[
            "--shutdown-timeout",
            "3",
            "--body-timeout",
            "120",
            "--header-timeout",
            "120",
        ],
    );
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(
        b"POST /api/signin/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"user",
    )
    .unwrap();
    let mut idle = TcpStream::connect(server.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let start = Instant::now();
    server.signal("TERM");
    let limit = Duration::from_secs(3) + MARGIN;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < limit,
            "still running {:?} after SIGTERM",
            start.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = start.elapsed();
    assert!(status.success(), "{status:?}: {:#?}", server.log());
    assert!(
        server
            .log()
            .iter()
            .any(|l| l.contains("shutdown deadline passed")),
        "{:#?}",
        server.log()
    );
    drop(slow);
    println!(
        "MEASURED sigterm: a client stuck mid-body and an idle keep-alive open; exit status 0 \
         {took:?} after SIGTERM (--shutdown-timeout 3)"
    );
}

// ---------------------------------------------------------------------------------------------
// 11. TLS
// ---------------------------------------------------------------------------------------------

/// A test CA (fixed key `seed`) and a leaf for 127.0.0.1 / localhost signed by it, written as
/// PEM: (ca.pem, cert.pem with leaf then CA, key.pem).
fn write_test_pki(dir: &Path, seed: u8) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = EcKey::new(seed);
    let ca_params = blob_support::ca_params(&format!("uaf-rs test CA {seed}"), u64::from(seed));
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_seed = seed + 1;
    let leaf_key = EcKey::new(leaf_seed);
    let mut leaf_params = blob_support::params(
        "127.0.0.1",
        u64::from(leaf_seed),
        (2020, 1, 1),
        (2040, 1, 1),
    );
    leaf_params.subject_alt_names = vec![
        SanType::IpAddress("127.0.0.1".parse().unwrap()),
        SanType::DnsName("localhost".try_into().unwrap()),
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params
        .signed_by(&leaf_key, &Issuer::new(ca_params, &ca_key))
        .unwrap();
    let pem = |label: &str, der: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut out = format!("-----BEGIN {label}-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap());
            out.push('\n');
        }
        out.push_str(&format!("-----END {label}-----\n"));
        out
    };
    // PKCS#8 of a P-256 key with its public key (RFC 5915 inside RFC 5208).
    let scalar = [leaf_seed; 32];
    let point = {
        let signing = p256::ecdsa::SigningKey::from_slice(&scalar).unwrap();
        signing
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
    };
    let mut pkcs8 = vec![
        0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
        0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30,
        0x6b, 0x02, 0x01, 0x01, 0x04, 0x20,
    ];
    pkcs8.extend_from_slice(&scalar);
    pkcs8.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
    pkcs8.extend_from_slice(&point);
    let ca_pem = dir.join(format!("ca{seed}.pem"));
    let cert_pem = dir.join("cert.pem");
    let key_pem = dir.join("key.pem");
    std::fs::write(&ca_pem, pem("CERTIFICATE", ca.der())).unwrap();
    std::fs::write(
        &cert_pem,
        pem("CERTIFICATE", leaf.der()) + &pem("CERTIFICATE", ca.der()),
    )
    .unwrap();
    std::fs::write(&key_pem, pem("PRIVATE KEY", &pkcs8)).unwrap();
    (ca_pem, cert_pem, key_pem)
}

/// A ureq agent over https that trusts only `ca`.
fn tls_agent(ca: &Path) -> ureq::Agent {
    let pem = std::fs::read(ca).unwrap();
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|i| match i.unwrap() {
            ureq::tls::PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
        .build();
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .tls_config(tls)
            .build(),
    )
}

/// The server serves https with a test certificate; `uaf-phone` enrols and approves a
/// sign-in over https trusting the test CA; the cookies are `Secure`; SIGHUP swaps in a
/// certificate of another CA without dropping the listener.
#[test]
fn https_phone_sign_in_secure_cookies_and_sighup_reload() {
    let dir = temp("tls");
    let (ca1, cert, key) = write_test_pki(&dir, 31);
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    let mut server = ServerProc::start_in(
        dir.clone(),
        None,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--metadata",
            dir.join("metadata").to_str().unwrap(),
        ],
    );
    let scheme = server.scheme;
    assert_eq!(scheme, "https", "{:#?}", server.log());
    let url = server.url();

    // Plain http to the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(server.addr).unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/1.1 200"));

    // The operator's invite (a second connection to the same SQLite file).
    let out = Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args(["invite", "alice", "--database"])
        .arg(server.dir.join("server.db"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    // A phone that trusts nothing but the system roots cannot enrol with the test CA…
    let untrusting = Phone::enroll(&Enrollment::new(&url, "alice", &code, "1234"));
    assert!(
        matches!(untrusting, Err(uaf_phone::PhoneError::Unreachable(_))),
        "{:?}",
        untrusting.err()
    );
    // …one given the CA file can.
    let mut e = Enrollment::new(&url, "alice", &code, "1234");
    e.ca_file = Some(ca1.clone());
    let phone = Phone::enroll(&e).unwrap();

    let agent = tls_agent(&ca1);
    let mut r = agent
        .post(format!("{url}/api/signin/start"))
        .header("Content-Type", "application/json")
        .send(json!({"username": "alice"}).to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let set_cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    let started: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let attempt = started["attempt"].as_str().unwrap().to_owned();
    let browser_cookie = set_cookie.split(';').next().unwrap().to_owned();
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .expect("the phone sees the sign-in over https");
    let mut phone = phone;
    phone.approve(&n, "1234").unwrap();
    let r = agent
        .post(format!("{url}/api/signin/{attempt}/complete"))
        .header("Content-Type", "application/json")
        .header("Cookie", &browser_cookie)
        .send("{}")
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        session
            .iter()
            .any(|c| c.starts_with("uaf_session=") && c.contains("Secure")),
        "{session:?}"
    );

    // SIGHUP: a certificate of another CA replaces the first one, on the same listener.
    let (ca2, _, _) = write_test_pki(&dir, 41);
    server.signal("HUP");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10)
        && !server
            .log()
            .iter()
            .any(|l| l.contains("TLS certificate and key reloaded"))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let health = |ca: &Path| {
        tls_agent(ca)
            .get(format!("{url}/healthz"))
            .call()
            .map(|r| r.status().as_u16())
    };
    assert_eq!(health(&ca2).unwrap(), 200, "{:#?}", server.log());
    assert!(health(&ca1).is_err(), "the old certificate is still served");
    // A broken pair is refused and the one in force stays.
    std::fs::write(&key, "not a key").unwrap();
    server.signal("HUP");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10)
        && !server
            .log()
            .iter()
            .any(|l| l.contains("refused; the old one stays"))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(health(&ca2).unwrap(), 200);
    assert!(server.alive());
    println!(
        "MEASURED tls: https enrolment + approval by uaf-phone trusting the test CA; Secure \
         cookies; SIGHUP reload served the new CA's certificate on the same listener; a broken \
         key on reload kept the old one"
    );
}
