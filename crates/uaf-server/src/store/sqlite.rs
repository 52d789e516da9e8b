//! SQLite storage for one node: [`SqliteDatabase`] implements every store trait (credentials
//! and phone sign-in directly; pending ceremonies through [`SqlitePendingStore`]).
//!
//! ## Connections
//! A [`SqliteDatabase`] holds **one writer connection** behind a mutex and, for a database
//! file, a **pool of [`SqliteDatabase::READERS`] read-only connections**. Every write goes
//! through the writer, so writes of this process queue on the mutex rather than on SQLite's
//! lock; reads take a reader (waiting up to [`SqliteDatabase::BUSY_TIMEOUT`] when all are
//! busy). The journal is WAL, in which readers never wait for a writer: a long write (or
//! another process holding the write lock) stalls no read. A read sees the last committed
//! state.
//!
//! **`:memory:`**: every connection to `:memory:` is a database of its own, and SQLite's
//! shared-cache mode (the only way to share one in-memory database between connections) locks
//! whole tables and answers `SQLITE_LOCKED` without waiting. So an in-memory database (or any
//! location whose journal cannot be WAL) has **no readers**: reads use the writer connection,
//! as every call did before the pool.
//!
//! Several handles (or several processes) may open the same *file*: every write runs in a
//! `BEGIN IMMEDIATE` transaction and waits up to [`SqliteDatabase::BUSY_TIMEOUT`] for the
//! write lock, so the guarantees below hold across connections too.
//!
//! ## Guarantees
//! - **Insert-unique**: `UNIQUE (aaid, key_id)`; `INSERT … ON CONFLICT DO NOTHING` reports
//!   [`InsertOutcome::AlreadyExists`] (AAIDs are stored upper case, so they compare
//!   case-insensitively, KeyIDs byte for byte).
//! - **Compare-and-swap counters**: `UPDATE … SET sign_counter = new WHERE … AND
//!   sign_counter = expected`; a conflict reads the current value in the same transaction.
//! - **Single-use challenges and invites**: `DELETE … RETURNING` removes and returns a row in
//!   one statement, so of many concurrent takes exactly one gets it; attempts move by
//!   `UPDATE … WHERE state = from`.
//! - **Expiry**: by the store's clock, [`uaf_rp::pending::expired`] (SQL filters use its
//!   [`uaf_rp::pending::expiry_cutoff`]); a pending state past its lifetime is never returned
//!   (a late `take` deletes it and answers `None`), and every `put` purges the expired ones.
//! - **Durability** ([`Durability`]): by default ([`Durability::Full`]) a write is answered
//!   only once its commit is on disk: a committed `take` (a used challenge) or counter update
//!   survives a crash or power loss, so it cannot be replayed. [`Durability::Normal`] (WAL
//!   with `synchronous = NORMAL`) survives a crash of the process but may lose the last
//!   commits on power loss or an operating-system crash (see [`Durability`] for what that
//!   risks).
//!
//! ## Group commit (`--durability full`, the default)
//! Syncing the log to disk (an `fdatasync`, milliseconds on most disks) is what a durable
//! commit costs; with one sync per commit, the writer spends its time waiting for the disk
//! and concurrent requests queue behind it. So with [`SqliteOptions::group_commit`] (the
//! default) every request's write still runs in **its own transaction** on the one writer
//! connection (`BEGIN IMMEDIATE … COMMIT`; a failing statement rolls back that request's
//! transaction and no other), but the commit itself does not sync (`synchronous = NORMAL`).
//! After committing, the request waits until the write-ahead log is synced up to its commit
//! (`GroupSync`): the first waiter syncs the log once, **outside** the writer lock, for
//! every commit made so far, while later transactions go on committing; those that commit
//! during that sync are covered by the next one, made by the first of them to find no sync in
//! progress. One sync thus makes many commits durable, and a request is answered only when
//! its commit is on disk: *acknowledged = on disk* is unchanged.
//!
//! - **Bounded wait**: a write waits for at most the sync in progress and then one more; no
//!   timer delays a commit to gather a batch. A batch is every commit made while the previous
//!   sync ran (at most one per request in flight).
//! - **Order**: commits enter the log in the writer's order and a sync covers a prefix of the
//!   log, so a request that depends on an earlier commit (it read or replaced that commit's
//!   rows) is never durable without it.
//! - **What a read may see**: a reader connection sees a commit as soon as it is committed,
//!   possibly a few milliseconds before it is synced. A read-only answer (a status poll) may
//!   therefore reflect a write whose own request has not been answered yet; if the machine
//!   loses power in that window that write is lost and its request was never acknowledged.
//!   No write is acknowledged before it is on disk, and a request that writes after such a
//!   read is synced with (after) the write it saw.
//! - **A failed sync** (an I/O error of `fdatasync`) fails every request it covered, and every
//!   later write: the kernel may have dropped the unsynced pages, so the log on disk is no
//!   longer known; the health check ([`Backend::probe_write`]) fails until the process is
//!   restarted and SQLite recovers the database from what is on disk.
//!
//! Without group commit (`--group-commit off`) the writer runs `synchronous = FULL`: SQLite
//! syncs inside every `COMMIT`, holding the write lock.
//!
//! ## Schema
//! Versioned in the table `schema_version`; [`SqliteDatabase::open`] applies the forward
//! migrations a database lacks, each in its own transaction, and refuses a database made by a
//! newer build ([`StoreError::NewerSchema`]). See `docs/server.md`.

use core::fmt;
use core::time::Duration;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use uaf_proto::id::Aaid;
use uaf_rp::pending::expired;
use uaf_rp::store::{
    AuthenticationCommit, CasOutcome, CounterAdvance, CredentialStore, InsertOutcome, PendingStore,
};
use uaf_rp::{PendingAuthentication, Registration};

