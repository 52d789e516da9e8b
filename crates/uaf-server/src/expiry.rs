//! The expiry sweep: a sign-in attempt nobody answered (a phone sign-in, a password sign-in's
//! second step) goes into its account's recent activity as `expired`, with the browser and
//! address that started it — someone who knows the user name (or the password) tried, or a
//! prompt was missed.
//!
//! Every [`crate::Limits::expiry_sweep_secs`] a thread of the server runs
//! [`AttemptStore::record_expired`], which moves the attempts still pending past their
//! expiry to `expired` and records them in one transaction, [`BATCH`] at a time. Every node
//! sweeps; the move is guarded by the state, so each attempt is recorded once however many
//! sweep at once. A failed sweep is logged and tried again at the next run.
//!
//! The sweep publishes nothing to the streams: an attempt past its expiry already reads as
//! expired (the stored `pending` and `expired` look the same to the page and the phone), and
//! every stream wakes by its own timer at the expiry of what it shows (`crate::push`).

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use crate::store::{AttemptStore, Clock};

/// The most attempts one transaction of the sweep moves.
pub(crate) const BATCH: u32 = 100;

/// The most transactions of one run: a backlog larger than this waits for the next run.
const BATCHES_PER_RUN: usize = 10;

/// The sweep's thread: it ends when this is dropped (with the flow that holds it).
#[derive(Debug)]
pub(crate) struct Sweeper {
    /// Dropped with the sweeper: the thread's wait ends at once (disconnected) and so does
    /// the thread.
    _stop: mpsc::Sender<()>,
}

impl Sweeper {
    /// Starts the thread that sweeps `attempts` every `every`, by `clock`.
    ///
    /// # Errors
    /// The thread cannot be started.
    pub(crate) fn spawn(
        attempts: Arc<dyn AttemptStore>,
        clock: Clock,
        every: Duration,
    ) -> std::io::Result<Sweeper> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(String::from("uaf-server expiry"))
            .spawn(move || {
                // Nothing is ever sent: any outcome but the timeout is the sweeper dropped.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    sweep(&*attempts, clock());
                }
            })?;
        Ok(Sweeper { _stop: stop })
    }
}

/// One run of the sweep at `now`: batches until none is full (at most [`BATCHES_PER_RUN`]);
/// returns how many attempts it moved. Failures are logged, never raised.
pub(crate) fn sweep(attempts: &dyn AttemptStore, now: u64) -> usize {
    let mut moved = 0;
    for _ in 0..BATCHES_PER_RUN {
        match attempts.record_expired(now, BATCH) {
            Ok(batch) => {
                for a in &batch {
                    if let Some(row) = &a.activity {
                        tracing::info!(
                            username = ?a.username,
                            method = row.method.as_str(),
                            browser = ?row.user_agent,
                            client = ?row.client_ip,
                            "sign-in expired unanswered: recorded in the account's activity"
                        );
                    }
                }
                moved += batch.len();
                if batch.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                    break;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "expiry sweep (tried again at the next run)");
                break;
            }
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::{AttemptRow, AttemptState, SignInStore as _, SqliteDatabase};

    #[test]
    fn a_run_moves_at_most_its_batches_and_the_next_run_the_rest() {
        let db = SqliteDatabase::open_in_memory().unwrap();
        let per_run = usize::try_from(BATCH).unwrap() * BATCHES_PER_RUN;
        for i in 0..per_run + 5 {
            let a = AttemptRow::new(
                format!("a-{i:05}"),
                String::from("alice"),
                vec![1; 32],
                Some(String::from("server-data")),
                Some(String::from("[]")),
                String::from("42"),
                100,
                200,
            );
            db.put_attempt(&a).unwrap();
        }
        // Not yet expired (valid through its end).
        assert_eq!(sweep(&db, 200), 0);
        assert_eq!(sweep(&db, 201), per_run);
        assert_eq!(sweep(&db, 201), 5);
        assert_eq!(sweep(&db, 201), 0);
        let last = db
            .attempt(&format!("a-{:05}", per_run + 4))
            .unwrap()
            .unwrap();
        assert_eq!(last.state, AttemptState::Expired);
    }
}
