//! Storage: one trait per store, one module per backend.
//!
//! | store | trait | what it keeps |
//! |---|---|---|
//! | credentials | [`uaf_rp::store::CredentialStore`] | registered keys: insert-unique, compare-and-swap counters |
//! | pending ceremonies | [`ExpiringPendingStore`] (a [`uaf_rp::store::PendingStore`]) | issued requests: single use, expiring |
//! | phone sign-in | [`SignInStore`] | invites, enrolled phones, sign-in attempts, browser sessions |
//!
//! A [`Backend`] is one open database that makes a store of each kind; [`Stores`] is the
//! bundle the server holds, one `Arc<dyn …>` per trait, so the server never knows which
//! backend it runs on. The backends: [`sqlite`] (one node; a file or `:memory:`) and
//! [`postgres`] (several nodes on one database). [`open`] picks one by the location.
//!
//! Every backend keeps the same guarantees, and one contract-test suite
//! (`crates/uaf-server/tests/contract/`) checks them on each: insert-unique, compare-and-swap
//! counters under races, take-once pending states, expiry ([`uaf_rp::pending::expired`], the
//! one rule), purges, migrations applied once, a newer schema refused, and the sign-in rows'
//! semantics. Adding a backend is a new module implementing these traits and [`Backend`],
//! plus one line that runs the suite on it (`docs/server.md`, "How to add a store backend").
//!
//! Later stores (accounts and passwords, activity, rate limits) come as new traits beside
//! these, each a field of [`Stores`] that [`Backend::stores`] fills.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uaf_proto::id::{Aaid, KeyId};
use uaf_proto::message::{AuthenticationRequest, DecodeOptions, MessageError, RegistrationRequest};
use uaf_proto::registry::{AlgKey, AlgSign, AttestationType};
use uaf_rp::pending::{expired, expiry_cutoff};
use uaf_rp::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore};
use uaf_rp::{
    AuthenticationRequirements, PendingAuthentication, PendingRegistration, Registration,
    UserVerificationRequirement,
};

pub mod account;
pub mod account_page;
pub mod attempt;
mod feed;
mod pool;
pub mod postgres;
mod postgres_attempt;
pub mod sqlite;
mod sqlite_attempt;

pub use attempt::{AttemptEnd, AttemptStore, ExpiredAttempt};
pub mod writes;

pub use account::{
    ACTIVITY_RETENTION_SECS, AccountRow, AccountStore, ActivityOutcome, ActivityRow, ActivityStore,
    SignInMethod,
};
pub use feed::{AttemptChange, ChangeFeed, DeliverChange};

pub use account_page::{
    AccountPageStore, DEREGISTRATION_QUEUE_SECS, MAX_PHONE_NAME, PhoneRow, PhoneToRemove, Removed,
};
pub use postgres::{PgDatabase, PgPendingStore, is_postgres_url, redact_url};
pub use sqlite::{
    Durability, GroupCommitStats, RecentWriteFailure, SqliteDatabase, SqliteOptions,
    SqlitePendingStore, SyncFailed,
};
pub use writes::{Approval, AttemptMove, AuthenticationWrites};

/// The newest schema version this build knows: every backend has the same versions, with the
/// same meaning (docs/server.md, "Schema").
// A handful of migrations: the length always fits.
#[allow(clippy::as_conversions)]
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The forward migrations of every SQL backend: entry `i` takes a database from version `i` to
/// `i + 1`. `{bytes}`, `{int}` and `{row_id}` are the backend's byte type, 64-bit integer type
/// and insertion-order column ([`Dialect`]). Never edit a published entry; append a new one
/// (docs/server.md, "Schema").
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 → 1: registrations and pending ceremonies.
    "CREATE TABLE registrations (
         {row_id}
         aaid TEXT NOT NULL,
         key_id {bytes} NOT NULL,
         username TEXT NOT NULL,
         public_key {bytes} NOT NULL,
         public_key_encoding {int} NOT NULL,
         sign_alg {int} NOT NULL,
         sign_counter {int} NOT NULL,
         authenticator_version {int} NOT NULL,
         attestation_type {int} NOT NULL,
         registered_at {int} NOT NULL,
         UNIQUE (aaid, key_id)
     );
     CREATE INDEX registrations_by_user ON registrations (username);
     CREATE TABLE pending (
         kind TEXT NOT NULL,
         challenge {bytes} NOT NULL,
         request TEXT NOT NULL,
         username TEXT,
         issued_at {int} NOT NULL,
         PRIMARY KEY (kind, challenge)
     );
     CREATE INDEX pending_by_issue ON pending (issued_at);",
    // 1 → 2: phone sign-in — one-time enrolment invites, enrolled phones (device tokens),
    // sign-in attempts and browser sessions. Every secret is stored as its SHA-256.
    "CREATE TABLE phone_invites (
         code_hash {bytes} PRIMARY KEY,
         username TEXT NOT NULL,
         created_at {int} NOT NULL,
         expires_at {int} NOT NULL
     );
     CREATE INDEX phone_invites_by_expiry ON phone_invites (expires_at);
     CREATE TABLE phone_devices (
         token_hash {bytes} PRIMARY KEY,
         username TEXT NOT NULL,
         aaid TEXT NOT NULL,
         key_id {bytes} NOT NULL,
         created_at {int} NOT NULL,
         UNIQUE (aaid, key_id)
     );
     CREATE INDEX phone_devices_by_user ON phone_devices (username);
     CREATE TABLE signin_attempts (
         id TEXT PRIMARY KEY,
         username TEXT NOT NULL,
         browser_hash {bytes} NOT NULL,
         server_data TEXT,
         request TEXT,
         match_code TEXT NOT NULL,
         state TEXT NOT NULL,
         created_at {int} NOT NULL,
         expires_at {int} NOT NULL
     );
     CREATE INDEX signin_attempts_by_user ON signin_attempts (username, state);
     CREATE INDEX signin_attempts_by_expiry ON signin_attempts (expires_at);
     CREATE TABLE sessions (
         id_hash {bytes} PRIMARY KEY,
         username TEXT NOT NULL,
         method TEXT NOT NULL,
         created_at {int} NOT NULL,
         expires_at {int} NOT NULL
     );
     CREATE INDEX sessions_by_expiry ON sessions (expires_at);",
    // 2 → 3: what a pending authentication requires beyond the RP's configuration (allowed
    // keys, user verification), as JSON; NULL: nothing (docs/server.md, "Schema").
    "ALTER TABLE pending ADD COLUMN requirements TEXT;",
    // 3 → 4: accounts (argon2id PHC password hash or NULL for phone-only, two-step setting,
    // the verification-code secret — empty until the first phone enrolment — and the last
    // code step used, -1 for none) and the record of sign-in activity (docs/server.md,
    // "Passwords and two-step verification").
    "CREATE TABLE users (
         username TEXT PRIMARY KEY,
         password_hash TEXT,
         created_at {int} NOT NULL,
         two_step {int} NOT NULL,
         code_secret {bytes} NOT NULL,
         code_last_step {int} NOT NULL
     );
     CREATE TABLE activity (
         {row_id}
         username TEXT NOT NULL,
         at {int} NOT NULL,
         method TEXT NOT NULL,
         user_agent TEXT NOT NULL,
         client_ip TEXT NOT NULL,
         outcome TEXT NOT NULL,
         detail TEXT NOT NULL
     );
     CREATE INDEX activity_by_user ON activity (username, at);
     CREATE INDEX activity_by_time ON activity (at);",
    // 4 → 5: the account page — a phone's name (given by the person) and last use (0:
    // never), the deregistration requests queued for removed phones (keyed by the SHA-256 of
    // the removed device token, delivered once), sessions by user (sign out everywhere).
    "ALTER TABLE phone_devices ADD COLUMN name TEXT;
     ALTER TABLE phone_devices ADD COLUMN last_used_at {int} NOT NULL DEFAULT 0;
     CREATE TABLE phone_deregistrations (
         token_hash {bytes} PRIMARY KEY,
         username TEXT NOT NULL,
         request TEXT NOT NULL,
         created_at {int} NOT NULL,
         expires_at {int} NOT NULL
     );
     CREATE INDEX phone_deregistrations_by_expiry ON phone_deregistrations (expires_at);
     CREATE INDEX sessions_by_user ON sessions (username);",
    // 5 → 6: the second steps of password sign-ins: the sign-in attempts that a right
    // password started (only these take a verification code, and their phone approval makes
    // a `password+phone` session).
    "CREATE TABLE second_steps (
         attempt_id TEXT PRIMARY KEY,
         username TEXT NOT NULL,
         expires_at {int} NOT NULL
     );
     CREATE INDEX second_steps_by_expiry ON second_steps (expires_at);",
    // 6 → 7: where a sign-in attempt comes from (browser and OS from its User-Agent, client
    // address), what its phones reported (the last report, the wrong numbers so far); the
    // accounts whose phone sign-ins are paused after "it's not me"; the browsers that signed
    // in to an account (by the SHA-256 of their `uaf_known` cookie).
    "ALTER TABLE signin_attempts ADD COLUMN browser TEXT;
     ALTER TABLE signin_attempts ADD COLUMN client_ip TEXT;
     ALTER TABLE signin_attempts ADD COLUMN report TEXT;
     ALTER TABLE signin_attempts ADD COLUMN wrong_numbers {int} NOT NULL DEFAULT 0;
     CREATE TABLE signin_pauses (
         username TEXT PRIMARY KEY,
         paused_until {int} NOT NULL
     );
     CREATE TABLE known_browsers (
         token_hash {bytes} NOT NULL,
         username TEXT NOT NULL,
         created_at {int} NOT NULL,
         PRIMARY KEY (token_hash, username)
     );
     CREATE INDEX known_browsers_by_age ON known_browsers (created_at);",
    // 7 → 8: the `User-Agent` text that started a sign-in attempt (its first 512 bytes), for
    // the activity row of an attempt that expires unanswered; the attempts the expiry sweep
    // moved from `pending` to `expired` are found by a partial index of the pending ones'
    // expiry (docs/server.md, "Recent activity").
    "ALTER TABLE signin_attempts ADD COLUMN user_agent TEXT;
     CREATE INDEX signin_attempts_pending_by_expiry ON signin_attempts (expires_at) WHERE \
     state = 'pending';",
];

