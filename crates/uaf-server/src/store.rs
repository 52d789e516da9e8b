//! Storage. [`Database`] opens either backend for the server code: SQLite (this module, one
//! node) or PostgreSQL ([`postgres`], several nodes on one database).
//!
//! SQLite storage: [`SqliteCredentialStore`] (a [`CredentialStore`]) and
//! [`SqlitePendingStore`] (a [`PendingStore`] of pending registrations or authentications),
//! both over one [`SqliteDatabase`].
//!
//! ## Connections
//! A [`SqliteDatabase`] is **one connection behind a mutex**, shared by every store made from
//! it (cloning the handle shares the connection). SQLite serialises writers anyway, every
//! statement here touches one row through an index (micro-seconds), and the expensive part
//! of a request (signature verification) runs outside the lock; a single connection also
//! makes `:memory:` databases work (each connection of `:memory:` is a database of its own).
//! Several handles (or several processes) may open the same *file*: every write runs in a
//! `BEGIN IMMEDIATE` transaction and waits up to [`SqliteDatabase::BUSY_TIMEOUT`] for the
//! write lock, so the guarantees below hold across connections too.
//!
//! ## Guarantees
//! - **Insert-unique**: `UNIQUE (aaid, key_id)`; `INSERT … ON CONFLICT DO NOTHING` reports
//!   [`InsertOutcome::AlreadyExists`] (AAIDs are stored upper case, so they compare
//!   case-insensitively, KeyIDs byte for byte).
//! - **Compare-and-swap counters**: `UPDATE … SET sign_counter = new WHERE … AND
//!   sign_counter = expected`; a conflict reports the current value.
//! - **Single-use challenges**: `DELETE … RETURNING` removes and returns a pending state in
//!   one statement, so of many concurrent `take`s of one challenge exactly one gets it.
//! - **Expiry**: a pending state older than the store's TTL is never returned (a late `take`
//!   deletes it and answers `None`), and every `put` purges the expired ones.
//! - **Durability**: WAL journal with `synchronous = FULL`: a committed `take` (a used
//!   challenge) or counter update survives a crash or power loss, so it cannot be replayed.
//!
//! ## Schema
//! Versioned in the table `schema_version`; [`SqliteDatabase::open`] applies the forward
//! migrations a database lacks, each in its own transaction, and refuses a database made by a
//! newer build ([`StoreError::NewerSchema`]). See `docs/server.md`.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{AuthenticationRequest, DecodeOptions, RegistrationRequest};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore};
use uaf_rp::{PendingAuthentication, PendingRegistration, Registration};

mod any;
pub mod postgres;

pub use any::{AnyCredentialStore, AnyPendingStore, AnySignInStore, Database};
pub use postgres::{
    PgCredentialStore, PgDatabase, PgPendingStore, PgSignInStore, is_postgres_url, redact_url,
};

/// What can go wrong in the stores (SQLite or PostgreSQL).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error (I/O, lock or connection timeout, constraint…).
    Database(String),
    /// A stored row cannot be read back (a value out of range, an invalid AAID or request).
    Corrupt(String),
    /// The database was made by a newer build: its schema version is unknown here.
    NewerSchema {
        /// The version found in the database.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Database(m) => write!(f, "database error: {m}"),
            StoreError::Corrupt(m) => write!(f, "stored data cannot be read: {m}"),
            StoreError::NewerSchema { found, known } => write!(
                f,
                "the database has schema version {found}, this build knows up to {known}: \
                 use a newer uaf-server (downgrades are not supported)"
            ),
        }
    }
}