use super::account::sql as account_sql;
use super::pool::{Pool, lock};
use super::writes::{self, Approval, AttemptMove, AuthenticationWrites};
use super::{
    ActivityRow, AttemptRow, Backend, Clock, Columns, DeviceRow, Dialect, EnrollOutcome, Enrolment,
    ExpiringPendingStore, InviteRow, MIGRATIONS, NewSession, PendingTable, PersistedPending,
    SessionRow, SignInStore, StoreError, Stores, Transition, aaid_key, abort, attempt_of,
    device_of, enrol_outcome, inserted, invite_of, missed, reg_columns, registration_of,
    rows_valid_from, session_of, sql, times, to_i64,
};

#[path = "sqlite_account_page.rs"]
mod account_page;

/// SQLite's byte and integer types; its implicit `rowid` keeps the insertion order.
// Accounts and activity (`store/sqlite_account.rs`): a child module, for the helpers above.
#[path = "sqlite_account.rs"]
mod account;
pub(crate) use account::insert_activity;

const SQLITE: Dialect = Dialect::new("BLOB", "INTEGER", "");

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

impl Columns for Row<'_> {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        Ok(self.get(i)?)
    }
}

/// The connections of a [`SqliteDatabase`]. The readers are declared (so dropped) first: the
/// writer, closing last, checkpoints the WAL and removes it.
struct Inner {
    readers: Option<Pool<Connection>>,
    /// The group sync of the log (`None`: SQLite syncs inside each commit, or never).
    group: Option<GroupSync>,
    writer: Mutex<Connection>,
    location: String,
    durability: Durability,
    /// When a write last failed for want of space or permission (the health check reports
    /// it for [`SqliteDatabase::WRITE_FAILURE_MEMORY`]).
    write_failed: Mutex<Option<(std::time::Instant, String)>>,
}

/// When a commit of a [`SqliteDatabase`] is on disk (`--durability`): SQLite's `synchronous`
/// setting of the writer, in WAL mode.
///
/// What a lost commit means for UAF: a lost challenge *take* reopens, after the restart, the
/// replay window of that one challenge for at most the rest of its lifetime (the response
/// that used it could be accepted once more, and only until the challenge expires); a lost
/// counter advance is caught at the key's next sign-in (the authenticator's counter has moved
/// on, so the next response is still above the stored value, and a clone replaying the lost
/// one is caught when the real key signs again). A lost registration, invite take, attempt
/// move or session is an operation the client sees fail (or must redo) after the restart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL` (the default): every commit is synced to disk before it is
    /// acknowledged; nothing acknowledged is lost on a process crash, an operating-system
    /// crash or power loss.
    #[default]
    Full,
    /// `synchronous = NORMAL`: the WAL is synced at checkpoints, not at every commit.
    /// Nothing acknowledged is lost when the process crashes (or is killed); the last
    /// commits before an operating-system crash or power loss may be lost (see above).
    Normal,
}

impl Durability {
    /// The command-line name: `full`, `normal`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Durability::Full => "full",
            Durability::Normal => "normal",
        }
    }

    /// The durability named `name` (`full`, `normal`; ASCII case ignored).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Durability> {
        [Durability::Full, Durability::Normal]
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// SQLite's `synchronous` value.
    const fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a [`SqliteDatabase`] is opened: its [`Durability`] and whether commits are synced in
/// groups (see the module docs, "Group commit").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// When a commit is on disk (`--durability`).
    pub durability: Durability,
    /// With [`Durability::Full`]: sync the log once for all the commits made meanwhile,
    /// answering each write after the sync that covers it (`--group-commit on`, the default),
    /// rather than inside every commit (`off`). No effect with [`Durability::Normal`] (no
    /// commit is synced) or on `:memory:`.
    pub group_commit: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            durability: Durability::Full,
            group_commit: true,
        }
    }
}

impl SqliteOptions {
    /// The default options with this durability.
    #[must_use]
    pub fn with_durability(durability: Durability) -> Self {
        SqliteOptions {
            durability,
            ..SqliteOptions::default()
        }
    }

    /// These options with group commit on or off.
    #[must_use]
    pub fn group_commit(mut self, on: bool) -> Self {
        self.group_commit = on;
        self
    }
}

/// The group sync of the write-ahead log (module docs, "Group commit"): commits are numbered
/// in the writer's order; a write waits until the log is synced up to its number, and the
/// first waiter that finds no sync in progress syncs everything committed so far.
struct GroupSync {
    /// The `-wal` file, opened by us (read-only): `fdatasync` of any descriptor of a file
    /// writes its pages, whoever wrote them (the writer connection, in this process).
    wal: std::fs::File,
    state: Mutex<SyncState>,
    synced: Condvar,
}

#[derive(Default)]
struct SyncState {
    /// The number of the last commit (assigned under the writer lock: the log's order).
    committed: u64,
    /// Every commit up to this number is on disk.
    durable: u64,
    /// A sync is running (outside this lock).
    syncing: bool,
    /// A sync failed: nothing later is durable (until a restart recovers the file).
    failed: Option<String>,
    /// Syncs made (statistics).
    syncs: u64,
}

/// A write whose commit could not be made durable: the sync of the log failed (now or
/// before: see the module docs).
#[derive(Debug)]
pub struct SyncFailed {
    /// The operating system's message.
    pub message: String,
}

impl fmt::Display for SyncFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the write-ahead log could not be synced to disk ({}); restart the server",
            self.message
        )
    }
}

impl core::error::Error for SyncFailed {}

impl GroupSync {
    /// Numbers a commit that changed something; called under the writer lock, right after it.
    fn committed(&self) -> u64 {
        let mut st = lock(&self.state);
        st.committed += 1;
        st.committed
    }

    /// The number of the last commit (a write that changed nothing still waits for it: its
    /// answer may rest on an earlier commit).
    fn last(&self) -> u64 {
        lock(&self.state).committed
    }

