//! Hostile clients against the abuse limits (issue 13, items 5–9): push bombing one user from
//! several client addresses (127.0.0.x, bound by the client socket), user enumeration by
//! timing (medians reported), invite-code guessing, a database the server cannot write.
//!
//! `cargo test -p uaf-server --test hostile_abuse -- --nocapture` prints what was measured;
//! the `#[ignore]`d case needs root (a tmpfs) and runs in `scripts/hostile-test.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err,
    clippy::as_conversions
)]

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use common::{Env, temp};
use serde_json::{Value, json};
use uaf_server::{Limits, Server, ServerConfig, ServerError, ServerHandle, SqliteDatabase};

/// A server on loopback (all addresses of 127/8, so clients can come from 127.0.0.x) with a
/// file database, the phone model's metadata, the system clock and `limits`.
fn site(name: &str, limits: Limits) -> Env {
    Env::builder(name)
        .system_clock()
        .config(move |c| c.limits = limits.clone())
        .build()
}

/// One answer: status, `Retry-After`, JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

/// `POST path` with a JSON body from the source address `from` (HTTP/1.1, one request per
/// connection).
fn post_from(server: &ServerHandle, from: Ipv4Addr, path: &str, body: &Value) -> Answer {
    use std::io::{Read, Write};
    let to = server.local_addr();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let std_stream = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
        socket.connect(to).await.unwrap().into_std().unwrap()
    });
    std_stream.set_nonblocking(false).unwrap();
    let mut stream = std_stream;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {to}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let retry_after = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("retry-after")
            .then(|| v.trim().parse().unwrap())
    });
    Answer {
        status,
        retry_after,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

fn start(server: &ServerHandle, from: Ipv4Addr, user: &str) -> Answer {
    post_from(
        server,
        from,
        "/api/signin/start",
        &json!({ "username": user }),
    )
}

#[test]
fn push_bombing_is_refused_and_the_phone_still_gets_the_real_attempt() {
    let mut limits = Limits::default();
    limits.signin_per_address = "6/60".parse().unwrap();
    limits.signin_per_user = "3/60".parse().unwrap();
    limits.pending_per_user = 3;
    let env = site("bomb", limits);
    let server = env.server();
    let phone = env.enroll("alice");

    // Eight attacker addresses, 4 starts each for alice, then a few for other names (a
    // refused start takes its address's token all the same).
    let (mut ok, mut refused) = (0, 0);
    for host in 2..10u8 {
        let from = Ipv4Addr::new(127, 0, 0, host);
        for _ in 0..4 {
            let a = start(server, from, "alice");
            match a.status {
                200 => ok += 1,
                429 => {
                    refused += 1;
                    let wait = a.retry_after.expect("429 carries Retry-After");
                    assert!((1..=60).contains(&wait), "{wait}");
                    assert!(
                        a.body["error"]
                            .as_str()
                            .unwrap()
                            .contains("signin-per-user")
                    );
                }
                s => panic!("{s}: {a:?}"),
            }
        }
        // The address's own bucket: 2 left for other names, then 429 for anyone.
        let names: Vec<u16> = (0..3)
            .map(|i| start(server, from, &format!("other{host}-{i}")).status)
            .collect();
        assert_eq!(names, [200, 200, 429], "per address");
    }
    assert_eq!((ok, refused), (8 * 3, 8), "3 starts per address for alice");
    let shown = phone.pending().unwrap();
    assert_eq!(shown.len(), 3, "the phone is shown at most 3");

    // The real user, from an address that was not pushing (a second later: times are whole
    // seconds, and within one second the order is not defined): accepted, first on the phone.
    std::thread::sleep(Duration::from_millis(1100));
    let real = start(server, Ipv4Addr::new(127, 0, 0, 1), "alice");
    assert_eq!(real.status, 200, "{real:?}");
    let attempt = real.body["attempt"].as_str().unwrap().to_owned();
    let shown = phone.pending().unwrap();
    assert_eq!(shown.len(), 3);
    assert_eq!(shown[0].attempt, attempt, "newest first");
    assert_eq!(
        shown[0].match_code,
        real.body["matchCode"].as_str().unwrap()
    );
    println!(
        "MEASURED push bombing: 8 addresses x 4 starts for one user: {ok} accepted, {refused} refused \
         (429); the phone showed 3, the real attempt first"
    );
}

#[test]
fn known_and_unknown_users_do_the_same_work() {
    let env = site("timing", Limits::off());
    let server = env.server();
    let _phone = env.enroll("alice");
    let from = Ipv4Addr::LOCALHOST;
    // Warm up both paths.
    for i in 0..20 {
        assert_eq!(start(server, from, "alice").status, 200);
        assert_eq!(start(server, from, &format!("warm{i}")).status, 200);
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..300 {
        // Interleaved, each first in turn, so that drift and order affect both alike.
        let nobody = format!("nobody{i}");
        let timed = |name: &str| {
            let t = Instant::now();
            let a = start(server, from, name);
            (a, t.elapsed())
        };
        let ((a, ka), (b, ub)) = if i % 2 == 0 {
            let a = timed("alice");
            (a, timed(&nobody))
        } else {
            let b = timed(&nobody);
            (timed("alice"), b)
        };
        known.push(ka);
        unknown.push(ub);
        assert_eq!((a.status, b.status), (200, 200));
        // The same answer shape.
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&a.body), keys(&b.body));
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (k, u) = (median(&mut known), median(&mut unknown));
    println!(
        "MEASURED sign-in start, median of 300 each over loopback: known user {:.2} ms, unknown user \
         {:.2} ms",
        k.as_secs_f64() * 1e3,
        u.as_secs_f64() * 1e3
    );
}

#[test]
fn invite_guessing_is_throttled_per_address_and_per_account() {
    let mut limits = Limits::default();
    limits.enroll_per_address = "4/600".parse().unwrap();
    limits.enroll_per_account = "6/600".parse().unwrap();
    let env = site("invites", limits);
    let server = env.server();
    let guess = |from: u8, user: &str| {
        post_from(
            server,
            Ipv4Addr::new(127, 0, 0, from),
            "/phone/enroll/start",
            &json!({ "username": user, "code": "AAAAAAAAAA" }),
        )
    };
    // One address: 4 guesses answered 403, then 429.
    let s: Vec<u16> = (0..5).map(|_| guess(2, "alice").status).collect();
    assert_eq!(s, [403, 403, 403, 403, 429]);
    let a = guess(2, "bob");
    assert_eq!(a.status, 429, "the address is out for every account");
    assert!(a.retry_after.unwrap() >= 1);
    // Another address, same account: 2 more, then the account is out.
    let s: Vec<u16> = (0..3).map(|_| guess(3, "alice").status).collect();
    assert_eq!(s, [403, 403, 429]);
    assert!(
        guess(4, "alice").body["error"]
            .as_str()
            .unwrap()
            .contains("enroll-per-account")
    );
    // Another account from a fresh address enrols with its real code.
    let phone = env.enroll("carol");
    assert_eq!(phone.username(), "carol");
    println!(
        "MEASURED invite guessing (4/600 per address, 6/600 per account): 403 x4 then 429 from \
         one address; 403 x2 then 429 for the same account from another; a real code enrols"
    );
}

/// Whether the tests run as root (file modes do not stop root).
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn a_database_the_server_cannot_write_is_refused_at_start() {
    let dir = temp("readonly");
    let db = dir.join("ro.db");
    drop(SqliteDatabase::open(&db).unwrap());
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    if is_root() {
        // Root writes any file: a read-only bind mount of the directory instead.
        let ro = dir.join("ro-mount");
        std::fs::create_dir_all(&ro).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["--bind", "-o", "ro"])
            .arg(&dir)
            .arg(&ro)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("root without mount: read-only check skipped");
            return;
        }
        // (Older kernels ignore `ro` on the first bind: remount.)
        let _ = std::process::Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(&ro)
            .status();
        c.database = ro.join("ro.db");
        let e = Server::spawn(c).unwrap_err();
        let _ = std::process::Command::new("umount").arg(&ro).status();
        assert!(matches!(e, ServerError::Unwritable { .. }), "{e}");
        assert!(e.to_string().contains("does not accept writes"), "{e}");
        println!("MEASURED read-only database (read-only bind mount, root): refused at start: {e}");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    c.database = db.clone();
    let e = Server::spawn(c.clone()).unwrap_err();
    assert!(matches!(e, ServerError::Unwritable { .. }), "{e}");
    assert!(e.to_string().contains("does not accept writes"), "{e}");
    // The binary says it and exits 1.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_uaf-server"))
        .args(["--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    println!("MEASURED read-only database (mode 0444): the binary exits 1: {e}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not accept writes"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Needs root (a 1 MiB tmpfs): `scripts/hostile-test.sh` runs it.
#[test]
#[ignore = "needs root to mount a tmpfs: scripts/hostile-test.sh"]
fn healthz_is_503_when_the_disk_is_full() {
    let dir = temp("full");
    let mnt = dir.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    assert!(
        std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&mnt)
            .status()
            .unwrap()
            .success()
    );
    uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = mnt.join("server.db");
    c.limits = Limits::off();
    let server = Server::spawn(c).unwrap();
    let health = |s: &ServerHandle| {
        ureq::get(&format!("{}/healthz", s.base_url()))
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(health(&server), 200);
    // Fill the disk, then write until the database refuses.
    let _ = std::fs::write(mnt.join("filler"), vec![0u8; 2 << 20]);
    let mut failed_at = None;
    for i in 0..2000 {
        let a = start(&server, Ipv4Addr::LOCALHOST, &format!("filler-user-{i}"));
        if a.status == 500 {
            failed_at = Some(i);
            break;
        }
    }
    let status = health(&server);
    drop(server);
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    println!("MEASURED disk full: sign-ins failed after {failed_at:?} starts; healthz {status}");
    assert!(failed_at.is_some(), "the disk never filled");
    assert_eq!(status, 503);
}
