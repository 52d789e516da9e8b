//! PostgreSQL storage for several server nodes on one database: [`PgDatabase`] implements
//! every store trait (credentials and phone sign-in directly; pending ceremonies through
//! [`PgPendingStore`]), with the same guarantees and the same schema meaning (and version
//! numbers) as SQLite.
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
//! ### Why the store traits stay synchronous
//! The traits are synchronous, and this backend is a synchronous facade over `tokio-postgres`,
//! rather than async traits, because:
//! - the traits that matter most are `uaf-rp`'s ([`CredentialStore`], [`PendingStore`]),
//!   which the sans-I/O verifier and `uaf_rp::Service` call synchronously, in `no_std` builds
//!   too; async versions would split that crate in two (or force an executor on it);
//! - every request already runs on tokio's blocking pool, because signature verification is
//!   CPU work that must not stall the async workers; a store call there blocks one pool thread
//!   for one round trip, and the pool (512 threads by default) is far larger than the
//!   connection pool, which is the real limit on concurrent database work either way;
//! - `dyn`-compatible async traits need boxed futures (`async-trait`) on every call, and
//!   SQLite, the default backend, has no async I/O to gain from them.
//!
//! The price: one thread parked per in-flight database call. Making the traits async is worth
//! it when a deployment needs far more concurrent requests than threads; it would change
//! `uaf-rp`'s store traits first.
//!
//! ### Prepared statements
//! Each connection keeps the statements it has prepared (`Statements`, by their text): a
//! statement is parsed and planned once per connection, and every later call only binds and
//! executes it (one round trip, where a text query takes two: parse + describe, then bind +
//! execute). The cache is bounded and emptied after any error on its connection. The hot
//! paths (challenges, counters, attempts, sessions, the one-transaction sign-in writes of
//! `store/writes.rs`) and the `execute`/`rows`/`one` helpers use it; new code should too
//! (`write_prepared`, `with_prepared`).
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
//! - **Expiry** by the server's clock (`now` is a parameter, never the database's `now()`),
//!   judged by [`uaf_rp::pending::expired`] (filters use its
//!   [`uaf_rp::pending::expiry_cutoff`]). Purges delete with `FOR UPDATE SKIP LOCKED`, so
//!   concurrent purges on several nodes never wait for or deadlock with each other.
//! - **Migrations**: each step in its own transaction that first takes
//!   `pg_advisory_xact_lock(`[`MIGRATION_LOCK`]`)` and re-reads the version, so nodes
//!   starting at once migrate once, one after the other.

use core::fmt;
use core::future::Future;
use core::time::Duration;
use std::sync::Arc;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, GenericClient, NoTls, Row, Transaction};
use uaf_proto::id::Aaid;
use uaf_rp::pending::expired;
use uaf_rp::store::{
    AuthenticationCommit, CasOutcome, CounterAdvance, CredentialStore, InsertOutcome, PendingStore,
};
use uaf_rp::{PendingAuthentication, Registration};

use super::account::sql as account_sql;
use super::pool::Pool;
use super::writes::{self, Approval, AttemptMove, AuthenticationWrites};
use super::{
    ActivityRow, AttemptRow, Backend, Clock, Columns, DeviceRow, Dialect, EnrollOutcome, Enrolment,
    ExpiringPendingStore, InviteRow, MIGRATIONS, NewSession, PendingRow, PendingTable,
    PersistedPending, SessionRow, SignInStore, StoreError, Stores, Transition, Waited, aaid_key,
    abort, attempt_of, device_of, enrol_outcome, inserted, invite_of, missed, reg_columns,
    registration_of, rows_valid_from, session_of, sql, times, to_i64,
};

// Accounts and activity (`store/postgres_account.rs`): a child module, for the helpers above.
#[path = "postgres_account.rs"]
mod account;
pub(crate) use account::insert_activity_in;

#[path = "postgres_feed.rs"]
mod feed;

/// The key of the advisory lock that serialises migrations (ASCII `uafschem`).
pub const MIGRATION_LOCK: i64 = 0x7561_6673_6368_656d;

