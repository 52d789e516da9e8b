//! Waiting for every account at once: one transport per account on its own thread, one loop
//! that owns the phone.
//!
//! ```text
//!  account 1 ── Transport (poll now; a push stream later) ──┐
//!  account 2 ── Transport ──────────────────────────────────┼─► Outbox ─► Waiter::next(&mut Phone)
//!  account N ── Transport ──────────────────────────────────┘                 │
//!                                                         WaitEvent: SignIn, Removed, Unreachable, Back, …
//! ```
//!
//! **The seam.** A [`Transport`] is a plain function `fn(Channel, &WaitOptions, Outbox)`: it
//! runs on a thread of its own for one account, gets that account's [`Notifications`] from
//! its server however it likes ([`Channel::fetch`] is one `GET phone/notifications`), hands
//! each result to [`Outbox::deliver`] and waits with [`Outbox::sleep`]; it returns when either
//! says `false` (the wait loop stopped, or the account was removed). [`poll`] is the transport
//! used today: fetch, wait [`WaitOptions::interval`], again; after a failure wait
//! [`Backoff::delay`] instead. A streaming transport keeps a connection open and delivers
//! each message as it arrives, with the same [`Backoff`] between reconnections. Errors are
//! delivered too: the loop, not the transport, decides what to tell the person (once per
//! outage).
//!
//! The loop ([`Waiter::next`]) is the only place that touches the [`Phone`]: it turns
//! deliveries into [`WaitEvent`]s, shows each sign-in once, applies queued deregistrations
//! (key deleted, account forgotten, file saved), and tracks which servers are unreachable.
//! Every [`Waiter::CHECK_EVERY`] it also takes in what other processes changed in the
//! phone's state file ([`Phone::refresh`]): an account enrolled there gets a transport
//! ([`WaitEvent::NowServing`]), an account removed there loses its own
//! ([`WaitEvent::NoLongerServing`]).

use core::fmt;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};

use uaf_signin_api::{Notification, Notifications, SignInState, path};
use zeroize::Zeroizing;

use crate::http::Http;
use crate::{AccountRef, Phone, PhoneError, Removal};

/// Exponential backoff with jitter and a cap, for a transport whose server fails.
///
/// After the `n`-th failure in a row the transport waits a time drawn uniformly from
/// `[c/2, c]`, where `c = min(cap, initial · 2^(n−1))` ("equal jitter": never less than half
/// the ceiling, so a dead server is not hammered; spread, so phones do not retry in step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// The ceiling after the first failure.
    pub initial: Duration,
    /// The largest ceiling.
    pub cap: Duration,
}

impl Backoff {
    /// 500 ms doubling up to 30 s.
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_millis(500),
        cap: Duration::from_secs(30),
    };

    /// A backoff from `initial` doubling up to `cap` (`cap` is raised to `initial` if below).
    #[must_use]
    pub fn new(initial: Duration, cap: Duration) -> Backoff {
        Backoff {
            initial,
            cap: cap.max(initial),
        }
    }

    /// The ceiling after `failures` failures in a row (0 and 1 give `initial`).
    #[must_use]
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial
            .checked_mul(1u32 << doublings)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// The wait after `failures` failures in a row, from a random value `random` (any
    /// `u64`; the same value gives the same wait, so the schedule is testable without
    /// sleeping): `ceiling/2 + random mod (ceiling/2 + 1 ms)`, in whole milliseconds.
    #[must_use]
    pub fn delay(&self, failures: u32, random: u64) -> Duration {
        let ceiling = u64::try_from(self.ceiling(failures).as_millis()).unwrap_or(u64::MAX);
        let half = ceiling / 2;
        let spread = ceiling.saturating_sub(half).saturating_add(1);
        Duration::from_millis(half.saturating_add(random % spread))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::DEFAULT
    }
}

