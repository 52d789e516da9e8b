//! Abuse limits: token buckets (the `governor` crate's GCRA) on the endpoints an anonymous
//! client can call to bother a user or guess a secret, and the client address they are keyed
//! by.
//!
//! | rule | key | default | on |
//! |---|---|---|---|
//! | [`Limits::signin_per_address`] | client address (IPv6: its /64) | 20 per 60 s | `POST api/signin/start` |
//! | [`Limits::signin_per_user`] | user name **and** client address | 5 per 60 s | `POST api/signin/start` |
//! | [`Limits::pending_per_user`] | user name (in the database) | 3 | a new attempt supersedes the oldest pending one |
//! | [`Limits::enroll_per_address`] | client address | 20 per 600 s | `POST phone/enroll/start`, `…/finish` |
//! | [`Limits::enroll_per_account`] | user name | 10 per 600 s | `POST phone/enroll/start`, `…/finish` |
//! | [`Limits::password_per_address`] | client address | 20 per 600 s | `POST api/password/signin`, `…/{id}/code`, `api/account/create` |
//! | [`Limits::password_per_account`] | user name | 10 per 600 s | `POST api/password/signin`, `…/{id}/code`, `api/account/create` |
//! | [`Limits::streams_per_device`] | device (its key) | 2 open | `GET phone/events`, long polls of `phone/notifications` |
//! | [`Limits::streams_per_account`] | user name | 8 open | the same |
//! | [`Limits::streams_per_address`] | client address | 64 open | the same and `GET api/signin/{id}/events` |
//! | [`STREAMS_PER_ATTEMPT`] | attempt | 2 open | `GET api/signin/{id}/events` |
//!
//! Streams are also bounded in time: a stream ends after [`Limits::stream_max_secs`] (the
//! client reconnects and resumes), a long poll after at most [`Limits::long_poll_max_secs`];
//! a stream sends a heartbeat comment every [`Limits::stream_heartbeat_secs`] (a dead peer
//! is found by the failed write) and re-checks the store every
//! [`Limits::stream_recheck_secs`]. A stream over a cap is answered 429 with `Retry-After`.
//!
//! A refused request is answered HTTP 429 with `Retry-After` (seconds) and logged (at
//! `warn`, on the 1st, 2nd, 4th, 8th… refusal of each rule, so a flood cannot flood the log).
//!
//! **Why the per-user bucket is keyed by user *and* address.** A bucket per user alone is the
//! lock-out it is meant to prevent: whoever knows the name drains it, and the real user's own
//! sign-in is refused. Keyed by (user, address), every address gets a few starts for a user,
//! the per-address bucket bounds what one address does to all users, and the pending cap (3
//! per user, kept in the database, so shared by every node) bounds what the phone is shown:
//! a new attempt supersedes the oldest pending one, and the phone lists the newest first. The
//! real user's own start — from an address that has not been pushing — is therefore always
//! accepted and always at the top of the phone's list when it is made.
//!
//! **Several nodes.** The buckets live in each node's memory: N nodes behind a balancer let an
//! address N times the rate. That is deliberate: the buckets are there to make floods cheap to
//! refuse, and a shared bucket would put a database write in front of every refusal (the
//! flood then costs the database what it was to be spared). What must hold across nodes — at
//! most [`Limits::pending_per_user`] attempts shown to a phone — is enforced by the database,
//! in the same transaction that stores the attempt.
//!
//! **The client address** is the TCP peer's (axum's `ConnectInfo`). `X-Forwarded-For` is read
//! only when the peer is one of [`Limits::trusted_proxies`] (never by default): then the
//! rightmost address in it that is not itself a trusted proxy is the client.

use core::fmt;
use core::net::{IpAddr, Ipv6Addr, SocketAddr};
use core::num::NonZeroU32;
use core::str::FromStr;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::hash::Hash;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