/// PostgreSQL's byte and integer types; `id` keeps the insertion order (SQLite's `rowid`).
const POSTGRES: Dialect = Dialect::new(
    "BYTEA",
    "BIGINT",
    "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,",
);

#[path = "postgres_account_page.rs"]
mod account_page;

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

/// Columns by index: `BIGINT` as `i64`, `TEXT` as `String`, `BYTEA` as `Vec<u8>`.
impl Columns for Row {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.try_get(i).map_err(StoreError::from)
    }
    fn text(&self, i: usize) -> Result<String, StoreError> {
        self.try_get(i).map_err(StoreError::from)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.try_get(i).map_err(StoreError::from)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        self.try_get(i).map_err(StoreError::from)
    }
}

/// The parameters of one statement.
pub(crate) type Args<'a> = [&'a (dyn ToSql + Sync)];

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
type Slots = Pool<Option<PgConn>>;

/// A pooled connection and the statements prepared on it.
struct PgConn {
    client: Client,
    statements: Statements,
}

/// The statements prepared on one connection, by their text: each is parsed and planned by
/// the server once per connection, then only bound and executed (one round trip instead of
/// two). Bounded: past [`Statements::MAX`] texts the cache starts again. Emptied after any
/// error on its connection (a statement the server dropped, a plan a migration changed).
#[derive(Default)]
pub(crate) struct Statements(std::collections::HashMap<String, tokio_postgres::Statement>);

impl Statements {
    /// The most statement texts kept per connection.
    const MAX: usize = 256;

    /// The prepared statement of `q` on `c` (prepared now if it is not yet).
    pub(crate) async fn get(
        &mut self,
        c: &(impl GenericClient + Sync),
        q: &str,
    ) -> Result<tokio_postgres::Statement, StoreError> {
        if let Some(s) = self.0.get(q) {
            return Ok(s.clone());
        }
        let s = c.prepare(q).await?;
        if self.0.len() >= Self::MAX {
            self.0.clear();
        }
        self.0.insert(q.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs the prepared `q` on `c`; returns the rows changed.
    pub(crate) async fn execute(
        &mut self,
        c: &(impl GenericClient + Sync),
        q: &str,
        args: &Args<'_>,
    ) -> Result<u64, StoreError> {
        let s = self.get(c, q).await?;
        Ok(c.execute(&s, args).await?)
    }

    /// The rows of the prepared `q` on `c` (a query, or a statement with `RETURNING`).
    pub(crate) async fn query(
        &mut self,
        c: &(impl GenericClient + Sync),
        q: &str,
        args: &Args<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        let s = self.get(c, q).await?;
        Ok(c.query(&s, args).await?)
    }
}

struct Inner {
    /// Drives the connections. Shut down in the background on drop (a runtime dropped on an
    /// async worker would panic otherwise).
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    config: tokio_postgres::Config,
    pool: Slots,
    size: usize,
    location: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.pool.clear();
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
    /// `PgDatabase(postgres://user:***@host/db, pool of 8)`: never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner { location, size, .. } = &*self.inner;
        write!(f, "PgDatabase({location}, pool of {size})")
    }
}

/// A connection checked out of the pool; given back on drop.
struct Checkout<'a> {
    pool: &'a Slots,
    client: Option<PgConn>,
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        let client = self.client.take().filter(|c| !c.client.is_closed());
        self.pool.give(client);
    }
}

impl PgDatabase {
    /// The number of connections when none is asked for.
    pub const DEFAULT_POOL_SIZE: usize = 8;

    /// How long a call waits for a free connection before it fails.
    pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

    /// How long one call (its statements, with a connect if needed) may take.
    pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

