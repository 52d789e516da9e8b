//! What happens to a sign-in attempt besides its approval: the phones' reports (a wrong
//! number, a wrong PIN), its endings other than an approval (cancelled on the page, denied on
//! the phone as "it's not me", declined) with the report that ended it, the pause of an
//! account's phone sign-ins after "it's not me", and the browsers that signed in to an
//! account (docs/server.md, "Phone sign-in").
//!
//! Every change of an attempt is one statement on its row guarded by its state and expiry, so
//! of concurrent changes (a cancel on the page and an approval on the phone, two phones)
//! exactly one wins, on every node.

use super::{StoreError, Transition};

/// The attempt changes, pauses and known browsers of phone sign-in.
pub trait AttemptStore: Send + Sync {
    /// Records what a phone reported about attempt `id` (`wrong-number`, `wrong-pin`) if it
    /// is pending and unexpired at `now`; a wrong number also counts (`wrong_number` true).
    /// Returns the wrong numbers so far, or `None` when the attempt is not pending (nothing
    /// changed).
    ///
    /// # Errors
    /// [`StoreError`].
    fn report(
        &self,
        id: &str,
        report: &str,
        wrong_number: bool,
        now: u64,
    ) -> Result<Option<u32>, StoreError>;

    /// Moves attempt `id` along `step` as [`super::SignInStore::transition`] does (one
    /// statement: of concurrent changes exactly one wins), recording `report` as what ended
    /// it. Returns whether it moved.
    ///
    /// # Errors
    /// [`StoreError`].
    fn end(
        &self,
        id: &str,
        step: Transition,
        report: Option<&str>,
        now: u64,
    ) -> Result<bool, StoreError>;

    /// Pauses new phone sign-ins of `username` until `until` (unix seconds, inclusive),
    /// replacing an earlier pause.
    ///
    /// # Errors
    /// [`StoreError`].
    fn pause(&self, username: &str, until: u64) -> Result<(), StoreError>;

    /// Until when new phone sign-ins of `username` are paused (the caller compares it with
    /// now), if a pause was ever set.
    ///
    /// # Errors
    /// [`StoreError`].
    fn paused_until(&self, username: &str) -> Result<Option<u64>, StoreError>;

    /// Remembers that the browser whose `uaf_known` cookie hashes to `token_hash` signed in
    /// to `username` at `now`, forgetting every browser remembered before `forget_before`.
    ///
    /// # Errors
    /// [`StoreError`].
    fn remember_browser(
        &self,
        token_hash: &[u8],
        username: &str,
        now: u64,
        forget_before: u64,
    ) -> Result<(), StoreError>;

    /// Whether the browser whose cookie hashes to `token_hash` signed in to `username` at or
    /// after `since`.
    ///
    /// # Errors
    /// [`StoreError`].
    fn known_browser(
        &self,
        token_hash: &[u8],
        username: &str,
        since: u64,
    ) -> Result<bool, StoreError>;
}

/// The statements of both SQL backends (parameters first written in order, as in
/// `store::sql`).
pub(crate) mod sql {
    /// `$1` report, `$2` wrong numbers to add, `$3` id, `$4` the unexpired cut-off.
    pub(crate) const REPORT: &str = "\
        UPDATE signin_attempts SET report = $1, wrong_numbers = wrong_numbers + $2 WHERE id \
        = $3 AND state = 'pending' AND expires_at >= $4 RETURNING wrong_numbers";
    /// `$1` new state, `$2` report, `$3` id, `$4` old state, `$5` the unexpired cut-off.
    pub(crate) const END: &str = "\
        UPDATE signin_attempts SET state = $1, report = $2 WHERE id = $3 AND state = $4 AND \
        expires_at >= $5";
    pub(crate) const PAUSE: &str = "\
        INSERT INTO signin_pauses (username, paused_until) VALUES ($1, $2) ON CONFLICT \
        (username) DO UPDATE SET paused_until = excluded.paused_until";
    pub(crate) const PAUSED_UNTIL: &str = "\
        SELECT paused_until FROM signin_pauses WHERE username = $1";
    pub(crate) const FORGET_BROWSERS: &str = "DELETE FROM known_browsers WHERE created_at < $1";
    pub(crate) const REMEMBER_BROWSER: &str = "\
        INSERT INTO known_browsers (token_hash, username, created_at) VALUES ($1, $2, $3) ON \
        CONFLICT (token_hash, username) DO UPDATE SET created_at = excluded.created_at";
    pub(crate) const KNOWN_BROWSER: &str = "\
        SELECT COUNT(*) FROM known_browsers WHERE token_hash = $1 AND username = $2 AND \
        created_at >= $3";
}