    /// Returns once every commit up to `n` is on disk, syncing the log if no sync is running.
    fn wait_durable(&self, n: u64) -> Result<(), StoreError> {
        let mut st = lock(&self.state);
        loop {
            if let Some(message) = &st.failed {
                return Err(StoreError::Database(Box::new(SyncFailed {
                    message: message.clone(),
                })));
            }
            if st.durable >= n {
                return Ok(());
            }
            if st.syncing {
                st = match self.synced.wait(st) {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                continue;
            }
            // This waiter syncs, for every commit made so far (later ones wait for the next).
            st.syncing = true;
            let upto = st.committed;
            drop(st);
            let synced = self.wal.sync_data();
            st = lock(&self.state);
            st.syncing = false;
            st.syncs += 1;
            match synced {
                Ok(()) => st.durable = st.durable.max(upto),
                Err(e) => st.failed = Some(e.to_string()),
            }
            self.synced.notify_all();
        }
    }
}

/// What the group sync of a [`SqliteDatabase`] has done (tests, diagnostics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupCommitStats {
    /// Commits that changed something.
    pub commits: u64,
    /// Syncs of the log.
    pub syncs: u64,
    /// Commits on disk.
    pub durable: u64,
}

/// A write that failed for want of space or permission a short while ago: what the health
/// check reports even when its own small probe fits (SQLite reuses the space its log already
/// holds, so a small write can succeed on a full disk while a larger one fails).
#[derive(Debug)]
pub struct RecentWriteFailure {
    /// How long ago.
    pub ago: Duration,
    /// SQLite's message.
    pub message: String,
}

impl fmt::Display for RecentWriteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a write failed {} s ago: {}",
            self.ago.as_secs(),
            self.message
        )
    }
}

impl core::error::Error for RecentWriteFailure {}

/// Whether `e` says the database cannot be written (full, read-only, I/O).
fn cannot_write(e: &StoreError) -> Option<String> {
    let StoreError::Database(source) = e else {
        return None;
    };
    let sqlite = source.downcast_ref::<rusqlite::Error>()?;
    matches!(
        sqlite.sqlite_error_code()?,
        rusqlite::ErrorCode::DiskFull
            | rusqlite::ErrorCode::ReadOnly
            | rusqlite::ErrorCode::SystemIoFailure
            | rusqlite::ErrorCode::CannotOpen
            | rusqlite::ErrorCode::PermissionDenied
    )
    .then(|| sqlite.to_string())
}

/// An open SQLite database: one writer connection and, for a file, a pool of readers (see the
/// module docs). Cloning shares the connections.
#[derive(Clone)]
pub struct SqliteDatabase {
    inner: Arc<Inner>,
}

impl fmt::Debug for SqliteDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteDatabase")
            .field("location", &self.inner.location)
            .field("readers", &self.readers())
            .field("durability", &self.inner.durability)
            .field("group_commit", &self.group_commit())
            .finish_non_exhaustive()
    }
}

impl SqliteDatabase {
    /// The path that opens a private in-memory database.
    pub const MEMORY: &'static str = ":memory:";

    /// How long a write waits for another connection's write lock, and a read for a free
    /// reader.
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

    /// How long a write that failed for want of space or permission keeps the health check
    /// ([`Backend::probe_write`]) failing: 30 s.
    pub const WRITE_FAILURE_MEMORY: Duration = Duration::from_secs(30);

    /// The number of read-only connections of a database file.
    pub const READERS: usize = 4;

    /// Statements kept prepared per connection (every statement of the stores fits: none is
    /// parsed twice on a connection).
    const STATEMENT_CACHE: usize = 128;

    /// The newest schema version this build knows ([`super::SCHEMA_VERSION`]).
    pub const SCHEMA_VERSION: u32 = super::SCHEMA_VERSION;