    /// The newest schema version this build knows ([`super::SCHEMA_VERSION`]).
    pub const SCHEMA_VERSION: u32 = super::SCHEMA_VERSION;

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
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| StoreError::Location {
            location: location.clone(),
            source: Box::new(e),
        })?;
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
            .map_err(|e| StoreError::Location {
                location: location.clone(),
                source: Box::new(e),
            })?;
        let size = pool_size.max(1);
        let db = PgDatabase {
            inner: Arc::new(Inner {
                handle: runtime.handle().clone(),
                runtime: Some(runtime),
                config,
                pool: Pool::new((0..size).map(|_| None).collect()),
                size,
                location,
            }),
        };
        db.migrate()?;
        // Fill the pool now: a wrong URL or a full server fails at start, not at a request.
        let mut held = Vec::with_capacity(size);
        for _ in 0..size {
            let (mut slot, conn) = db.checkout()?;
            slot.client = Some(conn);
            held.push(slot);
        }
        drop(held);
        Ok(db)
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
                Err(_) => Err(StoreError::Timeout {
                    waiting_for: Waited::Answer,
                    after: Self::CALL_TIMEOUT,
                }),
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

    /// A slot of the pool and its connection (made anew if the slot has none). The slot goes
    /// back on drop, empty unless the connection is put back into it.
    fn checkout(&self) -> Result<(Checkout<'_>, PgConn), StoreError> {
        let pool = &self.inner.pool;
        let slot = pool.take(Self::CHECKOUT_TIMEOUT)?;
        // From here the slot goes back on drop, with or without a connection.
        let out = Checkout { pool, client: None };
        let conn = match slot.filter(|c| !c.client.is_closed()) {
            Some(c) => c,
            None => PgConn {
                client: self.block_on(self.connect())?,
                statements: Statements::default(),
            },
        };
        Ok((out, conn))
    }

    /// Runs `f` on a pooled connection.
    pub(crate) fn with<T>(
        &self,
        f: impl AsyncFnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_prepared(async |c, _| f(c).await)
    }

    /// Runs `f` on a pooled connection with the statements prepared on it.
    pub(crate) fn with_prepared<T>(
        &self,
        f: impl AsyncFnOnce(&mut Client, &mut Statements) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (mut slot, mut conn) = self.checkout()?;
        let out = self.block_on(f(&mut conn.client, &mut conn.statements));
        match &out {
            // A call cut short by the timeout left its connection mid-statement: drop it (the
            // slot makes a new one at its next checkout).
            Err(StoreError::Timeout { .. }) => return out,
            // After an error, prepare again (cheap, and never a stale statement).
            Err(_) => conn.statements = Statements::default(),
            Ok(_) => {}
        }
        slot.client = Some(conn);
        out
    }

    /// Runs `f` in a transaction (READ COMMITTED) on a pooled connection, committing when it
    /// succeeds (rolled back otherwise).
    pub(crate) fn write<T>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_prepared(async |tx, _| f(tx).await)
    }

    /// [`PgDatabase::write`] with the statements prepared on the connection.
    pub(crate) fn write_prepared<T>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>, &mut Statements) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_prepared(async move |c, st| {
            let tx = c.transaction().await?;
            let out = f(&tx, st).await?;
            tx.commit().await?;
            Ok(out)
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
                let found =
                    u32::try_from(found).map_err(|e| StoreError::corrupt("schema version", e))?;
                if found > Self::SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        found,
                        known: Self::SCHEMA_VERSION,
                    });
                }
                let step =
                    usize::try_from(found).map_err(|e| StoreError::corrupt("schema version", e))?;
                let Some(step) = MIGRATIONS.get(step) else {
                    return Ok(true);
                };
                tx.batch_execute(&POSTGRES.migration(step)).await?;
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

    /// Runs one statement on a pooled connection; returns the rows changed.
    pub(crate) fn execute(&self, q: &str, args: &Args<'_>) -> Result<u64, StoreError> {
        self.with_prepared(async |c, st| st.execute(&*c, q, args).await)
    }

    /// In one transaction: purges the rows of `table` (key `key`) whose `expires_at` is before
    /// `valid_from` ([`purge`]), then runs `insert` with `row`.
    pub(crate) fn insert_purging(
        &self,
        (table, key, valid_from): (&str, &str, i64),
        insert: &str,
        row: &Args<'_>,
    ) -> Result<(), StoreError> {
        self.write_prepared(async |tx, st| {
            let stale = "expires_at < $1";
            purge_prepared(tx, st, table, key, stale, &[&valid_from]).await?;
            st.execute(tx, insert, row).await?;
            Ok(())
        })
    }

    /// The rows of `q` (a query, or a statement with `RETURNING`).
    pub(crate) fn rows(&self, q: &str, args: &Args<'_>) -> Result<Vec<Row>, StoreError> {
        self.with_prepared(async |c, st| st.query(&*c, q, args).await)
    }

    /// The first row of `q` (or none), read by `decode`.
    pub(crate) fn one<T>(
        &self,
        q: &str,
        args: &Args<'_>,
        decode: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.rows(q, args)?.first().map(decode).transpose()
    }
}

