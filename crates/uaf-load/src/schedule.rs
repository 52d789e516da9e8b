//! `--rate R`: the open loop. Each of the `C` clients starts its operations on a fixed
//! schedule, `R / C` per second, the clients evenly staggered: client `k`'s `n`-th operation
//! is due at `(k + n·C) / R` seconds after the phase's origin, so the operations of all
//! clients together are due every `1 / R` seconds, whatever the latency.
//!
//! A client that is still busy when its next operation is due starts it at once, late (it
//! does not skip it), and the operation's latency is counted from when it was **due**, not
//! from when it started: the time it waited behind the slow one is part of what a user would
//! have seen (no coordinated omission). Starts due before the phase's end that the phase ends
//! before reaching are counted as not started.

use std::time::Duration;

use serde::Serialize;

/// Why an open-loop schedule cannot be made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub(crate) enum ScheduleError {
    /// The rate is zero, negative, not a number or infinite.
    RateNotPositive(f64),
    /// No clients.
    NoClients,
    /// A client index outside `0..clients`.
    NoSuchClient {
        /// The index asked.
        index: usize,
        /// The clients.
        clients: usize,
    },
}

impl core::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ScheduleError::RateNotPositive(r) => {
                write!(
                    f,
                    "--rate must be a positive number of operations per second, not {r}"
                )
            }
            ScheduleError::NoClients => f.write_str("an open loop needs at least one client"),
            ScheduleError::NoSuchClient { index, clients } => {
                write!(f, "client {index} of {clients}")
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// The start offsets of one client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Schedule {
    rate: f64,
    clients: usize,
    index: usize,
}

/// `n` as f64 (counts far below 2^52: exact).
#[allow(clippy::as_conversions, clippy::cast_precision_loss)]
fn float(n: u64) -> f64 {
    n as f64
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Schedule {
    /// Client `index` of `clients`, all together `rate` operations per second.
    pub(crate) fn new(rate: f64, clients: usize, index: usize) -> Result<Schedule, ScheduleError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ScheduleError::RateNotPositive(rate));
        }
        if clients == 0 {
            return Err(ScheduleError::NoClients);
        }
        if index >= clients {
            return Err(ScheduleError::NoSuchClient { index, clients });
        }
        Ok(Schedule {
            rate,
            clients,
            index,
        })
    }

    /// When this client's `n`-th operation (from 0) is due, from the phase's origin
    /// (`None`: beyond what a `Duration` holds).
    pub(crate) fn offset(&self, n: u64) -> Option<Duration> {
        // Computed from n each time (no sum of intervals, whose rounding would drift).
        let slot = float(count(self.index)) + float(n) * float(count(self.clients));
        Duration::try_from_secs_f64(slot / self.rate).ok()
    }

    /// How many of this client's operations are due before `end`: the `n` with
    /// `offset(n) < end`.
    pub(crate) fn due_before(&self, end: Duration) -> u64 {
        // The closed form, then corrected against `offset` itself (rounding at the edges).
        let slots =
            (end.as_secs_f64() * self.rate - float(count(self.index))) / float(count(self.clients));
        #[allow(
            clippy::as_conversions,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let mut k = if slots > 0.0 { slots.ceil() as u64 } else { 0 };
        while k > 0 && self.offset(k - 1).is_none_or(|o| o >= end) {
            k -= 1;
        }
        while self.offset(k).is_some_and(|o| o < end) {
            k += 1;
        }
        k
    }
}

/// What to do when a client is ready for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Ready before it is due: wait this long, then start it on time.
    Wait(Duration),
    /// Ready only after it was due (the last operation took longer than the interval): start
    /// it now, this far behind.
    Late(Duration),
}

/// The start of an operation due at `due`, the client ready at `ready` (both from the
/// phase's origin).
pub(crate) fn plan(due: Duration, ready: Duration) -> Start {
    if ready <= due {
        Start::Wait(due - ready)
    } else {
        Start::Late(ready - due)
    }
}

/// The starts of one client (or, merged, of all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Starts {
    /// Operations started.
    pub(crate) started: u64,
    /// Of which started late ([`Start::Late`]).
    pub(crate) late: u64,
    /// The furthest behind a start was.
    pub(crate) max_behind: Duration,
    /// Operations due before the phase's end that were not started (the client was still
    /// catching up when the phase ended).
    pub(crate) not_started: u64,
}

impl Starts {
    /// Counts one start.
    pub(crate) fn record(&mut self, s: Start) {
        self.started += 1;
        if let Start::Late(behind) = s {
            self.late += 1;
            self.max_behind = self.max_behind.max(behind);
        }
    }

    /// Adds another client's starts.
    pub(crate) fn merge(&mut self, o: Starts) {
        self.started += o.started;
        self.late += o.late;
        self.max_behind = self.max_behind.max(o.max_behind);
        self.not_started += o.not_started;
    }
}

/// The open-loop figures of a phase (`--json`: `open_loop`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OpenLoop {
    /// `--rate`: operations per second offered.
    pub(crate) offered_per_sec: f64,
    /// Operations due within the phase.
    pub(crate) due: u64,
    /// Operations started.
    pub(crate) started: u64,
    /// Operations started after they were due.
    pub(crate) late_starts: u64,
    /// The furthest behind a start was, in milliseconds.
    pub(crate) max_behind_ms: f64,
    /// Operations due that the phase ended before starting.
    pub(crate) not_started: u64,
    /// Operations completed per second of the phase.
    pub(crate) achieved_per_sec: f64,
}

