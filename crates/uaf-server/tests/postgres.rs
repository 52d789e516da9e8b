//! The PostgreSQL backend against a real server (`scripts/postgres-test.sh` starts a
//! throw-away cluster and sets `UAF_TEST_POSTGRES_URL`): the store contract
//! (`tests/contract/`, the same suite as SQLite's, with every "node" a pool of its own), the
//! tables, how `store::open` picks the backend and reports errors, then two `uaf-server` nodes
//! on one database: the conformance suite with requests alternating between the nodes through
//! a round-robin proxy, and a phone sign-in started on one node, approved on the other,
//! completed on the first.
//!
//! Every test works in a schema of its own (`search_path` in the URL), dropped at the end.
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
#[macro_use]
mod contract;
// Push across nodes (LISTEN/NOTIFY).
#[path = "push_nodes/mod.rs"]
mod push_nodes;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use common::relay;
use contract::{Factory, Place, StoresOf, reg};
use serde_json::{Value, json};
use uaf_conformance::http::{CaseResult, ServerOptions, ServerSuite, Verdict, write_metadata};
use uaf_phone::{Enrollment, Phone};
use uaf_server::store::{Backend, PgDatabase, SqliteDatabase, StoreError};
use uaf_server::{Server, ServerConfig, create_invite, unix_now};

fn base_url() -> String {
    std::env::var("UAF_TEST_POSTGRES_URL")
        .expect("set UAF_TEST_POSTGRES_URL (scripts/postgres-test.sh does)")
}

/// Runs `f` with a client connected to `url` on a runtime of the test's own.
fn admin<T>(
    url: &str,
    f: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T, tokio_postgres::Error>,
) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        let out = f(&client).await.unwrap();
        drop(client);
        let _ = driver.await;
        out
    })
}

/// A schema of its own for one test: its URL sets the `search_path`; dropped on drop.
struct Schema {
    name: String,
    url: String,
}

impl Schema {
    fn new(test: &str) -> Schema {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "uaf_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst),
            test
        );
        let base = base_url();
        let q = format!("create schema {name}");
        admin(&base, async |c| c.batch_execute(&q).await);
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{name}");
        Schema { name, url }
    }

    /// The first column of the rows of `query`, as text.
    fn texts(&self, query: &str) -> Vec<String> {
        admin(&self.url, async |c| {
            let rows = c.query(query, &[]).await?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
        })
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let q = format!("drop schema if exists {} cascade", self.name);
        let base = base_url();
        // Best effort: the cluster is thrown away anyway.
        let _ = std::panic::catch_unwind(|| admin(&base, async |c| c.batch_execute(&q).await));
    }
}

/// A PostgreSQL schema per test; every open a pool of its own ("a node").
struct Postgres;

impl Factory for Postgres {
    fn place(&self, test: &str) -> Place {
        let schema = Schema::new(test);
        Place {
            location: schema.url.clone(),
            guard: Box::new(schema),
        }
    }

    fn open(&self, place: &Place) -> Result<Arc<dyn Backend>, StoreError> {
        Ok(Arc::new(PgDatabase::open(&place.location, 4)?))
    }

    fn version_rows(&self, place: &Place) -> Vec<i64> {
        admin(&place.location, async |c| {
            let rows = c.query("SELECT version FROM schema_version", &[]).await?;
            Ok(rows.iter().map(|r| r.get::<_, i64>(0)).collect())
        })
    }

    fn set_version(&self, place: &Place, version: i64) {
        admin(&place.location, async |c| {
            c.execute("UPDATE schema_version SET version = $1", &[&version])
                .await
                .map(drop)
        });
    }
}