/// `DELETE FROM {table} WHERE ({key}) IN (SELECT {key} … WHERE {condition} FOR UPDATE SKIP
/// LOCKED)`:
/// a purge that skips the rows another transaction holds, so concurrent purges never wait for
/// each other. (The hot paths use [`purge_prepared`].)
pub(crate) async fn purge(
    tx: &Transaction<'_>,
    table: &str,
    key: &str,
    condition: &str,
    args: &Args<'_>,
) -> Result<u64, StoreError> {
    Ok(tx
        .execute(&purge_statement(table, key, condition), args)
        .await?)
}

/// [`purge`] with its statement prepared once per connection.
pub(crate) async fn purge_prepared(
    tx: &Transaction<'_>,
    st: &mut Statements,
    table: &str,
    key: &str,
    condition: &str,
    args: &Args<'_>,
) -> Result<u64, StoreError> {
    st.execute(tx, &purge_statement(table, key, condition), args)
        .await
}

fn purge_statement(table: &str, key: &str, condition: &str) -> String {
    format!(
        "DELETE FROM {table} WHERE ({key}) IN (\
         SELECT {key} FROM {table} WHERE {condition} FOR UPDATE SKIP LOCKED)"
    )
}

impl Backend for PgDatabase {
    fn schema_version(&self) -> Result<u32, StoreError> {
        let q = "SELECT MAX(version) FROM schema_version";
        let v = self.one(q, &[], |r| Ok(r.try_get::<_, Option<i64>>(0)?))?;
        let v = v.flatten().unwrap_or(0);
        u32::try_from(v).map_err(|e| StoreError::corrupt("schema version", e))
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.one("SELECT 1", &[], |_| Ok(())).map(drop)
    }

    fn probe_write(&self) -> Result<(), StoreError> {
        // In a transaction: a read-only database (a hot standby,
        // `default_transaction_read_only`) or a full disk refuses it.
        self.write(async |tx| {
            tx.execute(sql::PROBE_WRITE, &[]).await?;
            Ok(())
        })
    }

    fn stores(&self, challenge_ttl_secs: u64, clock: Clock) -> Stores {
        Stores::of(self, challenge_ttl_secs, clock)
    }

    fn change_feed(&self) -> Option<Arc<dyn super::ChangeFeed>> {
        self.feed()
    }

    fn location(&self) -> &str {
        self.inner.location.as_str()
    }

    fn name(&self) -> &'static str {
        "postgres"
    }
}

/// Inserts `r` unless its (AAID, KeyID) is taken; returns the rows inserted (1 or 0).
async fn insert_registration(
    c: &(impl GenericClient + Sync),
    r: &Registration,
) -> Result<u64, StoreError> {
    let registered_at = to_i64(r.registered_at, "registration time")?;
    let aaid = aaid_key(&r.aaid);
    // UNIQUE (aaid, key_id) decides; nothing changes on a conflict.
    Ok(c.execute(
        sql::INSERT_REGISTRATION,
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
}

/// The advisory lock key of `username`'s attempts: the first 8 bytes of a SHA-256.
fn attempts_lock(username: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("uaf-server attempts\0{username}").as_bytes());
    let mut key = [0u8; 8];
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        *k = *d;
    }
    i64::from_be_bytes(key)
}

// ---------------------------------------------------------------------------------------------
// Credentials (table `registrations`)
// ---------------------------------------------------------------------------------------------