impl core::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// The forward migrations: entry `i` takes a database from version `i` to `i + 1`. Never
/// edit a published entry; append a new one (docs/server.md, "Schema").
const MIGRATIONS: &[&str] = &[
    // 0 → 1: registrations and pending ceremonies.
    "CREATE TABLE registrations (
         aaid TEXT NOT NULL,
         key_id BLOB NOT NULL,
         username TEXT NOT NULL,
         public_key BLOB NOT NULL,
         public_key_encoding INTEGER NOT NULL,
         sign_alg INTEGER NOT NULL,
         sign_counter INTEGER NOT NULL,
         authenticator_version INTEGER NOT NULL,
         attestation_type INTEGER NOT NULL,
         registered_at INTEGER NOT NULL,
         UNIQUE (aaid, key_id)
     );
     CREATE INDEX registrations_by_user ON registrations (username);
     CREATE TABLE pending (
         kind TEXT NOT NULL,
         challenge BLOB NOT NULL,
         request TEXT NOT NULL,
         username TEXT,
         issued_at INTEGER NOT NULL,
         PRIMARY KEY (kind, challenge)
     );
     CREATE INDEX pending_by_issue ON pending (issued_at);",
    // 1 → 2: phone sign-in — one-time enrolment invites, enrolled phones (device tokens),
    // sign-in attempts and browser sessions. Every secret is stored as its SHA-256.
    "CREATE TABLE phone_invites (
         code_hash BLOB PRIMARY KEY,
         username TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL
     );
     CREATE INDEX phone_invites_by_expiry ON phone_invites (expires_at);
     CREATE TABLE phone_devices (
         token_hash BLOB PRIMARY KEY,
         username TEXT NOT NULL,
         aaid TEXT NOT NULL,
         key_id BLOB NOT NULL,
         created_at INTEGER NOT NULL,
         UNIQUE (aaid, key_id)
     );
     CREATE INDEX phone_devices_by_user ON phone_devices (username);
     CREATE TABLE signin_attempts (
         id TEXT PRIMARY KEY,
         username TEXT NOT NULL,
         browser_hash BLOB NOT NULL,
         server_data TEXT,
         request TEXT,
         match_code TEXT NOT NULL,
         state TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL
     );
     CREATE INDEX signin_attempts_by_user ON signin_attempts (username, state);
     CREATE INDEX signin_attempts_by_expiry ON signin_attempts (expires_at);
     CREATE TABLE sessions (
         id_hash BLOB PRIMARY KEY,
         username TEXT NOT NULL,
         method TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL
     );
     CREATE INDEX sessions_by_expiry ON sessions (expires_at);",
];

/// The clock of the stores: unix seconds.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock, in unix seconds (0 before 1970).
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(unix_now)
}

/// The system time in unix seconds (0 before 1970).
#[must_use]
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An open SQLite database: one connection behind a mutex (see the module docs). Cloning
/// shares the connection.
#[derive(Clone)]
pub struct SqliteDatabase {
    conn: Arc<Mutex<Connection>>,
    location: String,
}

impl fmt::Debug for SqliteDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteDatabase")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl SqliteDatabase {
    /// The path that opens a private in-memory database.
    pub const MEMORY: &'static str = ":memory:";

    /// How long a write waits for another connection's write lock.
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

    /// The newest schema version this build knows (the number of migrations).
    // A handful of migrations: the length always fits.
    #[allow(clippy::as_conversions)]
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    /// Opens (creating if needed) the database file at `path`, or a private in-memory
    /// database for `:memory:`; switches to WAL, and migrates the schema forward.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the file cannot be opened or migrated,
    /// [`StoreError::NewerSchema`] for a database of a newer build.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = if path.as_os_str() == Self::MEMORY {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        conn.busy_timeout(Self::BUSY_TIMEOUT)?;
        // WAL: readers never block the writer; `:memory:` answers "memory", which is fine.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        // A committed take or counter update must survive power loss (no replay after it).
        conn.pragma_update(None, "synchronous", "FULL")?;
        let db = SqliteDatabase {
            conn: Arc::new(Mutex::new(conn)),
            location: path.display().to_string(),
        };
        db.migrate()?;
        Ok(db)
    }

    /// A private in-memory database (tests, demos).
    ///
    /// # Errors
    /// As [`SqliteDatabase::open`].
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::open(Self::MEMORY)
    }

    /// Where the database lives (the path given, or `:memory:`).
    #[must_use]
    pub fn location(&self) -> &str {
        &self.location
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock only means a thread panicked while holding it; every write runs in
        // a transaction that rolled back when that thread unwound, so the connection is sound.
        match self.conn.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction (the write lock first, waiting up to
    /// [`Self::BUSY_TIMEOUT`]), committing when it succeeds.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.lock();
        f(&conn)
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(current_version)
    }

    /// Checks that the database answers (`SELECT 1`): for health checks.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
    }

    fn migrate(&self) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
            )?;
            let found = current_version(tx)?;
            if found > Self::SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    found,
                    known: Self::SCHEMA_VERSION,
                });
            }
            if found == 0 {
                tx.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
            }
            Ok(())
        })?;
        // Each step in its own transaction: a failure leaves the last complete version.
        for (from, sql) in MIGRATIONS.iter().enumerate() {
            let from = u32::try_from(from).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            self.write(|tx| {
                // Re-read under the write lock: another process may have migrated meanwhile.
                if current_version(tx)? != from {
                    return Ok(());
                }
                tx.execute_batch(sql)?;
                tx.execute("UPDATE schema_version SET version = ?1", [from + 1])?;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// The credential store over this database.
    #[must_use]
    pub fn credentials(&self) -> SqliteCredentialStore {
        SqliteCredentialStore { db: self.clone() }
    }

    /// The pending-registration store over this database: states expire `ttl_secs` after
    /// issue (use the relying party's challenge TTL), by the system clock.
    #[must_use]
    pub fn pending_registrations(&self, ttl_secs: u64) -> SqlitePendingStore<PendingRegistration> {
        SqlitePendingStore::new(self.clone(), ttl_secs)
    }

    /// The rows of the phone sign-in flow (invites, phones, attempts, sessions) over this
    /// database.
    #[must_use]
    pub fn sign_in(&self) -> SqliteSignInStore {
        SqliteSignInStore { db: self.clone() }
    }

    /// The pending-authentication store over this database; see
    /// [`SqliteDatabase::pending_registrations`].
    #[must_use]
    pub fn pending_authentications(
        &self,
        ttl_secs: u64,
    ) -> SqlitePendingStore<PendingAuthentication> {
        SqlitePendingStore::new(self.clone(), ttl_secs)
    }
}

fn current_version(c: &Connection) -> Result<u32, StoreError> {
    let v: Option<i64> = c
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    u32::try_from(v.unwrap_or(0)).map_err(|e| StoreError::Corrupt(format!("schema version: {e}")))
}

pub(crate) fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v)
        .map_err(|_| StoreError::Corrupt(format!("{what} {v} does not fit a 64-bit integer")))
}

