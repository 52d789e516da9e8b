//! Accounts (password, two-step verification, the verification-code secret) and the record of
//! sign-in activity: [`AccountStore`] and [`ActivityStore`], with their rows. Both SQL
//! backends implement them (`sqlite_account.rs`, `postgres_account.rs`); the contract suite
//! (`tests/contract/account.rs`) checks them on each.
//!
//! Guarantees:
//! - **One account per user name**: `username` is the primary key; [`AccountStore::create_account`]
//!   inserts or reports that the name is taken, atomically.
//! - **A verification-code step is used once**: [`AccountStore::use_code_step`] advances the
//!   last used step by compare-and-swap, so of two concurrent uses of one code exactly one
//!   wins (RFC 6238 §5.2).
//! - **One secret per account**: [`AccountStore::code_secret_or_insert`] keeps the first
//!   secret stored, whoever races to store one.

use core::fmt;

use super::{NewSession, StoreError};

/// An account, as stored.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountRow {
    /// The user name (the key of everything else of the account).
    pub username: String,
    /// The password as an argon2id PHC string (`$argon2id$v=19$m=…`), or `None` for an
    /// account that signs in by phone only.
    pub password_hash: Option<String>,
    /// When it was made (unix seconds).
    pub created_at: u64,
    /// Whether a password sign-in needs a second step (phone approval or a verification
    /// code).
    pub two_step: bool,
    /// The shared secret of the account's verification codes (RFC 6238), made at the first
    /// phone enrolment; `None` before.
    pub code_secret: Option<Vec<u8>>,
    /// The last time step whose verification code was accepted (a step is accepted once).
    pub code_last_step: Option<u64>,
}

impl AccountRow {
    /// A new account `username` with the password hash `password_hash` (or none), made at
    /// `created_at`, without two-step verification or a code secret.
    #[must_use]
    pub fn new(username: String, password_hash: Option<String>, created_at: u64) -> AccountRow {
        AccountRow {
            username,
            password_hash,
            created_at,
            two_step: false,
            code_secret: None,
            code_last_step: None,
        }
    }
}

impl fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash and the secret are never written to logs.
        f.debug_struct("AccountRow")
            .field("username", &self.username)
            .field("has_password", &self.password_hash.is_some())
            .field("created_at", &self.created_at)
            .field("two_step", &self.two_step)
            .field("has_code_secret", &self.code_secret.is_some())
            .field("code_last_step", &self.code_last_step)
            .finish()
    }
}

/// Accounts: user names with a password hash, the two-step setting and the verification-code
/// secret. Passwords arrive already hashed (argon2id PHC strings); this store never sees one.
pub trait AccountStore: Send + Sync {
    /// Stores a new account; `false` when the user name is taken (nothing changed).
    ///
    /// # Errors
    /// [`StoreError`].
    fn create_account(&self, account: &AccountRow) -> Result<bool, StoreError>;

    /// The account `username`.
    ///
    /// # Errors
    /// [`StoreError`].
    fn account(&self, username: &str) -> Result<Option<AccountRow>, StoreError>;

    /// Every account, by user name.
    ///
    /// # Errors
    /// [`StoreError`].
    fn list_accounts(&self) -> Result<Vec<AccountRow>, StoreError>;

    /// Deletes the account `username` and, in the same transaction, everything signed in or
    /// enrolled with it: its sessions, phones (device tokens and registrations), invites and
    /// sign-in attempts (its activity stays, as a record). Returns whether there was an
    /// account.
    ///
    /// # Errors
    /// [`StoreError`].
    fn delete_account(&self, username: &str) -> Result<bool, StoreError>;

    /// Replaces the password hash of `username` (or sets one on a phone-only account);
    /// returns whether the account exists.
    ///
    /// # Errors
    /// [`StoreError`].
    fn set_password_hash(&self, username: &str, password_hash: &str) -> Result<bool, StoreError>;

