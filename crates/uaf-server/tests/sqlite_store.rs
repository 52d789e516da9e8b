//! The SQLite stores: insert-unique, lookups, compare-and-swap counters under contention
//! (several connections to one file), single-use pending states, expiry, persistence across
//! reopening, and schema migration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use uaf_metadata::MetadataIndex;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore};
use uaf_rp::{
    PendingAuthentication, PendingRegistration, Registration, RelyingParty, RelyingPartyBuilder,
};
use uaf_server::store::Clock;
use uaf_server::{SqliteDatabase, StoreError};

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("uaf-server-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("test.db")
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

#[test]
fn insert_unique_get_list_delete() {
    let db = SqliteDatabase::open_in_memory().unwrap();
    let s = db.credentials();
    let alice = reg("alice", "ABCD#0001", 1, 5);
    assert_eq!(
        s.insert_unique(alice.clone()).unwrap(),
        InsertOutcome::Inserted
    );
    // Same (AAID, KeyID), AAID in another case, another user: refused, nothing changes.
    assert_eq!(
        s.insert_unique(reg("bob", "abcd#0001", 1, 0)).unwrap(),
        InsertOutcome::AlreadyExists
    );
    assert_eq!(
        s.insert_unique(reg("alice", "ABCD#0001", 2, 0)).unwrap(),
        InsertOutcome::Inserted
    );
    assert_eq!(
        s.insert_unique(reg("carol", "EEEE#0002", 1, 0)).unwrap(),
        InsertOutcome::Inserted,
        "the same KeyID under another AAID is another key"
    );
    assert_eq!(s.count().unwrap(), 3);

    // Every field round-trips; the AAID lookup is case-insensitive.
    let got = s.get(&Aaid::parse("abcd#0001").unwrap(), &[1; 32]).unwrap();
    assert_eq!(got, Some(alice.clone()));
    assert_eq!(s.get(&aaid(), &[3; 32]).unwrap(), None);

    let list = s.list_by_user("alice").unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], alice, "in insertion order");
    assert_eq!(list[1].key_id.as_bytes(), &[2; 32]);
    assert!(s.list_by_user("bob").unwrap().is_empty());
    assert_eq!(s.list_by_user("carol").unwrap().len(), 1);

    assert!(s.delete(&aaid(), &[1; 32]).unwrap());
    assert!(!s.delete(&aaid(), &[1; 32]).unwrap());
    assert_eq!(s.get(&aaid(), &[1; 32]).unwrap(), None);
    assert_eq!(s.list_by_user("alice").unwrap().len(), 1);
    // Deleted keys may be registered again.
    assert_eq!(s.insert_unique(alice).unwrap(), InsertOutcome::Inserted);
}

#[test]
fn short_stored_key_ids_and_unknown_registry_values_round_trip() {
    let db = SqliteDatabase::open_in_memory().unwrap();
    let s = db.credentials();
    let mut r = reg("dave", "ABCD#0001", 0, u32::MAX);
    r.key_id = KeyId::from_stored(b"ascii-key".to_vec()).unwrap();
    r.sign_alg = AlgSign::from_value(0x7777);
    r.public_key_encoding = AlgKey::from_value(0x0123);
    r.attestation_type = AttestationType::from_value(0x4000);
    r.authenticator_version = u16::MAX;
    s.insert_unique(r.clone()).unwrap();
    assert_eq!(s.get(&aaid(), b"ascii-key").unwrap(), Some(r));
}

#[test]
fn compare_and_swap_outcomes() {
    let db = SqliteDatabase::open_in_memory().unwrap();
    let s = db.credentials();
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

/// Handles on one file: `threads` stores spread over `connections` connections.
fn stores_on_file(path: &Path, connections: usize) -> Vec<uaf_server::SqliteCredentialStore> {
    (0..connections)
        .map(|_| SqliteDatabase::open(path).unwrap().credentials())
        .collect()
}

#[test]
fn cas_with_one_expected_value_has_exactly_one_winner() {
    let path = temp("cas-one");
    let stores = stores_on_file(&path, 4);
    stores[0]
        .insert_unique(reg("alice", "ABCD#0001", 1, 10))
        .unwrap();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16u32)
        .map(|i| {
            let s = stores[usize::try_from(i).unwrap() % stores.len()].clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                s.compare_and_swap_counter(&aaid(), &[1; 32], 10, 100 + i)
                    .unwrap()
            })
        })
        .collect();
    let outcomes: Vec<CasOutcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let winners: Vec<u32> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == CasOutcome::Swapped)
        .map(|(i, _)| 100 + u32::try_from(i).unwrap())
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    let stored = stores[1]
        .get(&aaid(), &[1; 32])
        .unwrap()
        .unwrap()
        .sign_counter;
    assert_eq!(stored, winners[0]);
    // Every loser saw the winner's value.
    for o in &outcomes {
        if *o != CasOutcome::Swapped {
            assert_eq!(*o, CasOutcome::Conflict { current: stored });
        }
    }
}

#[test]
fn racing_increments_lose_nothing() {
    let path = temp("cas-increments");
    let stores = stores_on_file(&path, 4);
    stores[0]
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    const THREADS: u32 = 16;
    const EACH: u32 = 40;
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let s = stores[usize::try_from(i).unwrap() % stores.len()].clone();
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
        stores[2]
            .get(&aaid(), &[1; 32])
            .unwrap()
            .unwrap()
            .sign_counter,
        THREADS * EACH,
        "({conflicts} conflicts retried)"
    );
}

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
    let rp = rp();
    let regs = vec![reg("alice", "ABCD#0001", 1, 0)];
    let user = user.map(|u| (u, regs.as_slice()));
    rp.start_authentication(user, Vec::new(), now, &mut rng)
        .unwrap()
        .1
}

