//! One database for the server code, whichever the backend: [`Database`] (SQLite or
//! PostgreSQL) and its stores [`AnyCredentialStore`], [`AnyPendingStore`] and
//! [`AnySignInStore`], which forward every call to the backend's store. The handlers see only
//! these.

use core::fmt;
use std::path::Path;

use uaf_proto::id::Aaid;
use uaf_rp::store::{CasOutcome, CredentialStore, InsertOutcome, PendingStore};
use uaf_rp::{PendingAuthentication, PendingRegistration, Registration};

use super::postgres::{
    PgCredentialStore, PgDatabase, PgPendingStore, PgSignInStore, is_postgres_url,
};
use super::{
    AttemptRow, AttemptState, Clock, DeviceRow, InviteRow, PersistedPending, SessionRow,
    SqliteCredentialStore, SqliteDatabase, SqlitePendingStore, SqliteSignInStore, StoreError,
};

/// An open database of either backend. Cloning shares the connection (SQLite) or the pool
/// (PostgreSQL).
#[derive(Clone)]
#[non_exhaustive]
pub enum Database {
    /// An SQLite file or `:memory:` (one node).
    Sqlite(SqliteDatabase),
    /// A PostgreSQL database (several nodes may share it).
    Postgres(PgDatabase),
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(d) => d.fmt(f),
            Database::Postgres(d) => d.fmt(f),
        }
    }
}

impl From<SqliteDatabase> for Database {
    fn from(d: SqliteDatabase) -> Self {
        Database::Sqlite(d)
    }
}

impl From<&SqliteDatabase> for Database {
    fn from(d: &SqliteDatabase) -> Self {
        Database::Sqlite(d.clone())
    }
}

impl From<PgDatabase> for Database {
    fn from(d: PgDatabase) -> Self {
        Database::Postgres(d)
    }
}

impl From<&PgDatabase> for Database {
    fn from(d: &PgDatabase) -> Self {
        Database::Postgres(d.clone())
    }
}

impl From<&Database> for Database {
    fn from(d: &Database) -> Self {
        d.clone()
    }
}

/// Calls the same method on whichever store `$self` holds.
macro_rules! both {
    ($self:expr, $ty:ident, $s:ident => $call:expr) => {
        match $self {
            $ty::Sqlite($s) => $call,
            $ty::Postgres($s) => $call,
        }
    };
}

impl Database {
    /// Opens `location`: a `postgres://…` or `postgresql://…` URL opens PostgreSQL with a pool
    /// of `pool_size` connections ([`PgDatabase::open`]); anything else is an SQLite path
    /// (`:memory:` included; [`SqliteDatabase::open`]). Either is migrated forward. Blocks:
    /// not for async tasks.
    ///
    /// # Errors
    /// As the backend's `open`.
    pub fn open(location: impl AsRef<Path>, pool_size: usize) -> Result<Database, StoreError> {
        let location = location.as_ref();
        match location.to_str().filter(|l| is_postgres_url(l)) {
            Some(url) => PgDatabase::open(url, pool_size).map(Database::Postgres),
            None => SqliteDatabase::open(location).map(Database::Sqlite),
        }
    }

    /// The backend's name: `sqlite` or `postgres`.
    #[must_use]
    pub const fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// Where the database lives (a path, `:memory:`, or a URL without its password).
    #[must_use]
    pub fn location(&self) -> &str {
        both!(self, Database, d => d.location())
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        both!(self, Database, d => d.schema_version())
    }

    /// Checks that the database answers: for health checks.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn ping(&self) -> Result<(), StoreError> {
        both!(self, Database, d => d.ping())
    }

    /// The credential store over this database.
    #[must_use]
    pub fn credentials(&self) -> AnyCredentialStore {
        match self {
            Database::Sqlite(d) => AnyCredentialStore::Sqlite(d.credentials()),
            Database::Postgres(d) => AnyCredentialStore::Postgres(d.credentials()),
        }
    }

    /// The pending-registration store: states expire `ttl_secs` after issue, by `clock`.
    #[must_use]
    pub fn pending_registrations(
        &self,
        ttl_secs: u64,
        clock: Clock,
    ) -> AnyPendingStore<PendingRegistration> {
        match self {
            Database::Sqlite(d) => {
                AnyPendingStore::Sqlite(d.pending_registrations(ttl_secs).with_clock(clock))
            }
            Database::Postgres(d) => {
                AnyPendingStore::Postgres(d.pending_registrations(ttl_secs).with_clock(clock))
            }
        }
    }

    /// The pending-authentication store: states expire `ttl_secs` after issue, by `clock`.
    #[must_use]
    pub fn pending_authentications(
        &self,
        ttl_secs: u64,
        clock: Clock,
    ) -> AnyPendingStore<PendingAuthentication> {
        match self {
            Database::Sqlite(d) => {
                AnyPendingStore::Sqlite(d.pending_authentications(ttl_secs).with_clock(clock))
            }
            Database::Postgres(d) => {
                AnyPendingStore::Postgres(d.pending_authentications(ttl_secs).with_clock(clock))
            }
        }
    }

    /// The rows of the phone sign-in flow over this database.
    #[must_use]
    pub fn sign_in(&self) -> AnySignInStore {
        match self {
            Database::Sqlite(d) => AnySignInStore::Sqlite(d.sign_in()),
            Database::Postgres(d) => AnySignInStore::Postgres(d.sign_in()),
        }
    }
}

/// The [`CredentialStore`] of a [`Database`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AnyCredentialStore {
    /// Over SQLite.
    Sqlite(SqliteCredentialStore),
    /// Over PostgreSQL.
    Postgres(PgCredentialStore),
}