/// What the SQL backends' schemas differ in: the words [`MIGRATIONS`] leave open.
pub(crate) struct Dialect {
    /// The byte-string type (`BLOB`, `BYTEA`).
    pub(crate) bytes: &'static str,
    /// The 64-bit integer type (`INTEGER`, `BIGINT`).
    pub(crate) int: &'static str,
    /// The column definition (with its comma) that keeps the insertion order of
    /// `registrations`, or nothing where the table has one built in (SQLite's `rowid`).
    pub(crate) row_id: &'static str,
}

impl Dialect {
    /// The dialect of these types (see the fields).
    pub(crate) const fn new(bytes: &'static str, int: &'static str, row_id: &'static str) -> Self {
        Dialect { bytes, int, row_id }
    }

    /// A migration step in this dialect.
    pub(crate) fn migration(&self, step: &str) -> String {
        step.replace("{row_id}", self.row_id)
            .replace("{bytes}", self.bytes)
            .replace("{int}", self.int)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A boxed error of a backend or a decoder, kept as the source of a [`StoreError`].
pub type BoxError = Box<dyn core::error::Error + Send + Sync + 'static>;

/// What can go wrong in a store, whatever the backend.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error (I/O, lock, connection, constraint…): the backend's own
    /// error is the [`source`](core::error::Error::source).
    Database(BoxError),
    /// The location cannot be opened as given (a malformed URL, a runtime that cannot start).
    Location {
        /// The location, without a password.
        location: String,
        /// Why.
        source: BoxError,
    },
    /// No connection became free, or the database did not answer, in time.
    Timeout {
        /// What was waited for.
        waiting_for: Waited,
        /// How long.
        after: Duration,
    },
    /// A stored value cannot be read back (a value out of range, an invalid AAID or request).
    Corrupt {
        /// The column (or value) that cannot be read.
        column: &'static str,
        /// Why.
        source: BoxError,
    },
    /// A value does not fit its column (an integer over `i64::MAX`): nothing was written.
    Unrepresentable {
        /// The column.
        column: &'static str,
        /// Why.
        source: BoxError,
    },
    /// The database was made by a newer build: its schema version is unknown here.
    NewerSchema {
        /// The version found in the database.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
}

/// What a [`StoreError::Timeout`] waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Waited {
    /// A free connection of the pool.
    Connection,
    /// The database's answer.
    Answer,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Database(e) => write!(f, "database error: {e}"),
            StoreError::Location { location, source } => write!(f, "{location}: {source}"),
            StoreError::Timeout { waiting_for, after } => {
                let what = match waiting_for {
                    Waited::Connection => "a free database connection",
                    Waited::Answer => "the database's answer",
                };
                write!(f, "no {what} within {} s", after.as_secs())
            }
            StoreError::Corrupt { column, source } => {
                write!(f, "stored {column} cannot be read: {source}")
            }
            StoreError::Unrepresentable { column, source } => {
                write!(f, "{column} cannot be stored: {source}")
            }
            StoreError::NewerSchema { found, known } => write!(
                f,
                "the database has schema version {found}, this build knows up to {known}: \
                 use a newer uaf-server (downgrades are not supported)"
            ),
        }
    }
}

impl core::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            StoreError::Database(e)
            | StoreError::Location { source: e, .. }
            | StoreError::Corrupt { source: e, .. }
            | StoreError::Unrepresentable { source: e, .. } => Some(&**e),
            _ => None,
        }
    }
}

/// Why a stored value is unreadable when no decoder error says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreadable {
    /// A text that is none of the column's values.
    UnknownValue,
    /// A stored request array that does not hold exactly one request.
    NotOneRequest,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreadable::UnknownValue => "not a known value",
            Unreadable::NotOneRequest => "not an array of exactly one request",
        })
    }
}

impl core::error::Error for Unreadable {}