fn int<T: TryFrom<i64>>(row: &Row<'_>, index: usize, what: &str) -> Result<T, StoreError> {
    let v: i64 = row.get(index)?;
    T::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} out of range")))
}

/// The [`CredentialStore`] over a [`SqliteDatabase`] (table `registrations`).
#[derive(Clone, Debug)]
pub struct SqliteCredentialStore {
    db: SqliteDatabase,
}

impl SqliteCredentialStore {
    /// The database.
    #[must_use]
    pub fn database(&self) -> &SqliteDatabase {
        &self.db
    }

    /// The number of registrations stored.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn count(&self) -> Result<u64, StoreError> {
        self.db.read(|c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM registrations", [], |r| r.get(0))?;
            u64::try_from(n).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
    }
}

pub(crate) const REG_COLUMNS: &str = "username, aaid, key_id, public_key, public_key_encoding, sign_alg, \
                           sign_counter, authenticator_version, attestation_type, registered_at";

fn registration_of(row: &Row<'_>) -> Result<Registration, StoreError> {
    let aaid: String = row.get(1)?;
    let key_id: Vec<u8> = row.get(2)?;
    Ok(Registration {
        username: row.get(0)?,
        aaid: Aaid::parse(&aaid).map_err(|e| StoreError::Corrupt(format!("AAID {aaid:?}: {e}")))?,
        key_id: KeyId::from_stored(key_id)
            .map_err(|e| StoreError::Corrupt(format!("KeyID: {e}")))?,
        public_key: row.get(3)?,
        public_key_encoding: AlgKey::from_value(int(row, 4, "public key encoding")?),
        sign_alg: AlgSign::from_value(int(row, 5, "signature algorithm")?),
        sign_counter: int(row, 6, "sign counter")?,
        authenticator_version: int(row, 7, "authenticator version")?,
        attestation_type: AttestationType::from_value(int(row, 8, "attestation type")?),
        registered_at: int(row, 9, "registration time")?,
    })
}

/// AAIDs are stored upper case: `abcd#0001` and `ABCD#0001` are one model.
pub(crate) fn aaid_key(aaid: &Aaid) -> String {
    aaid.to_uppercase().as_str().to_owned()
}

fn counter_of(c: &Connection, aaid: &str, key_id: &[u8]) -> Result<Option<u32>, StoreError> {
    let v: Option<i64> = c
        .query_row(
            "SELECT sign_counter FROM registrations WHERE aaid = ?1 AND key_id = ?2",
            params![aaid, key_id],
            |r| r.get(0),
        )
        .optional()?;
    v.map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("sign counter {v}"))))
        .transpose()
}