impl CredentialStore for PgDatabase {
    type Error = StoreError;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StoreError> {
        let aaid = aaid_key(aaid);
        self.one(sql::GET_REGISTRATION, &[&aaid, &key_id], registration_of)
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, StoreError> {
        // `id` keeps the insertion order (SQLite's rowid).
        let q = concat!(
            "SELECT ",
            reg_columns!(),
            " FROM registrations WHERE username = $1 ORDER BY id"
        );
        self.rows(q, &[&username])?
            .iter()
            .map(registration_of)
            .collect()
    }

    fn insert_unique(&self, r: Registration) -> Result<InsertOutcome, StoreError> {
        self.with(async |c| insert_registration(&*c, &r).await)
            .map(inserted)
    }

    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, StoreError> {
        let aaid = aaid_key(aaid);
        let (new, expected) = (i64::from(new), i64::from(expected));
        let swap: &Args<'_> = &[&new, &aaid, &key_id, &expected];
        self.with_prepared(async |c, st| {
            if st.execute(&*c, sql::CAS_COUNTER, swap).await? == 1 {
                return Ok(CasOutcome::Swapped);
            }
            // A new statement, a new snapshot: the value that made the update miss (or a
            // later one).
            let rows = st.query(&*c, sql::COUNTER, &[&aaid, &key_id]).await?;
            let current = rows.first().map(|r| r.num(0, "sign counter")).transpose()?;
            Ok(missed(current))
        })
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, StoreError> {
        let aaid = aaid_key(aaid);
        Ok(self.execute(sql::DELETE_REGISTRATION, &[&aaid, &key_id])? > 0)
    }
}

// ---------------------------------------------------------------------------------------------
// Pending ceremonies (table `pending`)
// ---------------------------------------------------------------------------------------------

/// The pending store over a [`PgDatabase`]: single use (`DELETE … RETURNING`) and expiring by
/// the store's clock.
pub type PgPendingStore<P> = PendingTable<PgDatabase, P>;

impl<P: PersistedPending> PgPendingStore<P> {
    /// Purges the states of this kind issued before `cutoff`.
    async fn purge_in(
        &self,
        tx: &Transaction<'_>,
        st: &mut Statements,
        cutoff: i64,
    ) -> Result<u64, StoreError> {
        let expired = "kind = $1 AND issued_at < $2";
        let args: &Args<'_> = &[&P::KIND, &cutoff];
        purge_prepared(tx, st, "pending", "kind, challenge", expired, args).await
    }

    /// Stores `pending` under `challenge` (purging the expired states first), in the
    /// caller's transaction.
    async fn put_in(
        &self,
        tx: &Transaction<'_>,
        st: &mut Statements,
        challenge: &[u8],
        pending: &P,
    ) -> Result<(), StoreError> {
        let PendingRow {
            request,
            username,
            issued_at,
            requirements,
        } = pending.to_row();
        let issued = to_i64(issued_at, "issue time")?;
        self.purge_in(tx, st, self.cutoff()?).await?;
        let row: &Args<'_> = &[
            &P::KIND,
            &challenge,
            &request,
            &username,
            &issued,
            &requirements,
        ];
        st.execute(tx, sql::PUT_PENDING, row).await?;
        Ok(())
    }
}

impl<P: PersistedPending> PendingStore<P> for PgPendingStore<P> {
    type Error = StoreError;

    fn put(&self, challenge: &[u8], pending: P) -> Result<(), StoreError> {
        self.db
            .write_prepared(async |tx, st| self.put_in(tx, st, challenge, &pending).await)
    }

    fn peek(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        let cutoff = self.cutoff()?;
        let key: &Args<'_> = &[&P::KIND, &challenge, &cutoff];
        let row = self.db.one(sql::PEEK_PENDING, key, |r| self.unexpired(r))?;
        Ok(row.flatten())
    }

    fn take(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        // One statement: of concurrent takes (on any node), exactly one sees the row.
        let key: &Args<'_> = &[&P::KIND, &challenge];
        let taken = self.db.one(sql::TAKE_PENDING, key, |r| self.unexpired(r))?;
        Ok(taken.flatten())
    }
}

impl<P: PersistedPending> ExpiringPendingStore<P> for PgPendingStore<P> {
    fn purge_expired(&self) -> Result<usize, StoreError> {
        let cutoff = self.cutoff()?;
        let n = self
            .db
            .write_prepared(async |tx, st| self.purge_in(tx, st, cutoff).await)?;
        usize::try_from(n).map_err(|e| StoreError::corrupt("row count", e))
    }

