//! PostgreSQL storage for several server nodes on one database: [`PgDatabase`] with
//! [`PgCredentialStore`], [`PgPendingStore`] and [`PgSignInStore`], the same guarantees and
//! the same schema meaning (and version numbers) as the SQLite stores.
//!
//! ## Connections
//! A [`PgDatabase`] is a **fixed pool** of [`PgDatabase::DEFAULT_POOL_SIZE`] (or
//! `pool_size`) connections made by `tokio-postgres`, driven by a small tokio runtime of its
//! own (one worker thread) that the handle owns. Every store call is synchronous, like the
//! SQLite stores: it checks a connection out of the pool (waiting up to
//! [`PgDatabase::CHECKOUT_TIMEOUT`] when all are busy), runs its statements with
//! `Handle::block_on`, and gives the connection back. The server calls the stores on tokio's
//! blocking pool, as for SQLite; they must not be called from an async task. A connection the
//! server lost is made again at its next checkout.
//!
//! ## Guarantees (the statement that gives each)
//! - **Insert-unique**: `UNIQUE (aaid, key_id)`, `INSERT … ON CONFLICT (aaid, key_id) DO
//!   NOTHING`: one row affected or none.
//! - **Compare-and-swap counters**: `UPDATE registrations SET sign_counter = $new WHERE … AND
//!   sign_counter = $expected`. Under READ COMMITTED a concurrent update of the row waits for
//!   the first and then re-checks the `WHERE` on the committed row, so of many swaps from one
//!   expected value exactly one matches; a miss reads the current value in a new statement
//!   (a fresh snapshot: the winner's value).
//! - **Take once**: `DELETE … RETURNING` (pending challenges, invites) and `UPDATE … WHERE
//!   state = $from` (attempts): one statement, so of concurrent takes exactly one gets the row.
//! - **Expiry** by the server's clock (`now` is a parameter, never the database's `now()`).
//!   Purges delete with `FOR UPDATE SKIP LOCKED`, so concurrent purges on several nodes never
//!   wait for or deadlock with each other.
//! - **Migrations**: each step in its own transaction that first takes
//!   `pg_advisory_xact_lock(`[`MIGRATION_LOCK`]`)` and re-reads the version, so nodes
//!   starting at once migrate once, one after the other.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::time::Duration;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use tokio_postgres::{Client, NoTls, Row, Transaction};
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore};
use uaf_rp::{PendingAuthentication, PendingRegistration, Registration};

use super::{
    ATTEMPT_COLUMNS, AttemptRow, AttemptState, Clock, DeviceRow, InviteRow, PersistedPending,
    REG_COLUMNS, SessionRow, StoreError, aaid_key, system_clock, to_i64, u64_of,
};

/// The key of the advisory lock that serialises migrations (ASCII `uafschem`).
pub const MIGRATION_LOCK: i64 = 0x7561_6673_6368_656d;