impl CredentialStore for SqliteCredentialStore {
    type Error = StoreError;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StoreError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {REG_COLUMNS} FROM registrations WHERE aaid = ?1 AND key_id = ?2"
            ))?;
            let mut rows = stmt.query(params![aaid_key(aaid), key_id])?;
            match rows.next()? {
                Some(row) => registration_of(row).map(Some),
                None => Ok(None),
            }
        })
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, StoreError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {REG_COLUMNS} FROM registrations WHERE username = ?1 ORDER BY rowid"
            ))?;
            let mut rows = stmt.query([username])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(registration_of(row)?);
            }
            Ok(out)
        })
    }

    fn insert_unique(&self, r: Registration) -> Result<InsertOutcome, StoreError> {
        let registered_at = to_i64(r.registered_at, "registration time")?;
        self.db.write(|tx| {
            // UNIQUE (aaid, key_id) decides; nothing changes on a conflict.
            let n = tx.execute(
                &format!(
                    "INSERT INTO registrations ({REG_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (aaid, key_id) DO NOTHING"
                ),
                params![
                    r.username,
                    aaid_key(&r.aaid),
                    r.key_id.as_bytes(),
                    r.public_key,
                    r.public_key_encoding.value(),
                    r.sign_alg.value(),
                    r.sign_counter,
                    r.authenticator_version,
                    r.attestation_type.value(),
                    registered_at,
                ],
            )?;
            Ok(if n == 1 {
                InsertOutcome::Inserted
            } else {
                InsertOutcome::AlreadyExists
            })
        })
    }

    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, StoreError> {
        let aaid = aaid_key(aaid);
        self.db.write(|tx| {
            let n = tx.execute(
                "UPDATE registrations SET sign_counter = ?1
                 WHERE aaid = ?2 AND key_id = ?3 AND sign_counter = ?4",
                params![new, aaid, key_id, expected],
            )?;
            if n == 1 {
                return Ok(CasOutcome::Swapped);
            }
            // Same transaction: the value read is the one that made the update miss.
            Ok(match counter_of(tx, &aaid, key_id)? {
                Some(current) => CasOutcome::Conflict { current },
                None => CasOutcome::NotFound,
            })
        })
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, StoreError> {
        let aaid = aaid_key(aaid);
        self.db.write(|tx| {
            let n = tx.execute(
                "DELETE FROM registrations WHERE aaid = ?1 AND key_id = ?2",
                params![aaid, key_id],
            )?;
            Ok(n > 0)
        })
    }
}

/// A pending ceremony state that [`SqlitePendingStore`] can persist: the issued request as
/// JSON, the user it was issued for, and the issue time. Implemented for
/// [`PendingRegistration`] and [`PendingAuthentication`].
pub trait PersistedPending: Sized {
    /// The `kind` column (`reg`, `auth`): the two kinds share a table.
    const KIND: &'static str;

    /// The request JSON, the user name (if kept apart from the request) and the issue time.
    fn to_row(&self) -> (String, Option<String>, u64);

    /// Rebuilds the state from what [`PersistedPending::to_row`] stored.
    ///
    /// # Errors
    /// A description of what cannot be decoded.
    fn from_row(request: &str, username: Option<String>, issued_at: u64) -> Result<Self, String>;
}

/// Decodes a stored request array of exactly one request.
fn single<T>(all: Result<Vec<T>, uaf_proto::message::MessageError>) -> Result<T, String> {
    let mut all = all.map_err(|e| e.to_string())?;
    match (all.pop(), all.is_empty()) {
        (Some(one), true) => Ok(one),
        _ => Err(String::from(
            "the stored request is not an array of one request",
        )),
    }
}

impl PersistedPending for PendingRegistration {
    const KIND: &'static str = "reg";

    fn to_row(&self) -> (String, Option<String>, u64) {
        (self.request().to_json(), None, self.issued_at())
    }

    fn from_row(request: &str, _username: Option<String>, issued_at: u64) -> Result<Self, String> {
        // The request was made by this RP and re-read with the strict decoder (the same one
        // the conformance runner checks issued requests with).
        let request = single(RegistrationRequest::parse_array(
            request,
            &DecodeOptions::new(),
        ))?;
        Ok(PendingRegistration::from_issued(request, issued_at))
    }
}

impl PersistedPending for PendingAuthentication {
    const KIND: &'static str = "auth";