contract_suite!(
    postgres,
    Postgres,
    #[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
);

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn migrates_an_empty_schema_into_every_table() {
    let schema = Schema::new("tables");
    let db = PgDatabase::open(&schema.url, 2).unwrap();
    assert_eq!(db.schema_version().unwrap(), PgDatabase::SCHEMA_VERSION);
    assert_eq!(
        PgDatabase::SCHEMA_VERSION,
        SqliteDatabase::SCHEMA_VERSION,
        "the same version numbers as SQLite"
    );
    assert_eq!(db.pool_size(), 2);
    let tables = schema.texts(&format!(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = '{}' ORDER BY table_name",
        schema.name
    ));
    assert_eq!(
        tables,
        [
            "activity",
            "known_browsers",
            "pending",
            "phone_deregistrations",
            "phone_devices",
            "phone_invites",
            "registrations",
            "schema_version",
            "second_steps",
            "sessions",
            "signin_attempts",
            "signin_pauses",
            "users"
        ]
    );
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    assert_eq!(
        schema.texts("SELECT COUNT(*)::text FROM registrations"),
        ["1"]
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn store_open_picks_the_backend_and_reports_errors() {
    let schema = Schema::new("open");
    let db = uaf_server::store::open(&schema.url, 2).unwrap();
    assert_eq!(db.name(), "postgres");
    assert!(db.location().starts_with("postgres://postgres@127.0.0.1:"));
    db.ping().unwrap();
    let sqlite = uaf_server::store::open(":memory:", 2).unwrap();
    assert_eq!(sqlite.name(), "sqlite");

    // A password never shows in the location or the error.
    let err = uaf_server::store::open("postgres://u:hunter2@127.0.0.1:1/db", 1).unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let err = uaf_server::store::open("postgres://u:hunter2@127.0.0.1:notaport/db", 1).unwrap_err();
    assert!(matches!(err, StoreError::Location { .. }), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Two server nodes on one database
// ---------------------------------------------------------------------------------------------

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-server-pg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn node(schema: &Schema, app_id: &str, metadata: &Path) -> uaf_server::ServerHandle {
    let mut c = ServerConfig::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.database = PathBuf::from(&schema.url);
    c.pool_size = 4;
    c.app_id = Some(String::from(app_id));
    c.metadata = Some(metadata.to_path_buf());
    c.conformance_api = true;
    c.conformance_api_token = Some(String::from(TOKEN));
    Server::spawn(c).unwrap()
}

/// The conformance API's token of the nodes.
const TOKEN: &str = "postgres-test-conformance-token";

/// The conformance API under the base URL `base` (a node or a proxy).
fn api(base: &str) -> String {
    format!("{base}/conformance/{TOKEN}")
}

/// A loopback HTTP/1.1 proxy that sends each request to the next of `backends` in turn (one
/// request per connection), counting what each got.
struct RoundRobin {
    addr: std::net::SocketAddr,
    served: Arc<Vec<AtomicUsize>>,
}

impl RoundRobin {
    fn bind() -> (TcpListener, std::net::SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    }

    fn start(listener: TcpListener, backends: Vec<std::net::SocketAddr>) -> RoundRobin {
        let addr = listener.local_addr().unwrap();
        let served: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let counts = Arc::clone(&served);
        std::thread::spawn(move || {
            let next = AtomicUsize::new(0);
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let i = next.fetch_add(1, Ordering::SeqCst) % backends.len();
                counts[i].fetch_add(1, Ordering::SeqCst);
                let backend = backends[i];
                std::thread::spawn(move || {
                    let _ = relay(conn, backend);
                });
            }
        });
        RoundRobin { addr, served }
    }

    fn counts(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }
}

fn failed(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail(_)))
        .map(CaseResult::line)
        .collect()
}

fn passed(results: &[CaseResult]) -> usize {
    results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Pass))
        .count()
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn two_nodes_pass_the_conformance_suite_with_alternating_requests() {
    let schema = Schema::new("two_nodes");
    let dir = temp("two-nodes");
    let metadata = dir.join("metadata");
    write_metadata(&metadata).unwrap();
    // The proxy's address is the public origin: both nodes issue requests for its AppID.
    let (listener, proxy_addr) = RoundRobin::bind();
    let app_id = format!("https://{proxy_addr}/facets.json");
    let a = node(&schema, &app_id, &metadata);
    let b = node(&schema, &app_id, &metadata);
    let proxy = RoundRobin::start(listener, vec![a.local_addr(), b.local_addr()]);

    let mut options = ServerOptions::default();
    options.seed = Some(7);
    let suite = ServerSuite::new(options.clone());
    let plan = suite.plan().len();
    let results = suite.run(&api(&format!("http://{}", proxy.addr))).unwrap();
    assert_eq!(results.len(), plan);
    assert_eq!(failed(&results), Vec::<String>::new());
    assert_eq!(
        passed(&results),
        plan - 2,
        "all but the two channel-binding skips"
    );
    let counts = proxy.counts();
    assert!(
        counts.iter().all(|c| *c >= 20),
        "both nodes served requests: {counts:?}"
    );

    // The full suite against each node alone too (new users and keys: another seed).
    for (i, n) in [&a, &b].into_iter().enumerate() {
        let mut o = options.clone();
        o.seed = Some(100 + u64::try_from(i).unwrap());
        o.facet = Some(format!("https://{proxy_addr}"));
        let results = ServerSuite::new(o)
            .run(&n.conformance_url().unwrap())
            .unwrap();
        assert_eq!(failed(&results), Vec::<String>::new(), "node {i}");
        assert_eq!(passed(&results), plan - 2);
    }
    // The registrations of all three runs are in the one database.
    assert!(
        schema.texts("SELECT COUNT(DISTINCT username)::text FROM registrations")[0]
            .parse::<usize>()
            .unwrap()
            >= 3
    );
    a.shutdown().unwrap();
    b.shutdown().unwrap();
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn a_challenge_from_one_node_is_answered_on_the_other_once() {
    let schema = Schema::new("by_hand");
    let dir = temp("by-hand");
    let metadata = dir.join("metadata");
    write_metadata(&metadata).unwrap();
    let (listener, proxy_addr) = RoundRobin::bind();
    drop(listener);
    let app_id = format!("https://{proxy_addr}/facets.json");
    let a = node(&schema, &app_id, &metadata);
    let b = node(&schema, &app_id, &metadata);
    // The replay cases (register, authenticate, replay each) against a "server" whose /get is
    // A and /respond is B: a proxy by path. The replayed response is refused on B too.
    let (listener, split_addr) = RoundRobin::bind();
    let (a_addr, b_addr) = (a.local_addr(), b.local_addr());
    let responds = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&responds);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let mut peek = [0u8; 256];
            let n = conn.peek(&mut peek).unwrap_or(0);
            let to_b =
                peek[..n].starts_with(format!("POST /conformance/{TOKEN}/respond").as_bytes());
            if to_b {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::spawn(move || {
                let _ = relay(conn, if to_b { b_addr } else { a_addr });
            });
        }
    });
    let mut options = ServerOptions::default();
    options.seed = Some(11);
    options.facet = Some(format!("https://{proxy_addr}"));
    options.only = Some(String::from("/replay"));
    let suite = ServerSuite::new(options);
    let plan = suite.plan().len();
    let ids: Vec<String> = suite.plan().into_iter().map(|c| c.id).collect();
    assert!(
        ids.iter().any(|i| i == "reg/replay") && ids.iter().any(|i| i == "auth/replay"),
        "{ids:?}"
    );
    let results = suite.run(&api(&format!("http://{split_addr}"))).unwrap();
    assert_eq!(failed(&results), Vec::<String>::new());
    assert_eq!(passed(&results), plan);
    assert!(responds.load(Ordering::SeqCst) >= 2);
}