    /// Replaces the password hash of `username` with `new` only if it is still `old`
    /// (compare-and-swap: a rehash never undoes a password change made meanwhile); returns
    /// whether it did.
    ///
    /// # Errors
    /// [`StoreError`].
    fn replace_password_hash(
        &self,
        username: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError>;

    /// Turns two-step verification on or off for `username`; returns whether the account
    /// exists.
    ///
    /// # Errors
    /// [`StoreError`].
    fn set_two_step(&self, username: &str, enabled: bool) -> Result<bool, StoreError>;

    /// The verification-code secret of `username`, storing `secret` first if the account has
    /// none (and making a phone-only account, created at `now`, if there is no account): of
    /// concurrent calls the first secret stored wins and all return it.
    ///
    /// # Errors
    /// [`StoreError`].
    fn code_secret_or_insert(
        &self,
        username: &str,
        secret: &[u8],
        now: u64,
    ) -> Result<Vec<u8>, StoreError>;

    /// Records that the code of time step `step` was accepted for `username`, if the last
    /// used step is still `expected` (compare-and-swap): returns whether it was (`false`:
    /// another use of a code came first, or the account is gone).
    ///
    /// # Errors
    /// [`StoreError`].
    fn use_code_step(
        &self,
        username: &str,
        expected: Option<u64>,
        step: u64,
    ) -> Result<bool, StoreError>;

    /// Records that sign-in attempt `attempt_id` is the second step of a password sign-in
    /// of `username`, valid through `expires_at`, purging the records expired at `now`.
    ///
    /// # Errors
    /// [`StoreError::Database`] (a duplicate attempt id included).
    fn put_second_step(
        &self,
        attempt_id: &str,
        username: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), StoreError>;

    /// The user name and expiry of the second step `attempt_id`, if recorded (expired ones
    /// included until purged: the caller judges).
    ///
    /// # Errors
    /// [`StoreError`].
    fn second_step(&self, attempt_id: &str) -> Result<Option<(String, u64)>, StoreError>;

    /// Stores a session made without a sign-in attempt (a password alone), purging the
    /// sessions expired at `session.now`, with its activity row and known browser
    /// ([`NewSession`]): in one transaction, all or nothing.
    ///
    /// # Errors
    /// [`StoreError::Database`] (a duplicate id hash included): nothing was written.
    fn insert_session(&self, session: &NewSession) -> Result<(), StoreError>;
}

/// How a sign-in was made (or tried).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignInMethod {
    /// Approved on the phone alone (phone sign-in: two factors).
    Phone,
    /// A password alone (one factor).
    Password,
    /// A password, then approval on the phone.
    PasswordPhone,
    /// A password, then a verification code from the phone app.
    PasswordCode,
}

impl SignInMethod {
    /// The stored (and shown) text: `phone`, `password`, `password+phone`, `password+code`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Phone => "phone",
            SignInMethod::Password => "password",
            SignInMethod::PasswordPhone => "password+phone",
            SignInMethod::PasswordCode => "password+code",
        }
    }

    /// The method of a stored text.
    #[must_use]
    pub fn parse(text: &str) -> Option<SignInMethod> {
        [
            SignInMethod::Phone,
            SignInMethod::Password,
            SignInMethod::PasswordPhone,
            SignInMethod::PasswordCode,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }

    /// The factors a session made this way proved (what `api/me` says).
    #[must_use]
    pub const fn factors(self) -> &'static [&'static str] {
        match self {
            SignInMethod::Phone => &["possession", "user-verification"],
            SignInMethod::PasswordPhone => &["knowledge", "possession", "user-verification"],
            SignInMethod::Password => &["knowledge"],
            SignInMethod::PasswordCode => &["knowledge", "possession"],
        }
    }
}