/// One account's way to its server: what a [`Transport`] needs (the server and the device
/// token; no key, no PIN). Made by [`Phone::channels`].
#[derive(Clone)]
pub struct Channel {
    account: AccountRef,
    pub(crate) http: Http,
    pub(crate) token: Arc<Zeroizing<String>>,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("account", &self.account)
            .field("token", &"<secret>")
            .finish()
    }
}

impl Channel {
    pub(crate) fn new(account: AccountRef, http: Http, token: &str) -> Channel {
        Channel {
            account,
            http,
            token: Arc::new(Zeroizing::new(String::from(token))),
        }
    }

    /// The account.
    #[must_use]
    pub fn account(&self) -> &AccountRef {
        &self.account
    }

    /// One `GET phone/notifications` with the device token: the pending sign-ins and the
    /// queued deregistrations of the account.
    ///
    /// # Errors
    /// [`PhoneError::Unreachable`] (network), [`PhoneError::Refused`] (401: the server does
    /// not know the token; 5xx), [`PhoneError::BadAnswer`].
    pub fn fetch(&self) -> Result<Notifications, PhoneError> {
        self.http
            .get(path::NOTIFICATIONS, Some(self.token.as_str()))
    }
}

/// One result of a transport, for the loop.
struct Delivery {
    account: AccountRef,
    result: Result<Notifications, PhoneError>,
}

/// Where a [`Transport`] hands its results, and how it waits between two.
pub struct Outbox {
    account: AccountRef,
    to_loop: Sender<Delivery>,
    /// Never sent on: dropping the loop's end wakes [`Outbox::sleep`] at once.
    stop: Receiver<()>,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Hands one result to the loop; `false` when the loop is gone (the transport returns).
    #[must_use]
    pub fn deliver(&self, result: Result<Notifications, PhoneError>) -> bool {
        self.to_loop
            .send(Delivery {
                account: self.account.clone(),
                result,
            })
            .is_ok()
            && !self.stopped()
    }

    /// Waits `d`, or less when the loop stops or the account is removed: `false` then (the
    /// transport returns).
    #[must_use]
    pub fn sleep(&self, d: Duration) -> bool {
        matches!(self.stop.recv_timeout(d), Err(RecvTimeoutError::Timeout))
    }

    fn stopped(&self) -> bool {
        matches!(
            self.stop.try_recv(),
            Err(mpsc::TryRecvError::Disconnected) | Ok(())
        )
    }
}

/// A transport: the seam between [`Waiter`] and the network.
///
/// ```text
///  account 1 ── Transport ──┐
///  account 2 ── Transport ──┼─► Outbox ─► Waiter::next(&mut Phone) ─► WaitEvent
///  account N ── Transport ──┘
/// ```
///
/// A plain function that runs on a thread of its own for one account, gets that account's
/// [`Notifications`] from its server however it likes ([`Channel::fetch`] is one
/// `GET phone/notifications`), hands each result to [`Outbox::deliver`] and waits with
/// [`Outbox::sleep`]; it returns when either says `false` (the wait loop stopped, or the
/// account was removed). Errors are delivered too: the loop, not the transport, decides what
/// to tell the person (once per outage). [`poll`]: fetch, wait [`WaitOptions::interval`],
/// again; after `n` failures in a row wait [`Backoff::delay`]`(n)` instead. [`crate::push`]:
/// the account's push stream, with the same [`Backoff`] between reconnections.
pub type Transport = fn(Channel, &WaitOptions, Outbox);

/// How [`Waiter`] waits.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Between two successful polls.
    pub interval: Duration,
    /// After failures.
    pub backoff: Backoff,
    /// How each account's notifications are fetched (default [`poll`]).
    pub transport: Transport,
}

impl WaitOptions {
    /// The push stream ([`crate::push`]; the long poll and polling as fallbacks), polling
    /// every `interval` where the server has neither, [`Backoff::DEFAULT`] after failures.
    #[must_use]
    pub fn pushed(interval: Duration) -> WaitOptions {
        WaitOptions {
            interval,
            backoff: Backoff::DEFAULT,
            transport: crate::push::push,
        }
    }

