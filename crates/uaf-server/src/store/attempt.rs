//! What happens to a sign-in attempt besides its approval: the phones' reports (a wrong
//! number, a wrong PIN), its endings other than an approval (cancelled on the page, denied on
//! the phone as "it's not me", declined) with the report that ended it, the pause of an
//! account's phone sign-ins after "it's not me", and the browsers that signed in to an
//! account (docs/server.md, "Phone sign-in").
//!
//! Every change of an attempt is one statement on its row guarded by its state and expiry, so
//! of concurrent changes (a cancel on the page and an approval on the phone, two phones)
//! exactly one wins, on every node.

use super::{ActivityRow, StoreError, Transition};

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
    /// it. Returns whether it moved. ([`AttemptStore::end_with`] with nothing else.)
    ///
    /// # Errors
    /// [`StoreError`].
    fn end(
        &self,
        id: &str,
        step: Transition,
        report: Option<&str>,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.end_with(&AttemptEnd::new(id, step, now).with_report(report))
    }

    /// In one transaction: moves the attempt as [`AttemptStore::end`] does and, if it moved,
    /// records the ending's activity row and pauses its account's phone sign-ins, if it has
    /// them ([`AttemptEnd`]); if it did not move, writes nothing. Returns whether it moved.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was written.
    fn end_with(&self, ending: &AttemptEnd<'_>) -> Result<bool, StoreError>;

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

/// An ending of a sign-in attempt other than its approval (declined, denied as "it's not
/// me", cancelled, failed), with what the same request writes besides: committed together by
/// [`AttemptStore::end_with`], or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptEnd<'a> {
    /// The attempt's id.
    pub id: &'a str,
    /// From which state to which.
    pub step: Transition,
    /// What ended it (`not-me`, …), stored as the attempt's report (`None`: no report).
    pub report: Option<&'a str>,
    /// Now (unix seconds): the attempt must be unexpired then.
    pub now: u64,
    /// The activity row recorded when the attempt moves
    /// ([`super::ActivityStore::record_activity`]).
    pub activity: Option<ActivityRow>,
    /// The account whose new phone sign-ins are paused when the attempt moves, and until
    /// when ([`AttemptStore::pause`]).
    pub pause: Option<(&'a str, u64)>,
}

impl<'a> AttemptEnd<'a> {
    /// Attempt `id` moved along `step` at `now`, with no report and nothing else.
    #[must_use]
    pub fn new(id: &'a str, step: Transition, now: u64) -> AttemptEnd<'a> {
        AttemptEnd {
            id,
            step,
            report: None,
            now,
            activity: None,
            pause: None,
        }
    }

    /// The same ending, storing `report` as what ended it.
    #[must_use]
    pub fn with_report(mut self, report: Option<&'a str>) -> AttemptEnd<'a> {
        self.report = report;
        self
    }

    /// The same ending, recording `activity` with it.
    #[must_use]
    pub fn with_activity(mut self, activity: ActivityRow) -> AttemptEnd<'a> {
        self.activity = Some(activity);
        self
    }

    /// The same ending, pausing the new phone sign-ins of `username` until `until` (unix
    /// seconds, inclusive) with it.
    #[must_use]
    pub fn with_pause(mut self, username: &'a str, until: u64) -> AttemptEnd<'a> {
        self.pause = Some((username, until));
        self
    }
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