impl StoreError {
    /// A [`StoreError::Corrupt`] of `column`.
    pub(crate) fn corrupt(column: &'static str, source: impl Into<BoxError>) -> StoreError {
        StoreError::Corrupt {
            column,
            source: source.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Clock and the expiry rule
// ---------------------------------------------------------------------------------------------

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

/// Whether a row valid through `expires_at` (inclusive, unix seconds) has expired at `now`:
/// [`uaf_rp::pending::expired`] of a state issued at `expires_at` with no lifetime left.
#[must_use]
pub const fn row_expired(expires_at: u64, now: u64) -> bool {
    expired(expires_at, now, 0)
}

/// The cut-off for queries over rows with an `expires_at`: a row is still valid `grace_secs`
/// after its end exactly when `expires_at >= ` the result ([`uaf_rp::pending::expiry_cutoff`]).
pub(crate) fn rows_valid_from(now: u64, grace_secs: u64) -> Result<i64, StoreError> {
    to_i64(expiry_cutoff(now, grace_secs), "time")
}

// ---------------------------------------------------------------------------------------------
// The store traits
// ---------------------------------------------------------------------------------------------

/// The credential store of every backend: [`CredentialStore`] with [`StoreError`].
pub type DynCredentialStore = dyn CredentialStore<Error = StoreError> + Send + Sync;

/// A [`PendingStore`] whose states expire a fixed time after issue (the relying party's
/// challenge lifetime), by the store's [`Clock`], judged by [`uaf_rp::pending::expired`]: an
/// expired state is never returned (by `peek` or `take`).
pub trait ExpiringPendingStore<P>: PendingStore<P, Error = StoreError> + Send + Sync {
    /// Deletes the expired states of this kind; returns how many.
    ///
    /// # Errors
    /// [`StoreError`].
    fn purge_expired(&self) -> Result<usize, StoreError>;

    /// The number of states of this kind stored (expired ones included until purged).
    ///
    /// # Errors
    /// [`StoreError`].
    fn len(&self) -> Result<u64, StoreError>;

    /// Whether no state of this kind is stored.
    ///
    /// # Errors
    /// [`StoreError`].
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

/// The rows of phone sign-in: one-time invites (taken once), enrolled phones, sign-in attempts
/// (whose state changes by compare-and-swap) and browser sessions. Secrets arrive already
/// hashed (SHA-256); lookups are by hash.
pub trait SignInStore: Send + Sync {
    /// Stores an invite under its code hash, purging the expired ones first.
    ///
    /// # Errors
    /// [`StoreError::Database`] (a duplicate code hash included).
    fn put_invite(&self, code_hash: &[u8], invite: &InviteRow) -> Result<(), StoreError>;

    /// The invite with this code hash, if stored (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    fn find_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError>;

    /// Removes and returns the invite with this code hash, in one statement: of concurrent
    /// takes exactly one gets it, so a code is used once.
    ///
    /// # Errors
    /// [`StoreError`].
    fn take_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError>;

    /// Stores an enrolled phone under its device token hash.
    ///
    /// # Errors
    /// [`StoreError::Database`] (the key already has a phone, or a duplicate token hash).
    fn put_device(&self, token_hash: &[u8], device: &DeviceRow) -> Result<(), StoreError>;

    /// The phone whose device token has this hash.
    ///
    /// # Errors
    /// [`StoreError`].
    fn find_device(&self, token_hash: &[u8]) -> Result<Option<DeviceRow>, StoreError>;

    /// Stores a new attempt, purging the attempts expired for an hour: the capped store with
    /// no cap (nothing is superseded).
    ///
    /// # Errors
    /// [`StoreError::Database`] (a duplicate id included).
    fn put_attempt(&self, attempt: &AttemptRow) -> Result<(), StoreError> {
        self.put_attempt_capped(attempt, u32::MAX).map(drop)
    }

    /// Stores a new attempt as [`SignInStore::put_attempt`] does and, in the same
    /// transaction, moves to failed ("superseded") the pending attempts of its user that carry
    /// a request, beyond the `max_pending - 1` newest others: with the new one, at most
    /// `max_pending` (at least 1) stay pending for the phone, however many nodes store
    /// attempts at once. Returns how many were superseded.
    ///
    /// # Errors
    /// [`StoreError::Database`] (a duplicate id included).
    fn put_attempt_capped(&self, attempt: &AttemptRow, max_pending: u32)
    -> Result<u64, StoreError>;

    /// Enrols a phone in one transaction, or changes nothing: takes the invite
    /// ([`Enrolment::code_hash`], which must be for the device's user), inserts the
    /// registrations (insert-unique) and stores the device row under its token hash.
    ///
    /// # Errors
    /// [`StoreError::Database`] (e.g. the key already has a phone, a duplicate token hash):
    /// nothing was written.
    fn enroll(&self, enrolment: &Enrolment) -> Result<EnrollOutcome, StoreError>;

    /// The attempt with this id.
    ///
    /// # Errors
    /// [`StoreError`].
    fn attempt(&self, id: &str) -> Result<Option<AttemptRow>, StoreError>;

    /// The pending, unexpired attempts of `username` that carry a UAF request, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    fn pending_attempts(&self, username: &str, now: u64) -> Result<Vec<AttemptRow>, StoreError>;

    /// Moves attempt `id` along `step` if it is in the step's `from` state and not expired at
    /// `now`, in one statement: of concurrent transitions exactly one wins. Returns whether
    /// it moved.
    ///
    /// # Errors
    /// [`StoreError`].
    fn transition(&self, id: &str, step: Transition, now: u64) -> Result<bool, StoreError>;

    /// In one transaction: moves attempt `id` from approved to consumed (if not expired at
    /// `session.now`) and, if it moved, stores `session` (purging the expired sessions) with
    /// its activity row and known browser ([`NewSession`]). Returns whether it did: of
    /// concurrent calls exactly one does; the others (and a failure) write nothing at all.
    ///
    /// # Errors
    /// [`StoreError`].
    fn consume_into_session(&self, id: &str, session: &NewSession) -> Result<bool, StoreError>;

    /// The session whose id has this hash (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError>;

    /// Deletes the session whose id has this hash; returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`].
    fn delete_session(&self, id_hash: &[u8]) -> Result<bool, StoreError>;
}

/// One open database of some backend: it makes a store of each kind, all over that database.
pub trait Backend: Send + Sync + fmt::Debug {
    /// The backend's name (`sqlite`, `postgres`).
    fn name(&self) -> &'static str;

    /// Where the database lives (a path, `:memory:`, or a URL without its password).
    fn location(&self) -> &str;

    /// The schema version of the database.
    ///
    /// # Errors
    /// [`StoreError`].
    fn schema_version(&self) -> Result<u32, StoreError>;

    /// Checks that the database answers: for health checks.
    ///
    /// # Errors
    /// [`StoreError`].
    fn ping(&self) -> Result<(), StoreError>;

    /// Checks that the database accepts writes: one cheap write transaction, committed (a
    /// read-only file or database, a full disk, a lost write lock fail it). For health checks
    /// and the start-up check.
    ///
    /// # Errors
    /// [`StoreError`]: the write failed.
    fn probe_write(&self) -> Result<(), StoreError>;

    /// Every store over this database; pending states expire `challenge_ttl_secs` after
    /// issue, by `clock`. (A backend whose handle is itself the credential and sign-in store
    /// answers [`Stores::of`].)
    fn stores(&self, challenge_ttl_secs: u64, clock: Clock) -> Stores;

    /// How the nodes of this database tell each other of sign-in attempt changes (push to
    /// phones connected to another node). `None` (the default): this database has one node,
    /// or none to tell; the server's streams then rely on their periodic re-check for changes
    /// made by other processes.
    fn change_feed(&self) -> Option<Arc<dyn ChangeFeed>> {
        None
    }
}

/// Opens `location`: a `postgres://…` or `postgresql://…` URL opens PostgreSQL with a pool of
/// `pool_size` connections ([`PgDatabase::open`]); anything else is an SQLite path (`:memory:`
/// included; [`SqliteDatabase::open`]). Either is migrated forward. Blocks: not for async
/// tasks.
///
/// # Errors
/// As the backend's `open`.
pub fn open(location: &str, pool_size: usize) -> Result<Arc<dyn Backend>, StoreError> {
    open_with(location, pool_size, Durability::Full)
}

/// [`open`] with the [`Durability`] of an SQLite database (PostgreSQL's durability is the
/// database's own `synchronous_commit`; `durability` is not used for it).
///
/// # Errors
/// As the backend's `open`.
pub fn open_with(
    location: &str,
    pool_size: usize,
    durability: Durability,
) -> Result<Arc<dyn Backend>, StoreError> {
    open_with_options(
        location,
        pool_size,
        SqliteOptions::with_durability(durability),
    )
}

/// [`open`] with the [`SqliteOptions`] of an SQLite database (durability, group commit;
/// PostgreSQL has its own, and does not use them).
///
/// # Errors
/// As the backend's `open`.
pub fn open_with_options(
    location: &str,
    pool_size: usize,
    sqlite: SqliteOptions,
) -> Result<Arc<dyn Backend>, StoreError> {
    if is_postgres_url(location) {
        Ok(Arc::new(PgDatabase::open(location, pool_size)?))
    } else {
        Ok(Arc::new(SqliteDatabase::open_with_options(
            location, sqlite,
        )?))
    }
}

impl From<SqliteDatabase> for Arc<dyn Backend> {
    fn from(db: SqliteDatabase) -> Self {
        Arc::new(db)
    }
}

impl From<PgDatabase> for Arc<dyn Backend> {
    fn from(db: PgDatabase) -> Self {
        Arc::new(db)
    }
}

/// The stores the server holds: one handle per trait, all over one [`Backend`].
#[derive(Clone)]
#[non_exhaustive]
pub struct Stores {
    /// The database (health checks, its location).
    pub backend: Arc<dyn Backend>,
    /// Registered keys.
    pub credentials: Arc<DynCredentialStore>,
    /// Issued registration requests.
    pub pending_registrations: Arc<dyn ExpiringPendingStore<PendingRegistration>>,
    /// Issued authentication requests.
    pub pending_authentications: Arc<dyn ExpiringPendingStore<PendingAuthentication>>,
    /// Phone sign-in rows.
    pub sign_in: Arc<dyn SignInStore>,
    /// The sign-in steps whose writes are one transaction each (over the pending
    /// authentications, the credentials and the attempts).
    pub authentication_writes: Arc<dyn AuthenticationWrites>,
    /// The sign-in attempts' reports and endings, pauses, known browsers.
    pub attempts: Arc<dyn AttemptStore>,
    /// Accounts: passwords, two-step verification, verification-code secrets.
    pub accounts: Arc<dyn AccountStore>,
    /// The record of sign-in activity.
    pub activity: Arc<dyn ActivityStore>,
    /// The account page's rows (phones, their removal, sessions of an account).
    pub account_page: Arc<dyn AccountPageStore>,
}

impl Stores {
    /// Every store of `backend` ([`Backend::stores`]).
    #[must_use]
    pub fn new(backend: &dyn Backend, challenge_ttl_secs: u64, clock: Clock) -> Stores {
        backend.stores(challenge_ttl_secs, clock)
    }

    /// The stores of a database handle `db` that is itself the credential and the sign-in
    /// store, with a [`PendingTable`] of each kind over it: what the SQL backends answer
    /// [`Backend::stores`] with.
    #[must_use]
    pub fn of<D>(db: &D, challenge_ttl_secs: u64, clock: Clock) -> Stores
    where
        D: Backend
            + CredentialStore<Error = StoreError>
            + SignInStore
            + AttemptStore
            + AccountStore
            + ActivityStore
            + AccountPageStore
            + Clone
            + 'static,
        PendingTable<D, PendingRegistration>: ExpiringPendingStore<PendingRegistration>,
        PendingTable<D, PendingAuthentication>:
            ExpiringPendingStore<PendingAuthentication> + AuthenticationWrites,
    {
        let ttl = challenge_ttl_secs;
        Stores {
            backend: Arc::new(db.clone()),
            credentials: Arc::new(db.clone()),
            pending_registrations: Arc::new(
                PendingTable::new(db.clone(), ttl).with_clock(Arc::clone(&clock)),
            ),
            pending_authentications: Arc::new(
                PendingTable::new(db.clone(), ttl).with_clock(Arc::clone(&clock)),
            ),
            authentication_writes: Arc::new(PendingTable::new(db.clone(), ttl).with_clock(clock)),
            sign_in: Arc::new(db.clone()),
            attempts: Arc::new(db.clone()),
            accounts: Arc::new(db.clone()),
            activity: Arc::new(db.clone()),
            account_page: Arc::new(db.clone()),
        }
    }
}

impl fmt::Debug for Stores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stores")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Rows
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

impl InviteRow {
    /// An invite for `username` made at `created_at`, valid through `expires_at`.
    #[must_use]
    pub fn new(username: String, created_at: u64, expires_at: u64) -> InviteRow {
        InviteRow {
            username,
            created_at,
            expires_at,
        }
    }
}

/// An enrolled phone: the account and the key its device token is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceRow {
    /// The account.
    pub username: String,
    /// The AAID of the phone's authenticator (upper case: AAIDs compare case-insensitively).
    pub aaid: String,
    /// The KeyID registered at enrolment.
    pub key_id: Vec<u8>,
    /// When it was enrolled (unix seconds).
    pub created_at: u64,
}

impl DeviceRow {
    /// The phone of `username` holding key (`aaid`, `key_id`), enrolled at `created_at`.
    #[must_use]
    pub fn new(username: String, aaid: &Aaid, key_id: Vec<u8>, created_at: u64) -> DeviceRow {
        DeviceRow {
            username,
            aaid: aaid_key(aaid),
            key_id,
            created_at,
        }
    }
}

/// Where a sign-in attempt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    /// The sign-in page cancelled it.
    Cancelled,
    /// The phone denied it as "it's not me" (a security event).
    Denied,
    /// Nobody answered it in time: the expiry sweep moved it here from pending after its
    /// expiry and recorded it in the account's activity
    /// ([`AttemptStore::record_expired`]). Until then an expired pending attempt stays
    /// `Pending` in the store (it reads as expired all the same).
    Expired,
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
            AttemptState::Cancelled => "cancelled",
            AttemptState::Denied => "denied",
            AttemptState::Expired => "expired",
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
            AttemptState::Cancelled,
            AttemptState::Denied,
            AttemptState::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The transition from this state to `to`.
    #[must_use]
    pub const fn to(self, to: AttemptState) -> Transition {
        Transition { from: self, to }
    }
}

/// A change of an attempt's state: [`SignInStore::transition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transition {
    /// The state the attempt must be in.
    pub from: AttemptState,
    /// The state it moves to.
    pub to: AttemptState,
}

impl Transition {
    /// Approved → consumed: the browser collected its session
    /// ([`SignInStore::consume_into_session`]).
    pub const COLLECT: Transition = AttemptState::Approved.to(AttemptState::Consumed);