impl AnyCredentialStore {
    /// The number of registrations stored.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn count(&self) -> Result<u64, StoreError> {
        both!(self, AnyCredentialStore, s => s.count())
    }
}

impl CredentialStore for AnyCredentialStore {
    type Error = StoreError;

    fn get(&self, aaid: &Aaid, key_id: &[u8]) -> Result<Option<Registration>, StoreError> {
        both!(self, AnyCredentialStore, s => s.get(aaid, key_id))
    }

    fn list_by_user(&self, username: &str) -> Result<Vec<Registration>, StoreError> {
        both!(self, AnyCredentialStore, s => s.list_by_user(username))
    }

    fn insert_unique(&self, registration: Registration) -> Result<InsertOutcome, StoreError> {
        both!(self, AnyCredentialStore, s => s.insert_unique(registration))
    }

    fn compare_and_swap_counter(
        &self,
        aaid: &Aaid,
        key_id: &[u8],
        expected: u32,
        new: u32,
    ) -> Result<CasOutcome, StoreError> {
        both!(self, AnyCredentialStore, s => s.compare_and_swap_counter(aaid, key_id, expected, new))
    }

    fn delete(&self, aaid: &Aaid, key_id: &[u8]) -> Result<bool, StoreError> {
        both!(self, AnyCredentialStore, s => s.delete(aaid, key_id))
    }
}

/// The [`PendingStore`] of a [`Database`].
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyPendingStore<P> {
    /// Over SQLite.
    Sqlite(SqlitePendingStore<P>),
    /// Over PostgreSQL.
    Postgres(PgPendingStore<P>),
}

impl<P> Clone for AnyPendingStore<P> {
    fn clone(&self) -> Self {
        match self {
            AnyPendingStore::Sqlite(s) => AnyPendingStore::Sqlite(s.clone()),
            AnyPendingStore::Postgres(s) => AnyPendingStore::Postgres(s.clone()),
        }
    }
}

impl<P: PersistedPending> AnyPendingStore<P> {
    /// Deletes the expired states of this kind; returns how many.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn purge_expired(&self) -> Result<usize, StoreError> {
        both!(self, AnyPendingStore, s => s.purge_expired())
    }

    /// The number of states of this kind stored (expired ones included until purged).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn len(&self) -> Result<u64, StoreError> {
        both!(self, AnyPendingStore, s => s.len())
    }

    /// Whether no state of this kind is stored.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        both!(self, AnyPendingStore, s => s.is_empty())
    }
}

impl<P: PersistedPending> PendingStore<P> for AnyPendingStore<P> {
    type Error = StoreError;

    fn put(&self, challenge: &[u8], pending: P) -> Result<(), StoreError> {
        both!(self, AnyPendingStore, s => s.put(challenge, pending))
    }

    fn peek(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        both!(self, AnyPendingStore, s => s.peek(challenge))
    }

    fn take(&self, challenge: &[u8]) -> Result<Option<P>, StoreError> {
        both!(self, AnyPendingStore, s => s.take(challenge))
    }
}

/// The phone sign-in rows of a [`Database`] (the API of [`SqliteSignInStore`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AnySignInStore {
    /// Over SQLite.
    Sqlite(SqliteSignInStore),
    /// Over PostgreSQL.
    Postgres(PgSignInStore),
}

impl AnySignInStore {
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
        both!(self, AnySignInStore, s => s.put_invite(code_hash, username, created_at, expires_at))
    }

    /// The invite with this code hash, if stored (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn find_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        both!(self, AnySignInStore, s => s.find_invite(code_hash))
    }

    /// Removes and returns the invite with this code hash (taken once).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn take_invite(&self, code_hash: &[u8]) -> Result<Option<InviteRow>, StoreError> {
        both!(self, AnySignInStore, s => s.take_invite(code_hash))
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
        both!(self, AnySignInStore, s => s.put_device(token_hash, username, aaid, key_id, created_at))
    }

    /// The phone whose device token has this hash.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn find_device(&self, token_hash: &[u8]) -> Result<Option<DeviceRow>, StoreError> {
        both!(self, AnySignInStore, s => s.find_device(token_hash))
    }

    /// Stores a new attempt (purging the attempts expired for an hour).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn put_attempt(&self, a: &AttemptRow) -> Result<(), StoreError> {
        both!(self, AnySignInStore, s => s.put_attempt(a))
    }

    /// The attempt with this id.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn attempt(&self, id: &str) -> Result<Option<AttemptRow>, StoreError> {
        both!(self, AnySignInStore, s => s.attempt(id))
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
        both!(self, AnySignInStore, s => s.pending_attempts(username, now))
    }

    /// Moves attempt `id` from `from` to `to` if it is in `from` and not expired at `now`
    /// (compare-and-swap). Returns whether it moved.
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
        both!(self, AnySignInStore, s => s.transition(id, from, to, now))
    }

    /// In one transaction: moves attempt `id` from approved to consumed and, if it moved,
    /// stores the session. Returns whether it did.
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
        both!(self, AnySignInStore, s => s.consume_into_session(id, now, session_hash, session))
    }

    /// The session whose id has this hash (expired ones included: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn session(&self, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        both!(self, AnySignInStore, s => s.session(id_hash))
    }

    /// Deletes the session whose id has this hash; returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn delete_session(&self, id_hash: &[u8]) -> Result<bool, StoreError> {
        both!(self, AnySignInStore, s => s.delete_session(id_hash))
    }
}
