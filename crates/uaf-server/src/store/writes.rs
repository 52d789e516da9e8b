//! The writes of one sign-in step in **one transaction** (one commit, one sync of the log):
//! [`AuthenticationWrites`], implemented by the pending-authentication table of each SQL
//! backend.
//!
//! | step | separate calls (commits) | here (one commit) |
//! |---|---|---|
//! | start a phone sign-in | put the challenge; store the attempt (2) | [`AuthenticationWrites::put_with_attempt`] |
//! | a right password asks for a second step | put the challenge; store the attempt; record it as a second step; record the activity (4) | [`AuthenticationWrites::put_second_step_with_attempt`] |
//! | a phone approves | take the challenge; advance the counter; move the attempt; mark the phone used (4) | [`AuthenticationWrites::take_advance_and_move`] |
//! | a conformance `respond` | take the challenge; advance the counter (2) | [`AuthenticationCommit::take_and_advance`] |
//!
//! The decisions are those of the separate calls (the same statements, in one transaction):
//! single use (`DELETE … RETURNING`), counters that never go back (an `UPDATE` whose `WHERE`
//! names the value read or a lower one), attempts that move once (`UPDATE … WHERE state =
//! from`).

use uaf_rp::PendingAuthentication;
use uaf_rp::store::{AuthenticationCommit, CasOutcome, CounterAdvance};

use super::{ActivityRow, AttemptRow, StoreError, Transition};

/// An attempt to move in the transaction of an approval: attempt `id` along `step` if it is
/// in the step's `from` state and unexpired at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptMove<'a> {
    /// The attempt's id.
    pub id: &'a str,
    /// From which state to which.
    pub step: Transition,
    /// Now (unix seconds).
    pub now: u64,
}

/// What [`AuthenticationWrites::take_advance_and_move`] did, when the challenge was there.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Approval {
    /// One outcome per counter, in order ([`AuthenticationCommit::take_and_advance`]).
    pub counters: Vec<CasOutcome>,
    /// Whether the attempt moved; `None`: not tried, because a counter did not simply swap
    /// (a concurrent sign-in moved it as far or further, or the key is gone): the caller
    /// judges that first and moves the attempt only if the sign-in stands.
    pub moved: Option<bool>,
}

/// The sign-in steps whose writes are one transaction each (module docs). Every backend's
/// pending-authentication table implements it; [`super::Stores::authentication_writes`]
/// holds one.
pub trait AuthenticationWrites: AuthenticationCommit<Error = StoreError> + Send + Sync {
    /// In one transaction: stores `pending` under `server_data` (as
    /// [`uaf_rp::store::PendingStore::put`], purging the expired states) and `attempt` (as
    /// [`super::SignInStore::put_attempt_capped`] with `max_pending`). Returns how many
    /// attempts were superseded.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was written.
    fn put_with_attempt(
        &self,
        server_data: &[u8],
        pending: &PendingAuthentication,
        attempt: &AttemptRow,
        max_pending: u32,
    ) -> Result<u64, StoreError>;

    /// In one transaction: [`AuthenticationWrites::put_with_attempt`] and, for the second
    /// step of a password sign-in, the record that makes `attempt` one (as
    /// [`super::AccountStore::put_second_step`], valid as long as the attempt, purging the
    /// expired ones as of its creation) and `activity`, the right password's activity row (as
    /// [`super::ActivityStore::record_activity`]). Returns how many attempts were superseded.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was written.
    fn put_second_step_with_attempt(
        &self,
        server_data: &[u8],
        pending: &PendingAuthentication,
        attempt: &AttemptRow,
        max_pending: u32,
        activity: &ActivityRow,
    ) -> Result<u64, StoreError>;

    /// In one transaction: [`AuthenticationCommit::take_and_advance`] and, when the
    /// challenge was taken and every counter swapped, moves `attempt` (as
    /// [`super::SignInStore::transition`]) and, when it moved, marks the phone of each
    /// advanced key used at `attempt.now` (the account page's "last used"; a key without a
    /// phone row updates nothing). `None`: the challenge was not there (or had expired);
    /// nothing else was written.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was written.
    fn take_advance_and_move(
        &self,
        server_data: &[u8],
        counters: &[CounterAdvance<'_>],
        attempt: &AttemptMove<'_>,
    ) -> Result<Option<Approval>, StoreError>;
}

/// The statements of these writes (both SQL backends; parameters numbered in order of first
/// appearance, as in `super::sql`).
pub(crate) mod sql {
    /// Takes a pending state, returning only its issue time (the request is not decoded: the
    /// verifier already checked it from the peeked copy).
    pub(crate) const TAKE_ISSUED: &str = "\
        DELETE FROM pending WHERE kind = $1 AND challenge = $2 RETURNING issued_at";
    /// Advances a counter from the value read (`$4`) or any value below the new one (`$1`):
    /// the end of the compare-and-swap loop, in one statement.
    pub(crate) const ADVANCE_COUNTER: &str = "\
        UPDATE registrations SET sign_counter = $1 WHERE aaid = $2 AND key_id = $3 AND \
        (sign_counter = $4 OR sign_counter < $1)";

    #[cfg(test)]
    pub(crate) const ALL: &[&str] = &[TAKE_ISSUED, ADVANCE_COUNTER];
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

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