/// A token bucket: at most `count` requests at once, refilled at `count` per `per` (one
/// every `per / count`). A `count` of 0 turns the rule off. Written `COUNT/SECONDS` (e.g.
/// `5/60`) or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rate {
    /// The burst, and the number refilled per `per`.
    pub count: u32,
    /// The refill period of `count` tokens.
    pub per: Duration,
}

impl Rate {
    /// `count` per `per` (see the type).
    #[must_use]
    pub const fn new(count: u32, per: Duration) -> Rate {
        Rate { count, per }
    }

    /// The rule turned off.
    pub const OFF: Rate = Rate::new(0, Duration::from_secs(1));

    /// Whether the rule is on (a count above 0 and a period above 0).
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.count > 0 && !self.per.is_zero()
    }

    /// The governor quota of this rate (`None` when off).
    fn quota(&self) -> Option<Quota> {
        let burst = NonZeroU32::new(self.count)?;
        let each = self.per.checked_div(self.count)?;
        Some(Quota::with_period(each)?.allow_burst(burst))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_on() {
            write!(f, "{}/{}", self.count, self.per.as_secs())
        } else {
            f.write_str("off")
        }
    }
}

/// Why a [`Rate`] text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateError {
    /// Not `COUNT/SECONDS` or `off`.
    Form,
    /// The seconds are 0 (with a count above 0).
    ZeroPeriod,
}

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RateError::Form => "a rate is COUNT/SECONDS (e.g. 5/60) or off",
            RateError::ZeroPeriod => "a rate's SECONDS must be at least 1",
        })
    }
}

impl core::error::Error for RateError {}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(s: &str) -> Result<Rate, RateError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(Rate::OFF);
        }
        let (count, secs) = s.split_once('/').ok_or(RateError::Form)?;
        let count: u32 = count.trim().parse().map_err(|_| RateError::Form)?;
        let secs = secs.trim();
        let secs: u64 = secs
            .strip_suffix('s')
            .unwrap_or(secs)
            .parse()
            .map_err(|_| RateError::Form)?;
        if secs == 0 && count > 0 {
            return Err(RateError::ZeroPeriod);
        }
        Ok(Rate::new(count, Duration::from_secs(secs.max(1))))
    }
}

/// The abuse limits of a server ([`crate::ServerConfig::limits`]); see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Sign-in starts per client address, for all users (default 20 per 60 s).
    pub signin_per_address: Rate,
    /// Sign-in starts per user name and client address (default 5 per 60 s).
    pub signin_per_user: Rate,
    /// The most pending sign-ins a user's phone is shown (default 3; at least 1): a new one
    /// supersedes the oldest (which then fails).
    pub pending_per_user: u32,
    /// Enrolment calls (invite code checks) per client address (default 20 per 600 s).
    pub enroll_per_address: Rate,
    /// Enrolment calls (invite code checks) per user name (default 10 per 600 s).
    pub enroll_per_account: Rate,
    /// Password sign-ins (and verification codes typed) per client address, for all
    /// accounts (default 20 per 600 s).
    pub password_per_address: Rate,
    /// Password sign-ins (and verification codes typed) per account, from every address
    /// (default 10 per 600 s): guessing one account's password (or code) is slow wherever
    /// it comes from.
    pub password_per_account: Rate,
    /// Peers whose `X-Forwarded-For` is believed (default none: never read).
    pub trusted_proxies: Vec<IpAddr>,
    /// Push streams and long polls open at once per phone (default 2: the stream and one
    /// reconnection overlapping it); beyond: 429.
    pub streams_per_device: u32,
    /// Push streams and long polls open at once per account, all its phones (default 8).
    pub streams_per_account: u32,
    /// Streams (the phone's and the page's) and long polls open at once per client address
    /// (IPv6: per /64; default 64).
    pub streams_per_address: u32,
    /// The longest a stream stays open, in seconds (default 300); then it ends and the client
    /// reconnects (resuming with `Last-Event-ID`).
    pub stream_max_secs: u64,
    /// Seconds between heartbeat comments of an idle stream (default 15).
    pub stream_heartbeat_secs: u64,
    /// Seconds between two re-reads of the store by an idle stream (default 30): the bound on
    /// how late a change nobody published (another process on the same SQLite file, a node
    /// that died before telling the others) reaches a stream.
    pub stream_recheck_secs: u64,
    /// The longest `phone/notifications?wait=` waits, in seconds (default 25).
    pub long_poll_max_secs: u64,
    /// Seconds between two runs of the expiry sweep (default 10; 0: no sweep), which
    /// records each sign-in attempt that expired unanswered in its account's recent
    /// activity ([`crate::store::AttemptStore::record_expired`]; every node sweeps, each
    /// attempt is recorded once). Run it at least every hour: attempts expired for an hour
    /// are purged, recorded or not.
    pub expiry_sweep_secs: u64,
    /// Password hashes (argon2id: a password sign-in, an account made with a password)
    /// computed at once, server-wide (default: the CPUs available). Each holds the argon2
    /// memory (19 MiB by default) while it runs: this is what bounds that memory under a flood
    /// of password sign-ins from many addresses. More wait, at most
    /// [`PASSWORD_HASH_WAIT`], then get 503 with `Retry-After`.
    pub password_hashes_at_once: u32,
}