    /// Opens (creating if needed) the database file at `path`, or a private in-memory
    /// database for `:memory:`; switches to WAL, migrates the schema forward, and opens the
    /// readers (none for an in-memory database).
    ///
    /// # Errors
    /// [`StoreError::Database`] when the file cannot be opened or migrated,
    /// [`StoreError::NewerSchema`] for a database of a newer build.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, Durability::Full)
    }

    /// [`SqliteDatabase::open`] with the writer's [`Durability`] (and group commit).
    ///
    /// # Errors
    /// As [`SqliteDatabase::open`].
    pub fn open_with(path: impl AsRef<Path>, durability: Durability) -> Result<Self, StoreError> {
        Self::open_with_options(path, SqliteOptions::with_durability(durability))
    }

    /// [`SqliteDatabase::open`] with these [`SqliteOptions`].
    ///
    /// # Errors
    /// As [`SqliteDatabase::open`].
    pub fn open_with_options(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let durability = options.durability;
        let writer = if path.as_os_str() == Self::MEMORY {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        writer.busy_timeout(Self::BUSY_TIMEOUT)?;
        writer.set_prepared_statement_cache_capacity(Self::STATEMENT_CACHE);
        // WAL: readers never block the writer; `:memory:` answers "memory" (and gets no readers).
        let mode = switch_to_wal(&writer)?;
        let wal = mode.eq_ignore_ascii_case("wal");
        // FULL: a committed take or counter update survives power loss (no replay after
        // it); NORMAL: it survives a crash of the process (see `Durability`). With group
        // commit, FULL's sync is ours, once per group (module docs).
        let grouped = wal && options.group_commit && durability == Durability::Full;
        let synchronous = if grouped {
            Durability::Normal.pragma()
        } else {
            durability.pragma()
        };
        writer.pragma_update(None, "synchronous", synchronous)?;
        let mut db = SqliteDatabase {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers: None,
                group: None,
                location: path.display().to_string(),
                durability,
                write_failed: Mutex::new(None),
            }),
        };
        db.migrate()?;
        if wal {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let mut idle = Vec::with_capacity(Self::READERS);
            for _ in 0..Self::READERS {
                let c = Connection::open_with_flags(path, flags)?;
                c.busy_timeout(Self::BUSY_TIMEOUT)?;
                c.set_prepared_statement_cache_capacity(Self::STATEMENT_CACHE);
                idle.push(c);
            }
            let readers = Pool::new(idle);
            let group = if grouped {
                Some(open_group_sync(&lock(&db.inner.writer))?)
            } else {
                None
            };
            // Nothing else holds the handle yet.
            if let Some(inner) = Arc::get_mut(&mut db.inner) {
                inner.readers = Some(readers);
                inner.group = group;
            }
        }
        tracing::info!(
            location = %db.inner.location,
            durability = %durability,
            group_commit = db.group_commit(),
            readers = db.readers(),
            "SQLite database open"
        );
        Ok(db)
    }

    /// A private in-memory database (tests, demos).
    ///
    /// # Errors
    /// As [`SqliteDatabase::open`].
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::open(Self::MEMORY)
    }

    /// When a commit is on disk ([`SqliteDatabase::open_with`]).
    #[must_use]
    pub fn durability(&self) -> Durability {
        self.inner.durability
    }

    /// Whether commits are synced in groups ([`SqliteOptions::group_commit`], in force: a
    /// file database with [`Durability::Full`]).
    #[must_use]
    pub fn group_commit(&self) -> bool {
        self.inner.group.is_some()
    }

    /// What the group sync has done (`None` without group commit).
    #[must_use]
    pub fn group_commit_stats(&self) -> Option<GroupCommitStats> {
        self.inner.group.as_ref().map(|g| {
            let st = lock(&g.state);
            GroupCommitStats {
                commits: st.committed,
                syncs: st.syncs,
                durable: st.durable,
            }
        })
    }

    /// The number of read-only connections (0: reads use the writer).
    #[must_use]
    pub fn readers(&self) -> usize {
        self.inner.readers.as_ref().map_or(0, |_| Self::READERS)
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer (the write lock first,
    /// waiting up to [`Self::BUSY_TIMEOUT`]), committing when it succeeds (rolled back
    /// otherwise: a failure never touches another request's transaction). With group commit,
    /// returns only once the commit is on disk (module docs).
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (result, durable_at) = {
            let mut conn = lock(&self.inner.writer);
            let before = conn.total_changes();
            let result = (|| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            })();
            // Numbered under the writer lock: the numbers follow the log.
            let durable_at = match (&result, &self.inner.group) {
                (Ok(_), Some(g)) if conn.total_changes() != before => Some(g.committed()),
                (Ok(_), Some(g)) => Some(g.last()),
                _ => None,
            };
            (result, durable_at)
        };
        if let Err(e) = &result {
            if let Some(message) = cannot_write(e) {
                *lock(&self.inner.write_failed) = Some((std::time::Instant::now(), message));
            }
        }
        let out = result?;
        if let (Some(n), Some(g)) = (durable_at, &self.inner.group) {
            if let Err(e) = g.wait_durable(n) {
                *lock(&self.inner.write_failed) = Some((std::time::Instant::now(), e.to_string()));
                return Err(e);
            }
        }
        Ok(out)
    }

    /// Runs `f` on a reader (on the writer when there are none).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(pool) = &self.inner.readers else {
            return f(&lock(&self.inner.writer));
        };
        let conn = pool.take(Self::BUSY_TIMEOUT)?;
        // Given back after the call (a panic in `f`, which the lints rule out, would lose it).
        let out = f(&conn);
        pool.give(conn);
        out
    }

    /// In one write transaction: deletes the rows of `table` whose `expires_at` is before
    /// `valid_from`, then runs `insert` with `row`.
    pub(crate) fn purge_and_insert(
        &self,
        table: &str,
        valid_from: i64,
        insert: &str,
        row: impl rusqlite::Params,
    ) -> Result<(), StoreError> {
        let purge = format!("DELETE FROM {table} WHERE expires_at < ?1");
        self.write(|tx| {
            exec(tx, &purge, [valid_from])?;
            exec(tx, insert, row)?;
            Ok(())
        })
    }

    /// Runs `q` in a write transaction of its own; returns the rows changed.
    pub(crate) fn execute(&self, q: &str, args: impl rusqlite::Params) -> Result<u64, StoreError> {
        self.write(|tx| changed(exec(tx, q, args)?))
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
            if found == 0 && !has_version_row(tx)? {
                tx.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
            }
            Ok(())
        })?;
        // Each step in its own transaction: a failure leaves the last complete version.
        for (from, step) in (0u32..).zip(MIGRATIONS) {
            let step = SQLITE.migration(step);
            self.write(|tx| {
                // Re-read under the write lock: another process may have migrated meanwhile.
                if current_version(tx)? != from {
                    return Ok(());
                }
                tx.execute_batch(&step)?;
                tx.execute("UPDATE schema_version SET version = ?1", [from + 1])?;
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// The group sync of the writer `c`'s database: its `-wal` file, opened for syncing, and the
/// directory entry of that file made durable once (SQLite syncs the directory when it
/// creates the log only inside a synced commit, which group commit leaves to us).
fn open_group_sync(c: &Connection) -> Result<GroupSync, StoreError> {
    let io = |e: std::io::Error| StoreError::Database(Box::new(e));
    let db = c.path().map(std::path::PathBuf::from).ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the database has no file name",
        ))
    })?;
    let mut wal_path = db.clone().into_os_string();
    wal_path.push("-wal");
    // Read-only is enough: `fdatasync` writes the file's dirty pages whatever the mode.
    let wal = std::fs::File::open(&wal_path).map_err(io)?;
    wal.sync_all().map_err(io)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(GroupSync {
        wal,
        state: Mutex::new(SyncState::default()),
        synced: Condvar::new(),
    })
}