/// The forward migrations, as for SQLite (entry `i` takes version `i` to `i + 1`, the same
/// numbers and meaning), with PostgreSQL types: `BYTEA` for bytes, `BIGINT` for integers.
/// Never edit a published entry; append a new one.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: registrations and pending ceremonies. `id` keeps the insertion order (SQLite's
    // rowid).
    "CREATE TABLE registrations (
         id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         aaid TEXT NOT NULL,
         key_id BYTEA NOT NULL,
         username TEXT NOT NULL,
         public_key BYTEA NOT NULL,
         public_key_encoding BIGINT NOT NULL,
         sign_alg BIGINT NOT NULL,
         sign_counter BIGINT NOT NULL,
         authenticator_version BIGINT NOT NULL,
         attestation_type BIGINT NOT NULL,
         registered_at BIGINT NOT NULL,
         UNIQUE (aaid, key_id)
     );
     CREATE INDEX registrations_by_user ON registrations (username);
     CREATE TABLE pending (
         kind TEXT NOT NULL,
         challenge BYTEA NOT NULL,
         request TEXT NOT NULL,
         username TEXT,
         issued_at BIGINT NOT NULL,
         PRIMARY KEY (kind, challenge)
     );
     CREATE INDEX pending_by_issue ON pending (issued_at);",
    // 1 → 2: phone sign-in. Every secret is stored as its SHA-256.
    "CREATE TABLE phone_invites (
         code_hash BYTEA PRIMARY KEY,
         username TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL
     );
     CREATE INDEX phone_invites_by_expiry ON phone_invites (expires_at);
     CREATE TABLE phone_devices (
         token_hash BYTEA PRIMARY KEY,
         username TEXT NOT NULL,
         aaid TEXT NOT NULL,
         key_id BYTEA NOT NULL,
         created_at BIGINT NOT NULL,
         UNIQUE (aaid, key_id)
     );
     CREATE INDEX phone_devices_by_user ON phone_devices (username);
     CREATE TABLE signin_attempts (
         id TEXT PRIMARY KEY,
         username TEXT NOT NULL,
         browser_hash BYTEA NOT NULL,
         server_data TEXT,
         request TEXT,
         match_code TEXT NOT NULL,
         state TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL
     );
     CREATE INDEX signin_attempts_by_user ON signin_attempts (username, state);
     CREATE INDEX signin_attempts_by_expiry ON signin_attempts (expires_at);
     CREATE TABLE sessions (
         id_hash BYTEA PRIMARY KEY,
         username TEXT NOT NULL,
         method TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL
     );
     CREATE INDEX sessions_by_expiry ON sessions (expires_at);",
];

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// Whether `location` names a PostgreSQL database (`postgres://…`, `postgresql://…`).
#[must_use]
pub fn is_postgres_url(location: &str) -> bool {
    let lower = location.get(..13).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `location` without the password of its user info (`postgres://u:secret@h/db` →
/// `postgres://u:***@h/db`), for logs and `Debug`.
#[must_use]
pub fn redact_url(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else {
        return String::from(location);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => String::from(location),
        },
        None => String::from(location),
    }
}

/// The pool: one slot per connection; `None` is a slot whose connection must be made (at
/// start after a failure, or after the server closed it).
struct Pool {
    idle: Mutex<Vec<Option<Client>>>,
    returned: Condvar,
}

struct Inner {
    /// Drives the connections. Shut down in the background on drop (a runtime dropped on an
    /// async worker would panic otherwise).
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    config: tokio_postgres::Config,
    pool: Pool,
    size: usize,
    location: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(idle) = self.pool.idle.get_mut() {
            idle.clear();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// An open PostgreSQL database: a fixed pool of connections (see the module docs). Cloning
/// shares the pool.
#[derive(Clone)]
pub struct PgDatabase {
    inner: Arc<Inner>,
}

impl fmt::Debug for PgDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgDatabase")
            .field("location", &self.inner.location)
            .field("pool_size", &self.inner.size)
            .finish_non_exhaustive()
    }
}

/// A connection checked out of the pool; given back on drop.
struct Checkout<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        let client = self.client.take().filter(|c| !c.is_closed());
        lock(&self.pool.idle).push(client);
        self.pool.returned.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Poisoned only if a thread panicked holding it; the vector of slots is still sound.
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn int<T: TryFrom<i64>>(row: &Row, index: usize, what: &str) -> Result<T, StoreError> {
    let v: i64 = row.try_get(index)?;
    T::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} out of range")))
}

impl PgDatabase {
    /// The number of connections when none is asked for.
    pub const DEFAULT_POOL_SIZE: usize = 8;

    /// How long a call waits for a free connection before it fails.
    pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

    /// How long one call (its statements, with a connect if needed) may take.
    pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