    fn to_row(&self) -> (String, Option<String>, u64) {
        (
            self.request().to_json(),
            self.username().map(str::to_owned),
            self.issued_at(),
        )
    }

    fn from_row(request: &str, username: Option<String>, issued_at: u64) -> Result<Self, String> {
        let request = single(AuthenticationRequest::parse_array(
            request,
            &DecodeOptions::new(),
        ))?;
        Ok(PendingAuthentication::from_issued(
            request, username, issued_at,
        ))
    }
}

/// The [`PendingStore`] over a [`SqliteDatabase`] (table `pending`, one `kind` per state
/// type): single-use (`DELETE … RETURNING`) and expiring.
pub struct SqlitePendingStore<P> {
    db: SqliteDatabase,
    ttl_secs: u64,
    clock: Clock,
    _kind: PhantomData<fn() -> P>,
}

impl<P> fmt::Debug for SqlitePendingStore<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlitePendingStore")
            .field("db", &self.db)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl<P> Clone for SqlitePendingStore<P> {
    fn clone(&self) -> Self {
        SqlitePendingStore {
            db: self.db.clone(),
            ttl_secs: self.ttl_secs,
            clock: Arc::clone(&self.clock),
            _kind: PhantomData,
        }
    }
}

impl<P: PersistedPending> SqlitePendingStore<P> {
    /// A store over `db` whose states expire `ttl_secs` after issue, by the system clock.
    #[must_use]
    pub fn new(db: SqliteDatabase, ttl_secs: u64) -> Self {
        SqlitePendingStore {
            db,
            ttl_secs,
            clock: system_clock(),
            _kind: PhantomData,
        }
    }

    /// The same store judging expiry by `clock` (tests; a clock shared with the verifier).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How long a state lives, in seconds.
    #[must_use]
    pub const fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    fn expired(&self, issued_at: u64, now: u64) -> bool {
        // The verifier's rule (UAF-PROTO 3.4.6.5 / 3.5.7.5 challenge expiry): older than TTL.
        now.saturating_sub(issued_at) > self.ttl_secs
    }

    /// Deletes the expired states of this kind; returns how many.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn purge_expired(&self) -> Result<usize, StoreError> {
        let now = (self.clock)();
        self.db.write(|tx| purge(tx, P::KIND, now, self.ttl_secs))
    }

    /// The number of states of this kind stored (expired ones included until purged).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn len(&self) -> Result<u64, StoreError> {
        self.db.read(|c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM pending WHERE kind = ?1",
                [P::KIND],
                |r| r.get(0),
            )?;
            u64::try_from(n).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
    }

    /// Whether no state of this kind is stored.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

fn purge(tx: &Connection, kind: &str, now: u64, ttl: u64) -> Result<usize, StoreError> {
    // Expired: now - issued_at > ttl, i.e. issued_at < now - ttl.
    let Some(cutoff) = now.checked_sub(ttl) else {
        return Ok(0);
    };
    Ok(tx.execute(
        "DELETE FROM pending WHERE kind = ?1 AND issued_at < ?2",
        params![kind, to_i64(cutoff, "time")?],
    )?)
}

impl<P: PersistedPending> PendingStore<P> for SqlitePendingStore<P> {
    type Error = StoreError;

    fn put(&self, challenge: &[u8], pending: P) -> Result<(), StoreError> {
        let (request, username, issued_at) = pending.to_row();
        let issued = to_i64(issued_at, "issue time")?;
        let now = (self.clock)();
        self.db.write(|tx| {
            purge(tx, P::KIND, now, self.ttl_secs)?;
            tx.execute(
                "INSERT INTO pending (kind, challenge, request, username, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, challenge) DO UPDATE SET
                     request = excluded.request, username = excluded.username,
                     issued_at = excluded.issued_at",
                params![P::KIND, challenge, request, username, issued],
            )?;
            Ok(())
        })
    }

    fn peek(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = self.db.read(|c| {
            Ok(c.query_row(
                "SELECT request, username, issued_at FROM pending
                 WHERE kind = ?1 AND challenge = ?2",
                params![P::KIND, challenge],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
        })?;
        let Some((request, username, issued_at)) = row else {
            return Ok(None);
        };
        let issued_at = u64::try_from(issued_at)
            .map_err(|_| StoreError::Corrupt(format!("issue time {issued_at}")))?;
        if self.expired(issued_at, (self.clock)()) {
            return Ok(None);
        }
        P::from_row(&request, username, issued_at)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("pending {} state: {e}", P::KIND)))
    }