    fn len(&self) -> Result<u64, StoreError> {
        let n = self
            .db
            .one(sql::COUNT_PENDING, &[&P::KIND], |r| r.uint(0, "count"))?;
        Ok(n.unwrap_or(0))
    }
}

// ---------------------------------------------------------------------------------------------
// The writes of one sign-in step in one transaction (store/writes.rs)
// ---------------------------------------------------------------------------------------------

impl PgPendingStore<PendingAuthentication> {
    /// Takes the challenge, advances the counters and (if every counter swapped) moves the
    /// attempt, in the caller's transaction. Under READ COMMITTED each `UPDATE` that meets a
    /// row a concurrent transaction changed waits for it and re-checks its `WHERE` on the
    /// committed row; the `DELETE … RETURNING` of a challenge another transaction deleted
    /// finds nothing once that one commits.
    async fn finish_in(
        &self,
        tx: &Transaction<'_>,
        st: &mut Statements,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
        attempt: Option<&AttemptMove<'_>>,
    ) -> Result<Option<Approval>, StoreError> {
        let key: &Args<'_> = &[&PendingAuthentication::KIND, &server_data];
        let taken = st.query(tx, writes::sql::TAKE_ISSUED, key).await?;
        let issued = taken.first().map(|r| r.uint(0, "issue time")).transpose()?;
        // Gone, or expired (a late take deletes it all the same): nothing else is written.
        match issued {
            Some(at) if !expired(at, self.now(), self.ttl_secs) => {}
            _ => return Ok(None),
        }
        let mut outcomes = Vec::with_capacity(counters.len());
        for c in counters {
            let aaid = aaid_key(c.aaid);
            let (new, expected) = (i64::from(c.new), i64::from(c.expected));
            let advance: &Args<'_> = &[&new, &aaid, &c.key_id, &expected];
            if st
                .execute(tx, writes::sql::ADVANCE_COUNTER, advance)
                .await?
                == 1
            {
                outcomes.push(CasOutcome::Swapped);
                continue;
            }
            let rows = st.query(tx, sql::COUNTER, &[&aaid, &c.key_id]).await?;
            let current = rows.first().map(|r| r.num(0, "sign counter")).transpose()?;
            outcomes.push(missed(current));
        }
        let moved = match attempt {
            Some(m) if outcomes.iter().all(|o| *o == CasOutcome::Swapped) => {
                let (to, from, valid_from) = m.step.args(m.now)?;
                let change: &Args<'_> = &[&to, &m.id, &from, &valid_from];
                Some(st.execute(tx, sql::TRANSITION, change).await? == 1)
            }
            _ => None,
        };
        // The account page's "last used" of the phone that approved: the same transaction
        // (a key without a phone row, as the conformance API's, updates nothing).
        if let (Some(m), Some(true)) = (attempt, moved) {
            let now = to_i64(m.now, "time")?;
            for c in counters {
                let aaid = aaid_key(c.aaid);
                let used: &Args<'_> = &[&now, &aaid, &c.key_id];
                st.execute(tx, super::account_page::sql::PHONE_USED, used)
                    .await?;
            }
        }
        Ok(Some(Approval {
            counters: outcomes,
            moved,
        }))
    }
}

impl AuthenticationCommit for PgPendingStore<PendingAuthentication> {
    type Error = StoreError;

    fn take_and_advance(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
    ) -> Result<Option<Vec<CasOutcome>>, StoreError> {
        let done = self.db.write_prepared(async |tx, st| {
            self.finish_in(tx, st, server_data, counters, None).await
        })?;
        Ok(done.map(|a| a.counters))
    }
}

impl AuthenticationWrites for PgPendingStore<PendingAuthentication> {
    fn put_with_attempt(
        &self,
        server_data: &[u8],
        pending: &PendingAuthentication,
        attempt: &AttemptRow,
        max_pending: u32,
    ) -> Result<u64, StoreError> {
        self.db.write_prepared(async |tx, st| {
            self.put_in(tx, st, server_data, pending).await?;
            insert_attempt_capped(tx, st, attempt, max_pending).await
        })
    }

