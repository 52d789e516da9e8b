//! The loopback harness shared by the integration tests (`mod common;` in each): a temporary
//! folder per test, servers on free loopback ports over one SQLite file ([`Env`], built by
//! [`EnvBuilder`]), plain HTTP calls ([`call`], [`Answer`]), a browser's side of a phone
//! sign-in ([`Browser`]), the phone's notification and refusals.
//!
//! Every test binary uses a part of it (hence `dead_code` allowed here); uaf-phone's
//! `tests/shared_state.rs` includes it by path, its dev-dependencies being the same.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use uaf_phone::{Enrollment, Notification, Phone, PhoneError};
use uaf_server::{
    Limits, Server, ServerConfig, ServerHandle, SqliteDatabase, create_invite, unix_now,
};

/// The PIN of the phones the tests enrol.
pub(crate) const PIN: &str = "1234";

/// An empty folder for the test `name`, below the target's temporary folder (one per test
/// binary and process).
pub(crate) fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "uaf-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A server's address for HTTP calls: an [`Env`], or a test's own server.
pub(crate) trait BaseUrl {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    fn base_url(&self) -> String;
}

/// A change to a node's configuration.
type Tune = Box<dyn Fn(&mut ServerConfig)>;

/// How an [`Env`] is made: one node, the phone model's metadata, a clock the test moves,
/// the server's default limits.
pub(crate) struct EnvBuilder {
    name: String,
    nodes: usize,
    metadata: Option<String>,
    clock: Option<u64>,
    system_clock: bool,
    facet: Option<String>,
    ttl: Option<u64>,
    limits_off: bool,
    tune: Vec<Tune>,
}

impl EnvBuilder {
    /// `nodes` servers over the one SQLite file; with more than one, the phones talk to them
    /// in turn through a round-robin relay.
    pub(crate) fn nodes(mut self, nodes: usize) -> Self {
        self.nodes = nodes;
        self
    }

    /// The metadata statement (JSON) of the model the server trusts, instead of the phone's.
    pub(crate) fn metadata(mut self, statement: String) -> Self {
        self.metadata = Some(statement);
        self
    }

    /// The test clock starts at `secs` (default: now).
    pub(crate) fn clock_start(mut self, secs: u64) -> Self {
        self.clock = Some(secs);
        self
    }

    /// The system clock: time passes by itself, [`Env::advance`] is not available.
    pub(crate) fn system_clock(mut self) -> Self {
        self.system_clock = true;
        self
    }

    /// The facet the phones enrol with (default: none, the server's own origin).
    pub(crate) fn facet(mut self, facet: &str) -> Self {
        self.facet = Some(String::from(facet));
        self
    }

    /// The challenges' lifetime (`--challenge-ttl`).
    pub(crate) fn ttl(mut self, secs: u64) -> Self {
        self.ttl = Some(secs);
        self
    }

    /// No rate limits.
    pub(crate) fn limits_off(mut self) -> Self {
        self.limits_off = true;
        self
    }

    /// Any other change to every node's configuration, applied last (in order).
    pub(crate) fn config(mut self, tune: impl Fn(&mut ServerConfig) + 'static) -> Self {
        self.tune.push(Box::new(tune));
        self
    }

    /// Starts the nodes and opens the operator's connection to the database.
    pub(crate) fn build(self) -> Env {
        let dir = temp(&self.name);
        match &self.metadata {
            None => {
                uaf_phone::write_metadata(&dir.join("metadata")).unwrap();
            }
            Some(statement) => {
                std::fs::create_dir_all(dir.join("metadata")).unwrap();
                std::fs::write(dir.join("metadata/raw.json"), statement).unwrap();
            }
        }
        let clock = (!self.system_clock)
            .then(|| Arc::new(AtomicU64::new(self.clock.unwrap_or_else(unix_now))));
        let nodes = (0..self.nodes)
            .map(|_| {
                let mut c = ServerConfig::default();
                c.listen = "127.0.0.1:0".parse().unwrap();
                c.database = dir.join("server.db");
                c.metadata = Some(dir.join("metadata"));
                if let Some(ttl) = self.ttl {
                    c.challenge_ttl_secs = ttl;
                }
                if self.limits_off {
                    c.limits = Limits::off();
                }
                if let Some(clock) = &clock {
                    let ticks = Arc::clone(clock);
                    c.clock = Arc::new(move || ticks.load(Ordering::SeqCst));
                }
                for tune in &self.tune {
                    tune(&mut c);
                }
                Server::spawn(c).unwrap()
            })
            .collect::<Vec<_>>();
        let phone_url = if nodes.len() == 1 {
            nodes[0].base_url()
        } else {
            round_robin(nodes.iter().map(ServerHandle::local_addr).collect())
        };
        // A second connection to the same file: what `uaf-server invite` does.
        let db = SqliteDatabase::open(dir.join("server.db")).unwrap();
        Env {
            nodes,
            phone_url,
            db,
            clock,
            facet: self.facet,
            dir,
        }
    }
}