/// A clock the test moves.
fn manual_clock(start: u64) -> (Arc<AtomicU64>, Clock) {
    let t = Arc::new(AtomicU64::new(start));
    let c = Arc::clone(&t);
    (t, Arc::new(move || c.load(Ordering::SeqCst)))
}

#[test]
fn pending_states_round_trip_and_are_single_use() {
    let db = SqliteDatabase::open_in_memory().unwrap();
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

    // The kinds are apart: the same key holds one state of each.
    assert_eq!(regs.take(b"k1").unwrap(), Some(r));
    assert_eq!(regs.take(b"k1").unwrap(), None);
    assert_eq!(auths.take(b"k1").unwrap(), Some(a));
    assert_eq!(auths.take(b"k1").unwrap(), None);
    let got = auths.take(b"k2").unwrap().unwrap();
    assert_eq!(got, anon);
    assert_eq!(got.username(), None);
    assert!(auths.is_empty().unwrap() && regs.is_empty().unwrap());

    // `put` on an existing key replaces it.
    regs.put(b"k", pending_reg(now, 4)).unwrap();
    let newer = pending_reg(now, 5);
    regs.put(b"k", newer.clone()).unwrap();
    assert_eq!(regs.len().unwrap(), 1);
    assert_eq!(regs.take(b"k").unwrap(), Some(newer));
}

#[test]
fn concurrent_takes_of_one_challenge_have_exactly_one_winner() {
    let path = temp("take");
    let now = 1_700_000_000;
    let (_t, clock) = manual_clock(now);
    let stores: Vec<_> = (0..4)
        .map(|_| {
            SqliteDatabase::open(&path)
                .unwrap()
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
fn expired_states_are_not_returned_and_are_purged() {
    let db = SqliteDatabase::open_in_memory().unwrap();
    let start = 1_700_000_000;
    let (t, clock) = manual_clock(start);
    let regs = db.pending_registrations(300).with_clock(clock);

    regs.put(b"old", pending_reg(start, 1)).unwrap();
    regs.put(b"edge", pending_reg(start, 2)).unwrap();
    // Exactly at the TTL: still valid (the verifier's rule: expired when older than TTL).
    t.store(start + 300, Ordering::SeqCst);
    assert!(regs.take(b"edge").unwrap().is_some());
    // One second later: expired; the late take removes it and answers nothing.
    t.store(start + 301, Ordering::SeqCst);
    assert_eq!(regs.take(b"old").unwrap(), None);
    assert!(regs.is_empty().unwrap());

    // A put purges what expired.
    regs.put(b"a", pending_reg(start + 301, 3)).unwrap();
    regs.put(b"b", pending_reg(start + 301, 4)).unwrap();
    t.store(start + 1000, Ordering::SeqCst);
    regs.put(b"c", pending_reg(start + 1000, 5)).unwrap();
    assert_eq!(regs.len().unwrap(), 1);
    assert!(regs.take(b"c").unwrap().is_some());

    // purge_expired, explicitly; the other kind is untouched.
    let auths = db.pending_authentications(300).with_clock({
        let t = Arc::clone(&t);
        Arc::new(move || t.load(Ordering::SeqCst))
    });
    regs.put(b"d", pending_reg(start + 1000, 6)).unwrap();
    auths
        .put(b"d", pending_auth(None, start + 1000, 7))
        .unwrap();
    t.store(start + 2000, Ordering::SeqCst);
    assert_eq!(regs.purge_expired().unwrap(), 1);
    assert_eq!(regs.purge_expired().unwrap(), 0);
    assert_eq!(auths.len().unwrap(), 1);
}

#[test]
fn file_database_persists_across_reopening() {
    let path = temp("persist");
    let now = 1_700_000_000;
    let p = pending_auth(Some("alice"), now, 9);
    {
        let db = SqliteDatabase::open(&path).unwrap();
        db.credentials()
            .insert_unique(reg("alice", "ABCD#0001", 1, 3))
            .unwrap();
        db.credentials()
            .compare_and_swap_counter(&aaid(), &[1; 32], 3, 4)
            .unwrap();
        let (_t, clock) = manual_clock(now);
        db.pending_authentications(300)
            .with_clock(clock)
            .put(b"pending", p.clone())
            .unwrap();
    }
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.location(), path.display().to_string());
    let got = db.credentials().get(&aaid(), &[1; 32]).unwrap().unwrap();
    assert_eq!(got.sign_counter, 4);
    assert_eq!(got.username, "alice");
    let (_t, clock) = manual_clock(now + 10);
    let auths = db.pending_authentications(300).with_clock(clock);
    assert_eq!(auths.take(b"pending").unwrap(), Some(p));
    assert_eq!(db.schema_version().unwrap(), SqliteDatabase::SCHEMA_VERSION);
}

#[test]
fn migrates_an_empty_file_and_refuses_a_newer_schema() {
    let path = temp("migrate");
    // An empty file is a valid, empty SQLite database.
    std::fs::write(&path, b"").unwrap();
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), SqliteDatabase::SCHEMA_VERSION);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.sort();
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
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    drop(db);

    // Reopening does not migrate twice (the data is still there).
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.credentials().count().unwrap(), 1);
    db.ping().unwrap();
    drop(db);

    // A database from a newer build is refused, not damaged.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE schema_version SET version = version + 1", [])
        .unwrap();
    drop(conn);
    match SqliteDatabase::open(&path) {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!(found, SqliteDatabase::SCHEMA_VERSION + 1);
            assert_eq!(known, SqliteDatabase::SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM registrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let path = temp("garbage");
    std::fs::write(&path, vec![0x42u8; 4096]).unwrap();
    assert!(matches!(
        SqliteDatabase::open(&path),
        Err(StoreError::Database(_))
    ));
}