    fn put_second_step_with_attempt(
        &self,
        server_data: &[u8],
        pending: &PendingAuthentication,
        attempt: &AttemptRow,
        max_pending: u32,
        activity: &ActivityRow,
    ) -> Result<u64, StoreError> {
        let expires = to_i64(attempt.expires_at, "time")?;
        let valid_from = rows_valid_from(attempt.created_at, 0)?;
        self.db.write_prepared(async |tx, st| {
            self.put_in(tx, st, server_data, pending).await?;
            let superseded = insert_attempt_capped(tx, st, attempt, max_pending).await?;
            let expired = "expires_at < $1";
            let key = "attempt_id";
            purge_prepared(tx, st, "second_steps", key, expired, &[&valid_from]).await?;
            let step: &Args<'_> = &[&attempt.id, &attempt.username, &expires];
            st.execute(tx, account_sql::INSERT_SECOND_STEP, step)
                .await?;
            account::insert_activity_in(tx, st, activity).await?;
            Ok(superseded)
        })
    }

    fn take_advance_and_move(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
        attempt: &AttemptMove<'_>,
    ) -> Result<Option<Approval>, StoreError> {
        self.db.write_prepared(async |tx, st| {
            self.finish_in(tx, st, server_data, counters, Some(attempt))
                .await
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in
// ---------------------------------------------------------------------------------------------

/// Stores attempt `a`, purging the attempts expired for an hour, and supersedes the pending
/// attempts of its user beyond the `max_pending - 1` newest others
/// ([`SignInStore::put_attempt_capped`]); in the caller's transaction.
async fn insert_attempt_capped(
    tx: &Transaction<'_>,
    st: &mut Statements,
    a: &AttemptRow,
    max_pending: u32,
) -> Result<u64, StoreError> {
    let [created, expires] = times(a.created_at, a.expires_at)?;
    let keep_from = rows_valid_from(a.created_at, 3600)?;
    let valid_from = rows_valid_from(a.created_at, 0)?;
    let others = i64::from(max_pending.max(1) - 1);
    let lock = attempts_lock(&a.username);
    let state = a.state.as_str();
    let (id, user, browser, code) = (&a.id, &a.username, &a.browser_hash, &a.match_code);
    let row: &Args<'_> = &[id, user, browser, &a.server_data, &a.request, code, &state];
    let row: &Args<'_> = &[row, &[&created, &expires, &a.browser, &a.client_ip]].concat();
    // The user's attempts, one transaction at a time (on every node): under READ
    // COMMITTED two concurrent starts would otherwise each keep the other's row.
    st.execute(tx, "SELECT pg_advisory_xact_lock($1)", &[&lock])
        .await?;
    let stale = "expires_at < $1";
    purge_prepared(tx, st, "signin_attempts", "id", stale, &[&keep_from]).await?;
    st.execute(tx, sql::INSERT_ATTEMPT, row).await?;
    let superseded: &Args<'_> = &[user, id, &valid_from, &others];
    st.execute(tx, sql::SUPERSEDE_ATTEMPTS, superseded).await
}

/// Stores session `s` in the caller's transaction: purges the sessions expired at `s.now`,
/// inserts it, and records its activity row and remembers its browser, if any
/// ([`NewSession`]).
async fn insert_session_in(
    tx: &Transaction<'_>,
    st: &mut Statements,
    s: &NewSession,
) -> Result<(), StoreError> {
    let [created, expires] = times(s.row.created_at, s.row.expires_at)?;
    let valid_from = rows_valid_from(s.now, 0)?;
    let expired = "expires_at < $1";
    purge_prepared(tx, st, "sessions", "id_hash", expired, &[&valid_from]).await?;
    let (user, method) = (&s.row.username, &s.row.method);
    let row: &Args<'_> = &[&s.id_hash, user, method, &created, &expires];
    st.execute(tx, sql::INSERT_SESSION, row).await?;
    if let Some(a) = &s.activity {
        account::insert_activity_in(tx, st, a).await?;
    }
    if let Some(b) = &s.known_browser {
        let (hash, forget) = (&b.token_hash, b.forget_before);
        super::postgres_attempt::remember_in(tx, st, hash, user, s.now, forget).await?;
    }
    Ok(())
}

impl SignInStore for PgDatabase {
    fn put_invite(&self, code_hash: &[u8], invite: &InviteRow) -> Result<(), StoreError> {
        let [created, expires] = times(invite.created_at, invite.expires_at)?;
        let valid_from = rows_valid_from(invite.created_at, 0)?;
        let row: &Args<'_> = &[&code_hash, &invite.username, &created, &expires];
        let stale = ("phone_invites", "code_hash", valid_from);
        self.insert_purging(stale, sql::INSERT_INVITE, row)
    }

    fn find_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        self.one(sql::FIND_INVITE, &[&code_hash], invite_of)
    }

    fn take_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        // `DELETE … RETURNING`: of concurrent takes on any node exactly one gets it.
        self.one(sql::TAKE_INVITE, &[&code_hash], invite_of)
    }

    fn put_device(&self, token_hash: &[u8], d: &DeviceRow) -> Result<(), StoreError> {
        let created = to_i64(d.created_at, "time")?;
        let row: &Args<'_> = &[&token_hash, &d.username, &d.aaid, &d.key_id, &created];
        self.execute(sql::INSERT_DEVICE, row).map(drop)
    }

    fn find_device(&self, token_hash: &[u8]) -> Result<Option<DeviceRow>, StoreError> {
        self.one(sql::FIND_DEVICE, &[&token_hash], device_of)
    }

    fn put_attempt_capped(&self, a: &AttemptRow, max_pending: u32) -> Result<u64, StoreError> {
        self.write_prepared(async |tx, st| insert_attempt_capped(tx, st, a, max_pending).await)
    }

    fn enroll(&self, e: &Enrolment) -> Result<EnrollOutcome, StoreError> {
        let d = &e.device;
        let created = to_i64(d.created_at, "time")?;
        enrol_outcome(self.write(async |tx| {
            let taken = tx.query(sql::TAKE_INVITE, &[&e.code_hash]).await?;
            let invite = taken.first().map(invite_of).transpose()?;
            if invite.is_none_or(|i| i.username != d.username) {
                return Err(abort(EnrollOutcome::InviteGone));
            }
            for r in &e.registrations {
                if insert_registration(tx, r).await? != 1 {
                    return Err(abort(EnrollOutcome::AlreadyRegistered));
                }
            }
            let row: &Args<'_> = &[&e.token_hash, &d.username, &d.aaid, &d.key_id, &created];
            tx.execute(sql::INSERT_DEVICE, row).await?;
            Ok(EnrollOutcome::Enrolled)
        }))
    }

    fn attempt(&self, id: &str) -> Result<Option<AttemptRow>, StoreError> {
        self.one(sql::FIND_ATTEMPT, &[&id], attempt_of)
    }

    fn pending_attempts(&self, username: &str, now: u64) -> Result<Vec<AttemptRow>, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        let by: &Args<'_> = &[&username, &valid_from];
        self.rows(sql::PENDING_ATTEMPTS, by)?
            .iter()
            .map(attempt_of)
            .collect()
    }

    fn transition(&self, id: &str, step: Transition, now: u64) -> Result<bool, StoreError> {
        // `UPDATE … WHERE state = $from`: of concurrent transitions exactly one wins.
        let (to, from, valid_from) = step.args(now)?;
        let change: &Args<'_> = &[&to, &id, &from, &valid_from];
        Ok(self.execute(sql::TRANSITION, change)? == 1)
    }

    fn consume_into_session(&self, id: &str, s: &NewSession) -> Result<bool, StoreError> {
        let (to, from, valid_from) = Transition::COLLECT.args(s.now)?;
        self.write_prepared(async |tx, st| {
            let change: &Args<'_> = &[&to, &id, &from, &valid_from];
            // Not moved (used, expired): nothing else is written.
            if st.execute(tx, sql::TRANSITION, change).await? != 1 {
                return Ok(false);
            }
            insert_session_in(tx, st, s).await?;
            Ok(true)
        })
    }

    fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        self.one(sql::FIND_SESSION, &[&id_hash], session_of)
    }

    fn delete_session(&self, id_hash: &[u8]) -> Result<bool, StoreError> {
        Ok(self.execute(sql::DELETE_SESSION, &[&id_hash])? > 0)
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