    fn take(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        // One statement: of concurrent takes, exactly one sees the row (single use).
        let row: Option<(String, Option<String>, i64)> = self.db.write(|tx| {
            Ok(tx
                .query_row(
                    "DELETE FROM pending WHERE kind = ?1 AND challenge = ?2
                     RETURNING request, username, issued_at",
                    params![P::KIND, challenge],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })?;
        let Some((request, username, issued_at)) = row else {
            return Ok(None);
        };
        let issued_at = u64::try_from(issued_at)
            .map_err(|_| StoreError::Corrupt(format!("issue time {issued_at}")))?;
        if self.expired(issued_at, (self.clock)()) {
            return Ok(None);
        }
        P::from_row(&request, username, issued_at)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("pending {} state: {e}", P::KIND)))
    }
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in (schema version 2)
// ---------------------------------------------------------------------------------------------

/// A one-time enrolment invite, as stored (the code itself is never stored, only its SHA-256).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InviteRow {
    /// The account the invite enrols a phone for.
    pub username: String,
    /// When it was made (unix seconds).
    pub created_at: u64,
    /// The last second it is valid (unix seconds).
    pub expires_at: u64,
}

/// An enrolled phone: the account and the key its device token is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceRow {
    /// The account.
    pub username: String,
    /// The AAID of the phone's authenticator (upper case).
    pub aaid: String,
    /// The KeyID registered at enrolment.
    pub key_id: Vec<u8>,
    /// When it was enrolled (unix seconds).
    pub created_at: u64,
}

/// Where a sign-in attempt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttemptState {
    /// Waiting for the phone.
    Pending,
    /// The phone approved it (a verified UAF authentication); the browser may collect the
    /// session.
    Approved,
    /// The phone declined it.
    Declined,
    /// The phone answered but its response did not verify (the challenge is used up).
    Failed,
    /// The browser collected its session: the attempt is used up.
    Consumed,
}

impl AttemptState {
    /// The stored text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            AttemptState::Pending => "pending",
            AttemptState::Approved => "approved",
            AttemptState::Declined => "declined",
            AttemptState::Failed => "failed",
            AttemptState::Consumed => "consumed",
        }
    }

    /// The state of a stored text.
    #[must_use]
    pub fn parse(text: &str) -> Option<AttemptState> {
        [
            AttemptState::Pending,
            AttemptState::Approved,
            AttemptState::Declined,
            AttemptState::Failed,
            AttemptState::Consumed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A sign-in attempt, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRow {
    /// The attempt's identifier (base64url of 32 random bytes; an identifier, not a
    /// credential: collecting the session needs the browser secret, approving needs a phone).
    pub id: String,
    /// The account named in the browser (known or not).
    pub username: String,
    /// SHA-256 of the browser secret (the HttpOnly cookie of the browser that started it).
    pub browser_hash: Vec<u8>,
    /// The `serverData` of the UAF authentication request (`None` when no request was
    /// issued: an unknown user, or a user without phones).
    pub server_data: Option<String>,
    /// The UAF authentication request sent to the user's phones.
    pub request: Option<String>,
    /// The short code shown both on the page and on the phone.
    pub match_code: String,
    /// Where it is.
    pub state: AttemptState,
    /// When it was made (unix seconds).
    pub created_at: u64,
    /// The last second it is valid (unix seconds).
    pub expires_at: u64,
}

impl AttemptRow {
    /// A new pending attempt.
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: String,
        username: String,
        browser_hash: Vec<u8>,
        server_data: Option<String>,
        request: Option<String>,
        match_code: String,
        created_at: u64,
        expires_at: u64,
    ) -> AttemptRow {
        AttemptRow {
            id,
            username,
            browser_hash,
            server_data,
            request,
            match_code,
            state: AttemptState::Pending,
            created_at,
            expires_at,
        }
    }
}

/// A browser session, as stored (the session id itself is never stored, only its SHA-256).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionRow {
    /// The account signed in.
    pub username: String,
    /// How (`uaf-phone`).
    pub method: String,
    /// When it was made (unix seconds).
    pub created_at: u64,
    /// The last second it is valid (unix seconds).
    pub expires_at: u64,
}

