//! The PostgreSQL backend against a real server (`scripts/postgres-test.sh` starts a
//! throw-away cluster and sets `UAF_TEST_POSTGRES_URL`): the store contract of the SQLite
//! tests (insert-unique, compare-and-swap under contention from several "nodes", take-once,
//! expiry, migrations from empty, on restart and by two nodes at once, the phone sign-in rows),
//! then two `uaf-server` nodes on one database: the conformance suite with requests
//! alternating between the nodes through a round-robin proxy, and a phone sign-in started on
//! one node, approved on the other, completed on the first.
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

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use uaf_conformance::http::{CaseResult, ServerOptions, ServerSuite, Verdict, write_metadata};
use uaf_metadata::MetadataIndex;
use uaf_phone::{Enrollment, Phone};
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore};
use uaf_rp::{
    PendingAuthentication, PendingRegistration, Registration, RelyingParty, RelyingPartyBuilder,
};
use uaf_server::store::Clock;
use uaf_server::{
    AttemptRow, AttemptState, Database, PgDatabase, Server, ServerConfig, SessionRow, StoreError,
    create_invite, unix_now,
};

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

    fn open(&self) -> PgDatabase {
        PgDatabase::open(&self.url, 4).unwrap()
    }

    /// The first column of the rows of `query`, as text.
    fn texts(&self, query: &str) -> Vec<String> {
        admin(&self.url, async |c| {
            let rows = c.query(query, &[]).await?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
        })
    }

    fn execute(&self, sql: &str) {
        admin(&self.url, async |c| c.batch_execute(sql).await);
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

fn reg(user: &str, aaid: &str, key: u8, counter: u32) -> Registration {
    Registration {
        username: user.into(),
        aaid: Aaid::parse(aaid).unwrap(),
        key_id: KeyId::new(vec![key; 32]).unwrap(),
        public_key: vec![4, key, 1, 2, 3],
        public_key_encoding: AlgKey::EccX962Der,
        sign_alg: AlgSign::Secp256k1EcdsaSha256Der,
        sign_counter: counter,
        authenticator_version: 7,
        attestation_type: AttestationType::BasicFull,
        registered_at: 1_700_000_123,
    }
}

fn aaid() -> Aaid {
    Aaid::parse("ABCD#0001").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn insert_unique_get_list_delete() {
    let schema = Schema::new("insert");
    let db = schema.open();
    let s = db.credentials();
    let alice = reg("alice", "ABCD#0001", 1, 5);
    assert_eq!(
        s.insert_unique(alice.clone()).unwrap(),
        InsertOutcome::Inserted
    );
    assert_eq!(
        s.insert_unique(reg("bob", "abcd#0001", 1, 0)).unwrap(),
        InsertOutcome::AlreadyExists,
        "same (AAID, KeyID), AAID in another case"
    );
    assert_eq!(
        s.insert_unique(reg("alice", "ABCD#0001", 2, 0)).unwrap(),
        InsertOutcome::Inserted
    );
    assert_eq!(
        s.insert_unique(reg("carol", "EEEE#0002", 1, 0)).unwrap(),
        InsertOutcome::Inserted
    );
    assert_eq!(s.count().unwrap(), 3);
    let got = s.get(&Aaid::parse("abcd#0001").unwrap(), &[1; 32]).unwrap();
    assert_eq!(got, Some(alice.clone()));
    assert_eq!(s.get(&aaid(), &[3; 32]).unwrap(), None);

    let list = s.list_by_user("alice").unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], alice, "in insertion order");
    assert_eq!(list[1].key_id.as_bytes(), &[2; 32]);
    assert!(s.list_by_user("bob").unwrap().is_empty());

    assert!(s.delete(&aaid(), &[1; 32]).unwrap());
    assert!(!s.delete(&aaid(), &[1; 32]).unwrap());
    assert_eq!(s.get(&aaid(), &[1; 32]).unwrap(), None);
    assert_eq!(s.insert_unique(alice).unwrap(), InsertOutcome::Inserted);

    // Extreme and unknown registry values round-trip through BIGINT and BYTEA.
    let mut r = reg("dave", "ABCD#0001", 0, u32::MAX);
    r.key_id = KeyId::from_stored(b"ascii-key".to_vec()).unwrap();
    r.sign_alg = AlgSign::from_value(0x7777);
    r.public_key_encoding = AlgKey::from_value(u16::MAX);
    r.attestation_type = AttestationType::from_value(0x4000);
    r.authenticator_version = u16::MAX;
    s.insert_unique(r.clone()).unwrap();
    assert_eq!(s.get(&aaid(), b"ascii-key").unwrap(), Some(r));
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn insert_unique_races_have_one_winner() {
    let schema = Schema::new("insert_race");
    let nodes: Vec<PgDatabase> = (0..4).map(|_| schema.open()).collect();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16usize)
        .map(|i| {
            let s = nodes[i % nodes.len()].credentials();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                s.insert_unique(reg(&format!("user{i}"), "ABCD#0001", 9, 0))
                    .unwrap()
            })
        })
        .collect();
    let inserted = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|o| *o == InsertOutcome::Inserted)
        .count();
    assert_eq!(inserted, 1);
    assert_eq!(nodes[0].credentials().count().unwrap(), 1);
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn compare_and_swap_outcomes() {
    let schema = Schema::new("cas");
    let s = schema.open().credentials();
    s.insert_unique(reg("alice", "ABCD#0001", 1, 5)).unwrap();
    assert_eq!(
        s.compare_and_swap_counter(&aaid(), &[1; 32], 5, 6).unwrap(),
        CasOutcome::Swapped
    );
    assert_eq!(
        s.compare_and_swap_counter(&aaid(), &[1; 32], 5, 7).unwrap(),
        CasOutcome::Conflict { current: 6 }
    );
    assert_eq!(
        s.compare_and_swap_counter(&aaid(), &[2; 32], 0, 1).unwrap(),
        CasOutcome::NotFound
    );
    assert_eq!(s.get(&aaid(), &[1; 32]).unwrap().unwrap().sign_counter, 6);
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn cas_with_one_expected_value_has_exactly_one_winner() {
    let schema = Schema::new("cas_one");
    // Four "nodes" (pools) on one database, 16 threads.
    let nodes: Vec<PgDatabase> = (0..4).map(|_| schema.open()).collect();
    nodes[0]
        .credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 10))
        .unwrap();
    for round in 0..3u32 {
        let expected = if round == 0 {
            10
        } else {
            nodes[0]
                .credentials()
                .get(&aaid(), &[1; 32])
                .unwrap()
                .unwrap()
                .sign_counter
        };
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16u32)
            .map(|i| {
                let s = nodes[usize::try_from(i).unwrap() % nodes.len()].credentials();
                let barrier = Arc::clone(&barrier);
                let new = expected + 100 + i;
                std::thread::spawn(move || {
                    barrier.wait();
                    (
                        new,
                        s.compare_and_swap_counter(&aaid(), &[1; 32], expected, new)
                            .unwrap(),
                    )
                })
            })
            .collect();
        let outcomes: Vec<(u32, CasOutcome)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<u32> = outcomes
            .iter()
            .filter(|(_, o)| *o == CasOutcome::Swapped)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let stored = nodes[1]
            .credentials()
            .get(&aaid(), &[1; 32])
            .unwrap()
            .unwrap()
            .sign_counter;
        assert_eq!(stored, winners[0]);
        for (_, o) in &outcomes {
            if *o != CasOutcome::Swapped {
                assert_eq!(*o, CasOutcome::Conflict { current: stored });
            }
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn racing_increments_lose_nothing() {
    let schema = Schema::new("increments");
    let nodes: Vec<PgDatabase> = (0..4).map(|_| schema.open()).collect();
    nodes[0]
        .credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    const THREADS: u32 = 16;
    const EACH: u32 = 25;
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let s = nodes[usize::try_from(i).unwrap() % nodes.len()].credentials();
            std::thread::spawn(move || {
                let mut conflicts = 0u32;
                for _ in 0..EACH {
                    let mut cur = s.get(&aaid(), &[1; 32]).unwrap().unwrap().sign_counter;
                    loop {
                        match s
                            .compare_and_swap_counter(&aaid(), &[1; 32], cur, cur + 1)
                            .unwrap()
                        {
                            CasOutcome::Swapped => break,
                            CasOutcome::Conflict { current } => {
                                conflicts += 1;
                                cur = current;
                            }
                            CasOutcome::NotFound => panic!("the key vanished"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(
        nodes[2]
            .credentials()
            .get(&aaid(), &[1; 32])
            .unwrap()
            .unwrap()
            .sign_counter,
        THREADS * EACH,
        "({conflicts} conflicts retried)"
    );
}

// ---------------------------------------------------------------------------------------------
// Pending ceremonies
// ---------------------------------------------------------------------------------------------

fn rp() -> RelyingParty<MetadataIndex> {
    RelyingParty::new(
        RelyingPartyBuilder::new("https://uaf.example.com/facets.json")
            .build()
            .unwrap(),
        MetadataIndex::new(),
    )
}

fn pending_reg(now: u64, seed: u64) -> PendingRegistration {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rp().start_registration("alice", &[], now, &mut rng)
        .unwrap()
        .1
}

fn pending_auth(user: Option<&str>, now: u64, seed: u64) -> PendingAuthentication {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let regs = vec![reg("alice", "ABCD#0001", 1, 0)];
    let user = user.map(|u| (u, regs.as_slice()));
    rp().start_authentication(user, Vec::new(), now, &mut rng)
        .unwrap()
        .1
}

fn manual_clock(start: u64) -> (Arc<AtomicU64>, Clock) {
    let t = Arc::new(AtomicU64::new(start));
    let c = Arc::clone(&t);
    (t, Arc::new(move || c.load(Ordering::SeqCst)))
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn pending_states_round_trip_and_are_single_use() {
    let schema = Schema::new("pending");
    let db = schema.open();
    let now = 1_700_000_000;
    let (_t, clock) = manual_clock(now);
    let regs = db.pending_registrations(300).with_clock(Arc::clone(&clock));
    let auths = db.pending_authentications(300).with_clock(clock);

    let r = pending_reg(now, 1);
    regs.put(b"k1", r.clone()).unwrap();
    let a = pending_auth(Some("alice"), now, 2);
    let anon = pending_auth(None, now, 3);
    auths.put(b"k1", a.clone()).unwrap();
    auths.put(b"k2", anon.clone()).unwrap();
    assert_eq!(regs.len().unwrap(), 1);
    assert_eq!(auths.len().unwrap(), 2);

    assert_eq!(regs.take(b"k1").unwrap(), Some(r));
    assert_eq!(regs.take(b"k1").unwrap(), None);
    assert_eq!(auths.take(b"k1").unwrap(), Some(a));
    assert_eq!(auths.take(b"k1").unwrap(), None);
    let got = auths.take(b"k2").unwrap().unwrap();
    assert_eq!(got, anon);
    assert_eq!(got.username(), None);
    assert!(auths.is_empty().unwrap() && regs.is_empty().unwrap());

    regs.put(b"k", pending_reg(now, 4)).unwrap();
    let newer = pending_reg(now, 5);
    regs.put(b"k", newer.clone()).unwrap();
    assert_eq!(regs.len().unwrap(), 1);
    assert_eq!(regs.take(b"k").unwrap(), Some(newer));
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn concurrent_takes_of_one_challenge_have_exactly_one_winner() {
    let schema = Schema::new("take");
    let now = 1_700_000_000;
    let (_t, clock) = manual_clock(now);
    let stores: Vec<_> = (0..4)
        .map(|_| {
            schema
                .open()
                .pending_registrations(300)
                .with_clock(Arc::clone(&clock))
        })
        .collect();
    for round in 0..5u64 {
        let key = format!("challenge-{round}");
        let p = pending_reg(now, round);
        stores[0].put(key.as_bytes(), p.clone()).unwrap();
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16usize)
            .map(|i| {
                let s = stores[i % stores.len()].clone();
                let barrier = Arc::clone(&barrier);
                let key = key.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    s.take(key.as_bytes()).unwrap()
                })
            })
            .collect();
        let got: Vec<PendingRegistration> = handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(got, vec![p], "round {round}");
    }
    assert!(stores[3].is_empty().unwrap());
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn expired_states_are_not_returned_and_are_purged() {
    let schema = Schema::new("expiry");
    let db = schema.open();
    let start = 1_700_000_000;
    let (t, clock) = manual_clock(start);
    let regs = db.pending_registrations(300).with_clock(Arc::clone(&clock));

    regs.put(b"old", pending_reg(start, 1)).unwrap();
    regs.put(b"edge", pending_reg(start, 2)).unwrap();
    t.store(start + 300, Ordering::SeqCst);
    assert!(regs.take(b"edge").unwrap().is_some(), "valid at the TTL");
    t.store(start + 301, Ordering::SeqCst);
    assert_eq!(regs.take(b"old").unwrap(), None, "expired one second later");
    assert!(regs.is_empty().unwrap(), "the late take removed it");

    regs.put(b"a", pending_reg(start + 301, 3)).unwrap();
    regs.put(b"b", pending_reg(start + 301, 4)).unwrap();
    t.store(start + 1000, Ordering::SeqCst);
    regs.put(b"c", pending_reg(start + 1000, 5)).unwrap();
    assert_eq!(regs.len().unwrap(), 1, "a put purges what expired");
    assert!(regs.take(b"c").unwrap().is_some());

    let auths = db.pending_authentications(300).with_clock(clock);
    regs.put(b"d", pending_reg(start + 1000, 6)).unwrap();
    auths
        .put(b"d", pending_auth(None, start + 1000, 7))
        .unwrap();
    t.store(start + 2000, Ordering::SeqCst);
    assert_eq!(regs.purge_expired().unwrap(), 1);
    assert_eq!(regs.purge_expired().unwrap(), 0);
    assert_eq!(auths.len().unwrap(), 1, "the other kind is untouched");
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in rows
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn invites_attempts_and_sessions_are_taken_once() {
    let schema = Schema::new("signin");
    let nodes: Vec<PgDatabase> = (0..4).map(|_| schema.open()).collect();
    let s = nodes[0].sign_in();
    let now = 1_700_000_000;

    // An invite is taken by exactly one of 16 racing finishes.
    s.put_invite(&[7; 32], "alice", now, now + 900).unwrap();
    assert_eq!(
        s.find_invite(&[7; 32]).unwrap().unwrap().username,
        "alice",
        "find does not consume"
    );
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16usize)
        .map(|i| {
            let s = nodes[i % nodes.len()].sign_in();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                s.take_invite(&[7; 32]).unwrap()
            })
        })
        .collect();
    let taken: Vec<_> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].expires_at, now + 900);
    assert_eq!(s.find_invite(&[7; 32]).unwrap(), None);
    // A duplicate code hash is refused; expired invites are purged by the next put.
    s.put_invite(&[8; 32], "bob", now, now + 10).unwrap();
    assert!(matches!(
        s.put_invite(&[8; 32], "bob", now, now + 10),
        Err(StoreError::Database(_))
    ));
    s.put_invite(&[9; 32], "carol", now + 11, now + 900)
        .unwrap();
    assert_eq!(s.find_invite(&[8; 32]).unwrap(), None);

    // Devices: a key has one phone.
    s.put_device(&[1; 32], "alice", &aaid(), b"key", now)
        .unwrap();
    let d = s.find_device(&[1; 32]).unwrap().unwrap();
    assert_eq!(
        (d.username.as_str(), d.aaid.as_str()),
        ("alice", "ABCD#0001")
    );
    assert!(
        s.put_device(
            &[2; 32],
            "alice",
            &Aaid::parse("abcd#0001").unwrap(),
            b"key",
            now
        )
        .is_err()
    );

    // An attempt moves out of pending once, whatever the races.
    let attempt = AttemptRow::new(
        String::from("attempt-1"),
        String::from("alice"),
        vec![3; 32],
        Some(String::from("sd")),
        Some(String::from("[]")),
        String::from("42"),
        now,
        now + 120,
    );
    s.put_attempt(&attempt).unwrap();
    assert_eq!(s.attempt("attempt-1").unwrap(), Some(attempt.clone()));
    assert_eq!(s.pending_attempts("alice", now + 120).unwrap().len(), 1);
    assert!(s.pending_attempts("alice", now + 121).unwrap().is_empty());
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16usize)
        .map(|i| {
            let s = nodes[i % nodes.len()].sign_in();
            let barrier = Arc::clone(&barrier);
            let to = if i % 2 == 0 {
                AttemptState::Approved
            } else {
                AttemptState::Declined
            };
            std::thread::spawn(move || {
                barrier.wait();
                (
                    to,
                    s.transition("attempt-1", AttemptState::Pending, to, now + 1)
                        .unwrap(),
                )
            })
        })
        .collect();
    let moved: Vec<AttemptState> = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|(_, m)| *m)
        .map(|(to, _)| to)
        .collect();
    assert_eq!(moved.len(), 1);
    assert_eq!(s.attempt("attempt-1").unwrap().unwrap().state, moved[0]);

    // An approved attempt becomes one session, once.
    let mut approved = attempt.clone();
    approved.id = String::from("attempt-2");
    s.put_attempt(&approved).unwrap();
    assert!(
        !s.transition(
            "attempt-2",
            AttemptState::Pending,
            AttemptState::Approved,
            now + 121
        )
        .unwrap(),
        "an expired attempt does not move"
    );
    assert!(
        s.transition(
            "attempt-2",
            AttemptState::Pending,
            AttemptState::Approved,
            now + 2
        )
        .unwrap()
    );
    let session = SessionRow::new(
        String::from("alice"),
        String::from("uaf-phone"),
        now + 3,
        now + 3 + 3600,
    );
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8u8)
        .map(|i| {
            let s = nodes[usize::from(i) % nodes.len()].sign_in();
            let barrier = Arc::clone(&barrier);
            let session = session.clone();
            std::thread::spawn(move || {
                barrier.wait();
                s.consume_into_session("attempt-2", now + 3, &[100 + i; 32], &session)
                    .unwrap()
            })
        })
        .collect();
    let consumed = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|c| *c)
        .count();
    assert_eq!(consumed, 1);
    assert_eq!(
        s.attempt("attempt-2").unwrap().unwrap().state,
        AttemptState::Consumed
    );
    let hashes: Vec<u8> = (0..8u8)
        .filter(|i| s.session(&[100 + i; 32]).unwrap().is_some())
        .collect();
    assert_eq!(hashes.len(), 1);
    let hash = [100 + hashes[0]; 32];
    assert_eq!(nodes[3].sign_in().session(&hash).unwrap(), Some(session));
    assert!(nodes[2].sign_in().delete_session(&hash).unwrap());
    assert!(!s.delete_session(&hash).unwrap());
    assert_eq!(s.session(&hash).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn migrates_an_empty_schema_once_and_refuses_a_newer_one() {
    let schema = Schema::new("migrate");
    let db = schema.open();
    assert_eq!(db.schema_version().unwrap(), PgDatabase::SCHEMA_VERSION);
    assert_eq!(
        PgDatabase::SCHEMA_VERSION,
        uaf_server::SqliteDatabase::SCHEMA_VERSION,
        "the same version numbers as SQLite"
    );
    let tables = schema.texts(&format!(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = '{}' ORDER BY table_name",
        schema.name
    ));
    assert_eq!(
        tables,
        [
            "pending",
            "phone_devices",
            "phone_invites",
            "registrations",
            "schema_version",
            "sessions",
            "signin_attempts"
        ]
    );
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    db.ping().unwrap();
    drop(db);

    // A restart does not migrate again: the data is there, one version row.
    let db = schema.open();
    assert_eq!(db.credentials().count().unwrap(), 1);
    assert_eq!(
        schema.texts("SELECT COUNT(*)::text FROM schema_version"),
        ["1"]
    );
    drop(db);

    // A database of a newer build is refused, not damaged.
    schema.execute("UPDATE schema_version SET version = version + 1");
    match PgDatabase::open(&schema.url, 2) {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!(found, PgDatabase::SCHEMA_VERSION + 1);
            assert_eq!(known, PgDatabase::SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_eq!(
        schema.texts("SELECT COUNT(*)::text FROM registrations"),
        ["1"]
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn nodes_starting_at_once_migrate_once() {
    for round in 0..3 {
        let schema = Schema::new(&format!("race{round}"));
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let url = schema.url.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    PgDatabase::open(&url, 1)
                })
            })
            .collect();
        let dbs: Vec<PgDatabase> = handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect();
        for db in &dbs {
            assert_eq!(db.schema_version().unwrap(), PgDatabase::SCHEMA_VERSION);
        }
        assert_eq!(
            schema.texts("SELECT version::text FROM schema_version"),
            [PgDatabase::SCHEMA_VERSION.to_string()],
            "one version row"
        );
    }
}

#[test]
#[ignore = "needs PostgreSQL: scripts/postgres-test.sh"]
fn database_open_picks_the_backend_and_reports_errors() {
    let schema = Schema::new("open");
    let db = Database::open(&schema.url, 2).unwrap();
    assert_eq!(db.backend(), "postgres");
    assert!(db.location().starts_with("postgres://postgres@127.0.0.1:"));
    db.ping().unwrap();
    let sqlite = Database::open(":memory:", 2).unwrap();
    assert_eq!(sqlite.backend(), "sqlite");

    // A password never shows in the location or the error.
    let err = Database::open("postgres://u:hunter2@127.0.0.1:1/db", 1).unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(Database::open("postgres://u@127.0.0.1:notaport/db", 1).is_err());
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
    Server::spawn(c).unwrap()
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

/// Reads one request from `client`, sends it to `backend` with `Connection: close`, and copies
/// the whole answer back.
fn relay(client: TcpStream, backend: std::net::SocketAddr) -> std::io::Result<()> {
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
    let results = suite.run(&format!("http://{}", proxy.addr)).unwrap();
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
        let results = ServerSuite::new(o).run(&n.base_url()).unwrap();
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
            let mut peek = [0u8; 16];
            let n = conn.peek(&mut peek).unwrap_or(0);
            let to_b = peek[..n].starts_with(b"POST /respond");
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
    let results = suite.run(&format!("http://{split_addr}")).unwrap();
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
    let operator = Database::open(&schema.url, 1).unwrap();
    let code = create_invite(&operator, "alice", unix_now()).unwrap().code;
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