    /// Polling every `interval`, [`Backoff::DEFAULT`] after failures.
    #[must_use]
    pub fn polling(interval: Duration) -> WaitOptions {
        WaitOptions {
            interval,
            backoff: Backoff::DEFAULT,
            transport: poll,
        }
    }
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions::polling(Duration::from_secs(1))
    }
}

/// A random `u64` for the jitter (0 if the OS gives none: the backoff is still bounded).
pub(crate) fn jitter() -> u64 {
    crate::device::os_random::<8>().map_or(0, u64::from_le_bytes)
}

/// The polling transport: `GET phone/notifications` every [`WaitOptions::interval`]; after
/// `n` failures in a row, [`Backoff::delay`]`(n)` instead; a success starts over.
pub fn poll(channel: Channel, options: &WaitOptions, outbox: Outbox) {
    let mut failures: u32 = 0;
    loop {
        let result = channel.fetch();
        let wait = if result.is_ok() {
            failures = 0;
            options.interval
        } else {
            failures = failures.saturating_add(1);
            options.backoff.delay(failures, jitter())
        };
        if !outbox.deliver(result) || !outbox.sleep(wait) {
            return;
        }
    }
}

/// What happened while waiting ([`Waiter::next`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent {
    /// A sign-in to approve or decline ([`Phone::approve_for`], [`Phone::decline_for`]);
    /// each is reported once.
    SignIn {
        /// The account it is for.
        account: AccountRef,
        /// The sign-in (site, user, match code, the UAF request).
        notification: Notification,
    },
    /// The server removed the phone from an account: the key is deleted in the
    /// authenticator, the account forgotten, the phone saved.
    Removed(Removal),
    /// A deregistration request from the server that the phone could not apply (the
    /// account is kept).
    DeregistrationFailed {
        /// The account.
        account: AccountRef,
        /// Why.
        error: PhoneError,
    },
    /// A server stopped answering (network error, or HTTP 5xx); said once per outage. Its
    /// accounts' transports retry with backoff.
    Unreachable {
        /// The server.
        server: String,
        /// The first error.
        error: PhoneError,
    },
    /// A sign-in no longer waiting (answered on another phone, declined, cancelled on the
    /// page, superseded, expired): take its prompt down. A [`WaitEvent::SignIn`] of it still
    /// queued is dropped.
    Withdrawn {
        /// The account it was for.
        account: AccountRef,
        /// The attempt.
        attempt: String,
        /// Where it went, when the server said (the push stream and the long poll do).
        state: Option<SignInState>,
    },
    /// A server that was [`WaitEvent::Unreachable`] answers again.
    Back {
        /// The server.
        server: String,
    },
    /// A server refuses an account's device token (401: the phone was removed there, or its
    /// database replaced); said once until it is accepted again. Retried with backoff.
    Refused {
        /// The account.
        account: AccountRef,
        /// The refusal.
        error: PhoneError,
    },
    /// An account another process added to the phone's state file (`uaf-phone enroll`)
    /// while the loop ran: its transport is started, its sign-ins are served from now on.
    NowServing(AccountRef),
    /// An account another process removed from the phone's state file (`uaf-phone
    /// remove`) while the loop ran: its transport is stopped, a prompt of it still queued is
    /// dropped.
    NoLongerServing(AccountRef),
    /// The phone's state file cannot be read again, or no longer opens with this phone's key
    /// (replaced, altered); said once until it can. The accounts being served are kept.
    StateUnreadable(PhoneError),
}