    /// The parameters of the transition statement at `now`: the new state, the old state, and
    /// the cut-off of unexpired attempts.
    pub(crate) fn args(self, now: u64) -> Result<(&'static str, &'static str, i64), StoreError> {
        Ok((
            self.to.as_str(),
            self.from.as_str(),
            rows_valid_from(now, 0)?,
        ))
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
    /// The browser and OS that started it (from its `User-Agent`), if known.
    pub browser: Option<String>,
    /// The client address that started it, if known.
    pub client_ip: Option<String>,
    /// What a phone last reported while it was pending (`wrong-number`, `wrong-pin`,
    /// `not-me`: [`AttemptStore::report`]).
    pub report: Option<String>,
    /// The wrong numbers reported so far.
    pub wrong_numbers: u32,
    /// The `User-Agent` text that started it (at most [`ActivityRow::MAX_TEXT`] bytes), if
    /// known: the activity row of an attempt that expires unanswered names the browser by
    /// it.
    pub user_agent: Option<String>,
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
            browser: None,
            client_ip: None,
            report: None,
            wrong_numbers: 0,
            user_agent: None,
        }
    }

    /// The same attempt, started by `browser` (browser and OS) from `client_ip`.
    #[must_use]
    pub fn with_context(mut self, browser: String, client_ip: String) -> AttemptRow {
        self.browser = Some(browser);
        self.client_ip = Some(client_ip);
        self
    }

