//! The rows behind the account page ([`AccountPageStore`]): a person's phones (with the name they
//! gave each and when it last approved a sign-in), their removal — registration and device
//! token deleted in one transaction, with a UAF deregistration request queued for the phone's
//! next contact — and the sessions of an account (sign out everywhere).
//!
//! The phones are the rows of `phone_devices` (schema version 2) with the columns `name` and
//! `last_used_at` of version 4; the queue is the table `phone_deregistrations` (version 4),
//! keyed by the SHA-256 of the removed phone's device token: only the holder of that token
//! can collect the request, once.

use super::{Columns, StoreError};

/// How long a queued deregistration waits for its phone: 30 days. A phone that does not
/// contact the server in that time never gets it (its key stays on the phone, unusable: the
/// server no longer knows it, so every later use is refused).
pub const DEREGISTRATION_QUEUE_SECS: u64 = 30 * 24 * 60 * 60;

/// The longest name a person may give a phone, in characters.
pub const MAX_PHONE_NAME: usize = 64;

/// An enrolled phone as the account page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PhoneRow {
    /// The AAID of the phone's authenticator (upper case).
    pub aaid: String,
    /// The KeyID registered at enrolment.
    pub key_id: Vec<u8>,
    /// The name the person gave it, if any.
    pub name: Option<String>,
    /// When it was enrolled (unix seconds).
    pub created_at: u64,
    /// When it last approved a sign-in (unix seconds), if ever.
    pub last_used_at: Option<u64>,
}

/// One phone to remove ([`AccountPageStore::remove_phones`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PhoneToRemove {
    /// The AAID of its key (upper case, as stored).
    pub aaid: String,
    /// Its KeyID.
    pub key_id: Vec<u8>,
    /// The UAF deregistration request to deliver at the phone's next contact (`None`: the
    /// phone removed itself and needs none).
    pub deregistration: Option<String>,
}

impl PhoneToRemove {
    /// The phone holding key (`aaid`, `key_id`), with the request to queue for it.
    #[must_use]
    pub fn new(aaid: String, key_id: Vec<u8>, deregistration: Option<String>) -> PhoneToRemove {
        PhoneToRemove {
            aaid,
            key_id,
            deregistration,
        }
    }
}

/// What [`AccountPageStore::remove_phones`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Removed {
    /// Device rows (phones) deleted.
    pub phones: u64,
    /// Registrations (keys) deleted.
    pub registrations: u64,
    /// Deregistration requests queued.
    pub queued: u64,
}

/// The account page's rows: phones, their removal and deregistration queue, sessions.
pub trait AccountPageStore: Send + Sync {
    /// The phones of `username`, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    fn phones(&self, username: &str) -> Result<Vec<PhoneRow>, StoreError>;