/// Whether an error means "the server is not there" (rather than "it refuses this").
fn is_outage(e: &PhoneError) -> bool {
    match e {
        PhoneError::Unreachable(_) | PhoneError::BadAnswer(_) => true,
        PhoneError::Refused { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

/// The wait loop over every account of a phone: one [`Transport`] per account on its own
/// thread, and this loop, the only place that touches the [`Phone`]: [`Waiter::next`] turns
/// the transports' deliveries into [`WaitEvent`]s, shows each sign-in once, applies queued
/// deregistrations (key deleted, account forgotten, file saved), and tracks which servers
/// are unreachable (said once per outage).
pub struct Waiter {
    options: WaitOptions,
    from_transports: Receiver<Delivery>,
    to_loop: Sender<Delivery>,
    /// Per account: dropping the sender stops its transport.
    stops: BTreeMap<AccountRef, Sender<()>>,
    /// Per account served: its device token (an account enrolled again elsewhere meanwhile
    /// has another one: its transport is started again).
    tokens: BTreeMap<AccountRef, Arc<Zeroizing<String>>>,
    /// Per account: the attempts of its last answer (each sign-in is reported once).
    seen: BTreeMap<AccountRef, BTreeSet<String>>,
    /// Servers reported unreachable.
    down: BTreeSet<String>,
    /// Accounts reported refused.
    refused: BTreeSet<AccountRef>,
    /// The state file was reported unreadable.
    unreadable: bool,
    /// When the state file was last checked for other processes' changes.
    checked: std::time::Instant,
    events: VecDeque<WaitEvent>,
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("options", &self.options)
            .field("accounts", &self.stops.keys().collect::<Vec<_>>())
            .field("down", &self.down)
            .finish_non_exhaustive()
    }
}

impl Waiter {
    /// Starts one transport thread per account of `phone`.
    ///
    /// # Errors
    /// [`PhoneError::State`] when a thread cannot be started.
    pub fn start(phone: &Phone, options: WaitOptions) -> Result<Waiter, PhoneError> {
        let (to_loop, from_transports) = mpsc::channel();
        let mut waiter = Waiter {
            options,
            from_transports,
            to_loop,
            stops: BTreeMap::new(),
            tokens: BTreeMap::new(),
            seen: BTreeMap::new(),
            down: BTreeSet::new(),
            refused: BTreeSet::new(),
            unreadable: false,
            checked: std::time::Instant::now(),
            events: VecDeque::new(),
        };
        for channel in phone.channels() {
            waiter.spawn(channel)?;
        }
        Ok(waiter)
    }

    fn spawn(&mut self, channel: Channel) -> Result<(), PhoneError> {
        let (stop_tx, stop_rx) = mpsc::channel();
        let outbox = Outbox {
            account: channel.account.clone(),
            to_loop: self.to_loop.clone(),
            stop: stop_rx,
        };
        let account = channel.account.clone();
        self.tokens
            .insert(account.clone(), Arc::clone(&channel.token));
        let options = self.options;
        std::thread::Builder::new()
            .name(format!("uaf-phone {account}"))
            .spawn(move || (options.transport)(channel, &options, outbox))
            .map_err(|e| PhoneError::State(format!("cannot start a transport: {e}")))?;
        self.stops.insert(account, stop_tx);
        Ok(())
    }

    /// The accounts being waited for.
    #[must_use]
    pub fn accounts(&self) -> Vec<AccountRef> {
        self.stops.keys().cloned().collect()
    }

    /// The next event, waiting at most `timeout`; `None` when nothing happened by then, or
    /// when no account is left. Deregistrations are applied to `phone` here (and removed from
    /// its file).
    ///
    /// Every [`Waiter::CHECK_EVERY`] (and after each delivery) the phone's state file is
    /// checked for other processes' changes ([`Phone::refresh`]: a read of the file, opened
    /// with the key in memory only when its generation changed): an account enrolled there is
    /// served from then on ([`WaitEvent::NowServing`], its transport started), an account
    /// removed there is not ([`WaitEvent::NoLongerServing`], its transport stopped).
    pub fn next(&mut self, phone: &mut Phone, timeout: Duration) -> Option<WaitEvent> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.checked.elapsed() >= Self::CHECK_EVERY {
                self.check(phone);
            }
            if let Some(e) = self.events.pop_front() {
                return Some(e);
            }
            if self.stops.is_empty() {
                self.check(phone);
                if let Some(e) = self.events.pop_front() {
                    return Some(e);
                }
                return None;
            }
            let now = std::time::Instant::now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return None;
            }
            let until_check = Self::CHECK_EVERY.saturating_sub(self.checked.elapsed());
            match self.from_transports.recv_timeout(left.min(until_check)) {
                Ok(d) => {
                    self.take(phone, d);
                    self.reconcile(phone);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// How often [`Waiter::next`] checks the state file for other processes' changes.
    pub const CHECK_EVERY: Duration = Duration::from_secs(1);

    /// Takes in the state file's changes ([`Phone::refresh`]) and serves the accounts the
    /// phone holds now.
    fn check(&mut self, phone: &mut Phone) {
        self.checked = std::time::Instant::now();
        match phone.refresh() {
            Ok(_) => self.unreadable = false,
            Err(error) => {
                if !self.unreadable {
                    self.unreadable = true;
                    self.events.push_back(WaitEvent::StateUnreadable(error));
                }
            }
        }
        self.reconcile(phone);
    }

    /// Starts a transport for each account of `phone` not served yet and stops those of the
    /// accounts it no longer holds.
    fn reconcile(&mut self, phone: &Phone) {
        let channels = phone.channels();
        let gone: Vec<AccountRef> = self
            .stops
            .keys()
            .filter(|a| {
                !channels.iter().any(|c| {
                    c.account == **a
                        && self
                            .tokens
                            .get(*a)
                            .is_some_and(|t| t.as_str() == c.token.as_str())
                })
            })
            .cloned()
            .collect();
        for account in gone {
            self.forget(&account);
            self.events
                .retain(|e| !matches!(e, WaitEvent::SignIn { account: a, .. } if *a == account));
            self.events.push_back(WaitEvent::NoLongerServing(account));
        }
        for channel in channels {
            if self.stops.contains_key(&channel.account) {
                continue;
            }
            let account = channel.account.clone();
            match self.spawn(channel) {
                Ok(()) => self.events.push_back(WaitEvent::NowServing(account)),
                Err(error) => {
                    if !self.unreadable {
                        self.unreadable = true;
                        self.events.push_back(WaitEvent::StateUnreadable(error));
                    }
                }
            }
        }
    }

    /// Turns one delivery into events.
    fn take(&mut self, phone: &mut Phone, d: Delivery) {
        if !self.stops.contains_key(&d.account) {
            // Late result of a transport already stopped (the account was removed).
            return;
        }
        let server = d.account.server.clone();
        let answer = match d.result {
            Ok(answer) => answer,
            Err(error) => {
                if is_outage(&error) {
                    if self.down.insert(server.clone()) {
                        self.events
                            .push_back(WaitEvent::Unreachable { server, error });
                    }
                } else if self.refused.insert(d.account.clone()) {
                    self.events.push_back(WaitEvent::Refused {
                        account: d.account,
                        error,
                    });
                }
                return;
            }
        };
        if self.down.remove(&server) {
            self.events.push_back(WaitEvent::Back { server });
        }
        self.refused.remove(&d.account);
        let seen = self.seen.entry(d.account.clone()).or_default();
        let now: BTreeSet<String> = answer
            .notifications
            .iter()
            .map(|n| n.attempt.clone())
            .collect();
        for n in answer.notifications {
            if !seen.contains(&n.attempt) {
                self.events.push_back(WaitEvent::SignIn {
                    account: d.account.clone(),
                    notification: n,
                });
            }
        }
        // Shown before, no longer pending: withdrawn (with its state when the server said).
        for gone in seen.difference(&now) {
            let state = answer
                .withdrawn
                .iter()
                .find(|w| w.attempt == *gone)
                .map(|w| w.state);
            self.events.retain(|e| {
                !matches!(e, WaitEvent::SignIn { notification, .. } if notification.attempt == *gone)
            });
            self.events.push_back(WaitEvent::Withdrawn {
                account: d.account.clone(),
                attempt: gone.clone(),
                state,
            });
        }
        *seen = now;
        for dereg in answer.deregistrations {
            match phone.apply_deregistration(&d.account, &dereg.uaf_request) {
                Ok(removal) => {
                    // Stops the account's transport; its sign-ins are moot.
                    self.stops.remove(&d.account);
                    self.tokens.remove(&d.account);
                    self.seen.remove(&d.account);
                    self.refused.remove(&d.account);
                    self.events.retain(|e| {
                        !matches!(e, WaitEvent::SignIn { account, .. } if *account == d.account)
                    });
                    self.events.push_back(WaitEvent::Removed(removal));
                    break;
                }
                Err(error) => self.events.push_back(WaitEvent::DeregistrationFailed {
                    account: d.account.clone(),
                    error,
                }),
            }
        }
    }

    /// Stops waiting for `account` (after [`Phone::remove`]): its transport ends.
    pub fn forget(&mut self, account: &AccountRef) {
        self.stops.remove(account);
        self.tokens.remove(account);
        self.seen.remove(account);
        self.refused.remove(account);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap_with_bounded_jitter() {
        let b = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        let ceilings: Vec<u128> = (1..=10).map(|n| b.ceiling(n).as_millis()).collect();
        assert_eq!(
            ceilings,
            [
                500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000
            ]
        );
        assert_eq!(b.ceiling(0), Duration::from_millis(500));
        // Far beyond: no overflow, still the cap.
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(30));
        for n in [1, 2, 5, 7, 100] {
            let c = b.ceiling(n);
            // The extremes of the jitter: c/2 and c.
            assert_eq!(b.delay(n, 0), c / 2, "{n}");
            let spread = u64::try_from(c.as_millis() - c.as_millis() / 2).unwrap() + 1;
            assert_eq!(b.delay(n, spread - 1), c, "{n}");
            assert_eq!(b.delay(n, spread), c / 2, "{n}");
            for r in [1, 7, 12_345, u64::MAX] {
                let d = b.delay(n, r);
                assert!(d >= c / 2 && d <= c, "{n} {r}: {d:?}");
            }
        }
        // Spread: different random values give different waits.
        let waits: BTreeSet<Duration> = (0..50).map(|r| b.delay(4, r * 97)).collect();
        assert!(waits.len() > 40);
        // A cap below the start is raised to it.
        let flat = Backoff::new(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(flat.ceiling(9), Duration::from_secs(2));
    }

    #[test]
    fn outages_and_refusals_are_told_apart() {
        assert!(is_outage(&PhoneError::Unreachable(String::from("x"))));
        for status in [500, 502, 503, 429] {
            assert!(is_outage(&PhoneError::Refused {
                status,
                message: String::new()
            }));
        }
        for status in [401, 403, 404] {
            assert!(!is_outage(&PhoneError::Refused {
                status,
                message: String::new()
            }));
        }
    }

    #[test]
    fn an_outbox_stops_when_the_loop_lets_go() {
        let (to_loop, from) = mpsc::channel();
        let (stop_tx, stop) = mpsc::channel();
        let outbox = Outbox {
            account: AccountRef::new("http://s", "a"),
            to_loop,
            stop,
        };
        assert!(outbox.deliver(Err(PhoneError::Unreachable(String::from("x")))));
        assert!(from.try_recv().is_ok());
        assert!(outbox.sleep(Duration::from_millis(1)));
        drop(stop_tx);
        let t = std::time::Instant::now();
        assert!(!outbox.sleep(Duration::from_secs(60)));
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(!outbox.deliver(Err(PhoneError::Unreachable(String::from("x")))));
    }
}