impl SessionRow {
    /// A session of `username` signed in by `method`, valid from `created_at` to `expires_at`.
    #[must_use]
    pub fn new(username: String, method: String, created_at: u64, expires_at: u64) -> SessionRow {
        SessionRow {
            username,
            method,
            created_at,
            expires_at,
        }
    }
}

/// The rows of the phone sign-in flow over a [`SqliteDatabase`]: invites (taken once),
/// enrolled phones, sign-in attempts (state changes by compare-and-swap) and sessions.
/// Secrets arrive here already hashed (SHA-256); lookups are by hash.
#[derive(Clone, Debug)]
pub struct SqliteSignInStore {
    db: SqliteDatabase,
}

pub(crate) fn u64_of(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} out of range")))
}

pub(crate) const ATTEMPT_COLUMNS: &str = "id, username, browser_hash, server_data, request, match_code, \
                               state, created_at, expires_at";

fn attempt_of(row: &Row<'_>) -> Result<AttemptRow, StoreError> {
    let state: String = row.get(6)?;
    Ok(AttemptRow {
        id: row.get(0)?,
        username: row.get(1)?,
        browser_hash: row.get(2)?,
        server_data: row.get(3)?,
        request: row.get(4)?,
        match_code: row.get(5)?,
        state: AttemptState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("attempt state {state:?}")))?,
        created_at: u64_of(row.get(7)?, "creation time")?,
        expires_at: u64_of(row.get(8)?, "expiry time")?,
    })
}

impl SqliteSignInStore {
    /// Stores an invite (purging the expired ones first).
    ///
    /// # Errors
    /// [`StoreError::Database`] (a duplicate code hash included).
    pub fn put_invite(
        &self,
        code_hash: &[u8],
        username: &str,
        created_at: u64,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        let created = to_i64(created_at, "time")?;
        let expires = to_i64(expires_at, "time")?;
        self.db.write(|tx| {
            tx.execute(
                "DELETE FROM phone_invites WHERE expires_at < ?1",
                params![created],
            )?;
            tx.execute(
                "INSERT INTO phone_invites (code_hash, username, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, username, created, expires],
            )?;
            Ok(())
        })
    }