    /// The same attempt, started by a browser whose `User-Agent` is `user_agent` (its first
    /// [`ActivityRow::MAX_TEXT`] bytes are kept, cut at a character boundary).
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: &str) -> AttemptRow {
        self.user_agent = Some(account::clip(user_agent).to_owned());
        self
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

/// A session to store by [`SignInStore::consume_into_session`] (a phone sign-in, a second
/// step) or [`AccountStore::insert_session`] (a password alone): the hash of its id, the
/// row, the time (an attempt consumed must be unexpired then; expired sessions are purged as
/// of then), and what the sign-in writes besides, **in the same transaction**: its
/// [`ActivityRow`] and the browser to remember for the account ([`KnownBrowser`]). Either
/// everything is committed or nothing is (one commit per sign-in's last step).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewSession {
    /// SHA-256 of the session id.
    pub id_hash: Vec<u8>,
    /// The session.
    pub row: SessionRow,
    /// Now (unix seconds).
    pub now: u64,
    /// The sign-in's activity row ([`ActivityStore::record_activity`], purging the rows
    /// older than [`ACTIVITY_RETENTION_SECS`] before its time), if any.
    pub activity: Option<ActivityRow>,
    /// The browser remembered for [`SessionRow::username`] at [`NewSession::now`]
    /// ([`AttemptStore::remember_browser`]), if any.
    pub known_browser: Option<KnownBrowser>,
}

impl NewSession {
    /// The session `row` under `id_hash`, made at `now`, with nothing else.
    #[must_use]
    pub fn new(id_hash: Vec<u8>, row: SessionRow, now: u64) -> NewSession {
        NewSession {
            id_hash,
            row,
            now,
            activity: None,
            known_browser: None,
        }
    }

    /// The same session, recording `activity` with it.
    #[must_use]
    pub fn with_activity(mut self, activity: ActivityRow) -> NewSession {
        self.activity = Some(activity);
        self
    }

    /// The same session, remembering `browser` for the session's account with it.
    #[must_use]
    pub fn with_known_browser(mut self, browser: KnownBrowser) -> NewSession {
        self.known_browser = Some(browser);
        self
    }
}

/// A browser to remember with a [`NewSession`], as [`AttemptStore::remember_browser`] does:
/// the SHA-256 of its `uaf_known` cookie, remembered for the session's account at the
/// session's time, every browser remembered before `forget_before` being forgotten.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KnownBrowser {
    /// SHA-256 of the browser's `uaf_known` cookie.
    pub token_hash: Vec<u8>,
    /// Browsers remembered before this time (unix seconds) are forgotten.
    pub forget_before: u64,
}

impl KnownBrowser {
    /// The browser whose cookie hashes to `token_hash`, forgetting those remembered before
    /// `forget_before`.
    #[must_use]
    pub fn new(token_hash: Vec<u8>, forget_before: u64) -> KnownBrowser {
        KnownBrowser {
            token_hash,
            forget_before,
        }
    }
}

/// What [`SignInStore::enroll`] commits together.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Enrolment {
    /// SHA-256 of the invite code, taken (single use).
    pub code_hash: Vec<u8>,
    /// The verified registrations to insert (insert-unique).
    pub registrations: Vec<Registration>,
    /// SHA-256 of the new device token.
    pub token_hash: Vec<u8>,
    /// The phone.
    pub device: DeviceRow,
}

impl Enrolment {
    /// The enrolment of `device` by the invite `code_hash`, registering `registrations`,
    /// under `token_hash`.
    #[must_use]
    pub fn new(
        code_hash: Vec<u8>,
        registrations: Vec<Registration>,
        token_hash: Vec<u8>,
        device: DeviceRow,
    ) -> Enrolment {
        Enrolment {
            code_hash,
            registrations,
            token_hash,
            device,
        }
    }
}

/// What [`SignInStore::enroll`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnrollOutcome {
    /// All committed: the invite is used, the keys registered, the phone stored.
    Enrolled,
    /// The invite is gone (used, purged) or for another user: nothing changed.
    InviteGone,
    /// A key is already registered: nothing changed.
    AlreadyRegistered,
}

/// Why an enrolment transaction was rolled back on purpose (carried out of the backends'
/// transaction helpers as a [`StoreError::Database`], turned back into an [`EnrollOutcome`]
/// by [`enrol_outcome`]).
#[derive(Debug)]
pub(crate) struct Abort(pub(crate) EnrollOutcome);

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enrolment rolled back: {:?}", self.0)
    }
}

impl core::error::Error for Abort {}

/// Rolls an enrolment transaction back with `outcome`.
pub(crate) fn abort(outcome: EnrollOutcome) -> StoreError {
    StoreError::Database(Box::new(Abort(outcome)))
}