/// Servers (nodes) on free loopback ports over one SQLite file in the test's folder, the
/// trusted model's metadata, and (unless [`EnvBuilder::system_clock`]) one clock the test
/// moves.
pub(crate) struct Env {
    pub(crate) nodes: Vec<ServerHandle>,
    /// Where phones talk: the node, or a round-robin relay over the nodes.
    phone_url: String,
    /// The operator's connection to the database.
    pub(crate) db: SqliteDatabase,
    clock: Option<Arc<AtomicU64>>,
    facet: Option<String>,
    /// The test's folder.
    pub(crate) dir: PathBuf,
}

impl BaseUrl for Env {
    fn base_url(&self) -> String {
        self.url()
    }
}

impl Env {
    /// One node with the defaults of [`EnvBuilder`].
    pub(crate) fn new(name: &str) -> Env {
        Env::builder(name).build()
    }

    pub(crate) fn builder(name: &str) -> EnvBuilder {
        EnvBuilder {
            name: String::from(name),
            nodes: 1,
            metadata: None,
            clock: None,
            system_clock: false,
            facet: None,
            ttl: None,
            limits_off: false,
            tune: Vec::new(),
        }
    }

    /// The first node.
    pub(crate) fn server(&self) -> &ServerHandle {
        &self.nodes[0]
    }

    /// The first node's base URL.
    pub(crate) fn url(&self) -> String {
        self.server().base_url()
    }

    /// The first node's URL of `path` (no leading slash).
    pub(crate) fn at(&self, path: &str) -> String {
        format!("{}/{path}", self.url())
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock
            .as_ref()
            .map_or_else(unix_now, |c| c.load(Ordering::SeqCst))
    }

    pub(crate) fn advance(&self, secs: u64) {
        self.clock
            .as_ref()
            .expect("the test clock")
            .fetch_add(secs, Ordering::SeqCst);
    }

    /// A one-time enrolment code for `user` (what `uaf-server invite` makes).
    pub(crate) fn invite(&self, user: &str) -> String {
        create_invite(&self.db, user, self.now()).unwrap().code
    }

    /// A phone of `user`, enrolled with an invite (through the relay with several nodes).
    pub(crate) fn enroll(&self, user: &str) -> Phone {
        let code = self.invite(user);
        let mut e = Enrollment::new(&self.phone_url, user, &code, PIN);
        e.facet.clone_from(&self.facet);
        Phone::enroll(&e).unwrap()
    }
}

/// A loopback HTTP/1.1 relay that sends each request to the next of `backends` in turn (one
/// request per connection): one phone talking to every node. Returns its base URL.
fn round_robin(backends: Vec<SocketAddr>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let next = AtomicUsize::new(0);
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let backend = backends[next.fetch_add(1, Ordering::SeqCst) % backends.len()];
            std::thread::spawn(move || {
                let _ = relay(conn, backend);
            });
        }
    });
    format!("http://{addr}")
}

/// Reads one request from `client`, sends it to `backend` with `Connection: close`, and copies
/// the whole answer back.
pub(crate) fn relay(client: TcpStream, backend: SocketAddr) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("connection:") || lower.starts_with("keep-alive:") {
            continue;
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut upstream = TcpStream::connect(backend)?;
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(b"Connection: close\r\n\r\n")?;
    upstream.write_all(&body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    let mut client = client;
    client.write_all(&answer)?;
    client.flush()?;
    client.shutdown(std::net::Shutdown::Both)
}

/// One HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub(crate) body: Value,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) retry_after: Option<String>,
}