    /// The invite with this code hash, if stored (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn find_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        self.db.read(|c| {
            let row: Option<(String, i64, i64)> = c
                .query_row(
                    "SELECT username, created_at, expires_at FROM phone_invites
                     WHERE code_hash = ?1",
                    params![code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(username, c, e)| {
                Ok(InviteRow {
                    username,
                    created_at: u64_of(c, "creation time")?,
                    expires_at: u64_of(e, "expiry time")?,
                })
            })
            .transpose()
        })
    }

    /// Removes and returns the invite with this code hash (one statement: of concurrent takes
    /// exactly one gets it, so a code is used once).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn take_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        let row: Option<(String, i64, i64)> = self.db.write(|tx| {
            Ok(tx
                .query_row(
                    "DELETE FROM phone_invites WHERE code_hash = ?1
                     RETURNING username, created_at, expires_at",
                    params![code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })?;
        row.map(|(username, c, e)| {
            Ok(InviteRow {
                username,
                created_at: u64_of(c, "creation time")?,
                expires_at: u64_of(e, "expiry time")?,
            })
        })
        .transpose()
    }

    /// Stores an enrolled phone: its device token hash, bound to the account and key.
    ///
    /// # Errors
    /// [`StoreError::Database`] (the key already has a phone, or a duplicate token hash).
    pub fn put_device(
        &self,
        token_hash: &[u8],
        username: &str,
        aaid: &Aaid,
        key_id: &[u8],
        created_at: u64,
    ) -> Result<(), StoreError> {
        let created = to_i64(created_at, "time")?;
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO phone_devices (token_hash, username, aaid, key_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, username, aaid_key(aaid), key_id, created],
            )?;
            Ok(())
        })
    }

    /// The phone whose device token has this hash.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn find_device(&self, token_hash: &[u8]) -> Result<Option<DeviceRow>, StoreError> {
        self.db.read(|c| {
            let row: Option<(String, String, Vec<u8>, i64)> = c
                .query_row(
                    "SELECT username, aaid, key_id, created_at FROM phone_devices
                     WHERE token_hash = ?1",
                    params![token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            row.map(|(username, aaid, key_id, c)| {
                Ok(DeviceRow {
                    username,
                    aaid,
                    key_id,
                    created_at: u64_of(c, "creation time")?,
                })
            })
            .transpose()
        })
    }

    /// Stores a new attempt (purging the attempts expired for an hour).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn put_attempt(&self, a: &AttemptRow) -> Result<(), StoreError> {
        let created = to_i64(a.created_at, "time")?;
        let expires = to_i64(a.expires_at, "time")?;
        let cutoff = to_i64(a.created_at.saturating_sub(3600), "time")?;
        self.db.write(|tx| {
            tx.execute(
                "DELETE FROM signin_attempts WHERE expires_at < ?1",
                params![cutoff],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO signin_attempts ({ATTEMPT_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                params![
                    a.id,
                    a.username,
                    a.browser_hash,
                    a.server_data,
                    a.request,
                    a.match_code,
                    a.state.as_str(),
                    created,
                    expires
                ],
            )?;
            Ok(())
        })
    }

    /// The attempt with this id.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn attempt(&self, id: &str) -> Result<Option<AttemptRow>, StoreError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ATTEMPT_COLUMNS} FROM signin_attempts WHERE id = ?1"
            ))?;
            let mut rows = stmt.query([id])?;
            match rows.next()? {
                Some(row) => attempt_of(row).map(Some),
                None => Ok(None),
            }
        })
    }

    /// The pending, unexpired attempts of `username` that carry a UAF request, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn pending_attempts(
        &self,
        username: &str,
        now: u64,
    ) -> Result<Vec<AttemptRow>, StoreError> {
        let now = to_i64(now, "time")?;
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ATTEMPT_COLUMNS} FROM signin_attempts
                 WHERE username = ?1 AND state = 'pending' AND expires_at >= ?2
                   AND request IS NOT NULL
                 ORDER BY created_at, id"
            ))?;
            let mut rows = stmt.query(params![username, now])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(attempt_of(row)?);
            }
            Ok(out)
        })
    }

    /// Moves attempt `id` from `from` to `to` if it is in `from` and not expired at `now`
    /// (compare-and-swap: of concurrent transitions exactly one wins). Returns whether it
    /// moved.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn transition(
        &self,
        id: &str,
        from: AttemptState,
        to: AttemptState,
        now: u64,
    ) -> Result<bool, StoreError> {
        let now = to_i64(now, "time")?;
        self.db.write(|tx| {
            let n = tx.execute(
                "UPDATE signin_attempts SET state = ?1
                 WHERE id = ?2 AND state = ?3 AND expires_at >= ?4",
                params![to.as_str(), id, from.as_str(), now],
            )?;
            Ok(n == 1)
        })
    }

    /// In one transaction: moves attempt `id` from approved to consumed (if not expired at
    /// `now`) and, if it moved, stores the session. Returns whether it did.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn consume_into_session(
        &self,
        id: &str,
        now: u64,
        session_hash: &[u8],
        session: &SessionRow,
    ) -> Result<bool, StoreError> {
        let now_i = to_i64(now, "time")?;
        let created = to_i64(session.created_at, "time")?;
        let expires = to_i64(session.expires_at, "time")?;
        self.db.write(|tx| {
            let n = tx.execute(
                "UPDATE signin_attempts SET state = 'consumed'
                 WHERE id = ?1 AND state = 'approved' AND expires_at >= ?2",
                params![id, now_i],
            )?;
            if n != 1 {
                return Ok(false);
            }
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now_i])?;
            tx.execute(
                "INSERT INTO sessions (id_hash, username, method, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    session_hash,
                    session.username,
                    session.method,
                    created,
                    expires
                ],
            )?;
            Ok(true)
        })
    }

    /// The session whose id has this hash (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        self.db.read(|c| {
            let row: Option<(String, String, i64, i64)> = c
                .query_row(
                    "SELECT username, method, created_at, expires_at FROM sessions
                     WHERE id_hash = ?1",
                    params![id_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            row.map(|(username, method, c, e)| {
                Ok(SessionRow {
                    username,
                    method,
                    created_at: u64_of(c, "creation time")?,
                    expires_at: u64_of(e, "expiry time")?,
                })
            })
            .transpose()
        })
    }

    /// Deletes the session whose id has this hash; returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn delete_session(&self, id_hash: &[u8]) -> Result<bool, StoreError> {
        self.db.write(|tx| {
            let n = tx.execute("DELETE FROM sessions WHERE id_hash = ?1", params![id_hash])?;
            Ok(n > 0)
        })
    }
}
