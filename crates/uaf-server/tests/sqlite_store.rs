//! The SQLite backend: the store contract (`tests/contract/`) on a database file and on
//! `:memory:`, and what is SQLite's own: the reader pool (a read completes while a write
//! transaction is held open), persistence across reopening, WAL, the tables of the schema, and
//! a file that is not a database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::result_large_err
)]

#[macro_use]
mod contract;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use contract::{Factory, Place, StoresOf, aaid, reg};
use uaf_rp::store::CasOutcome;
use uaf_server::store::{Backend, SqliteDatabase, StoreError};

/// A directory of its own under the target dir, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(name: &str) -> (TempDir, PathBuf) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "uaf-server-store-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("test.db");
    (TempDir(dir), file)
}

/// SQLite database files.
struct SqliteFile;

impl Factory for SqliteFile {
    fn place(&self, test: &str) -> Place {
        let (dir, file) = temp(test);
        Place {
            location: file.display().to_string(),
            guard: Box::new(dir),
        }
    }

    fn open(&self, place: &Place) -> Result<Arc<dyn Backend>, StoreError> {
        Ok(Arc::new(SqliteDatabase::open(&place.location)?))
    }

    fn version_rows(&self, place: &Place) -> Vec<i64> {
        let c = rusqlite::Connection::open(&place.location).unwrap();
        let mut stmt = c.prepare("SELECT version FROM schema_version").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn set_version(&self, place: &Place, version: i64) {
        let c = rusqlite::Connection::open(&place.location).unwrap();
        c.execute("UPDATE schema_version SET version = ?1", [version])
            .unwrap();
    }
}

/// `:memory:`: every open a private database.
struct SqliteMemory;

impl Factory for SqliteMemory {
    fn place(&self, _: &str) -> Place {
        Place {
            location: String::from(SqliteDatabase::MEMORY),
            guard: Box::new(()),
        }
    }

    fn open(&self, place: &Place) -> Result<Arc<dyn Backend>, StoreError> {
        Ok(Arc::new(SqliteDatabase::open(&place.location)?))
    }

    fn version_rows(&self, _: &Place) -> Vec<i64> {
        panic!(":memory: cannot be read from outside (the one_handle suite never asks)")
    }

    fn set_version(&self, _: &Place, _: i64) {
        panic!(":memory: cannot be changed from outside (the one_handle suite never asks)")
    }
}

contract_suite!(sqlite_file, SqliteFile);
contract_suite!(sqlite_memory, SqliteMemory, one_handle);

#[test]
fn a_read_completes_while_a_write_transaction_is_held_open() {
    let (_dir, path) = temp("reader");
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.readers(), SqliteDatabase::READERS);
    db.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();

    // Another process holds the write lock, with an uncommitted change.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    other
        .execute("UPDATE registrations SET sign_counter = 99", [])
        .unwrap();

