//! Enrolment invites: a one-time code, made by the operator (or the embedding app), that
//! lets one phone enrol for one account; the database keeps only its SHA-256.

use core::fmt;

use super::flow;
use super::secret;
use crate::signin::AccountsError;
use crate::store::{Backend, InviteRow, SignInStore, StoreError, system_clock};

/// How long an invite code is valid: 15 minutes.
pub const INVITE_TTL_SECS: u64 = 15 * 60;

/// A one-time enrolment invite ([`create_invite`]). The code is shown once; the database
/// keeps only its SHA-256.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invite {
    /// The code to give the person (10 base32 characters; spaces, dashes and case do not
    /// matter when typed).
    pub code: String,
    /// The account it enrols a phone for.
    pub username: String,
    /// The last second it is valid (unix seconds).
    pub expires_at: u64,
}

/// Why an invite could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum InviteError {
    /// The user name is empty, too long (over 128 characters), has control characters or
    /// spaces at either end.
    BadUsername,
    /// The operating system gave no randomness.
    Random(String),
    /// The database refused.
    Store(StoreError),
    /// The application does not let this account sign in ([`crate::Accounts`]).
    NotAllowed,
    /// The application's account lookup failed ([`crate::Accounts`]).
    Accounts(AccountsError),
}

impl fmt::Display for InviteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InviteError::BadUsername => f.write_str(
                "the user name must be 1 to 128 characters, without control characters or \
                 surrounding spaces",
            ),
            InviteError::Random(e) => write!(f, "no randomness from the operating system: {e}"),
            InviteError::Store(e) => write!(f, "{e}"),
            InviteError::NotAllowed => f.write_str("this account may not sign in"),
            InviteError::Accounts(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for InviteError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            InviteError::Store(e) => Some(e),
            InviteError::Accounts(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Debug for Invite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invite")
            .field("code", &"<secret>")
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Makes a one-time invite that lets a phone enrol for `username`, valid for
/// [`INVITE_TTL_SECS`] from `now` (unix seconds). The code comes from the OS random generator
/// and only its SHA-256 is stored in `db` (any [`Backend`]: a [`crate::SqliteDatabase`], a
/// [`crate::PgDatabase`], or what [`crate::store::open`] returns).
///
/// # Errors
/// [`InviteError`].
pub fn create_invite(db: &dyn Backend, username: &str, now: u64) -> Result<Invite, InviteError> {
    let store = db.stores(INVITE_TTL_SECS, system_clock()).sign_in;
    issue_invite(&*store, username, now)
}

/// Makes and stores an invite for `username` (a well-formed user name) in `store`.
pub(crate) fn issue_invite(
    store: &dyn SignInStore,
    username: &str,
    now: u64,
) -> Result<Invite, InviteError> {
    if !flow::valid_username(username) {
        return Err(InviteError::BadUsername);
    }
    let code = secret::invite_code().map_err(|e| InviteError::Random(e.to_string()))?;
    let expires_at = now.saturating_add(INVITE_TTL_SECS);
    store
        .put_invite(
            &code.hash,
            &InviteRow::new(String::from(username), now, expires_at),
        )
        .map_err(InviteError::Store)?;
    Ok(Invite {
        code: code.text,
        username: String::from(username),
        expires_at,
    })
}