/// The outcome of an enrolment transaction: a deliberate rollback becomes its outcome.
pub(crate) fn enrol_outcome(
    result: Result<EnrollOutcome, StoreError>,
) -> Result<EnrollOutcome, StoreError> {
    match result {
        Err(StoreError::Database(e)) => match e.downcast::<Abort>() {
            Ok(abort) => Ok(abort.0),
            Err(e) => Err(StoreError::Database(e)),
        },
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Pending states as rows
// ---------------------------------------------------------------------------------------------

/// A pending ceremony state as a row of table `pending` (what [`PersistedPending`] writes and
/// reads back).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingRow {
    /// The issued request array, as JSON.
    pub request: String,
    /// The user it was issued for, if kept apart from the request.
    pub username: Option<String>,
    /// When it was issued (unix seconds).
    pub issued_at: u64,
    /// What it requires beyond the RP's configuration, as JSON (docs/server.md, "Schema");
    /// `None`: nothing.
    pub requirements: Option<String>,
}

impl PendingRow {
    /// The row of a request issued at `issued_at`, with nothing else.
    #[must_use]
    pub fn new(request: String, issued_at: u64) -> PendingRow {
        PendingRow {
            request,
            username: None,
            issued_at,
            requirements: None,
        }
    }
}

/// A pending ceremony state that the stores can persist: the issued request as JSON, the user
/// it was issued for, the issue time and (authentications) its requirements. Implemented for
/// [`PendingRegistration`] and [`PendingAuthentication`].
pub trait PersistedPending: Sized + Send + 'static {
    /// The `kind` column (`reg`, `auth`): the two kinds share a table.
    const KIND: &'static str;

    /// The row that keeps this state.
    fn to_row(&self) -> PendingRow;

    /// Rebuilds the state from what [`PersistedPending::to_row`] stored.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the request or the requirements cannot be decoded.
    fn from_row(row: PendingRow) -> Result<Self, StoreError>;
}

/// Decodes a stored request array of exactly one request.
fn single<T>(all: Result<Vec<T>, MessageError>) -> Result<T, StoreError> {
    let mut all = all.map_err(|e| StoreError::corrupt("pending request", e))?;
    match (all.pop(), all.is_empty()) {
        (Some(one), true) => Ok(one),
        _ => Err(StoreError::corrupt(
            "pending request",
            Unreadable::NotOneRequest,
        )),
    }
}

impl PersistedPending for PendingRegistration {
    const KIND: &'static str = "reg";

    fn to_row(&self) -> PendingRow {
        PendingRow::new(self.request().to_json(), self.issued_at())
    }

    fn from_row(row: PendingRow) -> Result<Self, StoreError> {
        // The request was made by this RP and is re-read with the strict decoder (the same one
        // the conformance runner checks issued requests with).
        let request = single(RegistrationRequest::parse_array(
            &row.request,
            &DecodeOptions::new(),
        ))?;
        Ok(PendingRegistration::from_issued(request, row.issued_at))
    }
}

impl PersistedPending for PendingAuthentication {
    const KIND: &'static str = "auth";

    fn to_row(&self) -> PendingRow {
        let requirements = self.requirements();
        PendingRow {
            username: self.username().map(str::to_owned),
            requirements: (!requirements.is_empty())
                .then(|| StoredRequirements::of(requirements).to_json()),
            ..PendingRow::new(self.request().to_json(), self.issued_at())
        }
    }

    fn from_row(row: PendingRow) -> Result<Self, StoreError> {
        let request = single(AuthenticationRequest::parse_array(
            &row.request,
            &DecodeOptions::new(),
        ))?;
        let requirements = match row.requirements.as_deref() {
            None => AuthenticationRequirements::new(),
            Some(json) => StoredRequirements::from_json(json)?,
        };
        Ok(
            PendingAuthentication::from_issued(request, row.username, row.issued_at)
                .with_requirements(requirements),
        )
    }
}