impl fmt::Display for SignInMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What came of a sign-in (or of one of its steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActivityOutcome {
    /// A session was made.
    SignedIn,
    /// The password was right; a second step is asked for.
    SecondStep,
    /// Declined on the phone.
    Declined,
    /// The phone's answer did not verify.
    Failed,
    /// Not approved (or not completed) in time.
    Expired,
    /// A wrong password (or an unknown user: recorded under the name typed).
    WrongPassword,
    /// A wrong or reused verification code.
    WrongCode,
    /// Refused by a rate limit.
    Throttled,
    /// The person said on the phone that it was not them.
    DeniedNotMe,
}

impl ActivityOutcome {
    /// The stored (and shown) text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ActivityOutcome::SignedIn => "signed-in",
            ActivityOutcome::SecondStep => "second-step",
            ActivityOutcome::Declined => "declined",
            ActivityOutcome::Failed => "failed",
            ActivityOutcome::Expired => "expired",
            ActivityOutcome::WrongPassword => "wrong-password",
            ActivityOutcome::WrongCode => "wrong-code",
            ActivityOutcome::Throttled => "throttled",
            ActivityOutcome::DeniedNotMe => "denied-not-me",
        }
    }

    /// The outcome of a stored text.
    #[must_use]
    pub fn parse(text: &str) -> Option<ActivityOutcome> {
        [
            ActivityOutcome::SignedIn,
            ActivityOutcome::SecondStep,
            ActivityOutcome::Declined,
            ActivityOutcome::Failed,
            ActivityOutcome::Expired,
            ActivityOutcome::WrongPassword,
            ActivityOutcome::WrongCode,
            ActivityOutcome::Throttled,
            ActivityOutcome::DeniedNotMe,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
    }
}

impl fmt::Display for ActivityOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sign-in event of an account, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActivityRow {
    /// The account (the name typed, for a wrong password of an unknown user).
    pub username: String,
    /// When (unix seconds).
    pub at: u64,
    /// How.
    pub method: SignInMethod,
    /// The browser's `User-Agent` (at most [`ActivityRow::MAX_TEXT`] bytes kept).
    pub user_agent: String,
    /// The client's IP address (the proxy's `X-Forwarded-For` when it is trusted).
    pub client_ip: String,
    /// What came of it.
    pub outcome: ActivityOutcome,
    /// More, for a person (may be empty; at most [`ActivityRow::MAX_TEXT`] bytes kept).
    pub detail: String,
}

impl ActivityRow {
    /// The longest `user_agent` or `detail` kept, in bytes (longer ones are cut at a
    /// character boundary).
    pub const MAX_TEXT: usize = 512;

    /// The event `outcome` of a sign-in of `username` by `method` at `at`, from a browser
    /// `user_agent` at `client_ip`.
    #[must_use]
    pub fn new(
        username: String,
        at: u64,
        method: SignInMethod,
        outcome: ActivityOutcome,
        user_agent: &str,
        client_ip: String,
    ) -> ActivityRow {
        ActivityRow {
            username,
            at,
            method,
            user_agent: clip(user_agent).to_owned(),
            client_ip,
            outcome,
            detail: String::new(),
        }
    }

    /// The same event with `detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: &str) -> ActivityRow {
        clip(detail).clone_into(&mut self.detail);
        self
    }
}