impl Answer {
    /// The value of cookie `name` set by this answer.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|c| {
            let (k, rest) = c.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or("").to_owned())
        })
    }

    /// `name=value` of cookie `name` set by this answer: a `Cookie` header.
    pub(crate) fn cookie_pair(&self, name: &str) -> Option<String> {
        self.cookie(name).map(|v| format!("{name}={v}"))
    }

    /// The whole `Set-Cookie` line of cookie `name` (empty if not set).
    pub(crate) fn cookie_line(&self, name: &str) -> String {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .cloned()
            .unwrap_or_default()
    }
}

/// An agent that returns every status as an answer, within 30 seconds.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    )
}

/// `GET url`, or a `POST url` of `body` (`{}` without one; JSON unless `headers` name a
/// `Content-Type`).
pub(crate) fn call(
    method: &str,
    url: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let a = agent();
    let mut r = if method == "GET" {
        let mut req = a.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.call().unwrap()
    } else {
        let mut req = a.post(url);
        let mut typed = false;
        for (k, v) in headers {
            typed |= k.eq_ignore_ascii_case("content-type");
            req = req.header(*k, *v);
        }
        if !typed {
            req = req.header("Content-Type", "application/json");
        }
        req.send(body.map_or_else(|| String::from("{}"), Value::to_string))
            .unwrap()
    };
    let set_cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        set_cookies,
        retry_after,
    }
}

/// A browser that started a sign-in: the server, the attempt, its number and the browser's
/// secret cookie (`uaf_signin=…`).
pub(crate) struct Browser {
    pub(crate) url: String,
    pub(crate) attempt: String,
    pub(crate) match_code: String,
    pub(crate) cookie: String,
}

impl Browser {
    pub(crate) fn start(site: &impl BaseUrl, user: &str) -> Browser {
        Browser::start_with(site, user, &[])
    }

    /// [`Browser::start`] from a browser that says it is `user_agent`.
    pub(crate) fn start_as(site: &impl BaseUrl, user: &str, user_agent: &str) -> Browser {
        Browser::start_with(site, user, &[("User-Agent", user_agent)])
    }

    fn start_with(site: &impl BaseUrl, user: &str, headers: &[(&str, &str)]) -> Browser {
        let url = site.base_url();
        let a = call(
            "POST",
            &format!("{url}/api/signin/start"),
            Some(&json!({ "username": user })),
            headers,
        );
        assert_eq!(a.status, 200, "{a:?}");
        Browser {
            attempt: a.body["attempt"].as_str().unwrap().to_owned(),
            match_code: a.body["matchCode"].as_str().unwrap().to_owned(),
            cookie: a.cookie_pair("uaf_signin").unwrap(),
            url,
        }
    }

    /// The attempt's status as the page polls it.
    pub(crate) fn status(&self) -> Answer {
        call(
            "GET",
            &format!("{}/api/signin/{}", self.url, self.attempt),
            None,
            &[("Cookie", &self.cookie)],
        )
    }

    /// The attempt's state (the poll must answer 200).
    pub(crate) fn state(&self) -> String {
        let a = self.status();
        assert_eq!(a.status, 200, "{a:?}");
        a.body["state"].as_str().unwrap().to_owned()
    }

    /// Collects the session with `cookie` as the browser's (or none).
    pub(crate) fn complete_with(&self, cookie: Option<&str>) -> Answer {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        call(
            "POST",
            &format!("{}/api/signin/{}/complete", self.url, self.attempt),
            None,
            &headers,
        )
    }

    pub(crate) fn complete(&self) -> Answer {
        self.complete_with(Some(&self.cookie))
    }

    pub(crate) fn cancel(&self) -> Answer {
        call(
            "POST",
            &format!("{}/api/signin/{}/cancel", self.url, self.attempt),
            None,
            &[("Cookie", &self.cookie)],
        )
    }
}

/// The phone's notification for `b`.
pub(crate) fn notification(phone: &Phone, b: &Browser) -> Notification {
    phone
        .pending()
        .unwrap()
        .into_iter()
        .find(|n| n.attempt == b.attempt)
        .expect("the phone sees the sign-in")
}

/// The status of a refusal by the server (panics on anything else).
pub(crate) fn refused<T: core::fmt::Debug>(r: Result<T, PhoneError>) -> u16 {
    refusal(r).0
}

/// The status and message of a refusal by the server (panics on anything else).
pub(crate) fn refusal<T: core::fmt::Debug>(r: Result<T, PhoneError>) -> (u16, String) {
    match r {
        Err(PhoneError::Refused { status, message }) => (status, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