/// One HTTP call: status, JSON body, the `Set-Cookie` values.
fn call(
    method: &str,
    url: &str,
    body: Option<&Value>,
    cookie: Option<&str>,
) -> (u16, Value, Vec<String>) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build(),
    );
    let mut r = if method == "GET" {
        let mut req = agent.get(url);
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.call().unwrap()
    } else {
        let mut req = agent.post(url).header("Content-Type", "application/json");
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        req.send(body.map_or_else(|| String::from("{}"), Value::to_string))
            .unwrap()
    };
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        cookies,
    )
}

fn cookie_value(set_cookies: &[String], name: &str) -> String {
    set_cookies
        .iter()
        .find_map(|c| {
            let (k, rest) = c.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or("").to_owned())
        })
        .unwrap()
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn phone_sign_in_started_on_one_node_is_approved_on_the_other() {
    let schema = Schema::new("phone");
    let dir = temp("phone");
    let metadata = dir.join("metadata");
    uaf_phone::write_metadata(&metadata).unwrap();
    let app_id = "https://login.example.test/facets.json";
    let a = node(&schema, app_id, &metadata);
    let b = node(&schema, app_id, &metadata);

    // The operator's invite, made with a connection of its own (`uaf-server invite`).
    let operator = uaf_server::store::open(&schema.url, 1).unwrap();
    let code = create_invite(&*operator, "alice", unix_now()).unwrap().code;
    // The phone enrols through node B.
    let mut enrollment = Enrollment::new(&b.base_url(), "alice", &code, "1234");
    enrollment.facet = Some(String::from("https://login.example.test"));
    let mut phone = Phone::enroll(&enrollment).unwrap();

    // The browser starts on A.
    let (status, started, set) = call(
        "POST",
        &format!("{}/api/signin/start", a.base_url()),
        Some(&json!({ "username": "alice" })),
        None,
    );
    assert_eq!(status, 200, "{started}");
    let attempt = started["attempt"].as_str().unwrap().to_owned();
    let browser = format!("uaf_signin={}", cookie_value(&set, "uaf_signin"));
    let status_url = format!("{}/api/signin/{attempt}", a.base_url());
    assert_eq!(
        call("GET", &status_url, None, Some(&browser)).1["state"],
        "pending"
    );

    // The phone (talking to B) sees it and approves it on B.
    let n = phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == attempt)
        .expect("node B shows the sign-in started on node A");
    assert_eq!(n.match_code, started["matchCode"].as_str().unwrap());
    assert_eq!(n.site, "login.example.test");
    phone.approve(&n, "1234").unwrap();

    // A sees the approval and completes the sign-in; the session works on both nodes.
    assert_eq!(
        call("GET", &status_url, None, Some(&browser)).1["state"],
        "approved"
    );
    let (status, done, set) = call(
        "POST",
        &format!("{}/api/signin/{attempt}/complete", a.base_url()),
        None,
        Some(&browser),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["username"], "alice");
    let session = format!("uaf_session={}", cookie_value(&set, "uaf_session"));
    for n in [&a, &b] {
        let (status, me, _) = call(
            "GET",
            &format!("{}/api/me", n.base_url()),
            None,
            Some(&session),
        );
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["username"], "alice");
    }
    // Collected once: a second completion on B is refused.
    let (status, _, _) = call(
        "POST",
        &format!("{}/api/signin/{attempt}/complete", b.base_url()),
        None,
        Some(&browser),
    );
    assert_eq!(status, 409);
    // The invite was used up, whichever node is asked.
    let mut again = Enrollment::new(&a.base_url(), "alice", &code, "1234");
    again.facet = Some(String::from("https://login.example.test"));
    assert!(Phone::enroll(&again).is_err());
    // Signing out on B ends the session on A.
    let (status, _, _) = call(
        "POST",
        &format!("{}/api/signout", b.base_url()),
        None,
        Some(&session),
    );
    assert_eq!(status, 200);
    let (status, _, _) = call(
        "GET",
        &format!("{}/api/me", a.base_url()),
        None,
        Some(&session),
    );
    assert_eq!(status, 401);
    // The health check answers on both.
    for n in [&a, &b] {
        let (status, health, _) = call("GET", &format!("{}/healthz", n.base_url()), None, None);
        assert_eq!((status, health), (200, json!({"status": "ok"})));
    }
}