/// The longest a password sign-in waits for one of [`Limits::password_hashes_at_once`].
pub const PASSWORD_HASH_WAIT: Duration = Duration::from_secs(10);

/// The CPUs this process may run on (at least 1): the default of
/// [`Limits::password_hashes_at_once`].
fn cpus() -> u32 {
    std::thread::available_parallelism()
        .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .max(1)
}

/// The most page streams (`GET api/signin/{id}/events`) open at once for one attempt.
pub const STREAMS_PER_ATTEMPT: u32 = 2;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            signin_per_address: Rate::new(20, Duration::from_secs(60)),
            signin_per_user: Rate::new(5, Duration::from_secs(60)),
            pending_per_user: 3,
            enroll_per_address: Rate::new(20, Duration::from_secs(600)),
            enroll_per_account: Rate::new(10, Duration::from_secs(600)),
            password_per_address: Rate::new(20, Duration::from_secs(600)),
            password_per_account: Rate::new(10, Duration::from_secs(600)),
            trusted_proxies: Vec::new(),
            streams_per_device: 2,
            streams_per_account: 8,
            streams_per_address: 64,
            stream_max_secs: 300,
            stream_heartbeat_secs: 15,
            stream_recheck_secs: 30,
            long_poll_max_secs: 25,
            expiry_sweep_secs: 10,
            password_hashes_at_once: cpus(),
        }
    }
}

impl Limits {
    /// Every rate rule off (the pending cap stays at its default): for load tests and
    /// benchmarks, never for a server on a network.
    #[must_use]
    pub fn off() -> Limits {
        Limits {
            signin_per_address: Rate::OFF,
            signin_per_user: Rate::OFF,
            enroll_per_address: Rate::OFF,
            enroll_per_account: Rate::OFF,
            password_per_address: Rate::OFF,
            password_per_account: Rate::OFF,
            ..Limits::default()
        }
    }
}

/// A refusal by a rule: its name and when to come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limited {
    /// The rule (`signin-per-address`, …).
    pub(crate) rule: &'static str,
    /// Whole seconds until a request can pass (at least 1).
    pub(crate) retry_after: u64,
}

type Keyed<K, C> = RateLimiter<K, HashMapStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// How many checks pass between two sweeps of the buckets that are full again.
const SWEEP_EVERY: u64 = 4096;