/// `text` cut to at most [`ActivityRow::MAX_TEXT`] bytes at a character boundary.
fn clip(text: &str) -> &str {
    let mut end = text.len().min(ActivityRow::MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// The record of sign-in activity, per account: appended to, read newest first, kept for
/// [`ACTIVITY_RETENTION_SECS`].
pub trait ActivityStore: Send + Sync {
    /// Appends `row`, deleting the rows older than 90 days before `row.at`.
    ///
    /// # Errors
    /// [`StoreError`].
    fn record_activity(&self, row: &ActivityRow) -> Result<(), StoreError>;

    /// The `limit` newest rows of `username`, newest first (rows of one second in the order
    /// they were recorded, last first).
    ///
    /// # Errors
    /// [`StoreError`].
    fn recent_activity(&self, username: &str, limit: u32) -> Result<Vec<ActivityRow>, StoreError>;
}

/// The retention of [`ActivityStore`] rows, in seconds (90 days).
pub const ACTIVITY_RETENTION_SECS: u64 = 90 * 24 * 3600;

/// The columns of `users` in the order [`account_of`] reads them.
pub(crate) const ACCOUNT_COLUMNS: &str =
    "username, password_hash, created_at, two_step, code_secret, code_last_step";

/// The statements both SQL backends run as they are (parameters numbered in order of first
/// appearance, as in [`super::sql`]).
pub(crate) mod sql {
    pub(crate) const INSERT_ACCOUNT: &str = "\
        INSERT INTO users (username, password_hash, created_at, two_step, code_secret, \
        code_last_step) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING";
    pub(crate) const FIND_ACCOUNT: &str = "\
        SELECT username, password_hash, created_at, two_step, code_secret, code_last_step \
        FROM users WHERE username = $1";
    pub(crate) const LIST_ACCOUNTS: &str = "\
        SELECT username, password_hash, created_at, two_step, code_secret, code_last_step \
        FROM users ORDER BY username";
    pub(crate) const SET_PASSWORD: &str = "UPDATE users SET password_hash = $1 WHERE username = $2";
    pub(crate) const REPLACE_PASSWORD: &str =
        "UPDATE users SET password_hash = $1 WHERE username = $2 AND password_hash = $3";
    pub(crate) const SET_TWO_STEP: &str = "UPDATE users SET two_step = $1 WHERE username = $2";
    /// Makes a phone-only account if none, then stores the secret if none; returns the
    /// stored one.
    pub(crate) const SECRET_OR_INSERT: &str = "\
        INSERT INTO users (username, password_hash, created_at, two_step, code_secret, \
        code_last_step) VALUES ($1, NULL, $2, 0, $3, -1) ON CONFLICT (username) DO UPDATE \
        SET code_secret = CASE WHEN length(users.code_secret) = 0 THEN excluded.code_secret \
        ELSE users.code_secret END RETURNING code_secret";
    /// `-1` stands for "no step used yet" (steps are never negative).
    pub(crate) const USE_CODE_STEP: &str = "\
        UPDATE users SET code_last_step = $1 WHERE username = $2 AND code_last_step = $3";
    pub(crate) const DELETE_ACCOUNT: &str = "DELETE FROM users WHERE username = $1";
    /// What [`super::AccountStore::delete_account`] deletes besides the account row.
    pub(crate) const DELETE_ACCOUNT_ROWS: &[&str] = &[
        "DELETE FROM sessions WHERE username = $1",
        "DELETE FROM phone_devices WHERE username = $1",
        "DELETE FROM registrations WHERE username = $1",
        "DELETE FROM phone_invites WHERE username = $1",
        "DELETE FROM signin_attempts WHERE username = $1",
        "DELETE FROM second_steps WHERE username = $1",
    ];
    pub(crate) const INSERT_SECOND_STEP: &str = "\
        INSERT INTO second_steps (attempt_id, username, expires_at) VALUES ($1, $2, $3)";
    pub(crate) const FIND_SECOND_STEP: &str =
        "SELECT username, expires_at FROM second_steps WHERE attempt_id = $1";
    pub(crate) const INSERT_ACTIVITY: &str = "\
        INSERT INTO activity (username, at, method, user_agent, client_ip, outcome, detail) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub(crate) const PURGE_ACTIVITY: &str = "DELETE FROM activity WHERE at < $1";

    /// Every statement above, for the parameter-order test.
    #[cfg(test)]
    pub(crate) const ALL: &[&str] = &[
        INSERT_ACCOUNT,
        FIND_ACCOUNT,
        SET_PASSWORD,
        REPLACE_PASSWORD,
        SET_TWO_STEP,
        SECRET_OR_INSERT,
        USE_CODE_STEP,
        DELETE_ACCOUNT,
        INSERT_ACTIVITY,
        PURGE_ACTIVITY,
        INSERT_SECOND_STEP,
        FIND_SECOND_STEP,
    ];
}

/// An account row ([`ACCOUNT_COLUMNS`]).
/// The secret is stored empty and the last step as `-1` while there is none.
pub(crate) fn account_of(row: &impl super::Columns) -> Result<AccountRow, StoreError> {
    let secret = row.bytes(4)?;
    let last = row.int(5)?;
    Ok(AccountRow {
        username: row.text(0)?,
        password_hash: row.opt_text(1)?,
        created_at: row.uint(2, "creation time")?,
        two_step: row.int(3)? != 0,
        code_secret: (!secret.is_empty()).then_some(secret),
        code_last_step: match last {
            -1 => None,
            v => Some(u64::try_from(v).map_err(|e| StoreError::corrupt("code step", e))?),
        },
    })
}

/// A secret as stored (empty: none).
pub(crate) fn stored_secret(secret: Option<&Vec<u8>>) -> &[u8] {
    secret.map_or(&[], Vec::as_slice)
}

/// An activity row (`username, at, method, user_agent, client_ip, outcome, detail`).
pub(crate) fn activity_of(row: &impl super::Columns) -> Result<ActivityRow, StoreError> {
    let unknown = |column| StoreError::corrupt(column, super::Unreadable::UnknownValue);
    Ok(ActivityRow {
        username: row.text(0)?,
        at: row.uint(1, "activity time")?,
        method: SignInMethod::parse(&row.text(2)?).ok_or_else(|| unknown("sign-in method"))?,
        user_agent: row.text(3)?,
        client_ip: row.text(4)?,
        outcome: ActivityOutcome::parse(&row.text(5)?)
            .ok_or_else(|| unknown("activity outcome"))?,
        detail: row.text(6)?,
    })
}

/// The oldest `at` kept when a row is recorded at `at`.
pub(crate) fn activity_kept_from(at: u64) -> Result<i64, StoreError> {
    super::to_i64(at.saturating_sub(ACTIVITY_RETENTION_SECS), "time")
}

/// A code step as stored (`-1`: none).
pub(crate) fn stored_step(step: Option<u64>) -> Result<i64, StoreError> {
    step.map_or(Ok(-1), |s| super::to_i64(s, "code step"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn statements_number_their_parameters_in_order() {
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
        }
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for m in [
            SignInMethod::Phone,
            SignInMethod::Password,
            SignInMethod::PasswordPhone,
            SignInMethod::PasswordCode,
        ] {
            assert_eq!(SignInMethod::parse(m.as_str()), Some(m));
        }
        assert_eq!(SignInMethod::parse("uaf-phone"), None);
        assert_eq!(
            ActivityOutcome::parse("signed-in"),
            Some(ActivityOutcome::SignedIn)
        );
        assert_eq!(
            ActivityOutcome::parse("denied-not-me"),
            Some(ActivityOutcome::DeniedNotMe)
        );
        assert_eq!(ActivityOutcome::parse("ok"), None);
        assert_eq!(SignInMethod::Password.factors(), ["knowledge"]);
        assert_eq!(
            SignInMethod::PasswordCode.factors(),
            ["knowledge", "possession"]
        );
    }

    #[test]
    fn long_texts_are_clipped_at_a_character_boundary() {
        let long = "é".repeat(400); // 800 bytes
        let row = ActivityRow::new(
            "a".into(),
            1,
            SignInMethod::Password,
            ActivityOutcome::SignedIn,
            &long,
            "127.0.0.1".into(),
        )
        .with_detail(&long);
        assert_eq!(row.user_agent.len(), 512);
        assert_eq!(row.detail.len(), 512);
        assert_eq!(clip("short"), "short");
        let odd = format!("x{}", "é".repeat(300));
        assert_eq!(clip(&odd).len(), 511);
    }

    #[test]
    fn debug_hides_the_hash_and_the_secret() {
        let mut a = AccountRow::new("alice".into(), Some("$argon2id$secret".into()), 5);
        a.code_secret = Some(vec![0x42; 20]);
        let text = format!("{a:?}");
        assert!(!text.contains("argon2id"), "{text}");
        assert!(!text.contains("66"), "{text}");
        assert!(text.contains("has_password: true"));
    }
}