    /// Sets (or with `None` clears) the name of `username`'s phone holding (`aaid`,
    /// `key_id`); returns whether that phone exists (another account's phone is not found).
    ///
    /// # Errors
    /// [`StoreError`].
    fn rename_phone(
        &self,
        username: &str,
        aaid: &str,
        key_id: &[u8],
        name: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Records that the phone holding (`aaid`, `key_id`) approved a sign-in at `now`; returns
    /// whether there is such a phone.
    ///
    /// # Errors
    /// [`StoreError`].
    fn phone_used(&self, aaid: &str, key_id: &[u8], now: u64) -> Result<bool, StoreError>;

    /// Removes `username`'s phones `phones` in **one transaction**: each phone's device row
    /// (so its token stops working at once) and its registration are deleted, and its
    /// deregistration request, if any, is queued under the deleted token's hash until
    /// `now + DEREGISTRATION_QUEUE_SECS` (requests queued longer ago are purged). A phone
    /// not found for `username` (another account's, or already removed) is skipped.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was changed.
    fn remove_phones(
        &self,
        username: &str,
        phones: &[PhoneToRemove],
        now: u64,
    ) -> Result<Removed, StoreError>;

    /// Removes and returns the deregistration requests queued for the device token with this
    /// hash and still valid at `now`, in one statement: they are delivered once.
    ///
    /// # Errors
    /// [`StoreError`].
    fn take_deregistrations(&self, token_hash: &[u8], now: u64) -> Result<Vec<String>, StoreError>;

    /// The sessions of `username` valid at `now`.
    ///
    /// # Errors
    /// [`StoreError`].
    fn count_sessions(&self, username: &str, now: u64) -> Result<u64, StoreError>;

    /// Deletes every session of `username` (sign out everywhere); returns how many.
    ///
    /// # Errors
    /// [`StoreError`].
    fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError>;
}

/// A phone row (`aaid, key_id, name, created_at, last_used_at`).
pub(crate) fn phone_of(row: &impl Columns) -> Result<PhoneRow, StoreError> {
    // 0: never used (the column's default for phones enrolled before version 4, too).
    let last_used = row.uint(4, "last use time")?;
    Ok(PhoneRow {
        aaid: row.text(0)?,
        key_id: row.bytes(1)?,
        name: row.opt_text(2)?,
        created_at: row.uint(3, "creation time")?,
        last_used_at: (last_used != 0).then_some(last_used),
    })
}

/// The statements of the account page, shared by both SQL backends (parameters `$1`, `$2`…
/// first written in order, as `super::sql`).
pub(crate) mod sql {
    pub(crate) const PHONES: &str = "\
        SELECT aaid, key_id, name, created_at, last_used_at FROM phone_devices WHERE \
        username = $1 ORDER BY created_at, aaid, key_id";
    pub(crate) const RENAME_PHONE: &str = "\
        UPDATE phone_devices SET name = $1 WHERE username = $2 AND aaid = $3 AND key_id = $4";
    pub(crate) const PHONE_USED: &str = "\
        UPDATE phone_devices SET last_used_at = $1 WHERE aaid = $2 AND key_id = $3";
    /// Deletes a phone of user `$1`, returning its token hash (for the queue).
    pub(crate) const DELETE_PHONE: &str = "\
        DELETE FROM phone_devices WHERE username = $1 AND aaid = $2 AND key_id = $3 \
        RETURNING token_hash";
    pub(crate) const DELETE_PHONE_KEY: &str = "\
        DELETE FROM registrations WHERE username = $1 AND aaid = $2 AND key_id = $3";
    pub(crate) const QUEUE_DEREGISTRATION: &str = "\
        INSERT INTO phone_deregistrations (token_hash, username, request, created_at, \
        expires_at) VALUES ($1, $2, $3, $4, $5)";
    pub(crate) const PURGE_DEREGISTRATIONS: &str = "\
        DELETE FROM phone_deregistrations WHERE expires_at < $1";
    pub(crate) const TAKE_DEREGISTRATIONS: &str = "\
        DELETE FROM phone_deregistrations WHERE token_hash = $1 RETURNING request, \
        expires_at";
    pub(crate) const COUNT_SESSIONS: &str = "\
        SELECT COUNT(*) FROM sessions WHERE username = $1 AND expires_at >= $2";
    pub(crate) const DELETE_SESSIONS_OF: &str = "DELETE FROM sessions WHERE username = $1";

    /// Every statement above, for the parameter-order test.
    #[cfg(test)]
    pub(crate) const ALL: &[&str] = &[
        PHONES,
        RENAME_PHONE,
        PHONE_USED,
        DELETE_PHONE,
        DELETE_PHONE_KEY,
        QUEUE_DEREGISTRATION,
        PURGE_DEREGISTRATIONS,
        TAKE_DEREGISTRATIONS,
        COUNT_SESSIONS,
        DELETE_SESSIONS_OF,
    ];
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    /// As `super::super::tests`: SQLite numbers `$N` by first appearance.
    #[test]
    fn statements_number_their_parameters_in_order() {
        for q in super::sql::ALL {
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
}