/// One rule: a keyed token bucket (or none, when off), with its refusal count.
pub(crate) struct Bucket<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    rule: &'static str,
    limiter: Option<Keyed<K, C>>,
    clock: C,
    checks: AtomicU64,
    refused: AtomicU64,
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> Bucket<K, C> {
    pub(crate) fn new(rule: &'static str, rate: Rate, clock: C) -> Self {
        let limiter = rate
            .quota()
            .map(|q| RateLimiter::hashmap_with_clock(q, clock.clone()));
        Bucket {
            rule,
            limiter,
            clock,
            checks: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// Takes a token for `key`, or says when one will be there.
    pub(crate) fn check(&self, key: &K) -> Result<(), Limited> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // The keys of idle clients are dropped now and then: memory follows the clients seen
        // within one refill period, not all clients ever seen.
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let retry_after = wait
                .as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0))
                .max(1);
            let n = self
                .refused
                .fetch_add(1, Ordering::Relaxed)
                .saturating_add(1);
            if n.is_power_of_two() {
                tracing::warn!(
                    rule = self.rule,
                    refused = n,
                    retry_after,
                    "rate limit hit (logged at 1, 2, 4, 8… refusals)"
                );
            }
            Limited {
                rule: self.rule,
                retry_after,
            }
        })
    }

    /// How many requests this rule refused.
    #[cfg(test)]
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The key of a client address: IPv4 as is, IPv6 by its /64 (one host usually holds a whole
/// /64), an IPv4-mapped IPv6 address as its IPv4.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(Ipv6Addr::from(bits))
            }
        },
    }
}

/// The TCP peer of a request, when the server was started with `ConnectInfo` (the standalone
/// server is; an app of your own must serve with
/// `into_make_service_with_connect_info::<SocketAddr>()` for the per-address rules to apply).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub(crate) Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = core::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// What an open stream is counted against ([`StreamSlots`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SlotKey {
    /// A phone: its account and key.
    Device(String, Vec<u8>),
    /// An account.
    Account(String),
    /// A client address (its [`address_key`]).
    Address(IpAddr),
    /// A sign-in attempt (page streams).
    Attempt(String),
}

impl SlotKey {
    fn rule(&self) -> &'static str {
        match self {
            SlotKey::Device(..) => "streams-per-device",
            SlotKey::Account(_) => "streams-per-account",
            SlotKey::Address(_) => "streams-per-address",
            SlotKey::Attempt(_) => "streams-per-attempt",
        }
    }
}

/// The open streams, counted per key; a [`StreamPermit`] holds one slot of each of its keys.
#[derive(Default)]
pub(crate) struct StreamSlots {
    open: std::sync::Mutex<std::collections::HashMap<SlotKey, u32>>,
}

/// One open stream's slots, given back on drop.
pub(crate) struct StreamPermit {
    slots: std::sync::Arc<StreamSlots>,
    keys: Vec<SlotKey>,
}