    /// The newest schema version this build knows (the same number as SQLite's).
    // A handful of migrations: the length always fits.
    #[allow(clippy::as_conversions)]
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    /// Connects `pool_size` connections (at least one) to the database at `url`
    /// (`postgres://user[:password]@host[:port]/dbname[?options=…]`, the libpq URL form; plain
    /// TCP, no TLS), and migrates the schema forward (in the first schema of the
    /// `search_path`). Must not be called from an async task (it blocks).
    ///
    /// # Errors
    /// [`StoreError::Database`] when the URL is malformed or the database cannot be reached
    /// or migrated, [`StoreError::NewerSchema`] for a database of a newer build.
    pub fn open(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        let location = redact_url(url);
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Database(format!("{location}: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("uaf-server");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("uaf-server-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(format!("cannot start the runtime: {e}")))?;
        let size = pool_size.max(1);
        let db = PgDatabase {
            inner: Arc::new(Inner {
                handle: runtime.handle().clone(),
                runtime: Some(runtime),
                config,
                pool: Pool {
                    idle: Mutex::new((0..size).map(|_| None).collect()),
                    returned: Condvar::new(),
                },
                size,
                location,
            }),
        };
        db.migrate()?;
        // Fill the pool now: a wrong URL or a full server fails at start, not at a request.
        let mut held = Vec::with_capacity(size);
        for _ in 0..size {
            held.push(db.checkout()?);
        }
        drop(held);
        Ok(db)
    }

    /// Where the database lives: the URL without its password.
    #[must_use]
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    /// The number of connections of the pool.
    #[must_use]
    pub fn pool_size(&self) -> usize {
        self.inner.size
    }

    fn block_on<T>(
        &self,
        what: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.inner.handle.block_on(async {
            match tokio::time::timeout(Self::CALL_TIMEOUT, what).await {
                Ok(r) => r,
                Err(_) => Err(StoreError::Database(String::from(
                    "the database did not answer in time",
                ))),
            }
        })
    }

    async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self.inner.config.connect(NoTls).await?;
        let location = self.inner.location.clone();
        self.inner.handle.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(database = location, error = %e, "PostgreSQL connection lost");
            }
        });
        Ok(client)
    }

    /// A connection from the pool (made anew if its slot has none).
    fn checkout(&self) -> Result<Checkout<'_>, StoreError> {
        let pool = &self.inner.pool;
        let deadline = Instant::now() + Self::CHECKOUT_TIMEOUT;
        let mut idle = lock(&pool.idle);
        let slot = loop {
            if let Some(slot) = idle.pop() {
                break slot;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Database(format!(
                    "no free database connection within {} s (pool of {})",
                    Self::CHECKOUT_TIMEOUT.as_secs(),
                    self.inner.size
                )));
            }
            idle = match pool.returned.wait_timeout(idle, left) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        };
        drop(idle);
        // From here the slot goes back on drop, with or without a connection.
        let mut out = Checkout { pool, client: None };
        match slot.filter(|c| !c.is_closed()) {
            Some(c) => out.client = Some(c),
            None => out.client = Some(self.block_on(self.connect())?),
        }
        Ok(out)
    }

    /// Runs `f` on a pooled connection.
    fn with<T>(
        &self,
        f: impl AsyncFnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.checkout()?;
        let Some(client) = conn.client.as_mut() else {
            return Err(StoreError::Database(String::from("no connection")));
        };
        self.block_on(f(client))
    }

    /// Runs `f` in a transaction (READ COMMITTED) on a pooled connection, committing when it
    /// succeeds (rolled back otherwise).
    fn write<T>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with(async move |c| {
            let tx = c.transaction().await?;
            let out = f(&tx).await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.with(async |c| {
            let row = c
                .query_one("SELECT MAX(version) FROM schema_version", &[])
                .await?;
            let v: Option<i64> = row.try_get(0)?;
            u32::try_from(v.unwrap_or(0))
                .map_err(|e| StoreError::Corrupt(format!("schema version: {e}")))
        })
    }

    /// Checks that the database answers (`SELECT 1`): for health checks.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn ping(&self) -> Result<(), StoreError> {
        self.with(async |c| {
            c.query_one("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn migrate(&self) -> Result<(), StoreError> {
        // Each step in its own transaction, under the advisory lock: two nodes starting at
        // once take turns, and the second finds the work done.
        loop {
            let done = self.write(async |tx| {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                    .await?;
                tx.batch_execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
                )
                .await?;
                let row = tx
                    .query_one("SELECT MAX(version) FROM schema_version", &[])
                    .await?;
                let found: Option<i64> = row.try_get(0)?;
                let Some(found) = found else {
                    tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])
                        .await?;
                    return Ok(false);
                };
                let found = u32::try_from(found)
                    .map_err(|e| StoreError::Corrupt(format!("schema version: {e}")))?;
                if found > Self::SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        found,
                        known: Self::SCHEMA_VERSION,
                    });
                }
                let step =
                    usize::try_from(found).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let Some(sql) = MIGRATIONS.get(step) else {
                    return Ok(true);
                };
                tx.batch_execute(sql).await?;
                tx.execute(
                    "UPDATE schema_version SET version = $1",
                    &[&i64::from(found + 1)],
                )
                .await?;
                Ok(false)
            })?;
            if done {
                return Ok(());
            }
        }
    }

    /// The credential store over this database.
    #[must_use]
    pub fn credentials(&self) -> PgCredentialStore {
        PgCredentialStore { db: self.clone() }
    }

    /// The pending-registration store over this database: states expire `ttl_secs` after
    /// issue, by the system clock (see [`PgPendingStore::with_clock`]).
    #[must_use]
    pub fn pending_registrations(&self, ttl_secs: u64) -> PgPendingStore<PendingRegistration> {
        PgPendingStore::new(self.clone(), ttl_secs)
    }

    /// The pending-authentication store over this database; see
    /// [`PgDatabase::pending_registrations`].
    #[must_use]
    pub fn pending_authentications(&self, ttl_secs: u64) -> PgPendingStore<PendingAuthentication> {
        PgPendingStore::new(self.clone(), ttl_secs)
    }

    /// The rows of the phone sign-in flow over this database.
    #[must_use]
    pub fn sign_in(&self) -> PgSignInStore {
        PgSignInStore { db: self.clone() }
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// The [`CredentialStore`] over a [`PgDatabase`] (table `registrations`).
#[derive(Clone, Debug)]
pub struct PgCredentialStore {
    db: PgDatabase,
}

fn registration_of(row: &Row) -> Result<Registration, StoreError> {
    let aaid: String = row.try_get(1)?;
    let key_id: Vec<u8> = row.try_get(2)?;
    Ok(Registration {
        username: row.try_get(0)?,
        aaid: Aaid::parse(&aaid).map_err(|e| StoreError::Corrupt(format!("AAID {aaid:?}: {e}")))?,
        key_id: KeyId::from_stored(key_id)
            .map_err(|e| StoreError::Corrupt(format!("KeyID: {e}")))?,
        public_key: row.try_get(3)?,
        public_key_encoding: AlgKey::from_value(int(row, 4, "public key encoding")?),
        sign_alg: AlgSign::from_value(int(row, 5, "signature algorithm")?),
        sign_counter: int(row, 6, "sign counter")?,
        authenticator_version: int(row, 7, "authenticator version")?,
        attestation_type: AttestationType::from_value(int(row, 8, "attestation type")?),
        registered_at: int(row, 9, "registration time")?,
    })
}

impl PgCredentialStore {
    /// The database.
    #[must_use]
    pub fn database(&self) -> &PgDatabase {
        &self.db
    }

    /// The number of registrations stored.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn count(&self) -> Result<u64, StoreError> {
        self.db.with(async |c| {
            let row = c
                .query_one("SELECT COUNT(*) FROM registrations", &[])
                .await?;
            u64_of(row.try_get(0)?, "count")
        })
    }
}