/// The same approval sent at the same moment (threads released by one barrier) through a
/// round-robin proxy, so its copies reach both nodes: every round the attempt ends approved and
/// the browser signs in (a copy that finds the challenge taken never fails the attempt).
#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn a_duplicate_approval_on_two_nodes_never_spoils_the_sign_in() {
    let schema = Schema::new("duplicate");
    let dir = temp("duplicate");
    let metadata = dir.join("metadata");
    uaf_phone::write_metadata(&metadata).unwrap();
    let app_id = "https://login.example.test/facets.json";
    let open_node = || {
        let mut c = ServerConfig::default();
        c.listen = "127.0.0.1:0".parse().unwrap();
        c.database = PathBuf::from(&schema.url);
        c.pool_size = 4;
        c.app_id = Some(String::from(app_id));
        c.metadata = Some(metadata.clone());
        c.limits = uaf_server::Limits::off();
        Server::spawn(c).unwrap()
    };
    let (a, b) = (open_node(), open_node());
    let (listener, _) = RoundRobin::bind();
    let proxy = RoundRobin::start(listener, vec![a.local_addr(), b.local_addr()]);
    let operator = uaf_server::store::open(&schema.url, 1).unwrap();
    let code = create_invite(&*operator, "alice", unix_now()).unwrap().code;
    let mut e = Enrollment::new(&format!("http://{}", proxy.addr), "alice", &code, "1234");
    e.facet = Some(String::from("https://login.example.test"));
    let mut phone = Phone::enroll(&e).unwrap();
    for round in 0..20 {
        let (status, started, set) = call(
            "POST",
            &format!("{}/api/signin/start", a.base_url()),
            Some(&json!({ "username": "alice" })),
            None,
        );
        assert_eq!(status, 200, "{started}");
        let attempt = started["attempt"].as_str().unwrap().to_owned();
        let browser = format!("uaf_signin={}", cookie_value(&set, "uaf_signin"));
        let n = phone
            .pending()
            .unwrap()
            .into_iter()
            .find(|n| n.attempt == attempt)
            .expect("the phone sees the sign-in");
        let response = phone.sign(&n, "1234").unwrap();
        let barrier = std::sync::Barrier::new(4);
        let outcomes: Vec<Result<(), uaf_phone::PhoneError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (barrier, phone, attempt, response) =
                        (&barrier, &phone, &attempt, &response);
                    s.spawn(move || {
                        barrier.wait();
                        phone.send_response(attempt, response)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(
            outcomes.iter().all(|o| matches!(
                o,
                Ok(()) | Err(uaf_phone::PhoneError::Refused { status: 409, .. })
            )),
            "round {round}: {outcomes:?}"
        );
        assert!(outcomes.iter().any(Result::is_ok), "round {round}");
        let (_, state, _) = call(
            "GET",
            &format!("{}/api/signin/{attempt}", b.base_url()),
            None,
            Some(&browser),
        );
        assert_eq!(state["state"], "approved", "round {round}: {outcomes:?}");
        let (status, done, _) = call(
            "POST",
            &format!("{}/api/signin/{attempt}/complete", a.base_url()),
            None,
            Some(&browser),
        );
        assert_eq!(status, 200, "round {round}: {done}");
    }
}