/// `PRAGMA journal_mode = WAL`, retried while another connection holds the lock it needs.
/// Switching a fresh file to WAL takes an exclusive lock, and SQLite answers `SQLITE_BUSY`
/// at once, without calling the busy handler, when waiting could deadlock (several processes
/// opening a new database together); so the busy timeout is applied here by hand.
fn switch_to_wal(c: &Connection) -> Result<String, StoreError> {
    let deadline = std::time::Instant::now() + SqliteDatabase::BUSY_TIMEOUT;
    loop {
        match c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return Ok(other?),
        }
    }
}

/// Every row of `q` on `c`, read by `decode` (a query, or a statement with `RETURNING`: one
/// statement, so of concurrent `DELETE … RETURNING`s of a row exactly one gets it).
pub(crate) fn rows<T>(
    c: &Connection,
    q: &str,
    args: impl rusqlite::Params,
    decode: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = c.prepare_cached(q)?;
    let mut found = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(row) = found.next()? {
        out.push(decode(row)?);
    }
    Ok(out)
}

/// The first of `rows` (queries by a unique key find one or none).
pub(crate) fn first<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

/// Runs statement `q` through the connection's statement cache (parsed once per
/// connection); returns the rows changed.
pub(crate) fn exec(
    c: &Connection,
    q: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    c.prepare_cached(q)?.execute(args)
}

pub(crate) fn changed(n: usize) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|e| StoreError::corrupt("row count", e))
}

fn current_version(c: &Connection) -> Result<u32, StoreError> {
    let v: Option<i64> = c
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    u32::try_from(v.unwrap_or(0)).map_err(|e| StoreError::corrupt("schema version", e))
}

fn has_version_row(c: &Connection) -> Result<bool, StoreError> {
    let n: i64 = c.query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))?;
    Ok(n > 0)
}

impl Backend for SqliteDatabase {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn location(&self) -> &str {
        &self.inner.location
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(current_version)
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| {
            Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(drop)?)
        })
    }

    fn probe_write(&self) -> Result<(), StoreError> {
        self.execute(sql::PROBE_WRITE, [])?;
        // The probe is one small page: on a full disk it may fit where a request's write does
        // not. A real write that failed lately counts too.
        let failed = lock(&self.inner.write_failed).clone();
        match failed {
            Some((at, message)) if at.elapsed() < Self::WRITE_FAILURE_MEMORY => {
                Err(StoreError::Database(Box::new(RecentWriteFailure {
                    ago: at.elapsed(),
                    message,
                })))
            }
            _ => Ok(()),
        }
    }

    fn stores(&self, challenge_ttl_secs: u64, clock: Clock) -> Stores {
        Stores::of(self, challenge_ttl_secs, clock)
    }
}

/// Inserts `r` unless its (AAID, KeyID) is taken; returns the rows inserted (1 or 0).
fn insert_registration(c: &Connection, r: &Registration) -> Result<u64, StoreError> {
    let registered_at = to_i64(r.registered_at, "registration time")?;
    // UNIQUE (aaid, key_id) decides; nothing changes on a conflict.
    changed(exec(
        c,
        sql::INSERT_REGISTRATION,
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
    )?)
}

// ---------------------------------------------------------------------------------------------
// Credentials (table `registrations`)
// ---------------------------------------------------------------------------------------------