impl CredentialStore for PgCredentialStore {
    type Error = StoreError;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StoreError> {
        let aaid = aaid_key(aaid);
        self.db.with(async |c| {
            c.query_opt(
                &format!("SELECT {REG_COLUMNS} FROM registrations WHERE aaid = $1 AND key_id = $2"),
                &[&aaid, &key_id],
            )
            .await?
            .as_ref()
            .map(registration_of)
            .transpose()
        })
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, StoreError> {
        self.db.with(async |c| {
            c.query(
                &format!("SELECT {REG_COLUMNS} FROM registrations WHERE username = $1 ORDER BY id"),
                &[&username],
            )
            .await?
            .iter()
            .map(registration_of)
            .collect()
        })
    }

    fn insert_unique(&self, r: Registration) -> Result<InsertOutcome, StoreError> {
        let registered_at = to_i64(r.registered_at, "registration time")?;
        let aaid = aaid_key(&r.aaid);
        let n = self.db.with(async |c| {
            // UNIQUE (aaid, key_id) decides; nothing changes on a conflict.
            Ok(c.execute(
                &format!(
                    "INSERT INTO registrations ({REG_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (aaid, key_id) DO NOTHING"
                ),
                &[
                    &r.username,
                    &aaid,
                    &r.key_id.as_bytes(),
                    &r.public_key,
                    &i64::from(r.public_key_encoding.value()),
                    &i64::from(r.sign_alg.value()),
                    &i64::from(r.sign_counter),
                    &i64::from(r.authenticator_version),
                    &i64::from(r.attestation_type.value()),
                    &registered_at,
                ],
            )
            .await?)
        })?;
        Ok(if n == 1 {
            InsertOutcome::Inserted
        } else {
            InsertOutcome::AlreadyExists
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
        self.db.with(async |c| {
            let n = c
                .execute(
                    "UPDATE registrations SET sign_counter = $1
                     WHERE aaid = $2 AND key_id = $3 AND sign_counter = $4",
                    &[&i64::from(new), &aaid, &key_id, &i64::from(expected)],
                )
                .await?;
            if n == 1 {
                return Ok(CasOutcome::Swapped);
            }
            // A new statement, a new snapshot: the value that made the update miss (or a
            // later one).
            let row = c
                .query_opt(
                    "SELECT sign_counter FROM registrations WHERE aaid = $1 AND key_id = $2",
                    &[&aaid, &key_id],
                )
                .await?;
            Ok(match row {
                Some(row) => CasOutcome::Conflict {
                    current: int(&row, 0, "sign counter")?,
                },
                None => CasOutcome::NotFound,
            })
        })
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, StoreError> {
        let aaid = aaid_key(aaid);
        self.db.with(async |c| {
            let n = c
                .execute(
                    "DELETE FROM registrations WHERE aaid = $1 AND key_id = $2",
                    &[&aaid, &key_id],
                )
                .await?;
            Ok(n > 0)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Pending ceremonies
// ---------------------------------------------------------------------------------------------

/// The [`PendingStore`] over a [`PgDatabase`] (table `pending`, one `kind` per state type):
/// single-use (`DELETE … RETURNING`) and expiring by the store's clock.
pub struct PgPendingStore<P> {
    db: PgDatabase,
    ttl_secs: u64,
    clock: Clock,
    _kind: PhantomData<fn() -> P>,
}

impl<P> fmt::Debug for PgPendingStore<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgPendingStore")
            .field("db", &self.db)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl<P> Clone for PgPendingStore<P> {
    fn clone(&self) -> Self {
        PgPendingStore {
            db: self.db.clone(),
            ttl_secs: self.ttl_secs,
            clock: Arc::clone(&self.clock),
            _kind: PhantomData,
        }
    }
}

/// Deletes the pending states of `kind` issued before `now - ttl` (skipping rows another
/// transaction holds: concurrent purges never wait for each other).
async fn purge_pending(
    tx: &Transaction<'_>,
    kind: &str,
    now: u64,
    ttl: u64,
) -> Result<usize, StoreError> {
    let Some(cutoff) = now.checked_sub(ttl) else {
        return Ok(0);
    };
    let n = tx
        .execute(
            "DELETE FROM pending WHERE (kind, challenge) IN (
                 SELECT kind, challenge FROM pending WHERE kind = $1 AND issued_at < $2
                 FOR UPDATE SKIP LOCKED)",
            &[&kind, &to_i64(cutoff, "time")?],
        )
        .await?;
    usize::try_from(n).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl<P: PersistedPending> PgPendingStore<P> {
    /// A store over `db` whose states expire `ttl_secs` after issue, by the system clock.
    #[must_use]
    pub fn new(db: PgDatabase, ttl_secs: u64) -> Self {
        PgPendingStore {
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

    /// Deletes the expired states of this kind; returns how many.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn purge_expired(&self) -> Result<usize, StoreError> {
        let now = (self.clock)();
        self.db
            .write(async |tx| purge_pending(tx, P::KIND, now, self.ttl_secs).await)
    }

    /// The number of states of this kind stored (expired ones included until purged).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn len(&self) -> Result<u64, StoreError> {
        self.db.with(async |c| {
            let row = c
                .query_one("SELECT COUNT(*) FROM pending WHERE kind = $1", &[&P::KIND])
                .await?;
            u64_of(row.try_get(0)?, "count")
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

impl<P: PersistedPending> PendingStore<P> for PgPendingStore<P> {
    type Error = StoreError;

    fn put(&self, challenge: &[u8], pending: P) -> Result<(), StoreError> {
        let (request, username, issued_at) = pending.to_row();
        let issued = to_i64(issued_at, "issue time")?;
        let now = (self.clock)();
        self.db.write(async |tx| {
            purge_pending(tx, P::KIND, now, self.ttl_secs).await?;
            tx.execute(
                "INSERT INTO pending (kind, challenge, request, username, issued_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (kind, challenge) DO UPDATE SET
                     request = EXCLUDED.request, username = EXCLUDED.username,
                     issued_at = EXCLUDED.issued_at",
                &[&P::KIND, &challenge, &request, &username, &issued],
            )
            .await?;
            Ok(())
        })
    }

    fn peek(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        let row = self.db.with(async |c| {
            Ok(c.query_opt(
                "SELECT request, username, issued_at FROM pending
                 WHERE kind = $1 AND challenge = $2",
                &[&P::KIND, &challenge],
            )
            .await?)
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let request: String = row.try_get(0)?;
        let username: Option<String> = row.try_get(1)?;
        let issued_at = u64_of(row.try_get(2)?, "issue time")?;
        if (self.clock)().saturating_sub(issued_at) > self.ttl_secs {
            return Ok(None);
        }
        P::from_row(&request, username, issued_at)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("pending {} state: {e}", P::KIND)))
    }

    fn take(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        // One statement: of concurrent takes (on any node), exactly one sees the row.
        let row = self.db.with(async |c| {
            Ok(c.query_opt(
                "DELETE FROM pending WHERE kind = $1 AND challenge = $2
                 RETURNING request, username, issued_at",
                &[&P::KIND, &challenge],
            )
            .await?)
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let request: String = row.try_get(0)?;
        let username: Option<String> = row.try_get(1)?;
        let issued_at = u64_of(row.try_get(2)?, "issue time")?;
        // The verifier's rule (UAF-PROTO 3.4.6.5 / 3.5.7.5 challenge expiry): older than TTL.
        if (self.clock)().saturating_sub(issued_at) > self.ttl_secs {
            return Ok(None);
        }
        P::from_row(&request, username, issued_at)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("pending {} state: {e}", P::KIND)))
    }
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in
// ---------------------------------------------------------------------------------------------

/// The rows of the phone sign-in flow over a [`PgDatabase`]: the API of
/// [`super::SqliteSignInStore`], with the same guarantees.
#[derive(Clone, Debug)]
pub struct PgSignInStore {
    db: PgDatabase,
}

fn attempt_of(row: &Row) -> Result<AttemptRow, StoreError> {
    let state: String = row.try_get(6)?;
    Ok(AttemptRow {
        id: row.try_get(0)?,
        username: row.try_get(1)?,
        browser_hash: row.try_get(2)?,
        server_data: row.try_get(3)?,
        request: row.try_get(4)?,
        match_code: row.try_get(5)?,
        state: AttemptState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("attempt state {state:?}")))?,
        created_at: u64_of(row.try_get(7)?, "creation time")?,
        expires_at: u64_of(row.try_get(8)?, "expiry time")?,
    })
}

fn invite_of(row: &Row) -> Result<InviteRow, StoreError> {
    Ok(InviteRow {
        username: row.try_get(0)?,
        created_at: u64_of(row.try_get(1)?, "creation time")?,
        expires_at: u64_of(row.try_get(2)?, "expiry time")?,
    })
}

impl PgSignInStore {
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
        self.db.write(async |tx| {
            tx.execute(
                "DELETE FROM phone_invites WHERE code_hash IN (
                     SELECT code_hash FROM phone_invites WHERE expires_at < $1
                     FOR UPDATE SKIP LOCKED)",
                &[&created],
            )
            .await?;
            tx.execute(
                "INSERT INTO phone_invites (code_hash, username, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
                &[&code_hash, &username, &created, &expires],
            )
            .await?;
            Ok(())
        })
    }

    /// The invite with this code hash, if stored (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn find_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        self.db.with(async |c| {
            c.query_opt(
                "SELECT username, created_at, expires_at FROM phone_invites
                 WHERE code_hash = $1",
                &[&code_hash],
            )
            .await?
            .as_ref()
            .map(invite_of)
            .transpose()
        })
    }

    /// Removes and returns the invite with this code hash (`DELETE … RETURNING`: of
    /// concurrent takes on any node exactly one gets it).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn take_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        self.db.with(async |c| {
            c.query_opt(
                "DELETE FROM phone_invites WHERE code_hash = $1
                 RETURNING username, created_at, expires_at",
                &[&code_hash],
            )
            .await?
            .as_ref()
            .map(invite_of)
            .transpose()
        })
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
        let aaid = aaid_key(aaid);
        self.db.with(async |c| {
            c.execute(
                "INSERT INTO phone_devices (token_hash, username, aaid, key_id, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&token_hash, &username, &aaid, &key_id, &created],
            )
            .await?;
            Ok(())
        })
    }

    /// The phone whose device token has this hash.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn find_device(&self, token_hash: &[u8]) -> Result<Option<DeviceRow>, StoreError> {
        self.db.with(async |c| {
            let Some(row) = c
                .query_opt(
                    "SELECT username, aaid, key_id, created_at FROM phone_devices
                     WHERE token_hash = $1",
                    &[&token_hash],
                )
                .await?
            else {
                return Ok(None);
            };
            Ok(Some(DeviceRow {
                username: row.try_get(0)?,
                aaid: row.try_get(1)?,
                key_id: row.try_get(2)?,
                created_at: u64_of(row.try_get(3)?, "creation time")?,
            }))
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
        self.db.write(async |tx| {
            tx.execute(
                "DELETE FROM signin_attempts WHERE id IN (
                     SELECT id FROM signin_attempts WHERE expires_at < $1
                     FOR UPDATE SKIP LOCKED)",
                &[&cutoff],
            )
            .await?;
            tx.execute(
                &format!(
                    "INSERT INTO signin_attempts ({ATTEMPT_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ),
                &[
                    &a.id,
                    &a.username,
                    &a.browser_hash,
                    &a.server_data,
                    &a.request,
                    &a.match_code,
                    &a.state.as_str(),
                    &created,
                    &expires,
                ],
            )
            .await?;
            Ok(())
        })
    }

    /// The attempt with this id.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn attempt(&self, id: &str) -> Result<Option<AttemptRow>, StoreError> {
        self.db.with(async |c| {
            c.query_opt(
                &format!("SELECT {ATTEMPT_COLUMNS} FROM signin_attempts WHERE id = $1"),
                &[&id],
            )
            .await?
            .as_ref()
            .map(attempt_of)
            .transpose()
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
        self.db.with(async |c| {
            c.query(
                &format!(
                    "SELECT {ATTEMPT_COLUMNS} FROM signin_attempts
                     WHERE username = $1 AND state = 'pending' AND expires_at >= $2
                       AND request IS NOT NULL
                     ORDER BY created_at, id"
                ),
                &[&username, &now],
            )
            .await?
            .iter()
            .map(attempt_of)
            .collect()
        })
    }

    /// Moves attempt `id` from `from` to `to` if it is in `from` and not expired at `now`
    /// (`UPDATE … WHERE state = $from`: of concurrent transitions exactly one wins). Returns
    /// whether it moved.
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
        self.db.with(async |c| {
            let n = c
                .execute(
                    "UPDATE signin_attempts SET state = $1
                     WHERE id = $2 AND state = $3 AND expires_at >= $4",
                    &[&to.as_str(), &id, &from.as_str(), &now],
                )
                .await?;
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
        self.db.write(async |tx| {
            let n = tx
                .execute(
                    "UPDATE signin_attempts SET state = 'consumed'
                     WHERE id = $1 AND state = 'approved' AND expires_at >= $2",
                    &[&id, &now_i],
                )
                .await?;
            if n != 1 {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM sessions WHERE id_hash IN (
                     SELECT id_hash FROM sessions WHERE expires_at < $1
                     FOR UPDATE SKIP LOCKED)",
                &[&now_i],
            )
            .await?;
            tx.execute(
                "INSERT INTO sessions (id_hash, username, method, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &session_hash,
                    &session.username,
                    &session.method,
                    &created,
                    &expires,
                ],
            )
            .await?;
            Ok(true)
        })
    }

    /// The session whose id has this hash (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        self.db.with(async |c| {
            let Some(row) = c
                .query_opt(
                    "SELECT username, method, created_at, expires_at FROM sessions
                     WHERE id_hash = $1",
                    &[&id_hash],
                )
                .await?
            else {
                return Ok(None);
            };
            Ok(Some(SessionRow {
                username: row.try_get(0)?,
                method: row.try_get(1)?,
                created_at: u64_of(row.try_get(2)?, "creation time")?,
                expires_at: u64_of(row.try_get(3)?, "expiry time")?,
            }))
        })
    }

    /// Deletes the session whose id has this hash; returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn delete_session(&self, id_hash: &[u8]) -> Result<bool, StoreError> {
        self.db.with(async |c| {
            let n = c
                .execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])
                .await?;
            Ok(n > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised_and_redacted() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("PostgreSQL://u@h/db"));
        assert!(!is_postgres_url("uaf-server.db"));
        assert!(!is_postgres_url(":memory:"));
        assert!(!is_postgres_url("./postgres://x"));
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db?x=1"),
            "postgres://u:***@h:5432/db?x=1"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