impl StreamSlots {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<SlotKey, u32>> {
        match self.open.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A slot of every key of `wants` (each with its cap), or the first rule at its cap (then
    /// nothing is taken).
    pub(crate) fn acquire(
        self: &std::sync::Arc<Self>,
        wants: Vec<(SlotKey, u32)>,
    ) -> Result<StreamPermit, Limited> {
        let mut open = self.lock();
        if let Some((key, cap)) = wants
            .iter()
            .find(|(key, cap)| open.get(key).copied().unwrap_or(0) >= *cap)
        {
            tracing::warn!(rule = key.rule(), cap, "stream refused: too many open");
            return Err(Limited {
                rule: key.rule(),
                retry_after: STREAM_RETRY_AFTER,
            });
        }
        for (key, _) in &wants {
            let n = open.entry(key.clone()).or_insert(0);
            *n = n.saturating_add(1);
        }
        Ok(StreamPermit {
            slots: std::sync::Arc::clone(self),
            keys: wants.into_iter().map(|(k, _)| k).collect(),
        })
    }

    /// How many streams hold `key` (tests).
    #[cfg(test)]
    pub(crate) fn count(&self, key: &SlotKey) -> u32 {
        self.lock().get(key).copied().unwrap_or(0)
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self.slots.lock();
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

/// The `Retry-After` of a stream refused at a cap, in seconds.
const STREAM_RETRY_AFTER: u64 = 5;

/// Every rule of a server, in force.
pub(crate) struct Guard<C: Clock = DefaultClock> {
    config: Limits,
    /// The open streams.
    pub(crate) streams: std::sync::Arc<StreamSlots>,
    signin_address: Bucket<IpAddr, C>,
    signin_user: Bucket<(String, IpAddr), C>,
    enroll_address: Bucket<IpAddr, C>,
    enroll_account: Bucket<String, C>,
    password_address: Bucket<IpAddr, C>,
    password_account: Bucket<String, C>,
    /// One permit per password hash computed at once.
    password_hashes: std::sync::Arc<tokio::sync::Semaphore>,
    warned_no_peer: AtomicBool,
}

impl Guard<DefaultClock> {
    /// The rules of `config` on the monotonic clock.
    pub(crate) fn new(config: Limits) -> Self {
        Guard::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Guard<C> {
    pub(crate) fn with_clock(config: Limits, clock: C) -> Self {
        Guard {
            signin_address: Bucket::new(
                "signin-per-address",
                config.signin_per_address,
                clock.clone(),
            ),
            signin_user: Bucket::new("signin-per-user", config.signin_per_user, clock.clone()),
            enroll_address: Bucket::new(
                "enroll-per-address",
                config.enroll_per_address,
                clock.clone(),
            ),
            enroll_account: Bucket::new(
                "enroll-per-account",
                config.enroll_per_account,
                clock.clone(),
            ),
            password_address: Bucket::new(
                "password-per-address",
                config.password_per_address,
                clock.clone(),
            ),
            password_account: Bucket::new(
                "password-per-account",
                config.password_per_account,
                clock,
            ),
            streams: std::sync::Arc::default(),
            password_hashes: std::sync::Arc::new(tokio::sync::Semaphore::new(
                usize::try_from(config.password_hashes_at_once.max(1)).unwrap_or(1),
            )),
            config,
            warned_no_peer: AtomicBool::new(false),
        }
    }

    /// The limits in force.
    pub(crate) fn config(&self) -> &Limits {
        &self.config
    }

    /// The client address of a request from `peer` with `headers` (see the module docs), or
    /// `None` when the server does not know its peers.
    pub(crate) fn client(&self, peer: Peer, headers: &HeaderMap) -> Option<IpAddr> {
        let Some(peer) = peer.0 else {
            if !self.warned_no_peer.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "the peer address is unknown (serve with \
                     into_make_service_with_connect_info::<SocketAddr>()): the per-address \
                     rate limits cannot apply"
                );
            }
            return None;
        };
        let peer = peer.ip();
        let trusted = |ip: &IpAddr| self.config.trusted_proxies.contains(ip);
        if !trusted(&peer) {
            return Some(peer);
        }
        // A trusted proxy: the rightmost forwarded address that is not a trusted proxy (the
        // ones left of it were written by the client and prove nothing).
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if trusted(&ip) => client = ip,
                Ok(ip) => return Some(ip),
                Err(_) => break,
            }
        }
        Some(client)
    }

    /// A sign-in start for `username` from `client`.
    pub(crate) fn signin(&self, client: Option<IpAddr>, username: &str) -> Result<(), Limited> {
        let key = client.map_or(IpAddr::from([0, 0, 0, 0]), address_key);
        if client.is_some() {
            self.signin_address.check(&key)?;
        }
        self.signin_user.check(&(String::from(username), key))
    }

    /// One of the [`Limits::password_hashes_at_once`] slots, waiting at most `wait` (first
    /// come, first served); held while the hash runs. `Err` when none came free in time.
    pub(crate) async fn password_hash_slot(
        &self,
        wait: Duration,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, Limited> {
        let slots = std::sync::Arc::clone(&self.password_hashes);
        match tokio::time::timeout(wait, slots.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out (or closed, which this semaphore never is).
            _ => {
                tracing::warn!(
                    at_once = self.config.password_hashes_at_once,
                    "password check refused: every password-hash slot busy"
                );
                Err(Limited {
                    rule: "password-hashes-at-once",
                    retry_after: 1,
                })
            }
        }
    }

    /// A password sign-in (or a verification code typed) for `username` from `client`: the
    /// address bucket first, so that one address spraying many accounts is stopped before it
    /// drains their buckets.
    pub(crate) fn password(&self, client: Option<IpAddr>, username: &str) -> Result<(), Limited> {
        if let Some(ip) = client {
            self.password_address.check(&address_key(ip))?;
        }
        self.password_account.check(&String::from(username))
    }

    /// The slots of a phone's stream or long poll (device, account, address).
    pub(crate) fn phone_stream(
        &self,
        client: Option<IpAddr>,
        username: &str,
        key_id: &[u8],
    ) -> Result<StreamPermit, Limited> {
        let c = &self.config;
        let mut wants = vec![
            (
                SlotKey::Device(String::from(username), key_id.to_vec()),
                c.streams_per_device.max(1),
            ),
            (
                SlotKey::Account(String::from(username)),
                c.streams_per_account.max(1),
            ),
        ];
        if let Some(ip) = client {
            wants.push((
                SlotKey::Address(address_key(ip)),
                c.streams_per_address.max(1),
            ));
        }
        self.streams.acquire(wants)
    }

    /// The slots of a page's stream (attempt, address).
    pub(crate) fn page_stream(
        &self,
        client: Option<IpAddr>,
        attempt: &str,
    ) -> Result<StreamPermit, Limited> {
        let mut wants = vec![(SlotKey::Attempt(String::from(attempt)), STREAMS_PER_ATTEMPT)];
        if let Some(ip) = client {
            wants.push((
                SlotKey::Address(address_key(ip)),
                self.config.streams_per_address.max(1),
            ));
        }
        self.streams.acquire(wants)
    }

    /// An enrolment call (an invite code check) for `username` from `client`.
    pub(crate) fn enroll(&self, client: Option<IpAddr>, username: &str) -> Result<(), Limited> {
        if let Some(ip) = client {
            self.enroll_address.check(&address_key(ip))?;
        }
        self.enroll_account.check(&String::from(username))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;
    use governor::clock::FakeRelativeClock;

    fn peer(ip: &str) -> Peer {
        Peer(Some(SocketAddr::new(ip.parse().unwrap(), 4000)))
    }

    #[test]
    fn rates_parse_and_print() {
        assert_eq!("5/60".parse(), Ok(Rate::new(5, Duration::from_secs(60))));
        assert_eq!(
            " 3 / 10s ".parse(),
            Ok(Rate::new(3, Duration::from_secs(10)))
        );
        assert_eq!("off".parse::<Rate>(), Ok(Rate::OFF));
        assert_eq!("OFF".parse::<Rate>(), Ok(Rate::OFF));
        assert!(!Rate::OFF.is_on());
        assert!(!"0/60".parse::<Rate>().unwrap().is_on());
        assert_eq!("5/0".parse::<Rate>(), Err(RateError::ZeroPeriod));
        for bad in ["", "5", "5/", "/60", "x/60", "5/x", "-1/60", "5/60m"] {
            assert_eq!(bad.parse::<Rate>(), Err(RateError::Form), "{bad:?}");
        }
        assert_eq!(Rate::new(5, Duration::from_secs(60)).to_string(), "5/60");
        assert_eq!(Rate::OFF.to_string(), "off");
    }

    #[test]
    fn the_defaults_are_on_and_off_turns_the_rates_off() {
        let d = Limits::default();
        assert!(d.signin_per_address.is_on() && d.signin_per_user.is_on());
        assert!(d.enroll_per_address.is_on() && d.enroll_per_account.is_on());
        assert_eq!(d.pending_per_user, 3);
        assert!(d.trusted_proxies.is_empty());
        let off = Limits::off();
        assert!(!off.signin_per_address.is_on() && !off.enroll_per_account.is_on());
        assert_eq!(off.pending_per_user, 3);
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_until_refilled() {
        let clock = FakeRelativeClock::default();
        let b: Bucket<u8, _> = Bucket::new("t", "3/30".parse().unwrap(), clock.clone());
        for _ in 0..3 {
            assert_eq!(b.check(&1), Ok(()));
        }
        // One token every 10 s.
        assert_eq!(
            b.check(&1),
            Err(Limited {
                rule: "t",
                retry_after: 10
            })
        );
        assert_eq!(b.check(&2), Ok(()), "another key has its own bucket");
        clock.advance(Duration::from_millis(9_500));
        assert_eq!(b.check(&1).unwrap_err().retry_after, 1, "rounded up");
        clock.advance(Duration::from_millis(500));
        assert_eq!(b.check(&1), Ok(()));
        assert_eq!(b.check(&1).unwrap_err().retry_after, 10);
        assert_eq!(b.refused(), 3);
        // Off: never refuses.
        let off: Bucket<u8, _> = Bucket::new("off", Rate::OFF, clock);
        for _ in 0..100 {
            assert_eq!(off.check(&1), Ok(()));
        }
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.1, 10.0.0.2"),
        );
        let untrusted = Guard::new(Limits::default());
        assert_eq!(
            untrusted.client(peer("10.0.0.1"), &h),
            Some("10.0.0.1".parse().unwrap()),
            "never trusted by default"
        );
        let limits = Limits {
            trusted_proxies: vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()],
            ..Limits::default()
        };
        let g = Guard::new(limits);
        // The rightmost hop that is not a trusted proxy; the spoofable left part is ignored.
        assert_eq!(
            g.client(peer("10.0.0.1"), &h),
            Some("198.51.100.1".parse().unwrap())
        );
        // A peer that is not a trusted proxy: its header is ignored.
        assert_eq!(
            g.client(peer("192.0.2.1"), &h),
            Some("192.0.2.1".parse().unwrap())
        );
        // A trusted proxy without the header, or with garbage: the proxy itself.
        assert_eq!(
            g.client(peer("10.0.0.1"), &HeaderMap::new()),
            Some("10.0.0.1".parse().unwrap())
        );
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", HeaderValue::from_static("nonsense"));
        assert_eq!(
            g.client(peer("10.0.0.1"), &junk),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(g.client(Peer(None), &h), None);
    }

    #[test]
    fn password_hashes_wait_for_a_slot_and_are_refused_past_the_wait() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let g = Guard::new(Limits {
            password_hashes_at_once: 2,
            ..Limits::default()
        });
        runtime.block_on(async {
            let short = Duration::from_millis(20);
            let one = g.password_hash_slot(short).await.unwrap();
            let two = g.password_hash_slot(short).await.unwrap();
            let busy = g.password_hash_slot(short).await.unwrap_err();
            assert_eq!(busy.rule, "password-hashes-at-once");
            assert_eq!(busy.retry_after, 1);
            // A slot given back is taken by the next one waiting.
            let waiting = g.password_hash_slot(Duration::from_secs(5));
            drop(one);
            let three = waiting.await.unwrap();
            assert!(g.password_hash_slot(short).await.is_err());
            drop((two, three));
            assert!(g.password_hash_slot(short).await.is_ok());
        });
        assert!(Limits::default().password_hashes_at_once >= 1);
    }

    #[test]
    fn stream_slots_are_capped_per_key_and_given_back() {
        let limits = Limits {
            streams_per_device: 2,
            streams_per_account: 3,
            streams_per_address: 4,
            ..Limits::default()
        };
        let g = Guard::new(limits);
        let a = Some("192.0.2.1".parse().unwrap());
        let b = Some("192.0.2.2".parse().unwrap());
        let one = g.phone_stream(a, "alice", &[1]).unwrap();
        let two = g.phone_stream(a, "alice", &[1]).unwrap();
        let refused = g.phone_stream(b, "alice", &[1]).map(drop).unwrap_err();
        assert_eq!(refused.rule, "streams-per-device");
        assert_eq!(refused.retry_after, STREAM_RETRY_AFTER);
        // Another phone of alice: one more for the account, then its cap.
        let three = g.phone_stream(b, "alice", &[2]).unwrap();
        assert_eq!(
            g.phone_stream(b, "alice", &[3]).map(drop).unwrap_err().rule,
            "streams-per-account"
        );
        // The address 192.0.2.1 holds 2: two page streams fill it.
        let p1 = g.page_stream(a, "att").unwrap();
        let p2 = g.page_stream(a, "att2").unwrap();
        assert_eq!(
            g.page_stream(a, "att3").map(drop).unwrap_err().rule,
            "streams-per-address"
        );
        assert_eq!(
            g.page_stream(b, "att")
                .map(drop)
                .and(g.page_stream(b, "att").map(drop)),
            Ok(()),
            "dropped permits give their slots back"
        );
        let p3 = g.page_stream(b, "att").unwrap();
        assert_eq!(
            g.page_stream(None, "att").map(drop).unwrap_err().rule,
            "streams-per-attempt"
        );
        assert_eq!(g.streams.count(&SlotKey::Account("alice".into())), 3);
        drop((one, two, three, p1, p2, p3));
        assert_eq!(g.streams.count(&SlotKey::Account("alice".into())), 0);
        assert!(g.streams.lock().is_empty(), "no key left behind");
    }

    #[test]
    fn signin_rules_key_the_user_with_the_address() {
        let clock = FakeRelativeClock::default();
        let limits = Limits {
            signin_per_address: "4/60".parse().unwrap(),
            signin_per_user: "2/60".parse().unwrap(),
            ..Limits::default()
        };
        let g = Guard::with_clock(limits, clock);
        let attacker = Some("192.0.2.66".parse().unwrap());
        let user = Some("198.51.100.7".parse().unwrap());
        assert_eq!(g.signin(attacker, "alice"), Ok(()));
        assert_eq!(g.signin(attacker, "alice"), Ok(()));
        assert_eq!(
            g.signin(attacker, "alice").unwrap_err().rule,
            "signin-per-user"
        );
        // The real user, from another address, is not refused for alice.
        assert_eq!(g.signin(user, "alice"), Ok(()));
        // The attacker's address runs out for every user.
        // (The refused third start took an address token: the address is checked first.)
        assert_eq!(g.signin(attacker, "bob"), Ok(()));
        assert_eq!(
            g.signin(attacker, "carol").unwrap_err().rule,
            "signin-per-address"
        );
        // Passwords: per address (first) and per account, from every address.
        let limits = Limits {
            password_per_address: "3/60".parse().unwrap(),
            password_per_account: "2/60".parse().unwrap(),
            ..Limits::default()
        };
        let g = Guard::with_clock(limits, FakeRelativeClock::default());
        assert_eq!(g.password(attacker, "alice"), Ok(()));
        assert_eq!(g.password(user, "alice"), Ok(()));
        assert_eq!(
            g.password(attacker, "alice").unwrap_err().rule,
            "password-per-account"
        );
        assert_eq!(
            g.password(user, "alice").unwrap_err().rule,
            "password-per-account"
        );
        assert_eq!(g.password(attacker, "bob"), Ok(()));
        assert_eq!(
            g.password(attacker, "carol").unwrap_err().rule,
            "password-per-address"
        );
        assert_eq!(
            g.password(None, "carol"),
            Ok(()),
            "no address: the account only"
        );
        // Enrolment: per address and per account.
        let limits = Limits {
            enroll_per_address: "3/60".parse().unwrap(),
            enroll_per_account: "2/60".parse().unwrap(),
            ..Limits::default()
        };
        let g = Guard::with_clock(limits, FakeRelativeClock::default());
        assert_eq!(g.enroll(attacker, "alice"), Ok(()));
        assert_eq!(g.enroll(user, "alice"), Ok(()));
        assert_eq!(
            g.enroll(attacker, "alice").unwrap_err().rule,
            "enroll-per-account"
        );
        assert_eq!(g.enroll(attacker, "bob"), Ok(()));
        assert_eq!(
            g.enroll(attacker, "carol").unwrap_err().rule,
            "enroll-per-address"
        );
    }
}
