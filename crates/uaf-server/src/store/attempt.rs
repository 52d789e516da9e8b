//! What happens to a sign-in attempt besides its approval: the phones' reports (a wrong
//! number, a wrong PIN), its endings other than an approval (cancelled on the page, denied on
//! the phone as "it's not me", declined) with the report that ended it, the pause of an
//! account's phone sign-ins after "it's not me", and the browsers that signed in to an
//! account (docs/server.md, "Phone sign-in").
//!
//! Every change of an attempt is one statement on its row guarded by its state and expiry, so
//! of concurrent changes (a cancel on the page and an approval on the phone, two phones)
//! exactly one wins, on every node.

use core::net::IpAddr;

use super::{
    ActivityOutcome, ActivityRow, Columns, SignInMethod, StoreError, Transition, rows_valid_from,
    to_i64,
};

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

    /// The expiry sweep: in **one transaction**, moves at most `max` (at least 1) attempts
    /// still `pending` whose expiry is past at `now` ([`super::row_expired`]) to
    /// [`super::AttemptState::Expired`], oldest expiry first, and appends an activity row
    /// (outcome [`ActivityOutcome::Expired`]) for each of them that someone could have
    /// answered — a phone was asked (it carries a UAF request), or it is a password sign-in's
    /// second step — at its start, with the browser and address that started it.
    /// An attempt in any other state is never touched. The move is guarded by the state, so
    /// of concurrent sweeps (two nodes) each attempt is moved, and recorded, by exactly one.
    /// Returns what it moved; empty when nothing is left (a cheap read then, no write).
    ///
    /// # Errors
    /// [`StoreError`]: nothing was moved or recorded.
    fn record_expired(&self, now: u64, max: u32) -> Result<Vec<ExpiredAttempt>, StoreError>;
}

/// An attempt the expiry sweep moved from pending to expired
/// ([`AttemptStore::record_expired`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpiredAttempt {
    /// The attempt's id.
    pub id: String,
    /// Its account (the name typed).
    pub username: String,
    /// The activity row recorded for it, or `None` when nobody could have answered it (no
    /// phone was asked and it was no second step: an unknown name, an account without
    /// phones): a name anyone can type is no account's activity.
    pub activity: Option<ActivityRow>,
}

/// The activity row of an attempt that expired unanswered: at the time it was started
/// (`created_at`), by `method`, from the browser of its `User-Agent` (`user_agent`, or the
/// short browser description when the text was not kept) and its client address (when it is
/// one), with a detail for the person that names the last thing a phone reported, if any.
#[allow(clippy::too_many_arguments)]
pub(crate) fn expired_activity(
    username: &str,
    created_at: u64,
    method: SignInMethod,
    user_agent: Option<&str>,
    browser: Option<&str>,
    client_ip: Option<&str>,
    report: Option<&str>,
) -> ActivityRow {
    let agent = user_agent
        .filter(|ua| !ua.is_empty())
        .or(browser)
        .unwrap_or_default();
    let address = client_ip
        .filter(|ip| ip.parse::<IpAddr>().is_ok())
        .map(String::from)
        .unwrap_or_default();
    let waited = match method {
        SignInMethod::Phone => "nobody answered it on a phone before it expired",
        _ => "the password was right, but the second step was not completed before it expired",
    };
    let reported = match report {
        Some("wrong-number") => " (a phone reported a wrong number)",
        Some("wrong-pin") => " (a phone reported a wrong PIN)",
        _ => "",
    };
    ActivityRow::new(
        String::from(username),
        created_at,
        method,
        ActivityOutcome::Expired,
        agent,
        address,
    )
    .with_detail(&format!("{waited}{reported}"))
}

/// An attempt moved by the sweep: the columns of [`sql::MOVE_EXPIRED`]'s `RETURNING`
/// (`id, username, created_at, browser, client_ip, user_agent, report, asked, second_step`).
pub(crate) fn expired_of(row: &impl Columns) -> Result<ExpiredAttempt, StoreError> {
    let (id, username) = (row.text(0)?, row.text(1)?);
    let asked = row.int(7)? != 0;
    let second_step = row.int(8)? != 0;
    let method = if second_step {
        SignInMethod::PasswordPhone
    } else {
        SignInMethod::Phone
    };
    let activity = if asked || second_step {
        Some(expired_activity(
            &username,
            row.uint(2, "creation time")?,
            method,
            row.opt_text(5)?.as_deref(),
            row.opt_text(3)?.as_deref(),
            row.opt_text(4)?.as_deref(),
            row.opt_text(6)?.as_deref(),
        ))
    } else {
        None
    };
    Ok(ExpiredAttempt {
        id,
        username,
        activity,
    })
}

/// The parameters of the sweep's statements at `now` with at most `max` rows: the cut-off
/// of unexpired attempts (an attempt with `expires_at` below it has expired) and the limit.
pub(crate) fn sweep_args(now: u64, max: u32) -> Result<(i64, i64), StoreError> {
    Ok((
        rows_valid_from(now, 0)?,
        to_i64(u64::from(max.max(1)), "limit")?,
    ))
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
    /// Whether any attempt is left for the sweep (`$1` the unexpired cut-off): a read, so
    /// that an idle sweep writes nothing.
    pub(crate) const ANY_EXPIRED: &str = "\
        SELECT id FROM signin_attempts WHERE state = 'pending' AND expires_at < $1 LIMIT 1";
    /// What the sweep's moves return, of the attempts they moved
    /// ([`super::expired_of`]).
    macro_rules! moved_columns {
        () => {
            " RETURNING signin_attempts.id, username, created_at, browser, client_ip, \
             user_agent, report, CAST(CASE WHEN request IS NULL THEN 0 ELSE 1 END AS BIGINT), \
             (SELECT COUNT(*) FROM second_steps WHERE second_steps.attempt_id = \
             signin_attempts.id)"
        };
    }
    /// SQLite's move of at most `$2` expired pending attempts (`$1` the unexpired cut-off),
    /// oldest expiry first, guarded by the state (the write lock serialises sweeps).
    pub(crate) const MOVE_EXPIRED: &str = concat!(
        "UPDATE signin_attempts SET state = 'expired' WHERE state = 'pending' AND id IN \
         (SELECT id FROM signin_attempts WHERE state = 'pending' AND expires_at < $1 ORDER BY \
         expires_at, id LIMIT $2)",
        moved_columns!()
    );
    /// PostgreSQL's: the attempts are picked once (a materialised CTE: a locking subquery
    /// with a `LIMIT` re-run for each row would pick more), skipping the rows another
    /// node's sweep holds (`SKIP LOCKED`: it moves them, or a later sweep does when it rolls
    /// back), and moved only if still pending: of concurrent sweeps exactly one moves each.
    pub(crate) const MOVE_EXPIRED_LOCKING: &str = concat!(
        "WITH picked AS MATERIALIZED (SELECT id FROM signin_attempts WHERE state = 'pending' \
         AND expires_at < $1 ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) UPDATE \
         signin_attempts SET state = 'expired' FROM picked WHERE signin_attempts.id = \
         picked.id AND signin_attempts.state = 'pending'",
        moved_columns!()
    );
}