impl CredentialStore for SqliteDatabase {
    type Error = StoreError;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StoreError> {
        let key = params![aaid_key(aaid), key_id];
        self.read(|c| rows(c, sql::GET_REGISTRATION, key, |r| registration_of(r)))
            .map(first)
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, StoreError> {
        let q = concat!(
            "SELECT ",
            reg_columns!(),
            " FROM registrations WHERE username = $1 ORDER BY rowid"
        );
        self.read(|c| rows(c, q, [username], |r| registration_of(r)))
    }

    fn insert_unique(&self, r: Registration) -> Result<InsertOutcome, StoreError> {
        self.write(|tx| insert_registration(tx, &r)).map(inserted)
    }

    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, StoreError> {
        let aaid = aaid_key(aaid);
        self.write(|tx| {
            if exec(tx, sql::CAS_COUNTER, params![new, aaid, key_id, expected])? == 1 {
                return Ok(CasOutcome::Swapped);
            }
            // Same transaction: the value read is the one that made the update miss.
            let current: Option<u32> = tx
                .query_row(sql::COUNTER, params![aaid, key_id], |r| r.get(0))
                .optional()?;
            Ok(missed(current))
        })
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, StoreError> {
        let n = self.execute(sql::DELETE_REGISTRATION, params![aaid_key(aaid), key_id])?;
        Ok(n > 0)
    }
}

// ---------------------------------------------------------------------------------------------
// Pending ceremonies (table `pending`)
// ---------------------------------------------------------------------------------------------

/// The pending store over a [`SqliteDatabase`]: single use (`DELETE … RETURNING`) and
/// expiring.
pub type SqlitePendingStore<P> = PendingTable<SqliteDatabase, P>;

impl<P: PersistedPending> SqlitePendingStore<P> {
    fn purge(&self, tx: &Connection) -> Result<usize, StoreError> {
        let q = "DELETE FROM pending WHERE kind = ?1 AND issued_at < ?2";
        Ok(exec(tx, q, params![P::KIND, self.cutoff()?])?)
    }
}

impl<P: PersistedPending> PendingStore<P> for SqlitePendingStore<P> {
    type Error = StoreError;

    fn put(&self, challenge: &[u8], pending: P) -> Result<(), StoreError> {
        let r = pending.to_row();
        let issued = to_i64(r.issued_at, "issue time")?;
        self.db.write(|tx| {
            self.purge(tx)?;
            let row = params![
                P::KIND,
                challenge,
                r.request,
                r.username,
                issued,
                r.requirements
            ];
            exec(tx, sql::PUT_PENDING, row)?;
            Ok(())
        })
    }

    fn peek(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        let key = params![P::KIND, challenge, self.cutoff()?];
        let found = self
            .db
            .read(|c| rows(c, sql::PEEK_PENDING, key, |r| self.unexpired(r)))?;
        Ok(first(found).flatten())
    }

    fn take(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        // One statement: of concurrent takes, exactly one sees the row (single use).
        let key = params![P::KIND, challenge];
        let taken = self
            .db
            .write(|tx| rows(tx, sql::TAKE_PENDING, key, |r| self.unexpired(r)))?;
        Ok(first(taken).flatten())
    }
}

impl<P: PersistedPending> ExpiringPendingStore<P> for SqlitePendingStore<P> {
    fn purge_expired(&self) -> Result<usize, StoreError> {
        self.db.write(|tx| self.purge(tx))
    }

    fn len(&self) -> Result<u64, StoreError> {
        let n = self
            .db
            .read(|c| rows(c, sql::COUNT_PENDING, [P::KIND], |r| r.uint(0, "count")))?;
        Ok(first(n).unwrap_or(0))
    }
}

// ---------------------------------------------------------------------------------------------
// The writes of one sign-in step in one transaction (store/writes.rs)
// ---------------------------------------------------------------------------------------------

impl SqlitePendingStore<PendingAuthentication> {
    /// Takes the challenge, advances the counters and (if every counter swapped) moves the
    /// attempt, in the caller's write transaction.
    fn finish_in(
        &self,
        tx: &Connection,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
        attempt: Option<&AttemptMove<'_>>,
    ) -> Result<Option<Approval>, StoreError> {
        let key = params![PendingAuthentication::KIND, server_data];
        let issued = first(rows(tx, writes::sql::TAKE_ISSUED, key, |r| {
            r.uint(0, "issue time")
        })?);
        // Gone, or expired (a late take deletes it all the same): nothing else is written.
        match issued {
            Some(at) if !expired(at, self.now(), self.ttl_secs) => {}
            _ => return Ok(None),
        }
        let mut outcomes = Vec::with_capacity(counters.len());
        for c in counters {
            let aaid = aaid_key(c.aaid);
            let advance = params![c.new, aaid, c.key_id, c.expected];
            if exec(tx, writes::sql::ADVANCE_COUNTER, advance)? == 1 {
                outcomes.push(CasOutcome::Swapped);
                continue;
            }
            // Same transaction: the value that made the update miss.
            let current: Option<u32> = tx
                .query_row(sql::COUNTER, params![aaid, c.key_id], |r| r.get(0))
                .optional()?;
            outcomes.push(missed(current));
        }
        let moved = match attempt {
            Some(m) if outcomes.iter().all(|o| *o == CasOutcome::Swapped) => {
                let (to, from, valid_from) = m.step.args(m.now)?;
                Some(exec(tx, sql::TRANSITION, params![to, m.id, from, valid_from])? == 1)
            }
            _ => None,
        };
        // The account page's "last used" of the phone that approved: the same transaction
        // (a key without a phone row, as the conformance API's, updates nothing).
        if let (Some(m), Some(true)) = (attempt, moved) {
            let now = to_i64(m.now, "time")?;
            for c in counters {
                let used = params![now, aaid_key(c.aaid), c.key_id];
                exec(tx, super::account_page::sql::PHONE_USED, used)?;
            }
        }
        Ok(Some(Approval {
            counters: outcomes,
            moved,
        }))
    }
}

impl SqlitePendingStore<PendingAuthentication> {
    /// Stores `pending` under `server_data` (purging the expired states) and `attempt`
    /// (capped), in the caller's write transaction.
    fn start_in(
        &self,
        tx: &Connection,
        server_data: &[u8],
        pending: &PendingAuthentication,
        attempt: &AttemptRow,
        max_pending: u32,
    ) -> Result<u64, StoreError> {
        let r = pending.to_row();
        let issued = to_i64(r.issued_at, "issue time")?;
        self.purge(tx)?;
        let row = params![
            PendingAuthentication::KIND,
            server_data,
            r.request,
            r.username,
            issued,
            r.requirements
        ];
        exec(tx, sql::PUT_PENDING, row)?;
        insert_attempt_capped(tx, attempt, max_pending)
    }
}

impl AuthenticationCommit for SqlitePendingStore<PendingAuthentication> {
    type Error = StoreError;

    fn take_and_advance(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
    ) -> Result<Option<Vec<CasOutcome>>, StoreError> {
        let done = self
            .db
            .write(|tx| self.finish_in(tx, server_data, counters, None))?;
        Ok(done.map(|a| a.counters))
    }
}

impl AuthenticationWrites for SqlitePendingStore<PendingAuthentication> {
    fn put_with_attempt(
        &self,
        server_data: &[u8],
        pending: &PendingAuthentication,
        attempt: &AttemptRow,
        max_pending: u32,
    ) -> Result<u64, StoreError> {
        self.db
            .write(|tx| self.start_in(tx, server_data, pending, attempt, max_pending))
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
        self.db.write(|tx| {
            let superseded = self.start_in(tx, server_data, pending, attempt, max_pending)?;
            exec(
                tx,
                "DELETE FROM second_steps WHERE expires_at < ?1",
                [valid_from],
            )?;
            let step = params![attempt.id, attempt.username, expires];
            exec(tx, account_sql::INSERT_SECOND_STEP, step)?;
            account::insert_activity(tx, activity)?;
            Ok(superseded)
        })
    }

    fn take_advance_and_move(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
        attempt: &AttemptMove<'_>,
    ) -> Result<Option<Approval>, StoreError> {
        self.db
            .write(|tx| self.finish_in(tx, server_data, counters, Some(attempt)))
    }
}

// ---------------------------------------------------------------------------------------------
// Phone sign-in (schema version 2)
// ---------------------------------------------------------------------------------------------

/// Stores attempt `a`, purging the attempts expired for an hour, and supersedes the pending
/// attempts of its user beyond the `max_pending - 1` newest others
/// ([`SignInStore::put_attempt_capped`]); in the caller's write transaction.
fn insert_attempt_capped(
    tx: &Connection,
    a: &AttemptRow,
    max_pending: u32,
) -> Result<u64, StoreError> {
    let [created, expires] = times(a.created_at, a.expires_at)?;
    let keep_from = rows_valid_from(a.created_at, 3600)?;
    let valid_from = rows_valid_from(a.created_at, 0)?;
    let others = i64::from(max_pending.max(1) - 1);
    let (id, user, browser, code) = (&a.id, &a.username, &a.browser_hash, &a.match_code);
    let uaf = (&a.server_data, &a.request);
    let row = params![
        id,
        user,
        browser,
        uaf.0,
        uaf.1,
        code,
        a.state.as_str(),
        created,
        expires,
        a.browser,
        a.client_ip,
        a.user_agent
    ];
    exec(
        tx,
        "DELETE FROM signin_attempts WHERE expires_at < ?1",
        [keep_from],
    )?;
    exec(tx, sql::INSERT_ATTEMPT, row)?;
    let superseded = params![user, id, valid_from];
    changed(exec(tx, &supersede_sql(others), superseded)?)
}

/// [`sql::SUPERSEDE_ATTEMPTS`] with its `LIMIT` written in (`others`: a small integer of the
/// configuration, so one cached statement per server). SQLite prepares a statement whose
/// `LIMIT` is a bound parameter again at every execution (the value may change its plan):
/// that re-preparation cost about 5 % of the server's CPU in a phone sign-in.
fn supersede_sql(others: i64) -> String {
    sql::SUPERSEDE_ATTEMPTS.replace("LIMIT $4", &format!("LIMIT {others}"))
}

/// Stores session `s` in the caller's write transaction: purges the sessions expired at
/// `s.now`, inserts it, and records its activity row and remembers its browser, if any
/// ([`NewSession`]).
fn insert_session_in(tx: &Connection, s: &NewSession) -> Result<(), StoreError> {
    let [created, expires] = times(s.row.created_at, s.row.expires_at)?;
    let valid_from = rows_valid_from(s.now, 0)?;
    exec(
        tx,
        "DELETE FROM sessions WHERE expires_at < ?1",
        [valid_from],
    )?;
    let (user, method) = (&s.row.username, &s.row.method);
    let row = params![s.id_hash, user, method, created, expires];
    exec(tx, sql::INSERT_SESSION, row)?;
    if let Some(a) = &s.activity {
        account::insert_activity(tx, a)?;
    }
    if let Some(b) = &s.known_browser {
        let forget = b.forget_before;
        super::sqlite_attempt::remember_in(tx, &b.token_hash, user, s.now, forget)?;
    }
    Ok(())
}

impl SignInStore for SqliteDatabase {
    fn put_invite(&self, code_hash: &[u8], invite: &InviteRow) -> Result<(), StoreError> {
        let [created, expires] = times(invite.created_at, invite.expires_at)?;
        let valid_from = rows_valid_from(invite.created_at, 0)?;
        let row = params![code_hash, invite.username, created, expires];
        self.purge_and_insert("phone_invites", valid_from, sql::INSERT_INVITE, row)
    }

    fn find_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        self.read(|c| rows(c, sql::FIND_INVITE, [code_hash], |r| invite_of(r)))
            .map(first)
    }

    fn take_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        self.write(|c| rows(c, sql::TAKE_INVITE, [code_hash], |r| invite_of(r)))
            .map(first)
    }