/// The `requirements` column of table `pending`:
/// `{"userVerification":"required"|"any","allowedKeys":[{"aaid":"ABCD#0001","keyId":"<base64url>"}]}`
/// (`allowedKeys` absent: any key).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredRequirements {
    user_verification: StoredUserVerification,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed_keys: Option<Vec<StoredKey>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum StoredUserVerification {
    Required,
    Any,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredKey {
    aaid: String,
    key_id: String,
}

impl StoredRequirements {
    fn of(r: &AuthenticationRequirements) -> Self {
        StoredRequirements {
            user_verification: match r.user_verification() {
                UserVerificationRequirement::Required => StoredUserVerification::Required,
                UserVerificationRequirement::Any => StoredUserVerification::Any,
            },
            allowed_keys: r.allowed_keys().map(|keys| {
                keys.iter()
                    .map(|(aaid, key_id)| StoredKey {
                        aaid: aaid.as_str().to_owned(),
                        key_id: key_id.to_base64url(),
                    })
                    .collect()
            }),
        }
    }

    fn to_json(&self) -> String {
        // A struct of strings and enums: serialising it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn from_json(json: &str) -> Result<AuthenticationRequirements, StoreError> {
        let corrupt = |e: BoxError| StoreError::corrupt("pending requirements", e);
        let stored: StoredRequirements =
            serde_json::from_str(json).map_err(|e| corrupt(e.into()))?;
        let mut r = AuthenticationRequirements::new().with_user_verification(
            match stored.user_verification {
                StoredUserVerification::Required => UserVerificationRequirement::Required,
                StoredUserVerification::Any => UserVerificationRequirement::Any,
            },
        );
        if let Some(keys) = stored.allowed_keys {
            let keys = keys
                .into_iter()
                .map(|k| {
                    let aaid = Aaid::parse(&k.aaid).map_err(|e| corrupt(e.into()))?;
                    let bytes = URL_SAFE_NO_PAD
                        .decode(k.key_id)
                        .map_err(|e| corrupt(e.into()))?;
                    let key_id = KeyId::from_stored(bytes).map_err(|e| corrupt(e.into()))?;
                    Ok((aaid, key_id))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            r = r.allow_keys(keys);
        }
        Ok(r)
    }
}

/// The pending store of a backend's database `D`: table `pending`, one `kind` per state type,
/// states expiring `ttl_secs` after issue by `clock`. Each backend implements the traits for
/// its own `PendingTable<ItsDatabase, P>`.
pub struct PendingTable<D, P> {
    pub(crate) db: D,
    pub(crate) ttl_secs: u64,
    pub(crate) clock: Clock,
    _kind: PhantomData<fn() -> P>,
}

impl<D: fmt::Debug, P> fmt::Debug for PendingTable<D, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingTable")
            .field("db", &self.db)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl<D: Clone, P> Clone for PendingTable<D, P> {
    fn clone(&self) -> Self {
        PendingTable {
            db: self.db.clone(),
            ttl_secs: self.ttl_secs,
            clock: Arc::clone(&self.clock),
            _kind: PhantomData,
        }
    }
}

impl<D, P: PersistedPending> PendingTable<D, P> {
    /// The store over `db` whose states expire `ttl_secs` after issue, by the system clock.
    #[must_use]
    pub fn new(db: D, ttl_secs: u64) -> Self {
        PendingTable {
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

    /// The database.
    #[must_use]
    pub fn database(&self) -> &D {
        &self.db
    }

    /// How long a state lives, in seconds.
    #[must_use]
    pub const fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Now, by the store's clock.
    pub(crate) fn now(&self) -> u64 {
        (self.clock)()
    }

    /// The issue times a purge deletes: `issued_at < ` the result.
    pub(crate) fn cutoff(&self) -> Result<i64, StoreError> {
        to_i64(expiry_cutoff(self.now(), self.ttl_secs), "time")
    }

    /// The state of a `request, username, issued_at, requirements` row, or `None` when it has
    /// expired (the one expiry rule, [`uaf_rp::pending::expired`]).
    pub(crate) fn unexpired(&self, row: &impl Columns) -> Result<Option<P>, StoreError> {
        let issued_at = row.uint(2, "issue time")?;
        if expired(issued_at, self.now(), self.ttl_secs) {
            return Ok(None);
        }
        P::from_row(PendingRow {
            request: row.text(0)?,
            username: row.opt_text(1)?,
            issued_at,
            requirements: row.opt_text(3)?,
        })
        .map(Some)
    }
}

// ---------------------------------------------------------------------------------------------
// What the SQL backends share: the statements, the columns, the row decoding
// ---------------------------------------------------------------------------------------------

/// Integers cross the database as `i64` (SQLite INTEGER, PostgreSQL BIGINT).
pub(crate) fn to_i64(v: u64, column: &'static str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|e| StoreError::Unrepresentable {
        column,
        source: Box::new(e),
    })
}

/// A row's `created_at` and `expires_at` as the database's integers.
pub(crate) fn times(created_at: u64, expires_at: u64) -> Result<[i64; 2], StoreError> {
    Ok([to_i64(created_at, "time")?, to_i64(expires_at, "time")?])
}

/// AAIDs are stored upper case: `abcd#0001` and `ABCD#0001` are one model.
pub(crate) fn aaid_key(aaid: &Aaid) -> String {
    aaid.to_uppercase().as_str().to_owned()
}

/// A result row of either SQL backend, read by column index.
pub(crate) trait Columns {
    /// An integer column.
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    /// A text column.
    fn text(&self, i: usize) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// A byte column.
    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError>;

    /// An integer column that must fit `T`.
    fn num<T: TryFrom<i64, Error = core::num::TryFromIntError>>(
        &self,
        i: usize,
        column: &'static str,
    ) -> Result<T, StoreError> {
        T::try_from(self.int(i)?).map_err(|e| StoreError::corrupt(column, e))
    }

    /// A time or count column (never negative).
    fn uint(&self, i: usize, column: &'static str) -> Result<u64, StoreError> {
        self.num(i, column)
    }
}

/// The columns of `registrations` in the order [`registration_of`] reads them.
macro_rules! reg_columns {
    () => {
        "username, aaid, key_id, public_key, public_key_encoding, sign_alg, sign_counter, \
         authenticator_version, attestation_type, registered_at"
    };
}

pub(crate) use reg_columns;

/// The statements both SQL backends run as they are. Parameters are `$1`, `$2`…, first
/// written in that order (SQLite numbers `$NAME` parameters by first appearance; a test checks
/// the order). Backend-specific statements (purges, insertion order) live in the backends.
pub(crate) mod sql {
    pub(crate) const INSERT_REGISTRATION: &str = "\
        INSERT INTO registrations (username, aaid, key_id, public_key, public_key_encoding, \
        sign_alg, sign_counter, authenticator_version, attestation_type, registered_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (aaid, key_id) DO \
        NOTHING";
    pub(crate) const GET_REGISTRATION: &str = "\
        SELECT username, aaid, key_id, public_key, public_key_encoding, sign_alg, \
        sign_counter, authenticator_version, attestation_type, registered_at FROM \
        registrations WHERE aaid = $1 AND key_id = $2";
    pub(crate) const CAS_COUNTER: &str = "\
        UPDATE registrations SET sign_counter = $1 WHERE aaid = $2 AND key_id = $3 AND \
        sign_counter = $4";
    pub(crate) const COUNTER: &str = "\
        SELECT sign_counter FROM registrations WHERE aaid = $1 AND key_id = $2";
    pub(crate) const DELETE_REGISTRATION: &str = "\
        DELETE FROM registrations WHERE aaid = $1 AND key_id = $2";

    pub(crate) const PUT_PENDING: &str = "\
        INSERT INTO pending (kind, challenge, request, username, issued_at, requirements) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, challenge) DO UPDATE SET request = \
        excluded.request, username = excluded.username, issued_at = excluded.issued_at, \
        requirements = excluded.requirements";
    pub(crate) const TAKE_PENDING: &str = "\
        DELETE FROM pending WHERE kind = $1 AND challenge = $2 RETURNING request, username, \
        issued_at, requirements";
    pub(crate) const PEEK_PENDING: &str = "\
        SELECT request, username, issued_at, requirements FROM pending WHERE kind = $1 AND \
        challenge = $2 AND issued_at >= $3";
    pub(crate) const COUNT_PENDING: &str = "SELECT COUNT(*) FROM pending WHERE kind = $1";

    pub(crate) const INSERT_INVITE: &str = "\
        INSERT INTO phone_invites (code_hash, username, created_at, expires_at) VALUES ($1, \
        $2, $3, $4)";
    pub(crate) const FIND_INVITE: &str = "\
        SELECT username, created_at, expires_at FROM phone_invites WHERE code_hash = $1";
    pub(crate) const TAKE_INVITE: &str = "\
        DELETE FROM phone_invites WHERE code_hash = $1 RETURNING username, created_at, \
        expires_at";
    pub(crate) const INSERT_DEVICE: &str = "\
        INSERT INTO phone_devices (token_hash, username, aaid, key_id, created_at) VALUES \
        ($1, $2, $3, $4, $5)";
    pub(crate) const FIND_DEVICE: &str = "\
        SELECT username, aaid, key_id, created_at FROM phone_devices WHERE token_hash = $1";
    pub(crate) const INSERT_ATTEMPT: &str = "\
        INSERT INTO signin_attempts (id, username, browser_hash, server_data, request, \
        match_code, state, created_at, expires_at, browser, client_ip, user_agent) VALUES \
        ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    pub(crate) const FIND_ATTEMPT: &str = "\
        SELECT id, username, browser_hash, server_data, request, match_code, state, \
        created_at, expires_at, browser, client_ip, report, wrong_numbers, user_agent FROM \
        signin_attempts WHERE id = $1";
    pub(crate) const PENDING_ATTEMPTS: &str = "\
        SELECT id, username, browser_hash, server_data, request, match_code, state, \
        created_at, expires_at, browser, client_ip, report, wrong_numbers, user_agent FROM \
        signin_attempts WHERE username = $1 AND state = 'pending' AND expires_at >= $2 AND \
        request IS NOT NULL ORDER BY created_at, id";
    pub(crate) const TRANSITION: &str = "\
        UPDATE signin_attempts SET state = $1 WHERE id = $2 AND state = $3 AND expires_at >= \
        $4";
    /// Supersedes the pending attempts (with a request) of user `$1` other than `$2` beyond
    /// the `$4` newest, unexpired at `$3`.
    pub(crate) const SUPERSEDE_ATTEMPTS: &str = "\
        UPDATE signin_attempts SET state = 'failed' WHERE username = $1 AND id <> $2 AND \
        state = 'pending' AND request IS NOT NULL AND expires_at >= $3 AND id NOT IN (SELECT \
        id FROM signin_attempts WHERE username = $1 AND id <> $2 AND state = 'pending' AND \
        request IS NOT NULL AND expires_at >= $3 ORDER BY created_at DESC, id DESC LIMIT $4)";
    /// The write of a health probe: rewrites the schema version as it is.
    pub(crate) const PROBE_WRITE: &str = "UPDATE schema_version SET version = version";
    pub(crate) const INSERT_SESSION: &str = "\
        INSERT INTO sessions (id_hash, username, method, created_at, expires_at) VALUES ($1, \
        $2, $3, $4, $5)";
    pub(crate) const FIND_SESSION: &str = "\
        SELECT username, method, created_at, expires_at FROM sessions WHERE id_hash = $1";
    pub(crate) const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";

    /// Every statement above, for the parameter-order test.
    #[cfg(test)]
    pub(crate) const ALL: &[&str] = &[
        INSERT_REGISTRATION,
        GET_REGISTRATION,
        CAS_COUNTER,
        COUNTER,
        DELETE_REGISTRATION,
        PUT_PENDING,
        TAKE_PENDING,
        PEEK_PENDING,
        COUNT_PENDING,
        INSERT_INVITE,
        FIND_INVITE,
        TAKE_INVITE,
        INSERT_DEVICE,
        FIND_DEVICE,
        INSERT_ATTEMPT,
        FIND_ATTEMPT,
        PENDING_ATTEMPTS,
        TRANSITION,
        SUPERSEDE_ATTEMPTS,
        INSERT_SESSION,
        FIND_SESSION,
        DELETE_SESSION,
        super::attempt::sql::REPORT,
        super::attempt::sql::END,
        super::attempt::sql::PAUSE,
        super::attempt::sql::PAUSED_UNTIL,
        super::attempt::sql::REMEMBER_BROWSER,
        super::attempt::sql::KNOWN_BROWSER,
        super::attempt::sql::ANY_EXPIRED,
        super::attempt::sql::MOVE_EXPIRED,
        super::attempt::sql::MOVE_EXPIRED_LOCKING,
    ];
}

/// A registration row ([`reg_columns`]).
pub(crate) fn registration_of(row: &impl Columns) -> Result<Registration, StoreError> {
    let aaid = row.text(1)?;
    Ok(Registration {
        username: row.text(0)?,
        aaid: Aaid::parse(&aaid).map_err(|e| StoreError::corrupt("AAID", e))?,
        key_id: KeyId::from_stored(row.bytes(2)?).map_err(|e| StoreError::corrupt("KeyID", e))?,
        public_key: row.bytes(3)?,
        public_key_encoding: AlgKey::from_value(row.num(4, "public key encoding")?),
        sign_alg: AlgSign::from_value(row.num(5, "signature algorithm")?),
        sign_counter: row.num(6, "sign counter")?,
        authenticator_version: row.num(7, "authenticator version")?,
        attestation_type: AttestationType::from_value(row.num(8, "attestation type")?),
        registered_at: row.uint(9, "registration time")?,
    })
}

/// An attempt row (the columns of `sql::FIND_ATTEMPT`, in order).
pub(crate) fn attempt_of(row: &impl Columns) -> Result<AttemptRow, StoreError> {
    let state = row.text(6)?;
    Ok(AttemptRow {
        id: row.text(0)?,
        username: row.text(1)?,
        browser_hash: row.bytes(2)?,
        server_data: row.opt_text(3)?,
        request: row.opt_text(4)?,
        match_code: row.text(5)?,
        state: AttemptState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("attempt state", Unreadable::UnknownValue))?,
        created_at: row.uint(7, "creation time")?,
        expires_at: row.uint(8, "expiry time")?,
        browser: row.opt_text(9)?,
        client_ip: row.opt_text(10)?,
        report: row.opt_text(11)?,
        wrong_numbers: row.num(12, "wrong numbers")?,
        user_agent: row.opt_text(13)?,
    })
}

/// An invite row (`username, created_at, expires_at`).
pub(crate) fn invite_of(row: &impl Columns) -> Result<InviteRow, StoreError> {
    Ok(InviteRow {
        username: row.text(0)?,
        created_at: row.uint(1, "creation time")?,
        expires_at: row.uint(2, "expiry time")?,
    })
}

/// A device row (`username, aaid, key_id, created_at`).
pub(crate) fn device_of(row: &impl Columns) -> Result<DeviceRow, StoreError> {
    Ok(DeviceRow {
        username: row.text(0)?,
        aaid: row.text(1)?,
        key_id: row.bytes(2)?,
        created_at: row.uint(3, "creation time")?,
    })
}

/// A session row (`username, method, created_at, expires_at`).
pub(crate) fn session_of(row: &impl Columns) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        username: row.text(0)?,
        method: row.text(1)?,
        created_at: row.uint(2, "creation time")?,
        expires_at: row.uint(3, "expiry time")?,
    })
}