impl OpenLoop {
    /// The figures of `starts`, with `completed` operations over `secs` seconds.
    pub(crate) fn new(rate: f64, starts: Starts, completed: usize, secs: f64) -> OpenLoop {
        OpenLoop {
            offered_per_sec: rate,
            due: starts.started + starts.not_started,
            started: starts.started,
            late_starts: starts.late,
            max_behind_ms: starts.max_behind.as_secs_f64() * 1000.0,
            not_started: starts.not_started,
            achieved_per_sec: crate::stats::rate(completed, secs),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::float_cmp)]
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn clients_are_staggered_and_together_make_the_rate() {
        // 100/s over 4 clients: each every 40 ms, client k first at k × 10 ms.
        let offsets = |k| {
            let s = Schedule::new(100.0, 4, k).unwrap();
            (0..3).map(|n| s.offset(n).unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(offsets(0), [ms(0), ms(40), ms(80)]);
        assert_eq!(offsets(1), [ms(10), ms(50), ms(90)]);
        assert_eq!(offsets(3), [ms(30), ms(70), ms(110)]);
        // All together: one every 10 ms, none twice.
        let mut all: Vec<Duration> = (0..4).flat_map(offsets).collect();
        all.sort();
        let expected: Vec<Duration> = (0..12).map(|i| ms(i * 10)).collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn offsets_do_not_drift() {
        // 3/s on one client: 1/3 s apart; the 3 000th is due at 1 000 s exactly.
        let s = Schedule::new(3.0, 1, 0).unwrap();
        assert_eq!(s.offset(3000).unwrap(), Duration::from_secs(1000));
    }

    #[test]
    fn due_before_counts_the_offsets_before_the_end() {
        let s0 = Schedule::new(10.0, 2, 0).unwrap(); // 0, 0.2, 0.4, 0.6, 0.8, 1.0 …
        let s1 = Schedule::new(10.0, 2, 1).unwrap(); // 0.1, 0.3, …, 0.9, 1.1 …
        assert_eq!(s0.due_before(Duration::from_secs(1)), 5);
        assert_eq!(s1.due_before(Duration::from_secs(1)), 5);
        assert_eq!(s0.due_before(Duration::ZERO), 0);
        assert_eq!(s0.due_before(Duration::from_nanos(1)), 1);
        assert_eq!(s1.due_before(ms(100)), 0);
        assert_eq!(s1.due_before(ms(101)), 1);
        // A client whose first start is after the end: none.
        let late = Schedule::new(1.0, 100, 99).unwrap();
        assert_eq!(late.due_before(Duration::from_secs(3)), 0);
        // Against a count by hand, for awkward rates.
        for (rate, clients) in [(7.0, 3), (1000.0, 100), (0.3, 1), (333.3, 7)] {
            for k in 0..clients {
                let s = Schedule::new(rate, clients, k).unwrap();
                let end = Duration::from_millis(2500);
                let by_hand = (0..).take_while(|n| s.offset(*n).unwrap() < end).count();
                assert_eq!(s.due_before(end), count(by_hand), "{rate} {clients} {k}");
            }
        }
    }

    #[test]
    fn bad_schedules_are_refused() {
        for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = Schedule::new(r, 1, 0).unwrap_err();
            assert!(matches!(e, ScheduleError::RateNotPositive(x) if x.to_bits() == r.to_bits()));
        }
        assert_eq!(Schedule::new(1.0, 0, 0), Err(ScheduleError::NoClients));
        assert_eq!(
            Schedule::new(1.0, 2, 2),
            Err(ScheduleError::NoSuchClient {
                index: 2,
                clients: 2
            })
        );
    }

    #[test]
    fn a_client_ready_early_waits_and_one_ready_late_starts_at_once() {
        assert_eq!(plan(ms(40), ms(15)), Start::Wait(ms(25)));
        assert_eq!(plan(ms(40), ms(40)), Start::Wait(Duration::ZERO));
        assert_eq!(plan(ms(40), ms(47)), Start::Late(ms(7)));
    }

    #[test]
    fn late_starts_are_counted_with_the_furthest_behind() {
        let mut a = Starts::default();
        a.record(Start::Wait(ms(3)));
        a.record(Start::Late(ms(5)));
        a.record(Start::Late(ms(2)));
        assert_eq!((a.started, a.late, a.max_behind), (3, 2, ms(5)));
        let mut b = Starts::default();
        b.record(Start::Late(ms(9)));
        b.not_started = 4;
        a.merge(b);
        assert_eq!(
            a,
            Starts {
                started: 4,
                late: 3,
                max_behind: ms(9),
                not_started: 4
            }
        );
        let o = OpenLoop::new(10.0, a, 4, 2.0);
        assert_eq!(
            (o.due, o.started, o.late_starts, o.not_started),
            (8, 4, 3, 4)
        );
        assert_eq!(o.max_behind_ms, 9.0);
        assert_eq!(o.achieved_per_sec, 2.0);
        // On time throughout: nothing late.
        let mut c = Starts::default();
        c.record(Start::Wait(Duration::ZERO));
        assert_eq!((c.started, c.late, c.max_behind), (1, 0, Duration::ZERO));
    }
}