    fn put_device(&self, token_hash: &[u8], d: &DeviceRow) -> Result<(), StoreError> {
        let created = to_i64(d.created_at, "time")?;
        let row = params![token_hash, d.username, d.aaid, d.key_id, created];
        self.execute(sql::INSERT_DEVICE, row).map(drop)
    }

    fn find_device(&self, token_hash: &[u8]) -> Result<Option<DeviceRow>, StoreError> {
        self.read(|c| rows(c, sql::FIND_DEVICE, [token_hash], |r| device_of(r)))
            .map(first)
    }

    fn put_attempt_capped(&self, a: &AttemptRow, max_pending: u32) -> Result<u64, StoreError> {
        // One `BEGIN IMMEDIATE` transaction: the cap holds against every other writer.
        self.write(|tx| insert_attempt_capped(tx, a, max_pending))
    }

    fn enroll(&self, e: &Enrolment) -> Result<EnrollOutcome, StoreError> {
        let d = &e.device;
        let created = to_i64(d.created_at, "time")?;
        enrol_outcome(self.write(|tx| {
            let invite = first(rows(tx, sql::TAKE_INVITE, [&e.code_hash], |r| {
                invite_of(r)
            })?);
            if invite.is_none_or(|i| i.username != d.username) {
                return Err(abort(EnrollOutcome::InviteGone));
            }
            for r in &e.registrations {
                if insert_registration(tx, r)? != 1 {
                    return Err(abort(EnrollOutcome::AlreadyRegistered));
                }
            }
            let row = params![e.token_hash, d.username, d.aaid, d.key_id, created];
            tx.execute(sql::INSERT_DEVICE, row)?;
            Ok(EnrollOutcome::Enrolled)
        }))
    }

    fn attempt(&self, id: &str) -> Result<Option<AttemptRow>, StoreError> {
        self.read(|c| rows(c, sql::FIND_ATTEMPT, [id], |r| attempt_of(r)))
            .map(first)
    }

    fn pending_attempts(&self, username: &str, now: u64) -> Result<Vec<AttemptRow>, StoreError> {
        let valid_from = rows_valid_from(now, 0)?;
        self.read(|c| {
            rows(
                c,
                sql::PENDING_ATTEMPTS,
                params![username, valid_from],
                |r| attempt_of(r),
            )
        })
    }

    fn transition(&self, id: &str, step: Transition, now: u64) -> Result<bool, StoreError> {
        let (to, from, valid_from) = step.args(now)?;
        let n = self.execute(sql::TRANSITION, params![to, id, from, valid_from])?;
        Ok(n == 1)
    }