    // This process's writer waits for that lock (holding the writer connection)…
    let writer = {
        let db = db.clone();
        std::thread::spawn(move || {
            db.credentials()
                .compare_and_swap_counter(&aaid(), &[1; 32], 0, 1)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    assert!(!writer.is_finished(), "the write waits for the lock");

    // …and reads go on meanwhile, seeing the last committed state.
    let started = Instant::now();
    for _ in 0..50 {
        let r = db.credentials().get(&aaid(), &[1; 32]).unwrap().unwrap();
        assert_eq!(r.sign_counter, 0, "the uncommitted change is not seen");
        assert!(db.sign_in().find_invite(&[1; 32]).unwrap().is_none());
    }
    db.ping().unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "reads took {took:?}");
    assert!(
        !writer.is_finished(),
        "still waiting: the reads did not queue behind it"
    );

    // The other process gives up; the waiting write goes through.
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(writer.join().unwrap().unwrap(), CasOutcome::Swapped);
    let r = db.credentials().get(&aaid(), &[1; 32]).unwrap().unwrap();
    assert_eq!(r.sign_counter, 1, "a read sees the committed write at once");
}

#[test]
fn an_in_memory_database_has_no_readers_and_is_private() {
    let a = SqliteDatabase::open_in_memory().unwrap();
    let b = SqliteDatabase::open(SqliteDatabase::MEMORY).unwrap();
    assert_eq!(a.readers(), 0, "reads use the writer");
    a.credentials()
        .insert_unique(reg("alice", "ABCD#0001", 1, 0))
        .unwrap();
    assert!(a.credentials().get(&aaid(), &[1; 32]).unwrap().is_some());
    assert!(b.credentials().get(&aaid(), &[1; 32]).unwrap().is_none());
    assert_eq!(a.location(), ":memory:");
    assert_eq!(a.name(), "sqlite");
}

#[test]
fn a_file_database_persists_across_closing() {
    let (_dir, path) = temp("persist");
    {
        let db = SqliteDatabase::open(&path).unwrap();
        db.credentials()
            .insert_unique(reg("alice", "ABCD#0001", 1, 3))
            .unwrap();
        db.credentials()
            .compare_and_swap_counter(&aaid(), &[1; 32], 3, 4)
            .unwrap();
        // Reads from several threads at once: several readers open the file.
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| db.credentials().get(&aaid(), &[1; 32]).unwrap().unwrap());
            }
        });
    }
    // The writer closed last: it checkpointed the WAL into the file and removed it.
    let wal = path.with_file_name("test.db-wal");
    assert!(!wal.exists(), "{} left behind", wal.display());
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.location(), path.display().to_string());
    let got = db.credentials().get(&aaid(), &[1; 32]).unwrap().unwrap();
    assert_eq!((got.sign_counter, got.username.as_str()), (4, "alice"));
}

#[test]
fn a_version_2_database_keeps_its_pending_states_through_migration_3() {
    let (_dir, path) = temp("migrate-3");
    let (_t, clock) = contract::manual_clock(1_700_000_000);
    let state = contract::pending_auth(Some("alice"), 1_700_000_000, 9);
    {
        let db = SqliteDatabase::open(&path).unwrap();
        let auths = db.pending_authentications(300, Arc::clone(&clock));
        auths.put(b"old", state.clone()).unwrap();
    }
    // Back to version 2: the pending table without `requirements` (and without what later
    // versions add), the row kept.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "ALTER TABLE pending DROP COLUMN requirements;
             DROP TABLE users;
             DROP TABLE activity;
             DROP TABLE second_steps;
             DROP TABLE phone_deregistrations;
             DROP INDEX sessions_by_user;
             ALTER TABLE phone_devices DROP COLUMN name;
             ALTER TABLE phone_devices DROP COLUMN last_used_at;
             ALTER TABLE signin_attempts DROP COLUMN browser;
             ALTER TABLE signin_attempts DROP COLUMN client_ip;
             ALTER TABLE signin_attempts DROP COLUMN report;
             ALTER TABLE signin_attempts DROP COLUMN wrong_numbers;
             DROP INDEX signin_attempts_pending_by_expiry;
             ALTER TABLE signin_attempts DROP COLUMN user_agent;
             DROP TABLE signin_pauses;
             DROP TABLE known_browsers;
             UPDATE schema_version SET version = 2;",
        )
        .unwrap();
    }
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), SqliteDatabase::SCHEMA_VERSION);
    assert_eq!(SqliteDatabase::SCHEMA_VERSION, 8);
    let auths = db.pending_authentications(300, clock);
    // A state stored before requirements were kept reads back with none.
    let got = auths.take(b"old").unwrap().unwrap();
    assert!(got.requirements().is_empty());
    assert_eq!(got, state);
}

#[test]
fn migrates_an_empty_file_into_wal_with_every_table() {
    let (_dir, path) = temp("migrate");
    // An empty file is a valid, empty SQLite database.
    std::fs::write(&path, b"").unwrap();
    let db = SqliteDatabase::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), SqliteDatabase::SCHEMA_VERSION);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
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
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let (_dir, path) = temp("garbage");
    std::fs::write(&path, vec![0x42u8; 4096]).unwrap();
    match SqliteDatabase::open(&path) {
        Err(e @ StoreError::Database(_)) => {
            assert!(core::error::Error::source(&e).is_some(), "keeps its source");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}