/// The outcome of an insert that skips conflicts, by rows affected.
pub(crate) fn inserted(rows: u64) -> InsertOutcome {
    if rows == 1 {
        InsertOutcome::Inserted
    } else {
        InsertOutcome::AlreadyExists
    }
}

/// The outcome of a compare-and-swap that missed, by the counter read after it.
pub(crate) fn missed(current: Option<u32>) -> CasOutcome {
    match current {
        Some(current) => CasOutcome::Conflict { current },
        None => CasOutcome::NotFound,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// SQLite numbers `$N` parameters by first appearance: in every shared statement they must
    /// first appear as `$1`, `$2`, … in order, so that both backends bind the same values.
    #[test]
    fn shared_statements_number_their_parameters_in_order() {
        for q in sql::ALL {
            let mut next = 1u32;
            let mut rest = *q;
            while let Some(at) = rest.find('$') {
                rest = &rest[at + 1..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let n: u32 = digits.parse().unwrap();
                assert!(n <= next, "{q}: ${n} before ${next}");
                if n == next {
                    next += 1;
                }
            }
            assert!(next > 1, "{q}: no parameter");
        }
    }

    #[test]
    fn the_row_expiry_rule_is_the_pending_rule() {
        assert!(!row_expired(100, 100));
        assert!(row_expired(100, 101));
        assert!(!row_expired(100, 50));
        assert!(row_expired(0, u64::MAX));
        // A row valid through `expires_at` is selected by `expires_at >= cutoff` exactly when
        // it has not expired.
        for (expires_at, now) in [(100u64, 99u64), (100, 100), (100, 101), (0, 0), (5, 500)] {
            let cutoff = rows_valid_from(now, 0).unwrap();
            assert_eq!(
                i64::try_from(expires_at).unwrap() >= cutoff,
                !row_expired(expires_at, now)
            );
        }
    }
}