    fn consume_into_session(&self, id: &str, s: &NewSession) -> Result<bool, StoreError> {
        let (to, from, valid_from) = Transition::COLLECT.args(s.now)?;
        self.write(|tx| {
            // Not moved (used, expired): nothing else is written.
            if exec(tx, sql::TRANSITION, params![to, id, from, valid_from])? != 1 {
                return Ok(false);
            }
            insert_session_in(tx, s)?;
            Ok(true)
        })
    }

    fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        self.read(|c| rows(c, sql::FIND_SESSION, [id_hash], |r| session_of(r)))
            .map(first)
    }

    fn delete_session(&self, id_hash: &[u8]) -> Result<bool, StoreError> {
        Ok(self.execute(sql::DELETE_SESSION, [id_hash])? > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn superseding_attempts_is_prepared_once() {
        let db = SqliteDatabase::open_in_memory().unwrap();
        let c = lock(&db.inner.writer);
        let q = supersede_sql(2);
        assert!(q.ends_with("LIMIT 2)"), "{q}");
        for i in 0..5i64 {
            exec(&c, &q, params!["alice", format!("id{i}"), i]).unwrap();
        }
        let cached = c.prepare_cached(&q).unwrap();
        assert_eq!(cached.get_status(rusqlite::StatementStatus::RePrepare), 0);
        drop(cached);
        // Why the LIMIT is written in: bound, it re-prepares at every execution.
        let bound = sql::SUPERSEDE_ATTEMPTS;
        for i in 0..5i64 {
            exec(&c, bound, params!["alice", format!("id{i}"), i, 2i64]).unwrap();
        }
        let cached = c.prepare_cached(bound).unwrap();
        assert_eq!(cached.get_status(rusqlite::StatementStatus::RePrepare), 5);
    }

    /// The writer's `synchronous` (0 OFF, 1 NORMAL, 2 FULL) and `journal_mode`.
    fn settings(db: &SqliteDatabase) -> (i64, String) {
        let c = lock(&db.inner.writer);
        let sync = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let mode = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        (sync, mode)
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "uaf-sqlite-durability-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn full_is_the_default_with_group_commit() {
        let dir = temp("full");
        let db = SqliteDatabase::open(dir.join("db")).unwrap();
        assert_eq!(db.durability(), Durability::Full);
        assert!(db.group_commit());
        // The commit does not sync; the group sync does (once per group).
        assert_eq!(settings(&db), (1, String::from("wal")));
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn full_without_group_commit_syncs_inside_every_commit() {
        let dir = temp("full-off");
        let options = SqliteOptions::default().group_commit(false);
        let db = SqliteDatabase::open_with_options(dir.join("db"), options).unwrap();
        assert_eq!(db.durability(), Durability::Full);
        assert!(!db.group_commit());
        assert_eq!(db.group_commit_stats(), None);
        assert_eq!(settings(&db), (2, String::from("wal")));
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn memory_and_normal_have_no_group_sync() {
        assert!(!SqliteDatabase::open_in_memory().unwrap().group_commit());
        let dir = temp("normal-group");
        let db = SqliteDatabase::open_with(dir.join("db"), Durability::Normal).unwrap();
        assert!(!db.group_commit());
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Every acknowledged write is covered by a sync; a write that fails rolls back its own
    /// transaction only; a write that changes nothing is not counted as a commit.
    #[test]
    fn concurrent_writes_are_each_acknowledged_after_a_sync_that_covers_them() {
        let dir = temp("group");
        let db = SqliteDatabase::open(dir.join("db")).unwrap();
        db.execute(
            "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
            [],
        )
        .unwrap();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let db = db.clone();
                std::thread::spawn(move || {
                    for j in 0..25 {
                        let k = i * 100 + j;
                        db.write(|tx| {
                            tx.execute("INSERT INTO t (k, v) VALUES (?1, 0)", [k])?;
                            Ok(())
                        })
                        .unwrap();
                        // Acknowledged: the sync that covers it is done.
                        let s = db.group_commit_stats().unwrap();
                        assert!(s.durable >= 1 && s.durable <= s.commits);
                        // A failing statement (duplicate key) fails this write alone, and
                        // rolls back what it did before failing.
                        let e = db.write(|tx| {
                            tx.execute("UPDATE t SET v = 1 WHERE k = ?1", [k])?;
                            tx.execute("INSERT INTO t (k, v) VALUES (?1, 0)", [k])?;
                            Ok(())
                        });
                        assert!(matches!(e, Err(StoreError::Database(_))));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = db.group_commit_stats().unwrap();
        let n: i64 = db
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM t WHERE v = 0", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 200);
        // The table's creation was no row change; every insert is one commit.
        assert_eq!(s.commits, 200);
        assert_eq!(s.durable, 200);
        assert!(s.syncs >= 1 && s.syncs <= s.commits, "{s:?}");
        // A write that changes nothing waits for what is committed, and adds no commit.
        db.write(|tx| Ok(tx.execute("DELETE FROM t WHERE k < 0", [])?))
            .unwrap();
        assert_eq!(db.group_commit_stats().unwrap().commits, 200);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn normal_is_wal_with_synchronous_normal() {
        let dir = temp("normal");
        let db = SqliteDatabase::open_with(dir.join("db"), Durability::Normal).unwrap();
        assert_eq!(db.durability(), Durability::Normal);
        assert_eq!(settings(&db), (1, String::from("wal")));
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn durability_names_round_trip_and_unknown_ones_are_refused() {
        for d in [Durability::Full, Durability::Normal] {
            assert_eq!(Durability::from_name(d.name()), Some(d));
            assert_eq!(d.to_string(), d.name());
        }
        assert_eq!(Durability::from_name("NORMAL"), Some(Durability::Normal));
        assert_eq!(Durability::from_name("off"), None);
        assert_eq!(Durability::from_name(""), None);
    }
}
